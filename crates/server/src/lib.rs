//! Medal Hall's web app: the Leptos pages and components, the server functions they call,
//! and (feature `ssr`) the axum server behind them.
#![recursion_limit = "256"]

pub mod api;
pub mod api_share;
pub mod app;
pub mod components;
pub mod error;
pub mod i18n;
pub mod pages;

#[cfg(feature = "ssr")]
pub mod ssr;

#[cfg(feature = "hydrate")]
#[wasm_bindgen::prelude::wasm_bindgen]
pub fn hydrate() {
    console_error_panic_hook::set_once();
    leptos::mount::hydrate_body(app::App);
}
