//! Saving the medal form (multipart: it may carry an icon).

use crate::error::AppError;
pub use crate::infra::audit::audit;
use crate::infra::db::is_unique_violation;
use crate::infra::multipart;
use crate::infra::now_ms;
use crate::infra::AppState;
use crate::medals::db::active_name_exists;
use crate::medals::db::fetch;
use crate::medals::db::name_taken;
use crate::medals::db::MedalRow;
use crate::session::AdminInfo;
use crate::with_db;
use leptos::server_fn::codec::MultipartData;
use medal_core::medal::{is_preset_icon, MedalDraft, ValidMedal};
use medal_core::Msg;
use std::collections::BTreeMap;

/// The medal form as posted (multipart: it may carry an icon file).
pub struct Posted {
    pub values: BTreeMap<String, String>,
    icon_file: Option<Vec<u8>>,
    /// The file was over the limit and was not kept.
    icon_too_big: bool,
}

pub async fn read_form(data: MultipartData) -> Result<Posted, AppError> {
    let form =
        multipart::read(data, &["icon_file"], crate::medals::icons::MAX_UPLOAD_BYTES).await?;
    let icon = form.file("icon_file");
    Ok(Posted {
        values: form.text_map(&[]),
        icon_file: icon.filter(|f| !f.too_big).map(|f| f.bytes.clone()),
        icon_too_big: icon.is_some_and(|f| f.too_big),
    })
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

pub(crate) fn row_snapshot(r: &MedalRow) -> serde_json::Value {
    serde_json::json!({
        "name": r.name, "description": r.description, "criteria": r.criteria, "tier": r.tier,
        "kind": r.kind, "validity_days": r.validity_days, "repeatable": r.repeatable,
        "icon": r.icon_url(), "archived_at": r.archived_at,
    })
}

/// Creates a medal, or updates one when the form has an `id`.
pub async fn save(st: &AppState, admin: &AdminInfo, posted: Posted) -> Result<i64, AppError> {
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
            let processed = crate::medals::icons::process_bounded(&st.icon_slots, bytes).await?;
            (
                None,
                Some(crate::medals::icons::store(db, &processed).await?),
            )
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
        Err(e) => return Err(AppError::from(e)),
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

#[cfg(test)]
mod tests {
    use super::*;

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
