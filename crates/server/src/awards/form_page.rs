//! The award form: one medal to people picked by search, whole departments, or a CSV.

use crate::awards::award_choices;
use crate::error::AppError;
use crate::i18n::use_lang;
use crate::medals::list_medals;
use crate::medals::MedalFilter;
use crate::staff::list_staff;
use crate::staff::StaffFilter;
use crate::staff::StaffPage;
use crate::ui::loading;
use crate::ui::url_encode;
use crate::ui::use_flash;
use crate::ui::Banner;
use crate::ui::FieldErrors;
use leptos::either::EitherOf3;
use leptos::prelude::*;
use leptos::server_fn::ServerFn;
use leptos_meta::Title;
use leptos_router::hooks::use_query_map;
use medal_core::Lang;

/// `/awards/new?medal=ID&staff=ID&q=TEXT`: pick a medal, pick people, give a reason.
#[component]
pub fn AwardNew() -> impl IntoView {
    let lang = use_lang();
    let query = use_query_map();
    let flash = use_flash();
    let flashed = flash.for_form("award");
    let values = flashed.map(|f| f.values).unwrap_or_default();
    let val = |k: &str| values.get(k).cloned().unwrap_or_default();

    let medal_q = query.read_untracked().get("medal").unwrap_or_default();
    let medal_choice = if val("medal_id").is_empty() {
        medal_q
    } else {
        val("medal_id")
    };
    let reason = val("reason");
    let skip_holders = !val("skip_holders").is_empty();
    let share_after = !val("share_after").is_empty();
    let tell = val("tell");
    let tell_now = tell.clone();
    let flashed_depts: Vec<String> = val("department").lines().map(str::to_string).collect();

    // People chosen before the page loaded (a plain post that failed, or `?staff=`): their names
    // come from the server; those picked here are kept in `selected`.
    let mut initial_ids: Vec<i64> = val("staff")
        .split(',')
        .filter_map(|s| s.trim().parse().ok())
        .collect();
    if let Some(id) = query
        .read_untracked()
        .get("staff")
        .and_then(|s| s.parse::<i64>().ok())
    {
        if !initial_ids.contains(&id) {
            initial_ids.push(id);
        }
    }
    let search = query.read_untracked().get("q").unwrap_or_default();

    let medals = Resource::new(
        || (),
        |_| {
            list_medals(MedalFilter {
                status: "active".into(),
                ..MedalFilter::default()
            })
        },
    );
    let choices = Resource::new(|| (), |_| award_choices());
    // The picker's starting point: the people chosen before, and the results for `?q=`.
    let q_now = search.clone();
    let named = Resource::new(
        || (),
        move |_| {
            let ids = initial_ids.clone();
            let q = q_now.clone();
            async move {
                let mut out = Vec::new();
                for id in ids.into_iter().take(200) {
                    let name = match crate::staff::get_staff(id).await {
                        Ok(p) => p.name,
                        Err(_) => format!("#{id}"),
                    };
                    out.push((id, name));
                }
                let found = if q.trim().is_empty() {
                    None
                } else {
                    search_staff(q).await.ok()
                };
                Ok::<_, AppError>((out, found))
            }
        },
    );
    let error: Signal<Option<AppError>> =
        Signal::derive(move || flash.for_form("award").and_then(|f| f.error));
    let medal_now = medal_choice.clone();
    let search_href = format!("/awards/new?medal={}&q=", url_encode(&medal_now));
    let q0 = search.clone();
    view! {
        <Title text=lang.t("颁发勋章", "Award a medal")/>
        <nav class="crumbs"><a href="/awards">{lang.t("颁奖记录", "Awards")}</a>" / "<span>{lang.t("颁发", "Award")}</span></nav>
        <div class="page-head"><h1>{lang.t("颁发勋章", "Award a medal")}</h1></div>

        <section class="card">
            <h2>{lang.t("1. 选择勋章", "1. Choose the medal")}</h2>
            <div class="field">
                <label for="medal_id">{lang.t("勋章", "Medal")}</label>
                <Suspense fallback=move || loading(lang)>
                    {move || medals.get().map(|r| match r {
                        Err(e) => view! { <Banner kind="error" text=e.summary(lang)/> }.into_any(),
                        Ok(list) => view! {
                            <select id="medal_id" name="medal_id" form="award-form" required>
                                <option value="">{lang.t("— 请选择 —", "— Choose —")}</option>
                                {list.into_iter().map(|m| {
                                    let id = m.id.to_string();
                                    let sel = medal_choice == id;
                                    view! { <option value=id selected=sel>{format!("{} · {}", m.name, m.tier.label(lang))}</option> }
                                }).collect_view()}
                            </select>
                        }.into_any(),
                    })}
                </Suspense>
                <FieldErrors field="medal_id" error=error/>
            </div>
        </section>

        <section class="card">
            <h2>{lang.t("2. 选择获奖人", "2. Choose the recipients")}</h2>
            <p class="hint">{lang.t("可以组合使用：搜索选人、整个部门、上传名单。同一人只颁发一次。",
                "Combine as you like: pick people, whole departments, a list. Each person gets it once.")}</p>
            <Suspense fallback=move || loading(lang)>
                {
                    let (medal, q) = (medal_now.clone(), q0.clone());
                    move || named.get().map(|r| {
                        let (initial, found) = r.unwrap_or_default();
                        view! { <RecipientPicker initial medal=medal.clone() query=q.clone() found/> }
                    })
                }
            </Suspense>
            <FieldErrors field="recipients" error=error/>
            <div class="field-row">
                <div class="field">
                    <label for="department">{lang.t("整个部门（可多选）", "Whole departments (several allowed)")}</label>
                    <Suspense fallback=move || loading(lang)>
                        {move || choices.get().map(|r| match r {
                            Err(e) => view! { <Banner kind="error" text=e.summary(lang)/> }.into_any(),
                            Ok(c) => {
                                let flashed_depts = flashed_depts.clone();
                                view! {
                                    <select id="department" name="department" multiple size="5" form="award-form">
                                        {c.departments.into_iter().map(|d| {
                                            let sel = flashed_depts.contains(&d.name);
                                            view! { <option value=d.name.clone() selected=sel>{format!("{}（{}）", d.name, d.staff)}</option> }
                                        }).collect_view()}
                                    </select>
                                }.into_any()
                            }
                        })}
                    </Suspense>
                    <p class="hint">{lang.t("按住 Ctrl 或 ⌘ 可多选；只颁发给在职员工。", "Hold Ctrl or ⌘ to choose several; only active staff receive it.")}</p>
                    <FieldErrors field="department" error=error/>
                </div>
                <div class="field">
                    <label for="file">{lang.t("或上传获奖名单 CSV", "Or upload a recipients CSV")}</label>
                    <input id="file" name="file" type="file" accept=".csv,text/csv" form="award-form"/>
                    <p class="hint">{lang.t(
                        "表头含「工号」「手机号」或「钉钉ID」之一，可选「姓名」（用于核对）和「理由」（每人各自的理由）。UTF-8 或 GBK。有任何一行出错时不会颁发，并按行号列出原因。",
                        "The header has “external_id”, “mobile” or “userId”, optionally “name” (checked) and “reason” (each person's own). UTF-8 or GBK. If any line is wrong nothing is awarded and the lines are listed.",
                    )}</p>
                    <FieldErrors field="file" error=error/>
                </div>
            </div>
        </section>

        <form id="award-form" class="form card" method="post" action=crate::awards::GiveAward::url()
            enctype="multipart/form-data" novalidate>
            <h2>{lang.t("3. 颁发理由", "3. The reason")}</h2>
            <div class="field">
                <label for="reason">{lang.t("理由", "Reason")}</label>
                <textarea id="reason" name="reason" rows="3" maxlength="500"
                    placeholder=lang.t("例如：连续三个月客户满意度第一", "e.g. Top customer satisfaction three months in a row")>{reason}</textarea>
                <p class="hint">{lang.t("必填；名单中写了理由的人用各自的理由。", "Required; people whose list row has a reason get their own.")}</p>
                <FieldErrors field="reason" error=error/>
            </div>
            <label class="check">
                <input type="checkbox" name="skip_holders" value="1" checked=skip_holders/>
                <span>{lang.t("跳过已获得者（不可重复获得的勋章）", "Skip people who already have it (non-repeatable medals)")}</span>
            </label>
            <label class="check">
                <input type="checkbox" name="share_after" value="1" checked=share_after/>
                <span>{lang.t("颁发后分享到钉钉群", "Share to DingTalk groups afterwards")}</span>
            </label>
            <div class="field">
                <label for="tell">{lang.t("告诉获奖者本人", "Tell the winners themselves")}</label>
                <select id="tell" name="tell">
                    <option value="" selected=tell.is_empty()>{lang.t("不通知", "No")}</option>
                    <option value="oto" selected=tell == "oto">{lang.t("钉钉机器人单聊", "DingTalk robot, 1:1")}</option>
                    <option value="notice" selected=tell == "notice">{lang.t("钉钉工作通知", "DingTalk work notice")}</option>
                    <Suspense fallback=|| ()>
                        {move || choices.get().and_then(|r| r.ok()).map(|c| c.card_templates.into_iter().map(|(id, name)| {
                            let value = format!("card:{id}");
                            let sel = tell_now == value;
                            view! { <option value=value selected=sel>{format!("{}{name}", lang.t("互动卡片（单聊）：", "Card template, 1:1: "))}</option> }
                        }).collect_view())}
                    </Suspense>
                </select>
                <FieldErrors field="tell" error=error/>
            </div>
            <FieldErrors field="" error=error/>
            <div class="form-actions">
                <a class="btn btn-ghost" href="/awards">{lang.t("取消", "Cancel")}</a>
                <a class="btn btn-ghost" href=search_href>{lang.t("清空搜索", "Clear search")}</a>
                <button type="submit" class="btn btn-primary">{lang.t("颁发", "Award")}</button>
            </div>
        </form>
    }
}

