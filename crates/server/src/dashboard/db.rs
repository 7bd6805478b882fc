//! The overview's totals.

use crate::dashboard::DashboardData;
use crate::error::AppError;
pub use crate::infra::audit::audit;
use crate::infra::db::Db;
use crate::medals::db::list;
use crate::medals::MedalFilter;
use crate::with_db;

/// The counts come from the counters and small tables, in one statement (each statement is a
/// round trip to the database's thread or server): medals by state, active staff (all less the
/// few inactive: SQLite counts a whole table from its pages, without reading rows), awards in
/// force (`medals.live_awards`).
pub async fn dashboard(db: &Db) -> Result<DashboardData, AppError> {
    let (active_medals, archived_medals, staff, awards) =
        with_db!(db, p => sqlx::query_as::<_, (i64, i64, i64, i64)>(
        "SELECT (SELECT COUNT(*) FROM medals WHERE archived_at IS NULL), \
                (SELECT COUNT(*) FROM medals WHERE archived_at IS NOT NULL), \
                (SELECT COUNT(*) FROM staff) - (SELECT COUNT(*) FROM staff WHERE active = FALSE), \
                (SELECT CAST(COALESCE(SUM(live_awards), 0) AS BIGINT) FROM medals)")
        .fetch_one(p).await)
        .map_err(AppError::from)?;
    Ok(DashboardData {
        active_medals,
        archived_medals,
        staff,
        awards,
        recent_medals: list(db, &MedalFilter::default(), 6).await?,
    })
}
