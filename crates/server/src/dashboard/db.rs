//! The overview's totals.

use crate::dashboard::DashboardData;
use crate::error::AppError;
pub use crate::infra::audit::audit;
use crate::infra::db::Db;
use crate::medals::db::list;
use crate::medals::MedalFilter;
use crate::with_db;

pub async fn dashboard(db: &Db) -> Result<DashboardData, AppError> {
    let count = |sql: &'static str| {
        let db = db.clone();
        async move {
            with_db!(&db, p => sqlx::query_scalar::<_, i64>(sql).fetch_one(p).await)
                .map_err(AppError::from)
        }
    };
    let (active_medals, archived_medals) = with_db!(db, p => sqlx::query_as::<_, (i64, i64)>(
        "SELECT COUNT(*) - COUNT(archived_at), COUNT(archived_at) FROM medals").fetch_one(p).await)
    .map_err(AppError::from)?;
    Ok(DashboardData {
        active_medals,
        archived_medals,
        staff: count("SELECT COUNT(*) FROM staff WHERE active = TRUE").await?,
        awards: count("SELECT CAST(COALESCE(SUM(live_awards), 0) AS BIGINT) FROM medals").await?,
        recent_medals: list(db, &MedalFilter::default(), 6).await?,
    })
}
