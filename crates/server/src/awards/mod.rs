//! Awards: giving medals to people, revoking, the lists, the medal wall, the public page, the leaderboard.

pub mod api;
#[cfg(feature = "ssr")]
pub mod db;
pub mod detail_page;
#[cfg(feature = "ssr")]
pub mod export;
pub mod form_page;
#[cfg(feature = "ssr")]
pub mod give;
#[cfg(feature = "ssr")]
pub mod give_form;
#[cfg(feature = "ssr")]
pub mod insert;
pub mod list_page;
pub mod public_page;
#[cfg(feature = "ssr")]
pub mod recipients;
#[cfg(feature = "ssr")]
pub mod stats;
pub mod types;

pub use api::*;
pub use types::*;
