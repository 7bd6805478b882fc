//! Benchmark: one card to N groups (default 1,000) through the real outbox worker, against the
//! DingTalk simulator answering after a fixed latency (default 50 ms). Reports the time against
//! the ideal for the concurrency used: ceil(N / concurrency) × latency.
//!
//! ```sh
//! cargo run --release -p medal-server --bin bench_share -- [--groups 1000] [--latency-ms 50]
//!     [--concurrency 64] [--database-url postgres://postgres@127.0.0.1:5432/DB]
//! ```
//! Without `--database-url` a fresh SQLite file in a temp dir is used; a given database must be
//! empty (the figures of a second run on the same database would mean nothing).

use std::sync::Arc;
use std::time::{Duration, Instant};

use dingtalk::sim::{Faults, GroupSpec, RobotSpec, SimConfig, Simulator};
use medal_server::infra::Config;
use medal_server::infra::Db;
use medal_server::shares::outbox::worker::Worker;
use medal_server::with_db;

fn arg(name: &str) -> Option<String> {
    let args: Vec<String> = std::env::args().collect();
    args.iter()
        .position(|a| a == name)
        .and_then(|i| args.get(i + 1).cloned())
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let groups: usize = arg("--groups")
        .map(|s| s.parse())
        .transpose()?
        .unwrap_or(1000);
    let latency: u64 = arg("--latency-ms")
        .map(|s| s.parse())
        .transpose()?
        .unwrap_or(50);
    let concurrency: usize = arg("--concurrency")
        .map(|s| s.parse())
        .transpose()?
        .unwrap_or(64);
    let dir = tempfile_dir()?;
    let url = arg("--database-url").unwrap_or_else(|| format!("sqlite:{}/bench.db", dir.display()));
    let db = Db::connect(&url).await?;
    let existing = with_db!(&db, p => sqlx::query_scalar::<_, i64>("SELECT COUNT(*) FROM shares").fetch_one(p).await)?;
    if existing > 0 {
        anyhow::bail!(
            "{url} already holds {existing} shares (an earlier run?): give an empty database"
        );
    }
    let sim = dingtalk::sim::spawn_local(Simulator::new(SimConfig::default())).await?;
    sim.sim.set_faults(
        "*",
        Faults {
            latency_ms: latency,
            ..Faults::default()
        },
    );
    let mut config = Config {
        database_url: url.clone(),
        secret_key_file: dir.join("secret.key"),
        dingtalk_oapi_base: sim.base_url(),
        dingtalk_api_base: sim.base_url(),
        ..Config::default()
    };
    config.outbox.outbox_concurrency = concurrency;
    config.outbox.outbox_poll_ms = 20;
    let c =
        medal_server::infra::crypto::for_config(&config).map_err(|e| anyhow::anyhow!("{e:?}"))?;

    // N groups, each with a signed robot; one share (one card) per group.
    let mut cids = Vec::with_capacity(groups);
    let mut rows = Vec::with_capacity(groups);
    for i in 0..groups {
        let g = sim.sim.create_group(GroupSpec::named(format!("群{i}")));
        let r = sim
            .sim
            .create_robot(RobotSpec {
                group: g.open_conversation_id.clone(),
                ..RobotSpec::default()
            })
            .map_err(anyhow::Error::msg)?;
        let id = with_db!(&db, p => sqlx::query_scalar::<_, i64>(
            "INSERT INTO share_groups (name, kind, webhook_token_enc, sign_secret_enc, keywords, created_at, updated_at) \
             VALUES ($1, 'webhook', $2, $3, '[]', 0, 0) RETURNING id")
            .bind(format!("群{i}")).bind(c.encrypt(&r.access_token)).bind(r.secret.as_deref().map(|s| c.encrypt(s)))
            .fetch_one(p).await)?;
        cids.push(g.open_conversation_id);
        rows.push(id);
    }
    let msg = serde_json::to_string(&dingtalk::Message::action_card(
        "张三 获得「月度之星」",
        "### 🏅 月度之星\n\n**张三** 获得「月度之星」勋章",
        "查看详情",
        "https://medals.example.com/a/x",
    ))?;
    macro_rules! insert {
        ($pool:expr) => {{
            let mut tx = $pool.begin().await?;
            for gid in &rows {
                sqlx::query("INSERT INTO shares (group_id, award_ids, status, next_attempt_at, msg_uuid, message_json, created_at, updated_at) VALUES ($1, '1', 'queued', 0, $2, $3, 0, 0)")
                    .bind(gid).bind(dingtalk::new_msg_uuid()).bind(&msg).execute(&mut *tx).await?;
            }
            tx.commit().await?;
        }};
    }
    match &db {
        Db::Sqlite(p) => insert!(p),
        Db::Postgres(p) => insert!(p),
    }

    let worker =
        Arc::new(Worker::new(db.clone(), &config, "bench").map_err(|e| anyhow::anyhow!("{e:?}"))?);
    let start = Instant::now();
    let task = tokio::spawn(worker.run());
    loop {
        let sent = with_db!(&db, p => sqlx::query_scalar::<_, i64>("SELECT COUNT(*) FROM shares WHERE status = 'sent'").fetch_one(p).await)?;
        if sent as usize >= groups {
            break;
        }
        if start.elapsed() > Duration::from_secs(300) {
            anyhow::bail!("not done after 5 minutes ({sent} sent)");
        }
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    let took = start.elapsed();
    task.abort();
    let delivered: usize = cids.iter().map(|c| sim.sim.messages(c).len()).sum();
    let ideal = Duration::from_millis(groups.div_ceil(concurrency) as u64 * latency);
    println!("backend           {}", db.backend());
    println!("groups            {groups}");
    println!("latency           {latency} ms");
    println!("concurrency       {concurrency}");
    println!(
        "delivered         {delivered} (each group once: {})",
        cids.iter().all(|c| sim.sim.messages(c).len() == 1)
    );
    println!("time              {:.3} s", took.as_secs_f64());
    println!(
        "ideal             {:.3} s  (ceil({groups}/{concurrency}) x {latency} ms)",
        ideal.as_secs_f64()
    );
    println!(
        "ratio             {:.2}x  (target <= 1.30x)",
        took.as_secs_f64() / ideal.as_secs_f64()
    );
    println!(
        "throughput        {:.0} cards/s",
        groups as f64 / took.as_secs_f64()
    );
    Ok(())
}

fn tempfile_dir() -> anyhow::Result<std::path::PathBuf> {
    let d = std::env::temp_dir().join(format!("medals-bench-{}", uuid::Uuid::new_v4().simple()));
    std::fs::create_dir_all(&d)?;
    Ok(d)
}
