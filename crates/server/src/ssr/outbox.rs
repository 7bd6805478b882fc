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

use std::sync::{Arc, OnceLock};
use std::time::{Duration, SystemTime};

use dingtalk::limiter::BoxFuture;
use dingtalk::{
    AppClient, AppCredentials, ClientConfig, Error as DtError, ErrorKind, Message, RateLimiter,
    RateStore, RetryClass, RobotClient,
};
use rand::Rng;
use serde::{Deserialize, Serialize};
use tokio::sync::{Mutex, Notify, Semaphore};

use super::crypto::{self, Crypto};
use super::groups::{self, GroupRow};
use super::settings::{self, AppCreds};
use super::{db_err, internal, now_ms, AppState, Config, Db};
use crate::error::AppError;
use crate::with_db;

/// Outbox tunables (flattened into `Config`, so `MEDALS_OUTBOX_LEASE_MS=…` etc. work).
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default)]
pub struct OutboxConfig {
    /// Run the worker in `serve` (several instances may all run it).
    pub outbox_enabled: bool,
    /// Shares in flight at once per instance.
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

// ---------------------------------------------------------------- rate limit in the database

/// DingTalk's per-robot limit counted in `robot_sends`, shared by every instance on the database.
/// Keys are `group:{id}`. On PostgreSQL a transaction-scoped advisory lock per group makes the
/// count-then-insert atomic across instances; on SQLite one conditional INSERT does.
pub struct DbRateStore {
    db: Db,
}

impl DbRateStore {
    pub fn new(db: Db) -> Self {
        DbRateStore { db }
    }

    async fn acquire_inner(
        &self,
        group_id: i64,
        limit: u32,
        window: Duration,
    ) -> Result<Result<(), Duration>, sqlx::Error> {
        let now = now_ms();
        let since = now - window.as_millis() as i64;
        let decide = |count: i64, oldest: Option<i64>| -> Result<(), Duration> {
            if count < limit as i64 {
                Ok(())
            } else {
                let free_at = oldest.unwrap_or(now) + window.as_millis() as i64;
                Err(Duration::from_millis((free_at - now).max(1) as u64))
            }
        };
        const COUNT: &str =
            "SELECT COUNT(*), MIN(at) FROM robot_sends WHERE group_id = $1 AND at > $2";
        match &self.db {
            Db::Postgres(p) => {
                // One round trip: the lock, the count and the insert run in a function
                // (migration 0006), serialised per robot by an advisory lock.
                let (taken, count, oldest): (bool, i64, Option<i64>) =
                    sqlx::query_as("SELECT * FROM medals_take_rate_slot($1, $2, $3, $4)")
                        .bind(group_id)
                        .bind(now)
                        .bind(since)
                        .bind(limit as i64)
                        .fetch_one(p)
                        .await?;
                Ok(if taken { Ok(()) } else { decide(count, oldest) })
            }
            Db::Sqlite(p) => {
                // One statement: SQLite runs writes one at a time, so the count and the insert
                // cannot interleave with another acquire.
                let taken = sqlx::query(
                    "INSERT INTO robot_sends (group_id, at) SELECT $1, $2 \
                     WHERE (SELECT COUNT(*) FROM robot_sends WHERE group_id = $1 AND at > $3) < $4",
                )
                .bind(group_id)
                .bind(now)
                .bind(since)
                .bind(limit as i64)
                .execute(p)
                .await?
                .rows_affected();
                if taken == 1 {
                    return Ok(Ok(()));
                }
                let (count, oldest): (i64, Option<i64>) = sqlx::query_as(COUNT)
                    .bind(group_id)
                    .bind(since)
                    .fetch_one(p)
                    .await?;
                Ok(decide(count.max(limit as i64), oldest))
            }
        }
    }
}

impl RateStore for DbRateStore {
    fn acquire<'a>(
        &'a self,
        key: &'a str,
        limit: u32,
        window: Duration,
    ) -> BoxFuture<'a, Result<(), Duration>> {
        Box::pin(async move {
            let Some(group_id) = key
                .strip_prefix("group:")
                .and_then(|s| s.parse::<i64>().ok())
            else {
                tracing::warn!(key, "rate key is not a group");
                return Err(Duration::from_secs(1));
            };
            match self.acquire_inner(group_id, limit, window).await {
                Ok(r) => r,
                Err(e) => {
                    tracing::warn!(error = %e, "rate store");
                    Err(Duration::from_secs(1))
                }
            }
        })
    }
}

pub fn rate_key(group_id: i64) -> String {
    format!("group:{group_id}")
}

// ---------------------------------------------------------------- sending one message

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

