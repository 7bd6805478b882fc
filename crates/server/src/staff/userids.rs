//! DingTalk userId lookup by mobile (`topapi/v2/user/getbymobile`, through the internal app whose
//! credentials are in the settings). A userId is what @mentions and DingTalk's own APIs need;
//! staff imported from HR files usually have only a mobile.
//!
//! - One person: the button on their page asks DingTalk at once and saves the answer.
//! - Everyone: a bulk lookup of the active staff with a mobile and no userId runs in the
//!   background as a job row in `userid_lookups` (state, counts, heartbeat), so its progress can be
//!   read from any instance and survives the page being closed. One job runs at a time (a partial
//!   unique index). It walks the staff by id in batches, at most [`RATE_PER_SEC`] calls a second
//!   (DingTalk allows 20 per app and API), retrying what may pass on a second try (busy, 5xx,
//!   timeouts, the QPS limit). An answer about the person (not found, has left, bad number) is
//!   kept on that person with DingTalk's words and the job goes on; any other error (wrong
//!   credentials, the app not allowed to call this API…) stops the job with the explanation, as
//!   every further call would fail the same way. A job whose server died (heartbeat older than
//!   [`STALE_MS`]) counts as interrupted; starting again continues with whoever still has no userId.

use crate::error::AppError;
use crate::infra::audit::audit;
use crate::infra::now_ms;
use crate::infra::AppState;
use crate::infra::Db;
use crate::session::types::AdminInfo;
use crate::staff::UseridJob;
use crate::staff::UseridMiss;
use crate::staff::UseridOverview;
use crate::with_db;
use dingtalk::{AppClient, AppCredentials, Error as DtError, ErrorKind};
use futures::StreamExt;
use medal_core::Msg;
use serde_json::json;
use std::sync::Arc;
use std::time::{Duration, SystemTime};

/// Calls a second to getbymobile; DingTalk allows 20 per app and API on the standard edition.
pub const RATE_PER_SEC: u64 = 15;

/// Lookups in flight at once (latency hides behind each other; the pace still holds).
const IN_FLIGHT: usize = 4;

/// People read, asked and written per round; the heartbeat moves after each.
const BATCH: i64 = 40;

/// A running job whose heartbeat is older than this belonged to a server that stopped.
pub const STALE_MS: i64 = 120_000;

/// Tries per person in a bulk lookup (about 20 s of backoff in all) before the job stops with
/// DingTalk's error: that many failures in a row mean DingTalk is down, not unlucky. One
/// person's button tries three times.
const ATTEMPTS: u32 = 8;

/// Who a bulk lookup asks about.
const MISSING: &str = "active AND mobile IS NOT NULL AND mobile <> '' \
     AND (dingtalk_user_id IS NULL OR dingtalk_user_id = '')";

const NO_MOBILE: &str = "active AND (mobile IS NULL OR mobile = '') \
     AND (dingtalk_user_id IS NULL OR dingtalk_user_id = '')";

fn explain(e: &DtError) -> Msg {
    Msg::new(e.explain_zh(), e.explain_en())
}

fn no_credentials() -> AppError {
    AppError::form(Msg::new(
        "请先在「设置」中填写钉钉应用的 AppKey、AppSecret 和 RobotCode：按手机号查询 userId 要用这个应用。",
        "Set the DingTalk app's AppKey, AppSecret and RobotCode in Settings first: the lookup by mobile goes through that app.",
    ))
}

/// Whether DingTalk's answer is about this person (no such employee, has left, a malformed
/// number) rather than about the app or DingTalk as a whole.
fn about_the_person(e: &DtError) -> bool {
    matches!(
        e.kind(),
        ErrorKind::UserNotFound | ErrorKind::MobileNotInOrg | ErrorKind::InvalidParameter
    )
}

/// The app client for the credentials in the settings, or why there is none, in words.
async fn app_client(st: &AppState) -> Result<AppClient, AppError> {
    let crypto = crate::infra::crypto::for_config(&st.config)?;
    let creds = crate::settings::db::app_credentials(&st.db, &crypto)
        .await?
        .ok_or_else(no_credentials)?;
    AppClient::new(
        crate::shares::outbox::client_config(&st.config),
        AppCredentials::new(creds.app_key, creds.app_secret),
    )
    .map_err(|e| AppError::form(explain(&e)))
}

