//! The staff directory: list with search and paging, read, create, edit, deactivate and
//! reactivate; CSV import (preview, then confirm) and CSV export.
//!
//! ## Import
//!
//! A file is decoded (valid UTF-8, with or without BOM, is UTF-8; anything else is read as
//! GB18030, a superset of GBK), parsed with the `csv` crate (headers in Chinese or English, see
//! [`Column::from_header`]), and every row validated with [`StaffDraft::validate`]. A row must
//! carry an external id (工号) or a mobile number: those are the keys the upsert matches on —
//! first the external id, else the mobile. Rows with problems are reported by the file's line
//! number (the header is line 1) and left out; the valid rows are written in one transaction.
//!
//! Between preview and confirm the **decoded file is kept in the database** (`staff_imports`,
//! keyed by a random token), and only the token is kept in the admin's session: sessions are
//! loaded on every request, so a file of a few MB does not belong in them, and re-posting the
//! file in a hidden field would send it through the browser twice. Confirming parses and
//! classifies the kept file again against the staff table as it is then, so the result is
//! exactly what a fresh preview would show. Kept files are deleted when confirmed or cancelled,
//! and any older than a day when the next file is uploaded.

use std::collections::{BTreeMap, HashMap, HashSet};

use axum::extract::{Query, State};
use axum::response::Response;
use leptos::server_fn::codec::MultipartData;
use medal_core::staff::{Column, ValidStaff};
use medal_core::{Msg, Role, StaffDraft};
use tower_sessions::Session;

use super::audit::{audit, record};
use super::auth::{require, require_session, session};
use super::db::escape_like;
use super::{db_err, internal, now_ms, state, AppState, Db};
use crate::api::{
    AdminInfo, ImportOutcome, ImportPreview, ImportRowError, StaffDetail, StaffFilter, StaffPage,
    StaffSummary,
};
use crate::error::AppError;
use crate::with_db;

pub const PER_PAGE: u32 = 50;
/// The largest import file the web form takes (the request body limit is 4 MB); the CLI has none.
pub const MAX_IMPORT_BYTES: usize = 4 * 1024 * 1024 - 64 * 1024;
const SESSION_IMPORT: &str = "staff_import_token";
const KEEP_IMPORT_MS: i64 = 24 * 3600 * 1000;

#[derive(sqlx::FromRow, Clone, Debug)]
struct StaffRow {
    id: i64,
    name: String,
    mobile: Option<String>,
    dingtalk_user_id: Option<String>,
    department: String,
    external_id: Option<String>,
    active: bool,
    created_at: i64,
    updated_at: i64,
    userid_lookup_at: Option<i64>,
    userid_lookup_error: Option<String>,
}

const SELECT: &str = "SELECT id, name, mobile, dingtalk_user_id, department, external_id, active, \
     created_at, updated_at, userid_lookup_at, userid_lookup_error FROM staff";

impl StaffRow {
    fn summary(&self) -> StaffSummary {
        StaffSummary {
            id: self.id,
            name: self.name.clone(),
            mobile: self.mobile.clone(),
            department: self.department.clone(),
            external_id: self.external_id.clone(),
            active: self.active,
        }
    }
    fn detail(&self) -> StaffDetail {
        StaffDetail {
            id: self.id,
            name: self.name.clone(),
            mobile: self.mobile.clone(),
            dingtalk_user_id: self.dingtalk_user_id.clone(),
            department: self.department.clone(),
            external_id: self.external_id.clone(),
            active: self.active,
            created_at: self.created_at,
            updated_at: self.updated_at,
            userid_lookup_at: self.userid_lookup_at,
            userid_lookup_error: self
                .userid_lookup_error
                .as_deref()
                .and_then(|j| serde_json::from_str(j).ok()),
        }
    }
    fn snapshot(&self) -> serde_json::Value {
        serde_json::json!({
            "name": self.name, "mobile": self.mobile, "dingtalk_user_id": self.dingtalk_user_id,
            "department": self.department, "external_id": self.external_id, "active": self.active,
        })
    }
}

fn snapshot(s: &ValidStaff) -> serde_json::Value {
    serde_json::json!({
        "name": s.name.as_str(), "mobile": s.mobile.as_ref().map(|m| m.as_str()),
        "dingtalk_user_id": s.dingtalk_user_id, "department": s.department,
        "external_id": s.external_id,
    })
}

// ---------------------------------------------------------------- list, read

