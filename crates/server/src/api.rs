//! Server functions: the browser's only way into the server. Each one is a public POST endpoint,
//! so each checks the session and the role itself (see `ssr::auth::require`).

use std::collections::BTreeMap;

use leptos::prelude::*;
use leptos::server_fn::codec::{MultipartData, MultipartFormData};
use medal_core::{MedalKind, Msg, Role, Tier};
use serde::{Deserialize, Serialize};

use crate::error::AppError;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AdminInfo {
    pub id: i64,
    pub username: String,
    pub role: Role,
}

/// What a plain (no-JavaScript) form post left for the next page: the error and the values typed,
/// so the page can show the messages next to the fields and lose nothing; or a notice.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Flash {
    pub form: String,
    pub error: Option<AppError>,
    pub notice: Option<Msg>,
    pub values: BTreeMap<String, String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MedalSummary {
    pub id: i64,
    pub name: String,
    pub tier: Tier,
    pub kind: MedalKind,
    pub icon_url: String,
    pub archived: bool,
    pub award_count: i64,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MedalDetail {
    pub id: i64,
    pub name: String,
    pub description: String,
    pub criteria: String,
    pub tier: Tier,
    pub kind: MedalKind,
    pub validity_days: Option<u32>,
    pub repeatable: bool,
    pub icon_url: String,
    /// The preset's key when the icon is a preset.
    pub icon_preset: Option<String>,
    pub archived_at: Option<i64>,
    pub created_at: i64,
    pub updated_at: i64,
    pub award_count: i64,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct MedalFilter {
    pub q: String,
    /// "" for any, else a tier key.
    pub tier: String,
    /// "" for any, else a kind key.
    pub kind: String,
    /// "" or "active" (default), "archived", "all".
    pub status: String,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct DashboardData {
    pub active_medals: i64,
    pub archived_medals: i64,
    pub staff: i64,
    pub awards: i64,
    pub recent_medals: Vec<MedalSummary>,
}

// ---------------------------------------------------------------- session

/// The signed-in admin, or `None`. Public: it only tells a caller about their own session.
#[server(prefix = "/sfn", endpoint = "auth/me")]
pub async fn current_admin() -> Result<Option<AdminInfo>, AppError> {
    crate::ssr::auth::current().await
}

/// Takes (and removes) what the last plain form post left in this session. Public: it only
/// returns this session's own data.
#[server(prefix = "/sfn", endpoint = "flash/take")]
pub async fn take_flash() -> Result<Option<Flash>, AppError> {
    crate::ssr::flash::take().await
}

#[server(prefix = "/sfn", endpoint = "auth/login")]
pub async fn login(
    username: String,
    password: String,
    next: Option<String>,
) -> Result<(), AppError> {
    let values = BTreeMap::from([("username".to_string(), username.clone())]);
    let r = crate::ssr::auth::login(&username, &password).await;
    crate::ssr::flash::finish(
        "login",
        values,
        r.map(|_| {
            leptos_axum::redirect(&crate::ssr::safe_next(next.as_deref()));
        }),
    )
    .await
}

#[server(prefix = "/sfn", endpoint = "auth/logout")]
pub async fn logout() -> Result<(), AppError> {
    let r = crate::ssr::auth::logout().await;
    crate::ssr::flash::finish(
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
    let r = crate::ssr::auth::complete_setup(&token, &username, &password).await;
    crate::ssr::flash::finish("setup", values, r.map(|_| leptos_axum::redirect("/"))).await
}

// ---------------------------------------------------------------- dashboard

#[server(prefix = "/sfn", endpoint = "dashboard")]
pub async fn dashboard_stats() -> Result<DashboardData, AppError> {
    crate::ssr::auth::require(Role::Viewer).await?;
    crate::ssr::medals::dashboard().await
}

// ---------------------------------------------------------------- medals

#[server(prefix = "/sfn", endpoint = "medals/list")]
pub async fn list_medals(filter: MedalFilter) -> Result<Vec<MedalSummary>, AppError> {
    crate::ssr::auth::require(Role::Viewer).await?;
    crate::ssr::medals::list(&filter).await
}

#[server(prefix = "/sfn", endpoint = "medals/get")]
pub async fn get_medal(id: i64) -> Result<MedalDetail, AppError> {
    crate::ssr::auth::require(Role::Viewer).await?;
    crate::ssr::medals::get(id).await
}

/// Creates or (with an `id` field) updates a medal from the multipart medal form.
#[server(prefix = "/sfn", endpoint = "medals/save", input = MultipartFormData)]
pub async fn save_medal(data: MultipartData) -> Result<i64, AppError> {
    crate::ssr::medals::save_from_form(data).await
}

#[server(prefix = "/sfn", endpoint = "medals/archive")]
pub async fn archive_medal(id: i64) -> Result<(), AppError> {
    let r = crate::ssr::medals::set_archived(id, true).await;
    crate::ssr::flash::finish("archive", BTreeMap::new(), r).await
}

#[server(prefix = "/sfn", endpoint = "medals/restore")]
pub async fn restore_medal(id: i64) -> Result<(), AppError> {
    let r = crate::ssr::medals::set_archived(id, false).await;
    crate::ssr::flash::finish("archive", BTreeMap::new(), r).await
}
