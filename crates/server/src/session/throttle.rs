//! The sign-in throttle (used by [`super::auth`]). Guessing is limited per attempt *before* the
//! password is checked, atomically (see [`reserve_attempt`]), and aimed at the guesser, not the
//! account's owner:
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
use crate::session::auth::find_admin_by_name;
use crate::session::auth::info;
use crate::session::auth::session;
use crate::session::auth::verify_password;
use crate::session::auth::DUMMY_HASH;
use crate::session::auth::SESSION_ADMIN;
use crate::session::auth::SESSION_EPOCH;
use crate::session::AdminInfo;
use crate::with_db;
use medal_core::Msg;

pub const THROTTLE_WINDOW_MS: i64 = 15 * 60 * 1000;

/// Failures for one username from one IP in the window before that IP is locked out of it.
pub const THROTTLE_MAX_FAILURES: i64 = 5;

/// Failures from one IP (any usernames) in the window before the IP is locked out.
pub const THROTTLE_MAX_PER_IP: i64 = 20;

/// Failures for one username from anywhere before unknown IPs and browsers are locked out of it.
pub const THROTTLE_MAX_PER_USER: i64 = 30;

/// How long a sign-in makes the IP and the browser known for that username.
pub const KNOWN_FOR_MS: i64 = 30 * 24 * 3600 * 1000;

/// The cookie that marks a browser an admin signed in from (signed, per username).
pub const DEVICE_COOKIE: &str = "medals_device";

/// The client's IP: as the socket saw it, or, behind a proxy named by `client_ip_header`
/// (`MEDALS_CLIENT_IP_HEADER=X-Forwarded-For`), the last address that header lists (the one
/// the proxy itself added).
async fn client_ip() -> String {
    let header = state().ok().and_then(|s| s.config.client_ip_header.clone());
    if let (Some(h), Some(parts)) = (
        header,
        leptos::prelude::use_context::<http::request::Parts>(),
    ) {
        if let Some(ip) = parts
            .headers
            .get_all(h.as_str())
            .iter()
            .filter_map(|v| v.to_str().ok())
            .flat_map(|v| v.split(','))
            .next_back()
            .and_then(|s| s.trim().parse::<std::net::IpAddr>().ok())
        {
            return ip.to_string();
        }
    }
    leptos_axum::extract::<axum::extract::ConnectInfo<std::net::SocketAddr>>()
        .await
        .map(|c| c.0.ip().to_string())
        .unwrap_or_else(|_| "unknown".into())
}

/// Failure counts in the throttle window, not counting the attempt being made.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct Failures {
    /// This username from this IP.
    pub pair: i64,
    /// This IP, any username.
    pub ip: i64,
    /// This username, any IP.
    pub user: i64,
}

/// What the throttle says about one attempt.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Verdict {
    /// Check the password (after waiting this long, for a known browser or IP over the limit).
    Try {
        pause_ms: u64,
    },
    Refuse,
}

/// The throttle's rule (see the module comment), on the counts before this attempt.
pub fn judge(f: Failures, known: bool) -> Verdict {
    if known {
        let over = f.pair - THROTTLE_MAX_FAILURES + 1;
        let pause_ms = if over > 0 {
            (1000u64 << over.min(5) as u32).min(30_000)
        } else {
            0
        };
        return Verdict::Try { pause_ms };
    }
    if f.pair >= THROTTLE_MAX_FAILURES
        || f.ip >= THROTTLE_MAX_PER_IP
        || f.user >= THROTTLE_MAX_PER_USER
    {
        Verdict::Refuse
    } else {
        Verdict::Try { pause_ms: 0 }
    }
}

const COUNT_FAILURES: &str = "SELECT \
     COALESCE(SUM(CASE WHEN username = $1 AND ip = $2 THEN 1 ELSE 0 END), 0), \
     COALESCE(SUM(CASE WHEN ip = $2 THEN 1 ELSE 0 END), 0), \
     COALESCE(SUM(CASE WHEN username = $1 THEN 1 ELSE 0 END), 0) \
     FROM login_attempts WHERE success = FALSE AND at > $3 AND id <> $4 AND (username = $1 OR ip = $2)";

