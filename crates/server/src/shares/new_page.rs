//! The share form with the card preview.

use crate::error::AppError;
use crate::i18n::use_lang;
use crate::shares::preview_share;
use crate::shares::preview_share_html;
use crate::shares::share_form;
use crate::shares::CardOptions;
use crate::shares::CreateShare;
use crate::shares::ShareFormData;
use crate::ui::loading;
use crate::ui::use_flash;
use crate::ui::Banner;
use crate::ui::FieldErrors;
use crate::ui::FormError;
use leptos::prelude::*;
use leptos::server_fn::ServerFn;
use leptos_meta::Title;
use leptos_router::hooks::use_query_map;
use medal_core::chat::CardView;
use medal_core::Lang;

#[component]
pub fn ShareNew() -> impl IntoView {
    let lang = use_lang();
    let query = use_query_map();
    let awards = Memo::new(move |_| query.read().get("awards").unwrap_or_default());
    // The form's data and its first preview (no group chosen yet, the default options).
    let data = Resource::new(
        move || awards.get(),
        |a| async move {
            let d = share_form(a.clone()).await?;
            let first = CardOptions {
                style: "action_card".into(),
                mention: true,
                digest: d.awards.len() > d.digest_from,
                ..CardOptions::default()
            };
            let preview = preview_share(a, None, first).await;
            Ok::<_, AppError>((d, preview))
        },
    );
    let flash = use_flash();
    view! {
        <Title text=lang.t("分享到群", "Share to groups")/>
        <nav class="crumbs"><a href="/shares">{lang.t("分享记录", "Shares")}</a>" / "<span>{lang.t("分享", "Share")}</span></nav>
        <div class="page-head"><h1>{lang.t("分享到群", "Share to groups")}</h1></div>
        <crate::shares::told_page::ToldBanner/>
        <Suspense fallback=move || loading(lang)>
            {move || data.get().map(|r| match r {
                Ok((d, preview)) => {
                    let flashed = flash.for_form("share");
                    let values = flashed.as_ref().map(|f| f.values.clone()).unwrap_or_default();
                    let message = values.get("message").cloned().unwrap_or_default();
                    let style = values.get("style").cloned().unwrap_or_default();
                    let error = flashed.and_then(|f| f.error);
                    let preview = preview.map_err(|e| e.summary(lang));
                    view! { <ShareForm d awards=awards.get_untracked() message style error preview/> }.into_any()
                }
                Err(e) => view! { <Banner kind="error" text=e.summary(lang)/> }.into_any(),
            })}
        </Suspense>
    }
}

