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
    /// "webhook" or "app".
    pub kind: String,
    pub keywords: Vec<String>,
    pub open_conversation_id: Option<String>,
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
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TestSendResult {
    pub ok: bool,
    pub message: Msg,
}
