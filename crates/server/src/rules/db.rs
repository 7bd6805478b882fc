//! Rule queries: the rows, the page's choices, validation when saved.

use crate::error::AppError;
use crate::infra::{now_ms, Db};
use crate::rules::types::{RuleForm, RuleView, RulesData};
use crate::session::AdminInfo;
use crate::with_db;
use medal_core::rule::{valid_metric, Days, RuleKind, Spec, Window};
use medal_core::time::{china_day, fmt_day};
use medal_core::Msg;
use std::collections::BTreeMap;

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct RuleRow {
    pub id: i64,
    pub name: String,
    pub medal_id: i64,
    pub metric: String,
    pub kind: String,
    pub days: String,
    pub period: String,
    pub threshold: i64,
    pub group_ids: String,
    /// '' or a channel of [`crate::shares::direct`]: tell the winners 1:1.
    pub tell: String,
    pub from_day: Option<i64>,
    pub active: bool,
    pub created_by: Option<i64>,
    pub created_at: i64,
    pub updated_at: i64,
}

impl RuleRow {
    pub fn spec(&self) -> Spec {
        Spec {
            kind: RuleKind::parse(&self.kind).unwrap_or(RuleKind::Total),
            days: Days::parse(&self.days).unwrap_or(Days::Calendar),
            window: Window::parse(&self.period).unwrap_or(Window::None),
            threshold: self.threshold,
            from_day: self.from_day,
        }
    }
    pub fn groups(&self) -> Vec<i64> {
        self.group_ids
            .split(',')
            .filter_map(|s| s.trim().parse().ok())
            .collect()
    }
}

const COLUMNS: &str = "r.id, r.name, r.medal_id, r.metric, r.kind, r.days, r.period, r.threshold, \
    r.group_ids, r.tell, r.from_day, r.active, r.created_by, r.created_at, r.updated_at";

/// The active rules on a metric (not deleted, not paused).
pub async fn active_on(db: &Db, metric: &str) -> Result<Vec<RuleRow>, AppError> {
    let sql = format!(
        "SELECT {COLUMNS} FROM rules r WHERE r.metric = $1 AND r.active AND r.deleted_at IS NULL \
         ORDER BY r.id"
    );
    with_db!(db, p => sqlx::query_as::<_, RuleRow>(&sql).bind(metric).fetch_all(p).await)
        .map_err(AppError::from)
}

pub async fn row(db: &Db, id: i64) -> Result<RuleRow, AppError> {
    let sql = format!("SELECT {COLUMNS} FROM rules r WHERE r.id = $1 AND r.deleted_at IS NULL");
    with_db!(db, p => sqlx::query_as::<_, RuleRow>(&sql).bind(id).fetch_optional(p).await)
        .map_err(AppError::from)?
        .ok_or(AppError::NotFound)
}

#[derive(sqlx::FromRow)]
struct Listed {
    #[sqlx(flatten)]
    r: RuleRow,
    medal_name: String,
    awarded: i64,
}

fn view(l: Listed) -> RuleView {
    let group_ids = l.r.groups();
    RuleView {
        id: l.r.id,
        name: l.r.name,
        medal_id: l.r.medal_id,
        medal_name: l.medal_name,
        metric: l.r.metric,
        kind: l.r.kind,
        days: l.r.days,
        period: l.r.period,
        threshold: l.r.threshold,
        group_ids,
        tell: l.r.tell,
        from_date: l.r.from_day.map(fmt_day),
        active: l.r.active,
        awarded: l.awarded,
        created_at: l.r.created_at,
        updated_at: l.r.updated_at,
    }
}

fn listed_sql(filter: &str) -> String {
    format!(
        "SELECT {COLUMNS}, m.name AS medal_name, \
         (SELECT COUNT(*) FROM rule_awards ra WHERE ra.rule_id = r.id AND ra.award_id IS NOT NULL) AS awarded \
         FROM rules r JOIN medals m ON m.id = r.medal_id WHERE r.deleted_at IS NULL {filter} ORDER BY r.id"
    )
}

/// Every rule (not deleted), oldest first.
pub async fn list(db: &Db) -> Result<Vec<RuleView>, AppError> {
    let sql = listed_sql("");
    let rows = with_db!(db, p => sqlx::query_as::<_, Listed>(&sql).fetch_all(p).await)
        .map_err(AppError::from)?;
    Ok(rows.into_iter().map(view).collect())
}

pub async fn get(db: &Db, id: i64) -> Result<RuleView, AppError> {
    let sql = listed_sql("AND r.id = $1");
    with_db!(db, p => sqlx::query_as::<_, Listed>(&sql).bind(id).fetch_optional(p).await)
        .map_err(AppError::from)?
        .map(view)
        .ok_or(AppError::NotFound)
}

