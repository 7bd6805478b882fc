//! The admins' SQL: list, create, change role, disable / enable, reset a password. Every change
//! is audited in the same transaction (role, disabled and display name only — never a password
//! or a hash). The last active owner can be neither demoted nor disabled: the guard is part of
//! the UPDATE itself (on PostgreSQL after locking the active owners' rows), so two owners
//! demoting each other at once cannot leave none.

use crate::admins::AdminItem;
use crate::admins::IssuedPassword;
use crate::admins::NewAdminForm;
use crate::error::AppError;
use crate::infra::audit::INSERT as AUDIT_INSERT;
use crate::infra::now_ms;
use crate::infra::Db;
use crate::session::auth::hash_password;
use crate::session::AdminInfo;
use crate::with_db;
use medal_core::admin::check_new_password;
use medal_core::{Msg, Role, Username};
use serde_json::{json, Value};
use std::collections::BTreeMap;

#[derive(sqlx::FromRow)]
struct Row {
    id: i64,
    username: String,
    display_name: String,
    role: String,
    disabled: bool,
    created_at: i64,
    last_login_at: Option<i64>,
}

impl Row {
    fn item(&self) -> AdminItem {
        AdminItem {
            id: self.id,
            username: self.username.clone(),
            display_name: self.display_name.clone(),
            role: Role::parse(&self.role).unwrap_or(Role::Viewer),
            disabled: self.disabled,
            created_at: self.created_at,
            last_login_at: self.last_login_at,
        }
    }

    /// What the audit trail keeps of an admin: never the password or its hash.
    fn audited(&self) -> Value {
        json!({"username": self.username, "display_name": self.display_name,
               "role": self.role, "disabled": self.disabled})
    }
}

const SELECT: &str =
    "SELECT id, username, display_name, role, disabled, created_at, last_login_at FROM admins";

/// Every admin: owners first, then by username.
pub async fn list(db: &Db) -> Result<Vec<AdminItem>, AppError> {
    let sql = format!(
        "{SELECT} ORDER BY CASE role WHEN 'owner' THEN 0 WHEN 'admin' THEN 1 \
         WHEN 'awarder' THEN 2 ELSE 3 END, username"
    );
    let rows = with_db!(db, p => sqlx::query_as::<_, Row>(&sql).fetch_all(p).await)?;
    Ok(rows.iter().map(Row::item).collect())
}

async fn fetch(db: &Db, id: i64) -> Result<Row, AppError> {
    let sql = format!("{SELECT} WHERE id = $1");
    with_db!(db, p => sqlx::query_as::<_, Row>(&sql).bind(id).fetch_optional(p).await)?
        .ok_or(AppError::NotFound)
}

/// A new random password: 16 characters from an alphabet without look-alikes (≈ 92 bits).
pub fn generate_password() -> String {
    use rand::Rng;
    const ALPHABET: &[u8] = b"abcdefghjkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789";
    let mut rng = rand::rngs::OsRng;
    (0..16)
        .map(|_| ALPHABET[rng.gen_range(0..ALPHABET.len())] as char)
        .collect()
}

pub fn last_owner() -> AppError {
    AppError::Conflict(Msg::new(
        "不能停用或降级最后一位启用中的所有者。请先把另一位管理员设为所有者。",
        "The last active owner cannot be disabled or demoted. Make another admin an owner first.",
    ))
}

fn parse_role(s: &str) -> Result<Role, AppError> {
    Role::parse(s)
        .ok_or_else(|| AppError::field("role", Msg::new("请选择一个角色", "Choose a role")))
}

