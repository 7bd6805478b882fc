//! One `Db` type over SQLite and PostgreSQL, chosen by the URL scheme at run time. Queries are
//! written once with `$1` placeholders and run on whichever pool is there (`with_db!`).
//! The server half: configuration, database, sessions and auth, the axum router, the CLI.

use crate::error::AppError;
use crate::infra::internal;
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

impl Db {
    /// Connects and runs the embedded migrations.
    pub async fn connect(url: &str) -> anyhow::Result<Db> {
        let db = if url.starts_with("postgres:") || url.starts_with("postgresql:") {
            let opts = PgConnectOptions::from_str(url)?;
            let pool = PgPoolOptions::new()
                .max_connections(16)
                .acquire_timeout(Duration::from_secs(10))
                .connect_with(opts)
                .await?;
            sqlx::migrate!("../../migrations/postgres")
                .run(&pool)
                .await?;
            Db::Postgres(pool)
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
            let pool = SqlitePoolOptions::new()
                .max_connections(8)
                .acquire_timeout(Duration::from_secs(10))
                .connect_with(opts)
                .await?;
            sqlx::migrate!("../../migrations/sqlite").run(&pool).await?;
            Db::Sqlite(pool)
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
        with_db!(self, p => sqlx::query("SELECT 1").execute(p).await.is_ok())
    }
}

/// Maps database errors to the app's error: unique violations become conflicts upstream,
/// everything else is internal.
pub fn db_err(e: sqlx::Error) -> AppError {
    internal(format!("database: {e}"))
}
