//! What the audit server function takes and returns.

use serde::{Deserialize, Serialize};

/// Entries per page.
pub const PAGE_SIZE: usize = 50;
/// Most rows one CSV export holds (newest first); the file says so when it stops there.
pub const CSV_CAP: usize = 100_000;

/// The audit page's filters, as GET query parameters (all optional, "" for any).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct AuditFilter {
    /// Exactly this actor (a username, or `cli`).
    pub actor: String,
    /// Exactly this object type (`medal`, `award`, `admin`…).
    pub object_type: String,
    /// Dates `YYYY-MM-DD` (China time), inclusive.
    pub from: String,
    pub to: String,
    /// Keyset paging: entries older than the entry with this id.
    pub before: String,
}

/// One key that changed, values shown compactly (secrets masked).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AuditChange {
    pub key: String,
    pub before: Option<String>,
    pub after: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AuditEntry {
    pub id: i64,
    /// UTC ms.
    pub at: i64,
    pub actor: String,
    pub action: String,
    pub object_type: String,
    pub object_id: Option<String>,
    pub changes: Vec<AuditChange>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct AuditPage {
    pub entries: Vec<AuditEntry>,
    /// `before` for the next (older) page, when there is one.
    pub older: Option<i64>,
    /// Usernames to suggest in the actor filter.
    pub actors: Vec<String>,
}
