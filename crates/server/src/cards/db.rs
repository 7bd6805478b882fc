//! Card templates in the database: list (each with a preview filled from the latest award),
//! save (the mapping checked: one `variable = field` per line, known fields, DingTalk's
//! limits), delete; all changes audited.

use std::collections::BTreeMap;

use crate::cards::types::{CardTemplateForm, CardTemplateView, FIELDS};
use crate::error::AppError;
use crate::infra::now_ms;
use crate::infra::AppState;
use crate::infra::Db;
use crate::session::types::AdminInfo;
use crate::with_db;
use medal_core::Msg;
use serde_json::json;

#[derive(sqlx::FromRow, Clone)]
pub struct TemplateRow {
    pub id: i64,
    pub name: String,
    pub template_id: String,
    pub mapping: String,
}

impl TemplateRow {
    pub fn mapping(&self) -> Vec<(String, String)> {
        serde_json::from_str(&self.mapping).unwrap_or_default()
    }
}

const SELECT: &str = "SELECT id, name, template_id, mapping FROM card_templates";

pub async fn all(db: &Db) -> Result<Vec<TemplateRow>, AppError> {
    let sql = format!("{SELECT} ORDER BY name, id");
    with_db!(db, p => sqlx::query_as::<_, TemplateRow>(&sql).fetch_all(p).await)
        .map_err(AppError::from)
}

/// (id, name) of every template, for the forms that offer them.
pub async fn names(db: &Db) -> Result<Vec<(i64, String)>, AppError> {
    Ok(all(db).await?.into_iter().map(|t| (t.id, t.name)).collect())
}

pub async fn fetch(db: &Db, id: i64) -> Result<TemplateRow, AppError> {
    let sql = format!("{SELECT} WHERE id = $1");
    with_db!(db, p => sqlx::query_as::<_, TemplateRow>(&sql).bind(id).fetch_optional(p).await)
        .map_err(AppError::from)?
        .ok_or(AppError::NotFound)
}

/// Every template, each previewed with the latest award that is not revoked.
pub async fn list(st: &AppState) -> Result<Vec<CardTemplateView>, AppError> {
    let db = &st.db;
    let latest = with_db!(db, p => sqlx::query_scalar::<_, i64>(
        "SELECT id FROM awards WHERE revoked_at IS NULL ORDER BY awarded_at DESC, id DESC LIMIT 1")
        .fetch_optional(p).await)
    .map_err(AppError::from)?;
    let award = match latest {
        Some(id) => Some(crate::awards::db::get(db, id).await?),
        None => None,
    };
    let base = crate::settings::db::public_base_url(db, &st.config).await?;
    Ok(all(db)
        .await?
        .into_iter()
        .map(|t| {
            let mapping = t.mapping();
            let preview = award
                .as_ref()
                .map(|a| {
                    let filled = crate::cards::fill::params(&mapping, a, &base, "");
                    mapping
                        .iter()
                        .map(|(v, _)| (v.clone(), filled.get(v).cloned().unwrap_or_default()))
                        .collect()
                })
                .unwrap_or_default();
            CardTemplateView {
                id: t.id,
                name: t.name,
                template_id: t.template_id,
                mapping,
                preview,
                preview_award: award.as_ref().map(|a| a.id),
            }
        })
        .collect())
}

/// `variable = field` lines into pairs, or what is wrong with which line.
pub fn parse_mapping(text: &str) -> Result<Vec<(String, String)>, Msg> {
    let mut out: Vec<(String, String)> = Vec::new();
    for (n, line) in text.lines().enumerate().map(|(i, l)| (i + 1, l.trim())) {
        if line.is_empty() {
            continue;
        }
        let Some((var, field)) = line.split_once(['=', '＝']) else {
            return Err(Msg::new(
                format!("第 {n} 行应写成「变量 = 字段」"),
                format!("Line {n} should read “variable = field”"),
            ));
        };
        let (var, field) = (var.trim(), field.trim());
        let ok_var = !var.is_empty()
            && var.len() <= dingtalk::app::MAX_CARD_KEY_BYTES
            && var.chars().all(|c| c.is_ascii_alphanumeric() || c == '_');
        if !ok_var {
            return Err(Msg::new(
                format!("第 {n} 行：变量名只含字母、数字和下划线（与卡片搭建平台中一致）"),
                format!("Line {n}: a variable name has letters, digits and underscores (as in the card builder)"),
            ));
        }
        if !FIELDS.iter().any(|(k, _, _)| *k == field) {
            let known = FIELDS
                .iter()
                .map(|(k, _, _)| *k)
                .collect::<Vec<_>>()
                .join(", ");
            return Err(Msg::new(
                format!("第 {n} 行：没有字段「{field}」；可用：{known}"),
                format!("Line {n}: there is no field “{field}”; known: {known}"),
            ));
        }
        if out.iter().any(|(v, _)| v == var) {
            return Err(Msg::new(
                format!("第 {n} 行：变量「{var}」重复"),
                format!("Line {n}: variable “{var}” appears twice"),
            ));
        }
        out.push((var.to_string(), field.to_string()));
    }
    if out.is_empty() {
        return Err(Msg::new("至少映射一个变量", "Map at least one variable"));
    }
    Ok(out)
}

