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
    /// When one of the chosen awards last went (or was queued) to this group.
    pub shared_at: Option<i64>,
    /// Messages queued or sent to this group today (China time).
    pub today: i64,
}

/// The over-sharing guard's settings as pages show them.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct GuardView {
    /// Messages a group may get a day; 0: no cap.
    pub daily_cap: u32,
    /// `22:00` and `08:00`, or both empty.
    pub quiet_start: String,
    pub quiet_end: String,
    /// When the quiet hours it is now end (shares made now wait until then).
    pub quiet_until: Option<i64>,
    /// Asked for one group: the messages queued or sent to it today (China time).
    pub today: Option<i64>,
}

/// The guard's settings form; an absent field keeps its stored value.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct GuardForm {
    pub daily_cap: Option<String>,
    pub quiet_start: Option<String>,
    pub quiet_end: Option<String>,
    /// The post carries the quiet-hours fields (the settings form says so in a hidden field): an
    /// empty one then means "none". Form decoding gives an empty field as absent, so without
    /// this the quiet hours could never be cleared.
    pub quiet_set: bool,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct ShareFormData {
    pub awards: Vec<AwardBrief>,
    pub groups: Vec<GroupChoice>,
    /// Above this many awards the form suggests a digest.
    pub digest_from: usize,
    pub guard: GuardView,
    /// Card templates a share can use: (id, name).
    #[serde(default)]
    pub templates: Vec<(i64, String)>,
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
