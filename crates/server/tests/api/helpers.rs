use std::sync::Arc;

use medal_core::Role;
use medal_server::infra::Config;
use medal_server::infra::Db;
use reqwest::header::{ACCEPT, REFERER};
use reqwest::{multipart, redirect, Client, Response};

#[derive(Clone, Copy, Debug)]
pub enum Backend {
    Sqlite,
    Postgres,
}

pub struct TestApp {
    pub addr: String,
    pub db: Db,
    pub config: Arc<Config>,
    _dir: tempfile::TempDir,
}

/// Runs an async test body once per backend: `both!(name, body_fn)`. The runtime's threads get
/// the same 8 MiB stacks as the `medals` binary's (deep views recurse a lot in debug builds).
#[macro_export]
macro_rules! both {
    ($name:ident, $body:path) => {
        mod $name {
            #[test]
            fn sqlite() {
                $crate::helpers::block_on_guarded($body($crate::helpers::Backend::Sqlite))
            }
            #[test]
            fn postgres() {
                $crate::helpers::block_on_guarded($body($crate::helpers::Backend::Postgres))
            }
        }
    };
}

/// Longest a test may run: the slowest take about 20 s; one that has not finished after this
/// hangs, and fails here rather than stalling the whole suite. (Seen once: a page render waited
/// forever because another test was building its app at that moment, leptos#4773; the route list
/// is now generated once per process, see `ssr::server::routes`.)
pub const HUNG: std::time::Duration = std::time::Duration::from_secs(240);

/// Runs a test body on a fresh runtime, failing it when it runs longer than [`HUNG`].
pub fn block_on_guarded<F: std::future::Future>(f: F) -> F::Output {
    runtime().block_on(async {
        match tokio::time::timeout(HUNG, f).await {
            Ok(v) => v,
            Err(_) => panic!("the test did not finish within {HUNG:?}: it hangs"),
        }
    })
}

pub fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .thread_stack_size(8 * 1024 * 1024)
        .enable_all()
        .build()
        .unwrap()
}

async fn database_url(backend: Backend, dir: &tempfile::TempDir) -> String {
    match backend {
        Backend::Sqlite => format!("sqlite:{}", dir.path().join("medals.db").display()),
        Backend::Postgres => {
            let base = std::env::var("MEDALS_TEST_PG")
                .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432".into());
            let name = format!("medals_t_{}", uuid::Uuid::new_v4().simple());
            let admin = sqlx::PgPool::connect(&format!("{base}/postgres")).await.expect(
                "PostgreSQL must be reachable at MEDALS_TEST_PG (default postgres://postgres@127.0.0.1:5432)",
            );
            sqlx::query(&format!("CREATE DATABASE \"{name}\""))
                .execute(&admin)
                .await
                .expect("create test database");
            admin.close().await;
            format!("{base}/{name}")
        }
    }
}

pub async fn spawn_app(backend: Backend) -> TestApp {
    spawn_app_with(backend, |_| {}).await
}

pub const PASSWORD: &str = "correct horse battery";

impl TestApp {
    /// A server started some other way (a real `medals serve` process) on `db`.
    pub fn external(addr: String, db: Db, dir: tempfile::TempDir) -> TestApp {
        TestApp {
            addr,
            db,
            config: Arc::new(Config::default()),
            _dir: dir,
        }
    }