/// Asks DingTalk, retrying what may pass on another try (a lookup only reads, so an answer that
/// was lost can be asked for again).
async fn query(client: &AppClient, mobile: &str, attempts: u32) -> Result<String, DtError> {
    let mut tried = 0;
    loop {
        tried += 1;
        match client.user_id_by_mobile(mobile).await {
            Ok(id) => return Ok(id),
            Err(e) if e.is_permanent() || tried >= attempts => return Err(e),
            Err(e) => {
                let wait = e
                    .throttled_until()
                    .and_then(|t| t.duration_since(SystemTime::now()).ok())
                    .unwrap_or(Duration::from_millis(300 << (tried - 1).min(5)))
                    .min(Duration::from_secs(5));
                tokio::time::sleep(wait).await;
            }
        }
    }
}

/// Keeps DingTalk's answer on the person: the userId, or the explanation of why there is none.
async fn record(db: &Db, staff_id: i64, r: &Result<String, DtError>) -> Result<(), AppError> {
    let now = now_ms();
    match r {
        Ok(uid) => with_db!(db, p => sqlx::query(
            "UPDATE staff SET dingtalk_user_id = $1, userid_lookup_at = $2, userid_lookup_error = NULL, \
             updated_at = $2 WHERE id = $3")
            .bind(uid).bind(now).bind(staff_id).execute(p).await.map(|_| ())),
        Err(e) => {
            let why = serde_json::to_string(&explain(e)).unwrap_or_default();
            with_db!(db, p => sqlx::query(
                "UPDATE staff SET userid_lookup_at = $1, userid_lookup_error = $2 WHERE id = $3")
                .bind(now).bind(&why).bind(staff_id).execute(p).await.map(|_| ()))
        }
    }
    .map_err(AppError::from)
}

/// Looks up one person's userId by their mobile and saves it. Admins only.
pub async fn lookup_one(st: &AppState, admin: &AdminInfo, id: i64) -> Result<String, AppError> {
    let db = &st.db;
    let (name, mobile, before) =
        with_db!(db, p => sqlx::query_as::<_, (String, Option<String>, Option<String>)>(
        "SELECT name, mobile, dingtalk_user_id FROM staff WHERE id = $1")
        .bind(id).fetch_optional(p).await)
        .map_err(AppError::from)?
        .ok_or(AppError::NotFound)?;
    let mobile = mobile.filter(|m| !m.trim().is_empty()).ok_or_else(|| {
        AppError::form(Msg::new(
            format!("「{name}」没有手机号，无法向钉钉查询 userId。请先编辑此人，填上手机号。"),
            format!("“{name}” has no mobile, so DingTalk cannot be asked for the userId. Edit the person and add a mobile first."),
        ))
    })?;
    let client = app_client(st).await?;
    let r = query(&client, &mobile, 3).await;
    if let Err(e) = &r {
        if !about_the_person(e) {
            // About the app or DingTalk, not this person: nothing to keep on them.
            return Err(AppError::form(explain(e)));
        }
    }
    record(db, id, &r).await?;
    audit(
        db,
        admin,
        "staff.userid_lookup",
        "staff",
        id,
        Some(json!({ "dingtalk_user_id": before })),
        Some(match &r {
            Ok(uid) => json!({ "dingtalk_user_id": uid }),
            Err(e) => json!({ "error": e.code() }),
        }),
    )
    .await?;
    r.map_err(|e| AppError::form(explain(&e)))
}

async fn count(db: &Db, filter: &str) -> Result<i64, AppError> {
    let sql = format!("SELECT COUNT(*) FROM staff WHERE {filter}");
    with_db!(db, p => sqlx::query_scalar::<_, i64>(&sql).fetch_one(p).await).map_err(AppError::from)
}

/// Marks jobs whose server stopped beating as interrupted.
async fn expire_stale(db: &Db) -> Result<(), AppError> {
    let now = now_ms();
    with_db!(db, p => sqlx::query(
        "UPDATE userid_lookups SET state = 'interrupted', finished_at = $1 \
         WHERE state = 'running' AND heartbeat_at < $2")
        .bind(now).bind(now - STALE_MS).execute(p).await.map(|_| ()))
    .map_err(AppError::from)
}

