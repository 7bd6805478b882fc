//! The `medals` command line.

use crate::infra::Config;
use crate::infra::Db;
use clap::{Parser, Subcommand};
use medal_core::Role;
use std::io::{BufRead, IsTerminal};
use std::process::ExitCode;
use std::sync::Arc;

#[derive(Parser)]
#[command(
    name = "medals",
    version,
    about = "Medal Hall — 勋章管理 for DingTalk companies"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Start the web server.
    Serve {
        /// Seed sample data, create the `admin` account and mount the DingTalk simulator at /sim.
        #[arg(long)]
        demo: bool,
    },
    /// Apply database migrations and exit.
    Migrate,
    /// Manage admin accounts.
    Admin {
        #[command(subcommand)]
        command: AdminCommand,
    },
    /// Back the database up into FILE while the server runs (SQLite; PostgreSQL: says how with pg_dump).
    Backup { file: std::path::PathBuf },
    /// Restore FILE (made by `backup`) into an empty database, with the server stopped (SQLite;
    /// PostgreSQL: says how with pg_restore).
    Restore { file: std::path::PathBuf },
    /// Manage the staff directory.
    Staff {
        #[command(subcommand)]
        command: StaffCommand,
    },
}

#[derive(Subcommand)]
enum StaffCommand {
    /// Import staff from a CSV file (UTF-8 or GBK; Chinese or English headers), upserting by
    /// external id, else mobile. Rows with errors are printed by line and left out; the valid
    /// rows are imported in one transaction.
    Import {
        file: std::path::PathBuf,
        /// Exit with code 1 when any row had errors (the valid rows are still imported).
        #[arg(long)]
        strict: bool,
    },
}

#[derive(Subcommand)]
enum AdminCommand {
    /// Create an admin; the password is read from the terminal or the first line of stdin.
    Create {
        #[arg(long)]
        username: String,
        #[arg(long, default_value = "owner", value_parser = ["owner", "admin", "awarder", "viewer"])]
        role: String,
    },
    /// Set a new password (read like `create`) and lift any sign-in lock-out.
    ResetPassword {
        #[arg(long)]
        username: String,
    },
}

pub fn main() -> ExitCode {
    init_tracing();
    let cli = Cli::parse();
    // Rendering deep Leptos views recurses a lot, in debug builds especially: give workers room.
    let rt = tokio::runtime::Builder::new_multi_thread()
        .thread_stack_size(8 * 1024 * 1024)
        .enable_all()
        .build()
        .expect("tokio runtime");
    match rt.block_on(run(cli)) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) if e.is::<StrictFailure>() => ExitCode::FAILURE,
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::FAILURE
        }
    }
}

fn init_tracing() {
    use tracing_subscriber::EnvFilter;
    let filter = EnvFilter::try_from_env("MEDALS_LOG")
        .unwrap_or_else(|_| EnvFilter::new("info,sqlx=warn,tower_sessions=warn"));
    // MEDALS_LOG_FORMAT=json: one JSON object per line; a line logged while serving a request
    // lists the `request` span (its `id`) in `spans`; an internal error also names it itself
    if std::env::var("MEDALS_LOG_FORMAT").is_ok_and(|f| f == "json") {
        let _ = tracing_subscriber::fmt()
            .json()
            .with_current_span(false)
            .with_span_list(true)
            .with_env_filter(filter)
            .with_target(false)
            .try_init();
    } else {
        let _ = tracing_subscriber::fmt()
            .with_env_filter(filter)
            .with_target(false)
            .try_init();
    }
}

fn read_password(prompt: &str) -> anyhow::Result<String> {
    if std::io::stdin().is_terminal() {
        let a = rpassword::prompt_password(format!("{prompt}: "))?;
        let b = rpassword::prompt_password("再输入一次 / Again: ")?;
        anyhow::ensure!(a == b, "两次输入的密码不一致 / the passwords differ");
        Ok(a)
    } else {
        let mut line = String::new();
        std::io::stdin().lock().read_line(&mut line)?;
        Ok(line.trim_end_matches(['\r', '\n']).to_string())
    }
}

fn app_err(e: crate::error::AppError) -> anyhow::Error {
    anyhow::anyhow!(
        "{}",
        match &e {
            crate::error::AppError::Validation(m) => m
                .values()
                .flatten()
                .map(|m| m.to_string())
                .collect::<Vec<_>>()
                .join("; "),
            other => other.summary(medal_core::Lang::Zh),
        }
    )
}

