//! A medal published to DingTalk's organisation honours (组织荣誉, issue #14 §4): the template
//! made from the medal (its images generated from the icon and uploaded, every limit checked
//! first), then each award of it granted there too and each revoke recalled — through the
//! outbox (target kind `honour`), so nothing blocks the local award and failures retry.

use crate::error::AppError;
use crate::infra::now_ms;
use crate::infra::AppState;
use crate::infra::Db;
use crate::medals::types::{HonourForm, HonourSync, HonourView};
use crate::session::types::AdminInfo;
use crate::with_db;
use medal_core::Msg;
use serde::{Deserialize, Serialize};
use serde_json::json;

/// What an honour share does (kept in `shares.card_json`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct HonourJob {
    pub honor_id: String,
    /// The admin's userId that sends the grants.
    pub sender: String,
    /// ≤ 100 characters.
    pub reason: String,
    pub expire_days: Option<u32>,
    /// Groups the grant notifies (openConversationIds).
    #[serde(default)]
    pub notify: Vec<String>,
    /// Take the honour back instead of granting it.
    #[serde(default)]
    pub recall: bool,
}

#[derive(sqlx::FromRow)]
struct MedalHonour {
    name: String,
    description: String,
    tier: String,
    icon_preset: Option<String>,
    icon_id: Option<i64>,
    honor_id: Option<String>,
    honor_published_at: Option<i64>,
    honor_notify: String,
}

async fn medal(db: &Db, id: i64) -> Result<MedalHonour, AppError> {
    with_db!(db, p => sqlx::query_as::<_, MedalHonour>(
        "SELECT name, description, tier, icon_preset, icon_id, honor_id, honor_published_at, honor_notify FROM medals WHERE id = $1")
        .bind(id).fetch_optional(p).await)
    .map_err(AppError::from)?
    .ok_or(AppError::NotFound)
}

fn cut(s: &str, n: usize) -> String {
    s.chars()
        .filter(|c| !dingtalk::app::has_emoji(&c.to_string()))
        .take(n)
        .collect()
}

pub async fn view(db: &Db, id: i64) -> Result<HonourView, AppError> {
    let m = medal(db, id).await?;
    let groups = crate::groups::db::fetch_all(db)
        .await?
        .into_iter()
        .filter(|g| g.kind == "app" && !g.disabled)
        .filter_map(|g| g.open_conversation_id.map(|c| (c, g.name)))
        .collect();
    Ok(HonourView {
        groups,
        notify: serde_json::from_str(&m.honor_notify).unwrap_or_default(),
        honor_id: m.honor_id,
        published_at: m.honor_published_at,
        name: cut(&m.name, dingtalk::app::MAX_HONOUR_NAME_CHARS),
        description: cut(&m.description, dingtalk::app::MAX_HONOUR_DESC_CHARS),
        colours: dingtalk::app::HONOUR_BG_COLOURS
            .iter()
            .map(|c| c.to_string())
            .collect(),
    })
}

