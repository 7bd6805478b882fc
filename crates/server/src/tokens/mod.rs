//! API tokens (admins): bearer tokens for the REST API (`/api/v1`), each with a name and scopes.
//! Only a hash is stored; the token is shown once, when it is made.

pub mod api;
#[cfg(feature = "ssr")]
pub mod db;
pub mod docs_page;
pub mod page;
pub mod types;

pub use api::*;
pub use types::*;
