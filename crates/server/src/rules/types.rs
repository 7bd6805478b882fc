//! What the rule server functions and the events API take and return.

use medal_core::Msg;
use serde::{Deserialize, Serialize};

/// A rule as listed and shown.
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RuleView {
    pub id: i64,
    pub name: String,
    pub medal_id: i64,
    pub medal_name: String,
    pub metric: String,
    /// `total` or `streak`.
    pub kind: String,
    /// `calendar` or `workdays` (streaks).
    pub days: String,
    /// `none`, `month` or `quarter`.
    pub period: String,
    pub threshold: i64,
    pub group_ids: Vec<i64>,
    /// '' or how the winners are told 1:1 (`oto`, `notice`).
    #[serde(default)]
    pub tell: String,
    /// Facts before this day (`YYYY-MM-DD`) do not count; none: all history.
    pub from_date: Option<String>,
    pub active: bool,
    /// Awards this rule has made.
    pub awarded: i64,
    pub created_at: i64,
    pub updated_at: i64,
}

/// The rule form. Every field is text as the browser posts it; the server parses.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct RuleForm {
    pub id: Option<String>,
    pub name: Option<String>,
    pub medal_id: Option<String>,
    pub metric: Option<String>,
    pub kind: Option<String>,
    pub days: Option<String>,
    pub period: Option<String>,
    pub threshold: Option<String>,
    pub group_ids: Vec<String>,
    /// '' or how the winners are told 1:1 (`oto`, `notice`).
    pub tell: Option<String>,
    /// Award the people who already qualify when the rule is saved; otherwise only facts from
    /// the day it is saved on count.
    pub backfill: bool,
}

/// What a dry run found: how many people qualify now and who (ten names).
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct DryRun {
    /// People who would be awarded now.
    pub qualify: u64,
    /// Awards that would be made (windowed rules: one per person per window).
    pub awards: u64,
    pub names: Vec<String>,
}

/// Someone close to earning a rule's medal.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Closest {
    pub staff_id: i64,
    pub name: String,
    pub department: String,
    pub have: i64,
    pub to_go: i64,
}

/// An award a rule made, with the facts that earned it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RuleAward {
    pub award_id: i64,
    pub staff_id: i64,
    pub name: String,
    pub window: Msg,
    pub facts: Msg,
    pub at: i64,
}

/// A rule's page: the rule, its recent awards, the people closest to earning it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RuleDetail {
    pub rule: RuleView,
    pub recent: Vec<RuleAward>,
    pub closest: Vec<Closest>,
}

/// The rules page: the rules, the choices of medal and group, the holidays.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct RulesData {
    pub rules: Vec<RuleView>,
    /// (id, name, automatic) of medals not archived.
    pub medals: Vec<(i64, String, bool)>,
    /// (id, name) of groups not disabled.
    pub groups: Vec<(i64, String)>,
    /// (id, name) of card templates a rule can tell its winners with 1:1.
    #[serde(default)]
    pub card_templates: Vec<(i64, String)>,
    /// Metrics facts exist for, with their number of facts.
    pub metrics: Vec<(String, i64)>,
    /// `YYYY-MM-DD name`, one per line.
    pub holidays: String,
}

/// One event from another system: a person, a metric, a number on a day.
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct EventIn {
    /// The person's 工号 (external id); or give `mobile` or `user_id`.
    #[serde(default)]
    pub external_id: Option<String>,
    #[serde(default)]
    pub mobile: Option<String>,
    /// The person's DingTalk userId.
    #[serde(default)]
    pub user_id: Option<String>,
    /// `tasks_completed`, `sales`, … (lower case letters, digits, `_ . -`).
    pub metric: String,
    /// The day's value, replacing what was reported for that day before.
    #[serde(default)]
    pub value: Option<i64>,
    /// Added to the day's value; needs an `idempotency_key`.
    #[serde(default)]
    pub increment: Option<i64>,
    /// The day, `YYYY-MM-DD` (China time).
    pub date: String,
    /// Makes the event count once however often it is sent.
    #[serde(default)]
    pub idempotency_key: Option<String>,
}

/// One event that was refused, by its index in the batch.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ItemError {
    pub index: usize,
    pub field: String,
    pub message: Msg,
}

/// What an ingest did.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct EventsOutcome {
    /// Events applied.
    pub accepted: u64,
    /// Events whose idempotency key was seen before: nothing changed.
    pub duplicates: u64,
    /// Awards the rules made.
    pub awarded: u64,
    pub errors: Vec<ItemError>,
}

/// A line of an events CSV that will not be applied, by the file's line number (header = 1).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct EventLineError {
    pub line: u64,
    /// The column at fault: `external_id`, `mobile`, `user_id`, `metric`, `date`, `value`,
    /// `increment`, `idempotency_key`, or `line` (not valid CSV).
    pub field: String,
    pub message: Msg,
}

/// A good line of an events CSV as it will be applied.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct EventLine {
    pub line: u64,
    /// The person found (name), and how the line named them.
    pub name: String,
    pub who: String,
    pub metric: String,
    pub date: String,
    /// `= 5` (the day's value) or `+ 3` (an increment).
    pub change: String,
    pub key: Option<String>,
}

/// What applying the uploaded events CSV would do. `token` names the upload kept in the session.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct EventImportPreview {
    pub token: String,
    pub file_name: String,
    pub encoding: String,
    /// Data lines in the file (blank lines left out).
    pub lines: u64,
    /// Lines that will be applied.
    pub good: u64,
    /// Of those, lines whose idempotency key was applied before: they will change nothing.
    pub duplicates: u64,
    /// The first good lines, as they will be applied.
    pub first: Vec<EventLine>,
    /// Every bad line, in line order.
    pub errors: Vec<EventLineError>,
}

/// What confirming an events CSV did (the events ingest's counts).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct EventImportOutcome {
    pub accepted: u64,
    /// Lines whose idempotency key was applied before: nothing changed.
    pub duplicates: u64,
    /// Awards the rules made.
    pub awarded: u64,
    /// Lines left out because they had errors.
    pub skipped: u64,
}
