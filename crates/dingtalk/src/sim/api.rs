//! DingTalk's own endpoints, with its checks and error answers.

// handlers return `Result<_, Response>`; the size of an axum Response is fine here
#![allow(clippy::result_large_err)]

use std::collections::{HashMap, VecDeque};
use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::time::{Duration, Instant};

use axum::body::Bytes;
use axum::extract::{ConnectInfo, Path, Query, Request, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use serde_json::{json, Value};

use super::ip::ip_allowed;
use super::world::{FaultAction, TokenRec, World};
use super::{random_string, GrantInfo, HonourInfo, Received, Simulator, ALNUM};
use crate::app::TOKEN_HEADER;
use crate::message::{AppMessage, Message, MAX_APP_MSG_PARAM_BYTES};
use crate::sign;

pub(super) fn routes() -> Router<Simulator> {
    Router::new()
        .route("/robot/send", post(robot_send))
        .route("/gettoken", get(gettoken))
        .route("/v1.0/oauth2/accessToken", post(access_token))
        .route("/v1.0/robot/groupMessages/send", post(group_send))
        .route("/topapi/v2/user/getbymobile", post(get_by_mobile))
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
        .route("/v1.0/orgCulture/users/{user_id}/honors", get(user_honours))
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

fn throttle_msg(code: i64) -> &'static str {
    if code == 130101 {
        "send too fast, exceed 20 times per minute"
    } else {
        "发送速度太快而限流"
    }
}

fn to_v4(ip: IpAddr) -> Option<Ipv4Addr> {
    match ip {
        IpAddr::V4(v4) => Some(v4),
        IpAddr::V6(v6) => v6.to_ipv4_mapped(),
    }
}

fn client_ip(headers: &HeaderMap, connect: Option<&ConnectInfo<SocketAddr>>) -> Option<Ipv4Addr> {
    if let Some(xff) = headers.get("x-forwarded-for").and_then(|v| v.to_str().ok()) {
        let first = xff.split(',').next().unwrap_or("").trim();
        return first.parse::<IpAddr>().ok().and_then(to_v4);
    }
    connect.and_then(|c| to_v4(c.0.ip()))
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

// ---------------------------------------------------------------- custom robot

async fn robot_send(State(sim): State<Simulator>, req: Request) -> Response {
    let (parts, body) = req.into_parts();
    let query: HashMap<String, String> =
        url::form_urlencoded::parse(parts.uri.query().unwrap_or("").as_bytes())
            .into_owned()
            .collect();
    let token = query.get("access_token").cloned().unwrap_or_default();
    let (latency, action) = {
        let mut w = sim.world();
        w.count("robot/send");
        let group = w
            .robots
            .get(&token)
            .map(|r| r.info.group.clone())
            .unwrap_or_default();
        w.take_fault(&[&token, &group])
    };
    if !latency.is_zero() {
        tokio::time::sleep(latency).await;
    }
    match action {
        FaultAction::Timeout => return hang(&sim).await,
        FaultAction::Error5xx => return bad_gateway(),
        FaultAction::Busy => return errcode(-1, "系统繁忙"),
        FaultAction::Throttle => {
            let code = sim.config().throttle_errcode;
            return errcode(code, throttle_msg(code));
        }
        _ => {}
    }
    let bytes = match axum::body::to_bytes(body, 1 << 20).await {
        Ok(b) => b,
        Err(_) => return errcode(460101, "message too long"),
    };
    let content_type = parts
        .headers
        .get("content-type")
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    let ip = client_ip(
        &parts.headers,
        parts.extensions.get::<ConnectInfo<SocketAddr>>(),
    );
    let (code, msg) = robot_send_logic(&sim, &token, &query, content_type, &bytes, ip);
    if code == 0 && action == FaultAction::LostAnswer {
        return hang(&sim).await;
    }
    errcode(code, &msg)
}

fn robot_send_logic(
    sim: &Simulator,
    token: &str,
    query: &HashMap<String, String>,
    content_type: &str,
    body: &[u8],
    ip: Option<Ipv4Addr>,
) -> (i64, String) {
    let cfg = sim.config().clone();
    let now = Instant::now();
    let mut w = sim.world();
    let sim_now = crate::sign::now_ms() + w.clock_skew_ms;
    if !content_type
        .to_ascii_lowercase()
        .starts_with("application/json")
    {
        return (43004, "无效的HTTP HEADER Content-Type".into());
    }
    if token.is_empty() {
        return (300001, "token is not exist".into());
    }
    let World {
        robots,
        groups,
        monthly_sent,
        seq,
        ..
    } = &mut *w;
    let Some(robot) = robots.get_mut(token) else {
        return (300001, "token is not exist".into());
    };
    if !robot.info.enabled {
        return (400102, "robot 已停用".into());
    }
    let Some(group) = groups.get_mut(&robot.info.group) else {
        return (400106, "robot 不在群里".into());
    };
    if group.disbanded {
        return (400013, "群已被解散".into());
    }
    // security settings
    if let Some(secret) = &robot.info.secret {
        let Some(ts) = query
            .get("timestamp")
            .and_then(|t| t.trim().parse::<i64>().ok())
        else {
            return (310000, "invalid timestamp".into());
        };
        if (sim_now - ts).abs() > sign::TIMESTAMP_TOLERANCE_MS {
            return (310000, "invalid timestamp".into());
        }
        let sig = query.get("sign").map(String::as_str).unwrap_or("");
        if !sign::verify(secret, ts, sig) {
            return (310000, "sign not match".into());
        }
    }
    if !ip_allowed(&robot.info.ip_allowlist, ip) {
        let shown = ip
            .map(|i| i.to_string())
            .unwrap_or_else(|| "unknown".into());
        return (310000, format!("ip {shown} not in whitelist"));
    }
    let value: Value = match serde_json::from_slice(body) {
        Ok(v @ Value::Object(_)) => v,
        _ => return (40035, "缺少参数 json".into()),
    };
    let msgtype = value.get("msgtype").and_then(Value::as_str).unwrap_or("");
    if !["text", "link", "markdown", "actionCard", "feedCard"].contains(&msgtype) {
        return (400105, format!("不支持的消息类型: {msgtype}"));
    }
    let message: Message = match serde_json::from_value(value.clone()) {
        Ok(m) => m,
        Err(e) => return (40035, format!("缺少参数 json: {e}")),
    };
    if !message.contains_any_keyword(&robot.info.keywords) {
        return (310000, "keywords not in content".into());
    }
    if body.len() > cfg.max_body_bytes {
        return (460101, "message too long".into());
    }
    let msg_uuid = value
        .get("msgUuid")
        .and_then(Value::as_str)
        .map(str::to_owned);
    if let Some(u) = &msg_uuid {
        if robot.seen_uuids.contains(u) {
            // already delivered: answer ok without posting twice
            return (0, "ok".into());
        }
    }
    // rate limit with penalty
    if let Some(until) = robot.penalty_until {
        if now < until {
            return (
                cfg.throttle_errcode,
                throttle_msg(cfg.throttle_errcode).into(),
            );
        }
        robot.penalty_until = None;
    }
    if !within_rate(&mut robot.sends, cfg.rate_limit, cfg.rate_window, now) {
        robot.penalty_until = Some(now + cfg.penalty);
        return (
            cfg.throttle_errcode,
            throttle_msg(cfg.throttle_errcode).into(),
        );
    }
    if let Some(q) = cfg.monthly_quota {
        if *monthly_sent >= q {
            return (20001, "本月消息发送额度已用完".into());
        }
    }
    *monthly_sent += 1;
    if let Some(u) = &msg_uuid {
        if robot.seen_uuids.len() >= 100_000 {
            robot.seen_uuids.clear();
        }
        robot.seen_uuids.insert(u.clone());
    }
    *seq += 1;
    group.messages.push(Received {
        seq: *seq,
        at_ms: crate::sign::now_ms(),
        sender: robot.info.name.clone(),
        via: "webhook".into(),
        msg_uuid,
        msg_key: None,
        message,
    });
    (0, "ok".into())
}

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
    let tok = random_string(32, super::HEX);
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

fn app_of_token(w: &World, token: &str) -> Option<String> {
    let now = Instant::now();
    w.tokens
        .get(token)
        .filter(|t| t.expires > now)
        .map(|t| t.app_key.clone())
}

async fn access_token(State(sim): State<Simulator>, body: Bytes) -> Response {
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

async fn gettoken(
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
    if !latency.is_zero() {
        tokio::time::sleep(latency).await;
    }
    match action {
        FaultAction::Timeout | FaultAction::LostAnswer => return hang(&sim).await,
        FaultAction::Error5xx => return bad_gateway(),
        FaultAction::Busy => return errcode(-1, "系统繁忙"),
        FaultAction::Throttle => return errcode(90018, "当前应用调用该接口的频率超过限制"),
        _ => {}
    }
    let mut w = sim.world();
    if w.apps.get(key).is_none_or(|a| a.app_secret != secret) {
        return errcode(40089, "不合法的appKey或appSecret");
    }
    let (token, expires_in) = issue_token(&sim, &mut w, key);
    Json(json!({ "errcode": 0, "errmsg": "ok", "access_token": token, "expires_in": expires_in }))
        .into_response()
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

// ---------------------------------------------------------------- app robot

async fn group_send(State(sim): State<Simulator>, headers: HeaderMap, body: Bytes) -> Response {
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

async fn get_by_mobile(
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
    if !latency.is_zero() {
        tokio::time::sleep(latency).await;
    }
    match action {
        FaultAction::Timeout | FaultAction::LostAnswer => return hang(&sim).await,
        FaultAction::Error5xx => return bad_gateway(),
        FaultAction::Busy => return errcode(-1, "系统繁忙"),
        FaultAction::Throttle => return errcode(90018, "当前应用调用该接口的频率超过限制"),
        _ => {}
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

// ---------------------------------------------------------------- honours

fn honour_auth(
    sim: &Simulator,
    headers: &HeaderMap,
    api: &str,
) -> Result<(String, Duration, FaultAction), Response> {
    let mut w = sim.world();
    let app_key = v1_auth(sim, &mut w, headers, api)?;
    let (l, a) = w.take_fault(&[&app_key]);
    Ok((app_key, l, a))
}

async fn create_honour(State(sim): State<Simulator>, headers: HeaderMap, body: Bytes) -> Response {
    let (_, latency, action) = match honour_auth(&sim, &headers, "honors/templates") {
        Ok(x) => x,
        Err(r) => return r,
    };
    if let Some(r) = v1_fault(&sim, latency, action, "honours").await {
        return r;
    }
    let v: Value = serde_json::from_slice(&body).unwrap_or(Value::Null);
    let s = |k: &str| v.get(k).and_then(Value::as_str).unwrap_or("").to_owned();
    let bad = |code: &str, msg: &str| v1_error(StatusCode::BAD_REQUEST, code, msg);
    let name = s("medalName");
    if name.trim().is_empty() || name.chars().count() > 10 {
        return bad("invalidParameter.medalName", "荣誉名称为 1–10 个字");
    }
    let desc = s("medalDesc");
    if desc.chars().count() > 30 {
        return bad("invalidParameter.medalDesc", "荣誉描述最多 30 个字");
    }
    if s("medalMediaId").is_empty() {
        return bad("MissingParameter.medalMediaId", "缺少 medalMediaId");
    }
    let honour = HonourInfo {
        honor_id: random_string(24, ALNUM),
        name,
        description: desc,
        bg_color: s("defaultBgColor"),
        medal_media_id: s("medalMediaId"),
        creator_user_id: s("userId"),
        grants: Vec::new(),
    };
    let id = honour.honor_id.clone();
    sim.world().honours.push(honour);
    Json(json!({ "result": { "honorId": id }, "success": true })).into_response()
}

async fn list_honours(
    State(sim): State<Simulator>,
    headers: HeaderMap,
    Query(q): Query<HashMap<String, String>>,
) -> Response {
    let (_, latency, action) = match honour_auth(&sim, &headers, "organizations/honors") {
        Ok(x) => x,
        Err(r) => return r,
    };
    if let Some(r) = v1_fault(&sim, latency, action, "honours").await {
        return r;
    }
    let start: usize = q.get("nextToken").and_then(|t| t.parse().ok()).unwrap_or(0);
    let max: usize = q
        .get("maxResults")
        .and_then(|t| t.parse().ok())
        .unwrap_or(20)
        .clamp(1, 100);
    let w = sim.world();
    let page: Vec<Value> = w
        .honours
        .iter()
        .skip(start)
        .take(max)
        .map(|h| {
            json!({
                "honorId": h.honor_id, "honorName": h.name, "honorDesc": h.description,
                "honorImgUrl": format!("https://static.dingtalk.example/honor/{}.png", h.medal_media_id),
                "honorPendantImgUrl": "",
            })
        })
        .collect();
    let mut result = json!({ "openHonors": page });
    if start + max < w.honours.len() {
        result["nextToken"] = json!((start + max).to_string());
    }
    Json(json!({ "result": result, "success": true })).into_response()
}

struct InFlight {
    sim: Simulator,
    sender: String,
}

impl Drop for InFlight {
    fn drop(&mut self) {
        self.sim.world().grants_in_flight.remove(&self.sender);
    }
}

async fn grant_honour(
    State(sim): State<Simulator>,
    Path(honor_id): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let (_, latency, action) = match honour_auth(&sim, &headers, "honors/grant") {
        Ok(x) => x,
        Err(r) => return r,
    };
    if let Some(r) = v1_fault(&sim, latency, action, "honours").await {
        return r;
    }
    let v: Value = serde_json::from_slice(&body).unwrap_or(Value::Null);
    let s = |k: &str| v.get(k).and_then(Value::as_str).unwrap_or("").to_owned();
    let list = |k: &str| -> Vec<String> {
        v.get(k)
            .and_then(Value::as_array)
            .map(|a| {
                a.iter()
                    .filter_map(Value::as_str)
                    .map(str::to_owned)
                    .collect()
            })
            .unwrap_or_default()
    };
    let bad = |code: &str, msg: &str| v1_error(StatusCode::BAD_REQUEST, code, msg);
    let sender = s("senderUserId");
    let reason = s("grantReason");
    let receivers = list("receiverUserIds");
    let groups = list("openConversationIds");
    if sender.is_empty() {
        return bad("MissingParameter.senderUserId", "缺少 senderUserId");
    }
    if receivers.is_empty() || receivers.len() > crate::app::MAX_GRANT_RECIPIENTS {
        return bad("invalidParameter.receiverUserIds", "每次最多颁发给 10 人");
    }
    if reason.chars().count() > 100 {
        return bad("invalidParameter.grantReason", "颁奖词最多 100 个字");
    }
    if groups.len() > crate::app::MAX_GRANT_GROUPS {
        return bad("invalidParameter.openConversationIds", "最多通知 5 个群");
    }
    let expires_ms = v.get("expirationTime").and_then(Value::as_i64);
    if let Some(e) = expires_ms {
        let days = (e - crate::sign::now_ms()) as f64 / 86_400_000.0;
        if !(0.5..=366.5).contains(&days) {
            return bad("invalidParameter.expirationTime", "有效期为 1–366 天");
        }
    }
    {
        let mut w = sim.world();
        if !w.honours.iter().any(|h| h.honor_id == honor_id) {
            return bad("honor.not.found", "荣誉不存在");
        }
        if !w.grants_in_flight.insert(sender.clone()) {
            return bad("honor.grant.concurrent", "同一颁发人的颁发请求不能并发");
        }
    }
    let _guard = InFlight {
        sim: sim.clone(),
        sender: sender.clone(),
    };
    let delay = sim.config().grant_delay;
    if !delay.is_zero() {
        tokio::time::sleep(delay).await;
    }
    let mut w = sim.world();
    let (ok, failed): (Vec<String>, Vec<String>) = receivers
        .into_iter()
        .partition(|id| w.user_by_id(id).is_some_and(|u| u.active));
    let now = crate::sign::now_ms();
    let names: Vec<String> = ok
        .iter()
        .map(|id| w.user_by_id(id).map(|u| u.name.clone()).unwrap_or_default())
        .collect();
    let Some(honour) = w.honours.iter_mut().find(|h| h.honor_id == honor_id) else {
        return bad("honor.not.found", "荣誉不存在");
    };
    for id in &ok {
        honour.grants.push(GrantInfo {
            user_id: id.clone(),
            sender_user_id: sender.clone(),
            reason: reason.clone(),
            at_ms: now,
            expires_ms,
            revoked: false,
        });
    }
    let honour_name = honour.name.clone();
    if !ok.is_empty() {
        let granter = s("granterName");
        let text = format!(
            "#### 🏅 组织荣誉\n\n**{}** 授予 {} 「{}」荣誉\n\n> {}",
            if granter.is_empty() {
                &sender
            } else {
                &granter
            },
            names.join("、"),
            honour_name,
            reason
        );
        for cid in &groups {
            let seq = w.next_seq();
            if let Some(g) = w.groups.get_mut(cid).filter(|g| !g.disbanded) {
                g.messages.push(Received {
                    seq,
                    at_ms: now,
                    sender: "组织荣誉".into(),
                    via: "honour".into(),
                    msg_uuid: None,
                    msg_key: None,
                    message: Message::markdown(format!("组织荣誉：{honour_name}"), text.clone()),
                });
            }
        }
    }
    Json(json!({ "result": { "successUserIds": ok, "failedUserIds": failed }, "success": true }))
        .into_response()
}

async fn recall_honour(
    State(sim): State<Simulator>,
    Path(honor_id): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let (_, latency, action) = match honour_auth(&sim, &headers, "honors/recall") {
        Ok(x) => x,
        Err(r) => return r,
    };
    if let Some(r) = v1_fault(&sim, latency, action, "honours").await {
        return r;
    }
    let v: Value = serde_json::from_slice(&body).unwrap_or(Value::Null);
    let user = v.get("userId").and_then(Value::as_str).unwrap_or("");
    let mut w = sim.world();
    let Some(honour) = w.honours.iter_mut().find(|h| h.honor_id == honor_id) else {
        return v1_error(StatusCode::BAD_REQUEST, "honor.not.found", "荣誉不存在");
    };
    for g in honour.grants.iter_mut().filter(|g| g.user_id == user) {
        g.revoked = true;
    }
    Json(json!({ "success": true })).into_response()
}

async fn user_honours(
    State(sim): State<Simulator>,
    Path(user_id): Path<String>,
    headers: HeaderMap,
) -> Response {
    let (_, latency, action) = match honour_auth(&sim, &headers, "users/honors") {
        Ok(x) => x,
        Err(r) => return r,
    };
    if let Some(r) = v1_fault(&sim, latency, action, "honours").await {
        return r;
    }
    let now = crate::sign::now_ms();
    let w = sim.world();
    let honours: Vec<Value> = w
        .honours
        .iter()
        .filter_map(|h| {
            let grants: Vec<&GrantInfo> = h
                .grants
                .iter()
                .filter(|g| {
                    g.user_id == user_id && !g.revoked && g.expires_ms.is_none_or(|e| e > now)
                })
                .collect();
            (!grants.is_empty()).then(|| {
                json!({
                    "honorId": h.honor_id, "honorName": h.name, "honorDesc": h.description,
                    "expirationTime": grants.iter().filter_map(|g| g.expires_ms).max(),
                    "grantHistory": grants.iter().map(|g| json!({
                        "grantTime": g.at_ms, "senderUserid": g.sender_user_id, "reason": g.reason,
                    })).collect::<Vec<_>>(),
                })
            })
        })
        .collect();
    Json(json!({ "result": { "honors": honours }, "success": true })).into_response()
}
