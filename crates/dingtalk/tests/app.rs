#![cfg(feature = "sim")]
//! AppClient against the simulator: token single-flight and refresh, group messages, user
//! lookup, organisation honours.

mod common;

use std::time::Duration;

use common::*;
use dingtalk::sim::{AppInfo, AppSpec, Faults, GroupSpec, RunningSim, SimConfig, UserSpec};
use dingtalk::{
    ActionButton, AppClient, AppCredentials, AppMessage, BtnOrientation, ClientConfig, ErrorKind,
    HonourGrant, Message, NewHonour, RetryClass,
};

fn app_client(running: &RunningSim, app: &AppInfo) -> AppClient {
    AppClient::new(
        config(running),
        AppCredentials::new(&app.app_key, &app.app_secret),
    )
    .unwrap()
}

/// An app whose robot is in a new group.
fn app_in_group(running: &RunningSim) -> (AppInfo, String) {
    let app = running.sim.create_app(AppSpec::default());
    let g = running.sim.create_group(GroupSpec::named("全员群"));
    assert!(running
        .sim
        .add_app_robot_to_group(&app.robot_code, &g.open_conversation_id));
    (app, g.open_conversation_id)
}

#[tokio::test]
async fn token_is_fetched_once_for_100_concurrent_callers() {
    let running = start(SimConfig::default()).await;
    let (app, _) = app_in_group(&running);
    let client = app_client(&running, &app);
    let mut tasks = Vec::new();
    for _ in 0..100 {
        let c = client.clone();
        tasks.push(tokio::spawn(async move { c.access_token().await }));
    }
    let mut tokens = Vec::new();
    for t in tasks {
        tokens.push(t.await.unwrap().unwrap());
    }
    assert!(tokens.windows(2).all(|w| w[0] == w[1]));
    assert_eq!(client.token_fetches(), 1);
    assert_eq!(running.sim.stats().token_requests, 1);
}

#[tokio::test]
async fn token_refreshed_before_expiry_and_after_invalid_authentication() {
    let running = start(SimConfig {
        token_ttl: Duration::from_secs(2),
        ..SimConfig::default()
    })
    .await;
    let (app, cid) = app_in_group(&running);
    let client = app_client(&running, &app);
    let first = client.access_token().await.unwrap();
    // ttl 2 s → refreshed after 1 s (margin capped at half the lifetime)
    tokio::time::sleep(Duration::from_millis(1200)).await;
    client.access_token().await.unwrap();
    assert_eq!(client.token_fetches(), 2);
    let _ = first;

    // the simulator forgets the token: the next call gets InvalidAuthentication, refetches and
    // succeeds
    let running = start(SimConfig::default()).await;
    let (app, cid2) = app_in_group(&running);
    let client = app_client(&running, &app);
    let msg = AppMessage::Text {
        content: "hello".into(),
    };
    client
        .send_group_message(&app.robot_code, &cid2, &msg)
        .await
        .unwrap();
    running.sim.expire_app_tokens(&app.app_key);
    client
        .send_group_message(&app.robot_code, &cid2, &msg)
        .await
        .unwrap();
    assert_eq!(client.token_fetches(), 2);
    assert_eq!(running.sim.messages(&cid2).len(), 2);
    let _ = cid;
}

#[tokio::test]
async fn wrong_credentials() {
    let running = start(SimConfig::default()).await;
    let (app, cid) = app_in_group(&running);
    let client =
        AppClient::new(config(&running), AppCredentials::new(&app.app_key, "wrong")).unwrap();
    // 20 callers at once share one failed fetch
    let mut tasks = Vec::new();
    for _ in 0..20 {
        let c = client.clone();
        tasks.push(tokio::spawn(async move { c.access_token().await }));
    }
    for t in tasks {
        assert_eq!(
            t.await.unwrap().unwrap_err().kind(),
            ErrorKind::InvalidCredentials
        );
    }
    assert_eq!(client.token_fetches(), 1);
    let err = client.access_token().await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::InvalidCredentials);
    assert_eq!(err.http_status(), Some(400));
    assert_eq!(err.code(), "invalidClientIdOrSecret");
    assert!(err.request_id().is_some());
    assert!(err.is_permanent());
    let err = client
        .send_group_message(
            &app.robot_code,
            &cid,
            &AppMessage::Text {
                content: "x".into(),
            },
        )
        .await
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::InvalidCredentials);
    assert!(format!("{:?}", AppCredentials::new("k", "s3cr3t")).contains("***"));
}

