//! `/attendance` (考勤同步): the rule of what counts as a day attended, the sync with its live
//! progress, and the staff a sync cannot ask about (no DingTalk userId).

use crate::attendance::{
    attendance_progress, get_attendance_overview, AttendancePolicy, CancelAttendanceSync, NoUserid,
    SaveAttendancePolicy, StartAttendanceSync, SyncJob,
};
use crate::i18n::use_lang;
use crate::staff::userids_page::job_state;
use crate::ui::{can, fmt_time, loading, use_flash, Banner, FormError};
use leptos::prelude::*;
use leptos::server_fn::ServerFn;
use leptos_meta::Title;
use medal_core::{Lang, Role};

#[component]
fn PolicyCard(policy: AttendancePolicy, admin: bool) -> impl IntoView {
    let lang = use_lang();
    let flash = use_flash();
    let error = Signal::derive(move || flash.for_form("attendance-policy").and_then(|f| f.error));
    let notice = move || {
        flash
            .for_form("attendance-policy")
            .and_then(|f| f.notice)
            .map(|m| view! { <Banner kind="success" text=m.get(lang).to_string()/> })
    };
    view! {
        <section class="card attendance-policy">
            <h2>{lang.t("出勤规则", "What counts as a day attended")}</h2>
            <p class="policy-words">{policy.words(lang)}</p>
            {notice}
            <FormError error=error/>
            {admin.then(|| view! {
                <form method="post" action=SaveAttendancePolicy::url()>
                    <fieldset>
                        <legend>{lang.t("更改规则（下次同步起生效）", "Change it (applies from the next sync)")}</legend>
                        {AttendancePolicy::ALL.into_iter().map(|p| view! {
                            <label class="radio">
                                <input type="radio" name="policy" value=p.key() checked=p == policy/>
                                " "<strong>{p.label(lang)}</strong>" — "{p.words(lang)}
                            </label>
                        }).collect_view()}
                    </fieldset>
                    <button type="submit" class="btn">{lang.t("保存规则", "Save the rule")}</button>
                </form>
            })}
        </section>
    }
}

#[component]
fn SyncCard(job: SyncJob, admin: bool) -> impl IntoView {
    let lang = use_lang();
    let running = job.state == "running";
    let by = if job.started_by.is_empty() {
        lang.t("每日自动同步", "the daily sync").to_string()
    } else {
        job.started_by.clone()
    };
    view! {
        <section class="card attendance-job">
            <h2>{lang.t("最近一次同步", "Latest sync")}" "
                <span class=if running { "tag" } else { "tag tag-muted" }>{job_state(lang, &job.state)}</span></h2>
            <p class="hint">{match lang {
                Lang::Zh => format!("{} 由 {} 开始，同步 {} 至 {}", fmt_time(job.started_at), by, job.from, job.to),
                Lang::En => format!("Started {} by {}, days {} to {}", fmt_time(job.started_at), by, job.from, job.to),
            }}{job.finished_at.map(|t| match lang {
                Lang::Zh => format!("，{} 结束", fmt_time(t)),
                Lang::En => format!(", ended {}", fmt_time(t)),
            })}{job.resumes.map(|r| match lang {
                Lang::Zh => format!("（接着第 {r} 次未完成的同步）"),
                Lang::En => format!(" (continuing sync #{r}, which was interrupted)"),
            })}</p>
            <SyncProgress initial=job.clone()/>
            {job.error.map(|e| view! { <Banner kind="error" text=e.get(lang).to_string()/> })}
            {(running && admin).then(|| view! {
                <form method="post" action=CancelAttendanceSync::url() class="inline-form">
                    <button type="submit" class="btn btn-danger-ghost">{lang.t("取消同步", "Cancel the sync")}</button>
                </form>
            })}
        </section>
    }
}

#[component]
fn NoUseridCard(people: Vec<NoUserid>, total: i64) -> impl IntoView {
    let lang = use_lang();
    view! {
        <section class="card attendance-no-userid">
            <h2>{match lang {
                Lang::Zh => format!("没有钉钉 userId 的在职员工（{total} 人），不会同步", ),
                Lang::En => format!("Active staff without a DingTalk userId ({total}): not synced"),
            }}</h2>
            <p class="hint">{lang.t("考勤按 userId 向钉钉查询。有手机号的人可以", "Attendance is asked for by userId. People with a mobile can be ")}
                <a href="/staff/userids">{lang.t("按手机号批量查询 userId", "looked up by mobile in bulk")}</a>
                {lang.t("；没有手机号的请编辑此人，填上手机号或 userId。", "; for those without one, edit the person and add a mobile or the userId.")}</p>
            {(total > people.len() as i64).then(|| view! {
                <p class="hint">{lang.t("只列出前 50 人。", "Only the first 50 are listed.")}</p>
            })}
            <table class="table">
                <thead><tr>
                    <th scope="col">{lang.t("姓名", "Name")}</th>
                    <th scope="col">{lang.t("部门", "Department")}</th>
                    <th scope="col">{lang.t("怎样取得 userId", "How to get the userId")}</th>
                </tr></thead>
                <tbody>{people.into_iter().map(|p| view! {
                    <tr>
                        <td><a href=format!("/staff/{}", p.staff_id)>{p.name}</a></td>
                        <td>{p.department}</td>
                        <td>{if p.has_mobile {
                            view! { <a href="/staff/userids">{lang.t("按手机号查询", "Look up by mobile")}</a> }.into_any()
                        } else {
                            view! { <a href=format!("/staff/{}/edit", p.staff_id)>{lang.t("编辑：补上手机号或 userId", "Edit: add a mobile or the userId")}</a> }.into_any()
                        }}</td>
                    </tr>
                }).collect_view()}</tbody>
            </table>
        </section>
    }
}

