//! Template cards: `POST /v1.0/card/instances/createAndDeliver` (into `IM_GROUP.<cid>` spaces
//! by the app robot, which must be in the group, and `IM_ROBOT.<userId>` single chats; how each
//! space fared in `deliverResults`), `PUT /v1.0/card/instances` (in place, by outTrackId) and
//! the older `POST /v1.0/im/interactiveCards/send` (closed to apps onboarded later: 403).
//! Every `cardParamMap` value must be a string.

use std::collections::BTreeMap;

use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde_json::{json, Value};

use super::{v1_auth, v1_error, v1_fault};
use crate::app::{MAX_CARD_KEY_BYTES, MAX_CARD_RECEIVERS, MAX_CARD_VALUE_BYTES};
use crate::sim::info::AppInfo;
use crate::sim::world::World;
use crate::sim::{random_string, Simulator, ALNUM};

fn bad(code: &str, msg: &str) -> Response {
    v1_error(StatusCode::BAD_REQUEST, code, msg)
}

/// The `cardParamMap`, every value a string within the limits.
fn params(v: &Value) -> Result<BTreeMap<String, String>, Response> {
    let map = v.pointer("/cardData/cardParamMap");
    let Some(Value::Object(m)) = map else {
        return match map {
            None | Some(Value::Null) => Ok(BTreeMap::new()),
            _ => Err(bad("invalidParameter.cardData", "cardParamMap 须为对象")),
        };
    };
    let mut out = BTreeMap::new();
    for (k, v) in m {
        let Value::String(s) = v else {
            return Err(bad(
                "invalidParameter.cardData",
                &format!("cardParamMap.{k} 须为字符串"),
            ));
        };
        if k.len() > MAX_CARD_KEY_BYTES || s.len() > MAX_CARD_VALUE_BYTES {
            return Err(bad(
                "invalidParameter.cardData",
                &format!("cardParamMap.{k} 超过长度限制"),
            ));
        }
        out.insert(k.clone(), s.clone());
    }
    Ok(out)
}

/// Token, faults, the app; then `run` under the world's lock.
async fn card_call(
    sim: Simulator,
    headers: HeaderMap,
    api: &str,
    run: impl FnOnce(&mut World, &AppInfo) -> Response,
) -> Response {
    let (app_key, latency, action) = {
        let mut w = sim.world();
        let app_key = match v1_auth(&sim, &mut w, &headers, api) {
            Ok(k) => k,
            Err(r) => return r,
        };
        let (l, a) = w.take_fault(&[&app_key]);
        (app_key, l, a)
    };
    if let Some(r) = v1_fault(&sim, latency, action, api).await {
        return r;
    }
    let mut w = sim.world();
    match w.apps.get(&app_key).cloned() {
        Some(app) => run(&mut w, &app),
        None => bad("InvalidAuthentication", "不合法的access_token"),
    }
}

/// Checks what every new card needs: its template, a new outTrackId, its data.
fn new_card(w: &World, v: &Value) -> Result<(String, String, BTreeMap<String, String>), Response> {
    let s = |k: &str| v.get(k).and_then(Value::as_str).unwrap_or("").to_owned();
    let (template, track) = (s("cardTemplateId"), s("outTrackId"));
    if w.card_template(&template).is_none() {
        return Err(bad("invalidParameter.cardTemplateId", "卡片模板不存在"));
    }
    if track.is_empty() {
        return Err(bad("invalidParameter.outTrackId", "outTrackId 不能为空"));
    }
    if w.cards.contains_key(&track) {
        return Err(bad("invalidParameter.outTrackId", "outTrackId 已存在"));
    }
    Ok((template, track, params(v)?))
}