/// The WHERE clause of a filter and its three bound values: a substring pattern for name and
/// department, a prefix pattern for the mobile (spaces, dashes and +86 dropped), a prefix pattern
/// for the external id. With an empty query the first is `''` and nothing is filtered.
///
/// Matching ignores ASCII case. SQLite's LIKE already does; on PostgreSQL the columns are
/// lowered only when the query has ASCII letters (lowering every row costs more than the
/// matching itself, and Chinese text and digits have no case).
fn where_clause(f: &StaffFilter, backend: &str) -> (String, [String; 3]) {
    let status = match f.status.as_str() {
        "inactive" => "active = FALSE",
        "all" => "1 = 1",
        _ => "active = TRUE",
    };
    let q = f.q.trim().to_lowercase();
    let digits: String = q.chars().filter(|c| !matches!(c, ' ' | '-')).collect();
    let digits = digits.strip_prefix("+86").unwrap_or(&digits).to_string();
    let binds = if q.is_empty() {
        [String::new(), String::new(), String::new()]
    } else {
        [
            format!("%{}%", escape_like(&q)),
            format!("{}%", escape_like(&digits)),
            format!("{}%", escape_like(&q)),
        ]
    };
    let lower = backend == "postgres" && q.chars().any(|c| c.is_ascii_alphabetic());
    let col = |c: &str| {
        if lower {
            format!("LOWER({c})")
        } else {
            c.to_string()
        }
    };
    (
        format!(
            "{status} AND ($1 = '' OR {} LIKE $1 ESCAPE '\\' OR {} LIKE $1 ESCAPE '\\' \
             OR mobile LIKE $2 ESCAPE '\\' OR {} LIKE $3 ESCAPE '\\')",
            col("name"),
            col("department"),
            col("external_id"),
        ),
        binds,
    )
}

/// One page of the filtered list, ordered by name (then id), with LIMIT/OFFSET. The page's ids
/// are picked first from the `staff_list` / `staff_list_all` indexes, which hold every column
/// the filter reads (so SQLite never touches the table while it searches), then their rows are
/// read. One row more than a page is fetched to know whether another page follows.
pub async fn list(f: &StaffFilter) -> Result<StaffPage, AppError> {
    let st = state()?;
    let page = f.page.trim().parse::<u32>().unwrap_or(1).clamp(1, 100_000);
    let (cond, [a, b, c]) = where_clause(f, st.db.backend());
    let sql = format!(
        "{SELECT} WHERE id IN (SELECT id FROM staff WHERE {cond} ORDER BY name, id LIMIT $4 OFFSET $5) \
         ORDER BY name, id"
    );
    let offset = i64::from(page - 1) * i64::from(PER_PAGE);
    let mut rows = with_db!(&st.db, p => sqlx::query_as::<_, StaffRow>(&sql)
        .bind(&a).bind(&b).bind(&c).bind(i64::from(PER_PAGE) + 1).bind(offset).fetch_all(p).await)
    .map_err(db_err)?;
    let has_next = rows.len() > PER_PAGE as usize;
    rows.truncate(PER_PAGE as usize);
    Ok(StaffPage {
        items: rows.iter().map(StaffRow::summary).collect(),
        page,
        per_page: PER_PAGE,
        has_next,
    })
}

async fn fetch(db: &Db, id: i64) -> Result<StaffRow, AppError> {
    let sql = format!("{SELECT} WHERE id = $1");
    with_db!(db, p => sqlx::query_as::<_, StaffRow>(&sql).bind(id).fetch_optional(p).await)
        .map_err(db_err)?
        .ok_or(AppError::NotFound)
}

pub async fn get(id: i64) -> Result<StaffDetail, AppError> {
    Ok(fetch(&state()?.db, id).await?.detail())
}

// ---------------------------------------------------------------- create, edit, (de)activate

fn is_unique_violation(e: &sqlx::Error) -> bool {
    matches!(e, sqlx::Error::Database(d) if d.is_unique_violation())
}

async fn find_one(db: &Db, column: &str, value: &str) -> Result<Option<StaffRow>, AppError> {
    // `column` is one of the constants used below, never user input.
    let sql = format!("{SELECT} WHERE {column} = $1");
    with_db!(db, p => sqlx::query_as::<_, StaffRow>(&sql).bind(value).fetch_optional(p).await)
        .map_err(db_err)
}

fn taken(field: &str, value: &str, owner: &StaffRow) -> (String, Msg) {
    let msg = match field {
        "mobile" => Msg::new(
            format!("手机号 {value} 已属于「{}」。", owner.name),
            format!("Mobile {value} already belongs to “{}”.", owner.name),
        ),
        _ => Msg::new(
            format!("工号 {value} 已属于「{}」。", owner.name),
            format!("External id {value} already belongs to “{}”.", owner.name),
        ),
    };
    (field.to_string(), msg)
}