/// Adds an admin. An empty password is generated (and returned, to be shown once).
pub async fn create(
    db: &Db,
    actor: &AdminInfo,
    f: &NewAdminForm,
) -> Result<IssuedPassword, AppError> {
    let mut errors: BTreeMap<String, Vec<Msg>> = BTreeMap::new();
    let name = Username::parse(&f.username)
        .map_err(|m| errors.insert("username".into(), vec![m]))
        .ok();
    let display = medal_core::text::line(&f.display_name, 0, 50, ("显示名称", "The display name"))
        .map_err(|m| errors.insert("display_name".into(), vec![m]))
        .ok();
    let role = parse_role(&f.role)
        .map_err(|e| errors.insert("role".into(), e.messages_for("role")))
        .ok();
    let generated = f.password.is_empty();
    let password = if generated {
        generate_password()
    } else {
        f.password.clone()
    };
    if let Err(m) = check_new_password(&password) {
        errors.insert("password".into(), vec![m]);
    }
    let (Some(name), Some(display), Some(role)) = (name, display, role) else {
        return Err(AppError::Validation(errors));
    };
    if !errors.is_empty() {
        return Err(AppError::Validation(errors));
    }
    let taken = || {
        AppError::field(
            "username",
            Msg::new(
                format!("用户名 {} 已存在", name.as_str()),
                format!("Username {} is taken", name.as_str()),
            ),
        )
    };
    if crate::session::auth::find_admin_by_name(db, name.as_str())
        .await?
        .is_some()
    {
        return Err(taken());
    }
    let hash = hash_password(&password).await?;
    let now = now_ms();
    let after = json!({"username": name.as_str(), "display_name": display,
                       "role": role.as_str(), "disabled": false});
    let id = with_db!(db, p => async {
        let mut tx = p.begin().await?;
        let id = sqlx::query_scalar::<_, i64>(
            "INSERT INTO admins (username, display_name, password_hash, role, created_at, updated_at) \
             VALUES ($1, $2, $3, $4, $5, $5) RETURNING id")
            .bind(name.as_str()).bind(&display).bind(&hash).bind(role.as_str()).bind(now)
            .fetch_one(&mut *tx).await?;
        sqlx::query(AUDIT_INSERT)
            .bind(Some(actor.id)).bind(&actor.username).bind("admin.create").bind("admin")
            .bind(Some(id.to_string())).bind(None::<String>).bind(Some(after.to_string())).bind(now)
            .execute(&mut *tx).await?;
        tx.commit().await?;
        Ok::<_, sqlx::Error>(id)
    }.await)
    .map_err(|e| {
        if crate::infra::db::is_unique_violation(&e) {
            taken()
        } else {
            AppError::from(e)
        }
    })?;
    Ok(IssuedPassword {
        admin_id: id,
        username: name.as_str().to_string(),
        password: if generated { password } else { String::new() },
    })
}

/// One change to an admin.
enum Change {
    Role(Role),
    Disabled(bool),
    Password(String),
}

/// `AND NOT (<the target is the last active owner>)`, for changes that would remove an owner.
const NOT_LAST_OWNER: &str = " AND NOT (role = 'owner' AND disabled = FALSE AND \
     (SELECT COUNT(*) FROM admins WHERE role = 'owner' AND disabled = FALSE) <= 1)";

