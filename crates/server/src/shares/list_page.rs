//! The share history, one share, progress.

use crate::error::AppError;
use crate::groups::list_groups;
use crate::i18n::use_lang;
use crate::shares::get_share;
use crate::shares::list_shares;
use crate::shares::share_progress;
use crate::shares::Progress;
use crate::shares::RetryShare;
use crate::shares::ShareFilter;
use crate::ui::can;
use crate::ui::fmt_time;
use crate::ui::id_param;
use crate::ui::loading;
use crate::ui::url_encode;
use crate::ui::Banner;
use leptos::prelude::*;
use leptos::server_fn::ServerFn;
use leptos_meta::Title;
use leptos_router::hooks::use_query_map;
use medal_core::{Lang, Role};

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
            <crate::ui::StackBar parts=vec![
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
pub fn ShareListPage() -> impl IntoView {
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
    let shares = Resource::new(filter, list_shares);
    let groups = Resource::new(|| (), |_| list_groups());
    let is_admin = can(Role::Admin);
    let sel =
        move |key: &'static str, v: String| move || query.read().get(key).unwrap_or_default() == v;
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
        <Suspense fallback=move || loading(lang)>
            {move || shares.get().map(|r| match r {
                Err(e) => view! { <Banner kind="error" text=e.summary(lang)/> }.into_any(),
                Ok(list) => {
                    let busy = list.progress.in_flight > 0;
                    let admin = is_admin.get();
                    let page = list.page;
                    let f = filter();
                    let href = move |page: u32| format!("/shares?status={}&group={}&request={}&page={page}", url_encode(&f.status), url_encode(&f.group), url_encode(&f.request));
                    view! {
                        {busy.then(|| view! { <noscript><meta http-equiv="refresh" content="3"/></noscript> })}
                        <ShareProgress filter=filter() initial=list.progress.clone()/>
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
                                                        <form method="post" action=RetryShare::url() class="inline-form">
                                                            <input type="hidden" name="id" value=s.id/>
                                                            <button type="submit" class="btn btn-small">{lang.t("重试", "Retry")}</button>
                                                        </form>
                                                    })}
                                                </td>
                                            </tr>
                                        }
                                    }).collect_view()}
                                </tbody>
                            </table>
                            {crate::ui::pager(lang, page, list.has_next, href)}
                        }.into_any()
                    }}
                    }.into_any()
                }
            })}
        </Suspense>
    }
}

/// A share list's progress, an island: while anything is in flight it asks the server for the
/// counts every second and moves the bar; when everything is done it loads the page again, so
/// the table shows how each share ended.
#[island]
fn ShareProgress(filter: ShareFilter, initial: Progress) -> impl IntoView {
    let lang = use_lang();
    let ready = crate::ui::live();
    let progress = RwSignal::new(initial);
    crate::ui::every(
        std::time::Duration::from_secs(1),
        move || progress.with_untracked(|p| p.in_flight > 0),
        move || {
            let filter = filter.clone();
            leptos::task::spawn_local(async move {
                if let Ok(p) = share_progress(filter).await {
                    let done = p.in_flight == 0;
                    progress.set(p);
                    if done {
                        crate::ui::reload();
                    }
                }
            });
        },
    );
    view! {
        <div class="live-progress" data-ready=crate::ui::ready_attr(ready)>
            {move || {
                let p = progress.get();
                let busy = p.in_flight > 0;
                view! {
                    <ProgressBar p/>
                    {busy.then(|| view! {
                        <p class="hint">{lang.t("仍有消息在发送，进度会自动更新。", "Messages are still being sent; the progress updates itself.")}" "
                            <a href="" class="reload-link">{lang.t("立即刷新", "Reload now")}</a></p>
                    })}
                }
            }}
        </div>
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
                Err(AppError::NotFound) => view! { <crate::ui::NotFound/> }.into_any(),
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
                                {d.preview.clone().map(|v| view! { <crate::ui::CardPreview view=v/> })}
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
