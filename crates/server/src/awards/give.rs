//! Giving a medal to many people in one transaction, and revoking.

use crate::awards::db::bad_filter;
use crate::awards::db::fetch;
use crate::awards::db::NewAwards;
use crate::awards::AwardOutcome;
use crate::error::AppError;
use crate::infra::now_ms;
use crate::infra::Db;
use crate::session::AdminInfo;
use crate::with_db;
use medal_core::award::{msg_who_has, reason as parse_reason};
use medal_core::Msg;
use std::collections::{HashMap, HashSet};

/// Ids per `IN (…)` lookup.
pub(crate) const LOOKUP_CHUNK: usize = 1000;

/// How many names a "who already has it" message lists.
const NAMES_SHOWN: usize = 10;

/// One person to award, with their own reason when the CSV gave one.
#[derive(Debug, Clone)]
pub struct Recipient {
    pub staff_id: i64,
    pub reason: Option<String>,
}

/// What one batch asks for.
#[derive(Debug, Clone, Default)]
pub struct Batch {
    pub medal_id: i64,
    /// The form's reason; a recipient's own reason wins.
    pub reason: String,
    pub recipients: Vec<Recipient>,
    /// Leave out people who already hold a non-repeatable medal instead of refusing.
    pub skip_holders: bool,
}

#[derive(sqlx::FromRow)]
struct MedalFacts {
    name: String,
    validity_days: Option<i32>,
    repeatable: bool,
    archived_at: Option<i64>,
    kind: String,
}

#[derive(sqlx::FromRow)]
struct Person {
    id: i64,
    name: String,
    active: bool,
}

/// Looks up people by id, `LOOKUP_CHUNK` at a time.
async fn people(db: &Db, ids: &[i64]) -> Result<HashMap<i64, Person>, AppError> {
    let mut out = HashMap::with_capacity(ids.len());
    for chunk in ids.chunks(LOOKUP_CHUNK) {
        let list = crate::infra::db::id_list(chunk);
        let sql = format!("SELECT id, name, active FROM staff WHERE id IN ({list})");
        let rows = with_db!(db, p => sqlx::query_as::<_, Person>(&sql).fetch_all(p).await)
            .map_err(AppError::from)?;
        out.extend(rows.into_iter().map(|r| (r.id, r)));
    }
    Ok(out)
}

fn names_msg(names: &[&str], total: usize, zh: &str, en: &str) -> Msg {
    let more = if total > names.len() { " …" } else { "" };
    Msg::new(
        format!("{zh}（{total} 人）：{}{more}", names.join("、")),
        format!("{en} ({total}): {}{more}", names.join(", ")),
    )
}

/// What a batch wrote: awarded, skipped holders, the award's id when it was one.
type Written = (u64, u64, Option<i64>);

