//! The tokens' SQL: list, create, revoke, and the lookup every API request makes. A token is
//! `mh_` + 32 random bytes (base64url); the database keeps its SHA-256 (hex) and its first 10
//! characters. Tokens are high-entropy, so a plain hash (no salt, no slow hash) is what fits:
//! a lookup is one indexed read.

use crate::error::AppError;
use crate::infra::audit::INSERT as AUDIT_INSERT;
use crate::infra::now_ms;
use crate::infra::Db;
use crate::session::AdminInfo;
use crate::tokens::types::{IssuedToken, Scope, TokenItem};
use crate::with_db;
use medal_core::{Msg, Role};
use serde_json::json;

/// Last-used times are written at most this often per token.
const TOUCH_EVERY_MS: i64 = 60_000;

const PREFIX_CHARS: usize = 10;

pub fn hash(token: &str) -> String {
    crate::infra::crypto::sha256_hex(token.as_bytes())
}

fn new_token() -> String {
    use base64::Engine;
    let bytes: [u8; 32] = rand::random();
    format!(
        "mh_{}",
        base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes)
    )
}

fn scopes_of(s: &str) -> Vec<Scope> {
    s.split(',').filter_map(Scope::parse).collect()
}

#[derive(sqlx::FromRow)]
struct Row {
    id: i64,
    name: String,
    prefix: String,
    scopes: String,
    created_by: String,
    created_at: i64,
    last_used_at: Option<i64>,
    revoked_at: Option<i64>,
}

/// Every token, live ones first, newest first.
pub async fn list(db: &Db) -> Result<Vec<TokenItem>, AppError> {
    let rows = with_db!(db, p => sqlx::query_as::<_, Row>(
        "SELECT t.id, t.name, t.prefix, t.scopes, a.username AS created_by, t.created_at, \
         t.last_used_at, t.revoked_at FROM api_tokens t JOIN admins a ON a.id = t.created_by \
         ORDER BY CASE WHEN t.revoked_at IS NULL THEN 0 ELSE 1 END, t.created_at DESC, t.id DESC")
        .fetch_all(p).await)
    .map_err(AppError::from)?;
    Ok(rows
        .into_iter()
        .map(|r| TokenItem {
            id: r.id,
            name: r.name,
            prefix: r.prefix,
            scopes: scopes_of(&r.scopes),
            created_by: r.created_by,
            created_at: r.created_at,
            last_used_at: r.last_used_at,
            revoked_at: r.revoked_at,
        })
        .collect())
}

/// Checks a new token's name (1–50 characters) and scopes (at least one, known ones).
fn check(name: &str, scopes: &[String]) -> Result<(String, Vec<Scope>), AppError> {
    let mut errs = std::collections::BTreeMap::<String, Vec<Msg>>::new();
    let name = name.trim();
    let n = name.chars().count();
    if n == 0 || n > 50 || name.chars().any(char::is_control) {
        errs.entry("name".into()).or_default().push(Msg::new(
            "请填写令牌名称（1–50 个字符），例如「项目管理系统」",
            "Name the token (1–50 characters), e.g. “project tool”",
        ));
    }
    let mut picked = Vec::new();
    for s in scopes {
        match Scope::parse(s) {
            Some(x) if !picked.contains(&x) => picked.push(x),
            Some(_) => {}
            None => {
                errs.entry("scopes".into()).or_default().push(Msg::new(
                    format!("未知的权限范围：{s}"),
                    format!("Unknown scope: {s}"),
                ));
            }
        }
    }
    if picked.is_empty() && !errs.contains_key("scopes") {
        errs.entry("scopes".into()).or_default().push(Msg::new(
            "请至少选择一项权限范围",
            "Choose at least one scope",
        ));
    }
    if !errs.is_empty() {
        return Err(AppError::Validation(errs));
    }
    picked.sort_by_key(|s| Scope::ALL.iter().position(|x| x == s));
    Ok((name.to_string(), picked))
}

