//! Pieces shared by the pages: the layout, field errors, banners, the language switch.

use leptos::prelude::*;
use leptos_router::components::{Outlet, A};
use leptos_router::hooks::use_location;
use medal_core::{Lang, Msg, Role, Tier};

use crate::api::{current_admin, take_flash, AdminInfo, Flash, Logout};
use crate::error::AppError;
use crate::i18n::use_lang;

/// The signed-in admin, loaded once by the layout and shared with the pages under it. Read it
/// inside a `<Suspense>` (as `can` does) so the server and the browser render the same.
#[derive(Clone, Copy)]
pub struct Me(pub Resource<Result<Option<AdminInfo>, AppError>>);

/// What a plain form post left for this page load (see `ssr::flash`).
#[derive(Clone, Copy)]
pub struct FlashRes(pub Resource<Result<Option<Flash>, AppError>>);

/// The flash of this page load, shared: the layout makes it, pages outside the layout make their own.
pub fn use_flash() -> FlashRes {
    use_context::<FlashRes>().unwrap_or_else(|| {
        let f = FlashRes(Resource::new(|| (), |_| take_flash()));
        provide_context(f);
        f
    })
}

impl FlashRes {
    /// The flash if it belongs to `form`.
    pub fn for_form(&self, form: &'static str) -> Option<Flash> {
        self.0
            .get()
            .and_then(|r| r.ok())
            .flatten()
            .filter(|f| f.form == form)
    }
}

/// With JavaScript, bumps `tick` every `period` while `busy()` says something is under way, so
/// resources keyed on `tick` refetch (pages without JavaScript refresh through `<noscript>`).
pub fn refresh_while(
    tick: WriteSignal<u32>,
    busy: impl Fn() -> bool + 'static,
    period: std::time::Duration,
) {
    #[cfg(feature = "hydrate")]
    if let Ok(h) = set_interval_with_handle(
        move || {
            if busy() {
                tick.update(|t| *t += 1);
            }
        },
        period,
    ) {
        on_cleanup(move || h.clear());
    }
    #[cfg(not(feature = "hydrate"))]
    let _ = (tick, busy, period);
}

/// Whether the signed-in admin's role allows `role` (false until known). Read it under a `<Suspense>`.
pub fn can(role: Role) -> Signal<bool> {
    let me = use_context::<Me>();
    Signal::derive(move || {
        me.and_then(|m| m.0.get())
            .and_then(|r| r.ok())
            .flatten()
            .is_some_and(|a| a.role.allows(role))
    })
}

/// Renders `children` only for admins whose role allows `role`.
#[component]
pub fn IfCan(role: Role, children: ChildrenFn) -> impl IntoView {
    let allowed = can(role);
    view! { <Suspense fallback=|| ()>{move || allowed.get().then(|| children())}</Suspense> }
}

#[component]
pub fn Layout() -> impl IntoView {
    let lang = use_lang();
    let me = Resource::new(|| (), |_| current_admin());
    provide_context(Me(me));
    let flash = use_flash();
    let logout = ServerAction::<Logout>::new();
    let path = use_location().pathname;
    let nav = move |href: &'static str, zh: &'static str, en: &'static str, icon: &'static str| {
        let active = move || {
            let p = path.get();
            if href == "/" {
                p == "/"
            } else {
                p.starts_with(href)
            }
        };
        view! {
            <A href=href attr:class=move || if active() { "nav-link active" } else { "nav-link" }>
                <span class="nav-icon" aria-hidden="true">{icon}</span>
                <span>{lang.t(zh, en)}</span>
            </A>
        }
    };
    view! {
        <div class="shell">
            <aside class="sidebar">
                <a class="brand" href="/">
                    <img src="/favicon.svg" alt="" width="28" height="28"/>
                    <span>{lang.t("勋章馆", "Medal Hall")}</span>
                </a>
                <nav aria-label=lang.t("主导航", "Main")>
                    {nav("/", "概览", "Overview", "◎")}
                    {nav("/medals", "勋章", "Medals", "✦")}
                    {nav("/awards", "颁奖", "Awards", "✚")}
                    {nav("/staff", "员工", "Staff", "☺")}
                    {nav("/leaderboard", "排行榜", "Leaderboard", "▲")}
                    {nav("/groups", "群组", "Groups", "☰")}
                    {nav("/shares", "分享记录", "Shares", "➚")}
                    {nav("/settings", "设置", "Settings", "⚙")}
                </nav>
            </aside>
            <div class="main">
                <header class="topbar">
                    <div class="topbar-spacer"></div>
                    <LangSwitch/>
                    <Suspense fallback=|| ()>
                        {move || me.get().and_then(|r| r.ok()).flatten().map(|a| view! {
                            <span class="whoami" title=a.role.label(lang)>
                                <span class="avatar" aria-hidden="true">{a.username.chars().next().unwrap_or('?').to_uppercase().to_string()}</span>
                                <span class="whoami-name">{a.username.clone()}</span>
                                <span class="role-badge">{a.role.label(lang)}</span>
                            </span>
                        })}
                    </Suspense>
                    <ActionForm action=logout attr:class="inline-form">
                        <button type="submit" class="btn btn-ghost">{lang.t("退出", "Sign out")}</button>
                    </ActionForm>
                </header>
                <main class="content">
                    <Suspense fallback=|| ()>
                        <FlashBanner flash=flash/>
                    </Suspense>
                    <Outlet/>
                </main>
            </div>
        </div>
    }
}