/// Writes this attempt (as a failure, until the password proves right) and counts the failures
/// before it, in one transaction, so parallel guesses cannot all pass the count: on SQLite the
/// INSERT takes the write lock first; on PostgreSQL an advisory lock per username is taken
/// first. A refused attempt is removed again (it checked no password). Returns the attempt's id
/// when it may go on.
async fn reserve_attempt(
    db: &Db,
    name: &str,
    ip: &str,
    known: bool,
) -> Result<(Option<i64>, Failures, Verdict), AppError> {
    let now = now_ms();
    let since = now - THROTTLE_WINDOW_MS;
    macro_rules! run {
        ($tx:expr) => {{
            let id: i64 = sqlx::query_scalar(
                "INSERT INTO login_attempts (username, ip, success, at) VALUES ($1, $2, FALSE, $3) RETURNING id",
            )
            .bind(name).bind(ip).bind(now)
            .fetch_one(&mut *$tx).await.map_err(AppError::from)?;
            let (pair, by_ip, user): (i64, i64, i64) = sqlx::query_as(COUNT_FAILURES)
                .bind(name).bind(ip).bind(since).bind(id)
                .fetch_one(&mut *$tx).await.map_err(AppError::from)?;
            let f = Failures { pair, ip: by_ip, user };
            let verdict = judge(f, known);
            if verdict == Verdict::Refuse {
                sqlx::query("DELETE FROM login_attempts WHERE id = $1")
                    .bind(id).execute(&mut *$tx).await.map_err(AppError::from)?;
            }
            (id, f, verdict)
        }};
    }
    let (id, f, verdict) = match db {
        Db::Sqlite(p) => {
            let mut tx = p.begin().await.map_err(AppError::from)?;
            let r = run!(tx);
            tx.commit().await.map_err(AppError::from)?;
            r
        }
        Db::Postgres(p) => {
            let mut tx = p.begin().await.map_err(AppError::from)?;
            sqlx::query("SELECT pg_advisory_xact_lock(hashtext('medals-login:' || $1))")
                .bind(name)
                .execute(&mut *tx)
                .await
                .map_err(AppError::from)?;
            let r = run!(tx);
            tx.commit().await.map_err(AppError::from)?;
            r
        }
    };
    Ok(((verdict != Verdict::Refuse).then_some(id), f, verdict))
}

/// Whether this username signed in from `ip` within [`KNOWN_FOR_MS`].
async fn ip_known(db: &Db, name: &str, ip: &str) -> Result<bool, AppError> {
    let n = with_db!(db, p => sqlx::query_scalar::<_, i64>(
        "SELECT COUNT(*) FROM login_attempts WHERE username = $1 AND ip = $2 AND success = TRUE AND at > $3")
        .bind(name).bind(ip).bind(now_ms() - KNOWN_FOR_MS).fetch_one(p).await)
    .map_err(AppError::from)?;
    Ok(n > 0)
}

/// The device cookie's value for `name`: `name.mac(name)`.
fn device_token(crypto: &crate::infra::crypto::Crypto, name: &str) -> String {
    format!("{name}.{}", crypto.mac(&format!("device:{name}")))
}

/// Whether this request's browser carries the device cookie of `name`.
fn device_known(crypto: &crate::infra::crypto::Crypto, name: &str) -> bool {
    let Some(parts) = leptos::prelude::use_context::<http::request::Parts>() else {
        return false;
    };
    parts
        .headers
        .get_all(http::header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|kv| kv.trim().split_once('='))
        .filter(|(k, _)| *k == DEVICE_COOKIE)
        .any(|(_, v)| {
            v.split_once('.').is_some_and(|(n, tag)| {
                n == name && crypto.verify_mac(&format!("device:{name}"), tag)
            })
        })
}

