//! Awards: give a medal to one person or many (picked, whole departments, or a CSV with a reason
//! per row) in one transaction; revoke; the awards list and its CSV export; a person's medal wall;
//! the public award page; leaderboard and dashboard figures.
//!
//! A batch is checked before anything is written — the medal is active, everyone exists and is
//! active, every recipient has a reason, nobody already holds a non-repeatable medal — and then
//! written with multi-row INSERTs inside one transaction that first locks the medal's row, so two
//! batches of one non-repeatable medal cannot both give it to the same person.

use std::collections::{BTreeMap, HashMap, HashSet};

use axum::extract::{Query, State};
use axum::response::Response;
use chrono::{Datelike, FixedOffset, NaiveDate, TimeZone};
use leptos::server_fn::codec::MultipartData;
use medal_core::award::{msg_who_has, reason as parse_reason, RecipientColumn};
use medal_core::staff::{Column, Mobile};
use medal_core::{AwardStatus, Lang, Msg, Period, Role, Tier};
use tower_sessions::Session;

use super::auth::{require, require_session};
use super::db::escape_like;
use super::{db_err, icons, internal, now_ms, state, AppState, Db};
use crate::api::{
    AdminInfo, AdminName, AwardFigures, AwardFilter, AwardFormChoices, AwardItem, AwardOutcome,
    AwardPage, DepartmentCount, LeaderRow, MonthCount, PublicAwardView, TopMedal, WallData,
};
use crate::error::AppError;
use crate::with_db;

pub const PER_PAGE: u32 = 50;
/// Rows per multi-row INSERT (8 values each, well under both databases' parameter limits).
const INSERT_CHUNK: usize = 1000;
/// Ids per `IN (…)` lookup.
const LOOKUP_CHUNK: usize = 1000;
/// The largest recipients CSV the form takes.
const MAX_CSV_BYTES: usize = 3 * 1024 * 1024;
/// How many names a "who already has it" message lists.
const NAMES_SHOWN: usize = 10;

/// China time: months, quarters and dates typed in filters are UTC+8.
fn china() -> FixedOffset {
    FixedOffset::east_opt(8 * 3600).expect("valid offset")
}

// ---------------------------------------------------------------- rows

#[derive(sqlx::FromRow)]
struct AwardRow {
    id: i64,
    medal_id: i64,
    medal_name: String,
    tier: String,
    icon_preset: Option<String>,
    icon_sha: Option<String>,
    staff_id: i64,
    staff_name: String,
    department: String,
    reason: String,
    awarded_at: i64,
    expires_at: Option<i64>,
    awarded_by_rule: Option<i64>,
    awarded_by_name: Option<String>,
    revoked_at: Option<i64>,
    revoked_by_name: Option<String>,
    revoke_reason: Option<String>,
    public_token: String,
    batch_id: Option<String>,
}

const SELECT: &str = "SELECT a.id, a.medal_id, m.name AS medal_name, m.tier, m.icon_preset, \
     i.sha256 AS icon_sha, a.staff_id, s.name AS staff_name, s.department, a.reason, a.awarded_at, \
     a.expires_at, a.awarded_by_rule, ab.username AS awarded_by_name, a.revoked_at, \
     rb.username AS revoked_by_name, a.revoke_reason, a.public_token, a.batch_id \
     FROM awards a JOIN medals m ON m.id = a.medal_id LEFT JOIN icons i ON i.id = m.icon_id \
     JOIN staff s ON s.id = a.staff_id LEFT JOIN admins ab ON ab.id = a.awarded_by_admin \
     LEFT JOIN admins rb ON rb.id = a.revoked_by";

impl AwardRow {
    fn item(&self, now: i64) -> AwardItem {
        AwardItem {
            id: self.id,
            medal_id: self.medal_id,
            medal_name: self.medal_name.clone(),
            tier: Tier::parse(&self.tier).unwrap_or_default(),
            icon_url: icons::medal_icon_url(self.icon_preset.as_deref(), self.icon_sha.as_deref()),
            staff_id: self.staff_id,
            staff_name: self.staff_name.clone(),
            department: self.department.clone(),
            reason: self.reason.clone(),
            awarded_at: self.awarded_at,
            expires_at: self.expires_at,
            status: AwardStatus::at(self.revoked_at, self.expires_at, now),
            awarded_by: match (&self.awarded_by_name, self.awarded_by_rule) {
                (Some(n), _) => n.clone(),
                (None, Some(r)) => format!("规则 #{r} / rule #{r}"),
                (None, None) => "CLI".into(),
            },
            revoked_at: self.revoked_at,
            revoked_by: self.revoked_by_name.clone(),
            revoke_reason: self.revoke_reason.clone(),
            public_token: self.public_token.clone(),
            batch_id: self.batch_id.clone(),
        }
    }
}

/// A bound value of a query built at run time.
#[derive(Clone, Debug)]
enum P {
    I(i64),
    S(String),
}

/// Runs `sql` with `params` bound in order and maps the rows with `FromRow`.
macro_rules! fetch_all_as {
    ($db:expr, $ty:ty, $sql:expr, $params:expr) => {
        with_db!($db, p => {
            let mut q = sqlx::query_as::<_, $ty>($sql);
            for v in $params.iter() {
                q = match v { P::I(i) => q.bind(*i), P::S(s) => q.bind(s.clone()) };
            }
            q.fetch_all(p).await
        })
        .map_err(db_err)
    };
}

// ---------------------------------------------------------------- list, read

/// `00:00` China time of a `YYYY-MM-DD` date, in UTC milliseconds.
fn day_start(date: &str) -> Option<i64> {
    let d = NaiveDate::parse_from_str(date.trim(), "%Y-%m-%d").ok()?;
    china()
        .from_local_datetime(&d.and_hms_opt(0, 0, 0)?)
        .single()
        .map(|t| t.timestamp_millis())
}

fn bad_filter(field: &str, zh: &str, en: &str) -> AppError {
    AppError::field(field, Msg::new(zh, en))
}

/// A WHERE clause built from parts whose `?` marks become `$n` in order.
#[derive(Default)]
struct Where {
    cond: Vec<String>,
    params: Vec<P>,
}