pub async fn save(db: &Db, admin: &AdminInfo, f: &CardTemplateForm) -> Result<i64, AppError> {
    let mut errors: BTreeMap<String, Vec<Msg>> = BTreeMap::new();
    let name = medal_core::text::line(f.name.as_deref().unwrap_or(""), 1, 50, ("名称", "The name"))
        .map_err(|m| errors.insert("name".into(), vec![m]))
        .unwrap_or_default();
    let template_id = f.template_id.as_deref().unwrap_or("").trim().to_string();
    if template_id.is_empty()
        || template_id.len() > 200
        || !template_id.chars().all(|c| c.is_ascii_graphic())
    {
        errors.insert(
            "template_id".into(),
            vec![Msg::new(
                "请填写卡片搭建平台中的模板 ID（如 xxxx.schema）",
                "Enter the template id from the card builder (e.g. xxxx.schema)",
            )],
        );
    }
    let mapping = parse_mapping(f.mapping.as_deref().unwrap_or(""))
        .map_err(|m| errors.insert("mapping".into(), vec![m]))
        .unwrap_or_default();
    if !errors.is_empty() {
        return Err(AppError::Validation(errors));
    }
    let json = serde_json::to_string(&mapping).map_err(crate::infra::internal)?;
    let now = now_ms();
    let after = json!({ "name": name, "template_id": template_id, "mapping": mapping });
    let id = match f.id.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
        Some(id) => {
            let id: i64 = id.parse().map_err(|_| AppError::NotFound)?;
            let old = fetch(db, id).await?;
            with_db!(db, p => sqlx::query(
                "UPDATE card_templates SET name = $1, template_id = $2, mapping = $3, updated_at = $4 WHERE id = $5")
                .bind(&name).bind(&template_id).bind(&json).bind(now).bind(id).execute(p).await.map(|_| ()))
            .map_err(AppError::from)?;
            let before = json!({ "name": old.name, "template_id": old.template_id, "mapping": old.mapping() });
            crate::infra::audit::audit(
                db,
                admin,
                "card_template.update",
                "card_template",
                id,
                Some(before),
                Some(after),
            )
            .await?;
            id
        }
        None => {
            let id = with_db!(db, p => sqlx::query_scalar::<_, i64>(
                "INSERT INTO card_templates (name, template_id, mapping, created_at, updated_at) VALUES ($1, $2, $3, $4, $4) RETURNING id")
                .bind(&name).bind(&template_id).bind(&json).bind(now).fetch_one(p).await)
            .map_err(AppError::from)?;
            crate::infra::audit::audit(
                db,
                admin,
                "card_template.create",
                "card_template",
                id,
                None,
                Some(after),
            )
            .await?;
            id
        }
    };
    Ok(id)
}

pub async fn delete(db: &Db, admin: &AdminInfo, id: i64) -> Result<(), AppError> {
    let old = fetch(db, id).await?;
    with_db!(db, p => sqlx::query("DELETE FROM card_templates WHERE id = $1").bind(id).execute(p).await.map(|_| ()))
        .map_err(AppError::from)?;
    let before = json!({ "name": old.name, "template_id": old.template_id });
    crate::infra::audit::audit(
        db,
        admin,
        "card_template.delete",
        "card_template",
        id,
        Some(before),
        None,
    )
    .await
}
