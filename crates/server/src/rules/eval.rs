//! Evaluating rules over facts: after an ingest (the people touched), for a dry run and a
//! backfill (everyone with facts), and for "closest to earning it".

use crate::error::AppError;
use crate::infra::db::id_list;
use crate::infra::{now_ms, AppState, Db};
use crate::rules::db::RuleRow;
use crate::rules::facts::{people_with, series, Series};
use crate::rules::types::{Closest, DryRun};
use crate::with_db;
use medal_core::rule::{evaluate as meets, progress, reach, Earned, RuleKind, Spec};
use medal_core::time::china_day;
use std::collections::{BTreeMap, BTreeSet, HashSet};

/// People evaluated per round (their facts loaded together).
const ROUND: usize = 2000;

/// The windows each person has earned and the rule has not given yet.
async fn owed(
    db: &Db,
    rule_id: i64,
    spec: &Spec,
    facts: &BTreeMap<i64, Series>,
    holidays: &[i64],
) -> Result<Vec<(i64, Earned)>, AppError> {
    let earned: Vec<(i64, Vec<Earned>)> = facts
        .iter()
        .map(|(s, f)| (*s, meets(spec, f, holidays)))
        .filter(|(_, e)| !e.is_empty())
        .collect();
    if earned.is_empty() {
        return Ok(Vec::new());
    }
    let given = given(db, rule_id, &earned.iter().map(|e| e.0).collect::<Vec<_>>()).await?;
    Ok(earned
        .into_iter()
        .flat_map(|(staff, list)| list.into_iter().map(move |e| (staff, e)))
        .filter(|(staff, e)| !given.contains(&(*staff, e.window_key)))
        .collect())
}

/// Of these people, those whose facts on `lo..=hi` could meet the rule: a necessary condition
/// the database checks without sending the facts (a total counts only the positive values, so
/// no running total can exceed it; a streak needs as many days with a value above zero). One
/// query for all of them, the ids as one parameter: chunks of an IN list made PostgreSQL scan
/// the facts once per chunk.
async fn may_meet(
    db: &Db,
    metric: &str,
    spec: &Spec,
    (lo, hi): (i64, i64),
    people: &[i64],
) -> Result<Vec<i64>, AppError> {
    let (filter, having) = match spec.kind {
        RuleKind::Total => (
            "",
            "CAST(SUM(CASE WHEN value > 0 THEN value ELSE 0 END) AS BIGINT)",
        ),
        RuleKind::Streak => ("AND value > 0", "COUNT(*)"),
    };
    let sql = |ids: &str| {
        format!(
            "SELECT staff_id FROM facts WHERE metric = $1 AND day >= $2 AND day <= $3 {filter} \
             AND staff_id {ids} GROUP BY staff_id HAVING {having} >= $4"
        )
    };
    let rows = match db {
        Db::Sqlite(p) => {
            sqlx::query_scalar::<_, i64>(&sql("IN (SELECT value FROM json_each($5))"))
                .bind(metric)
                .bind(lo)
                .bind(hi)
                .bind(spec.threshold)
                .bind(serde_json::to_string(people).unwrap_or_default())
                .fetch_all(p)
                .await
        }
        Db::Postgres(p) => {
            // planned for each call (not prepared once): a generic plan of `= ANY($5)` searches
            // the array for every row, or guesses its size and walks the index per person
            sqlx::query_scalar::<_, i64>(&sql("= ANY($5)"))
                .persistent(false)
                .bind(metric)
                .bind(lo)
                .bind(hi)
                .bind(spec.threshold)
                .bind(people)
                .fetch_all(p)
                .await
        }
    };
    rows.map_err(AppError::from)
}

/// (person, window) pairs this rule has already given, for these people.
async fn given(db: &Db, rule_id: i64, people: &[i64]) -> Result<HashSet<(i64, i64)>, AppError> {
    let mut out = HashSet::new();
    for chunk in people.chunks(crate::awards::give::LOOKUP_CHUNK) {
        let sql = format!(
            "SELECT staff_id, window_key FROM rule_awards WHERE rule_id = $1 AND staff_id IN ({})",
            id_list(chunk)
        );
        let rows: Vec<(i64, i64)> =
            with_db!(db, p => sqlx::query_as(&sql).bind(rule_id).fetch_all(p).await)
                .map_err(AppError::from)?;
        out.extend(rows);
    }
    Ok(out)
}

/// Evaluates the active rules on `metric` for these people, whose facts on the days
/// `first..=last` changed, and gives what the change earned them. Only the windows a change can
/// earn are looked at ([`reach`]), and only the people the database says may meet the rule there
/// and have not had it have their facts read. Answers the number of awards made.
pub async fn evaluate(
    st: &AppState,
    metric: &str,
    people: &[i64],
    (first, last): (i64, i64),
) -> Result<u64, AppError> {
    let rules = crate::rules::db::active_on(&st.db, metric).await?;
    if rules.is_empty() || people.is_empty() {
        return Ok(0);
    }
    let holidays = crate::rules::holidays::holidays(&st.db).await?;
    let mut awarded = 0;
    for rule in &rules {
        let spec = rule.spec();
        metrics::counter!("medals_rule_evaluations_total").increment(people.len() as u64);
        // (person, window) pairs that may be newly earned
        let mut open: HashSet<(i64, i64)> = HashSet::new();
        for (key, lo, hi) in reach(&spec, &holidays, first, last) {
            for s in may_meet(&st.db, metric, &spec, (lo, hi), people).await? {
                open.insert((s, key));
            }
        }
        if open.is_empty() {
            continue;
        }
        let who = |open: &HashSet<(i64, i64)>| {
            let set: BTreeSet<i64> = open.iter().map(|o| o.0).collect();
            set.into_iter().collect::<Vec<i64>>()
        };
        let given = given(&st.db, rule.id, &who(&open)).await?;
        open.retain(|o| !given.contains(o));
        for round in who(&open).chunks(ROUND) {
            let facts = series(&st.db, metric, round).await?;
            let owed: Vec<(i64, Earned)> = facts
                .iter()
                .flat_map(|(s, f)| meets(&spec, f, &holidays).into_iter().map(move |e| (*s, e)))
                .filter(|(s, e)| open.contains(&(*s, e.window_key)))
                .collect();
            if !owed.is_empty() {
                awarded += crate::rules::award::give(st, rule, owed).await?;
            }
        }
    }
    Ok(awarded)
}

