//! The audit log's SQL: entries newest first by (at, id), filtered by actor, object type and
//! China-time dates, paged by keyset (`before` = the last id shown). Every filter is a prefix of
//! an index — `(actor, at, id)`, `(object_type, at, id)`, `(at, id)` — so a page costs the same
//! at a million rows as at a hundred.

use crate::audit::labels::changes;
use crate::audit::AuditEntry;
use crate::audit::AuditFilter;
use crate::audit::AuditPage;
use crate::audit::PAGE_SIZE;
use crate::error::AppError;
use crate::infra::Db;
use crate::with_db;
use medal_core::time::{china_midnight, parse_date, DAY_MS};
use medal_core::Msg;

#[derive(sqlx::FromRow)]
pub struct Row {
    id: i64,
    at: i64,
    actor: String,
    action: String,
    object_type: String,
    object_id: Option<String>,
    before_json: Option<String>,
    after_json: Option<String>,
}

impl Row {
    pub fn entry(&self) -> AuditEntry {
        AuditEntry {
            id: self.id,
            at: self.at,
            actor: self.actor.clone(),
            action: self.action.clone(),
            object_type: self.object_type.clone(),
            object_id: self.object_id.clone(),
            changes: changes(self.before_json.as_deref(), self.after_json.as_deref()),
        }
    }
}

enum P {
    I(i64),
    S(String),
}

/// The WHERE clause of a filter; `$n` numbered in the order of `params`.
struct Where {
    cond: Vec<String>,
    params: Vec<P>,
}

impl Where {
    fn push(&mut self, v: P) -> String {
        self.params.push(v);
        format!("${}", self.params.len())
    }
}

fn day(v: &str, field: &str) -> Result<i64, AppError> {
    parse_date(v)
        .map(|(y, m, d)| china_midnight(y, m, d))
        .ok_or_else(|| {
            AppError::field(
                field,
                Msg::new("日期格式应为 2026-01-31", "Dates look like 2026-01-31"),
            )
        })
}

/// The filter's conditions (without the keyset).
fn filter_where(f: &AuditFilter) -> Result<Where, AppError> {
    let mut w = Where {
        cond: Vec::new(),
        params: Vec::new(),
    };
    if !f.actor.trim().is_empty() {
        let p = w.push(P::S(f.actor.trim().to_string()));
        w.cond.push(format!("actor = {p}"));
    }
    if !f.object_type.trim().is_empty() {
        let p = w.push(P::S(f.object_type.trim().to_string()));
        w.cond.push(format!("object_type = {p}"));
    }
    if !f.from.trim().is_empty() {
        let p = w.push(P::I(day(&f.from, "from")?));
        w.cond.push(format!("at >= {p}"));
    }
    if !f.to.trim().is_empty() {
        let p = w.push(P::I(day(&f.to, "to")? + DAY_MS));
        w.cond.push(format!("at < {p}"));
    }
    Ok(w)
}

/// Entries matching `w` older than `(at, id)` when given, newest first, at most `limit`.
async fn fetch(
    db: &Db,
    mut w: Where,
    older_than: Option<(i64, i64)>,
    limit: usize,
) -> Result<Vec<Row>, AppError> {
    if let Some((at, id)) = older_than {
        // `at <= a` bounds the index range; the OR breaks ties between entries of one millisecond
        let a = w.push(P::I(at));
        let i = w.push(P::I(id));
        w.cond.push(format!("at <= {a} AND (at < {a} OR id < {i})"));
    }
    let cond = if w.cond.is_empty() {
        "1 = 1".to_string()
    } else {
        w.cond.join(" AND ")
    };
    let sql = format!(
        "SELECT id, at, actor, action, object_type, object_id, before_json, after_json \
         FROM audit_entries WHERE {cond} ORDER BY at DESC, id DESC LIMIT {limit}"
    );
    with_db!(db, p => {
        let mut q = sqlx::query_as::<_, Row>(&sql);
        for v in &w.params {
            q = match v {
                P::I(i) => q.bind(*i),
                P::S(s) => q.bind(s.clone()),
            };
        }
        q.fetch_all(p).await
    })
    .map_err(AppError::from)
}

/// Where the page after `before` starts: that entry's (at, id). An unknown id starts at the top.
async fn keyset(db: &Db, before: &str) -> Result<Option<(i64, i64)>, AppError> {
    let Ok(id) = before.trim().parse::<i64>() else {
        return Ok(None);
    };
    let at = with_db!(db, p => sqlx::query_scalar::<_, i64>(
        "SELECT at FROM audit_entries WHERE id = $1").bind(id).fetch_optional(p).await)?;
    Ok(at.map(|at| (at, id)))
}

pub async fn page(db: &Db, f: &AuditFilter) -> Result<AuditPage, AppError> {
    let w = filter_where(f)?;
    let start = keyset(db, &f.before).await?;
    let mut rows = fetch(db, w, start, PAGE_SIZE + 1).await?;
    let more = rows.len() > PAGE_SIZE;
    rows.truncate(PAGE_SIZE);
    let actors = with_db!(db, p => sqlx::query_scalar::<_, String>(
        "SELECT username FROM admins ORDER BY username").fetch_all(p).await)?;
    Ok(AuditPage {
        older: more.then(|| rows.last().map(|r| r.id)).flatten(),
        entries: rows.iter().map(Row::entry).collect(),
        actors,
    })
}

/// Up to `cap` entries of the filter, newest first, read `chunk` at a time; `each` sees them in
/// order. Returns how many there were.
pub async fn each(
    db: &Db,
    f: &AuditFilter,
    cap: usize,
    mut each: impl FnMut(&Row) -> Result<(), AppError>,
) -> Result<usize, AppError> {
    const CHUNK: usize = 2000;
    let mut seen = 0;
    let mut start = None;
    loop {
        let limit = CHUNK.min(cap - seen);
        let rows = fetch(db, filter_where(f)?, start, limit).await?;
        for r in &rows {
            each(r)?;
        }
        seen += rows.len();
        match rows.last() {
            Some(last) if rows.len() == limit && seen < cap => start = Some((last.at, last.id)),
            _ => return Ok(seen),
        }
    }
}
