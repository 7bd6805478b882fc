//! What the medal server functions take and return.

use medal_core::{MedalKind, Tier};
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MedalSummary {
    pub id: i64,
    pub name: String,
    pub tier: Tier,
    pub kind: MedalKind,
    pub icon_url: String,
    pub archived: bool,
    pub award_count: i64,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MedalDetail {
    pub id: i64,
    pub name: String,
    pub description: String,
    pub criteria: String,
    pub tier: Tier,
    pub kind: MedalKind,
    pub validity_days: Option<u32>,
    pub repeatable: bool,
    pub icon_url: String,
    /// The preset's key when the icon is a preset.
    pub icon_preset: Option<String>,
    pub archived_at: Option<i64>,
    pub created_at: i64,
    pub updated_at: i64,
    pub award_count: i64,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct MedalFilter {
    pub q: String,
    /// "" for any, else a tier key.
    pub tier: String,
    /// "" for any, else a kind key.
    pub kind: String,
    /// "" or "active" (default), "archived", "all".
    pub status: String,
}

/// A medal in DingTalk's organisation honours: published (its id) or what publishing would use.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct HonourView {
    pub honor_id: Option<String>,
    pub published_at: Option<i64>,
    /// The medal's name and description cut to DingTalk's limits (10 and 30 characters).
    pub name: String,
    pub description: String,
    /// The background colours DingTalk offers.
    pub colours: Vec<String>,
    /// App-robot groups a grant can notify: (openConversationId, name).
    #[serde(default)]
    pub groups: Vec<(String, String)>,
    /// Those it notifies (published).
    #[serde(default)]
    pub notify: Vec<String>,
}

/// The "publish to DingTalk" form.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct HonourForm {
    pub name: Option<String>,
    pub description: Option<String>,
    pub bg_color: Option<String>,
    /// The admin who sends the grants: mobile, userId or external id.
    pub sender: Option<String>,
    /// openConversationIds of the groups each grant notifies (at most 5).
    pub notify: Vec<String>,
}

/// How an award stands in DingTalk's honours.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct HonourSync {
    /// The latest is a recall (the award was revoked).
    pub recall: bool,
    /// The share's status: queued, sending, sent, failed, gave_up.
    pub status: String,
    pub error: Option<medal_core::Msg>,
    /// The share (its page: `/shares/<id>`).
    pub share: i64,
}
