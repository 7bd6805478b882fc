//! Organisation settings: name, public URL, the internal app's credentials.

pub mod api;
#[cfg(feature = "ssr")]
pub mod db;
pub mod page;
pub mod types;

pub use api::*;
pub use types::*;
