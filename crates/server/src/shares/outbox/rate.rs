//! DingTalk's per-robot limit counted in the database, shared by every instance.

use crate::infra::now_ms;
use crate::infra::Db;
use dingtalk::limiter::BoxFuture;
use dingtalk::RateStore;
use std::time::Duration;

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