/// Sends one message to one group through the `dingtalk` clients, taking a rate slot first.
pub struct Sender {
    db: Db,
    crypto: Arc<Crypto>,
    robot: RobotClient,
    client_cfg: ClientConfig,
    limiter: RateLimiter,
    app: Mutex<Option<(AppCreds, AppClient)>>,
}

impl Sender {
    pub fn new(db: Db, config: &Config) -> Result<Sender, AppError> {
        let cfg = client_config(config);
        let limiter = RateLimiter::new(
            Arc::new(DbRateStore::new(db.clone())),
            config.outbox.robot_rate_limit,
            config.outbox.effective_window(),
        );
        let robot = RobotClient::new(cfg.clone())
            .map_err(internal)?
            .with_limiter(limiter.clone());
        Ok(Sender {
            crypto: crypto::for_config(config)?,
            db,
            robot,
            client_cfg: cfg,
            limiter,
            app: Mutex::new(None),
        })
    }

    pub fn for_state(st: &AppState) -> Result<Sender, AppError> {
        Sender::new(st.db.clone(), &st.config)
    }

    /// The internal app's client for the credentials in the settings (kept while they stay the
    /// same, so its access token is reused).
    async fn app_client(&self) -> Result<AppClient, DtError> {
        let creds = settings::app_credentials(&self.db, &self.crypto)
            .await
            .map_err(|_| DtError::new(ErrorKind::InvalidCredentials, "app credentials unreadable"))?
            .ok_or_else(|| {
                DtError::new(
                    ErrorKind::InvalidCredentials,
                    "AppKey / AppSecret / RobotCode not set in 设置 / Settings",
                )
            })?;
        let mut slot = self.app.lock().await;
        if let Some((c, client)) = slot.as_ref() {
            if *c == creds {
                return Ok(client.clone());
            }
        }
        let client = AppClient::new(
            self.client_cfg.clone(),
            AppCredentials::new(creds.app_key.clone(), creds.app_secret.clone()),
        )?;
        *slot = Some((creds, client.clone()));
        Ok(client)
    }

    /// Sends `msg` to `group` with `msg_uuid` (webhook robots de-duplicate by it).
    pub async fn deliver(
        &self,
        group: &GroupRow,
        msg: &Message,
        msg_uuid: &str,
    ) -> Result<(), DtError> {
        let unreadable = |_| {
            DtError::new(
                ErrorKind::InvalidWebhook,
                "the stored secret cannot be decrypted with this server's key",
            )
        };
        match group.kind.as_str() {
            "webhook" => {
                let token = group
                    .webhook_token_enc
                    .as_deref()
                    .ok_or_else(|| {
                        DtError::new(ErrorKind::InvalidWebhook, "no webhook token saved")
                    })
                    .and_then(|e| self.crypto.decrypt(e).map_err(unreadable))?;
                let secret = match group.sign_secret_enc.as_deref() {
                    Some(e) => Some(self.crypto.decrypt(e).map_err(unreadable)?),
                    None => None,
                };
                let robot = dingtalk::Robot::new(token, secret.as_deref(), &group.keyword_list())
                    .with_rate_key(rate_key(group.id));
                self.robot
                    .send_with_uuid(&robot, msg, msg_uuid)
                    .await
                    .map(|_| ())
            }
            _ => {
                let cid = group.open_conversation_id.clone().unwrap_or_default();
                let app_msg = dingtalk::AppMessage::from_message(msg).ok_or_else(|| {
                    DtError::new(
                        ErrorKind::InvalidMessage,
                        "no app-robot template can show this message",
                    )
                })?;
                let client = self.app_client().await?;
                let code = settings::app_credentials(&self.db, &self.crypto)
                    .await
                    .ok()
                    .flatten()
                    .map(|c| c.robot_code)
                    .unwrap_or_default();
                self.limiter.check(&rate_key(group.id)).await?;
                client
                    .send_group_message(&code, &cid, &app_msg)
                    .await
                    .map(|_| ())
            }
        }
    }
}

// ---------------------------------------------------------------- the worker

#[derive(sqlx::FromRow, Debug)]
struct Claimed {
    id: i64,
    group_id: i64,
    msg_uuid: String,
    message_json: Option<String>,
    attempts: i32,
}

