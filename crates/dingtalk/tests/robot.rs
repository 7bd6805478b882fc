#![cfg(feature = "sim")]
//! RobotClient against the simulator: message types, security checks, errors, faults.

mod common;

use std::time::Duration;

use common::*;
use dingtalk::sim::{Faults, GroupSpec, RobotSpec, SimConfig, UserSpec};
use dingtalk::{
    sign, ActionButton, At, BtnOrientation, ClientConfig, ErrorKind, FeedLink, Message, RetryClass,
    Robot, RobotClient,
};

#[tokio::test]
async fn every_message_type_arrives_as_sent() {
    let running = start(SimConfig::default()).await;
    let client = robot_client(&running);
    let (cid, info) = group_and_robot(&running);
    let robot = robot_of(&client, &info);
    let user = running
        .sim
        .create_user(UserSpec::new("张三", "13800000001"));

    let messages = vec![
        Message::text("勋章：恭喜 @13800000001").with_at(At::mobiles(["13800000001"])),
        Message::link(
            "勋章",
            "张三获得勋章",
            "https://medals.example/a/1",
            "https://medals.example/i.png",
        ),
        Message::markdown("勋章", "### 🏅 勋章\n**张三** 获得 *月度之星*\n> 干得好")
            .with_at(At::user_ids([user.userid.as_str()]))
            .ensure_mentions_in_text(),
        Message::action_card(
            "勋章",
            "### 勋章\n恭喜",
            "查看详情",
            "https://medals.example/a/1",
        ),
        Message::action_card_buttons(
            "勋章",
            "恭喜",
            vec![
                ActionButton::new("查看", "https://medals.example/a/1"),
                ActionButton::new("全部勋章", "https://medals.example/medals"),
            ],
            BtnOrientation::Horizontal,
        ),
        Message::feed_card(vec![
            FeedLink::new(
                "勋章一",
                "https://medals.example/a/1",
                "https://medals.example/1.png",
            ),
            FeedLink::new(
                "勋章二",
                "https://medals.example/a/2",
                "https://medals.example/2.png",
            ),
        ]),
        Message::text("全员勋章 @所有人").with_at(At::all()),
    ];
    for m in &messages {
        let sent = client.send(&robot, m).await.expect("sent");
        assert!(!sent.msg_uuid.is_empty());
    }
    let received = running.sim.messages(&cid);
    assert_eq!(received.len(), messages.len());
    for (r, m) in received.iter().zip(&messages) {
        assert_eq!(&r.message, m);
        assert_eq!(r.via, "webhook");
        assert!(r.msg_uuid.is_some());
    }
    // the page renders them (with the mention shown by name)
    let html = reqwest::get(format!("{}/", running.base_url()))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(html.contains("研发部"));
    assert!(html.contains(r#"<span class="at">@张三</span>"#));
    assert!(html.contains("查看详情"));
}

#[tokio::test]
async fn pasted_urls_and_hosts() {
    let running = start(SimConfig::default()).await;
    let client = robot_client(&running);
    let (cid, info) = group_and_robot(&running);
    // the real host's URL (as DingTalk shows it) works against the simulator
    let real = client
        .robot(&info.webhook_url, info.secret.as_deref(), &info.keywords)
        .unwrap();
    // and so does the simulator's own URL, whitespace included
    let own = client
        .robot(
            &format!("  {}/{}\n", running.base_url(), info.webhook_path),
            info.secret.as_deref(),
            &info.keywords,
        )
        .unwrap();
    assert_eq!(real.access_token(), info.access_token);
    assert_eq!(own.access_token(), info.access_token);
    client.send(&own, &Message::text("勋章 1")).await.unwrap();
    assert_eq!(running.sim.messages(&cid).len(), 1);
    let err = client
        .robot(
            &format!(
                "https://example.com/robot/send?access_token={}",
                info.access_token
            ),
            None,
            &[],
        )
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::InvalidWebhook);
    assert!(err.explain_zh().contains("Webhook"));

    // passing the whole URL as the token is the classic mistake: 300001
    let wrong = Robot::new(
        info.webhook_url.clone(),
        info.secret.as_deref(),
        &info.keywords,
    );
    let err = client
        .send(&wrong, &Message::text("勋章"))
        .await
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::TokenNotExist);
    assert_eq!(err.code(), "300001");
    assert_eq!(err.retry_class(), RetryClass::Permanent);
}

