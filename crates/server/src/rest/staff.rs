//! `GET /api/v1/staff` (by cursor), `PUT /api/v1/staff/{external_id}` (create or update).

use crate::infra::AppState;
use crate::rest::auth::caller;
use crate::rest::error::{bad_query, read_json, ApiError, ApiResult, ErrorBody, SMALL_LIMIT};
use crate::staff::types::StaffDetail;
use crate::tokens::Scope;
use axum::body::Body;
use axum::extract::rejection::{PathRejection, QueryRejection};
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::Json;
use medal_core::time::fmt_rfc3339;
use medal_core::{Msg, StaffDraft};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

#[derive(Debug, Serialize, ToSchema)]
pub struct Staff {
    pub id: i64,
    /// 工号.
    pub external_id: Option<String>,
    pub name: String,
    pub mobile: Option<String>,
    pub department: String,
    /// The DingTalk userId, when known.
    pub user_id: Option<String>,
    pub active: bool,
    pub updated_at: String,
}

impl From<StaffDetail> for Staff {
    fn from(s: StaffDetail) -> Self {
        Staff {
            id: s.id,
            external_id: s.external_id,
            name: s.name,
            mobile: s.mobile,
            department: s.department,
            user_id: s.dingtalk_user_id,
            active: s.active,
            updated_at: fmt_rfc3339(s.updated_at),
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct StaffList {
    pub items: Vec<Staff>,
    /// Pass as `cursor` for the next page; none: this was the last.
    pub next_cursor: Option<String>,
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct StaffQuery {
    /// From a previous page's `next_cursor`.
    pub cursor: Option<String>,
    /// 1–500, default 100.
    pub limit: Option<i64>,
    /// `active` (default), `inactive` or `all`.
    pub status: Option<String>,
}

pub(crate) fn limit_of(v: Option<i64>) -> ApiResult<i64> {
    match v {
        None => Ok(100),
        Some(n) if (1..=500).contains(&n) => Ok(n),
        Some(_) => Err(ApiError::invalid(
            "limit",
            Msg::new("limit 须在 1 到 500 之间", "limit must be 1 to 500"),
        )),
    }
}

fn bad_cursor() -> ApiError {
    ApiError::invalid(
        "cursor",
        Msg::new(
            "cursor 无效：请用上一页返回的 next_cursor",
            "Bad cursor: pass the next_cursor of the previous page",
        ),
    )
}

/// Lists staff by id, a page at a time.
#[utoipa::path(get, operation_id = "listStaff", path = "/api/v1/staff", tag = "staff",
    security(("bearer" = ["read"])), params(StaffQuery),
    responses((status = 200, body = StaffList), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody),
        (status = 422, body = ErrorBody)))]
pub async fn list(
    State(st): State<AppState>,
    headers: HeaderMap,
    q: Result<Query<StaffQuery>, QueryRejection>,
) -> ApiResult<Json<StaffList>> {
    caller(&st, &headers, Scope::Read).await?;
    let Query(q) = q.map_err(bad_query)?;
    let limit = limit_of(q.limit)?;
    let after = match q.cursor.as_deref().map(str::trim).filter(|c| !c.is_empty()) {
        None => 0,
        Some(c) => c.parse::<i64>().map_err(|_| bad_cursor())?,
    };
    let status = q.status.as_deref().unwrap_or("active");
    if !matches!(status, "active" | "inactive" | "all") {
        return Err(ApiError::invalid(
            "status",
            Msg::new(
                "status 须为 active、inactive 或 all",
                "status must be active, inactive or all",
            ),
        ));
    }
    let mut rows = crate::staff::db::after_id(&st.db, after, limit + 1, status).await?;
    let more = rows.len() as i64 > limit;
    rows.truncate(limit as usize);
    let next_cursor = more
        .then(|| rows.last().map(|r| r.id.to_string()))
        .flatten();
    Ok(Json(StaffList {
        items: rows.into_iter().map(Staff::from).collect(),
        next_cursor,
    }))
}

/// A person as another system (the HR system) knows them. Fields left out are kept as they are
/// (a new person gets them empty).
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct StaffUpsert {
    pub name: String,
    pub mobile: Option<String>,
    pub department: Option<String>,
    pub user_id: Option<String>,
    /// `false` deactivates (their awards stay), `true` reactivates.
    pub active: Option<bool>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct StaffSaved {
    /// `created`, `updated` or `unchanged`.
    pub result: String,
    pub staff: Staff,
}

/// Creates or updates a person by 工号.
///
/// The person with this external id (工号) is made if there is none (201), else updated (200);
/// fields left out keep their values; the answer says `created`, `updated` or `unchanged`.
#[utoipa::path(put, operation_id = "upsertStaff", path = "/api/v1/staff/{external_id}", tag = "staff",
    security(("bearer" = ["staff"])),
    params(("external_id" = String, Path, description = "The person's 工号")),
    request_body = StaffUpsert,
    responses((status = 200, description = "Updated or unchanged", body = StaffSaved),
        (status = 201, description = "Created", body = StaffSaved),
        (status = 400, body = ErrorBody), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody),
        (status = 409, body = ErrorBody), (status = 415, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn upsert(
    State(st): State<AppState>,
    headers: HeaderMap,
    ext: Result<Path<String>, PathRejection>,
    body: Body,
) -> ApiResult<(StatusCode, Json<StaffSaved>)> {
    let who = caller(&st, &headers, Scope::Staff).await?;
    let Path(ext) = ext.map_err(crate::rest::error::not_found)?;
    let (u, _) = read_json::<StaffUpsert>(&headers, body, SMALL_LIMIT).await?;
    let before = crate::staff::db::by_external_id(&st.db, ext.trim()).await?;
    let keep = |new: Option<String>, old: Option<String>| new.or(old).unwrap_or_default();
    let draft = StaffDraft {
        name: u.name,
        mobile: keep(u.mobile, before.as_ref().and_then(|b| b.mobile.clone())),
        dingtalk_user_id: keep(
            u.user_id,
            before.as_ref().and_then(|b| b.dingtalk_user_id.clone()),
        ),
        department: keep(u.department, before.as_ref().map(|b| b.department.clone())),
        external_id: ext.trim().to_string(),
    };
    let same = before.as_ref().is_some_and(|b| {
        let o = |v: &Option<String>| v.clone().unwrap_or_default();
        b.name == draft.name.trim()
            && o(&b.mobile) == draft.mobile.trim()
            && o(&b.dingtalk_user_id) == draft.dingtalk_user_id.trim()
            && b.department == draft.department.trim()
    });
    let id = if same {
        before.as_ref().map(|b| b.id).unwrap_or_default()
    } else {
        let id_text = before.as_ref().map(|b| b.id.to_string());
        crate::staff::db::save(&st.db, &who.admin, id_text.as_deref(), &draft)
            .await
            .map_err(|e| ApiError::from_app(e, |f| f.to_string()))?
    };
    let active_changed = match u.active {
        Some(a) if before.as_ref().map(|b| b.active).unwrap_or(true) != a => {
            crate::staff::db::set_active(&st.db, &who.admin, id, a).await?;
            true
        }
        _ => false,
    };
    let staff = crate::staff::db::get(&st.db, id).await?;
    let (status, result) = match (&before, same && !active_changed) {
        (None, _) => (StatusCode::CREATED, "created"),
        (Some(_), true) => (StatusCode::OK, "unchanged"),
        (Some(_), false) => (StatusCode::OK, "updated"),
    };
    Ok((
        status,
        Json(StaffSaved {
            result: result.into(),
            staff: staff.into(),
        }),
    ))
}
