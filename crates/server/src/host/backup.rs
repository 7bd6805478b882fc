//! `medals backup FILE` and `medals restore FILE`.
//!
//! SQLite: a backup is `VACUUM INTO` — one consistent snapshot taken inside a read transaction, so
//! it is safe while the server runs and writes (WAL mode lets writers go on meanwhile); the copy
//! is checked (`PRAGMA integrity_check`) and its row counts printed. A restore puts such a file in
//! place of an *empty* database (no admin, medal, person or award yet; the server stopped), and
//! the next start brings its schema up to date (an older backup is migrated forward; a newer one
//! is refused).
//! PostgreSQL: `pg_dump` / `pg_restore` do this better than the app could; the commands say how
//! and whether they are installed.

use crate::infra::Db;
use sqlx::sqlite::{SqliteConnectOptions, SqlitePoolOptions};
use sqlx::{Row, SqlitePool};
use std::path::{Path, PathBuf};
use std::str::FromStr;

/// The tables whose rows make a database "not empty" for a restore.
const CONTENT: &[&str] = &[
    "admins",
    "medals",
    "staff",
    "awards",
    "share_groups",
    "shares",
];

fn is_postgres(url: &str) -> bool {
    url.starts_with("postgres:") || url.starts_with("postgresql:")
}

fn sqlite_path(url: &str) -> anyhow::Result<PathBuf> {
    Ok(SqliteConnectOptions::from_str(url)?
        .get_filename()
        .to_path_buf())
}

async fn open_read_only(file: &Path) -> anyhow::Result<SqlitePool> {
    let opts = SqliteConnectOptions::new()
        .filename(file)
        .read_only(true)
        .immutable(true);
    Ok(SqlitePoolOptions::new()
        .max_connections(1)
        .connect_with(opts)
        .await?)
}

/// Table name → row count, for every table of the app (not SQLite's own).
async fn counts(pool: &SqlitePool) -> anyhow::Result<Vec<(String, i64)>> {
    let names: Vec<String> = sqlx::query_scalar(
        "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name",
    )
    .fetch_all(pool)
    .await?;
    let mut out = Vec::new();
    for n in names {
        // names come from sqlite_master; quoted as identifiers
        let c: i64 = sqlx::query_scalar(&format!(
            "SELECT COUNT(*) FROM \"{}\"",
            n.replace('"', "\"\"")
        ))
        .fetch_one(pool)
        .await?;
        out.push((n, c));
    }
    Ok(out)
}

fn print_counts(counts: &[(String, i64)]) {
    for (t, c) in counts.iter().filter(|(t, _)| !t.starts_with('_')) {
        println!("  {t:<22} {c}");
    }
}

async fn check(pool: &SqlitePool, file: &Path) -> anyhow::Result<()> {
    let r: String = sqlx::query_scalar("PRAGMA integrity_check")
        .fetch_one(pool)
        .await?;
    anyhow::ensure!(r == "ok", "{} 已损坏 / is damaged: {r}", file.display());
    Ok(())
}

fn pg_tool(name: &str) -> String {
    match std::process::Command::new(name).arg("--version").output() {
        Ok(o) if o.status.success() => format!(
            "已安装 / installed: {}",
            String::from_utf8_lossy(&o.stdout).trim()
        ),
        _ => format!(
            "未安装 / not installed: apt-get install postgresql-client (它带有 / it brings {name})"
        ),
    }
}

/// `medals backup FILE`.
pub async fn backup(url: &str, file: &Path) -> anyhow::Result<()> {
    if is_postgres(url) {
        anyhow::bail!(
            "PostgreSQL 请用 pg_dump 备份 / back PostgreSQL up with pg_dump:\n  pg_dump --format=custom --file {} \"$MEDALS_DATABASE_URL\"\n  ({})",
            file.display(),
            pg_tool("pg_dump")
        );
    }
    anyhow::ensure!(
        !file.exists(),
        "{} 已存在，不会覆盖 / already exists; it is not overwritten",
        file.display()
    );
    let db = Db::connect(url).await?;
    let Db::Sqlite(pool) = &db else {
        unreachable!("not PostgreSQL")
    };
    let target = file
        .to_str()
        .ok_or_else(|| anyhow::anyhow!("备份路径须为 UTF-8 / the backup path must be UTF-8"))?;
    sqlx::query("VACUUM INTO $1")
        .bind(target)
        .execute(pool)
        .await?;
    pool.close().await;
    let copy = open_read_only(file).await?;
    check(&copy, file).await?;
    let counts = counts(&copy).await?;
    copy.close().await;
    println!("已备份 / backed up to {}:", file.display());
    print_counts(&counts);
    Ok(())
}

