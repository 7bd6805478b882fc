//! `/_control/...`: JSON endpoints to set the simulated world up and look at it.

#![allow(clippy::result_large_err)]

use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post, put};
use axum::{Json, Router};
use serde::de::DeserializeOwned;
use serde::Deserialize;
use serde_json::json;

use super::{AppSpec, Faults, GroupSpec, RobotSpec, Simulator, UserSpec};

pub(super) fn routes() -> Router<Simulator> {
    Router::new()
        .route("/_control/state", get(state))
        .route("/_control/reset", post(reset))
        .route("/_control/stats", get(stats))
        .route("/_control/clock", post(clock))
        .route("/_control/groups", get(groups).post(create_group))
        .route("/_control/groups/{cid}/messages", get(messages))
        .route("/_control/groups/{cid}/disband", post(disband))
        .route("/_control/groups/{cid}/app-robots", post(add_app_robot))
        .route("/_control/robots", get(robots).post(create_robot))
        .route("/_control/robots/{token}/enabled", post(robot_enabled))
        .route("/_control/robots/{token}/delete", post(delete_robot))
        .route("/_control/apps", get(apps).post(create_app))
        .route(
            "/_control/apps/{key}/robot-enabled",
            post(app_robot_enabled),
        )
        .route("/_control/apps/{key}/expire-tokens", post(expire_tokens))
        .route("/_control/users", get(users).post(create_user))
        .route("/_control/honours", get(honours))
        .route(
            "/_control/card-templates",
            get(card_templates).post(create_card_template),
        )
        .route(
            "/_control/attendance",
            get(attendance)
                .post(add_attendance)
                .delete(clear_attendance),
        )
        .route("/_control/faults", get(faults))
        .route(
            "/_control/faults/{target}",
            put(set_faults).post(set_faults).delete(clear_faults),
        )
}

fn parse<T: DeserializeOwned + Default>(body: &Bytes) -> Result<T, Response> {
    if body.iter().all(u8::is_ascii_whitespace) {
        return Ok(T::default());
    }
    serde_json::from_slice(body).map_err(|e| {
        (
            StatusCode::BAD_REQUEST,
            Json(json!({ "error": format!("bad JSON: {e}") })),
        )
            .into_response()
    })
}

fn not_found(what: &str) -> Response {
    (
        StatusCode::NOT_FOUND,
        Json(json!({ "error": format!("no such {what}") })),
    )
        .into_response()
}

fn ok() -> Response {
    Json(json!({ "ok": true })).into_response()
}

async fn state(State(sim): State<Simulator>) -> Response {
    Json(sim.snapshot()).into_response()
}

async fn reset(State(sim): State<Simulator>) -> Response {
    sim.reset();
    ok()
}

