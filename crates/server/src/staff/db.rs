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

use crate::error::AppError;
use crate::infra::audit::audit;
use crate::infra::db::is_unique_violation;
use crate::infra::db::{contains, like_op, starts_with};
use crate::infra::now_ms;
use crate::infra::Db;
use crate::session::types::AdminInfo;
use crate::staff::StaffDetail;
use crate::staff::StaffFilter;
use crate::staff::StaffPage;
use crate::staff::StaffSummary;
use crate::with_db;
use medal_core::staff::ValidStaff;
use medal_core::{Msg, StaffDraft};
use std::collections::BTreeMap;

pub const PER_PAGE: u32 = 50;

#[derive(sqlx::FromRow, Clone, Debug)]
pub(crate) struct StaffRow {
    pub(crate) id: i64,
    pub(crate) name: String,
    pub(crate) mobile: Option<String>,
    pub(crate) dingtalk_user_id: Option<String>,
    pub(crate) department: String,
    pub(crate) external_id: Option<String>,
    pub(crate) active: bool,
    pub(crate) created_at: i64,
    pub(crate) updated_at: i64,
    pub(crate) userid_lookup_at: Option<i64>,
    pub(crate) userid_lookup_error: Option<String>,
}

pub(crate) const SELECT: &str =
    "SELECT id, name, mobile, dingtalk_user_id, department, external_id, active, \
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

/// The WHERE clause of a filter and its three bound values: a substring pattern for name and
/// department, a prefix pattern for the mobile (spaces, dashes and +86 dropped), a prefix pattern
/// for the external id. With an empty query the first is `''` and nothing is filtered.
///
/// Matching ignores ASCII case (see [`like_op`]).
pub(crate) fn where_clause(f: &StaffFilter, db: &Db) -> (String, [String; 3]) {
    let status = match f.status.as_str() {
        "inactive" => "active = FALSE",
        "all" => "1 = 1",
        _ => "active = TRUE",
    };
    let q = f.q.trim();
    let digits: String = q.chars().filter(|c| !matches!(c, ' ' | '-')).collect();
    let digits = digits.strip_prefix("+86").unwrap_or(&digits).to_string();
    let binds = if q.is_empty() {
        [String::new(), String::new(), String::new()]
    } else {
        [contains(q), starts_with(&digits), starts_with(q)]
    };
    let op = like_op(db, q);
    (
        format!(
            "{status} AND ($1 = '' OR name {op} $1 ESCAPE '\\' OR department {op} $1 ESCAPE '\\' \
             OR mobile LIKE $2 ESCAPE '\\' OR external_id {op} $3 ESCAPE '\\')"
        ),
        binds,
    )
}

/// One page of the filtered list, ordered by name (then id), with LIMIT/OFFSET. The page's ids
/// are picked first from the `staff_list` / `staff_list_all` indexes, which hold every column
/// the filter reads (so SQLite never touches the table while it searches), then their rows are
/// read. One row more than a page is fetched to know whether another page follows.
pub async fn list(db: &Db, f: &StaffFilter) -> Result<StaffPage, AppError> {
    let page = f.page.trim().parse::<u32>().unwrap_or(1).clamp(1, 100_000);
    let (cond, [a, b, c]) = where_clause(f, db);
    let sql = format!(
        "{SELECT} WHERE id IN (SELECT id FROM staff WHERE {cond} ORDER BY name, id LIMIT $4 OFFSET $5) \
         ORDER BY name, id"
    );
    let offset = i64::from(page - 1) * i64::from(PER_PAGE);
    let mut rows = with_db!(db, p => sqlx::query_as::<_, StaffRow>(&sql)
        .bind(&a).bind(&b).bind(&c).bind(i64::from(PER_PAGE) + 1).bind(offset).fetch_all(p).await)
    .map_err(AppError::from)?;
    let has_next = rows.len() > PER_PAGE as usize;
    rows.truncate(PER_PAGE as usize);
    Ok(StaffPage {
        items: rows.iter().map(StaffRow::summary).collect(),
        page,
        per_page: PER_PAGE,
        has_next,
    })
}

pub(crate) async fn fetch(db: &Db, id: i64) -> Result<StaffRow, AppError> {
    let sql = format!("{SELECT} WHERE id = $1");
    with_db!(db, p => sqlx::query_as::<_, StaffRow>(&sql).bind(id).fetch_optional(p).await)
        .map_err(AppError::from)?
        .ok_or(AppError::NotFound)
}

pub async fn get(db: &Db, id: i64) -> Result<StaffDetail, AppError> {
    Ok(fetch(db, id).await?.detail())
}

/// Up to `limit` people with ids above `after`, by id (the REST API's cursor). `status`:
/// `active`, `inactive` or `all`.
pub async fn after_id(
    db: &Db,
    after: i64,
    limit: i64,
    status: &str,
) -> Result<Vec<StaffDetail>, AppError> {
    let cond = match status {
        "inactive" => "active = FALSE",
        "all" => "1 = 1",
        _ => "active = TRUE",
    };
    let sql = format!("{SELECT} WHERE id > $1 AND {cond} ORDER BY id LIMIT $2");
    let rows = with_db!(db, p => sqlx::query_as::<_, StaffRow>(&sql)
        .bind(after).bind(limit).fetch_all(p).await)
    .map_err(AppError::from)?;
    Ok(rows.iter().map(StaffRow::detail).collect())
}

/// The person with this external id (工号), if any.
pub async fn by_external_id(db: &Db, external_id: &str) -> Result<Option<StaffDetail>, AppError> {
    Ok(find_one(db, "external_id", external_id)
        .await?
        .map(|r| r.detail()))
}

async fn find_one(db: &Db, column: &str, value: &str) -> Result<Option<StaffRow>, AppError> {
    // `column` is one of the constants used below, never user input.
    let sql = format!("{SELECT} WHERE {column} = $1");
    with_db!(db, p => sqlx::query_as::<_, StaffRow>(&sql).bind(value).fetch_optional(p).await)
        .map_err(AppError::from)
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
pub async fn save(
    db: &Db,
    admin: &AdminInfo,
    id: Option<&str>,
    draft: &StaffDraft,
) -> Result<i64, AppError> {
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
        Err(e) => return Err(AppError::from(e)),
    };
    let action = if id.is_some() {
        "staff.update"
    } else {
        "staff.create"
    };
    audit(
        db,
        admin,
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
pub async fn set_active(db: &Db, admin: &AdminInfo, id: i64, active: bool) -> Result<(), AppError> {
    let before = fetch(db, id).await?;
    if before.active == active {
        return Ok(());
    }
    with_db!(db, p => sqlx::query("UPDATE staff SET active = $1, updated_at = $2 WHERE id = $3")
        .bind(active).bind(now_ms()).bind(id).execute(p).await.map(|_| ()))
    .map_err(AppError::from)?;
    let action = if active {
        "staff.reactivate"
    } else {
        "staff.deactivate"
    };
    audit(
        db,
        admin,
        action,
        "staff",
        id,
        Some(before.snapshot()),
        Some(serde_json::json!({ "active": active })),
    )
    .await
}