/// Creates a person, or updates one when `id` is given. Admins only.
pub async fn save(id: Option<&str>, draft: &StaffDraft) -> Result<i64, AppError> {
    let admin = require(Role::Admin).await?;
    let st = state()?;
    let db = &st.db;
    let id: Option<i64> = match id.map(str::trim).filter(|s| !s.is_empty()) {
        Some(s) => Some(s.parse().map_err(|_| AppError::NotFound)?),
        None => None,
    };
    let before = match id {
        Some(id) => Some(fetch(db, id).await?),
        None => None,
    };
    let valid = draft.validate().map_err(AppError::Validation)?;
    let mut errs = BTreeMap::<String, Vec<Msg>>::new();
    if let Some(m) = &valid.mobile {
        if let Some(o) = find_one(db, "mobile", m.as_str()).await? {
            if Some(o.id) != id {
                let (k, v) = taken("mobile", m.as_str(), &o);
                errs.entry(k).or_default().push(v);
            }
        }
    }
    if let Some(e) = &valid.external_id {
        if let Some(o) = find_one(db, "external_id", e).await? {
            if Some(o.id) != id {
                let (k, v) = taken("external_id", e, &o);
                errs.entry(k).or_default().push(v);
            }
        }
    }
    if !errs.is_empty() {
        return Err(AppError::Validation(errs));
    }
    let now = now_ms();
    let mobile = valid.mobile.as_ref().map(|m| m.as_str().to_string());
    let result = match id {
        None => with_db!(db, p => sqlx::query_scalar::<_, i64>(
            "INSERT INTO staff (name, mobile, dingtalk_user_id, department, external_id, active, created_at, updated_at) \
             VALUES ($1, $2, $3, $4, $5, TRUE, $6, $6) RETURNING id")
            .bind(valid.name.as_str()).bind(&mobile).bind(&valid.dingtalk_user_id).bind(&valid.department)
            .bind(&valid.external_id).bind(now).fetch_one(p).await),
        Some(id) => with_db!(db, p => sqlx::query_scalar::<_, i64>(
            "UPDATE staff SET name = $1, mobile = $2, dingtalk_user_id = $3, department = $4, external_id = $5, \
             updated_at = $6 WHERE id = $7 RETURNING id")
            .bind(valid.name.as_str()).bind(&mobile).bind(&valid.dingtalk_user_id).bind(&valid.department)
            .bind(&valid.external_id).bind(now).bind(id).fetch_one(p).await),
    };
    let saved = match result {
        Ok(id) => id,
        Err(e) if is_unique_violation(&e) => {
            return Err(AppError::Conflict(Msg::new(
                "手机号或工号刚被别人使用了，请检查后再保存。",
                "The mobile or external id was just taken; check and save again.",
            )))
        }
        Err(e) => return Err(db_err(e)),
    };
    let action = if id.is_some() {
        "staff.update"
    } else {
        "staff.create"
    };
    audit(
        db,
        &admin,
        action,
        "staff",
        saved,
        before.as_ref().map(StaffRow::snapshot),
        Some(snapshot(&valid)),
    )
    .await?;
    Ok(saved)
}

/// Deactivates or reactivates a person. Their awards stay as they are.
pub async fn set_active(id: i64, active: bool) -> Result<(), AppError> {
    let admin = require(Role::Admin).await?;
    let st = state()?;
    let before = fetch(&st.db, id).await?;
    if before.active == active {
        return Ok(());
    }
    with_db!(&st.db, p => sqlx::query("UPDATE staff SET active = $1, updated_at = $2 WHERE id = $3")
        .bind(active).bind(now_ms()).bind(id).execute(p).await.map(|_| ()))
    .map_err(db_err)?;
    let action = if active {
        "staff.reactivate"
    } else {
        "staff.deactivate"
    };
    audit(
        &st.db,
        &admin,
        action,
        "staff",
        id,
        Some(before.snapshot()),
        Some(serde_json::json!({ "active": active })),
    )
    .await
}

// ---------------------------------------------------------------- import: parse

/// Decodes an uploaded file: valid UTF-8 (a BOM is dropped) is UTF-8, anything else GB18030.
pub fn decode(bytes: &[u8]) -> (String, &'static str) {
    match std::str::from_utf8(bytes) {
        Ok(s) => (s.strip_prefix('\u{feff}').unwrap_or(s).to_string(), "UTF-8"),
        Err(_) => {
            let (text, _, _) = encoding_rs::GB18030.decode(bytes);
            (text.into_owned(), "GB18030")
        }
    }
}

/// A parsed import file: which columns it has, and each data row by line number.
#[derive(Debug)]
pub struct ParsedFile {
    pub columns: HashSet<Column>,
    pub rows: Vec<(u64, Result<ValidStaff, Vec<Msg>>)>,
}

fn file_error(zh: &str, en: &str) -> AppError {
    AppError::field("file", Msg::new(zh, en))
}

/// The line a record starts on. The csv reader's position counts from where it began reading,
/// which is before any blank lines it skipped: skip them here too.
fn first_line(text: &str, p: &csv::Position) -> u64 {
    let mut line = p.line();
    for b in text.as_bytes().iter().skip(p.byte() as usize) {
        match b {
            b'\n' => line += 1,
            b'\r' => {}
            _ => break,
        }
    }
    line
}

