//! A word to the winner, 1:1 (issue #14 §2): after an award the winners hear of it themselves,
//! through the app robot's single chat (`oto`, 20 people a call) or as a work notice (`notice`,
//! 100 a call). The messages go through the outbox like group shares (tracked, retried, in the
//! history); their target is a share_groups row of that kind standing for "the winners", and
//! each share names its people in `recipients`. People with the same medal and reason share one
//! message (a single person's has the button to their award page), in as few calls as the
//! limits allow; people without a userId are left out and named.

use crate::error::AppError;
use crate::infra::now_ms;
use crate::infra::AppState;
use crate::infra::Db;
use crate::shares::card::{award_link, award_rows, icon_url, to_message, AwardCardRow};
use crate::with_db;
use medal_core::card::CardAward;
use medal_core::Msg;

/// One person a 1:1 share goes to, with the award it tells them of.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Recipient {
    #[serde(rename = "u")]
    pub user_id: String,
    #[serde(rename = "a")]
    pub award_id: i64,
}

/// The ways to tell a winner, as forms post them (and `card:<id>`: a template card in the
/// winner's single chat with the app robot).
pub const CHANNELS: &[&str] = &["oto", "notice"];

/// Whether forms may post `channel`.
pub fn valid_channel(channel: &str) -> bool {
    CHANNELS.contains(&channel) || card_of(channel).is_some()
}

/// The card template a `card:<id>` channel names.
fn card_of(channel: &str) -> Option<i64> {
    channel.strip_prefix("card:")?.parse().ok()
}

/// What telling the winners queued.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Told {
    /// People a message was queued for.
    pub people: usize,
    /// Messages (outbox rows) queued.
    pub messages: usize,
    /// Names of the winners without a DingTalk userId (not told).
    pub without_userid: Vec<String>,
}

/// The share target standing for the winners reached by `channel` (made on first use).
pub async fn target(db: &Db, channel: &str) -> Result<i64, AppError> {
    let name = match channel {
        "oto" => "获奖者本人（机器人单聊）",
        "notice" => "获奖者本人（工作通知）",
        "honour" => "钉钉组织荣誉",
        _ => return Err(bad_channel()),
    };
    let found = with_db!(db, p => sqlx::query_scalar::<_, Option<i64>>(
        "SELECT MIN(id) FROM share_groups WHERE kind = $1").bind(channel).fetch_one(p).await)
    .map_err(AppError::from)?;
    if let Some(id) = found {
        return Ok(id);
    }
    with_db!(db, p => sqlx::query_scalar::<_, i64>(
        "INSERT INTO share_groups (name, kind, keywords, created_at, updated_at) VALUES ($1, $2, '[]', $3, $3) RETURNING id")
        .bind(name).bind(channel).bind(now_ms()).fetch_one(p).await)
    .map_err(AppError::from)
}

fn bad_channel() -> AppError {
    AppError::field(
        "tell",
        Msg::new("请选择告诉获奖者的方式", "Choose how to tell the winners"),
    )
}

/// People per call of `channel`.
fn per_call(channel: &str) -> usize {
    if channel == "notice" {
        dingtalk::app::MAX_NOTICE_USERS
    } else {
        dingtalk::app::MAX_OTO_USERS
    }
}

/// Queues the 1:1 messages for these (just given) awards.
pub async fn queue(
    st: &AppState,
    admin_id: Option<i64>,
    award_ids: &[i64],
    channel: &str,
) -> Result<Told, AppError> {
    if !valid_channel(channel) {
        return Err(bad_channel());
    }
    let db = &st.db;
    if let Some(template) = card_of(channel) {
        return crate::shares::template::queue_personal(st, admin_id, award_ids, template).await;
    }
    let mut rows: Vec<AwardCardRow> = Vec::new();
    for chunk in award_ids.chunks(1000) {
        rows.extend(award_rows(db, chunk).await?);
    }
    let mut told = Told::default();
    // the same medal, reason and day: one message for all of them
    let mut batches: Vec<((String, String, String), Vec<AwardCardRow>)> = Vec::new();
    for r in rows {
        if medal_core::UserId::valid(r.dingtalk_user_id.as_deref()).is_none() {
            told.without_userid.push(r.staff_name.clone());
            continue;
        }
        let key = (
            r.medal_name.clone(),
            r.reason.clone(),
            medal_core::time::fmt_date(r.awarded_at),
        );
        match batches.iter_mut().find(|(k, _)| *k == key) {
            Some((_, b)) => b.push(r),
            None => batches.push((key, vec![r])),
        }
    }
    if batches.is_empty() {
        return Ok(told);
    }
    let group = target(db, channel).await?;
    let base = crate::settings::db::public_base_url(db, &st.config).await?;
    let org = crate::settings::db::org_name(db).await?;
    let request = uuid::Uuid::new_v4().simple().to_string()[..16].to_string();
    let now = now_ms();
    let due = crate::shares::guard::not_before(&crate::shares::guard::load(db).await?, now);
    for (_, people) in batches {
        for (n, chunk) in people.chunks(per_call(channel)).enumerate() {
            let first = &chunk[0];
            let award = CardAward {
                medal_name: first.medal_name.clone(),
                icon_url: icon_url(&base, first),
                staff_name: String::new(),
                user_id: None,
                reason: first.reason.clone(),
                awarded_at: first.awarded_at,
                link: award_link(&base, first, false),
            };
            // a work notice's content must be new to DingTalk each time, or it is dropped
            let note = format!("通知编号 {request}-{}-{n}", told.messages);
            let msg = to_message(&medal_core::card::personal(
                &award,
                chunk.len(),
                &org,
                &note,
            ));
            let users: Vec<Recipient> = chunk
                .iter()
                .filter_map(|r| {
                    r.dingtalk_user_id.clone().map(|u| Recipient {
                        user_id: u,
                        award_id: r.id,
                    })
                })
                .collect();
            let ids = chunk
                .iter()
                .map(|r| r.id.to_string())
                .collect::<Vec<_>>()
                .join(",");
            let json = serde_json::to_string(&msg).map_err(crate::infra::internal)?;
            let recipients = serde_json::to_string(&users).map_err(crate::infra::internal)?;
            with_db!(db, p => sqlx::query(
                "INSERT INTO shares (group_id, award_ids, personal_message, card_style, status, attempts, next_attempt_at, \
                 msg_uuid, message_json, requested_by, created_at, updated_at, request_id, recipients) \
                 VALUES ($1, $2, '', 'personal', 'queued', 0, $3, $4, $5, $6, $7, $7, $8, $9)")
                .bind(group).bind(&ids).bind(due).bind(dingtalk::new_msg_uuid()).bind(&json)
                .bind(admin_id).bind(now).bind(&request).bind(&recipients)
                .execute(p).await.map(|_| ()))
            .map_err(AppError::from)?;
            told.messages += 1;
            told.people += users.len();
        }
    }
    crate::shares::outbox::wake().notify_waiters();
    tracing::info!(
        request,
        channel,
        people = told.people,
        messages = told.messages,
        "winners told"
    );
    Ok(told)
}
