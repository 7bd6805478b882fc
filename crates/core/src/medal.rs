//! Medals: name, description, criteria, tier, kind, validity, repeatability.

use std::collections::BTreeMap;
use std::fmt;

use serde::{Deserialize, Serialize};

use crate::text::{bounded, line};
use crate::{Lang, Msg};

pub const NAME_MAX: usize = 30;
pub const DESCRIPTION_MAX: usize = 500;
pub const CRITERIA_MAX: usize = 500;
pub const VALIDITY_MAX_DAYS: u32 = 366;

/// A medal's name: 1–30 characters after trimming.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MedalName(String);

impl MedalName {
    pub fn parse(raw: &str) -> Result<Self, Msg> {
        line(raw, 1, NAME_MAX, ("名称", "Name")).map(MedalName)
    }
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for MedalName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, Default)]
pub enum Tier {
    #[default]
    None,
    Bronze,
    Silver,
    Gold,
}

impl Tier {
    pub const ALL: [Tier; 4] = [Tier::None, Tier::Bronze, Tier::Silver, Tier::Gold];

    pub fn as_str(self) -> &'static str {
        match self {
            Tier::None => "none",
            Tier::Bronze => "bronze",
            Tier::Silver => "silver",
            Tier::Gold => "gold",
        }
    }
    pub fn parse(s: &str) -> Result<Tier, Msg> {
        Tier::ALL
            .into_iter()
            .find(|t| t.as_str() == s.trim())
            .ok_or_else(|| Msg::new("请选择等级", "Choose a tier"))
    }
    pub fn label(self, lang: Lang) -> &'static str {
        match self {
            Tier::None => lang.t("无等级", "No tier"),
            Tier::Bronze => lang.t("铜", "Bronze"),
            Tier::Silver => lang.t("银", "Silver"),
            Tier::Gold => lang.t("金", "Gold"),
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, Default)]
pub enum MedalKind {
    /// Awarded by a person.
    #[default]
    Manual,
    /// Awarded by rules from events (attendance streaks, task counts…).
    Automatic,
}

impl MedalKind {
    pub const ALL: [MedalKind; 2] = [MedalKind::Manual, MedalKind::Automatic];
    pub fn as_str(self) -> &'static str {
        match self {
            MedalKind::Manual => "manual",
            MedalKind::Automatic => "automatic",
        }
    }
    pub fn parse(s: &str) -> Result<MedalKind, Msg> {
        MedalKind::ALL
            .into_iter()
            .find(|k| k.as_str() == s.trim())
            .ok_or_else(|| Msg::new("请选择颁发方式", "Choose how the medal is awarded"))
    }
    pub fn label(self, lang: Lang) -> &'static str {
        match self {
            MedalKind::Manual => lang.t("手动颁发", "Manual"),
            MedalKind::Automatic => lang.t("规则自动颁发", "Automatic (rules)"),
        }
    }
}

/// How long an award of the medal stays valid.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
pub enum Validity {
    #[default]
    Permanent,
    Days(u32),
}

impl Validity {
    /// `days` empty or 0 means permanent; otherwise 1–366 days.
    pub fn parse(days: &str) -> Result<Validity, Msg> {
        let d = days.trim();
        if d.is_empty() || d == "0" {
            return Ok(Validity::Permanent);
        }
        match d.parse::<u32>() {
            Ok(n) if (1..=VALIDITY_MAX_DAYS).contains(&n) => Ok(Validity::Days(n)),
            _ => Err(Msg::new(
                format!("有效期须为 1–{VALIDITY_MAX_DAYS} 天，或留空表示永久有效"),
                format!("Validity must be 1–{VALIDITY_MAX_DAYS} days, or empty for permanent"),
            )),
        }
    }
    pub fn days(self) -> Option<u32> {
        match self {
            Validity::Permanent => None,
            Validity::Days(n) => Some(n),
        }
    }
    pub fn from_days(days: Option<i64>) -> Validity {
        match days {
            Some(n) if n > 0 => Validity::Days(n as u32),
            _ => Validity::Permanent,
        }
    }
    pub fn label(self, lang: Lang) -> String {
        match self {
            Validity::Permanent => lang.t("永久有效", "Permanent").to_string(),
            Validity::Days(n) => match lang {
                Lang::Zh => format!("{n} 天"),
                Lang::En => format!("{n} days"),
            },
        }
    }
}

/// The preset icons shipped in `public/icons/presets/{key}.svg`.
pub const PRESET_ICONS: &[(&str, &str, &str)] = &[
    ("star", "星星", "Star"),
    ("trophy", "奖杯", "Trophy"),
    ("crown", "皇冠", "Crown"),
    ("heart", "爱心", "Heart"),
    ("rocket", "火箭", "Rocket"),
    ("lightning", "闪电", "Lightning"),
    ("target", "靶心", "Target"),
    ("handshake", "合作", "Teamwork"),
    ("book", "书本", "Learning"),
    ("calendar", "日历", "Attendance"),
    ("check", "完成", "Done"),
    ("flame", "火焰", "On fire"),
    ("shield", "盾牌", "Guardian"),
    ("bulb", "灯泡", "Idea"),
];

