//! Card templates (互动卡片): a template made in DingTalk's card builder, and which medal field
//! fills each of its variables; shares can send an award as such a card, and a revoked award's
//! cards are updated in place.

pub mod api;
#[cfg(feature = "ssr")]
pub mod db;
#[cfg(feature = "ssr")]
pub mod fill;
pub mod page;
pub mod types;

pub use api::*;
pub use types::*;
