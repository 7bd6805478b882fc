//! Server functions of the medal catalogue. Each checks the session and the role, then calls the
//! queries.

use leptos::prelude::*;
use leptos::server_fn::codec::{MultipartData, MultipartFormData};

use crate::error::AppError;
use crate::medals::types::{MedalDetail, MedalFilter, MedalSummary};
#[cfg(feature = "ssr")]
use {
    super::{db, save},
    crate::infra::{flash, state},
    crate::session::auth::require,
    medal_core::Role,
    std::collections::BTreeMap,
};

#[server(prefix = "/sfn", endpoint = "medals/list")]
pub async fn list_medals(filter: MedalFilter) -> Result<Vec<MedalSummary>, AppError> {
    require(Role::Viewer).await?;
    db::list(&state()?.db, &filter, db::LIST_LIMIT).await
}

#[server(prefix = "/sfn", endpoint = "medals/get")]
pub async fn get_medal(id: i64) -> Result<MedalDetail, AppError> {
    require(Role::Viewer).await?;
    db::get(&state()?.db, id).await
}

/// Creates or (with an `id` field) updates a medal from the multipart medal form.
#[server(prefix = "/sfn", endpoint = "medals/save", input = MultipartFormData)]
pub async fn save_medal(data: MultipartData) -> Result<i64, AppError> {
    let mut values = BTreeMap::new();
    let r = async {
        let admin = require(Role::Admin).await?;
        let posted = save::read_form(data).await?;
        values = posted.values.clone();
        let id = save::save(&state()?, &admin, posted).await?;
        leptos_axum::redirect(&format!("/medals/{id}"));
        Ok(id)
    }
    .await;
    values.remove("icon_file");
    flash::finish("medal", values, r).await
}

#[server(prefix = "/sfn", endpoint = "medals/archive")]
pub async fn archive_medal(id: i64) -> Result<(), AppError> {
    let r = async {
        let admin = require(Role::Admin).await?;
        db::set_archived(&state()?.db, &admin, id, true).await
    };
    flash::finish("archive", BTreeMap::new(), r.await).await
}

#[server(prefix = "/sfn", endpoint = "medals/restore")]
pub async fn restore_medal(id: i64) -> Result<(), AppError> {
    let r = async {
        let admin = require(Role::Admin).await?;
        db::set_archived(&state()?.db, &admin, id, false).await
    };
    flash::finish("archive", BTreeMap::new(), r.await).await
}