#[tokio::test]
async fn group_message_templates() {
    let running = start(SimConfig::default()).await;
    let (app, cid) = app_in_group(&running);
    let client = app_client(&running, &app);
    let buttons = |n: usize| {
        (1..=n)
            .map(|i| ActionButton::new(format!("按钮{i}"), format!("https://m.example/{i}")))
            .collect::<Vec<_>>()
    };
    let msgs = vec![
        AppMessage::Markdown {
            title: "勋章".into(),
            text: "### 恭喜\n**张三**".into(),
        },
        AppMessage::ActionCard {
            title: "勋章".into(),
            text: "恭喜".into(),
            single_title: "查看详情".into(),
            single_url: "https://m.example/a/1".into(),
        },
        AppMessage::ActionCardButtons {
            title: "勋章".into(),
            text: "三个按钮".into(),
            buttons: buttons(3),
            orientation: BtnOrientation::Vertical,
        },
        AppMessage::ActionCardButtons {
            title: "勋章".into(),
            text: "横排".into(),
            buttons: buttons(2),
            orientation: BtnOrientation::Horizontal,
        },
        AppMessage::Text {
            content: "文本".into(),
        },
        AppMessage::Link {
            title: "链接".into(),
            text: "正文".into(),
            pic_url: "https://m.example/p.png".into(),
            message_url: "https://m.example/a/1".into(),
        },
    ];
    for m in &msgs {
        let key = client
            .send_group_message(&app.robot_code, &cid, m)
            .await
            .unwrap();
        assert!(!key.is_empty());
    }
    let received = running.sim.messages(&cid);
    let keys: Vec<_> = received
        .iter()
        .map(|r| r.msg_key.clone().unwrap())
        .collect();
    assert_eq!(
        keys,
        [
            "sampleMarkdown",
            "sampleActionCard",
            "sampleActionCard3",
            "sampleActionCard6",
            "sampleText",
            "sampleLink"
        ]
    );
    for (r, m) in received.iter().zip(&msgs) {
        assert_eq!(r.message, m.to_message());
        assert_eq!(r.via, "app");
    }
    assert!(
        matches!(received[3].message, Message::ActionCard { ref action_card, .. } if action_card.btn_orientation == BtnOrientation::Horizontal)
    );
    // a template that cannot exist
    let err = client
        .send_group_message(
            &app.robot_code,
            &cid,
            &AppMessage::ActionCardButtons {
                title: "t".into(),
                text: "x".into(),
                buttons: buttons(6),
                orientation: BtnOrientation::Vertical,
            },
        )
        .await
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::InvalidMessage);
    // too long for msgParam
    let err = client
        .send_group_message(
            &app.robot_code,
            &cid,
            &AppMessage::Text {
                content: "长".repeat(6000),
            },
        )
        .await
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::MessageTooLong);
}

#[tokio::test]
async fn group_message_errors() {
    let running = start(SimConfig {
        hang: Duration::from_secs(5),
        ..SimConfig::default()
    })
    .await;
    let (app, cid) = app_in_group(&running);
    let client = app_client(&running, &app);
    let msg = AppMessage::Markdown {
        title: "t".into(),
        text: "x".into(),
    };
    let send = |code: &str, cid: &str| {
        let (c, code, cid, msg) = (client.clone(), code.to_owned(), cid.to_owned(), msg.clone());
        async move { c.send_group_message(&code, &cid, &msg).await }
    };
    let e = send("other", &cid).await.unwrap_err();
    assert_eq!(e.kind(), ErrorKind::RobotCodeUnauthorized);
    let e = send(&app.robot_code, "cidNOPE").await.unwrap_err();
    assert_eq!(e.kind(), ErrorKind::InvalidConversation);
    let lonely = running.sim.create_group(GroupSpec::named("无机器人"));
    let e = send(&app.robot_code, &lonely.open_conversation_id)
        .await
        .unwrap_err();
    assert_eq!(e.kind(), ErrorKind::RobotNotInGroup);

    running.sim.set_app_robot_enabled(&app.app_key, false);
    let e = send(&app.robot_code, &cid).await.unwrap_err();
    assert_eq!(e.kind(), ErrorKind::RobotDisabled);
    assert_eq!(e.code(), "bot.stopped");
    running.sim.set_app_robot_enabled(&app.app_key, true);

    running.sim.set_faults(
        &cid,
        Faults {
            unknown_result: 1.0,
            times: Some(1),
            ..Faults::default()
        },
    );
    let e = send(&app.robot_code, &cid).await.unwrap_err();
    assert_eq!(e.kind(), ErrorKind::UnknownSendResult);
    assert_eq!(e.retry_class(), RetryClass::OutcomeUnknown);

    running.sim.set_faults(
        &cid,
        Faults {
            throttle: true,
            times: Some(1),
            ..Faults::default()
        },
    );
    let e = send(&app.robot_code, &cid).await.unwrap_err();
    assert_eq!(e.code(), "send.too.fast");
    assert!(matches!(e.retry_class(), RetryClass::Throttled { .. }));

    running.sim.set_faults(
        &cid,
        Faults {
            busy: 1.0,
            times: Some(1),
            ..Faults::default()
        },
    );
    let e = send(&app.robot_code, &cid).await.unwrap_err();
    assert_eq!(e.retry_class(), RetryClass::Transient);

    running.sim.disband_group(&cid);
    let e = send(&app.robot_code, &cid).await.unwrap_err();
    assert_eq!(e.kind(), ErrorKind::GroupDisbanded);
    assert_eq!(e.code(), "group.disbanded");
}

