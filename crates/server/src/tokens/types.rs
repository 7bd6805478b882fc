//! What the token server functions take and return.

use medal_core::{Lang, Role};
use serde::{Deserialize, Serialize};

/// What a token may do. Each also needs its maker's role (a token never does more than the
/// admin who made it may do now).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Scope {
    /// Read medals, staff, awards and rules; dry-run rules.
    Read,
    /// Give and revoke awards.
    Award,
    /// Send events (facts for the rules).
    Events,
    /// Create and update staff.
    Staff,
}

impl Scope {
    pub const ALL: [Scope; 4] = [Scope::Read, Scope::Award, Scope::Events, Scope::Staff];

    pub fn as_str(self) -> &'static str {
        match self {
            Scope::Read => "read",
            Scope::Award => "award",
            Scope::Events => "events",
            Scope::Staff => "staff",
        }
    }

    pub fn parse(s: &str) -> Option<Scope> {
        Scope::ALL.into_iter().find(|x| x.as_str() == s.trim())
    }

    /// The role the token's maker needs for this scope.
    pub fn role(self) -> Role {
        match self {
            Scope::Read => Role::Viewer,
            Scope::Award => Role::Awarder,
            Scope::Events | Scope::Staff => Role::Admin,
        }
    }

    pub fn label(self, lang: Lang) -> &'static str {
        let (zh, en) = match self {
            Scope::Read => ("读取", "read"),
            Scope::Award => ("颁发与撤销", "award"),
            Scope::Events => ("上报事件", "events"),
            Scope::Staff => ("维护员工", "staff"),
        };
        lang.t(zh, en)
    }

    pub fn explain(self, lang: Lang) -> &'static str {
        let (zh, en) = match self {
            Scope::Read => (
                "读取勋章、员工、颁奖记录与规则，试运行规则",
                "read medals, staff, awards and rules; dry-run rules",
            ),
            Scope::Award => ("颁发、撤销勋章", "give and revoke awards"),
            Scope::Events => (
                "上报事件（如完成的任务数），供规则自动颁发",
                "send events (tasks done…) for the rules",
            ),
            Scope::Staff => (
                "按工号新建或更新员工",
                "create or update staff by external id",
            ),
        };
        lang.t(zh, en)
    }
}

/// One token as the tokens page lists it. Never the token or its hash.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TokenItem {
    pub id: i64,
    pub name: String,
    /// The token's first characters, to tell tokens apart.
    pub prefix: String,
    pub scopes: Vec<Scope>,
    pub created_by: String,
    pub created_at: i64,
    /// Updated at most once a minute.
    pub last_used_at: Option<i64>,
    pub revoked_at: Option<i64>,
}

/// A token just made: shown this once.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct IssuedToken {
    pub id: i64,
    pub name: String,
    pub token: String,
}

/// The flash form name under which a new token travels to the next page load.
pub const TOKEN_FLASH: &str = "api-token";
