//! DingTalk's organisation honours (issue #14 §4) against the simulator, both databases: a
//! medal published with its images made from the icon (the simulator checks 900×900 and
//! 240×240 PNGs), every limit refused before calling; awards of it granted in DingTalk through
//! the outbox, 10 people a call, with the medal's validity as expiry; a sender's grant waiting
//! while another instance holds the sender's lease; a revoke recalled; the award page's state.

use std::time::Duration;

use dingtalk::sim::{AppSpec, UserSpec};
use medal_core::Role;
use medal_server::with_db;
use reqwest::multipart;
use serde_json::Value;

use crate::both;
use crate::helpers::{create_medal, Backend, TestApp};
use crate::share_fixtures::{app_group, sim_app, wait_done};
use crate::shares::insert_staff;
use crate::userids::set_app;

both!(
    publish_grant_and_recall_honours,
    super::publish_grant_recall
);

async fn publish(
    app: &TestApp,
    c: &reqwest::Client,
    medal: i64,
    form: &[(&str, &str)],
) -> (u16, String) {
    let id = medal.to_string();
    let mut f = vec![("id", id.as_str())];
    f.extend(form.iter().copied());
    let r = app.post(c, "/sfn/medals/publish", &f).await;
    (r.status().as_u16(), r.text().await.unwrap())
}

