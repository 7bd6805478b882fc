//! What every request passes before a handler sees it: requests from other sites are refused,
//! server-function bodies are checked (content type, boundary, size) so that server_fn only ever
//! decodes what it can, and every response carries the security headers. A panic anywhere
//! still answers (500 with a request id) instead of resetting the connection.

use crate::error::AppError;
use crate::session::Flash;
use axum::body::Body;
use axum::extract::Request;
use axum::http::{header, HeaderMap, HeaderValue, Method, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Redirect, Response};
use leptos::server_fn::ServerFn;
use medal_core::Msg;
use tower_sessions::Session;

/// Server functions that take `multipart/form-data` (a file upload); every other one takes
/// `application/x-www-form-urlencoded`. server_fn panics when a multipart function gets a body
/// without a boundary, so the content type is checked here first. The integration suite posts
/// every registered server function each wrong body type: one missing here shows up there.
pub fn multipart_fns() -> [&'static str; 4] {
    [
        crate::medals::SaveMedal::PATH,
        crate::staff::PreviewStaffImport::PATH,
        crate::awards::GiveAward::PATH,
        crate::rules::PreviewEventsCsv::PATH,
    ]
}

/// Largest body of a multipart server function (an icon, a staff or recipients CSV).
pub const UPLOAD_LIMIT: usize = 4 * 1024 * 1024;

/// Largest body of any other request.
pub const FORM_LIMIT: usize = 64 * 1024;

/// Largest refused body that is still read (and dropped) so the client gets the answer.
const DRAIN_MAX: usize = 64 * 1024 * 1024;

async fn drain(body: Body) {
    use futures::StreamExt;
    let mut s = body.into_data_stream();
    while let Some(Ok(_)) = s.next().await {}
}

/// Paths whose POSTs are not browser forms: the DingTalk simulator's API (demo mode) is called by
/// this server's own HTTP client, like DingTalk itself; the REST API takes a bearer token, never
/// cookies, so another site's page has nothing of the user's to send with it.
fn exempt_from_origin_check(path: &str) -> bool {
    path.starts_with("/sim/") || is_rest(path)
}

/// The REST API reads its own bodies (JSON, with its limits) and answers its own errors.
fn is_rest(path: &str) -> bool {
    path.starts_with("/api/")
}

fn is_safe_method(m: &Method) -> bool {
    matches!(
        *m,
        Method::GET | Method::HEAD | Method::OPTIONS | Method::TRACE
    )
}

/// Whether a state-changing request comes from this site. Like Go's `CrossOriginProtection`:
/// browsers send `Sec-Fetch-Site`, and only `same-origin` (or `none`, the user's own navigation)
/// is accepted — `same-site` is refused too, since a sibling subdomain or another port on the
/// host is another site's code; without it, an `Origin` must name this host; a request with
/// neither is not from a browser (curl, the CLI, tests) and carries no victim's cookies.
pub fn from_this_site(headers: &HeaderMap) -> bool {
    if let Some(site) = headers.get("sec-fetch-site") {
        return matches!(site.to_str(), Ok("same-origin") | Ok("none"));
    }
    let Some(origin) = headers.get(header::ORIGIN) else {
        return true;
    };
    let (Ok(origin), Some(Ok(host))) = (
        origin.to_str(),
        headers.get(header::HOST).map(|h| h.to_str()),
    ) else {
        return false;
    };
    match url::Url::parse(origin) {
        Ok(u) if u.scheme() == "http" || u.scheme() == "https" => {
            let o_host = u.host_str().unwrap_or_default();
            let o = match u.port() {
                Some(p) => format!("{o_host}:{p}"),
                None => o_host.to_string(),
            };
            o.eq_ignore_ascii_case(host)
        }
        _ => false,
    }
}

/// Whether the request is a browser's plain form post (it accepts `text/html`).
fn wants_html(headers: &HeaderMap) -> bool {
    headers
        .get(header::ACCEPT)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.contains("text/html"))
}

/// Answers a refusal: a plain form post goes back to its page with the message in the flash (the
/// page shows it); a call from the app gets the status with the error as JSON.
async fn refuse(headers: &HeaderMap, session: Option<Session>, err: AppError) -> Response {
    if wants_html(headers) {
        if let Some(session) = session {
            let back = headers
                .get(header::REFERER)
                .and_then(|r| r.to_str().ok())
                .and_then(|r| url::Url::parse(r).ok())
                .map(|u| match u.query() {
                    Some(q) => format!("{}?{q}", u.path()),
                    None => u.path().to_string(),
                });
            let flash = Flash {
                form: "request".into(),
                error: Some(err.clone()),
                notice: None,
                values: Default::default(),
            };
            if session
                .insert(crate::infra::flash::FLASH_KEY, flash)
                .await
                .is_ok()
            {
                return Redirect::to(&crate::infra::redirect::safe_next(back.as_deref()))
                    .into_response();
            }
        }
        let lang = crate::i18n::lang_from_headers(headers);
        let status = StatusCode::from_u16(err.status()).unwrap_or(StatusCode::BAD_REQUEST);
        return (
            status,
            [(header::CONTENT_TYPE, "text/plain; charset=utf-8")],
            err.summary(lang),
        )
            .into_response();
    }
    let status = StatusCode::from_u16(err.status()).unwrap_or(StatusCode::BAD_REQUEST);
    let body = serde_json::to_string(&err).unwrap_or_default();
    (
        status,
        [
            (
                header::CONTENT_TYPE,
                HeaderValue::from_static("application/json"),
            ),
            (
                header::HeaderName::from_static("serverfnerror"),
                HeaderValue::from_static("1"),
            ),
        ],
        body,
    )
        .into_response()
}

