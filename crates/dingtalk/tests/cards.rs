#![cfg(feature = "sim")]
//! Template cards against the simulator: createAndDeliver into a group and a single chat, the
//! update in place, the older interactiveCards/send (closed to newer apps), and the checks.

mod common;

use std::collections::BTreeMap;

use common::*;
use dingtalk::sim::{AppSpec, CardTemplateSpec, GroupSpec, SimConfig, UserSpec};
use dingtalk::{AppClient, AppCredentials, CardSpace, ErrorKind, TemplateCard};

fn card(template: &str, track: &str, pairs: &[(&str, &str)]) -> TemplateCard {
    TemplateCard {
        template_id: template.into(),
        out_track_id: track.into(),
        params: pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect(),
    }
}

#[tokio::test]
async fn deliver_update_and_the_older_send() {
    let running = start(SimConfig::default()).await;
    let app = running.sim.create_app(AppSpec::default());
    let c = AppClient::new(
        config(&running),
        AppCredentials::new(&app.app_key, &app.app_secret),
    )
    .unwrap();
    let t = running.sim.create_card_template(CardTemplateSpec {
        name: "勋章卡片".into(),
        variables: vec!["medal".into(), "person".into(), "status".into()],
        template_id: None,
    });
    let g = running.sim.create_group(GroupSpec::named("研发部"));
    running
        .sim
        .add_app_robot_to_group(&app.robot_code, &g.open_conversation_id);
    let outside = running.sim.create_group(GroupSpec::named("无机器人"));
    running.sim.create_user(UserSpec {
        userid: Some("u1".into()),
        ..UserSpec::new("张三", "13900000001")
    });
    let first = card(
        &t.template_id,
        "track-1",
        &[
            ("medal", "月度之星"),
            ("person", "张三"),
            ("status", "有效"),
        ],
    );
    let spaces = [
        CardSpace::Group(g.open_conversation_id.clone()),
        CardSpace::Group(outside.open_conversation_id.clone()),
        CardSpace::Robot("u1".into()),
    ];
    let r = c
        .deliver_card(&app.robot_code, &first, &spaces)
        .await
        .unwrap();
    assert_eq!(
        r.iter().map(|d| d.ok).collect::<Vec<_>>(),
        vec![true, false, true],
        "{r:?}"
    );
    assert_eq!(r[1].error, "机器人不在群中");
    let got = running.sim.messages(&g.open_conversation_id);
    assert_eq!(got.len(), 1);
    let shown = got[0].card.clone().unwrap();
    assert_eq!(
        shown.params[0],
        ("medal".to_string(), "月度之星".to_string())
    );
    assert_eq!(running.sim.direct_messages("u1").len(), 1);

    // updated in place: both places show it
    let revoked = BTreeMap::from([("status".to_string(), "已撤销：重复颁发".to_string())]);
    c.update_card("track-1", &revoked).await.unwrap();
    for m in [
        running.sim.messages(&g.open_conversation_id),
        running.sim.direct_messages("u1"),
    ] {
        let shown = m[0].card.clone().unwrap();
        assert_eq!(shown.updates, 1);
        assert!(shown
            .params
            .contains(&("status".to_string(), "已撤销：重复颁发".to_string())));
        assert!(
            shown
                .params
                .contains(&("medal".to_string(), "月度之星".to_string())),
            "the others stay"
        );
    }
    let e = c.update_card("no-such", &revoked).await.unwrap_err();
    assert_eq!(e.kind(), ErrorKind::InvalidParameter);
    // the same outTrackId cannot make a second card
    let e = c
        .deliver_card(&app.robot_code, &first, &spaces[..1])
        .await
        .unwrap_err();
    assert_eq!(e.kind(), ErrorKind::InvalidParameter);

    // limits before calling
    let long = "长".repeat(400);
    let e = c
        .deliver_card(
            &app.robot_code,
            &card(&t.template_id, "t2", &[("medal", &long)]),
            &spaces[..1],
        )
        .await
        .unwrap_err();
    assert_eq!(e.kind(), ErrorKind::InvalidRequest);
    let e = c
        .deliver_card(&app.robot_code, &card("nope", "t3", &[]), &spaces[..1])
        .await
        .unwrap_err();
    assert_eq!(e.kind(), ErrorKind::InvalidParameter, "an unknown template");

    // the older API: into the group; 21 receivers refused before calling
    c.send_interactive_card(
        &app.robot_code,
        &card(&t.template_id, "t4", &[("medal", "全勤")]),
        &spaces[..1],
    )
    .await
    .unwrap();
    assert_eq!(running.sim.messages(&g.open_conversation_id).len(), 2);
    // and its own update in place (PUT /v1.0/im/interactiveCards)
    c.update_interactive_card("t4", &revoked).await.unwrap();
    let shown = running.sim.messages(&g.open_conversation_id)[1]
        .card
        .clone()
        .unwrap();
    assert!(shown
        .params
        .contains(&("status".to_string(), "已撤销：重复颁发".to_string())));
    let many: Vec<CardSpace> = (0..21).map(|i| CardSpace::Robot(format!("x{i}"))).collect();
    let e = c
        .send_interactive_card(&app.robot_code, &card(&t.template_id, "t5", &[]), &many)
        .await
        .unwrap_err();
    assert!(e.to_string().contains("21 receivers"), "{e}");
    let newer = running.sim.create_app(AppSpec {
        new_app: true,
        ..AppSpec::default()
    });
    running
        .sim
        .add_app_robot_to_group(&newer.robot_code, &g.open_conversation_id);
    let c2 = AppClient::new(
        config(&running),
        AppCredentials::new(&newer.app_key, &newer.app_secret),
    )
    .unwrap();
    let e = c2
        .send_interactive_card(
            &newer.robot_code,
            &card(&t.template_id, "t6", &[]),
            &spaces[..1],
        )
        .await
        .unwrap_err();
    assert_eq!(e.http_status(), Some(403), "{e}");

    let page = reqwest::get(format!("{}/", running.base_url()))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        page.contains("互动卡片 · 勋章卡片")
            && page.contains("已撤销：重复颁发")
            && page.contains("已更新")
    );
    let list: serde_json::Value =
        reqwest::get(format!("{}/_control/card-templates", running.base_url()))
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
    assert_eq!(list[0]["template_id"], t.template_id.as_str());
}
