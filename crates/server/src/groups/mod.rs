//! Share targets: DingTalk groups reached by a custom robot or the app robot.

pub mod api;
#[cfg(feature = "ssr")]
pub mod db;
#[cfg(feature = "ssr")]
pub mod make;
pub mod make_page;
pub mod page;
#[cfg(feature = "ssr")]
pub mod save;
pub mod types;

pub use api::*;
pub use types::*;
