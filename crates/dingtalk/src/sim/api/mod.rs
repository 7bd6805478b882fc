//! DingTalk's own endpoints, with its checks and error answers.
//!
//! This file holds the routes and what the endpoints share: the error answers, the rolling rate
//! window, and the fault and token checks of v1.0 calls. The endpoints themselves are in
//! [`robot`] (custom robots), [`app`] (tokens, app robot, user lookup), [`chat`] (groups an app
//! makes, messages by chatid), [`direct`] (1:1 messages and work notices), [`attendance`] and
//! [`honours`].

// handlers return `Result<_, Response>`; the size of an axum Response is fine here
#![allow(clippy::result_large_err)]

mod app;
mod attendance;
mod cards;
mod chat;
mod direct;
mod honours;
pub(crate) mod media;
mod robot;

use std::collections::VecDeque;
use std::time::{Duration, Instant};

use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post, put};
use axum::{Json, Router};
use serde_json::json;

use super::world::{FaultAction, World};
use super::{random_string, Simulator};
use crate::app::TOKEN_HEADER;
use app::{access_token, app_of_token, get_by_mobile, gettoken, group_send};
use attendance::attendance_list;
use cards::{create_and_deliver, interactive_send, interactive_update, update_card};
use chat::{chat_create, chat_send, chat_update, scene_group_create};
use direct::{batch_send, notice_result, notice_send};
use honours::{create_honour, grant_honour, list_honours, recall_honour, user_honours};
use robot::robot_send;

pub(super) fn routes() -> Router<Simulator> {
    Router::new()
        .route("/robot/send", post(robot_send))
        .route("/gettoken", get(gettoken))
        .route("/v1.0/oauth2/accessToken", post(access_token))
        .route("/v1.0/robot/groupMessages/send", post(group_send))
        .route("/topapi/v2/user/getbymobile", post(get_by_mobile))
        .route("/attendance/list", post(attendance_list))
        .route("/v1.0/robot/oToMessages/batchSend", post(batch_send))
        .route(
            "/v1.0/card/instances/createAndDeliver",
            post(create_and_deliver),
        )
        .route("/v1.0/card/instances", put(update_card))
        .route("/v1.0/im/interactiveCards/send", post(interactive_send))
        .route("/v1.0/im/interactiveCards", put(interactive_update))
        .route(
            "/topapi/message/corpconversation/asyncsend_v2",
            post(notice_send),
        )
        .route(
            "/topapi/message/corpconversation/getsendresult",
            post(notice_result),
        )
        .route("/media/upload", post(media::upload))
        .route("/chat/create", post(chat_create))
        .route("/chat/update", post(chat_update))
        .route("/chat/send", post(chat_send))
        .route(
            "/topapi/im/chat/scenegroup/create",
            post(scene_group_create),
        )
        .route("/v1.0/orgCulture/honors/templates", post(create_honour))
        .route("/v1.0/orgCulture/organizations/honors", get(list_honours))
        .route(
            "/v1.0/orgCulture/honors/{honor_id}/grant",
            post(grant_honour),
        )
        .route(
            "/v1.0/orgCulture/honors/{honor_id}/recall",
            post(recall_honour),
        )
        .route("/v1.0/orgCulture/honors/users/{user_id}", get(user_honours))
}

fn errcode(code: i64, msg: &str) -> Response {
    Json(json!({ "errcode": code, "errmsg": msg })).into_response()
}

fn v1_error(status: StatusCode, code: &str, message: &str) -> Response {
    (
        status,
        Json(json!({
            "requestid": random_string(32, super::HEX),
            "code": code,
            "message": message,
        })),
    )
        .into_response()
}

fn bad_gateway() -> Response {
    (
        StatusCode::BAD_GATEWAY,
        [("content-type", "text/html")],
        "<html><body><h1>502 Bad Gateway</h1></body></html>",
    )
        .into_response()
}

async fn hang(sim: &Simulator) -> Response {
    tokio::time::sleep(sim.config().hang).await;
    (StatusCode::GATEWAY_TIMEOUT, "timeout").into_response()
}

