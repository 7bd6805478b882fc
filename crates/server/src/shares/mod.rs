//! Sharing awards into DingTalk groups: the card, the outbox and its worker, the history.

pub mod api;
#[cfg(feature = "ssr")]
pub mod card;
#[cfg(feature = "ssr")]
pub mod db;
#[cfg(feature = "ssr")]
pub mod direct;
#[cfg(feature = "ssr")]
pub mod guard;
pub mod guard_page;
#[cfg(feature = "ssr")]
pub mod history;
pub mod list_page;
pub mod new_page;
#[cfg(feature = "ssr")]
pub mod outbox;
#[cfg(feature = "ssr")]
pub mod template;
pub mod told_page;
pub mod types;

pub use api::*;
pub use types::*;
