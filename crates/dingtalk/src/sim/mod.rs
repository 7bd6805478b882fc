//! A DingTalk simulator: an axum router that answers like DingTalk (custom robots, the internal
//! app, user lookup, attendance results, organisation honours), keeps what each group received, injects faults, and
//! renders the groups as chats at `/`.
//!
//! ```no_run
//! # async fn demo() -> std::io::Result<()> {
//! use dingtalk::sim::{Simulator, SimConfig, GroupSpec, RobotSpec};
//! let sim = Simulator::new(SimConfig::default());
//! let group = sim.create_group(GroupSpec::named("研发部"));
//! let robot = sim
//!     .create_robot(RobotSpec::signed(&group.open_conversation_id, &["勋章"]))
//!     .unwrap();
//! // mount it: Router::new().nest("/sim", dingtalk::sim::router(sim.clone()))
//! // or serve it alone on a random port:
//! let running = dingtalk::sim::spawn_local(sim.clone()).await?;
//! println!("{} {}", running.base_url(), robot.access_token);
//! # Ok(()) }
//! ```

mod api;
mod attendance;
mod cards;
mod control;
mod info;
mod ip;
mod page;
mod page_parts;
mod setup;
mod spec;
mod world;

pub use attendance::attendance_day;
pub use cards::CardTemplateSpec;
pub use info::{
    AppInfo, CardShown, CardTemplateInfo, GrantInfo, GroupInfo, HonourInfo, Received, RobotInfo,
    Snapshot, Stats, UserInfo,
};
pub use spec::{AppSpec, Faults, GroupSpec, RobotSpec, UserSpec};

use std::net::SocketAddr;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

use rand::Rng;

use world::World;

/// Tunables of the simulator. Tests shorten the windows.
#[derive(Debug, Clone)]
pub struct SimConfig {
    /// Messages per robot per window (DingTalk: 20).
    pub rate_limit: u32,
    /// Rolling window of `rate_limit` (DingTalk: 60 s).
    pub rate_window: Duration,
    /// Penalty after exceeding the limit (DingTalk: 10 minutes).
    pub penalty: Duration,
    /// errcode of throttling answers: 130101 (seen in practice) or 410100 (documented).
    pub throttle_errcode: i64,
    /// Added to the simulator's clock (ms) when it checks signature timestamps.
    pub clock_skew_ms: i64,
    /// Lifetime of app access tokens (DingTalk: 7200 s).
    pub token_ttl: Duration,
    /// Calls per second per app and API (DingTalk standard edition: 20).
    pub app_qps: u32,
    /// Largest webhook body accepted (DingTalk: about 20,000 bytes).
    pub max_body_bytes: usize,
    /// Organisation-wide webhook message quota; `None` for unlimited.
    pub monthly_quota: Option<u32>,
    /// How long "timeout" and "lost answer" faults keep the request hanging.
    pub hang: Duration,
    /// How long one honour grant call takes (makes concurrent grants observable).
    pub grant_delay: Duration,
    /// Auto-refresh period of the `/` page in seconds (0: off).
    pub page_refresh_secs: u32,
}

impl Default for SimConfig {
    fn default() -> Self {
        SimConfig {
            rate_limit: 20,
            rate_window: Duration::from_secs(60),
            penalty: Duration::from_secs(600),
            throttle_errcode: 130101,
            clock_skew_ms: 0,
            token_ttl: Duration::from_secs(7200),
            app_qps: 20,
            max_body_bytes: crate::message::MAX_WEBHOOK_BODY_BYTES,
            monthly_quota: None,
            hang: Duration::from_secs(30),
            grant_delay: Duration::ZERO,
            page_refresh_secs: 5,
        }
    }
}

pub(crate) struct Shared {
    pub config: SimConfig,
    pub world: Mutex<World>,
}

/// Handle to one simulated DingTalk. Cheap to clone; all clones share the state.
#[derive(Clone)]
pub struct Simulator {
    pub(crate) shared: Arc<Shared>,
}

impl std::fmt::Debug for Simulator {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Simulator")
            .field("config", &self.shared.config)
            .finish()
    }
}