/// Errors a plain form post left that no form on the page shows next to its fields.
#[component]
fn FlashBanner(flash: FlashRes) -> impl IntoView {
    let lang = use_lang();
    move || {
        flash.0.get().and_then(|r| r.ok()).flatten().and_then(|f| {
            let shown_elsewhere = matches!(f.form.as_str(), "medal" | "login" | "setup");
            let e = f.error.filter(|_| !shown_elsewhere)?;
            Some(view! { <Banner kind="error" text=e.summary(lang)/> })
        })
    }
}

#[component]
pub fn LangSwitch() -> impl IntoView {
    let lang = use_lang();
    let loc = use_location();
    let back = move || {
        let q = loc.search.get();
        let p = loc.pathname.get();
        let full = if q.is_empty() { p } else { format!("{p}?{q}") };
        url_encode(&full)
    };
    let (other, label) = match lang {
        Lang::Zh => ("en", "English"),
        Lang::En => ("zh-CN", "中文"),
    };
    view! {
        <a class="lang-switch" rel="external" href=move || format!("/lang/{other}?back={}", back())
            hreflang=other>{label}</a>
    }
}

/// Escapes text for HTML element content or a quoted attribute. Leptos escapes everything a view
/// renders; this is for the few strings that reach the HTML around it (the page title).
pub fn escape_html(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

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
pub fn Banner(kind: &'static str, #[prop(into)] text: String) -> impl IntoView {
    view! { <div class=format!("banner banner-{kind}") role=if kind == "error" { "alert" } else { "status" }>{text}</div> }
}

/// The messages for one field, from the error of the last submission.
#[component]
pub fn FieldErrors(
    field: &'static str,
    #[prop(into)] error: Signal<Option<AppError>>,
) -> impl IntoView {
    let lang = use_lang();
    move || {
        let msgs: Vec<Msg> = error
            .get()
            .map(|e| e.messages_for(field))
            .unwrap_or_default();
        msgs.into_iter()
            .map(
                |m| view! { <p class="field-error" data-field=field>{m.get(lang).to_string()}</p> },
            )
            .collect_view()
    }
}

/// A banner for the error as a whole (shown above a form).
#[component]
pub fn FormError(#[prop(into)] error: Signal<Option<AppError>>) -> impl IntoView {
    let lang = use_lang();
    move || {
        error
            .get()
            .map(|e| view! { <Banner kind="error" text=e.summary(lang)/> })
    }
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

/// Formats a UTC millisecond timestamp in China Standard Time (UTC+8), where DingTalk companies are.
pub fn fmt_time(ms: i64) -> String {
    use chrono::{FixedOffset, TimeZone};
    let tz = FixedOffset::east_opt(8 * 3600).expect("valid offset");
    tz.timestamp_millis_opt(ms)
        .single()
        .map(|t| t.format("%Y-%m-%d %H:%M").to_string())
        .unwrap_or_default()
}

/// The date part of [`fmt_time`]: `2026-11-21` in China Standard Time.
pub fn fmt_date(ms: i64) -> String {
    fmt_time(ms).chars().take(10).collect()
}

/// Previous / next links of a paged list; `href` gives a page's address.
pub fn pager(lang: Lang, page: u32, has_next: bool, href: impl Fn(u32) -> String) -> impl IntoView {
    view! {
        <nav class="pager" aria-label=lang.t("分页", "Pages")>
            {(page > 1).then(|| view! { <a class="btn btn-ghost" rel="prev" href=href(page - 1)>{lang.t("‹ 上一页", "‹ Previous")}</a> })}
            <span class="muted">{match lang { Lang::Zh => format!("第 {page} 页"), Lang::En => format!("Page {page}") }}</span>
            {has_next.then(|| view! { <a class="btn btn-ghost" rel="next" href=href(page + 1)>{lang.t("下一页 ›", "Next ›")}</a> })}
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
