//! Benchmark: one batch award to 10,000 people (`awards::give::give`: checks, non-repeatable
//! guard, multi-row inserts, audit entry, one transaction) next to a raw insert of the same rows
//! (the same `insert_awards` in one transaction, nothing else). Target: at most 2× the raw
//! insert. Runs on SQLite (a file in a temp dir, WAL, as the app runs it) and, when it answers,
//! on PostgreSQL (`MEDALS_BENCH_PG`, default postgres://postgres@127.0.0.1:5432).
//!
//! `cargo bench -p medal-server --bench award_batch` (env `BENCH_N`, `BENCH_RUNS` to change the
//! size and the number of runs; the median is reported).

use std::time::{Duration, Instant};

use medal_core::Role;
use medal_server::awards::db::{insert_awards, NewAwards};
use medal_server::awards::give::give;
use medal_server::awards::give::Batch;
use medal_server::awards::give::Recipient;
use medal_server::infra::now_ms;
use medal_server::infra::Db;
use medal_server::session::AdminInfo;
use medal_server::with_db;

fn env_num(key: &str, default: usize) -> usize {
    std::env::var(key)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

async fn seed(db: &Db, n: usize) -> (AdminInfo, i64, Vec<i64>) {
    let admin_id = with_db!(db, p => sqlx::query_scalar::<_, i64>(
        "INSERT INTO admins (username, password_hash, role, created_at, updated_at) \
         VALUES ('bench', 'x', 'owner', 0, 0) RETURNING id").fetch_one(p).await)
    .unwrap();
    let medal_id = with_db!(db, p => sqlx::query_scalar::<_, i64>(
        "INSERT INTO medals (name, icon_preset, tier, kind, validity_days, repeatable, created_at, updated_at) \
         VALUES ('年度之星', 'star', 'gold', 'manual', 365, FALSE, 0, 0) RETURNING id").fetch_one(p).await).unwrap();
    for chunk in (0..n).collect::<Vec<_>>().chunks(1000) {
        let mut sql = String::from(
            "INSERT INTO staff (name, mobile, department, external_id, active, created_at, updated_at) VALUES ",
        );
        for (k, i) in chunk.iter().enumerate() {
            if k > 0 {
                sql.push(',');
            }
            sql.push_str(&format!(
                "('员工{i}', '{}', '部门{}', 'E{i}', TRUE, 0, 0)",
                13000000000u64 + *i as u64,
                i % 40
            ));
        }
        db.execute(&sql).await.unwrap();
    }
    let ids = with_db!(db, p => sqlx::query_scalar::<_, i64>("SELECT id FROM staff ORDER BY id")
        .fetch_all(p).await)
    .unwrap();
    let admin = AdminInfo {
        id: admin_id,
        username: "bench".into(),
        role: Role::Owner,
    };
    (admin, medal_id, ids)
}

/// The same rows `give` writes, with the very INSERT it uses (`awards::db::insert_awards`), in
/// one transaction, and nothing else.
async fn raw_insert(db: &Db, admin: i64, medal: i64, staff: &[i64]) {
    let now = now_ms();
    let batch = uuid::Uuid::new_v4().simple().to_string();
    let rows: Vec<(i64, String)> = staff
        .iter()
        .map(|s| (*s, "年度表现突出".to_string()))
        .collect();
    let new = NewAwards {
        medal_id: medal,
        awarded_by_admin: Some(admin),
        awarded_by_rule: None,
        awarded_at: now,
        expires_at: Some(now + 365 * 86_400_000),
        batch_id: Some(&batch),
        rows: &rows,
    };
    with_db!(db, p => async {
        let mut tx = p.begin().await.unwrap();
        insert_awards(&mut tx, &new).await.unwrap();
        tx.commit().await.unwrap();
    }.await);
}

async fn clear(db: &Db) {
    db.execute("DELETE FROM awards").await.unwrap();
}

fn median(mut v: Vec<Duration>) -> Duration {
    v.sort();
    v[v.len() / 2]
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}

async fn run(label: &str, db: Db, n: usize, runs: usize) {
    let (admin, medal, staff) = seed(&db, n).await;
    let mut raw = Vec::new();
    let mut app = Vec::new();
    for _ in 0..runs {
        clear(&db).await;
        let t = Instant::now();
        raw_insert(&db, admin.id, medal, &staff).await;
        raw.push(t.elapsed());
        clear(&db).await;
        let batch = Batch {
            medal_id: medal,
            reason: "年度表现突出".into(),
            recipients: staff
                .iter()
                .map(|s| Recipient {
                    staff_id: *s,
                    reason: None,
                })
                .collect(),
            skip_holders: false,
        };
        let t = Instant::now();
        let out = give(&db, &admin, batch).await.expect("batch award");
        app.push(t.elapsed());
        assert_eq!(out.awarded as usize, n);
    }
    let (r, a) = (median(raw), median(app));
    println!(
        "{label:<10} {n} recipients, median of {runs}: raw insert {:>8.1} ms | batch award {:>8.1} ms | ratio {:.2}× (target ≤ 2.00×)",
        ms(r),
        ms(a),
        a.as_secs_f64() / r.as_secs_f64()
    );
}

fn main() {
    let n = env_num("BENCH_N", 10_000);
    let runs = env_num("BENCH_RUNS", 5);
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    rt.block_on(async {
        let dir = tempfile::tempdir().unwrap();
        let url = format!("sqlite:{}", dir.path().join("bench.db").display());
        run("SQLite", Db::connect(&url).await.unwrap(), n, runs).await;

        let base = std::env::var("MEDALS_BENCH_PG")
            .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432".into());
        let name = format!("medals_bench_{}", std::process::id());
        match sqlx::PgPool::connect(&format!("{base}/postgres")).await {
            Ok(admin) => {
                sqlx::query(&format!("CREATE DATABASE {name}"))
                    .execute(&admin)
                    .await
                    .unwrap();
                let db = Db::connect(&format!("{base}/{name}")).await.unwrap();
                run("PostgreSQL", db.clone(), n, runs).await;
                if let Db::Postgres(p) = db {
                    p.close().await;
                }
                let _ = sqlx::query(&format!("DROP DATABASE {name}"))
                    .execute(&admin)
                    .await;
            }
            Err(e) => println!("PostgreSQL skipped: {e}"),
        }
    });
}