pub(super) async fn create_and_deliver(
    State(sim): State<Simulator>,
    headers: HeaderMap,
    bytes: Bytes,
) -> Response {
    let v: Value = serde_json::from_slice(&bytes).unwrap_or(Value::Null);
    card_call(sim, headers, "card/createAndDeliver", |w, app| {
        let (template, track, data) = match new_card(w, &v) {
            Ok(c) => c,
            Err(r) => return r,
        };
        let open = v.get("openSpaceId").and_then(Value::as_str).unwrap_or("");
        let Some(list) = open.strip_prefix("dtv1.card//") else {
            return bad("invalidParameter.openSpaceId", "openSpaceId 格式不对");
        };
        let code_of = |model: &str| v.pointer(&format!("/{model}/robotCode")).and_then(Value::as_str);
        let mut results = Vec::new();
        let mut delivered = Vec::new();
        for space in list.split(';').filter(|s| !s.is_empty()) {
            let Some((kind, id)) = space.split_once('.') else {
                return bad("invalidParameter.openSpaceId", "openSpaceId 格式不对");
            };
            let fail = |why: &str| json!({ "spaceType": kind, "spaceId": id, "success": false, "errorMsg": why });
            let result = match kind {
                "IM_GROUP" => {
                    if code_of("imGroupOpenDeliverModel") != Some(app.robot_code.as_str()) {
                        return bad("invalidParameter.robotCode.auth", "robotCode 无权限");
                    }
                    match w.groups.get(id) {
                        None => fail("群不存在"),
                        Some(g) if g.disbanded => fail("群已解散"),
                        Some(g) if !g.app_robots.contains(&app.robot_code) => fail("机器人不在群中"),
                        Some(_) => {
                            delivered.push((kind, id));
                            json!({ "spaceType": kind, "spaceId": id, "success": true, "carrierId": random_string(20, ALNUM) })
                        }
                    }
                }
                "IM_ROBOT" => {
                    if v.pointer("/imRobotOpenDeliverModel/spaceType").and_then(Value::as_str) != Some("IM_ROBOT") {
                        return bad("invalidParameter.imRobotOpenDeliverModel", "spaceType 须为 IM_ROBOT");
                    }
                    match w.user_by_id(id) {
                        Some(u) if u.active => {
                            delivered.push((kind, id));
                            json!({ "spaceType": kind, "spaceId": id, "success": true, "carrierId": random_string(20, ALNUM) })
                        }
                        _ => fail("用户不存在"),
                    }
                }
                _ => return bad("invalidParameter.openSpaceId", "不支持的场域类型"),
            };
            results.push(result);
        }
        if results.is_empty() {
            return bad("invalidParameter.openSpaceId", "openSpaceId 不能为空");
        }
        for (kind, id) in delivered {
            w.post_card(&track, &template, data.clone(), &app.name, (kind, id));
        }
        w.cards.entry(track.clone()).or_insert((template, data));
        Json(json!({ "success": true, "result": { "outTrackId": track, "deliverResults": results } }))
            .into_response()
    })
    .await
}

pub(super) async fn update_card(
    State(sim): State<Simulator>,
    headers: HeaderMap,
    bytes: Bytes,
) -> Response {
    update(sim, headers, bytes, "card/update").await
}

/// `PUT /v1.0/im/interactiveCards`: the older API's update, the same in effect.
pub(super) async fn interactive_update(
    State(sim): State<Simulator>,
    headers: HeaderMap,
    bytes: Bytes,
) -> Response {
    update(sim, headers, bytes, "interactiveCards/update").await
}

async fn update(sim: Simulator, headers: HeaderMap, bytes: Bytes, api: &str) -> Response {
    let v: Value = serde_json::from_slice(&bytes).unwrap_or(Value::Null);
    card_call(sim, headers, api, |w, _| {
        let track = v.get("outTrackId").and_then(Value::as_str).unwrap_or("");
        let data = match params(&v) {
            Ok(d) => d,
            Err(r) => return r,
        };
        if !w.update_card(track, data) {
            return bad("invalidParameter.outTrackId", "卡片不存在");
        }
        Json(json!({ "success": true, "result": true })).into_response()
    })
    .await
}

pub(super) async fn interactive_send(
    State(sim): State<Simulator>,
    headers: HeaderMap,
    bytes: Bytes,
) -> Response {
    let v: Value = serde_json::from_slice(&bytes).unwrap_or(Value::Null);
    card_call(sim, headers, "interactiveCards/send", |w, app| {
        if app.new_app {
            return v1_error(
                StatusCode::FORBIDDEN,
                "Forbidden.AccessDenied.AccessTokenPermissionDenied",
                "应用没有调用该接口的权限",
            );
        }
        if v.get("robotCode").and_then(Value::as_str) != Some(app.robot_code.as_str()) {
            return bad("invalidParameter.robotCode.auth", "robotCode 无权限");
        }
        let (template, track, data) = match new_card(w, &v) {
            Ok(c) => c,
            Err(r) => return r,
        };
        let spaces: Vec<(&str, String)> = match v.get("conversationType").and_then(Value::as_i64) {
            Some(1) => {
                let cid = v
                    .get("openConversationId")
                    .and_then(Value::as_str)
                    .unwrap_or("");
                match w.groups.get(cid) {
                    Some(g) if g.app_robots.contains(&app.robot_code) && !g.disbanded => {
                        vec![("IM_GROUP", cid.to_owned())]
                    }
                    Some(_) => return bad("robot.not.in.group", "机器人不在群中"),
                    None => return bad("invalid.openConversationId", "openConversationId 不合法"),
                }
            }
            Some(0) => {
                let users: Vec<String> = v
                    .get("receiverUserIdList")
                    .cloned()
                    .and_then(|l| serde_json::from_value(l).ok())
                    .unwrap_or_default();
                if users.is_empty() || users.len() > MAX_CARD_RECEIVERS {
                    return bad(
                        "invalidParameter.receiverUserIdList",
                        "receiverUserIdList 为 1 到 20 人",
                    );
                }
                users.into_iter().map(|u| ("IM_ROBOT", u)).collect()
            }
            _ => {
                return bad(
                    "invalidParameter.conversationType",
                    "conversationType 须为 0 或 1",
                )
            }
        };
        for (kind, id) in &spaces {
            w.post_card(&track, &template, data.clone(), &app.name, (kind, id));
        }
        Json(json!({ "success": true, "result": { "processQueryKey": random_string(40, ALNUM) } }))
            .into_response()
    })
    .await
}
