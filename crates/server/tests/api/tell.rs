//! A word to the winner, 1:1 (issue #14 §2), against the simulator: an award with `tell=oto`
//! reaches each winner in their single chat with the app robot in as few batchSend calls as the
//! limit of 20 allows; a person DingTalk holds back gets a share of their own a minute later; a
//! person without a userId is named on the next page; a work notice (`tell=notice`) is unique
//! each time (DingTalk drops a repeat) and an invalid userId is named on the sent share; a bad
//! channel awards nothing.

use std::time::Duration;

use dingtalk::sim::{AppSpec, Faults, RunningSim, UserSpec};
use medal_core::Role;
use medal_server::with_db;
use reqwest::multipart;
use reqwest::Client;

use crate::both;
use crate::helpers::{create_medal, Backend, TestApp};
use crate::share_fixtures::{sim_app, wait_done};
use crate::shares::insert_staff;
use crate::userids::set_app;

both!(tell_winners_by_robot_in_few_calls, super::by_robot);
both!(tell_winners_by_work_notice, super::by_notice);
both!(a_rule_tells_its_winners, super::by_rule);

/// `n` people u0… in DingTalk and on the staff list (研发部), and 孙无号 without a userId.
async fn team(app: &TestApp, sim: &RunningSim, n: usize) {
    for i in 0..n {
        let uid = format!("u{i}");
        sim.sim.create_user(UserSpec {
            userid: Some(uid.clone()),
            ..UserSpec::new(format!("员工{i}"), format!("1390000{i:04}"))
        });
        insert_staff(app, &format!("员工{i}"), Some(&uid), None).await;
    }
    insert_staff(app, "孙无号", None, Some("13811112222")).await;
    with_db!(&app.db, p => sqlx::query("UPDATE staff SET department = '研发部'").execute(p).await.map(|_| ()))
        .unwrap();
}

/// A plain form post of the award form (as without JavaScript): the redirect's location.
async fn award(app: &TestApp, c: &Client, medal: i64, tell: &str, reason: &str) -> (u16, String) {
    let form = multipart::Form::new()
        .text("medal_id", medal.to_string())
        .text("reason", reason.to_string())
        .text("department", "研发部")
        .text("tell", tell.to_string());
    let r = c
        .post(app.url("/sfn/awards/give"))
        .header("accept", "text/html")
        .header("referer", app.url("/awards/new"))
        .multipart(form)
        .send()
        .await
        .unwrap();
    let to = r
        .headers()
        .get("location")
        .map(|l| l.to_str().unwrap().to_string())
        .unwrap_or_default();
    (r.status().as_u16(), to)
}

async fn count(app: &TestApp, sql: &str) -> i64 {
    with_db!(&app.db, p => sqlx::query_scalar::<_, i64>(sql).fetch_one(p).await).unwrap()
}

