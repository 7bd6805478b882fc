//! Saving a group (the pasted webhook checked, secrets encrypted) and the test send.

use crate::error::AppError;
use crate::groups::db::fetch;
use crate::groups::db::record_result;
use crate::groups::db::GroupRow;
use crate::groups::GroupForm;
use crate::groups::TestSendResult;
use crate::infra::now_ms;
use crate::infra::AppState;
use crate::session::types::AdminInfo;
use crate::with_db;
use medal_core::Msg;
use serde_json::json;
use std::collections::BTreeMap;

/// Keywords as typed: separated by commas (either width), semicolons, spaces or new lines.
pub fn parse_keywords(s: &str) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for k in s.split(|c: char| [',', '，', ';', '；', '、', '\n', '\r', ' ', '\t'].contains(&c))
    {
        let k = k.trim();
        if !k.is_empty() && !out.iter().any(|o| o == k) {
            out.push(k.to_string());
        }
    }
    out
}

struct Valid {
    name: String,
    kind: String,
    token: Option<String>,
    secret: Option<String>,
    keywords: Vec<String>,
    cid: Option<String>,
    chat_id: Option<String>,
}

/// The group form with what the post lacks filled in: on edit from the stored group (so a
/// partial post changes only what it names), on create as empty.
struct Filled {
    name: String,
    kind: String,
    webhook_url: String,
    sign_secret: String,
    keywords: String,
    open_conversation_id: String,
    chat_id: String,
}

fn fill(f: &GroupForm, existing: Option<&GroupRow>) -> Filled {
    let or = |v: &Option<String>, old: Option<String>| v.clone().or(old).unwrap_or_default();
    Filled {
        name: or(&f.name, existing.map(|g| g.name.clone())),
        kind: or(&f.kind, existing.map(|g| g.kind.clone())),
        // empty keeps the stored token and secret (they are never shown back)
        webhook_url: f.webhook_url.clone().unwrap_or_default(),
        sign_secret: f.sign_secret.clone().unwrap_or_default(),
        keywords: or(&f.keywords, existing.map(|g| g.keyword_list().join(", "))),
        open_conversation_id: or(
            &f.open_conversation_id,
            existing.and_then(|g| g.open_conversation_id.clone()),
        ),
        chat_id: or(&f.chat_id, existing.and_then(|g| g.chat_id.clone())),
    }
}

