#![cfg(feature = "sim")]
//! Attendance results (`attendance/list`) against the simulator: the limits refused before
//! calling and by the simulator as DingTalk does, paging by `hasMore`, injected faults and the
//! per-app QPS answer retried, and the pace kept.

mod common;

use std::collections::HashSet;
use std::time::{Duration, Instant};

use common::*;
use dingtalk::app::attendance::{work_date, MAX_USERS};
use dingtalk::sim::{attendance_day, AppInfo, AppSpec, Faults, RunningSim, SimConfig};
use dingtalk::{AppClient, AppCredentials, AttendanceQuery, ErrorKind, Pace, TimeResult};
use serde_json::{json, Value};

const DAY: i64 = 20_500; // 2026-02-17

fn client(running: &RunningSim, app: &AppInfo) -> AppClient {
    AppClient::new(
        config(running),
        AppCredentials::new(&app.app_key, &app.app_secret),
    )
    .unwrap()
}

fn users(n: usize) -> Vec<String> {
    (0..n).map(|i| format!("user{i:03}")).collect()
}

/// Two checks a day for each person over `days` days from [`DAY`].
fn seed(running: &RunningSim, users: &[String], days: i64) {
    for u in users {
        for d in 0..days {
            let off = if d % 3 == 0 {
                TimeResult::Late
            } else {
                TimeResult::Normal
            };
            running
                .sim
                .add_attendance(attendance_day(u, DAY + d, TimeResult::Normal, off));
        }
    }
}

async fn json_of(req: reqwest::RequestBuilder) -> Value {
    req.send().await.unwrap().json().await.unwrap()
}

fn calls(running: &RunningSim) -> u64 {
    running
        .sim
        .stats()
        .requests
        .get("attendance/list")
        .copied()
        .unwrap_or(0)
}

#[tokio::test]
async fn limits_are_refused_before_calling() {
    let running = start(SimConfig::default()).await;
    let app = running.sim.create_app(AppSpec::default());
    let c = client(&running, &app);
    let pace = Pace::default();
    for (from, to, n) in [(DAY, DAY + 8, 1), (DAY, DAY, MAX_USERS + 1), (DAY, DAY, 0)] {
        let e = c
            .attendance_window(from, to, &users(n), &pace)
            .await
            .unwrap_err();
        assert_eq!(e.kind(), ErrorKind::InvalidRequest, "{e}");
        assert!(e.is_permanent());
    }
    let e = c
        .attendance_list(&AttendanceQuery {
            limit: 51,
            ..AttendanceQuery::new(DAY, DAY, users(1))
        })
        .await
        .unwrap_err();
    assert_eq!(e.kind(), ErrorKind::InvalidRequest);
    assert_eq!(calls(&running), 0, "nothing reached DingTalk");
    // The widest allowed question passes.
    let w = c
        .attendance_window(DAY, DAY + 7, &users(MAX_USERS), &pace)
        .await
        .unwrap();
    assert!(w.records.is_empty());
    assert_eq!(w.calls, 1);
}

/// The simulator itself answers what DingTalk answers to a client that does not check.
#[tokio::test]
async fn the_simulator_refuses_the_same_limits() {
    let running = start(SimConfig::default()).await;
    let app = running.sim.create_app(AppSpec::default());
    let token = client(&running, &app).access_token().await.unwrap();
    let http = reqwest::Client::new();
    let ask = |token: String, body: Value| {
        let http = http.clone();
        let url = format!(
            "{}/attendance/list?access_token={token}",
            running.base_url()
        );
        async move { json_of(http.post(url).json(&body)).await }
    };
    let body = |from: i64, to: i64, n: usize, limit: u32| {
        json!({"workDateFrom": work_date(from), "workDateTo": work_date(to),
               "userIdList": users(n), "offset": 0, "limit": limit})
    };
    let cases = [
        (body(DAY, DAY + 8, 1, 50), 40035),
        (body(DAY + 1, DAY, 1, 50), 40035),
        (body(DAY, DAY, 51, 50), 40032),
        (body(DAY, DAY, 0, 50), 40032),
        (body(DAY, DAY, 1, 51), 40035),
        (body(DAY, DAY, 1, 0), 40035),
        (
            json!({"workDateFrom": "2026-02-17", "workDateTo": work_date(DAY),
                "userIdList": ["u"], "offset": 0, "limit": 5}),
            40035,
        ),
    ];
    for (b, code) in cases {
        let v = ask(token.clone(), b.clone()).await;
        assert_eq!(v["errcode"], code, "{b} → {v}");
        assert!(!v["errmsg"].as_str().unwrap().is_empty());
    }
    let v = ask("nope".into(), body(DAY, DAY, 1, 50)).await;
    assert_eq!(v["errcode"], 40014);
    let v = ask(token, body(DAY, DAY + 7, 50, 50)).await;
    assert_eq!(v["errcode"], 0, "{v}");
    assert_eq!(v["hasMore"], false);
}

#[tokio::test]
async fn pages_by_has_more_until_the_last() {
    let running = start(SimConfig::default()).await;
    let app = running.sim.create_app(AppSpec::default());
    let c = client(&running, &app);
    let people = users(MAX_USERS);
    // 50 people × 10 days × 2 checks; the window takes 7 of the days: 700 records, 14 pages.
    seed(&running, &people, 10);
    let w = c
        .attendance_window(DAY + 1, DAY + 7, &people, &Pace::default())
        .await
        .unwrap();
    assert_eq!(w.records.len(), 700);
    assert_eq!(w.calls, 14);
    assert_eq!(w.retries, 0);
    assert_eq!(calls(&running), 14);
    let distinct: HashSet<_> = w
        .records
        .iter()
        .map(|r| (r.user_id.clone(), r.work_date, r.check_type))
        .collect();
    assert_eq!(distinct.len(), 700, "no record twice");
    assert!(w.records.iter().all(|r| {
        let d = medal_core::time::china_day(r.work_date);
        (DAY + 1..=DAY + 7).contains(&d)
    }));
    // Someone else's records are not answered.
    let w = c
        .attendance_window(DAY, DAY, &["stranger".to_string()], &Pace::default())
        .await
        .unwrap();
    assert!(w.records.is_empty());
}