async fn publish_grant_recall(b: Backend) {
    let (app, sim, config) = sim_app(b).await;
    let owner = app.signed_in(Role::Owner).await;
    let dt = sim.sim.create_app(AppSpec::default());
    set_app(&app, &owner, &dt.app_key, &dt.app_secret).await;
    sim.sim.create_user(UserSpec {
        userid: Some("hr".into()),
        ..UserSpec::new("人事", "13700000000")
    });
    insert_staff(&app, "人事", Some("hr"), Some("13700000000")).await;
    for i in 0..12 {
        let uid = format!("u{i}");
        sim.sim.create_user(UserSpec {
            userid: Some(uid.clone()),
            ..UserSpec::new(format!("员工{i}"), format!("1390000{i:04}"))
        });
        insert_staff(&app, &format!("员工{i}"), Some(&uid), None).await;
    }
    with_db!(&app.db, p => sqlx::query("UPDATE staff SET department = '研发部' WHERE dingtalk_user_id <> 'hr'").execute(p).await.map(|_| ()))
        .unwrap();
    let medal = create_medal(
        &app,
        &owner,
        &[("name", "年度之星"), ("validity_days", "30")],
    )
    .await;

    // limits before calling, each on its field
    let ok = [
        ("form[name]", "年度之星"),
        ("form[description]", "年度表现最突出"),
        ("form[bg_color]", "#FFFBB4"),
        ("form[sender]", "hr"),
    ];
    let with = |k: &'static str, v: &'static str| -> Vec<(&'static str, &'static str)> {
        ok.iter()
            .map(|(a, b)| if *a == k { (*a, v) } else { (*a, *b) })
            .collect()
    };
    for (form, field) in [
        (with("form[name]", "一二三四五六七八九十一"), "name"),
        (with("form[name]", "年度🌟"), "name"),
        (
            with(
                "form[description]",
                "一二三四五六七八九十一二三四五六七八九十一二三四五六七八九十一",
            ),
            "description",
        ),
        (with("form[bg_color]", "#000000"), "bg_color"),
        (with("form[sender]", "nobody"), "sender"),
    ] {
        let (status, body) = publish(&app, &owner, medal, &form).await;
        assert_eq!(status, 422, "{field}: {body}");
        assert!(body.contains(field), "{field}: {body}");
    }
    let six: Vec<(&str, &str)> = ok
        .iter()
        .copied()
        .chain((0..6).map(|_| ("form[notify][]", "cidx")))
        .collect();
    let (status, body) = publish(&app, &owner, medal, &six).await;
    assert!(status == 422 && body.contains("notify"), "{body}");
    assert_eq!(
        sim.sim.stats().requests.get("honors/templates"),
        None,
        "nothing was called"
    );
    // an app-robot group the sender is in: each grant is announced there
    let spec = dingtalk::sim::GroupSpec {
        members: vec!["hr".into()],
        ..dingtalk::sim::GroupSpec::named("全员群")
    };
    let (_, g) = app_group(&app, &sim, &owner, &dt.robot_code, spec).await;
    let view: Value = app
        .post(&owner, "/sfn/medals/honour", &[("id", &medal.to_string())])
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(
        view["groups"][0][0],
        g.open_conversation_id.as_str(),
        "offered to notify"
    );
    let ok: Vec<(&str, &str)> = ok
        .iter()
        .copied()
        .chain([("form[notify][]", g.open_conversation_id.as_str())])
        .collect();
    let (status, body) = publish(&app, &owner, medal, &ok).await;
    assert_eq!(status, 200, "{body}");
    let honours = sim.sim.honours();
    assert_eq!(honours.len(), 1, "the simulator took the generated images");
    assert_eq!(honours[0].name, "年度之星");
    let view: Value = app
        .post(&owner, "/sfn/medals/honour", &[("id", &medal.to_string())])
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(view["honor_id"], honours[0].honor_id.as_str());
    let (status, _) = publish(&app, &owner, medal, &ok).await;
    assert_eq!(status, 422, "published once");

    // another instance is granting for this sender: the grant waits for its lease
    let held = (medal_server::infra::now_ms() + 60_000).to_string();
    with_db!(&app.db, p => sqlx::query("INSERT INTO settings (key, value, updated_at) VALUES ('honour_grant_lease:hr', $1, 0)")
        .bind(&held).execute(p).await.map(|_| ()))
    .unwrap();
    medal_server::shares::outbox::spawn(app.db.clone(), &config).unwrap();
    let form = multipart::Form::new()
        .text("medal_id", medal.to_string())
        .text("reason", "季度交付")
        .text("department", "研发部");
    let r = app.post_multipart(&owner, "/sfn/awards/give", form).await;
    assert_eq!(r.status(), 200, "{}", r.text().await.unwrap());
    tokio::time::sleep(Duration::from_millis(600)).await;
    assert!(
        sim.sim.honours()[0].grants.is_empty(),
        "no grant while the lease is held"
    );
    with_db!(&app.db, p => sqlx::query("DELETE FROM settings WHERE key = 'honour_grant_lease:hr'").execute(p).await.map(|_| ()))
        .unwrap();
    with_db!(&app.db, p => sqlx::query("UPDATE shares SET next_attempt_at = 0 WHERE status = 'queued'").execute(p).await.map(|_| ()))
        .unwrap();
    let counts = wait_done(&app.db, Duration::from_secs(20)).await;
    assert_eq!(
        counts.get("sent"),
        Some(&2),
        "12 people: 10 + 2 — {counts:?}"
    );
    let grants = sim.sim.honours()[0].grants.clone();
    assert_eq!(grants.len(), 12);
    assert!(grants
        .iter()
        .all(|g| g.sender_user_id == "hr" && g.reason == "季度交付"));
    let notices = sim.sim.messages(&g.open_conversation_id);
    assert_eq!(notices.len(), 2, "one notice per grant call");
    assert!(notices.iter().all(|m| m.via == "honour"));
    let days =
        (grants[0].expires_ms.unwrap() - medal_server::infra::now_ms()) as f64 / 86_400_000.0;
    assert!(
        (29.0..=30.5).contains(&days),
        "the medal's validity: {days}"
    );

    // the award page says so; a revoke recalls it
    let award: i64 = with_db!(&app.db, p => sqlx::query_scalar::<_, i64>(
        "SELECT a.id FROM awards a JOIN staff s ON s.id = a.staff_id WHERE s.dingtalk_user_id = 'u3'").fetch_one(p).await)
    .unwrap();
    let page = app
        .get(&owner, &format!("/awards/{award}"))
        .await
        .text()
        .await
        .unwrap();
    assert!(page.contains("已在钉钉组织荣誉中授予"), "{page}");
    let r = app
        .post(
            &owner,
            "/sfn/awards/revoke",
            &[("id", &award.to_string()), ("reason", "评选更正")],
        )
        .await;
    assert_eq!(r.status(), 200);
    let counts = wait_done(&app.db, Duration::from_secs(20)).await;
    assert_eq!(counts.get("sent"), Some(&3), "{counts:?}");
    let grants = sim.sim.honours()[0].grants.clone();
    assert!(grants.iter().find(|g| g.user_id == "u3").unwrap().revoked);
    assert_eq!(grants.iter().filter(|g| g.revoked).count(), 1);
    let page = app
        .get(&owner, &format!("/awards/{award}"))
        .await
        .text()
        .await
        .unwrap();
    assert!(page.contains("已在钉钉组织荣誉中收回"), "{page}");
}
