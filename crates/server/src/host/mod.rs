//! The server on top of the resources: the router and its middleware, the command line, demo mode.

pub mod cli;
pub mod demo;
pub mod demo_share;
pub mod guard;
pub mod router;
