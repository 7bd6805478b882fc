//! What the simulator shows back: robots, groups, apps, users and honours as they are now, the
//! messages a group received, request counters and the whole snapshot.

use std::collections::HashMap;

use serde::{Deserialize, Serialize};

use super::spec::Faults;
use crate::message::Message;

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
    /// The older `chatxxx` id of the same group.
    #[serde(default)]
    pub chat_id: String,
    #[serde(default)]
    pub owner: Option<String>,
    /// `chat/create` or `scenegroup` when an app made the group.
    #[serde(default)]
    pub made_via: Option<String>,
    pub disbanded: bool,
    pub members: Vec<String>,
    /// robotCodes of app robots in the group.
    pub app_robots: Vec<String>,
    pub message_count: usize,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct AppInfo {
    pub name: String,
    pub app_key: String,
    pub app_secret: String,
    pub robot_code: String,
    pub robot_enabled: bool,
    /// The scene-group template (群模板) whose groups get this app's robot.
    #[serde(default)]
    pub scene_group_template_id: String,
    /// Onboarded after 2022: `chat/create`, `chat/update` and `chat/send` answer 60011.
    #[serde(default)]
    pub new_app: bool,
    /// The AgentId work notices are sent with.
    #[serde(default)]
    pub agent_id: String,
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
    /// `webhook`, `app`, `chat` (`chat/send`), `honour`; in a person's 1:1 chat `oto` (the app
    /// robot) or `notice` (a work notice).
    pub via: String,
    pub msg_uuid: Option<String>,
    /// App messages: the template key.
    pub msg_key: Option<String>,
    /// What the chat shows (for a template card: its variables as markdown).
    pub message: Message,
    /// A template card (互动卡片): its template and variables as they are now.
    #[serde(default)]
    pub card: Option<CardShown>,
}

/// A card template made in the card builder (here: through the control API).
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct CardTemplateInfo {
    pub template_id: String,
    pub name: String,
    pub variables: Vec<String>,
}

/// A template card as a chat shows it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CardShown {
    pub template_id: String,
    pub template_name: String,
    pub out_track_id: String,
    /// The template's variables with their values now ("" when the card has none).
    pub params: Vec<(String, String)>,
    /// Times the card was updated in place.
    pub updates: u32,
}

/// Counters for tests.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct Stats {
    /// `oauth2/accessToken` + `gettoken` calls.
    pub token_requests: u64,
    /// Requests per endpoint name.
    pub requests: HashMap<String, u64>,
    /// oapi calls refused for going over the app's calls per second (errcode 90018).
    #[serde(default)]
    pub qps_refusals: u64,
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
    #[serde(default)]
    pub card_templates: Vec<CardTemplateInfo>,
    pub faults: HashMap<String, Faults>,
    pub clock_skew_ms: i64,
}
