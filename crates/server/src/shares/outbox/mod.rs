//! The outbox: `shares` rows (one per group per share request) delivered by a worker task.
//!
//! - Claiming: one `UPDATE … RETURNING` moves due rows (`queued` and due, or `sending` with an
//!   expired lease) to `sending` with this worker's `lease_owner` and a `lease_until`. The outer
//!   `WHERE` repeats the condition, so on PostgreSQL a row two instances race for is re-checked
//!   after the first commit and only one wins (plus `FOR UPDATE SKIP LOCKED` so they do not wait
//!   on each other). SQLite runs one instance.
//! - Sending: always with the row's own `msg_uuid` (made when the row was written), so a retry
//!   after a timeout, a lost answer or a crash (lease expired while `sending`) can never post twice.
//! - Rate: every attempt takes a slot per group in `robot_sends` (`DbRateStore`), counted across
//!   instances; a full window puts the row back in the queue until a slot frees.
//! - Outcome: sent; throttled (wait out `until`, not counted as an attempt); transient or outcome
//!   unknown (retry with exponential backoff and jitter up to `outbox_max_attempts`, then `gave_up`);
//!   permanent (`failed` at once, with the explanation).

pub mod rate;
pub mod sender;
pub mod worker;

pub use rate::*;
pub use sender::*;
pub use worker::*;

use crate::error::AppError;
use crate::infra::Config;
use crate::infra::Db;
use crate::with_db;
use dingtalk::ClientConfig;
use serde::{Deserialize, Serialize};
use std::sync::{Arc, OnceLock};
use std::time::Duration;
use tokio::sync::Notify;

/// Outbox tunables (flattened into `Config`, so `MEDALS_OUTBOX_LEASE_MS=…` etc. work).
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default)]
pub struct OutboxConfig {
    /// Run the worker in `serve` (several instances may all run it).
    pub outbox_enabled: bool,
    /// Shares in flight at once per instance (and as many more claimed, waiting for a slot).
    pub outbox_concurrency: usize,
    /// How long a claimed share stays leased before another worker may take it over.
    pub outbox_lease_ms: i64,
    /// Attempts (not counting throttling waits) before a share is given up.
    pub outbox_max_attempts: i32,
    /// First retry delay; doubles per attempt (with jitter) up to `outbox_backoff_max_ms`.
    pub outbox_backoff_ms: i64,
    pub outbox_backoff_max_ms: i64,
    /// How often an idle worker looks for due shares (new shares wake it at once).
    pub outbox_poll_ms: u64,
    /// Messages per robot per window (DingTalk: 20 per 60 s). Tests shorten the window.
    pub robot_rate_limit: u32,
    pub robot_rate_window_ms: u64,
    /// Total time for one DingTalk request.
    pub dingtalk_timeout_ms: u64,
}

impl Default for OutboxConfig {
    fn default() -> Self {
        OutboxConfig {
            outbox_enabled: true,
            outbox_concurrency: 64,
            outbox_lease_ms: 60_000,
            outbox_max_attempts: 8,
            outbox_backoff_ms: 2_000,
            outbox_backoff_max_ms: 300_000,
            outbox_poll_ms: 1_000,
            robot_rate_limit: dingtalk::limiter::ROBOT_LIMIT,
            robot_rate_window_ms: dingtalk::limiter::ROBOT_WINDOW.as_millis() as u64,
            dingtalk_timeout_ms: 15_000,
        }
    }
}

impl OutboxConfig {
    /// The window the limiter counts: DingTalk's plus a margin, so that differences in request
    /// latency can never make DingTalk see 21 in its own window.
    pub fn effective_window(&self) -> Duration {
        let w = Duration::from_millis(self.robot_rate_window_ms);
        w + (w / 5).min(Duration::from_secs(2))
    }
}

/// Wakes idle workers in this process when shares are written.
pub fn wake() -> &'static Notify {
    static WAKE: OnceLock<Notify> = OnceLock::new();
    WAKE.get_or_init(Notify::new)
}

pub fn rate_key(group_id: i64) -> String {
    format!("group:{group_id}")
}

/// The `dingtalk` clients' settings for this server: DingTalk's hosts and the timeout.
pub fn client_config(config: &Config) -> ClientConfig {
    let mut cfg = ClientConfig::with_bases(
        config.dingtalk_oapi_base.clone(),
        config.dingtalk_api_base.clone(),
    );
    cfg.timeout = Duration::from_millis(config.outbox.dingtalk_timeout_ms);
    cfg.connect_timeout = cfg.connect_timeout.min(cfg.timeout);
    cfg
}

/// Errors stored before they were redacted (up to 0.1 a failed webhook send kept reqwest's text
/// with the request URL: token, timestamp and signature) are rewritten once, on start-up.
pub async fn redact_stored_errors(db: &Db) -> Result<u64, AppError> {
    let mut changed = 0;
    for table in ["shares", "share_groups"] {
        // `table` is one of the two names above, never input.
        let sql = format!(
            "SELECT id, last_error_message FROM {table} WHERE last_error_message LIKE '%://%' \
             OR last_error_message LIKE '%=%' OR last_error_message LIKE '%\"%'"
        );
        let rows: Vec<(i64, String)> =
            with_db!(db, p => sqlx::query_as(&sql).fetch_all(p).await).map_err(AppError::from)?;
        for (id, msg) in rows {
            let clean = dingtalk::redact::redact(&msg);
            if clean != msg {
                let upd = format!("UPDATE {table} SET last_error_message = $1 WHERE id = $2");
                with_db!(db, p => sqlx::query(&upd).bind(&clean).bind(id).execute(p).await.map(|_| ()))
                    .map_err(AppError::from)?;
                changed += 1;
            }
        }
    }
    if changed > 0 {
        tracing::info!(changed, "removed URLs and secrets from stored send errors");
    }
    Ok(changed)
}

/// Starts the worker for this process (`serve`).
pub fn spawn(db: Db, config: &Config) -> Result<(), AppError> {
    if !config.outbox.outbox_enabled {
        return Ok(());
    }
    let owner = format!("{}-{}", hostname(), uuid::Uuid::new_v4().simple());
    let w = Arc::new(Worker::new(db, config, owner)?);
    tokio::spawn(w.run());
    Ok(())
}

fn hostname() -> String {
    std::env::var("HOSTNAME").unwrap_or_else(|_| "medals".into())
}
