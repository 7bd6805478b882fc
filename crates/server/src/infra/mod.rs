//! What every resource builds on (server side): the app state, the database, configuration, secrets at rest, the audit trail, the plain-form flash, CSV and HTTP helpers. It imports no resource.

pub mod audit;
pub mod config;
pub mod crypto;
pub mod csv;
pub mod db;
pub mod flash;
pub mod kv;
pub mod metrics;
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
    /// Icon decodes that may run at once (see `medals::icons::process_bounded`).
    pub icon_slots: Arc<tokio::sync::Semaphore>,
    /// Bulk work that may run at once — CSV exports, staff imports (see [`bulk_slot`]).
    pub bulk_slots: Arc<tokio::sync::Semaphore>,
}

/// Bulk jobs (an export, an import) one server runs at once; memory then stays bounded.
pub const BULK_AT_ONCE: usize = 1;

/// A slot for bulk work, or 503 with Retry-After when another job holds it: the server answers
/// "try again shortly" instead of holding several exports in memory at once.
pub fn bulk_slot(
    st: &AppState,
) -> Result<tokio::sync::OwnedSemaphorePermit, crate::error::AppError> {
    st.bulk_slots
        .clone()
        .try_acquire_owned()
        .map_err(|_| crate::error::AppError::Refused {
            status: 503,
            msg: medal_core::Msg::new(
                "服务器正在处理另一个导入或导出，请几秒后再试。",
                "The server is busy with another import or export; try again in a few seconds.",
            ),
        })
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

/// Logs an internal failure with the request's id (a fresh one outside a request) and returns
/// the error users see, which shows the same id.
pub fn internal(cause: impl std::fmt::Display) -> AppError {
    let request_id = request_id().unwrap_or_else(new_request_id);
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

tokio::task_local! {
    static REQUEST_ID: String;
}

/// A new request id: 12 hex digits.
pub fn new_request_id() -> String {
    uuid::Uuid::new_v4().simple().to_string()[..12].to_string()
}

/// The id of the request being served (the `x-request-id` the host gave it), if any.
pub fn request_id() -> Option<String> {
    REQUEST_ID.try_with(|id| id.clone()).ok().or_else(|| {
        leptos::prelude::use_context::<http::request::Parts>().and_then(|p| {
            p.headers
                .get("x-request-id")?
                .to_str()
                .ok()
                .map(String::from)
        })
    })
}

/// Runs `f` as the request `id` (see [`request_id`]).
pub async fn with_request_id<F: std::future::Future>(id: String, f: F) -> F::Output {
    REQUEST_ID.scope(id, f).await
}
