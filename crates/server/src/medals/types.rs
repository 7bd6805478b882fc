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