#[tokio::test]
async fn per_app_qps_limit() {
    let running = start(SimConfig {
        app_qps: 2,
        ..SimConfig::default()
    })
    .await;
    let (app, _) = app_in_group(&running);
    let user = running
        .sim
        .create_user(UserSpec::new("张三", "13800000001"));
    let client = app_client(&running, &app);
    // 3 calls of one API within a second: the third is refused (unless this machine is so slow
    // that a second passed, which only makes the check pass trivially)
    let mut throttled = 0;
    for _ in 0..3 {
        match client
            .grant_honour(&HonourGrant {
                honor_id: "none".into(),
                sender_user_id: user.userid.clone(),
                granter_name: "HR".into(),
                reason: "r".into(),
                receiver_user_ids: vec![user.userid.clone()],
                expire_days: None,
                notify_conversation_ids: vec![],
                notify_single: false,
            })
            .await
            .unwrap()
            .errors
            .pop()
        {
            Some((_, e)) if e.kind() == ErrorKind::QpsLimited => {
                assert!(matches!(e.retry_class(), RetryClass::Throttled { .. }));
                throttled += 1;
            }
            Some((_, e)) => assert_eq!(e.kind(), ErrorKind::HonourNotFound),
            None => panic!("granted an unknown honour"),
        }
    }
    assert!(throttled <= 1);
}

#[tokio::test]
async fn user_by_mobile() {
    let running = start(SimConfig::default()).await;
    let (app, _) = app_in_group(&running);
    let client = app_client(&running, &app);
    let zhang = running
        .sim
        .create_user(UserSpec::new("张三", "13800000001"));
    running.sim.create_user(UserSpec {
        active: false,
        ..UserSpec::new("李四", "13800000002")
    });
    assert_eq!(
        client.user_id_by_mobile("13800000001").await.unwrap(),
        zhang.userid
    );
    let e = client.user_id_by_mobile("13900000000").await.unwrap_err();
    assert_eq!(e.kind(), ErrorKind::UserNotFound);
    assert_eq!(e.code(), "60121");
    let e = client.user_id_by_mobile("13800000002").await.unwrap_err();
    assert_eq!(e.kind(), ErrorKind::MobileNotInOrg);
    // an expired token on oapi is refreshed too
    running.sim.expire_app_tokens(&app.app_key);
    client.user_id_by_mobile("13800000001").await.unwrap();
    assert_eq!(client.token_fetches(), 2);
}

/// The start of a PNG of `edge`×`edge` (signature and IHDR: what DingTalk's checks read).
fn png_of(edge: u32) -> Vec<u8> {
    let mut b = b"\x89PNG\r\n\x1a\n\x00\x00\x00\x0dIHDR".to_vec();
    b.extend(edge.to_be_bytes());
    b.extend(edge.to_be_bytes());
    b.extend([8, 6, 0, 0, 0, 0, 0, 0, 0]);
    b
}

/// A template with its medal image (900×900) and pendant (240×240) uploaded.
async fn honour(client: &AppClient, name: &str, creator: &str) -> NewHonour {
    NewHonour {
        name: name.into(),
        description: "年度最佳".into(),
        medal_media_id: client
            .upload_image("medal.png", &png_of(900))
            .await
            .unwrap(),
        avatar_frame_media_id: client
            .upload_image("pendant.png", &png_of(240))
            .await
            .unwrap(),
        bg_color: "#FFFBB4".into(),
        creator_user_id: creator.into(),
    }
}

