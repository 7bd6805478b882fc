//! Benchmark: the pages at a million awards.
//!
//! Generates 10,000 staff, 200 medals and 1,000,000 awards (sizes changeable) in a fresh
//! database — SQLite in a temp dir, or PostgreSQL — then starts the real `medals serve` on it
//! (release build), signs in, and for each page prints:
//! - `alone`: one request at a time on one keep-alive connection (median and max of 30);
//! - `32 conns`: requests per second, p50 and p99 with 32 connections for a few seconds;
//! - `static`: the same server serving a static file of the page's size the same way, and the
//!   page's rate as a fraction of it.
//!
//! Then the server's RSS idle (after start and sign-in) and its peak under the load.
//! Targets (issue #12): every page under 50 ms alone, p99 under 20 ms at 32 connections, at least
//! 0.1 of the static rate; RSS < 40 MB idle and < 120 MB under load. A line that misses says so.
//!
//! ```sh
//! cargo bench -p medal-server --bench pages                      # SQLite
//! BENCH_DB=postgres cargo bench -p medal-server --bench pages    # PostgreSQL (MEDALS_BENCH_PG)
//! ```
//! Env: `BENCH_STAFF`, `BENCH_MEDALS`, `BENCH_AWARDS`, `BENCH_SECONDS` (load per page, default 4),
//! `BENCH_CONNS` (32), `BENCH_PAGES` (comma-separated paths instead of the default set),
//! `BENCH_SQLITE_FILE` (SQLite: generate into this file once and reuse it on later runs, for
//! profiling one page after another without waiting for the generation each time).

use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::time::{Duration, Instant};

use medal_server::infra::now_ms;
use medal_server::infra::Db;
use medal_server::with_db;

fn env_num(key: &str, default: u64) -> u64 {
    std::env::var(key)
        .ok()
        .and_then(|v| v.replace('_', "").parse().ok())
        .unwrap_or(default)
}

/// Staff, medals and awards generated in the database itself (a recursive CTE, same SQL on both
/// databases). Awards are spread evenly over the last three years, oldest first; every medal and
/// every person gets about the same number; one in a hundred is revoked; batches of 500.
async fn generate(db: &Db, staff: u64, medals: u64, awards: u64) -> anyhow::Result<()> {
    let now = now_ms();
    let admin = with_db!(db, p => sqlx::query_scalar::<_, i64>(
        "INSERT INTO admins (username, password_hash, role, created_at, updated_at) \
         VALUES ('bench', $1, 'owner', 0, 0) RETURNING id")
        .bind(medal_server::session::auth::hash_password("bench-password-1").await.map_err(|e| anyhow::anyhow!("{e:?}"))?)
        .fetch_one(p).await)?;
    let series = |n: u64| {
        format!(
            "WITH RECURSIVE n(i) AS (SELECT CAST(1 AS BIGINT) UNION ALL SELECT i + 1 FROM n WHERE i < {n}) "
        )
    };
    db.execute(&format!(
        "{} INSERT INTO staff (name, mobile, dingtalk_user_id, department, external_id, active, created_at, updated_at) \
         SELECT '员工' || i, '1' || (3000000000 + i), 'user' || i, '部门' || (i % 40), 'E' || i, TRUE, 0, 0 FROM n",
        series(staff)
    ))
    .await?;
    let presets: Vec<&str> = medal_core::medal::PRESET_ICONS
        .iter()
        .map(|p| p.0)
        .collect();
    let preset_case = presets
        .iter()
        .enumerate()
        .map(|(k, p)| format!("WHEN {k} THEN '{p}'"))
        .collect::<Vec<_>>()
        .join(" ");
    db.execute(&format!(
        "{} INSERT INTO medals (name, description, criteria, icon_preset, tier, kind, repeatable, created_at, updated_at) \
         SELECT '勋章' || i, '第 ' || i || ' 枚勋章的说明', '标准 ' || i, CASE i % {np} {preset_case} END, \
         CASE i % 4 WHEN 0 THEN 'gold' WHEN 1 THEN 'silver' WHEN 2 THEN 'bronze' ELSE 'none' END, \
         'manual', TRUE, i, i FROM n",
        series(medals),
        np = presets.len()
    ))
    .await?;
    let (m0, s0) = with_db!(db, p => sqlx::query_as::<_, (i64, i64)>(
        "SELECT (SELECT MIN(id) FROM medals), (SELECT MIN(id) FROM staff)").fetch_one(p).await)?;
    let step = 3 * 365 * 24 * 3600 * 1000 / awards.max(1) as i64;
    // In chunks, so that neither database holds a million-row statement in memory at once.
    let chunk = 100_000u64;
    let mut done = 0u64;
    while done < awards {
        let n = chunk.min(awards - done);
        db.execute(&format!(
            "{series} INSERT INTO awards (medal_id, staff_id, reason, awarded_by_admin, awarded_at, \
             public_token, revoked_at, revoked_by, revoke_reason, batch_id) \
             SELECT {m0} + ((i + {done}) * 7) % {medals}, {s0} + ((i + {done}) * 7919) % {staff}, \
             '表现突出，第 ' || (i + {done}) || ' 次', {admin}, {now} - ({awards} - i - {done}) * {step}, \
             'bench' || (i + {done}), \
             CASE WHEN (i + {done}) % 100 = 0 THEN {now} END, CASE WHEN (i + {done}) % 100 = 0 THEN {admin} END, \
             CASE WHEN (i + {done}) % 100 = 0 THEN '测试撤销' END, 'bench-' || ((i + {done}) / 500) FROM n",
            series = series(n)
        ))
        .await?;
        done += n;
    }
    // As a database that grew over years is: compact and with planner statistics. On PostgreSQL
    // each generated award rewrote its medal's and person's counter rows, a million row versions
    // in minutes; over years autovacuum keeps reusing that space, so the tables are compacted
    // here (VACUUM FULL) instead of measuring a bloat that steady use does not have.
    match db {
        Db::Postgres(_) => db.execute("VACUUM FULL ANALYZE").await?,
        Db::Sqlite(_) => db.execute("ANALYZE").await?,
    };
    Ok(())
}

