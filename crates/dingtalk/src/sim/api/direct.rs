//! 1:1 messages: the app robot's `v1.0/robot/oToMessages/batchSend` (at most 20 userIds; the
//! answer lists the invalid and the flow-controlled ones) and work notices
//! (`topapi/message/corpconversation/asyncsend_v2`, at most 100 userIds, `msg` at most 2,048
//! bytes; the same content to the same person twice a day is dropped while the call answers
//! success) with `getsendresult`. A `throttle` fault on a userId holds that person back.

use std::collections::HashMap;

use axum::body::Bytes;
use axum::extract::{Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde_json::{json, Value};

use super::chat::{bad, body, call, ok};
use super::{v1_auth, v1_error, v1_fault};
use crate::app::{MAX_NOTICE_USERS, MAX_OTO_USERS};
use crate::message::{from_legacy_msg, legacy_msg_len, AppMessage, Message};
use crate::message::{MAX_APP_MSG_PARAM_BYTES, MAX_LEGACY_MSG_BYTES};
use crate::sim::world::{FaultAction, World};
use crate::sim::{random_string, Received, Simulator, ALNUM};

/// Who of `users` can get a message now: (reached, invalid, held back).
fn sort_people(w: &mut World, users: &[String]) -> (Vec<String>, Vec<String>, Vec<String>) {
    let (mut reached, mut invalid, mut held) = (Vec::new(), Vec::new(), Vec::new());
    for u in users {
        if w.user_by_id(u).is_none_or(|p| !p.active) {
            invalid.push(u.clone());
        } else if w.take_fault(&[u]).1 == FaultAction::Throttle {
            held.push(u.clone());
        } else {
            reached.push(u.clone());
        }
    }
    (reached, invalid, held)
}

fn deliver(w: &mut World, users: &[String], sender: &str, via: &str, message: &Message) {
    for u in users {
        let seq = w.next_seq();
        w.direct.entry(u.clone()).or_default().push(Received {
            seq,
            at_ms: crate::sign::now_ms(),
            sender: sender.to_owned(),
            via: via.into(),
            msg_uuid: None,
            msg_key: None,
            message: message.clone(),
            card: None,
        });
    }
}

pub(super) async fn batch_send(
    State(sim): State<Simulator>,
    headers: HeaderMap,
    bytes: Bytes,
) -> Response {
    let v: Value = serde_json::from_slice(&bytes).unwrap_or(Value::Null);
    let field = |k: &str| v.get(k).and_then(Value::as_str).unwrap_or("").to_owned();
    let (robot_code, msg_key, msg_param) = (field("robotCode"), field("msgKey"), field("msgParam"));
    let (app_key, latency, action) = {
        let mut w = sim.world();
        let app_key = match v1_auth(&sim, &mut w, &headers, "oToMessages") {
            Ok(k) => k,
            Err(r) => return r,
        };
        let (latency, action) = w.take_fault(&[&robot_code, &app_key]);
        (app_key, latency, action)
    };
    if let Some(r) = v1_fault(&sim, latency, action, "oToMessages").await {
        return r;
    }
    let bad400 = |code: &str, msg: &str| v1_error(StatusCode::BAD_REQUEST, code, msg);
    let answer = (|| {
        let mut w = sim.world();
        let Some(app) = w.apps.get(&app_key).cloned() else {
            return bad400("InvalidAuthentication", "不合法的access_token");
        };
        if robot_code.is_empty() || app.robot_code != robot_code {
            return bad400("invalidParameter.robotCode.auth", "robotCode 无权限");
        }
        if !app.robot_enabled {
            return bad400("bot.stopped", "机器人已停用");
        }
        let users: Vec<String> = match v.get("userIds").cloned().map(serde_json::from_value) {
            Some(Ok(u)) => u,
            _ => return bad400("invalidParameter.userIds", "userIds 不合法"),
        };
        if users.is_empty() || users.len() > MAX_OTO_USERS {
            return bad400("invalidParameter.userIds", "userIds 为 1 到 20 个");
        }
        if msg_param.len() > MAX_APP_MSG_PARAM_BYTES {
            return bad400("msgParam.too.long", "msgParam 超过长度限制");
        }
        let message = match serde_json::from_str::<Value>(&msg_param)
            .map_err(|e| e.to_string())
            .and_then(|p| AppMessage::from_key_and_param(&msg_key, &p))
        {
            Ok(m) => m.to_message(),
            Err(e) => return bad400("invalidParameter.msgParam", &e),
        };
        let (reached, invalid, held) = sort_people(&mut w, &users);
        deliver(&mut w, &reached, &app.name, "oto", &message);
        Json(json!({
            "processQueryKey": random_string(40, ALNUM),
            "invalidStaffIdList": invalid,
            "flowControlledStaffIdList": held,
        }))
        .into_response()
    })();
    if action == FaultAction::LostAnswer {
        return super::hang(&sim).await;
    }
    answer
}

fn agent_of(v: &Value) -> String {
    match v.get("agent_id") {
        Some(Value::Number(n)) => n.to_string(),
        Some(Value::String(s)) => s.trim().to_owned(),
        _ => String::new(),
    }
}

/// The calling app, when `v` names its AgentId (`不合法的参数: agent_id` otherwise).
fn agent_app(w: &World, app_key: &str, v: &Value) -> Result<crate::sim::AppInfo, Response> {
    w.apps
        .get(app_key)
        .filter(|a| agent_of(v) == a.agent_id)
        .cloned()
        .ok_or_else(|| bad("agent_id"))
}

pub(super) async fn notice_send(
    State(sim): State<Simulator>,
    Query(q): Query<HashMap<String, String>>,
    bytes: Bytes,
) -> Response {
    call(
        sim,
        q,
        "corpconversation/asyncsend_v2",
        &[],
        |w, app_key| {
            let v = body(&bytes)?;
            let app = agent_app(w, app_key, &v)?;
            let users: Vec<String> = v
                .get("userid_list")
                .and_then(Value::as_str)
                .unwrap_or("")
                .split(',')
                .map(str::trim)
                .filter(|u| !u.is_empty())
                .map(str::to_owned)
                .collect();
            if users.is_empty() || users.len() > MAX_NOTICE_USERS {
                return Err(bad("userid_list"));
            }
            let msg = match v.get("msg") {
                Some(Value::String(s)) => serde_json::from_str(s).map_err(|_| bad("msg"))?,
                Some(m) => m.clone(),
                None => return Err(bad("msg")),
            };
            if legacy_msg_len(&msg) > MAX_LEGACY_MSG_BYTES {
                return Err(bad("msg 超过 2048 字节"));
            }
            let message = from_legacy_msg(&msg).map_err(|e| bad(&format!("msg: {e}")))?;
            let (reached, invalid, mut held) = sort_people(w, &users);
            let day = crate::sign::now_ms().div_euclid(86_400_000);
            let content = msg.to_string();
            let mut fresh = Vec::new();
            for u in reached {
                if w.notice_seen.insert((u.clone(), content.clone(), day)) {
                    fresh.push(u);
                } else {
                    held.push(u);
                }
            }
            deliver(w, &fresh, &app.name, "notice", &message);
            let task = 100_000_000 + w.next_seq() as i64;
            let forbidden: Vec<Value> = held
                .iter()
                .map(|u| json!({ "code": "143105", "count": 1, "userid": u }))
                .collect();
            w.notice_tasks.insert(
                task,
                json!({
                    "invalid_user_id_list": invalid,
                    "forbidden_user_id_list": held,
                    "failed_user_id_list": [],
                    "read_user_id_list": [],
                    "unread_user_id_list": fresh,
                    "invalid_dept_id_list": [],
                    "forbidden_list": forbidden,
                }),
            );
            Ok(ok(
                json!({ "task_id": task, "request_id": random_string(16, ALNUM) }),
            ))
        },
    )
    .await
}

pub(super) async fn notice_result(
    State(sim): State<Simulator>,
    Query(q): Query<HashMap<String, String>>,
    bytes: Bytes,
) -> Response {
    call(
        sim,
        q,
        "corpconversation/getsendresult",
        &[],
        |w, app_key| {
            let v = body(&bytes)?;
            agent_app(w, app_key, &v)?;
            let task = v.get("task_id").and_then(Value::as_i64).unwrap_or(-1);
            let result = w
                .notice_tasks
                .get(&task)
                .cloned()
                .ok_or_else(|| bad("task_id"))?;
            Ok(ok(
                json!({ "send_result": result, "request_id": random_string(16, ALNUM) }),
            ))
        },
    )
    .await
}