pub async fn create(
    db: &Db,
    admin: &AdminInfo,
    name: &str,
    scopes: &[String],
) -> Result<IssuedToken, AppError> {
    let (name, scopes) = check(name, scopes)?;
    let token = new_token();
    let prefix: String = token.chars().take(PREFIX_CHARS).collect();
    let scopes_text = scopes
        .iter()
        .map(|s| s.as_str())
        .collect::<Vec<_>>()
        .join(",");
    let now = now_ms();
    let after = json!({"name": name, "prefix": prefix, "scopes": scopes_text});
    let id = with_db!(db, p => async {
        let mut tx = p.begin().await?;
        let id = sqlx::query_scalar::<_, i64>(
            "INSERT INTO api_tokens (name, prefix, token_hash, scopes, created_by, created_at) \
             VALUES ($1, $2, $3, $4, $5, $6) RETURNING id")
            .bind(&name).bind(&prefix).bind(hash(&token)).bind(&scopes_text).bind(admin.id)
            .bind(now).fetch_one(&mut *tx).await?;
        sqlx::query(AUDIT_INSERT)
            .bind(Some(admin.id)).bind(&admin.username).bind("token.create").bind("api_token")
            .bind(Some(id.to_string())).bind(None::<String>).bind(Some(after.to_string()))
            .bind(now).execute(&mut *tx).await?;
        tx.commit().await?;
        Ok::<_, sqlx::Error>(id)
    }.await)
    .map_err(AppError::from)?;
    Ok(IssuedToken { id, name, token })
}

pub async fn revoke(db: &Db, admin: &AdminInfo, id: i64) -> Result<(), AppError> {
    let now = now_ms();
    let r: Result<Option<(String, Option<i64>)>, sqlx::Error> = with_db!(db, p => async {
        let mut tx = p.begin().await?;
        let row = sqlx::query_as::<_, (String, Option<i64>)>(
            "SELECT name, revoked_at FROM api_tokens WHERE id = $1")
            .bind(id).fetch_optional(&mut *tx).await?;
        if let Some((name, None)) = &row {
            sqlx::query("UPDATE api_tokens SET revoked_at = $1, revoked_by = $2 WHERE id = $3")
                .bind(now).bind(admin.id).bind(id).execute(&mut *tx).await?;
            sqlx::query(AUDIT_INSERT)
                .bind(Some(admin.id)).bind(&admin.username).bind("token.revoke").bind("api_token")
                .bind(Some(id.to_string())).bind(Some(json!({"name": name}).to_string()))
                .bind(Some(json!({"revoked": true}).to_string())).bind(now)
                .execute(&mut *tx).await?;
        }
        tx.commit().await?;
        Ok(row)
    }.await);
    match r.map_err(AppError::from)? {
        None => Err(AppError::NotFound),
        Some((_, Some(_))) => Err(AppError::Conflict(Msg::new(
            "这个令牌已经撤销过了。",
            "This token was already revoked.",
        ))),
        Some(_) => Ok(()),
    }
}

/// A token that answered: who acts with it, what it may do.
#[derive(Debug, Clone)]
pub struct Caller {
    pub token_id: i64,
    pub token_name: String,
    pub scopes: Vec<Scope>,
    /// The maker, as the actor of what the token does (username `api:<token name>`).
    pub admin: AdminInfo,
}

/// Why a token did not answer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Refusal {
    Unknown,
    Revoked,
    /// Its maker is disabled.
    MakerDisabled,
}

#[derive(sqlx::FromRow)]
struct AuthRow {
    id: i64,
    name: String,
    scopes: String,
    revoked_at: Option<i64>,
    last_used_at: Option<i64>,
    admin_id: i64,
    role: String,
    disabled: bool,
}

/// Looks a presented token up; on success notes its use (at most once a minute).
pub async fn authenticate(db: &Db, token: &str) -> Result<Result<Caller, Refusal>, AppError> {
    let row = with_db!(db, p => sqlx::query_as::<_, AuthRow>(
        "SELECT t.id, t.name, t.scopes, t.revoked_at, t.last_used_at, a.id AS admin_id, a.role, \
         a.disabled FROM api_tokens t JOIN admins a ON a.id = t.created_by WHERE t.token_hash = $1")
        .bind(hash(token)).fetch_optional(p).await)
    .map_err(AppError::from)?;
    let Some(row) = row else {
        return Ok(Err(Refusal::Unknown));
    };
    if row.revoked_at.is_some() {
        return Ok(Err(Refusal::Revoked));
    }
    if row.disabled {
        return Ok(Err(Refusal::MakerDisabled));
    }
    let now = now_ms();
    if row
        .last_used_at
        .is_none_or(|t| now - t >= TOUCH_EVERY_MS || t > now)
    {
        with_db!(db, p => sqlx::query(
            "UPDATE api_tokens SET last_used_at = $1 WHERE id = $2")
            .bind(now).bind(row.id).execute(p).await.map(|_| ()))
        .map_err(AppError::from)?;
    }
    Ok(Ok(Caller {
        token_id: row.id,
        scopes: scopes_of(&row.scopes),
        admin: AdminInfo {
            id: row.admin_id,
            username: format!("api:{}", row.name),
            role: Role::parse(&row.role).unwrap_or(Role::Viewer),
        },
        token_name: row.name,
    }))
}
