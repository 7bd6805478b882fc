//! Pages keep rendering while another app is being built in the same process (leptos#4773:
//! generating the route list suppresses resource loading process-wide, and a resource first
//! polled in that moment never finished; the tests start many apps in one process).

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::Duration;

use medal_core::Role;
use medal_server::ssr::{server, Config};

use crate::helpers::{block_on_guarded, runtime, spawn_app, Backend};

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
                        let _ = server::router(Arc::new(Config::default()), db.clone(), None);
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