/// Applies `change` to admin `id` and audits it, in one transaction. Returns the row before.
async fn apply(db: &Db, actor: &AdminInfo, id: i64, change: Change) -> Result<Row, AppError> {
    let before = fetch(db, id).await?;
    let now = now_ms();
    let (sql, action, bound): (String, &str, Option<String>) = match &change {
        Change::Role(r) => {
            let guard = if *r == Role::Owner {
                ""
            } else {
                NOT_LAST_OWNER
            };
            (
                format!("UPDATE admins SET role = $1, updated_at = $2 WHERE id = $3{guard}"),
                "admin.role",
                Some(r.as_str().to_string()),
            )
        }
        // disabling ends the admin's sessions for good (a later enable does not revive them)
        Change::Disabled(true) => (
            format!(
                "UPDATE admins SET disabled = TRUE, session_epoch = session_epoch + 1, \
                 updated_at = $1 WHERE id = $2{NOT_LAST_OWNER}"
            ),
            "admin.disable",
            None,
        ),
        Change::Disabled(false) => (
            "UPDATE admins SET disabled = FALSE, updated_at = $1 WHERE id = $2".into(),
            "admin.enable",
            None,
        ),
        Change::Password(hash) => (
            "UPDATE admins SET password_hash = $1, session_epoch = session_epoch + 1, \
             updated_at = $2 WHERE id = $3"
                .into(),
            "admin.password_reset",
            Some(hash.clone()),
        ),
    };
    let mut after = before.audited();
    match &change {
        Change::Role(r) => after["role"] = json!(r.as_str()),
        Change::Disabled(d) => after["disabled"] = json!(d),
        Change::Password(_) => after["sessions_ended"] = json!(true),
    }
    let before_json = match change {
        Change::Password(_) => None,
        _ => Some(before.audited().to_string()),
    };
    let changed = with_db!(db, p => async {
        let mut tx = p.begin().await?;
        if matches!(db, Db::Postgres(_)) {
            // serialise changes to owners: a concurrent guard sees this one's result
            sqlx::query("SELECT id FROM admins WHERE role = 'owner' AND disabled = FALSE FOR UPDATE")
                .execute(&mut *tx).await?;
        }
        let mut q = sqlx::query(&sql);
        if let Some(v) = &bound {
            q = q.bind(v);
        }
        let n = q.bind(now).bind(id).execute(&mut *tx).await?.rows_affected();
        if n == 0 {
            tx.rollback().await?;
            return Ok::<_, sqlx::Error>(false);
        }
        sqlx::query(AUDIT_INSERT)
            .bind(Some(actor.id)).bind(&actor.username).bind(action).bind("admin")
            .bind(Some(id.to_string())).bind(&before_json).bind(Some(after.to_string())).bind(now)
            .execute(&mut *tx).await?;
        tx.commit().await?;
        Ok(true)
    }.await)?;
    if !changed {
        // gone meanwhile, or the guard held
        fetch(db, id).await?;
        return Err(last_owner());
    }
    Ok(before)
}

pub async fn set_role(db: &Db, actor: &AdminInfo, id: i64, role: &str) -> Result<(), AppError> {
    let role = parse_role(role)?;
    apply(db, actor, id, Change::Role(role)).await.map(|_| ())
}

pub async fn set_disabled(
    db: &Db,
    actor: &AdminInfo,
    id: i64,
    disabled: bool,
) -> Result<(), AppError> {
    apply(db, actor, id, Change::Disabled(disabled))
        .await
        .map(|_| ())
}

/// Sets a new random password, ends the admin's sessions and clears their sign-in lock-out.
/// Returns the password (to be shown once) and the admin's new session epoch.
pub async fn reset_password(
    db: &Db,
    actor: &AdminInfo,
    id: i64,
) -> Result<(IssuedPassword, i64), AppError> {
    let password = generate_password();
    let hash = hash_password(&password).await?;
    let before = apply(db, actor, id, Change::Password(hash)).await?;
    with_db!(db, p => sqlx::query("DELETE FROM login_attempts WHERE username = $1")
        .bind(&before.username).execute(p).await.map(|_| ()))?;
    let epoch = with_db!(db, p => sqlx::query_scalar::<_, i64>(
        "SELECT session_epoch FROM admins WHERE id = $1").bind(id).fetch_one(p).await)?;
    Ok((
        IssuedPassword {
            admin_id: id,
            username: before.username,
            password,
        },
        epoch,
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn generated_passwords_are_long_and_different() {
        let a = generate_password();
        let b = generate_password();
        assert_eq!(a.chars().count(), 16);
        assert!(check_new_password(&a).is_ok());
        assert_ne!(a, b);
        assert!(!a.contains(['0', 'O', 'l', '1', 'I']));
    }
}
