//! Server functions of the card templates: list with previews (Viewer), save and delete (Owner,
//! like the settings they belong to).

use leptos::prelude::*;

use crate::cards::types::{CardTemplateForm, CardTemplateView};
use crate::error::AppError;
#[cfg(feature = "ssr")]
use {
    super::db,
    crate::infra::{flash, state},
    crate::session::auth::require,
    medal_core::Role,
    std::collections::BTreeMap,
};

#[server(prefix = "/sfn", endpoint = "cards/list")]
pub async fn list_card_templates() -> Result<Vec<CardTemplateView>, AppError> {
    require(Role::Viewer).await?;
    db::list(&state()?).await
}

#[server(prefix = "/sfn", endpoint = "cards/save")]
pub async fn save_card_template(form: CardTemplateForm) -> Result<i64, AppError> {
    let text = |v: &Option<String>| v.clone().unwrap_or_default();
    let values = BTreeMap::from([
        ("id".to_string(), text(&form.id)),
        ("name".to_string(), text(&form.name)),
        ("template_id".to_string(), text(&form.template_id)),
        ("mapping".to_string(), text(&form.mapping)),
    ]);
    let r = async {
        let admin = require(Role::Owner).await?;
        db::save(&state()?.db, &admin, &form).await
    }
    .await
    .inspect(|_| leptos_axum::redirect("/settings#cards"));
    flash::finish("card-template", values, r).await
}

#[server(prefix = "/sfn", endpoint = "cards/delete")]
pub async fn delete_card_template(id: i64) -> Result<(), AppError> {
    let r = async {
        let admin = require(Role::Owner).await?;
        db::delete(&state()?.db, &admin, id).await
    }
    .await
    .inspect(|_| leptos_axum::redirect("/settings#cards"));
    flash::finish("card-template-delete", BTreeMap::new(), r).await
}