    /// The app's shared state, to call a resource's functions as background work does.
    pub fn state(&self) -> medal_server::infra::AppState {
        medal_server::host::router::state(self.config.clone(), self.db.clone())
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.addr)
    }

    /// A browser-like client: keeps cookies, does not follow redirects (tests look at them).
    pub fn client(&self) -> Client {
        Client::builder()
            .cookie_store(true)
            .redirect(redirect::Policy::none())
            .build()
            .unwrap()
    }

    /// Like `client`, with the cookie jar in hand.
    pub fn client_with_jar(&self) -> (Client, Arc<reqwest::cookie::Jar>) {
        let jar = Arc::new(reqwest::cookie::Jar::default());
        let c = Client::builder()
            .cookie_provider(jar.clone())
            .redirect(redirect::Policy::none())
            .build()
            .unwrap();
        (c, jar)
    }

    /// The session cookie's value in `jar`.
    pub fn session_cookie(&self, jar: &reqwest::cookie::Jar) -> Option<String> {
        use reqwest::cookie::CookieStore;
        let h = jar.cookies(&self.addr.parse().unwrap())?;
        h.to_str()
            .ok()?
            .split("; ")
            .find_map(|kv| kv.strip_prefix("medals_session=").map(str::to_string))
    }

    pub async fn create_admin(&self, username: &str, role: Role) {
        medal_server::session::auth::create_admin(&self.db, username, PASSWORD, role)
            .await
            .expect("create admin");
    }

    /// A client signed in as a new admin with `role`.
    pub async fn signed_in(&self, role: Role) -> Client {
        let name = format!("{}-user", role.as_str());
        self.create_admin(&name, role).await;
        let c = self.client();
        let r = self.login(&c, &name, PASSWORD).await;
        assert_eq!(
            r.status(),
            200,
            "login as {name}: {}",
            r.text().await.unwrap()
        );
        c
    }

    pub async fn login(&self, c: &Client, username: &str, password: &str) -> Response {
        self.post(
            c,
            "/sfn/auth/login",
            &[("username", username), ("password", password)],
        )
        .await
    }

    /// A server-function call as the hydrated app makes it (form-encoded, JSON back).
    pub async fn post(&self, c: &Client, path: &str, form: &[(&str, &str)]) -> Response {
        c.post(self.url(path))
            .header(ACCEPT, "application/json")
            .form(form)
            .send()
            .await
            .unwrap()
    }

    /// A plain HTML form post, as a browser without JavaScript makes it.
    pub async fn post_plain(
        &self,
        c: &Client,
        path: &str,
        referer: &str,
        form: &[(&str, &str)],
    ) -> Response {
        c.post(self.url(path))
            .header(ACCEPT, "text/html,application/xhtml+xml")
            .header(REFERER, self.url(referer))
            .form(form)
            .send()
            .await
            .unwrap()
    }

    pub async fn post_multipart(&self, c: &Client, path: &str, form: multipart::Form) -> Response {
        c.post(self.url(path))
            .header(ACCEPT, "application/json")
            .multipart(form)
            .send()
            .await
            .unwrap()
    }

    pub async fn get(&self, c: &Client, path: &str) -> Response {
        c.get(self.url(path))
            .header(ACCEPT, "text/html")
            .send()
            .await
            .unwrap()
    }
}

/// A medal form as the browser sends it.
pub fn medal_form(fields: &[(&str, &str)]) -> multipart::Form {
    let mut base: Vec<(String, String)> = [
        ("name", "月度之星"),
        ("description", "每月最佳"),
        ("criteria", "部门推荐"),
        ("tier", "gold"),
        ("kind", "manual"),
        ("validity_days", ""),
        ("icon_source", "preset"),
        ("icon_preset", "trophy"),
    ]
    .iter()
    .map(|(k, v)| (k.to_string(), v.to_string()))
    .collect();
    for (k, v) in fields {
        base.retain(|(bk, _)| bk != k);
        base.push((k.to_string(), v.to_string()));
    }
    let mut form = multipart::Form::new();
    for (k, v) in base {
        form = form.text(k, v);
    }
    form
}

pub fn with_file(
    form: multipart::Form,
    bytes: Vec<u8>,
    filename: &str,
    mime: &str,
) -> multipart::Form {
    form.part(
        "icon_file",
        multipart::Part::bytes(bytes)
            .file_name(filename.to_string())
            .mime_str(mime)
            .unwrap(),
    )
}

/// A PNG of `w`×`h` made of pseudo-random noise (does not compress).
pub fn noise_png(w: u32, h: u32) -> Vec<u8> {
    let mut seed: u32 = 0x1234_5678;
    let img = image::RgbImage::from_fn(w, h, |_, _| {
        seed = seed.wrapping_mul(1_664_525).wrapping_add(1_013_904_223);
        let b = seed.to_le_bytes();
        image::Rgb([b[1], b[2], b[3]])
    });
    let mut out = Vec::new();
    image::DynamicImage::ImageRgb8(img)
        .write_to(&mut std::io::Cursor::new(&mut out), image::ImageFormat::Png)
        .unwrap();
    out
}

pub fn solid_png(w: u32, h: u32) -> Vec<u8> {
    let img = image::RgbaImage::from_pixel(w, h, image::Rgba([30, 120, 200, 255]));
    let mut out = Vec::new();
    image::DynamicImage::ImageRgba8(img)
        .write_to(&mut std::io::Cursor::new(&mut out), image::ImageFormat::Png)
        .unwrap();
    out
}

fn crc32(data: &[u8]) -> u32 {
    let mut crc = 0xFFFF_FFFFu32;
    for &b in data {
        crc ^= b as u32;
        for _ in 0..8 {
            crc = if crc & 1 != 0 {
                (crc >> 1) ^ 0xEDB8_8320
            } else {
                crc >> 1
            };
        }
    }
    !crc
}

