//! After sends fail in every way that used to leak (connection refused and timeouts, whose
//! client errors print the request URL with the webhook's access token, timestamp and
//! signature), no secret appears anywhere a person or a log reader can see it: not on any page,
//! not in any server-function answer, not in the log of the real `medals serve`, not in the
//! database in plain text.

use std::time::{Duration, Instant};

use medal_core::Role;
use medal_server::infra::Db;
use medal_server::with_db;
use sqlx::{Column, Row};

use crate::both;
use crate::helpers::fresh_database_url;
use crate::helpers::Backend;
use crate::helpers::Process;
use crate::helpers::PASSWORD;
use crate::security::every_page;
use crate::security::server_fns;

const TOKEN: &str = "f00dcafe0123456789abcdef0123456789abcdef0123456789abcdef01234567";
const SIGN_SECRET: &str = "SECd00d1e0123456789abcdef0123456789abcdef0123456789abcdef0123";
const APP_SECRET: &str = "AppSecretNeverShown0123456789";

/// Every text value of every table, with where it was.
async fn all_text(db: &Db) -> Vec<(String, String)> {
    let tables: Vec<String> = match db {
        Db::Sqlite(p) => sqlx::query_scalar("SELECT name FROM sqlite_master WHERE type = 'table'")
            .fetch_all(p)
            .await
            .unwrap(),
        Db::Postgres(p) => {
            sqlx::query_scalar("SELECT tablename::text FROM pg_tables WHERE schemaname = 'public'")
                .fetch_all(p)
                .await
                .unwrap()
        }
    };
    let mut out = Vec::new();
    for t in tables {
        let sql = format!("SELECT * FROM \"{t}\"");
        macro_rules! scan {
            ($p:expr) => {{
                for row in sqlx::query(&sql).fetch_all($p).await.unwrap() {
                    for (i, col) in row.columns().iter().enumerate() {
                        if let Ok(Some(v)) = row.try_get::<Option<String>, _>(i) {
                            out.push((format!("{t}.{}", col.name()), v));
                        }
                        if let Ok(Some(v)) = row.try_get::<Option<Vec<u8>>, _>(i) {
                            out.push((
                                format!("{t}.{}", col.name()),
                                String::from_utf8_lossy(&v).to_string(),
                            ));
                        }
                    }
                }
            }};
        }
        match db {
            Db::Sqlite(p) => scan!(p),
            Db::Postgres(p) => scan!(p),
        }
    }
    out
}

/// What must not be in `text`: a secret, or a signature and timestamp of a signed call.
fn leaks(text: &str) -> Option<&'static str> {
    for (secret, name) in [
        (TOKEN, "the webhook token"),
        (SIGN_SECRET, "the signing secret"),
        (APP_SECRET, "the AppSecret"),
    ] {
        if text.contains(secret) {
            return Some(name);
        }
    }
    for marker in [
        "access_token=f",
        "&sign=",
        "?sign=",
        "&timestamp=1",
        "appSecret\":\"A",
    ] {
        if text.contains(marker) {
            return Some("a signed request's query");
        }
    }
    None
}

fn assert_no_leak(text: &str, whence: &str) {
    if let Some(what) = leaks(text) {
        panic!("{whence} shows {what}:\n{text}");
    }
}