/// What the rules page offers besides the rules.
pub async fn page(db: &Db) -> Result<RulesData, AppError> {
    let medals: Vec<(i64, String, String)> = with_db!(db, p => sqlx::query_as(
        "SELECT id, name, kind FROM medals WHERE archived_at IS NULL ORDER BY name").fetch_all(p).await)
    .map_err(AppError::from)?;
    let groups: Vec<(i64, String)> = with_db!(db, p => sqlx::query_as(
        "SELECT id, name FROM share_groups WHERE NOT disabled AND kind IN ('webhook', 'app', 'chat') ORDER BY name").fetch_all(p).await)
    .map_err(AppError::from)?;
    let metrics: Vec<(String, i64)> = with_db!(db, p => sqlx::query_as(
        "SELECT metric, COUNT(*) FROM facts GROUP BY metric ORDER BY metric").fetch_all(p).await)
    .map_err(AppError::from)?;
    let holidays: Vec<(i64, String)> = with_db!(db, p => sqlx::query_as(
        "SELECT day, name FROM holidays ORDER BY day").fetch_all(p).await)
    .map_err(AppError::from)?;
    Ok(RulesData {
        rules: list(db).await?,
        medals: medals
            .into_iter()
            .map(|(i, n, k)| (i, n, k == "automatic"))
            .collect(),
        groups,
        card_templates: crate::cards::db::names(db).await?,
        metrics,
        holidays: holidays
            .into_iter()
            .map(|(d, n)| format!("{} {n}", fmt_day(d)).trim_end().to_string())
            .collect::<Vec<_>>()
            .join("\n"),
    })
}

/// A rule form, checked.
pub struct Valid {
    pub name: String,
    pub medal_id: i64,
    pub metric: String,
    pub spec: Spec,
    pub group_ids: Vec<i64>,
    pub tell: String,
}

fn text(v: &Option<String>) -> String {
    v.as_deref().unwrap_or("").trim().to_string()
}

/// Checks a rule form: every problem at once, each at its field.
pub async fn validate(db: &Db, f: &RuleForm) -> Result<Valid, AppError> {
    let mut errors: BTreeMap<String, Vec<Msg>> = BTreeMap::new();
    let mut bad = |field: &str, zh: &str, en: &str| {
        errors
            .entry(field.to_string())
            .or_default()
            .push(Msg::new(zh, en))
    };
    let name = text(&f.name);
    if name.is_empty() || name.chars().count() > 50 {
        bad(
            "name",
            "请填写规则名称（最多 50 个字）",
            "Name the rule (at most 50 characters)",
        );
    }
    let metric = text(&f.metric);
    if !valid_metric(&metric) {
        bad("metric", "指标名只能用小写字母、数字和 _ . -，以字母开头（最多 40 个字符），如 attendance、tasks_completed",
            "A metric is lower-case letters, digits and _ . -, starting with a letter (at most 40), e.g. attendance, tasks_completed");
    }
    let kind = RuleKind::parse(&text(&f.kind));
    if kind.is_none() {
        bad("kind", "请选择规则类型", "Choose the kind of rule");
    }
    let days = Days::parse(&text(&f.days)).unwrap_or(Days::Calendar);
    let window = Window::parse(&text(&f.period));
    if window.is_none() {
        bad("period", "请选择统计周期", "Choose the window");
    }
    let threshold = text(&f.threshold)
        .parse::<i64>()
        .ok()
        .filter(|t| (1..=1_000_000_000).contains(t));
    match (threshold, kind) {
        (None, _) => bad(
            "threshold",
            "请填写 1 以上的整数",
            "Enter a whole number of 1 or more",
        ),
        (Some(t), Some(RuleKind::Streak)) if t > 366 => bad(
            "threshold",
            "连续天数最多 366 天",
            "A streak is at most 366 days",
        ),
        _ => {}
    }
    let medal_id = text(&f.medal_id).parse::<i64>().ok();
    let medal: Option<(bool, Option<i64>)> = match medal_id {
        Some(id) => with_db!(db, p => sqlx::query_as::<_, (bool, Option<i64>)>(
            "SELECT repeatable, archived_at FROM medals WHERE id = $1").bind(id).fetch_optional(p).await)
        .map_err(AppError::from)?,
        None => None,
    };
    match medal {
        None => bad(
            "medal_id",
            "请选择要颁发的勋章",
            "Choose the medal to award",
        ),
        Some((_, Some(_))) => bad("medal_id", "这枚勋章已归档", "This medal is archived"),
        Some((false, None)) if window.is_some_and(|w| w != Window::None) => bad(
            "period",
            "按月或按季度颁发需要可重复获得的勋章（在勋章页勾选「可重复获得」）",
            "A monthly or quarterly rule needs a repeatable medal (tick “repeatable” on the medal)",
        ),
        _ => {}
    }
    let mut group_ids: Vec<i64> = Vec::new();
    for g in &f.group_ids {
        match g.trim().parse::<i64>() {
            Ok(id) if !group_ids.contains(&id) => group_ids.push(id),
            Ok(_) => {}
            Err(_) if g.trim().is_empty() => {}
            Err(_) => bad(
                "group_ids",
                "所选的群不存在",
                "A chosen group does not exist",
            ),
        }
    }
    for g in &group_ids {
        let ok: Option<bool> = with_db!(db, p => sqlx::query_scalar::<_, bool>(
            "SELECT disabled FROM share_groups WHERE id = $1 AND kind IN ('webhook', 'app', 'chat')").bind(*g).fetch_optional(p).await)
        .map_err(AppError::from)?;
        if ok != Some(false) {
            bad(
                "group_ids",
                "所选的群不存在或已停用",
                "A chosen group does not exist or is disabled",
            );
        }
    }
    let tell = text(&f.tell);
    if !tell.is_empty() && !crate::shares::direct::valid_channel(&tell) {
        bad(
            "tell",
            "请选择告诉获奖者的方式",
            "Choose how to tell the winners",
        );
    }
    if !errors.is_empty() {
        return Err(AppError::Validation(errors));
    }
    Ok(Valid {
        name,
        medal_id: medal_id.expect("checked"),
        metric,
        spec: Spec {
            kind: kind.expect("checked"),
            days,
            window: window.expect("checked"),
            threshold: threshold.expect("checked"),
            from_day: None,
        },
        group_ids,
        tell,
    })
}