/// Who a rule would award now, over everyone with facts for its metric.
async fn all_owed(
    st: &AppState,
    rule_id: i64,
    metric: &str,
    spec: &Spec,
) -> Result<Vec<(i64, Earned)>, AppError> {
    let holidays = crate::rules::holidays::holidays(&st.db).await?;
    let people = people_with(&st.db, metric).await?;
    let mut out = Vec::new();
    for round in people.chunks(ROUND) {
        let facts = series(&st.db, metric, round).await?;
        out.extend(owed(&st.db, rule_id, spec, &facts, &holidays).await?);
    }
    Ok(out)
}

async fn names(db: &Db, ids: &[i64]) -> Result<BTreeMap<i64, (String, String)>, AppError> {
    if ids.is_empty() {
        return Ok(BTreeMap::new());
    }
    let sql = format!(
        "SELECT id, name, department FROM staff WHERE id IN ({})",
        id_list(ids)
    );
    let rows: Vec<(i64, String, String)> =
        with_db!(db, p => sqlx::query_as(&sql).fetch_all(p).await).map_err(AppError::from)?;
    Ok(rows.into_iter().map(|(i, n, d)| (i, (n, d))).collect())
}

/// A dry run of a rule as it would be saved (`rule_id` 0 for a new one): how many people it
/// would award now, and ten of them by name.
pub async fn dry_run_spec(
    st: &AppState,
    rule_id: i64,
    metric: &str,
    spec: &Spec,
) -> Result<DryRun, AppError> {
    let owed = all_owed(st, rule_id, metric, spec).await?;
    let mut people: Vec<i64> = owed.iter().map(|o| o.0).collect();
    people.dedup();
    let shown: Vec<i64> = people.iter().take(10).copied().collect();
    let named = names(&st.db, &shown).await?;
    Ok(DryRun {
        qualify: people.len() as u64,
        awards: owed.len() as u64,
        names: shown
            .iter()
            .filter_map(|i| named.get(i).map(|n| n.0.clone()))
            .collect(),
    })
}

/// A dry run of a saved rule (counting only what it has not given).
pub async fn dry_run(st: &AppState, rule_id: i64) -> Result<DryRun, AppError> {
    let rule = crate::rules::db::row(&st.db, rule_id).await?;
    dry_run_spec(st, rule.id, &rule.metric, &rule.spec()).await
}

/// Gives a saved rule's medal to everyone who qualifies now and has not had it from the rule.
/// From then on the rule counts all history (its start is cleared).
pub async fn backfill(st: &AppState, rule: &RuleRow) -> Result<u64, AppError> {
    if rule.from_day.is_some() {
        with_db!(&st.db, p => sqlx::query("UPDATE rules SET from_day = NULL WHERE id = $1")
            .bind(rule.id).execute(p).await.map(|_| ()))
        .map_err(AppError::from)?;
    }
    let rule = &RuleRow {
        from_day: None,
        ..rule.clone()
    };
    let owed = all_owed(st, rule.id, &rule.metric, &rule.spec()).await?;
    if owed.is_empty() {
        return Ok(0);
    }
    crate::rules::award::give(st, rule, owed).await
}

/// The ten people closest to earning the rule in today's window, who have not earned it there.
pub async fn closest(st: &AppState, rule: &RuleRow) -> Result<Vec<Closest>, AppError> {
    let spec = rule.spec();
    let holidays = crate::rules::holidays::holidays(&st.db).await?;
    let today = china_day(now_ms());
    let key = spec.window.key(today);
    let people = people_with(&st.db, &rule.metric).await?;
    let mut near: Vec<(i64, i64)> = Vec::new();
    for round in people.chunks(ROUND) {
        let facts = series(&st.db, &rule.metric, round).await?;
        let given = given(&st.db, rule.id, &facts.keys().copied().collect::<Vec<_>>()).await?;
        for (s, f) in &facts {
            if given.contains(&(*s, key)) {
                continue;
            }
            let have = progress(&spec, f, &holidays, today);
            if have > 0 && have < spec.threshold {
                near.push((*s, have));
            }
        }
    }
    near.sort_by_key(|(s, have)| (std::cmp::Reverse(*have), *s));
    near.truncate(10);
    let named = names(&st.db, &near.iter().map(|n| n.0).collect::<Vec<_>>()).await?;
    Ok(near
        .into_iter()
        .filter_map(|(s, have)| {
            named.get(&s).map(|(n, d)| Closest {
                staff_id: s,
                name: n.clone(),
                department: d.clone(),
                have,
                to_go: spec.threshold - have,
            })
        })
        .collect())
}
