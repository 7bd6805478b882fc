//! Sharing: the share form (`/shares/new?awards=1,2`), the history with live progress
//! (`/shares`, `/shares?request=…`), and one share with the exact message sent (`/shares/:id`).

use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_query_map;
use medal_core::{Lang, Role};

use crate::api_share::{
    get_share, list_groups, list_shares, preview_share, share_form, CardOptions, CreateShare,
    Progress, RetryShare, ShareFilter, ShareFormData,
};
use crate::components::{
    can, fmt_time, id_param, loading, url_encode, use_flash, Banner, FieldErrors, FormError,
};
use crate::error::AppError;
use crate::i18n::use_lang;

fn status_label(lang: Lang, s: &str) -> &'static str {
    match s {
        "queued" => lang.t("排队中", "Queued"),
        "sending" => lang.t("发送中", "Sending"),
        "sent" => lang.t("已发送", "Sent"),
        "failed" => lang.t("失败", "Failed"),
        "gave_up" => lang.t("已放弃", "Gave up"),
        _ => lang.t("未知", "Unknown"),
    }
}

fn status_tag(lang: Lang, s: &str) -> impl IntoView {
    let class = match s {
        "sent" => "tag tag-ok",
        "failed" | "gave_up" => "tag tag-error",
        _ => "tag tag-muted",
    };
    view! { <span class=class data-status=s.to_string()>{status_label(lang, s)}</span> }
}

#[component]
pub fn ShareNew() -> impl IntoView {
    let lang = use_lang();
    let query = use_query_map();
    let awards = Memo::new(move |_| query.read().get("awards").unwrap_or_default());
    let data = Resource::new(move || awards.get(), share_form);
    view! {
        <Title text=lang.t("分享到群", "Share to groups")/>
        <nav class="crumbs"><a href="/shares">{lang.t("分享记录", "Shares")}</a>" / "<span>{lang.t("分享", "Share")}</span></nav>
        <div class="page-head"><h1>{lang.t("分享到群", "Share to groups")}</h1></div>
        <Suspense fallback=move || loading(lang)>
            {move || data.get().map(|r| match r {
                Ok(d) => view! { <ShareForm d awards=awards.get_untracked()/> }.into_any(),
                Err(e) => view! { <Banner kind="error" text=e.summary(lang)/> }.into_any(),
            })}
        </Suspense>
    }
}

#[component]
fn ShareForm(d: ShareFormData, awards: String) -> impl IntoView {
    let lang = use_lang();
    let flash = use_flash();
    let create = ServerAction::<CreateShare>::new();
    let values = flash
        .for_form("share")
        .map(|f| f.values)
        .unwrap_or_default();
    let error: Signal<Option<AppError>> = Signal::derive(move || match create.value().get() {
        Some(Err(e)) => Some(e),
        Some(Ok(_)) => None,
        None => flash.for_form("share").and_then(|f| f.error),
    });
    let banner: Signal<Option<AppError>> =
        Signal::derive(move || create.value().get().and_then(|r| r.err()));
    let many = d.awards.len() > 1;
    let suggest_digest = d.awards.len() > d.digest_from;
    let (message, set_message) = signal(values.get("message").cloned().unwrap_or_default());
    let (style, set_style) = signal(
        values
            .get("style")
            .cloned()
            .filter(|s| !s.is_empty())
            .unwrap_or_else(|| "action_card".into()),
    );
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
    let awards_for_preview = awards.clone();
    let preview = Resource::new(
        move || (options(), first_group.get()),
        move |(o, g)| preview_share(awards_for_preview.clone(), g, o),
    );
    let mentionable = d.awards.iter().filter(|a| a.mentionable).count();
    let no_groups = d.groups.is_empty();
    view! {
        <div class="share-layout">
            <ActionForm action=create attr:class="form card share-form" attr:novalidate=true>
                <FormError error=banner/>
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
            </ActionForm>
            <section class="card share-preview">
                <h2>{lang.t("预览", "Preview")}</h2>
                <p class="hint">{lang.t("与钉钉群中显示的一致（来自第一个选中的群的关键词设置）。", "As the group will show it (with the first chosen group's keywords).")}</p>
                <Suspense fallback=move || loading(lang)>
                    {move || preview.get().map(|r| match r {
                        Ok(html) => view! { <div class="dt-preview" inner_html=html></div> }.into_any(),
                        Err(e) => view! { <Banner kind="error" text=e.summary(lang)/> }.into_any(),
                    })}
                </Suspense>
            </section>
        </div>
    }
}

