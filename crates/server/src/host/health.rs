//! Health for load balancers: `/readyz`.

use axum::extract::State;
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};

use crate::infra::AppState;

/// Ready when the database answers; otherwise 503 with why (for the load balancer's log and the
/// person reading it), and `Retry-After`.
pub async fn readyz(State(st): State<AppState>) -> Response {
    let t = std::time::Instant::now();
    match st.db.check().await {
        Ok(()) => (
            StatusCode::OK,
            format!(
                "ready ({}, {:.1} ms)",
                st.db.backend(),
                t.elapsed().as_secs_f64() * 1000.0
            ),
        )
            .into_response(),
        Err(why) => {
            tracing::warn!(%why, "not ready");
            (
                StatusCode::SERVICE_UNAVAILABLE,
                [(header::RETRY_AFTER, "5")],
                format!("not ready: database ({}): {why}", st.db.backend()),
            )
                .into_response()
        }
    }
}
