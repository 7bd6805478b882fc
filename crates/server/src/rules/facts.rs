//! Facts: one number per person, metric and China-time day. Every source (the events API, the
//! events CSV, the attendance sync) writes them here, and the rules on the metrics touched are
//! evaluated right after.

use crate::error::AppError;
use crate::infra::{now_ms, AppState, Db};
use std::collections::{BTreeMap, BTreeSet, HashSet};

/// The metric the attendance sync writes: 1 for a day attended, 0 for one not.
pub const ATTENDANCE: &str = "attendance";

/// What an event does to its day's value.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Op {
    /// Replaces the day's value (a reading: replaying it changes nothing).
    Set(i64),
    /// Adds to the day's value (counted once per idempotency key).
    Add(i64),
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Fact {
    pub staff_id: i64,
    pub metric: String,
    /// Days from 1970-01-01, China time ([`medal_core::time::china_day`]).
    pub day: i64,
    pub op: Op,
    /// The idempotency key: an event with a key seen before is a duplicate.
    pub key: Option<String>,
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Ingested {
    pub accepted: u64,
    pub duplicates: u64,
    pub awarded: u64,
}

/// Rows per multi-row statement (5 values each).
const CHUNK: usize = 500;

/// Writes the facts in one transaction (keys seen before are skipped), then evaluates the active
/// rules on the metrics and people touched.
pub async fn ingest(st: &AppState, facts: Vec<Fact>) -> Result<Ingested, AppError> {
    let now = now_ms();
    let (fresh, duplicates) = write(&st.db, facts, now).await?;
    let mut touched: BTreeMap<String, BTreeSet<i64>> = BTreeMap::new();
    for f in &fresh {
        touched
            .entry(f.metric.clone())
            .or_default()
            .insert(f.staff_id);
    }
    let mut awarded = 0;
    for (metric, people) in touched {
        let people: Vec<i64> = people.into_iter().collect();
        awarded += crate::rules::eval::evaluate(st, &metric, &people).await?;
    }
    Ok(Ingested {
        accepted: fresh.len() as u64,
        duplicates,
        awarded,
    })
}

/// The facts of one batch folded per (metric, person, day) in their order: a `Set` then `Add`s
/// is one `Set`; `Add`s alone are one `Add`.
fn fold(facts: &[Fact]) -> BTreeMap<(&str, i64, i64), Op> {
    let mut out: BTreeMap<(&str, i64, i64), Op> = BTreeMap::new();
    for f in facts {
        let k = (f.metric.as_str(), f.staff_id, f.day);
        let next = match (out.get(&k), f.op) {
            (_, Op::Set(v)) => Op::Set(v),
            (Some(Op::Set(v)), Op::Add(a)) => Op::Set(v.saturating_add(a)),
            (Some(Op::Add(v)), Op::Add(a)) => Op::Add(v.saturating_add(a)),
            (None, Op::Add(a)) => Op::Add(a),
        };
        out.insert(k, next);
    }
    out
}

fn placeholders(rows: usize, cols: usize) -> String {
    (0..rows)
        .map(|r| {
            let p: Vec<String> = (1..=cols).map(|c| format!("${}", r * cols + c)).collect();
            format!("({})", p.join(","))
        })
        .collect::<Vec<_>>()
        .join(",")
}

/// Writes the batch; answers the facts applied (keys new) and the number of duplicates.
async fn write(db: &Db, facts: Vec<Fact>, now: i64) -> Result<(Vec<Fact>, u64), AppError> {
    macro_rules! run {
        ($p:expr) => {{
            let mut tx = $p.begin().await?;
            // keys: first mention in the batch wins; then the ones the database had not seen
            let mut seen = HashSet::new();
            let mut keyed: Vec<&str> = Vec::new();
            for f in &facts {
                if let Some(k) = &f.key {
                    if seen.insert(k.as_str()) {
                        keyed.push(k);
                    }
                }
            }
            let mut new_keys: HashSet<String> = HashSet::new();
            for chunk in keyed.chunks(CHUNK) {
                let sql = format!(
                    "INSERT INTO event_keys (idem_key, received_at) VALUES {} \
                     ON CONFLICT (idem_key) DO NOTHING RETURNING idem_key",
                    placeholders(chunk.len(), 2)
                );
                let mut q = sqlx::query_scalar::<_, String>(&sql);
                for k in chunk {
                    q = q.bind(*k).bind(now);
                }
                new_keys.extend(q.fetch_all(&mut *tx).await?);
            }
            let mut fresh = Vec::with_capacity(facts.len());
            let mut duplicates = 0u64;
            for f in facts {
                match &f.key {
                    Some(k) if !new_keys.remove(k) => duplicates += 1,
                    _ => fresh.push(f),
                }
            }
            let folded = fold(&fresh);
            let (sets, adds): (Vec<_>, Vec<_>) =
                folded.iter().partition(|(_, op)| matches!(op, Op::Set(_)));
            for (rows, add) in [(sets, false), (adds, true)] {
                let on_conflict = if add {
                    "facts.value + excluded.value"
                } else {
                    "excluded.value"
                };
                for chunk in rows.chunks(CHUNK) {
                    let sql = format!(
                        "INSERT INTO facts (metric, staff_id, day, value, updated_at) VALUES {} \
                         ON CONFLICT (metric, staff_id, day) DO UPDATE SET value = {on_conflict}, \
                         updated_at = excluded.updated_at",
                        placeholders(chunk.len(), 5)
                    );
                    let mut q = sqlx::query(&sql);
                    for ((metric, staff, day), op) in chunk {
                        let (Op::Set(v) | Op::Add(v)) = **op;
                        q = q.bind(*metric).bind(*staff).bind(*day).bind(v).bind(now);
                    }
                    q.execute(&mut *tx).await?;
                }
            }
            tx.commit().await?;
            Ok::<_, sqlx::Error>((fresh, duplicates))
        }};
    }
    let r = match db {
        Db::Sqlite(p) => run!(p),
        Db::Postgres(p) => run!(p),
    };
    r.map_err(AppError::from)
}

/// A person's facts for a metric, in day order.
pub type Series = Vec<(i64, i64)>;

/// The facts of a metric for these people, `LOOKUP_CHUNK` people per query.
pub async fn series(
    db: &Db,
    metric: &str,
    people: &[i64],
) -> Result<BTreeMap<i64, Series>, AppError> {
    let mut out: BTreeMap<i64, Series> = BTreeMap::new();
    for chunk in people.chunks(crate::awards::give::LOOKUP_CHUNK) {
        let list = chunk
            .iter()
            .map(|i| i.to_string())
            .collect::<Vec<_>>()
            .join(",");
        let sql = format!(
            "SELECT staff_id, day, value FROM facts WHERE metric = $1 AND staff_id IN ({list}) \
             ORDER BY staff_id, day"
        );
        let rows: Vec<(i64, i64, i64)> = crate::with_db!(db, p => sqlx::query_as(&sql)
            .bind(metric).fetch_all(p).await)
        .map_err(AppError::from)?;
        for (s, d, v) in rows {
            out.entry(s).or_default().push((d, v));
        }
    }
    Ok(out)
}

/// Everyone with facts for a metric.
pub async fn people_with(db: &Db, metric: &str) -> Result<Vec<i64>, AppError> {
    crate::with_db!(db, p => sqlx::query_scalar::<_, i64>(
        "SELECT DISTINCT staff_id FROM facts WHERE metric = $1 ORDER BY staff_id")
        .bind(metric).fetch_all(p).await)
    .map_err(AppError::from)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn f(day: i64, op: Op) -> Fact {
        Fact {
            staff_id: 1,
            metric: "m".into(),
            day,
            op,
            key: None,
        }
    }

    #[test]
    fn a_batch_folds_in_order() {
        let facts = vec![
            f(1, Op::Add(2)),
            f(1, Op::Add(3)),
            f(2, Op::Add(5)),
            f(2, Op::Set(1)),
            f(2, Op::Add(1)),
            f(3, Op::Set(4)),
            f(3, Op::Set(7)),
        ];
        let folded = fold(&facts);
        assert_eq!(folded[&("m", 1, 1)], Op::Add(5));
        assert_eq!(folded[&("m", 1, 2)], Op::Set(2));
        assert_eq!(folded[&("m", 1, 3)], Op::Set(7));
        assert_eq!(placeholders(2, 2), "($1,$2),($3,$4)");
    }
}
