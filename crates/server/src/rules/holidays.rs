//! The holidays workday streaks skip, kept by the admins on the rules page.

use crate::error::AppError;
use crate::infra::Db;
use crate::session::AdminInfo;
use crate::with_db;
use medal_core::time::{days_from_civil, parse_date};
use medal_core::Msg;
use std::collections::BTreeMap;

/// The holidays, sorted, for workday streaks.
pub async fn holidays(db: &Db) -> Result<Vec<i64>, AppError> {
    with_db!(db, p => sqlx::query_scalar::<_, i64>("SELECT day FROM holidays ORDER BY day")
        .fetch_all(p).await)
    .map_err(AppError::from)
}

/// Replaces the holiday list with the lines typed: `YYYY-MM-DD` and an optional name.
pub async fn set_holidays(db: &Db, admin: &AdminInfo, text: &str) -> Result<usize, AppError> {
    let mut days: BTreeMap<i64, String> = BTreeMap::new();
    for (n, line) in text.lines().enumerate() {
        let line = line.trim();
        if line.is_empty() {
            continue;
        }
        let (date, name) = line.split_once(char::is_whitespace).unwrap_or((line, ""));
        let Some((y, m, d)) = parse_date(date) else {
            return Err(AppError::field(
                "holidays",
                Msg::new(
                    format!("第 {} 行不是日期（YYYY-MM-DD）：{date}", n + 1),
                    format!("Line {} is not a date (YYYY-MM-DD): {date}", n + 1),
                ),
            ));
        };
        days.insert(
            days_from_civil(y, m, d),
            name.trim().chars().take(40).collect(),
        );
    }
    if days.len() > 1000 {
        return Err(AppError::field(
            "holidays",
            Msg::new("节假日最多 1000 天", "At most 1,000 holidays"),
        ));
    }
    let r: sqlx::Result<()> = with_db!(db, p => async {
        let mut tx = p.begin().await?;
        sqlx::query("DELETE FROM holidays").execute(&mut *tx).await?;
        for (d, name) in &days {
            sqlx::query("INSERT INTO holidays (day, name) VALUES ($1, $2)")
                .bind(*d).bind(name).execute(&mut *tx).await?;
        }
        tx.commit().await
    }.await);
    r.map_err(AppError::from)?;
    crate::infra::audit::audit(
        db,
        admin,
        "rules.holidays",
        "holidays",
        0,
        None,
        Some(serde_json::json!({ "days": days.len() })),
    )
    .await?;
    Ok(days.len())
}
