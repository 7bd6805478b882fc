//! Server functions of the session: who is signed in, the flash, sign-in, sign-out, first-time setup.

use crate::error::AppError;
use crate::session::types::AdminInfo;
use crate::session::types::Flash;
use leptos::prelude::*;
#[cfg(feature = "ssr")]
use std::collections::BTreeMap;

/// The signed-in admin, or `None`. Public: it only tells a caller about their own session.
#[server(prefix = "/sfn", endpoint = "auth/me")]
pub async fn current_admin() -> Result<Option<AdminInfo>, AppError> {
    crate::session::auth::current().await
}

/// Takes (and removes) what the last plain form post left in this session. Public: it only
/// returns this session's own data.
#[server(prefix = "/sfn", endpoint = "flash/take")]
pub async fn take_flash() -> Result<Option<Flash>, AppError> {
    crate::infra::flash::take().await
}

#[server(prefix = "/sfn", endpoint = "auth/login")]
pub async fn login(
    username: String,
    password: String,
    next: Option<String>,
) -> Result<(), AppError> {
    let values = BTreeMap::from([("username".to_string(), username.clone())]);
    let r = crate::session::throttle::login(&username, &password).await;
    crate::infra::flash::finish(
        "login",
        values,
        r.map(|_| {
            leptos_axum::redirect(&crate::infra::redirect::safe_next(next.as_deref()));
        }),
    )
    .await
}

#[server(prefix = "/sfn", endpoint = "auth/logout")]
pub async fn logout() -> Result<(), AppError> {
    let r = crate::session::auth::logout().await;
    crate::infra::flash::finish(
        "logout",
        BTreeMap::new(),
        r.map(|_| leptos_axum::redirect("/login")),
    )
    .await
}

/// First start: turns the one-time setup token printed at start-up into the owner account.
#[server(prefix = "/sfn", endpoint = "auth/setup")]
pub async fn complete_setup(
    token: String,
    username: String,
    password: String,
) -> Result<(), AppError> {
    let values = BTreeMap::from([("username".to_string(), username.clone())]);
    let r = crate::session::auth::complete_setup(&token, &username, &password).await;
    crate::infra::flash::finish("setup", values, r.map(|_| leptos_axum::redirect("/"))).await
}
