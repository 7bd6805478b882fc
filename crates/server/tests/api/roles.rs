//! Every server function checks the session and the role itself: without a session it answers
//! 401, with too small a role 403, and in both cases changes nothing. The table below must name
//! every registered server function, so a new one cannot slip through untested.

use std::collections::BTreeSet;

use medal_core::Role;
use reqwest::Client;

use crate::both;
use crate::helpers::medal_form;
use crate::helpers::spawn_app;
use crate::helpers::Backend;
use crate::helpers::TestApp;

/// Server functions anyone may call (they only touch the caller's own session).
const PUBLIC: &[&str] = &[
    "/sfn/auth/me",
    "/sfn/flash/take",
    "/sfn/auth/login",
    "/sfn/auth/logout",
    "/sfn/auth/setup",
    "/sfn/awards/public",
];

/// Every other server function and the least role it needs.
const GUARDED: &[(&str, Role)] = &[
    ("/sfn/dashboard", Role::Viewer),
    ("/sfn/medals/list", Role::Viewer),
    ("/sfn/medals/get", Role::Viewer),
    ("/sfn/medals/save", Role::Admin),
    ("/sfn/medals/archive", Role::Admin),
    ("/sfn/medals/restore", Role::Admin),
    ("/sfn/staff/list", Role::Viewer),
    ("/sfn/staff/get", Role::Viewer),
    ("/sfn/staff/save", Role::Admin),
    ("/sfn/staff/deactivate", Role::Admin),
    ("/sfn/staff/reactivate", Role::Admin),
    ("/sfn/staff/import/preview", Role::Admin),
    ("/sfn/staff/import/pending", Role::Admin),
    ("/sfn/staff/import/commit", Role::Admin),
    ("/sfn/staff/import/cancel", Role::Admin),
    ("/sfn/staff/userid/lookup", Role::Admin),
    ("/sfn/staff/userid/overview", Role::Viewer),
    ("/sfn/staff/userid/progress", Role::Viewer),
    ("/sfn/staff/userid/start", Role::Admin),
    ("/sfn/staff/userid/cancel", Role::Admin),
    // attendance (issue #13)
    ("/sfn/attendance/overview", Role::Viewer),
    ("/sfn/attendance/progress", Role::Viewer),
    ("/sfn/attendance/start", Role::Admin),
    ("/sfn/attendance/cancel", Role::Admin),
    ("/sfn/attendance/policy", Role::Admin),
    ("/sfn/awards/list", Role::Viewer),
    ("/sfn/awards/choices", Role::Viewer),
    ("/sfn/awards/give", Role::Awarder),
    ("/sfn/awards/get", Role::Viewer),
    ("/sfn/awards/revoke", Role::Awarder),
    ("/sfn/awards/wall", Role::Viewer),
    ("/sfn/awards/leaderboard", Role::Viewer),
    ("/sfn/awards/stats", Role::Viewer),
    // sharing (issue #5)
    ("/sfn/settings/get", Role::Admin),
    ("/sfn/settings/save", Role::Owner),
    ("/sfn/groups/list", Role::Viewer),
    ("/sfn/groups/get", Role::Viewer),
    ("/sfn/groups/save", Role::Admin),
    ("/sfn/groups/test", Role::Admin),
    ("/sfn/shares/form", Role::Awarder),
    ("/sfn/shares/preview", Role::Awarder),
    ("/sfn/shares/preview_html", Role::Awarder),
    ("/sfn/shares/create", Role::Awarder),
    ("/sfn/shares/list", Role::Viewer),
    ("/sfn/shares/progress", Role::Viewer),
    ("/sfn/shares/get", Role::Viewer),
    ("/sfn/shares/retry", Role::Admin),
    ("/sfn/shares/guard", Role::Viewer),
    ("/sfn/shares/guard/save", Role::Owner),
    ("/sfn/groups/disable", Role::Admin),
    ("/sfn/groups/enable", Role::Admin),
    // card templates (issue #14 §1)
    ("/sfn/cards/list", Role::Viewer),
    ("/sfn/cards/save", Role::Owner),
    ("/sfn/cards/delete", Role::Owner),
    // groups made in DingTalk (issue #14 §3)
    ("/sfn/groups/make_choices", Role::Admin),
    ("/sfn/groups/make", Role::Admin),
    // DingTalk's organisation honours (issue #14 §4)
    ("/sfn/medals/honour", Role::Viewer),
    ("/sfn/medals/publish", Role::Admin),
    ("/sfn/awards/honour", Role::Viewer),
    // admins and the audit log (issue #12)
    ("/sfn/admins/list", Role::Owner),
    ("/sfn/admins/create", Role::Owner),
    ("/sfn/admins/role", Role::Owner),
    ("/sfn/admins/disable", Role::Owner),
    ("/sfn/admins/enable", Role::Owner),
    ("/sfn/admins/reset_password", Role::Owner),
    ("/sfn/audit/list", Role::Admin),
    // automatic medals (issue #13); delete last, the others use the rule save made
    ("/sfn/rules/page", Role::Viewer),
    ("/sfn/rules/save", Role::Admin),
    ("/sfn/rules/get", Role::Viewer),
    ("/sfn/rules/dry_run", Role::Admin),
    ("/sfn/rules/pause", Role::Admin),
    ("/sfn/rules/backfill", Role::Admin),
    ("/sfn/rules/holidays", Role::Admin),
    ("/sfn/rules/events/preview", Role::Admin),
    ("/sfn/rules/events/pending", Role::Admin),
    ("/sfn/rules/events/commit", Role::Admin),
    ("/sfn/rules/events/cancel", Role::Admin),
    ("/sfn/rules/delete", Role::Admin),
    // API tokens (issue #13)
    ("/sfn/tokens/list", Role::Admin),
    ("/sfn/tokens/create", Role::Admin),
    ("/sfn/tokens/revoke", Role::Admin),
    ("/sfn/tokens/api_docs", Role::Viewer),
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

/// Server functions that need DingTalk app credentials to succeed.
const NEED_DINGTALK: &[&str] = &[
    "/sfn/staff/userid/lookup",
    "/sfn/staff/userid/start",
    "/sfn/staff/userid/cancel",
    "/sfn/attendance/start",
    "/sfn/attendance/cancel",
    "/sfn/groups/make",
    "/sfn/medals/publish",
];

async fn call(app: &TestApp, c: &Client, path: &str, medal_id: i64) -> reqwest::Response {
    let id = medal_id.to_string();
    if let Some(r) = crate::shares::call_for_roles(app, c, path).await {
        return r;
    }
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
        "/sfn/medals/publish" => {
            let form = [
                ("id", id.as_str()),
                ("form[name]", "角色"),
                ("form[sender]", "nobody"),
            ];
            app.post(c, path, &form).await
        }
        "/sfn/medals/get"
        | "/sfn/medals/archive"
        | "/sfn/medals/restore"
        | "/sfn/medals/honour" => app.post(c, path, &[("id", &id)]).await,
        "/sfn/staff/list" => {
            app.post(
                c,
                path,
                &[
                    ("filter[q]", ""),
                    ("filter[status]", "all"),
                    ("filter[page]", ""),
                ],
            )
            .await
        }
        "/sfn/staff/get"
        | "/sfn/staff/deactivate"
        | "/sfn/staff/reactivate"
        | "/sfn/staff/userid/lookup" => {
            let staff_id = medal_server::with_db!(&app.db, p => sqlx::query_scalar::<_, i64>(
                "SELECT MIN(id) FROM staff").fetch_one(p).await)
            .unwrap();
            app.post(c, path, &[("id", &staff_id.to_string())]).await
        }
        "/sfn/staff/save" => {
            app.post(
                c,
                path,
                &[
                    ("name", "越权员工"),
                    ("mobile", ""),
                    ("dingtalk_user_id", ""),
                    ("department", ""),
                    ("external_id", ""),
                ],
            )
            .await
        }
        "/sfn/staff/import/preview" => {
            let file = reqwest::multipart::Part::bytes(b"name,external_id\nX,E1\n".to_vec())
                .file_name("staff.csv");
            app.post_multipart(c, path, reqwest::multipart::Form::new().part("file", file))
                .await
        }
        "/sfn/staff/import/commit" => {
            // The token of the caller's kept upload (none when the caller may not see it).
            let pending = app.post(c, "/sfn/staff/import/pending", &[]).await;
            let token = if pending.status().is_success() {
                let v: serde_json::Value = pending.json().await.unwrap();
                v["token"].as_str().unwrap_or_default().to_string()
            } else {
                String::new()
            };
            app.post(c, path, &[("token", &token)]).await
        }
        "/sfn/awards/list" => app.post(c, path, &[("filter[status]", "")]).await,
        "/sfn/awards/give" => {
            // Someone new each time: other calls may already have given this medal to the first.
            let staff_id = medal_server::with_db!(&app.db, p => sqlx::query_scalar::<_, i64>(
                "INSERT INTO staff (name, department, active, created_at, updated_at) \
                 VALUES ('新人', '', TRUE, 0, 0) RETURNING id").fetch_one(p).await)
            .unwrap();
            let form = reqwest::multipart::Form::new()
                .text("medal_id", id.clone())
                .text("reason", "越权颁发")
                .text("staff", staff_id.to_string());
            app.post_multipart(c, path, form).await
        }
        "/sfn/awards/get" | "/sfn/awards/revoke" | "/sfn/awards/honour" => {
            let award_id = medal_server::with_db!(&app.db, p => sqlx::query_scalar::<_, i64>(
                "SELECT COALESCE(MIN(id), 0) FROM awards").fetch_one(p).await)
            .unwrap();
            app.post(
                c,
                path,
                &[("id", &award_id.to_string()), ("reason", "越权撤销")],
            )
            .await
        }
        "/sfn/awards/wall" => {
            let staff_id = medal_server::with_db!(&app.db, p => sqlx::query_scalar::<_, i64>(
                "SELECT MIN(id) FROM staff").fetch_one(p).await)
            .unwrap();
            app.post(c, path, &[("staff_id", &staff_id.to_string())])
                .await
        }
        "/sfn/awards/leaderboard" => app.post(c, path, &[("period", "all")]).await,
        "/sfn/admins/create" => {
            app.post(
                c,
                path,
                &[
                    ("form[username]", "made-by-roles"),
                    ("form[display_name]", ""),
                    ("form[role]", "viewer"),
                    ("form[password]", ""),
                ],
            )
            .await
        }
        "/sfn/admins/role"
        | "/sfn/admins/disable"
        | "/sfn/admins/enable"
        | "/sfn/admins/reset_password" => {
            let target = medal_server::with_db!(&app.db, p => sqlx::query_scalar::<_, i64>(
                "SELECT id FROM admins WHERE username = 'roles-target'").fetch_one(p).await)
            .unwrap();
            app.post(c, path, &[("id", &target.to_string()), ("role", "awarder")])
                .await
        }
        "/sfn/audit/list" => app.post(c, path, &[("filter[actor]", "")]).await,
        "/sfn/rules/save" | "/sfn/rules/dry_run" => {
            let form = [
                ("form[name]", "越权规则"),
                ("form[medal_id]", id.as_str()),
                ("form[metric]", "attendance"),
                ("form[kind]", "streak"),
                ("form[period]", "none"),
                ("form[threshold]", "3"),
            ];
            app.post(c, path, &form).await
        }
        "/sfn/rules/get" | "/sfn/rules/pause" | "/sfn/rules/backfill" | "/sfn/rules/delete" => {
            let rule = medal_server::with_db!(&app.db, p => sqlx::query_scalar::<_, i64>(
                "SELECT COALESCE(MIN(id), 0) FROM rules").fetch_one(p).await)
            .unwrap();
            app.post(c, path, &[("id", &rule.to_string()), ("active", "false")])
                .await
        }
        "/sfn/rules/holidays" => {
            app.post(c, path, &[("holidays", "2026-10-01 国庆节")])
                .await
        }
        "/sfn/attendance/policy" => app.post(c, path, &[("policy", "clocked")]).await,
        "/sfn/tokens/create" => {
            app.post(c, path, &[("name", "越权令牌"), ("scopes[]", "read")])
                .await
        }
        "/sfn/tokens/revoke" => app.post(c, path, &[("id", "1")]).await,
        "/sfn/rules/events/preview" => {
            let file = reqwest::multipart::Part::bytes(
                "工号,指标,日期,数值\nE1,tasks,2026-11-02,1\n"
                    .as_bytes()
                    .to_vec(),
            )
            .file_name("events.csv");
            app.post_multipart(c, path, reqwest::multipart::Form::new().part("file", file))
                .await
        }
        "/sfn/rules/events/commit" => {
            // The token of the caller's kept upload (none when the caller may not see it).
            let pending = app.post(c, "/sfn/rules/events/pending", &[]).await;
            let token = if pending.status().is_success() {
                let v: serde_json::Value = pending.json().await.unwrap();
                v["token"].as_str().unwrap_or_default().to_string()
            } else {
                String::new()
            };
            app.post(c, path, &[("token", &token)]).await
        }
        _ => app.post(c, path, &[]).await,
    }
}

