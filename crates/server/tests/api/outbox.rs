//! The outbox against the simulator: faults, two server processes on one database, SIGKILL and
//! restart, the rate limit.

use std::sync::Arc;
use std::time::{Duration, Instant};

use dingtalk::sim::{Faults, SimConfig};
use medal_server::infra::Db;
use medal_server::shares::outbox::worker::Worker;
use medal_server::with_db;
use std::collections::HashMap;

use crate::both;
use crate::helpers::Backend;
use crate::share_fixtures::*;

fn start_worker(
    db: Db,
    config: &medal_server::infra::Config,
    owner: &str,
) -> tokio::task::JoinHandle<()> {
    let w = Arc::new(Worker::new(db, config, owner).unwrap());
    tokio::spawn(w.run())
}

/// 1,000 shares to 100 robots while 30% of requests fail (5xx, timeouts, lost answers): every
/// card arrives, none twice.
async fn faults_deliver_everything_once(b: Backend) {
    let sim_cfg = SimConfig {
        rate_window: Duration::from_secs(2),
        hang: Duration::from_secs(1),
        ..SimConfig::default()
    };
    let f = fixture(b, sim_cfg, 100, |c| {
        c.outbox.robot_rate_window_ms = 2_000;
    })
    .await;
    f.sim.sim.set_faults(
        "*",
        Faults {
            error_5xx: 0.1,
            timeout: 0.1,
            lost_answer: 0.1,
            ..Faults::default()
        },
    );
    let n = insert_shares(&f.db, &f.groups, 10).await;
    assert_eq!(n, 1000);
    let start = Instant::now();
    let w = start_worker(f.db.clone(), &f.config, "w1");
    let c = wait_done(&f.db, Duration::from_secs(50)).await;
    w.abort();
    let elapsed = start.elapsed();
    assert_eq!(
        c.get("sent").copied().unwrap_or(0),
        1000,
        "{c:?} after {elapsed:?}"
    );
    assert_each_once(&f.sim.sim, &f.groups, 10);
    let retried = with_db!(&f.db, p => sqlx::query_scalar::<_, i64>("SELECT COUNT(*) FROM shares WHERE attempts > 1").fetch_one(p).await).unwrap();
    assert!(
        retried > 100,
        "faults were injected, so many shares needed retries ({retried})"
    );
    eprintln!("{b:?}: 1000 shares with 30% faults in {elapsed:?}, {retried} retried");
}
both!(
    faults_deliver_everything_once,
    super::faults_deliver_everything_once
);

/// 100 cards to one robot: all delivered, and the simulator never answered with throttling.
async fn hundred_cards_to_one_robot(b: Backend) {
    let sim_cfg = SimConfig {
        rate_window: Duration::from_secs(1),
        ..SimConfig::default()
    };
    // The app's window is a little longer than the simulator's: on a loaded 2-core machine a
    // request can take several hundred ms from taking its slot to reaching the simulator.
    let f = fixture(b, sim_cfg, 1, |c| c.outbox.robot_rate_window_ms = 1_500).await;
    insert_shares(&f.db, &f.groups, 100).await;
    let start = Instant::now();
    let start_ms = medal_server::infra::now_ms();
    let w = start_worker(f.db.clone(), &f.config, "w1");
    let c = wait_done(&f.db, Duration::from_secs(45)).await;
    w.abort();
    assert_eq!(c.get("sent").copied().unwrap_or(0), 100, "{c:?}");
    assert_each_once(&f.sim.sim, &f.groups, 100);
    // A throttling answer would have been recorded as the group's last error.
    let last_error = with_db!(&f.db, p => sqlx::query_scalar::<_, Option<String>>("SELECT last_error_code FROM share_groups").fetch_one(p).await).unwrap();
    assert_eq!(last_error, None, "the simulator answered with an error");
    let last_ok = with_db!(&f.db, p => sqlx::query_scalar::<_, Option<i64>>("SELECT last_ok_at FROM share_groups").fetch_one(p).await).unwrap();
    assert!(
        last_ok.is_some_and(|t| t >= start_ms),
        "the group's last success is recorded"
    );
    assert_eq!(
        f.sim.sim.robots()[0].penalty_secs,
        0,
        "the robot is in a penalty"
    );
    assert!(max_in_window(&f.sim.sim, &f.groups, Duration::from_secs(1)) <= 20);
    eprintln!("{b:?}: 100 cards to one robot in {:?}", start.elapsed());
}
both!(
    hundred_cards_to_one_robot,
    super::hundred_cards_to_one_robot
);

