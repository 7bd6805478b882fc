//! The axum router: pages (Leptos SSR), server functions, icons, static files, health checks.

use crate::app::shell;
use crate::app::App;
use crate::error::AppError;
use crate::host::assets::Assets;
use crate::infra::Config;
use crate::infra::Db;
use crate::session::auth::SESSION_ADMIN;
use axum::body::Body;
use axum::extract::{Path, Query, Request};
use axum::http::{header, HeaderValue, StatusCode};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::get;
use axum::Router;
use leptos::prelude::*;
use leptos_axum::{generate_route_list, AxumRouteListing, LeptosRoutes};
use std::sync::Arc;
use std::time::Duration;
use tower_sessions::{cookie::time, Expiry, Session, SessionManagerLayer};
use tower_sessions_sqlx_store::{PostgresStore, SqliteStore};

/// The app's routes, generated once per process: generating them suppresses resource loading
/// process-wide (a global flag), and a resource first polled meanwhile waits forever (leptos#4773;
/// the integration tests build many apps in one process).
fn routes() -> Vec<AxumRouteListing> {
    static ROUTES: std::sync::OnceLock<Vec<AxumRouteListing>> = std::sync::OnceLock::new();
    ROUTES.get_or_init(|| generate_route_list(App)).clone()
}

/// The paths of every page the app renders (`/medals/:id` style), for tests that visit them all.
pub fn page_paths() -> Vec<String> {
    routes().iter().map(|r| r.path().to_string()).collect()
}

pub use crate::host::state::{leptos_options, state};

/// Builds the whole app for `db` and `config`. `extra` is merged in (the DingTalk simulator in demo mode).
pub fn router(config: Arc<Config>, db: Db, extra: Option<Router>) -> Router {
    let assets = Assets::load(&config.site_root);
    let state = state(config.clone(), db.clone());
    let routes = routes();
    let ctx_state = state.clone();
    let opts = state.leptos_options.clone();
    let static_files = crate::host::assets::static_files(&config.site_root);
    let css: Arc<str> = format!("/pkg/{}", assets.css).into();

    let mut app = Router::new()
        .route("/healthz", get(|| async { "ok" }))
        .route("/readyz", get(crate::host::health::readyz))
        .route("/metrics", get(crate::infra::metrics::with_token))
        .route("/lang/{tag}", get(set_lang))
        .route("/icons/{file}", get(crate::medals::icons::serve))
        .route("/staff/export.csv", get(crate::staff::export::export_csv))
        .route("/awards/export.csv", get(crate::awards::export::export_csv))
        .route("/audit.csv", get(crate::audit::export::export_csv))
        .nest("/api/v1", crate::rest::router())
        .leptos_routes_with_context(
            &state,
            routes,
            move || provide_context(ctx_state.clone()),
            {
                let opts = opts.clone();
                move || shell(opts.clone(), css.clone())
            },
        )
        .fallback_service(static_files)
        .with_state(state);
    if let Some(extra) = extra {
        app = app.merge(extra);
    }
    if crate::infra::metrics::enabled(&config) {
        crate::infra::metrics::install();
        app = app.route_layer(middleware::from_fn(crate::infra::metrics::track));
    }
    let app = app
        .layer(middleware::from_fn(server_fn_status))
        .layer(middleware::from_fn_with_state(db.clone(), require_login))
        .layer(axum::extract::DefaultBodyLimit::max(
            crate::host::guard::UPLOAD_LIMIT,
        ))
        .layer(middleware::from_fn(crate::host::guard::guard));
    let timeout = Duration::from_millis(config.request_timeout_ms);
    with_sessions(app, &db, &config)
        // a request that takes longer is answered 503 (its work dropped); a body that trickles in
        // slower is cut off
        .layer(tower_http::timeout::TimeoutLayer::with_status_code(
            StatusCode::SERVICE_UNAVAILABLE,
            timeout,
        ))
        .layer(tower_http::timeout::RequestBodyTimeoutLayer::new(timeout))
        .layer(middleware::from_fn(crate::host::guard::security_headers))
        .layer(tower_http::catch_panic::CatchPanicLayer::custom(
            crate::host::guard::panic_response,
        ))
        .layer(middleware::from_fn(request_span))
        // pages, server-function answers and CSV compressed on the fly (brotli or gzip); the
        // static files arrive precompressed and are left as they are
        .layer(tower_http::compression::CompressionLayer::new())
}

fn with_sessions(app: Router, db: &Db, config: &Config) -> Router {
    macro_rules! layer {
        ($store:expr) => {
            app.layer(
                SessionManagerLayer::new($store)
                    .with_name("medals_session")
                    .with_http_only(true)
                    .with_same_site(tower_sessions::cookie::SameSite::Lax)
                    .with_secure(config.is_https())
                    .with_expiry(Expiry::OnInactivity(time::Duration::hours(12))),
            )
        };
    }
    match db {
        Db::Sqlite(p) => layer!(SqliteStore::new(p.clone())
            .with_table_name("sessions")
            .expect("valid table name")),
        Db::Postgres(p) => layer!(PostgresStore::new(p.clone())
            .with_schema_name("public")
            .expect("valid schema name")
            .with_table_name("sessions")
            .expect("valid table name")),
    }
}

