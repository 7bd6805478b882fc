//! Small shared pieces: times in China time, escaping, percent-encoding, paging, tier badges, progress bars, the 404 page.

use crate::i18n::use_lang;
use leptos::prelude::*;
use medal_core::{Lang, Tier};

pub use medal_core::text::escape_html;

/// Percent-encodes for a query value (same on both sides).
pub fn url_encode(s: &str) -> String {
    let mut out = String::new();
    for b in s.bytes() {
        match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' | b'/' => {
                out.push(b as char)
            }
            _ => out.push_str(&format!("%{b:02X}")),
        }
    }
    out
}

#[component]
pub fn TierBadge(tier: Tier) -> impl IntoView {
    let lang = use_lang();
    view! { <span class=format!("tier tier-{}", tier.as_str())>{tier.label(lang)}</span> }
}

#[component]
pub fn NotFound() -> impl IntoView {
    let lang = use_lang();
    #[cfg(feature = "ssr")]
    if let Some(res) = use_context::<leptos_axum::ResponseOptions>() {
        res.set_status(http::StatusCode::NOT_FOUND);
    }
    view! {
        <div class="empty-page">
            <h1>"404"</h1>
            <p>{lang.t("找不到这个页面。", "This page does not exist.")}</p>
            <a class="btn btn-primary" href="/">{lang.t("回到概览", "Back to the overview")}</a>
        </div>
    }
}

/// A page the signed-in admin's role may not see: the refusal, answered with 403.
#[component]
pub fn Forbidden() -> impl IntoView {
    let lang = use_lang();
    #[cfg(feature = "ssr")]
    if let Some(res) = use_context::<leptos_axum::ResponseOptions>() {
        res.set_status(http::StatusCode::FORBIDDEN);
    }
    view! {
        <div class="empty-page">
            <h1>"403"</h1>
            <p>{lang.t("你的角色无权查看此页面。", "Your role may not see this page.")}</p>
            <a class="btn btn-primary" href="/">{lang.t("回到概览", "Back to the overview")}</a>
        </div>
    }
}

/// The fallback of a `<Suspense>` while a page's data loads.
pub fn loading(lang: Lang) -> impl IntoView {
    view! { <p class="muted">{lang.t("加载中…", "Loading…")}</p> }
}

/// The `:id` route parameter as a number (-1 when it is not one, which finds nothing).
pub fn id_param() -> Memo<i64> {
    let params = leptos_router::hooks::use_params_map();
    Memo::new(move |_| {
        params
            .read()
            .get("id")
            .and_then(|s| s.parse().ok())
            .unwrap_or(-1)
    })
}

pub use medal_core::time::{fmt_date, fmt_time};

/// Previous / next links of a paged list; `href` gives a page's address.
pub fn pager(lang: Lang, page: u32, has_next: bool, href: impl Fn(u32) -> String) -> impl IntoView {
    pager_links(
        lang,
        page,
        (page > 1).then(|| href(page - 1)),
        has_next.then(|| href(page + 1)),
    )
}

/// A pager whose neighbours are given as links (a keyset list's cursors).
pub fn pager_links(
    lang: Lang,
    page: u32,
    prev: Option<String>,
    next: Option<String>,
) -> impl IntoView {
    view! {
        <nav class="pager" aria-label=lang.t("分页", "Pages")>
            {prev.map(|href| view! { <a class="btn btn-ghost" rel="prev" href=href>{lang.t("‹ 上一页", "‹ Previous")}</a> })}
            <span class="muted">{match lang { Lang::Zh => format!("第 {page} 页"), Lang::En => format!("Page {page}") }}</span>
            {next.map(|href| view! { <a class="btn btn-ghost" rel="next" href=href>{lang.t("下一页 ›", "Next ›")}</a> })}
        </nav>
    }
}

/// A horizontal bar of coloured parts (percentages of the whole, in order), drawn as SVG so it
/// needs no inline style (the pages' CSP allows none).
#[component]
pub fn StackBar(parts: Vec<(&'static str, i64)>) -> impl IntoView {
    let mut x = 0i64;
    view! {
        <svg class="bar" viewBox="0 0 100 12" preserveAspectRatio="none" aria-hidden="true">
            {parts.into_iter().map(|(class, pct)| {
                let w = pct.clamp(0, 100 - x);
                let r = view! { <rect class=class x=x y="0" width=w height="12"/> };
                x += w;
                r
            }).collect_view()}
        </svg>
    }
}
