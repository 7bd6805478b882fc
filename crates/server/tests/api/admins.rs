//! The admins page (issue #12): owners add admins, change roles, disable / enable, reset
//! passwords; changes take effect on the next request, ended sessions stay ended, the last
//! active owner stays, and every change is audited without a password in sight.

use medal_core::Role;
use medal_server::with_db;
use reqwest::Client;
use serde_json::Value;

use crate::both;
use crate::helpers::spawn_app;
use crate::helpers::Backend;
use crate::helpers::TestApp;

async fn json(r: reqwest::Response) -> (u16, Value) {
    let status = r.status().as_u16();
    let text = r.text().await.unwrap();
    (status, serde_json::from_str(&text).unwrap_or(Value::Null))
}

async fn create(
    app: &TestApp,
    owner: &Client,
    username: &str,
    role: &str,
    pw: &str,
) -> (u16, Value) {
    json(
        app.post(
            owner,
            "/sfn/admins/create",
            &[
                ("form[username]", username),
                ("form[display_name]", "李 HR"),
                ("form[role]", role),
                ("form[password]", pw),
            ],
        )
        .await,
    )
    .await
}

async fn me(app: &TestApp, c: &Client) -> Value {
    json(app.post(c, "/sfn/auth/me", &[]).await).await.1
}

async fn id_of(app: &TestApp, username: &str) -> String {
    with_db!(&app.db, p => sqlx::query_scalar::<_, i64>("SELECT id FROM admins WHERE username = $1")
        .bind(username).fetch_one(p).await)
    .unwrap()
    .to_string()
}

/// A fresh client signed in as `username`; asserts the sign-in worked.
async fn sign_in(app: &TestApp, username: &str, password: &str) -> Client {
    let c = app.client();
    let r = app.login(&c, username, password).await;
    assert_eq!(r.status(), 200, "{username}: {}", r.text().await.unwrap());
    c
}

