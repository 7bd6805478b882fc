//! The REST API, `/api/v1`: for other systems, with bearer tokens (see `tokens`). Each handler
//! checks the token's scope, reads its JSON, and calls the same functions the pages' server
//! functions call (the same checks, the same audit trail, actor `api:<token name>`).
//!
//! `openapi.json` is generated from the handlers (utoipa); a test walks it and calls every
//! operation without a token, with a token lacking its scope, and with a revoked one.

pub mod auth;
pub mod awards;
pub mod error;
pub mod idempotency;
pub mod medals;
pub mod openapi;
pub mod rules;
pub mod staff;

use crate::infra::AppState;
use crate::rest::error::ApiError;
use axum::http::header;
use axum::response::IntoResponse;
use axum::routing::{get, post, put};
use axum::Router;
use medal_core::Msg;

/// The API's routes, to nest under `/api/v1`.
pub fn router() -> Router<AppState> {
    Router::new()
        .route("/openapi.json", get(openapi_json))
        .route("/medals", get(medals::list))
        .route("/medals/{id}", get(medals::get))
        .route("/staff", get(staff::list))
        .route("/staff/{external_id}", put(staff::upsert))
        .route("/awards", post(awards::create).get(awards::list))
        .route("/awards/{id}/revoke", post(awards::revoke))
        .route("/events", post(rules::events))
        .route("/rules", get(rules::list))
        .route("/rules/{id}/dry-run", post(rules::dry_run))
        .fallback(no_such_route)
        .method_not_allowed_fallback(wrong_method)
}

async fn openapi_json() -> impl IntoResponse {
    (
        [(header::CONTENT_TYPE, "application/json")],
        openapi::json(),
    )
}

async fn no_such_route() -> ApiError {
    ApiError::new(
        404,
        "not_found",
        Msg::new(
            "没有这个接口；接口列表见 /api/v1/openapi.json。",
            "No such endpoint; see /api/v1/openapi.json for the list.",
        ),
    )
}

async fn wrong_method() -> ApiError {
    ApiError::new(
        405,
        "method_not_allowed",
        Msg::new(
            "这个接口不支持该请求方法；见 /api/v1/openapi.json。",
            "This endpoint does not take this method; see /api/v1/openapi.json.",
        ),
    )
}
