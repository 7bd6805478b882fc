//! `POST /api/v1/awards` (one or many, with the form's checks; `Idempotency-Key`),
//! `GET /api/v1/awards` (filters, cursor), `POST /api/v1/awards/{id}/revoke`.

use crate::awards::give::{Batch, Recipient};
use crate::awards::types::{AwardFilter, AwardItem};
use crate::infra::AppState;
use crate::rest::auth::caller;
use crate::rest::error::{
    bad_query, not_found, read_json, ApiError, ApiResult, ErrorBody, BATCH_LIMIT, SMALL_LIMIT,
};
use crate::rest::idempotency::{self, Begin};
use crate::staff::lookup::{resolve, Who};
use crate::tokens::Scope;
use axum::body::Body;
use axum::extract::rejection::{PathRejection, QueryRejection};
use axum::extract::{Path, Query, State};
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use medal_core::time::fmt_rfc3339;
use medal_core::Msg;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

/// Most recipients in one request.
pub const MAX_RECIPIENTS: usize = 10_000;

/// One person to award: by exactly one of `staff_id`, `external_id` (工号), `mobile`, `user_id`.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RecipientIn {
    pub staff_id: Option<i64>,
    pub external_id: Option<String>,
    pub mobile: Option<String>,
    pub user_id: Option<String>,
    /// This person's own reason; else the request's.
    pub reason: Option<String>,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AwardCreate {
    pub medal_id: i64,
    /// Why (2–500 characters); may be left out when every recipient has their own.
    #[serde(default)]
    pub reason: String,
    /// 1 to 10,000 people.
    pub recipients: Vec<RecipientIn>,
    /// Leave out people who already hold a non-repeatable medal instead of refusing the request.
    #[serde(default)]
    pub skip_holders: bool,
    /// Groups to share the new awards into (one card per group, through the outbox).
    #[serde(default)]
    pub share_to_groups: Vec<i64>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct AwardCreated {
    pub batch_id: String,
    pub awarded: u64,
    pub skipped_holders: u64,
    pub award_ids: Vec<i64>,
    /// Cards queued, one per group.
    pub shares_queued: usize,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct Award {
    pub id: i64,
    pub medal_id: i64,
    pub medal_name: String,
    pub tier: String,
    pub staff_id: i64,
    pub staff_name: String,
    pub department: String,
    pub reason: String,
    /// RFC 3339, China time.
    pub awarded_at: String,
    pub expires_at: Option<String>,
    /// `active`, `expired` or `revoked`.
    pub status: String,
    /// An admin's username, `api:<token>` or the rule that gave it.
    pub awarded_by: String,
    pub revoked_at: Option<String>,
    pub revoke_reason: Option<String>,
    pub batch_id: Option<String>,
    /// The award's public page.
    pub public_url: String,
}

fn award(st: &AppState, a: AwardItem) -> Award {
    Award {
        public_url: crate::rest::medals::absolute(st, &format!("/a/{}", a.public_token)),
        id: a.id,
        medal_id: a.medal_id,
        medal_name: a.medal_name,
        tier: a.tier.as_str().into(),
        staff_id: a.staff_id,
        staff_name: a.staff_name,
        department: a.department,
        reason: a.reason,
        awarded_at: fmt_rfc3339(a.awarded_at),
        expires_at: a.expires_at.map(fmt_rfc3339),
        status: a.status.as_str().into(),
        awarded_by: a.awarded_by,
        revoked_at: a.revoked_at.map(fmt_rfc3339),
        revoke_reason: a.revoke_reason,
        batch_id: a.batch_id,
    }
}

/// The people a request names, or every one it could not find, by path.
async fn recipients(st: &AppState, list: &[RecipientIn]) -> ApiResult<Vec<Recipient>> {
    if list.is_empty() || list.len() > MAX_RECIPIENTS {
        return Err(ApiError::invalid(
            "recipients",
            Msg::new(
                format!("请列出 1 到 {MAX_RECIPIENTS} 位获奖人"),
                format!("List 1 to {MAX_RECIPIENTS} recipients"),
            ),
        ));
    }
    let mut err = ApiError::new(
        422,
        "validation",
        Msg::new("有获奖人无法识别", "Some recipients cannot be found"),
    );
    let mut keyed: Vec<(usize, Who)> = Vec::new();
    for (i, r) in list.iter().enumerate() {
        if r.staff_id.is_some() {
            if r.external_id.is_some() || r.mobile.is_some() || r.user_id.is_some() {
                let m = Msg::new(
                    "staff_id、external_id、mobile、user_id 只能填一个",
                    "Give only one of staff_id, external_id, mobile, user_id",
                );
                err = err.field(&format!("recipients[{i}].staff_id"), &m);
            }
            continue;
        }
        match Who::from_keys(&r.external_id, &r.mobile, &r.user_id) {
            Ok(w) => keyed.push((i, w)),
            Err((f, m)) => err = err.field(&format!("recipients[{i}].{f}"), &m),
        }
    }
    let wanted: Vec<Who> = keyed.iter().map(|k| k.1.clone()).collect();
    let found = resolve(&st.db, &wanted).await?;
    let mut ids = vec![None; list.len()];
    for (i, r) in list.iter().enumerate() {
        ids[i] = r.staff_id;
    }
    for (i, w) in keyed {
        match found.get(&w) {
            Some(id) => ids[i] = Some(*id),
            None => {
                let f = match w {
                    Who::External(_) => "external_id",
                    Who::Mobile(_) => "mobile",
                    Who::UserId(_) => "user_id",
                };
                let m = Msg::new("找不到这位员工", "No such person");
                err = err.field(&format!("recipients[{i}].{f}"), &m);
            }
        }
    }
    if !err.body.error.fields.is_empty() {
        return Err(err);
    }
    Ok(list
        .iter()
        .zip(ids)
        .filter_map(|(r, id)| {
            id.map(|staff_id| Recipient {
                staff_id,
                reason: r.reason.clone().filter(|s| !s.trim().is_empty()),
            })
        })
        .collect())
}

fn json_response(status: StatusCode, body: String) -> Response {
    (status, [(header::CONTENT_TYPE, "application/json")], body).into_response()
}

/// Gives one medal to one or many people.
///
/// The award form's checks apply: nothing is written unless every recipient is right. With `Idempotency-Key`, sending the same request again
/// answers what the first did and awards nothing more.
#[utoipa::path(post, operation_id = "createAwards", path = "/api/v1/awards", tag = "awards",
    security(("bearer" = ["award"])),
    params(("Idempotency-Key" = Option<String>, Header, description = "1–200 visible ASCII characters; kept a day")),
    request_body = AwardCreate,
    responses((status = 201, body = AwardCreated), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody),
        (status = 403, body = ErrorBody), (status = 409, body = ErrorBody), (status = 413, body = ErrorBody),
        (status = 415, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn create(State(st): State<AppState>, headers: HeaderMap, body: Body) -> Response {
    match create_inner(&st, &headers, body).await {
        Ok(r) => r,
        Err(e) => e.into_response(),
    }
}

async fn create_inner(st: &AppState, headers: &HeaderMap, body: Body) -> ApiResult<Response> {
    let who = caller(st, headers, Scope::Award).await?;
    let key = idempotency::key(headers)?;
    let (req, raw) = read_json::<AwardCreate>(headers, body, BATCH_LIMIT).await?;
    if let Some(k) = &key {
        if let Begin::Replay(status, body) =
            idempotency::begin(&st.db, who.token_id, k, &raw).await?
        {
            return Ok(json_response(status, body));
        }
    }
    let r = give(st, &who.admin, req).await;
    match (&key, r) {
        (Some(k), Ok(done)) => {
            let body = serde_json::to_string(&done).unwrap_or_default();
            idempotency::finish(&st.db, who.token_id, k, StatusCode::CREATED, &body).await;
            Ok(json_response(StatusCode::CREATED, body))
        }
        (None, Ok(done)) => Ok((StatusCode::CREATED, Json(done)).into_response()),
        (Some(k), Err(e)) => {
            idempotency::abandon(&st.db, who.token_id, k).await;
            Err(e)
        }
        (None, Err(e)) => Err(e),
    }
}

async fn give(
    st: &AppState,
    admin: &crate::session::AdminInfo,
    req: AwardCreate,
) -> ApiResult<AwardCreated> {
    let people = recipients(st, &req.recipients).await?;
    for (i, g) in req.share_to_groups.iter().enumerate() {
        match crate::groups::db::fetch(&st.db, *g).await {
            Ok(g) if !g.disabled => {}
            _ => {
                return Err(ApiError::invalid(
                    &format!("share_to_groups[{i}]"),
                    Msg::new("这个群不存在或已停用", "No such group, or it is disabled"),
                ))
            }
        }
    }
    let batch = Batch {
        medal_id: req.medal_id,
        reason: req.reason,
        recipients: people,
        skip_holders: req.skip_holders,
    };
    let out = crate::awards::give::give(&st.db, admin, batch)
        .await
        .map_err(|e| ApiError::from_app(e, str::to_string))?;
    let award_ids = crate::awards::give::batch_award_ids(&st.db, &out.batch_id).await?;
    crate::medals::honour::after(&st.db, &award_ids, false).await;
    let mut shares_queued = 0;
    if !req.share_to_groups.is_empty() && !award_ids.is_empty() {
        let list = award_ids
            .iter()
            .map(|i| i.to_string())
            .collect::<Vec<_>>()
            .join(",");
        let by = crate::session::AdminInfo {
            role: medal_core::Role::Awarder,
            ..admin.clone()
        };
        match crate::shares::db::create(
            st,
            &by,
            &list,
            &req.share_to_groups,
            &Default::default(),
            false,
        )
        .await
        {
            Ok(_) => shares_queued = req.share_to_groups.len(),
            Err(e) => tracing::warn!(error = %e, batch = %out.batch_id, "API awards not shared"),
        }
    }
    Ok(AwardCreated {
        batch_id: out.batch_id,
        awarded: out.awarded,
        skipped_holders: out.skipped_holders,
        award_ids,
        shares_queued,
    })
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct AwardQuery {
    pub medal_id: Option<i64>,
    /// `active`, `expired` or `revoked`.
    pub status: Option<String>,
    /// A person's name (contains), 工号 or mobile (starts with).
    pub person: Option<String>,
    /// `YYYY-MM-DD` (China time), inclusive.
    pub from: Option<String>,
    pub to: Option<String>,
    pub batch_id: Option<String>,
    /// From a previous page's `next_cursor`.
    pub cursor: Option<String>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct AwardList {
    /// Newest first, 50 a page.
    pub items: Vec<Award>,
    pub next_cursor: Option<String>,
}

/// Lists awards, newest first, by cursor.
#[utoipa::path(get, operation_id = "listAwards", path = "/api/v1/awards", tag = "awards",
    security(("bearer" = ["read"])), params(AwardQuery),
    responses((status = 200, body = AwardList), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody),
        (status = 403, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn list(
    State(st): State<AppState>,
    headers: HeaderMap,
    q: Result<Query<AwardQuery>, QueryRejection>,
) -> ApiResult<Json<AwardList>> {
    caller(&st, &headers, Scope::Read).await?;
    let Query(q) = q.map_err(bad_query)?;
    let t = |v: Option<String>| v.unwrap_or_default();
    let f = AwardFilter {
        medal: q.medal_id.map(|m| m.to_string()).unwrap_or_default(),
        person: t(q.person),
        status: t(q.status),
        from: t(q.from),
        to: t(q.to),
        batch: t(q.batch_id),
        after: t(q.cursor),
        ..Default::default()
    };
    let rename = |f: &str| match f {
        "" => "cursor".to_string(),
        "medal" => "medal_id".to_string(),
        other => other.to_string(),
    };
    let page = crate::awards::db::list(&st.db, &f)
        .await
        .map_err(|e| ApiError::from_app(e, rename))?;
    Ok(Json(AwardList {
        items: page.items.into_iter().map(|a| award(&st, a)).collect(),
        next_cursor: page.next,
    }))
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Revoke {
    /// Why (2–500 characters); shown on the award page.
    pub reason: String,
}

/// Revokes an award.
#[utoipa::path(post, operation_id = "revokeAward", path = "/api/v1/awards/{id}/revoke", tag = "awards",
    security(("bearer" = ["award"])),
    params(("id" = i64, Path, description = "The award's id")),
    request_body = Revoke,
    responses((status = 200, body = Award), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody),
        (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody),
        (status = 415, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn revoke(
    State(st): State<AppState>,
    headers: HeaderMap,
    id: Result<Path<i64>, PathRejection>,
    body: Body,
) -> ApiResult<Json<Award>> {
    let who = caller(&st, &headers, Scope::Award).await?;
    let Path(id) = id.map_err(not_found)?;
    let (r, _) = read_json::<Revoke>(&headers, body, SMALL_LIMIT).await?;
    crate::awards::give::revoke_everywhere(&st, &who.admin, id, &r.reason).await?;
    let a = crate::awards::db::get(&st.db, id).await?;
    Ok(Json(award(&st, a)))
}
