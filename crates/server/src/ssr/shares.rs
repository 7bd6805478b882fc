//! Sharing awards into groups: card composition (escaped user text, icon, @mention, keyword
//! footer, digest), writing the outbox rows, the history, retry, and the card preview.

use dingtalk::message::dingtalk_open_link;
use dingtalk::{At, Message};
use medal_core::{Msg, Role};
use serde_json::json;

use super::auth::require;
use super::groups::{self, GroupRow};
use super::{audit, db_err, icons, now_ms, outbox, settings, state, Db};
use crate::api_share::{
    AwardBrief, CardOptions, Progress, ShareDetail, ShareFilter, ShareFormData, ShareList, ShareRow,
};
use crate::error::AppError;
use crate::with_db;

/// Above this many awards the share form offers (and pre-selects) one digest per group.
pub const DIGEST_FROM: usize = 5;
/// Most awards in one share request.
pub const MAX_AWARDS: usize = 200;
const PAGE: i64 = 50;

/// Makes user text inert inside DingTalk markdown: characters that start markup become their
/// full-width look-alikes (DingTalk's markdown has no backslash escapes), line breaks become
/// spaces so no line can start a heading, quote or list.
pub fn escape_md(s: &str) -> String {
    s.chars()
        .map(|c| match c {
            '*' => '＊',
            '_' => '＿',
            '[' => '［',
            ']' => '］',
            '(' => '（',
            ')' => '）',
            '!' => '！',
            '#' => '＃',
            '>' => '＞',
            '<' => '＜',
            '`' => '｀',
            '|' => '｜',
            '~' => '～',
            '\\' => '＼',
            '\n' | '\r' | '\t' => ' ',
            c if c.is_control() => ' ',
            c => c,
        })
        .collect::<String>()
        .trim()
        .to_string()
}

#[derive(sqlx::FromRow, Clone, Debug)]
pub struct AwardCardRow {
    pub id: i64,
    pub medal_name: String,
    pub icon_preset: Option<String>,
    pub icon_sha: Option<String>,
    pub staff_name: String,
    pub mobile: Option<String>,
    pub dingtalk_user_id: Option<String>,
    pub reason: String,
    pub awarded_at: i64,
    pub public_token: String,
}

/// Parses "1,2,3" (spaces allowed), keeping the order, without duplicates.
pub fn parse_ids(s: &str) -> Result<Vec<i64>, AppError> {
    let mut out = Vec::new();
    for part in s
        .split(|c: char| c == ',' || c.is_whitespace())
        .filter(|p| !p.is_empty())
    {
        let id: i64 = part.parse().map_err(|_| {
            AppError::field(
                "awards",
                Msg::new("勋章记录编号格式不对", "The award ids are not valid"),
            )
        })?;
        if !out.contains(&id) {
            out.push(id);
        }
    }
    if out.is_empty() {
        return Err(AppError::field(
            "awards",
            Msg::new("没有选择要分享的勋章记录", "No award was chosen to share"),
        ));
    }
    if out.len() > MAX_AWARDS {
        return Err(AppError::field(
            "awards",
            Msg::new(
                format!("一次最多分享 {MAX_AWARDS} 条勋章记录"),
                format!("At most {MAX_AWARDS} awards per share"),
            ),
        ));
    }
    Ok(out)
}

/// The awards (not revoked) in the order asked.
pub async fn award_rows(db: &Db, ids: &[i64]) -> Result<Vec<AwardCardRow>, AppError> {
    let placeholders: Vec<String> = (1..=ids.len()).map(|i| format!("${i}")).collect();
    let sql = format!(
        "SELECT a.id, m.name AS medal_name, m.icon_preset, i.sha256 AS icon_sha, s.name AS staff_name, s.mobile, \
         s.dingtalk_user_id, a.reason, a.awarded_at, a.public_token \
         FROM awards a JOIN medals m ON m.id = a.medal_id JOIN staff s ON s.id = a.staff_id \
         LEFT JOIN icons i ON i.id = m.icon_id WHERE a.revoked_at IS NULL AND a.id IN ({})",
        placeholders.join(", ")
    );
    let mut rows = with_db!(db, p => {
        let mut q = sqlx::query_as::<_, AwardCardRow>(&sql);
        for id in ids {
            q = q.bind(id);
        }
        q.fetch_all(p).await
    })
    .map_err(db_err)?;
    rows.sort_by_key(|r| ids.iter().position(|i| *i == r.id));
    if rows.len() != ids.len() {
        return Err(AppError::field(
            "awards",
            Msg::new(
                "有勋章记录不存在或已撤销",
                "Some awards do not exist or were revoked",
            ),
        ));
    }
    Ok(rows)
}

