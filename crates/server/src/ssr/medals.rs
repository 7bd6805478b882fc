//! The medal catalogue: list, read, create, edit, archive and restore.

use std::collections::BTreeMap;

use leptos::server_fn::codec::MultipartData;
use medal_core::medal::{is_preset_icon, MedalDraft, ValidMedal};
use medal_core::{MedalKind, Msg, Role, Tier};

use super::auth::require;
use super::{db_err, flash, icons, internal, now_ms, state, Db};
use crate::api::{AdminInfo, DashboardData, MedalDetail, MedalFilter, MedalSummary};
use crate::error::AppError;
use crate::with_db;

#[derive(sqlx::FromRow)]
struct MedalRow {
    id: i64,
    name: String,
    description: String,
    criteria: String,
    icon_preset: Option<String>,
    icon_id: Option<i64>,
    icon_sha: Option<String>,
    tier: String,
    kind: String,
    validity_days: Option<i32>,
    repeatable: bool,
    archived_at: Option<i64>,
    created_at: i64,
    updated_at: i64,
    award_count: i64,
}

const SELECT: &str = "SELECT m.id, m.name, m.description, m.criteria, m.icon_preset, m.icon_id, i.sha256 AS icon_sha, \
     m.tier, m.kind, m.validity_days, m.repeatable, m.archived_at, m.created_at, m.updated_at, \
     (SELECT COUNT(*) FROM awards a WHERE a.medal_id = m.id AND a.revoked_at IS NULL) AS award_count \
     FROM medals m LEFT JOIN icons i ON i.id = m.icon_id";