/// Starts a bulk lookup in the background; returns the job's id. Admins only.
pub async fn start(st: &AppState, admin: &AdminInfo) -> Result<i64, AppError> {
    let db = &st.db;
    let client = app_client(st).await?;
    expire_stale(db).await?;
    let total = count(db, MISSING).await?;
    if total == 0 {
        return Err(AppError::form(Msg::new(
            "没有需要查询的人：有手机号的在职员工都已有钉钉 userId。",
            "Nobody to look up: every active person with a mobile already has a DingTalk userId.",
        )));
    }
    let now = now_ms();
    let id = with_db!(db, p => sqlx::query_scalar::<_, i64>(
        "INSERT INTO userid_lookups (started_by, started_at, heartbeat_at, total) VALUES ($1, $2, $2, $3) RETURNING id")
        .bind(admin.id).bind(now).bind(total).fetch_one(p).await)
    .map_err(|e| match &e {
        sqlx::Error::Database(d) if d.is_unique_violation() => AppError::Conflict(Msg::new(
            "已有一次批量查询正在进行，请等它结束或先取消。",
            "A bulk lookup is already running; wait for it to finish or cancel it first.",
        )),
        _ => AppError::from(e),
    })?;
    audit(
        db,
        admin,
        "staff.userid_lookup_bulk",
        "userid_lookup",
        id,
        None,
        Some(json!({ "total": total })),
    )
    .await?;
    tokio::spawn(run(db.clone(), client, id));
    Ok(id)
}

/// Asks a running job to stop after the round in flight. Admins only.
pub async fn cancel(db: &Db, admin: &AdminInfo) -> Result<(), AppError> {
    expire_stale(db).await?;
    let id = with_db!(db, p => sqlx::query_scalar::<_, i64>(
        "UPDATE userid_lookups SET cancel_requested = TRUE WHERE state = 'running' RETURNING id")
        .fetch_optional(p).await)
    .map_err(AppError::from)?
    .ok_or_else(|| {
        AppError::Conflict(Msg::new(
            "没有正在进行的批量查询。",
            "No bulk lookup is running.",
        ))
    })?;
    audit(
        db,
        admin,
        "staff.userid_lookup_cancel",
        "userid_lookup",
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
        "UPDATE userid_lookups SET state = $1, finished_at = $2, heartbeat_at = $2, error_zh = $3, \
         error_en = $4 WHERE id = $5 AND state = 'running'")
        .bind(state).bind(now).bind(zh).bind(en).bind(job).execute(p).await.map(|_| ()))
    .map_err(AppError::from)
}

async fn run(db: Db, client: AppClient, job: i64) {
    if let Err(e) = run_rounds(&db, &client, job).await {
        tracing::error!(job, error = %e, "userid lookup stopped");
        let why = Msg::new(
            "服务器内部错误，查询已停止（详见服务器日志）。可以再次开始，已查到的会保留。",
            "An internal error stopped the lookup (see the server log). Start again; what was found is kept.",
        );
        if let Err(e) = finish(&db, job, "stopped", Some(why)).await {
            tracing::error!(job, error = %e, "userid lookup: could not record the stop");
        }
    }
}

