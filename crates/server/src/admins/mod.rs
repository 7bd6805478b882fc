//! Admins (owners only): who may sign in and with which role.

pub mod api;
#[cfg(feature = "ssr")]
pub mod db;
pub mod page;
pub mod types;

pub use api::*;
pub use types::*;
