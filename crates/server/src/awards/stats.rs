//! Figures: the medal wall, the public page, the leaderboard, the overview's counts.

use crate::awards::db::AwardRow;
use crate::awards::db::SELECT;
use crate::awards::AwardFigures;
use crate::awards::AwardItem;
use crate::awards::LeaderRow;
use crate::awards::MonthCount;
use crate::awards::PublicAwardView;
use crate::awards::TopMedal;
use crate::awards::WallData;
use crate::error::AppError;
use crate::infra::now_ms;
use crate::infra::AppState;
use crate::infra::Db;
use crate::with_db;
use medal_core::time::{china_date, china_midnight};
use medal_core::{AwardStatus, Period, Tier};

pub async fn wall(db: &Db, staff_id: i64) -> Result<WallData, AppError> {
    let now = now_ms();
    let sql = format!("{SELECT} WHERE a.staff_id = $1 ORDER BY a.awarded_at DESC, a.id DESC");
    let rows =
        with_db!(&db, p => sqlx::query_as::<_, AwardRow>(&sql).bind(staff_id).fetch_all(p).await)
            .map_err(AppError::from)?;
    let (current, past): (Vec<AwardItem>, Vec<AwardItem>) = rows
        .iter()
        .map(|r| r.item(now))
        .partition(|a| a.status == AwardStatus::Active);
    let tiers = [Tier::Gold, Tier::Silver, Tier::Bronze, Tier::None]
        .into_iter()
        .map(|t| (t, current.iter().filter(|a| a.tier == t).count() as i64))
        .collect();
    Ok(WallData {
        current,
        past,
        tiers,
    })
}

/// The organisation's name as the settings page keeps it (default: the app's name).
pub async fn organisation(db: &Db) -> Result<String, AppError> {
    let name = crate::settings::db::org_name(db).await?;
    Ok(if name.trim().is_empty() {
        "勋章馆 Medal Hall".into()
    } else {
        name
    })
}

/// The public URL people use to reach the app (settings, else configuration), no trailing `/`.
pub async fn public_base(db: &Db, config: &crate::infra::Config) -> Result<String, AppError> {
    crate::settings::db::public_base_url(db, config).await
}

pub async fn public(st: &AppState, token: &str) -> Result<PublicAwardView, AppError> {
    let token = token.trim();
    if token.is_empty() || token.len() > 64 {
        return Err(AppError::NotFound);
    }
    let sql = format!("{SELECT} WHERE a.public_token = $1");
    let row = with_db!(&st.db, p => sqlx::query_as::<_, AwardRow>(&sql).bind(token).fetch_optional(p).await)
        .map_err(AppError::from)?
        .ok_or(AppError::NotFound)?;
    let description = with_db!(&st.db, p => sqlx::query_scalar::<_, String>(
        "SELECT description FROM medals WHERE id = $1").bind(row.medal_id).fetch_one(p).await)
    .map_err(AppError::from)?;
    let base = public_base(&st.db, &st.config).await?;
    let item = row.item(now_ms());
    Ok(PublicAwardView {
        medal_name: item.medal_name,
        medal_description: description,
        tier: item.tier,
        icon_url: format!("{base}{}", item.icon_url),
        recipient: item.staff_name,
        department: item.department,
        reason: item.reason,
        awarded_at: item.awarded_at,
        expires_at: item.expires_at,
        status: item.status,
        revoked_at: item.revoked_at,
        organisation: organisation(&st.db).await?,
        url: format!("{base}/a/{}", item.public_token),
    })
}

/// The first instant of the period that contains `now`, in UTC milliseconds (China time).
pub fn period_start(period: Period, now: i64) -> Option<i64> {
    let (y, m, _) = china_date(now);
    let month = match period {
        Period::All => return None,
        Period::Month => m,
        Period::Quarter => (m - 1) / 3 * 3 + 1,
    };
    Some(china_midnight(y, month, 1))
}

