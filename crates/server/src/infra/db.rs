//! One `Db` type over SQLite and PostgreSQL, chosen by the URL scheme at run time. Queries are
//! written once with `$1` placeholders and run on whichever pool is there (`with_db!`).
//! The server half: configuration, database, sessions and auth, the axum router, the CLI.

use crate::error::AppError;
use crate::infra::internal;
use medal_core::Msg;
use sqlx::postgres::{PgConnectOptions, PgPool, PgPoolOptions};
use sqlx::sqlite::{
    SqliteConnectOptions, SqliteJournalMode, SqlitePool, SqlitePoolOptions, SqliteSynchronous,
};
use std::str::FromStr;
use std::time::Duration;

#[derive(Clone, Debug)]
pub enum Db {
    Sqlite(SqlitePool),
    Postgres(PgPool),
}

/// Runs the same expression on whichever pool `db` holds: `with_db!(db, p => query.fetch_all(p).await)`.
#[macro_export]
macro_rules! with_db {
    ($db:expr, $p:ident => $body:expr) => {
        match $db {
            $crate::infra::db::Db::Sqlite($p) => $body,
            $crate::infra::db::Db::Postgres($p) => $body,
        }
    };
}

/// Ids as the inside of an SQL `IN (…)` list ("1,2,3"): numbers only, so nothing to escape.
pub fn id_list(ids: &[i64]) -> String {
    ids.iter().map(i64::to_string).collect::<Vec<_>>().join(",")
}

/// Escapes `%`, `_` and `\` for a LIKE pattern with `ESCAPE '\'`.
pub fn escape_like(q: &str) -> String {
    let mut s = String::new();
    for c in q.chars() {
        if matches!(c, '%' | '_' | '\\') {
            s.push('\\');
        }
        s.push(c);
    }
    s
}

/// Case-insensitive search, written once. Matching ignores ASCII case on both databases:
/// SQLite's `LIKE` already does; on PostgreSQL it is `ILIKE`, used only when the query has ASCII
/// letters (Chinese text and digits have no case, and plain `LIKE` costs less per row).
pub fn like_op(db: &Db, q: &str) -> &'static str {
    match db {
        Db::Postgres(_) if q.chars().any(|c| c.is_ascii_alphabetic()) => "ILIKE",
        _ => "LIKE",
    }
}

/// The pattern for "contains `q`" (trimmed, wildcards escaped) for `… LIKE $n ESCAPE '\'`.
pub fn contains(q: &str) -> String {
    format!("%{}%", escape_like(q.trim()))
}

/// The pattern for "starts with `q`" (trimmed, wildcards escaped).
pub fn starts_with(q: &str) -> String {
    format!("{}%", escape_like(q.trim()))
}

/// A pool's size and how long a request waits for a connection before it is answered 503.
/// Defaults: 8 connections on SQLite (one writer at a time anyway; readers in WAL), 16 on
/// PostgreSQL (per instance: keep instances × (pool + outbox pool) under `max_connections`), 5 s.
#[derive(Debug, Clone, Copy)]
pub struct Pool {
    pub size: Option<u32>,
    pub acquire_timeout_ms: u64,
}

impl Default for Pool {
    fn default() -> Self {
        Pool {
            size: None,
            acquire_timeout_ms: 5_000,
        }
    }
}

impl Db {
    /// Connects with the default pool and runs the embedded migrations.
    pub async fn connect(url: &str) -> anyhow::Result<Db> {
        Db::connect_with(url, Pool::default(), true).await
    }

