//! Organisation settings kept in the `settings` table: the organisation's name, the public base
//! URL used in card links, and the internal app's DingTalk credentials (AppSecret encrypted).
//! Other code reads them through `org_name`, `public_base_url` and `app_credentials`.

use medal_core::{Msg, Role};
use serde_json::json;

use super::auth::require;
use super::crypto::{self, mask, Crypto};
use super::{audit, settings_delete, settings_get, settings_put, state, Config, Db};
use crate::api_share::{SettingsForm, SettingsView};
use crate::error::AppError;

pub const ORG_NAME: &str = "org_name";
pub const PUBLIC_BASE_URL: &str = "public_base_url";
pub const APP_KEY: &str = "dingtalk_app_key";
pub const APP_SECRET_ENC: &str = "dingtalk_app_secret_enc";
pub const ROBOT_CODE: &str = "dingtalk_robot_code";

/// The organisation's name ("" when not set).
pub async fn org_name(db: &Db) -> Result<String, AppError> {
    Ok(settings_get(db, ORG_NAME).await?.unwrap_or_default())
}

/// Where card links point: the setting, else the configured public URL; no trailing slash.
pub async fn public_base_url(db: &Db, config: &Config) -> Result<String, AppError> {
    let v = settings_get(db, PUBLIC_BASE_URL)
        .await?
        .filter(|s| !s.trim().is_empty())
        .unwrap_or_else(|| config.public_url.clone());
    Ok(v.trim().trim_end_matches('/').to_string())
}

/// The internal app's credentials (AppKey, AppSecret, RobotCode) when all three are set.
#[derive(Clone, PartialEq, Eq)]
pub struct AppCreds {
    pub app_key: String,
    pub app_secret: String,
    pub robot_code: String,
}

impl std::fmt::Debug for AppCreds {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "AppCreds({}, ••••, {})", self.app_key, self.robot_code)
    }
}

pub async fn app_credentials(db: &Db, crypto: &Crypto) -> Result<Option<AppCreds>, AppError> {
    let key = settings_get(db, APP_KEY).await?.unwrap_or_default();
    let secret = match settings_get(db, APP_SECRET_ENC).await? {
        Some(enc) => crypto.decrypt(&enc)?,
        None => String::new(),
    };
    let code = settings_get(db, ROBOT_CODE).await?.unwrap_or_default();
    if key.is_empty() || secret.is_empty() || code.is_empty() {
        return Ok(None);
    }
    Ok(Some(AppCreds {
        app_key: key,
        app_secret: secret,
        robot_code: code,
    }))
}

async fn view(db: &Db, config: &Config, crypto: &Crypto) -> Result<SettingsView, AppError> {
    let secret = match settings_get(db, APP_SECRET_ENC).await? {
        Some(enc) => Some(mask(&crypto.decrypt(&enc)?)),
        None => None,
    };
    Ok(SettingsView {
        org_name: org_name(db).await?,
        public_base_url: settings_get(db, PUBLIC_BASE_URL).await?.unwrap_or_default(),
        default_public_url: config.public_url.clone(),
        app_key: settings_get(db, APP_KEY).await?.unwrap_or_default(),
        app_secret_masked: secret,
        robot_code: settings_get(db, ROBOT_CODE).await?.unwrap_or_default(),
    })
}

pub async fn get() -> Result<SettingsView, AppError> {
    require(Role::Admin).await?;
    let st = state()?;
    let crypto = crypto::for_config(&st.config)?;
    view(&st.db, &st.config, &crypto).await
}

fn validate(f: &SettingsForm) -> Result<(), AppError> {
    let mut errors = std::collections::BTreeMap::new();
    if f.org_name.trim().chars().count() > 50 {
        errors.insert(
            "org_name".to_string(),
            vec![Msg::new(
                "组织名称最多 50 个字",
                "The organisation name can have at most 50 characters",
            )],
        );
    }
    let url = f.public_base_url.trim();
    if !url.is_empty() {
        let ok = url::Url::parse(url)
            .map(|u| (u.scheme() == "https" || u.scheme() == "http") && u.host_str().is_some())
            .unwrap_or(false);
        if !ok {
            errors.insert(
                "public_base_url".to_string(),
                vec![Msg::new(
                    "请填写以 https:// 开头的完整网址，例如 https://medals.example.com",
                    "Enter a full URL starting with https://, e.g. https://medals.example.com",
                )],
            );
        }
    }
    for (field, v, zh, en) in [
        ("app_key", &f.app_key, "AppKey", "AppKey"),
        ("robot_code", &f.robot_code, "RobotCode", "RobotCode"),
        ("app_secret", &f.app_secret, "AppSecret", "AppSecret"),
    ] {
        if v.trim().chars().count() > 200 || v.chars().any(char::is_control) {
            errors.insert(
                field.to_string(),
                vec![Msg::new(
                    format!("{zh} 格式不对"),
                    format!("{en} does not look right"),
                )],
            );
        }
    }
    if errors.is_empty() {
        Ok(())
    } else {
        Err(AppError::Validation(errors))
    }
}

/// Saves the settings form. An empty AppSecret keeps the stored one; `clear_app_secret` removes it.
pub async fn save(f: &SettingsForm) -> Result<(), AppError> {
    let admin = require(Role::Admin).await?;
    validate(f)?;
    let st = state()?;
    let db = &st.db;
    let crypto = crypto::for_config(&st.config)?;
    let before = view(db, &st.config, &crypto).await?;
    settings_put(db, ORG_NAME, f.org_name.trim()).await?;
    settings_put(
        db,
        PUBLIC_BASE_URL,
        f.public_base_url.trim().trim_end_matches('/'),
    )
    .await?;
    settings_put(db, APP_KEY, f.app_key.trim()).await?;
    settings_put(db, ROBOT_CODE, f.robot_code.trim()).await?;
    if f.clear_app_secret {
        settings_delete(db, APP_SECRET_ENC).await?;
    } else if !f.app_secret.trim().is_empty() {
        settings_put(db, APP_SECRET_ENC, &crypto.encrypt(f.app_secret.trim())).await?;
    }
    let after = view(db, &st.config, &crypto).await?;
    // Masked values only: the audit trail never holds a secret.
    audit::audit(
        db,
        &admin,
        "settings.update",
        "settings",
        0,
        Some(json!(before)),
        Some(json!(after)),
    )
    .await
}
