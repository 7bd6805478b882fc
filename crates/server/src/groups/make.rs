//! "Create a DingTalk group" (在钉钉建群): the members picked like award recipients (everyone
//! holding a medal now, whole departments), the owner by mobile, userId or external id; made
//! through the scene-group API when a template is set in the settings (its robot joins, so the
//! group is an app-robot target at once), else through the older `chat/create` (a target reached
//! by chatid). The new group is saved as a share target and audited.

use crate::error::AppError;
use crate::groups::types::{MadeGroup, MakeFormChoices, MakeGroupForm};
use crate::infra::now_ms;
use crate::infra::AppState;
use crate::infra::Db;
use crate::session::types::AdminInfo;
use crate::with_db;
use dingtalk::NewChat;
use medal_core::Msg;
use serde_json::json;
use std::collections::BTreeMap;

#[derive(sqlx::FromRow)]
struct Member {
    id: i64,
    name: String,
    userid: Option<String>,
}

const MEMBER: &str =
    "SELECT s.id, s.name, s.dingtalk_user_id AS userid FROM staff s WHERE s.active = TRUE";

pub async fn choices(st: &AppState) -> Result<MakeFormChoices, AppError> {
    let db = &st.db;
    let medals = with_db!(db, p => sqlx::query_as::<_, (i64, String, i64)>(
        "SELECT id, name, live_awards FROM medals WHERE archived_at IS NULL AND live_awards > 0 ORDER BY name")
        .fetch_all(p).await)
    .map_err(AppError::from)?;
    let departments = crate::awards::db::choices(db)
        .await?
        .departments
        .into_iter()
        .map(|d| (d.name, d.staff))
        .collect();
    let crypto = crate::infra::crypto::for_config(&st.config)?;
    let template = crate::settings::db::scene_group_template(db).await?;
    Ok(MakeFormChoices {
        medals,
        departments,
        via: if template.is_empty() {
            "chat/create".into()
        } else {
            "scenegroup".into()
        },
        app_ready: crate::settings::db::app_credentials(db, &crypto)
            .await?
            .is_some(),
    })
}

/// The people picked, in id order, each once.
async fn picked(db: &Db, f: &MakeGroupForm) -> Result<Vec<Member>, AppError> {
    let mut out: BTreeMap<i64, Member> = BTreeMap::new();
    if let Some(medal) = f.medal.as_deref().map(str::trim).filter(|m| !m.is_empty()) {
        let medal: i64 = medal
            .parse()
            .map_err(|_| AppError::field("medal", Msg::new("请选择勋章", "Choose a medal")))?;
        let sql = format!(
            "{MEMBER} AND s.id IN (SELECT a.staff_id FROM awards a WHERE a.medal_id = $1 \
             AND a.revoked_at IS NULL AND (a.expires_at IS NULL OR a.expires_at > $2))"
        );
        let rows = with_db!(db, p => sqlx::query_as::<_, Member>(&sql)
            .bind(medal).bind(now_ms()).fetch_all(p).await)
        .map_err(AppError::from)?;
        out.extend(rows.into_iter().map(|m| (m.id, m)));
    }
    for d in f
        .department
        .iter()
        .map(|d| d.trim())
        .filter(|d| !d.is_empty())
    {
        let sql = format!("{MEMBER} AND s.department = $1");
        let rows = with_db!(db, p => sqlx::query_as::<_, Member>(&sql).bind(d).fetch_all(p).await)
            .map_err(AppError::from)?;
        out.extend(rows.into_iter().map(|m| (m.id, m)));
    }
    Ok(out.into_values().collect())
}

/// The userId of the person `who` names (mobile, userId or external id); errors on `field`.
pub async fn owner_userid(db: &Db, who: &str, field: &str) -> Result<String, AppError> {
    Ok(person(db, who, field).await?.userid.unwrap_or_default())
}

async fn owner(db: &Db, who: &str) -> Result<Member, AppError> {
    person(db, who, "owner").await
}

/// An active person with a userId, found by mobile, userId or external id.
async fn person(db: &Db, who: &str, field_name: &str) -> Result<Member, AppError> {
    let who = who.trim();
    let field = |zh: &str, en: &str| AppError::field(field_name, Msg::new(zh, en));
    if who.is_empty() {
        return Err(field(
            "请填写群主的手机号、钉钉 userId 或工号",
            "Enter the owner's mobile, DingTalk userId or external id",
        ));
    }
    let sql = format!(
        "{MEMBER} AND (s.mobile = $1 OR s.dingtalk_user_id = $1 OR s.external_id = $1) ORDER BY s.id LIMIT 1"
    );
    let found =
        with_db!(db, p => sqlx::query_as::<_, Member>(&sql).bind(who).fetch_optional(p).await)
            .map_err(AppError::from)?;
    match found {
        None => Err(field(
            "员工名单中没有这位在职员工",
            "No active person on the staff list matches",
        )),
        Some(m) if m.userid.as_deref().unwrap_or("").is_empty() => Err(AppError::field(
            field_name,
            Msg::new(
                format!(
                    "{} 还没有钉钉 userId，请先在「员工 → 查找 userId」中补全",
                    m.name
                ),
                format!(
                    "{} has no DingTalk userId yet; find it under Staff → userId lookup first",
                    m.name
                ),
            ),
        )),
        Some(m) => Ok(m),
    }
}

