//! What the attendance server functions take and return.

use medal_core::{Lang, Msg};
use serde::{Deserialize, Serialize};

/// What counts as a day attended, from DingTalk's result of each check that day.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AttendancePolicy {
    /// Every check of the day is 正常 (no late arrival, no early leave, none missed).
    #[default]
    AllNormal,
    /// At least one check clocked; late or early does not matter.
    Clocked,
    /// At least one check clocked, and none late (leaving early does not matter).
    ClockedNotLate,
}

impl AttendancePolicy {
    pub const ALL: [AttendancePolicy; 3] = [
        AttendancePolicy::AllNormal,
        AttendancePolicy::Clocked,
        AttendancePolicy::ClockedNotLate,
    ];

    pub fn key(self) -> &'static str {
        match self {
            AttendancePolicy::AllNormal => "all_normal",
            AttendancePolicy::Clocked => "clocked",
            AttendancePolicy::ClockedNotLate => "clocked_not_late",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|p| p.key() == s.trim())
    }

    /// The rule in words.
    pub fn words(self, lang: Lang) -> &'static str {
        match self {
            AttendancePolicy::AllNormal => lang.t(
                "当天每次打卡都「正常」才算出勤：迟到、早退、缺卡都不算。",
                "A day counts only when every check that day is Normal: late, leaving early or a missed check do not count.",
            ),
            AttendancePolicy::Clocked => lang.t(
                "当天打过卡就算出勤：迟到、早退也算，一次都没打卡不算。",
                "A day counts when the person clocked at all: late or leaving early still count; no check at all does not.",
            ),
            AttendancePolicy::ClockedNotLate => lang.t(
                "当天打过卡且没有迟到才算出勤：早退、漏打下班卡也算。",
                "A day counts when the person clocked and was not late: leaving early or a missed clock-out still count.",
            ),
        }
    }

    pub fn label(self, lang: Lang) -> &'static str {
        match self {
            AttendancePolicy::AllNormal => lang.t("每次打卡都正常", "Every check Normal"),
            AttendancePolicy::Clocked => {
                lang.t("打过卡即可（允许迟到）", "Clocked at all (late allowed)")
            }
            AttendancePolicy::ClockedNotLate => lang.t("打过卡且不迟到", "Clocked and not late"),
        }
    }
}

/// One attendance sync: its state (running, done, stopped, cancelled, interrupted) and counts.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SyncJob {
    pub id: i64,
    pub state: String,
    /// An admin's name, or empty for the daily sync.
    pub started_by: String,
    pub started_at: i64,
    pub finished_at: Option<i64>,
    /// `YYYY-MM-DD`, both included.
    pub from: String,
    pub to: String,
    pub total: i64,
    pub done: i64,
    pub calls: i64,
    pub records: i64,
    pub days_attended: i64,
    pub days_missed: i64,
    /// The interrupted sync this one continued.
    pub resumes: Option<i64>,
    pub error: Option<Msg>,
}

/// An active person without a DingTalk userId (not synced).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct NoUserid {
    pub staff_id: i64,
    pub name: String,
    pub department: String,
    pub has_mobile: bool,
}

/// The attendance page.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AttendanceOverview {
    pub credentials_set: bool,
    pub policy: AttendancePolicy,
    /// Active staff with a userId: who a sync asks about.
    pub with_userid: i64,
    pub without_userid: Vec<NoUserid>,
    pub without_userid_total: i64,
    pub job: Option<SyncJob>,
    /// The days the next sync would ask for (`YYYY-MM-DD`).
    pub next_from: String,
    pub next_to: String,
}
