//! Server functions for sharing (issue #5): settings, groups, the share form, the outbox history.
//! Each checks the session and the role itself (see `ssr::auth::require`).

#[cfg(feature = "ssr")]
use std::collections::BTreeMap;

use leptos::prelude::*;
use medal_core::Msg;
use serde::{Deserialize, Serialize};

use crate::error::AppError;

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct SettingsView {
    pub org_name: String,
    /// As saved ("" means the configured public URL is used).
    pub public_base_url: String,
    pub default_public_url: String,
    pub app_key: String,
    /// `SEC••••••3f`-style, never the secret.
    pub app_secret_masked: Option<String>,
    pub robot_code: String,
}

/// The settings form. A field the post lacks keeps its stored value (a junk or partial post must
/// not blank the AppKey); an empty AppSecret keeps the stored one too.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct SettingsForm {
    pub org_name: Option<String>,
    pub public_base_url: Option<String>,
    pub app_key: Option<String>,
    pub app_secret: Option<String>,
    pub robot_code: Option<String>,
    pub clear_app_secret: bool,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct GroupHealth {
    pub last_ok_at: Option<i64>,
    pub last_error_at: Option<i64>,
    /// The last error, explained, when it is newer than the last success.
    pub error: Option<Msg>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct GroupSummary {
    pub id: i64,
    pub name: String,
    /// "webhook" or "app".
    pub kind: String,
    pub keywords: Vec<String>,
    pub open_conversation_id: Option<String>,
    pub token_masked: Option<String>,
    pub secret_masked: Option<String>,
    pub disabled: bool,
    pub health: GroupHealth,
    pub created_at: i64,
    pub updated_at: i64,
}

/// The group form. On edit, a field the post lacks keeps its stored value, and an empty webhook
/// URL or secret keeps the stored one.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct GroupForm {
    pub id: Option<String>,
    pub name: Option<String>,
    pub kind: Option<String>,
    pub webhook_url: Option<String>,
    pub sign_secret: Option<String>,
    pub clear_sign_secret: bool,
    pub keywords: Option<String>,
    pub open_conversation_id: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TestSendResult {
    pub ok: bool,
    pub message: Msg,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AwardBrief {
    pub id: i64,
    pub medal_name: String,
    pub staff_name: String,
    pub reason: String,
    pub awarded_at: i64,
    pub mentionable: bool,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct ShareFormData {
    pub awards: Vec<AwardBrief>,
    pub groups: Vec<GroupSummary>,
    /// Above this many awards the form suggests a digest.
    pub digest_from: usize,
}

/// The card options chosen on the share form.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct CardOptions {
    pub message: String,
    /// "action_card" or "markdown".
    pub style: String,
    pub mention: bool,
    pub sidebar: bool,
    pub digest: bool,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct ShareFilter {
    /// "" for any status.
    pub status: String,
    /// "" for any group, else its id.
    pub group: String,
    /// "" or one request's id.
    pub request: String,
    pub page: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ShareRow {
    pub id: i64,
    pub group_id: i64,
    pub group_name: String,
    pub status: String,
    pub attempts: i32,
    pub award_ids: String,
    pub request_id: Option<String>,
    pub created_at: i64,
    pub updated_at: i64,
    pub sent_at: Option<i64>,
    pub next_attempt_at: i64,
    pub error: Option<Msg>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct ShareList {
    pub items: Vec<ShareRow>,
    pub page: u32,
    pub has_next: bool,
    pub progress: Progress,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Progress {
    pub total: i64,
    pub sent: i64,
    pub failed: i64,
    pub gave_up: i64,
    pub in_flight: i64,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ShareDetail {
    pub row: ShareRow,
    pub msg_uuid: String,
    /// The exact JSON sent (pretty-printed), without the msgUuid the client adds.
    pub message_json: String,
    /// The card as the simulator's /sim page draws it (escaped HTML).
    pub preview_html: String,
}

// ---------------------------------------------------------------- settings

#[server(prefix = "/sfn", endpoint = "settings/get")]
pub async fn get_settings() -> Result<SettingsView, AppError> {
    crate::ssr::settings::get().await
}

#[server(prefix = "/sfn", endpoint = "settings/save")]
pub async fn save_settings(form: SettingsForm) -> Result<(), AppError> {
    let values = BTreeMap::from([
        (
            "org_name".to_string(),
            form.org_name.clone().unwrap_or_default(),
        ),
        (
            "public_base_url".to_string(),
            form.public_base_url.clone().unwrap_or_default(),
        ),
        (
            "app_key".to_string(),
            form.app_key.clone().unwrap_or_default(),
        ),
        (
            "robot_code".to_string(),
            form.robot_code.clone().unwrap_or_default(),
        ),
    ]);
    let r = crate::ssr::settings::save(&form)
        .await
        .inspect(|_| leptos_axum::redirect("/settings?saved=1"));
    crate::ssr::flash::finish("settings", values, r).await
}

// ---------------------------------------------------------------- groups

#[server(prefix = "/sfn", endpoint = "groups/list")]
pub async fn list_groups() -> Result<Vec<GroupSummary>, AppError> {
    crate::ssr::groups::list().await
}

#[server(prefix = "/sfn", endpoint = "groups/get")]
pub async fn get_group(id: i64) -> Result<GroupSummary, AppError> {
    crate::ssr::groups::get(id).await
}

#[server(prefix = "/sfn", endpoint = "groups/save")]
pub async fn save_group(form: GroupForm) -> Result<i64, AppError> {
    let values = BTreeMap::from([
        ("id".to_string(), form.id.clone().unwrap_or_default()),
        ("name".to_string(), form.name.clone().unwrap_or_default()),
        ("kind".to_string(), form.kind.clone().unwrap_or_default()),
        (
            "keywords".to_string(),
            form.keywords.clone().unwrap_or_default(),
        ),
        (
            "open_conversation_id".to_string(),
            form.open_conversation_id.clone().unwrap_or_default(),
        ),
    ]);
    let r = crate::ssr::groups::save(&form)
        .await
        .inspect(|id| leptos_axum::redirect(&format!("/groups/{id}")));
    crate::ssr::flash::finish("group", values, r).await
}

#[server(prefix = "/sfn", endpoint = "groups/disable")]
pub async fn disable_group(id: i64) -> Result<(), AppError> {
    let r = crate::ssr::groups::set_disabled(id, true).await;
    crate::ssr::flash::finish("group-disabled", BTreeMap::new(), r).await
}

#[server(prefix = "/sfn", endpoint = "groups/enable")]
pub async fn enable_group(id: i64) -> Result<(), AppError> {
    let r = crate::ssr::groups::set_disabled(id, false).await;
    crate::ssr::flash::finish("group-disabled", BTreeMap::new(), r).await
}

/// Sends a small test card now; the answer says what happened, explained.
#[server(prefix = "/sfn", endpoint = "groups/test")]
pub async fn test_group(id: i64) -> Result<TestSendResult, AppError> {
    let r = crate::ssr::groups::test_send(id).await.inspect(|t| {
        if crate::ssr::flash::is_plain_form() {
            leptos_axum::redirect(&format!(
                "/groups/{id}?test={}",
                if t.ok { "ok" } else { "failed" }
            ));
        }
    });
    crate::ssr::flash::finish("group-test", BTreeMap::new(), r).await
}

// ---------------------------------------------------------------- sharing

/// The awards named in `/shares/new?awards=1,2,3` and the groups to choose from.
#[server(prefix = "/sfn", endpoint = "shares/form")]
pub async fn share_form(awards: String) -> Result<ShareFormData, AppError> {
    crate::ssr::shares::form_data(&awards).await
}

/// The card (or digest) as the first chosen group would receive it, drawn like /sim draws it.
#[server(prefix = "/sfn", endpoint = "shares/preview")]
pub async fn preview_share(
    awards: String,
    group: Option<i64>,
    options: CardOptions,
) -> Result<String, AppError> {
    crate::ssr::shares::preview(&awards, group, &options).await
}

/// Writes the outbox rows (one per group); the worker sends them. Returns the request id.
#[server(prefix = "/sfn", endpoint = "shares/create")]
pub async fn create_share(
    awards: String,
    group_ids: Option<Vec<i64>>,
    options: CardOptions,
) -> Result<String, AppError> {
    let values = BTreeMap::from([
        ("message".to_string(), options.message.clone()),
        ("style".to_string(), options.style.clone()),
    ]);
    let r = crate::ssr::shares::create(&awards, &group_ids.unwrap_or_default(), &options)
        .await
        .inspect(|req| leptos_axum::redirect(&format!("/shares?request={req}")));
    crate::ssr::flash::finish("share", values, r).await
}

#[server(prefix = "/sfn", endpoint = "shares/list")]
pub async fn list_shares(filter: ShareFilter) -> Result<ShareList, AppError> {
    crate::ssr::shares::list(&filter).await
}

#[server(prefix = "/sfn", endpoint = "shares/get")]
pub async fn get_share(id: i64) -> Result<ShareDetail, AppError> {
    crate::ssr::shares::get(id).await
}

/// Puts a failed or given-up share back in the queue (same msgUuid).
#[server(prefix = "/sfn", endpoint = "shares/retry")]
pub async fn retry_share(id: i64) -> Result<(), AppError> {
    let r = crate::ssr::shares::retry(id).await;
    crate::ssr::flash::finish("share-retry", BTreeMap::new(), r).await
}