/// Parses CSV text (already decoded). Fails as a whole only when the header is unusable.
pub fn parse(text: &str) -> Result<ParsedFile, AppError> {
    let mut rdr = csv::ReaderBuilder::new()
        .flexible(true)
        .trim(csv::Trim::None)
        .from_reader(text.as_bytes());
    let headers = rdr.headers().map_err(|_| {
        file_error(
            "无法读取文件的第一行（表头）。",
            "The first line (the header) cannot be read.",
        )
    })?;
    let mut index: Vec<(usize, Column)> = Vec::new();
    for (i, h) in headers.iter().enumerate() {
        if let Some(c) = Column::from_header(h) {
            if !index.iter().any(|(_, k)| *k == c) {
                index.push((i, c));
            }
        }
    }
    if !index.iter().any(|(_, c)| *c == Column::Name) {
        return Err(file_error(
            "文件第 1 行须是表头，并且有「姓名」列（可选列：手机号、部门、工号、钉钉ID）。",
            "Line 1 must be a header with a “name” column (optional: mobile, department, external_id, userId).",
        ));
    }
    let columns: HashSet<Column> = index.iter().map(|(_, c)| *c).collect();
    let mut rows = Vec::new();
    for rec in rdr.records() {
        let rec = match rec {
            Ok(r) => r,
            Err(e) => {
                let line = e.position().map(|p| p.line()).unwrap_or(0);
                rows.push((
                    line,
                    Err(vec![Msg::new(
                        "这一行无法按 CSV 读取（引号不配对？）",
                        "This line is not valid CSV (unbalanced quotes?)",
                    )]),
                ));
                continue;
            }
        };
        let line = rec.position().map(|p| first_line(text, p)).unwrap_or(0);
        if rec.iter().all(|c| c.trim().is_empty()) {
            continue;
        }
        let mut d = StaffDraft::default();
        for (i, c) in &index {
            // a file exported here keeps its cells as they were typed
            let v = super::csv_out::restore(rec.get(*i).unwrap_or("")).to_string();
            match c {
                Column::Name => d.name = v,
                Column::Mobile => d.mobile = v,
                Column::Department => d.department = v,
                Column::ExternalId => d.external_id = v,
                Column::UserId => d.dingtalk_user_id = v,
            }
        }
        let r = match d.validate() {
            Ok(v) if v.external_id.is_none() && v.mobile.is_none() => Err(vec![Msg::new(
                "每行须有工号或手机号（用来找到已有的员工）",
                "Each row needs an external id or a mobile (they identify existing staff)",
            )]),
            Ok(v) => Ok(v),
            Err(errs) => Err(errs.into_values().flatten().collect()),
        };
        rows.push((line, r));
    }
    Ok(ParsedFile { columns, rows })
}

// ---------------------------------------------------------------- import: plan

/// The target values of one row that changes the table.
#[derive(Debug, Clone, PartialEq)]
struct Target {
    name: String,
    mobile: Option<String>,
    dingtalk_user_id: Option<String>,
    department: String,
    external_id: Option<String>,
}

#[derive(Debug)]
enum Op {
    Insert(Target),
    Update { id: i64, target: Target },
}

#[derive(Debug, Default)]
struct Plan {
    ops: Vec<(u64, Op)>,
    new: u64,
    updated: u64,
    unchanged: u64,
    errors: Vec<ImportRowError>,
}

#[derive(Default)]
struct Existing {
    by_ext: HashMap<String, StaffRow>,
    by_mobile: HashMap<String, StaffRow>,
}

async fn find_many(db: &Db, column: &str, keys: &[String]) -> Result<Vec<StaffRow>, AppError> {
    let mut out = Vec::new();
    for chunk in keys.chunks(500) {
        let ph: Vec<String> = (1..=chunk.len()).map(|i| format!("${i}")).collect();
        let sql = format!("{SELECT} WHERE {column} IN ({})", ph.join(", "));
        let rows = with_db!(db, p => {
            let mut q = sqlx::query_as::<_, StaffRow>(&sql);
            for k in chunk {
                q = q.bind(k);
            }
            q.fetch_all(p).await
        })
        .map_err(db_err)?;
        out.extend(rows);
    }
    Ok(out)
}