impl Where {
    fn add(&mut self, clause: &str, values: impl IntoIterator<Item = P>) {
        let mut out = String::new();
        let mut values = values.into_iter();
        for part in clause.split('?').enumerate() {
            if part.0 > 0 {
                self.params.push(values.next().expect("a value per mark"));
                out.push_str(&format!("${}", self.params.len()));
            }
            out.push_str(part.1);
        }
        self.cond.push(out);
    }
}

/// The WHERE clause of an awards filter (aliases `a`, `m`, `s`) and its values.
fn where_clause(f: &AwardFilter, db: &Db, now: i64) -> Result<(String, Vec<P>), AppError> {
    let mut w = Where::default();
    let id = |v: &str, field: &str, zh: &str, en: &str| {
        v.trim()
            .parse::<i64>()
            .map_err(|_| bad_filter(field, zh, en))
    };
    let date = |v: &str, field: &str| {
        day_start(v).ok_or_else(|| {
            bad_filter(
                field,
                "日期格式应为 2026-01-31",
                "Dates look like 2026-01-31",
            )
        })
    };
    if !f.medal.trim().is_empty() {
        let m = id(&f.medal, "medal", "请选择一枚勋章", "Choose a medal")?;
        w.add("a.medal_id = ?", [P::I(m)]);
    }
    let person = f.person.trim();
    if !person.is_empty() {
        // The name contains it, or the 工号 / mobile starts with it (ASCII case ignored).
        let like = if matches!(db, Db::Postgres(_)) {
            "ILIKE"
        } else {
            "LIKE"
        };
        let q = escape_like(person);
        w.add(
            &format!(
                "(s.name {like} ? ESCAPE '\\' OR s.external_id {like} ? ESCAPE '\\' \
                 OR s.mobile LIKE ? ESCAPE '\\')"
            ),
            [
                P::S(format!("%{q}%")),
                P::S(format!("{q}%")),
                P::S(format!("{q}%")),
            ],
        );
    }
    if !f.department.trim().is_empty() {
        w.add("s.department = ?", [P::S(f.department.trim().to_string())]);
    }
    if !f.from.trim().is_empty() {
        w.add("a.awarded_at >= ?", [P::I(date(&f.from, "from")?)]);
    }
    if !f.to.trim().is_empty() {
        w.add(
            "a.awarded_at < ?",
            [P::I(date(&f.to, "to")? + 24 * 3600 * 1000)],
        );
    }
    if !f.by.trim().is_empty() {
        let by = id(&f.by, "by", "请选择颁发人", "Choose who awarded")?;
        w.add("a.awarded_by_admin = ?", [P::I(by)]);
    }
    match AwardStatus::parse(&f.status) {
        Some(AwardStatus::Active) => w.add(
            "a.revoked_at IS NULL AND (a.expires_at IS NULL OR a.expires_at > ?)",
            [P::I(now)],
        ),
        Some(AwardStatus::Expired) => {
            w.add("a.revoked_at IS NULL AND a.expires_at <= ?", [P::I(now)])
        }
        Some(AwardStatus::Revoked) => w.add("a.revoked_at IS NOT NULL", []),
        None => {}
    }
    if !f.batch.trim().is_empty() {
        w.add("a.batch_id = ?", [P::S(f.batch.trim().to_string())]);
    }
    if w.cond.is_empty() {
        w.add("1 = 1", []);
    }
    Ok((w.cond.join(" AND "), w.params))
}

fn page_of(f: &AwardFilter) -> u32 {
    f.page.trim().parse::<u32>().unwrap_or(1).clamp(1, 100_000)
}

pub async fn list(f: &AwardFilter) -> Result<AwardPage, AppError> {
    let db = state()?.db;
    let now = now_ms();
    let (cond, params) = where_clause(f, &db, now)?;
    let page = page_of(f);
    let offset = (page as i64 - 1) * PER_PAGE as i64;
    let sql = format!(
        "{SELECT} WHERE {cond} ORDER BY a.awarded_at DESC, a.id DESC LIMIT {} OFFSET {offset}",
        PER_PAGE + 1
    );
    let mut rows = fetch_all_as!(&db, AwardRow, &sql, params)?;
    let has_next = rows.len() > PER_PAGE as usize;
    rows.truncate(PER_PAGE as usize);
    let count_sql = format!(
        "SELECT COUNT(*) FROM awards a JOIN medals m ON m.id = a.medal_id \
         JOIN staff s ON s.id = a.staff_id WHERE {cond}"
    );
    let total = fetch_all_as!(&db, (i64,), &count_sql, params)?
        .first()
        .map(|r| r.0)
        .unwrap_or(0);
    Ok(AwardPage {
        items: rows.iter().map(|r| r.item(now)).collect(),
        page,
        per_page: PER_PAGE,
        has_next,
        total,
    })
}

async fn fetch(db: &Db, id: i64) -> Result<AwardRow, AppError> {
    let sql = format!("{SELECT} WHERE a.id = $1");
    with_db!(db, p => sqlx::query_as::<_, AwardRow>(&sql).bind(id).fetch_optional(p).await)
        .map_err(db_err)?
        .ok_or(AppError::NotFound)
}

pub async fn get(id: i64) -> Result<AwardItem, AppError> {
    Ok(fetch(&state()?.db, id).await?.item(now_ms()))
}

pub async fn choices() -> Result<AwardFormChoices, AppError> {
    let db = state()?.db;
    let departments = with_db!(&db, p => sqlx::query_as::<_, (String, i64)>(
        "SELECT department, COUNT(*) FROM staff WHERE active = TRUE AND department <> '' \
         GROUP BY department ORDER BY department").fetch_all(p).await)
    .map_err(db_err)?
    .into_iter()
    .map(|(name, staff)| DepartmentCount { name, staff })
    .collect();
    let admins = with_db!(&db, p => sqlx::query_as::<_, (i64, String)>(
        "SELECT id, username FROM admins ORDER BY username").fetch_all(p).await)
    .map_err(db_err)?
    .into_iter()
    .map(|(id, username)| AdminName { id, username })
    .collect();
    Ok(AwardFormChoices {
        departments,
        admins,
    })
}

// ---------------------------------------------------------------- give

