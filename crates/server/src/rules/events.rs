//! Events from other systems (the REST API and the events CSV): each names a person, a metric and
//! a number on a day. Bad items are reported by index; the rest are applied.

use crate::error::AppError;
use crate::infra::{AppState, Db};
use crate::rules::facts::{ingest, Fact, Op};
use crate::rules::types::{EventIn, EventsOutcome, ItemError};
use crate::staff::lookup::{resolve, Who};
use medal_core::rule::valid_metric;
use medal_core::time::{days_from_civil, parse_date};
use medal_core::Msg;

/// Events per batch at most.
pub const MAX_BATCH: usize = 10_000;

fn who(e: &EventIn) -> Result<Who, (&'static str, Msg)> {
    Who::from_keys(&e.external_id, &e.mobile, &e.user_id)
}

/// Checks one event apart from its person.
fn check(e: &EventIn) -> Result<(i64, Op, Option<String>), (&'static str, Msg)> {
    let metric = e.metric.trim();
    if !valid_metric(metric) {
        return Err(("metric", Msg::new(
            "指标名只能用小写字母、数字和 _ . -，以字母开头（最多 40 个字符）",
            "A metric is lower-case letters, digits and _ . -, starting with a letter (at most 40)",
        )));
    }
    let Some((y, m, d)) = parse_date(&e.date) else {
        return Err((
            "date",
            Msg::new("日期格式应为 YYYY-MM-DD", "The date must be YYYY-MM-DD"),
        ));
    };
    let key = e
        .idempotency_key
        .as_deref()
        .map(str::trim)
        .filter(|k| !k.is_empty());
    if key.is_some_and(|k| k.len() > 200) {
        return Err((
            "idempotency_key",
            Msg::new(
                "幂等键最长 200 个字符",
                "An idempotency key is at most 200 characters",
            ),
        ));
    }
    let op = match (e.value, e.increment) {
        (Some(v), None) => Op::Set(v),
        (None, Some(_)) if key.is_none() => {
            return Err(("idempotency_key", Msg::new(
                "increment 事件需要 idempotency_key，重发时才不会重复累计",
                "An increment needs an idempotency_key, so that sending it again does not count it twice",
            )))
        }
        (None, Some(i)) => Op::Add(i),
        (None, None) => return Err(("value", Msg::new("请填写 value 或 increment", "Give value or increment"))),
        (Some(_), Some(_)) => return Err(("value", Msg::new("value 和 increment 只能填一个", "Give value or increment, not both"))),
    };
    let n = match op {
        Op::Set(v) | Op::Add(v) => v,
    };
    if n.unsigned_abs() > 1_000_000_000 {
        return Err((
            "value",
            Msg::new(
                "数值超出范围（±10 亿）",
                "The number is out of range (±1,000,000,000)",
            ),
        ));
    }
    Ok((days_from_civil(y, m, d), op, key.map(str::to_string)))
}

/// Checks a batch of events as [`ingest_events`] would, people looked up, without applying
/// them: the facts of the good ones (by index) and the bad ones reported by index.
pub async fn check_events(
    db: &Db,
    items: &[EventIn],
) -> Result<(Vec<(usize, Fact)>, Vec<ItemError>), AppError> {
    let mut errors = Vec::new();
    let mut checked: Vec<(usize, Who, i64, Op, Option<String>)> = Vec::with_capacity(items.len());
    for (index, e) in items.iter().enumerate() {
        match who(e).and_then(|w| check(e).map(|c| (w, c))) {
            Ok((w, (day, op, key))) => checked.push((index, w, day, op, key)),
            Err((field, message)) => errors.push(ItemError {
                index,
                field: field.into(),
                message,
            }),
        }
    }
    let wanted: Vec<Who> = checked.iter().map(|c| c.1.clone()).collect();
    let found = resolve(db, &wanted).await?;
    let mut facts = Vec::with_capacity(checked.len());
    for (index, w, day, op, key) in checked {
        match found.get(&w) {
            Some(staff_id) => facts.push((
                index,
                Fact {
                    staff_id: *staff_id,
                    metric: items[index].metric.trim().to_string(),
                    day,
                    op,
                    // keys are the sender's: kept per metric so two systems' keys cannot collide
                    key: key.map(|k| format!("{}:{k}", items[index].metric.trim())),
                },
            )),
            None => {
                let field = match w {
                    Who::External(_) => "external_id",
                    Who::Mobile(_) => "mobile",
                    Who::UserId(_) => "user_id",
                };
                errors.push(ItemError {
                    index,
                    field: field.into(),
                    message: Msg::new("找不到这位员工", "No such person"),
                });
            }
        }
    }
    errors.sort_by_key(|e| e.index);
    Ok((facts, errors))
}

/// Applies a batch of events: every good one, and the bad ones reported by index.
pub async fn ingest_events(st: &AppState, items: Vec<EventIn>) -> Result<EventsOutcome, AppError> {
    if items.len() > MAX_BATCH {
        return Err(AppError::field(
            "events",
            Msg::new(
                format!(
                    "一批最多 {MAX_BATCH} 个事件（这批有 {} 个），请分批发送",
                    items.len()
                ),
                format!(
                    "At most {MAX_BATCH} events per batch (this one has {}); send them in parts",
                    items.len()
                ),
            ),
        ));
    }
    let (facts, errors) = check_events(&st.db, &items).await?;
    let facts = facts.into_iter().map(|(_, f)| f).collect();
    let done = ingest(st, facts).await?;
    Ok(EventsOutcome {
        accepted: done.accepted,
        duplicates: done.duplicates,
        awarded: done.awarded,
        errors,
    })
}
