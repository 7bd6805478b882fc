//! Medal Hall's web app, one folder per resource (session, medals, staff, attendance, awards, groups,
//! shares, settings, admins, audit, dashboard, tokens): each holds its data types, its server functions, its pages and (feature
//! `ssr`) its queries. Below them `infra` (server side: state, database, config, secrets, audit,
//! flash, CSV, HTTP helpers), on top `host` (router, middleware, CLI, demo). `ui` holds the
//! components every page shares.
#![recursion_limit = "256"]

pub mod app;
pub mod error;
pub mod i18n;
pub mod ui;

pub mod admins;
pub mod attendance;
pub mod audit;
pub mod awards;
pub mod cards;
pub mod dashboard;
pub mod groups;
pub mod medals;
pub mod rules;
pub mod session;
pub mod settings;
pub mod shares;
pub mod staff;
pub mod tokens;

#[cfg(feature = "ssr")]
pub mod host;
#[cfg(feature = "ssr")]
pub mod infra;
#[cfg(feature = "ssr")]
pub mod rest;

#[cfg(feature = "hydrate")]
#[wasm_bindgen::prelude::wasm_bindgen]
pub fn hydrate() {
    console_error_panic_hook::set_once();
    leptos::mount::hydrate_islands();
}
