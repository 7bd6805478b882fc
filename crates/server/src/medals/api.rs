//! Server functions of the medal catalogue.

use crate::error::AppError;
use crate::medals::types::MedalDetail;
use crate::medals::types::MedalFilter;
use crate::medals::types::MedalSummary;
use leptos::prelude::*;
use leptos::server_fn::codec::{MultipartData, MultipartFormData};
#[cfg(feature = "ssr")]
use medal_core::Role;
#[cfg(feature = "ssr")]
use std::collections::BTreeMap;

#[server(prefix = "/sfn", endpoint = "medals/list")]
pub async fn list_medals(filter: MedalFilter) -> Result<Vec<MedalSummary>, AppError> {
    crate::session::auth::require(Role::Viewer).await?;
    crate::medals::db::list(&filter, crate::medals::db::LIST_LIMIT).await
}

#[server(prefix = "/sfn", endpoint = "medals/get")]
pub async fn get_medal(id: i64) -> Result<MedalDetail, AppError> {
    crate::session::auth::require(Role::Viewer).await?;
    crate::medals::db::get(id).await
}

/// Creates or (with an `id` field) updates a medal from the multipart medal form.
#[server(prefix = "/sfn", endpoint = "medals/save", input = MultipartFormData)]
pub async fn save_medal(data: MultipartData) -> Result<i64, AppError> {
    crate::medals::save::save_from_form(data).await
}

#[server(prefix = "/sfn", endpoint = "medals/archive")]
pub async fn archive_medal(id: i64) -> Result<(), AppError> {
    let r = crate::medals::db::set_archived(id, true).await;
    crate::infra::flash::finish("archive", BTreeMap::new(), r).await
}

#[server(prefix = "/sfn", endpoint = "medals/restore")]
pub async fn restore_medal(id: i64) -> Result<(), AppError> {
    let r = crate::medals::db::set_archived(id, false).await;
    crate::infra::flash::finish("archive", BTreeMap::new(), r).await
}
