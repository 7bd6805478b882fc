//! Writing the outbox rows (the form's data, the preview, the request) and retry; the history
//! is in [`crate::shares::history`].

use crate::error::AppError;
use crate::groups::db::GroupRow;
use crate::infra::now_ms;
use crate::infra::AppState;
use crate::infra::Db;
use crate::session::types::AdminInfo;
use crate::shares::card::award_rows;
use crate::shares::card::card_view;
use crate::shares::card::compose;
use crate::shares::card::mention;
use crate::shares::card::parse_ids;
use crate::shares::card::valid_options;
use crate::shares::card::AwardCardRow;
use crate::shares::card::DIGEST_FROM;
use crate::shares::card::{digest_batches, digest_limit};
use crate::shares::history::fetch;
pub use crate::shares::history::{explain, get, list, progress};
use crate::shares::types::GroupChoice;
use crate::shares::AwardBrief;
use crate::shares::CardOptions;
use crate::shares::ShareFormData;
use crate::with_db;
use medal_core::chat::CardView;
use medal_core::Msg;
use serde_json::json;

pub async fn form_data(st: &AppState, awards: &str) -> Result<ShareFormData, AppError> {
    let ids = parse_ids(awards)?;
    let rows = award_rows(&st.db, &ids).await?;
    let groups: Vec<_> = crate::groups::db::list(st)
        .await?
        .into_iter()
        .filter(|g| !g.disabled)
        .collect();
    let gids: Vec<i64> = groups.iter().map(|g| g.id).collect();
    let history = crate::shares::guard::history(&st.db, &gids, &rows).await?;
    let groups = groups
        .into_iter()
        .map(|g| GroupChoice {
            shared_at: history.shared_at.get(&g.id).map(|x| x.0),
            today: history.today.get(&g.id).copied().unwrap_or(0),
            id: g.id,
            name: g.name,
            keywords: g.keywords,
        })
        .collect();
    Ok(ShareFormData {
        awards: rows
            .iter()
            .map(|r| AwardBrief {
                id: r.id,
                medal_name: r.medal_name.clone(),
                staff_name: r.staff_name.clone(),
                reason: r.reason.clone(),
                awarded_at: r.awarded_at,
                mentionable: mention(r).is_some(),
            })
            .collect(),
        groups,
        digest_from: DIGEST_FROM,
        guard: crate::shares::guard::view(&st.db).await?,
        templates: crate::cards::db::names(&st.db).await?,
    })
}

/// The card as `group` (or a group without keywords) would receive it, drawn like /sim draws it.
pub async fn preview(
    st: &AppState,
    awards: &str,
    group: Option<i64>,
    o: &CardOptions,
) -> Result<CardView, AppError> {
    let o = valid_options(o)?;
    let rows = award_rows(&st.db, &parse_ids(awards)?).await?;
    let (keywords, kind) = match group {
        Some(g) => crate::groups::db::fetch(&st.db, g)
            .await
            .map(|g| (g.keyword_list(), g.kind))
            .unwrap_or_default(),
        None => (Vec::new(), "webhook".to_string()),
    };
    let base = crate::settings::db::public_base_url(&st.db, &st.config).await?;
    let org = crate::settings::db::org_name(&st.db).await?;
    if let Some(t) = crate::shares::card::template_of(&o.style) {
        // a template card: its variables filled from the first award, drawn plainly
        let first = rows.into_iter().take(1).collect::<Vec<_>>();
        let t = crate::cards::db::fetch(&st.db, t).await?;
        let item = match first.first() {
            Some(r) => crate::awards::db::get(&st.db, r.id).await?,
            None => return Err(AppError::NotFound),
        };
        let params = crate::cards::fill::params(&t.mapping(), &item, &base, &o.message);
        return Ok(card_view(
            &crate::cards::fill::fallback(&t.name, &params),
            &first,
        ));
    }
    // a long digest is cut into several messages: the preview shows the first
    let first = batches_for(&rows, &o, &base, &org, &kind)
        .into_iter()
        .next()
        .unwrap_or_default();
    let msg = compose(
        &first,
        &group_options(&o, &first, &kind),
        &base,
        &org,
        &keywords,
    );
    Ok(card_view(&msg, &first))
}

/// The messages a group of `kind` gets for these awards: a digest when asked (or many awards),
/// cut to what the kind carries, else one card per award.
fn batches_for(
    rows: &[AwardCardRow],
    o: &CardOptions,
    base: &str,
    org: &str,
    kind: &str,
) -> Vec<Vec<AwardCardRow>> {
    if !(o.digest || rows.len() > DIGEST_FROM) {
        return rows.iter().map(|r| vec![r.clone()]).collect();
    }
    let digest = CardOptions {
        digest: true,
        ..o.clone()
    };
    let (budget, size) = digest_limit(kind);
    digest_batches(rows, budget, |b| size(&compose(b, &digest, base, org, &[])))
}

/// The options one message to a group of `kind` is composed with: a digest for several awards;
/// @mentions only where custom robots carry them (elsewhere the @userId would show as text).
fn group_options(o: &CardOptions, batch: &[AwardCardRow], kind: &str) -> CardOptions {
    CardOptions {
        digest: o.digest || batch.len() > 1,
        mention: o.mention && kind == "webhook",
        ..o.clone()
    }
}