/// One person to award, with their own reason when the CSV gave one.
#[derive(Debug, Clone)]
pub struct Recipient {
    pub staff_id: i64,
    pub reason: Option<String>,
}

/// What one batch asks for.
#[derive(Debug, Clone, Default)]
pub struct Batch {
    pub medal_id: i64,
    /// The form's reason; a recipient's own reason wins.
    pub reason: String,
    pub recipients: Vec<Recipient>,
    /// Leave out people who already hold a non-repeatable medal instead of refusing.
    pub skip_holders: bool,
}

#[derive(sqlx::FromRow)]
struct MedalFacts {
    name: String,
    validity_days: Option<i32>,
    repeatable: bool,
    archived_at: Option<i64>,
}

#[derive(sqlx::FromRow)]
struct Person {
    id: i64,
    name: String,
    active: bool,
}

/// Looks up people by id, `LOOKUP_CHUNK` at a time.
async fn people(db: &Db, ids: &[i64]) -> Result<HashMap<i64, Person>, AppError> {
    let mut out = HashMap::with_capacity(ids.len());
    for chunk in ids.chunks(LOOKUP_CHUNK) {
        let list = chunk
            .iter()
            .map(|i| i.to_string())
            .collect::<Vec<_>>()
            .join(",");
        let sql = format!("SELECT id, name, active FROM staff WHERE id IN ({list})");
        let rows = with_db!(db, p => sqlx::query_as::<_, Person>(&sql).fetch_all(p).await)
            .map_err(db_err)?;
        out.extend(rows.into_iter().map(|r| (r.id, r)));
    }
    Ok(out)
}

fn names_msg(names: &[&str], total: usize, zh: &str, en: &str) -> Msg {
    let more = if total > names.len() { " …" } else { "" };
    Msg::new(
        format!("{zh}（{total} 人）：{}{more}", names.join("、")),
        format!("{en} ({total}): {}{more}", names.join(", ")),
    )
}

/// What a batch wrote: awarded, skipped holders, the award's id when it was one.
type Written = (u64, u64, Option<i64>);

/// Checks and writes a batch. Nothing is written unless everything is right.
pub async fn give(db: &Db, admin: &AdminInfo, batch: Batch) -> Result<AwardOutcome, AppError> {
    let now = now_ms();
    let medal = with_db!(db, p => sqlx::query_as::<_, MedalFacts>(
        "SELECT name, validity_days, repeatable, archived_at FROM medals WHERE id = $1")
        .bind(batch.medal_id).fetch_optional(p).await)
    .map_err(db_err)?
    .ok_or_else(|| {
        bad_filter(
            "medal_id",
            "请选择要颁发的勋章",
            "Choose the medal to award",
        )
    })?;
    if medal.archived_at.is_some() {
        return Err(bad_filter(
            "medal_id",
            "这枚勋章已归档，不能再颁发；请先在勋章页恢复它。",
            "This medal is archived and cannot be awarded; restore it on its page first.",
        ));
    }
    // Reasons: the form's (may be empty when every CSV row has its own).
    let default_reason = match batch.reason.trim() {
        "" => None,
        r => Some(parse_reason(r).map_err(|m| AppError::field("reason", m))?),
    };
    // One award per person per batch: the first mention wins.
    let mut seen = HashSet::new();
    let mut recipients: Vec<(i64, String)> = Vec::with_capacity(batch.recipients.len());
    let mut missing_reason = false;
    for r in batch.recipients {
        if !seen.insert(r.staff_id) {
            continue;
        }
        match r.reason.or_else(|| default_reason.clone()) {
            Some(reason) => recipients.push((r.staff_id, reason)),
            None => missing_reason = true,
        }
    }
    if missing_reason {
        return Err(AppError::field(
            "reason",
            Msg::new("请填写颁发理由", "Reason is required"),
        ));
    }
    if recipients.is_empty() {
        return Err(AppError::field(
            "recipients",
            Msg::new(
                "请至少选择一位获奖人（搜索选人、选择部门或上传名单）。",
                "Choose at least one recipient (pick people, a department, or upload a list).",
            ),
        ));
    }
    let ids: Vec<i64> = recipients.iter().map(|r| r.0).collect();
    let found = people(db, &ids).await?;
    let unknown: Vec<String> = ids
        .iter()
        .filter(|i| !found.contains_key(i))
        .map(|i| format!("#{i}"))
        .collect();
    if !unknown.is_empty() {
        let shown: Vec<&str> = unknown
            .iter()
            .take(NAMES_SHOWN)
            .map(|s| s.as_str())
            .collect();
        return Err(AppError::field(
            "recipients",
            names_msg(
                &shown,
                unknown.len(),
                "找不到这些员工",
                "These people do not exist",
            ),
        ));
    }
    let inactive: Vec<&str> = ids
        .iter()
        .filter_map(|i| found.get(i).filter(|p| !p.active).map(|p| p.name.as_str()))
        .collect();
    if !inactive.is_empty() {
        let total = inactive.len();
        let shown: Vec<&str> = inactive.into_iter().take(NAMES_SHOWN).collect();
        return Err(AppError::field(
            "recipients",
            names_msg(
                &shown,
                total,
                "已停用的员工不能获得勋章",
                "Deactivated staff cannot receive medals",
            ),
        ));
    }

    let expires_at = medal
        .validity_days
        .map(|d| now + i64::from(d) * 24 * 3600 * 1000);
    let batch_id = uuid::Uuid::new_v4().simple().to_string();
    let medal_id = batch.medal_id;
    let skip_holders = batch.skip_holders;
    let admin_id = admin.id;
    let medal_name = medal.name.clone();
    let repeatable = medal.repeatable;
    let audit_after = serde_json::json!({
        "medal": medal.name, "batch_id": batch_id, "recipients": recipients.len(),
        "staff_ids": ids, "reason": default_reason,
    });

    let r: Result<Result<Written, AppError>, sqlx::Error> = with_db!(db, p => async {
        let mut tx = p.begin().await?;
        // Lock the medal: batches of one medal go one at a time (PostgreSQL row lock; on SQLite
        // this takes the database's write lock up front).
        sqlx::query("UPDATE medals SET updated_at = updated_at WHERE id = $1")
            .bind(medal_id).execute(&mut *tx).await?;
        let mut to_give = recipients;
        let mut skipped = 0u64;
        if !repeatable {
            let holders: HashSet<i64> = sqlx::query_scalar::<_, i64>(
                "SELECT staff_id FROM awards WHERE medal_id = $1 AND revoked_at IS NULL \
                 AND (expires_at IS NULL OR expires_at > $2)")
                .bind(medal_id).bind(now).fetch_all(&mut *tx).await?.into_iter().collect();
            let held: Vec<i64> = to_give.iter().map(|r| r.0).filter(|i| holders.contains(i)).collect();
            if !held.is_empty() {
                if !skip_holders {
                    let names: Vec<String> = held.iter().take(NAMES_SHOWN)
                        .map(|i| found[i].name.clone()).collect();
                    let mut m = msg_who_has(&names, held.len());
                    m = Msg::new(
                        format!("{}。可以勾选「跳过已获得者」后再提交。", m.zh),
                        format!("{}. Tick “skip people who already have it” to award the others.", m.en),
                    );
                    return Ok(Err(AppError::field("recipients", m)));
                }
                skipped = held.len() as u64;
                to_give.retain(|r| !holders.contains(&r.0));
                if to_give.is_empty() {
                    return Ok(Err(AppError::field("recipients", Msg::new(
                        "所选的人都已经有这枚勋章了，没有颁发。",
                        "Everyone chosen already has this medal; nothing was awarded.",
                    ))));
                }
            }
        }
        for chunk in to_give.chunks(INSERT_CHUNK) {
            let mut sql = String::from(
                "INSERT INTO awards (medal_id, staff_id, reason, awarded_by_admin, awarded_at, \
                 expires_at, public_token, batch_id) VALUES ");
            for i in 0..chunk.len() {
                let b = i * 8;
                if i > 0 { sql.push(','); }
                sql.push_str(&format!("(${},${},${},${},${},${},${},${})",
                    b + 1, b + 2, b + 3, b + 4, b + 5, b + 6, b + 7, b + 8));
            }
            let mut q = sqlx::query(&sql);
            for (staff_id, reason) in chunk {
                q = q.bind(medal_id).bind(*staff_id).bind(reason.as_str()).bind(admin_id)
                    .bind(now).bind(expires_at).bind(public_token()).bind(batch_id.as_str());
            }
            q.execute(&mut *tx).await?;
        }
        let single = if to_give.len() == 1 {
            sqlx::query_scalar::<_, i64>("SELECT id FROM awards WHERE batch_id = $1")
                .bind(&batch_id).fetch_optional(&mut *tx).await?
        } else {
            None
        };
        let mut after = audit_after;
        after["awarded"] = serde_json::json!(to_give.len());
        after["skipped_holders"] = serde_json::json!(skipped);
        sqlx::query(super::audit::INSERT)
            .bind(Some(admin_id)).bind(&admin.username).bind("award.give").bind("medal")
            .bind(Some(medal_id.to_string())).bind(None::<String>).bind(Some(after.to_string()))
            .bind(now).execute(&mut *tx).await?;
        tx.commit().await?;
        Ok(Ok((to_give.len() as u64, skipped, single)))
    }.await);
    let (awarded, skipped_holders, single_id) = r.map_err(db_err)??;
    tracing::info!(medal = %medal_name, awarded, skipped_holders, %batch_id, "medal awarded");
    Ok(AwardOutcome {
        batch_id,
        awarded,
        skipped_holders,
        single_id,
    })
}

