//! What the admins server functions take and return.

use medal_core::Role;
use serde::{Deserialize, Serialize};

/// One admin as the admins page lists them. Never a password or its hash.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AdminItem {
    pub id: i64,
    pub username: String,
    pub display_name: String,
    pub role: Role,
    pub disabled: bool,
    pub created_at: i64,
    /// The last successful sign-in (UTC ms), if any.
    pub last_login_at: Option<i64>,
}

/// The "add an admin" form. An empty password means "generate one" (shown once).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct NewAdminForm {
    pub username: String,
    pub display_name: String,
    pub role: String,
    pub password: String,
}

/// A password the server generated, to be shown once and never again.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct IssuedPassword {
    pub admin_id: i64,
    pub username: String,
    /// Empty when the owner typed the password (it is not echoed back).
    pub password: String,
}

/// The flash form name under which a generated password travels to the next page load.
pub const PASSWORD_FLASH: &str = "admin-password";