#[tokio::test]
async fn keyword_guard_and_keyword_check() {
    let running = start(SimConfig::default()).await;
    let client = robot_client(&running);
    let (cid, info) = group_and_robot(&running);
    let robot = robot_of(&client, &info);
    // refused before sending
    let err = client
        .send(&robot, &Message::text("hello"))
        .await
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::KeywordMissing);
    assert_eq!(err.code(), "local.keywords");
    assert_eq!(running.sim.stats().requests.get("robot/send"), None);
    // when our configuration lacks the keyword, DingTalk (the simulator) refuses it: 310000
    let no_kw = Robot::new(info.access_token.clone(), info.secret.as_deref(), &[]);
    let err = client
        .send(&no_kw, &Message::text("hello"))
        .await
        .unwrap_err();
    assert_eq!(err.code(), "310000");
    assert_eq!(err.errmsg(), "keywords not in content");
    assert_eq!(err.kind(), ErrorKind::KeywordMissing);
    assert!(err.is_permanent());
    // the keyword may be in a button title of an action card, too
    client
        .send(
            &no_kw,
            &Message::action_card("x", "y", "查看勋章", "https://a"),
        )
        .await
        .unwrap();
    assert_eq!(running.sim.messages(&cid).len(), 1);
}

#[tokio::test]
async fn signature_and_timestamp_edges() {
    let running = start(SimConfig::default()).await;
    let client = robot_client(&running);
    let (cid, info) = group_and_robot(&running);
    let robot = robot_of(&client, &info);
    let other = running
        .sim
        .create_robot(RobotSpec::signed(&cid, &["勋章"]))
        .unwrap();
    // a secret from another robot
    let mixed = Robot::new(
        info.access_token.clone(),
        other.secret.as_deref(),
        &info.keywords,
    );
    let err = client
        .send(&mixed, &Message::text("勋章"))
        .await
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::SignatureMismatch);
    assert_eq!(err.errmsg(), "sign not match");
    // no signature at all on a signed robot
    let unsigned = Robot::new(info.access_token.clone(), None, &info.keywords);
    let err = client
        .send(&unsigned, &Message::text("勋章"))
        .await
        .unwrap_err();
    assert_eq!(err.code(), "310000");

    // the simulator's clock 59 minutes ahead: our timestamp is 59 minutes old → accepted
    running.sim.set_clock_skew_ms(59 * 60 * 1000);
    client
        .send(&robot, &Message::text("勋章 59"))
        .await
        .unwrap();
    // 61 minutes → refused
    running.sim.set_clock_skew_ms(61 * 60 * 1000);
    let err = client
        .send(&robot, &Message::text("勋章 61"))
        .await
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::TimestampInvalid);
    assert!(err.explain_en().contains("clock"));
    // and 61 minutes in the future as well
    running.sim.set_clock_skew_ms(-61 * 60 * 1000);
    let err = client
        .send(&robot, &Message::text("勋章 -61"))
        .await
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::TimestampInvalid);
    running.sim.set_clock_skew_ms(0);

    // raw requests with explicit timestamps
    let secret = info.secret.clone().unwrap();
    let http = reqwest::Client::new();
    let post = |ts: i64, sig: String| {
        let url = format!(
            "{}/robot/send?access_token={}&timestamp={ts}&sign={sig}",
            running.base_url(),
            info.access_token
        );
        http.post(url)
            .header("content-type", "application/json")
            .body(r#"{"msgtype":"text","text":{"content":"勋章 raw"}}"#)
            .send()
    };
    let errcode = |v: serde_json::Value| v["errcode"].as_i64().unwrap();
    let now = sign::now_ms();
    let old = now - 59 * 60 * 1000;
    let r: serde_json::Value = post(old, sign::sign_urlencoded(&secret, old))
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(errcode(r), 0);
    let too_old = now - 61 * 60 * 1000;
    let r: serde_json::Value = post(too_old, sign::sign_urlencoded(&secret, too_old))
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(errcode(r.clone()), 310000);
    assert_eq!(r["errmsg"], "invalid timestamp");
    // url-encoded twice: refused
    let twice = sign::urlencode(&sign::sign_urlencoded(&secret, now));
    let r: serde_json::Value = post(now, twice).await.unwrap().json().await.unwrap();
    assert_eq!(r["errmsg"], "sign not match");
    assert_eq!(running.sim.messages(&cid).len(), 2);
}