async fn existing_for(db: &Db, parsed: &ParsedFile) -> Result<Existing, AppError> {
    let mut exts = Vec::new();
    let mut mobiles = Vec::new();
    for (_, r) in &parsed.rows {
        if let Ok(v) = r {
            exts.extend(v.external_id.clone());
            mobiles.extend(v.mobile.as_ref().map(|m| m.as_str().to_string()));
        }
    }
    exts.sort();
    exts.dedup();
    mobiles.sort();
    mobiles.dedup();
    let mut e = Existing::default();
    for r in find_many(db, "external_id", &exts).await? {
        e.by_ext
            .insert(r.external_id.clone().unwrap_or_default(), r);
    }
    for r in find_many(db, "mobile", &mobiles).await? {
        e.by_mobile.insert(r.mobile.clone().unwrap_or_default(), r);
    }
    Ok(e)
}

/// Decides for each row: new, update, unchanged or error. Columns the file lacks keep the
/// existing values; columns it has set them (an empty cell clears an optional field).
fn plan(parsed: &ParsedFile, existing: &Existing) -> Plan {
    let mut plan = Plan::default();
    let mut seen_ext: HashMap<String, u64> = HashMap::new();
    let mut seen_mobile: HashMap<String, u64> = HashMap::new();
    let mut seen_id: HashMap<i64, u64> = HashMap::new();
    let has = |c: Column| parsed.columns.contains(&c);
    for (line, r) in &parsed.rows {
        let line = *line;
        let v = match r {
            Ok(v) => v,
            Err(msgs) => {
                plan.errors.push(ImportRowError {
                    line,
                    messages: msgs.clone(),
                });
                continue;
            }
        };
        let mobile = v.mobile.as_ref().map(|m| m.as_str().to_string());
        let mut msgs = Vec::new();
        if let Some(e) = &v.external_id {
            if let Some(first) = seen_ext.get(e) {
                msgs.push(Msg::new(
                    format!("工号 {e} 与第 {first} 行重复"),
                    format!("External id {e} repeats line {first}"),
                ));
            }
        }
        if let Some(m) = &mobile {
            if let Some(first) = seen_mobile.get(m) {
                msgs.push(Msg::new(
                    format!("手机号 {m} 与第 {first} 行重复"),
                    format!("Mobile {m} repeats line {first}"),
                ));
            }
        }
        let by_ext = v.external_id.as_ref().and_then(|e| existing.by_ext.get(e));
        let by_mobile = mobile.as_ref().and_then(|m| existing.by_mobile.get(m));
        let matched = by_ext.or(by_mobile);
        if let (None, Some(o), Some(e)) = (by_ext, by_mobile, &v.external_id) {
            if let Some(other) = &o.external_id {
                msgs.push(Msg::new(
                    format!(
                        "手机号已属于工号为 {other} 的「{}」，与本行工号 {e} 不符",
                        o.name
                    ),
                    format!(
                        "The mobile belongs to “{}” with external id {other}, not {e}",
                        o.name
                    ),
                ));
            }
        }
        if let (Some(m), Some(o), Some(t)) = (&mobile, by_mobile, matched) {
            if o.id != t.id && has(Column::Mobile) {
                msgs.push(Msg::new(
                    format!("手机号 {m} 已属于另一位员工「{}」", o.name),
                    format!("Mobile {m} belongs to another person, “{}”", o.name),
                ));
            }
        }
        if let Some(t) = matched {
            if let Some(first) = seen_id.get(&t.id) {
                msgs.push(Msg::new(
                    format!("与第 {first} 行是同一位员工「{}」", t.name),
                    format!("Same person as line {first} (“{}”)", t.name),
                ));
            }
        }
        if let Some(e) = &v.external_id {
            seen_ext.entry(e.clone()).or_insert(line);
        }
        if let Some(m) = &mobile {
            seen_mobile.entry(m.clone()).or_insert(line);
        }
        if let Some(t) = matched {
            seen_id.entry(t.id).or_insert(line);
        }
        if !msgs.is_empty() {
            plan.errors.push(ImportRowError {
                line,
                messages: msgs,
            });
            continue;
        }
        match matched {
            None => {
                plan.new += 1;
                plan.ops.push((
                    line,
                    Op::Insert(Target {
                        name: v.name.as_str().to_string(),
                        mobile,
                        dingtalk_user_id: v.dingtalk_user_id.clone(),
                        department: v.department.clone(),
                        external_id: v.external_id.clone(),
                    }),
                ));
            }
            Some(o) => {
                let pick = |c: Column, new: Option<String>, old: &Option<String>| {
                    if has(c) {
                        new
                    } else {
                        old.clone()
                    }
                };
                let target = Target {
                    name: v.name.as_str().to_string(),
                    mobile: pick(Column::Mobile, mobile, &o.mobile),
                    dingtalk_user_id: pick(
                        Column::UserId,
                        v.dingtalk_user_id.clone(),
                        &o.dingtalk_user_id,
                    ),
                    department: if has(Column::Department) {
                        v.department.clone()
                    } else {
                        o.department.clone()
                    },
                    // Matched by mobile without an external id in the row: keep the existing one.
                    external_id: v.external_id.clone().or_else(|| o.external_id.clone()),
                };
                let current = Target {
                    name: o.name.clone(),
                    mobile: o.mobile.clone(),
                    dingtalk_user_id: o.dingtalk_user_id.clone(),
                    department: o.department.clone(),
                    external_id: o.external_id.clone(),
                };
                if target == current {
                    plan.unchanged += 1;
                } else {
                    plan.updated += 1;
                    plan.ops.push((line, Op::Update { id: o.id, target }));
                }
            }
        }
    }
    plan.errors.sort_by_key(|e| e.line);
    plan
}

