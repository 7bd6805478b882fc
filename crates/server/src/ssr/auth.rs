//! Sign-in, sessions and roles. Passwords are argon2id (OWASP parameters: 19 MiB, t=2, p=1),
//! hashed off the async threads. Sessions live in the database (tower-sessions), so several
//! instances share them. Five failures per username or per IP within 15 minutes lock further tries
//! until the window passes; unknown usernames cost the same hashing work as known ones.

use std::sync::LazyLock;

use argon2::password_hash::{
    rand_core::OsRng, PasswordHash, PasswordHasher, PasswordVerifier, SaltString,
};
use argon2::{Algorithm, Argon2, Params, Version};
use medal_core::admin::check_new_password;
use medal_core::{Msg, Role, Username};
use tower_sessions::Session;

use super::{db_err, internal, now_ms, state, Db};
use crate::api::AdminInfo;
use crate::error::AppError;
use crate::with_db;

pub const SESSION_ADMIN: &str = "admin_id";
pub const THROTTLE_WINDOW_MS: i64 = 15 * 60 * 1000;
pub const THROTTLE_MAX_FAILURES: i64 = 5;

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
static DUMMY_HASH: LazyLock<String> = LazyLock::new(|| {
    let salt = SaltString::generate(&mut OsRng);
    argon2()
        .hash_password(b"not a real password", &salt)
        .expect("hash")
        .to_string()
});

pub async fn session() -> Result<Session, AppError> {
    leptos_axum::extract::<Session>()
        .await
        .map_err(|e| internal(format!("session layer: {e}")))
}

/// The client's IP as the socket saw it.
async fn client_ip() -> String {
    leptos_axum::extract::<axum::extract::ConnectInfo<std::net::SocketAddr>>()
        .await
        .map(|c| c.0.ip().to_string())
        .unwrap_or_else(|_| "unknown".into())
}

#[derive(sqlx::FromRow)]
struct AdminRow {
    id: i64,
    username: String,
    password_hash: String,
    role: String,
    disabled: bool,
}

async fn find_admin_by_name(db: &Db, username: &str) -> Result<Option<AdminRow>, AppError> {
    with_db!(db, p => sqlx::query_as::<_, AdminRow>(
        "SELECT id, username, password_hash, role, disabled FROM admins WHERE username = $1")
        .bind(username).fetch_optional(p).await)
    .map_err(db_err)
}

async fn find_admin_by_id(db: &Db, id: i64) -> Result<Option<AdminRow>, AppError> {
    with_db!(db, p => sqlx::query_as::<_, AdminRow>(
        "SELECT id, username, password_hash, role, disabled FROM admins WHERE id = $1")
        .bind(id).fetch_optional(p).await)
    .map_err(db_err)
}

fn info(row: &AdminRow) -> Option<AdminInfo> {
    Some(AdminInfo {
        id: row.id,
        username: row.username.clone(),
        role: Role::parse(&row.role)?,
    })
}

/// The signed-in, enabled admin of `session`, if any.
pub async fn admin_of(db: &Db, session: &Session) -> Result<Option<AdminInfo>, AppError> {
    let Some(id) = session.get::<i64>(SESSION_ADMIN).await.map_err(internal)? else {
        return Ok(None);
    };
    Ok(find_admin_by_id(db, id)
        .await?
        .filter(|a| !a.disabled)
        .and_then(|a| info(&a)))
}

/// The signed-in, enabled admin of this request (in a server function), if any.
pub async fn current() -> Result<Option<AdminInfo>, AppError> {
    admin_of(&state()?.db, &session().await?).await
}