/// An unguessable token for the public page: 128 random bits, URL-safe base64 (22 characters).
pub(crate) fn public_token() -> String {
    use base64::Engine;
    let bytes: [u8; 16] = rand::random();
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes)
}

// ---------------------------------------------------------------- give: the web form

/// The award form as posted.
#[derive(Default)]
struct Posted {
    values: BTreeMap<String, String>,
    staff: Vec<String>,
    departments: Vec<String>,
    file: Option<Vec<u8>>,
}

fn bad(e: impl std::fmt::Display) -> AppError {
    AppError::Malformed(e.to_string())
}

async fn read_form(data: MultipartData) -> Result<Posted, AppError> {
    let mut mp = data
        .into_inner()
        .ok_or_else(|| internal("multipart data missing"))?;
    let mut posted = Posted::default();
    while let Some(mut field) = mp.next_field().await.map_err(bad)? {
        let name = field.name().unwrap_or_default().to_string();
        if name == "file" {
            let mut buf = Vec::new();
            while let Some(chunk) = field.chunk().await.map_err(bad)? {
                buf.extend_from_slice(&chunk);
                if buf.len() > MAX_CSV_BYTES {
                    return Err(AppError::field(
                        "file",
                        Msg::new(
                            "名单文件太大（最多 3 MB）。",
                            "The list is too big (3 MB at most).",
                        ),
                    ));
                }
            }
            if !buf.is_empty() {
                posted.file = Some(buf);
            }
            continue;
        }
        let text = field.text().await.map_err(bad)?;
        if text.len() > 64 * 1024 {
            return Err(AppError::Malformed(format!("field {name} too long")));
        }
        match name.as_str() {
            "staff" => posted.staff.push(text),
            "department" => posted.departments.push(text),
            _ => {
                posted.values.insert(name, text);
            }
        }
    }
    Ok(posted)
}

/// The web form: checks the role, turns people, departments and the CSV into recipients and
/// gives the medal. On a plain post the typed values go back through the flash.
pub async fn give_from_form(data: MultipartData) -> Result<AwardOutcome, AppError> {
    let r = async {
        let admin = require(Role::Awarder).await?;
        let db = state()?.db;
        let posted = read_form(data).await?;
        let r = give_posted(&db, &admin, &posted).await;
        Ok::<_, AppError>((posted, r))
    }
    .await;
    let (values, r) = match r {
        Ok((posted, r)) => {
            let mut values = posted.values.clone();
            values.insert("staff".into(), posted.staff.join(","));
            values.insert("department".into(), posted.departments.join("\n"));
            (values, r)
        }
        Err(e) => (BTreeMap::new(), Err(e)),
    };
    let share_after = values.get("share_after").is_some_and(|v| !v.is_empty());
    let r = match r {
        Ok(o) => {
            let share = if share_after {
                share_url(&state()?.db, &o.batch_id).await?
            } else {
                None
            };
            leptos_axum::redirect(&share.unwrap_or_else(|| after_award_url(&o)));
            Ok(o)
        }
        Err(e) => Err(e),
    };
    super::flash::finish("award", values, r).await
}