/// The share form, rendered on the server and posted as a plain form; errors come back through
/// the flash (`message`, `style` and `error` are what the last plain post left). The preview
/// beside it is the island.
#[component]
fn ShareForm(
    d: ShareFormData,
    awards: String,
    message: String,
    style: String,
    error: Option<AppError>,
    preview: Result<CardView, String>,
) -> impl IntoView {
    let lang = use_lang();
    // a message left by a failed post: the island draws the preview again with it
    let redraw = !message.is_empty();
    let error: Signal<Option<AppError>> = Signal::stored(error);
    let many = d.awards.len() > 1;
    let suggest_digest = d.awards.len() > d.digest_from;
    let style = if style.is_empty() {
        "action_card".to_string()
    } else {
        style
    };
    let mentionable = d.awards.iter().filter(|a| a.mentionable).count();
    let no_groups = d.groups.is_empty();
    let repeats = d.groups.iter().any(|g| g.shared_at.is_some());
    let cap = d.guard.daily_cap;
    let quiet_until = d.guard.quiet_until;
    view! {
        <div class="share-layout">
            <form method="post" action=CreateShare::url() class="form card share-form" novalidate>
                <FormError error=error/>
                <input type="hidden" name="awards" value=awards.clone()/>
                <h2>{lang.t("勋章记录", "Awards")}</h2>
                <ul class="share-awards">
                    {d.awards.iter().map(|a| view! {
                        <li><strong>{a.staff_name.clone()}</strong>" · "{a.medal_name.clone()}" · "<span class="muted">{a.reason.clone()}</span></li>
                    }).collect_view()}
                </ul>
                <FieldErrors field="awards" error=error/>
                <fieldset class="field">
                    <legend>{lang.t("分享到哪些群", "Groups to share to")}</legend>
                    {no_groups.then(|| view! { <p class="hint">{lang.t("还没有可用的群，请先在“群组”中添加。", "No groups yet; add one under Groups first.")}</p> })}
                    <input type="search" id="group-search" class="group-search" aria-label=lang.t("搜索群", "Search groups")
                        placeholder=lang.t("搜索群名称", "Search group names")/>
                    <div class="group-checks">
                        {d.groups.iter().map(|g| view! {
                            <label class="check">
                                <input type="checkbox" name="group_ids[]" value=g.id/>
                                " "{g.name.clone()}
                                {(!g.keywords.is_empty()).then(|| view! { " "<span class="muted">{format!("（{}）", g.keywords.join("、"))}</span> })}
                                {g.shared_at.map(|t| view! { " "<span class="tag tag-danger shared-before">{match lang {
                                    Lang::Zh => format!("已于 {} 分享过", crate::ui::fmt_time(t)),
                                    Lang::En => format!("shared {}", crate::ui::fmt_time(t)),
                                }}</span> })}
                                {(cap > 0).then(|| view! { " "<span class="muted share-count">{match lang {
                                    Lang::Zh => format!("今日 {} / {cap}", g.today),
                                    Lang::En => format!("today {} of {cap}", g.today),
                                }}</span> })}
                            </label>
                        }).collect_view()}
                    </div>
                    <FieldErrors field="groups" error=error/>
                    {repeats.then(|| view! {
                        <label class="check confirm-repeat"><input type="checkbox" name="confirm" value="true"/>" "
                            {lang.t("仍然再次分享（标记为“已分享过”的群会再收到一次）", "Share again anyway (groups marked “shared” get it once more)")}</label>
                    })}
                    {quiet_until.map(|t| view! { <p class="hint quiet-now">{match lang {
                        Lang::Zh => format!("现在是免打扰时段，分享会排队，于 {} 发出。", crate::ui::fmt_time(t)),
                        Lang::En => format!("It is quiet hours now: shares wait and go out at {}.", crate::ui::fmt_time(t)),
                    }}</p> })}
                </fieldset>
                <div class="field">
                    <label for="message">{lang.t("寄语", "Personal message")}</label>
                    <textarea id="message" name="options[message]" maxlength="200" rows="3">{message}</textarea>
                    <FieldErrors field="message" error=error/>
                </div>
                <div class="field">
                    <label for="style">{lang.t("卡片样式", "Card style")}</label>
                    <select id="style" name="options[style]">
                        <option value="action_card" selected=style == "action_card">{lang.t("按钮卡片（查看详情）", "Action card (查看详情 button)")}</option>
                        <option value="markdown" selected=style == "markdown">{lang.t("Markdown 消息", "Markdown message")}</option>
                        {d.templates.iter().map(|(id, name)| {
                            let value = format!("template:{id}");
                            let sel = style == value;
                            view! { <option value=value selected=sel>{format!("{}{name}", lang.t("互动卡片：", "Card template: "))}</option> }
                        }).collect_view()}
                    </select>
                    {(!d.templates.is_empty()).then(|| view! {
                        <p class="hint">{lang.t("互动卡片只能发到应用机器人群；每条勋章记录一张卡片，撤销时就地更新。", "Template cards go to app-robot groups only, one card per award, updated in place on revoke.")}</p>
                    })}
                </div>
                <label class="check"><input type="checkbox" name="options[mention]" value="true" checked=true/>" "
                    {lang.t("@获奖人", "@mention the winner")}
                    <span class="muted">{match lang { Lang::Zh => format!("（{mentionable} 人有钉钉 userId）"), Lang::En => format!(" ({mentionable} with a DingTalk userId)") }}</span></label>
                {(mentionable < d.awards.len()).then(|| view! {
                    <p class="hint" data-no-userid=d.awards.len() - mentionable>{match lang {
                        Lang::Zh => format!("有 {} 人没有钉钉 userId，卡片里不会 @ 他们。可在「员工 → 查询钉钉 userId」中按手机号查到。", d.awards.len() - mentionable),
                        Lang::En => format!("{} of them have no DingTalk userId and will not be @mentioned. Find it by mobile under Staff → Look up DingTalk userIds.", d.awards.len() - mentionable),
                    }}" "<a href="/staff/userids">{lang.t("去查询", "Look them up")}</a></p>
                })}
                <label class="check"><input type="checkbox" name="options[sidebar]" value="true"/>" "
                    {lang.t("在钉钉侧边栏中打开详情", "Open the details in DingTalk's sidebar")}</label>
                {many.then(|| view! {
                    <label class="check"><input type="checkbox" name="options[digest]" value="true" checked=suggest_digest/>" "
                        {lang.t("合并为一条喜报（推荐：每个机器人每分钟最多 20 条）", "One digest per group (recommended: a robot takes at most 20 messages a minute)")}</label>
                })}
                <div class="form-actions">
                    <button type="submit" class="btn btn-primary" disabled=no_groups>{lang.t("分享", "Share")}</button>
                </div>
                <p class="hint">{lang.t("提交后消息进入发送队列，页面会显示发送进度。", "Submitting queues the messages; the next page shows their progress.")}</p>
            </form>
            <section class="card share-preview">
                <h2>{lang.t("预览", "Preview")}</h2>
                <p class="hint">{lang.t("与钉钉群中显示的一致（来自第一个选中的群的关键词设置）。", "As the group will show it (with the first chosen group's keywords).")}
                    {many.then(|| lang.t("不合并时每人一张卡片，这里显示第一张。", " Without a digest each person gets a card of their own; this is the first."))}</p>
                <SharePreview awards redraw>
                    {match preview {
                        Ok(card) => view! { <crate::ui::CardPreview view=card/> }.into_any(),
                        Err(text) => view! { <crate::ui::Banner kind="error" text/> }.into_any(),
                    }}
                </SharePreview>
            </section>
        </div>
    }
}

