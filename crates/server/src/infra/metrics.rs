//! Metrics in Prometheus' text format (`metrics` + `metrics-exporter-prometheus`), off unless
//! configured: `metrics_token` serves `/metrics` on the app's address to `Authorization: Bearer
//! <token>` only; `metrics_listen` serves it on a separate address (for a network only the
//! monitoring reaches) without a token. Neither set: `/metrics` is 404 and nothing is recorded.
//!
//! What is measured:
//! - `medals_http_requests_total{method, route, status}` and
//!   `medals_http_request_seconds{method, route}`: `route` is the matched route (`/medals/{id}`),
//!   never the path itself (ids, tokens);
//! - `medals_outbox_shares{status}`: shares waiting or being sent, read at each scrape (so it is
//!   the database's figure, across instances);
//! - `medals_shares_total{outcome, error}`: each send's outcome (`sent`, `retry`, `failed`,
//!   `gave_up`) and error kind;
//! - `medals_dingtalk_calls_total{api, outcome}`, `medals_dingtalk_call_seconds{api}` (the
//!   `dingtalk` crate).

use std::sync::OnceLock;
use std::time::Instant;

use axum::extract::{MatchedPath, Request, State};
use axum::http::{header, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use metrics_exporter_prometheus::{Matcher, PrometheusBuilder, PrometheusHandle};
use secrecy::ExposeSecret;

use crate::infra::AppState;
use crate::with_db;

/// Latency buckets (seconds): pages take milliseconds, DingTalk calls up to seconds.
const BUCKETS: &[f64] = &[
    0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0,
];

static HANDLE: OnceLock<Option<PrometheusHandle>> = OnceLock::new();

/// Installs the process-wide recorder (once; later calls return the same handle). `None` when
/// another recorder was installed first.
pub fn install() -> Option<&'static PrometheusHandle> {
    HANDLE
        .get_or_init(|| {
            let recorder = PrometheusBuilder::new()
                .set_buckets_for_metric(Matcher::Suffix("_seconds".into()), BUCKETS)
                .ok()?
                .build_recorder();
            let handle = recorder.handle();
            metrics::set_global_recorder(recorder).ok()?;
            Some(handle)
        })
        .as_ref()
}

/// Whether this configuration asks for metrics.
pub fn enabled(config: &crate::infra::Config) -> bool {
    config.metrics_token.is_some() || config.metrics_listen.is_some()
}

/// Middleware (as a route layer): counts and times each request under its matched route.
pub async fn track(req: Request, next: Next) -> Response {
    let route = req
        .extensions()
        .get::<MatchedPath>()
        .map_or_else(|| "other".to_string(), |m| m.as_str().to_string());
    let method = req.method().as_str().to_string();
    let started = Instant::now();
    let res = next.run(req).await;
    metrics::histogram!("medals_http_request_seconds", "method" => method.clone(), "route" => route.clone())
        .record(started.elapsed().as_secs_f64());
    metrics::counter!("medals_http_requests_total", "method" => method, "route" => route,
        "status" => res.status().as_u16().to_string())
    .increment(1);
    res
}

/// `/metrics` on the app's address: with the configured bearer token only.
pub async fn with_token(State(st): State<AppState>, req: Request) -> Response {
    let Some(token) = &st.config.metrics_token else {
        return StatusCode::NOT_FOUND.into_response();
    };
    let given = req
        .headers()
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .unwrap_or("");
    if !crate::infra::crypto::same(given.as_bytes(), token.expose_secret().as_bytes()) {
        return (
            StatusCode::UNAUTHORIZED,
            [(header::WWW_AUTHENTICATE, "Bearer")],
            "需要指标令牌 / a metrics token is needed",
        )
            .into_response();
    }
    render(&st.db).await
}

/// The scrape: gauges read from the database now, then everything recorded.
pub async fn render(db: &crate::infra::Db) -> Response {
    let Some(handle) = install() else {
        return StatusCode::NOT_FOUND.into_response();
    };
    let depth = with_db!(db, p => sqlx::query_as::<_, (String, i64)>(
        "SELECT status, COUNT(*) FROM shares WHERE status IN ('queued', 'sending') GROUP BY status")
        .fetch_all(p).await);
    match depth {
        Ok(rows) => {
            for status in ["queued", "sending"] {
                let n = rows.iter().find(|r| r.0 == status).map_or(0, |r| r.1);
                metrics::gauge!("medals_outbox_shares", "status" => status).set(n as f64);
            }
            metrics::gauge!("medals_database_up").set(1.0);
        }
        Err(e) => {
            tracing::warn!(error = %e, "metrics: outbox depth unavailable");
            metrics::gauge!("medals_database_up").set(0.0);
        }
    }
    (
        [(
            header::CONTENT_TYPE,
            "text/plain; version=0.0.4; charset=utf-8",
        )],
        handle.render(),
    )
        .into_response()
}

/// Serves `/metrics` alone on `metrics_listen`, when configured.
pub async fn spawn_listener(
    addr: Option<std::net::SocketAddr>,
    db: crate::infra::Db,
) -> std::io::Result<()> {
    let Some(addr) = addr else {
        return Ok(());
    };
    let listener = tokio::net::TcpListener::bind(addr).await?;
    tracing::info!("metrics on http://{}/metrics", listener.local_addr()?);
    let app = axum::Router::new()
        .route(
            "/metrics",
            axum::routing::get(
                |State(db): State<crate::infra::Db>| async move { render(&db).await },
            ),
        )
        .with_state(db);
    tokio::spawn(async move {
        if let Err(e) = axum::serve(listener, app).await {
            tracing::error!(error = %e, "metrics listener stopped");
        }
    });
    Ok(())
}
