//! The server half: configuration, database, sessions and auth, the axum router, the CLI.

pub mod audit;
pub mod auth;
pub mod awards;
pub mod cli;
pub mod config;
pub mod db;
pub mod demo;
pub mod flash;
pub mod guard;
pub mod icons;
pub mod medals;
pub mod server;
pub mod staff;
pub mod userids;
// sharing (issue #5)
pub mod crypto;
pub mod csv_out;
pub mod demo_share;
pub mod groups;
pub mod outbox;
pub mod settings;
pub mod shares;

use std::sync::Arc;

use leptos::prelude::*;

use crate::error::AppError;
use crate::with_db;
pub use config::Config;
pub use db::Db;

/// What every request handler and server function can reach.
#[derive(Clone)]
pub struct AppState {
    pub db: Db,
    pub config: Arc<Config>,
    pub leptos_options: LeptosOptions,
}

impl axum::extract::FromRef<AppState> for LeptosOptions {
    fn from_ref(s: &AppState) -> Self {
        s.leptos_options.clone()
    }
}

/// The app state inside a server function.
pub fn state() -> Result<AppState, AppError> {
    use_context::<AppState>().ok_or_else(no_request)
}

/// Why a server function finds no request context. Without the request's `Parts` the request
/// (or the render) it ran for is over: Leptos re-ran a `<Suspense>` and dropped the first run's
/// resources while their server functions were running, or the client went away. Nothing will
/// read the answer, so it is logged as what it is, not as an internal error.
pub fn no_request() -> AppError {
    if use_context::<http::request::Parts>().is_none() {
        tracing::debug!(
            "a server function ran after its request or render had ended; its answer is dropped"
        );
        AppError::Cancelled
    } else {
        internal("app state missing from context")
    }
}

/// Logs an internal failure with a fresh request id and returns the error users see.
pub fn internal(cause: impl std::fmt::Display) -> AppError {
    let request_id = uuid::Uuid::new_v4().simple().to_string()[..12].to_string();
    tracing::error!(%request_id, error = %cause, "internal error");
    AppError::Internal { request_id }
}

/// Maps database errors to the app's error: unique violations become conflicts upstream,
/// everything else is internal.
pub fn db_err(e: sqlx::Error) -> AppError {
    internal(format!("database: {e}"))
}

/// Milliseconds since the Unix epoch, UTC.
pub fn now_ms() -> i64 {
    chrono::Utc::now().timestamp_millis()
}

/// Where to go after signing in (or switching language): only a local path made of an allow-list
/// of URL characters is followed, else `/`. Browsers drop tabs and newlines from a `Location` and
/// read `\\` as `/`, so `/\t/evil.example` or `/\\evil.example` would leave the site; anything not
/// plainly a path (control or space characters, backslashes, `//` at the start, also once
/// percent-decoded, or a bad `%` escape) is refused as a whole rather than repaired.
pub fn safe_next(next: Option<&str>) -> String {
    next.filter(|n| is_local_path(n))
        .map(str::to_string)
        .unwrap_or_else(|| "/".to_string())
}

fn is_local_path(n: &str) -> bool {
    let b = n.as_bytes();
    if b.first() != Some(&b'/') || n.len() > 2000 {
        return false;
    }
    // RFC 3986 path, query and fragment characters: ASCII, no `\\`, no spaces, no controls.
    let allowed = |c: &u8| c.is_ascii_alphanumeric() || b"-._~!$&'()*+,;=:@/?%#".contains(c);
    if !b.iter().all(allowed) {
        return false;
    }
    let Some(decoded) = percent_decode(b) else {
        return false;
    };
    // neither `//host` nor `/\\host`, before or after decoding, nor dot segments (`/.//host`
    // normalises to `//host`)
    let starts_badly = |p: &[u8]| p.len() > 1 && matches!(p[1], b'/' | b'\\');
    let path = decoded
        .split(|c| *c == b'?' || *c == b'#')
        .next()
        .unwrap_or(&[]);
    let dot_segment = path
        .split(|c| *c == b'/')
        .any(|seg| seg == b"." || seg == b"..");
    !starts_badly(b)
        && !starts_badly(&decoded)
        && !dot_segment
        && !decoded.iter().any(u8::is_ascii_control)
}

