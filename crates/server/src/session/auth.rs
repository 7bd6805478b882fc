//! Sign-in, sessions and roles. Passwords are argon2id (OWASP parameters: 19 MiB, t=2, p=1),
//! hashed off the async threads. Sessions live in the database (tower-sessions), so several
//! instances share them. Unknown usernames cost the same hashing work as known ones.
//!
//! Guessing is limited per attempt *before* the password is checked, atomically (see
//! [`reserve_attempt`]), and aimed at the guesser, not the account's owner:
//! - five failures for one username from one IP within 15 minutes lock that IP out of that
//!   username until the window passes; 20 failures from one IP (any usernames) lock the IP;
//! - 30 failures for one username from anywhere (many IPs) lock it for IPs and browsers it has
//!   never signed in from;
//! - a *known* browser or IP — one this username signed in from within 30 days (a signed device
//!   cookie, or a past success from the IP) — is never locked out, only slowed down (a pause that
//!   doubles per failure, at most 30 s);
//! - every refusal is logged with the username, the IP and the counts.

use crate::error::AppError;
use crate::infra::internal;
use crate::infra::now_ms;
use crate::infra::state;
use crate::infra::Db;
use crate::session::throttle::login;
use crate::session::AdminInfo;
use crate::with_db;
use argon2::password_hash::{
    rand_core::OsRng, PasswordHash, PasswordHasher, PasswordVerifier, SaltString,
};
use argon2::{Algorithm, Argon2, Params, Version};
use medal_core::admin::check_new_password;
use medal_core::{Msg, Role, Username};
use std::sync::LazyLock;
use tower_sessions::Session;

pub const SESSION_ADMIN: &str = "admin_id";
/// The admin's `session_epoch` when this session signed in. Resetting the password or disabling
/// the admin bumps the epoch in the database, which ends every session signed in before.
/// Sessions from before the column existed carry none and count as epoch 0, its default.
pub const SESSION_EPOCH: &str = "admin_epoch";

fn argon2() -> Argon2<'static> {
    let params = Params::new(19 * 1024, 2, 1, None).expect("valid argon2 params");
    Argon2::new(Algorithm::Argon2id, Version::V0x13, params)
}

pub async fn hash_password(password: &str) -> Result<String, AppError> {
    let pw = password.to_owned();
    tokio::task::spawn_blocking(move || {
        let salt = SaltString::generate(&mut OsRng);
        argon2()
            .hash_password(pw.as_bytes(), &salt)
            .map(|h| h.to_string())
    })
    .await
    .map_err(internal)?
    .map_err(internal)
}

pub async fn verify_password(hash: &str, password: &str) -> bool {
    let (hash, pw) = (hash.to_owned(), password.to_owned());
    tokio::task::spawn_blocking(move || {
        PasswordHash::new(&hash)
            .map(|h| argon2().verify_password(pw.as_bytes(), &h).is_ok())
            .unwrap_or(false)
    })
    .await
    .unwrap_or(false)
}

/// A hash to verify against when the username is unknown, so the answer takes as long.
pub(crate) static DUMMY_HASH: LazyLock<String> = LazyLock::new(|| {
    let salt = SaltString::generate(&mut OsRng);
    argon2()
        .hash_password(b"not a real password", &salt)
        .expect("hash")
        .to_string()
});

pub async fn session() -> Result<Session, AppError> {
    if leptos::prelude::use_context::<http::request::Parts>().is_none() {
        return Err(crate::infra::no_request());
    }
    leptos_axum::extract::<Session>()
        .await
        .map_err(|e| internal(format!("session layer: {e}")))
}

#[derive(sqlx::FromRow)]
pub(crate) struct AdminRow {
    pub(crate) id: i64,
    pub(crate) username: String,
    pub(crate) password_hash: String,
    pub(crate) role: String,
    pub(crate) disabled: bool,
    pub(crate) session_epoch: i64,
}

pub(crate) async fn find_admin_by_name(
    db: &Db,
    username: &str,
) -> Result<Option<AdminRow>, AppError> {
    with_db!(db, p => sqlx::query_as::<_, AdminRow>(
        "SELECT id, username, password_hash, role, disabled, session_epoch FROM admins WHERE username = $1")
        .bind(username).fetch_optional(p).await)
    .map_err(AppError::from)
}

async fn find_admin_by_id(db: &Db, id: i64) -> Result<Option<AdminRow>, AppError> {
    with_db!(db, p => sqlx::query_as::<_, AdminRow>(
        "SELECT id, username, password_hash, role, disabled, session_epoch FROM admins WHERE id = $1")
        .bind(id).fetch_optional(p).await)
    .map_err(AppError::from)
}

pub(crate) fn info(row: &AdminRow) -> Option<AdminInfo> {
    Some(AdminInfo {
        id: row.id,
        username: row.username.clone(),
        role: Role::parse(&row.role)?,
    })
}

/// The signed-in, enabled admin of `session`, if any: a session signed in before the admin's
/// password was reset or the admin was disabled (an older `session_epoch`) is signed out.
pub async fn admin_of(db: &Db, session: &Session) -> Result<Option<AdminInfo>, AppError> {
    // the session store failing is the database failing: 503, not "signed out"
    let unavailable = |e: tower_sessions::session::Error| {
        tracing::warn!(error = %e, "session store unavailable");
        AppError::Unavailable(e.to_string())
    };
    let Some(id) = session
        .get::<i64>(SESSION_ADMIN)
        .await
        .map_err(unavailable)?
    else {
        return Ok(None);
    };
    let epoch = session
        .get::<i64>(SESSION_EPOCH)
        .await
        .map_err(unavailable)?
        .unwrap_or(0);
    Ok(find_admin_by_id(db, id)
        .await?
        .filter(|a| !a.disabled && a.session_epoch == epoch)
        .and_then(|a| info(&a)))
}

