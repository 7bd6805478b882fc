//! The awards a rule made, newest first, with the facts that earned each.

use crate::error::AppError;
use crate::infra::Db;
use crate::rules::db::RuleRow;
use crate::rules::types::RuleAward;
use crate::with_db;
use medal_core::rule::Earned;

pub async fn recent(db: &Db, rule: &RuleRow, limit: i64) -> Result<Vec<RuleAward>, AppError> {
    let rows: Vec<(i64, i64, String, i64, String, i64)> = with_db!(db, p => sqlx::query_as(
        "SELECT ra.award_id, ra.staff_id, s.name, ra.window_key, ra.facts, ra.created_at \
         FROM rule_awards ra JOIN staff s ON s.id = ra.staff_id \
         WHERE ra.rule_id = $1 AND ra.award_id IS NOT NULL \
         ORDER BY ra.created_at DESC, ra.award_id DESC LIMIT $2")
        .bind(rule.id).bind(limit).fetch_all(p).await)
    .map_err(AppError::from)?;
    let spec = rule.spec();
    Ok(rows
        .into_iter()
        .map(|(award_id, staff_id, name, window, facts, at)| RuleAward {
            award_id,
            staff_id,
            name,
            window: spec.window.label(window),
            facts: Earned::decode(window, &facts)
                .map(|e| e.describe(spec.kind, &rule.metric))
                .unwrap_or_else(|| medal_core::Msg::new(facts.clone(), facts)),
            at,
        })
        .collect())
}

/// The rule that gave an award and the facts, in words, for the award's page.
pub async fn for_award(
    db: &Db,
    award_id: i64,
) -> Result<Option<(i64, String, medal_core::Msg)>, AppError> {
    let row: Option<(i64, i64, String)> = with_db!(db, p => sqlx::query_as(
        "SELECT rule_id, window_key, facts FROM rule_awards WHERE award_id = $1")
        .bind(award_id).fetch_optional(p).await)
    .map_err(AppError::from)?;
    let Some((rule_id, window, facts)) = row else {
        return Ok(None);
    };
    // a deleted rule still names itself on the awards it made
    let rule: Option<(String, String, String, String)> = with_db!(db, p => sqlx::query_as(
        "SELECT name, kind, period, metric FROM rules WHERE id = $1")
        .bind(rule_id).fetch_optional(p).await)
    .map_err(AppError::from)?;
    let Some((name, kind, period, metric)) = rule else {
        return Ok(None);
    };
    let kind =
        medal_core::rule::RuleKind::parse(&kind).unwrap_or(medal_core::rule::RuleKind::Total);
    let w = medal_core::rule::Window::parse(&period).unwrap_or(medal_core::rule::Window::None);
    let mut msg = Earned::decode(window, &facts)
        .map(|e| e.describe(kind, &metric))
        .unwrap_or_else(|| medal_core::Msg::new(facts.clone(), facts));
    let label = w.label(window);
    if !label.zh.is_empty() {
        msg = medal_core::Msg::new(
            format!("{}：{}", label.zh, msg.zh),
            format!("{}: {}", label.en, msg.en),
        );
    }
    Ok(Some((rule_id, name, msg)))
}
