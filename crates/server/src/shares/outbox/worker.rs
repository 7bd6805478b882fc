//! The worker: claims due shares with a lease, sends, records the outcome.

use crate::error::AppError;
use crate::groups::db::GroupRow;
use crate::infra::now_ms;
use crate::infra::Config;
use crate::infra::Db;
use crate::shares::outbox::sender::Sender;
use crate::shares::outbox::wake;
use crate::shares::outbox::OutboxConfig;
use crate::with_db;
use dingtalk::{Error as DtError, ErrorKind, Message, RetryClass};
use rand::Rng;
use std::sync::Arc;
use std::time::{Duration, SystemTime};
use tokio::sync::Semaphore;

mod card;
mod direct;
mod honour;
pub use direct::NOT_REACHED;

#[derive(sqlx::FromRow, Debug)]
struct Claimed {
    id: i64,
    group_id: i64,
    msg_uuid: String,
    message_json: Option<String>,
    attempts: i32,
    /// 1:1 shares: the people (JSON, see [`crate::shares::direct::Recipient`]).
    recipients: Option<String>,
    /// Template card shares: template and data ([`crate::cards::types::CardPayload`]).
    card_json: Option<String>,
    /// Template card shares: the card's outTrackId.
    dingtalk_message_id: Option<String>,
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
         RETURNING id, group_id, msg_uuid, message_json, attempts, recipients, card_json, dingtalk_message_id"
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
        // Only custom robots de-duplicate by msgUuid: resending an app-robot or chat/send
        // message after an unknown outcome could post twice, so a person decides (retry button).
        RetryClass::OutcomeUnknown if kind != "webhook" => Outcome::Stop { status: "failed" },
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
        // `n` sends at once; up to `n` more claimed and waiting for a slot, so that a slot that
        // frees starts its next send at once rather than after a claim's round trip
        let sending = Arc::new(Semaphore::new(n));
        let held = 2 * n;
        let sem = Arc::new(Semaphore::new(held));
        let mut last_cleanup = 0;
        loop {
            // Wait for room, then gather the room that frees up within a few milliseconds, so
            // that claims go in batches rather than one query per share.
            let mut permits = match sem.clone().acquire_owned().await {
                Ok(p) => vec![p],
                Err(_) => return,
            };
            let gather_until = std::time::Instant::now() + Duration::from_millis(3);
            while permits.len() < held {
                match sem.clone().try_acquire_owned() {
                    Ok(p) => permits.push(p),
                    Err(_)
                        if permits.len() < held / 2 && std::time::Instant::now() < gather_until =>
                    {
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
            // the claimed shares' groups in one query, not one each
            let mut ids: Vec<i64> = claimed.iter().map(|c| c.group_id).collect();
            ids.sort_unstable();
            ids.dedup();
            let groups = crate::groups::db::fetch_many(&self.db, &ids)
                .await
                .unwrap_or_else(|e| {
                    // each share looks its group up again (and its lease ends if it cannot)
                    tracing::warn!(error = ?e, "outbox: groups of claimed shares");
                    Default::default()
                });
            for row in claimed {
                let Some(hold) = permits.pop() else { break };
                let me = self.clone();
                let group = groups.get(&row.group_id).cloned();
                let sending = sending.clone();
                tokio::spawn(async move {
                    if let Ok(slot) = sending.acquire_owned().await {
                        me.process(row, group, slot).await;
                    }
                    drop(hold);
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

    /// Sends one share, then records the outcome. The slot (`permit`) is given back as soon as
    /// the send is over: the next share need not wait for this one's bookkeeping (on
    /// PostgreSQL a round trip that held every slot a few milliseconds longer per send).
    async fn process(
        &self,
        row: Claimed,
        group: Option<GroupRow>,
        permit: tokio::sync::OwnedSemaphorePermit,
    ) {
        if let Err(e) = self.process_inner(&row, group, permit).await {
            // The lease expires and the share is taken up again (same msgUuid).
            tracing::warn!(share = row.id, error = ?e, "outbox: could not record a result");
        }
    }

    async fn process_inner(
        &self,
        row: &Claimed,
        group: Option<GroupRow>,
        permit: tokio::sync::OwnedSemaphorePermit,
    ) -> Result<(), AppError> {
        let group = match group {
            Some(g) => g,
            None => crate::groups::db::fetch(&self.db, row.group_id).await?,
        };
        if group.disabled {
            with_db!(&self.db, p => sqlx::query(
                "UPDATE shares SET status = 'failed', updated_at = $1, lease_owner = NULL, lease_until = NULL, \
                 last_error_code = $2, last_error_message = $3 WHERE id = $4 AND status = 'sending' AND lease_owner = $5")
                .bind(now_ms()).bind(GROUP_DISABLED).bind("group disabled").bind(row.id).bind(&self.owner)
                .execute(p).await.map(|_| ())).map_err(AppError::from)?;
            return Ok(());
        }
        let msg = match row
            .message_json
            .as_deref()
            .map(serde_json::from_str::<Message>)
        {
            Some(Ok(msg)) => Ok(msg),
            _ => Err(DtError::new(
                ErrorKind::InvalidMessage,
                "stored message unreadable",
            )),
        };
        if group.kind == "honour" {
            let result = self.send_honour(row).await;
            drop(permit);
            let missed = result.as_ref().map(|m| m.join(", ")).unwrap_or_default();
            self.finish(row, &group, result.map(|_| ())).await?;
            if !missed.is_empty() {
                direct::note_not_reached(&self.db, row.id, &missed).await?;
            }
            return Ok(());
        }
        if row.card_json.is_some() {
            let result = self.send_card(row, &group).await;
            drop(permit);
            return self.finish(row, &group, result).await;
        }
        if direct::is_direct(&group.kind) {
            return self.process_direct(row, &group, msg, permit).await;
        }
        let result = match msg {
            Ok(msg) => self.sender.deliver(&group, &msg, &row.msg_uuid).await,
            Err(e) => Err(e),
        };
        drop(permit);
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
        let outcome = match &result {
            Ok(()) => "sent",
            Err(e) => match decide(&self.cfg, &group.kind, row.attempts, e) {
                Outcome::Retry { .. } => "retry",
                Outcome::Stop { status } => status,
            },
        };
        let error = result
            .as_ref()
            .err()
            .map_or_else(String::new, |e| format!("{:?}", e.kind()));
        metrics::counter!("medals_shares_total", "outcome" => outcome, "error" => error)
            .increment(1);
        match result {
            Ok(()) => {
                const SENT: &str = "UPDATE shares SET status = 'sent', sent_at = $1, updated_at = $1, \
                    lease_owner = NULL, lease_until = NULL, last_error_code = NULL, last_error_message = NULL \
                    WHERE id = $2 AND status = 'sending' AND lease_owner = $3";
                // PostgreSQL: one statement (one round trip, one commit) marks the share and
                // its group; SQLite has no UPDATE inside WITH, and its writes are local and cheap
                let pg = matches!(db, Db::Postgres(_));
                let sql = if pg {
                    format!(
                        "WITH s AS ({SENT} RETURNING group_id) \
                         UPDATE share_groups SET last_ok_at = $1 WHERE id IN (SELECT group_id FROM s)"
                    )
                } else {
                    SENT.to_string()
                };
                with_db!(db, p => sqlx::query(&sql).bind(now).bind(row.id).bind(&self.owner)
                    .execute(p).await.map(|_| ()))
                .map_err(AppError::from)?;
                if !pg {
                    crate::groups::db::record_result(db, group.id, &Ok(())).await?;
                }
            }
            Err(e) => {
                let (code, errmsg) = stored_code(&e);
                if e.kind() != ErrorKind::LocalRateLimited && code != GROUP_DISABLED {
                    crate::groups::db::record_result(db, group.id, &Err(e.clone())).await?;
                }
                match decide(&self.cfg, &group.kind, row.attempts, &e) {
                    Outcome::Retry { at, count_attempt } => {
                        let back = if count_attempt { 0 } else { 1 };
                        // a retry that would fall in the quiet hours waits for their end
                        let guard = crate::shares::guard::load(db).await?;
                        let at = crate::shares::guard::not_before(&guard, at);
                        with_db!(db, p => sqlx::query(
                            "UPDATE shares SET status = 'queued', next_attempt_at = $1, attempts = attempts - $2, updated_at = $3, \
                             lease_owner = NULL, lease_until = NULL, last_error_code = $4, last_error_message = $5 \
                             WHERE id = $6 AND status = 'sending' AND lease_owner = $7")
                            .bind(at).bind(back).bind(now).bind(&code).bind(&errmsg).bind(row.id).bind(&self.owner)
                            .execute(p).await.map(|_| ())).map_err(AppError::from)?;
                    }
                    Outcome::Stop { status } => {
                        with_db!(db, p => sqlx::query(
                            "UPDATE shares SET status = $1, updated_at = $2, lease_owner = NULL, lease_until = NULL, \
                             last_error_code = $3, last_error_message = $4 WHERE id = $5 AND status = 'sending' AND lease_owner = $6")
                            .bind(status).bind(now).bind(&code).bind(&errmsg).bind(row.id).bind(&self.owner)
                            .execute(p).await.map(|_| ())).map_err(AppError::from)?;
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