async fn plan_for(db: &Db, text: &str) -> Result<Plan, AppError> {
    let parsed = parse(text)?;
    let existing = existing_for(db, &parsed).await?;
    Ok(plan(&parsed, &existing))
}

/// Writes the plan's rows in one transaction: all of them, or (on any failure) none.
async fn apply(db: &Db, plan: &Plan) -> Result<(), AppError> {
    let now = now_ms();
    let r: Result<(), sqlx::Error> = with_db!(db, p => async {
        let mut tx = p.begin().await?;
        for (_, op) in &plan.ops {
            match op {
                Op::Insert(t) => {
                    sqlx::query(
                        "INSERT INTO staff (name, mobile, dingtalk_user_id, department, external_id, active, created_at, updated_at) \
                         VALUES ($1, $2, $3, $4, $5, TRUE, $6, $6)")
                        .bind(&t.name).bind(&t.mobile).bind(&t.dingtalk_user_id).bind(&t.department)
                        .bind(&t.external_id).bind(now).execute(&mut *tx).await?;
                }
                Op::Update { id, target: t } => {
                    sqlx::query(
                        "UPDATE staff SET name = $1, mobile = $2, dingtalk_user_id = $3, department = $4, \
                         external_id = $5, updated_at = $6 WHERE id = $7")
                        .bind(&t.name).bind(&t.mobile).bind(&t.dingtalk_user_id).bind(&t.department)
                        .bind(&t.external_id).bind(now).bind(id).execute(&mut *tx).await?;
                }
            }
        }
        tx.commit().await
    }.await);
    match r {
        Ok(()) => Ok(()),
        Err(e) if is_unique_violation(&e) => Err(AppError::Conflict(Msg::new(
            "导入未执行：有手机号或工号与其他员工冲突（可能是文件中互换了手机号），请修改文件后重试。",
            "Nothing was imported: a mobile or external id collides with another person's (swapped within the file?). Fix the file and try again.",
        ))),
        Err(e) => Err(db_err(e)),
    }
}

fn outcome(plan: &Plan) -> ImportOutcome {
    ImportOutcome {
        created: plan.new,
        updated: plan.updated,
        unchanged: plan.unchanged,
        skipped: plan.errors.len() as u64,
    }
}

fn outcome_json(file_name: &str, o: &ImportOutcome) -> serde_json::Value {
    serde_json::json!({
        "file": file_name, "created": o.created, "updated": o.updated,
        "unchanged": o.unchanged, "skipped": o.skipped,
    })
}

// ---------------------------------------------------------------- import: web

async fn read_upload(data: MultipartData) -> Result<(String, Vec<u8>), AppError> {
    let mut mp = data
        .into_inner()
        .ok_or_else(|| internal("multipart data missing"))?;
    let mut file = None;
    while let Some(mut field) = mp.next_field().await.map_err(bad)? {
        if field.name() != Some("file") {
            continue;
        }
        let name = field.file_name().unwrap_or("staff.csv").to_string();
        let mut buf = Vec::new();
        while let Some(chunk) = field.chunk().await.map_err(bad)? {
            buf.extend_from_slice(&chunk);
            if buf.len() > MAX_IMPORT_BYTES {
                return Err(file_error(
                    "文件太大（网页导入最多 4 MB）；更大的文件请用命令 medals staff import。",
                    "The file is too big (4 MB at most here); use `medals staff import` for larger files.",
                ));
            }
        }
        file = Some((name, buf));
    }
    match file {
        Some((_, b)) if b.is_empty() => Err(file_error(
            "上传的文件是空的。",
            "The uploaded file is empty.",
        )),
        Some(f) => Ok(f),
        None => Err(file_error(
            "请选择要导入的 CSV 文件。",
            "Choose a CSV file to import.",
        )),
    }
}

fn bad(e: impl std::fmt::Display) -> AppError {
    AppError::Malformed(e.to_string())
}

fn preview_of(token: &str, file_name: &str, encoding: &str, plan: Plan) -> ImportPreview {
    ImportPreview {
        token: token.to_string(),
        file_name: file_name.to_string(),
        encoding: encoding.to_string(),
        new: plan.new,
        updated: plan.updated,
        unchanged: plan.unchanged,
        errors: plan.errors,
    }
}

