//! Groups over HTTP: secrets encrypted and masked, foreign hosts refused, test-send with the
//! answer explained, health, disable; a plain (no-JavaScript) form post.

use dingtalk::sim::{GroupSpec, RobotSpec};
use medal_core::Role;
use serde_json::Value;

use crate::both;
use crate::helpers::spawn_app_with;
use crate::helpers::Backend;
use crate::helpers::TestApp;
use crate::share_fixtures::sim_app;

async fn save(app: &TestApp, c: &reqwest::Client, fields: &[(&str, &str)]) -> reqwest::Response {
    let form: Vec<(String, String)> = fields
        .iter()
        .map(|(k, v)| (format!("form[{k}]"), v.to_string()))
        .collect();
    let form: Vec<(&str, &str)> = form.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
    app.post(c, "/sfn/groups/save", &form).await
}

async fn groups_secrets_test_send_and_health(b: Backend) {
    let (app, sim, _config) = sim_app(b).await;
    let g = sim.sim.create_group(GroupSpec::named("研发部"));
    let robot = sim
        .sim
        .create_robot(RobotSpec {
            group: g.open_conversation_id.clone(),
            keywords: vec!["勋章".into()],
            ..RobotSpec::default()
        })
        .unwrap();
    let secret = robot.secret.clone().unwrap();
    let admin = app.signed_in(Role::Admin).await;
    let viewer = app.signed_in(Role::Viewer).await;

    // A foreign host is refused with a clear message; nothing is stored.
    let r = save(
        &app,
        &admin,
        &[
            ("name", "坏群"),
            ("kind", "webhook"),
            (
                "webhook_url",
                "https://evil.example.com/robot/send?access_token=abc",
            ),
        ],
    )
    .await;
    assert_eq!(r.status(), 422);
    let body = r.text().await.unwrap();
    assert!(body.contains("evil.example.com"), "{body}");
    assert!(body.contains("只接受钉钉的 Webhook 地址"), "{body}");

    // The webhook as DingTalk shows it (real host) is accepted.
    let r = save(
        &app,
        &admin,
        &[
            ("name", "研发部"),
            ("kind", "webhook"),
            ("webhook_url", &robot.webhook_url),
            ("sign_secret", &secret),
            ("keywords", "勋章"),
        ],
    )
    .await;
    assert_eq!(r.status(), 200, "{}", r.text().await.unwrap());
    let id: i64 = r.json().await.unwrap();
    let (tok, sec): (Option<String>, Option<String>) = medal_server::with_db!(&app.db, p => sqlx::query_as(
        "SELECT webhook_token_enc, sign_secret_enc FROM share_groups WHERE id = $1").bind(id).fetch_one(p).await).unwrap();
    assert!(tok.unwrap().starts_with("v1:"));
    assert!(
        !sec.clone().unwrap().contains(&secret[3..]),
        "the secret is encrypted at rest"
    );

    // Viewers read groups; secrets are never sent back, only masked.
    let r = app.post(&viewer, "/sfn/groups/list", &[]).await;
    assert_eq!(r.status(), 200);
    let text = r.text().await.unwrap();
    assert!(
        !text.contains(&secret) && !text.contains(&robot.access_token),
        "{text}"
    );
    let list: Value = serde_json::from_str(&text).unwrap();
    let masked = list[0]["secret_masked"].as_str().unwrap();
    assert!(
        masked.starts_with("SEC") && masked.contains("••••••"),
        "{masked}"
    );
    assert_eq!(list[0]["keywords"], serde_json::json!(["勋章"]));
    // …nor in the page.
    let html = app
        .get(&admin, &format!("/groups/{id}"))
        .await
        .text()
        .await
        .unwrap();
    assert!(!html.contains(&secret) && !html.contains(&robot.access_token));

    // Test-send: the card arrives (with the keyword), health becomes ok.
    let r = app
        .post(&admin, "/sfn/groups/test", &[("id", &id.to_string())])
        .await;
    let t: Value = r.json().await.unwrap();
    assert_eq!(t["ok"], true, "{t}");
    assert_eq!(sim.sim.messages(&g.open_conversation_id).len(), 1);
    let gj: Value = app
        .post(&admin, "/sfn/groups/get", &[("id", &id.to_string())])
        .await
        .json()
        .await
        .unwrap();
    assert!(
        gj["health"]["last_ok_at"].is_i64() && gj["health"]["error"].is_null(),
        "{gj}"
    );

    // Editing with empty secret fields keeps them; a disabled robot is explained.
    let r = save(
        &app,
        &admin,
        &[
            ("id", &id.to_string()),
            ("name", "研发部群"),
            ("kind", "webhook"),
            ("keywords", "勋章"),
        ],
    )
    .await;
    assert_eq!(r.status(), 200);
    sim.sim.set_robot_enabled(&robot.access_token, false);
    let t: Value = app
        .post(&admin, "/sfn/groups/test", &[("id", &id.to_string())])
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(t["ok"], false);
    assert!(
        t["message"]["zh"].as_str().unwrap().contains("400102"),
        "{t}"
    );
    assert!(
        t["message"]["en"]
            .as_str()
            .unwrap()
            .to_lowercase()
            .contains("disabled"),
        "{t}"
    );
    let gj: Value = app
        .post(&viewer, "/sfn/groups/get", &[("id", &id.to_string())])
        .await
        .json()
        .await
        .unwrap();
    assert!(gj["health"]["error"]["zh"].is_string(), "{gj}");
    sim.sim.set_robot_enabled(&robot.access_token, true);
    let t: Value = app
        .post(&admin, "/sfn/groups/test", &[("id", &id.to_string())])
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(t["ok"], true, "the kept token and secret still work: {t}");

    // Disable / enable, audited.
    assert_eq!(
        app.post(&admin, "/sfn/groups/disable", &[("id", &id.to_string())])
            .await
            .status(),
        200
    );
    let gj: Value = app
        .post(&viewer, "/sfn/groups/get", &[("id", &id.to_string())])
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(gj["disabled"], true);
    let audits: i64 = medal_server::with_db!(&app.db, p => sqlx::query_scalar::<_, i64>(
        "SELECT COUNT(*) FROM audit_entries WHERE object_type = 'share_group'").fetch_one(p).await)
    .unwrap();
    assert!(audits >= 5, "{audits}");
    let leaked: i64 = medal_server::with_db!(&app.db, p => sqlx::query_scalar::<_, i64>(
        "SELECT COUNT(*) FROM audit_entries WHERE after_json LIKE $1 OR before_json LIKE $1").bind(format!("%{}%", &secret[3..])).fetch_one(p).await).unwrap();
    assert_eq!(leaked, 0, "no secret in the audit trail");

    // App-robot group by openConversationId.
    let r = save(
        &app,
        &admin,
        &[
            ("name", "应用群"),
            ("kind", "app"),
            ("open_conversation_id", "cid123"),
        ],
    )
    .await;
    assert_eq!(r.status(), 200);
}
both!(
    groups_secrets_test_send_and_health,
    super::groups_secrets_test_send_and_health
);