impl Default for Simulator {
    fn default() -> Self {
        Self::new(SimConfig::default())
    }
}

pub(crate) fn random_string(len: usize, alphabet: &[u8]) -> String {
    let mut rng = rand::thread_rng();
    (0..len)
        .map(|_| alphabet[rng.gen_range(0..alphabet.len())] as char)
        .collect()
}

pub(crate) const HEX: &[u8] = b"0123456789abcdef";
pub(crate) const ALNUM: &[u8] = b"abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";

impl Simulator {
    pub fn new(config: SimConfig) -> Self {
        let world = World {
            clock_skew_ms: config.clock_skew_ms,
            ..World::default()
        };
        Simulator {
            shared: Arc::new(Shared {
                config,
                world: Mutex::new(world),
            }),
        }
    }

    pub fn config(&self) -> &SimConfig {
        &self.shared.config
    }

    pub(crate) fn world(&self) -> MutexGuard<'_, World> {
        self.shared.world.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// The simulator's clock (Unix ms, skew included).
    pub fn now_ms(&self) -> i64 {
        crate::sign::now_ms() + self.world().clock_skew_ms
    }

    /// Forgets everything (robots, groups, apps, users, honours, messages, faults, counters).
    pub fn reset(&self) {
        let skew = self.shared.config.clock_skew_ms;
        *self.world() = World {
            clock_skew_ms: skew,
            ..World::default()
        };
    }

    /// Moves the simulator's clock relative to real time (ms).
    pub fn set_clock_skew_ms(&self, skew_ms: i64) {
        self.world().clock_skew_ms = skew_ms;
    }
}

/// The simulator as a router: DingTalk's paths (`/robot/send`, `/gettoken`, `/v1.0/...`,
/// `/topapi/...`), the control API under `/_control`, and the chat page at `/`.
///
/// Nest it anywhere (`Router::new().nest("/sim", router(sim))`) and point the clients' bases
/// at that prefix. The IP allowlist check uses `X-Forwarded-For` or axum's `ConnectInfo`.
pub fn router<S>(sim: Simulator) -> axum::Router<S>
where
    S: Clone + Send + Sync + 'static,
{
    api::routes()
        .merge(control::routes())
        .merge(page::routes())
        .with_state(sim)
}

/// Nests the simulator under `prefix` (e.g. `/sim`) and also answers `prefix/` with the chat
/// page (a plain `nest` leaves `prefix/` unrouted).
pub fn mount<S>(outer: axum::Router<S>, prefix: &str, sim: Simulator) -> axum::Router<S>
where
    S: Clone + Send + Sync + 'static,
{
    let prefix = prefix.trim_end_matches('/');
    let for_page = sim.clone();
    outer
        .route(
            &format!("{prefix}/"),
            axum::routing::get(
                move |axum::extract::OriginalUri(uri): axum::extract::OriginalUri| {
                    let sim = for_page.clone();
                    async move { page::page_response(&sim, uri.path()) }
                },
            ),
        )
        .nest(prefix, router(sim))
}

/// A simulator served on a local port (see [`spawn_local`]).
#[derive(Debug)]
pub struct RunningSim {
    pub sim: Simulator,
    pub addr: SocketAddr,
    pub task: tokio::task::JoinHandle<()>,
}

impl RunningSim {
    /// `http://127.0.0.1:PORT` — use it as both client bases.
    pub fn base_url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// Client configuration pointing at this simulator.
    pub fn client_config(&self) -> crate::ClientConfig {
        crate::ClientConfig::simulator(self.base_url())
    }
}

impl Drop for RunningSim {
    fn drop(&mut self) {
        self.task.abort();
    }
}

/// Serves `sim` at `/` on `127.0.0.1:0` (a free port) in a background task.
pub async fn spawn_local(sim: Simulator) -> std::io::Result<RunningSim> {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    let addr = listener.local_addr()?;
    let app = router::<()>(sim.clone());
    let task = tokio::spawn(async move {
        let _ = axum::serve(
            listener,
            app.into_make_service_with_connect_info::<SocketAddr>(),
        )
        .await;
    });
    Ok(RunningSim { sim, addr, task })
}
