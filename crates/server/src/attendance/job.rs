//! The attendance sync: a job row with a heartbeat (like the userId lookup), run in the
//! background, one at a time across instances, cancellable, and continued from its cursor after
//! a restart. It walks the staff with a userId by id in chunks of [`MAX_USERS`], asks DingTalk
//! for each chunk's days in windows of [`WINDOW_DAYS`] (a few windows in flight, every call
//! through one [`Pace`] per app), judges each person's day under the policy, and keeps the chunk
//! (days, counts, cursor) before the next.

use crate::attendance::db::{count, expire_stale, latest_job, next_days, write_days, Day};
use crate::attendance::db::{today, WITH_USERID};
use crate::attendance::policy::{attended, load};
use crate::error::AppError;
use crate::infra::audit::audit;
use crate::infra::{now_ms, Config, Db};
use crate::session::types::AdminInfo;
use crate::staff::userids::{app_client_for, explain};
use crate::with_db;
use dingtalk::app::attendance::MAX_USERS;
use dingtalk::{AppClient, Pace, TimeResult};
use futures::StreamExt;
use medal_core::time::china_day;
use medal_core::Msg;
use serde_json::json;
use std::collections::{BTreeMap, HashMap};
use std::sync::{Mutex, OnceLock};
use std::time::Duration;

/// Calls a second to attendance/list: a margin under DingTalk's 20 per app and API.
pub const RATE_PER_SEC: u32 = dingtalk::app::attendance::DEFAULT_PACE;
/// Days per call (both ends included: 6 apart, under DingTalk's 7).
pub const WINDOW_DAYS: i64 = 7;
/// Windows of one chunk asked at once (latency hides; the pace still holds).
const IN_FLIGHT: usize = 4;

/// One pace per app in this process, shared by every sync.
fn pace_for(app_key: &str) -> Pace {
    static PACES: OnceLock<Mutex<HashMap<String, Pace>>> = OnceLock::new();
    let mut m = PACES
        .get_or_init(Default::default)
        .lock()
        .unwrap_or_else(|p| p.into_inner());
    m.entry(app_key.to_owned())
        .or_insert_with(|| Pace::per_second(RATE_PER_SEC))
        .clone()
}

/// The windows of `from..=to`, each at most [`WINDOW_DAYS`] long.
pub fn windows(from: i64, to: i64) -> Vec<(i64, i64)> {
    (from..=to)
        .step_by(WINDOW_DAYS as usize)
        .map(|a| (a, (a + WINDOW_DAYS - 1).min(to)))
        .collect()
}

/// Starts a sync in the background (or continues the latest one if its server died); returns
/// its id. `admin` is `None` for the daily sync.
pub async fn start(db: &Db, config: &Config, admin: Option<&AdminInfo>) -> Result<i64, AppError> {
    let client = app_client_for(db, config).await?;
    expire_stale(db).await?;
    let total = count(db, WITH_USERID).await?;
    if total == 0 {
        return Err(AppError::form(Msg::new(
            "没有可同步的人：在职员工都还没有钉钉 userId。请先在「员工 → 钉钉 userId」中按手机号查询。",
            "Nobody to sync: no active person has a DingTalk userId yet. Look them up by mobile under Staff → DingTalk userIds first.",
        )));
    }
    let resume = latest_job(db).await?.filter(|j| j.state == "interrupted");
    let (from, to, cursor, done, resumes) = match &resume {
        Some(j) => {
            let (f, t, c, d) = with_db!(db, p => sqlx::query_as::<_, (i64, i64, i64, i64)>(
                "SELECT from_day, to_day, cursor_staff_id, done FROM attendance_syncs WHERE id = $1")
                .bind(j.id).fetch_one(p).await)
            .map_err(AppError::from)?;
            (f, t, c, d, Some(j.id))
        }
        None => {
            let (f, t) = next_days(db).await?;
            (f, t, 0, 0, None)
        }
    };
    let now = now_ms();
    let id = with_db!(db, p => sqlx::query_scalar::<_, i64>(
        "INSERT INTO attendance_syncs (started_by, started_at, heartbeat_at, from_day, to_day, total, \
         done, cursor_staff_id, resumes) VALUES ($1, $2, $2, $3, $4, $5, $6, $7, $8) RETURNING id")
        .bind(admin.map(|a| a.id)).bind(now).bind(from).bind(to).bind(total.max(done)).bind(done)
        .bind(cursor).bind(resumes).fetch_one(p).await)
    .map_err(|e| match &e {
        sqlx::Error::Database(d) if d.is_unique_violation() => AppError::Conflict(Msg::new(
            "已有一次考勤同步正在进行，请等它结束或先取消。",
            "An attendance sync is already running; wait for it to finish or cancel it first.",
        )),
        _ => AppError::from(e),
    })?;
    if let Some(admin) = admin {
        audit(
            db,
            admin,
            "attendance.sync",
            "attendance_sync",
            id,
            None,
            Some(json!({ "from_day": from, "to_day": to, "total": total, "resumes": resumes })),
        )
        .await?;
    }
    // the rules evaluate the facts each chunk writes: they need the app's state
    let st = crate::host::router::state(std::sync::Arc::new(config.clone()), db.clone());
    tokio::spawn(run(st, client, id));
    Ok(id)
}