/// `/attendance`: the policy, sync now with progress, and who cannot be synced.
#[component]
pub fn AttendancePage() -> impl IntoView {
    let lang = use_lang();
    let flash = use_flash();
    let overview = Resource::new(|| (), |_| get_attendance_overview());
    let is_admin = can(Role::Admin);
    let error = Signal::derive(move || flash.for_form("attendance-sync").and_then(|f| f.error));
    view! {
        <Title text=lang.t("考勤同步", "Attendance")/>
        <div class="page-head"><h1>{lang.t("考勤同步", "Attendance")}</h1></div>
        <p class="hint">{lang.t(
            "通过「设置」中的钉钉应用，从钉钉考勤读取每位有 userId 的在职员工每天的打卡结果（每次最多 50 人、7 天，每秒不超过 18 次调用），按下面的出勤规则把每人每天记为出勤（1）或未出勤（0），供「连续打卡」等自动勋章规则使用。每天自动同步一次；也可以立即同步。",
            "Through the DingTalk app in Settings, reads each active person's daily attendance results from DingTalk (50 people and 7 days per call, at most 18 calls a second), and records each person's day as attended (1) or not (0) under the rule below, for automatic medal rules such as streaks. It syncs once a day by itself; you can also sync now.",
        )}</p>
        <FormError error=error/>
        <Suspense fallback=move || loading(lang)>
            {move || overview.get().map(|r| match r {
                Err(e) => view! { <Banner kind="error" text=e.summary(lang)/> }.into_any(),
                Ok(o) => {
                    let admin = is_admin.get();
                    let running = o.job.as_ref().is_some_and(|j| j.state == "running");
                    let can_start = o.credentials_set && o.with_userid > 0 && !running;
                    view! {
                        {running.then(|| view! { <noscript><meta http-equiv="refresh" content="3"/></noscript> })}
                        {(!o.credentials_set).then(|| view! {
                            <div class="banner banner-warning" role="status">
                                {lang.t("尚未设置钉钉应用凭据，无法同步考勤。", "The DingTalk app credentials are not set, so attendance cannot be synced. ")}
                                <a href="/settings">{lang.t("去设置", "Open Settings")}</a>
                            </div>
                        })}
                        <PolicyCard policy=o.policy admin/>
                        <section class="card">
                            <dl class="facts">
                                <dt>{lang.t("同步对象", "Synced")}</dt>
                                <dd class="attendance-with-userid">{match lang {
                                    Lang::Zh => format!("{} 名有 userId 的在职员工", o.with_userid),
                                    Lang::En => format!("{} active people with a userId", o.with_userid),
                                }}</dd>
                                <dt>{lang.t("下次同步", "Next sync")}</dt>
                                <dd>{format!("{} — {}", o.next_from, o.next_to)}</dd>
                            </dl>
                            {admin.then(|| view! {
                                <form method="post" action=StartAttendanceSync::url() class="inline-form attendance-start">
                                    <button type="submit" class="btn btn-primary" disabled=!can_start>{lang.t("立即同步", "Sync now")}</button>
                                </form>
                            })}
                        </section>
                        {o.job.map(|job| view! { <SyncCard job admin/> })}
                        {(o.without_userid_total > 0).then(|| view! {
                            <NoUseridCard people=o.without_userid total=o.without_userid_total/>
                        })}
                    }.into_any()
                }
            })}
        </Suspense>
    }
}

/// A sync's progress, an island: while it runs it asks the server every second; when it ends it
/// loads the page again.
#[island]
fn SyncProgress(initial: SyncJob) -> impl IntoView {
    let lang = use_lang();
    let ready = crate::ui::live();
    let job = RwSignal::new(initial);
    crate::ui::every(
        std::time::Duration::from_secs(1),
        move || job.with_untracked(|j| j.state == "running"),
        move || {
            leptos::task::spawn_local(async move {
                if let Ok(Some(j)) = attendance_progress().await {
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
        let j = job.get();
        let total = j.total.max(j.done);
        let pct = if total > 0 { j.done * 100 / total } else { 100 };
        view! {
            <div class="share-progress" role="progressbar" aria-valuemin="0" aria-valuemax=total aria-valuenow=j.done
                data-ready=crate::ui::ready_attr(ready)>
                <crate::ui::StackBar parts=vec![("bar-sent", pct)]/>
                <p class="progress-text">{match lang {
                    Lang::Zh => format!("已同步 {} / {} 人（{}%）：{} 次调用，{} 条打卡结果，出勤 {} 人天，未出勤 {} 人天", j.done, total, pct, j.calls, j.records, j.days_attended, j.days_missed),
                    Lang::En => format!("Synced {} of {} people ({}%): {} calls, {} check results, {} person-days attended, {} not", j.done, total, pct, j.calls, j.records, j.days_attended, j.days_missed),
                }}</p>
            </div>
        }
    }
}
