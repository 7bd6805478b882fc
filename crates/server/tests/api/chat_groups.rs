//! Groups made from the app (issue #14 §3) and groups reached by chatid, against the simulator:
//! a scene group from a medal's holders (the app robot joins; a share arrives through it), the
//! older chat/create with a department past 40 members (a chatid target; a share arrives
//! through chat/send), people without a userId left out and counted, limits and DingTalk's
//! refusals as clear 422s with nothing saved, a hand-added chatid group whose share fails with
//! 34001 kept with its error, and a digest cut to chat/send's 2,048 bytes.

use dingtalk::sim::{AppSpec, UserSpec};
use medal_core::Role;
use medal_server::with_db;
use reqwest::Client;
use serde_json::Value;

use crate::both;
use crate::helpers::{create_medal, Backend, TestApp};
use crate::share_fixtures::{sim_app, wait_done};
use crate::shares::{insert_award, insert_staff};
use crate::userids::set_app;

both!(
    scene_group_from_holders_shares_through_the_app_robot,
    super::scene_group_from_holders
);
both!(
    chat_create_department_shares_through_chat_send,
    super::chat_create_department
);
both!(make_group_refusals_save_nothing, super::refusals);
both!(
    chatid_group_failure_is_kept_and_digests_fit,
    super::chatid_group_failure_and_digest
);

/// People with userIds u0… in the simulated organisation and on the staff list (department
/// 研发部), plus one without a userId; returns their staff ids.
async fn people(app: &TestApp, sim: &dingtalk::sim::RunningSim, n: usize) -> Vec<i64> {
    let mut ids = Vec::new();
    for i in 0..n {
        let uid = format!("u{i}");
        sim.sim.create_user(UserSpec {
            userid: Some(uid.clone()),
            ..UserSpec::new(format!("员工{i}"), format!("1390000{i:04}"))
        });
        let id = insert_staff(
            app,
            &format!("员工{i}"),
            Some(&uid),
            Some(&format!("1390000{i:04}")),
        )
        .await;
        ids.push(id);
    }
    let none = insert_staff(app, "没有userId", None, Some("13811112222")).await;
    ids.push(none);
    with_db!(&app.db, p => sqlx::query("UPDATE staff SET department = '研发部'").execute(p).await.map(|_| ()))
        .unwrap();
    ids
}

async fn make(app: &TestApp, c: &Client, form: &[(&str, &str)]) -> (u16, Value) {
    let r = app.post(c, "/sfn/groups/make", form).await;
    let status = r.status().as_u16();
    (status, r.json().await.unwrap_or(Value::Null))
}

async fn share(app: &TestApp, c: &Client, awards: &str, group: &str, digest: bool) {
    let mut form = vec![
        ("awards", awards),
        ("group_ids[]", group),
        ("options[style]", "action_card"),
    ];
    if digest {
        form.push(("options[digest]", "true"));
    }
    let r = app.post(c, "/sfn/shares/create", &form).await;
    assert_eq!(r.status(), 200, "{}", r.text().await.unwrap());
}

async fn group(app: &TestApp, c: &Client, id: i64) -> Value {
    app.post(c, "/sfn/groups/get", &[("id", &id.to_string())])
        .await
        .json()
        .await
        .unwrap()
}

async fn app_with_template(
    b: Backend,
    legacy: bool,
) -> (
    TestApp,
    dingtalk::sim::RunningSim,
    medal_server::infra::Config,
    Client,
    dingtalk::sim::AppInfo,
    Client,
) {
    let (app, sim, config) = sim_app(b).await;
    let owner = app.signed_in(Role::Owner).await;
    let dt = sim.sim.create_app(AppSpec::default());
    set_app(&app, &owner, &dt.app_key, &dt.app_secret).await;
    if !legacy {
        let r = app
            .post(
                &owner,
                "/sfn/settings/save",
                &[(
                    "form[scene_group_template]",
                    dt.scene_group_template_id.as_str(),
                )],
            )
            .await;
        assert_eq!(r.status(), 200);
    }
    let admin = app.signed_in(Role::Admin).await;
    (app, sim, config, admin, dt, owner)
}

