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

/// Rows per statement: each statement takes its rows as one parameter (a JSON array on SQLite,
/// arrays on PostgreSQL), so its text, prepared once, serves every batch.
const CHUNK: usize = 10_000;

/// Writes the facts in one transaction (keys seen before are skipped), then evaluates the active
/// rules on the metrics and people touched.
pub async fn ingest(st: &AppState, facts: Vec<Fact>) -> Result<Ingested, AppError> {
    let now = now_ms();
    let (fresh, duplicates) = write(&st.db, facts, now).await?;
    // per metric: the people and the first and last day touched
    let mut touched: BTreeMap<&str, (BTreeSet<i64>, i64, i64)> = BTreeMap::new();
    for f in &fresh {
        let t = touched
            .entry(f.metric.as_str())
            .or_insert((BTreeSet::new(), f.day, f.day));
        t.0.insert(f.staff_id);
        (t.1, t.2) = (t.1.min(f.day), t.2.max(f.day));
    }
    let mut awarded = 0;
    for (metric, (people, first, last)) in touched {
        let people: Vec<i64> = people.into_iter().collect();
        awarded += crate::rules::eval::evaluate(st, metric, &people, (first, last)).await?;
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

/// One fact row as written: (metric, person, day) and the value that sets or adds to the day.
type Row<'a> = ((&'a str, i64, i64), i64);

/// The UPDATE of a fact row already there: its value set, or added to.
fn on_conflict(add: bool) -> &'static str {
    if add {
        "ON CONFLICT (metric, staff_id, day) DO UPDATE \
         SET value = facts.value + excluded.value, updated_at = excluded.updated_at"
    } else {
        "ON CONFLICT (metric, staff_id, day) DO UPDATE \
         SET value = excluded.value, updated_at = excluded.updated_at"
    }
}

/// SQLite: the rows go in as one JSON array, unpacked by `json_each` (one parameter, so one
/// prepared statement for any number of rows, where a multi-row VALUES list had to be parsed
/// again for every batch size and was bounded by SQLite's 32,766 parameters).
mod sqlite {
    use super::{on_conflict, Row, CHUNK};
    type Tx = sqlx::SqliteConnection;

    pub async fn new_keys(
        tx: &mut Tx,
        keys: &[&str],
        now: i64,
    ) -> Result<Vec<String>, sqlx::Error> {
        let mut out = Vec::new();
        for chunk in keys.chunks(CHUNK) {
            let json = serde_json::to_string(chunk).unwrap_or_default();
            // `WHERE TRUE`: SQLite's parser needs it between a SELECT and ON CONFLICT
            out.extend(
                sqlx::query_scalar::<_, String>(
                    "INSERT INTO event_keys (idem_key, received_at) \
                     SELECT value, $2 FROM json_each($1) WHERE TRUE \
                     ON CONFLICT (idem_key) DO NOTHING RETURNING idem_key",
                )
                .bind(json)
                .bind(now)
                .fetch_all(&mut *tx)
                .await?,
            );
        }
        Ok(out)
    }

    pub async fn upsert(
        tx: &mut Tx,
        rows: &[Row<'_>],
        add: bool,
        now: i64,
    ) -> Result<(), sqlx::Error> {
        let sql = format!(
            "INSERT INTO facts (metric, staff_id, day, value, updated_at) \
             SELECT value ->> 0, value ->> 1, value ->> 2, value ->> 3, $2 FROM json_each($1) \
             WHERE TRUE {}",
            on_conflict(add)
        );
        for chunk in rows.chunks(CHUNK) {
            let json: Vec<(&str, i64, i64, i64)> = chunk
                .iter()
                .map(|((m, s, d), v)| (*m, *s, *d, *v))
                .collect();
            let json = serde_json::to_string(&json).unwrap_or_default();
            sqlx::query(&sql)
                .bind(json)
                .bind(now)
                .execute(&mut *tx)
                .await?;
        }
        Ok(())
    }
}

/// PostgreSQL: the rows go in as one array per column, unpacked by `UNNEST`.
mod pg {
    use super::{on_conflict, Row, CHUNK};
    type Tx = sqlx::PgConnection;