fn validate(f: &Filled, oapi_base: &str, editing: bool) -> Result<Valid, AppError> {
    let mut errors: BTreeMap<String, Vec<Msg>> = BTreeMap::new();
    let mut err = |field: &str, m: Msg| errors.entry(field.to_string()).or_default().push(m);
    let name = match medal_core::text::line(&f.name, 1, 50, ("群名称", "The group name")) {
        Ok(n) => n,
        Err(m) => {
            err("name", m);
            String::new()
        }
    };
    let kind = f.kind.trim().to_string();
    let mut token = None;
    let mut secret = None;
    let mut cid = None;
    let mut chat_id = None;
    let keywords = parse_keywords(&f.keywords);
    match kind.as_str() {
        "webhook" => {
            let url = f.webhook_url.trim();
            if url.is_empty() {
                if !editing {
                    err(
                        "webhook_url",
                        Msg::new(
                            "请粘贴机器人的 Webhook 地址",
                            "Paste the robot's webhook URL",
                        ),
                    );
                }
            } else {
                match dingtalk::parse_webhook(url, oapi_base) {
                    Ok(t) => token = Some(t),
                    Err(e) => err(
                        "webhook_url",
                        Msg::new(
                            format!("只接受钉钉的 Webhook 地址（https://oapi.dingtalk.com/robot/send?access_token=…）。{}", e.explain_zh()),
                            format!("Only DingTalk webhook URLs are accepted (https://oapi.dingtalk.com/robot/send?access_token=…). {}", e.explain_en()),
                        ),
                    ),
                }
            }
            let s = f.sign_secret.trim();
            if !s.is_empty() {
                if !s.starts_with("SEC")
                    || s.len() > 200
                    || !s.chars().all(|c| c.is_ascii_alphanumeric())
                {
                    err(
                        "sign_secret",
                        Msg::new(
                            "加签密钥以 SEC 开头，只含字母和数字（在机器人安全设置里复制）",
                            "The signing secret starts with SEC and has only letters and digits (copy it from the robot's security settings)",
                        ),
                    );
                } else {
                    secret = Some(s.to_string());
                }
            }
            if keywords.len() > 10 {
                err(
                    "keywords",
                    Msg::new("关键词最多 10 个", "At most 10 keywords"),
                );
            }
            if let Some(m) = keywords
                .iter()
                .find_map(|k| medal_core::text::line(k, 1, 20, ("关键词", "A keyword")).err())
            {
                err("keywords", m);
            } else if keywords.iter().any(|k| k.chars().count() > 20) {
                err(
                    "keywords",
                    Msg::new(
                        "每个关键词最多 20 个字",
                        "Each keyword can have at most 20 characters",
                    ),
                );
            }
        }
        "app" => {
            let c = f.open_conversation_id.trim();
            if c.is_empty() {
                err(
                    "open_conversation_id",
                    Msg::new(
                        "请填写群的 openConversationId",
                        "Enter the group's openConversationId",
                    ),
                );
            } else if c.len() > 200 || !c.chars().all(|c| c.is_ascii_graphic()) {
                err(
                    "open_conversation_id",
                    Msg::new(
                        "openConversationId 格式不对（通常以 cid 开头）",
                        "The openConversationId does not look right (it usually starts with cid)",
                    ),
                );
            } else {
                cid = Some(c.to_string());
            }
        }
        "chat" => {
            let c = f.chat_id.trim();
            if c.is_empty() {
                err(
                    "chat_id",
                    Msg::new("请填写群的 chatid", "Enter the group's chatid"),
                );
            } else if c.len() > 200
                || !c.starts_with("chat")
                || !c.chars().all(|c| c.is_ascii_alphanumeric())
            {
                err(
                    "chat_id",
                    Msg::new(
                        "chatid 以 chat 开头，只含字母和数字",
                        "A chatid starts with chat and has only letters and digits",
                    ),
                );
            } else {
                chat_id = Some(c.to_string());
            }
        }
        _ => err(
            "kind",
            Msg::new("请选择机器人类型", "Choose the robot kind"),
        ),
    }
    if errors.is_empty() {
        Ok(Valid {
            name,
            kind,
            token,
            secret,
            keywords,
            cid,
            chat_id,
        })
    } else {
        Err(AppError::Validation(errors))
    }
}

