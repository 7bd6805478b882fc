//! `POST /api/v1/events`, `GET /api/v1/rules`, `POST /api/v1/rules/{id}/dry-run`.

use crate::infra::AppState;
use crate::rest::auth::caller;
use crate::rest::error::{not_found, read_json, ApiResult, ErrorBody, Text, BATCH_LIMIT};
use crate::rules::events::ingest_events;
use crate::rules::types::{DryRun, EventIn, RuleView};
use crate::tokens::Scope;
use axum::body::Body;
use axum::extract::rejection::PathRejection;
use axum::extract::{Path, State};
use axum::http::HeaderMap;
use axum::Json;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct EventBatch {
    /// At most 10,000. Each names a person by exactly one of `external_id`, `mobile`,
    /// `user_id`, and gives a `value` (the day's reading) or an `increment` (needs an
    /// `idempotency_key`).
    pub events: Vec<EventIn>,
}

/// An event that was refused, by its place in the batch.
#[derive(Debug, Serialize, ToSchema)]
pub struct EventError {
    pub index: usize,
    /// `events[3].date`
    pub path: String,
    pub message: Text,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct EventsResult {
    /// Events applied.
    pub accepted: u64,
    /// Events whose idempotency key was seen before: nothing changed.
    pub duplicates: u64,
    /// Awards the rules made after this batch.
    pub awarded: u64,
    /// Refused events; the others were applied.
    pub errors: Vec<EventError>,
}

/// Sends events: facts for the rules (tasks done, sales…).
///
/// Bad events are listed by index and the rest applied; sending a batch again changes nothing (values replace, increments count
/// once per key); late and out-of-order events count for their day. The rules on the metrics
/// sent are evaluated for the people named before this answers.
#[utoipa::path(post, operation_id = "sendEvents", path = "/api/v1/events", tag = "events",
    security(("bearer" = ["events"])),
    request_body = EventBatch,
    responses((status = 200, body = EventsResult), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody),
        (status = 403, body = ErrorBody), (status = 413, body = ErrorBody), (status = 415, body = ErrorBody),
        (status = 422, body = ErrorBody)))]
pub async fn events(
    State(st): State<AppState>,
    headers: HeaderMap,
    body: Body,
) -> ApiResult<Json<EventsResult>> {
    caller(&st, &headers, Scope::Events).await?;
    let (batch, _) = read_json::<EventBatch>(&headers, body, BATCH_LIMIT).await?;
    let out = ingest_events(&st, batch.events).await?;
    Ok(Json(EventsResult {
        accepted: out.accepted,
        duplicates: out.duplicates,
        awarded: out.awarded,
        errors: out
            .errors
            .iter()
            .map(|e| EventError {
                index: e.index,
                path: format!("events[{}].{}", e.index, e.field),
                message: (&e.message).into(),
            })
            .collect(),
    }))
}

#[derive(Debug, Serialize, ToSchema)]
pub struct RuleList {
    pub items: Vec<RuleView>,
}

/// Lists the rules.
#[utoipa::path(get, operation_id = "listRules", path = "/api/v1/rules", tag = "rules",
    security(("bearer" = ["read"])),
    responses((status = 200, body = RuleList), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody)))]
pub async fn list(State(st): State<AppState>, headers: HeaderMap) -> ApiResult<Json<RuleList>> {
    caller(&st, &headers, Scope::Read).await?;
    Ok(Json(RuleList {
        items: crate::rules::db::list(&st.db).await?,
    }))
}

/// Dry-runs a rule.
///
/// Says how many people the rule would award now, and names ten; awards nothing.
#[utoipa::path(post, operation_id = "dryRunRule", path = "/api/v1/rules/{id}/dry-run", tag = "rules",
    security(("bearer" = ["read"])),
    params(("id" = i64, Path, description = "The rule's id")),
    responses((status = 200, body = DryRun), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody)))]
pub async fn dry_run(
    State(st): State<AppState>,
    headers: HeaderMap,
    id: Result<Path<i64>, PathRejection>,
) -> ApiResult<Json<DryRun>> {
    caller(&st, &headers, Scope::Read).await?;
    let Path(id) = id.map_err(not_found)?;
    Ok(Json(crate::rules::eval::dry_run(&st, id).await?))
}