pub fn is_preset_icon(key: &str) -> bool {
    PRESET_ICONS.iter().any(|(k, _, _)| *k == key)
}

/// What an admin typed into the medal form, before validation.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct MedalDraft {
    pub name: String,
    pub description: String,
    pub criteria: String,
    pub tier: String,
    pub kind: String,
    pub validity_days: String,
    pub repeatable: bool,
}

/// A validated medal (the icon is checked by the server, which holds the bytes).
#[derive(Debug, Clone, PartialEq)]
pub struct ValidMedal {
    pub name: MedalName,
    pub description: String,
    pub criteria: String,
    pub tier: Tier,
    pub kind: MedalKind,
    pub validity: Validity,
    pub repeatable: bool,
}

pub type FieldErrors = BTreeMap<String, Vec<Msg>>;

impl MedalDraft {
    /// Validates every field and reports all problems at once, keyed by field name.
    pub fn validate(&self) -> Result<ValidMedal, FieldErrors> {
        let mut errors = FieldErrors::new();
        let mut check = |field: &str, r: Result<(), Msg>| {
            if let Err(m) = r {
                errors.entry(field.to_string()).or_default().push(m);
            }
        };
        let name = MedalName::parse(&self.name);
        let description = bounded(
            &self.description,
            0,
            DESCRIPTION_MAX,
            ("描述", "Description"),
        );
        let criteria = bounded(&self.criteria, 0, CRITERIA_MAX, ("获得条件", "Criteria"));
        let tier = Tier::parse(&self.tier);
        let kind = MedalKind::parse(&self.kind);
        let validity = Validity::parse(&self.validity_days);
        check("name", name.as_ref().map(|_| ()).map_err(Msg::clone));
        check(
            "description",
            description.as_ref().map(|_| ()).map_err(Msg::clone),
        );
        check(
            "criteria",
            criteria.as_ref().map(|_| ()).map_err(Msg::clone),
        );
        check("tier", tier.as_ref().map(|_| ()).map_err(Msg::clone));
        check("kind", kind.as_ref().map(|_| ()).map_err(Msg::clone));
        check(
            "validity_days",
            validity.as_ref().map(|_| ()).map_err(Msg::clone),
        );
        match (name, description, criteria, tier, kind, validity) {
            (Ok(name), Ok(description), Ok(criteria), Ok(tier), Ok(kind), Ok(validity)) => {
                Ok(ValidMedal {
                    name,
                    description,
                    criteria,
                    tier,
                    kind,
                    validity,
                    repeatable: self.repeatable,
                })
            }
            _ => Err(errors),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn draft() -> MedalDraft {
        MedalDraft {
            name: " 月度之星 ".into(),
            description: "每月表现最突出的同事".into(),
            criteria: "部门推荐".into(),
            tier: "gold".into(),
            kind: "manual".into(),
            validity_days: "".into(),
            repeatable: true,
        }
    }

    #[test]
    fn a_good_draft_validates_and_trims() {
        let m = draft().validate().unwrap();
        assert_eq!(m.name.as_str(), "月度之星");
        assert_eq!(m.tier, Tier::Gold);
        assert_eq!(m.validity, Validity::Permanent);
        assert!(m.repeatable);
    }

    #[test]
    fn names_are_1_to_30_characters() {
        assert!(MedalName::parse("").is_err());
        assert!(MedalName::parse(&"勋".repeat(30)).is_ok());
        assert!(MedalName::parse(&"勋".repeat(31)).is_err());
    }

    #[test]
    fn all_errors_are_reported_by_field() {
        let bad = MedalDraft {
            name: "".into(),
            tier: "platinum".into(),
            kind: "x".into(),
            validity_days: "400".into(),
            description: "d".repeat(501),
            ..draft()
        };
        let e = bad.validate().unwrap_err();
        let keys: Vec<_> = e.keys().map(String::as_str).collect();
        assert_eq!(
            keys,
            ["description", "kind", "name", "tier", "validity_days"]
        );
    }

    #[test]
    fn validity_is_permanent_or_1_to_366_days() {
        assert_eq!(Validity::parse("").unwrap(), Validity::Permanent);
        assert_eq!(Validity::parse("0").unwrap(), Validity::Permanent);
        assert_eq!(Validity::parse("366").unwrap(), Validity::Days(366));
        assert!(Validity::parse("367").is_err());
        assert!(Validity::parse("-1").is_err());
        assert!(Validity::parse("abc").is_err());
        assert_eq!(Validity::from_days(Some(30)).days(), Some(30));
        assert_eq!(Validity::from_days(None), Validity::Permanent);
    }

    #[test]
    fn tiers_and_kinds_round_trip() {
        for t in Tier::ALL {
            assert_eq!(Tier::parse(t.as_str()).unwrap(), t);
        }
        for k in MedalKind::ALL {
            assert_eq!(MedalKind::parse(k.as_str()).unwrap(), k);
        }
        assert!(is_preset_icon("trophy"));
        assert!(!is_preset_icon("../etc/passwd"));
        assert!(PRESET_ICONS.len() >= 12);
    }
}
