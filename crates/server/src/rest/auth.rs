//! Who calls: `Authorization: Bearer <token>`, looked up by its hash; a scope per endpoint, and
//! the token's maker's current role behind it.

use crate::infra::AppState;
use crate::rest::error::{ApiError, ApiResult};
use crate::tokens::db::{authenticate, Caller, Refusal};
use crate::tokens::Scope;
use axum::http::{header, HeaderMap};
use medal_core::Msg;

/// The caller, if the request's token is live and has `scope` (and its maker's role allows it).
pub async fn caller(st: &AppState, headers: &HeaderMap, scope: Scope) -> ApiResult<Caller> {
    let token = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| {
            let (kind, rest) = v.trim().split_once(' ')?;
            kind.eq_ignore_ascii_case("bearer").then(|| rest.trim())
        })
        .filter(|t| !t.is_empty());
    let Some(token) = token else {
        return Err(ApiError::new(
            401,
            "unauthorized",
            Msg::new(
                "缺少令牌：请在请求头中写 Authorization: Bearer <令牌>（在「API 令牌」页创建）。",
                "No token: send Authorization: Bearer <token> (made on the API tokens page).",
            ),
        ));
    };
    let who = match authenticate(&st.db, token).await? {
        Ok(c) => c,
        Err(Refusal::Unknown) => {
            return Err(ApiError::new(
                401,
                "invalid_token",
                Msg::new("令牌无效。", "The token is not valid."),
            ))
        }
        Err(Refusal::Revoked) => {
            return Err(ApiError::new(
                401,
                "token_revoked",
                Msg::new(
                    "令牌已被撤销，请向管理员申请新的令牌。",
                    "The token was revoked; ask an admin for a new one.",
                ),
            ))
        }
        Err(Refusal::MakerDisabled) => {
            return Err(ApiError::new(
                401,
                "invalid_token",
                Msg::new(
                    "创建此令牌的管理员已被停用，令牌随之失效。",
                    "The admin who made this token is disabled, and the token with them.",
                ),
            ))
        }
    };
    if !who.scopes.contains(&scope) {
        return Err(ApiError::new(
            403,
            "insufficient_scope",
            Msg::new(
                format!("此令牌没有「{}」权限范围。", scope.as_str()),
                format!("This token lacks the “{}” scope.", scope.as_str()),
            ),
        ));
    }
    if !who.admin.role.allows(scope.role()) {
        return Err(ApiError::new(
            403,
            "forbidden",
            Msg::new(
                "创建此令牌的管理员现在的角色不允许这样做。",
                "The role of the admin who made this token does not allow this now.",
            ),
        ));
    }
    Ok(who)
}