/// Claims up to `limit` due shares for `owner`.
async fn claim(
    db: &Db,
    owner: &str,
    limit: i64,
    lease_ms: i64,
) -> Result<Vec<Claimed>, sqlx::Error> {
    let now = now_ms();
    const DUE: &str = "((status = 'queued' AND next_attempt_at <= $3) OR (status = 'sending' AND lease_until < $3))";
    let lock = if matches!(db, Db::Postgres(_)) {
        " FOR UPDATE SKIP LOCKED"
    } else {
        ""
    };
    // The candidates are picked once (a materialized CTE: on PostgreSQL a `LIMIT … SKIP LOCKED`
    // subquery inside `IN (…)` may be re-run by the planner and claim more than `limit`).
    let sql = format!(
        "WITH c AS MATERIALIZED (SELECT id FROM shares WHERE {DUE} ORDER BY next_attempt_at, id LIMIT $4{lock}) \
         UPDATE shares SET status = 'sending', lease_owner = $1, lease_until = $2, attempts = attempts + 1, updated_at = $3 \
         WHERE id IN (SELECT id FROM c) AND {DUE} \
         RETURNING id, group_id, msg_uuid, message_json, attempts"
    );
    with_db!(db, p => sqlx::query_as::<_, Claimed>(&sql).bind(owner).bind(now + lease_ms).bind(now).bind(limit).fetch_all(p).await)
}

/// Local problems found before sending, stored like DingTalk's codes.
pub const GROUP_DISABLED: &str = "local.group_disabled";

enum Outcome {
    Retry { at: i64, count_attempt: bool },
    Stop { status: &'static str },
}

fn backoff_ms(cfg: &OutboxConfig, attempts: i32) -> i64 {
    let exp = cfg
        .outbox_backoff_ms
        .saturating_mul(1_i64 << (attempts.clamp(1, 20) - 1))
        .min(cfg.outbox_backoff_max_ms);
    // "equal jitter": half fixed, half random, so retries of a burst spread out.
    exp / 2 + rand::thread_rng().gen_range(0..=exp / 2)
}

fn decide(cfg: &OutboxConfig, kind: &str, attempts: i32, e: &DtError) -> Outcome {
    match e.retry_class() {
        RetryClass::Throttled { until } => {
            let at = until
                .duration_since(SystemTime::UNIX_EPOCH)
                .map(|d| d.as_millis() as i64)
                .unwrap_or_else(|_| now_ms());
            Outcome::Retry {
                at: at.max(now_ms()) + rand::thread_rng().gen_range(0..50),
                count_attempt: false,
            }
        }
        // The app robot has no msgUuid: resending after an unknown outcome could post twice,
        // so a person decides (retry button).
        RetryClass::OutcomeUnknown if kind == "app" => Outcome::Stop { status: "failed" },
        RetryClass::Transient | RetryClass::OutcomeUnknown => {
            if attempts >= cfg.outbox_max_attempts {
                Outcome::Stop { status: "gave_up" }
            } else {
                Outcome::Retry {
                    at: now_ms() + backoff_ms(cfg, attempts),
                    count_attempt: true,
                }
            }
        }
        RetryClass::Permanent => Outcome::Stop { status: "failed" },
    }
}

/// One worker: claims and sends until the process ends.
pub struct Worker {
    db: Db,
    cfg: OutboxConfig,
    owner: String,
    sender: Arc<Sender>,
}

impl Worker {
    pub fn new(db: Db, config: &Config, owner: impl Into<String>) -> Result<Worker, AppError> {
        Ok(Worker {
            sender: Arc::new(Sender::new(db.clone(), config)?),
            db,
            cfg: config.outbox.clone(),
            owner: owner.into(),
        })
    }

    /// Claims and processes due shares forever.
    pub async fn run(self: Arc<Self>) {
        let n = self.cfg.outbox_concurrency.max(1);
        let sem = Arc::new(Semaphore::new(n));
        let mut last_cleanup = 0;
        loop {
            // Wait for a free slot, then gather the slots that free up within a few
            // milliseconds, so that claims go in batches rather than one query per share.
            let mut permits = match sem.clone().acquire_owned().await {
                Ok(p) => vec![p],
                Err(_) => return,
            };
            let gather_until = std::time::Instant::now() + Duration::from_millis(3);
            while permits.len() < n {
                match sem.clone().try_acquire_owned() {
                    Ok(p) => permits.push(p),
                    Err(_) if permits.len() < n / 2 && std::time::Instant::now() < gather_until => {
                        tokio::time::sleep(Duration::from_millis(1)).await
                    }
                    Err(_) => break,
                }
            }
            let free = permits.len();
            let claimed =
                match claim(&self.db, &self.owner, free as i64, self.cfg.outbox_lease_ms).await {
                    Ok(c) => c,
                    Err(e) => {
                        tracing::warn!(error = %e, "outbox claim");
                        drop(permits);
                        tokio::time::sleep(Duration::from_millis(self.cfg.outbox_poll_ms)).await;
                        continue;
                    }
                };
            let got = claimed.len();
            for row in claimed {
                let Some(permit) = permits.pop() else { break };
                let me = self.clone();
                tokio::spawn(async move {
                    me.process(row).await;
                    drop(permit);
                });
            }
            drop(permits);
            if now_ms() - last_cleanup > 60_000 {
                last_cleanup = now_ms();
                let keep =
                    now_ms() - 2 * self.cfg.effective_window().as_millis() as i64 - 3_600_000;
                let _ = with_db!(&self.db, p => sqlx::query("DELETE FROM robot_sends WHERE at < $1").bind(keep).execute(p).await.map(|_| ()));
            }
            if got < free {
                let _ = tokio::time::timeout(
                    Duration::from_millis(self.cfg.outbox_poll_ms),
                    wake().notified(),
                )
                .await;
            }
        }
    }