/// Creates the honour in DingTalk from the medal; its id, kept on the medal.
pub async fn publish(
    st: &AppState,
    admin: &AdminInfo,
    id: i64,
    f: &HonourForm,
) -> Result<String, AppError> {
    let db = &st.db;
    let m = medal(db, id).await?;
    if m.honor_id.is_some() {
        return Err(AppError::form(Msg::new(
            "这枚勋章已发布到钉钉组织荣誉",
            "This medal is already published to DingTalk's honours",
        )));
    }
    let mut errors = std::collections::BTreeMap::new();
    let name = f.name.clone().unwrap_or_default().trim().to_string();
    let desc = f.description.clone().unwrap_or_default().trim().to_string();
    let colour = f.bg_color.clone().unwrap_or_default();
    let count = |s: &str| s.chars().count();
    if name.is_empty()
        || count(&name) > dingtalk::app::MAX_HONOUR_NAME_CHARS
        || dingtalk::app::has_emoji(&name)
    {
        errors.insert(
            "name".to_string(),
            vec![Msg::new(
                format!("荣誉名称 1–10 个字、不含表情（现在 {} 个字）", count(&name)),
                format!(
                    "The honour name has 1 to 10 characters and no emoji (now {})",
                    count(&name)
                ),
            )],
        );
    }
    if count(&desc) > dingtalk::app::MAX_HONOUR_DESC_CHARS || dingtalk::app::has_emoji(&desc) {
        errors.insert(
            "description".to_string(),
            vec![Msg::new(
                format!(
                    "荣誉描述最多 30 个字、不含表情（现在 {} 个字）",
                    count(&desc)
                ),
                format!(
                    "The description has at most 30 characters and no emoji (now {})",
                    count(&desc)
                ),
            )],
        );
    }
    let notify: Vec<String> = f
        .notify
        .iter()
        .map(|c| c.trim().to_string())
        .filter(|c| !c.is_empty())
        .collect();
    if notify.len() > dingtalk::app::MAX_GRANT_GROUPS {
        errors.insert(
            "notify".to_string(),
            vec![Msg::new(
                format!("最多通知 5 个群（选了 {} 个）", notify.len()),
                format!("At most 5 groups can be notified ({} chosen)", notify.len()),
            )],
        );
    }
    if !dingtalk::app::HONOUR_BG_COLOURS.contains(&colour.as_str()) {
        errors.insert(
            "bg_color".to_string(),
            vec![Msg::new("请选择背景色", "Choose a background colour")],
        );
    }
    let sender =
        crate::groups::make::owner_userid(db, f.sender.as_deref().unwrap_or(""), "sender").await;
    let sender = match sender {
        Ok(s) => Some(s),
        Err(AppError::Validation(e)) => {
            errors.extend(e);
            None
        }
        Err(e) => return Err(e),
    };
    if !errors.is_empty() {
        return Err(AppError::Validation(errors));
    }
    let sender = sender.unwrap_or_default();
    let upload = match m.icon_id {
        Some(icon) => with_db!(db, p => sqlx::query_scalar::<_, Vec<u8>>("SELECT png FROM icons WHERE id = $1")
            .bind(icon).fetch_optional(p).await)
        .map_err(AppError::from)?,
        None => None,
    };
    let tier = medal_core::Tier::parse(&m.tier).unwrap_or_default();
    let (image, pendant) = crate::medals::honour_image::honour_images(
        m.icon_preset.as_deref(),
        upload.as_deref(),
        tier,
    )?;
    let client = crate::staff::userids::app_client(st).await?;
    let refused = |e: dingtalk::Error| {
        AppError::form(Msg::new(
            format!("钉钉没有创建荣誉：{}", e.explain_zh()),
            format!("DingTalk did not create the honour: {}", e.explain_en()),
        ))
    };
    let image_id = client
        .upload_image("medal.png", &image)
        .await
        .map_err(refused)?;
    let pendant_id = client
        .upload_image("pendant.png", &pendant)
        .await
        .map_err(refused)?;
    let honor_id = client
        .create_honour(&dingtalk::NewHonour {
            name: name.clone(),
            description: desc.clone(),
            medal_media_id: image_id,
            avatar_frame_media_id: pendant_id,
            bg_color: colour.clone(),
            creator_user_id: sender.clone(),
        })
        .await
        .map_err(refused)?;
    let now = now_ms();
    with_db!(db, p => sqlx::query(
        "UPDATE medals SET honor_id = $1, honor_sender = $2, honor_published_at = $3, honor_notify = $5 WHERE id = $4")
        .bind(&honor_id).bind(&sender).bind(now).bind(id)
        .bind(serde_json::to_string(&notify).map_err(crate::infra::internal)?).execute(p).await.map(|_| ()))
    .map_err(AppError::from)?;
    crate::infra::audit::audit(db, admin, "medal.publish_honour", "medal", id, None,
        Some(json!({ "honor_id": honor_id, "name": name, "description": desc, "bg_color": colour, "sender": sender, "notify": notify }))).await?;
    Ok(honor_id)
}

#[derive(sqlx::FromRow)]
struct ToGrant {
    id: i64,
    medal_id: i64,
    honor_id: String,
    honor_sender: String,
    validity_days: Option<i32>,
    honor_notify: String,
    reason: String,
    userid: Option<String>,
}