/// Step 1: reads and checks the upload, keeps it, and returns the preview.
pub async fn preview_from_form(data: MultipartData) -> Result<ImportPreview, AppError> {
    let admin = require(Role::Admin).await?;
    let st = state()?;
    let (file_name, bytes) = read_upload(data).await?;
    let (text, encoding) = decode(&bytes);
    let plan = plan_for(&st.db, &text).await?;
    let token = uuid::Uuid::new_v4().simple().to_string();
    let now = now_ms();
    let file_name: String = file_name.chars().take(200).collect();
    with_db!(&st.db, p => sqlx::query("DELETE FROM staff_imports WHERE created_at < $1 OR admin_id = $2")
        .bind(now - KEEP_IMPORT_MS).bind(admin.id).execute(p).await.map(|_| ()))
    .map_err(db_err)?;
    with_db!(&st.db, p => sqlx::query(
        "INSERT INTO staff_imports (token, admin_id, file_name, encoding, content, created_at) VALUES ($1, $2, $3, $4, $5, $6)")
        .bind(&token).bind(admin.id).bind(&file_name).bind(encoding).bind(&text).bind(now)
        .execute(p).await.map(|_| ()))
    .map_err(db_err)?;
    session()
        .await?
        .insert(SESSION_IMPORT, token.clone())
        .await
        .map_err(internal)?;
    Ok(preview_of(&token, &file_name, encoding, plan))
}

#[derive(sqlx::FromRow)]
struct Kept {
    token: String,
    file_name: String,
    encoding: String,
    content: String,
}

async fn kept(db: &Db, admin: &AdminInfo) -> Result<Option<Kept>, AppError> {
    let Some(token) = session()
        .await?
        .get::<String>(SESSION_IMPORT)
        .await
        .map_err(internal)?
    else {
        return Ok(None);
    };
    with_db!(db, p => sqlx::query_as::<_, Kept>(
        "SELECT token, file_name, encoding, content FROM staff_imports WHERE token = $1 AND admin_id = $2")
        .bind(&token).bind(admin.id).fetch_optional(p).await)
    .map_err(db_err)
}

/// The preview of the upload this session keeps, computed against the table as it is now.
pub async fn pending_preview() -> Result<Option<ImportPreview>, AppError> {
    let admin = require(Role::Admin).await?;
    let st = state()?;
    let Some(k) = kept(&st.db, &admin).await? else {
        return Ok(None);
    };
    let plan = plan_for(&st.db, &k.content).await?;
    Ok(Some(preview_of(&k.token, &k.file_name, &k.encoding, plan)))
}

/// Step 2: imports the valid rows of the kept upload, if `token` still names it.
pub async fn commit_pending(token: &str) -> Result<ImportOutcome, AppError> {
    let admin = require(Role::Admin).await?;
    let st = state()?;
    let k = kept(&st.db, &admin)
        .await?
        .filter(|k| k.token == token)
        .ok_or_else(|| {
            AppError::Conflict(Msg::new(
                "这次导入已完成或已过期，请重新上传文件。",
                "This import is done or expired; upload the file again.",
            ))
        })?;
    let plan = plan_for(&st.db, &k.content).await?;
    apply(&st.db, &plan).await?;
    let o = outcome(&plan);
    with_db!(&st.db, p => sqlx::query("DELETE FROM staff_imports WHERE token = $1")
        .bind(&k.token).execute(p).await.map(|_| ()))
    .map_err(db_err)?;
    session()
        .await?
        .remove::<String>(SESSION_IMPORT)
        .await
        .map_err(internal)?;
    record(
        &st.db,
        Some(admin.id),
        &admin.username,
        "staff.import",
        "staff",
        None,
        None,
        Some(outcome_json(&k.file_name, &o)),
    )
    .await?;
    Ok(o)
}

/// Forgets the kept upload.
pub async fn cancel_pending() -> Result<(), AppError> {
    let admin = require(Role::Admin).await?;
    let st = state()?;
    with_db!(&st.db, p => sqlx::query("DELETE FROM staff_imports WHERE admin_id = $1")
        .bind(admin.id).execute(p).await.map(|_| ()))
    .map_err(db_err)?;
    session()
        .await?
        .remove::<String>(SESSION_IMPORT)
        .await
        .map_err(internal)?;
    Ok(())
}

// ---------------------------------------------------------------- import: CLI

/// What `medals staff import` did.
pub struct CliImport {
    pub encoding: &'static str,
    pub outcome: ImportOutcome,
    pub errors: Vec<ImportRowError>,
}