/// Checks and writes a batch. Nothing is written unless everything is right.
pub async fn give(db: &Db, admin: &AdminInfo, batch: Batch) -> Result<AwardOutcome, AppError> {
    let now = now_ms();
    let medal = with_db!(db, p => sqlx::query_as::<_, MedalFacts>(
        "SELECT name, validity_days, repeatable, archived_at, kind FROM medals WHERE id = $1")
        .bind(batch.medal_id).fetch_optional(p).await)
    .map_err(AppError::from)?
    .ok_or_else(|| {
        bad_filter(
            "medal_id",
            "请选择要颁发的勋章",
            "Choose the medal to award",
        )
    })?;
    if medal.archived_at.is_some() {
        return Err(bad_filter(
            "medal_id",
            "这枚勋章已归档，不能再颁发；请先在勋章页恢复它。",
            "This medal is archived and cannot be awarded; restore it on its page first.",
        ));
    }
    if medal.kind == "automatic" {
        return Err(bad_filter(
            "medal_id",
            "这枚勋章由规则自动颁发，不能手动颁发；请在「规则」页为它设置规则。",
            "This medal is given by its rules only, not by hand; set up a rule for it on the Rules page.",
        ));
    }
    // Reasons: the form's (may be empty when every CSV row has its own).
    let default_reason = match batch.reason.trim() {
        "" => None,
        r => Some(parse_reason(r).map_err(|m| AppError::field("reason", m))?),
    };
    // One award per person per batch: the first mention wins.
    let mut seen = HashSet::new();
    let mut recipients: Vec<(i64, String)> = Vec::with_capacity(batch.recipients.len());
    let mut missing_reason = false;
    for r in batch.recipients {
        if !seen.insert(r.staff_id) {
            continue;
        }
        match r.reason.or_else(|| default_reason.clone()) {
            Some(reason) => recipients.push((r.staff_id, reason)),
            None => missing_reason = true,
        }
    }
    if missing_reason {
        return Err(AppError::field(
            "reason",
            Msg::new("请填写颁发理由", "Reason is required"),
        ));
    }
    if recipients.is_empty() {
        return Err(AppError::field(
            "recipients",
            Msg::new(
                "请至少选择一位获奖人（搜索选人、选择部门或上传名单）。",
                "Choose at least one recipient (pick people, a department, or upload a list).",
            ),
        ));
    }
    let ids: Vec<i64> = recipients.iter().map(|r| r.0).collect();
    let found = people(db, &ids).await?;
    let unknown: Vec<String> = ids
        .iter()
        .filter(|i| !found.contains_key(i))
        .map(|i| format!("#{i}"))
        .collect();
    if !unknown.is_empty() {
        let shown: Vec<&str> = unknown
            .iter()
            .take(NAMES_SHOWN)
            .map(|s| s.as_str())
            .collect();
        return Err(AppError::field(
            "recipients",
            names_msg(
                &shown,
                unknown.len(),
                "找不到这些员工",
                "These people do not exist",
            ),
        ));
    }
    let inactive: Vec<&str> = ids
        .iter()
        .filter_map(|i| found.get(i).filter(|p| !p.active).map(|p| p.name.as_str()))
        .collect();
    if !inactive.is_empty() {
        let total = inactive.len();
        let shown: Vec<&str> = inactive.into_iter().take(NAMES_SHOWN).collect();
        return Err(AppError::field(
            "recipients",
            names_msg(
                &shown,
                total,
                "已停用的员工不能获得勋章",
                "Deactivated staff cannot receive medals",
            ),
        ));
    }

    let expires_at = medal
        .validity_days
        .map(|d| now + i64::from(d) * 24 * 3600 * 1000);
    let batch_id = uuid::Uuid::new_v4().simple().to_string();
    let medal_id = batch.medal_id;
    let skip_holders = batch.skip_holders;
    let admin_id = admin.id;
    let medal_name = medal.name.clone();
    let repeatable = medal.repeatable;
    let audit_after = serde_json::json!({
        "medal": medal.name, "batch_id": batch_id, "recipients": recipients.len(),
        "staff_ids": ids, "reason": default_reason,
    });

    let r: Result<Result<Written, AppError>, sqlx::Error> = with_db!(db, p => async {
        let mut tx = p.begin().await?;
        // Lock the medal: batches of one medal go one at a time (PostgreSQL row lock; on SQLite
        // this takes the database's write lock up front).
        sqlx::query("UPDATE medals SET updated_at = updated_at WHERE id = $1")
            .bind(medal_id).execute(&mut *tx).await?;
        let mut to_give = recipients;
        let mut skipped = 0u64;
        if !repeatable {
            let holders: HashSet<i64> = sqlx::query_scalar::<_, i64>(
                "SELECT staff_id FROM awards WHERE medal_id = $1 AND revoked_at IS NULL \
                 AND (expires_at IS NULL OR expires_at > $2)")
                .bind(medal_id).bind(now).fetch_all(&mut *tx).await?.into_iter().collect();
            let held: Vec<i64> = to_give.iter().map(|r| r.0).filter(|i| holders.contains(i)).collect();
            if !held.is_empty() {
                if !skip_holders {
                    let names: Vec<String> = held.iter().take(NAMES_SHOWN)
                        .map(|i| found[i].name.clone()).collect();
                    let mut m = msg_who_has(&names, held.len());
                    m = Msg::new(
                        format!("{}。可以勾选「跳过已获得者」后再提交。", m.zh),
                        format!("{}. Tick “skip people who already have it” to award the others.", m.en),
                    );
                    return Ok(Err(AppError::field("recipients", m)));
                }
                skipped = held.len() as u64;
                to_give.retain(|r| !holders.contains(&r.0));
                if to_give.is_empty() {
                    return Ok(Err(AppError::field("recipients", Msg::new(
                        "所选的人都已经有这枚勋章了，没有颁发。",
                        "Everyone chosen already has this medal; nothing was awarded.",
                    ))));
                }
            }
        }
        crate::awards::db::insert_awards(&mut tx, &NewAwards {
            medal_id,
            awarded_by_admin: Some(admin_id),
            awarded_by_rule: None,
            awarded_at: now,
            expires_at,
            batch_id: Some(&batch_id),
            rows: &to_give,
        }).await?;
        let single = if to_give.len() == 1 {
            sqlx::query_scalar::<_, i64>("SELECT id FROM awards WHERE batch_id = $1")
                .bind(&batch_id).fetch_optional(&mut *tx).await?
        } else {
            None
        };
        let mut after = audit_after;
        after["awarded"] = serde_json::json!(to_give.len());
        after["skipped_holders"] = serde_json::json!(skipped);
        sqlx::query(crate::infra::audit::INSERT)
            .bind(Some(admin_id)).bind(&admin.username).bind("award.give").bind("medal")
            .bind(Some(medal_id.to_string())).bind(None::<String>).bind(Some(after.to_string()))
            .bind(now).execute(&mut *tx).await?;
        tx.commit().await?;
        Ok(Ok((to_give.len() as u64, skipped, single)))
    }.await);
    let (awarded, skipped_holders, single_id) = r.map_err(AppError::from)??;
    tracing::info!(medal = %medal_name, awarded, skipped_holders, %batch_id, "medal awarded");
    Ok(AwardOutcome {
        batch_id,
        awarded,
        skipped_holders,
        single_id,
    })
}

