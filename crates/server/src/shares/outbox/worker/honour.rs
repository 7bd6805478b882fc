//! Sending an honour share: a grant (at most 10 people) or a recall in DingTalk's organisation
//! honours. DingTalk forbids two grants from one sender at once, across every instance: a lease
//! per sender in the settings table says who is granting; a share that finds it taken waits
//! like one that DingTalk refused as concurrent.

use super::{Claimed, Worker};
use crate::infra::now_ms;
use crate::medals::honour::HonourJob;
use crate::shares::direct::Recipient;
use crate::with_db;
use dingtalk::{Error as DtError, ErrorKind, HonourGrant};

/// How long a grant may hold its sender's lease.
const LEASE_MS: i64 = 60_000;

impl Worker {
    /// The grant or recall; people DingTalk could not grant are named on the share.
    pub(super) async fn send_honour(&self, row: &Claimed) -> Result<Vec<String>, DtError> {
        let job: HonourJob = row
            .card_json
            .as_deref()
            .and_then(|j| serde_json::from_str(j).ok())
            .ok_or_else(|| {
                DtError::new(ErrorKind::InvalidMessage, "stored honour job unreadable")
            })?;
        let people: Vec<Recipient> = row
            .recipients
            .as_deref()
            .and_then(|r| serde_json::from_str(r).ok())
            .unwrap_or_default();
        let users: Vec<String> = people.into_iter().map(|p| p.user_id).collect();
        let client = self.sender.app().await?;
        if job.recall {
            for u in &users {
                client.revoke_honour(&job.honor_id, u).await?;
            }
            return Ok(Vec::new());
        }
        let key = format!("honour_grant_lease:{}", job.sender);
        let mine = format!("{}", now_ms() + LEASE_MS);
        if !self.take_lease(&key, &mine).await {
            return Err(DtError::new(
                ErrorKind::ConcurrentGrant,
                "another grant from this sender is running",
            ));
        }
        let org = crate::settings::db::org_name(&self.db)
            .await
            .unwrap_or_default();
        let report = client
            .grant_honour(&HonourGrant {
                honor_id: job.honor_id.clone(),
                sender_user_id: job.sender.clone(),
                granter_name: if org.is_empty() {
                    "勋章馆".into()
                } else {
                    org.chars().take(50).collect()
                },
                reason: job.reason.clone(),
                receiver_user_ids: users.clone(),
                expire_days: job.expire_days,
                notify_conversation_ids: job.notify.clone(),
                notify_single: true,
            })
            .await;
        let _ = with_db!(&self.db, p => sqlx::query("DELETE FROM settings WHERE key = $1 AND value = $2")
            .bind(&key).bind(&mine).execute(p).await.map(|_| ()));
        let report = report?;
        if let Some((_, e)) = report.errors.into_iter().next() {
            return Err(e);
        }
        if !report.failed.is_empty() && report.failed.len() == users.len() {
            return Err(DtError::new(
                ErrorKind::InvalidParameter,
                format!("DingTalk granted nobody: {}", report.failed.join(", ")),
            ));
        }
        Ok(report.failed)
    }

    /// Takes the lease `key` until `until` (ms, as text) unless someone holds it still.
    async fn take_lease(&self, key: &str, until: &str) -> bool {
        let now = now_ms();
        let r = with_db!(&self.db, p => sqlx::query_scalar::<_, String>(
            "INSERT INTO settings (key, value, updated_at) VALUES ($1, $2, $3) \
             ON CONFLICT (key) DO UPDATE SET value = excluded.value, updated_at = excluded.updated_at \
             WHERE CAST(settings.value AS BIGINT) < $3 RETURNING key")
            .bind(key).bind(until).bind(now).fetch_optional(p).await);
        matches!(r, Ok(Some(_)))
    }
}