/// `medals restore FILE`.
pub async fn restore(url: &str, file: &Path) -> anyhow::Result<()> {
    if is_postgres(url) {
        anyhow::bail!(
            "PostgreSQL 请用 pg_restore 恢复到一个空数据库 / restore PostgreSQL with pg_restore into an empty database:\n  pg_restore --no-owner --dbname \"$MEDALS_DATABASE_URL\" {}\n  ({})",
            file.display(),
            pg_tool("pg_restore")
        );
    }
    anyhow::ensure!(
        file.is_file(),
        "找不到备份 / no backup at {}",
        file.display()
    );
    // the backup: intact, made by this app, not by a newer version
    let src = open_read_only(file).await?;
    check(&src, file).await?;
    let versions: Vec<i64> = sqlx::query_scalar("SELECT version FROM _sqlx_migrations")
        .fetch_all(&src)
        .await
        .map_err(|_| {
            anyhow::anyhow!(
                "{} 不是勋章馆的备份 / is not a Medal Hall backup",
                file.display()
            )
        })?;
    let known: Vec<i64> = sqlx::migrate!("../../migrations/sqlite")
        .iter()
        .map(|m| m.version)
        .collect();
    if let Some(v) = versions.iter().find(|v| !known.contains(v)) {
        anyhow::bail!("备份来自更新的版本（迁移 {v}），请用那个版本恢复 / the backup comes from a newer version (migration {v}); restore it with that version");
    }
    let backup_counts = counts(&src).await?;
    src.close().await;

    // the database it replaces: empty
    let path = sqlite_path(url)?;
    if path.exists() {
        let db = Db::connect(url).await?;
        let Db::Sqlite(pool) = &db else {
            unreachable!("not PostgreSQL")
        };
        for t in CONTENT {
            let n: i64 = sqlx::query(&format!("SELECT COUNT(*) AS n FROM {t}"))
                .fetch_one(pool)
                .await?
                .get("n");
            anyhow::ensure!(
                n == 0,
                "{} 不是空数据库（{t} 有 {n} 行），不会覆盖 / is not empty ({t} has {n} rows); nothing was changed",
                path.display()
            );
        }
        pool.close().await;
    }
    // in place: a copy beside it, then one rename (the old WAL files must not be replayed on it)
    let tmp = path.with_extension("restoring");
    std::fs::copy(file, &tmp)?;
    std::fs::File::open(&tmp)?.sync_all()?;
    for side in ["-wal", "-shm"] {
        let mut p = path.clone().into_os_string();
        p.push(side);
        let _ = std::fs::remove_file(p);
    }
    std::fs::rename(&tmp, &path)?;
    // the schema brought up to date, then the rows compared with the backup's
    let db = Db::connect(url).await?;
    let Db::Sqlite(pool) = &db else {
        unreachable!("not PostgreSQL")
    };
    let now = counts(pool).await?;
    pool.close().await;
    for (t, c) in backup_counts.iter().filter(|(t, _)| !t.starts_with('_')) {
        let got = now.iter().find(|(n, _)| n == t).map(|(_, c)| *c);
        anyhow::ensure!(
            got == Some(*c),
            "恢复后 {t} 的行数不同 / {t} has {got:?} rows after the restore, the backup {c}"
        );
    }
    println!(
        "已恢复 / restored {} from {}:",
        path.display(),
        file.display()
    );
    print_counts(&now);
    Ok(())
}
