#![cfg(feature = "sim")]
//! The per-robot limiter under concurrency, with the in-memory store and a caller's own store.

mod common;

use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::Arc;
use std::time::Duration;

use common::*;
use dingtalk::sim::SimConfig;
use dingtalk::{ErrorKind, MemoryRateStore, Message, RateLimiter, RateStore, RetryClass};
use futures::future::BoxFuture;

#[tokio::test]
async fn hundred_tasks_share_twenty_slots() {
    let limiter = RateLimiter::robot_default();
    let ok = Arc::new(AtomicU32::new(0));
    let mut tasks = Vec::new();
    for _ in 0..100 {
        let (l, ok) = (limiter.clone(), ok.clone());
        tasks.push(tokio::spawn(async move {
            if l.try_acquire("robot:a").await.is_ok() {
                ok.fetch_add(1, Ordering::SeqCst);
            }
        }));
    }
    for t in tasks {
        t.await.unwrap();
    }
    assert_eq!(ok.load(Ordering::SeqCst), 20);
    // another robot has its own budget
    assert!(limiter.try_acquire("robot:b").await.is_ok());
    let wait = limiter.try_acquire("robot:a").await.unwrap_err();
    assert!(wait <= Duration::from_secs(60));
}

#[tokio::test]
async fn rolling_window_frees_slots() {
    let limiter = RateLimiter::in_memory(2, Duration::from_millis(400));
    limiter.try_acquire("k").await.unwrap();
    limiter.try_acquire("k").await.unwrap();
    let err = limiter.check("k").await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::LocalRateLimited);
    assert!(matches!(err.retry_class(), RetryClass::Throttled { .. }));
    // waiting acquire gets a slot once the oldest send leaves the window
    limiter.acquire("k", Duration::from_secs(5)).await.unwrap();
    // but gives up at once when the wait exceeds what the caller accepts
    limiter.try_acquire("k").await.unwrap_or(());
    let short = RateLimiter::in_memory(1, Duration::from_secs(60));
    short.try_acquire("x").await.unwrap();
    assert!(short.acquire("x", Duration::from_millis(10)).await.is_err());
}

/// A caller's own store (the server counts in its database): here it counts calls and delegates.
struct CountingStore {
    calls: AtomicU32,
    inner: MemoryRateStore,
}

impl RateStore for CountingStore {
    fn acquire<'a>(
        &'a self,
        key: &'a str,
        limit: u32,
        window: Duration,
    ) -> BoxFuture<'a, Result<(), Duration>> {
        self.calls.fetch_add(1, Ordering::SeqCst);
        self.inner.acquire(key, limit, window)
    }
}

#[tokio::test]
async fn robot_client_respects_a_shared_limiter() {
    let running = start(SimConfig::default()).await;
    let store = Arc::new(CountingStore {
        calls: AtomicU32::new(0),
        inner: MemoryRateStore::new(),
    });
    let limiter = RateLimiter::new(store.clone(), 5, Duration::from_secs(60));
    let client = robot_client(&running).with_limiter(limiter);
    let (cid, info) = group_and_robot(&running);
    let robot = robot_of(&client, &info);
    let mut tasks = Vec::new();
    for i in 0..30 {
        let (c, r) = (client.clone(), robot.clone());
        tasks.push(tokio::spawn(async move {
            c.send(&r, &Message::text(format!("勋章 {i}"))).await
        }));
    }
    let mut sent = 0;
    for t in tasks {
        match t.await.unwrap() {
            Ok(_) => sent += 1,
            Err(e) => {
                assert_eq!(e.kind(), ErrorKind::LocalRateLimited);
                assert_eq!(e.code(), "local.rate_limit");
                assert!(e.msg_uuid().is_some());
            }
        }
    }
    assert_eq!(sent, 5);
    assert_eq!(store.calls.load(Ordering::SeqCst), 30);
    // the simulator saw only what the limiter let through, so no DingTalk penalty
    assert_eq!(running.sim.messages(&cid).len(), 5);
    assert_eq!(running.sim.robots()[0].penalty_secs, 0);
}
