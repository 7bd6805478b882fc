//! Giving a rule's medal: once per person per rule per window, on every instance (the
//! `rule_awards` primary key decides), with the facts that earned it, shared to the rule's groups.

use crate::awards::db::NewAwards;
use crate::error::AppError;
use crate::infra::{now_ms, AppState, Db};
use crate::rules::db::RuleRow;
use crate::session::AdminInfo;
use crate::with_db;
use medal_core::rule::Earned;
use medal_core::Role;
use std::collections::{BTreeMap, HashSet};

/// The reason an award made by a rule carries (on its page and on the card).
pub fn reason(rule: &RuleRow, e: &Earned) -> String {
    let window = rule.spec().window.label(e.window_key).zh;
    let facts = e.describe(rule.spec().kind, &rule.metric).zh;
    let window = if window.is_empty() {
        String::new()
    } else {
        format!("（{window}）")
    };
    format!("自动颁发 · 规则「{}」{window}：{facts}", rule.name)
}

#[derive(sqlx::FromRow)]
struct MedalFacts {
    validity_days: Option<i32>,
    repeatable: bool,
    archived_at: Option<i64>,
}

async fn active_people(db: &Db, ids: &[i64]) -> Result<HashSet<i64>, AppError> {
    let mut out = HashSet::new();
    for chunk in ids.chunks(crate::awards::give::LOOKUP_CHUNK) {
        let list = crate::infra::db::id_list(chunk);
        let sql = format!("SELECT id FROM staff WHERE active AND id IN ({list})");
        let rows = with_db!(db, p => sqlx::query_scalar::<_, i64>(&sql).fetch_all(p).await)
            .map_err(AppError::from)?;
        out.extend(rows);
    }
    Ok(out)
}

