//! The medal catalogue: list, read, create, edit, archive and restore.

use crate::error::AppError;
pub use crate::infra::audit::audit;
use crate::infra::db::is_unique_violation;
use crate::infra::db::{contains, like_op};
use crate::infra::now_ms;
use crate::infra::Db;
use crate::medals::save::row_snapshot;
use crate::medals::MedalDetail;
use crate::medals::MedalFilter;
use crate::medals::MedalSummary;
use crate::session::types::AdminInfo;
use crate::with_db;
use medal_core::{MedalKind, Msg, Tier};

#[derive(sqlx::FromRow)]
pub(crate) struct MedalRow {
    pub(crate) id: i64,
    pub(crate) name: String,
    pub(crate) description: String,
    pub(crate) criteria: String,
    pub(crate) icon_preset: Option<String>,
    pub(crate) icon_id: Option<i64>,
    pub(crate) icon_sha: Option<String>,
    pub(crate) tier: String,
    pub(crate) kind: String,
    pub(crate) validity_days: Option<i32>,
    pub(crate) repeatable: bool,
    pub(crate) archived_at: Option<i64>,
    pub(crate) created_at: i64,
    pub(crate) updated_at: i64,
    pub(crate) award_count: i64,
}

pub(crate) const SELECT: &str = "SELECT m.id, m.name, m.description, m.criteria, m.icon_preset, m.icon_id, i.sha256 AS icon_sha, \
     m.tier, m.kind, m.validity_days, m.repeatable, m.archived_at, m.created_at, m.updated_at, \
     m.live_awards AS award_count \
     FROM medals m LEFT JOIN icons i ON i.id = m.icon_id";

impl MedalRow {
    pub(crate) fn icon_url(&self) -> String {
        crate::medals::icons::medal_icon_url(self.icon_preset.as_deref(), self.icon_sha.as_deref())
    }
    fn summary(&self) -> MedalSummary {
        MedalSummary {
            id: self.id,
            name: self.name.clone(),
            tier: Tier::parse(&self.tier).unwrap_or_default(),
            kind: MedalKind::parse(&self.kind).unwrap_or_default(),
            icon_url: self.icon_url(),
            archived: self.archived_at.is_some(),
            award_count: self.award_count,
        }
    }
    fn detail(&self) -> MedalDetail {
        MedalDetail {
            id: self.id,
            name: self.name.clone(),
            description: self.description.clone(),
            criteria: self.criteria.clone(),
            tier: Tier::parse(&self.tier).unwrap_or_default(),
            kind: MedalKind::parse(&self.kind).unwrap_or_default(),
            validity_days: self.validity_days.map(|d| d as u32),
            repeatable: self.repeatable,
            icon_url: self.icon_url(),
            icon_preset: self.icon_preset.clone(),
            archived_at: self.archived_at,
            created_at: self.created_at,
            updated_at: self.updated_at,
            award_count: self.award_count,
        }
    }
}

/// At most this many medals in a list (a catalogue has tens to hundreds).
pub const LIST_LIMIT: i64 = 1000;

pub async fn list(db: &Db, f: &MedalFilter, limit: i64) -> Result<Vec<MedalSummary>, AppError> {
    let status = match f.status.as_str() {
        "archived" => "m.archived_at IS NOT NULL",
        "all" => "1 = 1",
        _ => "m.archived_at IS NULL",
    };
    let sql = format!(
        "{SELECT} WHERE {status} AND m.name {op} $1 ESCAPE '\\' AND ($2 = '' OR m.tier = $2) \
         AND ($3 = '' OR m.kind = $3) ORDER BY m.archived_at IS NOT NULL, m.created_at DESC, m.id DESC LIMIT $4",
        op = like_op(db, &f.q)
    );
    let tier = Tier::parse(&f.tier).map(|t| t.as_str()).unwrap_or("");
    let kind = MedalKind::parse(&f.kind).map(|k| k.as_str()).unwrap_or("");
    let rows = with_db!(db, p => sqlx::query_as::<_, MedalRow>(&sql)
        .bind(contains(&f.q)).bind(tier).bind(kind).bind(limit).fetch_all(p).await)
    .map_err(AppError::from)?;
    Ok(rows.iter().map(MedalRow::summary).collect())
}