#[component]
fn ProgressBar(p: Progress) -> impl IntoView {
    let lang = use_lang();
    let done = p.sent + p.failed + p.gave_up;
    let pct = if p.total > 0 {
        done * 100 / p.total
    } else {
        100
    };
    view! {
        <div class="share-progress" role="progressbar" aria-valuemin="0" aria-valuemax=p.total aria-valuenow=done>
            <crate::components::StackBar parts=vec![
                ("bar-sent", if p.total > 0 { p.sent * 100 / p.total } else { 0 }),
                ("bar-failed", if p.total > 0 { (p.failed + p.gave_up) * 100 / p.total } else { 0 }),
            ]/>
            <p class="progress-text">{match lang {
                Lang::Zh => format!("已发送 {} / {}，失败 {}，进行中 {}（{pct}%）", p.sent, p.total, p.failed + p.gave_up, p.in_flight),
                Lang::En => format!("Sent {} of {}, failed {}, in flight {} ({pct}%)", p.sent, p.total, p.failed + p.gave_up, p.in_flight),
            }}</p>
        </div>
    }
}

#[component]
pub fn ShareList() -> impl IntoView {
    let lang = use_lang();
    let query = use_query_map();
    let filter = move || {
        let q = query.read();
        ShareFilter {
            status: q.get("status").unwrap_or_default(),
            group: q.get("group").unwrap_or_default(),
            request: q.get("request").unwrap_or_default(),
            page: q.get("page").unwrap_or_default(),
        }
    };
    let retry = ServerAction::<RetryShare>::new();
    let (tick, set_tick) = signal(0u32);
    let shares = Resource::new(
        move || (filter(), retry.version().get(), tick.get()),
        |(f, ..)| list_shares(f),
    );
    let groups = Resource::new(|| (), |_| list_groups());
    let is_admin = can(Role::Admin);
    // With JavaScript: refetch every 2 s while anything is in flight.
    crate::components::refresh_while(
        set_tick,
        move || {
            shares
                .get_untracked()
                .and_then(|r| r.ok())
                .is_some_and(|l| l.progress.in_flight > 0)
        },
        std::time::Duration::from_secs(2),
    );
    let sel =
        move |key: &'static str, v: String| move || query.read().get(key).unwrap_or_default() == v;
    let retry_error: Signal<Option<AppError>> =
        Signal::derive(move || retry.value().get().and_then(|r| r.err()));
    view! {
        <Title text=lang.t("分享记录", "Shares")/>
        <div class="page-head"><h1>{lang.t("分享记录", "Shares")}</h1></div>
        <form class="filters" method="get" action="/shares">
            {move || query.read().get("request").map(|r| view! { <input type="hidden" name="request" value=r/> })}
            <div class="field">
                <label for="status">{lang.t("状态", "Status")}</label>
                <select id="status" name="status">
                    <option value="" selected=sel("status", String::new())>{lang.t("全部", "All")}</option>
                    {["queued", "sending", "sent", "failed", "gave_up"].into_iter().map(|s| view! {
                        <option value=s selected=sel("status", s.to_string())>{status_label(lang, s)}</option>
                    }).collect_view()}
                </select>
            </div>
            <div class="field">
                <label for="group">{lang.t("群", "Group")}</label>
                <select id="group" name="group">
                    <option value="">{lang.t("全部", "All")}</option>
                    <Suspense fallback=|| ()>
                        {move || groups.get().and_then(|r| r.ok()).map(|gs| gs.into_iter().map(|g| view! {
                            <option value=g.id selected=sel("group", g.id.to_string())>{g.name}</option>
                        }).collect_view())}
                    </Suspense>
                </select>
            </div>
            <button type="submit" class="btn">{lang.t("筛选", "Filter")}</button>
        </form>
        <FormError error=retry_error/>
        <Suspense fallback=move || loading(lang)>
            {move || shares.get().map(|r| match r {
                Err(e) => view! { <Banner kind="error" text=e.summary(lang)/> }.into_any(),
                Ok(list) => {
                    let admin = is_admin.get();
                    let busy = list.progress.in_flight > 0;
                    let f = filter();
                    let page = list.page;
                    let href = move |page: u32| format!("/shares?status={}&group={}&request={}&page={page}", url_encode(&f.status), url_encode(&f.group), url_encode(&f.request));
                    view! {
                        <ProgressBar p=list.progress.clone()/>
                        {busy.then(|| view! {
                            <noscript><meta http-equiv="refresh" content="3"/></noscript>
                            <p class="hint">{lang.t("仍有消息在发送，本页会自动刷新。", "Messages are still being sent; this page refreshes itself.")}" "
                                <a href="" class="reload-link">{lang.t("立即刷新", "Reload now")}</a></p>
                        })}
                        {if list.items.is_empty() {
                            view! { <p class="empty">{lang.t("没有分享记录。", "No shares.")}</p> }.into_any()
                        } else {
                            view! {
                                <table class="table shares-table">
                                    <thead><tr>
                                        <th scope="col">"#"</th>
                                        <th scope="col">{lang.t("群", "Group")}</th>
                                        <th scope="col">{lang.t("状态", "Status")}</th>
                                        <th scope="col">{lang.t("尝试次数", "Attempts")}</th>
                                        <th scope="col">{lang.t("时间", "Time")}</th>
                                        <th scope="col">{lang.t("说明", "Details")}</th>
                                    </tr></thead>
                                    <tbody>
                                        {list.items.into_iter().map(|s| {
                                            let can_retry = admin && (s.status == "failed" || s.status == "gave_up");
                                            view! {
                                                <tr data-share=s.id>
                                                    <td><a href=format!("/shares/{}", s.id)>{s.id}</a></td>
                                                    <td><a href=format!("/groups/{}", s.group_id)>{s.group_name.clone()}</a></td>
                                                    <td>{status_tag(lang, &s.status)}</td>
                                                    <td>{s.attempts}</td>
                                                    <td>{fmt_time(s.sent_at.unwrap_or(s.updated_at))}</td>
                                                    <td class="share-error">{s.error.as_ref().map(|e| e.get(lang).to_string()).unwrap_or_default()}
                                                        {can_retry.then(|| view! {
                                                            <ActionForm action=retry attr:class="inline-form">
                                                                <input type="hidden" name="id" value=s.id/>
                                                                <button type="submit" class="btn btn-small">{lang.t("重试", "Retry")}</button>
                                                            </ActionForm>
                                                        })}
                                                    </td>
                                                </tr>
                                            }
                                        }).collect_view()}
                                    </tbody>
                                </table>
                                {crate::components::pager(lang, page, list.has_next, href)}
                            }.into_any()
                        }}
                    }.into_any()
                }
            })}
        </Suspense>
    }
}