async fn by_robot(b: Backend) {
    let (app, sim, config) = sim_app(b).await;
    let owner = app.signed_in(Role::Owner).await;
    let dt = sim.sim.create_app(AppSpec::default());
    set_app(&app, &owner, &dt.app_key, &dt.app_secret).await;
    let awarder = app.signed_in(Role::Awarder).await;
    team(&app, &sim, 25).await;
    let medal = create_medal(&app, &owner, &[]).await;
    // u3 is held back once by DingTalk's flow control
    sim.sim.set_faults(
        "u3",
        Faults {
            throttle: true,
            times: Some(1),
            ..Faults::default()
        },
    );

    // a channel that does not exist: refused, nothing awarded
    let (status, _) = award(&app, &awarder, medal, "sms", "季度之星").await;
    assert_eq!(
        status, 302,
        "a plain post goes back to the form with the error"
    );
    assert_eq!(count(&app, "SELECT COUNT(*) FROM awards").await, 0);

    let (status, to) = award(&app, &awarder, medal, "oto", "季度之星").await;
    assert_eq!(status, 302);
    assert!(to.contains("told=25") && to.contains("untold=1"), "{to}");
    let names = url::form_urlencoded::parse(to.split_once('?').unwrap().1.as_bytes())
        .find(|(k, _)| k == "untold_names")
        .map(|(_, v)| v.to_string());
    assert_eq!(names.as_deref(), Some("孙无号"));
    let page = app.get(&awarder, &to).await.text().await.unwrap();
    assert!(
        page.contains("已排队告诉 25 位获奖者本人")
            && page.contains("孙无号")
            && page.contains("/staff/userids")
    );

    medal_server::shares::outbox::spawn(app.db.clone(), &config).unwrap();
    // (u3's own share waits a minute: wait for the two, not for everything)
    let start = std::time::Instant::now();
    while count(&app, "SELECT COUNT(*) FROM shares WHERE status = 'sent'").await < 2
        && start.elapsed() < Duration::from_secs(20)
    {
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let counts = crate::share_fixtures::counts(&app.db).await;
    assert_eq!(
        counts.get("sent"),
        Some(&2),
        "20 + 5 people in two messages: {counts:?}"
    );
    assert_eq!(sim.sim.stats().requests.get("oToMessages"), Some(&2));
    for i in (0..25).filter(|i| *i != 3) {
        let got = sim.sim.direct_messages(&format!("u{i}"));
        assert_eq!(got.len(), 1, "u{i}");
        assert_eq!(got[0].via, "oto");
        assert!(got[0].message.searchable_text().contains("恭喜你获得"));
    }
    // u3's own share waits a minute; brought forward, it goes
    assert!(sim.sim.direct_messages("u3").is_empty());
    let later = count(
        &app,
        "SELECT COUNT(*) FROM shares WHERE status = 'queued' AND recipients LIKE '%\"u3\"%'",
    )
    .await;
    assert_eq!(later, 1);
    with_db!(&app.db, p => sqlx::query("UPDATE shares SET next_attempt_at = 0 WHERE status = 'queued'").execute(p).await.map(|_| ()))
        .unwrap();
    let counts = wait_done(&app.db, Duration::from_secs(20)).await;
    assert_eq!(counts.get("sent"), Some(&3), "{counts:?}");
    assert_eq!(sim.sim.direct_messages("u3").len(), 1);
    // the winners are no group: neither the group list nor the share form offers them
    let groups = app
        .post(&owner, "/sfn/groups/list", &[])
        .await
        .text()
        .await
        .unwrap();
    assert!(!groups.contains("获奖者本人"), "{groups}");
}

async fn by_notice(b: Backend) {
    let (app, sim, config) = sim_app(b).await;
    let owner = app.signed_in(Role::Owner).await;
    let dt = sim.sim.create_app(AppSpec::default());
    set_app(&app, &owner, &dt.app_key, &dt.app_secret).await;
    // a work notice without an AgentId fails with the reason, and keeps its card
    let medal = create_medal(&app, &owner, &[("repeatable", "true")]).await;
    team(&app, &sim, 3).await;
    // a userId DingTalk does not know
    insert_staff(&app, "幽灵", Some("ghost"), None).await;
    with_db!(&app.db, p => sqlx::query("UPDATE staff SET department = '研发部'").execute(p).await.map(|_| ()))
        .unwrap();
    medal_server::shares::outbox::spawn(app.db.clone(), &config).unwrap();
    let (_, to) = award(&app, &owner, medal, "notice", "全勤").await;
    assert!(to.contains("told=4"), "{to}");
    let counts = wait_done(&app.db, Duration::from_secs(20)).await;
    assert_eq!(counts.get("failed"), Some(&1), "{counts:?}");
    let (code, json): (String, String) =
        with_db!(&app.db, p => sqlx::query_as::<_, (String, String)>(
        "SELECT last_error_code, message_json FROM shares").fetch_one(p).await)
        .unwrap();
    assert!(!code.is_empty() && json.contains("恭喜你获得"));

    let r = app
        .post(
            &owner,
            "/sfn/settings/save",
            &[("form[agent_id]", dt.agent_id.as_str())],
        )
        .await;
    assert_eq!(r.status(), 200);
    let r = app
        .post(&owner, "/sfn/settings/save", &[("form[agent_id]", "12ab")])
        .await;
    assert_eq!(r.status(), 422, "an AgentId is a number");
    // the same medal and reason twice the same day: each notice is new to DingTalk, both arrive
    for _ in 0..2 {
        award(&app, &owner, medal, "notice", "全勤").await;
    }
    let counts = wait_done(&app.db, Duration::from_secs(20)).await;
    assert_eq!(counts.get("sent"), Some(&2), "{counts:?}");
    for i in 0..3 {
        let got = sim.sim.direct_messages(&format!("u{i}"));
        assert_eq!(got.len(), 2, "u{i}");
        assert!(got.iter().all(|m| m.via == "notice"));
        assert_ne!(got[0].message, got[1].message, "unique content");
    }
    // the sent notices name the userId DingTalk did not know
    let missed = count(&app, "SELECT COUNT(*) FROM shares WHERE status = 'sent' AND last_error_code = 'local.not_reached' AND last_error_message = 'ghost'").await;
    assert_eq!(missed, 2);
    let list = app
        .post(&owner, "/sfn/shares/list", &[("filter[status]", "sent")])
        .await
        .text()
        .await
        .unwrap();
    assert!(
        list.contains("没有送达") && list.contains("ghost"),
        "{list}"
    );
}

/// A rule with 告诉获奖者本人: the people it awards hear of it 1:1; a bad channel is refused.
async fn by_rule(b: Backend) {
    let (app, sim, config) = sim_app(b).await;
    let owner = app.signed_in(Role::Owner).await;
    let dt = sim.sim.create_app(AppSpec::default());
    set_app(&app, &owner, &dt.app_key, &dt.app_secret).await;
    team(&app, &sim, 2).await;
    let medal = create_medal(&app, &owner, &[("name", "百单王者"), ("kind", "automatic")]).await;
    let form = |tell: &'static str| {
        vec![
            ("form[name]", "百单"),
            (
                "form[medal_id]",
                Box::leak(medal.to_string().into_boxed_str()) as &str,
            ),
            ("form[metric]", "tickets"),
            ("form[kind]", "total"),
            ("form[days]", "calendar"),
            ("form[period]", "none"),
            ("form[threshold]", "3"),
            ("form[backfill]", "true"),
            ("form[tell]", tell),
        ]
    };
    let r = app.post(&owner, "/sfn/rules/save", &form("fax")).await;
    assert_eq!(r.status(), 422);
    let r = app.post(&owner, "/sfn/rules/save", &form("oto")).await;
    assert_eq!(r.status(), 200, "{}", r.text().await.unwrap());
    medal_server::shares::outbox::spawn(app.db.clone(), &config).unwrap();
    let staff: Vec<i64> = with_db!(&app.db, p => sqlx::query_scalar::<_, i64>(
        "SELECT id FROM staff WHERE dingtalk_user_id IS NOT NULL ORDER BY id").fetch_all(p).await)
    .unwrap();
    let today = medal_core::time::china_day(medal_server::infra::now_ms());
    let facts = staff
        .iter()
        .map(|s| medal_server::rules::facts::Fact {
            staff_id: *s,
            metric: "tickets".into(),
            day: today,
            op: medal_server::rules::facts::Op::Add(5),
            key: None,
        })
        .collect();
    medal_server::rules::facts::ingest(&app.state(), facts)
        .await
        .unwrap();
    let counts = wait_done(&app.db, Duration::from_secs(20)).await;
    assert_eq!(
        counts.get("sent"),
        Some(&1),
        "both winners in one message: {counts:?}"
    );
    for u in ["u0", "u1"] {
        let got = sim.sim.direct_messages(u);
        assert_eq!(got.len(), 1, "{u}");
        assert!(got[0].message.searchable_text().contains("百单王者"));
    }
}
