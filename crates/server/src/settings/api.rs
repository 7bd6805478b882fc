//! Server functions of the settings page.

use crate::error::AppError;
use crate::settings::types::SettingsForm;
use crate::settings::types::SettingsView;
use leptos::prelude::*;
#[cfg(feature = "ssr")]
use std::collections::BTreeMap;

#[server(prefix = "/sfn", endpoint = "settings/get")]
pub async fn get_settings() -> Result<SettingsView, AppError> {
    crate::settings::db::get().await
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
    let r = crate::settings::db::save(&form)
        .await
        .inspect(|_| leptos_axum::redirect("/settings?saved=1"));
    crate::infra::flash::finish("settings", values, r).await
}
