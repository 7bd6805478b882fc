//! The server on top of the resources: the router and its middleware, the command line, demo mode.

pub mod assets;
pub mod backup;
pub mod cli;
#[cfg(feature = "demo")]
pub mod demo;
#[cfg(feature = "demo")]
pub mod demo_share;
pub mod guard;
pub mod health;
pub mod router;
pub mod state;
