#![cfg(feature = "sim")]
//! Groups the app makes (scene groups, the older chat/create + chat/update) and messages by
//! chatid (chat/send) against the simulator: limits refused before calling, DingTalk's answers
//! for unknown chats and apps onboarded after 2022, faults.

mod common;

use common::*;
use dingtalk::sim::{AppInfo, AppSpec, Faults, GroupSpec, RunningSim, SimConfig, UserSpec};
use dingtalk::{
    ActionButton, AppClient, AppCredentials, BtnOrientation, ErrorKind, Message, NewChat,
    RetryClass,
};

fn client(running: &RunningSim, app: &AppInfo) -> AppClient {
    AppClient::new(
        config(running),
        AppCredentials::new(&app.app_key, &app.app_secret),
    )
    .unwrap()
}

/// `n` employees u0, u1, … in the simulated organisation.
fn staff(running: &RunningSim, n: usize) -> Vec<String> {
    (0..n)
        .map(|i| {
            running
                .sim
                .create_user(UserSpec {
                    userid: Some(format!("u{i}")),
                    ..UserSpec::new(format!("员工{i}"), format!("1380000{i:04}"))
                })
                .userid
        })
        .collect()
}

fn chat(name: &str, members: &[String]) -> NewChat {
    NewChat {
        name: name.into(),
        owner: members[0].clone(),
        members: members.to_vec(),
    }
}

#[tokio::test]
async fn chat_create_adds_members_past_40_and_chat_send_delivers() {
    let running = start(SimConfig::default()).await;
    let app = running.sim.create_app(AppSpec::default());
    let c = client(&running, &app);
    let people = staff(&running, 95);
    let made = c.create_chat(&chat("勋章获得者", &people)).await.unwrap();
    assert!(made.chat_id.starts_with("chat"), "{made:?}");
    assert!(made.open_conversation_id.starts_with("cid"));
    assert_eq!(made.members, 95);
    let g = running
        .sim
        .groups()
        .into_iter()
        .find(|g| g.chat_id == made.chat_id)
        .unwrap();
    assert_eq!(
        g.members.len(),
        95,
        "40 by chat/create, 55 by two chat/update calls"
    );
    assert_eq!(g.owner.as_deref(), Some("u0"));
    assert_eq!(g.made_via.as_deref(), Some("chat/create"));
    assert_eq!(running.sim.stats().requests.get("chat/update"), Some(&2));

    let card = Message::action_card_buttons(
        "张三获得「年度之星」",
        "### 🏅 年度之星\n**张三**",
        vec![ActionButton::new("查看", "https://medals.example.cn/a/1")],
        BtnOrientation::Vertical,
    );
    c.send_chat_message(&made.chat_id, &card).await.unwrap();
    let got = running.sim.messages(&made.open_conversation_id);
    assert_eq!(got.len(), 1);
    assert_eq!(got[0].via, "chat");
    assert_eq!(got[0].message, card);

    let page = reqwest::get(format!("{}/", running.base_url()))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        page.contains(&made.chat_id) && page.contains("员工94"),
        "the /sim page lists the made group's members"
    );
}

#[tokio::test]
async fn limits_are_refused_before_calling() {
    let running = start(SimConfig::default()).await;
    let app = running.sim.create_app(AppSpec::default());
    let c = client(&running, &app);
    let people = staff(&running, 3);
    let long_name = "一二三四五六七八九十一二三四五六七八九十一";
    let e = c.create_chat(&chat(long_name, &people)).await.unwrap_err();
    assert_eq!(e.kind(), ErrorKind::InvalidParameter);
    assert!(e.to_string().contains("21 characters"), "{e}");
    let many: Vec<String> = (0..1001).map(|i| format!("x{i}")).collect();
    let e = c.create_chat(&chat("大群", &many)).await.unwrap_err();
    assert!(e.to_string().contains("1001 members"), "{e}");
    let e = c
        .create_scene_group("", &chat("群", &people), "uuid-1")
        .await
        .unwrap_err();
    assert_eq!(e.kind(), ErrorKind::InvalidParameter);

    // a msg of 2,049 bytes is refused, one of 2,048 goes
    let base = serde_json::json!({"msgtype":"text","text":{"content":""}})
        .to_string()
        .len();
    let made = c.create_chat(&chat("群", &people)).await.unwrap();
    let e = c
        .send_chat_message(&made.chat_id, &Message::text("a".repeat(2049 - base)))
        .await
        .unwrap_err();
    assert_eq!(e.kind(), ErrorKind::MessageTooLong);
    assert!(e.to_string().contains("2049 bytes"), "{e}");
    c.send_chat_message(&made.chat_id, &Message::text("a".repeat(2048 - base)))
        .await
        .unwrap();
    assert_eq!(running.sim.stats().requests.get("chat/send"), Some(&1));
}

