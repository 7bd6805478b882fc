//! Share targets: custom-robot groups (webhook token + 加签 secret + keywords, secrets encrypted),
//! app-robot groups (openConversationId) and groups reached by chatid (`chat/send`). List, read, create/edit, disable, test-send, health.

use crate::error::AppError;
use crate::groups::GroupHealth;
use crate::groups::GroupSummary;
use crate::infra::crypto::mask;
use crate::infra::crypto::Crypto;
use crate::infra::now_ms;
use crate::infra::AppState;
use crate::infra::Db;
use crate::session::types::AdminInfo;
use crate::with_db;
use medal_core::Msg;
use serde_json::json;

#[derive(sqlx::FromRow, Clone)]
pub struct GroupRow {
    pub id: i64,
    pub name: String,
    pub kind: String,
    pub webhook_token_enc: Option<String>,
    pub sign_secret_enc: Option<String>,
    pub keywords: String,
    pub open_conversation_id: Option<String>,
    pub chat_id: Option<String>,
    pub made_via: Option<String>,
    pub owner_userid: Option<String>,
    pub member_count: Option<i32>,
    pub disabled: bool,
    pub last_ok_at: Option<i64>,
    pub last_error_at: Option<i64>,
    pub last_error_code: Option<String>,
    pub last_error_message: Option<String>,
    pub created_at: i64,
    pub updated_at: i64,
}

pub(crate) const SELECT: &str = "SELECT id, name, kind, webhook_token_enc, sign_secret_enc, keywords, open_conversation_id, \
    chat_id, made_via, owner_userid, member_count, disabled, last_ok_at, last_error_at, last_error_code, last_error_message, created_at, updated_at FROM share_groups";

impl GroupRow {
    pub fn keyword_list(&self) -> Vec<String> {
        serde_json::from_str(&self.keywords).unwrap_or_default()
    }

    fn summary(&self, crypto: &Crypto) -> GroupSummary {
        let reveal = |enc: &Option<String>| {
            enc.as_deref().map(|e| {
                crypto
                    .decrypt(e)
                    .map(|p| mask(&p))
                    .unwrap_or_else(|_| "••••••".into())
            })
        };
        GroupSummary {
            id: self.id,
            name: self.name.clone(),
            kind: self.kind.clone(),
            keywords: self.keyword_list(),
            open_conversation_id: self.open_conversation_id.clone(),
            chat_id: self.chat_id.clone(),
            made_via: self.made_via.clone(),
            owner_userid: self.owner_userid.clone(),
            member_count: self.member_count,
            token_masked: reveal(&self.webhook_token_enc),
            secret_masked: reveal(&self.sign_secret_enc),
            disabled: self.disabled,
            health: health(self),
            created_at: self.created_at,
            updated_at: self.updated_at,
        }
    }
}

/// Health from the last result: ok when the last success is newer than the last error.
pub fn health(r: &GroupRow) -> GroupHealth {
    let error = match (r.last_error_at, r.last_ok_at) {
        (Some(e), ok) if ok.is_none_or(|ok| e >= ok) => Some(explain(
            r.last_error_code.as_deref().unwrap_or(""),
            r.last_error_message.as_deref().unwrap_or(""),
        )),
        _ => None,
    };
    GroupHealth {
        last_ok_at: r.last_ok_at,
        last_error_at: r.last_error_at,
        error,
    }
}

/// A stored error code and errmsg, explained again in both languages.
pub fn explain(code: &str, errmsg: &str) -> Msg {
    let e = dingtalk::Error::from_code(code, errmsg);
    Msg::new(e.explain_zh(), e.explain_en())
}

pub async fn fetch(db: &Db, id: i64) -> Result<GroupRow, AppError> {
    let sql = format!("{SELECT} WHERE id = $1");
    with_db!(db, p => sqlx::query_as::<_, GroupRow>(&sql).bind(id).fetch_optional(p).await)
        .map_err(AppError::from)?
        .ok_or(AppError::NotFound)
}

/// These groups by id (those that exist), in one query.
pub async fn fetch_many(
    db: &Db,
    ids: &[i64],
) -> Result<std::collections::HashMap<i64, GroupRow>, AppError> {
    if ids.is_empty() {
        return Ok(Default::default());
    }
    let list = crate::infra::db::id_list(ids);
    let sql = format!("{SELECT} WHERE id IN ({list})");
    let rows = with_db!(db, p => sqlx::query_as::<_, GroupRow>(&sql).fetch_all(p).await)
        .map_err(AppError::from)?;
    Ok(rows.into_iter().map(|g| (g.id, g)).collect())
}

pub async fn fetch_all(db: &Db) -> Result<Vec<GroupRow>, AppError> {
    // the winners themselves (1:1 targets, `oto` and `notice`) are not groups to list or pick
    let sql =
        format!("{SELECT} WHERE kind IN ('webhook', 'app', 'chat') ORDER BY disabled, name, id");
    with_db!(db, p => sqlx::query_as::<_, GroupRow>(&sql).fetch_all(p).await)
        .map_err(AppError::from)
}

pub async fn list(st: &AppState) -> Result<Vec<GroupSummary>, AppError> {
    let crypto = crate::infra::crypto::for_config(&st.config)?;
    Ok(fetch_all(&st.db)
        .await?
        .iter()
        .map(|g| g.summary(&crypto))
        .collect())
}

pub async fn get(st: &AppState, id: i64) -> Result<GroupSummary, AppError> {
    let crypto = crate::infra::crypto::for_config(&st.config)?;
    Ok(fetch(&st.db, id).await?.summary(&crypto))
}

pub async fn set_disabled(
    db: &Db,
    admin: &AdminInfo,
    id: i64,
    disabled: bool,
) -> Result<(), AppError> {
    let old = fetch(db, id).await?;
    with_db!(db, p => sqlx::query("UPDATE share_groups SET disabled = $1, updated_at = $2 WHERE id = $3")
        .bind(disabled).bind(now_ms()).bind(id).execute(p).await.map(|_| ())).map_err(AppError::from)?;
    crate::infra::audit::audit(
        db,
        admin,
        if disabled {
            "group.disable"
        } else {
            "group.enable"
        },
        "share_group",
        id,
        Some(json!({"disabled": old.disabled})),
        Some(json!({"disabled": disabled})),
    )
    .await
}

/// Records a send's outcome as the group's health.
pub async fn record_result(
    db: &Db,
    group_id: i64,
    r: &Result<(), dingtalk::Error>,
) -> Result<(), AppError> {
    let now = now_ms();
    match r {
        Ok(()) => with_db!(db, p => sqlx::query("UPDATE share_groups SET last_ok_at = $1 WHERE id = $2")
            .bind(now).bind(group_id).execute(p).await.map(|_| ())),
        Err(e) => with_db!(db, p => sqlx::query(
            "UPDATE share_groups SET last_error_at = $1, last_error_code = $2, last_error_message = $3 WHERE id = $4")
            .bind(now).bind(e.code()).bind(e.errmsg()).bind(group_id).execute(p).await.map(|_| ())),
    }
    .map_err(AppError::from)?;
    Ok(())
}
