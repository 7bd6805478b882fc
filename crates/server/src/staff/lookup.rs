//! Finding people by the keys other systems know them by: 工号 (external id), mobile, DingTalk
//! userId. Events, the REST API and the events CSV name people this way.

use crate::error::AppError;
use crate::infra::Db;
use crate::with_db;
use medal_core::Msg;
use std::collections::HashMap;

/// Who a request names: by 工号 (external id), mobile or DingTalk userId.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Who {
    External(String),
    Mobile(String),
    UserId(String),
}

impl Who {
    /// Exactly one of the three keys, or the field to blame and why.
    pub fn from_keys(
        external_id: &Option<String>,
        mobile: &Option<String>,
        user_id: &Option<String>,
    ) -> Result<Who, (&'static str, Msg)> {
        let t = |v: &Option<String>| {
            v.as_deref()
                .map(str::trim)
                .filter(|s| !s.is_empty())
                .map(str::to_string)
        };
        match (t(external_id), t(mobile), t(user_id)) {
            (Some(x), None, None) => Ok(Who::External(x)),
            (None, Some(m), None) => Ok(Who::Mobile(m)),
            (None, None, Some(u)) => Ok(Who::UserId(u)),
            (None, None, None) => Err((
                "external_id",
                Msg::new(
                    "请用 external_id（工号）、mobile 或 user_id 指明员工",
                    "Name the person by external_id, mobile or user_id",
                ),
            )),
            _ => Err((
                "external_id",
                Msg::new(
                    "external_id、mobile、user_id 只能填一个",
                    "Give only one of external_id, mobile, user_id",
                ),
            )),
        }
    }
}

/// Looks the people up, `LOOKUP_CHUNK` per query and kind.
pub async fn resolve(db: &Db, wanted: &[Who]) -> Result<HashMap<Who, i64>, AppError> {
    let mut out = HashMap::new();
    for (column, pick) in [
        (
            "external_id",
            (|w: &Who| matches!(w, Who::External(_))) as fn(&Who) -> bool,
        ),
        ("mobile", |w| matches!(w, Who::Mobile(_))),
        ("dingtalk_user_id", |w| matches!(w, Who::UserId(_))),
    ] {
        let mut keys: Vec<&str> = wanted
            .iter()
            .filter(|w| pick(w))
            .map(|w| match w {
                Who::External(s) | Who::Mobile(s) | Who::UserId(s) => s.as_str(),
            })
            .collect();
        keys.sort_unstable();
        keys.dedup();
        for chunk in keys.chunks(crate::awards::give::LOOKUP_CHUNK) {
            let marks: Vec<String> = (1..=chunk.len()).map(|i| format!("${i}")).collect();
            let sql = format!(
                "SELECT {column}, id FROM staff WHERE {column} IN ({})",
                marks.join(",")
            );
            let rows: Vec<(String, i64)> = with_db!(db, p => {
                let mut q = sqlx::query_as(&sql);
                for k in chunk {
                    q = q.bind(*k);
                }
                q.fetch_all(p).await
            })
            .map_err(AppError::from)?;
            for (k, id) in rows {
                let w = match column {
                    "external_id" => Who::External(k),
                    "mobile" => Who::Mobile(k),
                    _ => Who::UserId(k),
                };
                out.insert(w, id);
            }
        }
    }
    Ok(out)
}