/// Gives what is owed; answers the number of awards made. People no longer active are left
/// out, and so are holders of a medal that cannot be held twice.
pub async fn give(
    st: &AppState,
    rule: &RuleRow,
    owed: Vec<(i64, Earned)>,
) -> Result<u64, AppError> {
    let db = &st.db;
    let Some(medal) = with_db!(db, p => sqlx::query_as::<_, MedalFacts>(
        "SELECT validity_days, repeatable, archived_at FROM medals WHERE id = $1")
        .bind(rule.medal_id).fetch_optional(p).await)
    .map_err(AppError::from)?
    else {
        return Ok(0);
    };
    if medal.archived_at.is_some() {
        tracing::warn!(rule = rule.id, "rule's medal is archived; nothing awarded");
        return Ok(0);
    }
    let ids: Vec<i64> = owed.iter().map(|o| o.0).collect();
    let active = active_people(db, &ids).await?;
    let mut by_window: BTreeMap<i64, Vec<(i64, Earned)>> = BTreeMap::new();
    for (s, e) in owed {
        if active.contains(&s) {
            by_window.entry(e.window_key).or_default().push((s, e));
        }
    }
    let now = now_ms();
    let expires_at = medal.validity_days.map(|d| now + i64::from(d) * 86_400_000);
    let mut batches: Vec<String> = Vec::new();
    let mut made = 0u64;
    for (window, mut list) in by_window {
        list.sort_by_key(|l| l.0);
        let batch_id = uuid::Uuid::new_v4().simple().to_string();
        let r: sqlx::Result<u64> = with_db!(db, p => async {
            let mut tx = p.begin().await?;
            // the medal first, as every award writer locks it (then people in id order)
            sqlx::query("UPDATE medals SET updated_at = updated_at WHERE id = $1")
                .bind(rule.medal_id).execute(&mut *tx).await?;
            if !medal.repeatable {
                let holders: HashSet<i64> = sqlx::query_scalar::<_, i64>(
                    "SELECT staff_id FROM awards WHERE medal_id = $1 AND revoked_at IS NULL \
                     AND (expires_at IS NULL OR expires_at > $2)")
                    .bind(rule.medal_id).bind(now).fetch_all(&mut *tx).await?.into_iter().collect();
                list.retain(|l| !holders.contains(&l.0));
            }
            let mut won: HashSet<i64> = HashSet::new();
            for chunk in list.chunks(500) {
                let mut sql = String::from(
                    "INSERT INTO rule_awards (rule_id, staff_id, window_key, facts, created_at) VALUES ");
                for i in 0..chunk.len() {
                    let b = i * 5;
                    sql.push_str(&format!("{}(${},${},${},${},${})", if i > 0 { "," } else { "" },
                        b + 1, b + 2, b + 3, b + 4, b + 5));
                }
                sql.push_str(" ON CONFLICT (rule_id, staff_id, window_key) DO NOTHING RETURNING staff_id");
                let mut q = sqlx::query_scalar::<_, i64>(&sql);
                for (s, e) in chunk {
                    q = q.bind(rule.id).bind(*s).bind(window).bind(e.encode()).bind(now);
                }
                won.extend(q.fetch_all(&mut *tx).await?);
            }
            let rows: Vec<(i64, String)> = list.iter().filter(|l| won.contains(&l.0))
                .map(|(s, e)| (*s, reason(rule, e))).collect();
            if rows.is_empty() {
                tx.rollback().await?;
                return Ok(0);
            }
            crate::awards::db::insert_awards(&mut tx, &NewAwards {
                medal_id: rule.medal_id,
                awarded_by_admin: None,
                awarded_by_rule: Some(rule.id),
                awarded_at: now,
                expires_at,
                batch_id: Some(&batch_id),
                rows: &rows,
            }).await?;
            sqlx::query(
                "UPDATE rule_awards SET award_id = a.id FROM awards a WHERE a.batch_id = $1 \
                 AND a.staff_id = rule_awards.staff_id AND rule_awards.rule_id = $2 \
                 AND rule_awards.window_key = $3")
                .bind(&batch_id).bind(rule.id).bind(window).execute(&mut *tx).await?;
            let after = serde_json::json!({
                "rule": rule.name, "batch_id": batch_id, "awarded": rows.len(), "window": window,
                "staff_ids": rows.iter().map(|r| r.0).collect::<Vec<_>>(),
            });
            sqlx::query(crate::infra::audit::INSERT)
                .bind(None::<i64>).bind(format!("rule:{}", rule.name)).bind("award.rule").bind("medal")
                .bind(Some(rule.medal_id.to_string())).bind(None::<String>).bind(Some(after.to_string()))
                .bind(now).execute(&mut *tx).await?;
            tx.commit().await?;
            Ok(rows.len() as u64)
        }.await);
        let n = r.map_err(AppError::from)?;
        if n > 0 {
            made += n;
            batches.push(batch_id);
        }
    }
    if made > 0 {
        metrics::counter!("medals_rule_awards_total").increment(made);
        tracing::info!(rule = rule.id, awarded = made, "rule awarded");
        share(st, rule, &batches).await;
    }
    Ok(made)
}

/// Shares a rule's new awards to its groups through the outbox. A failure here leaves the
/// awards given (they are the facts' due) and is logged; the shares page shows what was queued.
async fn share(st: &AppState, rule: &RuleRow, batches: &[String]) {
    let groups = rule.groups();
    let r = async {
        let mut ids: Vec<i64> = Vec::new();
        for b in batches {
            ids.extend(
                with_db!(&st.db, p => sqlx::query_scalar::<_, i64>(
                "SELECT id FROM awards WHERE batch_id = $1 ORDER BY id").bind(b).fetch_all(p).await)
                .map_err(AppError::from)?,
            );
        }
        crate::medals::honour::after(&st.db, &ids, false).await;
        if groups.is_empty() && rule.tell.is_empty() {
            return Ok(String::new());
        }
        let award_ids = ids
            .iter()
            .map(|i| i.to_string())
            .collect::<Vec<_>>()
            .join(",");
        let by = AdminInfo {
            id: rule.created_by.unwrap_or_default(),
            username: format!("rule:{}", rule.name),
            role: Role::Awarder,
        };
        if !rule.tell.is_empty() {
            let told = crate::shares::direct::queue(st, rule.created_by, &ids, &rule.tell).await?;
            if !told.without_userid.is_empty() {
                tracing::info!(
                    rule = rule.id,
                    without_userid = told.without_userid.len(),
                    "rule winners without a userId not told"
                );
            }
        }
        if groups.is_empty() {
            return Ok(String::new());
        }
        crate::shares::db::create(st, &by, &award_ids, &groups, &Default::default(), false).await
    }
    .await;
    if let Err(e) = r {
        tracing::warn!(rule = rule.id, error = %e, "rule awards not shared");
    }
}
