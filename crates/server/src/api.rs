//! Server functions: the browser's only way into the server. Each one is a public POST endpoint,
//! so each checks the session and the role itself (see `ssr::auth::require`).

use std::collections::BTreeMap;

use leptos::prelude::*;
use leptos::server_fn::codec::{MultipartData, MultipartFormData};
use medal_core::{AwardStatus, MedalKind, Msg, Role, Tier};
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
    /// When the DingTalk userId was last looked up by mobile, and why it was not found.
    pub userid_lookup_at: Option<i64>,
    pub userid_lookup_error: Option<Msg>,
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
/// A bulk DingTalk userId lookup: its state (running, done, stopped, cancelled, interrupted) and
/// counts; `error` says why it stopped.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct UseridJob {
    pub id: i64,
    pub state: String,
    pub started_by: String,
    pub started_at: i64,
    pub finished_at: Option<i64>,
    pub total: i64,
    pub done: i64,
    pub found: i64,
    pub not_found: i64,
    pub error: Option<Msg>,
}

/// A person whose last lookup found no userId, and DingTalk's answer in words.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct UseridMiss {
    pub staff_id: i64,
    pub name: String,
    pub department: String,
    pub mobile: String,
    pub at: i64,
    pub error: Msg,
}

/// The userId lookup page: whether the app credentials are set, who still lacks a userId, the
/// latest bulk lookup and the people it could not find.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct UseridOverview {
    pub credentials_set: bool,
    /// Active staff with a mobile and no userId: what a bulk lookup would query.
    pub missing: i64,
    /// Active staff with neither a mobile nor a userId (cannot be looked up).
    pub without_mobile: i64,
    pub job: Option<UseridJob>,
    pub misses: Vec<UseridMiss>,
    pub misses_total: i64,
}

/// Looks up one person's DingTalk userId by their mobile and saves it.
#[server(prefix = "/sfn", endpoint = "staff/userid/lookup")]
pub async fn lookup_user_id(id: i64) -> Result<String, AppError> {
    let r = crate::ssr::userids::lookup_one(id).await;
    crate::ssr::flash::finish("staff-userid", BTreeMap::new(), r).await
}

#[server(prefix = "/sfn", endpoint = "staff/userid/overview")]
pub async fn get_userid_overview() -> Result<UseridOverview, AppError> {
    crate::ssr::auth::require(Role::Viewer).await?;
    crate::ssr::userids::overview().await
}

/// Starts a bulk lookup of everyone active with a mobile and no userId (in the background).
#[server(prefix = "/sfn", endpoint = "staff/userid/start")]
pub async fn start_userid_lookup() -> Result<i64, AppError> {
    let r = crate::ssr::userids::start().await;
    crate::ssr::flash::finish("userid-bulk", BTreeMap::new(), r).await
}

#[server(prefix = "/sfn", endpoint = "staff/userid/cancel")]
pub async fn cancel_userid_lookup() -> Result<(), AppError> {
    let r = crate::ssr::userids::cancel().await;
    crate::ssr::flash::finish("userid-bulk", BTreeMap::new(), r).await
}

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

// ---------------------------------------------------------------- awards

