//! Reading an events CSV (UTF-8 or GBK, headers in Chinese or English) and what applying it would
//! do: each data line becomes an event for [`crate::rules::events`], checked there by index; the
//! errors come back by the file's line number (header = line 1).

use crate::error::AppError;
use crate::infra::Db;
use crate::rules::events::{check_events, MAX_BATCH};
use crate::rules::facts::{Fact, Op};
use crate::rules::types::{EventIn, EventLine, EventLineError};
use crate::with_db;
use medal_core::staff::Column;
use medal_core::Msg;
use std::collections::{HashMap, HashSet};

/// Good lines the preview lists.
pub const PREVIEW_LINES: usize = 20;

/// A column of an events file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EventColumn {
    ExternalId,
    Mobile,
    UserId,
    Metric,
    Date,
    Value,
    Increment,
    Key,
}

impl EventColumn {
    /// `工号`, `external_id`, `手机号`, `userId`, `指标`, `日期`, `数值`, `增量`, `幂等键`…
    /// (case, spaces, `_` and `-` do not matter).
    pub fn from_header(h: &str) -> Option<EventColumn> {
        match Column::from_header(h) {
            Some(Column::ExternalId) => return Some(EventColumn::ExternalId),
            Some(Column::Mobile) => return Some(EventColumn::Mobile),
            Some(Column::UserId) => return Some(EventColumn::UserId),
            _ => {}
        }
        let k: String = h
            .trim()
            .trim_start_matches('\u{feff}')
            .chars()
            .filter(|c| !matches!(c, ' ' | '_' | '-'))
            .flat_map(char::to_lowercase)
            .collect();
        Some(match k.as_str() {
            "metric" | "指标" | "指标名" => EventColumn::Metric,
            "date" | "day" | "日期" => EventColumn::Date,
            "value" | "数值" | "值" | "读数" => EventColumn::Value,
            "increment" | "增量" => EventColumn::Increment,
            "idempotencykey" | "key" | "幂等键" => EventColumn::Key,
            _ => return None,
        })
    }

    fn field(self) -> &'static str {
        match self {
            EventColumn::ExternalId => "external_id",
            EventColumn::Mobile => "mobile",
            EventColumn::UserId => "user_id",
            EventColumn::Metric => "metric",
            EventColumn::Date => "date",
            EventColumn::Value => "value",
            EventColumn::Increment => "increment",
            EventColumn::Key => "idempotency_key",
        }
    }
}

pub(crate) fn file_error(zh: impl Into<String>, en: impl Into<String>) -> AppError {
    AppError::field("file", Msg::new(zh, en))
}

/// An events file read: each line that makes an event, and the lines that do not.
#[derive(Debug, Default)]
pub struct ParsedEvents {
    /// Data lines (blank ones left out).
    pub lines: u64,
    pub events: Vec<(u64, EventIn)>,
    pub errors: Vec<EventLineError>,
}

/// Parses an events file (already decoded). Fails as a whole when the header lacks a column the
/// events need, or the file has more than [`MAX_BATCH`] lines.
pub fn parse(text: &str) -> Result<ParsedEvents, AppError> {
    let table = medal_core::csv::read_table(text).map_err(|m| AppError::field("file", m))?;
    let mut index: Vec<(usize, EventColumn)> = Vec::new();
    for (i, h) in table.headers.iter().enumerate() {
        if let Some(c) = EventColumn::from_header(h) {
            if !index.iter().any(|(_, k)| *k == c) {
                index.push((i, c));
            }
        }
    }
    let has = |c: EventColumn| index.iter().any(|(_, k)| *k == c);
    let person =
        has(EventColumn::ExternalId) || has(EventColumn::Mobile) || has(EventColumn::UserId);
    let number = has(EventColumn::Value) || has(EventColumn::Increment);
    if !(person && number && has(EventColumn::Metric) && has(EventColumn::Date)) {
        return Err(file_error(
            "文件第 1 行须是表头，并有：工号、手机号或钉钉ID（userId）之一；指标；日期；数值或增量。可选：幂等键。",
            "Line 1 must be a header with: external_id, mobile or userId; metric; date; value or increment. Optional: idempotency_key.",
        ));
    }
    if table.rows.len() > MAX_BATCH {
        return Err(file_error(
            format!("一个文件最多 {MAX_BATCH} 行事件（这个有 {} 行），请分成几个文件上传。", table.rows.len()),
            format!("A file holds at most {MAX_BATCH} event lines (this one has {}); upload it in parts.", table.rows.len()),
        ));
    }
    let mut out = ParsedEvents {
        lines: table.rows.len() as u64,
        ..ParsedEvents::default()
    };
    for (line, cells) in table.rows {
        let Some(cells) = cells else {
            out.errors.push(EventLineError {
                line,
                field: "line".into(),
                message: Msg::new(
                    "这一行无法按 CSV 读取（引号不配对？）",
                    "This line is not valid CSV (unbalanced quotes?)",
                ),
            });
            continue;
        };
        match event_of(&index, &cells) {
            Ok(e) => out.events.push((line, e)),
            Err((field, message)) => out.errors.push(EventLineError {
                line,
                field: field.into(),
                message,
            }),
        }
    }
    Ok(out)
}

