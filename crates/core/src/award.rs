//! Awards: the reason given, an award's status (active, expired, revoked), leaderboard periods.

use serde::{Deserialize, Serialize};

use crate::text::bounded;
use crate::{Lang, Msg};

pub const REASON_MAX: usize = 500;

/// Why a medal is given (or taken back): 1–500 characters after trimming.
pub fn reason(raw: &str) -> Result<String, Msg> {
    bounded(raw, 1, REASON_MAX, ("理由", "Reason"))
}

/// Where an award stands now. Revoked wins over expired.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum AwardStatus {
    Active,
    Expired,
    Revoked,
}

impl AwardStatus {
    pub const ALL: [AwardStatus; 3] = [
        AwardStatus::Active,
        AwardStatus::Expired,
        AwardStatus::Revoked,
    ];

    /// The status at `now` (all times UTC milliseconds).
    pub fn at(revoked_at: Option<i64>, expires_at: Option<i64>, now: i64) -> AwardStatus {
        if revoked_at.is_some() {
            AwardStatus::Revoked
        } else if expires_at.is_some_and(|e| e <= now) {
            AwardStatus::Expired
        } else {
            AwardStatus::Active
        }
    }
    pub fn as_str(self) -> &'static str {
        match self {
            AwardStatus::Active => "active",
            AwardStatus::Expired => "expired",
            AwardStatus::Revoked => "revoked",
        }
    }
    pub fn parse(s: &str) -> Option<AwardStatus> {
        AwardStatus::ALL
            .into_iter()
            .find(|x| x.as_str() == s.trim())
    }
    pub fn label(self, lang: Lang) -> &'static str {
        match self {
            AwardStatus::Active => lang.t("有效", "Active"),
            AwardStatus::Expired => lang.t("已过期", "Expired"),
            AwardStatus::Revoked => lang.t("已撤销", "Revoked"),
        }
    }
}

/// The leaderboard's time ranges (calendar months and quarters in China time, UTC+8).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, Default)]
pub enum Period {
    #[default]
    Month,
    Quarter,
    All,
}

impl Period {
    pub const ALL: [Period; 3] = [Period::Month, Period::Quarter, Period::All];

    pub fn as_str(self) -> &'static str {
        match self {
            Period::Month => "month",
            Period::Quarter => "quarter",
            Period::All => "all",
        }
    }
    /// Unknown or empty text is this month.
    pub fn parse(s: &str) -> Period {
        Period::ALL
            .into_iter()
            .find(|p| p.as_str() == s.trim())
            .unwrap_or_default()
    }
    pub fn label(self, lang: Lang) -> &'static str {
        match self {
            Period::Month => lang.t("本月", "This month"),
            Period::Quarter => lang.t("本季度", "This quarter"),
            Period::All => lang.t("全部时间", "All time"),
        }
    }
}

/// A column of an award-recipients CSV: who (by 工号, mobile or DingTalk userId; the name is
/// shown back in messages) and why.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum RecipientColumn {
    Staff(crate::staff::Column),
    Reason,
}

impl RecipientColumn {
    pub fn from_header(h: &str) -> Option<RecipientColumn> {
        if let Some(c) = crate::staff::Column::from_header(h) {
            return Some(RecipientColumn::Staff(c));
        }
        let k: String = h
            .trim()
            .trim_start_matches('\u{feff}')
            .chars()
            .filter(|c| !c.is_whitespace())
            .flat_map(char::to_lowercase)
            .collect();
        matches!(
            k.as_str(),
            "理由" | "原因" | "颁发理由" | "获奖理由" | "reason"
        )
        .then_some(RecipientColumn::Reason)
    }
}

/// "This medal cannot be given twice" naming (some of) the `total` people who have it.
pub fn msg_who_has(names: &[String], total: usize) -> Msg {
    let shown = names.join("、");
    let shown_en = names.join(", ");
    if total > names.len() {
        Msg::new(
            format!("这枚勋章不能重复获得，以下 {total} 人已经有了：{shown} 等"),
            format!("This medal cannot be given twice; {total} people already have it: {shown_en} and others"),
        )
    } else {
        Msg::new(
            format!("这枚勋章不能重复获得，以下 {total} 人已经有了：{shown}"),
            format!("This medal cannot be given twice; {total} already have it: {shown_en}"),
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn status_revoked_beats_expired() {
        assert_eq!(AwardStatus::at(None, None, 10), AwardStatus::Active);
        assert_eq!(AwardStatus::at(None, Some(11), 10), AwardStatus::Active);
        assert_eq!(AwardStatus::at(None, Some(10), 10), AwardStatus::Expired);
        assert_eq!(AwardStatus::at(Some(1), Some(5), 10), AwardStatus::Revoked);
        assert_eq!(AwardStatus::parse("expired"), Some(AwardStatus::Expired));
        assert_eq!(AwardStatus::parse("x"), None);
    }

    #[test]
    fn reason_is_required_and_bounded() {
        assert!(reason("  ").is_err());
        assert_eq!(reason(" 季度之星 ").unwrap(), "季度之星");
        assert!(reason(&"好".repeat(501)).is_err());
    }

    #[test]
    fn recipient_headers() {
        use crate::staff::Column;
        assert_eq!(
            RecipientColumn::from_header("工号"),
            Some(RecipientColumn::Staff(Column::ExternalId))
        );
        assert_eq!(
            RecipientColumn::from_header(" 理由 "),
            Some(RecipientColumn::Reason)
        );
        assert_eq!(
            RecipientColumn::from_header("Reason"),
            Some(RecipientColumn::Reason)
        );
        assert_eq!(RecipientColumn::from_header("备注"), None);
        assert_eq!(Period::parse("quarter"), Period::Quarter);
        assert_eq!(Period::parse(""), Period::Month);
    }
}
