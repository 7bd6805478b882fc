//! Admins: usernames, roles and the password policy.

use serde::{Deserialize, Serialize};

use crate::{Lang, Msg};

/// What an admin may do. Each role includes the ones below it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub enum Role {
    /// Reads everything.
    Viewer,
    /// Also awards and revokes medals, and shares awards.
    Awarder,
    /// Also manages medals, staff, groups and rules; reads the settings and the audit log.
    Admin,
    /// Also manages admins and changes the settings.
    Owner,
}

impl Role {
    pub const ALL: [Role; 4] = [Role::Owner, Role::Admin, Role::Awarder, Role::Viewer];

    pub fn as_str(self) -> &'static str {
        match self {
            Role::Viewer => "viewer",
            Role::Awarder => "awarder",
            Role::Admin => "admin",
            Role::Owner => "owner",
        }
    }
    pub fn parse(s: &str) -> Option<Role> {
        Role::ALL.into_iter().find(|r| r.as_str() == s.trim())
    }
    pub fn label(self, lang: Lang) -> &'static str {
        match self {
            Role::Viewer => lang.t("只读", "Viewer"),
            Role::Awarder => lang.t("颁发人", "Awarder"),
            Role::Admin => lang.t("管理员", "Admin"),
            Role::Owner => lang.t("所有者", "Owner"),
        }
    }
    /// Whether this role may do what `needed` allows.
    pub fn allows(self, needed: Role) -> bool {
        self >= needed
    }
}

/// 3–32 characters: letters, digits, `.`, `_`, `-`; stored lower-case.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Username(String);

impl Username {
    pub fn parse(raw: &str) -> Result<Self, Msg> {
        let s = raw.trim().to_lowercase();
        let n = s.chars().count();
        if !(3..=32).contains(&n)
            || !s
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-'))
        {
            return Err(Msg::new(
                "用户名须为 3–32 个字母、数字或 . _ -",
                "Username must be 3–32 letters, digits or . _ -",
            ));
        }
        Ok(Username(s))
    }
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// New passwords: at least 10 characters (NIST SP 800-63B style: length over composition rules).
pub fn check_new_password(pw: &str) -> Result<(), Msg> {
    let n = pw.chars().count();
    if n < 10 {
        return Err(Msg::new(
            "密码至少 10 个字符",
            "Password needs at least 10 characters",
        ));
    }
    if n > 256 {
        return Err(Msg::new(
            "密码最多 256 个字符",
            "Password can have at most 256 characters",
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn roles_are_ordered() {
        assert!(Role::Owner.allows(Role::Admin));
        assert!(Role::Admin.allows(Role::Awarder));
        assert!(Role::Awarder.allows(Role::Viewer));
        assert!(!Role::Viewer.allows(Role::Awarder));
        assert!(!Role::Awarder.allows(Role::Admin));
        for r in Role::ALL {
            assert_eq!(Role::parse(r.as_str()), Some(r));
        }
    }

    #[test]
    fn usernames_are_normalised_and_checked() {
        assert_eq!(Username::parse(" Admin ").unwrap().as_str(), "admin");
        assert!(Username::parse("ab").is_err());
        assert!(Username::parse("张三").is_err());
        assert!(Username::parse("a b c").is_err());
        assert!(Username::parse("hr.li-2_x").is_ok());
    }

    #[test]
    fn passwords_need_length() {
        assert!(check_new_password("short").is_err());
        assert!(check_new_password("long enough!").is_ok());
    }
}