/// Asks the running sync to stop after the chunk in flight. Admins only.
pub async fn cancel(db: &Db, admin: &AdminInfo) -> Result<(), AppError> {
    expire_stale(db).await?;
    let id = with_db!(db, p => sqlx::query_scalar::<_, i64>(
        "UPDATE attendance_syncs SET cancel_requested = TRUE WHERE state = 'running' RETURNING id")
        .fetch_optional(p).await)
    .map_err(AppError::from)?
    .ok_or_else(|| {
        AppError::Conflict(Msg::new(
            "没有正在进行的考勤同步。",
            "No attendance sync is running.",
        ))
    })?;
    audit(
        db,
        admin,
        "attendance.sync_cancel",
        "attendance_sync",
        id,
        None,
        None,
    )
    .await
}

async fn finish(db: &Db, job: i64, state: &str, error: Option<Msg>) -> Result<(), AppError> {
    let now = now_ms();
    let (zh, en) = error.map(|m| (m.zh, m.en)).unzip();
    with_db!(db, p => sqlx::query(
        "UPDATE attendance_syncs SET state = $1, finished_at = $2, heartbeat_at = $2, error_zh = $3, \
         error_en = $4 WHERE id = $5 AND state = 'running'")
        .bind(state).bind(now).bind(zh).bind(en).bind(job).execute(p).await.map(|_| ()))
    .map_err(AppError::from)
}

async fn run(st: crate::infra::AppState, client: AppClient, job: i64) {
    let db = st.db.clone();
    if let Err(e) = run_chunks(&st, &client, job).await {
        tracing::error!(job, error = %e, "attendance sync stopped");
        let why = Msg::new(
            "服务器内部错误，同步已停止（详见服务器日志）。再次开始会从停下的地方继续。",
            "An internal error stopped the sync (see the server log). Starting again continues where it stopped.",
        );
        if let Err(e) = finish(&db, job, "stopped", Some(why)).await {
            tracing::error!(job, error = %e, "attendance sync: could not record the stop");
        }
    }
}

/// Each person's days in `records`, judged under `policy`.
fn judge(
    people: &[(i64, String)],
    records: &[dingtalk::AttendanceRecord],
    policy: crate::attendance::AttendancePolicy,
) -> Vec<Day> {
    let staff: HashMap<&str, i64> = people.iter().map(|(id, u)| (u.as_str(), *id)).collect();
    let mut by_day: BTreeMap<(i64, i64), Vec<&dingtalk::AttendanceRecord>> = BTreeMap::new();
    for r in records {
        if let Some(id) = staff.get(r.user_id.as_str()) {
            by_day
                .entry((*id, china_day(r.work_date)))
                .or_default()
                .push(r);
        }
    }
    by_day
        .into_iter()
        .map(|((staff_id, day), recs)| {
            let results: Vec<TimeResult> = recs.iter().map(|r| r.time_result).collect();
            Day {
                staff_id,
                day,
                attended: attended(policy, &results),
                checks: recs
                    .iter()
                    .map(|r| format!("{:?}:{:?}", r.check_type, r.time_result))
                    .collect::<Vec<_>>()
                    .join(" "),
            }
        })
        .collect()
}