async fn scene_group_from_holders(b: Backend) {
    let (app, sim, config, admin, dt, _) = app_with_template(b, false).await;
    let staff = people(&app, &sim, 3).await;
    let medal = create_medal(&app, &admin, &[]).await;
    let mut awards = Vec::new();
    for s in &staff {
        awards.push(insert_award(&app, medal, *s, "季度最佳").await);
    }
    let (status, made) = make(
        &app,
        &admin,
        &[
            ("form[name]", "季度之星"),
            ("form[owner]", "13900000000"),
            ("form[medal]", &medal.to_string()),
        ],
    )
    .await;
    assert_eq!(status, 200, "{made}");
    assert_eq!(made["members"], 3);
    assert_eq!(made["skipped"], serde_json::json!(["没有userId"]));
    let made_in_sim: Vec<_> = sim
        .sim
        .groups()
        .into_iter()
        .filter(|g| g.made_via.is_some())
        .collect();
    assert_eq!(made_in_sim.len(), 1);
    assert_eq!(made_in_sim[0].made_via.as_deref(), Some("scenegroup"));
    assert_eq!(made_in_sim[0].owner.as_deref(), Some("u0"));
    assert_eq!(made_in_sim[0].app_robots, vec![dt.robot_code.clone()]);
    let id = made["id"].as_i64().unwrap();
    let g = group(&app, &admin, id).await;
    assert_eq!(g["kind"], "app");
    assert_eq!(g["made_via"], "scenegroup");
    assert_eq!(g["member_count"], 3);
    assert_eq!(
        g["open_conversation_id"],
        made_in_sim[0].open_conversation_id.as_str()
    );

    // a share into it arrives through the app robot
    medal_server::shares::outbox::spawn(app.db.clone(), &config).unwrap();
    share(&app, &admin, &awards[0].to_string(), &id.to_string(), false).await;
    let counts = wait_done(&app.db, std::time::Duration::from_secs(20)).await;
    assert_eq!(counts.get("sent"), Some(&1), "{counts:?}");
    let got = sim.sim.messages(&made_in_sim[0].open_conversation_id);
    assert_eq!(got.len(), 1);
    assert_eq!(got[0].via, "app");

    // the page after a plain post says who joined and who did not
    let page = app
        .get(&admin, &format!("/groups/{id}?made=3&skipped=1"))
        .await
        .text()
        .await
        .unwrap();
    assert!(
        page.contains("3 人入群") && page.contains("/staff/userids"),
        "{page}"
    );
    assert!(page.contains("由勋章馆创建的场景群"));
    let audit: i64 = with_db!(&app.db, p => sqlx::query_scalar::<_, i64>(
        "SELECT COUNT(*) FROM audit_entries WHERE action = 'group.make'").fetch_one(p).await)
    .unwrap();
    assert_eq!(audit, 1);
}

async fn chat_create_department(b: Backend) {
    let (app, sim, config, admin, _dt, _) = app_with_template(b, true).await;
    let staff = people(&app, &sim, 45).await;
    let medal = create_medal(&app, &admin, &[]).await;
    let award = insert_award(&app, medal, staff[1], "项目交付").await;
    // a plain form post (no JavaScript) redirects to the new group's page
    let r = app
        .post_plain(
            &admin,
            "/sfn/groups/make",
            "/groups/make",
            &[
                ("form[name]", "研发部全员"),
                ("form[owner]", "u0"),
                ("form[department][]", "研发部"),
            ],
        )
        .await;
    assert!(
        r.status().is_redirection() || r.status() == 200,
        "{}",
        r.status()
    );
    let made: Vec<_> = sim
        .sim
        .groups()
        .into_iter()
        .filter(|g| g.made_via.is_some())
        .collect();
    assert_eq!(made.len(), 1, "one group made");
    assert_eq!(made[0].made_via.as_deref(), Some("chat/create"));
    assert_eq!(
        made[0].members.len(),
        45,
        "40 by chat/create, 5 by chat/update"
    );
    let id: i64 = with_db!(&app.db, p => sqlx::query_scalar::<_, i64>(
        "SELECT id FROM share_groups WHERE made_via = 'chat/create'").fetch_one(p).await)
    .unwrap();
    let g = group(&app, &admin, id).await;
    assert_eq!(g["kind"], "chat");
    assert_eq!(g["chat_id"], made[0].chat_id.as_str());

    medal_server::shares::outbox::spawn(app.db.clone(), &config).unwrap();
    share(&app, &admin, &award.to_string(), &id.to_string(), false).await;
    let counts = wait_done(&app.db, std::time::Duration::from_secs(20)).await;
    assert_eq!(counts.get("sent"), Some(&1), "{counts:?}");
    let got = sim.sim.messages(&made[0].open_conversation_id);
    assert_eq!(got.len(), 1);
    assert_eq!(got[0].via, "chat");
    assert!(got[0].message.searchable_text().contains("员工1"));
}

