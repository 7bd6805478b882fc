//! Staff: the people medals are awarded to. Name, Chinese mobile number, DingTalk userId,
//! department, external id (工号) and an active flag (kept by the server).

use std::fmt;

use serde::{Deserialize, Serialize};

use crate::medal::FieldErrors;
use crate::text::{bounded, line};
use crate::Msg;

pub const NAME_MAX: usize = 50;
pub const DEPARTMENT_MAX: usize = 100;
pub const EXTERNAL_ID_MAX: usize = 64;
pub const USER_ID_MAX: usize = 64;

/// A person's name: 1–50 characters after trimming.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StaffName(String);

impl StaffName {
    pub fn parse(raw: &str) -> Result<Self, Msg> {
        line(raw, 1, NAME_MAX, ("姓名", "Name")).map(StaffName)
    }
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for StaffName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// A mainland China mobile number, normalised to 11 digits `1[3-9]xxxxxxxxx`.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Mobile(String);

impl Mobile {
    /// Accepts spaces and dashes anywhere and a leading `+86` / `0086` / `86` before 11 digits.
    pub fn parse(raw: &str) -> Result<Self, Msg> {
        let mut s: String = raw
            .trim()
            .chars()
            .filter(|c| !matches!(c, ' ' | '-' | '\u{3000}' | '\u{a0}'))
            .collect();
        if let Some(rest) = s.strip_prefix("+86") {
            s = rest.to_string();
        } else if let Some(rest) = s.strip_prefix("0086") {
            s = rest.to_string();
        } else if s.len() == 13 && s.starts_with("86") {
            s = s[2..].to_string();
        }
        let b = s.as_bytes();
        let ok = b.len() == 11
            && b[0] == b'1'
            && (b'3'..=b'9').contains(&b[1])
            && b.iter().all(u8::is_ascii_digit);
        if ok {
            Ok(Mobile(s))
        } else {
            Err(Msg::new(
                format!(
                    "手机号「{}」格式不正确，应为 11 位中国大陆手机号",
                    raw.trim()
                ),
                format!(
                    "“{}” is not a mainland China mobile number (11 digits, 1[3-9]…)",
                    raw.trim()
                ),
            ))
        }
    }
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for Mobile {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// A DingTalk userId (staffId): 1–64 ASCII letters, digits, `_`, `-` or `.`, as DingTalk makes
/// them (`manager4220`, `0123456789012345`) and as admins customise them. Nothing else is
/// accepted: a userId goes into group cards as an @mention, where other characters could be
/// markup (`[领取奖金](https://evil.example/x)` has no spaces).
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct UserId(String);

impl UserId {
    pub fn parse(raw: &str) -> Result<Self, Msg> {
        let s = raw.trim();
        let ok = !s.is_empty()
            && s.len() <= USER_ID_MAX
            && s.bytes()
                .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'_' | b'-' | b'.'));
        if ok {
            Ok(UserId(s.to_string()))
        } else {
            Err(Msg::new(
                format!("钉钉 userId 只能由字母、数字、下划线、连字符和点组成（1–{USER_ID_MAX} 个字符）"),
                format!(
                    "A DingTalk userId has 1–{USER_ID_MAX} letters, digits, underscores, hyphens or dots"
                ),
            ))
        }
    }
    /// `Some` when `raw` is a valid userId (stored values from before validation may not be).
    pub fn valid(raw: Option<&str>) -> Option<UserId> {
        raw.and_then(|r| UserId::parse(r).ok())
    }
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for UserId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// An identifier (工号): optional, no spaces inside, at most `max` characters.
fn identifier(raw: &str, max: usize, label: (&str, &str)) -> Result<Option<String>, Msg> {
    let s = bounded(raw, 0, max, label)?;
    if s.is_empty() {
        return Ok(None);
    }
    if s.chars().any(char::is_whitespace) {
        return Err(Msg::new(
            format!("{}不能包含空格", label.0),
            format!("{} cannot contain spaces", label.1),
        ));
    }
    Ok(Some(s))
}

/// What an admin typed into the staff form (or one row of an import file), before validation.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct StaffDraft {
    pub name: String,
    pub mobile: String,
    pub dingtalk_user_id: String,
    pub department: String,
    pub external_id: String,
}

/// A validated person. Empty optional fields are `None` (department: empty string).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ValidStaff {
    pub name: StaffName,
    pub mobile: Option<Mobile>,
    pub dingtalk_user_id: Option<String>,
    pub department: String,
    pub external_id: Option<String>,
}