/// Starts the real `medals serve` on the fixture's database and simulator.
fn spawn_medals(f: &Fixture, env: &[(&str, &str)]) -> std::process::Child {
    std::process::Command::new(env!("CARGO_BIN_EXE_medals"))
        .arg("serve")
        .env("MEDALS_CONFIG", f._dir.path().join("none.toml"))
        .env("MEDALS_DATABASE_URL", &f.config.database_url)
        .env("MEDALS_LISTEN", "127.0.0.1:0")
        .env("MEDALS_SITE_ROOT", f._dir.path())
        .env("MEDALS_SECRET_KEY", TEST_KEY)
        .env("MEDALS_DINGTALK_OAPI_BASE", f.sim.base_url())
        .env("MEDALS_DINGTALK_API_BASE", f.sim.base_url())
        .env("MEDALS_OUTBOX_POLL_MS", "100")
        .env("MEDALS_LOG", "warn")
        .envs(env.iter().copied())
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .expect("start medals")
}

/// Two `medals serve` processes on one PostgreSQL database share 1,000 shares to 25 robots (40
/// each, so every robot needs two rate windows): each card is sent once, both processes sent some
/// (their lease owners are seen on in-flight rows), and no robot ever got more than 20 in a window.
#[test]
fn two_processes_on_postgres() {
    crate::helpers::block_on_guarded(async {
        let sim_cfg = SimConfig {
            rate_window: Duration::from_secs(2),
            ..SimConfig::default()
        };
        let f = fixture(Backend::Postgres, sim_cfg, 25, |c| {
            c.secret_key = Some(secrecy::SecretString::from(TEST_KEY));
        })
        .await;
        f.sim.sim.set_faults(
            "*",
            Faults {
                latency_ms: 20,
                ..Faults::default()
            },
        );
        insert_shares(&f.db, &f.groups, 40).await;
        let env = [
            ("MEDALS_OUTBOX_CONCURRENCY", "16"),
            ("MEDALS_ROBOT_RATE_WINDOW_MS", "2000"),
        ];
        let start = Instant::now();
        let mut a = spawn_medals(&f, &env);
        let mut b = spawn_medals(&f, &env);
        let mut owners = std::collections::BTreeSet::new();
        let mut c = HashMap::new();
        while start.elapsed() < Duration::from_secs(60) {
            let seen = with_db!(&f.db, p => sqlx::query_scalar::<_, String>(
                "SELECT DISTINCT lease_owner FROM shares WHERE lease_owner IS NOT NULL").fetch_all(p).await)
            .unwrap();
            owners.extend(seen);
            c = counts(&f.db).await;
            if c.get("sent").copied().unwrap_or(0) == 1000 {
                break;
            }
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
        for child in [&mut a, &mut b] {
            child.kill().unwrap();
            child.wait().unwrap();
        }
        assert_eq!(c.get("sent").copied().unwrap_or(0), 1000, "{c:?}");
        assert_each_once(&f.sim.sim, &f.groups, 40);
        assert_eq!(owners.len(), 2, "both processes sent: {owners:?}");
        let worst = max_in_window(&f.sim.sim, &f.groups, Duration::from_secs(2));
        assert!(
            worst <= 20,
            "a robot received {worst} messages in one window"
        );
        let errors = with_db!(&f.db, p => sqlx::query_scalar::<_, i64>(
            "SELECT COUNT(*) FROM share_groups WHERE last_error_code IS NOT NULL").fetch_one(p).await).unwrap();
        assert_eq!(errors, 0, "a robot answered with an error (throttling?)");
        assert!(f.sim.sim.robots().iter().all(|r| r.penalty_secs == 0));
        eprintln!("two processes: 1000 shares in {:?}", start.elapsed());
    });
}

/// Kill the real `medals` server with SIGKILL in the middle of a 500-group fan-out and start it
/// again: every card is delivered exactly once (shares caught `sending` are taken over when their
/// lease ends and resent with their own msgUuid, which the simulator — like DingTalk — posts once).
async fn sigkill_mid_fan_out_then_restart(b: Backend) {
    let f = fixture(b, SimConfig::default(), 500, |c| {
        c.secret_key = Some(secrecy::SecretString::from(TEST_KEY));
    })
    .await;
    f.sim.sim.set_faults(
        "*",
        Faults {
            latency_ms: 50,
            ..Faults::default()
        },
    );
    insert_shares(&f.db, &f.groups, 1).await;
    let env = [
        ("MEDALS_OUTBOX_CONCURRENCY", "8"),
        ("MEDALS_OUTBOX_LEASE_MS", "1500"),
    ];
    let spawn = || spawn_medals(&f, &env);
    let start = Instant::now();
    let mut child = spawn();
    let mut at_kill = Default::default();
    while start.elapsed() < Duration::from_secs(30) {
        at_kill = counts(&f.db).await;
        if at_kill.get("sent").copied().unwrap_or(0) >= 100 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    child.kill().expect("SIGKILL"); // std's kill is SIGKILL on Unix
    child.wait().unwrap();
    let after_kill = counts(&f.db).await;
    let sent_before = after_kill.get("sent").copied().unwrap_or(0);
    assert!(
        (100..500).contains(&sent_before),
        "killed mid fan-out: {after_kill:?}"
    );
    // 8 sending and at most 8 more claimed, waiting for a slot
    assert!(
        after_kill.get("sending").copied().unwrap_or(0) <= 16,
        "claims stay within twice the concurrency: {after_kill:?}"
    );
    let mut child = spawn();
    let c = wait_done(&f.db, Duration::from_secs(40)).await;
    child.kill().unwrap();
    child.wait().unwrap();
    assert_eq!(c.get("sent").copied().unwrap_or(0), 500, "{c:?}");
    assert_each_once(&f.sim.sim, &f.groups, 1);
    eprintln!(
        "{b:?}: killed with {after_kill:?} (at the check: {at_kill:?}); all 500 delivered once after restart, {:?} in all",
        start.elapsed()
    );
}
both!(
    sigkill_mid_fan_out_then_restart,
    super::sigkill_mid_fan_out_then_restart
);

/// App-robot groups (by openConversationId, sent as the internal app's robot): cards arrive; a
/// robot that is not in its group fails at once with the reason; an "unknown send result" is not
/// resent by itself (the app API has no msgUuid to de-duplicate), it waits for a person.
async fn app_robot_groups(b: Backend) {
    use dingtalk::sim::{AppSpec, GroupSpec};
    use medal_server::infra::kv::settings_put;
    use medal_server::settings::db::APP_KEY;
    use medal_server::settings::db::APP_SECRET_ENC;
    use medal_server::settings::db::ROBOT_CODE;
    let f = fixture(b, SimConfig::default(), 0, |_| {}).await;
    let app = f.sim.sim.create_app(AppSpec::default());
    let c = medal_server::infra::crypto::for_config(&f.config).unwrap();
    settings_put(&f.db, APP_KEY, &app.app_key).await.unwrap();
    settings_put(&f.db, APP_SECRET_ENC, &c.encrypt(&app.app_secret))
        .await
        .unwrap();
    settings_put(&f.db, ROBOT_CODE, &app.robot_code)
        .await
        .unwrap();
    let mut groups = Vec::new();
    for (i, name) in ["全员群", "没有机器人的群", "回执丢失的群"]
        .iter()
        .enumerate()
    {
        let g = f.sim.sim.create_group(GroupSpec::named(*name));
        if i != 1 {
            f.sim
                .sim
                .add_app_robot_to_group(&app.robot_code, &g.open_conversation_id);
        }
        let id = with_db!(&f.db, p => sqlx::query_scalar::<_, i64>(
            "INSERT INTO share_groups (name, kind, open_conversation_id, created_at, updated_at) \
             VALUES ($1, 'app', $2, 0, 0) RETURNING id")
            .bind(*name).bind(&g.open_conversation_id).fetch_one(p).await)
        .unwrap();
        groups.push((id, g.open_conversation_id, String::new()));
    }
    f.sim.sim.set_faults(
        &groups[2].1,
        Faults {
            unknown_result: 1.0,
            ..Faults::default()
        },
    );
    insert_shares(&f.db, &groups, 2).await;
    let w = start_worker(f.db.clone(), &f.config, "w1");
    let counts = wait_done(&f.db, Duration::from_secs(30)).await;
    // Nothing is retried later by itself.
    tokio::time::sleep(Duration::from_millis(500)).await;
    w.abort();
    assert_eq!(counts.get("sent"), Some(&2), "{counts:?}");
    assert_eq!(counts.get("failed"), Some(&4), "{counts:?}");
    assert_eq!(f.sim.sim.messages(&groups[0].1).len(), 2);
    assert_eq!(f.sim.sim.messages(&groups[1].1).len(), 0);
    // DingTalk posted these (the answer was lost), and they were not posted again.
    assert_eq!(f.sim.sim.messages(&groups[2].1).len(), 2);
    let rows = with_db!(&f.db, p => sqlx::query_as::<_, (i64, i32, Option<String>)>(
        "SELECT group_id, attempts, last_error_code FROM shares WHERE status = 'failed' ORDER BY id")
        .fetch_all(p).await)
    .unwrap();
    for (group, attempts, code) in rows {
        assert_eq!(attempts, 1, "stopped after one attempt");
        let code = code.unwrap_or_default();
        if group == groups[1].0 {
            assert_eq!(code, "robot.not.in.group");
        } else {
            assert_eq!(code, "unknown.send.result");
        }
    }
}
both!(app_robot_groups, super::app_robot_groups);