async fn run(cli: Cli) -> anyhow::Result<()> {
    let config = Config::load()?;
    // these open the database themselves (a restore must not find it open)
    match &cli.command {
        Command::Backup { file } => {
            return crate::host::backup::backup(&config.database_url, file).await
        }
        Command::Restore { file } => {
            return crate::host::backup::restore(&config.database_url, file).await
        }
        _ => {}
    }
    let db = Db::connect_with(&config.database_url, config.pool(), true).await?;
    match cli.command {
        Command::Backup { .. } | Command::Restore { .. } => unreachable!("handled above"),
        Command::Migrate => {
            println!("数据库已是最新 / database is up to date ({})", db.backend());
            Ok(())
        }
        Command::Admin {
            command: AdminCommand::Create { username, role },
        } => {
            let pw = read_password("密码 / Password")?;
            let role = Role::parse(&role).expect("clap checked the role");
            crate::session::auth::create_admin(&db, &username, &pw, role)
                .await
                .map_err(app_err)?;
            println!(
                "已创建管理员 / created admin {} ({})",
                username.trim().to_lowercase(),
                role.as_str()
            );
            Ok(())
        }
        Command::Admin {
            command: AdminCommand::ResetPassword { username },
        } => {
            let pw = read_password("新密码 / New password")?;
            crate::session::auth::reset_password(&db, &username, &pw)
                .await
                .map_err(|e| match e {
                    crate::error::AppError::NotFound => {
                        anyhow::anyhow!("没有名为 {username} 的管理员 / no admin named {username}")
                    }
                    e => app_err(e),
                })?;
            println!("已重置密码 / password reset for {username}");
            Ok(())
        }
        Command::Serve { demo } => serve(config, db, demo).await,
        Command::Staff {
            command: StaffCommand::Import { file, strict },
        } => staff_import(&db, &file, strict).await,
    }
}

/// `staff import --strict` found rows with errors (already printed).
#[derive(Debug)]
struct StrictFailure;

impl std::fmt::Display for StrictFailure {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("some rows had errors")
    }
}

impl std::error::Error for StrictFailure {}

async fn staff_import(db: &Db, file: &std::path::Path, strict: bool) -> anyhow::Result<()> {
    let bytes = std::fs::read(file)
        .map_err(|e| anyhow::anyhow!("无法读取 / cannot read {}: {e}", file.display()))?;
    let name = file
        .file_name()
        .map(|n| n.to_string_lossy().to_string())
        .unwrap_or_default();
    let r = crate::staff::import_web::import_file(db, &bytes, &name)
        .await
        .map_err(app_err)?;
    for e in &r.errors {
        let msgs: Vec<String> = e.messages.iter().map(|m| m.to_string()).collect();
        eprintln!("第 {} 行 / line {}: {}", e.line, e.line, msgs.join("; "));
    }
    let o = &r.outcome;
    println!(
        "已导入 / imported ({}): 新增 / new {}, 更新 / updated {}, 未变 / unchanged {}, 跳过 / skipped {}",
        r.encoding, o.created, o.updated, o.unchanged, o.skipped
    );
    if strict && !r.errors.is_empty() {
        return Err(StrictFailure.into());
    }
    Ok(())
}

#[cfg_attr(not(feature = "demo"), allow(unused_mut))]
async fn serve(mut config: Config, db: Db, demo_mode: bool) -> anyhow::Result<()> {
    #[cfg(feature = "demo")]
    let extra = if demo_mode {
        Some(
            crate::host::demo::setup(&db, &mut config)
                .await
                .map_err(app_err)?,
        )
    } else {
        None
    };
    #[cfg(not(feature = "demo"))]
    let extra = if demo_mode {
        anyhow::bail!(
            "此版本不含演示模式 / this build has no demo mode (built without the `demo` feature)"
        );
    } else {
        None
    };
    let config = Arc::new(config);
    if let Some(token) = crate::session::auth::issue_setup_token(&db)
        .await
        .map_err(app_err)?
    {
        println!(
            "还没有管理员。打开此一次性链接创建所有者账号 / No admin yet. Open this one-time link to create the owner:\n  {}/setup?token={token}\n(或 / or: medals admin create --username NAME)",
            config.public_url.trim_end_matches('/')
        );
    }
    crate::shares::outbox::redact_stored_errors(&db)
        .await
        .map_err(app_err)?;
    crate::host::router::spawn_session_cleanup(db.clone());
    crate::attendance::job::spawn_daily(db.clone(), config.clone());
    // the outbox's own connections: sharing goes on while pages use all of theirs
    let outbox_db = Db::connect_with(&config.database_url, config.outbox_pool(), false).await?;
    crate::shares::outbox::spawn(outbox_db, &config).map_err(app_err)?;
    // (the recorder is installed by `router` below, before any request, when metrics are on)
    crate::infra::metrics::spawn_listener(config.metrics_listen, db.clone()).await?;
    let app = crate::host::router::router(config.clone(), db, extra);
    let listener = tokio::net::TcpListener::bind(config.listen).await?;
    tracing::info!("Medal Hall listening on http://{}", listener.local_addr()?);
    println!("Medal Hall: {}", config.public_url);
    crate::host::router::serve(app, listener).await?;
    Ok(())
}