/// In a server function: the signed-in admin if their role allows `needed`; else 401 (no
/// session, or disabled) or 403 (role).
pub async fn require(needed: Role) -> Result<AdminInfo, AppError> {
    require_session(&state()?.db, &session().await?, needed).await
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

async fn recent_failures(db: &Db, column: &str, value: &str, since: i64) -> Result<i64, AppError> {
    // `column` is one of two constants below, never user input.
    let sql = format!(
        "SELECT COUNT(*) FROM login_attempts WHERE {column} = $1 AND success = FALSE AND at > $2"
    );
    with_db!(db, p => sqlx::query_scalar::<_, i64>(&sql).bind(value).bind(since).fetch_one(p).await)
        .map_err(db_err)
}

pub async fn login(username: &str, password: &str) -> Result<AdminInfo, AppError> {
    let st = state()?;
    let ip = client_ip().await;
    let name = username.trim().to_lowercase();
    if name.is_empty() || password.is_empty() {
        let mut errs = std::collections::BTreeMap::new();
        if name.is_empty() {
            errs.insert(
                "username".into(),
                vec![Msg::new("请填写用户名", "Username is required")],
            );
        }
        if password.is_empty() {
            errs.insert(
                "password".into(),
                vec![Msg::new("请填写密码", "Password is required")],
            );
        }
        return Err(AppError::Validation(errs));
    }
    let since = now_ms() - THROTTLE_WINDOW_MS;
    if recent_failures(&st.db, "username", &name, since).await? >= THROTTLE_MAX_FAILURES
        || recent_failures(&st.db, "ip", &ip, since).await? >= THROTTLE_MAX_FAILURES
    {
        return Err(AppError::TooManyAttempts(Msg::new(
            "登录失败次数过多，请 15 分钟后再试。",
            "Too many failed sign-ins. Please try again in 15 minutes.",
        )));
    }
    let row = find_admin_by_name(&st.db, &name).await?;
    let ok = match &row {
        Some(r) => verify_password(&r.password_hash, password).await && !r.disabled,
        None => {
            verify_password(&DUMMY_HASH, password).await;
            false
        }
    };
    with_db!(&st.db, p => sqlx::query("INSERT INTO login_attempts (username, ip, success, at) VALUES ($1, $2, $3, $4)")
        .bind(&name).bind(&ip).bind(ok).bind(now_ms()).execute(p).await.map(|_| ())).map_err(db_err)?;
    let admin = match (ok, row.as_ref().and_then(info)) {
        (true, Some(a)) => a,
        _ => {
            tracing::info!(username = %name, %ip, "sign-in refused");
            return Err(AppError::form(Msg::new(
                "用户名或密码不正确。",
                "Wrong username or password.",
            )));
        }
    };
    let session = session().await?;
    session.cycle_id().await.map_err(internal)?;
    session
        .insert(SESSION_ADMIN, admin.id)
        .await
        .map_err(internal)?;
    tracing::info!(username = %admin.username, "signed in");
    Ok(admin)
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
        .bind(name.as_str()).bind(&hash).bind(role.as_str()).bind(now).fetch_one(p).await).map_err(db_err)
}

/// Sets a new password (CLI `admin reset-password`) and clears the lock-out for that name.
pub async fn reset_password(db: &Db, username: &str, password: &str) -> Result<(), AppError> {
    check_new_password(password).map_err(|m| AppError::field("password", m))?;
    let name = username.trim().to_lowercase();
    let hash = hash_password(password).await?;
    let n = with_db!(db, p => sqlx::query("UPDATE admins SET password_hash = $1, updated_at = $2 WHERE username = $3")
        .bind(&hash).bind(now_ms()).bind(&name).execute(p).await.map(|r| r.rows_affected())).map_err(db_err)?;
    if n == 0 {
        return Err(AppError::NotFound);
    }
    with_db!(db, p => sqlx::query("DELETE FROM login_attempts WHERE username = $1").bind(&name).execute(p).await.map(|_| ()))
        .map_err(db_err)?;
    Ok(())
}

pub async fn admin_count(db: &Db) -> Result<i64, AppError> {
    with_db!(db, p => sqlx::query_scalar::<_, i64>("SELECT COUNT(*) FROM admins").fetch_one(p).await).map_err(db_err)
}

const SETUP_KEY: &str = "setup_token_sha256";

fn sha256_hex(s: &str) -> String {
    use sha2::Digest;
    let d = sha2::Sha256::digest(s.as_bytes());
    d.iter().map(|b| format!("{b:02x}")).collect()
}

/// With no admin yet, makes a one-time setup token (only its hash is stored) and returns it.
pub async fn issue_setup_token(db: &Db) -> Result<Option<String>, AppError> {
    if admin_count(db).await? > 0 {
        return Ok(None);
    }
    let token = uuid::Uuid::new_v4().simple().to_string();
    super::settings_put(db, SETUP_KEY, &sha256_hex(&token)).await?;
    Ok(Some(token))
}

pub async fn complete_setup(token: &str, username: &str, password: &str) -> Result<(), AppError> {
    let st = state()?;
    let stored = super::settings_get(&st.db, SETUP_KEY).await?;
    let valid = matches!(&stored, Some(h) if !token.is_empty() && *h == sha256_hex(token.trim()));
    if !valid || admin_count(&st.db).await? > 0 {
        return Err(AppError::form(Msg::new(
            "设置链接无效或已用过。请查看服务启动时打印的链接，或使用 `medals admin create`。",
            "This setup link is invalid or used. Use the link printed at start-up, or `medals admin create`.",
        )));
    }
    create_admin(&st.db, username, password, Role::Owner).await?;
    super::settings_delete(&st.db, SETUP_KEY).await?;
    login(username, password).await.map(|_| ())
}
