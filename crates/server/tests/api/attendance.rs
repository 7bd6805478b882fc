//! DingTalk attendance sync against the simulator: chunks of 50 people × windows of 7 days paged
//! by `hasMore` with faults injected, each person's day judged under the policy (and a changed
//! policy respected by the next sync), staff without a userId listed, roles, and a sync whose
//! server was killed continued from its cursor by a new process.

use std::time::{Duration, Instant};

use dingtalk::sim::{attendance_day, AppSpec, Faults, Simulator};
use dingtalk::TimeResult;
use medal_core::Role;
use medal_server::attendance::db::{today, FIRST_DAYS};
use medal_server::infra::Db;
use medal_server::with_db;
use reqwest::Client;
use serde_json::Value;

use crate::both;
use crate::helpers::{fresh_database_url, Backend, Process, TestApp};
use crate::share_fixtures::{sim_app, TEST_KEY};
use crate::userids::set_app;

/// What DingTalk recorded for person `i` on day offset `d` (None: a rest day, no records).
fn results(i: usize, d: i64) -> Option<(TimeResult, TimeResult)> {
    use TimeResult::*;
    let k = i as i64 + d;
    match () {
        _ if i == 0 => Some((Normal, Normal)),
        _ if k % 7 == 6 => None,
        _ if k % 5 == 0 => Some((NotSigned, NotSigned)),
        _ if k % 5 == 1 => Some((Late, Normal)),
        _ => Some((Normal, Normal)),
    }
}

/// `n` people with userIds in the app and their last [`FIRST_DAYS`] days in the simulator.
async fn people(db: &Db, sim: &Simulator, n: usize) -> Vec<i64> {
    let first = today() - (FIRST_DAYS - 1);
    let mut ids = Vec::new();
    for i in 0..n {
        let uid = format!("dt{i:05}");
        let id = with_db!(db, p => sqlx::query_scalar::<_, i64>(
            "INSERT INTO staff (name, mobile, dingtalk_user_id, department, active, created_at, updated_at) \
             VALUES ($1, NULL, $2, '研发部', TRUE, 0, 0) RETURNING id")
            .bind(format!("员工{i}")).bind(&uid).fetch_one(p).await)
        .unwrap();
        ids.push(id);
        for d in 0..FIRST_DAYS {
            if let Some((on, off)) = results(i, d) {
                sim.add_attendance(attendance_day(&uid, first + d, on, off));
            }
        }
    }
    ids
}

async fn overview(app: &TestApp, c: &Client) -> Value {
    let r = app.post(c, "/sfn/attendance/overview", &[]).await;
    assert_eq!(r.status(), 200);
    r.json().await.unwrap()
}