#[tokio::test]
async fn robot_and_group_state_errors() {
    let running = start(SimConfig::default()).await;
    let client = robot_client(&running);
    let (cid, info) = group_and_robot(&running);
    let robot = robot_of(&client, &info);
    let msg = Message::text("勋章");

    running.sim.set_robot_enabled(&info.access_token, false);
    let err = client.send(&robot, &msg).await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::RobotDisabled);
    assert_eq!(err.code(), "400102");
    running.sim.set_robot_enabled(&info.access_token, true);

    running.sim.disband_group(&cid);
    let err = client.send(&robot, &msg).await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::GroupDisbanded);
    assert!(err.explain_zh().contains("解散"));

    running.sim.delete_robot(&info.access_token);
    let err = client.send(&robot, &msg).await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::TokenNotExist);
}

#[tokio::test]
async fn ip_allowlist() {
    let running = start(SimConfig::default()).await;
    let client = robot_client(&running);
    let g = running.sim.create_group(GroupSpec::named("g"));
    let mut spec = RobotSpec::keywords_only(&g.open_conversation_id, &["勋章"]);
    spec.ip_allowlist = vec!["10.0.0.0/8".into()];
    let far = running.sim.create_robot(spec.clone()).unwrap();
    spec.ip_allowlist = vec!["127.0.0.0/8".into()];
    let near = running.sim.create_robot(spec).unwrap();
    let err = client
        .send(&robot_of(&client, &far), &Message::text("勋章"))
        .await
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::IpNotAllowed);
    assert!(err.errmsg().contains("127.0.0.1"), "{}", err.errmsg());
    assert!(err.explain_zh().contains("127.0.0.1"));
    client
        .send(&robot_of(&client, &near), &Message::text("勋章"))
        .await
        .unwrap();
}

#[tokio::test]
async fn size_and_shape_errors() {
    let running = start(SimConfig {
        max_body_bytes: 2_000,
        ..SimConfig::default()
    })
    .await;
    let client = robot_client(&running);
    let (_, info) = group_and_robot(&running);
    let robot = robot_of(&client, &info);
    // too long for our own check (20,000 bytes)
    let err = client
        .send(&robot, &Message::text(format!("勋章{}", "长".repeat(8000))))
        .await
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::MessageTooLong);
    assert_eq!(err.code(), "local.too_long");
    // too long for the (configured) simulator
    let err = client
        .send(&robot, &Message::text(format!("勋章{}", "长".repeat(1000))))
        .await
        .unwrap_err();
    assert_eq!(err.code(), "460101");
    assert_eq!(err.kind(), ErrorKind::MessageTooLong);
    // more than 50 @
    let err = client
        .send(
            &robot,
            &Message::text("勋章").with_at(At::user_ids((0..51).map(|i| format!("u{i}")))),
        )
        .await
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::InvalidMessage);

    // raw: wrong content type, missing json, unsupported type
    let http = reqwest::Client::new();
    let url = format!("{}/{}", running.base_url(), info.webhook_path);
    let url = url.replace(&info.access_token, &{
        // a keyword-only robot so raw requests need no signature
        let g = running.sim.create_group(GroupSpec::named("raw"));
        running
            .sim
            .create_robot(RobotSpec::keywords_only(&g.open_conversation_id, &["勋章"]))
            .unwrap()
            .access_token
    });
    let call = |ct: &'static str, body: &'static str| {
        http.post(&url).header("content-type", ct).body(body).send()
    };
    let code = |v: serde_json::Value| v["errcode"].as_i64().unwrap();
    let v = call(
        "text/plain",
        r#"{"msgtype":"text","text":{"content":"勋章"}}"#,
    )
    .await
    .unwrap()
    .json()
    .await
    .unwrap();
    assert_eq!(code(v), 43004);
    let v = call("application/json", "not json")
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(code(v), 40035);
    let v = call("application/json", r#"{"msgtype":"voice","voice":{}}"#)
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(code(v), 400105);
}