async fn owner_manages_admins(b: Backend) {
    let app = spawn_app(b).await;
    let owner = app.signed_in(Role::Owner).await;

    // A generated password is returned (shown once) and works.
    let (status, issued) = create(&app, &owner, " HR.Li ", "viewer", "").await;
    assert_eq!(status, 200, "{issued}");
    assert_eq!(issued["username"], "hr.li");
    let password = issued["password"].as_str().unwrap().to_string();
    assert_eq!(password.chars().count(), 16);
    let li = sign_in(&app, "hr.li", &password).await;
    assert_eq!(me(&app, &li).await["role"], "Viewer");
    let (_, list) = json(app.post(&owner, "/sfn/admins/list", &[]).await).await;
    let row = list
        .as_array()
        .unwrap()
        .iter()
        .find(|a| a["username"] == "hr.li")
        .unwrap()
        .clone();
    assert_eq!(row["display_name"], "李 HR");
    assert!(row["last_login_at"].as_i64().unwrap() > 0, "{row}");
    assert!(row.get("password_hash").is_none());

    // A typed password is taken, not echoed; names are checked.
    let (status, typed) = create(&app, &owner, "hr.wang", "awarder", "typed password 1").await;
    assert_eq!(status, 200);
    assert_eq!(typed["password"], "");
    sign_in(&app, "hr.wang", "typed password 1").await;
    for (name, pw, field) in [
        ("x", "", "username"),
        ("hr.li", "", "username"),
        ("hr.zhao", "short", "password"),
    ] {
        let (status, v) = create(&app, &owner, name, "viewer", pw).await;
        assert_eq!(status, 422, "{name}: {v}");
        assert!(v["Validation"][field].is_array(), "{name}: {v}");
    }
    let (status, v) = create(&app, &owner, "hr.zhao", "emperor", "").await;
    assert_eq!(
        (status, v["Validation"]["role"].is_array()),
        (422, true),
        "{v}"
    );

    // A role change takes effect on the next request.
    let li_id = id_of(&app, "hr.li").await;
    assert_eq!(
        app.post(&li, "/sfn/audit/list", &[("filter[actor]", "")])
            .await
            .status(),
        403
    );
    let r = app
        .post(
            &owner,
            "/sfn/admins/role",
            &[("id", li_id.as_str()), ("role", "admin")],
        )
        .await;
    assert_eq!(r.status(), 200);
    assert_eq!(me(&app, &li).await["role"], "Admin");
    assert_eq!(
        app.post(&li, "/sfn/audit/list", &[("filter[actor]", "")])
            .await
            .status(),
        200
    );

    // Disabled: the open session ends and sign-in is refused; enabled again, the old session
    // stays ended but the password works.
    let r = app
        .post(&owner, "/sfn/admins/disable", &[("id", li_id.as_str())])
        .await;
    assert_eq!(r.status(), 200);
    assert!(me(&app, &li).await.is_null());
    // and its pages go to the login page, rendering nothing of the app
    for path in ["/", "/medals", "/staff", "/awards"] {
        let page = app.get(&li, path).await;
        assert_eq!(page.status(), 303, "{path} for a disabled admin");
        let to = page.headers()["location"].to_str().unwrap().to_string();
        assert!(to.starts_with("/login?next="), "{path} → {to}");
        assert!(
            !page.text().await.unwrap().contains("勋章馆"),
            "{path} rendered"
        );
    }
    assert_eq!(
        app.post(&li, "/sfn/audit/list", &[("filter[actor]", "")])
            .await
            .status(),
        401
    );
    assert_eq!(
        app.login(&app.client(), "hr.li", &password).await.status(),
        422
    );
    let r = app
        .post(&owner, "/sfn/admins/enable", &[("id", li_id.as_str())])
        .await;
    assert_eq!(r.status(), 200);
    assert!(
        me(&app, &li).await.is_null(),
        "a disabled admin's old session came back"
    );
    let li = sign_in(&app, "hr.li", &password).await;

    // Reset: the old password and every old session stop working, the new password works.
    let li2 = sign_in(&app, "hr.li", &password).await;
    let (status, reset) = json(
        app.post(
            &owner,
            "/sfn/admins/reset_password",
            &[("id", li_id.as_str())],
        )
        .await,
    )
    .await;
    assert_eq!(status, 200, "{reset}");
    let new_password = reset["password"].as_str().unwrap().to_string();
    assert_ne!(new_password, password);
    assert!(me(&app, &li).await.is_null());
    assert!(me(&app, &li2).await.is_null());
    assert_eq!(
        app.get(&li2, "/medals").await.status(),
        303,
        "an old session's page"
    );
    assert_eq!(
        app.login(&app.client(), "hr.li", &password).await.status(),
        422
    );
    let li = sign_in(&app, "hr.li", &new_password).await;
    assert_eq!(me(&app, &li).await["username"], "hr.li");
    // an owner resetting their own password stays signed in here
    let own = id_of(&app, "owner-user").await;
    let r = app
        .post(
            &owner,
            "/sfn/admins/reset_password",
            &[("id", own.as_str())],
        )
        .await;
    assert_eq!(r.status(), 200);
    assert_eq!(me(&app, &owner).await["username"], "owner-user");

    // Without JavaScript: the form post comes back to /admins, which shows the password once.
    let r = app
        .post_plain(
            &owner,
            "/sfn/admins/create",
            "/admins",
            &[
                ("form[username]", "hr.plain"),
                ("form[display_name]", ""),
                ("form[role]", "viewer"),
                ("form[password]", ""),
            ],
        )
        .await;
    assert_eq!(r.status(), 302);
    assert_eq!(r.headers()["location"], "/admins");
    let page = app.get(&owner, "/admins").await.text().await.unwrap();
    let shown = page
        .split("<code class=\"password\">")
        .nth(1)
        .and_then(|s| s.split('<').next())
        .expect("the password is on the page")
        .to_string();
    sign_in(&app, "hr.plain", &shown).await;
    let again = app.get(&owner, "/admins").await.text().await.unwrap();
    assert!(!again.contains(&shown), "the password was shown twice");
    assert!(again.contains("hr.plain") && again.contains("李 HR"));

    // Every change is in the audit trail, with no password or hash.
    let rows = with_db!(&app.db, p => sqlx::query_as::<_, (String, Option<String>, Option<String>)>(
        "SELECT action, before_json, after_json FROM audit_entries WHERE object_type = 'admin' ORDER BY id")
        .fetch_all(p).await)
    .unwrap();
    let actions: Vec<&str> = rows.iter().map(|r| r.0.as_str()).collect();
    assert_eq!(
        actions,
        [
            "admin.create",
            "admin.create",
            "admin.role",
            "admin.disable",
            "admin.enable",
            "admin.password_reset",
            "admin.password_reset",
            "admin.create",
        ]
    );
    let role: Value = serde_json::from_str(rows[2].2.as_deref().unwrap()).unwrap();
    assert_eq!(role["role"], "admin");
    let before: Value = serde_json::from_str(rows[2].1.as_deref().unwrap()).unwrap();
    assert_eq!(before["role"], "viewer");
    for (_, b, a) in &rows {
        let text = format!("{b:?}{a:?}");
        for secret in [
            &password,
            &new_password,
            &shown,
            "typed password 1",
            "$argon2",
        ] {
            assert!(!text.contains(secret), "{text}");
        }
    }
}
both!(owner_manages_admins, super::owner_manages_admins);