/// Writes one outbox row per group (nothing is sent here) and wakes the worker.
pub async fn create(
    st: &AppState,
    admin: &AdminInfo,
    awards: &str,
    group_ids: &[i64],
    o: &CardOptions,
    confirm_repeat: bool,
) -> Result<String, AppError> {
    let db = &st.db;
    let o = valid_options(o)?;
    let ids = parse_ids(awards)?;
    let rows = award_rows(db, &ids).await?;
    let mut gids: Vec<i64> = Vec::new();
    for g in group_ids {
        if !gids.contains(g) {
            gids.push(*g);
        }
    }
    if gids.is_empty() {
        return Err(AppError::field(
            "groups",
            Msg::new("请至少选择一个群", "Choose at least one group"),
        ));
    }
    let mut targets: Vec<GroupRow> = Vec::new();
    for g in &gids {
        match crate::groups::db::fetch(db, *g).await {
            Ok(g) if !g.disabled => targets.push(g),
            _ => {
                return Err(AppError::field(
                    "groups",
                    Msg::new(
                        "所选的群不存在或已停用",
                        "A chosen group does not exist or is disabled",
                    ),
                ))
            }
        }
    }
    let template = crate::shares::card::template_of(&o.style);
    if template.is_some() {
        crate::shares::template::check_groups(&targets)?;
    }
    let base = crate::settings::db::public_base_url(db, &st.config).await?;
    let org = crate::settings::db::org_name(db).await?;
    let batches: Vec<(i64, Vec<Vec<AwardCardRow>>)> = targets
        .iter()
        .map(|g| (g.id, batches_for(&rows, &o, &base, &org, &g.kind)))
        .collect();
    let most = match template {
        Some(_) => rows.len(),
        None => batches.iter().map(|(_, b)| b.len()).max().unwrap_or(0),
    };
    let named: Vec<(i64, String)> = targets.iter().map(|g| (g.id, g.name.clone())).collect();
    let due = crate::shares::guard::check(db, &named, &rows, most, confirm_repeat).await?;
    let request = uuid::Uuid::new_v4().simple().to_string()[..16].to_string();
    if let Some(t) = template {
        let n = crate::shares::template::queue(
            db, &base, &o, &rows, &targets, t, admin.id, &request, due,
        )
        .await?;
        tracing::info!(request, shares = n, "template card share queued");
        return Ok(request);
    }
    let now = now_ms();
    let options_json = serde_json::to_string(&o).unwrap_or_else(|_| "{}".into());
    let mut inserted = 0;
    macro_rules! insert_all {
        ($tx:expr) => {{
            for (g, (_, group_batches)) in targets.iter().zip(&batches) {
                for batch in group_batches {
                    let msg = compose(batch, &group_options(&o, batch, &g.kind), &base, &org, &g.keyword_list());
                    let award_ids = batch.iter().map(|r| r.id.to_string()).collect::<Vec<_>>().join(",");
                    sqlx::query(
                        "INSERT INTO shares (group_id, award_ids, personal_message, card_style, status, attempts, next_attempt_at, \
                         msg_uuid, message_json, requested_by, created_at, updated_at, request_id, options_json) \
                         VALUES ($1, $2, $3, $4, 'queued', 0, $11, $6, $7, $8, $5, $5, $9, $10)")
                        .bind(g.id).bind(&award_ids).bind(&o.message).bind(&o.style).bind(now)
                        .bind(dingtalk::new_msg_uuid())
                        .bind(serde_json::to_string(&msg).map_err(crate::infra::internal)?)
                        .bind(admin.id).bind(&request).bind(&options_json).bind(due)
                        .execute(&mut *$tx).await.map_err(AppError::from)?;
                    inserted += 1;
                }
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
    tracing::info!(request, shares = inserted, "share request queued");
    Ok(request)
}

/// Admin: a failed or given-up share goes back to the queue with the same msgUuid (so a message
/// DingTalk did deliver is still not posted twice) and a fresh attempt count.
pub async fn retry(db: &Db, admin: &AdminInfo, id: i64) -> Result<(), AppError> {
    let r = fetch(db, id).await?;
    if r.status != "failed" && r.status != "gave_up" {
        return Err(AppError::Conflict(Msg::new(
            "只有失败或已放弃的分享可以重试",
            "Only failed or given-up shares can be retried",
        )));
    }
    let now = now_ms();
    let due = crate::shares::guard::not_before(&crate::shares::guard::load(db).await?, now);
    with_db!(db, p => sqlx::query(
        "UPDATE shares SET status = 'queued', attempts = 0, next_attempt_at = $3, updated_at = $1 WHERE id = $2 AND status IN ('failed', 'gave_up')")
        .bind(now).bind(id).bind(due).execute(p).await.map(|_| ())).map_err(AppError::from)?;
    crate::infra::audit::audit(
        db,
        admin,
        "share.retry",
        "share",
        id,
        Some(json!({"status": r.status, "attempts": r.attempts})),
        Some(json!({"status": "queued"})),
    )
    .await?;
    crate::shares::outbox::wake().notify_waiters();
    Ok(())
}