impl MedalRow {
    fn icon_url(&self) -> String {
        icons::medal_icon_url(self.icon_preset.as_deref(), self.icon_sha.as_deref())
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

/// Escapes `%`, `_` and `\` for a LIKE pattern with `ESCAPE '\'`.
fn like_pattern(q: &str) -> String {
    format!("%{}%", super::db::escape_like(&q.trim().to_lowercase()))
}

/// At most this many medals in a list (a catalogue has tens to hundreds).
pub const LIST_LIMIT: i64 = 1000;

pub async fn list(f: &MedalFilter, limit: i64) -> Result<Vec<MedalSummary>, AppError> {
    let st = state()?;
    let status = match f.status.as_str() {
        "archived" => "m.archived_at IS NOT NULL",
        "all" => "1 = 1",
        _ => "m.archived_at IS NULL",
    };
    let sql = format!(
        "{SELECT} WHERE {status} AND LOWER(m.name) LIKE $1 ESCAPE '\\' AND ($2 = '' OR m.tier = $2) \
         AND ($3 = '' OR m.kind = $3) ORDER BY m.archived_at IS NOT NULL, m.created_at DESC, m.id DESC LIMIT $4"
    );
    let tier = Tier::parse(&f.tier).map(|t| t.as_str()).unwrap_or("");
    let kind = MedalKind::parse(&f.kind).map(|k| k.as_str()).unwrap_or("");
    let rows = with_db!(&st.db, p => sqlx::query_as::<_, MedalRow>(&sql)
        .bind(like_pattern(&f.q)).bind(tier).bind(kind).bind(limit).fetch_all(p).await)
    .map_err(db_err)?;
    Ok(rows.iter().map(MedalRow::summary).collect())
}

/// The medals with these ids (any order, missing ones left out).
pub async fn summaries(db: &Db, ids: &[i64]) -> Result<Vec<MedalSummary>, AppError> {
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    let list = ids.iter().map(i64::to_string).collect::<Vec<_>>().join(",");
    let sql = format!("{SELECT} WHERE m.id IN ({list})");
    let rows = with_db!(db, p => sqlx::query_as::<_, MedalRow>(&sql).fetch_all(p).await)
        .map_err(db_err)?;
    Ok(rows.iter().map(MedalRow::summary).collect())
}

async fn fetch(db: &Db, id: i64) -> Result<MedalRow, AppError> {
    let sql = format!("{SELECT} WHERE m.id = $1");
    with_db!(db, p => sqlx::query_as::<_, MedalRow>(&sql).bind(id).fetch_optional(p).await)
        .map_err(db_err)?
        .ok_or(AppError::NotFound)
}

pub async fn get(id: i64) -> Result<MedalDetail, AppError> {
    Ok(fetch(&state()?.db, id).await?.detail())
}

pub async fn dashboard() -> Result<DashboardData, AppError> {
    let st = state()?;
    let count = |sql: &'static str| {
        let db = st.db.clone();
        async move {
            with_db!(&db, p => sqlx::query_scalar::<_, i64>(sql).fetch_one(p).await).map_err(db_err)
        }
    };
    let (active_medals, archived_medals) = with_db!(&st.db, p => sqlx::query_as::<_, (i64, i64)>(
        "SELECT COUNT(*) - COUNT(archived_at), COUNT(archived_at) FROM medals").fetch_one(p).await)
    .map_err(db_err)?;
    Ok(DashboardData {
        active_medals,
        archived_medals,
        staff: count("SELECT COUNT(*) FROM staff WHERE active = TRUE").await?,
        awards: count("SELECT COUNT(*) FROM awards WHERE revoked_at IS NULL").await?,
        recent_medals: list(&MedalFilter::default(), 6).await?,
    })
}

pub use super::audit::audit;

fn name_taken(name: &str) -> AppError {
    AppError::field(
        "name",
        Msg::new(
            format!("已有名为「{name}」的勋章，请换一个名称。"),
            format!("A medal named “{name}” already exists."),
        ),
    )
}

async fn active_name_exists(db: &Db, name: &str, except: Option<i64>) -> Result<bool, AppError> {
    let n = with_db!(db, p => sqlx::query_scalar::<_, i64>(
        "SELECT COUNT(*) FROM medals WHERE name = $1 AND archived_at IS NULL AND id <> $2")
        .bind(name).bind(except.unwrap_or(-1)).fetch_one(p).await)
    .map_err(db_err)?;
    Ok(n > 0)
}

fn is_unique_violation(e: &sqlx::Error) -> bool {
    matches!(e, sqlx::Error::Database(d) if d.is_unique_violation())
}

/// The medal form as posted (multipart: it may carry an icon file).
struct Posted {
    values: BTreeMap<String, String>,
    icon_file: Option<Vec<u8>>,
    /// The file was over the limit and was not kept.
    icon_too_big: bool,
}

/// What a medal form post may carry in all; the rest is not read.
const MAX_BODY_BYTES: usize = 8 * 1024 * 1024;

fn bad(e: impl std::fmt::Display) -> AppError {
    AppError::Malformed(e.to_string())
}

async fn read_form(data: MultipartData) -> Result<Posted, AppError> {
    let mut mp = data
        .into_inner()
        .ok_or_else(|| internal("multipart data missing"))?;
    let mut posted = Posted {
        values: BTreeMap::new(),
        icon_file: None,
        icon_too_big: false,
    };
    let mut too_big = false;
    while let Some(mut field) = mp.next_field().await.map_err(bad)? {
        let name = field.name().unwrap_or_default().to_string();
        if name == "icon_file" {
            // Past the limit, keep reading (so the browser gets its answer) but keep nothing.
            let mut buf = Vec::new();
            let mut total = 0usize;
            while let Some(chunk) = field.chunk().await.map_err(bad)? {
                total += chunk.len();
                if total <= icons::MAX_UPLOAD_BYTES {
                    buf.extend_from_slice(&chunk);
                } else if total > MAX_BODY_BYTES {
                    break;
                }
            }
            if total > icons::MAX_UPLOAD_BYTES {
                too_big = true;
            } else if !buf.is_empty() {
                posted.icon_file = Some(buf);
            }
        } else {
            let text = field.text().await.map_err(bad)?;
            if text.len() > 64 * 1024 {
                return Err(AppError::Malformed(format!("field {name} too long")));
            }
            posted.values.insert(name, text);
        }
    }
    posted.icon_too_big = too_big;
    Ok(posted)
}

enum IconChoice {
    Preset(String),
    Upload(Vec<u8>),
    Keep,
}

fn icon_choice(
    values: &BTreeMap<String, String>,
    file: Option<Vec<u8>>,
    editing: bool,
) -> Result<IconChoice, AppError> {
    let source = values.get("icon_source").map(String::as_str).unwrap_or("");
    match (source, file) {
        ("upload", Some(bytes)) => Ok(IconChoice::Upload(bytes)),
        ("upload", None) if editing => Ok(IconChoice::Keep),
        ("upload", None) => Err(AppError::field(
            "icon_file",
            Msg::new(
                "请选择要上传的图标文件，或改选预设图标。",
                "Choose an icon file to upload, or pick a preset icon.",
            ),
        )),
        ("keep", _) if editing => Ok(IconChoice::Keep),
        _ => {
            let key = values.get("icon_preset").map(|s| s.trim()).unwrap_or("");
            if is_preset_icon(key) {
                Ok(IconChoice::Preset(key.to_string()))
            } else {
                Err(AppError::field(
                    "icon_preset",
                    Msg::new("请选择一个图标。", "Choose an icon."),
                ))
            }
        }
    }
}

fn draft(values: &BTreeMap<String, String>) -> MedalDraft {
    let v = |k: &str| values.get(k).cloned().unwrap_or_default();
    MedalDraft {
        name: v("name"),
        description: v("description"),
        criteria: v("criteria"),
        tier: v("tier"),
        kind: v("kind"),
        validity_days: v("validity_days"),
        repeatable: matches!(v("repeatable").as_str(), "on" | "true" | "1"),
    }
}

fn snapshot(m: &ValidMedal) -> serde_json::Value {
    serde_json::json!({
        "name": m.name.as_str(), "description": m.description, "criteria": m.criteria,
        "tier": m.tier.as_str(), "kind": m.kind.as_str(), "validity_days": m.validity.days(),
        "repeatable": m.repeatable,
    })
}

fn row_snapshot(r: &MedalRow) -> serde_json::Value {
    serde_json::json!({
        "name": r.name, "description": r.description, "criteria": r.criteria, "tier": r.tier,
        "kind": r.kind, "validity_days": r.validity_days, "repeatable": r.repeatable,
        "icon": r.icon_url(), "archived_at": r.archived_at,
    })
}

/// Handles the medal form: creates a medal, or updates one when `id` is set.
pub async fn save_from_form(data: MultipartData) -> Result<i64, AppError> {
    let mut values = BTreeMap::new();
    let r = async {
        let admin = require(Role::Admin).await?;
        let posted = read_form(data).await?;
        values = posted.values.clone();
        let id = save(&admin, posted).await?;
        leptos_axum::redirect(&format!("/medals/{id}"));
        Ok(id)
    }
    .await;
    values.remove("icon_file");
    flash::finish("medal", values, r).await
}

async fn save(admin: &AdminInfo, posted: Posted) -> Result<i64, AppError> {
    let st = state()?;
    let db = &st.db;
    let id: Option<i64> = match posted
        .values
        .get("id")
        .map(|s| s.trim())
        .filter(|s| !s.is_empty())
    {
        Some(s) => Some(s.parse().map_err(|_| AppError::NotFound)?),
        None => None,
    };
    let before = match id {
        Some(id) => Some(fetch(db, id).await?),
        None => None,
    };
    // Validate everything first and report all problems together.
    let valid = draft(&posted.values).validate();
    let icon = if posted.icon_too_big {
        Err(AppError::field(
            "icon_file",
            Msg::new(
                "图标文件不能超过 2 MB。",
                "The icon file must be at most 2 MB.",
            ),
        ))
    } else {
        icon_choice(&posted.values, posted.icon_file, id.is_some())
    };
    let (valid, icon) = match (valid, icon) {
        (Ok(v), Ok(i)) => (v, i),
        (v, i) => {
            let mut errs = v.err().unwrap_or_default();
            if let Err(AppError::Validation(m)) = i {
                errs.extend(m);
            }
            return Err(AppError::Validation(errs));
        }
    };
    if active_name_exists(db, valid.name.as_str(), id).await?
        && before.as_ref().is_none_or(|b| b.archived_at.is_none())
    {
        return Err(name_taken(valid.name.as_str()));
    }
    let (preset, icon_id) = match icon {
        IconChoice::Preset(p) => (Some(p), None),
        IconChoice::Upload(bytes) => {
            let processed = tokio::task::spawn_blocking(move || icons::process(&bytes))
                .await
                .map_err(internal)??;
            (None, Some(icons::store(db, &processed).await?))
        }
        IconChoice::Keep => {
            let b = before.as_ref().ok_or(AppError::NotFound)?;
            match b.icon_id {
                Some(iid) => (None, Some(iid)),
                None => (b.icon_preset.clone().or(Some("star".into())), None),
            }
        }
    };
    let now = now_ms();
    let validity = valid.validity.days().map(|d| d as i32);
    let result = match id {
        None => with_db!(db, p => sqlx::query_scalar::<_, i64>(
            "INSERT INTO medals (name, description, criteria, icon_preset, icon_id, tier, kind, validity_days, repeatable, created_by, created_at, updated_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $11) RETURNING id")
            .bind(valid.name.as_str()).bind(&valid.description).bind(&valid.criteria).bind(&preset).bind(icon_id)
            .bind(valid.tier.as_str()).bind(valid.kind.as_str()).bind(validity).bind(valid.repeatable)
            .bind(admin.id).bind(now).fetch_one(p).await),
        Some(id) => with_db!(db, p => sqlx::query_scalar::<_, i64>(
            "UPDATE medals SET name = $1, description = $2, criteria = $3, icon_preset = $4, icon_id = $5, tier = $6, \
             kind = $7, validity_days = $8, repeatable = $9, updated_at = $10 WHERE id = $11 RETURNING id")
            .bind(valid.name.as_str()).bind(&valid.description).bind(&valid.criteria).bind(&preset).bind(icon_id)
            .bind(valid.tier.as_str()).bind(valid.kind.as_str()).bind(validity).bind(valid.repeatable)
            .bind(now).bind(id).fetch_one(p).await),
    };
    let saved = match result {
        Ok(id) => id,
        Err(e) if is_unique_violation(&e) => return Err(name_taken(valid.name.as_str())),
        Err(e) => return Err(db_err(e)),
    };
    let action = if id.is_some() {
        "medal.update"
    } else {
        "medal.create"
    };
    audit(
        db,
        admin,
        action,
        "medal",
        saved,
        before.as_ref().map(row_snapshot),
        Some(snapshot(&valid)),
    )
    .await?;
    Ok(saved)
}

pub async fn set_archived(id: i64, archived: bool) -> Result<(), AppError> {
    let admin = require(Role::Admin).await?;
    let st = state()?;
    let before = fetch(&st.db, id).await?;
    if before.archived_at.is_some() == archived {
        return Ok(());
    }
    if !archived && active_name_exists(&st.db, &before.name, Some(id)).await? {
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
    let r = with_db!(&st.db, p => sqlx::query("UPDATE medals SET archived_at = $1, updated_at = $2 WHERE id = $3")
        .bind(at).bind(now_ms()).bind(id).execute(p).await.map(|_| ()));
    match r {
        Err(e) if is_unique_violation(&e) => return Err(name_taken(&before.name)),
        r => r.map_err(db_err)?,
    };
    let action = if archived {
        "medal.archive"
    } else {
        "medal.restore"
    };
    audit(
        &st.db,
        &admin,
        action,
        "medal",
        id,
        Some(row_snapshot(&before)),
        Some(serde_json::json!({ "archived_at": at })),
    )
    .await?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn like_patterns_escape_wildcards() {
        assert_eq!(like_pattern(" 100%_Star "), "%100\\%\\_star%");
        assert_eq!(like_pattern(""), "%%");
    }

    #[test]
    fn icon_choice_needs_a_file_or_a_known_preset() {
        let mut v = BTreeMap::from([("icon_source".to_string(), "preset".to_string())]);
        assert!(icon_choice(&v, None, false).is_err());
        v.insert("icon_preset".into(), "trophy".into());
        assert!(matches!(icon_choice(&v, None, false), Ok(IconChoice::Preset(p)) if p == "trophy"));
        v.insert("icon_source".into(), "upload".into());
        assert!(icon_choice(&v, None, false).is_err());
        assert!(matches!(icon_choice(&v, None, true), Ok(IconChoice::Keep)));
        assert!(matches!(
            icon_choice(&v, Some(vec![1]), false),
            Ok(IconChoice::Upload(_))
        ));
    }

    #[test]
    fn checkbox_values_mean_repeatable() {
        let v = BTreeMap::from([("repeatable".to_string(), "on".to_string())]);
        assert!(draft(&v).repeatable);
        assert!(!draft(&BTreeMap::new()).repeatable);
    }
}
