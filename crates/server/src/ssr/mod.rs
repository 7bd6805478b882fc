//! The server half: configuration, database, sessions and auth, the axum router, the CLI.

pub mod audit;
pub mod auth;
pub mod awards;
pub mod cli;
pub mod config;
pub mod db;
pub mod demo;
pub mod flash;
pub mod icons;
pub mod medals;
pub mod server;
pub mod staff;
// sharing (issue #5)
pub mod crypto;
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
    use_context::<AppState>().ok_or_else(|| internal("app state missing from context"))
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

/// Only same-site absolute paths are followed after login (no open redirects).
pub fn safe_next(next: Option<&str>) -> String {
    match next {
        Some(n) if n.starts_with('/') && !n.starts_with("//") && !n.contains('\\') => n.to_string(),
        _ => "/".to_string(),
    }
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn next_is_a_local_path_only() {
        assert_eq!(safe_next(Some("/medals?q=1")), "/medals?q=1");
        assert_eq!(safe_next(Some("//evil.example")), "/");
        assert_eq!(safe_next(Some("https://evil.example")), "/");
        assert_eq!(safe_next(Some("/\\evil")), "/");
        assert_eq!(safe_next(None), "/");
    }
}