/// The awards a batch made, by id.
pub async fn batch_award_ids(db: &Db, batch_id: &str) -> Result<Vec<i64>, AppError> {
    with_db!(db, p => sqlx::query_scalar::<_, i64>(
        "SELECT id FROM awards WHERE batch_id = $1 ORDER BY id").bind(batch_id).fetch_all(p).await)
    .map_err(AppError::from)
}

/// An unguessable token for the public page: 128 random bits, URL-safe base64 (22 characters).
pub(crate) fn public_token() -> String {
    use base64::Engine;
    let bytes: [u8; 16] = rand::random();
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes)
}

pub async fn revoke(db: &Db, admin: &AdminInfo, id: i64, reason: &str) -> Result<(), AppError> {
    let reason = parse_reason(reason).map_err(|m| AppError::field("reason", m))?;
    let before = fetch(db, id).await?;
    if before.revoked_at.is_some() {
        return Err(AppError::Conflict(Msg::new(
            "这个勋章已经撤销过了。",
            "This award was already revoked.",
        )));
    }
    let now = now_ms();
    let n = with_db!(&db, p => sqlx::query(
        "UPDATE awards SET revoked_at = $1, revoked_by = $2, revoke_reason = $3 \
         WHERE id = $4 AND revoked_at IS NULL")
        .bind(now).bind(admin.id).bind(&reason).bind(id).execute(p).await.map(|r| r.rows_affected()))
    .map_err(AppError::from)?;
    if n == 0 {
        return Err(AppError::Conflict(Msg::new(
            "这个勋章已经撤销过了。",
            "This award was already revoked.",
        )));
    }
    crate::infra::audit::audit(
        db,
        admin,
        "award.revoke",
        "award",
        id,
        Some(serde_json::json!({
            "medal": before.medal_name, "staff_id": before.staff_id, "staff": before.staff_name,
        })),
        Some(serde_json::json!({ "revoke_reason": reason })),
    )
    .await
}

/// Revokes an award (as [`revoke`]) and queues the update in place of the template cards it went
/// out as, so that they say 已撤销 and why. The revoke stands even when queueing the updates
/// fails (it is logged).
pub async fn revoke_everywhere(
    st: &crate::infra::AppState,
    admin: &AdminInfo,
    id: i64,
    reason: &str,
) -> Result<(), AppError> {
    revoke(&st.db, admin, id, reason).await?;
    crate::medals::honour::after(&st.db, &[id], true).await;
    let updated = match crate::settings::db::public_base_url(&st.db, &st.config).await {
        Ok(base) => crate::shares::template::revoked(&st.db, &base, id).await,
        Err(e) => Err(e),
    };
    match updated {
        Ok(n) if n > 0 => tracing::info!(award = id, cards = n, "revoked award's cards to update"),
        Ok(_) => {}
        Err(e) => {
            tracing::warn!(award = id, error = ?e, "revoked award's cards not queued for update")
        }
    }
    Ok(())
}
