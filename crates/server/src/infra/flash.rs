//! Plain form posts (JavaScript off) are answered with a redirect back to the form's page; what
//! went wrong travels in the session as a one-time "flash" so that page can show the messages next
//! to the fields with the values that were typed. With JavaScript on, errors come back directly.

use crate::error::AppError;
use crate::infra::internal;
use crate::session::auth::session;
use crate::session::Flash;
use leptos::prelude::*;
use std::collections::BTreeMap;

pub(crate) const FLASH_KEY: &str = "flash";

/// Whether this request is a browser's plain form post (it accepts `text/html`) rather than a
/// call from the hydrated app.
pub fn is_plain_form() -> bool {
    use_context::<http::request::Parts>()
        .and_then(|p| {
            p.headers
                .get(http::header::ACCEPT)
                .and_then(|v| v.to_str().ok())
                .map(|v| v.contains("text/html"))
        })
        .unwrap_or(false)
}

fn referer_path() -> Option<String> {
    let parts = use_context::<http::request::Parts>()?;
    let r = parts.headers.get(http::header::REFERER)?.to_str().ok()?;
    let u = url::Url::parse(r).ok()?;
    Some(match u.query() {
        Some(q) => format!("{}?{q}", u.path()),
        None => u.path().to_string(),
    })
}

/// Passes `r` through; on error in a plain form post, leaves the error and `values` for the page
/// the browser is sent back to (or sends it to the login page when the session has ended).
pub async fn finish<T>(
    form: &str,
    values: BTreeMap<String, String>,
    r: Result<T, AppError>,
) -> Result<T, AppError> {
    if let Err(e) = &r {
        if is_plain_form() {
            if *e == AppError::Unauthorized {
                let next = referer_path().unwrap_or_else(|| "/".into());
                leptos_axum::redirect(&format!("/login?next={}", urlencoding_lite(&next)));
            } else {
                let flash = Flash {
                    form: form.to_string(),
                    error: Some(e.clone()),
                    notice: None,
                    values,
                };
                session()
                    .await?
                    .insert(FLASH_KEY, flash)
                    .await
                    .map_err(internal)?;
            }
        }
    }
    r
}

/// On a plain form post, leaves `notice` (what went right) for the page the browser goes back to.
pub async fn notify(form: &str, notice: medal_core::Msg) -> Result<(), AppError> {
    notify_with(form, notice, BTreeMap::new()).await
}

/// Like [`notify`], with values for the page to show once (a password just generated: it lives
/// in this session only until the next page takes the flash).
pub async fn notify_with(
    form: &str,
    notice: medal_core::Msg,
    values: BTreeMap<String, String>,
) -> Result<(), AppError> {
    if is_plain_form() {
        let flash = Flash {
            form: form.to_string(),
            error: None,
            notice: Some(notice),
            values,
        };
        session()
            .await?
            .insert(FLASH_KEY, flash)
            .await
            .map_err(internal)?;
    }
    Ok(())
}

/// The flash message, removed from the session. Read first and removed only when there is one:
/// a removal marks the session changed, and a changed session is written back to the database —
/// on every page view, since every page asks (that write serialised page views on SQLite).
pub async fn take() -> Result<Option<Flash>, AppError> {
    let s = session().await?;
    if s.get::<Flash>(FLASH_KEY).await.map_err(internal)?.is_none() {
        return Ok(None);
    }
    s.remove::<Flash>(FLASH_KEY).await.map_err(internal)
}

/// Percent-encodes a path for use as a query value.
pub fn urlencoding_lite(s: &str) -> String {
    url::form_urlencoded::byte_serialize(s.as_bytes()).collect()
}
