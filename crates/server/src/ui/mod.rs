//! Components every page shares.

pub mod card;
pub mod form;
pub mod format;
pub mod island;
pub mod layout;

pub use card::*;
pub use form::*;
pub use format::*;
pub use island::*;
pub use layout::*;