/// Medals, archived medals, audit entries; admins, their session epochs, awarders, disabled.
async fn snapshot(app: &TestApp) -> [i64; 7] {
    let (a, b, c) = medal_server::with_db!(&app.db, p => sqlx::query_as::<_, (i64, i64, i64)>(
        "SELECT COUNT(*), COUNT(archived_at), (SELECT COUNT(*) FROM audit_entries) FROM medals").fetch_one(p).await).unwrap();
    let (d, e, f, g) =
        medal_server::with_db!(&app.db, p => sqlx::query_as::<_, (i64, i64, i64, i64)>(
        "SELECT COUNT(*), CAST(SUM(session_epoch) AS BIGINT), \
         CAST(SUM(CASE WHEN role = 'awarder' THEN 1 ELSE 0 END) AS BIGINT), \
         CAST(SUM(CASE WHEN disabled THEN 1 ELSE 0 END) AS BIGINT) FROM admins").fetch_one(p).await)
        .unwrap();
    [a, b, c, d, e, f, g]
}

async fn every_server_function_checks_the_role(b: Backend) {
    let app = spawn_app(b).await;
    let admin = app.signed_in(Role::Admin).await;
    let r = app
        .post_multipart(&admin, "/sfn/medals/save", medal_form(&[]))
        .await;
    assert_eq!(r.status(), 200);
    let medal_id: i64 = r.json().await.unwrap();
    let r = app
        .post(
            &admin,
            "/sfn/staff/save",
            &[
                ("name", "张三"),
                ("mobile", ""),
                ("dingtalk_user_id", ""),
                ("department", ""),
                ("external_id", ""),
            ],
        )
        .await;
    assert_eq!(r.status(), 200);
    let anonymous = app.client();
    let viewer = app.signed_in(Role::Viewer).await;
    let awarder = app.signed_in(Role::Awarder).await;
    let owner = app.signed_in(Role::Owner).await;
    app.create_admin("roles-target", Role::Viewer).await;
    let before = snapshot(&app).await;

    for (path, needed) in GUARDED {
        let r = call(&app, &anonymous, path, medal_id).await;
        assert_eq!(r.status(), 401, "{path} without a session");
        for (client, role) in [
            (&viewer, Role::Viewer),
            (&awarder, Role::Awarder),
            (&admin, Role::Admin),
        ] {
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
        if NEED_DINGTALK.contains(path) {
            // No app credentials here (userids.rs tests these with the simulator): past the
            // role check, they answer what is missing, not 401/403.
            let status = r.status().as_u16();
            let body = r.text().await.unwrap();
            assert!(status == 422 || status == 409, "{path}: {status} {body}");
            continue;
        }
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