fn event_of(
    index: &[(usize, EventColumn)],
    cells: &[String],
) -> Result<EventIn, (&'static str, Msg)> {
    let mut e = EventIn::default();
    for (i, c) in index {
        let v = cells.get(*i).map(String::as_str).unwrap_or("");
        let opt = || (!v.is_empty()).then(|| v.to_string());
        let num = || -> Result<Option<i64>, (&'static str, Msg)> {
            if v.is_empty() {
                return Ok(None);
            }
            v.parse::<i64>().map(Some).map_err(|_| {
                (
                    c.field(),
                    Msg::new(
                        format!("「{v}」不是整数"),
                        format!("“{v}” is not a whole number"),
                    ),
                )
            })
        };
        match c {
            EventColumn::ExternalId => e.external_id = opt(),
            EventColumn::Mobile => e.mobile = opt(),
            EventColumn::UserId => e.user_id = opt(),
            EventColumn::Metric => e.metric = v.to_string(),
            EventColumn::Date => e.date = v.to_string(),
            EventColumn::Value => e.value = num()?,
            EventColumn::Increment => e.increment = num()?,
            EventColumn::Key => e.idempotency_key = opt(),
        }
    }
    Ok(e)
}

/// What applying a file would do: its events (for the ingest), every bad line, the first good
/// lines as they will be applied.
#[derive(Debug, Default)]
pub struct Plan {
    pub lines: u64,
    pub events: Vec<EventIn>,
    /// Lines with errors before the ingest sees them (not valid CSV, not a number).
    pub unreadable: u64,
    pub good: u64,
    /// Good lines whose idempotency key was applied before (or earlier in the file).
    pub duplicates: u64,
    pub first: Vec<EventLine>,
    pub errors: Vec<EventLineError>,
}

/// The keys of `facts` applied before, or repeated within them: those will be duplicates.
async fn duplicates(db: &Db, facts: &[(usize, Fact)]) -> Result<u64, AppError> {
    let keys: Vec<&str> = facts.iter().filter_map(|(_, f)| f.key.as_deref()).collect();
    let mut known: HashSet<String> = HashSet::new();
    for chunk in keys.chunks(500) {
        let marks: Vec<String> = (1..=chunk.len()).map(|i| format!("${i}")).collect();
        let sql = format!(
            "SELECT idem_key FROM event_keys WHERE idem_key IN ({})",
            marks.join(",")
        );
        let rows: Vec<String> = with_db!(db, p => {
            let mut q = sqlx::query_scalar(&sql);
            for k in chunk {
                q = q.bind(*k);
            }
            q.fetch_all(p).await
        })
        .map_err(AppError::from)?;
        known.extend(rows);
    }
    let mut seen = HashSet::new();
    Ok(keys
        .iter()
        .filter(|k| known.contains(**k) || !seen.insert(**k))
        .count() as u64)
}

async fn names(db: &Db, ids: &[i64]) -> Result<HashMap<i64, String>, AppError> {
    if ids.is_empty() {
        return Ok(HashMap::new());
    }
    let marks: Vec<String> = (1..=ids.len()).map(|i| format!("${i}")).collect();
    let sql = format!(
        "SELECT id, name FROM staff WHERE id IN ({})",
        marks.join(",")
    );
    let rows: Vec<(i64, String)> = with_db!(db, p => {
        let mut q = sqlx::query_as(&sql);
        for id in ids {
            q = q.bind(*id);
        }
        q.fetch_all(p).await
    })
    .map_err(AppError::from)?;
    Ok(rows.into_iter().collect())
}

