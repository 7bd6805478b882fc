//! Fixtures for the sharing tests: a database, a simulator on a local port, groups whose robots
//! live in that simulator, shares written straight into the outbox, and waiting for the worker.

use std::collections::HashMap;
use std::time::{Duration, Instant};

use dingtalk::sim::{GroupSpec, RobotSpec, RunningSim, SimConfig, Simulator};
use medal_server::infra::Config;
use medal_server::infra::Db;
use medal_server::with_db;

use crate::helpers::fresh_database_url;

use crate::helpers::Backend;

pub struct Fixture {
    pub db: Db,
    pub config: Config,
    pub sim: RunningSim,
    /// (share_groups.id, openConversationId, access token)
    pub groups: Vec<(i64, String, String)>,
    pub _dir: tempfile::TempDir,
}

/// The app's configuration for tests: DingTalk is `sim_base`, quick retries, short timeouts.
pub fn test_config(url: &str, dir: &tempfile::TempDir, sim_base: &str) -> Config {
    let mut c = Config {
        database_url: url.to_string(),
        listen: "127.0.0.1:0".parse().unwrap(),
        site_root: dir.path().join("site"),
        secret_key_file: dir.path().join("secret.key"),
        dingtalk_oapi_base: sim_base.to_string(),
        dingtalk_api_base: sim_base.to_string(),
        ..Config::default()
    };
    c.outbox.outbox_poll_ms = 50;
    c.outbox.outbox_backoff_ms = 20;
    c.outbox.outbox_backoff_max_ms = 400;
    c.outbox.dingtalk_timeout_ms = 400;
    c.outbox.outbox_max_attempts = 30;
    c
}

pub async fn fixture(
    backend: Backend,
    sim_cfg: SimConfig,
    n_groups: usize,
    adjust: impl FnOnce(&mut Config),
) -> Fixture {
    let dir = tempfile::tempdir().unwrap();
    let url = fresh_database_url(backend, &dir).await;
    let db = Db::connect(&url).await.expect("connect");
    let sim = dingtalk::sim::spawn_local(Simulator::new(sim_cfg))
        .await
        .unwrap();
    let mut config = test_config(&url, &dir, &sim.base_url());
    adjust(&mut config);
    let groups = add_groups(&db, &config, &sim.sim, n_groups).await;
    Fixture {
        db,
        config,
        sim,
        groups,
        _dir: dir,
    }
}

/// `n` groups, each with its own signed robot (every other one with a keyword).
pub async fn add_groups(
    db: &Db,
    config: &Config,
    sim: &Simulator,
    n: usize,
) -> Vec<(i64, String, String)> {
    let c = medal_server::infra::crypto::for_config(config).unwrap();
    let mut out = Vec::new();
    for i in 0..n {
        let g = sim.create_group(GroupSpec::named(format!("群{i}")));
        let keywords = if i % 2 == 0 {
            vec!["勋章".to_string()]
        } else {
            vec![]
        };
        let r = sim
            .create_robot(RobotSpec {
                group: g.open_conversation_id.clone(),
                keywords: keywords.clone(),
                ..RobotSpec::default()
            })
            .unwrap();
        let id = with_db!(db, p => sqlx::query_scalar::<_, i64>(
            "INSERT INTO share_groups (name, kind, webhook_token_enc, sign_secret_enc, keywords, created_at, updated_at) \
             VALUES ($1, 'webhook', $2, $3, $4, 0, 0) RETURNING id")
            .bind(format!("群{i}")).bind(c.encrypt(&r.access_token)).bind(r.secret.as_deref().map(|s| c.encrypt(s)))
            .bind(serde_json::to_string(&keywords).unwrap()).fetch_one(p).await)
        .unwrap();
        out.push((id, g.open_conversation_id, r.access_token));
    }
    out
}

/// Writes `per_group` shares to each group (card text "勋章 card G-K", unique); returns how many.
pub async fn insert_shares(db: &Db, groups: &[(i64, String, String)], per_group: usize) -> usize {
    let mut n = 0;
    let mut sql_rows = Vec::new();
    for k in 0..per_group {
        for (gid, _, _) in groups {
            let msg = dingtalk::Message::markdown("勋章", format!("勋章 card {gid}-{k}"));
            sql_rows.push((
                *gid,
                serde_json::to_string(&msg).unwrap(),
                dingtalk::new_msg_uuid(),
            ));
        }
    }
    macro_rules! go {
        ($pool:expr) => {{
            let mut tx = $pool.begin().await.unwrap();
            for (gid, json, uuid) in &sql_rows {
                sqlx::query(
                    "INSERT INTO shares (group_id, award_ids, status, next_attempt_at, msg_uuid, message_json, created_at, updated_at, request_id) \
                     VALUES ($1, '', 'queued', 0, $2, $3, 0, 0, 'test')",
                )
                .bind(gid).bind(uuid).bind(json)
                .execute(&mut *tx).await.unwrap();
                n += 1;
            }
            tx.commit().await.unwrap();
        }};
    }
    match db {
        Db::Sqlite(p) => go!(p),
        Db::Postgres(p) => go!(p),
    }
    n
}

