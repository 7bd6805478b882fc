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
    crate::ssr::medals::list(&filter, crate::ssr::medals::LIST_LIMIT).await
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

// ---------------------------------------------------------------- staff

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct StaffSummary {
    pub id: i64,
    pub name: String,
    pub mobile: Option<String>,
    pub department: String,
    pub external_id: Option<String>,
    pub active: bool,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct StaffDetail {
    pub id: i64,
    pub name: String,
    pub mobile: Option<String>,
    pub dingtalk_user_id: Option<String>,
    pub department: String,
    pub external_id: Option<String>,
    pub active: bool,
    pub created_at: i64,
    pub updated_at: i64,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct StaffFilter {
    /// Searches name and department (substring), mobile and external id (prefix).
    pub q: String,
    /// "" or "active" (default), "inactive", "all".
    pub status: String,
    /// 1-based page number ("" means 1).
    pub page: String,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct StaffPage {
    pub items: Vec<StaffSummary>,
    pub page: u32,
    pub per_page: u32,
    pub has_next: bool,
}

/// One row of an import file that cannot be imported, by the file's line number (header = 1).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ImportRowError {
    pub line: u64,
    pub messages: Vec<Msg>,
}

/// What importing the uploaded file would do. `token` names the upload kept in the session.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct ImportPreview {
    pub token: String,
    pub file_name: String,
    pub encoding: String,
    pub new: u64,
    pub updated: u64,
    pub unchanged: u64,
    pub errors: Vec<ImportRowError>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct ImportOutcome {
    pub created: u64,
    pub updated: u64,
    pub unchanged: u64,
    /// Rows left out because they had errors.
    pub skipped: u64,
}

#[server(prefix = "/sfn", endpoint = "staff/list")]
pub async fn list_staff(filter: StaffFilter) -> Result<StaffPage, AppError> {
    crate::ssr::auth::require(Role::Viewer).await?;
    crate::ssr::staff::list(&filter).await
}

#[server(prefix = "/sfn", endpoint = "staff/get")]
pub async fn get_staff(id: i64) -> Result<StaffDetail, AppError> {
    crate::ssr::auth::require(Role::Viewer).await?;
    crate::ssr::staff::get(id).await
}

/// Creates or (with `id`) updates a person.
#[server(prefix = "/sfn", endpoint = "staff/save")]
pub async fn save_staff(
    id: Option<String>,
    name: String,
    mobile: String,
    dingtalk_user_id: String,
    department: String,
    external_id: String,
) -> Result<i64, AppError> {
    let values = BTreeMap::from([
        ("id".to_string(), id.clone().unwrap_or_default()),
        ("name".to_string(), name.clone()),
        ("mobile".to_string(), mobile.clone()),
        ("dingtalk_user_id".to_string(), dingtalk_user_id.clone()),
        ("department".to_string(), department.clone()),
        ("external_id".to_string(), external_id.clone()),
    ]);
    let draft = medal_core::StaffDraft {
        name,
        mobile,
        dingtalk_user_id,
        department,
        external_id,
    };
    let r = crate::ssr::staff::save(id.as_deref(), &draft)
        .await
        .inspect(|id| leptos_axum::redirect(&format!("/staff/{id}")));
    crate::ssr::flash::finish("staff", values, r).await
}

#[server(prefix = "/sfn", endpoint = "staff/deactivate")]
pub async fn deactivate_staff(id: i64) -> Result<(), AppError> {
    let r = crate::ssr::staff::set_active(id, false).await;
    crate::ssr::flash::finish("staff-active", BTreeMap::new(), r).await
}

#[server(prefix = "/sfn", endpoint = "staff/reactivate")]
pub async fn reactivate_staff(id: i64) -> Result<(), AppError> {
    let r = crate::ssr::staff::set_active(id, true).await;
    crate::ssr::flash::finish("staff-active", BTreeMap::new(), r).await
}

/// Step 1 of an import: reads the uploaded CSV (field `file`), keeps it in the session and
/// returns what importing it would do. Nothing is written to the staff table.
#[server(prefix = "/sfn", endpoint = "staff/import/preview", input = MultipartFormData)]
pub async fn preview_staff_import(data: MultipartData) -> Result<ImportPreview, AppError> {
    let r = crate::ssr::staff::preview_from_form(data)
        .await
        .inspect(|_| leptos_axum::redirect("/staff/import"));
    crate::ssr::flash::finish("staff-import", BTreeMap::new(), r).await
}

/// The preview of the upload kept in this session, if any (the page shows it after a reload).
#[server(prefix = "/sfn", endpoint = "staff/import/pending")]
pub async fn pending_staff_import() -> Result<Option<ImportPreview>, AppError> {
    crate::ssr::auth::require(Role::Admin).await?;
    crate::ssr::staff::pending_preview().await
}

/// Step 2: imports the valid rows of the kept upload named by `token`, in one transaction.
#[server(prefix = "/sfn", endpoint = "staff/import/commit")]
pub async fn commit_staff_import(token: String) -> Result<ImportOutcome, AppError> {
    let r = crate::ssr::staff::commit_pending(&token)
        .await
        .inspect(|o| {
            leptos_axum::redirect(&format!(
                "/staff/import?done=1&created={}&updated={}&unchanged={}&skipped={}",
                o.created, o.updated, o.unchanged, o.skipped
            ))
        });
    crate::ssr::flash::finish("staff-import", BTreeMap::new(), r).await
}

/// Forgets the kept upload.
#[server(prefix = "/sfn", endpoint = "staff/import/cancel")]
pub async fn cancel_staff_import() -> Result<(), AppError> {
    let r = crate::ssr::staff::cancel_pending()
        .await
        .inspect(|_| leptos_axum::redirect("/staff/import"));
    crate::ssr::flash::finish("staff-import", BTreeMap::new(), r).await
}
