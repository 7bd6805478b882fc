//! Server functions of the settings page: admins read the settings, owners change them.

use leptos::prelude::*;

use crate::error::AppError;
use crate::settings::types::{SettingsForm, SettingsView};
#[cfg(feature = "ssr")]
use {
    super::db,
    crate::infra::{flash, state},
    crate::session::auth::require,
    medal_core::Role,
    std::collections::BTreeMap,
};

#[server(prefix = "/sfn", endpoint = "settings/get")]
pub async fn get_settings() -> Result<SettingsView, AppError> {
    require(Role::Admin).await?;
    db::get(&state()?).await
}

#[server(prefix = "/sfn", endpoint = "settings/save")]
pub async fn save_settings(form: SettingsForm) -> Result<(), AppError> {
    let text = |v: &Option<String>| v.clone().unwrap_or_default();
    let values = BTreeMap::from([
        ("org_name".to_string(), text(&form.org_name)),
        ("public_base_url".to_string(), text(&form.public_base_url)),
        ("app_key".to_string(), text(&form.app_key)),
        ("robot_code".to_string(), text(&form.robot_code)),
        (
            "scene_group_template".to_string(),
            text(&form.scene_group_template),
        ),
        ("agent_id".to_string(), text(&form.agent_id)),
        ("card_api".to_string(), text(&form.card_api)),
    ]);
    let r = async {
        let admin = require(Role::Owner).await?;
        db::save(&state()?, &admin, &form).await
    }
    .await
    .inspect(|_| leptos_axum::redirect("/settings?saved=1"));
    flash::finish("settings", values, r).await
}
