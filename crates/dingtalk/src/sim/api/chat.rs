//! Groups an app makes and messages by chatid: `topapi/im/chat/scenegroup/create` (the
//! template's robot joins, one group per uuid), the older `chat/create`, `chat/update` and
//! `chat/send` (closed to apps onboarded after 2022: 60011), with DingTalk's limits.

use std::collections::HashMap;

use axum::body::Bytes;
use axum::extract::{Query, State};
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde_json::{json, Value};

use super::{errcode, hang, oapi_auth, oapi_fault};
use crate::app::MAX_SCENE_GROUP_MEMBERS;
use crate::app::{MAX_CHAT_MEMBERS, MAX_CHAT_MEMBERS_PER_CALL, MAX_CHAT_NAME_CHARS};
use crate::message::{from_legacy_msg, legacy_msg_len, MAX_LEGACY_MSG_BYTES};
use crate::sim::spec::GroupSpec;
use crate::sim::world::{FaultAction, World};
use crate::sim::{random_string, Received, Simulator, ALNUM};

type Answer = Result<Value, Response>;

pub(super) fn bad(what: &str) -> Response {
    errcode(40035, &format!("不合法的参数: {what}"))
}

pub(super) fn body(bytes: &Bytes) -> Answer {
    match serde_json::from_slice(bytes) {
        Ok(v @ Value::Object(_)) => Ok(v),
        _ => Err(errcode(40035, "缺少参数 json")),
    }
}

fn str_list(v: &Value, key: &str) -> Result<Vec<String>, Response> {
    match v.get(key) {
        None | Some(Value::Null) => Ok(Vec::new()),
        Some(list) => serde_json::from_value(list.clone()).map_err(|_| bad(key)),
    }
}

/// Every userId must be a current employee (60121 otherwise).
fn known_users(w: &World, ids: &[String]) -> Result<(), Response> {
    match ids
        .iter()
        .find(|id| w.user_by_id(id).is_none_or(|u| !u.active))
    {
        Some(id) => Err(errcode(60121, &format!("找不到该用户: {id}"))),
        None => Ok(()),
    }
}

pub(super) fn ok(extra: Value) -> Response {
    let mut v = json!({ "errcode": 0, "errmsg": "ok" });
    if let (Value::Object(out), Value::Object(more)) = (&mut v, extra) {
        out.extend(more);
    }
    Json(v).into_response()
}

/// Token, QPS and faults of one call; then `run` under the world's lock. A lost answer is
/// given after `run` has had its effect.
pub(super) async fn call(
    sim: Simulator,
    query: HashMap<String, String>,
    api: &str,
    fault_keys: &[&str],
    run: impl FnOnce(&mut World, &str) -> Result<Response, Response>,
) -> Response {
    let (app_key, latency, action) = {
        let mut w = sim.world();
        let app_key = match oapi_auth(&sim, &mut w, &query, api) {
            Ok(k) => k,
            Err(r) => return r,
        };
        let mut keys = fault_keys.to_vec();
        keys.push(&app_key);
        let (l, a) = w.take_fault(&keys);
        (app_key, l, a)
    };
    let early = if action == FaultAction::LostAnswer {
        FaultAction::None
    } else {
        action
    };
    if let Some(r) = oapi_fault(&sim, latency, early).await {
        return r;
    }
    let answer = {
        let mut w = sim.world();
        run(&mut w, &app_key).unwrap_or_else(|r| r)
    };
    if action == FaultAction::LostAnswer {
        return hang(&sim).await;
    }
    answer
}

fn legacy_allowed(w: &World, app_key: &str) -> Result<(), Response> {
    match w.apps.get(app_key) {
        Some(a) if !a.new_app => Ok(()),
        _ => Err(errcode(60011, "没有调用该接口的权限")),
    }
}

pub(super) async fn chat_create(
    State(sim): State<Simulator>,
    Query(q): Query<HashMap<String, String>>,
    bytes: Bytes,
) -> Response {
    call(sim, q, "chat/create", &[], |w, app_key| {
        legacy_allowed(w, app_key)?;
        let v = body(&bytes)?;
        let name = v.get("name").and_then(Value::as_str).unwrap_or("").trim();
        if name.is_empty() || name.chars().count() > MAX_CHAT_NAME_CHARS {
            return Err(bad("name"));
        }
        let owner = v.get("owner").and_then(Value::as_str).unwrap_or("");
        let members = str_list(&v, "useridlist")?;
        if members.is_empty() || members.len() > MAX_CHAT_MEMBERS_PER_CALL {
            return Err(bad("useridlist"));
        }
        if !members.iter().any(|m| m == owner) {
            return Err(bad("owner"));
        }
        known_users(w, &members)?;
        let cid = w.new_group(GroupSpec {
            name: name.to_owned(),
            open_conversation_id: Some(format!("cid{}==", random_string(22, ALNUM))),
            members,
        });
        let g = w.groups.get_mut(&cid).ok_or_else(|| bad("chatid"))?;
        g.owner = Some(owner.to_owned());
        g.made_via = Some("chat/create".into());
        Ok(ok(json!({
            "chatid": g.chat_id,
            "openConversationId": cid,
            "conversationTag": 2,
        })))
    })
    .await
}

