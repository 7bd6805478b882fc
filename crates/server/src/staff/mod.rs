//! The staff directory: people, CSV import and export, the DingTalk userId lookup.

pub mod api;
#[cfg(feature = "ssr")]
pub mod csv;
#[cfg(feature = "ssr")]
pub mod db;
#[cfg(feature = "ssr")]
pub mod export;
pub mod form;
#[cfg(feature = "ssr")]
pub mod import;
pub mod import_page;
#[cfg(feature = "ssr")]
pub mod import_web;
#[cfg(feature = "ssr")]
pub mod lookup;
pub mod page;
pub mod types;
#[cfg(feature = "ssr")]
pub mod userids;
#[cfg(feature = "ssr")]
pub mod userids_job;
pub mod userids_page;

pub use api::*;
pub use types::*;
