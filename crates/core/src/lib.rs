//! Medal Hall's domain: types that validate when they are built, with messages in Chinese and
//! English. Pure — no I/O — so the same rules run on the server and in the browser.

pub mod admin;
pub mod award;
pub mod card;
pub mod chat;
#[cfg(feature = "csv")]
pub mod csv;
pub mod i18n;
pub mod medal;
pub mod quiet;
pub mod rule;
pub mod staff;
pub mod text;
pub mod time;

pub use admin::{Role, Username};
pub use award::{AwardStatus, Period};
pub use i18n::{Lang, Msg};
pub use medal::{MedalDraft, MedalKind, MedalName, Tier, Validity};
pub use staff::{Mobile, StaffDraft, StaffName, UserId};