/// Where the browser goes after awarding: the one award, or the batch.
pub fn after_award_url(o: &AwardOutcome) -> String {
    if let Some(id) = o.single_id {
        format!("/awards/{id}?given=1")
    } else {
        format!("/awards?batch={}&given={}", o.batch_id, o.awarded)
    }
}

/// The share form for a batch, when it is small enough to share in one go.
pub async fn share_url(db: &Db, batch_id: &str) -> Result<Option<String>, AppError> {
    let ids = with_db!(db, p => sqlx::query_scalar::<_, i64>(
        "SELECT id FROM awards WHERE batch_id = $1 ORDER BY id LIMIT $2")
        .bind(batch_id).bind(super::shares::MAX_AWARDS as i64 + 1).fetch_all(p).await)
    .map_err(db_err)?;
    Ok((ids.len() <= super::shares::MAX_AWARDS).then(|| {
        let list = ids
            .iter()
            .map(|i| i.to_string())
            .collect::<Vec<_>>()
            .join(",");
        format!("/shares/new?awards={list}")
    }))
}

async fn give_posted(
    db: &Db,
    admin: &AdminInfo,
    posted: &Posted,
) -> Result<AwardOutcome, AppError> {
    let v = |k: &str| posted.values.get(k).map(|s| s.trim()).unwrap_or("");
    let medal_id = v("medal_id").parse::<i64>().map_err(|_| {
        bad_filter(
            "medal_id",
            "请选择要颁发的勋章",
            "Choose the medal to award",
        )
    })?;
    let mut recipients = Vec::new();
    for s in &posted.staff {
        for part in s.split(',').map(str::trim).filter(|p| !p.is_empty()) {
            let id = part.parse::<i64>().map_err(bad)?;
            recipients.push(Recipient {
                staff_id: id,
                reason: None,
            });
        }
    }
    for d in posted
        .departments
        .iter()
        .map(|d| d.trim())
        .filter(|d| !d.is_empty())
    {
        let ids = with_db!(db, p => sqlx::query_scalar::<_, i64>(
            "SELECT id FROM staff WHERE active = TRUE AND department = $1 ORDER BY id")
            .bind(d).fetch_all(p).await)
        .map_err(db_err)?;
        if ids.is_empty() {
            return Err(AppError::field(
                "department",
                Msg::new(
                    format!("部门「{d}」没有在职员工。"),
                    format!("Department “{d}” has no active staff."),
                ),
            ));
        }
        recipients.extend(ids.into_iter().map(|staff_id| Recipient {
            staff_id,
            reason: None,
        }));
    }
    if let Some(bytes) = &posted.file {
        let has_default = !v("reason").is_empty();
        recipients.extend(recipients_from_csv(db, bytes, has_default).await?);
    }
    give(
        db,
        admin,
        Batch {
            medal_id,
            reason: v("reason").to_string(),
            recipients,
            skip_holders: !v("skip_holders").is_empty(),
        },
    )
    .await
}

// ---------------------------------------------------------------- give: recipients CSV

/// One data row of a recipients CSV.
#[derive(Debug, Default, Clone, PartialEq)]
pub struct CsvRow {
    pub line: u64,
    pub name: String,
    pub mobile: String,
    pub external_id: String,
    pub user_id: String,
    pub reason: String,
}

/// Parses a recipients CSV (decoded like the staff import: UTF-8 with or without BOM, or GBK).
/// Fails as a whole when the header names no way to find people.
pub fn parse_recipients(text: &str) -> Result<Vec<CsvRow>, AppError> {
    let file_err = |zh: &str, en: &str| AppError::field("file", Msg::new(zh, en));
    let mut rdr = csv::ReaderBuilder::new()
        .flexible(true)
        .from_reader(text.as_bytes());
    let headers = rdr
        .headers()
        .map_err(|_| file_err("无法读取名单的表头。", "The list's header cannot be read."))?
        .clone();
    let cols: Vec<Option<RecipientColumn>> =
        headers.iter().map(RecipientColumn::from_header).collect();
    let has = |c: Column| cols.contains(&Some(RecipientColumn::Staff(c)));
    if !(has(Column::ExternalId) || has(Column::Mobile) || has(Column::UserId)) {
        return Err(file_err(
            "名单第 1 行须是表头，并有「工号」「手机号」或「钉钉ID」中的一列；可选「姓名」「理由」。",
            "Line 1 must be a header with an “external_id”, “mobile” or “userId” column; “name” and “reason” are optional.",
        ));
    }
    let mut rows = Vec::new();
    for rec in rdr.records() {
        let rec = match rec {
            Ok(r) => r,
            Err(e) => {
                rows.push(CsvRow {
                    line: e.position().map(|p| p.line()).unwrap_or(0),
                    name: "\u{0}bad".into(),
                    ..CsvRow::default()
                });
                continue;
            }
        };
        if rec.iter().all(|c| c.trim().is_empty()) {
            continue;
        }
        let mut row = CsvRow {
            line: rec.position().map(|p| p.line()).unwrap_or(0),
            ..CsvRow::default()
        };
        for (i, c) in cols.iter().enumerate() {
            let v = rec.get(i).unwrap_or("").trim().to_string();
            match c {
                Some(RecipientColumn::Staff(Column::Name)) => row.name = v,
                Some(RecipientColumn::Staff(Column::Mobile)) => row.mobile = v,
                Some(RecipientColumn::Staff(Column::ExternalId)) => row.external_id = v,
                Some(RecipientColumn::Staff(Column::UserId)) => row.user_id = v,
                Some(RecipientColumn::Reason) => row.reason = v,
                Some(RecipientColumn::Staff(Column::Department)) | None => {}
            }
        }
        rows.push(row);
    }
    Ok(rows)
}

#[derive(sqlx::FromRow)]
struct Keyed {
    id: i64,
    name: String,
    active: bool,
    mobile: Option<String>,
    external_id: Option<String>,
    dingtalk_user_id: Option<String>,
}