/// Status → count.
pub async fn counts(db: &Db) -> HashMap<String, i64> {
    with_db!(db, p => sqlx::query_as::<_, (String, i64)>("SELECT status, COUNT(*) FROM shares GROUP BY status").fetch_all(p).await)
        .unwrap()
        .into_iter()
        .collect()
}

/// Waits until nothing is queued or sending (or `limit` passes); returns the final counts.
pub async fn wait_done(db: &Db, limit: Duration) -> HashMap<String, i64> {
    let start = Instant::now();
    loop {
        let c = counts(db).await;
        let busy = c.get("queued").copied().unwrap_or(0) + c.get("sending").copied().unwrap_or(0);
        if busy == 0 || start.elapsed() > limit {
            return c;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// Every group received exactly `per_group` messages, all different (none posted twice).
pub fn assert_each_once(sim: &Simulator, groups: &[(i64, String, String)], per_group: usize) {
    for (gid, cid, _) in groups {
        let msgs = sim.messages(cid);
        let mut texts: Vec<String> = msgs.iter().map(|m| m.message.searchable_text()).collect();
        texts.sort();
        texts.dedup();
        assert_eq!(
            msgs.len(),
            per_group,
            "group {gid} received {} messages",
            msgs.len()
        );
        assert_eq!(
            texts.len(),
            per_group,
            "group {gid} received a message twice"
        );
    }
}

/// Largest number of messages one group received within any `window`.
pub fn max_in_window(sim: &Simulator, groups: &[(i64, String, String)], window: Duration) -> usize {
    let w = window.as_millis() as i64;
    let mut worst = 0;
    for (_, cid, _) in groups {
        let at: Vec<i64> = sim.messages(cid).iter().map(|m| m.at_ms).collect();
        for (i, t) in at.iter().enumerate() {
            let n = at[i..].iter().take_while(|u| **u < t + w).count();
            worst = worst.max(n);
        }
    }
    worst
}

/// A key shared by a test app and the workers a test starts for it.
pub const TEST_KEY: &str = "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";

/// The app's config adjustments for a simulator at `base` (secret key shared with workers).
pub fn point_at(c: &mut Config, base: &str) {
    c.dingtalk_oapi_base = base.to_string();
    c.dingtalk_api_base = base.to_string();
    c.secret_key = Some(secrecy::SecretString::from(TEST_KEY));
    c.outbox.outbox_poll_ms = 50;
    c.outbox.outbox_backoff_ms = 20;
    c.outbox.dingtalk_timeout_ms = 2_000;
}

/// A test app whose DingTalk is a fresh simulator; returns the config a worker for it needs.
pub async fn sim_app(b: Backend) -> (crate::helpers::TestApp, RunningSim, Config) {
    let sim = dingtalk::sim::spawn_local(Simulator::new(SimConfig::default()))
        .await
        .unwrap();
    let base = sim.base_url();
    let mut worker_config = None;
    let app = crate::helpers::spawn_app_with(b, |c| {
        point_at(c, &base);
        worker_config = Some(c.clone());
    })
    .await;
    (app, sim, worker_config.unwrap())
}

/// A simulator group `name` with a signed custom robot, saved in the app as a webhook group by
/// `c`: the app's group id and the simulator's group.
pub async fn webhook_group(
    app: &crate::helpers::TestApp,
    sim: &RunningSim,
    c: &reqwest::Client,
    name: &str,
) -> (String, dingtalk::sim::GroupInfo) {
    let g = sim.sim.create_group(GroupSpec::named(name));
    let robot = sim
        .sim
        .create_robot(RobotSpec {
            group: g.open_conversation_id.clone(),
            ..RobotSpec::default()
        })
        .unwrap();
    let r = app
        .post(
            c,
            "/sfn/groups/save",
            &[
                ("form[name]", name),
                ("form[kind]", "webhook"),
                ("form[webhook_url]", robot.webhook_url.as_str()),
                ("form[sign_secret]", robot.secret.as_deref().unwrap()),
            ],
        )
        .await;
    (r.json::<i64>().await.unwrap().to_string(), g)
}

/// A simulator group made from `spec` with the app robot `robot_code` in it, saved in the app as
/// an app-robot group by `c`: the app's group id and the simulator's group.
pub async fn app_group(
    app: &crate::helpers::TestApp,
    sim: &RunningSim,
    c: &reqwest::Client,
    robot_code: &str,
    spec: GroupSpec,
) -> (i64, dingtalk::sim::GroupInfo) {
    let g = sim.sim.create_group(spec);
    sim.sim
        .add_app_robot_to_group(robot_code, &g.open_conversation_id);
    let form = [
        ("form[name]", g.name.as_str()),
        ("form[kind]", "app"),
        (
            "form[open_conversation_id]",
            g.open_conversation_id.as_str(),
        ),
    ];
    let r = app.post(c, "/sfn/groups/save", &form).await;
    assert_eq!(r.status(), 200);
    (r.json::<i64>().await.unwrap(), g)
}
