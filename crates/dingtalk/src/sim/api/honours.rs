//! The organisation honour (组织荣誉) endpoints: create and list honours, grant them (one
//! grant per sender at a time, optional group notices), recall them, and a user's honours.

use std::collections::HashMap;
use std::time::Duration;

use axum::body::Bytes;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde_json::{json, Value};

use super::{v1_auth, v1_error, v1_fault};
use crate::message::Message;
use crate::sim::world::FaultAction;
use crate::sim::{random_string, GrantInfo, HonourInfo, Received, Simulator, ALNUM};

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

/// What every honours endpoint does first: the token checked, then the simulated latency and
/// faults of the honours API.
async fn honour_call(sim: &Simulator, headers: &HeaderMap, api: &str) -> Result<(), Response> {
    let (_, latency, action) = honour_auth(sim, headers, api)?;
    match v1_fault(sim, latency, action, "honours").await {
        Some(r) => Err(r),
        None => Ok(()),
    }
}

pub(super) async fn create_honour(
    State(sim): State<Simulator>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    if let Err(r) = honour_call(&sim, &headers, "honors/templates").await {
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
    if !crate::app::HONOUR_BG_COLOURS.contains(&s("defaultBgColor").as_str()) {
        return bad("invalidParameter.defaultBgColor", "背景色不在可选范围内");
    }
    if crate::app::has_emoji(&name) || crate::app::has_emoji(&desc) {
        return bad("parameter.text.unsafe", "名称或描述含有不支持的字符");
    }
    {
        let w = sim.world();
        for (field, edge) in [("medalMediaId", 900), ("avatarFrameMediaId", 240)] {
            let id = s(field);
            match w.media.get(&id) {
                None => {
                    return bad(
                        &format!("invalidParameter.{field}"),
                        &format!("{field} 不存在"),
                    )
                }
                Some(m) if m.bytes > crate::app::MAX_IMAGE_BYTES => {
                    return v1_error(
                        StatusCode::INTERNAL_SERVER_ERROR,
                        "system.image.large",
                        "图片过大",
                    )
                }
                Some(m) if m.png != Some((edge, edge)) => {
                    return bad(
                        &format!("invalidParameter.{field}"),
                        &format!("{field} 须为 {edge}×{edge} 的 PNG 图片"),
                    )
                }
                Some(_) => {}
            }
        }
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

pub(super) async fn list_honours(
    State(sim): State<Simulator>,
    headers: HeaderMap,
    Query(q): Query<HashMap<String, String>>,
) -> Response {
    if let Err(r) = honour_call(&sim, &headers, "organizations/honors").await {
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

pub(super) async fn grant_honour(
    State(sim): State<Simulator>,
    Path(honor_id): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    if let Err(r) = honour_call(&sim, &headers, "honors/grant").await {
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
        // the sender must be in every group the grant notifies
        if let Some(cid) = groups.iter().find(|c| {
            w.groups
                .get(c.as_str())
                .is_none_or(|g| g.disbanded || !g.members.contains(&sender))
        }) {
            return v1_error(
                StatusCode::INTERNAL_SERVER_ERROR,
                "conversation.wrong",
                &format!("颁发人不在群 {cid} 中"),
            );
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
                    card: None,
                });
            }
        }
    }
    Json(json!({ "result": { "successUserIds": ok, "failedUserIds": failed }, "success": true }))
        .into_response()
}

pub(super) async fn recall_honour(
    State(sim): State<Simulator>,
    Path(honor_id): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    if let Err(r) = honour_call(&sim, &headers, "honors/recall").await {
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

pub(super) async fn user_honours(
    State(sim): State<Simulator>,
    Path(user_id): Path<String>,
    headers: HeaderMap,
) -> Response {
    if let Err(r) = honour_call(&sim, &headers, "users/honors").await {
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
