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