/// The top 50 by live awards, then gold, silver, bronze — read from the per-person counters
/// (`staff` for all time, `staff_months` for a month, `staff_quarters` for a quarter), never
/// from the awards. Each walks an index in rank order and stops after 50 rows; people of equal
/// rank are then shown by name (who makes the cut within a tie at the 50th place goes by id).
pub async fn leaderboard(db: &Db, period: Period) -> Result<Vec<LeaderRow>, AppError> {
    let ranked = |table: &str, key: &str, n: i64| {
        format!(
            "SELECT s.id, s.name, s.department, t.awards, t.gold, t.silver, t.bronze \
             FROM {table} t JOIN staff s ON s.id = t.staff_id \
             WHERE t.{key} = {n} AND t.awards > 0 \
             ORDER BY t.awards DESC, t.gold DESC, t.silver DESC, t.bronze DESC, t.staff_id LIMIT 50"
        )
    };
    let sql = match (period, period_start(period, now_ms())) {
        (_, None) => "SELECT id, name, department, live_awards, live_gold, live_silver, live_bronze \
                 FROM staff WHERE live_awards > 0 \
                 ORDER BY live_awards DESC, live_gold DESC, live_silver DESC, live_bronze DESC, name \
                 LIMIT 50"
            .to_string(),
        (Period::Quarter, Some(since)) => ranked(
            "staff_quarters",
            "quarter",
            medal_core::time::china_month(since) / 3,
        ),
        (_, Some(since)) => ranked("staff_months", "month", medal_core::time::china_month(since)),
    };
    let mut rows =
        with_db!(&db, p => sqlx::query_as::<_, (i64, String, String, i64, i64, i64, i64)>(&sql)
        .fetch_all(p).await)
        .map_err(AppError::from)?;
    rows.sort_by(|a, b| {
        (b.3, b.4, b.5, b.6)
            .cmp(&(a.3, a.4, a.5, a.6))
            .then_with(|| a.1.cmp(&b.1))
    });
    // Equal counts share a rank (1, 2, 2, 4…).
    let mut out: Vec<LeaderRow> = Vec::with_capacity(rows.len());
    for (i, (staff_id, name, department, awards, gold, silver, bronze)) in
        rows.into_iter().enumerate()
    {
        let rank = match out.last() {
            Some(prev)
                if prev.awards == awards
                    && (prev.gold, prev.silver, prev.bronze) == (gold, silver, bronze) =>
            {
                prev.rank
            }
            _ => i as u32 + 1,
        };
        out.push(LeaderRow {
            rank,
            staff_id,
            name,
            department,
            awards,
            gold,
            silver,
            bronze,
        });
    }
    Ok(out)
}

/// The first day of each of the last `n` months up to and including `now`'s, China time.
fn month_starts(now: i64, n: u32) -> Vec<(String, i64)> {
    let (mut y, mut m, _) = china_date(now);
    let mut out = Vec::new();
    for _ in 0..n {
        out.push((format!("{y}-{m:02}"), china_midnight(y, m, 1)));
        if m == 1 {
            m = 12;
            y -= 1;
        } else {
            m -= 1;
        }
    }
    out.reverse();
    out
}

/// The overview's figures, from the counters (`medal_months`, `staff`, `medals`) and the newest
/// eight awards: tens of rows read however many awards there are.
pub async fn stats(db: &Db) -> Result<AwardFigures, AppError> {
    let now = now_ms();
    let months = month_starts(now, 12);
    let first = medal_core::time::china_month(months[0].1);
    let counted = with_db!(&db, p => sqlx::query_as::<_, (i64, i64)>(
        "SELECT CAST(month AS BIGINT), CAST(SUM(awards) AS BIGINT) FROM medal_months \
         WHERE month >= $1 GROUP BY month").bind(first).fetch_all(p).await)
    .map_err(AppError::from)?;
    let per_month: Vec<MonthCount> = months
        .iter()
        .map(|(month, start)| {
            let n = medal_core::time::china_month(*start);
            MonthCount {
                month: month.clone(),
                awards: counted.iter().find(|c| c.0 == n).map(|c| c.1).unwrap_or(0),
            }
        })
        .collect();
    let awards_this_month = per_month.last().map(|m| m.awards).unwrap_or(0);
    let people_awarded = with_db!(&db, p => sqlx::query_scalar::<_, i64>(
        "SELECT COUNT(*) FROM staff WHERE live_awards > 0").fetch_one(p).await)
    .map_err(AppError::from)?;
    let top = with_db!(&db, p => sqlx::query_as::<_, (i64, i64)>(
        "SELECT id, live_awards FROM medals WHERE live_awards > 0 \
         ORDER BY live_awards DESC, id LIMIT 5").fetch_all(p).await)
    .map_err(AppError::from)?;
    let ids: Vec<i64> = top.iter().map(|t| t.0).collect();
    let medals = crate::medals::db::summaries(db, &ids).await?;
    let top_medals = top
        .into_iter()
        .filter_map(|(id, awards)| {
            let medal = medals.iter().find(|m| m.id == id)?.clone();
            Some(TopMedal { medal, awards })
        })
        .collect();
    let sql = format!("{SELECT} ORDER BY a.awarded_at DESC, a.id DESC LIMIT 8");
    let recent = with_db!(&db, p => sqlx::query_as::<_, AwardRow>(&sql).fetch_all(p).await)
        .map_err(AppError::from)?
        .iter()
        .map(|r| r.item(now))
        .collect();
    Ok(AwardFigures {
        awards_this_month,
        people_awarded,
        per_month,
        top_medals,
        recent,
    })
}