fn refused(status: u16, zh: impl Into<String>, en: impl Into<String>) -> AppError {
    AppError::Refused {
        status,
        msg: Msg::new(zh, en),
    }
}

fn too_large(limit: usize) -> AppError {
    let mb = limit as f64 / (1024.0 * 1024.0);
    let (zh, en) = if limit >= 1024 * 1024 {
        (format!("{mb:.0} MB"), format!("{mb:.0} MB"))
    } else {
        (
            format!("{} KB", limit / 1024),
            format!("{} KB", limit / 1024),
        )
    };
    refused(
        413,
        format!("提交的内容太大：最多 {zh}。请换一个更小的文件，或分几次提交。"),
        format!(
            "What was sent is too large: at most {en}. Use a smaller file or send it in parts."
        ),
    )
}

/// The content type a server function body must have, by its path.
fn expected_content_type(path: &str) -> &'static str {
    if multipart_fns().contains(&path) {
        "multipart/form-data"
    } else {
        "application/x-www-form-urlencoded"
    }
}

/// Whether `headers` carry the content type `path` takes (multipart with a boundary).
fn content_type_fits(path: &str, headers: &HeaderMap) -> bool {
    let Some(ct) = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
    else {
        return false;
    };
    let expected = expected_content_type(path);
    let essence = ct.split(';').next().unwrap_or("").trim();
    if !essence.eq_ignore_ascii_case(expected) {
        return false;
    }
    expected != "multipart/form-data" || multer::parse_boundary(ct).is_ok()
}

/// The one middleware in front of every handler (see the module comment).
pub async fn guard(req: Request, next: Next) -> Response {
    let session = req.extensions().get::<Session>().cloned();
    let path = req.uri().path().to_string();
    let headers = req.headers().clone();
    if !is_safe_method(req.method())
        && !exempt_from_origin_check(&path)
        && !from_this_site(&headers)
    {
        tracing::warn!(
            %path,
            origin = ?headers.get(header::ORIGIN),
            site = ?headers.get("sec-fetch-site"),
            "cross-site request refused"
        );
        return refuse(
            &headers,
            None,
            refused(
                403,
                "拒绝来自其他网站的请求。请在勋章馆自己的页面上操作。",
                "A request from another site was refused. Use Medal Hall's own pages.",
            ),
        )
        .await;
    }
    if is_rest(&path) {
        return next.run(req).await;
    }
    let is_sfn = path.starts_with("/sfn/");
    // the demo's simulator takes what DingTalk takes: media uploads are images of up to 1 MB
    let limit = if (is_sfn && multipart_fns().contains(&path.as_str())) || path.starts_with("/sim/")
    {
        UPLOAD_LIMIT
    } else {
        FORM_LIMIT
    };
    let declared = headers
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<usize>().ok());
    if let Some(n) = declared.filter(|n| *n > limit) {
        // Read what the client is sending before answering: a client still writing its body
        // when the connection closes sees a reset, not the answer. Past DRAIN_MAX, close.
        if n <= DRAIN_MAX {
            drain(req.into_body()).await;
        }
        return refuse(&headers, session, too_large(limit)).await;
    }
    if is_sfn && req.method() == Method::POST {
        if !content_type_fits(&path, &headers) {
            return refuse(
                &headers,
                session,
                refused(
                    415,
                    "请求的格式不对，服务器无法处理。请在页面上的表单里提交。",
                    format!(
                        "This request must be sent as {}; use the form on the page.",
                        expected_content_type(&path)
                    ),
                ),
            )
            .await;
        }
        // Small bodies are read here, so one over the limit without a length is answered in words too.
        if limit == FORM_LIMIT {
            let (parts, body) = req.into_parts();
            let bytes = match axum::body::to_bytes(body, limit).await {
                Ok(b) => b,
                // (the rest of the body is not read: no length was declared to bound it)
                Err(_) => return refuse(&headers, session, too_large(limit)).await,
            };
            return next
                .run(Request::from_parts(parts, Body::from(bytes)))
                .await;
        }
    }
    next.run(req).await
}

