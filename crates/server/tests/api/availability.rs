//! When the database cannot answer, the app says "try again" (503 with Retry-After), never "you
//! are signed out" and never an internal error; when it answers again, the session is still
//! there. The session store is made to fail by taking its table away.

use medal_core::Role;
use medal_server::with_db;

use crate::both;
use crate::helpers::{spawn_app, Backend};

async fn rename(db: &medal_server::infra::Db, from: &str, to: &str) {
    let sql = format!("ALTER TABLE {from} RENAME TO {to}");
    with_db!(db, p => sqlx::query(&sql).execute(p).await.map(|_| ())).unwrap();
}

async fn session_store_down_is_503_not_signed_out(b: Backend) {
    let app = spawn_app(b).await;
    let admin = app.signed_in(Role::Admin).await;
    assert_eq!(app.get(&admin, "/medals").await.status(), 200);

    rename(&app.db, "sessions", "sessions_away").await;
    let r = app.get(&admin, "/medals").await;
    assert_eq!(r.status(), 503, "a page: {:?}", r.headers().get("location"));
    assert_eq!(r.headers().get("retry-after").unwrap(), "5");
    let body = r.text().await.unwrap();
    assert!(
        body.contains("数据库暂时无法应答") && body.contains("try again"),
        "{body}"
    );
    let r = app.post(&admin, "/sfn/dashboard", &[]).await;
    assert_eq!(r.status(), 503, "a server function");

    rename(&app.db, "sessions_away", "sessions").await;
    assert_eq!(
        app.get(&admin, "/medals").await.status(),
        200,
        "still signed in once the store answers"
    );
}
both!(
    session_store_down_is_503_not_signed_out,
    super::session_store_down_is_503_not_signed_out
);

/// PostgreSQL goes away (every connection of the app's database terminated, new ones refused)
/// and comes back: pages answer 503, `/readyz` says why, and everything answers again after.
#[test]
fn postgres_away_and_back() {
    crate::helpers::block_on_guarded(async {
        use sqlx::Connection;
        let app = spawn_app(Backend::Postgres).await;
        let admin = app.signed_in(Role::Admin).await;
        assert_eq!(app.get(&admin, "/medals").await.status(), 200);
        let name = with_db!(&app.db, p => sqlx::query_scalar::<_, String>(
            "SELECT current_database()").fetch_one(p).await)
        .unwrap();
        let base = std::env::var("MEDALS_TEST_PG")
            .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432".into());
        let mut dba = sqlx::PgConnection::connect(&format!("{base}/postgres"))
            .await
            .unwrap();
        let away =
            |allow: bool| format!("ALTER DATABASE \"{name}\" WITH ALLOW_CONNECTIONS {allow}");
        let kill = format!(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = '{name}'"
        );
        // a restart: connections die, the pool opens new ones
        sqlx::query(&kill).execute(&mut dba).await.unwrap();
        assert_eq!(
            app.get(&admin, "/medals").await.status(),
            200,
            "after a restart"
        );

        sqlx::query(&away(false)).execute(&mut dba).await.unwrap();
        sqlx::query(&kill).execute(&mut dba).await.unwrap();
        let r = app.get(&app.client(), "/readyz").await;
        assert_eq!(r.status(), 503);
        assert_eq!(r.headers().get("retry-after").unwrap(), "5");
        let why = r.text().await.unwrap();
        assert!(why.starts_with("not ready: database (postgres): "), "{why}");
        assert!(
            why.len() > "not ready: database (postgres): ".len() + 5,
            "{why}"
        );
        let r = app.get(&admin, "/medals").await;
        assert_eq!(r.status(), 503, "a page while it is away");
        let r = app.post(&admin, "/sfn/dashboard", &[]).await;
        assert_eq!(r.status(), 503, "a server function while it is away");

        sqlx::query(&away(true)).execute(&mut dba).await.unwrap();
        assert_eq!(app.get(&app.client(), "/readyz").await.status(), 200);
        assert_eq!(
            app.get(&admin, "/medals").await.status(),
            200,
            "signed in still"
        );
    })
}
