//! Server functions of sharing: the share form, the card preview, the outbox rows, history and
//! retry. Each checks the session and the role, then calls the queries.

use leptos::prelude::*;

use crate::error::AppError;
use crate::shares::types::{
    CardOptions, GuardForm, GuardView, Progress, ShareDetail, ShareFilter, ShareFormData, ShareList,
};
#[cfg(feature = "ssr")]
use {
    super::db,
    crate::infra::{flash, state},
    crate::session::auth::require,
    medal_core::Role,
    std::collections::BTreeMap,
};

/// The awards named in `/shares/new?awards=1,2,3` and the groups to choose from.
#[server(prefix = "/sfn", endpoint = "shares/form")]
pub async fn share_form(awards: String) -> Result<ShareFormData, AppError> {
    require(Role::Awarder).await?;
    db::form_data(&state()?, &awards).await
}

/// The card (or digest) as the first chosen group would show it.
#[server(prefix = "/sfn", endpoint = "shares/preview")]
pub async fn preview_share(
    awards: String,
    group: Option<i64>,
    options: CardOptions,
) -> Result<medal_core::chat::CardView, AppError> {
    require(Role::Awarder).await?;
    db::preview(&state()?, &awards, group, &options).await
}

/// The same preview drawn as HTML, by the same component (and escaping) as the page: what the
/// share form's preview island shows as the options change. Drawing it here keeps the card
/// renderer and the card's data types out of the browser's wasm.
#[server(prefix = "/sfn", endpoint = "shares/preview_html")]
pub async fn preview_share_html(
    awards: String,
    group: Option<i64>,
    options: CardOptions,
) -> Result<String, AppError> {
    require(Role::Awarder).await?;
    let card = db::preview(&state()?, &awards, group, &options).await?;
    Ok(view! { <crate::ui::CardPreview view=card/> }.to_html())
}

/// Writes the outbox rows (one per group); the worker sends them. Returns the request id.
#[server(prefix = "/sfn", endpoint = "shares/create")]
pub async fn create_share(
    awards: String,
    group_ids: Option<Vec<i64>>,
    options: CardOptions,
    /// "Share again anyway": groups that already have one of these awards get it again.
    confirm: Option<bool>,
) -> Result<String, AppError> {
    let values = BTreeMap::from([
        ("message".to_string(), options.message.clone()),
        ("style".to_string(), options.style.clone()),
    ]);
    let r = async {
        let admin = require(Role::Awarder).await?;
        let groups = group_ids.unwrap_or_default();
        let again = confirm.unwrap_or(false);
        db::create(&state()?, &admin, &awards, &groups, &options, again).await
    }
    .await
    .inspect(|req| leptos_axum::redirect(&format!("/shares?request={req}")));
    flash::finish("share", values, r).await
}

#[server(prefix = "/sfn", endpoint = "shares/list")]
pub async fn list_shares(filter: ShareFilter) -> Result<ShareList, AppError> {
    require(Role::Viewer).await?;
    db::list(&state()?.db, &filter).await
}

#[server(prefix = "/sfn", endpoint = "shares/get")]
pub async fn get_share(id: i64) -> Result<ShareDetail, AppError> {
    require(Role::Viewer).await?;
    db::get(&state()?.db, id).await
}

/// How far the filtered shares are (what the live progress asks for).
#[server(prefix = "/sfn", endpoint = "shares/progress")]
pub async fn share_progress(filter: ShareFilter) -> Result<Progress, AppError> {
    require(Role::Viewer).await?;
    db::progress(&state()?.db, &filter).await
}

/// Puts a failed or given-up share back in the queue (same msgUuid).
#[server(prefix = "/sfn", endpoint = "shares/retry")]
pub async fn retry_share(id: i64) -> Result<(), AppError> {
    let r = async {
        let admin = require(Role::Admin).await?;
        db::retry(&state()?.db, &admin, id).await
    };
    flash::finish("share-retry", BTreeMap::new(), r.await).await
}

/// The over-sharing guard's settings (the daily cap per group, the quiet hours), with one
/// group's messages today when `group` is given.
#[server(prefix = "/sfn", endpoint = "shares/guard")]
pub async fn share_guard(group: Option<i64>) -> Result<GuardView, AppError> {
    require(Role::Viewer).await?;
    let db = &state()?.db;
    let mut v = super::guard::view(db).await?;
    if let Some(g) = group {
        let h = super::guard::history(db, &[g], &[]).await?;
        v.today = Some(h.today.get(&g).copied().unwrap_or(0));
    }
    Ok(v)
}

/// Owners: saves the daily cap and the quiet hours.
#[server(prefix = "/sfn", endpoint = "shares/guard/save")]
pub async fn save_share_guard(form: GuardForm) -> Result<(), AppError> {
    let text = |v: &Option<String>| v.clone().unwrap_or_default();
    let values = BTreeMap::from([
        ("daily_cap".to_string(), text(&form.daily_cap)),
        ("quiet_start".to_string(), text(&form.quiet_start)),
        ("quiet_end".to_string(), text(&form.quiet_end)),
    ]);
    let r = async {
        let owner = require(Role::Owner).await?;
        super::guard::save(&state()?.db, &owner, &form).await
    }
    .await
    .inspect(|_| leptos_axum::redirect("/settings?saved=1#share-guard"));
    flash::finish("share-guard", values, r).await
}
