//! The built site: the bundle's content-hashed names (from `assets.txt`, written by
//! `scripts/build.sh`) and the static files, served precompressed and cached.

use axum::extract::Request;
use axum::http::{header, HeaderValue};
use axum::middleware::{self, Next};
use axum::response::Response;
use axum::Router;
use std::path::Path;
use tower_http::services::ServeDir;

/// The names the page links to: `{name}.js`, `{name}_bg.wasm` and the stylesheet, all under `/pkg/`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Assets {
    /// The bundle's stem, `medals.<hash>` (Leptos's output name).
    pub name: String,
    /// The stylesheet's file name, `medals.<hash>.css`.
    pub css: String,
}

impl Assets {
    /// Reads `assets.txt` in the site root; without it (a site built by hand or by cargo-leptos)
    /// the plain names `medals.js`, `medals_bg.wasm` and `medals.css`.
    pub fn load(site_root: &Path) -> Assets {
        let file = site_root.join("assets.txt");
        match std::fs::read_to_string(&file) {
            Ok(text) => Assets::parse(&text).unwrap_or_else(|| {
                tracing::warn!(file = %file.display(), "assets.txt is not as scripts/build.sh writes it; using plain names");
                Assets::plain()
            }),
            Err(_) => {
                tracing::warn!(file = %file.display(), "no assets.txt (run scripts/build.sh); using plain names");
                Assets::plain()
            }
        }
    }

    fn plain() -> Assets {
        Assets {
            name: "medals".into(),
            css: "medals.css".into(),
        }
    }

    fn parse(text: &str) -> Option<Assets> {
        let field = |key: &str| {
            text.lines()
                .filter_map(|l| l.split_once(':'))
                .find(|(k, _)| k.trim() == key)
                .map(|(_, v)| v.trim().to_string())
                .filter(|v| {
                    !v.is_empty()
                        && v.bytes().all(|b| {
                            b.is_ascii_alphanumeric() || b == b'.' || b == b'_' || b == b'-'
                        })
                })
        };
        Some(Assets {
            name: field("name")?,
            css: field("css")?,
        })
    }
}

/// The static files under `site_root`: a `.br` or `.gz` twin is sent to a browser that takes it;
/// content-hashed files under `/pkg/` are cached for a year as immutable, the rest for an hour.
pub fn static_files(site_root: &Path) -> Router {
    Router::new()
        .fallback_service(
            ServeDir::new(site_root)
                .precompressed_br()
                .precompressed_gzip(),
        )
        .layer(middleware::from_fn(cache_control))
}

async fn cache_control(req: Request, next: Next) -> Response {
    let immutable = is_hashed(req.uri().path());
    let mut res = next.run(req).await;
    if res.status().is_success() || res.status() == axum::http::StatusCode::NOT_MODIFIED {
        let value = if immutable {
            "public, max-age=31536000, immutable"
        } else {
            "public, max-age=3600"
        };
        res.headers_mut()
            .insert(header::CACHE_CONTROL, HeaderValue::from_static(value));
    }
    res
}

/// `/pkg/medals.<16 hex>…`: a name that changes whenever the content does.
fn is_hashed(path: &str) -> bool {
    path.strip_prefix("/pkg/medals.")
        .and_then(|rest| rest.get(..16))
        .is_some_and(|h| h.bytes().all(|b| b.is_ascii_hexdigit()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_what_build_sh_writes() {
        let a = Assets::parse("name: medals.0123456789abcdef\ncss: medals.fedcba9876543210.css\n");
        assert_eq!(
            a,
            Some(Assets {
                name: "medals.0123456789abcdef".into(),
                css: "medals.fedcba9876543210.css".into()
            })
        );
        assert_eq!(Assets::parse("name: medals.x\n"), None);
        assert_eq!(Assets::parse("name: \"><script>\ncss: a.css"), None);
    }

    #[test]
    fn only_hashed_names_are_immutable() {
        assert!(is_hashed("/pkg/medals.0123456789abcdef_bg.wasm"));
        assert!(is_hashed("/pkg/medals.0123456789abcdef.css"));
        assert!(!is_hashed("/pkg/medals.js"));
        assert!(!is_hashed("/pkg/medals_bg.wasm"));
        assert!(!is_hashed("/favicon.svg"));
        assert!(!is_hashed("/pkg/medals.0123456789abcdeZ.js"));
    }
}
