//! The over-sharing guard over HTTP: an award shared again into a group asks for confirmation and
//! says when it went; the daily cap per group refuses with the counts; quiet hours hold shares
//! and let them go when they end (here: when they are cleared); bad settings are refused and
//! change nothing.

use std::time::Duration;

use medal_core::Role;
use medal_server::with_db;
use serde_json::Value;

use crate::both;
use crate::helpers::{create_medal, Backend};
use crate::share_fixtures::{sim_app, wait_done, webhook_group};
use crate::shares::{insert_award, insert_staff};

/// `HH:MM` in China time, `minutes` from now (wrapping around midnight).
fn clock(minutes: i64) -> String {
    let now = medal_server::infra::now_ms() + medal_core::time::CHINA_OFFSET_MS;
    let m = (now / 60_000 + minutes).rem_euclid(1440);
    format!("{:02}:{:02}", m / 60, m % 60)
}

async fn guard_repeats_cap_and_quiet_hours(b: Backend) {
    let (app, sim, config) = sim_app(b).await;
    let owner = app.signed_in(Role::Owner).await;
    let medal = create_medal(&app, &owner, &[("name", "守护勋章")]).await;
    let mut awards = Vec::new();
    for i in 0..4 {
        let s = insert_staff(&app, &format!("同事{i}"), None, None).await;
        awards.push(insert_award(&app, medal, s, "认真负责").await.to_string());
    }
    let (gid, g) = webhook_group(&app, &sim, &owner, "项目群").await;
    medal_server::shares::outbox::spawn(app.db.clone(), &config).unwrap();
    let share = |awards: String, confirm: bool| {
        let (app, owner, gid) = (&app, &owner, gid.clone());
        async move {
            let mut form = vec![
                ("awards", awards.as_str()),
                ("group_ids[]", gid.as_str()),
                ("options[style]", "markdown"),
            ];
            if confirm {
                form.push(("confirm", "true"));
            }
            let r = app.post(owner, "/sfn/shares/create", &form).await;
            let status = r.status().as_u16();
            (status, r.text().await.unwrap())
        }
    };
    let sent = || sim.sim.messages(&g.open_conversation_id).len();
    let guard = |form: Vec<(&'static str, String)>| {
        let (app, owner) = (&app, &owner);
        async move {
            let form: Vec<(&str, &str)> = form.iter().map(|(k, v)| (*k, v.as_str())).collect();
            let r = app.post(owner, "/sfn/shares/guard", &form).await;
            r.json::<Value>().await.unwrap()
        }
    };

    // 1. Shared once; again without confirming is refused with when it went; confirmed, it goes.
    assert_eq!(share(awards[0].clone(), false).await.0, 200);
    wait_done(&app.db, Duration::from_secs(20)).await;
    assert_eq!(sent(), 1);
    let (status, body) = share(awards[0].clone(), false).await;
    assert_eq!(status, 422, "{body}");
    assert!(
        body.contains("项目群") && body.contains("已于") && body.contains("仍然再次分享"),
        "{body}"
    );
    let form: Value = app
        .post(&owner, "/sfn/shares/form", &[("awards", &awards[0])])
        .await
        .json()
        .await
        .unwrap();
    let choice = &form["groups"][0];
    assert!(choice["shared_at"].as_i64().is_some(), "{choice}");
    assert_eq!(choice["today"], 1);
    // the form marks the group and offers the confirmation
    let page = app
        .get(&owner, &format!("/shares/new?awards={}", awards[0]))
        .await
        .text()
        .await
        .unwrap();
    assert!(page.contains("已于") && page.contains("name=\"confirm\""));
    // another award is no repeat
    let other: Value = app
        .post(&owner, "/sfn/shares/form", &[("awards", &awards[1])])
        .await
        .json()
        .await
        .unwrap();
    assert!(other["groups"][0]["shared_at"].is_null(), "{other}");
    assert_eq!(share(awards[0].clone(), true).await.0, 200);
    wait_done(&app.db, Duration::from_secs(20)).await;
    assert_eq!(sent(), 2);

    // 2. A cap of 3 a day: two more cards would make 4.
    let save = |fields: Vec<(&'static str, String)>| {
        let (app, owner) = (&app, &owner);
        async move {
            let form: Vec<(&str, &str)> = fields.iter().map(|(k, v)| (*k, v.as_str())).collect();
            let r = app.post(owner, "/sfn/shares/guard/save", &form).await;
            let status = r.status().as_u16();
            (status, r.text().await.unwrap())
        }
    };
    assert_eq!(save(vec![("form[daily_cap]", "3".into())]).await.0, 200);
    let two = format!("{},{}", awards[1], awards[2]);
    let (status, body) = share(two, false).await;
    assert_eq!(status, 422, "{body}");
    assert!(
        body.contains("今天已分享 2 条")
            && body.contains("每日上限 3 条")
            && body.contains("这次要发 2 条"),
        "{body}"
    );
    assert_eq!(share(awards[1].clone(), false).await.0, 200);
    wait_done(&app.db, Duration::from_secs(20)).await;
    let v = guard(vec![("group", gid.clone())]).await;
    assert_eq!(
        (v["today"].as_i64(), v["daily_cap"].as_i64()),
        (Some(3), Some(3)),
        "{v}"
    );
    let group_page = app
        .get(&owner, &format!("/groups/{gid}"))
        .await
        .text()
        .await
        .unwrap();
    assert!(
        group_page.contains("3 / 3 条") && group_page.contains("今日已达上限"),
        "the group shows its day"
    );

    // 3. Bad settings are refused and change nothing.
    for bad in [
        vec![("form[daily_cap]", "-1".to_string())],
        vec![("form[daily_cap]", "很多".to_string())],
        vec![
            ("form[quiet_start]", "25:00".to_string()),
            ("form[quiet_end]", "08:00".to_string()),
        ],
        vec![
            ("form[quiet_start]", "22:00".to_string()),
            ("form[quiet_end]", String::new()),
        ],
        vec![
            ("form[quiet_start]", "08:00".to_string()),
            ("form[quiet_end]", "08:00".to_string()),
        ],
    ] {
        let (status, body) = save(bad.clone()).await;
        assert_eq!(status, 422, "{bad:?}: {body}");
    }
    let v = guard(Vec::new()).await;
    assert_eq!(
        (v["daily_cap"].as_i64(), v["quiet_start"].as_str()),
        (Some(3), Some("")),
        "{v}"
    );

    // 4. Quiet hours around now: the share waits until they end; cleared, it goes at once.
    let (status, body) = save(vec![
        ("form[daily_cap]", "0".into()),
        ("form[quiet_start]", clock(-60)),
        ("form[quiet_end]", clock(60)),
    ])
    .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(share(awards[3].clone(), false).await.0, 200);
    let due: i64 = with_db!(&app.db, p => sqlx::query_scalar::<_, i64>(
        "SELECT next_attempt_at FROM shares WHERE status = 'queued'").fetch_one(p).await)
    .unwrap();
    let wait = due - medal_server::infra::now_ms();
    assert!(
        (55 * 60_000..=61 * 60_000).contains(&wait),
        "waits until the end: {wait} ms"
    );
    tokio::time::sleep(Duration::from_millis(1500)).await;
    assert_eq!(sent(), 3, "nothing goes during quiet hours");
    let page = app.get(&owner, "/groups").await;
    assert_eq!(page.status(), 200);
    // a post without the quiet-hours fields keeps them; the settings form's (which says it
    // carries them) with both empty clears them
    assert_eq!(save(vec![("form[daily_cap]", "0".into())]).await.0, 200);
    let v = guard(Vec::new()).await;
    assert_ne!(v["quiet_start"], "", "kept: {v}");
    let (status, _) = save(vec![
        ("form[quiet_set]", "true".into()),
        ("form[quiet_start]", String::new()),
        ("form[quiet_end]", String::new()),
    ])
    .await;
    assert_eq!(status, 200);
    let v = guard(Vec::new()).await;
    assert_eq!(v["quiet_start"], "", "cleared: {v}");
    let c = wait_done(&app.db, Duration::from_secs(20)).await;
    assert_eq!(c.get("sent").copied(), Some(4), "{c:?}");
    assert_eq!(sent(), 4);
    let audited: i64 = with_db!(&app.db, p => sqlx::query_scalar::<_, i64>(
        "SELECT COUNT(*) FROM audit_entries WHERE action = 'settings.share_guard'").fetch_one(p).await)
    .unwrap();
    assert_eq!(audited, 4, "each save is audited, the refused ones not");
}
both!(
    guard_repeats_cap_and_quiet_hours,
    super::guard_repeats_cap_and_quiet_hours
);