/// A real 1×1 PNG whose header is rewritten to say 20000×20000 (a decompression bomb's header).
pub fn huge_header_png() -> Vec<u8> {
    let mut png = solid_png(1, 1);
    // IHDR data starts at byte 16 (8 signature + 4 length + 4 type); CRC covers type + data.
    png[16..20].copy_from_slice(&20000u32.to_be_bytes());
    png[20..24].copy_from_slice(&20000u32.to_be_bytes());
    let crc = crc32(&png[12..29]);
    png[29..33].copy_from_slice(&crc.to_be_bytes());
    png
}

// ---------------------------------------------------------------- sharing (issue #5)

/// A fresh database URL for `backend` (SQLite file in `dir`, or a new PostgreSQL database).
pub async fn fresh_database_url(backend: Backend, dir: &tempfile::TempDir) -> String {
    database_url(backend, dir).await
}

/// Like `spawn_app`, with the configuration adjusted by `adjust` (e.g. DingTalk bases pointing
/// at a simulator).
pub async fn spawn_app_with(backend: Backend, adjust: impl FnOnce(&mut Config)) -> TestApp {
    let dir = tempfile::tempdir().expect("temp dir");
    let url = database_url(backend, &dir).await;
    let db = Db::connect(&url).await.expect("connect and migrate");
    let mut config = Config {
        database_url: url,
        listen: "127.0.0.1:0".parse().unwrap(),
        site_root: dir.path().join("site"),
        secret_key_file: dir.path().join("secret.key"),
        ..Config::default()
    };
    adjust(&mut config);
    let config = Arc::new(config);
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = format!("http://{}", listener.local_addr().unwrap());
    let app = medal_server::host::router::router(config.clone(), db.clone(), None);
    tokio::spawn(async move {
        medal_server::host::router::serve(app, listener)
            .await
            .unwrap()
    });
    TestApp {
        addr,
        db,
        config,
        _dir: dir,
    }
}

/// A real `medals serve` process on `url` (its stdout and stderr go to `dir/medals.log`).
pub struct Process {
    pub child: std::process::Child,
    pub app: TestApp,
    pub log: std::path::PathBuf,
}

impl Process {
    /// Starts `medals serve` with `env` on top of a test configuration and waits until it answers.
    pub async fn start(
        url: &str,
        db: Db,
        dir: tempfile::TempDir,
        env: &[(&str, String)],
    ) -> Process {
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let log = dir.path().join("medals.log");
        let log_file = std::fs::File::create(&log).unwrap();
        let child = std::process::Command::new(env!("CARGO_BIN_EXE_medals"))
            .arg("serve")
            .env("MEDALS_CONFIG", dir.path().join("none.toml"))
            .env("MEDALS_DATABASE_URL", url)
            .env("MEDALS_LISTEN", format!("127.0.0.1:{port}"))
            .env("MEDALS_SITE_ROOT", dir.path())
            .env("MEDALS_SECRET_KEY", crate::share_fixtures::TEST_KEY)
            .envs(env.iter().map(|(k, v)| (*k, v.as_str())))
            .stdout(log_file.try_clone().unwrap())
            .stderr(log_file)
            .spawn()
            .unwrap();
        let app = TestApp::external(format!("http://127.0.0.1:{port}"), db, dir);
        let t = std::time::Instant::now();
        while reqwest::get(app.url("/healthz")).await.is_err() {
            assert!(
                t.elapsed() < std::time::Duration::from_secs(30),
                "medals serve did not start"
            );
            tokio::time::sleep(std::time::Duration::from_millis(100)).await;
        }
        Process { child, app, log }
    }

    /// Stops the process and returns what it logged.
    pub fn stop(mut self) -> String {
        self.child.kill().ok();
        self.child.wait().ok();
        std::fs::read_to_string(&self.log).unwrap()
    }
}

/// Creates a medal through the form (fields over [`medal_form`]'s defaults); returns its id.
pub async fn create_medal(app: &TestApp, c: &Client, fields: &[(&str, &str)]) -> i64 {
    let r = app
        .post_multipart(c, "/sfn/medals/save", medal_form(fields))
        .await;
    assert_eq!(r.status(), 200, "{}", r.text().await.unwrap());
    r.json().await.unwrap()
}

/// One page of `/sfn/awards/list` with these filter fields.
pub async fn award_list(app: &TestApp, c: &Client, filter: &[(&str, &str)]) -> serde_json::Value {
    let form: Vec<(String, String)> = filter
        .iter()
        .map(|(k, v)| (format!("filter[{k}]"), v.to_string()))
        .chain([("filter[page]".to_string(), String::new())])
        .collect();
    let form: Vec<(&str, &str)> = form.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
    let r = app.post(c, "/sfn/awards/list", &form).await;
    assert_eq!(r.status(), 200, "{filter:?}");
    r.json().await.unwrap()
}