fn line_of(e: &EventIn, line: u64, f: &Fact, name: String) -> EventLine {
    let who = [&e.external_id, &e.mobile, &e.user_id]
        .into_iter()
        .find_map(|v| v.as_deref().map(str::trim).filter(|s| !s.is_empty()))
        .unwrap_or_default()
        .to_string();
    EventLine {
        line,
        name,
        who,
        metric: f.metric.clone(),
        date: e.date.trim().to_string(),
        change: match f.op {
            Op::Set(v) => format!("= {v}"),
            Op::Add(i) => format!("{i:+}"),
        },
        key: e
            .idempotency_key
            .as_deref()
            .map(str::trim)
            .filter(|k| !k.is_empty())
            .map(str::to_string),
    }
}

/// Reads the file and checks every line against the staff as they are now (nothing written).
pub async fn plan_for(db: &Db, text: &str) -> Result<Plan, AppError> {
    let parsed = parse(text)?;
    let (lines_of, events): (Vec<u64>, Vec<EventIn>) = parsed.events.into_iter().unzip();
    let (facts, item_errors) = check_events(db, &events).await?;
    let mut errors = parsed.errors;
    let unreadable = errors.len() as u64;
    errors.extend(item_errors.into_iter().map(|e| EventLineError {
        line: lines_of[e.index],
        field: e.field,
        message: e.message,
    }));
    errors.sort_by_key(|e| e.line);
    let shown = &facts[..facts.len().min(PREVIEW_LINES)];
    let mut ids: Vec<i64> = shown.iter().map(|(_, f)| f.staff_id).collect();
    ids.sort_unstable();
    ids.dedup();
    let names = names(db, &ids).await?;
    let first = shown
        .iter()
        .map(|(i, f)| {
            let name = names.get(&f.staff_id).cloned().unwrap_or_default();
            line_of(&events[*i], lines_of[*i], f, name)
        })
        .collect();
    Ok(Plan {
        lines: parsed.lines,
        good: facts.len() as u64,
        duplicates: duplicates(db, &facts).await?,
        unreadable,
        events,
        first,
        errors,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn headers_in_chinese_or_english() {
        for (h, c) in [
            ("工号", EventColumn::ExternalId),
            ("external_id", EventColumn::ExternalId),
            ("手机号", EventColumn::Mobile),
            ("userId", EventColumn::UserId),
            ("user_id", EventColumn::UserId),
            ("指标", EventColumn::Metric),
            ("Date", EventColumn::Date),
            ("数值", EventColumn::Value),
            ("增量", EventColumn::Increment),
            ("幂等键", EventColumn::Key),
            ("idempotency_key", EventColumn::Key),
        ] {
            assert_eq!(EventColumn::from_header(h), Some(c), "{h}");
        }
        assert_eq!(EventColumn::from_header("备注"), None);
    }

    #[test]
    fn lines_keep_their_numbers_and_numbers_are_checked() {
        let p = parse("工号,指标,日期,增量,幂等键\nE1,tasks,2026-11-02,3,k1\n\nE2,tasks,2026-11-02,x,k2\nE3,tasks,2026-11-03,'-2,k3\n").unwrap();
        assert_eq!(p.lines, 3);
        let lines: Vec<u64> = p.events.iter().map(|e| e.0).collect();
        assert_eq!(lines, [2, 5]);
        assert_eq!(p.events[0].1.increment, Some(3));
        assert_eq!(
            p.events[1].1.increment,
            Some(-2),
            "an exported cell comes back"
        );
        assert_eq!(p.errors.len(), 1);
        assert_eq!(
            (p.errors[0].line, p.errors[0].field.as_str()),
            (4, "increment")
        );
    }

    #[test]
    fn a_header_without_what_events_need_is_refused() {
        assert!(
            parse("工号,日期,数值\nE1,2026-11-02,3\n").is_err(),
            "no metric"
        );
        assert!(
            parse("指标,日期,数值\nt,2026-11-02,3\n").is_err(),
            "no person"
        );
        assert!(
            parse("工号,指标,日期\nE1,t,2026-11-02\n").is_err(),
            "no number"
        );
        assert!(parse("").is_err());
        let many = format!(
            "工号,指标,日期,数值\n{}",
            "E1,t,2026-11-02,1\n".repeat(MAX_BATCH + 1)
        );
        assert!(parse(&many).is_err());
    }
}
