//! The app's shared state and its Leptos options, built once per app.

use crate::host::assets::Assets;
use crate::infra::Config;
use crate::infra::{AppState, Db};
use leptos::config::LeptosOptions;
use std::sync::Arc;

pub fn leptos_options(config: &Config, assets: &Assets) -> LeptosOptions {
    LeptosOptions::builder()
        .output_name(assets.name.as_str())
        .site_root(config.site_root.to_string_lossy().to_string())
        .site_pkg_dir("pkg")
        .site_addr(config.listen)
        .build()
}

/// The state every handler and server function shares (also what background work and tests
/// call the resources' functions with).
pub fn state(config: Arc<Config>, db: Db) -> AppState {
    let assets = Assets::load(&config.site_root);
    AppState {
        db,
        leptos_options: leptos_options(&config, &assets),
        config,
        icon_slots: Arc::new(tokio::sync::Semaphore::new(
            crate::medals::icons::DECODING_AT_ONCE,
        )),
        bulk_slots: Arc::new(tokio::sync::Semaphore::new(crate::infra::BULK_AT_ONCE)),
    }
}