async fn run_rounds(db: &Db, client: &AppClient, job: i64) -> Result<(), AppError> {
    let mut pace = tokio::time::interval(Duration::from_millis(1000 / RATE_PER_SEC));
    pace.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    let pace = Arc::new(tokio::sync::Mutex::new(pace));
    let mut cursor = 0i64;
    loop {
        let (state, cancel) = with_db!(db, p => sqlx::query_as::<_, (String, bool)>(
            "SELECT state, cancel_requested FROM userid_lookups WHERE id = $1")
            .bind(job).fetch_one(p).await)
        .map_err(AppError::from)?;
        if state != "running" {
            return Ok(()); // declared interrupted elsewhere: another run may be under way
        }
        if cancel {
            return finish(db, job, "cancelled", None).await;
        }
        let sql = format!(
            "SELECT id, mobile FROM staff WHERE {MISSING} AND id > $1 ORDER BY id LIMIT {BATCH}"
        );
        let people = with_db!(db, p => sqlx::query_as::<_, (i64, String)>(&sql)
            .bind(cursor).fetch_all(p).await)
        .map_err(AppError::from)?;
        let Some(&(last, _)) = people.last() else {
            return finish(db, job, "done", None).await;
        };
        let answers: Vec<(i64, Result<String, DtError>)> = futures::stream::iter(people)
            .map(|(id, mobile)| {
                let pace = pace.clone();
                async move {
                    pace.lock().await.tick().await;
                    (id, query(client, &mobile, ATTEMPTS).await)
                }
            })
            .buffered(IN_FLIGHT)
            .collect()
            .await;
        let (mut found, mut missed, mut fatal) = (0i64, 0i64, None);
        for (id, r) in &answers {
            match r {
                Ok(_) => found += 1,
                Err(e) if about_the_person(e) => missed += 1,
                Err(e) => {
                    fatal.get_or_insert_with(|| explain(e));
                    continue;
                }
            }
            record(db, *id, r).await?;
        }
        cursor = last;
        with_db!(db, p => sqlx::query(
            "UPDATE userid_lookups SET done = done + $1, found = found + $2, not_found = not_found + $3, \
             cursor_staff_id = $4, heartbeat_at = $5 WHERE id = $6")
            .bind(found + missed).bind(found).bind(missed).bind(cursor).bind(now_ms()).bind(job)
            .execute(p).await.map(|_| ()))
        .map_err(AppError::from)?;
        if let Some(why) = fatal {
            return finish(db, job, "stopped", Some(why)).await;
        }
    }
}

type JobRow = (
    i64,
    String,
    String,
    i64,
    Option<i64>,
    i64,
    i64,
    i64,
    i64,
    Option<String>,
    Option<String>,
);

/// Who still lacks a userId, the latest bulk lookup, and the people not found.
pub async fn overview(st: &AppState) -> Result<UseridOverview, AppError> {
    let db = &st.db;
    expire_stale(db).await?;
    let crypto = crate::infra::crypto::for_config(&st.config)?;
    let credentials_set = crate::settings::db::app_credentials(db, &crypto)
        .await?
        .is_some();
    let job = with_db!(db, p => sqlx::query_as::<_, JobRow>(
        "SELECT j.id, j.state, COALESCE(a.username, ''), j.started_at, j.finished_at, j.total, j.done, \
         j.found, j.not_found, j.error_zh, j.error_en \
         FROM userid_lookups j LEFT JOIN admins a ON a.id = j.started_by ORDER BY j.id DESC LIMIT 1")
        .fetch_optional(p).await)
    .map_err(AppError::from)?
    .map(
        |(id, state, started_by, started_at, finished_at, total, done, found, not_found, zh, en)| {
            UseridJob {
                id,
                state,
                started_by,
                started_at,
                finished_at,
                total,
                done,
                found,
                not_found,
                error: zh.zip(en).map(|(zh, en)| Msg { zh, en }),
            }
        },
    );
    const MISSES: &str = "userid_lookup_error IS NOT NULL \
         AND (dingtalk_user_id IS NULL OR dingtalk_user_id = '')";
    let sql = format!(
        "SELECT id, name, department, COALESCE(mobile, ''), userid_lookup_at, userid_lookup_error \
         FROM staff WHERE {MISSES} ORDER BY userid_lookup_at DESC, id LIMIT 50"
    );
    let misses =
        with_db!(db, p => sqlx::query_as::<_, (i64, String, String, String, i64, String)>(&sql)
        .fetch_all(p).await)
        .map_err(AppError::from)?
        .into_iter()
        .map(
            |(staff_id, name, department, mobile, at, error)| UseridMiss {
                staff_id,
                name,
                department,
                mobile,
                at,
                error: serde_json::from_str(&error).unwrap_or_else(|_| Msg::new(&error, &error)),
            },
        )
        .collect();
    Ok(UseridOverview {
        credentials_set,
        missing: count(db, MISSING).await?,
        without_mobile: count(db, NO_MOBILE).await?,
        job,
        misses,
        misses_total: count(db, MISSES).await?,
    })
}
