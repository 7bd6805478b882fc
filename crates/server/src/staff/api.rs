//! Server functions of the staff directory, its CSV import and the DingTalk userId lookup.

use crate::error::AppError;
use crate::staff::types::ImportOutcome;
use crate::staff::types::ImportPreview;
use crate::staff::types::StaffDetail;
use crate::staff::types::StaffFilter;
use crate::staff::types::StaffPage;
use crate::staff::types::UseridOverview;
use leptos::prelude::*;
use leptos::server_fn::codec::{MultipartData, MultipartFormData};
#[cfg(feature = "ssr")]
use medal_core::Role;
#[cfg(feature = "ssr")]
use std::collections::BTreeMap;

#[server(prefix = "/sfn", endpoint = "staff/list")]
pub async fn list_staff(filter: StaffFilter) -> Result<StaffPage, AppError> {
    crate::session::auth::require(Role::Viewer).await?;
    crate::staff::db::list(&filter).await
}

#[server(prefix = "/sfn", endpoint = "staff/get")]
pub async fn get_staff(id: i64) -> Result<StaffDetail, AppError> {
    crate::session::auth::require(Role::Viewer).await?;
    crate::staff::db::get(id).await
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
    let r = crate::staff::db::save(id.as_deref(), &draft)
        .await
        .inspect(|id| leptos_axum::redirect(&format!("/staff/{id}")));
    crate::infra::flash::finish("staff", values, r).await
}

#[server(prefix = "/sfn", endpoint = "staff/deactivate")]
pub async fn deactivate_staff(id: i64) -> Result<(), AppError> {
    let r = crate::staff::db::set_active(id, false).await;
    crate::infra::flash::finish("staff-active", BTreeMap::new(), r).await
}

#[server(prefix = "/sfn", endpoint = "staff/reactivate")]
pub async fn reactivate_staff(id: i64) -> Result<(), AppError> {
    let r = crate::staff::db::set_active(id, true).await;
    crate::infra::flash::finish("staff-active", BTreeMap::new(), r).await
}

/// Looks up one person's DingTalk userId by their mobile and saves it.
#[server(prefix = "/sfn", endpoint = "staff/userid/lookup")]
pub async fn lookup_user_id(id: i64) -> Result<String, AppError> {
    let r = crate::staff::userids::lookup_one(id).await;
    crate::infra::flash::finish("staff-userid", BTreeMap::new(), r).await
}

#[server(prefix = "/sfn", endpoint = "staff/userid/overview")]
pub async fn get_userid_overview() -> Result<UseridOverview, AppError> {
    crate::session::auth::require(Role::Viewer).await?;
    crate::staff::userids::overview().await
}

/// Starts a bulk lookup of everyone active with a mobile and no userId (in the background).
#[server(prefix = "/sfn", endpoint = "staff/userid/start")]
pub async fn start_userid_lookup() -> Result<i64, AppError> {
    let r = crate::staff::userids::start().await;
    crate::infra::flash::finish("userid-bulk", BTreeMap::new(), r).await
}

#[server(prefix = "/sfn", endpoint = "staff/userid/cancel")]
pub async fn cancel_userid_lookup() -> Result<(), AppError> {
    let r = crate::staff::userids::cancel().await;
    crate::infra::flash::finish("userid-bulk", BTreeMap::new(), r).await
}

#[server(prefix = "/sfn", endpoint = "staff/import/preview", input = MultipartFormData)]
pub async fn preview_staff_import(data: MultipartData) -> Result<ImportPreview, AppError> {
    let r = crate::staff::import_web::preview_from_form(data)
        .await
        .inspect(|_| leptos_axum::redirect("/staff/import"));
    crate::infra::flash::finish("staff-import", BTreeMap::new(), r).await
}

/// The preview of the upload kept in this session, if any (the page shows it after a reload).
#[server(prefix = "/sfn", endpoint = "staff/import/pending")]
pub async fn pending_staff_import() -> Result<Option<ImportPreview>, AppError> {
    crate::session::auth::require(Role::Admin).await?;
    crate::staff::import_web::pending_preview().await
}

/// Step 2: imports the valid rows of the kept upload named by `token`, in one transaction.
#[server(prefix = "/sfn", endpoint = "staff/import/commit")]
pub async fn commit_staff_import(token: String) -> Result<ImportOutcome, AppError> {
    let r = crate::staff::import_web::commit_pending(&token)
        .await
        .inspect(|o| {
            leptos_axum::redirect(&format!(
                "/staff/import?done=1&created={}&updated={}&unchanged={}&skipped={}",
                o.created, o.updated, o.unchanged, o.skipped
            ))
        });
    crate::infra::flash::finish("staff-import", BTreeMap::new(), r).await
}

/// Forgets the kept upload.
#[server(prefix = "/sfn", endpoint = "staff/import/cancel")]
pub async fn cancel_staff_import() -> Result<(), AppError> {
    let r = crate::staff::import_web::cancel_pending()
        .await
        .inspect(|_| leptos_axum::redirect("/staff/import"));
    crate::infra::flash::finish("staff-import", BTreeMap::new(), r).await
}