/// `medals staff import FILE.csv`: the same rules as the web import, without the preview step.
/// Valid rows are imported (in one transaction); rows with errors are returned for printing.
pub async fn import_file(db: &Db, bytes: &[u8], file_name: &str) -> Result<CliImport, AppError> {
    let (text, encoding) = decode(bytes);
    let plan = plan_for(db, &text).await?;
    apply(db, &plan).await?;
    let o = outcome(&plan);
    record(
        db,
        None,
        "cli",
        "staff.import",
        "staff",
        None,
        None,
        Some(outcome_json(file_name, &o)),
    )
    .await?;
    Ok(CliImport {
        encoding,
        outcome: o,
        errors: plan.errors,
    })
}

// ---------------------------------------------------------------- export

/// The filtered list as CSV (UTF-8 with a BOM, so spreadsheet programs read Chinese right), with
/// the same headers the import reads.
pub async fn export(db: &Db, f: &StaffFilter) -> Result<Vec<u8>, AppError> {
    let (cond, [a, b, c]) = where_clause(f, db.backend());
    let sql = format!("{SELECT} WHERE {cond} ORDER BY name, id");
    let rows = with_db!(db, p => sqlx::query_as::<_, StaffRow>(&sql)
        .bind(&a).bind(&b).bind(&c).fetch_all(p).await)
    .map_err(db_err)?;
    let mut w = super::csv_out::CsvExport::default();
    w.row(["姓名", "手机号", "部门", "工号", "钉钉ID", "状态"])?;
    for r in &rows {
        w.row([
            r.name.as_str(),
            r.mobile.as_deref().unwrap_or(""),
            r.department.as_str(),
            r.external_id.as_deref().unwrap_or(""),
            r.dingtalk_user_id.as_deref().unwrap_or(""),
            if r.active { "在职" } else { "停用" },
        ])?;
    }
    w.finish()
}

/// `GET /staff/export.csv?q=&status=`: viewers and up.
pub async fn export_csv(
    State(st): State<AppState>,
    session: Session,
    Query(f): Query<StaffFilter>,
) -> Response {
    let r = async {
        require_session(&st.db, &session, Role::Viewer).await?;
        export(&st.db, &f).await
    }
    .await;
    super::csv_download(r, "staff.csv", "/staff", medal_core::Lang::Zh)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row(id: i64, name: &str, mobile: Option<&str>, ext: Option<&str>) -> StaffRow {
        StaffRow {
            id,
            name: name.into(),
            mobile: mobile.map(Into::into),
            dingtalk_user_id: None,
            department: "研发部".into(),
            external_id: ext.map(Into::into),
            active: true,
            created_at: 0,
            updated_at: 0,
            userid_lookup_at: None,
            userid_lookup_error: None,
        }
    }

    #[test]
    fn decodes_utf8_with_and_without_bom_and_gbk() {
        assert_eq!(decode("姓名\n".as_bytes()), ("姓名\n".to_string(), "UTF-8"));
        let bom = [&[0xEF, 0xBB, 0xBF][..], "姓名\n".as_bytes()].concat();
        assert_eq!(decode(&bom).0, "姓名\n");
        let (gbk, _, _) = encoding_rs::GBK.encode("姓名,部门\n张三,研发部\n");
        let (text, enc) = decode(&gbk);
        assert_eq!(text, "姓名,部门\n张三,研发部\n");
        assert_eq!(enc, "GB18030");
    }

    #[test]
    fn rows_carry_their_file_line_numbers() {
        let p =
            parse("姓名,手机号,工号\n张三,13800138000,E1\n\n\"李\n四\",bad,E2\n王五,,\n").unwrap();
        let lines: Vec<u64> = p.rows.iter().map(|(l, _)| *l).collect();
        assert_eq!(lines, [2, 4, 6]);
        assert!(p.rows[0].1.is_ok());
        assert!(p.rows[1].1.is_err());
        assert!(p.rows[2].1.is_err(), "no external id and no mobile");
    }

    #[test]
    fn a_header_without_a_name_column_is_refused() {
        assert!(parse("手机号,部门\n13800138000,研发部\n").is_err());
        assert!(parse("").is_err());
    }

    #[test]
    fn plan_upserts_by_external_id_then_mobile() {
        let parsed = parse(
            "name,mobile,external_id\n张三,13800138000,E1\n李四,13900139000,\n王五,13700137000,E3\n赵六,13600136000,E1\n",
        )
        .unwrap();
        let mut e = Existing::default();
        e.by_ext
            .insert("E1".into(), row(1, "张三", Some("13800138000"), Some("E1")));
        e.by_mobile.insert(
            "13800138000".into(),
            row(1, "张三", Some("13800138000"), Some("E1")),
        );
        e.by_mobile.insert(
            "13900139000".into(),
            row(2, "李四", Some("13900139000"), None),
        );
        let p = plan(&parsed, &e);
        assert_eq!((p.new, p.updated, p.unchanged), (1, 0, 2));
        assert_eq!(p.errors.len(), 1);
        assert_eq!(p.errors[0].line, 5);
    }
}
