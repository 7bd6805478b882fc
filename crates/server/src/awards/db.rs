//! Awards: give a medal to one person or many (picked, whole departments, or a CSV with a reason
//! per row) in one transaction; revoke; the awards list and its CSV export; a person's medal wall;
//! the public award page; leaderboard and dashboard figures.
//!
//! A batch is checked before anything is written — the medal is active, everyone exists and is
//! active, every recipient has a reason, nobody already holds a non-repeatable medal — and then
//! written with multi-row INSERTs inside one transaction that first locks the medal's row, so two
//! batches of one non-repeatable medal cannot both give it to the same person.

use crate::awards::AdminName;
use crate::awards::AwardFilter;
use crate::awards::AwardFormChoices;
use crate::awards::AwardItem;
use crate::awards::AwardPage;
use crate::awards::Cursor;
use crate::awards::DepartmentCount;
use crate::awards::TOTAL_CAP;
use crate::error::AppError;
use crate::infra::db::{contains, like_op, starts_with};
use crate::infra::{now_ms, Db};
use crate::with_db;
use medal_core::{AwardStatus, Msg, Tier};

pub const PER_PAGE: u32 = 50;

/// China time: months, quarters and dates typed in filters are UTC+8.

#[derive(sqlx::FromRow)]
pub(crate) struct AwardRow {
    pub(crate) id: i64,
    pub(crate) medal_id: i64,
    pub(crate) medal_name: String,
    pub(crate) tier: String,
    pub(crate) icon_preset: Option<String>,
    pub(crate) icon_sha: Option<String>,
    pub(crate) staff_id: i64,
    pub(crate) staff_name: String,
    pub(crate) department: String,
    pub(crate) reason: String,
    pub(crate) awarded_at: i64,
    pub(crate) expires_at: Option<i64>,
    pub(crate) awarded_by_rule: Option<i64>,
    pub(crate) awarded_by_name: Option<String>,
    pub(crate) rule_name: Option<String>,
    pub(crate) revoked_at: Option<i64>,
    pub(crate) revoked_by_name: Option<String>,
    pub(crate) revoke_reason: Option<String>,
    public_token: String,
    pub(crate) batch_id: Option<String>,
}

/// The award JOIN, written once: an award `a` with its medal `m` (and `i`, the medal's uploaded
/// icon, if any) and its person `s`. (A macro so that constants can be built from it.)
macro_rules! award_join {
    () => {
        "awards a JOIN medals m ON m.id = a.medal_id JOIN staff s ON s.id = a.staff_id \
         LEFT JOIN icons i ON i.id = m.icon_id"
    };
}

/// `FROM` this for any query over awards that needs the medal or the person.
pub const AWARD_JOIN: &str = award_join!();

/// An award as lists and pages show it (see [`AwardRow`]). Who awarded or revoked it and by
/// which rule are scalar subqueries, evaluated only for the rows returned: as LEFT JOINs of the
/// one-row `admins` table they led SQLite's planner (after ANALYZE) to scan staff, join awards
/// and sort all million of them for `ORDER BY awarded_at LIMIT 8` — 3 s for the dashboard and
/// `/awards` — instead of walking `awards_awarded_at`.
pub(crate) const SELECT: &str = concat!(
    "SELECT a.id, a.medal_id, m.name AS medal_name, m.tier, m.icon_preset, \
     i.sha256 AS icon_sha, a.staff_id, s.name AS staff_name, s.department, a.reason, a.awarded_at, \
     a.expires_at, a.awarded_by_rule, \
     (SELECT ab.username FROM admins ab WHERE ab.id = a.awarded_by_admin) AS awarded_by_name, \
     (SELECT ru.name FROM rules ru WHERE ru.id = a.awarded_by_rule) AS rule_name, a.revoked_at, \
     (SELECT rb.username FROM admins rb WHERE rb.id = a.revoked_by) AS revoked_by_name, \
     a.revoke_reason, a.public_token, a.batch_id FROM ",
    award_join!()
);