async fn stats(State(sim): State<Simulator>) -> Response {
    Json(sim.stats()).into_response()
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct ClockBody {
    skew_ms: i64,
}

async fn clock(State(sim): State<Simulator>, body: Bytes) -> Response {
    match parse::<ClockBody>(&body) {
        Ok(b) => {
            sim.set_clock_skew_ms(b.skew_ms);
            ok()
        }
        Err(r) => r,
    }
}

async fn groups(State(sim): State<Simulator>) -> Response {
    Json(sim.groups()).into_response()
}

async fn create_group(State(sim): State<Simulator>, body: Bytes) -> Response {
    match parse::<GroupSpec>(&body) {
        Ok(spec) => (StatusCode::CREATED, Json(sim.create_group(spec))).into_response(),
        Err(r) => r,
    }
}

async fn messages(State(sim): State<Simulator>, Path(cid): Path<String>) -> Response {
    if !sim.world().groups.contains_key(&cid) {
        return not_found("group");
    }
    Json(sim.messages(&cid)).into_response()
}

async fn disband(State(sim): State<Simulator>, Path(cid): Path<String>) -> Response {
    if sim.disband_group(&cid) {
        ok()
    } else {
        not_found("group")
    }
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct RobotCodeBody {
    robot_code: String,
}

async fn add_app_robot(
    State(sim): State<Simulator>,
    Path(cid): Path<String>,
    body: Bytes,
) -> Response {
    match parse::<RobotCodeBody>(&body) {
        Ok(b) if sim.add_app_robot_to_group(&b.robot_code, &cid) => ok(),
        Ok(_) => not_found("group"),
        Err(r) => r,
    }
}

async fn robots(State(sim): State<Simulator>) -> Response {
    Json(sim.robots()).into_response()
}

async fn create_robot(State(sim): State<Simulator>, body: Bytes) -> Response {
    let spec = match parse::<RobotSpec>(&body) {
        Ok(s) => s,
        Err(r) => return r,
    };
    match sim.create_robot(spec) {
        Ok(info) => (StatusCode::CREATED, Json(info)).into_response(),
        Err(e) => (StatusCode::BAD_REQUEST, Json(json!({ "error": e }))).into_response(),
    }
}

#[derive(Deserialize)]
#[serde(default)]
struct EnabledBody {
    enabled: bool,
}

impl Default for EnabledBody {
    fn default() -> Self {
        EnabledBody { enabled: true }
    }
}

async fn robot_enabled(
    State(sim): State<Simulator>,
    Path(token): Path<String>,
    body: Bytes,
) -> Response {
    match parse::<EnabledBody>(&body) {
        Ok(b) if sim.set_robot_enabled(&token, b.enabled) => ok(),
        Ok(_) => not_found("robot"),
        Err(r) => r,
    }
}

async fn delete_robot(State(sim): State<Simulator>, Path(token): Path<String>) -> Response {
    if sim.delete_robot(&token) {
        ok()
    } else {
        not_found("robot")
    }
}

async fn apps(State(sim): State<Simulator>) -> Response {
    Json(sim.apps()).into_response()
}

async fn create_app(State(sim): State<Simulator>, body: Bytes) -> Response {
    match parse::<AppSpec>(&body) {
        Ok(spec) => (StatusCode::CREATED, Json(sim.create_app(spec))).into_response(),
        Err(r) => r,
    }
}

async fn app_robot_enabled(
    State(sim): State<Simulator>,
    Path(key): Path<String>,
    body: Bytes,
) -> Response {
    match parse::<EnabledBody>(&body) {
        Ok(b) if sim.set_app_robot_enabled(&key, b.enabled) => ok(),
        Ok(_) => not_found("app"),
        Err(r) => r,
    }
}

async fn expire_tokens(State(sim): State<Simulator>, Path(key): Path<String>) -> Response {
    sim.expire_app_tokens(&key);
    ok()
}

async fn users(State(sim): State<Simulator>) -> Response {
    Json(sim.users()).into_response()
}

async fn create_user(State(sim): State<Simulator>, body: Bytes) -> Response {
    match parse::<UserSpec>(&body) {
        Ok(spec) => (StatusCode::CREATED, Json(sim.create_user(spec))).into_response(),
        Err(r) => r,
    }
}

async fn card_templates(State(sim): State<Simulator>) -> Response {
    Json(sim.card_templates()).into_response()
}

async fn create_card_template(State(sim): State<Simulator>, body: Bytes) -> Response {
    match parse::<super::cards::CardTemplateSpec>(&body) {
        Ok(spec) => (StatusCode::CREATED, Json(sim.create_card_template(spec))).into_response(),
        Err(r) => r,
    }
}

async fn honours(State(sim): State<Simulator>) -> Response {
    Json(sim.honours()).into_response()
}

async fn faults(State(sim): State<Simulator>) -> Response {
    Json(sim.snapshot().faults).into_response()
}

async fn set_faults(
    State(sim): State<Simulator>,
    Path(target): Path<String>,
    body: Bytes,
) -> Response {
    match parse::<Faults>(&body) {
        Ok(f) => {
            sim.set_faults(&target, f);
            ok()
        }
        Err(r) => r,
    }
}

async fn clear_faults(State(sim): State<Simulator>, Path(target): Path<String>) -> Response {
    sim.clear_faults(&target);
    ok()
}

async fn attendance(State(sim): State<Simulator>) -> Response {
    Json(sim.attendance(None)).into_response()
}

/// Body: an array of records as `attendance/list` answers them (`userId`, `workDate` ms,
/// `checkType`, `timeResult`, …); a record for the same person, day and check replaces the old.
async fn add_attendance(State(sim): State<Simulator>, body: Bytes) -> Response {
    match parse::<Vec<crate::app::AttendanceRecord>>(&body) {
        Ok(records) => Json(json!({ "added": sim.add_attendance(records) })).into_response(),
        Err(r) => r,
    }
}

async fn clear_attendance(State(sim): State<Simulator>) -> Response {
    sim.clear_attendance();
    ok()
}
