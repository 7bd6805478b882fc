//! `MEDALS_LOG_FORMAT=json` (the real binary): every log line is a JSON object, and the request
//! id an error page shows is the one in the response's `x-request-id` and in the log lines of
//! that request (a client's own `x-request-id` is replaced, not trusted).

use medal_core::Role;
use medal_server::infra::Db;
use medal_server::with_db;
use serde_json::Value;

use crate::helpers::{fresh_database_url, Backend, Process};

#[test]
fn json_logs_carry_the_request_id_the_page_shows() {
    crate::helpers::block_on_guarded(async {
        let dir = tempfile::tempdir().unwrap();
        let url = fresh_database_url(Backend::Sqlite, &dir).await;
        let db = Db::connect(&url).await.unwrap();
        let env = [
            ("MEDALS_LOG_FORMAT", "json".to_string()),
            ("MEDALS_LOG", "info".to_string()),
        ];
        let server = Process::start(&url, db.clone(), dir, &env).await;
        let app = &server.app;
        let admin = app.signed_in(Role::Admin).await;
        // the medal list's query fails: an internal error, shown with its request id
        with_db!(&db, p => sqlx::query("ALTER TABLE medals RENAME TO medals_away").execute(p).await.map(|_| ())).unwrap();
        let r = admin
            .get(app.url("/medals"))
            .header("accept", "text/html")
            .header("x-request-id", "forged-by-client")
            .send()
            .await
            .unwrap();
        let id = r.headers()["x-request-id"].to_str().unwrap().to_string();
        assert_eq!(id.len(), 12, "our id, not the client's: {id:?}");
        assert!(id.bytes().all(|b| b.is_ascii_hexdigit()));
        let page = r.text().await.unwrap();
        assert!(
            page.contains(&format!("请求编号 {id}")),
            "the page shows the id"
        );
        with_db!(&db, p => sqlx::query("ALTER TABLE medals_away RENAME TO medals").execute(p).await.map(|_| ())).unwrap();

        let log = server.stop();
        let lines: Vec<Value> = log
            .lines()
            .filter(|l| l.starts_with('{'))
            .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("{e}: {l}")))
            .collect();
        assert!(!lines.is_empty(), "{log}");
        assert!(
            lines
                .iter()
                .any(|l| l["fields"]["message"] == "internal error"
                    && l["fields"]["request_id"] == id.as_str()),
            "the internal error is logged with the page's id {id}:\n{log}"
        );
        // what is logged while a request is served is inside its span, with its id
        let signed_in = lines
            .iter()
            .find(|l| l["fields"]["message"] == "signed in")
            .expect("the sign-in is logged");
        let span = signed_in["spans"]
            .as_array()
            .and_then(|s| s.iter().find(|s| s["name"] == "request"))
            .unwrap_or_else(|| panic!("no request span: {signed_in}"));
        assert_eq!(span["id"].as_str().unwrap().len(), 12, "{span}");
        assert_eq!(span["path"], "/sfn/auth/login", "{span}");
        assert!(!log.contains("forged"), "{log}");
    })
}
