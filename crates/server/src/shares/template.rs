//! Template card shares (互动卡片, issue #14 §1): one card per award and group, its variables
//! filled from the award by the template's mapping, its own outTrackId (new for every card, so
//! new whenever the template or the data change); and, when an award is revoked, an update in
//! place of each of its cards that went out, through the outbox like any share.

use crate::cards::fill;
use crate::cards::types::CardPayload;
use crate::error::AppError;
use crate::groups::db::GroupRow;
use crate::infra::now_ms;
use crate::infra::Db;
use crate::shares::card::AwardCardRow;
use crate::shares::CardOptions;
use crate::with_db;
use medal_core::Msg;

/// One outbox row of a template card.
struct NewCard {
    group: i64,
    award: i64,
    payload: CardPayload,
    fallback: String,
    out_track_id: String,
    /// A card to a person: who (JSON, see [`crate::shares::direct::Recipient`]).
    recipients: Option<String>,
}

/// What a template share asks for, checked: every group must be an app-robot group.
pub fn check_groups(targets: &[GroupRow]) -> Result<(), AppError> {
    match targets.iter().find(|g| g.kind != "app") {
        Some(g) => Err(AppError::field(
            "groups",
            Msg::new(
                format!(
                    "「{}」不是应用机器人群：互动卡片只能由应用机器人发送",
                    g.name
                ),
                format!(
                    "“{}” is not an app-robot group: template cards are sent by the app robot",
                    g.name
                ),
            ),
        )),
        None => Ok(()),
    }
}

/// Queues a card of template `template` for each award in each group; how many.
#[allow(clippy::too_many_arguments)]
pub async fn queue(
    db: &Db,
    base: &str,
    o: &CardOptions,
    rows: &[AwardCardRow],
    targets: &[GroupRow],
    template: i64,
    admin_id: i64,
    request: &str,
    due: i64,
) -> Result<usize, AppError> {
    let t = crate::cards::db::fetch(db, template).await.map_err(|_| {
        AppError::field("style", Msg::new("卡片模板不存在", "No such card template"))
    })?;
    let mapping = t.mapping();
    let legacy = crate::settings::db::card_api(db).await? == "interactive";
    let mut cards = Vec::new();
    for r in rows {
        let item = crate::awards::db::get(db, r.id).await?;
        let params = fill::params(&mapping, &item, base, &o.message);
        let fallback = serde_json::to_string(&fill::fallback(&t.name, &params))
            .map_err(crate::infra::internal)?;
        for g in targets {
            cards.push(NewCard {
                group: g.id,
                award: r.id,
                payload: CardPayload {
                    template: t.id,
                    template_id: t.template_id.clone(),
                    params: params.clone(),
                    update: false,
                    legacy,
                },
                fallback: fallback.clone(),
                out_track_id: uuid::Uuid::new_v4().simple().to_string(),
                recipients: None,
            });
        }
    }
    insert(db, &cards, "template", Some(admin_id), request, due).await?;
    Ok(cards.len())
}

async fn insert(
    db: &Db,
    cards: &[NewCard],
    style: &str,
    admin: Option<i64>,
    request: &str,
    due: i64,
) -> Result<(), AppError> {
    let now = now_ms();
    macro_rules! insert_all {
        ($tx:expr) => {{
            for c in cards {
                let json = serde_json::to_string(&c.payload).map_err(crate::infra::internal)?;
                sqlx::query(
                    "INSERT INTO shares (group_id, award_ids, personal_message, card_style, status, attempts, next_attempt_at, \
                     msg_uuid, message_json, requested_by, created_at, updated_at, request_id, card_json, dingtalk_message_id, recipients) \
                     VALUES ($1, $2, '', $3, 'queued', 0, $4, $5, $6, $7, $8, $8, $9, $10, $11, $12)")
                    .bind(c.group).bind(c.award.to_string()).bind(style).bind(due)
                    .bind(dingtalk::new_msg_uuid()).bind(&c.fallback).bind(admin).bind(now)
                    .bind(request).bind(&json).bind(&c.out_track_id).bind(&c.recipients)
                    .execute(&mut *$tx).await.map_err(AppError::from)?;
            }
        }};
    }
    match db {
        Db::Sqlite(p) => {
            let mut tx = p.begin().await.map_err(AppError::from)?;
            insert_all!(tx);
            tx.commit().await.map_err(AppError::from)?;
        }
        Db::Postgres(p) => {
            let mut tx = p.begin().await.map_err(AppError::from)?;
            insert_all!(tx);
            tx.commit().await.map_err(AppError::from)?;
        }
    }
    crate::shares::outbox::wake().notify_waiters();
    Ok(())
}

