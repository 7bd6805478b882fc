//! Components every page shares.

pub mod form;
pub mod format;
pub mod layout;

pub use form::*;
pub use format::*;
pub use layout::*;