async fn wait_sync(app: &TestApp, c: &Client) -> Value {
    let t = Instant::now();
    loop {
        let o = overview(app, c).await;
        if o["job"]["state"] != "running" {
            return o;
        }
        assert!(t.elapsed() < Duration::from_secs(120), "still running: {o}");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// (days kept, days attended) — and the rules' facts say the same.
async fn days(db: &Db) -> (i64, i64) {
    let kept = with_db!(db, p => sqlx::query_as::<_, (i64, i64)>(
        "SELECT COUNT(*), COALESCE(SUM(CASE WHEN attended THEN 1 ELSE 0 END), 0) FROM attendance_days")
        .fetch_one(p).await)
    .unwrap();
    let facts = with_db!(db, p => sqlx::query_as::<_, (i64, i64)>(
        "SELECT COUNT(*), CAST(COALESCE(SUM(value), 0) AS BIGINT) FROM facts WHERE metric = 'attendance'")
        .fetch_one(p).await)
    .unwrap();
    assert_eq!(facts, kept, "every day synced is a fact for the rules");
    kept
}

fn expected(n: usize, attended: impl Fn(TimeResult, TimeResult) -> bool) -> (i64, i64) {
    let (mut all, mut yes) = (0, 0);
    for i in 0..n {
        for d in 0..FIRST_DAYS {
            if let Some((on, off)) = results(i, d) {
                all += 1;
                yes += i64::from(attended(on, off));
            }
        }
    }
    (all, yes)
}

/// Calls a sync makes for people `from..to` (one chunk): per window of 7 days, one page of 50
/// records at least, more while records remain.
fn chunk_calls(from: usize, to: usize) -> u64 {
    let mut calls = 0;
    for w in (0..FIRST_DAYS).step_by(7) {
        let records: usize = (from..to)
            .map(|i| {
                (w..(w + 7).min(FIRST_DAYS))
                    .filter(|d| results(i, *d).is_some())
                    .count()
                    * 2
            })
            .sum();
        calls += records.div_ceil(50).max(1) as u64;
    }
    calls
}

fn list_calls(sim: &Simulator) -> u64 {
    sim.stats()
        .requests
        .get("attendance/list")
        .copied()
        .unwrap_or(0)
}

async fn sync_against_the_simulator(b: Backend) {
    let (app, sim, _) = sim_app(b).await;
    let admin = app.signed_in(Role::Owner).await;
    let viewer = app.signed_in(Role::Viewer).await;
    // Without credentials: says where to set them.
    let r = app.post(&admin, "/sfn/attendance/start", &[]).await;
    assert_eq!(r.status(), 422);
    let real = sim.sim.create_app(AppSpec::default());
    set_app(&app, &admin, &real.app_key, &real.app_secret).await;
    // 60 people: a chunk of 50 and one of 10; two more without a userId.
    people(&app.db, &sim.sim, 60).await;
    with_db!(&app.db, p => sqlx::query(
        "INSERT INTO staff (name, mobile, department, active, created_at, updated_at) VALUES \
         ('有号无ID', '13900000001', '', TRUE, 0, 0), ('无号无ID', NULL, '', TRUE, 0, 0)")
        .execute(p).await.map(|_| ()))
    .unwrap();
    let o = overview(&app, &viewer).await;
    assert_eq!(o["with_userid"], 60);
    assert_eq!(o["without_userid_total"], 2);
    assert_eq!(o["policy"], "all_normal");
    assert!(o["job"].is_null());

    // A viewer may look, not start.
    assert_eq!(
        app.post(&viewer, "/sfn/attendance/start", &[])
            .await
            .status(),
        403
    );
    sim.sim.set_faults(
        &real.app_key,
        Faults {
            busy: 0.08,
            error_5xx: 0.08,
            ..Faults::default()
        },
    );
    let r = app.post(&admin, "/sfn/attendance/start", &[]).await;
    assert_eq!(r.status(), 200, "{}", r.text().await.unwrap());
    let r = app.post(&admin, "/sfn/attendance/start", &[]).await;
    assert_eq!(r.status(), 409, "one sync at a time");
    let o = wait_sync(&app, &admin).await;
    let job = &o["job"];
    assert_eq!(job["state"], "done", "{o}");
    assert_eq!(job["total"], 60);
    assert_eq!(job["done"], 60);
    // 30 days = windows of 7,7,7,7,2, paged by 50 records; the faults were tried again (the
    // job counts every try, including those that failed before reaching DingTalk).
    let pages = chunk_calls(0, 50) + chunk_calls(50, 60);
    assert!(
        list_calls(&sim.sim) > pages,
        "some calls failed and were tried again"
    );
    assert!(job["calls"].as_u64().unwrap() >= list_calls(&sim.sim));
    let (all, yes) = expected(60, |on, off| {
        on == TimeResult::Normal && off == TimeResult::Normal
    });
    assert_eq!(job["records"], all * 2);
    assert_eq!(job["days_attended"], yes);
    assert_eq!(job["days_missed"], all - yes);
    assert_eq!(days(&app.db).await, (all, yes));
    // The person with every day Normal has all 30.
    let full: i64 = with_db!(&app.db, p => sqlx::query_scalar::<_, i64>(
        "SELECT COUNT(*) FROM attendance_days d JOIN staff s ON s.id = d.staff_id \
         WHERE s.dingtalk_user_id = 'dt00000' AND d.attended").fetch_one(p).await)
    .unwrap();
    assert_eq!(full, FIRST_DAYS);

    // The policy: a viewer may not change it; an admin may, audited; the next sync applies it.
    let r = app
        .post(&viewer, "/sfn/attendance/policy", &[("policy", "clocked")])
        .await;
    assert_eq!(r.status(), 403);
    let r = app
        .post(&admin, "/sfn/attendance/policy", &[("policy", "bogus")])
        .await;
    assert_eq!(r.status(), 422);
    let r = app
        .post(&admin, "/sfn/attendance/policy", &[("policy", "clocked")])
        .await;
    assert_eq!(r.status(), 200, "{}", r.text().await.unwrap());
    let audited: i64 = with_db!(&app.db, p => sqlx::query_scalar::<_, i64>(
        "SELECT COUNT(*) FROM audit_entries WHERE action = 'attendance.policy'").fetch_one(p).await)
    .unwrap();
    assert_eq!(audited, 1);
    sim.sim.clear_faults(&real.app_key);
    // The next sync reads from the last synced day (today) on: widen it to all 30 days again.
    with_db!(&app.db, p => sqlx::query("UPDATE attendance_syncs SET to_day = from_day")
        .execute(p).await.map(|_| ()))
    .unwrap();
    let r = app.post(&admin, "/sfn/attendance/start", &[]).await;
    assert_eq!(r.status(), 200);
    let o = wait_sync(&app, &admin).await;
    assert_eq!(o["job"]["state"], "done", "{o}");
    let (all2, yes2) = expected(60, |on, off| on.clocked() || off.clocked());
    assert_eq!(all2, all);
    assert!(yes2 > yes);
    assert_eq!(
        days(&app.db).await,
        (all, yes2),
        "a day seen again is replaced"
    );

    // The page, with JavaScript off: the rule in words, the counts, who has no userId.
    let html = app.get(&viewer, "/attendance").await.text().await.unwrap();
    assert!(html.contains("当天打过卡就算出勤"), "{html}");
    assert!(html.contains("已同步 60 / 60 人"), "{html}");
    assert!(
        html.contains("没有钉钉 userId 的在职员工（2 人）"),
        "{html}"
    );
    assert!(html.contains("有号无ID") && html.contains("href=\"/staff/userids\""));
    assert!(
        !html.contains("attendance-start"),
        "a viewer gets no button"
    );
    let html = app.get(&admin, "/attendance").await.text().await.unwrap();
    assert!(html.contains("attendance-start"));
}
both!(
    sync_against_the_simulator,
    super::sync_against_the_simulator
);

async fn resumed_after_a_restart(b: Backend) {
    let sim = dingtalk::sim::spawn_local(Simulator::default())
        .await
        .unwrap();
    let dir = tempfile::tempdir().unwrap();
    let url = fresh_database_url(b, &dir).await;
    let db = Db::connect(&url).await.unwrap();
    let env = [
        ("MEDALS_DINGTALK_OAPI_BASE", sim.base_url()),
        ("MEDALS_DINGTALK_API_BASE", sim.base_url()),
        ("MEDALS_SECRET_KEY", TEST_KEY.to_string()),
    ];
    let real = sim.sim.create_app(AppSpec::default());
    people(&db, &sim.sim, 150).await;
    // Slow DingTalk down so the first process is killed in the middle.
    sim.sim.set_faults(
        &real.app_key,
        Faults {
            latency_ms: 150,
            ..Faults::default()
        },
    );
    let first = Process::start(&url, db.clone(), dir, &env).await;
    let admin = first.app.signed_in(Role::Owner).await;
    set_app(&first.app, &admin, &real.app_key, &real.app_secret).await;
    let r = first.app.post(&admin, "/sfn/attendance/start", &[]).await;
    assert_eq!(r.status(), 200, "{}", r.text().await.unwrap());
    let t = Instant::now();
    let job_id = loop {
        let (id, done) = with_db!(&db, p => sqlx::query_as::<_, (i64, i64)>(
            "SELECT id, done FROM attendance_syncs ORDER BY id DESC LIMIT 1").fetch_one(p).await)
        .unwrap();
        if done >= 50 {
            break id;
        }
        assert!(t.elapsed() < Duration::from_secs(90), "no chunk finished");
        tokio::time::sleep(Duration::from_millis(50)).await;
    };
    // Keep the database directory: the second process uses the same database.
    let Process {
        mut child,
        app: _first_app,
        ..
    } = first;
    child.kill().unwrap();
    child.wait().unwrap();
    let (done_at_kill, calls_at_kill) = with_db!(&db, p => sqlx::query_as::<_, (i64, i64)>(
        "SELECT done, calls FROM attendance_syncs WHERE id = $1").bind(job_id).fetch_one(p).await)
    .unwrap();
    assert!(done_at_kill < 150, "killed before the end");
    // Its heartbeat stops; once stale, the sync counts as interrupted.
    with_db!(&db, p => sqlx::query("UPDATE attendance_syncs SET heartbeat_at = 0 WHERE id = $1")
        .bind(job_id).execute(p).await.map(|_| ()))
    .unwrap();
    sim.sim.clear_faults(&real.app_key);
    let before = list_calls(&sim.sim);
    let refused_before = sim.sim.stats().qps_refusals;
    let dir = tempfile::tempdir().unwrap();
    let second = Process::start(&url, db.clone(), dir, &env).await;
    let admin = second.app.signed_in(Role::Admin).await;
    assert_eq!(
        overview(&second.app, &admin).await["job"]["state"],
        "interrupted"
    );
    let r = second.app.post(&admin, "/sfn/attendance/start", &[]).await;
    assert_eq!(r.status(), 200, "{}", r.text().await.unwrap());
    let o = wait_sync(&second.app, &admin).await;
    let job = &o["job"];
    assert_eq!(job["state"], "done", "{o}");
    assert_eq!(job["resumes"], job_id);
    assert_eq!(job["done"], 150);
    // Only the chunks not finished before the kill were asked for again (and calls DingTalk
    // refused for going over its calls a second, retried).
    let asked = list_calls(&sim.sim) - before - (sim.sim.stats().qps_refusals - refused_before);
    let left: u64 = (done_at_kill as usize..150)
        .step_by(50)
        .map(|c| chunk_calls(c, c + 50))
        .sum();
    assert_eq!(
        asked,
        left,
        "calls before the kill: {calls_at_kill}, done {done_at_kill}, {:?}",
        sim.sim.stats()
    );
    let (all, yes) = expected(150, |on, off| {
        on == TimeResult::Normal && off == TimeResult::Normal
    });
    assert_eq!(days(&db).await, (all, yes));
    second.stop();
}
both!(resumed_after_a_restart, super::resumed_after_a_restart);