/// The admin a page request was let in as: `require_login` looked them up (session, then the
/// `admins` row) before the page began and leaves the answer in the request's extensions, so
/// that the layout and each of the page's loaders do not read the same row again. It lives only
/// as long as that one request; a server-function call (POST) has none and reads the database.
#[derive(Clone, Debug)]
pub struct SignedIn(pub AdminInfo);

fn signed_in_here() -> Option<AdminInfo> {
    leptos::prelude::use_context::<http::request::Parts>()?
        .extensions
        .get::<SignedIn>()
        .map(|s| s.0.clone())
}

/// The signed-in, enabled admin of this request (in a server function), if any.
pub async fn current() -> Result<Option<AdminInfo>, AppError> {
    if let Some(admin) = signed_in_here() {
        return Ok(Some(admin));
    }
    admin_of(&state()?.db, &session().await?).await
}

/// In a server function: the signed-in admin if their role allows `needed`; else 401 (no
/// session, or disabled) or 403 (role).
pub async fn require(needed: Role) -> Result<AdminInfo, AppError> {
    match signed_in_here() {
        Some(admin) if admin.role.allows(needed) => Ok(admin),
        Some(_) => Err(AppError::Forbidden),
        None => require_session(&state()?.db, &session().await?, needed).await,
    }
}

/// Like `require`, for plain axum handlers (no Leptos context).
pub async fn require_session(
    db: &Db,
    session: &Session,
    needed: Role,
) -> Result<AdminInfo, AppError> {
    let admin = admin_of(db, session).await?.ok_or(AppError::Unauthorized)?;
    if admin.role.allows(needed) {
        Ok(admin)
    } else {
        Err(AppError::Forbidden)
    }
}

pub async fn logout() -> Result<(), AppError> {
    session().await?.flush().await.map_err(internal)
}

/// Creates an admin (CLI, setup link, demo). Fails with a conflict when the name is taken.
pub async fn create_admin(
    db: &Db,
    username: &str,
    password: &str,
    role: Role,
) -> Result<i64, AppError> {
    let name = Username::parse(username).map_err(|m| AppError::field("username", m))?;
    check_new_password(password).map_err(|m| AppError::field("password", m))?;
    if find_admin_by_name(db, name.as_str()).await?.is_some() {
        return Err(AppError::Conflict(Msg::new(
            format!("用户名 {} 已存在", name.as_str()),
            format!("Username {} is taken", name.as_str()),
        )));
    }
    let hash = hash_password(password).await?;
    let now = now_ms();
    with_db!(db, p => sqlx::query_scalar::<_, i64>(
        "INSERT INTO admins (username, password_hash, role, created_at, updated_at) VALUES ($1, $2, $3, $4, $4) RETURNING id")
        .bind(name.as_str()).bind(&hash).bind(role.as_str()).bind(now).fetch_one(p).await).map_err(AppError::from)
}

/// Sets a new password (CLI `admin reset-password`), ends that admin's sessions and clears the
/// lock-out for that name.
pub async fn reset_password(db: &Db, username: &str, password: &str) -> Result<(), AppError> {
    check_new_password(password).map_err(|m| AppError::field("password", m))?;
    let name = username.trim().to_lowercase();
    let hash = hash_password(password).await?;
    // a new epoch: the sessions signed in with the old password end
    let n = with_db!(db, p => sqlx::query("UPDATE admins SET password_hash = $1, updated_at = $2, session_epoch = session_epoch + 1 WHERE username = $3")
        .bind(&hash).bind(now_ms()).bind(&name).execute(p).await.map(|r| r.rows_affected())).map_err(AppError::from)?;
    if n == 0 {
        return Err(AppError::NotFound);
    }
    with_db!(db, p => sqlx::query("DELETE FROM login_attempts WHERE username = $1").bind(&name).execute(p).await.map(|_| ()))
        .map_err(AppError::from)?;
    Ok(())
}

pub async fn admin_count(db: &Db) -> Result<i64, AppError> {
    with_db!(db, p => sqlx::query_scalar::<_, i64>("SELECT COUNT(*) FROM admins").fetch_one(p).await).map_err(AppError::from)
}

const SETUP_KEY: &str = "setup_token_sha256";

fn sha256_hex(s: &str) -> String {
    crate::infra::crypto::sha256_hex(s.as_bytes())
}

/// With no admin yet, makes a one-time setup token (only its hash is stored) and returns it.
pub async fn issue_setup_token(db: &Db) -> Result<Option<String>, AppError> {
    if admin_count(db).await? > 0 {
        return Ok(None);
    }
    let token = uuid::Uuid::new_v4().simple().to_string();
    crate::infra::kv::settings_put(db, SETUP_KEY, &sha256_hex(&token)).await?;
    Ok(Some(token))
}

pub async fn complete_setup(token: &str, username: &str, password: &str) -> Result<(), AppError> {
    let st = state()?;
    let stored = crate::infra::kv::settings_get(&st.db, SETUP_KEY).await?;
    let valid = matches!(&stored, Some(h) if !token.is_empty() && *h == sha256_hex(token.trim()));
    if !valid || admin_count(&st.db).await? > 0 {
        return Err(AppError::form(Msg::new(
            "设置链接无效或已用过。请查看服务启动时打印的链接，或使用 `medals admin create`。",
            "This setup link is invalid or used. Use the link printed at start-up, or `medals admin create`.",
        )));
    }
    create_admin(&st.db, username, password, Role::Owner).await?;
    crate::infra::kv::settings_delete(&st.db, SETUP_KEY).await?;
    login(username, password).await.map(|_| ())
}