/// The Content-Security-Policy of a page: scripts only from this site or with this response's
/// nonce (the inline hydration script), wasm allowed to compile, no inline styles, nothing
/// framing the page (the public award page may be framed by DingTalk).
pub fn page_csp(nonce: Option<&str>, path: &str) -> String {
    let script = match nonce {
        Some(n) => format!("script-src 'self' 'nonce-{n}' 'wasm-unsafe-eval'"),
        None => "script-src 'self' 'wasm-unsafe-eval'".to_string(),
    };
    let frame = if path.starts_with("/a/") {
        "frame-ancestors 'self' https://*.dingtalk.com"
    } else {
        "frame-ancestors 'none'"
    };
    format!(
        "default-src 'self'; {script}; style-src 'self'; img-src 'self' data: blob:; connect-src 'self'; \
         font-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; {frame}"
    )
}

/// Sets the page's CSP (with this response's nonce) on the response being rendered.
pub fn set_page_csp() {
    use leptos::prelude::use_context;
    let Some(res) = use_context::<leptos_axum::ResponseOptions>() else {
        return;
    };
    let path = use_context::<http::request::Parts>()
        .map(|p| p.uri.path().to_string())
        .unwrap_or_default();
    let nonce = leptos::nonce::use_nonce();
    if let Ok(v) = HeaderValue::from_str(&page_csp(nonce.as_deref(), &path)) {
        res.insert_header(header::CONTENT_SECURITY_POLICY, v);
    }
}

/// For responses that are not pages (files, CSV, JSON, redirects): nothing may run or frame.
const DEFAULT_CSP: &str = "default-src 'none'; img-src 'self'; style-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'";

/// The simulator's page (demo mode) has inline styles and no scripts.
const SIM_CSP: &str = "default-src 'none'; img-src 'self' data: https:; style-src 'unsafe-inline'; frame-ancestors 'none'; base-uri 'self'; form-action 'self'";

/// Adds the security headers every response carries (pages set their own CSP with a nonce).
pub async fn security_headers(req: Request, next: Next) -> Response {
    let sim = req.uri().path() == "/sim" || req.uri().path().starts_with("/sim/");
    let mut res = next.run(req).await;
    let h = res.headers_mut();
    h.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    h.insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("same-origin"),
    );
    if !h.contains_key(header::CONTENT_SECURITY_POLICY) {
        let csp = if sim { SIM_CSP } else { DEFAULT_CSP };
        h.insert(
            header::CONTENT_SECURITY_POLICY,
            HeaderValue::from_static(csp),
        );
    }
    if !h.contains_key(header::X_FRAME_OPTIONS)
        && h.get(header::CONTENT_SECURITY_POLICY)
            .and_then(|v| v.to_str().ok())
            .is_some_and(|v| v.contains("frame-ancestors 'none'"))
    {
        h.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    }
    res
}

/// A panic in a handler answers 500 with a request id (logged with the panic's message).
pub fn panic_response(err: Box<dyn std::any::Any + Send + 'static>) -> Response {
    let what = err
        .downcast_ref::<String>()
        .map(String::as_str)
        .or_else(|| err.downcast_ref::<&str>().copied())
        .unwrap_or("panic");
    let e = crate::infra::internal(format!("panic in a handler: {what}"));
    (
        StatusCode::INTERNAL_SERVER_ERROR,
        [(header::CONTENT_TYPE, "text/plain; charset=utf-8")],
        e.summary(medal_core::Lang::Zh),
    )
        .into_response()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn h(pairs: &[(&'static str, &'static str)]) -> HeaderMap {
        let mut m = HeaderMap::new();
        for (k, v) in pairs {
            m.insert(*k, HeaderValue::from_static(v));
        }
        m
    }

    #[test]
    fn cross_site_requests_are_told_apart() {
        assert!(from_this_site(&h(&[])));
        assert!(from_this_site(&h(&[("sec-fetch-site", "same-origin")])));
        assert!(from_this_site(&h(&[("sec-fetch-site", "none")])));
        assert!(!from_this_site(&h(&[("sec-fetch-site", "same-site")])));
        assert!(!from_this_site(&h(&[("sec-fetch-site", "cross-site")])));
        assert!(from_this_site(&h(&[
            ("origin", "http://127.0.0.1:3000"),
            ("host", "127.0.0.1:3000")
        ])));
        assert!(!from_this_site(&h(&[
            ("origin", "http://127.0.0.1:3001"),
            ("host", "127.0.0.1:3000")
        ])));
        assert!(!from_this_site(&h(&[
            ("origin", "https://evil.example"),
            ("host", "medals.example.com")
        ])));
        assert!(!from_this_site(&h(&[
            ("origin", "null"),
            ("host", "medals.example.com")
        ])));
        assert!(from_this_site(&h(&[
            ("origin", "https://medals.example.com"),
            ("host", "medals.example.com")
        ])));
    }

    #[test]
    fn pages_allow_only_their_own_scripts() {
        let p = page_csp(Some("abc"), "/medals");
        assert!(
            p.contains("script-src 'self' 'nonce-abc' 'wasm-unsafe-eval';"),
            "{p}"
        );
        assert!(
            p.contains("frame-ancestors 'none'") && !p.contains("unsafe-inline"),
            "{p}"
        );
        assert!(page_csp(None, "/a/x").contains("frame-ancestors 'self' https://*.dingtalk.com"));
    }
}