fn date(ms: i64) -> String {
    crate::components::fmt_date(ms)
}

fn icon_url(base: &str, r: &AwardCardRow) -> String {
    let path = icons::medal_icon_url(r.icon_preset.as_deref(), r.icon_sha.as_deref());
    format!("{base}{path}")
}

fn award_link(base: &str, r: &AwardCardRow, sidebar: bool) -> String {
    let url = format!("{base}/a/{}", r.public_token);
    if sidebar {
        dingtalk_open_link(&url, true)
    } else {
        url
    }
}

/// The @mention for a winner: their DingTalk userId when it is a valid one. Mobiles are never
/// used (the group would read the number) and a stored userId that is not a plain identifier is
/// not either (it would be markup in the card).
fn mention(r: &AwardCardRow) -> Option<medal_core::UserId> {
    medal_core::UserId::valid(r.dingtalk_user_id.as_deref())
}

/// " @userId" after a winner's name when mentions are on.
fn inline_mention(o: &CardOptions, r: &AwardCardRow) -> String {
    match mention(r) {
        Some(u) if o.mention => format!(" @{u}"),
        _ => String::new(),
    }
}

fn at_for(rows: &[AwardCardRow]) -> Option<At> {
    let mut ids: Vec<String> = Vec::new();
    for u in rows.iter().filter_map(mention) {
        if !ids.iter().any(|i| i == u.as_str()) && ids.len() < 50 {
            ids.push(u.as_str().to_string());
        }
    }
    (!ids.is_empty()).then(|| At::user_ids(ids))
}

/// Builds the message one group receives. `keywords` are the group robot's: when the card
/// contains none of them, a short footer with the first is added.
pub fn compose(
    rows: &[AwardCardRow],
    o: &CardOptions,
    base: &str,
    org: &str,
    keywords: &[String],
) -> Message {
    let personal = escape_md(&o.message);
    let org = escape_md(org);
    let digest = o.digest || rows.len() > 1;
    let (title, mut text, button) = if digest {
        let mut t = format!("### 🏅 勋章喜报（{} 人）\n\n", rows.len());
        if !personal.is_empty() {
            t.push_str(&format!("> {personal}\n\n"));
        }
        for (i, r) in rows.iter().enumerate() {
            t.push_str(&format!(
                "{}. **{}**{} 获得「{}」：{}（{}） [查看详情]({})\n",
                i + 1,
                escape_md(&r.staff_name),
                inline_mention(o, r),
                escape_md(&r.medal_name),
                escape_md(&r.reason),
                date(r.awarded_at),
                award_link(base, r, o.sidebar)
            ));
        }
        (format!("勋章喜报：{} 人获得勋章", rows.len()), t, None)
    } else {
        let r = &rows[0];
        let mut t = format!(
            "![{}]({})\n\n### 🏅 {}\n\n**{}**{} 获得「{}」勋章\n\n",
            escape_md(&r.medal_name),
            icon_url(base, r),
            escape_md(&r.medal_name),
            escape_md(&r.staff_name),
            inline_mention(o, r),
            escape_md(&r.medal_name)
        );
        if !personal.is_empty() {
            t.push_str(&format!("> {personal}\n\n"));
        }
        t.push_str(&format!(
            "**颁发原因**：{}  \n**日期**：{}",
            escape_md(&r.reason),
            date(r.awarded_at)
        ));
        let title = format!("{} 获得「{}」", r.staff_name.trim(), r.medal_name.trim());
        (title, t, Some(award_link(base, r, o.sidebar)))
    };
    if !org.is_empty() {
        text.push_str(&format!("\n\n—— {org}"));
    }
    let build = |text: String| -> Message {
        let msg = match (&button, o.style.as_str()) {
            (Some(url), "markdown") => {
                Message::markdown(title.clone(), format!("{text}\n\n[查看详情]({url})"))
            }
            (Some(url), _) => Message::action_card(title.clone(), text, "查看详情", url.clone()),
            (None, _) => Message::markdown(title.clone(), text),
        };
        match (o.mention, at_for(rows)) {
            (true, Some(at)) => msg.with_at(at).ensure_mentions_in_text(),
            _ => msg,
        }
    };
    let msg = build(text.clone());
    if !keywords.is_empty() && !msg.contains_any_keyword(keywords) {
        text.push_str(&format!("\n\n#### {}", escape_md(&keywords[0])));
        return build(text);
    }
    msg
}

