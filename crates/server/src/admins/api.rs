//! Server functions of the admins page: owners only. Each checks the session and the role, then
//! calls the queries. A password the server generates travels to the page once, in the flash.

use leptos::prelude::*;

use crate::admins::types::{AdminItem, IssuedPassword, NewAdminForm};
use crate::error::AppError;
#[cfg(feature = "ssr")]
use {
    super::db,
    crate::admins::types::PASSWORD_FLASH,
    crate::infra::{flash, internal, state},
    crate::session::auth::require,
    medal_core::{Msg, Role},
    std::collections::BTreeMap,
};

#[server(prefix = "/sfn", endpoint = "admins/list")]
pub async fn list_admins() -> Result<Vec<AdminItem>, AppError> {
    require(Role::Owner).await?;
    db::list(&state()?.db).await
}

/// Leaves a generated password for the admins page, shown there once.
#[cfg(feature = "ssr")]
async fn show_once(p: &IssuedPassword) -> Result<(), AppError> {
    let notice = if p.password.is_empty() {
        Msg::new(
            format!("已添加管理员 {}。", p.username),
            format!("Admin {} added.", p.username),
        )
    } else {
        Msg::new(
            format!("{} 的新密码如下，只显示这一次：", p.username),
            format!("The new password of {}, shown only this once:", p.username),
        )
    };
    let values = BTreeMap::from([
        ("username".to_string(), p.username.clone()),
        ("password".to_string(), p.password.clone()),
    ]);
    flash::notify_with(PASSWORD_FLASH, notice, values).await
}

#[server(prefix = "/sfn", endpoint = "admins/create")]
pub async fn create_admin(form: NewAdminForm) -> Result<IssuedPassword, AppError> {
    // what was typed comes back after an error — except the password
    let values = BTreeMap::from([
        ("username".to_string(), form.username.clone()),
        ("display_name".to_string(), form.display_name.clone()),
        ("role".to_string(), form.role.clone()),
    ]);
    let r = async {
        let owner = require(Role::Owner).await?;
        let issued = db::create(&state()?.db, &owner, &form).await?;
        show_once(&issued).await?;
        Ok(issued)
    }
    .await
    .inspect(|_| leptos_axum::redirect("/admins"));
    flash::finish("admin-new", values, r).await
}

#[server(prefix = "/sfn", endpoint = "admins/role")]
pub async fn set_admin_role(id: i64, role: String) -> Result<(), AppError> {
    let r = async {
        let owner = require(Role::Owner).await?;
        db::set_role(&state()?.db, &owner, id, &role).await
    }
    .await
    .inspect(|_| leptos_axum::redirect("/admins"));
    flash::finish("admin-change", BTreeMap::new(), r).await
}

#[server(prefix = "/sfn", endpoint = "admins/disable")]
pub async fn disable_admin(id: i64) -> Result<(), AppError> {
    let r = async {
        let owner = require(Role::Owner).await?;
        db::set_disabled(&state()?.db, &owner, id, true).await
    }
    .await
    .inspect(|_| leptos_axum::redirect("/admins"));
    flash::finish("admin-change", BTreeMap::new(), r).await
}

#[server(prefix = "/sfn", endpoint = "admins/enable")]
pub async fn enable_admin(id: i64) -> Result<(), AppError> {
    let r = async {
        let owner = require(Role::Owner).await?;
        db::set_disabled(&state()?.db, &owner, id, false).await
    }
    .await
    .inspect(|_| leptos_axum::redirect("/admins"));
    flash::finish("admin-change", BTreeMap::new(), r).await
}

/// A new random password for admin `id`; their sessions end. An owner resetting their own
/// password stays signed in in this browser (its session takes the new epoch).
#[server(prefix = "/sfn", endpoint = "admins/reset_password")]
pub async fn reset_admin_password(id: i64) -> Result<IssuedPassword, AppError> {
    let r = async {
        let owner = require(Role::Owner).await?;
        let (issued, epoch) = db::reset_password(&state()?.db, &owner, id).await?;
        if owner.id == id {
            crate::session::auth::session()
                .await?
                .insert(crate::session::auth::SESSION_EPOCH, epoch)
                .await
                .map_err(internal)?;
        }
        show_once(&issued).await?;
        Ok(issued)
    }
    .await
    .inspect(|_| leptos_axum::redirect("/admins"));
    flash::finish("admin-change", BTreeMap::new(), r).await
}
