//! Awards: the award form (one medal to people picked by search, whole departments, or a CSV),
//! the awards list with filters and export, an award's page (revoke, share, public link), the
//! leaderboard, the medal wall on a person's page, the public award page and the dashboard chart.

use leptos::prelude::*;
use leptos::server_fn::ServerFn;
use leptos::web_sys::{FormData, HtmlFormElement, SubmitEvent};
use leptos_meta::{Meta, Title};
use leptos_router::hooks::use_query_map;
use medal_core::{AwardStatus, Lang, Period, Role, Tier};

use crate::api::{
    award_choices, get_award, give_award, leaderboard, list_awards, list_medals, list_staff,
    medal_wall, public_award, AwardFilter, AwardItem, MedalFilter, MonthCount, RevokeAward,
    StaffFilter,
};
use crate::components::{
    fmt_time, id_param, loading, url_encode, use_flash, Banner, FieldErrors, FormError, IfCan,
    TierBadge,
};
use crate::error::AppError;
use crate::i18n::use_lang;

pub fn status_tag(lang: Lang, s: AwardStatus) -> impl IntoView {
    let class = match s {
        AwardStatus::Active => "tag tag-ok",
        AwardStatus::Expired => "tag tag-muted",
        AwardStatus::Revoked => "tag tag-danger",
    };
    view! { <span class=class data-status=s.as_str()>{s.label(lang)}</span> }
}

use crate::components::fmt_date as date;