#[tokio::test]
async fn honours_create_list_grant_revoke() {
    let running = start(SimConfig {
        grant_delay: Duration::from_millis(100),
        app_qps: 10_000,
        ..SimConfig::default()
    })
    .await;
    let (app, _) = app_in_group(&running);
    let client = app_client(&running, &app);
    let hr = running.sim.create_user(UserSpec::new("HR", "13800000000"));
    let staff: Vec<String> = (0..23)
        .map(|i| {
            running
                .sim
                .create_user(UserSpec::new(format!("员工{i}"), format!("1390000{i:04}")))
                .userid
        })
        .collect();

    // validation before sending
    let e = client
        .create_honour(&honour(&client, "名字太长了超过十个字了", &hr.userid).await)
        .await
        .unwrap_err();
    assert_eq!(e.kind(), ErrorKind::InvalidParameter);

    let mut ids = Vec::new();
    for i in 0..25 {
        ids.push(
            client
                .create_honour(&honour(&client, &format!("荣誉{i}"), &hr.userid).await)
                .await
                .unwrap(),
        );
    }
    let list = client.list_honours().await.unwrap();
    assert_eq!(list.len(), 25, "pagination follows nextToken");
    assert_eq!(list[0].honor_id, ids[0]);
    assert_eq!(list[24].name, "荣誉24");

    // the groups a grant notifies must have the sender in them
    let notified = running.sim.create_group(GroupSpec {
        members: vec![hr.userid.clone()],
        ..GroupSpec::named("荣誉通知群")
    });
    let cid = notified.open_conversation_id.clone();
    // 23 recipients + one unknown → 3 calls of ≤ 10; the unknown one fails
    let mut receivers = staff.clone();
    receivers.push("ghost".into());
    let grant = HonourGrant {
        honor_id: ids[0].clone(),
        sender_user_id: hr.userid.clone(),
        granter_name: "人力资源部".into(),
        reason: "全年无休".into(),
        receiver_user_ids: receivers,
        expire_days: Some(366),
        notify_conversation_ids: vec![cid.clone()],
        notify_single: true,
    };
    // two grants from the same sender at once are serialised by the client
    let (a, b) = tokio::join!(client.grant_honour(&grant), client.grant_honour(&grant));
    for report in [a.unwrap(), b.unwrap()] {
        assert!(report.errors.is_empty(), "{:?}", report.errors);
        assert_eq!(report.succeeded.len(), 23);
        assert_eq!(report.failed, vec!["ghost".to_string()]);
        assert!(!report.is_complete());
    }
    assert_eq!(running.sim.stats().requests["honors/grant"], 6);
    // the group was notified (once per call that granted someone)
    let notes = running.sim.messages(&cid);
    assert_eq!(notes.len(), 6);
    assert_eq!(notes[0].via, "honour");

    assert_eq!(
        client.user_honours(&staff[0]).await.unwrap(),
        vec![ids[0].clone()]
    );
    client.revoke_honour(&ids[0], &staff[0]).await.unwrap();
    assert!(client.user_honours(&staff[0]).await.unwrap().is_empty());

    // limits checked before sending
    let mut bad = grant.clone();
    bad.expire_days = Some(367);
    assert!(client.grant_honour(&bad).await.is_err());
    bad.expire_days = None;
    bad.notify_conversation_ids = vec![cid.clone(); 6];
    assert!(client.grant_honour(&bad).await.is_err());
    bad.notify_conversation_ids = vec![];
    bad.reason = "长".repeat(101);
    assert!(client.grant_honour(&bad).await.is_err());

    // unknown honour: reported per chunk
    let mut unknown = grant.clone();
    unknown.honor_id = "nope".into();
    unknown.receiver_user_ids = staff[..2].to_vec();
    let report = client.grant_honour(&unknown).await.unwrap();
    assert_eq!(report.errors.len(), 1);
    assert_eq!(report.errors[0].1.kind(), ErrorKind::HonourNotFound);
}