#[component]
pub fn ShareDetailPage() -> impl IntoView {
    let lang = use_lang();
    let id = id_param();
    let retry = ServerAction::<RetryShare>::new();
    let share = Resource::new(
        move || (id.get(), retry.version().get()),
        |(id, _)| get_share(id),
    );
    let is_admin = can(Role::Admin);
    view! {
        <Suspense fallback=move || loading(lang)>
            {move || share.get().map(|r| match r {
                Err(AppError::NotFound) => view! { <crate::components::NotFound/> }.into_any(),
                Err(e) => view! { <Banner kind="error" text=e.summary(lang)/> }.into_any(),
                Ok(d) => {
                    let s = d.row.clone();
                    let can_retry = is_admin.get() && (s.status == "failed" || s.status == "gave_up");
                    view! {
                        <Title text=format!("{} #{}", lang.t("分享", "Share"), s.id)/>
                        <nav class="crumbs"><a href="/shares">{lang.t("分享记录", "Shares")}</a>" / "<span>{format!("#{}", s.id)}</span></nav>
                        <section class="card">
                            <div class="page-head">
                                <h1>{format!("#{} → ", s.id)}{s.group_name.clone()}" "{status_tag(lang, &s.status)}</h1>
                                {can_retry.then(|| view! {
                                    <ActionForm action=retry attr:class="inline-form">
                                        <input type="hidden" name="id" value=s.id/>
                                        <button type="submit" class="btn">{lang.t("重试", "Retry")}</button>
                                    </ActionForm>
                                })}
                            </div>
                            {s.error.as_ref().map(|e| view! { <Banner kind="error" text=e.get(lang).to_string()/> })}
                            <dl class="facts">
                                <dt>{lang.t("尝试次数", "Attempts")}</dt><dd>{s.attempts}</dd>
                                <dt>{lang.t("创建时间", "Created")}</dt><dd>{fmt_time(s.created_at)}</dd>
                                <dt>{lang.t("发送时间", "Sent")}</dt><dd>{s.sent_at.map(fmt_time).unwrap_or_else(|| "—".into())}</dd>
                                <dt>"msgUuid"</dt><dd><code>{d.msg_uuid.clone()}</code></dd>
                                <dt>{lang.t("同批次", "Same request")}</dt><dd>{s.request_id.clone().map(|r| view! { <a href=format!("/shares?request={r}")>{r.clone()}</a> })}</dd>
                            </dl>
                        </section>
                        <div class="share-layout">
                            <section class="card share-preview">
                                <h2>{lang.t("卡片", "Card")}</h2>
                                <div class="dt-preview" inner_html=d.preview_html.clone()></div>
                            </section>
                            <section class="card">
                                <h2>{lang.t("发送的消息（JSON）", "The message sent (JSON)")}</h2>
                                <pre class="json">{d.message_json.clone()}</pre>
                            </section>
                        </div>
                    }.into_any()
                }
            })}
        </Suspense>
    }
}
