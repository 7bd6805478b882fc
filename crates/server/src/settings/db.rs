//! Organisation settings kept in the `settings` table: the organisation's name, the public base
//! URL used in card links, and the internal app's DingTalk credentials (AppSecret encrypted).
//! Other code reads them through `org_name`, `public_base_url` and `app_credentials`.

use crate::error::AppError;
use crate::infra::crypto::mask;
use crate::infra::crypto::Crypto;
use crate::infra::kv::settings_delete;
use crate::infra::kv::settings_get;
use crate::infra::kv::settings_put;
use crate::infra::AppState;
use crate::infra::Config;
use crate::infra::Db;
use crate::session::types::AdminInfo;
use crate::settings::SettingsForm;
use crate::settings::SettingsView;
use medal_core::Msg;
use serde_json::json;

pub const ORG_NAME: &str = "org_name";

pub const PUBLIC_BASE_URL: &str = "public_base_url";

pub const APP_KEY: &str = "dingtalk_app_key";

pub const APP_SECRET_ENC: &str = "dingtalk_app_secret_enc";

pub const ROBOT_CODE: &str = "dingtalk_robot_code";

pub const SCENE_GROUP_TEMPLATE: &str = "dingtalk_scene_group_template";

pub const AGENT_ID: &str = "dingtalk_agent_id";

pub const CARD_API: &str = "dingtalk_card_api";

/// Which API template cards go by: "interactive" (the older interactiveCards/send, for apps
/// onboarded before DingTalk closed it) or anything else for createAndDeliver.
pub async fn card_api(db: &Db) -> Result<String, AppError> {
    Ok(settings_get(db, CARD_API).await?.unwrap_or_default())
}

/// The app's AgentId work notices go out with ("" when not set).
pub async fn agent_id(db: &Db) -> Result<String, AppError> {
    Ok(settings_get(db, AGENT_ID).await?.unwrap_or_default())
}

/// The scene-group template id groups made from the app use ("" when not set: they are made
/// with the older `chat/create`).
pub async fn scene_group_template(db: &Db) -> Result<String, AppError> {
    Ok(settings_get(db, SCENE_GROUP_TEMPLATE)
        .await?
        .unwrap_or_default())
}

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
        scene_group_template: scene_group_template(db).await?,
        agent_id: agent_id(db).await?,
        card_api: card_api(db).await?,
    })
}

pub async fn get(st: &AppState) -> Result<SettingsView, AppError> {
    let crypto = crate::infra::crypto::for_config(&st.config)?;
    view(&st.db, &st.config, &crypto).await
}

/// The form with absent fields filled from what is stored (the secret stays absent: the form
/// never carries it back).
struct Filled {
    org_name: String,
    public_base_url: String,
    app_key: String,
    robot_code: String,
    scene_group_template: String,
    agent_id: String,
    card_api: String,
    app_secret: Option<String>,
    clear_app_secret_requested: bool,
}

async fn fill(db: &Db, f: &SettingsForm) -> Result<Filled, AppError> {
    let keep = |v: &Option<String>, key: &'static str| {
        let v = v.clone();
        async move {
            match v {
                Some(v) => Ok(v),
                None if f.fields_set => Ok(String::new()),
                None => Ok::<_, AppError>(settings_get(db, key).await?.unwrap_or_default()),
            }
        }
    };
    Ok(Filled {
        org_name: keep(&f.org_name, ORG_NAME).await?,
        public_base_url: keep(&f.public_base_url, PUBLIC_BASE_URL).await?,
        app_key: keep(&f.app_key, APP_KEY).await?,
        robot_code: keep(&f.robot_code, ROBOT_CODE).await?,
        scene_group_template: keep(&f.scene_group_template, SCENE_GROUP_TEMPLATE).await?,
        agent_id: keep(&f.agent_id, AGENT_ID).await?,
        card_api: keep(&f.card_api, CARD_API).await?,
        app_secret: f.app_secret.clone().filter(|s| !s.trim().is_empty()),
        clear_app_secret_requested: f.clear_app_secret,
    })
}

fn validate(f: &Filled) -> Result<(), AppError> {
    let mut errors = std::collections::BTreeMap::new();
    if let Err(m) =
        medal_core::text::line(&f.org_name, 0, 50, ("组织名称", "The organisation name"))
    {
        errors.insert("org_name".to_string(), vec![m]);
    }
    let url = f.public_base_url.trim();
    if !url.is_empty() {
        let ok = url::Url::parse(url)
            .map(|u| {
                (u.scheme() == "https" || u.scheme() == "http")
                    && u.host_str().is_some()
                    && u.query().is_none()
                    && u.fragment().is_none()
                    && u.username().is_empty()
            })
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
    let agent = f.agent_id.trim();
    if agent.len() > 20 || !agent.chars().all(|c| c.is_ascii_digit()) {
        errors.insert(
            "agent_id".to_string(),
            vec![Msg::new(
                "AgentId 是一串数字（应用详情页可见）",
                "The AgentId is a number (on the app's page)",
            )],
        );
    }
    if !["", "deliver", "interactive"].contains(&f.card_api.trim()) {
        errors.insert(
            "card_api".to_string(),
            vec![Msg::new("请选择发送互动卡片的接口", "Choose the card API")],
        );
    }
    let secret = f.app_secret.clone().unwrap_or_default();
    for (field, v, zh, en) in [
        ("app_key", &f.app_key, "AppKey", "AppKey"),
        ("robot_code", &f.robot_code, "RobotCode", "RobotCode"),
        (
            "scene_group_template",
            &f.scene_group_template,
            "群模板 ID",
            "The scene-group template id",
        ),
        ("app_secret", &secret, "AppSecret", "AppSecret"),
    ] {
        if v.trim().chars().count() > 200 || !v.trim().chars().all(|c| c.is_ascii_graphic()) {
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

/// Saves the settings form: absent fields keep their stored values, an empty or absent AppSecret
/// keeps the stored one, `clear_app_secret` removes it.
pub async fn save(st: &AppState, admin: &AdminInfo, f: &SettingsForm) -> Result<(), AppError> {
    let db = &st.db;
    let f = fill(db, f).await?;
    validate(&f)?;
    let clear_secret = f.app_secret.is_none() && f.clear_app_secret_requested;
    let crypto = crate::infra::crypto::for_config(&st.config)?;
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
    settings_put(db, SCENE_GROUP_TEMPLATE, f.scene_group_template.trim()).await?;
    settings_put(db, AGENT_ID, f.agent_id.trim()).await?;
    settings_put(db, CARD_API, f.card_api.trim()).await?;
    if let Some(secret) = &f.app_secret {
        settings_put(db, APP_SECRET_ENC, &crypto.encrypt(secret.trim())).await?;
    } else if clear_secret {
        settings_delete(db, APP_SECRET_ENC).await?;
    }
    let after = view(db, &st.config, &crypto).await?;
    crate::infra::audit::audit(
        db,
        admin,
        "settings.update",
        "settings",
        0,
        Some(audited(&before)),
        Some(audited(&after)),
    )
    .await
}

/// What the audit trail keeps of the settings: whether an AppSecret is set, never any of it (not
/// even the masked form, which shows its first and last characters).
fn audited(v: &SettingsView) -> serde_json::Value {
    json!({
        "org_name": v.org_name,
        "public_base_url": v.public_base_url,
        "app_key": v.app_key,
        "robot_code": v.robot_code,
        "scene_group_template": v.scene_group_template,
        "agent_id": v.agent_id,
        "card_api": v.card_api,
        "app_secret": if v.app_secret_masked.is_some() { "set" } else { "none" },
    })
}
