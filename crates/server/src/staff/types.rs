//! What the staff server functions take and return.

use medal_core::Msg;
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct StaffSummary {
    pub id: i64,
    pub name: String,
    pub mobile: Option<String>,
    pub department: String,
    pub external_id: Option<String>,
    pub active: bool,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct StaffDetail {
    pub id: i64,
    pub name: String,
    pub mobile: Option<String>,
    pub dingtalk_user_id: Option<String>,
    pub department: String,
    pub external_id: Option<String>,
    pub active: bool,
    pub created_at: i64,
    pub updated_at: i64,
    /// When the DingTalk userId was last looked up by mobile, and why it was not found.
    pub userid_lookup_at: Option<i64>,
    pub userid_lookup_error: Option<Msg>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct StaffFilter {
    /// Searches name and department (substring), mobile and external id (prefix).
    pub q: String,
    /// "" or "active" (default), "inactive", "all".
    pub status: String,
    /// 1-based page number ("" means 1).
    pub page: String,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct StaffPage {
    pub items: Vec<StaffSummary>,
    pub page: u32,
    pub per_page: u32,
    pub has_next: bool,
}

/// One row of an import file that cannot be imported, by the file's line number (header = 1).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ImportRowError {
    pub line: u64,
    pub messages: Vec<Msg>,
}

/// What importing the uploaded file would do. `token` names the upload kept in the session.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct ImportPreview {
    pub token: String,
    pub file_name: String,
    pub encoding: String,
    pub new: u64,
    pub updated: u64,
    pub unchanged: u64,
    pub errors: Vec<ImportRowError>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct ImportOutcome {
    pub created: u64,
    pub updated: u64,
    pub unchanged: u64,
    /// Rows left out because they had errors.
    pub skipped: u64,
}

/// Step 1 of an import: reads the uploaded CSV (field `file`), keeps it in the session and
/// returns what importing it would do. Nothing is written to the staff table.
/// A bulk DingTalk userId lookup: its state (running, done, stopped, cancelled, interrupted) and
/// counts; `error` says why it stopped.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct UseridJob {
    pub id: i64,
    pub state: String,
    pub started_by: String,
    pub started_at: i64,
    pub finished_at: Option<i64>,
    pub total: i64,
    pub done: i64,
    pub found: i64,
    pub not_found: i64,
    pub error: Option<Msg>,
}

/// A person whose last lookup found no userId, and DingTalk's answer in words.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct UseridMiss {
    pub staff_id: i64,
    pub name: String,
    pub department: String,
    pub mobile: String,
    pub at: i64,
    pub error: Msg,
}

/// The userId lookup page: whether the app credentials are set, who still lacks a userId, the
/// latest bulk lookup and the people it could not find.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct UseridOverview {
    pub credentials_set: bool,
    /// Active staff with a mobile and no userId: what a bulk lookup would query.
    pub missing: i64,
    /// Active staff with neither a mobile nor a userId (cannot be looked up).
    pub without_mobile: i64,
    pub job: Option<UseridJob>,
    pub misses: Vec<UseridMiss>,
    pub misses_total: i64,
}
