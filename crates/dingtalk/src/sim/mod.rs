//! A DingTalk simulator: an axum router that answers like DingTalk (custom robots, the internal
//! app, user lookup, organisation honours), keeps what each group received, injects faults, and
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
mod control;
mod page;

use std::collections::{HashMap, HashSet, VecDeque};
use std::net::{Ipv4Addr, SocketAddr};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, Instant};

use rand::Rng;
use serde::{Deserialize, Serialize};

use crate::message::Message;

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

/// A group chat to create.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(default)]
pub struct GroupSpec {
    pub name: String,
    /// `openConversationId`; generated when empty.
    pub open_conversation_id: Option<String>,
    /// userIds of members.
    pub members: Vec<String>,
}

impl GroupSpec {
    pub fn named(name: impl Into<String>) -> Self {
        GroupSpec {
            name: name.into(),
            ..GroupSpec::default()
        }
    }
}

/// A custom robot to add to a group.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default)]
pub struct RobotSpec {
    /// openConversationId of the group.
    pub group: String,
    pub name: String,
    /// Whether 加签 is on (a secret is generated unless `secret` is given).
    pub signed: bool,
    pub secret: Option<String>,
    /// Up to 10 keywords.
    pub keywords: Vec<String>,
    /// IPv4 addresses or CIDR ranges.
    pub ip_allowlist: Vec<String>,
    /// Access token; generated when empty.
    pub access_token: Option<String>,
}

impl Default for RobotSpec {
    fn default() -> Self {
        RobotSpec {
            group: String::new(),
            name: "自定义机器人".into(),
            signed: true,
            secret: None,
            keywords: Vec::new(),
            ip_allowlist: Vec::new(),
            access_token: None,
        }
    }
}

impl RobotSpec {
    /// A robot with 加签 and these keywords.
    pub fn signed(group: &str, keywords: &[&str]) -> Self {
        RobotSpec {
            group: group.to_owned(),
            keywords: keywords.iter().map(|k| (*k).to_owned()).collect(),
            ..RobotSpec::default()
        }
    }

