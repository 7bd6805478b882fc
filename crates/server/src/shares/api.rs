//! Server functions of sharing: the share form, the card preview, the outbox rows, history and retry.

use crate::error::AppError;
use crate::shares::types::CardOptions;
use crate::shares::types::ShareDetail;
use crate::shares::types::ShareFilter;
use crate::shares::types::ShareFormData;
use crate::shares::types::ShareList;
use leptos::prelude::*;
#[cfg(feature = "ssr")]
use std::collections::BTreeMap;

/// The awards named in `/shares/new?awards=1,2,3` and the groups to choose from.
#[server(prefix = "/sfn", endpoint = "shares/form")]
pub async fn share_form(awards: String) -> Result<ShareFormData, AppError> {
    crate::shares::db::form_data(&awards).await
}

/// The card (or digest) as the first chosen group would receive it, drawn like /sim draws it.
#[server(prefix = "/sfn", endpoint = "shares/preview")]
pub async fn preview_share(
    awards: String,
    group: Option<i64>,
    options: CardOptions,
) -> Result<String, AppError> {
    crate::shares::db::preview(&awards, group, &options).await
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
    let r = crate::shares::db::create(&awards, &group_ids.unwrap_or_default(), &options)
        .await
        .inspect(|req| leptos_axum::redirect(&format!("/shares?request={req}")));
    crate::infra::flash::finish("share", values, r).await
}

#[server(prefix = "/sfn", endpoint = "shares/list")]
pub async fn list_shares(filter: ShareFilter) -> Result<ShareList, AppError> {
    crate::shares::db::list(&filter).await
}

#[server(prefix = "/sfn", endpoint = "shares/get")]
pub async fn get_share(id: i64) -> Result<ShareDetail, AppError> {
    crate::shares::db::get(id).await
}

/// Puts a failed or given-up share back in the queue (same msgUuid).
#[server(prefix = "/sfn", endpoint = "shares/retry")]
pub async fn retry_share(id: i64) -> Result<(), AppError> {
    let r = crate::shares::db::retry(id).await;
    crate::infra::flash::finish("share-retry", BTreeMap::new(), r).await
}