#[tokio::test]
async fn throttling_with_penalty_and_recovery() {
    let running = start(SimConfig {
        rate_limit: 3,
        rate_window: Duration::from_secs(30),
        penalty: Duration::from_millis(1500),
        throttle_errcode: 410100,
        ..SimConfig::default()
    })
    .await;
    let cfg = ClientConfig {
        robot_penalty: Duration::from_secs(2),
        ..config(&running)
    };
    let client = RobotClient::new(cfg).unwrap();
    let g = running.sim.create_group(GroupSpec::named("g"));
    let info = running
        .sim
        .create_robot(RobotSpec::keywords_only(&g.open_conversation_id, &["勋章"]))
        .unwrap();
    let robot = robot_of(&client, &info);
    for i in 0..3 {
        client
            .send(&robot, &Message::text(format!("勋章 {i}")))
            .await
            .unwrap();
    }
    let err = client
        .send(&robot, &Message::text("勋章 4"))
        .await
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Throttled);
    assert_eq!(err.code(), "410100");
    match err.retry_class() {
        RetryClass::Throttled { until } => {
            assert!(until > std::time::SystemTime::now());
        }
        other => panic!("{other:?}"),
    }
    assert!(running.sim.robots()[0].penalty_secs <= 2);
    // still in the penalty
    assert_eq!(
        client
            .send(&robot, &Message::text("勋章 5"))
            .await
            .unwrap_err()
            .kind(),
        ErrorKind::Throttled
    );
    assert_eq!(running.sim.messages(&g.open_conversation_id).len(), 3);

    // 130101 (what DingTalk really answers) is throttling too, via forced throttling
    let (_, other) = group_and_robot(&running);
    running.sim.set_faults(
        &other.access_token,
        Faults {
            throttle: true,
            ..Faults::default()
        },
    );
    let err = client
        .send(&robot_of(&client, &other), &Message::text("勋章"))
        .await
        .unwrap_err();
    assert!(matches!(err.retry_class(), RetryClass::Throttled { .. }));
}

#[tokio::test]
async fn throttle_code_130101_and_penalty_end() {
    let running = start(SimConfig {
        rate_limit: 1,
        rate_window: Duration::from_millis(300),
        penalty: Duration::from_millis(300),
        ..SimConfig::default()
    })
    .await;
    let client = robot_client(&running);
    let (cid, info) = group_and_robot(&running);
    let robot = robot_of(&client, &info);
    client.send(&robot, &Message::text("勋章 a")).await.unwrap();
    // the second within 300 ms is throttled — unless this machine took longer than the window,
    // in which case it is simply sent; both are correct behaviour
    if let Err(e) = client.send(&robot, &Message::text("勋章 b")).await {
        assert_eq!(e.code(), "130101");
        assert_eq!(e.errmsg(), "send too fast, exceed 20 times per minute");
    }
    tokio::time::sleep(Duration::from_millis(700)).await;
    client.send(&robot, &Message::text("勋章 c")).await.unwrap();
    assert!(running.sim.messages(&cid).len() >= 2);
}

