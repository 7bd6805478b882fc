//! The page frame: sidebar, top bar, sign-out, language switch, the signed-in admin and role checks for showing things.

use crate::error::AppError;
use crate::i18n::use_lang;
use crate::session::current_admin;
use crate::session::AdminInfo;
use crate::session::Logout;
use crate::ui::form::use_flash;
use crate::ui::form::Banner;
use crate::ui::form::FlashRes;
use crate::ui::format::url_encode;
use leptos::prelude::*;
use leptos_router::components::{Outlet, A};
use leptos_router::hooks::use_location;
use medal_core::{Lang, Role};

/// The signed-in admin, loaded once by the layout and shared with the pages under it. Read it
/// inside a `<Suspense>` (as `can` does) so the server and the browser render the same.
#[derive(Clone, Copy)]
pub struct Me(pub Resource<Result<Option<AdminInfo>, AppError>>);

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
                    {nav("/rules", "规则", "Rules", "⟳")}
                    {nav("/attendance", "考勤同步", "Attendance", "◷")}
                    {nav("/leaderboard", "排行榜", "Leaderboard", "▲")}
                    {nav("/groups", "群组", "Groups", "☰")}
                    {nav("/shares", "分享记录", "Shares", "➚")}
                    // only what the role can use: settings and the audit log from admin, admins for owners
                    <IfCan role=Role::Admin>
                        {nav("/settings", "设置", "Settings", "⚙")}
                        {nav("/audit", "审计日志", "Audit log", "☷")}
                        {nav("/tokens", "API 令牌", "API tokens", "⚿")}
                    </IfCan>
                    <IfCan role=Role::Owner>
                        {nav("/admins", "管理员", "Admins", "♛")}
                    </IfCan>
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
