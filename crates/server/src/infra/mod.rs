//! What every resource builds on (server side): the app state, the database, configuration, secrets at rest, the audit trail, the plain-form flash, CSV and HTTP helpers. It imports no resource.

pub mod audit;
pub mod config;
pub mod crypto;
pub mod csv;
pub mod db;
pub mod flash;
pub mod kv;
pub mod multipart;
pub mod redirect;

pub use config::Config;
pub use db::Db;

use crate::error::AppError;
use leptos::prelude::*;
use std::sync::Arc;

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

/// Milliseconds since the Unix epoch, UTC.
pub fn now_ms() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_millis() as i64)
        .unwrap_or(0)
}
