//! Integration tests: each starts the real server on a random port with a fresh database
//! (SQLite in a temp dir, or a new PostgreSQL database) and talks HTTP to it.

mod helpers;
mod honours;

mod admins;
mod attendance;
mod audit;
mod auth;
mod availability;
mod awards;
mod backup;
mod counters;
mod injection;
mod logs;
mod medals;
mod metrics;
mod render;
mod rest;
mod roles;
mod rules;
mod rules_csv;
mod rules_reach;
mod secrets;
mod security;
mod staff;
mod userids;
// sharing (issue #5)
mod cards;
mod chat_groups;
mod groups;
mod outbox;
mod share_fixtures;
mod share_guard;
mod shares;
mod tell;