impl StaffDraft {
    /// Validates every field and reports all problems at once, keyed by field name.
    pub fn validate(&self) -> Result<ValidStaff, FieldErrors> {
        let mut errors = FieldErrors::new();
        let name = StaffName::parse(&self.name);
        let mobile = if self.mobile.trim().is_empty() {
            Ok(None)
        } else {
            Mobile::parse(&self.mobile).map(Some)
        };
        let user_id = match self.dingtalk_user_id.trim() {
            "" => Ok(None),
            u => UserId::parse(u).map(|u| Some(u.0)),
        };
        let department = line(&self.department, 0, DEPARTMENT_MAX, ("部门", "Department"));
        let external_id = identifier(&self.external_id, EXTERNAL_ID_MAX, ("工号", "External id"));
        let mut check = |field: &str, e: Option<&Msg>| {
            if let Some(m) = e {
                errors.entry(field.to_string()).or_default().push(m.clone());
            }
        };
        check("name", name.as_ref().err());
        check("mobile", mobile.as_ref().err());
        check("dingtalk_user_id", user_id.as_ref().err());
        check("department", department.as_ref().err());
        check("external_id", external_id.as_ref().err());
        match (name, mobile, user_id, department, external_id) {
            (Ok(name), Ok(mobile), Ok(dingtalk_user_id), Ok(department), Ok(external_id)) => {
                Ok(ValidStaff {
                    name,
                    mobile,
                    dingtalk_user_id,
                    department,
                    external_id,
                })
            }
            _ => Err(errors),
        }
    }
}

/// A column of a staff import file.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Column {
    Name,
    Mobile,
    Department,
    ExternalId,
    UserId,
}

