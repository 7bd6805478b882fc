//! The audit trail: who did what, when, to which object, with before/after where it matters.

use crate::infra::now_ms;

use crate::error::AppError;
use crate::infra::Db;
use crate::session::AdminInfo;
use crate::with_db;

/// The audit insert, for writers that keep the entry inside their own transaction. Binds: admin
/// id, actor, action, object type, object id, before JSON, after JSON, time (UTC ms).
pub const INSERT: &str =
    "INSERT INTO audit_entries (admin_id, actor, action, object_type, object_id, \
     before_json, after_json, at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)";

/// Writes an audit entry for something `admin` did.
pub async fn audit(
    db: &Db,
    admin: &AdminInfo,
    action: &str,
    object_type: &str,
    object_id: i64,
    before: Option<serde_json::Value>,
    after: Option<serde_json::Value>,
) -> Result<(), AppError> {
    record(
        db,
        Some(admin.id),
        &admin.username,
        action,
        object_type,
        Some(object_id.to_string()),
        before,
        after,
    )
    .await
}

/// Writes an audit entry; `admin_id` is `None` for actors that are not admins (the CLI).
#[allow(clippy::too_many_arguments)]
pub async fn record(
    db: &Db,
    admin_id: Option<i64>,
    actor: &str,
    action: &str,
    object_type: &str,
    object_id: Option<String>,
    before: Option<serde_json::Value>,
    after: Option<serde_json::Value>,
) -> Result<(), AppError> {
    with_db!(db, p => sqlx::query(INSERT)
        .bind(admin_id).bind(actor).bind(action).bind(object_type).bind(object_id)
        .bind(before.map(|v| v.to_string())).bind(after.map(|v| v.to_string())).bind(now_ms())
        .execute(p).await.map(|_| ()))
    .map_err(AppError::from)?;
    Ok(())
}