async fn no_secret_survives_a_failed_send(b: Backend) {
    let dir = tempfile::tempdir().unwrap();
    let url = fresh_database_url(b, &dir).await;
    let db = Db::connect(&url).await.unwrap();
    medal_server::session::auth::create_admin(&db, "owner1", PASSWORD, Role::Owner)
        .await
        .unwrap();
    medal_server::session::auth::create_admin(&db, "viewer1", PASSWORD, Role::Viewer)
        .await
        .unwrap();
    // DingTalk "is" a port where nothing listens: every call fails to connect, and reqwest's
    // error names the URL it tried.
    let closed = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let dead = format!("http://127.0.0.1:{closed}/dt");
    let env = [
        ("MEDALS_DINGTALK_OAPI_BASE", dead.clone()),
        ("MEDALS_DINGTALK_API_BASE", dead.clone()),
        ("MEDALS_OUTBOX_POLL_MS", "50".into()),
        ("MEDALS_OUTBOX_BACKOFF_MS", "20".into()),
        ("MEDALS_OUTBOX_BACKOFF_MAX_MS", "50".into()),
        ("MEDALS_OUTBOX_MAX_ATTEMPTS", "3".into()),
        ("MEDALS_DINGTALK_TIMEOUT_MS", "500".into()),
        ("MEDALS_LOG", "debug".into()),
    ];
    let process = Process::start(&url, db.clone(), dir, &env).await;
    let app = &process.app;
    let owner = app.client();
    assert_eq!(app.login(&owner, "owner1", PASSWORD).await.status(), 200);
    let viewer = app.client();
    assert_eq!(app.login(&viewer, "viewer1", PASSWORD).await.status(), 200);

    // The app's credentials, a signed webhook robot and an app-robot group.
    let r = app
        .post(
            &owner,
            "/sfn/settings/save",
            &[
                ("form[app_key]", "dingkey1"),
                ("form[app_secret]", APP_SECRET),
                ("form[robot_code]", "dingrobot1"),
            ],
        )
        .await;
    assert_eq!(r.status(), 200, "{:?}", r.text().await);
    let webhook = format!("{dead}/robot/send?access_token={TOKEN}");
    let r = app
        .post(
            &owner,
            "/sfn/groups/save",
            &[
                ("form[name]", "签名群"),
                ("form[kind]", "webhook"),
                ("form[webhook_url]", &webhook),
                ("form[sign_secret]", SIGN_SECRET),
            ],
        )
        .await;
    assert_eq!(r.status(), 200, "{:?}", r.text().await);
    let g1: i64 = r.json().await.unwrap();
    let r = app
        .post(
            &owner,
            "/sfn/groups/save",
            &[
                ("form[name]", "应用群"),
                ("form[kind]", "app"),
                ("form[open_conversation_id]", "cid123"),
            ],
        )
        .await;
    let g2: i64 = r.json().await.unwrap();
    // Test sends fail, and say so (without the URL).
    for g in [g1, g2] {
        let r = app
            .post(&owner, "/sfn/groups/test", &[("id", &g.to_string())])
            .await;
        let text = r.text().await.unwrap();
        assert!(text.contains("\"ok\":false"), "{text}");
        assert_no_leak(&text, "the test-send answer");
    }
    // A medal, a person, an award, shared to both groups: the outbox fails and gives up.
    let medal: i64 = app
        .post_multipart(&owner, "/sfn/medals/save", crate::helpers::medal_form(&[]))
        .await
        .json()
        .await
        .unwrap();
    let staff: i64 = app
        .post(
            &owner,
            "/sfn/staff/save",
            &[
                ("name", "张三"),
                ("mobile", ""),
                ("dingtalk_user_id", "zs1"),
                ("department", ""),
                ("external_id", ""),
            ],
        )
        .await
        .json()
        .await
        .unwrap();
    let form = reqwest::multipart::Form::new()
        .text("medal_id", medal.to_string())
        .text("reason", "表现突出")
        .text("staff", staff.to_string());
    let given: serde_json::Value = app
        .post_multipart(&owner, "/sfn/awards/give", form)
        .await
        .json()
        .await
        .unwrap();
    let award = given["single_id"].as_i64().unwrap().to_string();
    let r = app
        .post(
            &owner,
            "/sfn/shares/create",
            &[
                ("awards", award.as_str()),
                ("group_ids[]", &g1.to_string()),
                ("group_ids[]", &g2.to_string()),
                ("options[message]", "恭喜"),
            ],
        )
        .await;
    assert_eq!(r.status(), 200, "{:?}", r.text().await);
    let t = Instant::now();
    loop {
        let open: i64 = with_db!(&db, p => sqlx::query_scalar::<_, i64>(
            "SELECT COUNT(*) FROM shares WHERE status IN ('queued', 'sending')").fetch_one(p).await)
        .unwrap();
        if open == 0 {
            break;
        }
        assert!(t.elapsed() < Duration::from_secs(60), "shares still open");
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    let errors: Vec<String> = with_db!(&db, p => sqlx::query_scalar::<_, String>(
        "SELECT last_error_message FROM shares WHERE last_error_message IS NOT NULL").fetch_all(p).await)
    .unwrap();
    assert_eq!(errors.len(), 2, "both sends failed and kept their error");
    assert!(
        errors
            .iter()
            .any(|e| e.contains("/dt/robot/send: ") && e.contains("Connection refused")),
        "the error still says where and what: {errors:?}"
    );

    // Pages, as the viewer and as the owner.
    let share: i64 = with_db!(&db, p => sqlx::query_scalar::<_, i64>("SELECT MIN(id) FROM shares").fetch_one(p).await).unwrap();
    for c in [&viewer, &owner] {
        for (path, r) in
            every_page(app, c, &[(":id", g1.to_string()), (":token", "x".into())]).await
        {
            assert_no_leak(&r.text().await.unwrap(), &path);
        }
        for path in [
            format!("/shares/{share}"),
            format!("/shares/{}", share + 1),
            format!("/groups/{g2}"),
            "/shares".into(),
            "/groups".into(),
            "/settings".into(),
        ] {
            assert_no_leak(&app.get(c, &path).await.text().await.unwrap(), &path);
        }
    }
    // Every server function's answer to the owner (reading ones with the ids they take).
    for path in server_fns() {
        if path.ends_with("/logout") {
            continue;
        }
        for body in [
            vec![("id", g1.to_string())],
            vec![("id", share.to_string())],
            vec![("awards", award.clone())],
            vec![],
        ] {
            let form: Vec<(&str, &str)> = body.iter().map(|(k, v)| (*k, v.as_str())).collect();
            let text = app.post(&owner, &path, &form).await.text().await.unwrap();
            assert_no_leak(&text, &format!("{path} {form:?}"));
        }
    }
    // The database, as text (secrets are stored encrypted).
    for (col, v) in all_text(&db).await {
        assert_no_leak(&v, &col);
    }
    // The log of the real server.
    let logged = process.stop();
    assert!(
        logged.contains("local.connect")
            || logged.contains("Connection refused")
            || logged.contains("connect"),
        "the failures were logged:\n{logged}"
    );
    for line in logged.lines() {
        assert_no_leak(line, "the log");
    }
}
both!(
    no_secret_survives_a_failed_send,
    super::no_secret_survives_a_failed_send
);
