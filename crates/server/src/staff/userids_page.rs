//! The bulk DingTalk userId lookup page.

use crate::i18n::use_lang;
use crate::staff::get_userid_overview;
use crate::staff::page::dash;
use crate::staff::userid_progress;
use crate::staff::CancelUseridLookup;
use crate::staff::StartUseridLookup;
use crate::staff::UseridJob;
use crate::ui::can;
use crate::ui::fmt_time;
use crate::ui::loading;
use crate::ui::use_flash;
use crate::ui::Banner;
use crate::ui::FormError;
use leptos::prelude::*;
use leptos::server_fn::ServerFn;
use leptos_meta::Title;
use medal_core::{Lang, Role};

pub(crate) fn job_state(lang: Lang, state: &str) -> &'static str {
    match state {
        "running" => lang.t("进行中", "Running"),
        "done" => lang.t("已完成", "Finished"),
        "stopped" => lang.t("已停止", "Stopped"),
        "cancelled" => lang.t("已取消", "Cancelled"),
        _ => lang.t("已中断（服务器曾停止）", "Interrupted (the server stopped)"),
    }
}

#[component]
fn UseridJobCard(job: UseridJob, admin: bool) -> impl IntoView {
    let lang = use_lang();
    let running = job.state == "running";
    view! {
        <section class="card userid-job">
            <h2>{lang.t("最近一次批量查询", "Latest bulk lookup")}" "
                <span class=if running { "tag" } else { "tag tag-muted" }>{job_state(lang, &job.state)}</span></h2>
            <p class="hint">{match lang {
                Lang::Zh => format!("{} 由 {} 开始", fmt_time(job.started_at), job.started_by),
                Lang::En => format!("Started {} by {}", fmt_time(job.started_at), job.started_by),
            }}{job.finished_at.map(|t| match lang {
                Lang::Zh => format!("，{} 结束", fmt_time(t)),
                Lang::En => format!(", ended {}", fmt_time(t)),
            })}</p>
            <UseridProgress initial=job.clone()/>
            {job.error.map(|e| view! { <Banner kind="error" text=e.get(lang).to_string()/> })}
            {running.then(|| view! {
                <p class="hint">{lang.t("查询在后台进行，可以离开本页；本页会自动刷新。", "The lookup runs in the background; you may leave this page. It refreshes itself.")}" "
                    <a href="" class="reload-link">{lang.t("立即刷新", "Reload now")}</a></p>
                {admin.then(|| view! {
                    <form method="post" action=CancelUseridLookup::url() class="inline-form">
                        <button type="submit" class="btn btn-danger-ghost">{lang.t("取消查询", "Cancel the lookup")}</button>
                    </form>
                })}
            })}
        </section>
    }
}