async fn the_last_owner_stays(b: Backend) {
    let app = spawn_app(b).await;
    let owner = app.signed_in(Role::Owner).await;
    let me_id = id_of(&app, "owner-user").await;
    let refused = |r: (u16, Value)| {
        assert_eq!(r.0, 409, "{}", r.1);
        assert!(
            r.1["Conflict"]["zh"].as_str().unwrap().contains("最后一位"),
            "{}",
            r.1
        );
        assert!(
            r.1["Conflict"]["en"]
                .as_str()
                .unwrap()
                .contains("last active owner"),
            "{}",
            r.1
        );
    };
    // alone: neither demote nor disable yourself
    refused(
        json(
            app.post(
                &owner,
                "/sfn/admins/role",
                &[("id", me_id.as_str()), ("role", "admin")],
            )
            .await,
        )
        .await,
    );
    refused(
        json(
            app.post(&owner, "/sfn/admins/disable", &[("id", me_id.as_str())])
                .await,
        )
        .await,
    );
    assert_eq!(me(&app, &owner).await["role"], "Owner");
    // with a second owner, one may go; a disabled owner does not count
    let (status, v) = create(&app, &owner, "second", "owner", "").await;
    assert_eq!(status, 200, "{v}");
    let second_id = id_of(&app, "second").await;
    let second_pw = v["password"].as_str().unwrap().to_string();
    let second = sign_in(&app, "second", &second_pw).await;
    let r = app
        .post(
            &second,
            "/sfn/admins/disable",
            &[("id", second_id.as_str())],
        )
        .await;
    assert_eq!(
        r.status(),
        200,
        "disabling yourself is allowed while another owner remains"
    );
    refused(
        json(
            app.post(
                &owner,
                "/sfn/admins/role",
                &[("id", me_id.as_str()), ("role", "viewer")],
            )
            .await,
        )
        .await,
    );
    app.post(&owner, "/sfn/admins/enable", &[("id", second_id.as_str())])
        .await;
    let r = app
        .post(
            &owner,
            "/sfn/admins/role",
            &[("id", me_id.as_str()), ("role", "admin")],
        )
        .await;
    assert_eq!(r.status(), 200);
    // the demoted owner can no longer touch admins; "second" is the last owner
    assert_eq!(
        app.post(&owner, "/sfn/admins/list", &[]).await.status(),
        403
    );
    assert!(
        me(&app, &second).await.is_null(),
        "the disabled owner's session ended"
    );
    let second = sign_in(&app, "second", &second_pw).await;
    refused(
        json(
            app.post(
                &second,
                "/sfn/admins/role",
                &[("id", second_id.as_str()), ("role", "admin")],
            )
            .await,
        )
        .await,
    );
    refused(
        json(
            app.post(
                &second,
                "/sfn/admins/disable",
                &[("id", second_id.as_str())],
            )
            .await,
        )
        .await,
    );
    let owners = with_db!(&app.db, p => sqlx::query_scalar::<_, i64>(
        "SELECT COUNT(*) FROM admins WHERE role = 'owner' AND disabled = FALSE").fetch_one(p).await)
    .unwrap();
    assert_eq!(owners, 1);
    // an unknown admin is 404, not "last owner"
    assert_eq!(
        app.post(&second, "/sfn/admins/disable", &[("id", "999999")])
            .await
            .status(),
        404
    );
}
both!(the_last_owner_stays, super::the_last_owner_stays);

async fn pages_and_nav_follow_the_role(b: Backend) {
    let app = spawn_app(b).await;
    let owner = app.signed_in(Role::Owner).await;
    let admin = app.signed_in(Role::Admin).await;
    let awarder = app.signed_in(Role::Awarder).await;
    let viewer = app.signed_in(Role::Viewer).await;
    let nav = |html: &str, href: &str| html.contains(&format!("href=\"{href}\""));
    let home = app.get(&owner, "/").await.text().await.unwrap();
    assert!(nav(&home, "/admins") && nav(&home, "/audit") && nav(&home, "/settings"));
    let home = app.get(&admin, "/").await.text().await.unwrap();
    assert!(!nav(&home, "/admins") && nav(&home, "/audit") && nav(&home, "/settings"));
    for c in [&awarder, &viewer] {
        let home = app.get(c, "/").await.text().await.unwrap();
        assert!(!nav(&home, "/admins") && !nav(&home, "/audit") && !nav(&home, "/settings"));
    }
    assert_eq!(app.get(&owner, "/admins").await.status(), 200);
    for c in [&admin, &awarder, &viewer] {
        let r = app.get(c, "/admins").await;
        assert_eq!(r.status(), 403);
        assert!(!r.text().await.unwrap().contains("owner-user"));
    }
    for (c, status) in [
        (&owner, 200),
        (&admin, 200),
        (&awarder, 403),
        (&viewer, 403),
    ] {
        assert_eq!(app.get(c, "/audit").await.status(), status);
        assert_eq!(
            c.get(app.url("/audit.csv")).send().await.unwrap().status(),
            status
        );
    }
    // settings: admins read them (no form), owners change them
    let page = app.get(&admin, "/settings").await.text().await.unwrap();
    assert!(page.contains("只有所有者可以修改设置") && !page.contains("form[org_name]"));
    let page = app.get(&owner, "/settings").await.text().await.unwrap();
    assert!(page.contains("form[org_name]"));
    let save = [("form[org_name]", "示例")];
    assert_eq!(
        app.post(&admin, "/sfn/settings/save", &save).await.status(),
        403
    );
    assert_eq!(
        app.post(&owner, "/sfn/settings/save", &save).await.status(),
        200
    );
    assert_eq!(
        app.post(&admin, "/sfn/settings/get", &[]).await.status(),
        200
    );
}
both!(
    pages_and_nav_follow_the_role,
    super::pages_and_nav_follow_the_role
);
