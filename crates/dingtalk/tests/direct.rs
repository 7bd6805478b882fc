#![cfg(feature = "sim")]
//! A word to people 1:1 against the simulator: the app robot's batchSend (20 userIds a call,
//! invalid and flow-controlled ones listed) and work notices (100 a call, 2,048-byte msg, the
//! same content twice a day dropped while the call succeeds, read back from getsendresult).

mod common;

use common::*;
use dingtalk::sim::{AppInfo, AppSpec, Faults, RunningSim, SimConfig, UserSpec};
use dingtalk::{AppClient, AppCredentials, AppMessage, ErrorKind, Message};

fn client(running: &RunningSim, app: &AppInfo) -> AppClient {
    AppClient::new(
        config(running),
        AppCredentials::new(&app.app_key, &app.app_secret),
    )
    .unwrap()
}

fn people(running: &RunningSim, n: usize) -> Vec<String> {
    (0..n)
        .map(|i| {
            running
                .sim
                .create_user(UserSpec {
                    userid: Some(format!("p{i}")),
                    ..UserSpec::new(format!("同事{i}"), format!("1370000{i:04}"))
                })
                .userid
        })
        .collect()
}

#[tokio::test]
async fn batch_send_reaches_each_and_lists_who_it_did_not() {
    let running = start(SimConfig::default()).await;
    let app = running.sim.create_app(AppSpec::default());
    let c = client(&running, &app);
    let mut to = people(&running, 19);
    to.push("ghost".into());
    running.sim.set_faults(
        "p3",
        Faults {
            throttle: true,
            times: Some(1),
            ..Faults::default()
        },
    );
    let msg = AppMessage::Markdown {
        title: "恭喜你获得「月度之星」".into(),
        text: "### 🏅 恭喜你获得「月度之星」".into(),
    };
    let r = c.send_to_people(&app.robot_code, &to, &msg).await.unwrap();
    assert!(!r.key.is_empty());
    assert_eq!(r.invalid, vec!["ghost".to_string()]);
    assert_eq!(r.held, vec!["p3".to_string()]);
    assert_eq!(r.reached(&to).len(), 18);
    let got = running.sim.direct_messages("p0");
    assert_eq!(got.len(), 1);
    assert_eq!(got[0].via, "oto");
    assert!(running.sim.direct_messages("p3").is_empty());

    // 21 userIds are refused before calling
    let mut many = people(&running, 21);
    many.dedup();
    let before = running.sim.stats().requests.get("oToMessages").copied();
    let e = c
        .send_to_people(&app.robot_code, &many, &msg)
        .await
        .unwrap_err();
    assert_eq!(e.kind(), ErrorKind::InvalidRequest);
    assert!(e.to_string().contains("21 userIds"), "{e}");
    assert_eq!(
        running.sim.stats().requests.get("oToMessages").copied(),
        before
    );
    // a robotCode of another app
    let e = c.send_to_people("other", &to[..1], &msg).await.unwrap_err();
    assert_eq!(e.kind(), ErrorKind::RobotCodeUnauthorized);

    let page = reqwest::get(format!("{}/", running.base_url()))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        page.contains("单聊与工作通知") && page.contains("同事0") && page.contains("机器人单聊")
    );
}

#[tokio::test]
async fn work_notice_results_are_read_back() {
    let running = start(SimConfig::default()).await;
    let app = running.sim.create_app(AppSpec::default());
    let c = client(&running, &app);
    let mut to = people(&running, 3);
    to.push("ghost".into());
    let notice = Message::markdown("勋章通知", "恭喜你获得「全勤达人」 · 通知 #1");
    let r = c
        .send_work_notice(&app.agent_id, &to, &notice)
        .await
        .unwrap();
    assert!(r.key.parse::<i64>().is_ok(), "task_id: {}", r.key);
    assert_eq!(r.invalid, vec!["ghost".to_string()]);
    assert!(r.held.is_empty());
    assert_eq!(running.sim.direct_messages("p1")[0].via, "notice");
    // the same content again the same day: the call succeeds, DingTalk drops it, the result says so
    let r = c
        .send_work_notice(&app.agent_id, &to[..2], &notice)
        .await
        .unwrap();
    assert_eq!(r.held, vec!["p0".to_string(), "p1".to_string()]);
    assert_eq!(running.sim.direct_messages("p1").len(), 1);
    // new content goes
    let other = Message::markdown("勋章通知", "恭喜你获得「全勤达人」 · 通知 #2");
    let r = c
        .send_work_notice(&app.agent_id, &to[..2], &other)
        .await
        .unwrap();
    assert!(r.held.is_empty() && r.invalid.is_empty());

    // limits before calling: 101 people, a 2,049-byte msg, an AgentId that is not a number
    let many: Vec<String> = (0..101).map(|i| format!("x{i}")).collect();
    let e = c
        .send_work_notice(&app.agent_id, &many, &notice)
        .await
        .unwrap_err();
    assert!(e.to_string().contains("101 userIds"), "{e}");
    let base = serde_json::json!({"msgtype":"text","text":{"content":""}})
        .to_string()
        .len();
    let e = c
        .send_work_notice(
            &app.agent_id,
            &to[..1],
            &Message::text("a".repeat(2049 - base)),
        )
        .await
        .unwrap_err();
    assert_eq!(e.kind(), ErrorKind::MessageTooLong);
    let e = c
        .send_work_notice("abc", &to[..1], &notice)
        .await
        .unwrap_err();
    assert_eq!(e.kind(), ErrorKind::InvalidRequest);
    // another app's AgentId: DingTalk refuses
    let e = c
        .send_work_notice("123", &to[..1], &other)
        .await
        .unwrap_err();
    assert_eq!(e.kind(), ErrorKind::InvalidParameter);
}