fn valid_options(o: &CardOptions) -> Result<CardOptions, AppError> {
    let message = medal_core::text::bounded(&o.message, 0, 200, ("寄语", "The message"))
        .map_err(|m| AppError::field("message", m))?;
    let style = if o.style == "markdown" {
        "markdown"
    } else {
        "action_card"
    }
    .to_string();
    Ok(CardOptions {
        message,
        style,
        ..o.clone()
    })
}

pub async fn form_data(awards: &str) -> Result<ShareFormData, AppError> {
    require(Role::Awarder).await?;
    let st = state()?;
    let ids = parse_ids(awards)?;
    let rows = award_rows(&st.db, &ids).await?;
    let groups = groups::list()
        .await?
        .into_iter()
        .filter(|g| !g.disabled)
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
    })
}

/// The card as `group` (or a group without keywords) would receive it, drawn like /sim draws it.
pub async fn preview(
    awards: &str,
    group: Option<i64>,
    o: &CardOptions,
) -> Result<String, AppError> {
    require(Role::Awarder).await?;
    let st = state()?;
    let o = valid_options(o)?;
    let rows = award_rows(&st.db, &parse_ids(awards)?).await?;
    let keywords = match group {
        Some(g) => groups::fetch(&st.db, g)
            .await
            .map(|g| g.keyword_list())
            .unwrap_or_default(),
        None => Vec::new(),
    };
    let base = settings::public_base_url(&st.db, &st.config).await?;
    let org = settings::org_name(&st.db).await?;
    let msg = compose(&rows, &o, &base, &org, &keywords);
    Ok(card_html(&msg, &rows))
}

/// The card drawn by the simulator's renderer, with the winners as the people it knows.
pub fn card_html(msg: &Message, rows: &[AwardCardRow]) -> String {
    let users: Vec<dingtalk::sim::UserInfo> = rows
        .iter()
        .filter_map(|r| {
            mention(r).map(|u| dingtalk::sim::UserInfo {
                userid: u.as_str().to_string(),
                name: r.staff_name.clone(),
                mobile: r.mobile.clone().unwrap_or_default(),
                active: true,
            })
        })
        .collect();
    dingtalk::sim::render_card_html(msg, &users)
}

/// Writes one outbox row per group (nothing is sent here) and wakes the worker.
pub async fn create(awards: &str, group_ids: &[i64], o: &CardOptions) -> Result<String, AppError> {
    let admin = require(Role::Awarder).await?;
    let st = state()?;
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
        match groups::fetch(db, *g).await {
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
    let base = settings::public_base_url(db, &st.config).await?;
    let org = settings::org_name(db).await?;
    // One message per group per share: a digest when asked (or many awards), else one card per award.
    let batches: Vec<Vec<AwardCardRow>> = if o.digest || rows.len() > DIGEST_FROM {
        rows.chunks(30).map(|c| c.to_vec()).collect()
    } else {
        rows.iter().map(|r| vec![r.clone()]).collect()
    };
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
                         VALUES ($1, $2, $3, $4, 'queued', 0, $5, $6, $7, $8, $5, $5, $9, $10)")
                        .bind(g.id).bind(&award_ids).bind(&o.message).bind(&o.style).bind(now)
                        .bind(dingtalk::new_msg_uuid())
                        .bind(serde_json::to_string(&msg).map_err(super::internal)?)
                        .bind(admin.id).bind(&request).bind(&options_json)
                        .execute(&mut *$tx).await.map_err(db_err)?;
                    inserted += 1;
                }
            }
        }};
    }
    match db {
        Db::Sqlite(p) => {
            let mut tx = p.begin().await.map_err(db_err)?;
            insert_all!(tx);
            tx.commit().await.map_err(db_err)?;
        }
        Db::Postgres(p) => {
            let mut tx = p.begin().await.map_err(db_err)?;
            insert_all!(tx);
            tx.commit().await.map_err(db_err)?;
        }
    }
    outbox::wake().notify_waiters();
    tracing::info!(request, shares = inserted, "share request queued");
    Ok(request)
}

