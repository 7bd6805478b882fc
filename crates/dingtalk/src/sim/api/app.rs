//! The internal app's endpoints: access tokens (v1.0 `oauth2/accessToken` and the older
//! `gettoken`), group messages sent as the app's robot, and the user lookup by mobile.

use std::collections::HashMap;
use std::time::Instant;

use axum::body::Bytes;
use axum::extract::{Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde_json::{json, Value};

use super::{errcode, hang, oapi_fault, v1_auth, v1_error, v1_fault, within_rate};
use crate::message::{AppMessage, MAX_APP_MSG_PARAM_BYTES};
use crate::sim::world::{FaultAction, TokenRec, World};
use crate::sim::{random_string, Received, Simulator, ALNUM, HEX};

// ---------------------------------------------------------------- tokens

fn issue_token(sim: &Simulator, w: &mut World, app_key: &str) -> (String, u64) {
    let now = Instant::now();
    w.tokens.retain(|_, t| t.expires > now);
    if let Some((tok, rec)) = w
        .tokens
        .iter()
        .find(|(_, t)| t.app_key == app_key && t.expires > now)
    {
        return (
            tok.clone(),
            rec.expires.duration_since(now).as_secs().max(1),
        );
    }
    let tok = random_string(32, HEX);
    let ttl = sim.config().token_ttl;
    w.tokens.insert(
        tok.clone(),
        TokenRec {
            app_key: app_key.to_owned(),
            expires: now + ttl,
        },
    );
    (tok, ttl.as_secs().max(1))
}

pub(super) fn app_of_token(w: &World, token: &str) -> Option<String> {
    let now = Instant::now();
    w.tokens
        .get(token)
        .filter(|t| t.expires > now)
        .map(|t| t.app_key.clone())
}

pub(super) async fn access_token(State(sim): State<Simulator>, body: Bytes) -> Response {
    let v: Value = serde_json::from_slice(&body).unwrap_or(Value::Null);
    let key = v.get("appKey").and_then(Value::as_str).unwrap_or("");
    let secret = v.get("appSecret").and_then(Value::as_str).unwrap_or("");
    let (latency, action) = {
        let mut w = sim.world();
        w.count("oauth2/accessToken");
        w.stats.token_requests += 1;
        w.take_fault(&[key])
    };
    if let Some(r) = v1_fault(&sim, latency, action, "oauth2").await {
        return r;
    }
    let mut w = sim.world();
    let ok = w.apps.get(key).is_some_and(|a| a.app_secret == secret);
    if !ok {
        return v1_error(
            StatusCode::BAD_REQUEST,
            "invalidClientIdOrSecret",
            "无效的clientId或者clientSecret",
        );
    }
    let (token, expire_in) = issue_token(&sim, &mut w, key);
    Json(json!({ "accessToken": token, "expireIn": expire_in })).into_response()
}

pub(super) async fn gettoken(
    State(sim): State<Simulator>,
    Query(q): Query<HashMap<String, String>>,
) -> Response {
    let key = q.get("appkey").map(String::as_str).unwrap_or("");
    let secret = q.get("appsecret").map(String::as_str).unwrap_or("");
    let (latency, action) = {
        let mut w = sim.world();
        w.count("gettoken");
        w.stats.token_requests += 1;
        w.take_fault(&[key])
    };
    if let Some(r) = oapi_fault(&sim, latency, action).await {
        return r;
    }
    let mut w = sim.world();
    if w.apps.get(key).is_none_or(|a| a.app_secret != secret) {
        return errcode(40089, "不合法的appKey或appSecret");
    }
    let (token, expires_in) = issue_token(&sim, &mut w, key);
    Json(json!({ "errcode": 0, "errmsg": "ok", "access_token": token, "expires_in": expires_in }))
        .into_response()
}

// ---------------------------------------------------------------- app robot

pub(super) async fn group_send(
    State(sim): State<Simulator>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let v: Value = serde_json::from_slice(&body).unwrap_or(Value::Null);
    let field = |k: &str| v.get(k).and_then(Value::as_str).unwrap_or("").to_owned();
    let (robot_code, cid, msg_key, msg_param) = (
        field("robotCode"),
        field("openConversationId"),
        field("msgKey"),
        field("msgParam"),
    );
    let (app_key, latency, action) = {
        let mut w = sim.world();
        let app_key = match v1_auth(&sim, &mut w, &headers, "groupMessages") {
            Ok(k) => k,
            Err(r) => return r,
        };
        let (latency, action) = w.take_fault(&[&cid, &robot_code, &app_key]);
        (app_key, latency, action)
    };
    if let Some(r) = v1_fault(&sim, latency, action, "groupMessages").await {
        return r;
    }
    let cfg = sim.config().clone();
    let result = {
        let mut w = sim.world();
        let World {
            apps, groups, seq, ..
        } = &mut *w;
        let app = apps.get(&app_key).cloned();
        (|| {
            let bad = |code: &str, msg: &str| Err(v1_error(StatusCode::BAD_REQUEST, code, msg));
            let Some(app) = app else {
                return bad("InvalidAuthentication", "不合法的access_token");
            };
            if robot_code.is_empty() || app.robot_code != robot_code {
                return bad("invalidParameter.robotCode.auth", "robotCode 无权限");
            }
            let Some(group) = groups.get_mut(&cid) else {
                return bad("invalid.openConversationId", "openConversationId 不合法");
            };
            if group.disbanded {
                return bad("group.disbanded", "群已解散");
            }
            if !group.app_robots.contains(&robot_code) {
                return bad("robot.not.in.group", "机器人不在群中");
            }
            if !app.robot_enabled {
                return bad("bot.stopped", "机器人已停用");
            }
            if msg_param.len() > MAX_APP_MSG_PARAM_BYTES {
                return bad("msgParam.too.long", "msgParam 超过长度限制");
            }
            let param: Value = match serde_json::from_str(&msg_param) {
                Ok(p @ Value::Object(_)) => p,
                _ => return bad("invalidParameter.msgParam", "msgParam 不是合法的 JSON 对象"),
            };
            let app_msg = match AppMessage::from_key_and_param(&msg_key, &param) {
                Ok(m) => m,
                Err(e) => return bad("invalidParameter.msgKey", &e),
            };
            let sends = group.app_sends.entry(robot_code.clone()).or_default();
            if !within_rate(sends, cfg.rate_limit, cfg.rate_window, Instant::now()) {
                return Err(v1_error(
                    StatusCode::FORBIDDEN,
                    "send.too.fast",
                    "发送速度太快",
                ));
            }
            *seq += 1;
            group.messages.push(Received {
                seq: *seq,
                at_ms: crate::sign::now_ms(),
                sender: app.name.clone(),
                via: "app".into(),
                msg_uuid: None,
                msg_key: Some(msg_key.clone()),
                message: app_msg.to_message(),
                card: None,
            });
            Ok(random_string(40, ALNUM))
        })()
    };
    match result {
        Err(r) => r,
        Ok(_) if action == FaultAction::UnknownResult => v1_error(
            StatusCode::INTERNAL_SERVER_ERROR,
            "unknown.send.result",
            "发送结果未知",
        ),
        Ok(_) if action == FaultAction::LostAnswer => hang(&sim).await,
        Ok(key) => Json(json!({ "processQueryKey": key })).into_response(),
    }
}

// ---------------------------------------------------------------- users

pub(super) async fn get_by_mobile(
    State(sim): State<Simulator>,
    Query(q): Query<HashMap<String, String>>,
    body: Bytes,
) -> Response {
    let token = q.get("access_token").map(String::as_str).unwrap_or("");
    let (app_key, latency, action) = {
        let mut w = sim.world();
        w.count("getbymobile");
        let Some(app_key) = app_of_token(&w, token) else {
            return errcode(40014, "不合法的access_token");
        };
        let (l, a) = w.take_fault(&[&app_key]);
        (app_key, l, a)
    };
    let _ = app_key;
    if let Some(r) = oapi_fault(&sim, latency, action).await {
        return r;
    }
    let v: Value = match serde_json::from_slice(&body) {
        Ok(v) => v,
        Err(_) => return errcode(40035, "缺少参数 json"),
    };
    let mobile = v.get("mobile").and_then(Value::as_str).unwrap_or("").trim();
    let w = sim.world();
    match w.users.iter().find(|u| u.mobile == mobile) {
        Some(u) if u.active => Json(json!({
            "errcode": 0, "errmsg": "ok",
            "result": { "userid": u.userid, "exclusive_account_userid_list": [] },
            "request_id": random_string(16, ALNUM),
        }))
        .into_response(),
        Some(_) => errcode(40104, "手机号码不在组织中"),
        None => errcode(60121, "找不到该用户"),
    }
}