    /// Connects with `pool`'s size and wait; runs the migrations when `migrate` (a second pool
    /// to a database the first brought up to date need not).
    pub async fn connect_with(url: &str, pool: Pool, migrate: bool) -> anyhow::Result<Db> {
        let wait = Duration::from_millis(pool.acquire_timeout_ms);
        let db = if url.starts_with("postgres:") || url.starts_with("postgresql:") {
            let opts = PgConnectOptions::from_str(url)?;
            let p = PgPoolOptions::new()
                .max_connections(pool.size.unwrap_or(16))
                .acquire_timeout(wait)
                .connect_with(opts)
                .await?;
            if migrate {
                sqlx::migrate!("../../migrations/postgres").run(&p).await?;
            }
            Db::Postgres(p)
        } else if url.starts_with("sqlite:") {
            let opts = SqliteConnectOptions::from_str(url)?
                .create_if_missing(true)
                .journal_mode(SqliteJournalMode::Wal)
                .synchronous(SqliteSynchronous::Normal)
                .busy_timeout(Duration::from_secs(10))
                .foreign_keys(true);
            if let Some(dir) = opts.get_filename().parent() {
                if !dir.as_os_str().is_empty() {
                    std::fs::create_dir_all(dir)?;
                }
            }
            let p = SqlitePoolOptions::new()
                .max_connections(pool.size.unwrap_or(8))
                .acquire_timeout(wait)
                .connect_with(opts)
                .await?;
            if migrate {
                sqlx::migrate!("../../migrations/sqlite").run(&p).await?;
            }
            Db::Sqlite(p)
        } else {
            anyhow::bail!("unsupported database URL {url:?}: use sqlite:PATH or postgres://…");
        };
        Ok(db)
    }

    pub fn backend(&self) -> &'static str {
        match self {
            Db::Sqlite(_) => "sqlite",
            Db::Postgres(_) => "postgres",
        }
    }

    /// Runs one statement without parameters; returns the rows it touched.
    pub async fn execute(&self, sql: &str) -> sqlx::Result<u64> {
        with_db!(self, p => sqlx::query(sql).execute(p).await.map(|r| r.rows_affected()))
    }

    /// `SELECT 1`: is the database reachable?
    pub async fn ping(&self) -> bool {
        self.check().await.is_ok()
    }

    /// `SELECT 1`, and when it fails, why: the pool's state and the database's answer.
    pub async fn check(&self) -> Result<(), String> {
        let (size, idle) = with_db!(self, p => (p.size(), p.num_idle()));
        with_db!(self, p => sqlx::query("SELECT 1").execute(p).await.map(|_| ())).map_err(|e| {
            let why = match &e {
                sqlx::Error::PoolTimedOut => {
                    format!("all {size} connections busy (pool timed out, {idle} idle)")
                }
                sqlx::Error::PoolClosed => "the pool is closed (shutting down)".to_string(),
                e => e.to_string(),
            };
            why.chars().take(300).collect()
        })
    }
}

/// The one way database errors become the app's error: a unique violation is a conflict (the
/// callers that can say which name or number is taken look at the error first), "not found" is
/// not found, anything else is internal (logged with its cause and a request id).
impl From<sqlx::Error> for AppError {
    fn from(e: sqlx::Error) -> Self {
        match &e {
            sqlx::Error::Database(d) if d.is_unique_violation() => AppError::Conflict(Msg::new(
                "已经有相同的记录了，没有保存。",
                "That already exists; nothing was saved.",
            )),
            sqlx::Error::RowNotFound => AppError::NotFound,
            sqlx::Error::PoolTimedOut | sqlx::Error::PoolClosed | sqlx::Error::Io(_) => {
                tracing::warn!(error = %e, "database unavailable");
                AppError::Unavailable(e.to_string())
            }
            sqlx::Error::Database(d) if is_busy(d.as_ref()) => {
                tracing::warn!(error = %e, "database unavailable");
                AppError::Unavailable(e.to_string())
            }
            _ => internal(format!("database: {e}")),
        }
    }
}

/// SQLite's "database is locked/busy" (after the busy timeout), PostgreSQL shutting down or not
/// accepting connections: the database is there but cannot answer now.
fn is_busy(d: &dyn sqlx::error::DatabaseError) -> bool {
    matches!(
        d.code().as_deref(),
        Some("5" | "6" | "517" | "57P01" | "57P02" | "57P03" | "53300")
    )
}

/// Whether `e` is a unique violation (for callers that name what is taken).
pub fn is_unique_violation(e: &sqlx::Error) -> bool {
    matches!(e, sqlx::Error::Database(d) if d.is_unique_violation())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn patterns_escape_wildcards() {
        assert_eq!(contains(" 100%_Star "), "%100\\%\\_Star%");
        assert_eq!(contains(""), "%%");
        assert_eq!(starts_with("a\\b"), "a\\\\b%");
    }
}