struct Server {
    child: Child,
    base: String,
    _dir: tempfile::TempDir,
    site: std::path::PathBuf,
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Server {
    fn rss_kb(&self, field: &str) -> u64 {
        std::fs::read_to_string(format!("/proc/{}/status", self.child.id()))
            .ok()
            .and_then(|s| {
                s.lines()
                    .find(|l| l.starts_with(field))
                    .and_then(|l| l.split_whitespace().nth(1)?.parse().ok())
            })
            .unwrap_or(0)
    }
}

async fn start(url: &str, dir: tempfile::TempDir) -> anyhow::Result<Server> {
    let port = std::net::TcpListener::bind("127.0.0.1:0")?
        .local_addr()?
        .port();
    let base = format!("http://127.0.0.1:{port}");
    let site = dir.path().join("site");
    std::fs::create_dir_all(site.join("pkg"))?;
    let child = Command::new(env!("CARGO_BIN_EXE_medals"))
        .arg("serve")
        .current_dir(dir.path())
        .env("MEDALS_LISTEN", format!("127.0.0.1:{port}"))
        .env("MEDALS_PUBLIC_URL", &base)
        .env("MEDALS_DATABASE_URL", url)
        .env("MEDALS_SECRET_KEY_FILE", dir.path().join("secret.key"))
        .env("MEDALS_SITE_ROOT", &site)
        .env("MEDALS_LOG", "warn")
        .stdout(Stdio::null())
        .stderr(Stdio::inherit())
        .spawn()?;
    let server = Server {
        child,
        base,
        _dir: dir,
        site,
    };
    let client = reqwest::Client::new();
    for _ in 0..600 {
        if let Ok(r) = client.get(format!("{}/readyz", server.base)).send().await {
            if r.status().is_success() {
                return Ok(server);
            }
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    anyhow::bail!("the server did not get ready in 60 s")
}

async fn sign_in(base: &str) -> anyhow::Result<String> {
    let client = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()?;
    let r = client
        .post(format!("{base}/sfn/auth/login"))
        .header("Origin", base)
        .header("Sec-Fetch-Site", "same-origin")
        .form(&[("username", "bench"), ("password", "bench-password-1")])
        .send()
        .await?;
    let cookies: Vec<String> = r
        .headers()
        .get_all("set-cookie")
        .iter()
        .filter_map(|v| v.to_str().ok()?.split(';').next().map(str::to_string))
        .collect();
    anyhow::ensure!(!cookies.is_empty(), "sign-in answered {}", r.status());
    Ok(cookies.join("; "))
}

fn client() -> reqwest::Client {
    reqwest::Client::builder()
        .pool_max_idle_per_host(1)
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .expect("client")
}

async fn get(c: &reqwest::Client, url: &str, cookie: &str) -> anyhow::Result<(Duration, usize)> {
    let t = Instant::now();
    let r = c
        .get(url)
        .header("Cookie", cookie)
        .header("Accept", "text/html")
        .send()
        .await?;
    let status = r.status();
    let body = r.bytes().await?;
    anyhow::ensure!(
        status.is_success(),
        "{url} answered {status}: {}",
        String::from_utf8_lossy(&body[..body.len().min(500)])
    );
    Ok((t.elapsed(), body.len()))
}

fn pct(sorted: &[Duration], p: f64) -> f64 {
    let i = ((sorted.len() as f64 * p).ceil() as usize).clamp(1, sorted.len()) - 1;
    sorted[i].as_secs_f64() * 1000.0
}

/// Requests per second, p50 and p99 (ms) with `conns` connections for `secs` seconds.
async fn load(url: &str, cookie: &str, conns: usize, secs: u64) -> anyhow::Result<(f64, f64, f64)> {
    let url = Arc::new(url.to_string());
    let cookie = Arc::new(cookie.to_string());
    let t0 = Instant::now();
    let end = t0 + Duration::from_secs(secs);
    let mut tasks = Vec::new();
    for _ in 0..conns {
        let (url, cookie) = (url.clone(), cookie.clone());
        tasks.push(tokio::spawn(async move {
            let c = client();
            let mut samples = Vec::new();
            while Instant::now() < end {
                samples.push(get(&c, &url, &cookie).await?.0);
            }
            anyhow::Ok(samples)
        }));
    }
    let mut all = Vec::new();
    for t in tasks {
        all.extend(t.await??);
    }
    let elapsed = t0.elapsed().as_secs_f64();
    all.sort();
    Ok((all.len() as f64 / elapsed, pct(&all, 0.5), pct(&all, 0.99)))
}

async fn bench_page(
    s: &Server,
    path: &str,
    cookie: &str,
    conns: usize,
    secs: u64,
) -> anyhow::Result<()> {
    let url = format!("{}{path}", s.base);
    let c = client();
    let mut size = 0;
    for _ in 0..5 {
        size = get(&c, &url, cookie).await?.1;
    }
    let mut alone = Vec::new();
    for _ in 0..30 {
        alone.push(get(&c, &url, cookie).await?.0);
    }
    alone.sort();
    let (rps, p50, p99) = load(&url, cookie, conns, secs).await?;
    // Under /pkg/, where the site's own files are: served without a session lookup.
    let name = format!("pkg/bench-static-{size}.html");
    std::fs::write(s.site.join(&name), vec![b'x'; size])?;
    let (srps, _, sp99) = load(&format!("{}/{name}", s.base), cookie, conns, secs).await?;
    let (a50, amax) = (pct(&alone, 0.5), pct(&alone, 1.0));
    let ratio = rps / srps;
    let miss = [
        (a50 >= 50.0, "alone ≥ 50 ms"),
        (p99 >= 20.0, "p99 ≥ 20 ms"),
        (ratio < 0.1, "< 0.1 of static"),
    ]
    .iter()
    .filter(|m| m.0)
    .map(|m| m.1)
    .collect::<Vec<_>>()
    .join(", ");
    println!(
        "{path:<34} {size:>7} B  alone p50 {a50:>7.2} ms max {amax:>7.2}  |  {conns} conns {rps:>7.0} req/s p50 {p50:>6.2} p99 {p99:>7.2} ms  |  static {srps:>7.0} req/s p99 {sp99:>5.2}  ratio {ratio:>5.3}  {}",
        if miss.is_empty() { "ok".to_string() } else { format!("MISSES: {miss}") }
    );
    Ok(())
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let (staff, medals, awards) = (
        env_num("BENCH_STAFF", 10_000),
        env_num("BENCH_MEDALS", 200),
        env_num("BENCH_AWARDS", 1_000_000),
    );
    let (secs, conns) = (
        env_num("BENCH_SECONDS", 4),
        env_num("BENCH_CONNS", 32) as usize,
    );
    let dir = tempfile::tempdir()?;
    let pg = std::env::var("BENCH_DB").is_ok_and(|v| v == "postgres");
    let (url, pg_name) = if pg {
        let base = std::env::var("MEDALS_BENCH_PG")
            .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432".into());
        let name = format!("medals_bench_{}", std::process::id());
        pg_admin(&base, &format!("CREATE DATABASE {name}")).await?;
        (format!("{base}/{name}"), Some((base, name)))
    } else {
        match std::env::var("BENCH_SQLITE_FILE") {
            Ok(f) => (format!("sqlite:{f}"), None),
            Err(_) => (format!("sqlite:{}/bench.db", dir.path().display()), None),
        }
    };
    let reuse =
        std::env::var("BENCH_SQLITE_FILE").is_ok_and(|f| !pg && std::path::Path::new(&f).exists());
    let t = Instant::now();
    let db = Db::connect(&url).await?;
    if reuse {
        println!("# SQLite · reusing {url}");
    } else {
        generate(&db, staff, medals, awards).await?;
        println!(
            "# {} · {staff} staff, {medals} medals, {awards} awards generated in {:.1} s",
            if pg { "PostgreSQL" } else { "SQLite" },
            t.elapsed().as_secs_f64()
        );
    }
    with_db!(&db, p => p.close().await);
    let result = run(&url, dir, conns, secs).await;
    if let Some((base, name)) = pg_name {
        pg_admin(
            &base,
            &format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"),
        )
        .await?;
    }
    result
}

async fn pg_admin(base: &str, sql: &str) -> anyhow::Result<()> {
    use sqlx::Connection;
    let mut c = sqlx::PgConnection::connect(&format!("{base}/postgres")).await?;
    sqlx::query(sql).execute(&mut c).await?;
    Ok(())
}

async fn run(url: &str, dir: tempfile::TempDir, conns: usize, secs: u64) -> anyhow::Result<()> {
    let s = start(url, dir).await?;
    let cookie = sign_in(&s.base).await?;
    let db = Db::connect(url).await?;
    // Page 1,000 of the awards list: the cursor its "next" link would carry there.
    let (at, id) = with_db!(&db, p => sqlx::query_as::<_, (i64, i64)>(
        "SELECT awarded_at, id FROM awards ORDER BY awarded_at DESC, id DESC LIMIT 1 OFFSET $1")
        .bind(999 * medal_server::awards::db::PER_PAGE as i64 - 1).fetch_one(p).await)?;
    let cursor = medal_server::awards::Cursor { awarded_at: at, id };
    let page_1000 = format!("/awards?page=1000&after={}", cursor.param());
    let token = with_db!(&db, p => sqlx::query_scalar::<_, String>(
        "SELECT public_token FROM awards WHERE revoked_at IS NULL ORDER BY id LIMIT 1").fetch_one(p).await)?;
    let (medal, person) = with_db!(&db, p => sqlx::query_as::<_, (i64, i64)>(
        "SELECT (SELECT MIN(id) FROM medals), (SELECT MIN(id) FROM staff)").fetch_one(p).await)?;
    with_db!(&db, p => p.close().await);
    tokio::time::sleep(Duration::from_secs(1)).await;
    let idle = s.rss_kb("VmRSS:");
    let default_pages = vec![
        "/".to_string(),
        "/medals".into(),
        format!("/medals/{medal}"),
        format!("/staff/{person}"),
        "/awards".into(),
        page_1000,
        "/leaderboard".into(),
        "/leaderboard?period=quarter".into(),
        "/leaderboard?period=all".into(),
        "/staff".into(),
        format!("/a/{token}"),
    ];
    let pages = match std::env::var("BENCH_PAGES") {
        Ok(v) => v.split(',').map(str::to_string).collect(),
        Err(_) => default_pages,
    };
    for p in &pages {
        bench_page(&s, p, &cookie, conns, secs).await?;
    }
    let (idle_mb, peak_mb) = (idle as f64 / 1024.0, s.rss_kb("VmHWM:") as f64 / 1024.0);
    println!(
        "RSS idle {idle_mb:.1} MB (target < 40){}, peak under load {peak_mb:.1} MB (target < 120){}",
        if idle_mb < 40.0 { "" } else { " MISSES" },
        if peak_mb < 120.0 { "" } else { " MISSES" }
    );
    Ok(())
}
