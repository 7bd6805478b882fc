//! The current language for the page being rendered: from the `lang` cookie on the server,
//! from `<html lang>` in the browser (which the server wrote), so both sides agree.

use leptos::prelude::*;
pub use medal_core::Lang;

/// Reads the current language from context, falling back to the request or document.
pub fn use_lang() -> Lang {
    if let Some(l) = use_context::<Lang>() {
        return l;
    }
    detect()
}

#[cfg(feature = "ssr")]
fn detect() -> Lang {
    use_context::<http::request::Parts>()
        .map(|p| lang_from_headers(&p.headers))
        .unwrap_or_default()
}

#[cfg(not(feature = "ssr"))]
fn detect() -> Lang {
    #[cfg(feature = "hydrate")]
    {
        if let Some(tag) = web_sys::window()
            .and_then(|w| w.document())
            .and_then(|d| d.document_element())
            .and_then(|e| e.get_attribute("lang"))
        {
            return Lang::from_tag(&tag);
        }
    }
    Lang::default()
}

/// The `lang` cookie decides; without it, Chinese.
#[cfg(feature = "ssr")]
pub fn lang_from_headers(headers: &http::HeaderMap) -> Lang {
    headers
        .get_all(http::header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|kv| kv.trim().split_once('='))
        .find(|(k, _)| *k == "lang")
        .map(|(_, v)| Lang::from_tag(v))
        .unwrap_or_default()
}