/// Staff whose `column` is one of `keys`.
async fn staff_by(db: &Db, column: &str, keys: &[String]) -> Result<Vec<Keyed>, AppError> {
    let mut out = Vec::new();
    for chunk in keys.chunks(LOOKUP_CHUNK) {
        let marks = (1..=chunk.len())
            .map(|i| format!("${i}"))
            .collect::<Vec<_>>()
            .join(",");
        let sql = format!(
            "SELECT id, name, active, mobile, external_id, dingtalk_user_id FROM staff \
             WHERE {column} IN ({marks})"
        );
        let rows = with_db!(db, p => {
            let mut q = sqlx::query_as::<_, Keyed>(&sql);
            for k in chunk { q = q.bind(k.as_str()); }
            q.fetch_all(p).await
        })
        .map_err(db_err)?;
        out.extend(rows);
    }
    Ok(out)
}

/// Resolves the CSV's rows to people. Any row that cannot be used fails the whole list, each
/// such row named by its line number, so nothing is given to half a list.
async fn recipients_from_csv(
    db: &Db,
    bytes: &[u8],
    has_default_reason: bool,
) -> Result<Vec<Recipient>, AppError> {
    let (text, _) = super::staff::decode(bytes);
    let rows = parse_recipients(&text)?;
    let mut ext = Vec::new();
    let mut mob = Vec::new();
    let mut uid = Vec::new();
    for r in &rows {
        if !r.external_id.is_empty() {
            ext.push(r.external_id.clone());
        } else if let Ok(m) = Mobile::parse(&r.mobile) {
            mob.push(m.as_str().to_string());
        } else if !r.user_id.is_empty() {
            uid.push(r.user_id.clone());
        }
    }
    let by_ext: HashMap<String, Keyed> = staff_by(db, "external_id", &ext)
        .await?
        .into_iter()
        .filter_map(|k| Some((k.external_id.clone()?, k)))
        .collect();
    let by_mob: HashMap<String, Keyed> = staff_by(db, "mobile", &mob)
        .await?
        .into_iter()
        .filter_map(|k| Some((k.mobile.clone()?, k)))
        .collect();
    let by_uid: HashMap<String, Keyed> = staff_by(db, "dingtalk_user_id", &uid)
        .await?
        .into_iter()
        .filter_map(|k| Some((k.dingtalk_user_id.clone()?, k)))
        .collect();

    let mut errors: Vec<Msg> = Vec::new();
    let mut out = Vec::new();
    let mut first_line: HashMap<i64, u64> = HashMap::new();
    for r in &rows {
        let line = r.line;
        let err = |zh: String, en: String| {
            Msg::new(format!("第 {line} 行：{zh}"), format!("Line {line}: {en}"))
        };
        if r.name == "\u{0}bad" {
            errors.push(err(
                "无法按 CSV 读取（引号不配对？）".into(),
                "not valid CSV (unbalanced quotes?)".into(),
            ));
            continue;
        }
        let found = if !r.external_id.is_empty() {
            by_ext.get(&r.external_id).ok_or_else(|| {
                err(
                    format!("找不到工号为 {} 的员工", r.external_id),
                    format!("nobody has external id {}", r.external_id),
                )
            })
        } else if !r.mobile.is_empty() {
            match Mobile::parse(&r.mobile) {
                Ok(m) => by_mob.get(m.as_str()).ok_or_else(|| {
                    err(
                        format!("找不到手机号为 {} 的员工", r.mobile),
                        format!("nobody has mobile {}", r.mobile),
                    )
                }),
                Err(m) => Err(err(m.zh.to_string(), m.en.to_string())),
            }
        } else if !r.user_id.is_empty() {
            by_uid.get(&r.user_id).ok_or_else(|| {
                err(
                    format!("找不到钉钉ID为 {} 的员工", r.user_id),
                    format!("nobody has DingTalk userId {}", r.user_id),
                )
            })
        } else {
            Err(err(
                "没有工号、手机号或钉钉ID".into(),
                "no external id, mobile or userId".into(),
            ))
        };
        let person = match found {
            Ok(p) => p,
            Err(m) => {
                errors.push(m);
                continue;
            }
        };
        if !person.active {
            errors.push(err(
                format!("{} 已停用", person.name),
                format!("{} is deactivated", person.name),
            ));
            continue;
        }
        if !r.name.is_empty() && r.name != person.name {
            errors.push(err(
                format!("姓名「{}」与员工档案中的「{}」不一致", r.name, person.name),
                format!(
                    "name “{}” does not match the directory's “{}”",
                    r.name, person.name
                ),
            ));
            continue;
        }
        if let Some(prev) = first_line.get(&person.id) {
            errors.push(err(
                format!("与第 {prev} 行是同一人（{}）", person.name),
                format!("same person as line {prev} ({})", person.name),
            ));
            continue;
        }
        let reason = if r.reason.is_empty() {
            None
        } else {
            match parse_reason(&r.reason) {
                Ok(s) => Some(s),
                Err(m) => {
                    errors.push(err(m.zh.to_string(), m.en.to_string()));
                    continue;
                }
            }
        };
        if reason.is_none() && !has_default_reason {
            errors.push(err(
                "没有理由（可在表单中填写统一的理由）".into(),
                "no reason (or fill in one reason on the form for all)".into(),
            ));
            continue;
        }
        first_line.insert(person.id, line);
        out.push(Recipient {
            staff_id: person.id,
            reason,
        });
    }
    if !errors.is_empty() {
        let total = errors.len();
        errors.truncate(200);
        if total > 200 {
            errors.push(Msg::new(
                format!("……共 {total} 行有错误，只列出前 200 行。"),
                format!("… {total} rows have errors; the first 200 are listed."),
            ));
        }
        errors.insert(
            0,
            Msg::new(
                "名单中有错误，没有颁发任何勋章。请修改以下各行后重新上传：",
                "The list has errors; nothing was awarded. Fix these lines and upload it again:",
            ),
        );
        return Err(AppError::Validation(BTreeMap::from([(
            "file".to_string(),
            errors,
        )])));
    }
    if out.is_empty() {
        return Err(AppError::field(
            "file",
            Msg::new("名单里没有人。", "The list has nobody in it."),
        ));
    }
    Ok(out)
}

