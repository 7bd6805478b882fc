//! `/metrics` (Prometheus text): off unless configured; behind its bearer token on the app's
//! address; alone on a separate address (the real binary); routes counted by their template,
//! never by their ids. And what a page view costs the session store: nothing written.

use medal_core::Role;
use medal_server::infra::Db;
use medal_server::with_db;
use secrecy::SecretString;

use crate::both;
use crate::helpers::{fresh_database_url, spawn_app, spawn_app_with, Backend, Process};

async fn metrics_need_their_token(b: Backend) {
    let off = spawn_app(b).await;
    let r = off.client().get(off.url("/metrics")).send().await.unwrap();
    assert_eq!(r.status(), 404, "off unless configured");

    let app = spawn_app_with(b, |c| {
        c.metrics_token = Some(SecretString::from("scrape-token-0123456789"));
    })
    .await;
    let anonymous = app.client();
    for auth in [None, Some("Bearer wrong"), Some("scrape-token-0123456789")] {
        let mut r = anonymous.get(app.url("/metrics"));
        if let Some(a) = auth {
            r = r.header("authorization", a);
        }
        let r = r.send().await.unwrap();
        assert_eq!(r.status(), 401, "{auth:?}");
    }
    let admin = app.signed_in(Role::Admin).await;
    let r = admin.get(app.url("/metrics")).send().await.unwrap();
    assert_eq!(r.status(), 401, "a session is not the token");
    for path in ["/medals", "/medals/1", "/medals/2"] {
        admin.get(app.url(path)).send().await.unwrap();
    }
    let text = anonymous
        .get(app.url("/metrics"))
        .header("authorization", "Bearer scrape-token-0123456789")
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    for want in [
        r#"medals_http_requests_total{method="GET",route="/medals",status="200"}"#,
        r#"route="/medals/{id}""#,
        "medals_http_request_seconds_bucket",
        r#"medals_outbox_shares{status="queued"} 0"#,
        "medals_database_up 1",
    ] {
        assert!(text.contains(want), "{want} missing from\n{text}");
    }
    assert!(!text.contains("/medals/2"), "ids are not labels");
}
both!(metrics_need_their_token, super::metrics_need_their_token);

#[test]
fn metrics_on_their_own_address() {
    crate::helpers::block_on_guarded(async {
        let dir = tempfile::tempdir().unwrap();
        let url = fresh_database_url(Backend::Sqlite, &dir).await;
        let db = Db::connect(&url).await.unwrap();
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let env = [("MEDALS_METRICS_LISTEN", format!("127.0.0.1:{port}"))];
        let server = Process::start(&url, db, dir, &env).await;
        let app = &server.app;
        app.client().get(app.url("/login")).send().await.unwrap();
        let r = reqwest::get(format!("http://127.0.0.1:{port}/metrics"))
            .await
            .unwrap();
        assert_eq!(r.status(), 200);
        let text = r.text().await.unwrap();
        assert!(text.contains(r#"route="/login""#), "{text}");
        let r = app.client().get(app.url("/metrics")).send().await.unwrap();
        assert_eq!(r.status(), 404, "not on the app's address without a token");
        server.stop();
    })
}

/// A page view reads the session and writes nothing back (a write per view serialised page views
/// on SQLite); the session is extended by a write at most every ten minutes.
async fn page_views_write_no_session(b: Backend) {
    let app = spawn_app(b).await;
    let admin = app.signed_in(Role::Admin).await;
    admin.get(app.url("/")).send().await.unwrap();
    let stored = || async {
        with_db!(&app.db, p => sqlx::query_as::<_, (String, Vec<u8>)>(
            "SELECT CAST(expiry_date AS TEXT), data FROM sessions").fetch_all(p).await)
        .unwrap()
    };
    let before = stored().await;
    assert_eq!(before.len(), 1);
    // expiry_date is in seconds: a write a second later would change it
    tokio::time::sleep(std::time::Duration::from_millis(1100)).await;
    for path in [
        "/",
        "/medals",
        "/awards",
        "/staff",
        "/leaderboard",
        "/settings",
    ] {
        let r = admin.get(app.url(path)).send().await.unwrap();
        assert_eq!(r.status(), 200, "{path}");
    }
    assert_eq!(stored().await, before, "page views rewrote the session");
}
both!(
    page_views_write_no_session,
    super::page_views_write_no_session
);