async fn refusals(b: Backend) {
    let (app, sim, _config, admin, _dt, owner) = app_with_template(b, true).await;
    people(&app, &sim, 2).await;
    let count = |app: &TestApp| {
        let db = app.db.clone();
        async move {
            with_db!(&db, p => sqlx::query_scalar::<_, i64>("SELECT COUNT(*) FROM share_groups").fetch_one(p).await)
                .unwrap()
        }
    };
    let cases: &[(&[(&str, &str)], &str)] = &[
        (
            &[
                ("form[name]", "一二三四五六七八九十一二三四五六七八九十一"),
                ("form[owner]", "u0"),
                ("form[department][]", "研发部"),
            ],
            "name",
        ),
        (
            &[
                ("form[name]", "群"),
                ("form[owner]", ""),
                ("form[department][]", "研发部"),
            ],
            "owner",
        ),
        (
            &[
                ("form[name]", "群"),
                ("form[owner]", "13811112222"),
                ("form[department][]", "研发部"),
            ],
            "owner",
        ),
        (&[("form[name]", "群"), ("form[owner]", "u0")], "members"),
        (
            &[
                ("form[name]", "群"),
                ("form[owner]", "u0"),
                ("form[medal]", "abc"),
            ],
            "medal",
        ),
    ];
    for (form, field) in cases {
        let (status, body) = make(&app, &admin, form).await;
        assert_eq!(status, 422, "{form:?}: {body}");
        assert!(body.to_string().contains(field), "{field}: {body}");
    }
    // DingTalk refuses: an app onboarded after 2022 may not call chat/create (60011)
    let newer = sim.sim.create_app(AppSpec {
        new_app: true,
        ..AppSpec::default()
    });
    set_app(&app, &owner, &newer.app_key, &newer.app_secret).await;
    let (status, body) = make(
        &app,
        &admin,
        &[
            ("form[name]", "群"),
            ("form[owner]", "u0"),
            ("form[department][]", "研发部"),
        ],
    )
    .await;
    assert_eq!(status, 422, "{body}");
    assert!(body.to_string().contains("60011"), "{body}");
    assert_eq!(count(&app).await, 0, "nothing saved");
    // an awarder may not make groups
    let awarder = app.signed_in(Role::Awarder).await;
    let (status, _) = make(
        &app,
        &awarder,
        &[("form[name]", "群"), ("form[owner]", "u0")],
    )
    .await;
    assert_eq!(status, 403);
}

async fn chatid_group_failure_and_digest(b: Backend) {
    let (app, sim, config, admin, _dt, _) = app_with_template(b, true).await;
    let staff = people(&app, &sim, 12).await;
    let medal = create_medal(&app, &admin, &[]).await;
    let mut awards = Vec::new();
    for s in &staff {
        awards.push(
            insert_award(&app, medal, *s, &"认真负责，".repeat(20))
                .await
                .to_string(),
        );
    }
    // a hand-added chatid group that does not exist in DingTalk
    let r = app
        .post(
            &admin,
            "/sfn/groups/save",
            &[
                ("form[name]", "旧群"),
                ("form[kind]", "chat"),
                ("form[chat_id]", "chat0000"),
            ],
        )
        .await;
    assert_eq!(r.status(), 200, "{}", r.text().await.unwrap());
    let bad: i64 = r.json().await.unwrap();
    let r = app
        .post(
            &admin,
            "/sfn/groups/save",
            &[
                ("form[name]", "旧群2"),
                ("form[kind]", "chat"),
                ("form[chat_id]", "not a chat id"),
            ],
        )
        .await;
    assert_eq!(r.status(), 422);
    // a real one: a group the simulator has, added by its chatid
    let real = sim
        .sim
        .create_group(dingtalk::sim::GroupSpec::named("老群"));
    let r = app
        .post(
            &admin,
            "/sfn/groups/save",
            &[
                ("form[name]", "老群"),
                ("form[kind]", "chat"),
                ("form[chat_id]", real.chat_id.as_str()),
            ],
        )
        .await;
    let good: i64 = r.json().await.unwrap();
    medal_server::shares::outbox::spawn(app.db.clone(), &config).unwrap();
    share(&app, &admin, &awards[0], &bad.to_string(), false).await;
    share(&app, &admin, &awards.join(","), &good.to_string(), true).await;
    let counts = wait_done(&app.db, std::time::Duration::from_secs(20)).await;
    assert_eq!(counts.get("failed"), Some(&1), "{counts:?}");
    let err: (String, String) = with_db!(&app.db, p => sqlx::query_as::<_, (String, String)>(
        "SELECT last_error_code, message_json FROM shares WHERE group_id = $1").bind(bad).fetch_one(p).await)
    .unwrap();
    assert_eq!(
        err.0, "34001",
        "the failed share keeps its error and its card"
    );
    assert!(!err.1.is_empty());
    // the digest of 13 long awards went as several chat/send messages, each within 2,048 bytes
    let got = sim.sim.messages(&real.open_conversation_id);
    assert!(got.len() > 1, "cut into {} messages", got.len());
    for m in &got {
        let v = dingtalk::message::legacy_msg(&m.message).unwrap();
        assert!(dingtalk::message::legacy_msg_len(&v) <= 2048);
    }
}