impl AwardRow {
    pub(crate) fn item(&self, now: i64) -> AwardItem {
        AwardItem {
            id: self.id,
            medal_id: self.medal_id,
            medal_name: self.medal_name.clone(),
            tier: Tier::parse(&self.tier).unwrap_or_default(),
            icon_url: crate::medals::icons::medal_icon_url(
                self.icon_preset.as_deref(),
                self.icon_sha.as_deref(),
            ),
            staff_id: self.staff_id,
            staff_name: self.staff_name.clone(),
            department: self.department.clone(),
            reason: self.reason.clone(),
            awarded_at: self.awarded_at,
            expires_at: self.expires_at,
            status: AwardStatus::at(self.revoked_at, self.expires_at, now),
            awarded_by: match (&self.awarded_by_name, self.awarded_by_rule, &self.rule_name) {
                (_, Some(_), Some(name)) => format!("规则「{name}」 / rule “{name}”"),
                (_, Some(r), None) => format!("规则 #{r} / rule #{r}"),
                (Some(n), None, _) => n.clone(),
                (None, None, _) => "CLI".into(),
            },
            rule_id: self.awarded_by_rule,
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
pub(crate) enum P {
    I(i64),
    S(String),
}

/// Runs `sql` with `params` bound in order and maps the rows with `FromRow`.
macro_rules! fetch_all_as {
    ($db:expr, $ty:ty, $sql:expr, $params:expr) => {
        with_db!($db, p => {
            let mut q = sqlx::query_as::<_, $ty>($sql);
            for v in $params.iter() {
                q = match v { $crate::awards::db::P::I(i) => q.bind(*i), $crate::awards::db::P::S(s) => q.bind(s.clone()) };
            }
            q.fetch_all(p).await
        })
        .map_err(AppError::from)
    };
}
pub(crate) use fetch_all_as;

/// `00:00` China time of a `YYYY-MM-DD` date, in UTC milliseconds.
fn day_start(date: &str) -> Option<i64> {
    let (y, m, d) = medal_core::time::parse_date(date)?;
    Some(medal_core::time::china_midnight(y, m, d))
}

pub(crate) fn bad_filter(field: &str, zh: &str, en: &str) -> AppError {
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
pub(crate) fn where_clause(
    f: &AwardFilter,
    db: &Db,
    now: i64,
) -> Result<(String, Vec<P>), AppError> {
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
        let like = like_op(db, person);
        w.add(
            &format!(
                "(s.name {like} ? ESCAPE '\\' OR s.external_id {like} ? ESCAPE '\\' \
                 OR s.mobile LIKE ? ESCAPE '\\')"
            ),
            [
                P::S(contains(person)),
                P::S(starts_with(person)),
                P::S(starts_with(person)),
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
    f.page
        .trim()
        .parse::<u32>()
        .unwrap_or(1)
        .clamp(1, 1_000_000)
}

/// A bad cursor in a URL: a clear 400, not the first page silently.
fn cursor(v: &str) -> Result<Option<Cursor>, AppError> {
    if v.trim().is_empty() {
        return Ok(None);
    }
    Cursor::parse(v).map(Some).ok_or_else(|| {
        // About the whole list (no field shows it), so the page's banner says it.
        bad_filter(
            "",
            "翻页位置无效，请回到第一页。",
            "Bad page position; go back to the first page.",
        )
    })
}

/// A page of the awards list, newest first, found by keyset on (awarded_at, id): `after` gives
/// the page below a cursor, `before` the page above it; neither, the first page.
pub async fn list(db: &Db, f: &AwardFilter) -> Result<AwardPage, AppError> {
    let now = now_ms();
    let (cond, params) = where_clause(f, db, now)?;
    let (after, before) = (cursor(&f.after)?, cursor(&f.before)?);
    let mut keyed = params.clone();
    let n = keyed.len();
    let (key, order) = match (after, before) {
        (Some(c), _) | (None, Some(c)) => {
            keyed.extend([P::I(c.awarded_at), P::I(c.id)]);
            let op = if after.is_some() { "<" } else { ">" };
            // Spelled out, with a plain range on awarded_at first: given the row value
            // `(a.awarded_at, a.id) < ($1, $2)` with bound values, the bundled SQLite scanned
            // staff and sorted their awards (3–5 s for page 1,000 of a million).
            (
                format!(
                    " AND a.awarded_at {op}= ${at} AND (a.awarded_at {op} ${at} OR a.id {op} ${id})",
                    at = n + 1,
                    id = n + 2
                ),
                op,
            )
        }
        (None, None) => (String::new(), "<"),
    };
    let dir = if order == "<" { "DESC" } else { "ASC" };
    let sql = format!(
        "{SELECT} WHERE {cond}{key} ORDER BY a.awarded_at {dir}, a.id {dir} LIMIT {}",
        PER_PAGE + 1
    );
    let mut rows = fetch_all_as!(&db, AwardRow, &sql, keyed)?;
    let more = rows.len() > PER_PAGE as usize;
    rows.truncate(PER_PAGE as usize);
    if before.is_some() {
        rows.reverse();
    }
    let at = |r: Option<&AwardRow>| {
        r.map(|r| {
            Cursor {
                awarded_at: r.awarded_at,
                id: r.id,
            }
            .param()
        })
    };
    let (has_next, has_prev) = match (after, before) {
        (None, None) => (more, false),
        (Some(_), _) => (more, true),
        (None, Some(_)) => (true, more),
    };
    let (total, capped) = total(db, f, &cond, &params).await?;
    Ok(AwardPage {
        items: rows.iter().map(|r| r.item(now)).collect(),
        page: page_of(f),
        per_page: PER_PAGE,
        next: if has_next { at(rows.last()) } else { None },
        prev: if has_prev { at(rows.first()) } else { None },
        total,
        capped,
    })
}

/// How many awards match: the medals' counters when nothing or only a medal is chosen, else a
/// count of at most [`TOTAL_CAP`] matches (then `capped`).
async fn total(
    db: &Db,
    f: &AwardFilter,
    cond: &str,
    params: &[P],
) -> Result<(i64, bool), AppError> {
    let unfiltered = AwardFilter {
        medal: String::new(),
        page: String::new(),
        after: String::new(),
        before: String::new(),
        ..f.clone()
    } == AwardFilter::default();
    if unfiltered {
        let medal = f.medal.trim().parse::<i64>().ok();
        let n = with_db!(db, p => sqlx::query_scalar::<_, i64>(
            "SELECT CAST(COALESCE(SUM(all_awards), 0) AS BIGINT) FROM medals WHERE $1 IS NULL OR id = $1")
            .bind(medal).fetch_one(p).await)
        .map_err(AppError::from)?;
        return Ok((n, false));
    }
    let sql = format!(
        "SELECT COUNT(*) FROM (SELECT 1 FROM {AWARD_JOIN} WHERE {cond} LIMIT {}) x",
        TOTAL_CAP + 1
    );
    let n = fetch_all_as!(&db, (i64,), &sql, params)?
        .first()
        .map(|r| r.0)
        .unwrap_or(0);
    Ok((n.min(TOTAL_CAP), n > TOTAL_CAP))
}

pub(crate) async fn fetch(db: &Db, id: i64) -> Result<AwardRow, AppError> {
    let sql = format!("{SELECT} WHERE a.id = $1");
    with_db!(db, p => sqlx::query_as::<_, AwardRow>(&sql).bind(id).fetch_optional(p).await)
        .map_err(AppError::from)?
        .ok_or(AppError::NotFound)
}

pub async fn get(db: &Db, id: i64) -> Result<AwardItem, AppError> {
    Ok(fetch(db, id).await?.item(now_ms()))
}

pub async fn choices(db: &Db) -> Result<AwardFormChoices, AppError> {
    let departments = with_db!(&db, p => sqlx::query_as::<_, (String, i64)>(
        // walks staff_department_active in order (`active` in WHERE: SQLite chose a sort)
        "SELECT department, SUM(CASE WHEN active THEN 1 ELSE 0 END) FROM staff WHERE department <> '' \
         GROUP BY department HAVING SUM(CASE WHEN active THEN 1 ELSE 0 END) > 0 \
         ORDER BY department").fetch_all(p).await)
    .map_err(AppError::from)?
    .into_iter()
    .map(|(name, staff)| DepartmentCount { name, staff })
    .collect();
    let admins = with_db!(&db, p => sqlx::query_as::<_, (i64, String)>(
        "SELECT id, username FROM admins ORDER BY username").fetch_all(p).await)
    .map_err(AppError::from)?
    .into_iter()
    .map(|(id, username)| AdminName { id, username })
    .collect();
    Ok(AwardFormChoices {
        departments,
        admins,
        card_templates: crate::cards::db::names(db).await?,
        medals: crate::medals::db::names(db).await?,
    })
}

pub use crate::awards::insert::{insert_awards, NewAwards};