/// One award as lists, walls and detail pages show it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AwardItem {
    pub id: i64,
    pub medal_id: i64,
    pub medal_name: String,
    pub tier: Tier,
    pub icon_url: String,
    pub staff_id: i64,
    pub staff_name: String,
    pub department: String,
    pub reason: String,
    pub awarded_at: i64,
    pub expires_at: Option<i64>,
    pub status: AwardStatus,
    /// The admin's username, or the rule ("规则 #3") that gave it.
    pub awarded_by: String,
    pub revoked_at: Option<i64>,
    pub revoked_by: Option<String>,
    pub revoke_reason: Option<String>,
    pub public_token: String,
    pub batch_id: Option<String>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct AwardFilter {
    /// A medal id, or "" for any.
    pub medal: String,
    /// A person: name (substring), 工号 or mobile (prefix).
    pub person: String,
    /// Exact department, or "" for any.
    pub department: String,
    /// Dates `YYYY-MM-DD` (China time), inclusive; "" for open.
    pub from: String,
    pub to: String,
    /// An admin id, or "" for anyone.
    pub by: String,
    /// "" (any), "active", "expired", "revoked".
    pub status: String,
    /// One batch (from "awarded N people").
    pub batch: String,
    pub page: String,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct AwardPage {
    pub items: Vec<AwardItem>,
    pub page: u32,
    pub per_page: u32,
    pub has_next: bool,
    /// How many awards match the filter in all.
    pub total: i64,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DepartmentCount {
    pub name: String,
    pub staff: i64,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AdminName {
    pub id: i64,
    pub username: String,
}

/// What the award form needs besides the medal list: departments and who has awarded.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct AwardFormChoices {
    pub departments: Vec<DepartmentCount>,
    pub admins: Vec<AdminName>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct AwardOutcome {
    pub batch_id: String,
    pub awarded: u64,
    /// People left out because they already hold the (non-repeatable) medal.
    pub skipped_holders: u64,
    /// The award's id when exactly one was given.
    pub single_id: Option<i64>,
}

/// A person's medals: current ones and, apart, those revoked or expired; counts per tier.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct WallData {
    pub current: Vec<AwardItem>,
    pub past: Vec<AwardItem>,
    /// (tier, count of current awards), every tier listed.
    pub tiers: Vec<(Tier, i64)>,
}

/// What the public award page shows: nothing private (no mobile, ids, tokens of others).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PublicAwardView {
    pub medal_name: String,
    pub medal_description: String,
    pub tier: Tier,
    /// Absolute URL (for OpenGraph).
    pub icon_url: String,
    pub recipient: String,
    pub department: String,
    pub reason: String,
    pub awarded_at: i64,
    pub expires_at: Option<i64>,
    pub status: AwardStatus,
    pub revoked_at: Option<i64>,
    pub organisation: String,
    /// Absolute URL of this page.
    pub url: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LeaderRow {
    pub rank: u32,
    pub staff_id: i64,
    pub name: String,
    pub department: String,
    pub awards: i64,
    /// Counts of the period's awards by tier: gold, silver, bronze.
    pub gold: i64,
    pub silver: i64,
    pub bronze: i64,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MonthCount {
    /// "2026-11"
    pub month: String,
    pub awards: i64,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TopMedal {
    pub medal: MedalSummary,
    pub awards: i64,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct AwardFigures {
    pub awards_this_month: i64,
    pub people_awarded: i64,
    /// The last 12 months, oldest first; drawn as an SVG chart on the server.
    pub per_month: Vec<MonthCount>,
    pub top_medals: Vec<TopMedal>,
    pub recent: Vec<AwardItem>,
}

#[server(prefix = "/sfn", endpoint = "awards/list")]
pub async fn list_awards(filter: AwardFilter) -> Result<AwardPage, AppError> {
    crate::ssr::auth::require(Role::Viewer).await?;
    crate::ssr::awards::list(&filter).await
}

#[server(prefix = "/sfn", endpoint = "awards/get")]
pub async fn get_award(id: i64) -> Result<AwardItem, AppError> {
    crate::ssr::auth::require(Role::Viewer).await?;
    crate::ssr::awards::get(id).await
}

#[server(prefix = "/sfn", endpoint = "awards/choices")]
pub async fn award_choices() -> Result<AwardFormChoices, AppError> {
    crate::ssr::auth::require(Role::Viewer).await?;
    crate::ssr::awards::choices().await
}

/// Awards one medal (multipart form): `medal_id`, `reason`, any number of `staff` ids and
/// `department` names, an optional recipients CSV `file`, `skip_holders`, `share_after`.
#[server(prefix = "/sfn", endpoint = "awards/give", input = MultipartFormData)]
pub async fn give_award(data: MultipartData) -> Result<AwardOutcome, AppError> {
    crate::ssr::awards::give_from_form(data).await
}

#[server(prefix = "/sfn", endpoint = "awards/revoke")]
pub async fn revoke_award(id: i64, reason: String) -> Result<(), AppError> {
    let values = BTreeMap::from([("reason".to_string(), reason.clone())]);
    let r = crate::ssr::awards::revoke(id, &reason).await;
    crate::ssr::flash::finish("revoke", values, r).await
}

#[server(prefix = "/sfn", endpoint = "awards/wall")]
pub async fn medal_wall(staff_id: i64) -> Result<WallData, AppError> {
    crate::ssr::auth::require(Role::Viewer).await?;
    crate::ssr::awards::wall(staff_id).await
}

/// The public award page's data. Public: the token is the secret; nothing private is returned.
#[server(prefix = "/sfn", endpoint = "awards/public")]
pub async fn public_award(token: String) -> Result<PublicAwardView, AppError> {
    crate::ssr::awards::public(&token).await
}

#[server(prefix = "/sfn", endpoint = "awards/leaderboard")]
pub async fn leaderboard(period: String) -> Result<Vec<LeaderRow>, AppError> {
    crate::ssr::auth::require(Role::Viewer).await?;
    crate::ssr::awards::leaderboard(medal_core::Period::parse(&period)).await
}

#[server(prefix = "/sfn", endpoint = "awards/stats")]
pub async fn award_stats() -> Result<AwardFigures, AppError> {
    crate::ssr::auth::require(Role::Viewer).await?;
    crate::ssr::awards::stats().await
}