impl Column {
    /// Reads a header cell, in Chinese or English (case, spaces and `_`/`-` do not matter).
    /// Unknown headers are `None` (those columns are ignored).
    pub fn from_header(h: &str) -> Option<Column> {
        let k: String = h
            .trim()
            .trim_start_matches('\u{feff}')
            .chars()
            .filter(|c| !matches!(c, ' ' | '_' | '-'))
            .flat_map(char::to_lowercase)
            .collect();
        Some(match k.as_str() {
            "姓名" | "名字" | "name" => Column::Name,
            "手机号" | "手机" | "手机号码" | "mobile" | "phone" => Column::Mobile,
            "部门" | "department" | "dept" => Column::Department,
            "工号" | "externalid" | "员工编号" | "employeeid" => Column::ExternalId,
            "钉钉id" | "钉钉userid" | "userid" | "dingtalkuserid" => Column::UserId,
            _ => return None,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn draft() -> StaffDraft {
        StaffDraft {
            name: " 张三 ".into(),
            mobile: "+86 138-0013-8000".into(),
            dingtalk_user_id: "zhangsan01".into(),
            department: " 研发部 ".into(),
            external_id: "E001".into(),
        }
    }

    #[test]
    fn a_good_draft_validates_trims_and_normalises() {
        let s = draft().validate().unwrap();
        assert_eq!(s.name.as_str(), "张三");
        assert_eq!(s.mobile.unwrap().as_str(), "13800138000");
        assert_eq!(s.department, "研发部");
        assert_eq!(s.external_id.as_deref(), Some("E001"));
        assert_eq!(s.dingtalk_user_id.as_deref(), Some("zhangsan01"));
    }

    #[test]
    fn optional_fields_may_be_empty() {
        let s = StaffDraft {
            name: "李四".into(),
            ..StaffDraft::default()
        }
        .validate()
        .unwrap();
        assert_eq!(s.mobile, None);
        assert_eq!(s.external_id, None);
        assert_eq!(s.dingtalk_user_id, None);
        assert_eq!(s.department, "");
    }

    #[test]
    fn names_are_1_to_50_characters() {
        assert!(StaffName::parse(" ").is_err());
        assert!(StaffName::parse(&"名".repeat(50)).is_ok());
        assert!(StaffName::parse(&"名".repeat(51)).is_err());
    }

    #[test]
    fn mobiles_are_chinese_11_digit_numbers() {
        for ok in [
            "13800138000",
            "138 0013 8000",
            "138-0013-8000",
            "+8613800138000",
            "+86 139 0000 0000",
            "008615912345678",
            "8619912345678",
        ] {
            assert!(Mobile::parse(ok).is_ok(), "{ok}");
        }
        assert_eq!(
            Mobile::parse("+86 138-0013-8000").unwrap().as_str(),
            "13800138000"
        );
        for bad in [
            "12800138000",
            "1380013800",
            "138001380001",
            "1380013800a",
            "+1 415 555 0100",
            "",
            "２３８００１３８０００",
        ] {
            assert!(Mobile::parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn all_errors_are_reported_by_field() {
        let bad = StaffDraft {
            name: "".into(),
            mobile: "123".into(),
            dingtalk_user_id: "a b".into(),
            department: "部".repeat(101),
            external_id: "x".repeat(65),
        };
        let e = bad.validate().unwrap_err();
        let keys: Vec<_> = e.keys().map(String::as_str).collect();
        assert_eq!(
            keys,
            [
                "department",
                "dingtalk_user_id",
                "external_id",
                "mobile",
                "name"
            ]
        );
        assert!(e["mobile"][0].zh.contains("手机号"));
    }

    #[test]
    fn user_ids_are_plain_identifiers() {
        for ok in ["manager4220", "0123456789012345", "zhang.san", "a_b-c"] {
            assert_eq!(UserId::parse(ok).unwrap().as_str(), ok);
        }
        for bad in [
            "[领取奖金](https://evil.example/x)",
            "a b",
            "张三",
            "<b>",
            "x@y",
            "",
            &"a".repeat(65),
        ] {
            assert!(UserId::parse(bad).is_err(), "{bad}");
        }
        let mut d = draft();
        d.dingtalk_user_id = "**bold**".into();
        assert!(d.validate().unwrap_err().contains_key("dingtalk_user_id"));
    }

    #[test]
    fn names_and_departments_are_one_line() {
        let mut d = draft();
        d.name = "张\n三".into();
        d.department = "研发\n部".into();
        let e = d.validate().unwrap_err();
        assert!(
            e.contains_key("name") && e.contains_key("department"),
            "{e:?}"
        );
    }

    #[test]
    fn headers_in_chinese_and_english() {
        assert_eq!(Column::from_header("姓名"), Some(Column::Name));
        assert_eq!(Column::from_header("\u{feff}Name"), Some(Column::Name));
        assert_eq!(Column::from_header("手机号"), Some(Column::Mobile));
        assert_eq!(Column::from_header("Mobile"), Some(Column::Mobile));
        assert_eq!(Column::from_header("部门"), Some(Column::Department));
        assert_eq!(Column::from_header("工号"), Some(Column::ExternalId));
        assert_eq!(Column::from_header("external_id"), Some(Column::ExternalId));
        assert_eq!(Column::from_header("External ID"), Some(Column::ExternalId));
        assert_eq!(Column::from_header("钉钉ID"), Some(Column::UserId));
        assert_eq!(Column::from_header("userId"), Some(Column::UserId));
        assert_eq!(Column::from_header("userid"), Some(Column::UserId));
        assert_eq!(Column::from_header("备注"), None);
    }
}