/// Deletes expired sessions and old sign-in attempts now and then.
pub fn spawn_session_cleanup(db: Db) {
    use tower_sessions::session_store::ExpiredDeletion;
    let attempts_db = db.clone();
    tokio::spawn(async move {
        loop {
            if let Err(e) = crate::session::throttle::forget_old_attempts(&attempts_db).await {
                tracing::warn!(error = %e, "could not delete old sign-in attempts");
            }
            tokio::time::sleep(Duration::from_secs(3600)).await;
        }
    });
    tokio::spawn(async move {
        let every = Duration::from_secs(3600);
        let r = match db {
            Db::Sqlite(p) => {
                SqliteStore::new(p)
                    .with_table_name("sessions")
                    .expect("name")
                    .continuously_delete_expired(every)
                    .await
            }
            Db::Postgres(p) => {
                PostgresStore::new(p)
                    .with_schema_name("public")
                    .expect("name")
                    .with_table_name("sessions")
                    .expect("name")
                    .continuously_delete_expired(every)
                    .await
            }
        };
        if let Err(e) = r {
            tracing::warn!(error = %e, "session cleanup stopped");
        }
    });
}

#[derive(serde::Deserialize)]
struct Back {
    back: Option<String>,
}

/// `GET /lang/{zh-CN|en}?back=/path`: remembers the language in a cookie and goes back.
async fn set_lang(Path(tag): Path<String>, Query(q): Query<Back>) -> Response {
    let lang = medal_core::Lang::from_tag(&tag);
    let back = crate::infra::redirect::safe_next(q.back.as_deref());
    let mut res = Redirect::to(&back).into_response();
    let cookie = format!(
        "lang={}; Path=/; Max-Age=31536000; SameSite=Lax",
        lang.tag()
    );
    res.headers_mut().insert(
        header::SET_COOKIE,
        HeaderValue::from_str(&cookie).expect("ascii cookie"),
    );
    res
}

/// Every request gets an id of ours (one a client sends is replaced): in the `x-request-id`
/// request and response headers, in a tracing span around everything logged for it (with
/// `MEDALS_LOG_FORMAT=json`, in each line's `spans`), and on the error page.
async fn request_span(mut req: Request, next: Next) -> Response {
    use tracing::Instrument;
    let id = crate::infra::new_request_id();
    let value = HeaderValue::from_str(&id).expect("hex");
    req.headers_mut().insert("x-request-id", value.clone());
    let span =
        tracing::info_span!("request", id = %id, method = %req.method(), path = %req.uri().path());
    let started = std::time::Instant::now();
    let mut res = crate::infra::with_request_id(id, next.run(req))
        .instrument(span.clone())
        .await;
    span.in_scope(|| {
        tracing::debug!(
            status = res.status().as_u16(),
            ms = started.elapsed().as_millis() as u64,
            "answered"
        )
    });
    res.headers_mut().insert("x-request-id", value);
    res
}

/// 503 with `Retry-After`, in both languages.
fn unavailable() -> Response {
    let msg = AppError::Unavailable(String::new());
    let body = format!(
        "<!DOCTYPE html><html lang=\"zh-CN\"><meta charset=\"utf-8\"><title>503</title><p>{}</p><p>{}</p></html>",
        msg.summary(medal_core::Lang::Zh),
        msg.summary(medal_core::Lang::En)
    );
    (
        StatusCode::SERVICE_UNAVAILABLE,
        [
            (header::RETRY_AFTER, HeaderValue::from_static("5")),
            (
                header::CONTENT_TYPE,
                HeaderValue::from_static("text/html; charset=utf-8"),
            ),
        ],
        body,
    )
        .into_response()
}

/// Paths anyone may GET without signing in.
fn is_public(path: &str) -> bool {
    const EXACT: &[&str] = &[
        "/login",
        "/setup",
        "/healthz",
        "/readyz",
        "/metrics",
        "/favicon.ico",
        "/favicon.svg",
        "/sim",
    ];
    const PREFIX: &[&str] = &[
        "/a/", "/lang/", "/icons/", "/pkg/", "/sfn/", "/api/", "/sim/", "/style/",
    ];
    EXACT.contains(&path) || PREFIX.iter().any(|p| path.starts_with(p))
}

