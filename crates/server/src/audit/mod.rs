//! The audit log (owners and admins): who did what, when, to which object; filtered, paged by
//! keyset, exported as CSV.

pub mod api;
#[cfg(feature = "ssr")]
pub mod db;
#[cfg(feature = "ssr")]
pub mod export;
pub mod labels;
pub mod page;
pub mod types;

pub use api::*;
pub use types::*;
