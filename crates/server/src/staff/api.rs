//! Server functions of the staff directory, its CSV import and the DingTalk userId lookup. Each
//! checks the session and the role, then calls the queries.

use leptos::prelude::*;
use leptos::server_fn::codec::{MultipartData, MultipartFormData};

use crate::error::AppError;
use crate::staff::types::{
    ImportOutcome, ImportPreview, StaffDetail, StaffFilter, StaffPage, UseridJob, UseridOverview,
};
#[cfg(feature = "ssr")]
use {
    super::{db, import_web, userids, userids_job},
    crate::infra::{flash, state},
    crate::session::auth::{require, session},
    medal_core::Role,
    std::collections::BTreeMap,
};

#[server(prefix = "/sfn", endpoint = "staff/list")]
pub async fn list_staff(filter: StaffFilter) -> Result<StaffPage, AppError> {
    require(Role::Viewer).await?;
    db::list(&state()?.db, &filter).await
}

#[server(prefix = "/sfn", endpoint = "staff/get")]
pub async fn get_staff(id: i64) -> Result<StaffDetail, AppError> {
    require(Role::Viewer).await?;
    db::get(&state()?.db, id).await
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
    let r = async {
        let admin = require(Role::Admin).await?;
        db::save(&state()?.db, &admin, id.as_deref(), &draft).await
    }
    .await
    .inspect(|id| leptos_axum::redirect(&format!("/staff/{id}")));
    flash::finish("staff", values, r).await
}

#[server(prefix = "/sfn", endpoint = "staff/deactivate")]
pub async fn deactivate_staff(id: i64) -> Result<(), AppError> {
    let r = async {
        let admin = require(Role::Admin).await?;
        db::set_active(&state()?.db, &admin, id, false).await
    };
    flash::finish("staff-active", BTreeMap::new(), r.await).await
}

#[server(prefix = "/sfn", endpoint = "staff/reactivate")]
pub async fn reactivate_staff(id: i64) -> Result<(), AppError> {
    let r = async {
        let admin = require(Role::Admin).await?;
        db::set_active(&state()?.db, &admin, id, true).await
    };
    flash::finish("staff-active", BTreeMap::new(), r.await).await
}

/// Looks up one person's DingTalk userId by their mobile and saves it.
#[server(prefix = "/sfn", endpoint = "staff/userid/lookup")]
pub async fn lookup_user_id(id: i64) -> Result<String, AppError> {
    let r = async {
        let admin = require(Role::Admin).await?;
        let uid = userids::lookup_one(&state()?, &admin, id).await?;
        flash::notify(
            "staff-userid",
            medal_core::Msg::new(
                format!("已从钉钉查到 userId：{uid}"),
                format!("DingTalk userId found: {uid}"),
            ),
        )
        .await?;
        Ok(uid)
    };
    flash::finish("staff-userid", BTreeMap::new(), r.await).await
}

#[server(prefix = "/sfn", endpoint = "staff/userid/overview")]
pub async fn get_userid_overview() -> Result<UseridOverview, AppError> {
    require(Role::Viewer).await?;
    userids::overview(&state()?).await
}

/// The latest bulk lookup (what its live progress asks for; a stale one shows as interrupted).
#[server(prefix = "/sfn", endpoint = "staff/userid/progress")]
pub async fn userid_progress() -> Result<Option<UseridJob>, AppError> {
    require(Role::Viewer).await?;
    let db = state()?.db;
    userids::expire_stale(&db).await?;
    userids::latest_job(&db).await
}

/// Starts a bulk lookup of everyone active with a mobile and no userId (in the background).
#[server(prefix = "/sfn", endpoint = "staff/userid/start")]
pub async fn start_userid_lookup() -> Result<i64, AppError> {
    let r = async {
        let admin = require(Role::Admin).await?;
        userids_job::start(&state()?, &admin).await
    };
    flash::finish("userid-bulk", BTreeMap::new(), r.await).await
}

#[server(prefix = "/sfn", endpoint = "staff/userid/cancel")]
pub async fn cancel_userid_lookup() -> Result<(), AppError> {
    let r = async {
        let admin = require(Role::Admin).await?;
        userids_job::cancel(&state()?.db, &admin).await
    };
    flash::finish("userid-bulk", BTreeMap::new(), r.await).await
}

/// Step 1 of an import: reads the uploaded CSV (field `file`), keeps it and returns what
/// importing it would do. Nothing is written to the staff table.
#[server(prefix = "/sfn", endpoint = "staff/import/preview", input = MultipartFormData)]
pub async fn preview_staff_import(data: MultipartData) -> Result<ImportPreview, AppError> {
    let r = async {
        let admin = require(Role::Admin).await?;
        let st = state()?;
        let _slot = crate::infra::bulk_slot(&st)?;
        import_web::preview_from_form(&st.db, &admin, &session().await?, data).await
    }
    .await
    .inspect(|_| leptos_axum::redirect("/staff/import"));
    flash::finish("staff-import", BTreeMap::new(), r).await
}

/// The preview of the upload kept in this session, if any (the page shows it after a reload).
#[server(prefix = "/sfn", endpoint = "staff/import/pending")]
pub async fn pending_staff_import() -> Result<Option<ImportPreview>, AppError> {
    let admin = require(Role::Admin).await?;
    import_web::pending_preview(&state()?.db, &admin, &session().await?).await
}

/// Step 2: imports the valid rows of the kept upload named by `token`, in one transaction.
#[server(prefix = "/sfn", endpoint = "staff/import/commit")]
pub async fn commit_staff_import(token: String) -> Result<ImportOutcome, AppError> {
    let r = async {
        let admin = require(Role::Admin).await?;
        let st = state()?;
        let _slot = crate::infra::bulk_slot(&st)?;
        import_web::commit_pending(&st.db, &admin, &session().await?, &token).await
    }
    .await
    .inspect(|o| {
        leptos_axum::redirect(&format!(
            "/staff/import?done=1&created={}&updated={}&unchanged={}&skipped={}",
            o.created, o.updated, o.unchanged, o.skipped
        ))
    });
    flash::finish("staff-import", BTreeMap::new(), r).await
}

/// Forgets the kept upload.
#[server(prefix = "/sfn", endpoint = "staff/import/cancel")]
pub async fn cancel_staff_import() -> Result<(), AppError> {
    let r = async {
        let admin = require(Role::Admin).await?;
        import_web::cancel_pending(&state()?.db, &admin, &session().await?).await
    }
    .await
    .inspect(|_| leptos_axum::redirect("/staff/import"));
    flash::finish("staff-import", BTreeMap::new(), r).await
}