/// `/staff/userids`: look up everyone's DingTalk userId by mobile, with progress and misses.
#[component]
pub fn StaffUserids() -> impl IntoView {
    let lang = use_lang();
    let flash = use_flash();
    let overview = Resource::new(|| (), |_| get_userid_overview());
    let is_admin = can(Role::Admin);
    let error = Signal::derive(move || flash.for_form("userid-bulk").and_then(|f| f.error));
    view! {
        <Title text=lang.t("查询钉钉 userId", "DingTalk userIds")/>
        <nav class="crumbs"><a href="/staff">{lang.t("员工", "Staff")}</a>" / "<span>{lang.t("钉钉 userId", "DingTalk userIds")}</span></nav>
        <div class="page-head"><h1>{lang.t("按手机号查询钉钉 userId", "Look up DingTalk userIds by mobile")}</h1></div>
        <p class="hint">{lang.t(
            "分享卡片时 @获奖人 需要其钉钉 userId。从 HR 表格导入的员工通常只有手机号：这里通过「设置」中的钉钉应用，按手机号向钉钉查询每位在职员工的 userId（每秒最多 15 次）。查到的会保存；查不到的列在下面，附钉钉的答复。",
            "@mentioning a winner on a card needs their DingTalk userId. Staff imported from HR files usually have only a mobile: this asks DingTalk, through the app set in Settings, for the userId of every active person by mobile (at most 15 calls a second). What is found is saved; who is not found is listed below with DingTalk's answer.",
        )}</p>
        <FormError error=error/>
        <Suspense fallback=move || loading(lang)>
            {move || overview.get().map(|r| match r {
                Err(e) => view! { <Banner kind="error" text=e.summary(lang)/> }.into_any(),
                Ok(o) => {
                    let admin = is_admin.get();
                    let running = o.job.as_ref().is_some_and(|j| j.state == "running");
                    let can_start = o.credentials_set && o.missing > 0 && !running;
                    view! {
                        {running.then(|| view! { <noscript><meta http-equiv="refresh" content="3"/></noscript> })}
                        {(!o.credentials_set).then(|| view! {
                            <div class="banner banner-warning" role="status">
                                {lang.t("尚未设置钉钉应用凭据（AppKey、AppSecret、RobotCode），无法查询。", "The DingTalk app credentials (AppKey, AppSecret, RobotCode) are not set, so nothing can be looked up. ")}
                                <a href="/settings">{lang.t("去设置", "Open Settings")}</a>
                            </div>
                        })}
                        <section class="card">
                            <dl class="facts">
                                <dt>{lang.t("待查询", "To look up")}</dt>
                                <dd class="userid-missing">{match lang {
                                    Lang::Zh => format!("{} 名在职员工有手机号、没有 userId", o.missing),
                                    Lang::En => format!("{} active people with a mobile and no userId", o.missing),
                                }}</dd>
                                <dt>{lang.t("无法查询", "Cannot be looked up")}</dt>
                                <dd>{match lang {
                                    Lang::Zh => format!("{} 名在职员工既没有手机号也没有 userId（请编辑补上）", o.without_mobile),
                                    Lang::En => format!("{} active people with neither a mobile nor a userId (edit them to add one)", o.without_mobile),
                                }}</dd>
                            </dl>
                            {admin.then(|| view! {
                                <form method="post" action=StartUseridLookup::url() class="inline-form userid-start">
                                    <button type="submit" class="btn btn-primary" disabled=!can_start>{match lang {
                                        Lang::Zh => format!("开始批量查询（{} 人）", o.missing),
                                        Lang::En => format!("Look up all ({} people)", o.missing),
                                    }}</button>
                                </form>
                            })}
                        </section>
                        {o.job.map(|job| view! { <UseridJobCard job admin/> })}
                        {(!o.misses.is_empty()).then(|| view! {
                            <section class="card">
                                <h2>{match lang {
                                    Lang::Zh => format!("未找到的员工（{} 人）", o.misses_total),
                                    Lang::En => format!("Not found ({} people)", o.misses_total),
                                }}</h2>
                                {(o.misses_total > o.misses.len() as i64).then(|| view! {
                                    <p class="hint">{lang.t("只列出最近查询的 50 人。", "Only the 50 looked up most recently are listed.")}</p>
                                })}
                                <table class="table userid-misses">
                                    <thead><tr>
                                        <th scope="col">{lang.t("姓名", "Name")}</th>
                                        <th scope="col">{lang.t("部门", "Department")}</th>
                                        <th scope="col">{lang.t("手机号", "Mobile")}</th>
                                        <th scope="col">{lang.t("查询时间", "Looked up")}</th>
                                        <th scope="col">{lang.t("钉钉的答复", "DingTalk's answer")}</th>
                                    </tr></thead>
                                    <tbody>
                                        {o.misses.into_iter().map(|m| view! {
                                            <tr>
                                                <td><a href=format!("/staff/{}", m.staff_id)>{m.name}</a></td>
                                                <td>{dash(Some(m.department))}</td>
                                                <td>{m.mobile}</td>
                                                <td>{fmt_time(m.at)}</td>
                                                <td>{m.error.get(lang).to_string()}</td>
                                            </tr>
                                        }).collect_view()}
                                    </tbody>
                                </table>
                            </section>
                        })}
                    }.into_any()
                }
            })}
        </Suspense>
    }
}

/// A lookup's progress, an island: while it runs it asks the server every second and moves the
/// bar; when it ends it loads the page again (the misses, the counts, the state).
#[island]
fn UseridProgress(initial: UseridJob) -> impl IntoView {
    let lang = use_lang();
    let ready = crate::ui::live();
    let job = RwSignal::new(initial);
    crate::ui::every(
        std::time::Duration::from_secs(1),
        move || job.with_untracked(|j| j.state == "running"),
        move || {
            leptos::task::spawn_local(async move {
                if let Ok(Some(j)) = userid_progress().await {
                    let ended = j.state != "running";
                    job.set(j);
                    if ended {
                        crate::ui::reload();
                    }
                }
            });
        },
    );
    move || {
        let job = job.get();
        let total = job.total.max(job.done);
        let pct = |n: i64| if total > 0 { n * 100 / total } else { 100 };
        view! {
            <div class="share-progress" role="progressbar" aria-valuemin="0" aria-valuemax=total aria-valuenow=job.done
                data-ready=crate::ui::ready_attr(ready)>
                <crate::ui::StackBar parts=vec![("bar-sent", pct(job.found)), ("bar-failed", pct(job.not_found))]/>
                <p class="progress-text">{match lang {
                    Lang::Zh => format!("已查询 {} / {}：查到 {}，未找到 {}（{}%）", job.done, total, job.found, job.not_found, pct(job.done)),
                    Lang::En => format!("Asked {} of {}: found {}, not found {} ({}%)", job.done, total, job.found, job.not_found, pct(job.done)),
                }}</p>
            </div>
        }
    }
}