#[derive(sqlx::FromRow)]
struct Row {
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

const SELECT: &str = "SELECT s.id, s.group_id, g.name AS group_name, s.status, s.attempts, s.award_ids, s.request_id, \
    s.created_at, s.updated_at, s.sent_at, s.next_attempt_at, s.last_error_code, s.last_error_message, s.msg_uuid, s.message_json \
    FROM shares s JOIN share_groups g ON g.id = s.group_id";

/// A stored error, explained in both languages (our own local codes included).
pub fn explain(code: &str, msg: &str) -> Msg {
    match code {
        outbox::GROUP_DISABLED => Msg::new(
            "该群已停用，没有发送。启用后可重试。",
            "The group is disabled; nothing was sent. Enable it, then retry.",
        ),
        _ => groups::explain(code, msg),
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

pub async fn list(f: &ShareFilter) -> Result<ShareList, AppError> {
    require(Role::Viewer).await?;
    let db = &state()?.db;
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
    let group: Option<i64> = f.group.trim().parse().ok();
    let mut where_sql = if conds.is_empty() {
        String::new()
    } else {
        format!(" WHERE {}", conds.join(" AND "))
    };
    if let Some(g) = group {
        // an integer, never text from the request
        where_sql = if where_sql.is_empty() {
            format!(" WHERE s.group_id = {g}")
        } else {
            format!("{where_sql} AND s.group_id = {g}")
        };
    }
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
    .map_err(db_err)?;
    let has_next = rows.len() as i64 > PAGE;
    rows.truncate(PAGE as usize);
    let count_sql = format!("SELECT s.status, COUNT(*) FROM shares s{where_sql} GROUP BY s.status");
    let counts: Vec<(String, i64)> = with_db!(db, p => {
        let mut q = sqlx::query_as::<_, (String, i64)>(&count_sql);
        for b in &binds {
            q = q.bind(b);
        }
        q.fetch_all(p).await
    })
    .map_err(db_err)?;
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
    Ok(ShareList {
        items: rows.iter().map(Row::public).collect(),
        page,
        has_next,
        progress,
    })
}

async fn fetch(db: &Db, id: i64) -> Result<Row, AppError> {
    let sql = format!("{SELECT} WHERE s.id = $1");
    with_db!(db, p => sqlx::query_as::<_, Row>(&sql).bind(id).fetch_optional(p).await)
        .map_err(db_err)?
        .ok_or(AppError::NotFound)
}

pub async fn get(id: i64) -> Result<ShareDetail, AppError> {
    require(Role::Viewer).await?;
    let db = &state()?.db;
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
        preview_html: msg
            .as_ref()
            .map(|m| card_html(m, &rows))
            .unwrap_or_default(),
    })
}

/// Admin: a failed or given-up share goes back to the queue with the same msgUuid (so a message
/// DingTalk did deliver is still not posted twice) and a fresh attempt count.
pub async fn retry(id: i64) -> Result<(), AppError> {
    let admin = require(Role::Admin).await?;
    let db = &state()?.db;
    let r = fetch(db, id).await?;
    if r.status != "failed" && r.status != "gave_up" {
        return Err(AppError::Conflict(Msg::new(
            "只有失败或已放弃的分享可以重试",
            "Only failed or given-up shares can be retried",
        )));
    }
    let now = now_ms();
    with_db!(db, p => sqlx::query(
        "UPDATE shares SET status = 'queued', attempts = 0, next_attempt_at = $1, updated_at = $1 WHERE id = $2 AND status IN ('failed', 'gave_up')")
        .bind(now).bind(id).execute(p).await.map(|_| ())).map_err(db_err)?;
    audit::audit(
        db,
        &admin,
        "share.retry",
        "share",
        id,
        Some(json!({"status": r.status, "attempts": r.attempts})),
        Some(json!({"status": "queued"})),
    )
    .await?;
    outbox::wake().notify_waiters();
    Ok(())
}
