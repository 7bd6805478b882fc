//! Sending a 1:1 share (to the winners themselves) and what DingTalk's answer means for it:
//! people flow-controlled or held back are tried again in a minute (this share, when nobody
//! was reached; else a new share for them), people DingTalk calls invalid are named on the
//! share, which counts as sent when anyone was reached.

use super::{Claimed, Worker};
use crate::error::AppError;
use crate::groups::db::GroupRow;
use crate::infra::now_ms;
use crate::shares::direct::Recipient;
use crate::with_db;
use dingtalk::{Error as DtError, ErrorKind, Message};
use std::time::{Duration, SystemTime};

/// Stored on a sent 1:1 share that did not reach everyone.
pub const NOT_REACHED: &str = "local.not_reached";

/// How long people held back by DingTalk wait.
const HOLD_MS: i64 = 60_000;

/// Names on a sent share the people DingTalk did not reach.
pub async fn note_not_reached(
    db: &crate::infra::Db,
    share: i64,
    who: &str,
) -> Result<(), AppError> {
    with_db!(db, p => sqlx::query(
        "UPDATE shares SET last_error_code = $1, last_error_message = $2 WHERE id = $3")
        .bind(NOT_REACHED).bind(who).bind(share).execute(p).await.map(|_| ()))
    .map_err(AppError::from)
}

pub fn is_direct(kind: &str) -> bool {
    kind == "oto" || kind == "notice"
}

impl Worker {
    pub(super) async fn process_direct(
        &self,
        row: &Claimed,
        group: &GroupRow,
        msg: Result<Message, DtError>,
        permit: tokio::sync::OwnedSemaphorePermit,
    ) -> Result<(), AppError> {
        let people: Vec<Recipient> = row
            .recipients
            .as_deref()
            .and_then(|r| serde_json::from_str(r).ok())
            .unwrap_or_default();
        let users: Vec<String> = people.iter().map(|p| p.user_id.clone()).collect();
        let sent = match msg {
            Ok(msg) if !users.is_empty() => {
                self.sender.deliver_direct(&group.kind, &users, &msg).await
            }
            Ok(_) => Err(DtError::new(
                ErrorKind::InvalidRequest,
                "no recipients stored",
            )),
            Err(e) => Err(e),
        };
        drop(permit);
        let report = match sent {
            Ok(r) => r,
            Err(e) => return self.finish(row, group, Err(e)).await,
        };
        let reached = report.reached(&users).len();
        let held: Vec<&Recipient> = people
            .iter()
            .filter(|p| report.held.contains(&p.user_id))
            .collect();
        let result = if reached == 0 && !held.is_empty() {
            // nobody got it yet: this share itself waits and goes again
            Err(DtError::new(
                ErrorKind::Throttled,
                format!(
                    "DingTalk held back {} people for sending too often",
                    held.len()
                ),
            )
            .with_until(SystemTime::now() + Duration::from_millis(HOLD_MS as u64)))
        } else if reached == 0 {
            Err(DtError::new(
                ErrorKind::InvalidParameter,
                format!(
                    "DingTalk reached nobody: invalid {}",
                    report.invalid.join(", ")
                ),
            ))
        } else {
            if !held.is_empty() {
                self.requeue(row, &held).await?;
            }
            Ok(())
        };
        let ok = result.is_ok();
        self.finish(row, group, result).await?;
        let missed: Vec<&String> = report.invalid.iter().chain(&report.failed).collect();
        if ok && !missed.is_empty() {
            let list = missed
                .iter()
                .map(|s| s.as_str())
                .collect::<Vec<_>>()
                .join(", ");
            note_not_reached(&self.db, row.id, &list).await?;
        }
        Ok(())
    }

    /// A new share for the people DingTalk held back, a minute from now.
    async fn requeue(&self, row: &Claimed, held: &[&Recipient]) -> Result<(), AppError> {
        let recipients = serde_json::to_string(held).map_err(crate::infra::internal)?;
        let ids = held
            .iter()
            .map(|p| p.award_id.to_string())
            .collect::<Vec<_>>()
            .join(",");
        let now = now_ms();
        with_db!(&self.db, p => sqlx::query(
            "INSERT INTO shares (group_id, award_ids, personal_message, card_style, status, attempts, next_attempt_at, \
             msg_uuid, message_json, requested_by, created_at, updated_at, request_id, recipients) \
             SELECT group_id, $1, personal_message, card_style, 'queued', 0, $2, $3, message_json, requested_by, $4, $4, request_id, $5 \
             FROM shares WHERE id = $6")
            .bind(&ids).bind(now + HOLD_MS).bind(dingtalk::new_msg_uuid()).bind(now).bind(&recipients).bind(row.id)
            .execute(p).await.map(|_| ()))
        .map_err(AppError::from)
    }
}
