//! Writing the outbox rows, the history, retry.

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
use crate::shares::card::{digest_batches, message_bytes};
use crate::shares::types::GroupChoice;
use crate::shares::AwardBrief;
use crate::shares::CardOptions;
use crate::shares::Progress;
use crate::shares::ShareDetail;
use crate::shares::ShareFilter;
use crate::shares::ShareFormData;
use crate::shares::ShareList;
use crate::shares::ShareRow;
use crate::with_db;
use dingtalk::Message;
use medal_core::chat::CardView;
use medal_core::Msg;
use serde_json::json;

const PAGE: i64 = 50;

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
    let keywords = match group {
        Some(g) => crate::groups::db::fetch(&st.db, g)
            .await
            .map(|g| g.keyword_list())
            .unwrap_or_default(),
        None => Vec::new(),
    };
    let base = crate::settings::db::public_base_url(&st.db, &st.config).await?;
    let org = crate::settings::db::org_name(&st.db).await?;
    // without a digest each award gets its own card, and a long digest is cut into several
    // messages: the preview shows the first
    let first = if o.digest {
        digest_batches(&rows, |b| message_bytes(&compose(b, &o, &base, &org, &[])))
            .into_iter()
            .next()
            .unwrap_or_default()
    } else {
        rows.into_iter().take(1).collect()
    };
    let msg = compose(&first, &o, &base, &org, &keywords);
    Ok(card_view(&msg, &first))
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
    let base = crate::settings::db::public_base_url(db, &st.config).await?;
    let org = crate::settings::db::org_name(db).await?;
    // One message per group per share: a digest when asked (or many awards), else one card per award.
    let batches: Vec<Vec<AwardCardRow>> = if o.digest || rows.len() > DIGEST_FROM {
        let digest = CardOptions {
            digest: true,
            ..o.clone()
        };
        digest_batches(&rows, |b| {
            message_bytes(&compose(b, &digest, &base, &org, &[]))
        })
    } else {
        rows.iter().map(|r| vec![r.clone()]).collect()
    };
    let named: Vec<(i64, String)> = targets.iter().map(|g| (g.id, g.name.clone())).collect();
    let due = crate::shares::guard::check(db, &named, &rows, batches.len(), confirm_repeat).await?;
    let request = uuid::Uuid::new_v4().simple().to_string()[..16].to_string();
    let now = now_ms();
    let options_json = serde_json::to_string(&o).unwrap_or_else(|_| "{}".into());
    let mut inserted = 0;
    macro_rules! insert_all {
        ($tx:expr) => {{
            for g in &targets {
                for batch in &batches {
                    let msg = compose(batch, &CardOptions { digest: o.digest || batch.len() > 1, ..o.clone() }, &base, &org, &g.keyword_list());
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

#[derive(sqlx::FromRow)]
pub(crate) struct Row {
    id: i64,
    group_id: i64,
    group_name: String,
    status: String,
    attempts: i32,
    award_ids: String,
    request_id: Option<String>,
    created_at: i64,
    updated_at: i64,
    sent_at: Option<i64>,
    next_attempt_at: i64,
    last_error_code: Option<String>,
    last_error_message: Option<String>,
    msg_uuid: String,
    message_json: Option<String>,
}

pub(crate) const SELECT: &str = "SELECT s.id, s.group_id, g.name AS group_name, s.status, s.attempts, s.award_ids, s.request_id, \
    s.created_at, s.updated_at, s.sent_at, s.next_attempt_at, s.last_error_code, s.last_error_message, s.msg_uuid, s.message_json \
    FROM shares s JOIN share_groups g ON g.id = s.group_id";

/// A stored error, explained in both languages (our own local codes included).
pub fn explain(code: &str, msg: &str) -> Msg {
    match code {
        crate::shares::outbox::worker::GROUP_DISABLED => Msg::new(
            "该群已停用，没有发送。启用后可重试。",
            "The group is disabled; nothing was sent. Enable it, then retry.",
        ),
        _ => crate::groups::db::explain(code, msg),
    }
}

impl Row {
    fn public(&self) -> ShareRow {
        ShareRow {
            id: self.id,
            group_id: self.group_id,
            group_name: self.group_name.clone(),
            status: self.status.clone(),
            attempts: self.attempts,
            award_ids: self.award_ids.clone(),
            request_id: self.request_id.clone(),
            created_at: self.created_at,
            updated_at: self.updated_at,
            sent_at: self.sent_at,
            next_attempt_at: self.next_attempt_at,
            error: self
                .last_error_code
                .as_deref()
                .filter(|_| self.status != "sent")
                .map(|c| explain(c, self.last_error_message.as_deref().unwrap_or(""))),
        }
    }
}

const STATUSES: &[&str] = &["queued", "sending", "sent", "failed", "gave_up"];

/// The WHERE clause of a share filter and its bound text values.
fn where_of(f: &ShareFilter) -> (String, Vec<String>) {
    let mut conds: Vec<String> = Vec::new();
    let mut binds: Vec<String> = Vec::new();
    if STATUSES.contains(&f.status.as_str()) {
        binds.push(f.status.clone());
        conds.push(format!("s.status = ${}", binds.len()));
    }
    if !f.request.trim().is_empty() {
        binds.push(f.request.trim().to_string());
        conds.push(format!("s.request_id = ${}", binds.len()));
    }
    if let Ok(g) = f.group.trim().parse::<i64>() {
        // an integer, never text from the request
        conds.push(format!("s.group_id = {g}"));
    }
    let where_sql = if conds.is_empty() {
        String::new()
    } else {
        format!(" WHERE {}", conds.join(" AND "))
    };
    (where_sql, binds)
}

/// How far the filtered shares are: counts by outcome.
pub async fn progress(db: &Db, f: &ShareFilter) -> Result<Progress, AppError> {
    let (where_sql, binds) = where_of(f);
    let count_sql = format!("SELECT s.status, COUNT(*) FROM shares s{where_sql} GROUP BY s.status");
    let counts: Vec<(String, i64)> = with_db!(db, p => {
        let mut q = sqlx::query_as::<_, (String, i64)>(&count_sql);
        for b in &binds {
            q = q.bind(b);
        }
        q.fetch_all(p).await
    })
    .map_err(AppError::from)?;
    let mut progress = Progress::default();
    for (s, n) in counts {
        progress.total += n;
        match s.as_str() {
            "sent" => progress.sent += n,
            "failed" => progress.failed += n,
            "gave_up" => progress.gave_up += n,
            _ => progress.in_flight += n,
        }
    }
    Ok(progress)
}

pub async fn list(db: &Db, f: &ShareFilter) -> Result<ShareList, AppError> {
    let (where_sql, binds) = where_of(f);
    // The counts first, then the rows: rows only move forward (queued → sent), so rows read after
    // the counts are at least as far along. Read the other way round, a page could say "2 / 2
    // sent" above rows still sending, and without JavaScript it stops refreshing when all are done.
    let progress = progress(db, f).await?;
    let page: u32 = f.page.parse().unwrap_or(1).max(1);
    let sql = format!(
        "{SELECT}{where_sql} ORDER BY s.id DESC LIMIT {} OFFSET {}",
        PAGE + 1,
        (page as i64 - 1) * PAGE
    );
    let mut rows = with_db!(db, p => {
        let mut q = sqlx::query_as::<_, Row>(&sql);
        for b in &binds {
            q = q.bind(b);
        }
        q.fetch_all(p).await
    })
    .map_err(AppError::from)?;
    let has_next = rows.len() as i64 > PAGE;
    rows.truncate(PAGE as usize);
    Ok(ShareList {
        items: rows.iter().map(Row::public).collect(),
        page,
        has_next,
        progress,
    })
}

pub(crate) async fn fetch(db: &Db, id: i64) -> Result<Row, AppError> {
    let sql = format!("{SELECT} WHERE s.id = $1");
    with_db!(db, p => sqlx::query_as::<_, Row>(&sql).bind(id).fetch_optional(p).await)
        .map_err(AppError::from)?
        .ok_or(AppError::NotFound)
}

pub async fn get(db: &Db, id: i64) -> Result<ShareDetail, AppError> {
    let r = fetch(db, id).await?;
    let msg: Option<Message> = r
        .message_json
        .as_deref()
        .and_then(|j| serde_json::from_str(j).ok());
    let ids: Vec<i64> = r
        .award_ids
        .split(',')
        .filter_map(|s| s.trim().parse().ok())
        .collect();
    let rows = award_rows(db, &ids).await.unwrap_or_default();
    Ok(ShareDetail {
        row: r.public(),
        msg_uuid: r.msg_uuid.clone(),
        message_json: msg
            .as_ref()
            .map(|m| serde_json::to_string_pretty(&m.to_webhook_json(None)).unwrap_or_default())
            .unwrap_or_default(),
        preview: msg.as_ref().map(|m| card_view(m, &rows)),
    })
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
