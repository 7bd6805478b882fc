//! The `settings` table as a key-value store (what the settings page and the setup token keep).

use crate::error::AppError;
use crate::infra::db::Db;
use crate::infra::now_ms;
use crate::with_db;

pub async fn settings_get(db: &Db, key: &str) -> Result<Option<String>, AppError> {
    with_db!(db, p => sqlx::query_scalar::<_, String>("SELECT value FROM settings WHERE key = $1")
        .bind(key).fetch_optional(p).await)
    .map_err(AppError::from)
}

pub async fn settings_put(db: &Db, key: &str, value: &str) -> Result<(), AppError> {
    with_db!(db, p => sqlx::query(
        "INSERT INTO settings (key, value, updated_at) VALUES ($1, $2, $3) \
         ON CONFLICT (key) DO UPDATE SET value = excluded.value, updated_at = excluded.updated_at")
        .bind(key).bind(value).bind(now_ms()).execute(p).await.map(|_| ()))
    .map_err(AppError::from)?;
    Ok(())
}

pub async fn settings_delete(db: &Db, key: &str) -> Result<(), AppError> {
    with_db!(db, p => sqlx::query("DELETE FROM settings WHERE key = $1").bind(key).execute(p).await.map(|_| ())).map_err(AppError::from)?;
    Ok(())
}
