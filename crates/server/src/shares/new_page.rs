//! The share form with the card preview.

use crate::error::AppError;
use crate::i18n::use_lang;
use crate::shares::preview_share;
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
        <Suspense fallback=move || loading(lang)>
            {move || data.get().map(|r| match r {
                Ok((d, preview)) => {
                    let flashed = flash.for_form("share");
                    let values = flashed.as_ref().map(|f| f.values.clone()).unwrap_or_default();
                    let message = values.get("message").cloned().unwrap_or_default();
                    let style = values.get("style").cloned().unwrap_or_default();
                    let error = flashed.and_then(|f| f.error);
                    view! { <ShareForm d awards=awards.get_untracked() message style error preview/> }.into_any()
                }
                Err(e) => view! { <Banner kind="error" text=e.summary(lang)/> }.into_any(),
            })}
        </Suspense>
    }
}

/// The share form, an island: the card preview follows what is typed and ticked (the first
/// chosen group's keywords included). It posts as a plain form; errors come back through the
/// flash (`message`, `style` and `error` are what the last plain post left).
#[island]
fn ShareForm(
    d: ShareFormData,
    awards: String,
    message: String,
    style: String,
    error: Option<AppError>,
    preview: Result<CardView, AppError>,
) -> impl IntoView {
    let lang = use_lang();
    let ready = crate::ui::live();
    let error: Signal<Option<AppError>> = Signal::derive(move || error.clone());
    let many = d.awards.len() > 1;
    let suggest_digest = d.awards.len() > d.digest_from;
    let (message, set_message) = signal(message);
    let (style, set_style) = signal(if style.is_empty() {
        "action_card".to_string()
    } else {
        style
    });
    let (mention, set_mention) = signal(true);
    let (sidebar, set_sidebar) = signal(false);
    let (digest, set_digest) = signal(suggest_digest);
    let (search, set_search) = signal(String::new());
    let (first_group, set_first_group) = signal(None::<i64>);
    let options = move || CardOptions {
        message: message.get(),
        style: style.get(),
        mention: mention.get(),
        sidebar: sidebar.get(),
        digest: digest.get(),
    };
    // The first preview comes from the server; later ones are asked for as the options change
    // (the last answer wins).
    let preview = RwSignal::new(preview);
    let asked = StoredValue::new(0u64);
    let awards_for_preview = awards.clone();
    Effect::new(move |first: Option<()>| {
        let (o, g) = (options(), first_group.get());
        // the server drew the first one (for a message left by a failed post, draw it again)
        if first.is_none() && o.message.is_empty() {
            return;
        }
        let n = asked.get_value() + 1;
        asked.set_value(n);
        let awards = awards_for_preview.clone();
        leptos::task::spawn_local(async move {
            let r = preview_share(awards, g, o).await;
            if asked.get_value() == n {
                preview.set(r);
            }
        });
    });
    let mentionable = d.awards.iter().filter(|a| a.mentionable).count();
    let no_groups = d.groups.is_empty();
    view! {
        <div class="share-layout" data-ready=crate::ui::ready_attr(ready)>
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
                    <input type="search" class="group-search" aria-label=lang.t("搜索群", "Search groups")
                        placeholder=lang.t("搜索群名称", "Search group names")
                        on:input=move |ev| set_search.set(event_target_value(&ev))/>
                    <div class="group-checks">
                        {d.groups.iter().map(|g| {
                            let name = g.name.clone();
                            let lower = name.to_lowercase();
                            let gid = g.id;
                            view! {
                                <label class="check" class:hidden=move || { let q = search.get().to_lowercase(); !q.is_empty() && !lower.contains(&q) }>
                                    <input type="checkbox" name="group_ids[]" value=gid
                                        on:change=move |ev| if event_target_checked(&ev) && first_group.get_untracked().is_none() { set_first_group.set(Some(gid)) }/>
                                    " "{name}
                                    {(!g.keywords.is_empty()).then(|| view! { " "<span class="muted">{format!("（{}）", g.keywords.join("、"))}</span> })}
                                </label>
                            }
                        }).collect_view()}
                    </div>
                    <FieldErrors field="groups" error=error/>
                </fieldset>
                <div class="field">
                    <label for="message">{lang.t("寄语", "Personal message")}</label>
                    <textarea id="message" name="options[message]" maxlength="200" rows="3"
                        on:input=move |ev| set_message.set(event_target_value(&ev))>{message.get_untracked()}</textarea>
                    <FieldErrors field="message" error=error/>
                </div>
                <div class="field">
                    <label for="style">{lang.t("卡片样式", "Card style")}</label>
                    <select id="style" name="options[style]" on:change=move |ev| set_style.set(event_target_value(&ev))>
                        <option value="action_card" selected=style.get_untracked() == "action_card">{lang.t("按钮卡片（查看详情）", "Action card (查看详情 button)")}</option>
                        <option value="markdown" selected=style.get_untracked() == "markdown">{lang.t("Markdown 消息", "Markdown message")}</option>
                    </select>
                </div>
                <label class="check"><input type="checkbox" name="options[mention]" value="true" checked=true
                    on:change=move |ev| set_mention.set(event_target_checked(&ev))/>" "
                    {lang.t("@获奖人", "@mention the winner")}
                    <span class="muted">{match lang { Lang::Zh => format!("（{mentionable} 人有钉钉 userId）"), Lang::En => format!(" ({mentionable} with a DingTalk userId)") }}</span></label>
                {(mentionable < d.awards.len()).then(|| view! {
                    <p class="hint" data-no-userid=d.awards.len() - mentionable>{match lang {
                        Lang::Zh => format!("有 {} 人没有钉钉 userId，卡片里不会 @ 他们。可在「员工 → 查询钉钉 userId」中按手机号查到。", d.awards.len() - mentionable),
                        Lang::En => format!("{} of them have no DingTalk userId and will not be @mentioned. Find it by mobile under Staff → Look up DingTalk userIds.", d.awards.len() - mentionable),
                    }}" "<a href="/staff/userids">{lang.t("去查询", "Look them up")}</a></p>
                })}
                <label class="check"><input type="checkbox" name="options[sidebar]" value="true"
                    on:change=move |ev| set_sidebar.set(event_target_checked(&ev))/>" "
                    {lang.t("在钉钉侧边栏中打开详情", "Open the details in DingTalk's sidebar")}</label>
                {many.then(|| view! {
                    <label class="check"><input type="checkbox" name="options[digest]" value="true" checked=suggest_digest
                        on:change=move |ev| set_digest.set(event_target_checked(&ev))/>" "
                        {lang.t("合并为一条喜报（推荐：每个机器人每分钟最多 20 条）", "One digest per group (recommended: a robot takes at most 20 messages a minute)")}</label>
                })}
                <div class="form-actions">
                    <button type="submit" class="btn btn-primary" disabled=no_groups>{lang.t("分享", "Share")}</button>
                </div>
                <p class="hint">{lang.t("提交后消息进入发送队列，页面会显示发送进度。", "Submitting queues the messages; the next page shows their progress.")}</p>
            </form>
            <section class="card share-preview">
                <h2>{lang.t("预览", "Preview")}</h2>
                <p class="hint">{lang.t("与钉钉群中显示的一致（来自第一个选中的群的关键词设置）。", "As the group will show it (with the first chosen group's keywords).")}</p>
                {move || match preview.get() {
                    Ok(card) => view! { <crate::ui::CardPreview view=card/> }.into_any(),
                    Err(e) => view! { <Banner kind="error" text=e.summary(lang)/> }.into_any(),
                }}
            </section>
        </div>
    }
}