/// Picking people, an island: a search that answers as it is typed (without JavaScript, a
/// plain GET of this page with `?q=`), ticked people kept as chips, each chip a hidden `staff`
/// field of the award form. `initial` are the people chosen when the page was made.
#[island]
fn RecipientPicker(
    initial: Vec<(i64, String)>,
    medal: String,
    query: String,
    found: Option<StaffPage>,
) -> impl IntoView {
    let lang = use_lang();
    let ready = crate::ui::live();
    let chosen = RwSignal::new(initial);
    let search = RwSignal::new(query);
    // The results for the query the page was made with come from the server; later ones are
    // asked for as the query changes (the last answer wins).
    let results: RwSignal<Result<Option<StaffPage>, AppError>> = RwSignal::new(Ok(found));
    let asked = StoredValue::new(0u64);
    Effect::new(move |first: Option<()>| {
        let q = search.get();
        if first.is_none() {
            return;
        }
        let n = asked.get_value() + 1;
        asked.set_value(n);
        leptos::task::spawn_local(async move {
            let r = if q.trim().is_empty() {
                Ok(None)
            } else {
                search_staff(q).await.map(Some)
            };
            if asked.get_value() == n {
                results.set(r);
            }
        });
    });
    let is_chosen = move |id: i64| chosen.with(|c| c.iter().any(|(i, _)| *i == id));
    // Sets (not flips) membership from the box's state, so a repeated event changes nothing.
    let choose = move |id: i64, name: String, on: bool| {
        chosen.update(|c| {
            c.retain(|(i, _)| *i != id);
            if on {
                c.push((id, name));
            }
        })
    };
    let on_pick = move |ev: leptos::ev::Event| {
        use leptos::wasm_bindgen::JsCast;
        let Some(input) = ev
            .target()
            .and_then(|t| t.dyn_into::<leptos::web_sys::HtmlInputElement>().ok())
        else {
            return;
        };
        if let Ok(id) = input.value().parse::<i64>() {
            let name = input.get_attribute("data-name").unwrap_or_default();
            choose(id, name, input.checked());
        }
    };
    let count = move || chosen.with(|c| c.len());
    view! {
        <div class="recipient-picker" data-ready=crate::ui::ready_attr(ready)>
            <form class="filters" method="get" action="/awards/new" role="search"
                on:submit=move |ev: leptos::web_sys::SubmitEvent| ev.prevent_default()>
                <input type="hidden" name="medal" value=medal/>
                <div class="field field-grow">
                    <label for="q">{lang.t("搜索员工（姓名、手机号、部门或工号）", "Search staff (name, mobile, department or external id)")}</label>
                    <input id="q" name="q" type="search" autocomplete="off" value=search.get_untracked()
                        on:input=move |ev| search.set(event_target_value(&ev))
                        placeholder=lang.t("例如：张三", "e.g. Zhang")/>
                </div>
                // (for plain pages; the search answers as it is typed once the island runs)
                <button type="submit" class="btn" class:hidden=move || ready.get()>{lang.t("搜索", "Search")}</button>
            </form>
            // One handler around the results (their boxes are re-rendered on every search). The
            // boxes set `checked` as a property too: rows are reused, and a box the user ticked
            // keeps its ticked property whatever the attribute says.
            <div class="pick" on:change=on_pick>
            {move || match results.get() {
                    Err(e) => EitherOf3::A(view! { <Banner kind="error" text=e.summary(lang)/> }),
                    Ok(None) => EitherOf3::B(()),
                    Ok(Some(p)) => EitherOf3::C(view! {
                        <p class="empty" class:hidden=!p.items.is_empty()>{lang.t("没有符合条件的在职员工。", "No active staff match.")}</p>
                        <ul class="pick-list" aria-label=lang.t("搜索结果", "Search results")>
                            {p.items.into_iter().map(|s| {
                                let id = s.id;
                                view! {
                                    <li>
                                        <label class="check">
                                            <input type="checkbox" name="staff" value=id form="award-form"
                                                data-name=s.name.clone() checked=is_chosen(id) prop:checked=move || is_chosen(id)/>
                                            <span>{s.name}</span>
                                            <span class="muted">{s.department}</span>
                                        </label>
                                    </li>
                                }
                            }).collect_view()}
                        </ul>
                        <p class="muted" class:hidden=!p.has_next>{lang.t("只显示前 50 人，请输入更多字缩小范围。", "Only the first 50 are shown; type more to narrow it down.")}</p>
                    }),
                }}
            </div>
            <div class="chosen" aria-live="polite">
                <p class:hidden=move || count() == 0><strong>{move || match lang {
                    Lang::Zh => format!("已选 {} 人：", count()),
                    Lang::En => format!("{} chosen:", count()),
                }}</strong></p>
                <ul class="chips">
                    {move || chosen.get().into_iter().map(|(id, name)| view! {
                        <li class="chip">
                            <input type="hidden" name="staff" value=id form="award-form"/>
                            <span>{name.clone()}</span>
                            <button type="button" class="chip-x" aria-label=format!("{} {name}", lang.t("移除", "Remove"))
                                on:click=move |_| chosen.update(|c| c.retain(|(i, _)| *i != id))>"×"</button>
                        </li>
                    }).collect_view()}
                </ul>
            </div>
        </div>
    }
}

/// Active staff matching `q` (the picker's search).
async fn search_staff(q: String) -> Result<StaffPage, AppError> {
    list_staff(StaffFilter {
        q,
        status: "active".into(),
        page: String::new(),
    })
    .await
}
