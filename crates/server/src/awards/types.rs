//! What the award server functions take and return.

use crate::medals::types::MedalSummary;
use medal_core::{AwardStatus, Tier};
use serde::{Deserialize, Serialize};

/// One award as lists, walls and detail pages show it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AwardItem {
    pub id: i64,
    pub medal_id: i64,
    pub medal_name: String,
    pub tier: Tier,
    pub icon_url: String,
    pub staff_id: i64,
    pub staff_name: String,
    pub department: String,
    pub reason: String,
    pub awarded_at: i64,
    pub expires_at: Option<i64>,
    pub status: AwardStatus,
    /// The admin's username, or the rule (「连续打卡30天」) that gave it.
    pub awarded_by: String,
    /// The rule that gave it (its page: `/rules/<id>`).
    #[serde(default)]
    pub rule_id: Option<i64>,
    pub revoked_at: Option<i64>,
    pub revoked_by: Option<String>,
    pub revoke_reason: Option<String>,
    pub public_token: String,
    pub batch_id: Option<String>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct AwardFilter {
    /// A medal id, or "" for any.
    pub medal: String,
    /// A person: name (substring), 工号 or mobile (prefix).
    pub person: String,
    /// Exact department, or "" for any.
    pub department: String,
    /// Dates `YYYY-MM-DD` (China time), inclusive; "" for open.
    pub from: String,
    pub to: String,
    /// An admin id, or "" for anyone.
    pub by: String,
    /// "" (any), "active", "expired", "revoked".
    pub status: String,
    /// One batch (from "awarded N people").
    pub batch: String,
    /// The page's number, as shown (the cursor, not this, says which awards it holds).
    pub page: String,
    /// A [`Cursor`]: the awards after it in the list (older), or before it (newer).
    pub after: String,
    pub before: String,
}

/// A place in the awards list (newest first): an award's time and id. Pages are found by it
/// (keyset), so page 1,000 costs what page 1 does.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Cursor {
    pub awarded_at: i64,
    pub id: i64,
}

impl Cursor {
    /// `<awarded_at>.<id>`, as URLs carry it.
    pub fn param(self) -> String {
        format!("{}.{}", self.awarded_at, self.id)
    }
    pub fn parse(s: &str) -> Option<Cursor> {
        let (at, id) = s.trim().split_once('.')?;
        Some(Cursor {
            awarded_at: at.parse().ok()?,
            id: id.parse().ok()?,
        })
    }
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct AwardPage {
    pub items: Vec<AwardItem>,
    pub page: u32,
    pub per_page: u32,
    /// Cursors of the neighbouring pages, if there are any.
    pub next: Option<String>,
    pub prev: Option<String>,
    /// How many awards match the filter in all, or [`TOTAL_CAP`] when `capped`.
    pub total: i64,
    pub capped: bool,
}

/// Filtered lists count at most this many matches (then say "more than").
pub const TOTAL_CAP: i64 = 10_000;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DepartmentCount {
    pub name: String,
    pub staff: i64,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AdminName {
    pub id: i64,
    pub username: String,
}

/// What the award form needs besides the medal list: departments and who has awarded.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct AwardFormChoices {
    pub departments: Vec<DepartmentCount>,
    pub admins: Vec<AdminName>,
    /// Card templates a winner can be told with 1:1: (id, name).
    #[serde(default)]
    pub card_templates: Vec<(i64, String)>,
    /// Every medal, archived ones last, newest first, as the list filter names them: (id, name).
    #[serde(default)]
    pub medals: Vec<(i64, String)>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct AwardOutcome {
    pub batch_id: String,
    pub awarded: u64,
    /// People left out because they already hold the (non-repeatable) medal.
    pub skipped_holders: u64,
    /// The award's id when exactly one was given.
    pub single_id: Option<i64>,
}

/// A person's medals: current ones and, apart, those revoked or expired; counts per tier.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct WallData {
    pub current: Vec<AwardItem>,
    pub past: Vec<AwardItem>,
    /// (tier, count of current awards), every tier listed.
    pub tiers: Vec<(Tier, i64)>,
}

/// What the public award page shows: nothing private (no mobile, ids, tokens of others).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PublicAwardView {
    pub medal_name: String,
    pub medal_description: String,
    pub tier: Tier,
    /// Absolute URL (for OpenGraph).
    pub icon_url: String,
    pub recipient: String,
    pub department: String,
    pub reason: String,
    pub awarded_at: i64,
    pub expires_at: Option<i64>,
    pub status: AwardStatus,
    pub revoked_at: Option<i64>,
    pub organisation: String,
    /// Absolute URL of this page.
    pub url: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LeaderRow {
    pub rank: u32,
    pub staff_id: i64,
    pub name: String,
    pub department: String,
    pub awards: i64,
    /// Counts of the period's awards by tier: gold, silver, bronze.
    pub gold: i64,
    pub silver: i64,
    pub bronze: i64,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MonthCount {
    /// "2026-11"
    pub month: String,
    pub awards: i64,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TopMedal {
    pub medal: MedalSummary,
    pub awards: i64,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct AwardFigures {
    pub awards_this_month: i64,
    pub people_awarded: i64,
    /// The last 12 months, oldest first; drawn as an SVG chart on the server.
    pub per_month: Vec<MonthCount>,
    pub top_medals: Vec<TopMedal>,
    pub recent: Vec<AwardItem>,
}
