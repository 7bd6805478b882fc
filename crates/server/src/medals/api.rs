//! Server functions of the medal catalogue. Each checks the session and the role, then calls the
//! queries.

use leptos::prelude::*;
use leptos::server_fn::codec::{MultipartData, MultipartFormData};

use crate::error::AppError;
use crate::medals::types::{
    HonourForm, HonourSync, HonourView, MedalDetail, MedalFilter, MedalSummary,
};
#[cfg(feature = "ssr")]
use {
    super::{db, honour, save},
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

/// The medal in DingTalk's organisation honours: published or not, what publishing would use.
#[server(prefix = "/sfn", endpoint = "medals/honour")]
pub async fn medal_honour(id: i64) -> Result<HonourView, AppError> {
    require(Role::Viewer).await?;
    honour::view(&state()?.db, id).await
}

/// Publishes the medal to DingTalk's organisation honours (its images made from the icon).
#[server(prefix = "/sfn", endpoint = "medals/publish")]
pub async fn publish_honour(id: i64, form: HonourForm) -> Result<String, AppError> {
    let text = |v: &Option<String>| v.clone().unwrap_or_default();
    let values = BTreeMap::from([
        ("name".to_string(), text(&form.name)),
        ("description".to_string(), text(&form.description)),
        ("bg_color".to_string(), text(&form.bg_color)),
        ("sender".to_string(), text(&form.sender)),
        ("notify".to_string(), form.notify.join("\n")),
    ]);
    let r = async {
        let admin = require(Role::Admin).await?;
        honour::publish(&state()?, &admin, id, &form).await
    }
    .await
    .inspect(|_| leptos_axum::redirect(&format!("/medals/{id}?published=1")));
    flash::finish("honour", values, r).await
}

/// How an award stands in DingTalk's honours (none: its medal is not published).
#[server(prefix = "/sfn", endpoint = "awards/honour")]
pub async fn award_honour(id: i64) -> Result<Option<HonourSync>, AppError> {
    require(Role::Viewer).await?;
    honour::sync(&state()?.db, id).await
}
