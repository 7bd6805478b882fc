//! `medals backup` and `medals restore` (the real binary): a consistent SQLite backup taken while
//! the server runs and another process writes; restored into an empty database, it has the same
//! rows; a database that is not empty, an existing backup file and PostgreSQL are refused with
//! words.

use std::path::Path;
use std::process::{Command, Output};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;

use medal_core::Role;
use medal_server::infra::Db;
use medal_server::with_db;

use crate::helpers::{fresh_database_url, medal_form, Backend, Process};
use crate::shares::{insert_award, insert_staff};

fn medals(args: &[&str], url: &str, dir: &Path) -> Output {
    Command::new(env!("CARGO_BIN_EXE_medals"))
        .args(args)
        .env("MEDALS_CONFIG", dir.join("none.toml"))
        .env("MEDALS_DATABASE_URL", url)
        .env("MEDALS_LOG", "warn")
        .output()
        .unwrap()
}

fn text(o: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    )
}

/// Row counts of the tables that hold what people made, and the newest award.
async fn snapshot(db: &Db) -> (Vec<i64>, Option<(i64, i64, String, String)>) {
    let mut counts = Vec::new();
    for t in [
        "admins",
        "medals",
        "staff",
        "awards",
        "audit_entries",
        "settings",
    ] {
        let sql = format!("SELECT COUNT(*) FROM {t}");
        counts.push(
            with_db!(db, p => sqlx::query_scalar::<_, i64>(&sql).fetch_one(p).await).unwrap(),
        );
    }
    let newest = with_db!(db, p => sqlx::query_as::<_, (i64, i64, String, String)>(
        "SELECT id, staff_id, reason, public_token FROM awards ORDER BY id DESC LIMIT 1")
        .fetch_optional(p).await)
    .unwrap();
    (counts, newest)
}

#[test]
fn sqlite_backup_under_writes_then_restore() {
    crate::helpers::block_on_guarded(async {
        let dir = tempfile::tempdir().unwrap();
        let url = fresh_database_url(Backend::Sqlite, &dir).await;
        let db = Db::connect(&url).await.unwrap();
        let work = tempfile::tempdir().unwrap();
        let server = Process::start(&url, db.clone(), dir, &[]).await;
        let app = &server.app;
        let admin = app.signed_in(Role::Admin).await;
        let r = app
            .post_multipart(&admin, "/sfn/medals/save", medal_form(&[]))
            .await;
        assert_eq!(r.status(), 200);
        let medal: i64 = r.json().await.unwrap();
        let staff = insert_staff(app, "张三", None, None).await;
        for i in 0..200 {
            insert_award(app, medal, staff, &format!("第 {i} 次")).await;
        }
        let before = snapshot(&app.db).await.0[3];

        // another process writes awards all along, while the server runs
        let stop = Arc::new(AtomicBool::new(false));
        let writer = {
            let (stop, db) = (stop.clone(), app.db.clone());
            tokio::spawn(async move {
                let mut n = 0;
                while !stop.load(Ordering::Relaxed) {
                    with_db!(&db, p => sqlx::query(
                        "INSERT INTO awards (medal_id, staff_id, reason, awarded_at, public_token) VALUES ($1, $2, '写入中', 0, $3)")
                        .bind(medal).bind(staff).bind(uuid::Uuid::new_v4().simple().to_string())
                        .execute(p).await.map(|_| ()))
                    .unwrap();
                    n += 1;
                }
                n
            })
        };
        tokio::time::sleep(std::time::Duration::from_millis(200)).await;
        let file = work.path().join("medals.backup.db");
        let (u, f, w) = (url.clone(), file.clone(), work.path().to_path_buf());
        let out =
            tokio::task::spawn_blocking(move || medals(&["backup", f.to_str().unwrap()], &u, &w))
                .await
                .unwrap();
        stop.store(true, Ordering::Relaxed);
        let written = writer.await.unwrap();
        assert!(out.status.success(), "backup: {}", text(&out));
        assert!(text(&out).contains("backed up"), "{}", text(&out));
        assert!(written > 0, "the writer wrote while the backup ran");
        let after = snapshot(&app.db).await.0[3];

        // the backup is one moment between the two
        let backup_db = Db::connect(&format!("sqlite:{}", file.display()))
            .await
            .unwrap();
        let backup = snapshot(&backup_db).await;
        let b = backup.0[3];
        assert!(before <= b && b <= after, "{before} <= {b} <= {after}");
        drop(backup_db);

        // into an empty database: the same rows
        let restored_url = format!("sqlite:{}", work.path().join("restored.db").display());
        let out = medals(
            &["restore", file.to_str().unwrap()],
            &restored_url,
            work.path(),
        );
        assert!(out.status.success(), "restore: {}", text(&out));
        let restored = Db::connect(&restored_url).await.unwrap();
        assert_eq!(snapshot(&restored).await, backup, "restored = backed up");

        // refused: a database with data, an existing file (both untouched)
        let out = medals(&["restore", file.to_str().unwrap()], &url, work.path());
        assert!(!out.status.success());
        assert!(text(&out).contains("not empty"), "{}", text(&out));
        assert_eq!(
            snapshot(&app.db).await.0[3],
            after,
            "the live database is untouched"
        );
        let size = std::fs::metadata(&file).unwrap().len();
        let out = medals(&["backup", file.to_str().unwrap()], &url, work.path());
        assert!(!out.status.success());
        assert!(text(&out).contains("already exists"), "{}", text(&out));
        assert_eq!(std::fs::metadata(&file).unwrap().len(), size);
        // a file that is not a backup
        let junk = work.path().join("junk.db");
        std::fs::write(&junk, b"not a database").unwrap();
        let fresh = format!("sqlite:{}", work.path().join("fresh.db").display());
        let out = medals(&["restore", junk.to_str().unwrap()], &fresh, work.path());
        assert!(!out.status.success(), "{}", text(&out));
        server.stop();
    })
}

#[test]
fn postgres_backup_says_to_use_pg_dump() {
    crate::helpers::block_on_guarded(async {
        let dir = tempfile::tempdir().unwrap();
        let url = fresh_database_url(Backend::Postgres, &dir).await;
        for (cmd, tool) in [("backup", "pg_dump"), ("restore", "pg_restore")] {
            let out = medals(&[cmd, "/tmp/x.dump"], &url, dir.path());
            assert!(!out.status.success());
            let t = text(&out);
            assert!(t.contains(tool) && t.contains("installed"), "{t}");
        }
    })
}
