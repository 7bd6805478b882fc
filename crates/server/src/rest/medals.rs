//! `GET /api/v1/medals`, `GET /api/v1/medals/{id}`.

use crate::infra::AppState;
use crate::medals::types::{MedalDetail, MedalFilter, MedalSummary};
use crate::rest::auth::caller;
use crate::rest::error::{not_found, ApiResult, ErrorBody};
use crate::tokens::Scope;
use axum::extract::rejection::PathRejection;
use axum::extract::{Path, State};
use axum::http::HeaderMap;
use axum::Json;
use medal_core::time::fmt_rfc3339;
use serde::Serialize;
use utoipa::ToSchema;

/// A medal as a list shows it.
#[derive(Debug, Serialize, ToSchema)]
pub struct MedalBrief {
    pub id: i64,
    pub name: String,
    /// `gold`, `silver`, `bronze` or `special`.
    pub tier: String,
    /// `manual` (given by people) or `automatic` (given by its rules only).
    pub kind: String,
    /// Absolute URL of the icon.
    pub icon_url: String,
    pub archived: bool,
    /// Awards ever made of it, revoked ones included.
    pub award_count: i64,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct MedalList {
    /// Every medal, live ones first, newest first (a catalogue holds at most 1,000).
    pub items: Vec<MedalBrief>,
}

/// One medal in full.
#[derive(Debug, Serialize, ToSchema)]
pub struct Medal {
    pub id: i64,
    pub name: String,
    pub description: String,
    pub criteria: String,
    pub tier: String,
    pub kind: String,
    /// Days an award stays valid; none: for ever.
    pub validity_days: Option<u32>,
    /// Whether one person may hold it more than once at a time.
    pub repeatable: bool,
    pub icon_url: String,
    pub archived: bool,
    pub award_count: i64,
    /// RFC 3339, China time.
    pub created_at: String,
    pub updated_at: String,
}

pub(crate) fn absolute(st: &AppState, url: &str) -> String {
    if url.starts_with('/') {
        format!("{}{url}", st.config.public_url.trim_end_matches('/'))
    } else {
        url.to_string()
    }
}

fn brief(st: &AppState, m: MedalSummary) -> MedalBrief {
    MedalBrief {
        id: m.id,
        name: m.name,
        tier: m.tier.as_str().into(),
        kind: m.kind.as_str().into(),
        icon_url: absolute(st, &m.icon_url),
        archived: m.archived,
        award_count: m.award_count,
    }
}

fn full(st: &AppState, m: MedalDetail) -> Medal {
    Medal {
        id: m.id,
        name: m.name,
        description: m.description,
        criteria: m.criteria,
        tier: m.tier.as_str().into(),
        kind: m.kind.as_str().into(),
        validity_days: m.validity_days,
        repeatable: m.repeatable,
        icon_url: absolute(st, &m.icon_url),
        archived: m.archived_at.is_some(),
        award_count: m.award_count,
        created_at: fmt_rfc3339(m.created_at),
        updated_at: fmt_rfc3339(m.updated_at),
    }
}

/// Lists the medals.
#[utoipa::path(get, operation_id = "listMedals", path = "/api/v1/medals", tag = "medals",
    security(("bearer" = ["read"])),
    responses((status = 200, body = MedalList), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody)))]
pub async fn list(State(st): State<AppState>, headers: HeaderMap) -> ApiResult<Json<MedalList>> {
    caller(&st, &headers, Scope::Read).await?;
    let f = MedalFilter {
        status: "all".into(),
        ..Default::default()
    };
    let items = crate::medals::db::list(&st.db, &f, crate::medals::db::LIST_LIMIT).await?;
    Ok(Json(MedalList {
        items: items.into_iter().map(|m| brief(&st, m)).collect(),
    }))
}

/// One medal.
#[utoipa::path(get, operation_id = "getMedal", path = "/api/v1/medals/{id}", tag = "medals",
    security(("bearer" = ["read"])),
    params(("id" = i64, Path, description = "The medal's id")),
    responses((status = 200, body = Medal), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody)))]
pub async fn get(
    State(st): State<AppState>,
    headers: HeaderMap,
    id: Result<Path<i64>, PathRejection>,
) -> ApiResult<Json<Medal>> {
    caller(&st, &headers, Scope::Read).await?;
    let Path(id) = id.map_err(not_found)?;
    let m = crate::medals::db::get(&st.db, id).await?;
    Ok(Json(full(&st, m)))
}