pub(super) async fn chat_update(
    State(sim): State<Simulator>,
    Query(q): Query<HashMap<String, String>>,
    bytes: Bytes,
) -> Response {
    call(sim, q, "chat/update", &[], |w, app_key| {
        legacy_allowed(w, app_key)?;
        let v = body(&bytes)?;
        let chat_id = v.get("chatid").and_then(Value::as_str).unwrap_or("");
        let add = str_list(&v, "add_useridlist")?;
        let del = str_list(&v, "del_useridlist")?;
        if add.len() > MAX_CHAT_MEMBERS_PER_CALL {
            return Err(bad("add_useridlist"));
        }
        if del.len() > MAX_CHAT_MEMBERS_PER_CALL {
            return Err(bad("del_useridlist"));
        }
        known_users(w, &add)?;
        let cid = w
            .cid_of_chat(chat_id)
            .ok_or_else(|| errcode(34001, "无效的会话id"))?;
        let g = w.groups.get_mut(&cid).ok_or_else(|| bad("chatid"))?;
        for id in add {
            if !g.members.contains(&id) {
                g.members.push(id);
            }
        }
        g.members.retain(|m| !del.contains(m));
        if g.members.len() > MAX_CHAT_MEMBERS {
            return Err(errcode(40035, "不合法的参数: 群人数超过上限"));
        }
        Ok(ok(json!({})))
    })
    .await
}

pub(super) async fn chat_send(
    State(sim): State<Simulator>,
    Query(q): Query<HashMap<String, String>>,
    bytes: Bytes,
) -> Response {
    let chat_id = serde_json::from_slice::<Value>(&bytes)
        .ok()
        .and_then(|v| v.get("chatid").and_then(Value::as_str).map(str::to_owned))
        .unwrap_or_default();
    call(sim, q, "chat/send", &[&chat_id], |w, app_key| {
        legacy_allowed(w, app_key)?;
        let v = body(&bytes)?;
        // the msg object, or (as the SDKs also send it) msgtype and its part beside chatid
        let msg = match v.get("msg") {
            Some(Value::String(s)) => serde_json::from_str(s).map_err(|_| bad("msg"))?,
            Some(m) => m.clone(),
            None => v.clone(),
        };
        if legacy_msg_len(&msg) > MAX_LEGACY_MSG_BYTES {
            return Err(bad("msg 超过 2048 字节"));
        }
        let message = from_legacy_msg(&msg).map_err(|e| bad(&format!("msg: {e}")))?;
        let cid = w
            .cid_of_chat(&chat_id)
            .ok_or_else(|| errcode(34001, "无效的会话id"))?;
        let sender = w
            .apps
            .get(app_key)
            .map(|a| a.name.clone())
            .unwrap_or_default();
        let seq = w.next_seq();
        let g = w.groups.get_mut(&cid).ok_or_else(|| bad("chatid"))?;
        if g.disbanded {
            return Err(errcode(400013, "群已被解散"));
        }
        g.messages.push(Received {
            seq,
            at_ms: crate::sign::now_ms(),
            sender,
            via: "chat".into(),
            msg_uuid: None,
            msg_key: None,
            message,
            card: None,
        });
        Ok(ok(json!({ "messageId": random_string(32, ALNUM) })))
    })
    .await
}

pub(super) async fn scene_group_create(
    State(sim): State<Simulator>,
    Query(q): Query<HashMap<String, String>>,
    bytes: Bytes,
) -> Response {
    call(sim, q, "scenegroup/create", &[], |w, app_key| {
        let v = body(&bytes)?;
        let s = |k: &str| {
            v.get(k)
                .and_then(Value::as_str)
                .unwrap_or("")
                .trim()
                .to_owned()
        };
        let (title, template, owner, uuid) =
            (s("title"), s("template_id"), s("owner_user_id"), s("uuid"));
        if title.is_empty() {
            return Err(bad("title"));
        }
        let Some(app) = w.apps.get(app_key).cloned() else {
            return Err(errcode(40014, "不合法的access_token"));
        };
        if template.is_empty() || template != app.scene_group_template_id {
            return Err(bad("template_id"));
        }
        if owner.is_empty() {
            return Err(bad("owner_user_id"));
        }
        let mut members = vec![owner.clone()];
        for id in s("user_ids")
            .split(',')
            .map(str::trim)
            .filter(|i| !i.is_empty())
        {
            if !members.iter().any(|m| m == id) {
                members.push(id.to_owned());
            }
        }
        if members.len() > MAX_SCENE_GROUP_MEMBERS + 1 {
            return Err(bad("user_ids"));
        }
        known_users(w, &members)?;
        let key = (app_key.to_owned(), uuid.clone());
        let cid = match w.scene_uuids.get(&key).filter(|_| !uuid.is_empty()) {
            Some(cid) => cid.clone(),
            None => {
                let cid = w.new_group(GroupSpec {
                    name: title,
                    open_conversation_id: Some(format!("cid{}==", random_string(22, ALNUM))),
                    members,
                });
                if let Some(g) = w.groups.get_mut(&cid) {
                    g.owner = Some(owner);
                    g.made_via = Some("scenegroup".into());
                    g.app_robots.push(app.robot_code.clone());
                }
                if !uuid.is_empty() {
                    w.scene_uuids.insert(key, cid.clone());
                }
                cid
            }
        };
        let chat_id = w
            .groups
            .get(&cid)
            .map(|g| g.chat_id.clone())
            .unwrap_or_default();
        Ok(ok(json!({
            "success": true,
            "result": { "chat_id": chat_id, "open_conversation_id": cid },
        })))
    })
    .await
}