#[tokio::test]
async fn dingtalks_answers_for_unknown_chats_users_and_new_apps() {
    let running = start(SimConfig::default()).await;
    let app = running.sim.create_app(AppSpec::default());
    let c = client(&running, &app);
    let people = staff(&running, 2);
    let e = c
        .send_chat_message("chat0000", &Message::text("hi"))
        .await
        .unwrap_err();
    assert_eq!((e.kind(), e.code()), (ErrorKind::UnknownChat, "34001"));
    assert_eq!(e.retry_class(), RetryClass::Permanent);
    let e = c
        .create_chat(&chat("群", &[people[0].clone(), "nobody".into()]))
        .await
        .unwrap_err();
    assert_eq!(e.kind(), ErrorKind::UserNotFound);

    let newer = running.sim.create_app(AppSpec {
        new_app: true,
        ..AppSpec::default()
    });
    let c2 = client(&running, &newer);
    let e = c2.create_chat(&chat("群", &people)).await.unwrap_err();
    assert_eq!(e.kind(), ErrorKind::ApiNotPermitted);
    assert!(e.explain_zh().contains("场景群"));
    // the scene-group API stays open to it
    c2.create_scene_group(&newer.scene_group_template_id, &chat("群", &people), "u-1")
        .await
        .unwrap();
}

#[tokio::test]
async fn scene_group_brings_the_robot_and_one_group_per_uuid() {
    let running = start(SimConfig::default()).await;
    let app = running.sim.create_app(AppSpec::default());
    let c = client(&running, &app);
    let people = staff(&running, 4);
    let group = chat("2026 年度之星", &people[1..]);
    let a = c
        .create_scene_group(&app.scene_group_template_id, &group, "share-7")
        .await
        .unwrap();
    let again = c
        .create_scene_group(&app.scene_group_template_id, &group, "share-7")
        .await
        .unwrap();
    assert_eq!(a, again, "the same uuid makes no second group");
    let groups = running.sim.groups();
    let made: Vec<_> = groups.iter().filter(|g| g.made_via.is_some()).collect();
    assert_eq!(made.len(), 1);
    assert_eq!(made[0].app_robots, vec![app.robot_code.clone()]);
    assert_eq!(made[0].members.len(), 3);
    // the template's robot is in the group: the app robot can post there at once
    c.send_group_message(
        &app.robot_code,
        &a.open_conversation_id,
        &dingtalk::AppMessage::Text {
            content: "欢迎".into(),
        },
    )
    .await
    .unwrap();
    let e = c
        .create_scene_group("another-template", &group, "share-8")
        .await
        .unwrap_err();
    assert_eq!(e.kind(), ErrorKind::InvalidParameter);
}

#[tokio::test]
async fn chat_send_faults_and_a_lost_answer_that_delivered() {
    let running = start(SimConfig {
        hang: std::time::Duration::from_millis(300),
        ..SimConfig::default()
    })
    .await;
    let app = running.sim.create_app(AppSpec::default());
    let mut cfg = config(&running);
    cfg.timeout = std::time::Duration::from_millis(150);
    let c = AppClient::new(cfg, AppCredentials::new(&app.app_key, &app.app_secret)).unwrap();
    let g = running.sim.create_group(GroupSpec::named("老群"));
    running.sim.set_faults(
        &g.chat_id,
        Faults {
            busy: 1.0,
            times: Some(1),
            ..Faults::default()
        },
    );
    let e = c
        .send_chat_message(&g.chat_id, &Message::text("x"))
        .await
        .unwrap_err();
    assert_eq!(e.retry_class(), RetryClass::Transient);
    running.sim.set_faults(
        &g.chat_id,
        Faults {
            lost_answer: 1.0,
            times: Some(1),
            ..Faults::default()
        },
    );
    let e = c
        .send_chat_message(&g.chat_id, &Message::text("y"))
        .await
        .unwrap_err();
    assert_eq!(e.retry_class(), RetryClass::OutcomeUnknown);
    assert_eq!(
        running.sim.messages(&g.open_conversation_id).len(),
        1,
        "delivered, answer lost"
    );
}