/// Rolling-window check shared by robots and app robots. `true` when within the limit.
fn within_rate(sends: &mut VecDeque<Instant>, limit: u32, window: Duration, now: Instant) -> bool {
    while sends
        .front()
        .is_some_and(|t| now.duration_since(*t) >= window)
    {
        sends.pop_front();
    }
    if (sends.len() as u64) < u64::from(limit) {
        sends.push_back(now);
        true
    } else {
        false
    }
}

/// Applies latency and the faults that answer without doing anything. `None`: go on.
async fn v1_fault(
    sim: &Simulator,
    latency: Duration,
    action: FaultAction,
    api: &str,
) -> Option<Response> {
    if !latency.is_zero() {
        tokio::time::sleep(latency).await;
    }
    match action {
        FaultAction::Timeout => Some(hang(sim).await),
        FaultAction::Error5xx => Some(bad_gateway()),
        FaultAction::Busy => Some(v1_error(
            StatusCode::SERVICE_UNAVAILABLE,
            "ServiceUnavailable",
            "系统繁忙",
        )),
        FaultAction::Throttle if api == "groupMessages" => Some(v1_error(
            StatusCode::FORBIDDEN,
            "send.too.fast",
            "发送速度太快",
        )),
        FaultAction::Throttle => Some(v1_error(
            StatusCode::FORBIDDEN,
            "Forbidden.AccessDenied.QpsLimitForAppkeyAndApi",
            "当前应用调用该接口的频率超过限制",
        )),
        _ => None,
    }
}

/// Latency and the faults of an oapi call (`errcode` answers). `None`: go on.
async fn oapi_fault(sim: &Simulator, latency: Duration, action: FaultAction) -> Option<Response> {
    if !latency.is_zero() {
        tokio::time::sleep(latency).await;
    }
    match action {
        FaultAction::Timeout | FaultAction::LostAnswer => Some(hang(sim).await),
        FaultAction::Error5xx => Some(bad_gateway()),
        FaultAction::Busy => Some(errcode(-1, "系统繁忙")),
        FaultAction::Throttle => Some(qps_errcode()),
        _ => None,
    }
}

/// The legacy (oapi) answer to an app over its calls per second.
fn qps_errcode() -> Response {
    errcode(90018, "当前应用调用该接口的频率超过限制")
}

/// Token and per-app QPS checks of an oapi call (`?access_token=`). Returns the appKey.
fn oapi_auth(
    sim: &Simulator,
    w: &mut World,
    query: &std::collections::HashMap<String, String>,
    api: &str,
) -> Result<String, Response> {
    w.count(api);
    let token = query.get("access_token").map(String::as_str).unwrap_or("");
    let Some(app_key) = app::app_of_token(w, token) else {
        return Err(errcode(40014, "不合法的access_token"));
    };
    let window = w.qps.entry((app_key.clone(), api.to_owned())).or_default();
    if !within_rate(
        window,
        sim.config().app_qps,
        Duration::from_secs(1),
        Instant::now(),
    ) {
        w.stats.qps_refusals += 1;
        return Err(qps_errcode());
    }
    Ok(app_key)
}

/// Token and per-app QPS checks of a v1.0 call. Returns the appKey.
fn v1_auth(
    sim: &Simulator,
    w: &mut World,
    headers: &HeaderMap,
    api: &str,
) -> Result<String, Response> {
    w.count(api);
    let token = headers
        .get(TOKEN_HEADER)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    let Some(app_key) = app_of_token(w, token) else {
        return Err(v1_error(
            StatusCode::BAD_REQUEST,
            "InvalidAuthentication",
            "不合法的access_token",
        ));
    };
    let now = Instant::now();
    let q = w.qps.entry((app_key.clone(), api.to_owned())).or_default();
    if !within_rate(q, sim.config().app_qps, Duration::from_secs(1), now) {
        return Err(v1_error(
            StatusCode::FORBIDDEN,
            "Forbidden.AccessDenied.QpsLimitForAppkeyAndApi",
            "当前应用调用该接口的频率超过限制",
        ));
    }
    Ok(app_key)
}