fn dingtalk_error(e: &dingtalk::Error) -> AppError {
    AppError::form(Msg::new(
        format!("钉钉没有建群：{}", e.explain_zh()),
        format!("DingTalk did not make the group: {}", e.explain_en()),
    ))
}

/// Makes the group in DingTalk and saves it as a share target.
pub async fn make(
    st: &AppState,
    admin: &AdminInfo,
    f: &MakeGroupForm,
) -> Result<MadeGroup, AppError> {
    let db = &st.db;
    let name = medal_core::text::line(
        f.name.as_deref().unwrap_or(""),
        1,
        dingtalk::app::MAX_CHAT_NAME_CHARS,
        ("群名称", "The group name"),
    )
    .map_err(|m| AppError::field("name", m))?;
    let owner = owner(db, f.owner.as_deref().unwrap_or("")).await?;
    let people = picked(db, f).await?;
    if f.medal.as_deref().unwrap_or("").trim().is_empty() && f.department.is_empty() {
        return Err(AppError::field(
            "members",
            Msg::new(
                "请选择成员：某枚勋章的获得者，或整个部门",
                "Choose the members: the holders of a medal, or whole departments",
            ),
        ));
    }
    let (with_id, without): (Vec<Member>, Vec<Member>) = people
        .into_iter()
        .partition(|m| m.userid.as_deref().is_some_and(|u| !u.is_empty()));
    let mut members: Vec<String> = with_id.iter().filter_map(|m| m.userid.clone()).collect();
    let owner_id = owner.userid.clone().unwrap_or_default();
    members.retain(|m| *m != owner_id);
    let template = crate::settings::db::scene_group_template(db).await?;
    let cap = if template.is_empty() {
        dingtalk::app::MAX_CHAT_MEMBERS
    } else {
        dingtalk::app::MAX_SCENE_GROUP_MEMBERS + 1
    };
    if members.len() + 1 > cap {
        return Err(AppError::field(
            "members",
            Msg::new(
                format!(
                    "共 {} 人，超过钉钉群的上限 {cap} 人，请缩小范围",
                    members.len() + 1
                ),
                format!(
                    "{} people, over DingTalk's {cap} per group; narrow it down",
                    members.len() + 1
                ),
            ),
        ));
    }
    let chat = NewChat {
        name: name.clone(),
        owner: owner_id.clone(),
        members,
    };
    let client = crate::staff::userids::app_client(st).await?;
    let (made, via) = if template.is_empty() {
        let made = client
            .create_chat(&chat)
            .await
            .map_err(|e| dingtalk_error(&e))?;
        (made, "chat/create")
    } else {
        let uuid = uuid::Uuid::new_v4().simple().to_string();
        let made = client
            .create_scene_group(&template, &chat, &uuid)
            .await
            .map_err(|e| dingtalk_error(&e))?;
        (made, "scenegroup")
    };
    let kind = if via == "scenegroup" { "app" } else { "chat" };
    let now = now_ms();
    let count = made.members as i32;
    let id = with_db!(db, p => sqlx::query_scalar::<_, i64>(
        "INSERT INTO share_groups (name, kind, keywords, open_conversation_id, chat_id, made_via, owner_userid, member_count, created_at, updated_at) \
         VALUES ($1, $2, '[]', $3, $4, $5, $6, $7, $8, $8) RETURNING id")
        .bind(&name).bind(kind).bind(&made.open_conversation_id).bind(&made.chat_id).bind(via)
        .bind(&owner_id).bind(count).bind(now).fetch_one(p).await)
    .map_err(AppError::from)?;
    let skipped: Vec<String> = without.into_iter().map(|m| m.name).collect();
    crate::infra::audit::audit(
        db,
        admin,
        "group.make",
        "share_group",
        id,
        None,
        Some(json!({
            "name": name, "kind": kind, "via": via, "chat_id": made.chat_id,
            "open_conversation_id": made.open_conversation_id, "owner": owner_id,
            "members": made.members, "without_userid": skipped.len(),
        })),
    )
    .await?;
    tracing::info!(
        group = id,
        via,
        members = made.members,
        "DingTalk group made"
    );
    Ok(MadeGroup {
        id,
        members: made.members,
        skipped,
    })
}
