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
use medal_core::Msg;
use serde_json::json;
use std::time::{Duration, SystemTime};

/// A running job whose heartbeat is older than this belonged to a server that stopped.
pub const STALE_MS: i64 = 120_000;

/// Tries per person in a bulk lookup (about 20 s of backoff in all) before the job stops with
/// DingTalk's error: that many failures in a row mean DingTalk is down, not unlucky. One
/// person's button tries three times.
pub(crate) const ATTEMPTS: u32 = 8;

/// Who a bulk lookup asks about.
pub(crate) const MISSING: &str = "active AND mobile IS NOT NULL AND mobile <> '' \
     AND (dingtalk_user_id IS NULL OR dingtalk_user_id = '')";

const NO_MOBILE: &str = "active AND (mobile IS NULL OR mobile = '') \
     AND (dingtalk_user_id IS NULL OR dingtalk_user_id = '')";

pub(crate) fn explain(e: &DtError) -> Msg {
    Msg::new(e.explain_zh(), e.explain_en())
}

fn no_credentials() -> AppError {
    AppError::form(Msg::new(
        "请先在「设置」中填写钉钉应用的 AppKey、AppSecret 和 RobotCode：按手机号查询 userId、在钉钉建群都要用这个应用。",
        "Set the DingTalk app's AppKey, AppSecret and RobotCode in Settings first: the lookup by mobile and making DingTalk groups go through that app.",
    ))
}

/// Whether DingTalk's answer is about this person (no such employee, has left, a malformed
/// number) rather than about the app or DingTalk as a whole.
pub(crate) fn about_the_person(e: &DtError) -> bool {
    matches!(
        e.kind(),
        ErrorKind::UserNotFound | ErrorKind::MobileNotInOrg | ErrorKind::InvalidParameter
    )
}

/// The app client for the credentials in the settings, or why there is none, in words.
pub(crate) async fn app_client(st: &AppState) -> Result<AppClient, AppError> {
    app_client_for(&st.db, &st.config).await
}

/// [`app_client`] for background work that has the database and configuration, not a request.
pub(crate) async fn app_client_for(
    db: &Db,
    config: &crate::infra::Config,
) -> Result<AppClient, AppError> {
    let crypto = crate::infra::crypto::for_config(config)?;
    let creds = crate::settings::db::app_credentials(db, &crypto)
        .await?
        .ok_or_else(no_credentials)?;
    AppClient::new(
        crate::shares::outbox::client_config(config),
        AppCredentials::new(creds.app_key, creds.app_secret),
    )
    .map_err(|e| AppError::form(explain(&e)))
}

/// Asks DingTalk, retrying what may pass on another try (a lookup only reads, so an answer that
/// was lost can be asked for again).
pub(crate) async fn query(
    client: &AppClient,
    mobile: &str,
    attempts: u32,
) -> Result<String, DtError> {
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
pub(crate) async fn record(
    db: &Db,
    staff_id: i64,
    r: &Result<String, DtError>,
) -> Result<(), AppError> {
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

pub(crate) async fn count(db: &Db, filter: &str) -> Result<i64, AppError> {
    let sql = format!("SELECT COUNT(*) FROM staff WHERE {filter}");
    with_db!(db, p => sqlx::query_scalar::<_, i64>(&sql).fetch_one(p).await).map_err(AppError::from)
}

/// Marks jobs whose server stopped beating as interrupted.
pub(crate) async fn expire_stale(db: &Db) -> Result<(), AppError> {
    let now = now_ms();
    with_db!(db, p => sqlx::query(
        "UPDATE userid_lookups SET state = 'interrupted', finished_at = $1 \
         WHERE state = 'running' AND heartbeat_at < $2")
        .bind(now).bind(now - STALE_MS).execute(p).await.map(|_| ()))
    .map_err(AppError::from)
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

/// The latest bulk lookup (what its live progress asks for).
pub async fn latest_job(db: &Db) -> Result<Option<UseridJob>, AppError> {
    Ok(with_db!(db, p => sqlx::query_as::<_, JobRow>(
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
    ))
}

/// Who still lacks a userId, the latest bulk lookup, and the people not found.
pub async fn overview(st: &AppState) -> Result<UseridOverview, AppError> {
    let db = &st.db;
    expire_stale(db).await?;
    let crypto = crate::infra::crypto::for_config(&st.config)?;
    let credentials_set = crate::settings::db::app_credentials(db, &crypto)
        .await?
        .is_some();
    let job = latest_job(db).await?;
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
