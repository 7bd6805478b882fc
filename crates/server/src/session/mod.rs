//! Signing in and out, first-time setup, sessions and roles.

pub mod api;
#[cfg(feature = "ssr")]
pub mod auth;
pub mod page;
#[cfg(feature = "ssr")]
pub mod throttle;
pub mod types;

pub use api::*;
pub use types::*;
