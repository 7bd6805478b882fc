//! `robot/send`: a custom robot's webhook, with DingTalk's security checks (加签, keywords, IP
//! allowlist), `msgUuid` de-duplication, rate limit with penalty and monthly quota.

use std::collections::HashMap;
use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::time::Instant;

use axum::extract::{ConnectInfo, Request, State};
use axum::http::HeaderMap;
use axum::response::Response;
use serde_json::Value;

use super::{bad_gateway, errcode, hang, within_rate};
use crate::message::Message;
use crate::sign;
use crate::sim::ip::ip_allowed;
use crate::sim::world::{FaultAction, World};
use crate::sim::{Received, Simulator};

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

pub(super) async fn robot_send(State(sim): State<Simulator>, req: Request) -> Response {
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
        card: None,
    });
    (0, "ok".into())
}
