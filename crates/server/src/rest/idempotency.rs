//! `Idempotency-Key` on award creation: the first answer to a key is kept for a day and given
//! again to a request with the same key and body; the same key with another body is refused; a
//! request while the first is still running is told to wait. Keys are per token.

use crate::infra::{now_ms, Db};
use crate::rest::error::{ApiError, ApiResult};
use crate::with_db;
use axum::http::{HeaderMap, StatusCode};
use medal_core::Msg;

const KEEP_MS: i64 = 24 * 3600 * 1000;
/// A claim older than this whose request never finished (the process died) may be taken over.
const STALE_MS: i64 = 5 * 60 * 1000;

pub enum Begin {
    /// Go on, then [`finish`] or [`abandon`].
    Fresh,
    /// The first answer, as it was.
    Replay(StatusCode, String),
}

/// The request's key, if it sent one: 1–200 visible ASCII characters.
pub fn key(headers: &HeaderMap) -> ApiResult<Option<String>> {
    let Some(v) = headers.get("idempotency-key") else {
        return Ok(None);
    };
    match v.to_str().map(str::trim) {
        Ok(k) if !k.is_empty() && k.len() <= 200 && k.bytes().all(|b| b.is_ascii_graphic()) => {
            Ok(Some(k.to_string()))
        }
        _ => Err(ApiError::new(
            400,
            "bad_idempotency_key",
            Msg::new(
                "Idempotency-Key 须为 1–200 个可见 ASCII 字符",
                "Idempotency-Key must be 1–200 visible ASCII characters",
            ),
        )),
    }
}

/// Claims `key` for this request, or says what the first request with it answered.
pub async fn begin(db: &Db, token_id: i64, key: &str, body: &[u8]) -> ApiResult<Begin> {
    let now = now_ms();
    let hash = crate::infra::crypto::sha256_hex(body);
    let claimed = with_db!(db, p => async {
        sqlx::query("DELETE FROM api_idempotency WHERE created_at < $1")
            .bind(now - KEEP_MS).execute(p).await?;
        // a claim whose request died long ago is released
        sqlx::query("DELETE FROM api_idempotency WHERE token_id = $1 AND idem_key = $2 \
                     AND status = 0 AND created_at < $3")
            .bind(token_id).bind(key).bind(now - STALE_MS).execute(p).await?;
        sqlx::query("INSERT INTO api_idempotency (token_id, idem_key, request_hash, status, body, created_at) \
                     VALUES ($1, $2, $3, 0, '', $4) ON CONFLICT DO NOTHING")
            .bind(token_id).bind(key).bind(&hash).bind(now).execute(p).await
            .map(|r| r.rows_affected() == 1)
    }.await)
    .map_err(crate::error::AppError::from)?;
    if claimed {
        return Ok(Begin::Fresh);
    }
    let first = with_db!(db, p => sqlx::query_as::<_, (String, i32, String)>(
        "SELECT request_hash, status, body FROM api_idempotency WHERE token_id = $1 AND idem_key = $2")
        .bind(token_id).bind(key).fetch_optional(p).await)
    .map_err(crate::error::AppError::from)?;
    match first {
        // deleted in between (expired): treat as new next time
        None => Err(in_progress()),
        Some((h, _, _)) if h != hash => Err(ApiError::new(
            422,
            "idempotency_mismatch",
            Msg::new(
                "这个 Idempotency-Key 已用于另一份不同的请求；新的请求请用新的键。",
                "This Idempotency-Key was used for a different request; use a new key for a new request.",
            ),
        )),
        Some((_, 0, _)) => Err(in_progress()),
        Some((_, status, body)) => Ok(Begin::Replay(
            StatusCode::from_u16(status as u16).unwrap_or(StatusCode::OK),
            body,
        )),
    }
}

fn in_progress() -> ApiError {
    ApiError::new(
        409,
        "idempotency_in_progress",
        Msg::new(
            "使用同一 Idempotency-Key 的请求正在处理，请稍后重试。",
            "A request with this Idempotency-Key is still running; retry shortly.",
        ),
    )
}

/// Keeps the answer for replays.
pub async fn finish(db: &Db, token_id: i64, key: &str, status: StatusCode, body: &str) {
    let r = with_db!(db, p => sqlx::query(
        "UPDATE api_idempotency SET status = $1, body = $2 WHERE token_id = $3 AND idem_key = $4")
        .bind(i32::from(status.as_u16())).bind(body).bind(token_id).bind(key).execute(p).await.map(|_| ()));
    if let Err(e) = r {
        tracing::warn!(error = %e, "idempotent answer not kept");
    }
}

/// Releases the key: the request failed and may be sent again.
pub async fn abandon(db: &Db, token_id: i64, key: &str) {
    let r = with_db!(db, p => sqlx::query(
        "DELETE FROM api_idempotency WHERE token_id = $1 AND idem_key = $2 AND status = 0")
        .bind(token_id).bind(key).execute(p).await.map(|_| ()));
    if let Err(e) = r {
        tracing::warn!(error = %e, "idempotency key not released");
    }
}