/// Queues the grants (or, with `recall`, the recalls) in DingTalk of these awards of published
/// medals; how many shares. Awards of other medals and people without a userId are passed over.
pub async fn queue(db: &Db, award_ids: &[i64], recall: bool) -> Result<usize, AppError> {
    if award_ids.is_empty() {
        return Ok(0);
    }
    let list = crate::infra::db::id_list(award_ids);
    let sql = format!(
        "SELECT a.id, a.medal_id, m.honor_id, m.honor_sender, m.validity_days, m.honor_notify, a.reason, s.dingtalk_user_id AS userid \
         FROM awards a JOIN medals m ON m.id = a.medal_id JOIN staff s ON s.id = a.staff_id \
         WHERE a.id IN ({list}) AND m.honor_id IS NOT NULL AND m.honor_sender IS NOT NULL ORDER BY a.id"
    );
    let rows = with_db!(db, p => sqlx::query_as::<_, ToGrant>(&sql).fetch_all(p).await)
        .map_err(AppError::from)?;
    let rows: Vec<ToGrant> = rows
        .into_iter()
        .filter(|r| r.userid.as_deref().is_some_and(|u| !u.is_empty()))
        .collect();
    if rows.is_empty() {
        return Ok(0);
    }
    let target = crate::shares::direct::target(db, "honour").await?;
    let mut batches: Vec<((i64, String), Vec<&ToGrant>)> = Vec::new();
    for r in &rows {
        let key = (r.medal_id, r.reason.clone());
        match batches.iter_mut().find(|(k, _)| *k == key) {
            Some((_, b)) => b.push(r),
            None => batches.push((key, vec![r])),
        }
    }
    let now = now_ms();
    let request = uuid::Uuid::new_v4().simple().to_string()[..16].to_string();
    let mut n = 0;
    let per = if recall {
        1
    } else {
        dingtalk::app::MAX_GRANT_RECIPIENTS
    };
    for (_, people) in batches {
        for chunk in people.chunks(per) {
            let first = chunk[0];
            let job = HonourJob {
                honor_id: first.honor_id.clone(),
                sender: first.honor_sender.clone(),
                reason: first
                    .reason
                    .chars()
                    .take(dingtalk::app::MAX_GRANT_REASON_CHARS)
                    .collect(),
                expire_days: first.validity_days.map(|d| d.clamp(1, 366) as u32),
                notify: serde_json::from_str(&first.honor_notify).unwrap_or_default(),
                recall,
            };
            let recipients: Vec<crate::shares::direct::Recipient> = chunk
                .iter()
                .map(|r| crate::shares::direct::Recipient {
                    user_id: r.userid.clone().unwrap_or_default(),
                    award_id: r.id,
                })
                .collect();
            let ids = chunk
                .iter()
                .map(|r| r.id.to_string())
                .collect::<Vec<_>>()
                .join(",");
            let what = if recall {
                "收回组织荣誉"
            } else {
                "授予组织荣誉"
            };
            let fallback =
                serde_json::to_string(&dingtalk::Message::text(format!("{what}：{}", job.reason)))
                    .map_err(crate::infra::internal)?;
            with_db!(db, p => sqlx::query(
                "INSERT INTO shares (group_id, award_ids, personal_message, card_style, status, attempts, next_attempt_at, \
                 msg_uuid, message_json, created_at, updated_at, request_id, recipients, card_json) \
                 VALUES ($1, $2, '', $3, 'queued', 0, $4, $5, $6, $4, $4, $7, $8, $9)")
                .bind(target).bind(&ids).bind(if recall { "honour_recall" } else { "honour_grant" }).bind(now)
                .bind(dingtalk::new_msg_uuid()).bind(&fallback).bind(&request)
                .bind(serde_json::to_string(&recipients).map_err(crate::infra::internal)?)
                .bind(serde_json::to_string(&job).map_err(crate::infra::internal)?)
                .execute(p).await.map(|_| ()))
            .map_err(AppError::from)?;
            n += 1;
        }
    }
    crate::shares::outbox::wake().notify_waiters();
    Ok(n)
}

/// [`queue`] after awards were given or revoked: the local awards stand whatever happens here
/// (a failure is logged).
pub async fn after(db: &Db, award_ids: &[i64], recall: bool) {
    match queue(db, award_ids, recall).await {
        Ok(0) => {}
        Ok(n) => tracing::info!(shares = n, recall, "DingTalk honours queued"),
        Err(e) => tracing::warn!(error = ?e, recall, "DingTalk honours not queued"),
    }
}

/// How an award stands in DingTalk's honours: the latest grant or recall share for it.
pub async fn sync(db: &Db, award: i64) -> Result<Option<HonourSync>, AppError> {
    let row = with_db!(db, p => sqlx::query_as::<_, (String, String, Option<String>, Option<String>, i64)>(
        "SELECT s.card_style, s.status, s.last_error_code, s.last_error_message, s.id FROM shares s \
         JOIN share_groups g ON g.id = s.group_id \
         WHERE g.kind = 'honour' AND (',' || s.award_ids || ',') LIKE $1 ORDER BY s.id DESC LIMIT 1")
        .bind(format!("%,{award},%")).fetch_optional(p).await)
    .map_err(AppError::from)?;
    Ok(row.map(|(style, status, code, msg, share)| HonourSync {
        recall: style == "honour_recall",
        status,
        error: code.map(|c| crate::shares::db::explain(&c, msg.as_deref().unwrap_or(""))),
        share,
    }))
}