/// Without JavaScript, a refused form comes back to the page with the message and the values.
async fn plain_group_form_errors_come_back(b: Backend) {
    let app = spawn_app_with(b, |_| {}).await;
    let admin = app.signed_in(Role::Admin).await;
    let r = app
        .post_plain(
            &admin,
            "/sfn/groups/save",
            "/groups/new",
            &[
                ("form[name]", "外部群"),
                ("form[kind]", "webhook"),
                (
                    "form[webhook_url]",
                    "https://hooks.example.org/x?access_token=1",
                ),
            ],
        )
        .await;
    assert_eq!(r.status(), 302);
    let back = r.headers()["location"].to_str().unwrap().to_string();
    let back = back.strip_prefix(&app.addr).unwrap_or(&back).to_string();
    assert!(back.starts_with("/groups/new"), "{back}");
    let html = app.get(&admin, &back).await.text().await.unwrap();
    assert!(
        html.contains("hooks.example.org"),
        "the error names the host"
    );
    assert!(html.contains("外部群"), "the typed name is kept");
    let n: i64 = medal_server::with_db!(&app.db, p => sqlx::query_scalar::<_, i64>("SELECT COUNT(*) FROM share_groups").fetch_one(p).await).unwrap();
    assert_eq!(n, 0);
}
both!(
    plain_group_form_errors_come_back,
    super::plain_group_form_errors_come_back
);

/// Settings: the AppSecret is encrypted and masked, an empty field keeps it.
async fn settings_keep_secrets(b: Backend) {
    let app = spawn_app_with(b, |_| {}).await;
    let admin = app.signed_in(Role::Owner).await;
    let form = |secret: &'static str| {
        vec![
            ("form[org_name]", "示例科技"),
            ("form[public_base_url]", "https://medals.example.com/"),
            ("form[app_key]", "dingkey"),
            ("form[app_secret]", secret),
            ("form[robot_code]", "dingrobot"),
        ]
    };
    assert_eq!(
        app.post(&admin, "/sfn/settings/save", &form("appsecret-0123456789"))
            .await
            .status(),
        200
    );
    assert_eq!(
        app.post(&admin, "/sfn/settings/save", &form(""))
            .await
            .status(),
        200
    );
    let v: Value = app
        .post(&admin, "/sfn/settings/get", &[])
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(v["org_name"], "示例科技");
    assert_eq!(v["public_base_url"], "https://medals.example.com");
    assert_eq!(v["app_secret_masked"], "app••••••89");
    let stored: String = medal_server::with_db!(&app.db, p => sqlx::query_scalar::<_, String>(
        "SELECT value FROM settings WHERE key = 'dingtalk_app_secret_enc'").fetch_one(p).await)
    .unwrap();
    assert!(stored.starts_with("v1:") && !stored.contains("0123456789"));
    // The settings form (it says it carries every field) empties the name and the URL; a post
    // without them keeps them. The AppSecret stays either way.
    let save = |fields: Vec<(&'static str, &'static str)>| {
        let (app, admin) = (&app, &admin);
        async move {
            app.post(admin, "/sfn/settings/save", &fields)
                .await
                .status()
        }
    };
    let get = || async {
        let r = app.post(&admin, "/sfn/settings/get", &[]).await;
        r.json::<Value>().await.unwrap()
    };
    assert_eq!(save(vec![("form[app_key]", "dingkey")]).await, 200);
    let v = get().await;
    assert_eq!(v["org_name"], "示例科技", "kept: {v}");
    let mut whole = form("");
    whole[0].1 = "";
    whole[1].1 = "";
    whole.push(("form[fields_set]", "true"));
    assert_eq!(save(whole).await, 200);
    let v = get().await;
    let cleared = (v["org_name"].as_str(), v["public_base_url"].as_str());
    assert_eq!(cleared, (Some(""), Some("")), "{v}");
    assert_eq!(v["app_secret_masked"], "app••••••89");
    let r = app
        .post(
            &admin,
            "/sfn/settings/save",
            &[("form[public_base_url]", "ftp://x")],
        )
        .await;
    assert_eq!(r.status(), 422);
}
both!(settings_keep_secrets, super::settings_keep_secrets);
