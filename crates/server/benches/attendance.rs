//! Benchmark: the DingTalk attendance sync (`attendance::job`) of N people × 30 days against the
//! simulator (no added latency): chunks of 50 userIds, windows of 7 days, pages of 50 records by
//! `hasMore`, paced under the app's 20 calls/s. Prints the calls DingTalk's limits make necessary,
//! the calls made, the wall time, the ideal time at 20 calls/s for those calls, and the ratio
//! (target: at most 1.2× the ideal), and the days and facts written. SQLite.
//!
//! `cargo bench -p medal-server --bench attendance` (env `BENCH_STAFF`, default 1,000: the sync
//! of 10,000 people needs about 14,000 calls, 12 minutes at 20 calls/s; the figure for 10,000 is
//! projected from the rate measured).

use std::sync::Arc;
use std::time::{Duration, Instant};

use dingtalk::sim::{attendance_day, AppSpec, SimConfig, Simulator};
use dingtalk::TimeResult;
use medal_core::Role;
use medal_server::attendance::db::{today, FIRST_DAYS};
use medal_server::infra::{Config, Db};
use medal_server::session::AdminInfo;
use medal_server::settings::types::SettingsForm;
use medal_server::with_db;

fn env_num(key: &str, default: usize) -> usize {
    std::env::var(key)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

fn main() {
    let n = env_num("BENCH_STAFF", 1_000);
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    rt.block_on(async {
        let running = dingtalk::sim::spawn_local(Simulator::new(SimConfig::default()))
            .await
            .unwrap();
        let real = running.sim.create_app(AppSpec::default());
        let dir = tempfile::tempdir().unwrap();
        let url = format!("sqlite:{}", dir.path().join("bench.db").display());
        let db = Db::connect(&url).await.unwrap();
        let config = Config {
            dingtalk_oapi_base: running.base_url(),
            dingtalk_api_base: running.base_url(),
            secret_key: Some(secrecy::SecretString::from(
                "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef",
            )),
            ..Config::default()
        };
        let admin_id = with_db!(&db, p => sqlx::query_scalar::<_, i64>(
            "INSERT INTO admins (username, password_hash, role, created_at, updated_at) \
             VALUES ('bench', 'x', 'owner', 0, 0) RETURNING id").fetch_one(p).await)
        .unwrap();
        let admin = AdminInfo {
            id: admin_id,
            username: "bench".into(),
            role: Role::Owner,
        };
        let st = medal_server::host::router::state(Arc::new(config.clone()), db.clone());
        medal_server::settings::db::save(
            &st,
            &admin,
            &SettingsForm {
                org_name: Some("示例科技".into()),
                public_base_url: Some(String::new()),
                app_key: Some(real.app_key.clone()),
                app_secret: Some(real.app_secret.clone()),
                robot_code: Some(real.app_key.clone()),
                ..SettingsForm::default()
            },
        )
        .await
        .unwrap();
        let first = today() - (FIRST_DAYS - 1);
        let mut rows = Vec::new();
        for i in 0..n {
            let uid = format!("dt{i:06}");
            rows.push(format!("('员工{i}', '{uid}', '研发部', TRUE, 0, 0)"));
            for d in 0..FIRST_DAYS {
                let late = (i as i64 + d) % 9 == 0;
                let on = if late { TimeResult::Late } else { TimeResult::Normal };
                running
                    .sim
                    .add_attendance(attendance_day(&uid, first + d, on, TimeResult::Normal));
            }
        }
        for chunk in rows.chunks(1000) {
            db.execute(&format!(
                "INSERT INTO staff (name, dingtalk_user_id, department, active, created_at, updated_at) VALUES {}",
                chunk.join(",")
            ))
            .await
            .unwrap();
        }
        // what DingTalk's limits make necessary: per chunk of 50 and window of 7 days, one call
        // per 50 records (2 checks a day), and one access token
        let windows = (FIRST_DAYS as usize).div_ceil(7);
        let mut needed = 0usize;
        for c in 0..n.div_ceil(50) {
            let people = 50.min(n - c * 50);
            for w in 0..windows {
                let days = 7.min(FIRST_DAYS as usize - w * 7);
                needed += (people * days * 2).div_ceil(50).max(1);
            }
        }
        let t = Instant::now();
        let id = medal_server::attendance::job::start(&db, &config, None)
            .await
            .unwrap();
        let (state, calls, records) = loop {
            let row: (String, i64, i64) = with_db!(&db, p => sqlx::query_as(
                "SELECT state, calls, records FROM attendance_syncs WHERE id = $1")
                .bind(id).fetch_one(p).await)
            .unwrap();
            if row.0 != "running" {
                break row;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        };
        let secs = t.elapsed().as_secs_f64();
        let facts: i64 = with_db!(&db, p => sqlx::query_scalar::<_, i64>(
            "SELECT COUNT(*) FROM facts WHERE metric = 'attendance'").fetch_one(p).await)
        .unwrap();
        let ideal = calls as f64 / 20.0;
        let ratio = secs / ideal;
        println!(
            "attendance sync, {n} people × {FIRST_DAYS} days: {state}; {calls} calls (the limits need {needed}), \
             {records} records, {facts} attendance facts; {secs:.1} s vs {ideal:.1} s ideal at 20 calls/s = {ratio:.2}× \
             (target ≤ 1.20×: {}); 10,000 people: {} calls, about {:.0} s projected",
            if ratio <= 1.2 { "PASS" } else { "MISS" },
            needed * 10_000 / n.max(1),
            secs * 10_000.0 / n.max(1) as f64,
        );
        assert_eq!(state, "done");
        assert_eq!(facts, n as i64 * FIRST_DAYS);
    });
}
