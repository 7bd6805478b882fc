//! The app shell and its routes.

use leptos::prelude::*;
use leptos_meta::{provide_meta_context, MetaTags, Title};
use leptos_router::components::{ParentRoute, Route, Router, Routes};
use leptos_router::{path, SsrMode};

use crate::ui::Layout;

use crate::dashboard::page::Dashboard;
use crate::i18n::use_lang;
use crate::session::page::LoginPage;
use crate::session::page::SetupPage;
use crate::ui::NotFound;

/// The HTML document around the app (server side only).
pub fn shell(options: LeptosOptions, css: std::sync::Arc<str>) -> impl IntoView {
    let lang = use_lang();
    #[cfg(feature = "ssr")]
    crate::host::guard::set_page_csp();
    view! {
        <!DOCTYPE html>
        <html lang=lang.tag()>
            <head>
                <meta charset="utf-8"/>
                <meta name="viewport" content="width=device-width, initial-scale=1"/>
                <link rel="stylesheet" href=css.to_string()/>
                <link rel="icon" type="image/svg+xml" href="/favicon.svg"/>
                <HydrationScripts options islands=true/>
                <MetaTags/>
            </head>
            <body>
                <App/>
            </body>
        </html>
    }
}

/// Every page's `<title>`: leptos_meta (0.8.7) writes the formatted title into the server's HTML
/// as it is, without escaping, so this formatter (the only one, set by [`App`] for all pages)
/// escapes it there. In the browser the same text goes to `document.title`, which takes text.
pub fn page_title(lang: crate::i18n::Lang, t: &str) -> String {
    let full = if t.is_empty() {
        lang.t("勋章馆", "Medal Hall").to_string()
    } else {
        format!("{t} · {}", lang.t("勋章馆", "Medal Hall"))
    };
    if cfg!(feature = "ssr") {
        crate::ui::escape_html(&full)
    } else {
        full
    }
}

#[component]
pub fn App() -> impl IntoView {
    provide_meta_context();
    let lang = use_lang();
    provide_context(lang);
    view! {
        <Title formatter=move |t: String| page_title(lang, &t)/>
        <Router>
            <Routes fallback=|| view! { <NotFound/> }>
                <Route path=path!("/login") view=LoginPage ssr=SsrMode::Async/>
                <Route path=path!("/setup") view=SetupPage ssr=SsrMode::Async/>
                <Route path=path!("/a/:token") view=crate::awards::public_page::PublicAwardPage ssr=SsrMode::Async/>
                <ParentRoute path=path!("") view=Layout ssr=SsrMode::Async>
                    <Route path=path!("/") view=Dashboard ssr=SsrMode::Async/>
                    <Route path=path!("/medals") view=crate::medals::page::MedalList ssr=SsrMode::Async/>
                    <Route path=path!("/medals/new") view=crate::medals::form::MedalNew ssr=SsrMode::Async/>
                    <Route path=path!("/medals/:id") view=crate::medals::page::MedalDetailPage ssr=SsrMode::Async/>
                    <Route path=path!("/medals/:id/edit") view=crate::medals::form::MedalEdit ssr=SsrMode::Async/>
                    <Route path=path!("/staff") view=crate::staff::page::StaffList ssr=SsrMode::Async/>
                    <Route path=path!("/staff/new") view=crate::staff::form::StaffNew ssr=SsrMode::Async/>
                    <Route path=path!("/staff/import") view=crate::staff::import_page::StaffImport ssr=SsrMode::Async/>
                    <Route path=path!("/staff/userids") view=crate::staff::userids_page::StaffUserids ssr=SsrMode::Async/>
                    <Route path=path!("/staff/:id") view=crate::staff::page::StaffDetailPage ssr=SsrMode::Async/>
                    <Route path=path!("/staff/:id/edit") view=crate::staff::form::StaffEdit ssr=SsrMode::Async/>
                    <Route path=path!("/attendance") view=crate::attendance::page::AttendancePage ssr=SsrMode::Async/>
                    <Route path=path!("/awards") view=crate::awards::list_page::AwardList ssr=SsrMode::Async/>
                    <Route path=path!("/awards/new") view=crate::awards::form_page::AwardNew ssr=SsrMode::Async/>
                    <Route path=path!("/awards/:id") view=crate::awards::detail_page::AwardDetailPage ssr=SsrMode::Async/>
                    <Route path=path!("/leaderboard") view=crate::awards::public_page::Leaderboard ssr=SsrMode::Async/>
                    <Route path=path!("/rules") view=crate::rules::page::RulesListPage ssr=SsrMode::Async/>
                    <Route path=path!("/rules/:id") view=crate::rules::page::RuleDetailPage ssr=SsrMode::Async/>
                    <Route path=path!("/groups") view=crate::groups::page::GroupList ssr=SsrMode::Async/>
                    <Route path=path!("/groups/new") view=crate::groups::page::GroupNew ssr=SsrMode::Async/>
                    <Route path=path!("/groups/make") view=crate::groups::make_page::GroupMake ssr=SsrMode::Async/>
                    <Route path=path!("/groups/:id") view=crate::groups::page::GroupDetailPage ssr=SsrMode::Async/>
                    <Route path=path!("/shares") view=crate::shares::list_page::ShareListPage ssr=SsrMode::Async/>
                    <Route path=path!("/shares/new") view=crate::shares::new_page::ShareNew ssr=SsrMode::Async/>
                    <Route path=path!("/shares/:id") view=crate::shares::list_page::ShareDetailPage ssr=SsrMode::Async/>
                    <Route path=path!("/settings") view=crate::settings::page::SettingsPage ssr=SsrMode::Async/>
                    <Route path=path!("/api-docs") view=crate::tokens::docs_page::ApiDocsPage ssr=SsrMode::Async/>
                    <Route path=path!("/tokens") view=crate::tokens::page::TokensPage ssr=SsrMode::Async/>
                    <Route path=path!("/admins") view=crate::admins::page::AdminsPage ssr=SsrMode::Async/>
                    <Route path=path!("/audit") view=crate::audit::page::AuditLogPage ssr=SsrMode::Async/>
                </ParentRoute>
            </Routes>
        </Router>
    }
}
