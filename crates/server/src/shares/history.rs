//! The share history: the list with its filter and progress, one share in detail.

use crate::error::AppError;
use crate::infra::Db;
use crate::shares::card::award_rows;
use crate::shares::card::card_view;
use crate::shares::Progress;
use crate::shares::ShareDetail;
use crate::shares::ShareFilter;
use crate::shares::ShareList;
use crate::shares::ShareRow;
use crate::with_db;
use dingtalk::Message;
use medal_core::Msg;

const PAGE: i64 = 50;

#[derive(sqlx::FromRow)]
pub(crate) struct Row {
    pub(crate) id: i64,
    pub(crate) group_id: i64,
    pub(crate) group_name: String,
    pub(crate) status: String,
    pub(crate) attempts: i32,
    pub(crate) award_ids: String,
    pub(crate) request_id: Option<String>,
    pub(crate) created_at: i64,
    pub(crate) updated_at: i64,
    pub(crate) sent_at: Option<i64>,
    pub(crate) next_attempt_at: i64,
    pub(crate) last_error_code: Option<String>,
    pub(crate) last_error_message: Option<String>,
    pub(crate) msg_uuid: String,
    pub(crate) message_json: Option<String>,
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
        crate::shares::outbox::worker::NOT_REACHED => Msg::new(
            format!("已发送，但钉钉没有送达这些人：{msg}（不在组织中或不可达）。"),
            format!(
                "Sent, but DingTalk did not reach: {msg} (not in the organisation or unreachable)."
            ),
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
                .filter(|c| {
                    self.status != "sent" || *c == crate::shares::outbox::worker::NOT_REACHED
                })
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
