//! Server functions of the API tokens: admins list, make and revoke them. Each checks the session
//! and the role, then calls the queries. A new token travels to the page once, in the flash.

use leptos::prelude::*;

use crate::error::AppError;
use crate::tokens::types::{IssuedToken, TokenItem};
#[cfg(feature = "ssr")]
use {
    super::db,
    crate::infra::{flash, state},
    crate::session::auth::require,
    crate::tokens::types::TOKEN_FLASH,
    medal_core::{Msg, Role},
    std::collections::BTreeMap,
};

#[server(prefix = "/sfn", endpoint = "tokens/list")]
pub async fn list_tokens() -> Result<Vec<TokenItem>, AppError> {
    require(Role::Admin).await?;
    db::list(&state()?.db).await
}

/// Makes a token named `name` with `scopes` (`read`, `award`, `events`, `staff`).
#[server(prefix = "/sfn", endpoint = "tokens/create")]
pub async fn create_token(
    name: String,
    scopes: Option<Vec<String>>,
) -> Result<IssuedToken, AppError> {
    let scopes = scopes.unwrap_or_default();
    let values = BTreeMap::from([
        ("name".to_string(), name.clone()),
        ("scopes".to_string(), scopes.join(",")),
    ]);
    let r = async {
        let admin = require(Role::Admin).await?;
        let issued = db::create(&state()?.db, &admin, &name, &scopes).await?;
        let notice = Msg::new(
            format!("已创建令牌「{}」，只显示这一次：", issued.name),
            format!("Token “{}” made; it is shown only this once:", issued.name),
        );
        let shown = BTreeMap::from([("token".to_string(), issued.token.clone())]);
        flash::notify_with(TOKEN_FLASH, notice, shown).await?;
        Ok(issued)
    }
    .await
    .inspect(|_| leptos_axum::redirect("/tokens"));
    flash::finish("token-new", values, r).await
}

#[server(prefix = "/sfn", endpoint = "tokens/revoke")]
pub async fn revoke_token(id: i64) -> Result<(), AppError> {
    let r = async {
        let admin = require(Role::Admin).await?;
        db::revoke(&state()?.db, &admin, id).await
    }
    .await
    .inspect(|_| leptos_axum::redirect("/tokens"));
    flash::finish("token-change", BTreeMap::new(), r).await
}

/// The REST API's OpenAPI document (JSON), for the API reference page.
#[server(prefix = "/sfn", endpoint = "tokens/api_docs")]
pub async fn api_docs() -> Result<String, AppError> {
    require(Role::Viewer).await?;
    Ok(crate::rest::openapi::json())
}
