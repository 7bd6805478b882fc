//! What the sharing server functions take and return.

use medal_core::Msg;
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AwardBrief {
    pub id: i64,
    pub medal_name: String,
    pub staff_name: String,
    pub reason: String,
    pub awarded_at: i64,
    pub mentionable: bool,
}

/// A group the share form offers (enabled ones only).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct GroupChoice {
    pub id: i64,
    pub name: String,
    pub keywords: Vec<String>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct ShareFormData {
    pub awards: Vec<AwardBrief>,
    pub groups: Vec<GroupChoice>,
    /// Above this many awards the form suggests a digest.
    pub digest_from: usize,
}

/// The card options chosen on the share form.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct CardOptions {
    pub message: String,
    /// "action_card" or "markdown".
    pub style: String,
    pub mention: bool,
    pub sidebar: bool,
    pub digest: bool,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct ShareFilter {
    /// "" for any status.
    pub status: String,
    /// "" for any group, else its id.
    pub group: String,
    /// "" or one request's id.
    pub request: String,
    pub page: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ShareRow {
    pub id: i64,
    pub group_id: i64,
    pub group_name: String,
    pub status: String,
    pub attempts: i32,
    pub award_ids: String,
    pub request_id: Option<String>,
    pub created_at: i64,
    pub updated_at: i64,
    pub sent_at: Option<i64>,
    pub next_attempt_at: i64,
    pub error: Option<Msg>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct ShareList {
    pub items: Vec<ShareRow>,
    pub page: u32,
    pub has_next: bool,
    pub progress: Progress,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Progress {
    pub total: i64,
    pub sent: i64,
    pub failed: i64,
    pub gave_up: i64,
    pub in_flight: i64,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ShareDetail {
    pub row: ShareRow,
    pub msg_uuid: String,
    /// The exact JSON sent (pretty-printed), without the msgUuid the client adds.
    pub message_json: String,
    /// The card as the group shows it.
    pub preview: Option<medal_core::chat::CardView>,
}