    pub async fn new_keys(
        tx: &mut Tx,
        keys: &[&str],
        now: i64,
    ) -> Result<Vec<String>, sqlx::Error> {
        let mut out = Vec::new();
        for chunk in keys.chunks(CHUNK) {
            out.extend(
                sqlx::query_scalar::<_, String>(
                    "INSERT INTO event_keys (idem_key, received_at) \
                     SELECT k, $2 FROM UNNEST($1::text[]) AS t(k) \
                     ON CONFLICT (idem_key) DO NOTHING RETURNING idem_key",
                )
                .bind(chunk)
                .bind(now)
                .fetch_all(&mut *tx)
                .await?,
            );
        }
        Ok(out)
    }

    pub async fn upsert(
        tx: &mut Tx,
        rows: &[Row<'_>],
        add: bool,
        now: i64,
    ) -> Result<(), sqlx::Error> {
        let sql = format!(
            "INSERT INTO facts (metric, staff_id, day, value, updated_at) \
             SELECT m, s, d, v, $5 FROM UNNEST($1::text[], $2::int8[], $3::int8[], $4::int8[]) \
             AS t(m, s, d, v) {}",
            on_conflict(add)
        );
        for chunk in rows.chunks(CHUNK) {
            let metrics: Vec<&str> = chunk.iter().map(|r| r.0 .0).collect();
            let staff: Vec<i64> = chunk.iter().map(|r| r.0 .1).collect();
            let days: Vec<i64> = chunk.iter().map(|r| r.0 .2).collect();
            let values: Vec<i64> = chunk.iter().map(|r| r.1).collect();
            sqlx::query(&sql)
                .bind(metrics)
                .bind(staff)
                .bind(days)
                .bind(values)
                .bind(now)
                .execute(&mut *tx)
                .await?;
        }
        Ok(())
    }
}

/// Writes the batch; answers the facts applied (keys new) and the number of duplicates.
async fn write(db: &Db, facts: Vec<Fact>, now: i64) -> Result<(Vec<Fact>, u64), AppError> {
    // keys: first mention in the batch wins; then the ones the database had not seen
    let mut seen = HashSet::new();
    let keyed: Vec<String> = facts
        .iter()
        .filter_map(|f| f.key.clone())
        .filter(|k| seen.insert(k.clone()))
        .collect();
    let keyed: Vec<&str> = keyed.iter().map(String::as_str).collect();
    macro_rules! run {
        ($p:expr, $db:ident) => {{
            let mut tx = $p.begin().await?;
            let mut new_keys: HashSet<String> = $db::new_keys(&mut tx, &keyed, now)
                .await?
                .into_iter()
                .collect();
            let mut fresh = Vec::with_capacity(facts.len());
            let mut duplicates = 0u64;
            for f in facts {
                match &f.key {
                    Some(k) if !new_keys.remove(k) => duplicates += 1,
                    _ => fresh.push(f),
                }
            }
            let (mut sets, mut adds): (Vec<Row>, Vec<Row>) = (Vec::new(), Vec::new());
            for (k, op) in fold(&fresh) {
                match op {
                    Op::Set(v) => sets.push((k, v)),
                    Op::Add(v) => adds.push((k, v)),
                }
            }
            $db::upsert(&mut tx, &sets, false, now).await?;
            $db::upsert(&mut tx, &adds, true, now).await?;
            tx.commit().await?;
            Ok::<_, sqlx::Error>((fresh, duplicates))
        }};
    }
    let r = match db {
        Db::Sqlite(p) => run!(p, sqlite),
        Db::Postgres(p) => run!(p, pg),
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
        let list = crate::infra::db::id_list(chunk);
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
    }
}
