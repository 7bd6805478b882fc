//! Template cards (issue #14 §1) against the simulator, both databases: a template saved with
//! its mapping (bad lines refused with their number) and previewed from the latest award; an
//! award shared as that card into an app-robot group arrives with its variables filled; revoking
//! the award updates the card in place to say 已撤销 and why; the older interactiveCards/send
//! when the settings choose it; a custom-robot group refused before anything is queued.

use std::time::Duration;

use dingtalk::sim::{AppSpec, CardTemplateSpec, GroupSpec};
use medal_core::Role;
use medal_server::with_db;
use reqwest::Client;
use serde_json::Value;

use crate::both;
use crate::helpers::{create_medal, Backend, TestApp};
use crate::share_fixtures::{app_group, sim_app, wait_done, webhook_group};
use crate::shares::{insert_award, insert_staff};
use crate::userids::set_app;

both!(
    template_card_shared_and_updated_on_revoke,
    super::shared_and_revoked
);

async fn save(app: &TestApp, c: &Client, form: &[(&str, &str)]) -> (u16, String) {
    let r = app.post(c, "/sfn/cards/save", form).await;
    (r.status().as_u16(), r.text().await.unwrap())
}

async fn share(app: &TestApp, c: &Client, award: i64, group: &str, style: &str) -> (u16, String) {
    let r = app
        .post(
            c,
            "/sfn/shares/create",
            &[
                ("awards", award.to_string().as_str()),
                ("group_ids[]", group),
                ("options[style]", style),
                ("options[message]", "继续加油"),
            ],
        )
        .await;
    (r.status().as_u16(), r.text().await.unwrap())
}

async fn shared_and_revoked(b: Backend) {
    let (app, sim, config) = sim_app(b).await;
    let owner = app.signed_in(Role::Owner).await;
    let dt = sim.sim.create_app(AppSpec::default());
    set_app(&app, &owner, &dt.app_key, &dt.app_secret).await;
    let t = sim.sim.create_card_template(CardTemplateSpec {
        name: "勋章卡片".into(),
        variables: vec![
            "title".into(),
            "winner".into(),
            "note".into(),
            "status".into(),
        ],
        template_id: None,
    });
    // the mapping is checked line by line
    let (status, body) = save(
        &app,
        &owner,
        &[
            ("form[name]", "勋章卡片"),
            ("form[template_id]", &t.template_id),
            ("form[mapping]", "title = medal_name\nwinner = nobody"),
        ],
    )
    .await;
    assert_eq!(status, 422, "{body}");
    assert!(
        body.contains("第 2 行") && body.contains("nobody"),
        "{body}"
    );
    let mapping = "title = medal_name\nwinner = person\nnote = message\nstatus = status";
    let (status, body) = save(
        &app,
        &owner,
        &[
            ("form[name]", "勋章卡片"),
            ("form[template_id]", &t.template_id),
            ("form[mapping]", mapping),
        ],
    )
    .await;
    assert_eq!(status, 200, "{body}");
    let template: i64 = body.parse().unwrap();

    let admin = app.signed_in(Role::Admin).await;
    let medal = create_medal(&app, &admin, &[("name", "年度之星")]).await;
    let staff = insert_staff(&app, "**王五**", Some("wangwu"), None).await;
    let award = insert_award(&app, medal, staff, "带队交付").await;
    // the preview fills the variables from the latest award
    let list: Value = app
        .post(&owner, "/sfn/cards/list", &[])
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(
        list[0]["preview"][0],
        serde_json::json!(["title", "年度之星"])
    );
    assert_eq!(
        list[0]["preview"][1],
        serde_json::json!(["winner", "**王五**"])
    );
    assert_eq!(list[0]["preview_award"], award);
    let page = app.get(&owner, "/settings").await.text().await.unwrap();
    assert!(page.contains("互动卡片模板") && page.contains("年度之星"));

    // an app-robot group with the robot in it
    let (group, g) = app_group(
        &app,
        &sim,
        &admin,
        &dt.robot_code,
        GroupSpec::named("全员群"),
    )
    .await;
    // a custom-robot group cannot take a template card: refused, nothing queued
    let (hook, _) = webhook_group(&app, &sim, &admin, "研发部").await;
    let style = format!("template:{template}");
    let (status, body) = share(&app, &admin, award, &hook, &style).await;
    assert_eq!(status, 422, "{body}");
    assert!(body.contains("应用机器人"), "{body}");
    let queued: i64 = with_db!(&app.db, p => sqlx::query_scalar::<_, i64>("SELECT COUNT(*) FROM shares").fetch_one(p).await).unwrap();
    assert_eq!(queued, 0);

    medal_server::shares::outbox::spawn(app.db.clone(), &config).unwrap();
    let (status, body) = share(&app, &admin, award, &group.to_string(), &style).await;
    assert_eq!(status, 200, "{body}");
    let counts = wait_done(&app.db, Duration::from_secs(20)).await;
    assert_eq!(counts.get("sent"), Some(&1), "{counts:?}");
    let got = sim.sim.messages(&g.open_conversation_id);
    assert_eq!(got.len(), 1);
    let card = got[0].card.clone().expect("a template card");
    assert_eq!(card.template_id, t.template_id);
    let value = |c: &dingtalk::sim::CardShown, k: &str| {
        c.params
            .iter()
            .find(|(v, _)| v == k)
            .map(|(_, x)| x.clone())
            .unwrap_or_default()
    };
    assert_eq!(
        value(&card, "winner"),
        "**王五**",
        "values go as typed: the card renders them"
    );
    assert_eq!(value(&card, "note"), "继续加油");
    assert_eq!(value(&card, "status"), "有效");

    // revoked: the same card, updated in place
    let r = app
        .post(
            &admin,
            "/sfn/awards/revoke",
            &[("id", &award.to_string()), ("reason", "重复颁发")],
        )
        .await;
    assert_eq!(r.status(), 200);
    let counts = wait_done(&app.db, Duration::from_secs(20)).await;
    assert_eq!(counts.get("sent"), Some(&2), "{counts:?}");
    let got = sim.sim.messages(&g.open_conversation_id);
    assert_eq!(got.len(), 1, "no second card");
    let card = got[0].card.clone().unwrap();
    assert_eq!(card.updates, 1);
    assert_eq!(value(&card, "status"), "已撤销：重复颁发");
    assert_eq!(
        value(&card, "note"),
        "继续加油",
        "the sharer's message stays"
    );
    assert_eq!(sim.sim.stats().requests.get("card/update"), Some(&1));

    // the older API when the settings choose it
    let r = app
        .post(
            &owner,
            "/sfn/settings/save",
            &[("form[card_api]", "interactive")],
        )
        .await;
    assert_eq!(r.status(), 200);
    let second = insert_award(&app, medal, staff, "再接再厉").await;
    let (status, _) = share(&app, &admin, second, &group.to_string(), &style).await;
    assert_eq!(status, 200);
    let counts = wait_done(&app.db, Duration::from_secs(20)).await;
    assert_eq!(counts.get("sent"), Some(&3), "{counts:?}");
    assert_eq!(
        sim.sim.stats().requests.get("interactiveCards/send"),
        Some(&1)
    );
    assert_eq!(sim.sim.messages(&g.open_conversation_id).len(), 2);
    // its update goes by the older API too, even after the settings changed back
    let r = app
        .post(
            &owner,
            "/sfn/settings/save",
            &[("form[card_api]", "deliver")],
        )
        .await;
    assert_eq!(r.status(), 200);
    let r = app
        .post(
            &admin,
            "/sfn/awards/revoke",
            &[("id", &second.to_string()), ("reason", "重复")],
        )
        .await;
    assert_eq!(r.status(), 200);
    let counts = wait_done(&app.db, Duration::from_secs(20)).await;
    assert_eq!(counts.get("sent"), Some(&4), "{counts:?}");
    assert_eq!(
        sim.sim.stats().requests.get("interactiveCards/update"),
        Some(&1)
    );
    let second_card = sim.sim.messages(&g.open_conversation_id)[1]
        .card
        .clone()
        .unwrap();
    assert_eq!(value(&second_card, "status"), "已撤销：重复");
}