/// Every medal's id and name, as the medal list orders them (archived last, newest first).
pub async fn names(db: &Db) -> Result<Vec<(i64, String)>, AppError> {
    with_db!(db, p => sqlx::query_as::<_, (i64, String)>(
        "SELECT id, name FROM medals ORDER BY archived_at IS NOT NULL, created_at DESC, id DESC LIMIT $1")
        .bind(LIST_LIMIT).fetch_all(p).await)
    .map_err(AppError::from)
}

/// The medals with these ids (any order, missing ones left out).
pub async fn summaries(db: &Db, ids: &[i64]) -> Result<Vec<MedalSummary>, AppError> {
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    let list = crate::infra::db::id_list(ids);
    let sql = format!("{SELECT} WHERE m.id IN ({list})");
    let rows = with_db!(db, p => sqlx::query_as::<_, MedalRow>(&sql).fetch_all(p).await)
        .map_err(AppError::from)?;
    Ok(rows.iter().map(MedalRow::summary).collect())
}

pub(crate) async fn fetch(db: &Db, id: i64) -> Result<MedalRow, AppError> {
    let sql = format!("{SELECT} WHERE m.id = $1");
    with_db!(db, p => sqlx::query_as::<_, MedalRow>(&sql).bind(id).fetch_optional(p).await)
        .map_err(AppError::from)?
        .ok_or(AppError::NotFound)
}

pub async fn get(db: &Db, id: i64) -> Result<MedalDetail, AppError> {
    Ok(fetch(db, id).await?.detail())
}

pub(crate) fn name_taken(name: &str) -> AppError {
    AppError::field(
        "name",
        Msg::new(
            format!("已有名为「{name}」的勋章，请换一个名称。"),
            format!("A medal named “{name}” already exists."),
        ),
    )
}

pub(crate) async fn active_name_exists(
    db: &Db,
    name: &str,
    except: Option<i64>,
) -> Result<bool, AppError> {
    let n = with_db!(db, p => sqlx::query_scalar::<_, i64>(
        "SELECT COUNT(*) FROM medals WHERE name = $1 AND archived_at IS NULL AND id <> $2")
        .bind(name).bind(except.unwrap_or(-1)).fetch_one(p).await)
    .map_err(AppError::from)?;
    Ok(n > 0)
}

pub async fn set_archived(
    db: &Db,
    admin: &AdminInfo,
    id: i64,
    archived: bool,
) -> Result<(), AppError> {
    let before = fetch(db, id).await?;
    if before.archived_at.is_some() == archived {
        return Ok(());
    }
    if !archived && active_name_exists(db, &before.name, Some(id)).await? {
        return Err(AppError::Conflict(Msg::new(
            format!(
                "已有名为「{}」的有效勋章，请先修改其中一个的名称再恢复。",
                before.name
            ),
            format!(
                "An active medal named “{}” exists; rename one of them before restoring.",
                before.name
            ),
        )));
    }
    let at = if archived { Some(now_ms()) } else { None };
    let r = with_db!(db, p => sqlx::query("UPDATE medals SET archived_at = $1, updated_at = $2 WHERE id = $3")
        .bind(at).bind(now_ms()).bind(id).execute(p).await.map(|_| ()));
    match r {
        Err(e) if is_unique_violation(&e) => return Err(name_taken(&before.name)),
        r => r.map_err(AppError::from)?,
    };
    let action = if archived {
        "medal.archive"
    } else {
        "medal.restore"
    };
    audit(
        db,
        admin,
        action,
        "medal",
        id,
        Some(row_snapshot(&before)),
        Some(serde_json::json!({ "archived_at": at })),
    )
    .await?;
    Ok(())
}