    async fn process(&self, row: Claimed) {
        if let Err(e) = self.process_inner(&row).await {
            // The lease expires and the share is taken up again (same msgUuid).
            tracing::warn!(share = row.id, error = ?e, "outbox: could not record a result");
        }
    }

    async fn process_inner(&self, row: &Claimed) -> Result<(), AppError> {
        let group = groups::fetch(&self.db, row.group_id).await?;
        if group.disabled {
            with_db!(&self.db, p => sqlx::query(
                "UPDATE shares SET status = 'failed', updated_at = $1, lease_owner = NULL, lease_until = NULL, \
                 last_error_code = $2, last_error_message = $3 WHERE id = $4 AND status = 'sending' AND lease_owner = $5")
                .bind(now_ms()).bind(GROUP_DISABLED).bind("group disabled").bind(row.id).bind(&self.owner)
                .execute(p).await.map(|_| ())).map_err(db_err)?;
            return Ok(());
        }
        let result = match row
            .message_json
            .as_deref()
            .map(serde_json::from_str::<Message>)
        {
            Some(Ok(msg)) => self.sender.deliver(&group, &msg, &row.msg_uuid).await,
            _ => Err(DtError::new(
                ErrorKind::InvalidMessage,
                "stored message unreadable",
            )),
        };
        self.finish(row, &group, result).await
    }

    async fn finish(
        &self,
        row: &Claimed,
        group: &GroupRow,
        result: Result<(), DtError>,
    ) -> Result<(), AppError> {
        let db = &self.db;
        let now = now_ms();
        match result {
            Ok(()) => {
                with_db!(db, p => sqlx::query(
                    "UPDATE shares SET status = 'sent', sent_at = $1, updated_at = $1, lease_owner = NULL, lease_until = NULL, \
                     last_error_code = NULL, last_error_message = NULL WHERE id = $2 AND status = 'sending' AND lease_owner = $3")
                    .bind(now).bind(row.id).bind(&self.owner).execute(p).await.map(|_| ())).map_err(db_err)?;
                groups::record_result(db, group.id, &Ok(())).await?;
            }
            Err(e) => {
                let (code, errmsg) = stored_code(&e);
                if e.kind() != ErrorKind::LocalRateLimited && code != GROUP_DISABLED {
                    groups::record_result(db, group.id, &Err(e.clone())).await?;
                }
                match decide(&self.cfg, &group.kind, row.attempts, &e) {
                    Outcome::Retry { at, count_attempt } => {
                        let back = if count_attempt { 0 } else { 1 };
                        with_db!(db, p => sqlx::query(
                            "UPDATE shares SET status = 'queued', next_attempt_at = $1, attempts = attempts - $2, updated_at = $3, \
                             lease_owner = NULL, lease_until = NULL, last_error_code = $4, last_error_message = $5 \
                             WHERE id = $6 AND status = 'sending' AND lease_owner = $7")
                            .bind(at).bind(back).bind(now).bind(&code).bind(&errmsg).bind(row.id).bind(&self.owner)
                            .execute(p).await.map(|_| ())).map_err(db_err)?;
                    }
                    Outcome::Stop { status } => {
                        with_db!(db, p => sqlx::query(
                            "UPDATE shares SET status = $1, updated_at = $2, lease_owner = NULL, lease_until = NULL, \
                             last_error_code = $3, last_error_message = $4 WHERE id = $5 AND status = 'sending' AND lease_owner = $6")
                            .bind(status).bind(now).bind(&code).bind(&errmsg).bind(row.id).bind(&self.owner)
                            .execute(p).await.map(|_| ())).map_err(db_err)?;
                    }
                }
            }
        }
        Ok(())
    }
}

/// The code and message stored for an error (`Error::from_code` rebuilds it for explaining).
fn stored_code(e: &DtError) -> (String, String) {
    (e.code().to_string(), e.errmsg().to_string())
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
            with_db!(db, p => sqlx::query_as(&sql).fetch_all(p).await).map_err(db_err)?;
        for (id, msg) in rows {
            let clean = dingtalk::redact::redact(&msg);
            if clean != msg {
                let upd = format!("UPDATE {table} SET last_error_message = $1 WHERE id = $2");
                with_db!(db, p => sqlx::query(&upd).bind(&clean).bind(id).execute(p).await.map(|_| ()))
                    .map_err(db_err)?;
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
