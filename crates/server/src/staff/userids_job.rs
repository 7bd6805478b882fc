//! The bulk userId lookup: a job row with a heartbeat, run in the background in rounds paced
//! under DingTalk's per-app limit, one at a time across instances, cancellable.

use crate::error::AppError;
use crate::infra::audit::audit;
use crate::infra::now_ms;
use crate::infra::AppState;
use crate::infra::Db;
use crate::session::types::AdminInfo;
use crate::staff::userids::about_the_person;
use crate::staff::userids::app_client;
use crate::staff::userids::count;
use crate::staff::userids::expire_stale;
use crate::staff::userids::explain;
use crate::staff::userids::query;
use crate::staff::userids::record;
use crate::staff::userids::ATTEMPTS;
use crate::staff::userids::MISSING;
use crate::with_db;
use dingtalk::{AppClient, Error as DtError};
use futures::StreamExt;
use medal_core::Msg;
use serde_json::json;
use std::sync::Arc;
use std::time::Duration;

/// Calls a second to getbymobile; DingTalk allows 20 per app and API on the standard edition.
pub const RATE_PER_SEC: u64 = 15;

/// Lookups in flight at once (latency hides behind each other; the pace still holds).
const IN_FLIGHT: usize = 4;

/// People read, asked and written per round; the heartbeat moves after each.
const BATCH: i64 = 40;

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
