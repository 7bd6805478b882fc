//! DingTalk userId lookup by mobile, against the simulator: one person (found, has left, not in
//! the organisation, no mobile, no or wrong app credentials) and the bulk lookup in the
//! background (everyone found asked once, misses listed with DingTalk's words, transient faults
//! retried, wrong credentials stop the job, one job at a time, a dead server's job interrupted).

use std::time::{Duration, Instant};

use dingtalk::sim::{AppSpec, Faults, UserSpec};
use medal_core::Role;
use medal_server::with_db;
use reqwest::Client;
use serde_json::Value;

use crate::both;
use crate::helpers::Backend;
use crate::helpers::TestApp;
use crate::share_fixtures::sim_app;

pub async fn set_app(app: &TestApp, admin: &Client, key: &str, secret: &str) {
    let r = app
        .post(
            admin,
            "/sfn/settings/save",
            &[
                ("form[org_name]", "示例科技"),
                ("form[public_base_url]", ""),
                ("form[app_key]", key),
                ("form[app_secret]", secret),
                ("form[robot_code]", key),
            ],
        )
        .await;
    assert_eq!(r.status(), 200, "{}", r.text().await.unwrap());
}

async fn add_person(app: &TestApp, admin: &Client, name: &str, mobile: &str) -> i64 {
    let r = app
        .post(
            admin,
            "/sfn/staff/save",
            &[
                ("name", name),
                ("mobile", mobile),
                ("dingtalk_user_id", ""),
                ("department", "研发部"),
                ("external_id", ""),
            ],
        )
        .await;
    assert_eq!(r.status(), 200, "{}", r.text().await.unwrap());
    r.json().await.unwrap()
}

async fn person(app: &TestApp, c: &Client, id: i64) -> Value {
    app.post(c, "/sfn/staff/get", &[("id", &id.to_string())])
        .await
        .json()
        .await
        .unwrap()
}

async fn lookup(app: &TestApp, c: &Client, id: i64) -> (u16, String) {
    let r = app
        .post(c, "/sfn/staff/userid/lookup", &[("id", &id.to_string())])
        .await;
    (r.status().as_u16(), r.text().await.unwrap())
}

async fn overview(app: &TestApp, c: &Client) -> Value {
    app.post(c, "/sfn/staff/userid/overview", &[])
        .await
        .json()
        .await
        .unwrap()
}

