//! What the group server functions take and return.

use medal_core::Msg;
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct GroupHealth {
    pub last_ok_at: Option<i64>,
    pub last_error_at: Option<i64>,
    /// The last error, explained, when it is newer than the last success.
    pub error: Option<Msg>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct GroupSummary {
    pub id: i64,
    pub name: String,
    /// "webhook", "app" or "chat".
    pub kind: String,
    pub keywords: Vec<String>,
    pub open_conversation_id: Option<String>,
    pub chat_id: Option<String>,
    /// "scenegroup" or "chat/create" when the app made the group in DingTalk.
    pub made_via: Option<String>,
    pub owner_userid: Option<String>,
    pub member_count: Option<i32>,
    pub token_masked: Option<String>,
    pub secret_masked: Option<String>,
    pub disabled: bool,
    pub health: GroupHealth,
    pub created_at: i64,
    pub updated_at: i64,
}

/// The group form. On edit, a field the post lacks keeps its stored value, and an empty webhook
/// URL or secret keeps the stored one.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct GroupForm {
    pub id: Option<String>,
    pub name: Option<String>,
    pub kind: Option<String>,
    pub webhook_url: Option<String>,
    pub sign_secret: Option<String>,
    pub clear_sign_secret: bool,
    pub keywords: Option<String>,
    pub open_conversation_id: Option<String>,
    pub chat_id: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TestSendResult {
    pub ok: bool,
    pub message: Msg,
}

/// "Create a DingTalk group": its name, owner, and members picked like award recipients.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct MakeGroupForm {
    pub name: Option<String>,
    /// The owner's mobile, DingTalk userId or external id.
    pub owner: Option<String>,
    /// Everyone who holds this medal now (its id).
    pub medal: Option<String>,
    /// Everyone active in these departments.
    pub department: Vec<String>,
}

/// What making a group did: the new share target, who joined, who could not (no userId).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct MadeGroup {
    pub id: i64,
    pub members: usize,
    /// Names of people picked who have no DingTalk userId yet.
    pub skipped: Vec<String>,
}

/// What the make form offers.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct MakeFormChoices {
    /// (id, name, holders now).
    pub medals: Vec<(i64, String, i64)>,
    /// (name, active staff).
    pub departments: Vec<(String, i64)>,
    /// "scenegroup" when a scene-group template is set, else "chat/create".
    pub via: String,
    /// The app's credentials are set.
    pub app_ready: bool,
}