/// Creates or updates a rule. A new rule saved without backfill counts facts from today on.
pub async fn save(
    db: &Db,
    admin: &AdminInfo,
    id: Option<i64>,
    v: &Valid,
    backfill: bool,
) -> Result<i64, AppError> {
    let now = now_ms();
    let groups = v
        .group_ids
        .iter()
        .map(|g| g.to_string())
        .collect::<Vec<_>>()
        .join(",");
    let (s, w, d) = (
        v.spec.kind.as_str(),
        v.spec.window.as_str(),
        v.spec.days.as_str(),
    );
    let from_day = (!backfill).then(|| china_day(now));
    let after = serde_json::json!({
        "name": v.name, "medal_id": v.medal_id, "metric": v.metric, "kind": s, "days": d,
        "period": w, "threshold": v.spec.threshold, "group_ids": v.group_ids, "tell": v.tell, "backfill": backfill,
    });
    let id = match id {
        None => with_db!(db, p => sqlx::query_scalar::<_, i64>(
            "INSERT INTO rules (name, medal_id, metric, kind, days, period, threshold, group_ids, from_day, \
             active, created_by, created_at, updated_at, tell) VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,TRUE,$10,$11,$11,$12) RETURNING id")
            .bind(&v.name).bind(v.medal_id).bind(&v.metric).bind(s).bind(d).bind(w).bind(v.spec.threshold)
            .bind(&groups).bind(from_day).bind(admin.id).bind(now).bind(&v.tell).fetch_one(p).await)
        .map_err(AppError::from)?,
        Some(id) => {
            let before = row(db, id).await?;
            // an edit keeps the rule's start unless asked to backfill
            let from_day = if backfill { None } else { before.from_day };
            with_db!(db, p => sqlx::query(
                "UPDATE rules SET name=$1, medal_id=$2, metric=$3, kind=$4, days=$5, period=$6, threshold=$7, \
                 group_ids=$8, from_day=$9, updated_at=$10, tell=$12 WHERE id=$11")
                .bind(&v.name).bind(v.medal_id).bind(&v.metric).bind(s).bind(d).bind(w).bind(v.spec.threshold)
                .bind(&groups).bind(from_day).bind(now).bind(id).bind(&v.tell).execute(p).await.map(|_| ()))
            .map_err(AppError::from)?;
            id
        }
    };
    crate::infra::audit::audit(db, admin, "rule.save", "rule", id, None, Some(after)).await?;
    Ok(id)
}

/// Pauses or resumes a rule.
pub async fn set_active(db: &Db, admin: &AdminInfo, id: i64, active: bool) -> Result<(), AppError> {
    row(db, id).await?;
    with_db!(db, p => sqlx::query("UPDATE rules SET active = $1, updated_at = $2 WHERE id = $3")
        .bind(active).bind(now_ms()).bind(id).execute(p).await.map(|_| ()))
    .map_err(AppError::from)?;
    let action = if active { "rule.resume" } else { "rule.pause" };
    crate::infra::audit::audit(db, admin, action, "rule", id, None, None).await
}

/// Deletes a rule: it stops; the awards it made stay, and still name it.
pub async fn delete(db: &Db, admin: &AdminInfo, id: i64) -> Result<(), AppError> {
    let before = row(db, id).await?;
    with_db!(db, p => sqlx::query("UPDATE rules SET deleted_at = $1, active = FALSE WHERE id = $2")
        .bind(now_ms()).bind(id).execute(p).await.map(|_| ()))
    .map_err(AppError::from)?;
    crate::infra::audit::audit(
        db,
        admin,
        "rule.delete",
        "rule",
        id,
        Some(serde_json::json!({ "name": before.name, "metric": before.metric })),
        None,
    )
    .await
}