/// Waits until the latest bulk lookup is no longer running; returns the overview.
async fn wait_job(app: &TestApp, c: &Client) -> Value {
    let t = Instant::now();
    loop {
        let o = overview(app, c).await;
        if o["job"]["state"] != "running" {
            return o;
        }
        assert!(
            t.elapsed() < Duration::from_secs(90),
            "the lookup is still running: {o}"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

fn lookups(sim: &dingtalk::sim::Simulator) -> u64 {
    sim.stats()
        .requests
        .get("getbymobile")
        .copied()
        .unwrap_or(0)
}

async fn one_person_by_mobile(b: Backend) {
    let (app, sim, _) = sim_app(b).await;
    let admin = app.signed_in(Role::Owner).await;
    let zhang = sim.sim.create_user(UserSpec::new("张三", "13800000001"));
    sim.sim.create_user(UserSpec {
        active: false,
        ..UserSpec::new("李四", "13800000002")
    });
    let zhang_id = add_person(&app, &admin, "张三", "13800000001").await;
    let li_id = add_person(&app, &admin, "李四", "13800000002").await;
    let wang_id = add_person(&app, &admin, "王五", "13800000003").await;
    let nomobile_id = add_person(&app, &admin, "赵六", "").await;

    // No app credentials yet: says where to set them.
    let (status, body) = lookup(&app, &admin, zhang_id).await;
    assert_eq!(status, 422, "{body}");
    assert!(body.contains("AppKey") && body.contains("设置"), "{body}");

    // Wrong credentials: DingTalk's refusal in words; nothing is kept on the person.
    let real = sim.sim.create_app(AppSpec::default());
    set_app(&app, &admin, &real.app_key, "wrong-secret").await;
    let (status, body) = lookup(&app, &admin, zhang_id).await;
    assert_eq!(status, 422, "{body}");
    assert!(body.contains("AppKey 或 AppSecret 不正确"), "{body}");
    assert!(person(&app, &admin, zhang_id).await["userid_lookup_at"].is_null());

    set_app(&app, &admin, &real.app_key, &real.app_secret).await;
    let (status, body) = lookup(&app, &admin, zhang_id).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body, format!("\"{}\"", zhang.userid));
    let p = person(&app, &admin, zhang_id).await;
    assert_eq!(p["dingtalk_user_id"], zhang.userid.as_str());
    assert!(p["userid_lookup_at"].is_i64());
    assert!(p["userid_lookup_error"].is_null());

    // Has left (40104) and never was (60121): the answer is kept on the person, in both languages.
    let (status, body) = lookup(&app, &admin, li_id).await;
    assert_eq!(status, 422, "{body}");
    assert!(body.contains("不在本组织中"), "{body}");
    let p = person(&app, &admin, li_id).await;
    assert!(p["dingtalk_user_id"].is_null());
    assert!(p["userid_lookup_error"]["zh"]
        .as_str()
        .unwrap()
        .contains("40104"));
    assert!(p["userid_lookup_error"]["en"]
        .as_str()
        .unwrap()
        .contains("not in the organisation"));
    let (status, body) = lookup(&app, &admin, wang_id).await;
    assert_eq!(status, 422, "{body}");
    assert!(body.contains("60121"), "{body}");

    // No mobile: nothing to ask.
    let (status, body) = lookup(&app, &admin, nomobile_id).await;
    assert_eq!(status, 422, "{body}");
    assert!(body.contains("没有手机号"), "{body}");

    // A viewer may not; the page shows the miss to everyone.
    let viewer = app.signed_in(Role::Viewer).await;
    assert_eq!(lookup(&app, &viewer, wang_id).await.0, 403);
    let html = app
        .get(&admin, &format!("/staff/{li_id}"))
        .await
        .text()
        .await
        .unwrap();
    assert!(html.contains("查询未找到"), "{html}");
    assert!(html.contains("按手机号查询"), "{html}");

    // Audited: who looked up whom and what came back.
    let audited: i64 = with_db!(&app.db, p => sqlx::query_scalar::<_, i64>(
        "SELECT COUNT(*) FROM audit_entries WHERE action = 'staff.userid_lookup'").fetch_one(p).await)
    .unwrap();
    assert_eq!(audited, 3);
}
both!(one_person_by_mobile, super::one_person_by_mobile);

async fn bulk_lookup_in_the_background(b: Backend) {
    let (app, sim, _) = sim_app(b).await;
    let admin = app.signed_in(Role::Owner).await;
    let real = sim.sim.create_app(AppSpec::default());
    set_app(&app, &admin, &real.app_key, &real.app_secret).await;
    // 40 in DingTalk, 3 of them gone; 2 unknown to DingTalk; 2 without a mobile; 1 with a userId.
    let mut expected = Vec::new();
    for i in 0..40 {
        let mobile = format!("139{i:08}");
        let u = sim.sim.create_user(UserSpec {
            active: i % 13 != 5,
            ..UserSpec::new(format!("员工{i}"), &mobile)
        });
        let id = add_person(&app, &admin, &format!("员工{i}"), &mobile).await;
        expected.push((id, u.userid, u.active));
    }
    for i in 0..2 {
        add_person(&app, &admin, &format!("外人{i}"), &format!("137{i:08}")).await;
        add_person(&app, &admin, &format!("无号{i}"), "").await;
    }
    with_db!(&app.db, p => sqlx::query(
        "INSERT INTO staff (name, mobile, dingtalk_user_id, department, active, created_at, updated_at) \
         VALUES ('已有', '13600000000', 'known', '', TRUE, 0, 0)").execute(p).await.map(|_| ()))
    .unwrap();
    let gone = expected.iter().filter(|e| !e.2).count() as i64;
    assert_eq!(gone, 3);

    let o = overview(&app, &admin).await;
    assert_eq!(o["credentials_set"], true);
    assert_eq!(o["missing"], 42);
    assert_eq!(o["without_mobile"], 2);
    assert!(o["job"].is_null());

    // A tenth of the calls fail in ways another try gets past.
    sim.sim.set_faults(
        "*",
        Faults {
            error_5xx: 0.05,
            busy: 0.05,
            ..Faults::default()
        },
    );
    let r = app.post(&admin, "/sfn/staff/userid/start", &[]).await;
    assert_eq!(r.status(), 200, "{}", r.text().await.unwrap());
    // One at a time.
    let r = app.post(&admin, "/sfn/staff/userid/start", &[]).await;
    assert_eq!(r.status(), 409, "a second start while the first runs");
    let o = wait_job(&app, &admin).await;
    let job = &o["job"];
    assert_eq!(job["state"], "done", "{o}");
    assert_eq!(job["total"], 42);
    assert_eq!(job["done"], 42);
    assert_eq!(job["found"], 37);
    assert_eq!(job["not_found"], 5);
    assert!(job["error"].is_null());
    assert_eq!(o["missing"], 5);
    assert_eq!(o["misses_total"], 5);
    let misses = o["misses"].as_array().unwrap();
    assert!(misses
        .iter()
        .all(|m| !m["error"]["zh"].as_str().unwrap().is_empty()));
    for (id, userid, active) in &expected {
        let p = person(&app, &admin, *id).await;
        if *active {
            assert_eq!(p["dingtalk_user_id"], userid.as_str(), "{p}");
        } else {
            assert!(p["dingtalk_user_id"].is_null(), "{p}");
            assert!(p["userid_lookup_error"]["zh"]
                .as_str()
                .unwrap()
                .contains("40104"));
        }
    }
    let known: String = with_db!(&app.db, p => sqlx::query_scalar::<_, String>(
        "SELECT dingtalk_user_id FROM staff WHERE name = '已有'").fetch_one(p).await)
    .unwrap();
    assert_eq!(
        known, "known",
        "a person who had a userId is not asked about"
    );

    // Without faults, a second run asks exactly once about each of the 5 still missing.
    sim.sim.clear_faults("*");
    let before = lookups(&sim.sim);
    let r = app.post(&admin, "/sfn/staff/userid/start", &[]).await;
    assert_eq!(r.status(), 200);
    let o = wait_job(&app, &admin).await;
    assert_eq!(o["job"]["state"], "done");
    assert_eq!(o["job"]["found"], 0);
    assert_eq!(o["job"]["not_found"], 5);
    assert_eq!(lookups(&sim.sim) - before, 5);

    // The page shows the progress and the misses with DingTalk's words, with JavaScript off.
    let html = app
        .get(&admin, "/staff/userids")
        .await
        .text()
        .await
        .unwrap();
    assert!(html.contains("已查询 5 / 5"), "{html}");
    assert!(html.contains("未找到的员工（5 人）"), "{html}");
    assert!(html.contains("不在本组织中"), "{html}");
}
both!(
    bulk_lookup_in_the_background,
    super::bulk_lookup_in_the_background
);

async fn bulk_lookup_stops_and_interruptions(b: Backend) {
    let (app, sim, _) = sim_app(b).await;
    let admin = app.signed_in(Role::Owner).await;
    for i in 0..5 {
        let mobile = format!("139{i:08}");
        sim.sim
            .create_user(UserSpec::new(format!("员工{i}"), &mobile));
        add_person(&app, &admin, &format!("员工{i}"), &mobile).await;
    }
    // Without credentials there is nothing to start.
    let r = app.post(&admin, "/sfn/staff/userid/start", &[]).await;
    assert_eq!(r.status(), 422);
    assert!(r.text().await.unwrap().contains("AppKey"));

    // Wrong credentials: the job stops at once with DingTalk's words; nobody is marked.
    let real = sim.sim.create_app(AppSpec::default());
    set_app(&app, &admin, &real.app_key, "wrong-secret").await;
    let r = app.post(&admin, "/sfn/staff/userid/start", &[]).await;
    assert_eq!(r.status(), 200);
    let o = wait_job(&app, &admin).await;
    assert_eq!(o["job"]["state"], "stopped", "{o}");
    assert_eq!(o["job"]["done"], 0);
    assert!(o["job"]["error"]["zh"]
        .as_str()
        .unwrap()
        .contains("AppKey 或 AppSecret 不正确"));
    assert_eq!(o["misses_total"], 0);
    assert_eq!(o["missing"], 5);

    // A job whose server died (no heartbeat for long) is interrupted; a new one may start.
    let old = medal_server::infra::now_ms() - medal_server::staff::userids::STALE_MS - 1_000;
    with_db!(&app.db, p => sqlx::query(
        "INSERT INTO userid_lookups (started_at, heartbeat_at, total) VALUES ($1, $1, 5)")
        .bind(old).execute(p).await.map(|_| ()))
    .unwrap();
    set_app(&app, &admin, &real.app_key, &real.app_secret).await;
    assert_eq!(overview(&app, &admin).await["job"]["state"], "interrupted");
    // A live one blocks a second start, and can be cancelled.
    with_db!(&app.db, p => sqlx::query(
        "INSERT INTO userid_lookups (started_at, heartbeat_at, total) VALUES ($1, $1, 5)")
        .bind(medal_server::infra::now_ms()).execute(p).await.map(|_| ()))
    .unwrap();
    let r = app.post(&admin, "/sfn/staff/userid/start", &[]).await;
    assert_eq!(r.status(), 409);
    assert!(r.text().await.unwrap().contains("已有一次批量查询正在进行"));
    let r = app.post(&admin, "/sfn/staff/userid/cancel", &[]).await;
    assert_eq!(r.status(), 200);
    // (This row has no worker; mark it as one would.)
    with_db!(&app.db, p => sqlx::query(
        "UPDATE userid_lookups SET state = 'cancelled' WHERE cancel_requested").execute(p).await.map(|_| ()))
    .unwrap();
    let r = app.post(&admin, "/sfn/staff/userid/cancel", &[]).await;
    assert_eq!(r.status(), 409);

    // A real run can be cancelled too: slow DingTalk down so it is still running.
    sim.sim.set_faults(
        "*",
        Faults {
            latency_ms: 300,
            ..Faults::default()
        },
    );
    let r = app.post(&admin, "/sfn/staff/userid/start", &[]).await;
    assert_eq!(r.status(), 200);
    let r = app.post(&admin, "/sfn/staff/userid/cancel", &[]).await;
    assert_eq!(r.status(), 200);
    let o = wait_job(&app, &admin).await;
    assert_eq!(o["job"]["state"], "cancelled", "{o}");
}
both!(
    bulk_lookup_stops_and_interruptions,
    super::bulk_lookup_stops_and_interruptions
);