// ---------------------------------------------------------------- revoke

pub async fn revoke(id: i64, reason: &str) -> Result<(), AppError> {
    let admin = require(Role::Awarder).await?;
    let db = state()?.db;
    let reason = parse_reason(reason).map_err(|m| AppError::field("reason", m))?;
    let before = fetch(&db, id).await?;
    if before.revoked_at.is_some() {
        return Err(AppError::Conflict(Msg::new(
            "这个勋章已经撤销过了。",
            "This award was already revoked.",
        )));
    }
    let now = now_ms();
    let n = with_db!(&db, p => sqlx::query(
        "UPDATE awards SET revoked_at = $1, revoked_by = $2, revoke_reason = $3 \
         WHERE id = $4 AND revoked_at IS NULL")
        .bind(now).bind(admin.id).bind(&reason).bind(id).execute(p).await.map(|r| r.rows_affected()))
    .map_err(db_err)?;
    if n == 0 {
        return Err(AppError::Conflict(Msg::new(
            "这个勋章已经撤销过了。",
            "This award was already revoked.",
        )));
    }
    super::audit::audit(
        &db,
        &admin,
        "award.revoke",
        "award",
        id,
        Some(serde_json::json!({
            "medal": before.medal_name, "staff_id": before.staff_id, "staff": before.staff_name,
        })),
        Some(serde_json::json!({ "revoke_reason": reason })),
    )
    .await
}

// ---------------------------------------------------------------- wall, public page

pub async fn wall(staff_id: i64) -> Result<WallData, AppError> {
    let db = state()?.db;
    let now = now_ms();
    let sql = format!("{SELECT} WHERE a.staff_id = $1 ORDER BY a.awarded_at DESC, a.id DESC");
    let rows =
        with_db!(&db, p => sqlx::query_as::<_, AwardRow>(&sql).bind(staff_id).fetch_all(p).await)
            .map_err(db_err)?;
    let (current, past): (Vec<AwardItem>, Vec<AwardItem>) = rows
        .iter()
        .map(|r| r.item(now))
        .partition(|a| a.status == AwardStatus::Active);
    let tiers = [Tier::Gold, Tier::Silver, Tier::Bronze, Tier::None]
        .into_iter()
        .map(|t| (t, current.iter().filter(|a| a.tier == t).count() as i64))
        .collect();
    Ok(WallData {
        current,
        past,
        tiers,
    })
}

/// The organisation's name as the settings page keeps it (default: the app's name).
pub async fn organisation(db: &Db) -> Result<String, AppError> {
    let name = super::settings::org_name(db).await?;
    Ok(if name.trim().is_empty() {
        "勋章馆 Medal Hall".into()
    } else {
        name
    })
}

/// The public URL people use to reach the app (settings, else configuration), no trailing `/`.
pub async fn public_base(db: &Db, config: &super::Config) -> Result<String, AppError> {
    super::settings::public_base_url(db, config).await
}

pub async fn public(token: &str) -> Result<PublicAwardView, AppError> {
    let st = state()?;
    let token = token.trim();
    if token.is_empty() || token.len() > 64 {
        return Err(AppError::NotFound);
    }
    let sql = format!("{SELECT} WHERE a.public_token = $1");
    let row = with_db!(&st.db, p => sqlx::query_as::<_, AwardRow>(&sql).bind(token).fetch_optional(p).await)
        .map_err(db_err)?
        .ok_or(AppError::NotFound)?;
    let description = with_db!(&st.db, p => sqlx::query_scalar::<_, String>(
        "SELECT description FROM medals WHERE id = $1").bind(row.medal_id).fetch_one(p).await)
    .map_err(db_err)?;
    let base = public_base(&st.db, &st.config).await?;
    let item = row.item(now_ms());
    Ok(PublicAwardView {
        medal_name: item.medal_name,
        medal_description: description,
        tier: item.tier,
        icon_url: format!("{base}{}", item.icon_url),
        recipient: item.staff_name,
        department: item.department,
        reason: item.reason,
        awarded_at: item.awarded_at,
        expires_at: item.expires_at,
        status: item.status,
        revoked_at: item.revoked_at,
        organisation: organisation(&st.db).await?,
        url: format!("{base}/a/{}", item.public_token),
    })
}

// ---------------------------------------------------------------- leaderboard, stats

/// The first instant of the period that contains `now`, in UTC milliseconds (China time).
pub fn period_start(period: Period, now: i64) -> Option<i64> {
    let t = china().timestamp_millis_opt(now).single()?;
    let month = match period {
        Period::All => return None,
        Period::Month => t.month(),
        Period::Quarter => (t.month() - 1) / 3 * 3 + 1,
    };
    china()
        .with_ymd_and_hms(t.year(), month, 1, 0, 0, 0)
        .single()
        .map(|d| d.timestamp_millis())
}

pub async fn leaderboard(period: Period) -> Result<Vec<LeaderRow>, AppError> {
    let db = state()?.db;
    let since = period_start(period, now_ms()).unwrap_or(i64::MIN);
    let rows = with_db!(&db, p => sqlx::query_as::<_, (i64, String, String, i64, i64, i64, i64)>(
        "SELECT s.id, s.name, s.department, COUNT(*) AS n, \
         SUM(CASE WHEN m.tier = 'gold' THEN 1 ELSE 0 END), \
         SUM(CASE WHEN m.tier = 'silver' THEN 1 ELSE 0 END), \
         SUM(CASE WHEN m.tier = 'bronze' THEN 1 ELSE 0 END) \
         FROM awards a JOIN staff s ON s.id = a.staff_id JOIN medals m ON m.id = a.medal_id \
         WHERE a.revoked_at IS NULL AND a.awarded_at >= $1 \
         GROUP BY s.id, s.name, s.department \
         ORDER BY n DESC, 5 DESC, 6 DESC, 7 DESC, s.name LIMIT 50")
        .bind(since).fetch_all(p).await)
    .map_err(db_err)?;
    // Equal counts share a rank (1, 2, 2, 4…).
    let mut out: Vec<LeaderRow> = Vec::with_capacity(rows.len());
    for (i, (staff_id, name, department, awards, gold, silver, bronze)) in
        rows.into_iter().enumerate()
    {
        let rank = match out.last() {
            Some(prev)
                if prev.awards == awards
                    && (prev.gold, prev.silver, prev.bronze) == (gold, silver, bronze) =>
            {
                prev.rank
            }
            _ => i as u32 + 1,
        };
        out.push(LeaderRow {
            rank,
            staff_id,
            name,
            department,
            awards,
            gold,
            silver,
            bronze,
        });
    }
    Ok(out)
}

