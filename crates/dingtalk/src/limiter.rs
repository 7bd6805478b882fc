//! Per-robot rate limiting (20 messages per rolling 60 s), shared by many tasks and optionally
//! backed by the caller's own store (e.g. a database shared by several server instances).

pub use futures::future::BoxFuture;
use std::collections::{HashMap, VecDeque};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant, SystemTime};

use crate::error::{Error, ErrorKind};

/// DingTalk's limit per custom robot.
pub const ROBOT_LIMIT: u32 = 20;
/// DingTalk's window for [`ROBOT_LIMIT`].
pub const ROBOT_WINDOW: Duration = Duration::from_secs(60);

/// Where sends are counted. Implement it over a database so several processes share a limit.
///
/// `acquire` records one send for `key` and returns `Ok(())` when fewer than `limit` sends were
/// recorded in the rolling `window` before it; otherwise it records nothing and returns how long
/// to wait until a slot frees up.
pub trait RateStore: Send + Sync {
    fn acquire<'a>(
        &'a self,
        key: &'a str,
        limit: u32,
        window: Duration,
    ) -> BoxFuture<'a, Result<(), Duration>>;
}

/// In-memory rolling-window store (one process).
#[derive(Default)]
pub struct MemoryRateStore {
    entries: Mutex<HashMap<String, VecDeque<Instant>>>,
}

impl MemoryRateStore {
    pub fn new() -> Self {
        Self::default()
    }

    /// Synchronous form of [`RateStore::acquire`].
    pub fn try_acquire(&self, key: &str, limit: u32, window: Duration) -> Result<(), Duration> {
        let now = Instant::now();
        let mut map = self.entries.lock().unwrap_or_else(|p| p.into_inner());
        // keep the map small: drop keys whose entries have all expired
        if map.len() > 1024 {
            map.retain(|_, q| q.back().is_some_and(|t| now.duration_since(*t) < window));
        }
        let q = map.entry(key.to_owned()).or_default();
        while q.front().is_some_and(|t| now.duration_since(*t) >= window) {
            q.pop_front();
        }
        if (q.len() as u64) < u64::from(limit) {
            q.push_back(now);
            Ok(())
        } else {
            let oldest = q.front().copied().unwrap_or(now);
            Err((oldest + window).saturating_duration_since(now))
        }
    }
}

impl RateStore for MemoryRateStore {
    fn acquire<'a>(
        &'a self,
        key: &'a str,
        limit: u32,
        window: Duration,
    ) -> BoxFuture<'a, Result<(), Duration>> {
        let r = self.try_acquire(key, limit, window);
        Box::pin(async move { r })
    }
}

/// A limit (`limit` per rolling `window`) over a shared [`RateStore`]. Cheap to clone.
#[derive(Clone)]
pub struct RateLimiter {
    store: Arc<dyn RateStore>,
    limit: u32,
    window: Duration,
}

impl std::fmt::Debug for RateLimiter {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RateLimiter")
            .field("limit", &self.limit)
            .field("window", &self.window)
            .finish()
    }
}

impl Default for RateLimiter {
    fn default() -> Self {
        Self::in_memory(ROBOT_LIMIT, ROBOT_WINDOW)
    }
}

impl RateLimiter {
    pub fn new(store: Arc<dyn RateStore>, limit: u32, window: Duration) -> Self {
        RateLimiter {
            store,
            limit,
            window,
        }
    }

    /// DingTalk's robot limit (20 / 60 s) over a fresh in-memory store.
    pub fn robot_default() -> Self {
        Self::default()
    }

    pub fn in_memory(limit: u32, window: Duration) -> Self {
        Self::new(Arc::new(MemoryRateStore::new()), limit, window)
    }

    pub fn limit(&self) -> u32 {
        self.limit
    }

    pub fn window(&self) -> Duration {
        self.window
    }

    /// Takes a slot now, or says how long to wait.
    pub async fn try_acquire(&self, key: &str) -> Result<(), Duration> {
        self.store.acquire(key, self.limit, self.window).await
    }

    /// Takes a slot now, or fails with a [`ErrorKind::LocalRateLimited`] error carrying `until`.
    pub async fn check(&self, key: &str) -> Result<(), Error> {
        self.try_acquire(key).await.map_err(|wait| {
            Error::new(
                ErrorKind::LocalRateLimited,
                format!("local limit {} per {:?} reached", self.limit, self.window),
            )
            .with_until(SystemTime::now() + wait)
        })
    }

    /// Waits until a slot is free, then takes it. Gives up (with the wait) if that would take
    /// longer than `max_wait`.
    pub async fn acquire(&self, key: &str, max_wait: Duration) -> Result<(), Duration> {
        let deadline = Instant::now() + max_wait;
        loop {
            match self.try_acquire(key).await {
                Ok(()) => return Ok(()),
                Err(wait) => {
                    let wake = Instant::now() + wait;
                    if wake > deadline {
                        return Err(wait);
                    }
                    // a small floor avoids a busy loop when the wait rounds to zero
                    tokio::time::sleep(wait.max(Duration::from_millis(5))).await;
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rolling_window() {
        let store = MemoryRateStore::new();
        let w = Duration::from_secs(3600);
        assert!(store.try_acquire("a", 2, w).is_ok());
        assert!(store.try_acquire("a", 2, w).is_ok());
        let wait = store.try_acquire("a", 2, w).unwrap_err();
        assert!(wait > Duration::from_secs(3500) && wait <= w);
        // other keys are independent
        assert!(store.try_acquire("b", 2, w).is_ok());
        // a zero window never limits
        assert!(store.try_acquire("c", 1, Duration::ZERO).is_ok());
        assert!(store.try_acquire("c", 1, Duration::ZERO).is_ok());
    }
}