fn remember_device(crypto: &crate::infra::crypto::Crypto, name: &str, secure: bool) {
    let Some(res) = leptos::prelude::use_context::<leptos_axum::ResponseOptions>() else {
        return;
    };
    let cookie = format!(
        "{DEVICE_COOKIE}={}; Path=/sfn/auth/login; Max-Age={}; HttpOnly; SameSite=Lax{}",
        device_token(crypto, name),
        KNOWN_FOR_MS / 1000,
        if secure { "; Secure" } else { "" }
    );
    if let Ok(v) = http::HeaderValue::from_str(&cookie) {
        res.append_header(http::header::SET_COOKIE, v);
    }
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
    if name.chars().count() > 64 {
        return Err(AppError::form(Msg::new(
            "用户名或密码不正确。",
            "Wrong username or password.",
        )));
    }
    let crypto = crate::infra::crypto::for_config(&st.config)?;
    let device = device_known(&crypto, &name);
    let known = device || ip_known(&st.db, &name, &ip).await?;
    let (attempt, failures, verdict) = reserve_attempt(&st.db, &name, &ip, known).await?;
    let Some(attempt) = attempt else {
        tracing::warn!(username = %name, %ip, pair = failures.pair, ip_failures = failures.ip,
            user_failures = failures.user, "sign-in refused: too many failures");
        return Err(AppError::TooManyAttempts(Msg::new(
            "登录失败次数过多，请 15 分钟后再试。如果你是账号的主人，请在常用的电脑或网络上登录，或请所有者用 `medals admin reset-password` 重置密码。",
            "Too many failed sign-ins. Please try again in 15 minutes, or sign in from a computer or network you have used before; an owner can also run `medals admin reset-password`.",
        )));
    };
    if let Verdict::Try { pause_ms } = verdict {
        if pause_ms > 0 {
            tracing::info!(username = %name, %ip, pause_ms, "sign-in slowed down after failures");
            tokio::time::sleep(std::time::Duration::from_millis(pause_ms)).await;
        }
    }
    let row = find_admin_by_name(&st.db, &name).await?;
    let ok = match &row {
        Some(r) => verify_password(&r.password_hash, password).await && !r.disabled,
        None => {
            verify_password(&DUMMY_HASH, password).await;
            false
        }
    };
    if ok {
        with_db!(&st.db, p => sqlx::query("UPDATE login_attempts SET success = TRUE WHERE id = $1")
            .bind(attempt).execute(p).await.map(|_| ()))
        .map_err(AppError::from)?;
        with_db!(&st.db, p => sqlx::query("UPDATE admins SET last_login_at = $1 WHERE username = $2")
            .bind(now_ms()).bind(&name).execute(p).await.map(|_| ()))
        .map_err(AppError::from)?;
    }
    let admin = match (ok, row.as_ref().and_then(info)) {
        (true, Some(a)) => a,
        _ => {
            tracing::info!(username = %name, %ip, known, failures = failures.pair + 1,
                user_failures = failures.user + 1, "sign-in refused: wrong username or password");
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
    let epoch = row.as_ref().map_or(0, |r| r.session_epoch);
    session
        .insert(SESSION_EPOCH, epoch)
        .await
        .map_err(internal)?;
    remember_device(&crypto, &name, st.config.is_https());
    tracing::info!(username = %admin.username, %ip, "signed in");
    Ok(admin)
}

/// Forgets sign-in attempts older than any window that reads them.
pub async fn forget_old_attempts(db: &Db) -> Result<u64, AppError> {
    with_db!(db, p => sqlx::query("DELETE FROM login_attempts WHERE at < $1")
        .bind(now_ms() - KNOWN_FOR_MS).execute(p).await.map(|r| r.rows_affected()))
    .map_err(AppError::from)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn f(pair: i64, ip: i64, user: i64) -> Failures {
        Failures { pair, ip, user }
    }

    #[test]
    fn the_guesser_is_locked_out_not_the_owner() {
        assert_eq!(judge(f(4, 4, 4), false), Verdict::Try { pause_ms: 0 });
        assert_eq!(judge(f(5, 5, 5), false), Verdict::Refuse);
        assert_eq!(judge(f(0, 20, 0), false), Verdict::Refuse);
        assert_eq!(judge(f(0, 0, 30), false), Verdict::Refuse);
        // a known browser or IP: slowed down, never refused
        assert_eq!(judge(f(4, 4, 100), true), Verdict::Try { pause_ms: 0 });
        assert_eq!(judge(f(5, 50, 100), true), Verdict::Try { pause_ms: 2000 });
        assert_eq!(judge(f(6, 50, 100), true), Verdict::Try { pause_ms: 4000 });
        assert_eq!(
            judge(f(60, 60, 100), true),
            Verdict::Try { pause_ms: 30_000 }
        );
    }
}