/// The first day of each of the last `n` months up to and including `now`'s, China time.
fn month_starts(now: i64, n: u32) -> Vec<(String, i64)> {
    let Some(t) = china().timestamp_millis_opt(now).single() else {
        return Vec::new();
    };
    let mut y = t.year();
    let mut m = t.month();
    let mut out = Vec::new();
    for _ in 0..n {
        if let Some(d) = china().with_ymd_and_hms(y, m, 1, 0, 0, 0).single() {
            out.push((format!("{y}-{m:02}"), d.timestamp_millis()));
        }
        if m == 1 {
            m = 12;
            y -= 1;
        } else {
            m -= 1;
        }
    }
    out.reverse();
    out
}

pub async fn stats() -> Result<AwardFigures, AppError> {
    let db = state()?.db;
    let now = now_ms();
    let months = month_starts(now, 12);
    // One pass over the last year's awards (the awarded_at index), a count per month.
    let bounds: Vec<i64> = months.iter().map(|m| m.1).chain([i64::MAX]).collect();
    let counts = (0..months.len())
        .map(|i| {
            format!(
                "COUNT(CASE WHEN awarded_at >= ${} AND awarded_at < ${} THEN 1 END)",
                i + 1,
                i + 2
            )
        })
        .collect::<Vec<_>>()
        .join(", ");
    let sql = format!("SELECT {counts} FROM awards WHERE revoked_at IS NULL AND awarded_at >= $1");
    let per_month: Vec<MonthCount> = with_db!(&db, p => {
        let mut q = sqlx::query(&sql);
        for b in &bounds { q = q.bind(*b); }
        q.fetch_one(p).await.and_then(|row| {
            use sqlx::Row;
            (0..months.len()).map(|i| row.try_get::<i64, _>(i)).collect::<Result<Vec<_>, _>>()
        })
    })
    .map_err(db_err)?
    .into_iter()
    .zip(&months)
    .map(|(awards, (month, _))| MonthCount {
        month: month.clone(),
        awards,
    })
    .collect();
    let awards_this_month = per_month.last().map(|m| m.awards).unwrap_or(0);
    let people_awarded = with_db!(&db, p => sqlx::query_scalar::<_, i64>(
        "SELECT COUNT(DISTINCT staff_id) FROM awards WHERE revoked_at IS NULL").fetch_one(p).await)
    .map_err(db_err)?;
    let top = with_db!(&db, p => sqlx::query_as::<_, (i64, i64)>(
        "SELECT medal_id, COUNT(*) AS n FROM awards WHERE revoked_at IS NULL \
         GROUP BY medal_id ORDER BY n DESC, medal_id LIMIT 5").fetch_all(p).await)
    .map_err(db_err)?;
    let ids: Vec<i64> = top.iter().map(|t| t.0).collect();
    let medals = super::medals::summaries(&db, &ids).await?;
    let top_medals = top
        .into_iter()
        .filter_map(|(id, awards)| {
            let medal = medals.iter().find(|m| m.id == id)?.clone();
            Some(TopMedal { medal, awards })
        })
        .collect();
    let sql = format!("{SELECT} ORDER BY a.awarded_at DESC, a.id DESC LIMIT 8");
    let recent = with_db!(&db, p => sqlx::query_as::<_, AwardRow>(&sql).fetch_all(p).await)
        .map_err(db_err)?
        .iter()
        .map(|r| r.item(now))
        .collect();
    Ok(AwardFigures {
        awards_this_month,
        people_awarded,
        per_month,
        top_medals,
        recent,
    })
}

// ---------------------------------------------------------------- export

/// The filtered awards as CSV (UTF-8 with BOM), newest first, all pages.
pub async fn export(db: &Db, f: &AwardFilter, lang: Lang, base: &str) -> Result<Vec<u8>, AppError> {
    let now = now_ms();
    let (cond, params) = where_clause(f, db, now)?;
    let sql = format!("{SELECT} WHERE {cond} ORDER BY a.awarded_at DESC, a.id DESC");
    let rows = fetch_all_as!(db, AwardRow, &sql, params)?;
    let mut w = super::csv_out::CsvExport::default();
    w.row([
        lang.t("勋章", "Medal"),
        lang.t("等级", "Tier"),
        lang.t("姓名", "Name"),
        lang.t("部门", "Department"),
        lang.t("理由", "Reason"),
        lang.t("颁发时间", "Awarded at"),
        lang.t("到期时间", "Expires at"),
        lang.t("颁发人", "Awarded by"),
        lang.t("状态", "Status"),
        lang.t("撤销理由", "Revoke reason"),
        lang.t("公开链接", "Public link"),
    ])?;
    for r in &rows {
        let a = r.item(now);
        w.row([
            a.medal_name.as_str(),
            a.tier.label(lang),
            a.staff_name.as_str(),
            a.department.as_str(),
            a.reason.as_str(),
            &crate::components::fmt_time(a.awarded_at),
            &a.expires_at
                .map(crate::components::fmt_time)
                .unwrap_or_default(),
            a.awarded_by.as_str(),
            a.status.label(lang),
            a.revoke_reason.as_deref().unwrap_or(""),
            &format!("{base}/a/{}", a.public_token),
        ])?;
    }
    w.finish()
}

/// `GET /awards/export.csv?<filter>`: viewers and up.
pub async fn export_csv(
    State(st): State<AppState>,
    session: Session,
    headers: axum::http::HeaderMap,
    Query(f): Query<AwardFilter>,
) -> Response {
    let lang = crate::i18n::lang_from_headers(&headers);
    let r = async {
        require_session(&st.db, &session, Role::Viewer).await?;
        let base = public_base(&st.db, &st.config).await?;
        export(&st.db, &f, lang, &base).await
    }
    .await;
    super::csv_download(r, "awards.csv", "/awards", lang)
}
