//! Demo mode: the simulator's groups become share targets. The simulator lives in memory and
//! makes new tokens each start, so existing demo groups (matched by name) get the new token and
//! secret (encrypted) instead of duplicates.

use crate::error::AppError;
use crate::infra::kv::settings_put;
use crate::infra::now_ms;
use crate::infra::Config;
use crate::infra::Db;
use crate::settings::db::AGENT_ID;
use crate::settings::db::APP_KEY;
use crate::settings::db::APP_SECRET_ENC;
use crate::settings::db::ROBOT_CODE;
use crate::settings::db::SCENE_GROUP_TEMPLATE;
use crate::with_db;
use dingtalk::sim::{AppSpec, Simulator};

pub async fn seed_groups(db: &Db, config: &Config, sim: &Simulator) -> Result<(), AppError> {
    let crypto = crate::infra::crypto::for_config(config)?;
    let groups = sim.groups();
    for robot in sim.robots() {
        let Some(g) = groups
            .iter()
            .find(|g| g.open_conversation_id == robot.group)
        else {
            continue;
        };
        let token = crypto.encrypt(&robot.access_token);
        let secret = robot.secret.as_deref().map(|s| crypto.encrypt(s));
        let keywords = serde_json::to_string(&robot.keywords).unwrap_or_else(|_| "[]".into());
        let now = now_ms();
        let existing = with_db!(db, p => sqlx::query_scalar::<_, i64>(
            "SELECT id FROM share_groups WHERE name = $1 AND kind = 'webhook' ORDER BY id LIMIT 1")
            .bind(&g.name).fetch_optional(p).await)
        .map_err(AppError::from)?;
        match existing {
            Some(id) => with_db!(db, p => sqlx::query(
                "UPDATE share_groups SET webhook_token_enc = $1, sign_secret_enc = $2, keywords = $3, updated_at = $4 WHERE id = $5")
                .bind(&token).bind(&secret).bind(&keywords).bind(now).bind(id).execute(p).await.map(|_| ())),
            None => with_db!(db, p => sqlx::query(
                "INSERT INTO share_groups (name, kind, webhook_token_enc, sign_secret_enc, keywords, created_at, updated_at) \
                 VALUES ($1, 'webhook', $2, $3, $4, $5, $5)")
                .bind(&g.name).bind(&token).bind(&secret).bind(&keywords).bind(now).execute(p).await.map(|_| ())),
        }
        .map_err(AppError::from)?;
    }
    Ok(())
}

/// The simulator's internal app (for the userId lookup by mobile and the groups made from the
/// app): the settings' credentials and scene-group template when an earlier demo run saved them
/// (the simulator forgets on restart), else new ones, saved.
pub async fn seed_app(db: &Db, config: &Config, sim: &Simulator) -> Result<(), AppError> {
    let crypto = crate::infra::crypto::for_config(config)?;
    let template = crate::settings::db::scene_group_template(db)
        .await?
        .chars()
        .filter(|c| c.is_ascii_graphic())
        .collect::<String>();
    let template = Some(template).filter(|t| !t.is_empty());
    let spec = match crate::settings::db::app_credentials(db, &crypto).await? {
        Some(c) => AppSpec {
            name: "勋章馆".into(),
            app_key: Some(c.app_key),
            app_secret: Some(c.app_secret),
            robot_code: Some(c.robot_code),
            scene_group_template_id: template,
            new_app: false,
            agent_id: None,
        },
        None => AppSpec {
            name: "勋章馆".into(),
            scene_group_template_id: template,
            ..AppSpec::default()
        },
    };
    let app = sim.create_app(spec);
    settings_put(db, APP_KEY, &app.app_key).await?;
    settings_put(db, APP_SECRET_ENC, &crypto.encrypt(&app.app_secret)).await?;
    settings_put(db, ROBOT_CODE, &app.robot_code).await?;
    settings_put(db, SCENE_GROUP_TEMPLATE, &app.scene_group_template_id).await?;
    settings_put(db, AGENT_ID, &app.agent_id).await
}

/// The demo's card template: in the simulator (a medal card, as one made in DingTalk's card
/// builder) and, when the app has none yet, in the app with its variables mapped.
pub async fn seed_card_template(db: &Db, sim: &Simulator) -> Result<(), AppError> {
    let vars = [
        ("title", "medal_name"),
        ("winner", "person"),
        ("department", "department"),
        ("reason", "reason"),
        ("date", "awarded_at"),
        ("link", "link"),
        ("status", "status"),
    ];
    let t = sim.create_card_template(dingtalk::sim::CardTemplateSpec {
        name: "勋章卡片".into(),
        variables: vars.iter().map(|(v, _)| v.to_string()).collect(),
        template_id: Some("medalhall-demo-medal-card.schema".into()),
    });
    let n = with_db!(db, p => sqlx::query_scalar::<_, i64>("SELECT COUNT(*) FROM card_templates").fetch_one(p).await)
        .map_err(AppError::from)?;
    if n > 0 {
        return Ok(());
    }
    let mapping = serde_json::to_string(&vars).map_err(crate::infra::internal)?;
    with_db!(db, p => sqlx::query(
        "INSERT INTO card_templates (name, template_id, mapping, created_at, updated_at) VALUES ($1, $2, $3, $4, $4)")
        .bind(&t.name).bind(&t.template_id).bind(&mapping).bind(now_ms()).execute(p).await.map(|_| ()))
    .map_err(AppError::from)
}