#[tokio::test]
async fn msg_uuid_deduplicates_and_faults() {
    let running = start(SimConfig {
        hang: Duration::from_secs(5),
        ..SimConfig::default()
    })
    .await;
    let short = RobotClient::new(ClientConfig {
        timeout: Duration::from_millis(700),
        ..config(&running)
    })
    .unwrap();
    let client = robot_client(&running);
    let (cid, info) = group_and_robot(&running);
    let robot = robot_of(&client, &info);

    // same msgUuid twice: posted once
    let m = Message::text("勋章 dedupe");
    client.send_with_uuid(&robot, &m, "uuid-1").await.unwrap();
    client.send_with_uuid(&robot, &m, "uuid-1").await.unwrap();
    assert_eq!(running.sim.messages(&cid).len(), 1);

    // busy (-1) → transient
    running.sim.set_faults(
        &info.access_token,
        Faults {
            busy: 1.0,
            times: Some(1),
            ..Faults::default()
        },
    );
    let err = client
        .send(&robot, &Message::text("勋章"))
        .await
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Busy);
    assert_eq!(err.retry_class(), RetryClass::Transient);

    // 5xx → transient (fault set on the group)
    running.sim.set_faults(
        &cid,
        Faults {
            error_5xx: 1.0,
            times: Some(1),
            ..Faults::default()
        },
    );
    let err = client
        .send(&robot, &Message::text("勋章"))
        .await
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::ServerError);
    assert_eq!(err.http_status(), Some(502));
    assert_eq!(err.retry_class(), RetryClass::Transient);
    assert_eq!(running.sim.messages(&cid).len(), 1);

    // timeout without delivery → outcome unknown, nothing posted
    running.sim.set_faults(
        &info.access_token,
        Faults {
            timeout: 1.0,
            times: Some(1),
            ..Faults::default()
        },
    );
    let err = short
        .send(&robot, &Message::text("勋章 t"))
        .await
        .unwrap_err();
    assert_eq!(err.retry_class(), RetryClass::OutcomeUnknown);
    assert_eq!(running.sim.messages(&cid).len(), 1);

    // delivered but the answer is lost → outcome unknown; retry with the same msgUuid posts once
    running.sim.set_faults(
        &info.access_token,
        Faults {
            lost_answer: 1.0,
            times: Some(1),
            ..Faults::default()
        },
    );
    let m = Message::text("勋章 lost");
    let err = short.send(&robot, &m).await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Timeout);
    assert_eq!(err.retry_class(), RetryClass::OutcomeUnknown);
    let uuid = err.msg_uuid().expect("uuid kept").to_owned();
    assert_eq!(running.sim.messages(&cid).len(), 2);
    client.send_with_uuid(&robot, &m, &uuid).await.unwrap();
    assert_eq!(running.sim.messages(&cid).len(), 2);

    // latency is just slower
    running.sim.set_faults(
        "*",
        Faults {
            latency_ms: 50,
            times: Some(1),
            ..Faults::default()
        },
    );
    client
        .send(&robot, &Message::text("勋章 slow"))
        .await
        .unwrap();
    assert_eq!(running.sim.messages(&cid).len(), 3);
}

#[tokio::test]
async fn connect_failure_is_transient() {
    // a port nothing listens on
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap();
    drop(listener);
    let client = RobotClient::new(ClientConfig::simulator(format!("http://{addr}"))).unwrap();
    let robot = Robot::new("t", None, &[]);
    let err = client.send(&robot, &Message::text("x")).await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Connect);
    assert_eq!(err.retry_class(), RetryClass::Transient);
}

#[tokio::test]
async fn monthly_quota() {
    let running = start(SimConfig {
        monthly_quota: Some(1),
        ..SimConfig::default()
    })
    .await;
    let client = robot_client(&running);
    let (_, info) = group_and_robot(&running);
    let robot = robot_of(&client, &info);
    client.send(&robot, &Message::text("勋章")).await.unwrap();
    let err = client
        .send(&robot, &Message::text("勋章"))
        .await
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::QuotaExhausted);
    assert!(err.is_permanent());
}

#[tokio::test]
async fn the_twenty_first_message_in_a_minute_is_throttled() {
    let running = start(SimConfig::default()).await;
    let client = robot_client(&running);
    let (cid, info) = group_and_robot(&running);
    let robot = robot_of(&client, &info);
    for i in 0..20 {
        client
            .send(&robot, &Message::text(format!("勋章 {i}")))
            .await
            .unwrap();
    }
    let err = client
        .send(&robot, &Message::text("勋章 21"))
        .await
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Throttled);
    assert_eq!(err.code(), "130101");
    assert!(err.explain_zh().contains("10 分钟"));
    // the robot is now in its 10-minute penalty
    let penalty = running.sim.robots()[0].penalty_secs;
    assert!((590..=600).contains(&penalty), "{penalty}");
    assert_eq!(running.sim.messages(&cid).len(), 20);
}