/// Pages need the session of an enabled admin (one disabled, or whose password was reset since,
/// is signed out): without one, go to the login page and come back afterwards.
async fn require_login(
    axum::extract::State(db): axum::extract::State<Db>,
    session: Session,
    mut req: Request,
    next: Next,
) -> Response {
    if req.method() == http::Method::GET && !is_public(req.uri().path()) {
        // a session store or database that cannot answer is "try again", never "you are
        // signed out"
        let admin = match crate::session::auth::admin_of(&db, &session).await {
            Ok(admin) => admin,
            Err(e) => {
                tracing::warn!(error = %e, "cannot tell who is signed in");
                return unavailable();
            }
        };
        if let Some(admin) = admin {
            req.extensions_mut()
                .insert(crate::session::auth::SignedIn(admin));
        } else {
            if session
                .get::<i64>(SESSION_ADMIN)
                .await
                .ok()
                .flatten()
                .is_some()
            {
                // an ended session (disabled, password reset): forget it
                let _ = session.flush().await;
            }
            let target = req
                .uri()
                .path_and_query()
                .map(|p| p.as_str())
                .unwrap_or("/");
            return Redirect::to(&format!(
                "/login?next={}",
                crate::infra::flash::urlencoding_lite(target)
            ))
            .into_response();
        }
        touch(&session).await;
    }
    next.run(req).await
}

/// How often a page view writes the session back to extend its 12 hours of inactivity (written
/// only when changed, a session would end 12 h after sign-in; written on every view, SQLite queues).
const TOUCH_EVERY_MS: i64 = 10 * 60 * 1000;
const SESSION_TOUCHED: &str = "touched_at";

async fn touch(session: &Session) {
    let now = crate::infra::now_ms();
    let last = session.get::<i64>(SESSION_TOUCHED).await.ok().flatten();
    if last.is_none_or(|t| now - t >= TOUCH_EVERY_MS || t > now) {
        if let Err(e) = session.insert(SESSION_TOUCHED, now).await {
            tracing::warn!(error = %e, "could not extend the session");
        }
    }
}

/// Server functions answer errors with HTTP 500; give them the status their `AppError` means
/// (401, 403, 404, 409, 422, 429…). Plain form posts already became redirects and are left alone.
/// Also keeps plain form posts on this site: server_fn sends them back to their `Referer`, which a
/// client other than a browser can set to anything.
async fn server_fn_status(req: Request, next: Next) -> Response {
    let host = req.headers().get(header::HOST).cloned();
    let mut res = next.run(req).await;
    if let Some(loc) = res
        .headers()
        .get(header::LOCATION)
        .and_then(|l| l.to_str().ok())
    {
        let local = match url::Url::parse(loc) {
            // absolute: only to this host, and then as a local path
            Ok(u) => {
                let here = host.as_ref().and_then(|h| h.to_str().ok()).unwrap_or("");
                let authority = match u.port() {
                    Some(p) => format!("{}:{p}", u.host_str().unwrap_or("")),
                    None => u.host_str().unwrap_or("").to_string(),
                };
                if authority.eq_ignore_ascii_case(here)
                    && (u.scheme() == "http" || u.scheme() == "https")
                {
                    loc.to_string()
                } else {
                    "/".to_string()
                }
            }
            Err(_) => crate::infra::redirect::safe_next(Some(loc)),
        };
        if local != loc {
            if let Ok(v) = HeaderValue::from_str(&local) {
                res.headers_mut().insert(header::LOCATION, v);
            }
        }
    }
    if res.status() != StatusCode::INTERNAL_SERVER_ERROR
        || !res.headers().contains_key("serverfnerror")
    {
        return res;
    }
    let (mut parts, body) = res.into_parts();
    let bytes = axum::body::to_bytes(body, 1024 * 1024)
        .await
        .unwrap_or_default();
    if let Ok(err) = serde_json::from_slice::<AppError>(&bytes) {
        parts.status =
            StatusCode::from_u16(err.status()).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
        if parts.status == StatusCode::SERVICE_UNAVAILABLE {
            parts
                .headers
                .insert(header::RETRY_AFTER, HeaderValue::from_static("5"));
        }
    }
    Response::from_parts(parts, Body::from(bytes))
}

/// Binds and serves until Ctrl-C / SIGTERM.
pub async fn serve(app: Router, listener: tokio::net::TcpListener) -> std::io::Result<()> {
    use axum::serve::ListenerExt;
    // Without TCP_NODELAY a response written in two segments (head, then a file's body) waits
    // for the client's delayed ACK: 40 ms added to every static file on a kept-alive connection.
    let listener = listener.tap_io(|tcp| {
        if let Err(e) = tcp.set_nodelay(true) {
            tracing::debug!(error = %e, "TCP_NODELAY not set");
        }
    });
    axum::serve(
        listener,
        app.into_make_service_with_connect_info::<std::net::SocketAddr>(),
    )
    .with_graceful_shutdown(async {
        let ctrl_c = tokio::signal::ctrl_c();
        #[cfg(unix)]
        {
            let mut term =
                tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())
                    .expect("signal");
            tokio::select! { _ = ctrl_c => {}, _ = term.recv() => {} }
        }
        #[cfg(not(unix))]
        let _ = ctrl_c.await;
    })
    .await
}

#[cfg(test)]
mod tests {
    use super::is_public;

    #[test]
    fn pages_are_private_and_machinery_public() {
        assert!(is_public("/login"));
        assert!(is_public("/a/abc"));
        assert!(is_public("/pkg/medals.js"));
        assert!(is_public("/favicon.svg"));
        assert!(!is_public("/"));
        assert!(!is_public("/medals"));
        assert!(!is_public("/loginx"));
    }
}