/// Decodes `%XX` escapes; `None` when a `%` is not followed by two hex digits.
fn percent_decode(b: &[u8]) -> Option<Vec<u8>> {
    let hex = |c: Option<&u8>| c.and_then(|c| (*c as char).to_digit(16));
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        if b[i] == b'%' {
            let (h, l) = (hex(b.get(i + 1))?, hex(b.get(i + 2))?);
            out.push((h * 16 + l) as u8);
            i += 3;
        } else {
            out.push(b[i]);
            i += 1;
        }
    }
    Some(out)
}

pub async fn settings_get(db: &Db, key: &str) -> Result<Option<String>, AppError> {
    with_db!(db, p => sqlx::query_scalar::<_, String>("SELECT value FROM settings WHERE key = $1")
        .bind(key).fetch_optional(p).await)
    .map_err(db_err)
}

pub async fn settings_put(db: &Db, key: &str, value: &str) -> Result<(), AppError> {
    with_db!(db, p => sqlx::query(
        "INSERT INTO settings (key, value, updated_at) VALUES ($1, $2, $3) \
         ON CONFLICT (key) DO UPDATE SET value = excluded.value, updated_at = excluded.updated_at")
        .bind(key).bind(value).bind(now_ms()).execute(p).await.map(|_| ()))
    .map_err(db_err)?;
    Ok(())
}

pub async fn settings_delete(db: &Db, key: &str) -> Result<(), AppError> {
    with_db!(db, p => sqlx::query("DELETE FROM settings WHERE key = $1").bind(key).execute(p).await.map(|_| ())).map_err(db_err)?;
    Ok(())
}

/// A CSV export's answer: the file (UTF-8, not cached), or to the login page and back to `back`
/// without a session, or the error's status with its message.
pub fn csv_download(
    r: Result<Vec<u8>, AppError>,
    file_name: &str,
    back: &str,
    lang: medal_core::Lang,
) -> axum::response::Response {
    use axum::http::{header, StatusCode};
    use axum::response::{IntoResponse, Redirect};
    match r {
        Ok(bytes) => (
            [
                (header::CONTENT_TYPE, "text/csv; charset=utf-8".to_string()),
                (
                    header::CONTENT_DISPOSITION,
                    format!("attachment; filename=\"{file_name}\""),
                ),
                (header::CACHE_CONTROL, "no-store".to_string()),
            ],
            bytes,
        )
            .into_response(),
        Err(AppError::Unauthorized) => {
            Redirect::to(&format!("/login?next={}", flash::urlencoding_lite(back))).into_response()
        }
        Err(e) => (
            StatusCode::from_u16(e.status()).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR),
            e.summary(lang),
        )
            .into_response(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn next_is_a_local_path_only() {
        for ok in [
            "/",
            "/medals?q=1",
            "/awards?person=%E5%BC%A0&page=2",
            "/staff/3#wall",
            "/a/Ab-_9",
        ] {
            assert_eq!(safe_next(Some(ok)), ok);
        }
        for bad in [
            "//evil.example",
            "https://evil.example",
            "/\\evil",
            "/\t/evil.example/x",
            "/\n/evil.example",
            "\t//evil.example",
            " /x",
            "/%2F/evil.example",
            "/.//evil.example",
            "/%2E//evil.example",
            "/a/../..//evil.example",
            "/%5Cevil.example",
            "/%09/x",
            "/x%0d%0aSet-Cookie:a=1",
            "/%zz",
            "/%",
            "/%4",
            "/张三",
            "javascript:alert(1)",
            "",
            "/ x",
        ] {
            assert_eq!(safe_next(Some(bad)), "/", "{bad:?}");
        }
        assert_eq!(safe_next(None), "/");
    }
}
