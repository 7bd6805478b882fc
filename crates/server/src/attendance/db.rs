//! The attendance queries: sync rows (latest, stale), each person's days, and the page's counts.

use crate::attendance::{AttendanceOverview, NoUserid, SyncJob};
use crate::error::AppError;
use crate::infra::now_ms;
use crate::infra::Db;
use crate::with_db;
use medal_core::time::{china_day, fmt_day};
use medal_core::Msg;

/// Who a sync asks about.
pub(crate) const WITH_USERID: &str =
    "active AND dingtalk_user_id IS NOT NULL AND dingtalk_user_id <> ''";
const WITHOUT_USERID: &str = "active AND (dingtalk_user_id IS NULL OR dingtalk_user_id = '')";

/// A sync's days when none ran before: the last 30, today included.
pub const FIRST_DAYS: i64 = 30;

/// A running sync whose heartbeat is older than this belonged to a server that stopped.
pub const STALE_MS: i64 = crate::staff::userids::STALE_MS;

pub fn today() -> i64 {
    china_day(now_ms())
}

pub(crate) async fn count(db: &Db, filter: &str) -> Result<i64, AppError> {
    crate::staff::userids::count(db, filter).await
}

/// Marks syncs whose server stopped beating as interrupted.
pub async fn expire_stale(db: &Db) -> Result<(), AppError> {
    let now = now_ms();
    with_db!(db, p => sqlx::query(
        "UPDATE attendance_syncs SET state = 'interrupted', finished_at = $1 \
         WHERE state = 'running' AND heartbeat_at < $2")
        .bind(now).bind(now - STALE_MS).execute(p).await.map(|_| ()))
    .map_err(AppError::from)
}

/// The days the next sync asks for: from the last day the last finished sync read (it may
/// have been partial then) to today; the last [`FIRST_DAYS`] the first time.
pub async fn next_days(db: &Db) -> Result<(i64, i64), AppError> {
    let today = today();
    let last = with_db!(db, p => sqlx::query_scalar::<_, Option<i64>>(
        "SELECT MAX(to_day) FROM attendance_syncs WHERE state = 'done'").fetch_one(p).await)
    .map_err(AppError::from)?;
    Ok(match last {
        Some(d) => (d.min(today), today),
        None => (today - (FIRST_DAYS - 1), today),
    })
}

#[derive(sqlx::FromRow)]
struct Row {
    id: i64,
    state: String,
    started_by: String,
    started_at: i64,
    finished_at: Option<i64>,
    from_day: i64,
    to_day: i64,
    total: i64,
    done: i64,
    calls: i64,
    records: i64,
    days_attended: i64,
    days_missed: i64,
    resumes: Option<i64>,
    error_zh: Option<String>,
    error_en: Option<String>,
}

/// The latest sync (what its live progress asks for).
pub async fn latest_job(db: &Db) -> Result<Option<SyncJob>, AppError> {
    let r = with_db!(db, p => sqlx::query_as::<_, Row>(
        "SELECT j.id, j.state, COALESCE(a.username, '') AS started_by, j.started_at, j.finished_at, \
         j.from_day, j.to_day, j.total, j.done, j.calls, j.records, j.days_attended, j.days_missed, \
         j.resumes, j.error_zh, j.error_en \
         FROM attendance_syncs j LEFT JOIN admins a ON a.id = j.started_by ORDER BY j.id DESC LIMIT 1")
        .fetch_optional(p).await)
    .map_err(AppError::from)?;
    Ok(r.map(|r| SyncJob {
        id: r.id,
        state: r.state,
        started_by: r.started_by,
        started_at: r.started_at,
        finished_at: r.finished_at,
        from: fmt_day(r.from_day),
        to: fmt_day(r.to_day),
        total: r.total,
        done: r.done,
        calls: r.calls,
        records: r.records,
        days_attended: r.days_attended,
        days_missed: r.days_missed,
        resumes: r.resumes,
        error: r.error_zh.zip(r.error_en).map(|(zh, en)| Msg { zh, en }),
    }))
}

/// One person's day as a sync judged it.
pub struct Day {
    pub staff_id: i64,
    pub day: i64,
    pub attended: bool,
    pub checks: String,
}

/// Keeps the days (a day seen again replaces what an earlier sync kept).
pub async fn write_days(db: &Db, days: &[Day]) -> Result<(), AppError> {
    let now = now_ms();
    for part in days.chunks(500) {
        let values: Vec<String> = (0..part.len())
            .map(|i| {
                let b = i * 4;
                format!("(${}, ${}, ${}, ${}, $1)", b + 2, b + 3, b + 4, b + 5)
            })
            .collect();
        let sql = format!(
            "INSERT INTO attendance_days (staff_id, day, attended, checks, synced_at) VALUES {} \
             ON CONFLICT (staff_id, day) DO UPDATE SET attended = excluded.attended, \
             checks = excluded.checks, synced_at = excluded.synced_at",
            values.join(", ")
        );
        with_db!(db, p => {
            let mut q = sqlx::query(&sql).bind(now);
            for d in part {
                q = q.bind(d.staff_id).bind(d.day).bind(d.attended).bind(&d.checks);
            }
            q.execute(p).await.map(|_| ())
        })
        .map_err(AppError::from)?;
    }
    Ok(())
}

/// The page: the policy, who is synced and who cannot be, the latest sync, the next days.
pub async fn overview(
    db: &Db,
    config: &crate::infra::Config,
) -> Result<AttendanceOverview, AppError> {
    expire_stale(db).await?;
    let crypto = crate::infra::crypto::for_config(config)?;
    let credentials_set = crate::settings::db::app_credentials(db, &crypto)
        .await?
        .is_some();
    let sql = format!(
        "SELECT id, name, department, COALESCE(mobile, '') FROM staff WHERE {WITHOUT_USERID} \
         ORDER BY id LIMIT 50"
    );
    let without_userid = with_db!(db, p => sqlx::query_as::<_, (i64, String, String, String)>(&sql)
        .fetch_all(p).await)
    .map_err(AppError::from)?
    .into_iter()
    .map(|(staff_id, name, department, mobile)| NoUserid {
        staff_id,
        name,
        department,
        has_mobile: !mobile.trim().is_empty(),
    })
    .collect();
    let (from, to) = next_days(db).await?;
    Ok(AttendanceOverview {
        credentials_set,
        policy: crate::attendance::policy::load(db).await?,
        with_userid: count(db, WITH_USERID).await?,
        without_userid,
        without_userid_total: count(db, WITHOUT_USERID).await?,
        job: latest_job(db).await?,
        next_from: fmt_day(from),
        next_to: fmt_day(to),
    })
}
