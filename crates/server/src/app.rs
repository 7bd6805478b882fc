//! The app shell and its routes.

use leptos::prelude::*;
use leptos_meta::{provide_meta_context, MetaTags, Title};
use leptos_router::components::{ParentRoute, Route, Router, Routes};
use leptos_router::{path, SsrMode};

use crate::components::{Layout, NotFound};
use crate::i18n::use_lang;
use crate::pages::{
    awards, dashboard::Dashboard, login::LoginPage, login::SetupPage, medals, staff,
};

/// The HTML document around the app (server side only).
pub fn shell(options: LeptosOptions) -> impl IntoView {
    let lang = use_lang();
    #[cfg(feature = "ssr")]
    crate::ssr::guard::set_page_csp();
    view! {
        <!DOCTYPE html>
        <html lang=lang.tag()>
            <head>
                <meta charset="utf-8"/>
                <meta name="viewport" content="width=device-width, initial-scale=1"/>
                <link rel="stylesheet" href="/pkg/medals.css"/>
                <link rel="icon" type="image/svg+xml" href="/favicon.svg"/>
                <HydrationScripts options/>
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
        crate::components::escape_html(&full)
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
                <Route path=path!("/a/:token") view=awards::PublicAwardPage ssr=SsrMode::Async/>
                <ParentRoute path=path!("") view=Layout ssr=SsrMode::Async>
                    <Route path=path!("/") view=Dashboard ssr=SsrMode::Async/>
                    <Route path=path!("/medals") view=medals::MedalList ssr=SsrMode::Async/>
                    <Route path=path!("/medals/new") view=medals::MedalNew ssr=SsrMode::Async/>
                    <Route path=path!("/medals/:id") view=medals::MedalDetailPage ssr=SsrMode::Async/>
                    <Route path=path!("/medals/:id/edit") view=medals::MedalEdit ssr=SsrMode::Async/>
                    <Route path=path!("/staff") view=staff::StaffList ssr=SsrMode::Async/>
                    <Route path=path!("/staff/new") view=staff::StaffNew ssr=SsrMode::Async/>
                    <Route path=path!("/staff/import") view=staff::StaffImport ssr=SsrMode::Async/>
                    <Route path=path!("/staff/userids") view=staff::StaffUserids ssr=SsrMode::Async/>
                    <Route path=path!("/staff/:id") view=staff::StaffDetailPage ssr=SsrMode::Async/>
                    <Route path=path!("/staff/:id/edit") view=staff::StaffEdit ssr=SsrMode::Async/>
                    <Route path=path!("/awards") view=awards::AwardList ssr=SsrMode::Async/>
                    <Route path=path!("/awards/new") view=awards::AwardNew ssr=SsrMode::Async/>
                    <Route path=path!("/awards/:id") view=awards::AwardDetailPage ssr=SsrMode::Async/>
                    <Route path=path!("/leaderboard") view=awards::Leaderboard ssr=SsrMode::Async/>
                    <Route path=path!("/groups") view=crate::pages::groups::GroupList ssr=SsrMode::Async/>
                    <Route path=path!("/groups/new") view=crate::pages::groups::GroupNew ssr=SsrMode::Async/>
                    <Route path=path!("/groups/:id") view=crate::pages::groups::GroupDetailPage ssr=SsrMode::Async/>
                    <Route path=path!("/shares") view=crate::pages::shares::ShareList ssr=SsrMode::Async/>
                    <Route path=path!("/shares/new") view=crate::pages::shares::ShareNew ssr=SsrMode::Async/>
                    <Route path=path!("/shares/:id") view=crate::pages::shares::ShareDetailPage ssr=SsrMode::Async/>
                    <Route path=path!("/settings") view=crate::pages::settings::SettingsPage ssr=SsrMode::Async/>
                </ParentRoute>
            </Routes>
        </Router>
    }
}