/// The card preview, an island: it follows the share form — the message typed, the style and
/// options ticked, the first chosen group (its keywords) — and asks the server to draw the card
/// again (the last answer wins). Until the first answer it shows its children, the preview the
/// server drew with the page. It also filters the group list as the group search is typed.
#[island]
fn SharePreview(awards: String, redraw: bool, children: Children) -> impl IntoView {
    let lang = use_lang();
    let ready = crate::ui::live();
    // the last answer: the card's HTML (drawn by the server, see `preview_share_html`) or an error
    let preview = RwSignal::new(None::<Result<String, String>>);
    let first = NodeRef::<leptos::html::Div>::new();
    let asked = StoredValue::new(0u64);
    let ask = move |e: crate::ui::FormEvent| {
        let options = CardOptions {
            message: e.get("options[message]").unwrap_or_default(),
            style: e.get("options[style]").unwrap_or_default(),
            mention: e.get("options[mention]").is_some(),
            sidebar: e.get("options[sidebar]").is_some(),
            digest: e.get("options[digest]").is_some(),
        };
        let group = e.get("group_ids[]").and_then(|g| g.parse::<i64>().ok());
        let n = asked.get_value() + 1;
        asked.set_value(n);
        let awards = awards.clone();
        leptos::task::spawn_local(async move {
            let r = preview_share_html(awards, group, options).await;
            if asked.get_value() == n {
                // the server's first drawing gives way to the answers
                if let Some(el) = first.get_untracked() {
                    el.remove();
                }
                preview.set(Some(r.map_err(|e| e.summary(lang))));
            }
        });
    };
    let ask_now = ask.clone();
    Effect::new(move |_| {
        if redraw {
            if let Some(e) = crate::ui::form_now("form.share-form") {
                ask_now(e);
            }
        }
    });
    crate::ui::follow_form("form.share-form", move |e| {
        if e.id == "group-search" {
            crate::ui::filter_by_text(".share-form .group-checks label", &e.value());
        } else if !e.name.is_empty() && e.name != "awards" {
            ask(e);
        }
    });
    view! {
        <div class="preview-live" data-ready=crate::ui::ready_attr(ready)>
            <div node_ref=first>{children()}</div>
            <div class:hidden=move || !matches!(preview.get(), Some(Ok(_)))
                inner_html=move || preview.with(|p| match p { Some(Ok(html)) => html.clone(), _ => String::new() })></div>
            {move || match preview.get() {
                Some(Err(text)) => Some(view! { <crate::ui::Banner kind="error" text/> }),
                _ => None,
            }}
        </div>
    }
}