#[derive(sqlx::FromRow)]
struct SentCard {
    group_id: i64,
    card_json: String,
    dingtalk_message_id: Option<String>,
}

/// After award `award` was revoked: an update in place of each of its template cards that went
/// out (status and, where the mapping shows no status, the medal's name say 已撤销 and why).
pub async fn revoked(db: &Db, base: &str, award: i64) -> Result<usize, AppError> {
    let sent = with_db!(db, p => sqlx::query_as::<_, SentCard>(
        "SELECT group_id, card_json, dingtalk_message_id FROM shares \
         WHERE card_style = 'template' AND status = 'sent' AND award_ids = $1")
        .bind(award.to_string()).fetch_all(p).await)
    .map_err(AppError::from)?;
    if sent.is_empty() {
        return Ok(0);
    }
    let item = crate::awards::db::get(db, award).await?;
    let mut cards = Vec::new();
    for s in sent {
        let Ok(old) = serde_json::from_str::<CardPayload>(&s.card_json) else {
            continue;
        };
        let Some(track) = s.dingtalk_message_id else {
            continue;
        };
        // the template as it is now, else the variables the card was sent with
        let mapping = match crate::cards::db::fetch(db, old.template).await {
            Ok(t) => t.mapping(),
            Err(_) => Vec::new(),
        };
        // what the award says now; the sharer's message stays as it was
        let fresh = fill::params(&mapping, &item, base, "");
        let mut params = old.params.clone();
        for (var, field) in &mapping {
            if let (true, Some(v)) = (field != "message", fresh.get(var)) {
                params.insert(var.clone(), v.clone());
            }
        }
        let fallback = serde_json::to_string(&fill::fallback("已撤销", &params))
            .map_err(crate::infra::internal)?;
        cards.push(NewCard {
            group: s.group_id,
            award,
            payload: CardPayload {
                params,
                update: true,
                ..old
            },
            fallback,
            out_track_id: track,
            recipients: None,
        });
    }
    let request = uuid::Uuid::new_v4().simple().to_string()[..16].to_string();
    insert(db, &cards, "template_update", None, &request, now_ms()).await?;
    Ok(cards.len())
}

/// A template card of `template` for each of these awards in the winner's single chat with the
/// app robot (people without a userId are named, not told).
pub async fn queue_personal(
    st: &crate::infra::AppState,
    admin_id: Option<i64>,
    award_ids: &[i64],
    template: i64,
) -> Result<crate::shares::direct::Told, AppError> {
    let db = &st.db;
    let t = crate::cards::db::fetch(db, template).await.map_err(|_| {
        AppError::field("tell", Msg::new("卡片模板不存在", "No such card template"))
    })?;
    let base = crate::settings::db::public_base_url(db, &st.config).await?;
    let mapping = t.mapping();
    let legacy = crate::settings::db::card_api(db).await? == "interactive";
    let mut told = crate::shares::direct::Told::default();
    let mut cards = Vec::new();
    for id in award_ids {
        let item = crate::awards::db::get(db, *id).await?;
        let user = with_db!(db, p => sqlx::query_scalar::<_, Option<String>>(
            "SELECT dingtalk_user_id FROM staff WHERE id = $1").bind(item.staff_id).fetch_one(p).await)
        .map_err(AppError::from)?;
        let Some(user) = user.filter(|u| medal_core::UserId::valid(Some(u)).is_some()) else {
            told.without_userid.push(item.staff_name.clone());
            continue;
        };
        let params = fill::params(&mapping, &item, &base, "");
        let fallback = serde_json::to_string(&fill::fallback(&t.name, &params))
            .map_err(crate::infra::internal)?;
        cards.push(NewCard {
            group: 0,
            award: *id,
            payload: CardPayload {
                template: t.id,
                template_id: t.template_id.clone(),
                params,
                update: false,
                legacy,
            },
            fallback,
            out_track_id: uuid::Uuid::new_v4().simple().to_string(),
            recipients: Some(
                serde_json::to_string(&[crate::shares::direct::Recipient {
                    user_id: user,
                    award_id: *id,
                }])
                .map_err(crate::infra::internal)?,
            ),
        });
    }
    if cards.is_empty() {
        return Ok(told);
    }
    let target = crate::shares::direct::target(db, "oto").await?;
    for c in cards.iter_mut() {
        c.group = target;
    }
    let request = uuid::Uuid::new_v4().simple().to_string()[..16].to_string();
    let due = crate::shares::guard::not_before(&crate::shares::guard::load(db).await?, now_ms());
    insert(db, &cards, "template", admin_id, &request, due).await?;
    told.people = cards.len();
    told.messages = cards.len();
    Ok(told)
}
