//! Every server function checks the session and the role itself: without a session it answers
//! 401, with too small a role 403, and in both cases changes nothing. The table below must name
//! every registered server function, so a new one cannot slip through untested.

use std::collections::BTreeSet;

use medal_core::Role;
use reqwest::Client;

use crate::both;
use crate::helpers::{medal_form, spawn_app, Backend, TestApp};

/// Server functions anyone may call (they only touch the caller's own session).
const PUBLIC: &[&str] = &[
    "/sfn/auth/me",
    "/sfn/flash/take",
    "/sfn/auth/login",
    "/sfn/auth/logout",
    "/sfn/auth/setup",
];

/// Every other server function and the least role it needs.
const GUARDED: &[(&str, Role)] = &[
    ("/sfn/dashboard", Role::Viewer),
    ("/sfn/medals/list", Role::Viewer),
    ("/sfn/medals/get", Role::Viewer),
    ("/sfn/medals/save", Role::Admin),
    ("/sfn/medals/archive", Role::Admin),
    ("/sfn/medals/restore", Role::Admin),
];

#[test]
fn the_table_names_every_server_function() {
    let registered: BTreeSet<String> = leptos::server_fn::axum::server_fn_paths()
        .map(|(p, _)| p.to_string())
        .collect();
    let listed: BTreeSet<String> = PUBLIC
        .iter()
        .copied()
        .chain(GUARDED.iter().map(|(p, _)| *p))
        .map(String::from)
        .collect();
    assert_eq!(
        registered, listed,
        "add new server functions to roles.rs with the role they need"
    );
}

async fn call(app: &TestApp, c: &Client, path: &str, medal_id: i64) -> reqwest::Response {
    let id = medal_id.to_string();
    match path {
        "/sfn/medals/save" => {
            app.post_multipart(c, path, medal_form(&[("name", "越权勋章")]))
                .await
        }
        "/sfn/medals/list" => {
            app.post(
                c,
                path,
                &[
                    ("filter[q]", ""),
                    ("filter[tier]", ""),
                    ("filter[kind]", ""),
                    ("filter[status]", "all"),
                ],
            )
            .await
        }
        "/sfn/medals/get" | "/sfn/medals/archive" | "/sfn/medals/restore" => {
            app.post(c, path, &[("id", &id)]).await
        }
        _ => app.post(c, path, &[]).await,
    }
}

async fn snapshot(app: &TestApp) -> (i64, i64, i64) {
    medal_server::with_db!(&app.db, p => sqlx::query_as::<_, (i64, i64, i64)>(
        "SELECT COUNT(*), COUNT(archived_at), (SELECT COUNT(*) FROM audit_entries) FROM medals").fetch_one(p).await).unwrap()
}

async fn every_server_function_checks_the_role(b: Backend) {
    let app = spawn_app(b).await;
    let admin = app.signed_in(Role::Admin).await;
    let r = app
        .post_multipart(&admin, "/sfn/medals/save", medal_form(&[]))
        .await;
    assert_eq!(r.status(), 200);
    let medal_id: i64 = r.json().await.unwrap();
    let anonymous = app.client();
    let viewer = app.signed_in(Role::Viewer).await;
    let awarder = app.signed_in(Role::Awarder).await;
    let owner = app.signed_in(Role::Owner).await;
    let before = snapshot(&app).await;

    for (path, needed) in GUARDED {
        let r = call(&app, &anonymous, path, medal_id).await;
        assert_eq!(r.status(), 401, "{path} without a session");
        for (client, role) in [(&viewer, Role::Viewer), (&awarder, Role::Awarder)] {
            if !role.allows(*needed) {
                let r = call(&app, client, path, medal_id).await;
                assert_eq!(r.status(), 403, "{path} as {role:?}");
                let body: serde_json::Value = r.json().await.unwrap();
                assert_eq!(body, serde_json::json!("Forbidden"), "{path}");
            }
        }
        assert_eq!(
            snapshot(&app).await,
            before,
            "{path}: a refused call changed something"
        );
    }
    // And with enough rights they work (owner includes every role).
    for (path, needed) in GUARDED {
        let who = if *needed == Role::Viewer {
            &viewer
        } else {
            &owner
        };
        let r = call(&app, who, path, medal_id).await;
        assert!(
            r.status().is_success(),
            "{path}: {} {}",
            r.status(),
            r.text().await.unwrap()
        );
    }
    // A disabled admin's session stops working at once.
    app.db
        .execute("UPDATE admins SET disabled = TRUE WHERE username = 'owner-user'")
        .await
        .unwrap();
    assert_eq!(
        call(&app, &owner, "/sfn/medals/list", medal_id)
            .await
            .status(),
        401
    );
}
both!(
    every_server_function_checks_the_role,
    super::every_server_function_checks_the_role
);

async fn plain_form_posts_without_a_session_go_to_login(b: Backend) {
    let app = spawn_app(b).await;
    let c = app.client();
    let r = app
        .post_plain(&c, "/sfn/medals/archive", "/medals/1", &[("id", "1")])
        .await;
    assert_eq!(r.status(), 302);
    assert_eq!(r.headers()["location"], "/login?next=%2Fmedals%2F1");
}
both!(
    plain_form_posts_without_a_session_go_to_login,
    super::plain_form_posts_without_a_session_go_to_login
);