// ---------------------------------------------------------------- award form

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
    let medal_choice = RwSignal::new(if val("medal_id").is_empty() {
        medal_q
    } else {
        val("medal_id")
    });
    let reason = val("reason");
    let skip_holders = !val("skip_holders").is_empty();
    let share_after = !val("share_after").is_empty();
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
    let initial = StoredValue::new(initial_ids.clone());
    let removed = RwSignal::new(Vec::<i64>::new());
    let selected = RwSignal::new(Vec::<(i64, String)>::new());
    let search = RwSignal::new(query.read_untracked().get("q").unwrap_or_default());

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
    let results = Resource::new(
        move || search.get(),
        |q| async move {
            if q.trim().is_empty() {
                return Ok(None);
            }
            list_staff(StaffFilter {
                q,
                status: "active".into(),
                page: String::new(),
            })
            .await
            .map(Some)
        },
    );
    let named = Resource::new(
        || (),
        move |_| {
            let ids = initial_ids.clone();
            async move {
                let mut out = Vec::new();
                for id in ids.into_iter().take(200) {
                    let name = match crate::api::get_staff(id).await {
                        Ok(p) => p.name,
                        Err(_) => format!("#{id}"),
                    };
                    out.push((id, name));
                }
                Ok::<_, AppError>(out)
            }
        },
    );
    let give = Action::new_local(|data: &FormData| give_award(data.clone().into()));
    let error: Signal<Option<AppError>> = Signal::derive(move || match give.value().get() {
        Some(Err(e)) => Some(e),
        Some(Ok(_)) => None,
        None => flash.for_form("award").and_then(|f| f.error),
    });
    let banner: Signal<Option<AppError>> =
        Signal::derive(move || give.value().get().and_then(|r| r.err()));
    let on_submit = move |ev: SubmitEvent| {
        ev.prevent_default();
        use leptos::wasm_bindgen::JsCast;
        let Some(form) = ev
            .target()
            .and_then(|t| t.dyn_into::<HtmlFormElement>().ok())
        else {
            return;
        };
        if let Ok(data) = FormData::new_with_form(&form) {
            give.dispatch_local(data);
        }
    };
    let is_selected = move |id: i64| {
        selected.with(|s| s.iter().any(|(i, _)| *i == id))
            || (initial.with_value(|v| v.contains(&id)) && !removed.with(|r| r.contains(&id)))
    };
    // Sets (not flips) membership from the box's state, so a repeated event changes nothing.
    let choose = move |id: i64, name: String, on: bool| {
        if initial.with_value(|v| v.contains(&id)) {
            removed.update(|r| {
                r.retain(|i| *i != id);
                if !on {
                    r.push(id);
                }
            });
        } else if on && !is_selected(id) {
            selected.update(|s| s.push((id, name)));
        } else if !on {
            selected.update(|s| s.retain(|(i, _)| *i != id));
        }
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
    let chosen_count = move || {
        selected.with(|s| s.len()) + initial.with_value(|v| v.len()) - removed.with(|r| r.len())
    };
    let search_href = move || format!("/awards/new?medal={}&q=", url_encode(&medal_choice.get()));

    view! {
        <Title text=lang.t("颁发勋章", "Award a medal")/>
        <nav class="crumbs"><a href="/awards">{lang.t("颁奖记录", "Awards")}</a>" / "<span>{lang.t("颁发", "Award")}</span></nav>
        <div class="page-head"><h1>{lang.t("颁发勋章", "Award a medal")}</h1></div>
        <FormError error=banner/>

        <section class="card">
            <h2>{lang.t("1. 选择勋章", "1. Choose the medal")}</h2>
            <div class="field">
                <label for="medal_id">{lang.t("勋章", "Medal")}</label>
                <Suspense fallback=move || loading(lang)>
                    {move || medals.get().map(|r| match r {
                        Err(e) => view! { <Banner kind="error" text=e.summary(lang)/> }.into_any(),
                        Ok(list) => view! {
                            <select id="medal_id" name="medal_id" form="award-form" required
                                on:change=move |ev| medal_choice.set(event_target_value(&ev))>
                                <option value="">{lang.t("— 请选择 —", "— Choose —")}</option>
                                {list.into_iter().map(|m| {
                                    let id = m.id.to_string();
                                    let sel = medal_choice.get_untracked() == id;
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
            <form class="filters" method="get" action="/awards/new" role="search"
                on:submit=move |ev: SubmitEvent| ev.prevent_default()>
                <input type="hidden" name="medal" value=move || medal_choice.get()/>
                <div class="field field-grow">
                    <label for="q">{lang.t("搜索员工（姓名、手机号、部门或工号）", "Search staff (name, mobile, department or external id)")}</label>
                    <input id="q" name="q" type="search" autocomplete="off" value=search.get_untracked()
                        on:input=move |ev| search.set(event_target_value(&ev))
                        placeholder=lang.t("例如：张三", "e.g. Zhang")/>
                </div>
                <noscript><button type="submit" class="btn">{lang.t("搜索", "Search")}</button></noscript>
            </form>
            // One handler around the results (their boxes are re-rendered on every search). The
            // boxes set `checked` as a property too: rows are reused, and a box the user ticked
            // keeps its ticked property whatever the attribute says.
            <div class="pick" on:change=on_pick>
            <Suspense fallback=move || loading(lang)>
                {move || results.get().map(|r| match r {
                    Err(e) => view! { <Banner kind="error" text=e.summary(lang)/> }.into_any(),
                    Ok(None) => ().into_any(),
                    Ok(Some(p)) if p.items.is_empty() => view! { <p class="empty">{lang.t("没有符合条件的在职员工。", "No active staff match.")}</p> }.into_any(),
                    Ok(Some(p)) => view! {
                        <ul class="pick-list" aria-label=lang.t("搜索结果", "Search results")>
                            {p.items.into_iter().map(|s| {
                                let id = s.id;
                                let name = s.name.clone();
                                view! {
                                    <li>
                                        <label class="check">
                                            <input type="checkbox" name="staff" value=id form="award-form"
                                                data-name=name checked=move || is_selected(id) prop:checked=move || is_selected(id)/>
                                            <span>{s.name.clone()}</span>
                                            <span class="muted">{s.department.clone()}</span>
                                        </label>
                                    </li>
                                }
                            }).collect_view()}
                        </ul>
                        {p.has_next.then(|| view! { <p class="muted">{lang.t("只显示前 50 人，请输入更多字缩小范围。", "Only the first 50 are shown; type more to narrow it down.")}</p> })}
                    }.into_any(),
                })}
            </Suspense>
            </div>
            <div class="chosen" aria-live="polite">
                <p class:hidden=move || chosen_count() == 0><strong>{move || match lang {
                    Lang::Zh => format!("已选 {} 人：", chosen_count()),
                    Lang::En => format!("{} chosen:", chosen_count()),
                }}</strong></p>
                <ul class="chips">
                    <Suspense fallback=|| ()>
                        {move || named.get().and_then(|r| r.ok()).map(|people| people.into_iter().map(|(id, name)| {
                            let gone = move || removed.with(|r| r.contains(&id));
                            view! {
                                <li class="chip" class:hidden=gone>
                                    <input type="hidden" name="staff" value=id form="award-form" disabled=gone/>
                                    <span>{name.clone()}</span>
                                    <button type="button" class="chip-x" aria-label=format!("{} {name}", lang.t("移除", "Remove"))
                                        on:click=move |_| removed.update(|r| { r.retain(|i| *i != id); r.push(id) })>"×"</button>
                                </li>
                            }
                        }).collect_view())}
                    </Suspense>
                    {move || selected.get().into_iter().map(|(id, name)| view! {
                        <li class="chip">
                            <input type="hidden" name="staff" value=id form="award-form"/>
                            <span>{name.clone()}</span>
                            <button type="button" class="chip-x" aria-label=format!("{} {name}", lang.t("移除", "Remove"))
                                on:click=move |_| selected.update(|s| s.retain(|(i, _)| *i != id))>"×"</button>
                        </li>
                    }).collect_view()}
                </ul>
            </div>
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

        <form id="award-form" class="form card" method="post" action=crate::api::GiveAward::url()
            enctype="multipart/form-data" on:submit=on_submit novalidate>
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
            <FieldErrors field="" error=error/>
            <div class="form-actions">
                <a class="btn btn-ghost" href="/awards">{lang.t("取消", "Cancel")}</a>
                <a class="btn btn-ghost" href=search_href>{lang.t("清空搜索", "Clear search")}</a>
                <button type="submit" class="btn btn-primary" disabled=move || give.pending().get()>
                    {move || if give.pending().get() { lang.t("正在颁发…", "Awarding…") } else { lang.t("颁发", "Award") }}
                </button>
            </div>
        </form>
    }
}

// ---------------------------------------------------------------- list

fn filter_from(q: &leptos_router::params::ParamsMap) -> AwardFilter {
    let g = |k: &str| q.get(k).unwrap_or_default();
    AwardFilter {
        medal: g("medal"),
        person: g("person"),
        department: g("department"),
        from: g("from"),
        to: g("to"),
        by: g("by"),
        status: g("status"),
        batch: g("batch"),
        page: g("page"),
    }
}

fn filter_query(f: &AwardFilter) -> String {
    format!(
        "medal={}&person={}&department={}&from={}&to={}&by={}&status={}&batch={}",
        url_encode(&f.medal),
        url_encode(&f.person),
        url_encode(&f.department),
        url_encode(&f.from),
        url_encode(&f.to),
        url_encode(&f.by),
        url_encode(&f.status),
        url_encode(&f.batch)
    )
}

#[component]
pub fn AwardList() -> impl IntoView {
    let lang = use_lang();
    let query = use_query_map();
    let filter = move || filter_from(&query.read());
    let awards = Resource::new(filter, list_awards);
    let medals = Resource::new(
        || (),
        |_| {
            list_medals(MedalFilter {
                status: "all".into(),
                ..MedalFilter::default()
            })
        },
    );
    let choices = Resource::new(|| (), |_| award_choices());
    let given = move || {
        query
            .read()
            .get("given")
            .and_then(|n| n.parse::<u64>().ok())
    };
    let page_href = move |page: u32| format!("/awards?{}&page={page}", filter_query(&filter()));
    let export_href = move || format!("/awards/export.csv?{}", filter_query(&filter()));
    let f0 = filter_from(&query.read_untracked());
    view! {
        <Title text=lang.t("颁奖记录", "Awards")/>
        <div class="page-head">
            <h1>{lang.t("颁奖记录", "Awards")}</h1>
            <div class="actions">
                <a class="btn" rel="external" href=export_href>{lang.t("导出 CSV", "Export CSV")}</a>
                <IfCan role=Role::Awarder>
                    <a class="btn btn-primary" href="/awards/new">{lang.t("＋ 颁发勋章", "+ Award a medal")}</a>
                </IfCan>
            </div>
        </div>
        {move || given().map(|n| view! {
            <div class="banner banner-success" role="status">
                {match lang { Lang::Zh => format!("已颁发 {n} 枚勋章。"), Lang::En => format!("{n} awards given.") }}

            </div>
        })}
        <form class="filters filters-wrap" method="get" action="/awards" role="search">
            <div class="field">
                <label for="f-medal">{lang.t("勋章", "Medal")}</label>
                <Suspense fallback=|| view! { <select id="f-medal" name="medal"></select> }>
                    {
                        let cur = f0.medal.clone();
                        move || medals.get().map(|r| {
                            let cur = cur.clone();
                            view! {
                                <select id="f-medal" name="medal">
                                    <option value="">{lang.t("全部", "All")}</option>
                                    {r.unwrap_or_default().into_iter().map(|m| {
                                        let id = m.id.to_string();
                                        let sel = id == cur;
                                        view! { <option value=id selected=sel>{m.name.clone()}</option> }
                                    }).collect_view()}
                                </select>
                            }
                        })
                    }
                </Suspense>
            </div>
            <div class="field">
                <label for="f-person">{lang.t("获奖人", "Person")}</label>
                <input id="f-person" name="person" type="search" value=f0.person.clone() placeholder=lang.t("姓名、工号或手机号", "Name, id or mobile")/>
            </div>
            <div class="field">
                <label for="f-dept">{lang.t("部门", "Department")}</label>
                <Suspense fallback=|| view! { <select id="f-dept" name="department"></select> }>
                    {
                        let cur_d = f0.department.clone();
                        let cur_b = f0.by.clone();
                        move || choices.get().map(|r| {
                            let c = r.unwrap_or_default();
                            let cur_d = cur_d.clone();
                            let cur_b = cur_b.clone();
                            view! {
                                <select id="f-dept" name="department">
                                    <option value="">{lang.t("全部", "All")}</option>
                                    {c.departments.into_iter().map(|d| {
                                        let sel = d.name == cur_d;
                                        view! { <option value=d.name.clone() selected=sel>{d.name.clone()}</option> }
                                    }).collect_view()}
                                </select>
                                <label for="f-by" class="sr-only">{lang.t("颁发人", "Awarded by")}</label>
                                <select id="f-by" name="by" aria-label=lang.t("颁发人", "Awarded by")>
                                    <option value="">{lang.t("任何颁发人", "Anyone")}</option>
                                    {c.admins.into_iter().map(|a| {
                                        let id = a.id.to_string();
                                        let sel = id == cur_b;
                                        view! { <option value=id selected=sel>{a.username.clone()}</option> }
                                    }).collect_view()}
                                </select>
                            }
                        })
                    }
                </Suspense>
            </div>
            <div class="field">
                <label for="f-from">{lang.t("从", "From")}</label>
                <input id="f-from" name="from" type="date" value=f0.from.clone()/>
            </div>
            <div class="field">
                <label for="f-to">{lang.t("到", "To")}</label>
                <input id="f-to" name="to" type="date" value=f0.to.clone()/>
            </div>
            <div class="field">
                <label for="f-status">{lang.t("状态", "Status")}</label>
                <select id="f-status" name="status">
                    <option value="">{lang.t("全部", "All")}</option>
                    {AwardStatus::ALL.into_iter().map(|s| {
                        let sel = f0.status == s.as_str();
                        view! { <option value=s.as_str() selected=sel>{s.label(lang)}</option> }
                    }).collect_view()}
                </select>
            </div>
            {(!f0.batch.is_empty()).then(|| view! { <input type="hidden" name="batch" value=f0.batch.clone()/> })}
            <button type="submit" class="btn">{lang.t("筛选", "Filter")}</button>
        </form>
        <Suspense fallback=move || loading(lang)>
            {move || awards.get().map(|r| match r {
                Err(e) => view! { <Banner kind="error" text=e.summary(lang)/> }.into_any(),
                Ok(p) if p.items.is_empty() && p.page == 1 => view! {
                    <p class="empty">{lang.t("没有符合条件的颁奖记录。", "No awards match.")}</p>
                }.into_any(),
                Ok(p) => {
                    let page = p.page;
                    view! {
                        <p class="muted" data-total=p.total>{match lang { Lang::Zh => format!("共 {} 条", p.total), Lang::En => format!("{} in all", p.total) }}</p>
                        {(!filter().batch.is_empty() && p.total as usize <= p.items.len()).then(|| {
                            let ids = p.items.iter().map(|a| a.id.to_string()).collect::<Vec<_>>().join(",");
                            view! {
                                <IfCan role=Role::Awarder>
                                    <p><a class="btn" href=format!("/shares/new?awards={ids}")>{lang.t("把这批勋章分享到钉钉群", "Share this batch to DingTalk groups")}</a></p>
                                </IfCan>
                            }
                        })}
                        <AwardTable items=p.items/>
                        {crate::components::pager(lang, page, p.has_next, page_href)}
                    }.into_any()
                }
            })}
        </Suspense>
    }
}

#[component]
pub fn AwardTable(items: Vec<AwardItem>) -> impl IntoView {
    let lang = use_lang();
    view! {
        <table class="table awards-table">
            <thead><tr>
                <th scope="col">{lang.t("勋章", "Medal")}</th>
                <th scope="col">{lang.t("获奖人", "Recipient")}</th>
                <th scope="col">{lang.t("部门", "Department")}</th>
                <th scope="col">{lang.t("理由", "Reason")}</th>
                <th scope="col">{lang.t("颁发时间", "Awarded")}</th>
                <th scope="col">{lang.t("颁发人", "By")}</th>
                <th scope="col">{lang.t("状态", "Status")}</th>
            </tr></thead>
            <tbody>
                {items.into_iter().map(|a| view! {
                    <tr class=if a.status == AwardStatus::Active { "" } else { "inactive" }>
                        <td class="medal-cell">
                            <img class=format!("medal-icon-sm ring-{}", a.tier.as_str()) src=a.icon_url.clone() alt="" width="28" height="28" loading="lazy"/>
                            <a href=format!("/awards/{}", a.id)>{a.medal_name.clone()}</a>
                        </td>
                        <td><a href=format!("/staff/{}", a.staff_id)>{a.staff_name.clone()}</a></td>
                        <td>{a.department.clone()}</td>
                        <td class="reason-cell">{a.reason.clone()}</td>
                        <td>{fmt_time(a.awarded_at)}</td>
                        <td>{a.awarded_by.clone()}</td>
                        <td>{status_tag(lang, a.status)}</td>
                    </tr>
                }).collect_view()}
            </tbody>
        </table>
    }
}

// ---------------------------------------------------------------- one award

#[component]
pub fn AwardDetailPage() -> impl IntoView {
    let lang = use_lang();
    let id = id_param();
    let query = use_query_map();
    let flash = use_flash();
    let revoke = ServerAction::<RevokeAward>::new();
    let award = Resource::new(
        move || (id.get(), revoke.version().get()),
        |(id, _)| get_award(id),
    );
    let error: Signal<Option<AppError>> = Signal::derive(move || match revoke.value().get() {
        Some(Err(e)) => Some(e),
        Some(Ok(_)) => None,
        None => flash.for_form("revoke").and_then(|f| f.error),
    });
    let banner: Signal<Option<AppError>> =
        Signal::derive(move || revoke.value().get().and_then(|r| r.err()));
    let given = move || query.read().get("given").is_some();
    view! {
        <Suspense fallback=move || loading(lang)>
            {move || award.get().map(|r| match r {
                Err(AppError::NotFound) => view! { <crate::components::NotFound/> }.into_any(),
                Err(e) => view! { <Banner kind="error" text=e.summary(lang)/> }.into_any(),
                Ok(a) => {
                    let public = format!("/a/{}", a.public_token);
                    let title = format!("{} · {}", a.medal_name, a.staff_name);
                    view! {
                        <Title text=title/>
                        <nav class="crumbs"><a href="/awards">{lang.t("颁奖记录", "Awards")}</a>" / "<span>{a.medal_name.clone()}</span></nav>
                        {given().then(|| view! { <div class="banner banner-success" role="status">{lang.t("勋章已颁发。", "The medal was awarded.")}</div> })}
                        <FormError error=banner/>
                        <section class="card award-card">
                            <div class="award-head">
                                <img class=format!("medal-icon ring-{}", a.tier.as_str()) src=a.icon_url.clone() alt="" width="96" height="96"/>
                                <div>
                                    <h1>{a.medal_name.clone()}" "<TierBadge tier=a.tier/>" "{status_tag(lang, a.status)}</h1>
                                    <p class="lead"><a href=format!("/staff/{}", a.staff_id)>{a.staff_name.clone()}</a>" · "{a.department.clone()}</p>
                                </div>
                            </div>
                            <dl class="facts">
                                <dt>{lang.t("理由", "Reason")}</dt><dd class="reason">{a.reason.clone()}</dd>
                                <dt>{lang.t("颁发时间", "Awarded")}</dt><dd>{fmt_time(a.awarded_at)}</dd>
                                <dt>{lang.t("有效期至", "Valid until")}</dt><dd>{a.expires_at.map(fmt_time).unwrap_or_else(|| lang.t("长期有效", "No expiry").to_string())}</dd>
                                <dt>{lang.t("颁发人", "Awarded by")}</dt><dd>{a.awarded_by.clone()}</dd>
                                {a.revoked_at.map(|t| view! {
                                    <dt>{lang.t("撤销时间", "Revoked")}</dt><dd>{fmt_time(t)}" · "{a.revoked_by.clone().unwrap_or_default()}</dd>
                                    <dt>{lang.t("撤销理由", "Revoke reason")}</dt><dd class="reason">{a.revoke_reason.clone().unwrap_or_default()}</dd>
                                })}
                                <dt>{lang.t("公开页面", "Public page")}</dt><dd><a href=public.clone() rel="external" target="_blank">{public.clone()}</a></dd>
                            </dl>
                            <IfCan role=Role::Awarder>
                                <div class="actions">
                                    <a class="btn" href=format!("/shares/new?awards={}", a.id)>{lang.t("分享到钉钉群", "Share to DingTalk groups")}</a>
                                </div>
                            </IfCan>
                        </section>
                        {(a.revoked_at.is_none()).then(|| view! {
                            <IfCan role=Role::Awarder>
                                <ActionForm action=revoke attr:class="form card revoke-form" attr:novalidate=true>
                                    <h2>{lang.t("撤销这枚勋章", "Revoke this award")}</h2>
                                    <input type="hidden" name="id" value=a.id/>
                                    <div class="field">
                                        <label for="revoke-reason">{lang.t("撤销理由", "Reason for revoking")}</label>
                                        <textarea id="revoke-reason" name="reason" rows="2" maxlength="500"></textarea>
                                        <p class="hint">{lang.t("撤销后记录保留，各处都显示为“已撤销”。", "The record is kept and shows as revoked everywhere.")}</p>
                                        <FieldErrors field="reason" error=error/>
                                    </div>
                                    <div class="form-actions">
                                        <button type="submit" class="btn btn-danger" disabled=move || revoke.pending().get()>{lang.t("撤销", "Revoke")}</button>
                                    </div>
                                </ActionForm>
                            </IfCan>
                        })}
                    }.into_any()
                }
            })}
        </Suspense>
    }
}

// ---------------------------------------------------------------- medal wall

/// The medal wall on a person's page.
#[component]
pub fn MedalWallSection(staff_id: i64) -> impl IntoView {
    let lang = use_lang();
    let wall = Resource::new(move || staff_id, medal_wall);
    view! {
        <section class="card medal-wall" aria-labelledby="wall-h">
            <div class="card-head">
                <h2 id="wall-h">{lang.t("勋章墙", "Medal wall")}</h2>
                <IfCan role=Role::Awarder>
                    <a class="btn" href=format!("/awards/new?staff={staff_id}")>{lang.t("＋ 颁发勋章", "+ Award a medal")}</a>
                </IfCan>
            </div>
            <Suspense fallback=move || loading(lang)>
                {move || wall.get().map(|r| match r {
                    Err(e) => view! { <Banner kind="error" text=e.summary(lang)/> }.into_any(),
                    Ok(w) => view! {
                        <ul class="tier-counts">
                            {w.tiers.iter().map(|(t, n)| view! {
                                <li class=format!("tier-count tier-{}", t.as_str()) data-tier=t.as_str()>
                                    <span class="n">{*n}</span><span>{t.label(lang)}</span>
                                </li>
                            }).collect_view()}
                        </ul>
                        {if w.current.is_empty() {
                            view! { <p class="empty">{lang.t("还没有有效的勋章。", "No current medals yet.")}</p> }.into_any()
                        } else {
                            view! { <WallGrid items=w.current/> }.into_any()
                        }}
                        {(!w.past.is_empty()).then(|| view! {
                            <h3>{lang.t("已撤销或已过期", "Revoked or expired")}</h3>
                            <WallGrid items=w.past/>
                        })}
                    }.into_any(),
                })}
            </Suspense>
        </section>
    }
}

#[component]
fn WallGrid(items: Vec<AwardItem>) -> impl IntoView {
    let lang = use_lang();
    view! {
        <ul class="medal-grid wall-grid">
            {items.into_iter().map(|a| view! {
                <li class=if a.status == AwardStatus::Active { "medal-tile" } else { "medal-tile archived" } data-award=a.id>
                    <a href=format!("/awards/{}", a.id)>
                        <img class=format!("medal-icon ring-{}", a.tier.as_str()) src=a.icon_url.clone() alt="" width="72" height="72" loading="lazy"/>
                        <span class="medal-name">{a.medal_name.clone()}</span>
                        <span class="medal-meta"><TierBadge tier=a.tier/>{(a.status != AwardStatus::Active).then(|| status_tag(lang, a.status))}</span>
                        <span class="medal-count">{date(a.awarded_at)}</span>
                    </a>
                </li>
            }).collect_view()}
        </ul>
    }
}

// ---------------------------------------------------------------- public page

/// `/a/{token}`: the award as anyone with the link sees it — no login, nothing private.
#[component]
pub fn PublicAwardPage() -> impl IntoView {
    let lang = use_lang();
    let params = leptos_router::hooks::use_params_map();
    let token = move || params.read().get("token").unwrap_or_default();
    let award = Resource::new(token, public_award);
    view! {
        <div class="public-page">
            <Suspense fallback=move || loading(lang)>
                {move || award.get().map(|r| match r {
                    Err(AppError::NotFound) => view! { <crate::components::NotFound/> }.into_any(),
                    Err(e) => view! { <Banner kind="error" text=e.summary(lang)/> }.into_any(),
                    Ok(a) => {
                        let revoked = a.status == AwardStatus::Revoked;
                        let title = match lang {
                            Lang::Zh => format!("{} 获得「{}」勋章", a.recipient, a.medal_name),
                            Lang::En => format!("{} received the “{}” medal", a.recipient, a.medal_name),
                        };
                        let desc = if revoked { lang.t("此勋章已撤销。", "This award was revoked.").to_string() } else { a.reason.clone() };
                        view! {
                            <Title text=title.clone()/>
                            <Meta name="description" content=desc.clone()/>
                            <Meta property="og:type" content="website"/>
                            <Meta property="og:title" content=title.clone()/>
                            <Meta property="og:description" content=desc/>
                            <Meta property="og:image" content=a.icon_url.clone()/>
                            <Meta property="og:url" content=a.url.clone()/>
                            <Meta property="og:site_name" content=a.organisation.clone()/>
                            <Meta name="robots" content="noindex"/>
                            <article class=if revoked { "public-card revoked" } else { "public-card" }>
                                <p class="org">{a.organisation.clone()}</p>
                                {revoked.then(|| view! {
                                    <div class="banner banner-error" role="alert">
                                        {lang.t("这枚勋章已被撤销。", "This award has been revoked.")}
                                        {a.revoked_at.map(|t| format!(" ({})", date(t)))}
                                    </div>
                                })}
                                <img class=format!("medal-icon-lg ring-{}", a.tier.as_str()) src=a.icon_url.clone() alt=a.medal_name.clone() width="160" height="160"/>
                                <h1>{a.medal_name.clone()}</h1>
                                {(a.tier != Tier::None).then(|| view! { <p><TierBadge tier=a.tier/></p> })}
                                <p class="recipient">
                                    {lang.t("授予", "Awarded to")}" "<strong>{a.recipient.clone()}</strong>
                                    {(!a.department.is_empty()).then(|| format!(" · {}", a.department))}
                                </p>
                                <blockquote class="reason">{a.reason.clone()}</blockquote>
                                <p class="muted">
                                    {date(a.awarded_at)}
                                    {a.expires_at.map(|e| match lang { Lang::Zh => format!(" · 有效期至 {}", date(e)), Lang::En => format!(" · valid until {}", date(e)) })}
                                    {(a.status == AwardStatus::Expired).then(|| view! { " " {status_tag(lang, a.status)} })}
                                </p>
                                {(!a.medal_description.is_empty()).then(|| view! { <p class="medal-desc">{a.medal_description.clone()}</p> })}
                            </article>
                        }.into_any()
                    }
                })}
            </Suspense>
        </div>
    }
}

// ---------------------------------------------------------------- leaderboard

#[component]
pub fn Leaderboard() -> impl IntoView {
    let lang = use_lang();
    let query = use_query_map();
    let period = move || Period::parse(&query.read().get("period").unwrap_or_default());
    let rows = Resource::new(move || period().as_str().to_string(), leaderboard);
    view! {
        <Title text=lang.t("排行榜", "Leaderboard")/>
        <div class="page-head"><h1>{lang.t("排行榜", "Leaderboard")}</h1></div>
        <nav class="tabs" aria-label=lang.t("时间范围", "Period")>
            {Period::ALL.into_iter().map(|p| view! {
                <a href=format!("/leaderboard?period={}", p.as_str())
                    class=move || if period() == p { "tab active" } else { "tab" }
                    aria-current=move || (period() == p).then_some("page")>{p.label(lang)}</a>
            }).collect_view()}
        </nav>
        <Suspense fallback=move || loading(lang)>
            {move || rows.get().map(|r| match r {
                Err(e) => view! { <Banner kind="error" text=e.summary(lang)/> }.into_any(),
                Ok(rows) if rows.is_empty() => view! { <p class="empty">{lang.t("这段时间还没有人获得勋章。", "Nobody has received a medal in this period yet.")}</p> }.into_any(),
                Ok(rows) => view! {
                    <table class="table leaderboard">
                        <thead><tr>
                            <th scope="col">{lang.t("名次", "Rank")}</th>
                            <th scope="col">{lang.t("姓名", "Name")}</th>
                            <th scope="col">{lang.t("部门", "Department")}</th>
                            <th scope="col">{lang.t("勋章数", "Medals")}</th>
                            <th scope="col">{Tier::Gold.label(lang)}</th>
                            <th scope="col">{Tier::Silver.label(lang)}</th>
                            <th scope="col">{Tier::Bronze.label(lang)}</th>
                        </tr></thead>
                        <tbody>
                            {rows.into_iter().map(|r| view! {
                                <tr class=if r.rank <= 3 { format!("top top-{}", r.rank) } else { String::new() }>
                                    <td class="rank">{r.rank}</td>
                                    <td><a href=format!("/staff/{}", r.staff_id)>{r.name.clone()}</a></td>
                                    <td>{r.department.clone()}</td>
                                    <td class="num">{r.awards}</td>
                                    <td class="num">{r.gold}</td>
                                    <td class="num">{r.silver}</td>
                                    <td class="num">{r.bronze}</td>
                                </tr>
                            }).collect_view()}
                        </tbody>
                    </table>
                }.into_any(),
            })}
        </Suspense>
    }
}

// ---------------------------------------------------------------- dashboard chart

/// Awards per month as an SVG bar chart, drawn on the server so it reads without JavaScript.
#[component]
pub fn MonthChart(months: Vec<MonthCount>) -> impl IntoView {
    let lang = use_lang();
    let (w, h, pad_l, pad_b, pad_t) = (640.0_f64, 220.0_f64, 36.0_f64, 28.0_f64, 16.0_f64);
    let max = months.iter().map(|m| m.awards).max().unwrap_or(0).max(1);
    // A round top for the scale: 1, 2, 5 × 10^k.
    let top = {
        let mut t = 1i64;
        loop {
            if let Some(s) = [1, 2, 5].iter().map(|k| k * t).find(|v| *v >= max) {
                break s;
            }
            t *= 10;
        }
    };
    let n = months.len().max(1) as f64;
    let slot = (w - pad_l) / n;
    let bar = slot * 0.6;
    let plot_h = h - pad_b - pad_t;
    let summary = months
        .iter()
        .map(|m| format!("{} {}", m.month, m.awards))
        .collect::<Vec<_>>()
        .join(", ");
    let label = format!("{}: {summary}", lang.t("每月颁发数", "Awards per month"));
    view! {
        <svg class="chart" viewBox=format!("0 0 {w} {h}") role="img" aria-label=label preserveAspectRatio="xMidYMid meet">
            <title>{lang.t("每月颁发数", "Awards per month")}</title>
            {[0.0, 0.5, 1.0].into_iter().map(|f| {
                let y = pad_t + plot_h * (1.0 - f);
                let v = (top as f64 * f).round() as i64;
                view! {
                    <line x1=pad_l x2=w y1=y y2=y class="grid"/>
                    <text x=pad_l - 6.0 y=y + 4.0 text-anchor="end" class="axis">{v}</text>
                }
            }).collect_view()}
            {months.iter().enumerate().map(|(i, m)| {
                let bh = plot_h * m.awards as f64 / top as f64;
                let x = pad_l + slot * i as f64 + (slot - bar) / 2.0;
                let y = pad_t + plot_h - bh;
                view! {
                    <g class="bar" data-month=m.month.clone() data-awards=m.awards>
                        <rect x=x y=y width=bar height=bh rx="3"><title>{format!("{}: {}", m.month, m.awards)}</title></rect>
                        {(m.awards > 0).then(|| view! { <text x=x + bar / 2.0 y=y - 4.0 text-anchor="middle" class="value">{m.awards}</text> })}
                        <text x=x + bar / 2.0 y=h - 8.0 text-anchor="middle" class="axis">{m.month[5..].to_string()}</text>
                    </g>
                }
            }).collect_view()}
        </svg>
    }
}