async fn run_chunks(
    st: &crate::infra::AppState,
    client: &AppClient,
    job: i64,
) -> Result<(), AppError> {
    let db = &st.db;
    let pace = pace_for(client.app_key());
    let policy = load(db).await?;
    let (from, to, mut cursor) = with_db!(db, p => sqlx::query_as::<_, (i64, i64, i64)>(
        "SELECT from_day, to_day, cursor_staff_id FROM attendance_syncs WHERE id = $1")
        .bind(job).fetch_one(p).await)
    .map_err(AppError::from)?;
    let windows = windows(from, to);
    loop {
        let (state, cancel) = with_db!(db, p => sqlx::query_as::<_, (String, bool)>(
            "SELECT state, cancel_requested FROM attendance_syncs WHERE id = $1")
            .bind(job).fetch_one(p).await)
        .map_err(AppError::from)?;
        if state != "running" {
            return Ok(()); // declared interrupted elsewhere: another run may be under way
        }
        if cancel {
            return finish(db, job, "cancelled", None).await;
        }
        let sql = format!(
            "SELECT id, dingtalk_user_id FROM staff WHERE {WITH_USERID} AND id > $1 ORDER BY id LIMIT {MAX_USERS}"
        );
        let people = with_db!(db, p => sqlx::query_as::<_, (i64, String)>(&sql)
            .bind(cursor).fetch_all(p).await)
        .map_err(AppError::from)?;
        let Some(&(last, _)) = people.last() else {
            return finish(db, job, "done", None).await;
        };
        let uids: Vec<String> = people.iter().map(|(_, u)| u.clone()).collect();
        let answers: Vec<_> = futures::stream::iter(windows.iter().copied())
            .map(|(a, b)| client.attendance_window(a, b, &uids, &pace))
            .buffered(IN_FLIGHT)
            .collect()
            .await;
        let (mut records, mut calls) = (Vec::new(), 0i64);
        for a in answers {
            match a {
                Ok(w) => {
                    calls += i64::from(w.calls + w.retries);
                    records.extend(w.records);
                }
                Err(e) => return finish(db, job, "stopped", Some(explain(&e))).await,
            }
        }
        let days = judge(&people, &records, policy);
        write_days(db, &days).await?;
        // each person's day as a fact (1 attended, 0 not), and the rules on attendance evaluated
        let facts = days
            .iter()
            .map(|d| crate::rules::facts::Fact {
                staff_id: d.staff_id,
                metric: crate::rules::facts::ATTENDANCE.into(),
                day: d.day,
                op: crate::rules::facts::Op::Set(i64::from(d.attended)),
                key: None,
            })
            .collect();
        crate::rules::facts::ingest(st, facts).await?;
        let attended_n = days.iter().filter(|d| d.attended).count() as i64;
        cursor = last;
        with_db!(db, p => sqlx::query(
            "UPDATE attendance_syncs SET done = done + $1, calls = calls + $2, records = records + $3, \
             days_attended = days_attended + $4, days_missed = days_missed + $5, cursor_staff_id = $6, \
             heartbeat_at = $7 WHERE id = $8")
            .bind(people.len() as i64).bind(calls).bind(records.len() as i64).bind(attended_n)
            .bind(days.len() as i64 - attended_n).bind(cursor).bind(now_ms()).bind(job)
            .execute(p).await.map(|_| ()))
        .map_err(AppError::from)?;
    }
}

/// How often the daily sync looks whether today's sync is due.
const DAILY_CHECK: Duration = Duration::from_secs(3600);

/// The daily automatic sync: a minute after start and then every hour, when app credentials
/// are set and no sync finished today, syncs the days since the last one (or continues one whose
/// server died).
pub fn spawn_daily(db: Db, config: std::sync::Arc<Config>) {
    tokio::spawn(async move {
        tokio::time::sleep(Duration::from_secs(60)).await;
        loop {
            if let Err(e) = daily_once(&db, &config).await {
                tracing::warn!(error = %e, "daily attendance sync not started");
            }
            tokio::time::sleep(DAILY_CHECK).await;
        }
    });
}

async fn daily_once(db: &Db, config: &Config) -> Result<(), AppError> {
    let crypto = crate::infra::crypto::for_config(config)?;
    if crate::settings::db::app_credentials(db, &crypto)
        .await?
        .is_none()
    {
        return Ok(());
    }
    expire_stale(db).await?;
    let latest = latest_job(db).await?;
    let due = match &latest {
        None => true,
        Some(j) if j.state == "running" => false,
        Some(j) if j.state == "interrupted" => true,
        Some(j) => j.finished_at.is_none_or(|t| china_day(t) < today()),
    };
    if due && count(db, WITH_USERID).await? > 0 {
        start(db, config, None).await?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::windows;

    #[test]
    fn windows_cover_the_days_seven_at_most() {
        assert_eq!(
            windows(10, 39),
            vec![(10, 16), (17, 23), (24, 30), (31, 37), (38, 39)]
        );
        assert_eq!(windows(5, 5), vec![(5, 5)]);
        assert_eq!(windows(0, 6), vec![(0, 6)]);
    }
}
