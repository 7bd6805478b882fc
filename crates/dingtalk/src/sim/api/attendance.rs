//! `POST /attendance/list?access_token=`: attendance results from the simulated store, with
//! DingTalk's limits (at most 7 days apart, 1 to 50 userIds, `limit` 1 to 50), paging by
//! `offset`/`limit` with `hasMore`, the per-app QPS limit (errcode 90018) and the faults.

use std::collections::HashMap;

use axum::body::Bytes;
use axum::extract::{Query, State};
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde_json::{json, Value};

use super::{errcode, oapi_auth, oapi_fault};
use crate::app::attendance::{MAX_LIMIT, MAX_SPAN_DAYS, MAX_USERS};
use crate::sim::Simulator;

/// The day of a `yyyy-MM-dd HH:mm:ss` work date (its time is ignored, as DingTalk does).
fn work_day(v: &Value, field: &str) -> Result<i64, Response> {
    let s = v.get(field).and_then(Value::as_str).unwrap_or("");
    let well_formed = s.len() == 19 && s.as_bytes()[10] == b' ';
    s.get(..10)
        .filter(|_| well_formed)
        .and_then(medal_core::time::parse_date)
        .map(|(y, m, d)| medal_core::time::days_from_civil(y, m, d))
        .ok_or_else(|| errcode(40035, &format!("不合法的参数: {field}")))
}

fn whole(v: &Value, field: &str, min: i64, max: i64) -> Result<i64, Response> {
    v.get(field)
        .and_then(Value::as_i64)
        .filter(|n| (min..=max).contains(n))
        .ok_or_else(|| errcode(40035, &format!("不合法的参数: {field}")))
}

struct Asked {
    from: i64,
    to: i64,
    users: Vec<String>,
    offset: usize,
    limit: usize,
}

fn read(body: &Bytes) -> Result<Asked, Response> {
    let v: Value = serde_json::from_slice(body).map_err(|_| errcode(40035, "缺少参数 json"))?;
    let from = work_day(&v, "workDateFrom")?;
    let to = work_day(&v, "workDateTo")?;
    if to < from || to - from > MAX_SPAN_DAYS {
        return Err(errcode(
            40035,
            "不合法的参数: workDateFrom 与 workDateTo 最多相隔 7 天",
        ));
    }
    // not a list of strings reads as no list: DingTalk answers the same for both
    let users: Vec<String> =
        serde_json::from_value(v.get("userIdList").cloned().unwrap_or_default())
            .unwrap_or_default();
    if users.is_empty() || users.len() > MAX_USERS {
        return Err(errcode(40032, "不合法的UserID列表长度"));
    }
    let offset = whole(&v, "offset", 0, i64::MAX)? as usize;
    let limit = whole(&v, "limit", 1, i64::from(MAX_LIMIT))? as usize;
    Ok(Asked {
        from,
        to,
        users,
        offset,
        limit,
    })
}

pub(super) async fn attendance_list(
    State(sim): State<Simulator>,
    Query(q): Query<HashMap<String, String>>,
    body: Bytes,
) -> Response {
    let (latency, action) = {
        let mut w = sim.world();
        let app_key = match oapi_auth(&sim, &mut w, &q, "attendance/list") {
            Ok(k) => k,
            Err(r) => return r,
        };
        w.take_fault(&[&app_key])
    };
    if let Some(r) = oapi_fault(&sim, latency, action).await {
        return r;
    }
    let asked = match read(&body) {
        Ok(a) => a,
        Err(r) => return r,
    };
    let w = sim.world();
    let mut matching = Vec::new();
    for user in &asked.users {
        let first = (user.clone(), i64::MIN, 0);
        for ((u, _, _), rec) in w.attendance.range(first..) {
            if u != user {
                break;
            }
            let day = medal_core::time::china_day(rec.work_date);
            if (asked.from..=asked.to).contains(&day) {
                matching.push(rec);
            }
        }
    }
    let page: Vec<_> = matching
        .iter()
        .skip(asked.offset)
        .take(asked.limit)
        .collect();
    let has_more = asked.offset.saturating_add(asked.limit) < matching.len();
    Json(json!({
        "errcode": 0,
        "errmsg": "ok",
        "recordresult": page,
        "hasMore": has_more,
    }))
    .into_response()
}
