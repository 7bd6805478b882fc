//! Pages keep rendering while another app is being built in the same process (leptos#4773:
//! generating the route list suppresses resource loading process-wide, and a resource first
//! polled in that moment never finished; the tests start many apps in one process).

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::Duration;

use medal_core::Role;
use medal_server::infra::Config;

use crate::helpers::block_on_guarded;

use crate::helpers::runtime;

use crate::helpers::spawn_app;

use crate::helpers::Backend;

#[test]
fn pages_render_while_other_apps_are_built() {
    block_on_guarded(async {
        let app = spawn_app(Backend::Sqlite).await;
        let admin = app.signed_in(Role::Admin).await;
        let stop = Arc::new(AtomicBool::new(false));
        let builder = {
            let (stop, db) = (stop.clone(), app.db.clone());
            std::thread::spawn(move || {
                runtime().block_on(async move {
                    let mut built = 0;
                    while !stop.load(Ordering::Relaxed) {
                        let _ = medal_server::host::router::router(
                            Arc::new(Config::default()),
                            db.clone(),
                            None,
                        );
                        built += 1;
                        tokio::task::yield_now().await;
                    }
                    built
                })
            })
        };
        for path in ["/medals", "/staff", "/awards", "/shares", "/"].repeat(8) {
            let page = async {
                let r = app.get(&admin, path).await;
                assert_eq!(r.status(), 200, "{path}");
                r.text().await.unwrap()
            };
            let html = tokio::time::timeout(Duration::from_secs(20), page)
                .await
                .unwrap_or_else(|_| panic!("{path} stalled while another app was being built"));
            assert!(html.contains("</html>"), "{path}: {html}");
        }
        stop.store(true, Ordering::Relaxed);
        assert!(builder.join().unwrap() > 0);
    });
}

/// Pages whose data loads in nested resources (a person's page and its medal wall), asked for
/// many at a time and often abandoned by the client, log no internal error. (Leptos re-runs a
/// `<Suspense>` and drops the first run's resources while their server functions still run;
/// those found no request context and were logged as "app state missing from context".)
async fn abandoned_and_concurrent_renders_log_no_internal_error(b: Backend) {
    let dir = tempfile::tempdir().unwrap();
    let url = crate::helpers::fresh_database_url(b, &dir).await;
    let db = medal_server::infra::Db::connect(&url).await.unwrap();
    medal_server::session::auth::create_admin(&db, "hr.li", crate::helpers::PASSWORD, Role::Admin)
        .await
        .unwrap();
    let staff: i64 = medal_server::with_db!(&db, p => sqlx::query_scalar::<_, i64>(
        "INSERT INTO staff (name, department, created_at, updated_at) VALUES ('张三', '研发部', 0, 0) RETURNING id")
        .fetch_one(p).await)
    .unwrap();
    let process =
        crate::helpers::Process::start(&url, db, dir, &[("MEDALS_LOG", "info".into())]).await;
    let app = &process.app;
    let c = app.client();
    assert_eq!(
        app.login(&c, "hr.li", crate::helpers::PASSWORD)
            .await
            .status(),
        200
    );
    let pages = [
        format!("/staff/{staff}"),
        "/".into(),
        "/awards/new".into(),
        "/staff".into(),
    ];
    let mut tasks = Vec::new();
    for i in 0..96 {
        let (c, url) = (c.clone(), app.url(&pages[i % pages.len()]));
        // every third request is abandoned almost at once
        let timeout = Duration::from_millis(if i % 3 == 0 { 5 } else { 20_000 });
        tasks.push(tokio::spawn(async move {
            let r = c
                .get(url)
                .header("accept", "text/html")
                .timeout(timeout)
                .send()
                .await;
            match r {
                Ok(r) => Some(r.status().as_u16()),
                Err(_) => None,
            }
        }));
    }
    let mut answered = 0;
    for t in tasks {
        if let Some(status) = t.await.unwrap() {
            assert_eq!(status, 200);
            answered += 1;
        }
    }
    assert!(answered >= 60, "{answered}");
    tokio::time::sleep(Duration::from_millis(500)).await;
    let log = process.stop();
    assert!(!log.contains("internal error"), "{log}");
    assert!(!log.contains("ERROR"), "{log}");
}
crate::both!(
    abandoned_and_concurrent_renders_log_no_internal_error,
    super::abandoned_and_concurrent_renders_log_no_internal_error
);