#[tokio::test]
async fn faults_are_retried_and_permanent_errors_are_not() {
    let running = start(SimConfig {
        hang: Duration::from_millis(300),
        ..SimConfig::default()
    })
    .await;
    let app = running.sim.create_app(AppSpec::default());
    let c = AppClient::new(
        dingtalk::ClientConfig {
            timeout: Duration::from_millis(200),
            ..config(&running)
        },
        AppCredentials::new(&app.app_key, &app.app_secret),
    )
    .unwrap();
    let people = users(20);
    seed(&running, &people, 7);
    // Token first, so the faults land on attendance calls.
    c.access_token().await.unwrap();
    running.sim.set_faults(
        &app.app_key,
        Faults {
            busy: 0.25,
            error_5xx: 0.15,
            timeout: 0.1,
            ..Faults::default()
        },
    );
    let pace = Pace::default()
        .with_attempts(30)
        .with_max_backoff(Duration::from_millis(50));
    // half the calls meet a fault, so six calls all pass about once in 64 runs: ask again
    // (each answer whole) until some were retried
    let mut retries = 0;
    for _ in 0..5 {
        let w = c
            .attendance_window(DAY, DAY + 6, &people, &pace)
            .await
            .unwrap();
        assert_eq!(w.records.len(), 280);
        assert_eq!(w.calls, 6);
        retries += w.retries;
        if retries > 0 {
            break;
        }
    }
    assert!(retries > 0, "some of the calls failed and were tried again");
    // Throttling answers (90018) are waited out.
    running.sim.set_faults(
        &app.app_key,
        Faults {
            throttle: true,
            times: Some(3),
            ..Faults::default()
        },
    );
    let w = c.attendance_window(DAY, DAY, &people, &pace).await.unwrap();
    assert_eq!(w.records.len(), 40);
    assert_eq!(w.retries, 3);
    // Busy every time: the error comes back after the attempts, explained.
    running.sim.set_faults(
        &app.app_key,
        Faults {
            busy: 1.0,
            ..Faults::default()
        },
    );
    let e = c
        .attendance_window(DAY, DAY, &people, &pace.clone().with_attempts(3))
        .await
        .unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Busy);
    running.sim.clear_faults(&app.app_key);
    // Wrong credentials are not retried.
    let wrong =
        AppClient::new(config(&running), AppCredentials::new(&app.app_key, "wrong")).unwrap();
    let e = wrong
        .attendance_window(DAY, DAY, &people, &pace)
        .await
        .unwrap_err();
    assert_eq!(e.kind(), ErrorKind::InvalidCredentials);
}

#[tokio::test]
async fn the_qps_limit_is_answered_retried_and_kept_under() {
    let running = start(SimConfig {
        app_qps: 5,
        ..SimConfig::default()
    })
    .await;
    let app = running.sim.create_app(AppSpec::default());
    let c = client(&running, &app);
    let people = users(MAX_USERS);
    seed(&running, &people, 5);
    // 500 records, 10 pages. Faster than DingTalk allows: refused with 90018, then retried.
    let w = c
        .attendance_window(
            DAY,
            DAY + 4,
            &people,
            &Pace::per_second(50).with_max_backoff(Duration::from_millis(300)),
        )
        .await
        .unwrap();
    assert_eq!(w.records.len(), 500);
    assert!(running.sim.stats().qps_refusals > 0);
    assert!(w.retries > 0);
    // At a pace under the limit nothing is refused, and the pace holds.
    let before = running.sim.stats().qps_refusals;
    tokio::time::sleep(Duration::from_millis(1100)).await;
    let t = Instant::now();
    let w = c
        .attendance_window(DAY, DAY + 4, &people, &Pace::per_second(4))
        .await
        .unwrap();
    assert_eq!(w.records.len(), 500);
    assert_eq!(w.retries, 0);
    assert_eq!(running.sim.stats().qps_refusals, before);
    // 10 calls at 4 a second: the last one no sooner than 2 s after the first.
    assert!(
        t.elapsed() >= Duration::from_millis(1900),
        "{:?}",
        t.elapsed()
    );
}

#[tokio::test]
async fn seeded_over_the_control_api() {
    let running = start(SimConfig::default()).await;
    let app = running.sim.create_app(AppSpec::default());
    let recs = attendance_day("zhang", DAY, TimeResult::Normal, TimeResult::NotSigned);
    let http = reqwest::Client::new();
    let r = http
        .post(format!("{}/_control/attendance", running.base_url()))
        .json(&recs)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let all: Vec<dingtalk::AttendanceRecord> = serde_json::from_value(
        json_of(http.get(format!("{}/_control/attendance", running.base_url()))).await,
    )
    .unwrap();
    assert_eq!(all, recs.to_vec());
    let w = client(&running, &app)
        .attendance_window(DAY, DAY, &["zhang".into()], &Pace::default())
        .await
        .unwrap();
    assert_eq!(w.records, recs.to_vec());
    let r = http
        .delete(format!("{}/_control/attendance", running.base_url()))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    assert!(running.sim.attendance(None).is_empty());
}
