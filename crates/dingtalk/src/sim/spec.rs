//! What callers ask the simulator for: groups, custom robots, apps and users to create, and
//! faults to inject.

use serde::{Deserialize, Serialize};

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

/// An internal app to create.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(default)]
pub struct AppSpec {
    pub name: String,
    pub app_key: Option<String>,
    pub app_secret: Option<String>,
    /// Defaults to the appKey (as for DingTalk's internal-app robots).
    pub robot_code: Option<String>,
    /// The id of its scene-group template (群模板); generated when empty.
    pub scene_group_template_id: Option<String>,
    /// Onboarded after 2022: the older `chat/*` APIs are closed to it (60011).
    pub new_app: bool,
    /// Its AgentId (a number, for work notices); generated when empty.
    pub agent_id: Option<String>,
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