/// Creates or (with `id`) updates a group. On edit, an empty webhook URL or secret keeps the
/// stored one; `clear_sign_secret` removes the secret.
pub async fn save(st: &AppState, admin: &AdminInfo, f: &GroupForm) -> Result<i64, AppError> {
    let db = &st.db;
    let crypto = crate::infra::crypto::for_config(&st.config)?;
    let id: Option<i64> = match f.id.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
        Some(s) => Some(s.parse().map_err(|_| AppError::NotFound)?),
        None => None,
    };
    let existing = match id {
        Some(id) => Some(fetch(db, id).await?),
        None => None,
    };
    let filled = fill(f, existing.as_ref());
    let v = validate(&filled, &st.config.dingtalk_oapi_base, existing.is_some())?;
    if let Some(old) = &existing {
        if old.kind == "webhook" && v.kind == "app" && v.cid.is_none() {
            return Err(AppError::field(
                "open_conversation_id",
                Msg::new(
                    "请填写群的 openConversationId",
                    "Enter the group's openConversationId",
                ),
            ));
        }
        if old.kind == "app" && v.kind == "webhook" && v.token.is_none() {
            return Err(AppError::field(
                "webhook_url",
                Msg::new(
                    "请粘贴机器人的 Webhook 地址",
                    "Paste the robot's webhook URL",
                ),
            ));
        }
    }
    let now = now_ms();
    let token_enc = match (&v.token, &existing) {
        (Some(t), _) => Some(crypto.encrypt(t)),
        (None, Some(old)) if v.kind == "webhook" => old.webhook_token_enc.clone(),
        _ => None,
    };
    let secret_enc = match (&v.secret, &existing) {
        _ if v.kind != "webhook" || f.clear_sign_secret => None,
        (Some(s), _) => Some(crypto.encrypt(s)),
        (None, Some(old)) => old.sign_secret_enc.clone(),
        (None, None) => None,
    };
    let keywords = if v.kind == "webhook" {
        serde_json::to_string(&v.keywords).unwrap_or_else(|_| "[]".into())
    } else {
        "[]".into()
    };
    let after = json!({"name": v.name, "kind": v.kind, "keywords": v.keywords, "open_conversation_id": v.cid, "chat_id": v.chat_id,
        "token_changed": v.token.is_some(), "secret": if secret_enc.is_some() { "set" } else { "none" }});
    match existing {
        None => {
            let new_id = with_db!(db, p => sqlx::query_scalar::<_, i64>(
                "INSERT INTO share_groups (name, kind, webhook_token_enc, sign_secret_enc, keywords, open_conversation_id, chat_id, created_at, updated_at) \
                 VALUES ($1, $2, $3, $4, $5, $6, $8, $7, $7) RETURNING id")
                .bind(&v.name).bind(&v.kind).bind(&token_enc).bind(&secret_enc).bind(&keywords).bind(&v.cid).bind(now).bind(&v.chat_id)
                .fetch_one(p).await).map_err(AppError::from)?;
            crate::infra::audit::audit(
                db,
                admin,
                "group.create",
                "share_group",
                new_id,
                None,
                Some(after),
            )
            .await?;
            Ok(new_id)
        }
        Some(old) => {
            with_db!(db, p => sqlx::query(
                "UPDATE share_groups SET name = $1, kind = $2, webhook_token_enc = $3, sign_secret_enc = $4, keywords = $5, \
                 open_conversation_id = $6, updated_at = $7, chat_id = $9 WHERE id = $8")
                .bind(&v.name).bind(&v.kind).bind(&token_enc).bind(&secret_enc).bind(&keywords).bind(&v.cid).bind(now).bind(old.id).bind(&v.chat_id)
                .execute(p).await.map(|_| ())).map_err(AppError::from)?;
            let before = json!({"name": old.name, "kind": old.kind, "keywords": old.keyword_list(),
                "open_conversation_id": old.open_conversation_id, "chat_id": old.chat_id, "secret": if old.sign_secret_enc.is_some() { "set" } else { "none" }});
            crate::infra::audit::audit(
                db,
                admin,
                "group.update",
                "share_group",
                old.id,
                Some(before),
                Some(after),
            )
            .await?;
            Ok(old.id)
        }
    }
}

/// Sends a small test card now (inside the request: the admin waits for the answer) and
/// records the result as the group's health.
pub async fn test_send(
    st: &AppState,
    admin: &AdminInfo,
    id: i64,
) -> Result<TestSendResult, AppError> {
    let db = &st.db;
    let group = fetch(db, id).await?;
    let org = crate::settings::db::org_name(db).await?;
    let who = if org.is_empty() {
        "勋章馆".to_string()
    } else {
        format!("{} · 勋章馆", medal_core::card::escape_md(&org))
    };
    let mut text = format!(
        "#### 🏅 测试消息 / Test message\n\n{who}：此群已可接收勋章卡片。  \nThis group can receive medal cards."
    );
    let keywords = group.keyword_list();
    let msg = dingtalk::Message::markdown("勋章馆测试消息", text.clone());
    if !keywords.is_empty() && !msg.contains_any_keyword(&keywords) {
        text.push_str(&format!("\n\n— {}", keywords[0]));
    }
    let msg = dingtalk::Message::markdown("勋章馆测试消息", text);
    let outbox = crate::shares::outbox::sender::Sender::for_state(st)?;
    let r = outbox
        .deliver(&group, &msg, &dingtalk::new_msg_uuid())
        .await;
    record_result(db, id, &r).await?;
    crate::infra::audit::audit(
        db,
        admin,
        "group.test",
        "share_group",
        id,
        None,
        Some(json!({"ok": r.is_ok(), "code": r.as_ref().err().map(|e| e.code().to_string())})),
    )
    .await?;
    Ok(match r {
        Ok(()) => TestSendResult {
            ok: true,
            message: Msg::new(
                "测试消息已发送，请到群里查看。",
                "The test message was sent; look in the group.",
            ),
        },
        Err(e) => TestSendResult {
            ok: false,
            message: Msg::new(e.explain_zh(), e.explain_en()),
        },
    })
}
