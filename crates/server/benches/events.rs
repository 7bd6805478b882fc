//! Benchmark: events ingested per second with rule evaluation (`rules::events::ingest_events`:
//! checks, people looked up by 工号, idempotency keys, per-day folding, fact upserts, then the
//! active rules on the metrics touched evaluated for the people touched, awards given). Two rules
//! on `tasks` (a total of 100, and a monthly total of 40) and one 30-day streak on `checkin`;
//! batches of 10,000 events (increments with keys, and readings) over 30 days for 10,000 people,
//! so that people cross the thresholds during the run. Then one batch sent again (all
//! duplicates). Target: at least 20,000 events/s on SQLite and on PostgreSQL.
//!
//! `cargo bench -p medal-server --bench events` (env `BENCH_STAFF`, `BENCH_EVENTS`, `BENCH_DB`
//! = sqlite | postgres | both; PostgreSQL at `MEDALS_BENCH_PG`, default
//! postgres://postgres@127.0.0.1:5432).

use std::sync::Arc;
use std::time::Instant;

use medal_core::time::{china_day, fmt_day};
use medal_server::infra::{now_ms, Config, Db};
use medal_server::rules::events::{ingest_events, MAX_BATCH};
use medal_server::rules::types::EventIn;
use medal_server::with_db;

fn env_num(key: &str, default: usize) -> usize {
    std::env::var(key)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

async fn seed(db: &Db, n: usize) {
    db.execute(
        "INSERT INTO admins (username, password_hash, role, created_at, updated_at) \
         VALUES ('bench', 'x', 'owner', 0, 0)",
    )
    .await
    .unwrap();
    for (name, kind) in [
        ("完成100个任务", "automatic"),
        ("月度任务达人", "automatic"),
        ("连续打卡30天", "automatic"),
    ] {
        db.execute(&format!(
            "INSERT INTO medals (name, icon_preset, tier, kind, repeatable, created_at, updated_at) \
             VALUES ('{name}', 'star', 'gold', '{kind}', TRUE, 0, 0)"
        ))
        .await
        .unwrap();
    }
    // rules count facts from 40 days ago on
    let from = china_day(now_ms()) - 40;
    for (medal, metric, kind, period, n) in [
        (1, "tasks", "total", "none", 100),
        (2, "tasks", "total", "month", 40),
        (3, "checkin", "streak", "none", 30),
    ] {
        db.execute(&format!(
            "INSERT INTO rules (medal_id, metric, threshold, active, created_by, created_at, updated_at, \
             name, kind, days, period, group_ids, from_day) \
             VALUES ({medal}, '{metric}', {n}, TRUE, 1, 0, 0, 'r{medal}', '{kind}', 'calendar', '{period}', '', {from})"
        ))
        .await
        .unwrap();
    }
    for chunk in (0..n).collect::<Vec<_>>().chunks(1000) {
        let rows: Vec<String> = chunk
            .iter()
            .map(|i| format!("('员工{i}', '部门{}', 'E{i}', TRUE, 0, 0)", i % 40))
            .collect();
        db.execute(&format!(
            "INSERT INTO staff (name, department, external_id, active, created_at, updated_at) VALUES {}",
            rows.join(",")
        ))
        .await
        .unwrap();
    }
}

/// Event `k` of the run: mostly task increments (keyed), every fourth a check-in reading;
/// spread over 10,000 people and the last 30 days, in no particular order.
fn event(k: usize, staff: usize, today: i64) -> EventIn {
    let person = (k * 7919) % staff;
    let day = today - 29 + ((k / staff) % 30) as i64;
    let (metric, value, increment, key) = if k % 4 == 3 {
        ("checkin", Some(1), None, None)
    } else {
        ("tasks", None, Some(3), Some(format!("task-{k}")))
    };
    EventIn {
        external_id: Some(format!("E{person}")),
        mobile: None,
        user_id: None,
        metric: metric.into(),
        value,
        increment,
        date: fmt_day(day),
        idempotency_key: key,
    }
}

async fn run(label: &str, db: Db, staff: usize, total: usize) {
    seed(&db, staff).await;
    let st = medal_server::host::router::state(Arc::new(Config::default()), db.clone());
    let today = china_day(now_ms());
    let batch = MAX_BATCH.min(total);
    let (mut sent, mut awarded, mut batches) = (0usize, 0u64, 0usize);
    let started = Instant::now();
    let mut first = Vec::new();
    while sent < total {
        let n = batch.min(total - sent);
        let items: Vec<EventIn> = (sent..sent + n).map(|k| event(k, staff, today)).collect();
        if first.is_empty() {
            first = items.clone();
        }
        let out = ingest_events(&st, items).await.expect("ingest");
        assert!(out.errors.is_empty(), "{:?}", out.errors.first());
        awarded += out.awarded;
        sent += n;
        batches += 1;
    }
    let secs = started.elapsed().as_secs_f64();
    let rate = sent as f64 / secs;
    let t = Instant::now();
    let again = ingest_events(&st, first).await.expect("replay");
    let replay = batch as f64 / t.elapsed().as_secs_f64();
    let given: i64 = with_db!(&db, p => sqlx::query_scalar::<_, i64>("SELECT COUNT(*) FROM awards")
        .fetch_one(p).await)
    .unwrap();
    assert_eq!(given as u64, awarded, "awards counted as given");
    println!(
        "{label:<10} {sent} events in {batches} batches of {batch}, {staff} people: {secs:.1} s = {rate:>8.0} events/s \
         with evaluation ({awarded} awards) — target ≥ 20,000/s: {} | the first batch again: {} duplicates, {replay:.0} events/s",
        if rate >= 20_000.0 { "PASS" } else { "MISS" },
        again.duplicates,
    );
}

fn main() {
    let staff = env_num("BENCH_STAFF", 10_000);
    let total = env_num("BENCH_EVENTS", 200_000);
    let which = std::env::var("BENCH_DB").unwrap_or_else(|_| "both".into());
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    rt.block_on(async {
        if which != "postgres" {
            let dir = tempfile::tempdir().unwrap();
            let url = format!("sqlite:{}", dir.path().join("bench.db").display());
            run("SQLite", Db::connect(&url).await.unwrap(), staff, total).await;
        }
        if which == "sqlite" {
            return;
        }
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
                run("PostgreSQL", db.clone(), staff, total).await;
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