#[tokio::test]
async fn simulator_refuses_concurrent_grants_from_one_sender() {
    let running = start(SimConfig {
        grant_delay: Duration::from_millis(300),
        ..SimConfig::default()
    })
    .await;
    let (app, _) = app_in_group(&running);
    let hr = running.sim.create_user(UserSpec::new("HR", "13800000000"));
    let u = running
        .sim
        .create_user(UserSpec::new("员工", "13800000009"));
    let client = app_client(&running, &app);
    let id = client
        .create_honour(&honour(&client, "荣誉", &hr.userid).await)
        .await
        .unwrap();
    let token = client.access_token().await.unwrap();
    let http = reqwest::Client::new();
    let call = || {
        http.post(format!(
            "{}/v1.0/orgCulture/honors/{id}/grant",
            running.base_url()
        ))
        .header("x-acs-dingtalk-access-token", &token)
        .json(&serde_json::json!({
            "senderUserId": hr.userid, "grantReason": "r", "granterName": "HR",
            "receiverUserIds": [u.userid], "openConversationIds": []
        }))
        .send()
    };
    let (a, b) = tokio::join!(call(), call());
    let mut statuses = vec![a.unwrap().status().as_u16(), b.unwrap().status().as_u16()];
    statuses.sort();
    // usually one is refused; on a very slow machine the second may start after the first ended
    assert!(
        statuses == [200, 400] || statuses == [200, 200],
        "{statuses:?}"
    );
}

#[tokio::test]
async fn legacy_gettoken() {
    let running = start(SimConfig::default()).await;
    let (app, _) = app_in_group(&running);
    let base = running.base_url();
    let v: serde_json::Value = reqwest::get(format!(
        "{base}/gettoken?appkey={}&appsecret={}",
        app.app_key, app.app_secret
    ))
    .await
    .unwrap()
    .json()
    .await
    .unwrap();
    assert_eq!(v["errcode"], 0);
    assert_eq!(v["expires_in"], 7200);
    // same token as the v1.0 endpoint while valid
    let client = app_client(&running, &app);
    assert_eq!(client.access_token().await.unwrap(), v["access_token"]);
    let v: serde_json::Value = reqwest::get(format!(
        "{base}/gettoken?appkey={}&appsecret=x",
        app.app_key
    ))
    .await
    .unwrap()
    .json()
    .await
    .unwrap();
    assert_eq!(v["errcode"], 40089);
    assert_eq!(
        dingtalk::Error::from_errcode(40089, "").kind(),
        ErrorKind::InvalidCredentials
    );
    let _ = ClientConfig::default();
}

#[tokio::test]
async fn honour_images_colours_and_text_are_checked() {
    let running = start(SimConfig::default()).await;
    let (app, _) = app_in_group(&running);
    let client = app_client(&running, &app);
    let hr = running.sim.create_user(UserSpec::new("HR", "13800000000"));
    let good = honour(&client, "年度之星", &hr.userid).await;
    // before calling: colour, emoji, an image over 1 MB or not a PNG
    for bad in [
        NewHonour {
            bg_color: "#000000".into(),
            ..good.clone()
        },
        NewHonour {
            name: "年度🌟".into(),
            ..good.clone()
        },
    ] {
        let e = client.create_honour(&bad).await.unwrap_err();
        assert_eq!(e.kind(), ErrorKind::InvalidParameter, "{e}");
    }
    let mut big = png_of(900);
    big.resize(1024 * 1024 + 1, 0);
    assert_eq!(
        client.upload_image("m.png", &big).await.unwrap_err().kind(),
        ErrorKind::InvalidRequest
    );
    assert!(client.upload_image("m.jpg", b"\xff\xd8\xff").await.is_err());
    // DingTalk's own checks: the image sizes
    let swapped = NewHonour {
        medal_media_id: good.avatar_frame_media_id.clone(),
        ..good.clone()
    };
    let e = client.create_honour(&swapped).await.unwrap_err();
    assert!(e.to_string().contains("900×900"), "{e}");
    let unknown = NewHonour {
        medal_media_id: "@nope".into(),
        ..good.clone()
    };
    assert!(client.create_honour(&unknown).await.is_err());
    let id = client.create_honour(&good).await.unwrap();
    // notifying a group the sender is not in: DingTalk refuses, for good
    let (_, cid) = app_in_group(&running);
    let report = client
        .grant_honour(&HonourGrant {
            honor_id: id,
            sender_user_id: hr.userid.clone(),
            granter_name: "HR".into(),
            reason: "r".into(),
            receiver_user_ids: vec![hr.userid.clone()],
            expire_days: None,
            notify_conversation_ids: vec![cid],
            notify_single: false,
        })
        .await
        .unwrap();
    let e = &report.errors[0].1;
    assert_eq!(
        (e.code(), e.kind()),
        ("conversation.wrong", ErrorKind::InvalidParameter)
    );
    assert!(e.is_permanent());
}