    /// A robot secured by keywords only.
    pub fn keywords_only(group: &str, keywords: &[&str]) -> Self {
        RobotSpec {
            signed: false,
            ..Self::signed(group, keywords)
        }
    }
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct RobotInfo {
    pub access_token: String,
    pub secret: Option<String>,
    /// As DingTalk shows it (real host); the clients accept it whatever their base.
    pub webhook_url: String,
    /// Relative to the simulator's base.
    pub webhook_path: String,
    pub group: String,
    pub name: String,
    pub keywords: Vec<String>,
    pub ip_allowlist: Vec<String>,
    pub enabled: bool,
    /// Seconds of penalty left.
    pub penalty_secs: u64,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct GroupInfo {
    pub open_conversation_id: String,
    pub name: String,
    pub disbanded: bool,
    pub members: Vec<String>,
    /// robotCodes of app robots in the group.
    pub app_robots: Vec<String>,
    pub message_count: usize,
}

/// An internal app to create.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(default)]
pub struct AppSpec {
    pub name: String,
    pub app_key: Option<String>,
    pub app_secret: Option<String>,
    /// Defaults to the appKey (as for DingTalk's internal-app robots).
    pub robot_code: Option<String>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct AppInfo {
    pub name: String,
    pub app_key: String,
    pub app_secret: String,
    pub robot_code: String,
    pub robot_enabled: bool,
}

/// A user of the organisation.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default)]
pub struct UserSpec {
    pub userid: Option<String>,
    pub name: String,
    pub mobile: String,
    /// `false`: has left the organisation (getbymobile answers 40104).
    pub active: bool,
}

impl Default for UserSpec {
    fn default() -> Self {
        UserSpec {
            userid: None,
            name: String::new(),
            mobile: String::new(),
            active: true,
        }
    }
}

impl UserSpec {
    pub fn new(name: impl Into<String>, mobile: impl Into<String>) -> Self {
        UserSpec {
            name: name.into(),
            mobile: mobile.into(),
            ..UserSpec::default()
        }
    }
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct UserInfo {
    pub userid: String,
    pub name: String,
    pub mobile: String,
    pub active: bool,
}

/// One message a group received.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Received {
    pub seq: u64,
    /// Unix ms.
    pub at_ms: i64,
    /// Name of the robot that posted it.
    pub sender: String,
    /// `webhook`, `app` or `honour`.
    pub via: String,
    pub msg_uuid: Option<String>,
    /// App messages: the template key.
    pub msg_key: Option<String>,
    pub message: Message,
}

/// Faults for one target (robot access token, group openConversationId, appKey, or `*` for
/// everything). Ratios are 0.0–1.0.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct Faults {
    /// Added before answering.
    pub latency_ms: u64,
    /// Share answered with HTTP 502.
    pub error_5xx: f64,
    /// Share answered with errcode -1 (busy) / HTTP 503 `ServiceUnavailable` on v1.0.
    pub busy: f64,
    /// Share that hangs for `SimConfig::hang` without delivering.
    pub timeout: f64,
    /// Share delivered, then hanging without an answer.
    pub lost_answer: f64,
    /// Share of app messages delivered and answered `unknown.send.result`.
    pub unknown_result: f64,
    /// Answer every message with throttling.
    pub throttle: bool,
    /// Apply to this many requests only, then remove.
    pub times: Option<u32>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum FaultAction {
    None,
    Throttle,
    Timeout,
    Error5xx,
    Busy,
    UnknownResult,
    LostAnswer,
}

/// Counters for tests.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct Stats {
    /// `oauth2/accessToken` + `gettoken` calls.
    pub token_requests: u64,
    /// Requests per endpoint name.
    pub requests: HashMap<String, u64>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct GrantInfo {
    pub user_id: String,
    pub sender_user_id: String,
    pub reason: String,
    pub at_ms: i64,
    pub expires_ms: Option<i64>,
    pub revoked: bool,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct HonourInfo {
    pub honor_id: String,
    pub name: String,
    pub description: String,
    pub bg_color: String,
    pub medal_media_id: String,
    pub creator_user_id: String,
    pub grants: Vec<GrantInfo>,
}

/// Everything, for `/_control/state`.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Snapshot {
    pub groups: Vec<GroupInfo>,
    pub robots: Vec<RobotInfo>,
    pub apps: Vec<AppInfo>,
    pub users: Vec<UserInfo>,
    pub honours: Vec<HonourInfo>,
    pub faults: HashMap<String, Faults>,
    pub clock_skew_ms: i64,
}

#[derive(Debug)]
pub(crate) struct RobotRec {
    pub info: RobotInfo,
    pub sends: VecDeque<Instant>,
    pub penalty_until: Option<Instant>,
    pub seen_uuids: HashSet<String>,
}

#[derive(Debug)]
pub(crate) struct GroupRec {
    pub name: String,
    pub disbanded: bool,
    pub members: Vec<String>,
    pub app_robots: Vec<String>,
    pub messages: Vec<Received>,
    /// App robot sends per robotCode (rate limit).
    pub app_sends: HashMap<String, VecDeque<Instant>>,
}

#[derive(Debug)]
pub(crate) struct TokenRec {
    pub app_key: String,
    pub expires: Instant,
}

#[derive(Debug, Default)]
pub(crate) struct World {
    pub robots: HashMap<String, RobotRec>,
    pub robot_order: Vec<String>,
    pub groups: HashMap<String, GroupRec>,
    pub group_order: Vec<String>,
    pub apps: HashMap<String, AppInfo>,
    pub app_order: Vec<String>,
    pub tokens: HashMap<String, TokenRec>,
    pub users: Vec<UserInfo>,
    pub honours: Vec<HonourInfo>,
    pub grants_in_flight: HashSet<String>,
    pub faults: HashMap<String, Faults>,
    pub qps: HashMap<(String, String), VecDeque<Instant>>,
    pub monthly_sent: u32,
    pub clock_skew_ms: i64,
    pub seq: u64,
    pub stats: Stats,
}

impl World {
    pub fn robot_info(&self, token: &str, now: Instant) -> Option<RobotInfo> {
        self.robots.get(token).map(|r| {
            let mut info = r.info.clone();
            info.penalty_secs = r
                .penalty_until
                .map(|t| t.saturating_duration_since(now).as_secs())
                .unwrap_or(0);
            info
        })
    }

    pub fn group_info(&self, cid: &str) -> Option<GroupInfo> {
        self.groups.get(cid).map(|g| GroupInfo {
            open_conversation_id: cid.to_owned(),
            name: g.name.clone(),
            disbanded: g.disbanded,
            members: g.members.clone(),
            app_robots: g.app_robots.clone(),
            message_count: g.messages.len(),
        })
    }

    pub fn user_by_id(&self, id: &str) -> Option<&UserInfo> {
        self.users.iter().find(|u| u.userid == id)
    }

    pub fn next_seq(&mut self) -> u64 {
        self.seq += 1;
        self.seq
    }

    pub fn count(&mut self, endpoint: &str) {
        *self.stats.requests.entry(endpoint.to_owned()).or_default() += 1;
    }

    /// Looks up faults for the first matching key, rolls the dice and consumes `times`.
    pub fn take_fault(&mut self, keys: &[&str]) -> (Duration, FaultAction) {
        let mut keys: Vec<&str> = keys.iter().copied().filter(|k| !k.is_empty()).collect();
        keys.push("*");
        let Some(key) = keys.into_iter().find(|k| self.faults.contains_key(*k)) else {
            return (Duration::ZERO, FaultAction::None);
        };
        let key = key.to_owned();
        let Some(f) = self.faults.get_mut(&key) else {
            return (Duration::ZERO, FaultAction::None);
        };
        let mut rng = rand::thread_rng();
        let mut roll = |p: f64| p > 0.0 && rng.gen::<f64>() < p;
        let action = if f.throttle {
            FaultAction::Throttle
        } else if roll(f.timeout) {
            FaultAction::Timeout
        } else if roll(f.error_5xx) {
            FaultAction::Error5xx
        } else if roll(f.busy) {
            FaultAction::Busy
        } else if roll(f.unknown_result) {
            FaultAction::UnknownResult
        } else if roll(f.lost_answer) {
            FaultAction::LostAnswer
        } else {
            FaultAction::None
        };
        let latency = Duration::from_millis(f.latency_ms);
        if let Some(n) = f.times.as_mut() {
            *n = n.saturating_sub(1);
            if *n == 0 {
                self.faults.remove(&key);
            }
        }
        (latency, action)
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

fn parse_ipv4_rule(rule: &str) -> Option<(Ipv4Addr, u8)> {
    let rule = rule.trim();
    let (ip, bits) = match rule.split_once('/') {
        Some((ip, bits)) => (ip, bits.parse::<u8>().ok().filter(|b| *b <= 32)?),
        None => (rule, 32),
    };
    Some((ip.parse().ok()?, bits))
}

pub(crate) fn ip_allowed(rules: &[String], ip: Option<Ipv4Addr>) -> bool {
    if rules.is_empty() {
        return true;
    }
    let Some(ip) = ip else { return false };
    rules
        .iter()
        .filter_map(|r| parse_ipv4_rule(r))
        .any(|(net, bits)| {
            let mask = if bits == 0 {
                0
            } else {
                u32::MAX << (32 - u32::from(bits))
            };
            (u32::from(net) & mask) == (u32::from(ip) & mask)
        })
}

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

    pub fn create_group(&self, spec: GroupSpec) -> GroupInfo {
        let cid = spec
            .open_conversation_id
            .filter(|c| !c.is_empty())
            .unwrap_or_else(|| format!("cid{}", random_string(22, ALNUM)));
        let name = if spec.name.trim().is_empty() {
            "未命名群".to_owned()
        } else {
            spec.name
        };
        let mut w = self.world();
        if !w.groups.contains_key(&cid) {
            w.group_order.push(cid.clone());
        }
        w.groups.insert(
            cid.clone(),
            GroupRec {
                name,
                disbanded: false,
                members: spec.members,
                app_robots: Vec::new(),
                messages: Vec::new(),
                app_sends: HashMap::new(),
            },
        );
        w.group_info(&cid).unwrap_or_else(|| unreachable!())
    }

    pub fn groups(&self) -> Vec<GroupInfo> {
        let w = self.world();
        w.group_order
            .iter()
            .filter_map(|c| w.group_info(c))
            .collect()
    }

    pub fn disband_group(&self, cid: &str) -> bool {
        match self.world().groups.get_mut(cid) {
            Some(g) => {
                g.disbanded = true;
                true
            }
            None => false,
        }
    }

    /// Messages a group received, oldest first.
    pub fn messages(&self, cid: &str) -> Vec<Received> {
        self.world()
            .groups
            .get(cid)
            .map(|g| g.messages.clone())
            .unwrap_or_default()
    }

    /// Adds a custom robot to a group; returns its token and secret.
    pub fn create_robot(&self, spec: RobotSpec) -> Result<RobotInfo, String> {
        if spec.keywords.len() > 10 {
            return Err("a robot has at most 10 keywords".into());
        }
        for rule in &spec.ip_allowlist {
            if parse_ipv4_rule(rule).is_none() {
                return Err(format!("not an IPv4 address or CIDR range: {rule}"));
            }
        }
        if !spec.signed && spec.keywords.is_empty() && spec.ip_allowlist.is_empty() {
            return Err("a robot needs at least one of: signature, keywords, IP allowlist".into());
        }
        let token = spec
            .access_token
            .filter(|t| !t.is_empty())
            .unwrap_or_else(|| random_string(64, HEX));
        let secret = if spec.signed {
            Some(
                spec.secret
                    .filter(|s| !s.is_empty())
                    .unwrap_or_else(|| format!("SEC{}", random_string(64, HEX))),
            )
        } else {
            None
        };
        let mut w = self.world();
        if !w.groups.contains_key(&spec.group) {
            return Err(format!("no group {}", spec.group));
        }
        let info = RobotInfo {
            webhook_url: format!(
                "{}/robot/send?access_token={token}",
                crate::robot::REAL_OAPI_BASE
            ),
            webhook_path: format!("robot/send?access_token={token}"),
            access_token: token.clone(),
            secret,
            group: spec.group,
            name: if spec.name.trim().is_empty() {
                "自定义机器人".into()
            } else {
                spec.name
            },
            keywords: spec.keywords,
            ip_allowlist: spec.ip_allowlist,
            enabled: true,
            penalty_secs: 0,
        };
        if !w.robots.contains_key(&token) {
            w.robot_order.push(token.clone());
        }
        w.robots.insert(
            token,
            RobotRec {
                info: info.clone(),
                sends: VecDeque::new(),
                penalty_until: None,
                seen_uuids: HashSet::new(),
            },
        );
        Ok(info)
    }

    pub fn robots(&self) -> Vec<RobotInfo> {
        let w = self.world();
        let now = Instant::now();
        w.robot_order
            .iter()
            .filter_map(|t| w.robot_info(t, now))
            .collect()
    }

    /// Enables or disables (停用) a custom robot.
    pub fn set_robot_enabled(&self, token: &str, enabled: bool) -> bool {
        match self.world().robots.get_mut(token) {
            Some(r) => {
                r.info.enabled = enabled;
                true
            }
            None => false,
        }
    }

    /// Removes a custom robot (its token then "does not exist").
    pub fn delete_robot(&self, token: &str) -> bool {
        let mut w = self.world();
        w.robot_order.retain(|t| t != token);
        w.robots.remove(token).is_some()
    }

    pub fn create_app(&self, spec: AppSpec) -> AppInfo {
        let app_key = spec.app_key.filter(|k| !k.is_empty()).unwrap_or_else(|| {
            format!(
                "ding{}",
                random_string(16, b"abcdefghijklmnopqrstuvwxyz0123456789")
            )
        });
        let info = AppInfo {
            name: if spec.name.trim().is_empty() {
                "勋章墙".into()
            } else {
                spec.name
            },
            app_secret: spec
                .app_secret
                .filter(|s| !s.is_empty())
                .unwrap_or_else(|| random_string(64, ALNUM)),
            robot_code: spec
                .robot_code
                .filter(|s| !s.is_empty())
                .unwrap_or_else(|| app_key.clone()),
            app_key: app_key.clone(),
            robot_enabled: true,
        };
        let mut w = self.world();
        if !w.apps.contains_key(&app_key) {
            w.app_order.push(app_key.clone());
        }
        w.apps.insert(app_key, info.clone());
        info
    }

    pub fn apps(&self) -> Vec<AppInfo> {
        let w = self.world();
        w.app_order
            .iter()
            .filter_map(|k| w.apps.get(k).cloned())
            .collect()
    }

    /// Stops or restarts an app's robot (`bot.stopped`).
    pub fn set_app_robot_enabled(&self, app_key: &str, enabled: bool) -> bool {
        match self.world().apps.get_mut(app_key) {
            Some(a) => {
                a.robot_enabled = enabled;
                true
            }
            None => false,
        }
    }

    /// Invalidates every access token of an app (its next call gets `InvalidAuthentication`).
    pub fn expire_app_tokens(&self, app_key: &str) {
        self.world().tokens.retain(|_, t| t.app_key != app_key);
    }

    /// Puts an app's robot (by robotCode) into a group.
    pub fn add_app_robot_to_group(&self, robot_code: &str, cid: &str) -> bool {
        match self.world().groups.get_mut(cid) {
            Some(g) => {
                if !g.app_robots.iter().any(|r| r == robot_code) {
                    g.app_robots.push(robot_code.to_owned());
                }
                true
            }
            None => false,
        }
    }

    pub fn create_user(&self, spec: UserSpec) -> UserInfo {
        let info = UserInfo {
            userid: spec
                .userid
                .filter(|s| !s.is_empty())
                .unwrap_or_else(|| format!("user{}", random_string(10, b"0123456789"))),
            name: spec.name,
            mobile: spec.mobile,
            active: spec.active,
        };
        let mut w = self.world();
        w.users.retain(|u| u.userid != info.userid);
        w.users.push(info.clone());
        info
    }

    pub fn users(&self) -> Vec<UserInfo> {
        self.world().users.clone()
    }

    pub fn honours(&self) -> Vec<HonourInfo> {
        self.world().honours.clone()
    }

    /// Injects faults for a target: a robot access token, a group openConversationId, an
    /// appKey, or `*`.
    pub fn set_faults(&self, target: &str, faults: Faults) {
        self.world().faults.insert(target.to_owned(), faults);
    }

    pub fn clear_faults(&self, target: &str) {
        self.world().faults.remove(target);
    }

    pub fn stats(&self) -> Stats {
        self.world().stats.clone()
    }

    pub fn snapshot(&self) -> Snapshot {
        let w = self.world();
        let now = Instant::now();
        Snapshot {
            groups: w
                .group_order
                .iter()
                .filter_map(|c| w.group_info(c))
                .collect(),
            robots: w
                .robot_order
                .iter()
                .filter_map(|t| w.robot_info(t, now))
                .collect(),
            apps: w
                .app_order
                .iter()
                .filter_map(|k| w.apps.get(k).cloned())
                .collect(),
            users: w.users.clone(),
            honours: w.honours.clone(),
            faults: w.faults.clone(),
            clock_skew_ms: w.clock_skew_ms,
        }
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ip_rules() {
        let rules = vec!["10.0.0.0/8".to_string(), "192.168.1.7".to_string()];
        assert!(ip_allowed(&rules, Some("10.2.3.4".parse().unwrap())));
        assert!(ip_allowed(&rules, Some("192.168.1.7".parse().unwrap())));
        assert!(!ip_allowed(&rules, Some("192.168.1.8".parse().unwrap())));
        assert!(!ip_allowed(&rules, None));
        assert!(ip_allowed(&[], None));
        assert!(ip_allowed(&["0.0.0.0/0".into()], Some(Ipv4Addr::LOCALHOST)));
    }

    #[test]
    fn faults_times_are_consumed() {
        let sim = Simulator::default();
        sim.set_faults(
            "g",
            Faults {
                busy: 1.0,
                times: Some(1),
                ..Faults::default()
            },
        );
        let mut w = sim.world();
        assert_eq!(w.take_fault(&["g"]).1, FaultAction::Busy);
        assert_eq!(w.take_fault(&["g"]).1, FaultAction::None);
    }

    #[test]
    fn robot_needs_a_group_and_valid_rules() {
        let sim = Simulator::default();
        assert!(sim.create_robot(RobotSpec::signed("nope", &[])).is_err());
        let g = sim.create_group(GroupSpec::named("g"));
        let mut spec = RobotSpec::signed(&g.open_conversation_id, &[]);
        spec.ip_allowlist = vec!["::1".into()];
        assert!(sim.create_robot(spec).is_err());
        let r = sim
            .create_robot(RobotSpec::signed(&g.open_conversation_id, &["勋章"]))
            .unwrap();
        assert!(r.secret.unwrap().starts_with("SEC"));
        assert_eq!(sim.robots().len(), 1);
    }
}
