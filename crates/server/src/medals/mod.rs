//! The medal catalogue: list, read, create, edit, archive, restore; icons.

pub mod api;
#[cfg(feature = "ssr")]
pub mod db;
pub mod form;
#[cfg(feature = "ssr")]
pub mod honour;
#[cfg(feature = "ssr")]
pub mod honour_image;
pub mod honour_page;
#[cfg(feature = "ssr")]
pub mod icons;
pub mod page;
#[cfg(feature = "ssr")]
pub mod save;
pub mod types;

pub use api::*;
pub use types::*;
