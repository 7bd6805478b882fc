//! DingTalk attendance (考勤), pulled by the app: what counts as a day attended (a setting in
//! words), the sync job (chunks of 50 people × windows of 7 days, paged by `hasMore`, paced under
//! DingTalk's 20 calls a second, resumable, cancellable, daily and on demand) that turns each
//! person's day into an `attendance` fact, and the `/attendance` page.

pub mod api;
#[cfg(feature = "ssr")]
pub mod db;
#[cfg(feature = "ssr")]
pub mod job;
pub mod page;
#[cfg(feature = "ssr")]
pub mod policy;
pub mod types;

pub use api::*;
pub use types::*;