both!(template_card_to_the_winner_1on1, super::to_the_winner);

/// 告诉获奖者本人 as a template card: the winner's single chat with the app robot gets the
/// card; revoking updates it there too; a winner without a userId is named, not told.
async fn to_the_winner(b: Backend) {
    let (app, sim, config) = sim_app(b).await;
    let owner = app.signed_in(Role::Owner).await;
    let dt = sim.sim.create_app(AppSpec::default());
    set_app(&app, &owner, &dt.app_key, &dt.app_secret).await;
    let t = sim.sim.create_card_template(CardTemplateSpec {
        name: "获奖通知".into(),
        variables: vec!["title".into(), "status".into()],
        template_id: None,
    });
    let (status, body) = save(
        &app,
        &owner,
        &[
            ("form[name]", "获奖通知"),
            ("form[template_id]", &t.template_id),
            ("form[mapping]", "title = medal_name\nstatus = status"),
        ],
    )
    .await;
    assert_eq!(status, 200, "{body}");
    sim.sim.create_user(dingtalk::sim::UserSpec {
        userid: Some("u7".into()),
        ..dingtalk::sim::UserSpec::new("赵六", "13900000007")
    });
    let s1 = insert_staff(&app, "赵六", Some("u7"), None).await;
    let s2 = insert_staff(&app, "无号", None, None).await;
    let medal = create_medal(&app, &owner, &[("name", "服务之星")]).await;
    medal_server::shares::outbox::spawn(app.db.clone(), &config).unwrap();
    let form = reqwest::multipart::Form::new()
        .text("medal_id", medal.to_string())
        .text("reason", "耐心细致")
        .text("staff", s1.to_string())
        .text("staff", s2.to_string())
        .text("tell", format!("card:{body}"));
    let r = owner
        .post(app.url("/sfn/awards/give"))
        .header("accept", "text/html")
        .header("referer", app.url("/awards/new"))
        .multipart(form)
        .send()
        .await
        .unwrap();
    let to = r.headers()["location"].to_str().unwrap().to_string();
    assert!(to.contains("told=1") && to.contains("untold=1"), "{to}");
    let counts = wait_done(&app.db, Duration::from_secs(20)).await;
    assert_eq!(counts.get("sent"), Some(&1), "{counts:?}");
    let got = sim.sim.direct_messages("u7");
    assert_eq!(got.len(), 1);
    let card = got[0].card.clone().expect("a template card 1:1");
    assert!(card
        .params
        .contains(&("title".to_string(), "服务之星".to_string())));
    let award: i64 = with_db!(&app.db, p => sqlx::query_scalar::<_, i64>("SELECT id FROM awards WHERE staff_id = $1").bind(s1).fetch_one(p).await).unwrap();
    let r = app
        .post(
            &owner,
            "/sfn/awards/revoke",
            &[("id", &award.to_string()), ("reason", "弄错了")],
        )
        .await;
    assert_eq!(r.status(), 200);
    let counts = wait_done(&app.db, Duration::from_secs(20)).await;
    assert_eq!(counts.get("sent"), Some(&2), "{counts:?}");
    let card = sim.sim.direct_messages("u7")[0].card.clone().unwrap();
    assert!(
        card.params
            .contains(&("status".to_string(), "已撤销：弄错了".to_string())),
        "{card:?}"
    );
}
