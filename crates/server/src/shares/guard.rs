//! The over-sharing guard (seed 1, §3.3: do not share too often or into unrelated groups):
//! - an award shared again into a group that already has it (sent, or on its way) goes only when
//!   the sharer confirms, and the form says when it went;
//! - at most `daily cap` messages a group a day (China time), a setting shown on each group;
//! - optional quiet hours (免打扰时段) during which shares wait, then go out when they end.
//!
//! Every path that queues shares goes through [`check`] (the share form, the REST API, rules);
//! the worker and retries schedule through [`not_before`].

use crate::error::AppError;
use crate::infra::kv::{settings_get, settings_put};
use crate::infra::{now_ms, Db};
use crate::session::types::AdminInfo;
use crate::shares::card::AwardCardRow;
use crate::shares::types::{GuardForm, GuardView};
use crate::with_db;
use medal_core::quiet::{fmt_clock, QuietHours};
use medal_core::time::{china_day, fmt_time, CHINA_OFFSET_MS, DAY_MS};
use medal_core::Msg;
use serde_json::json;
use std::collections::{BTreeMap, HashMap};

pub const DAILY_CAP: &str = "share_daily_cap";
pub const QUIET_START: &str = "share_quiet_start";
pub const QUIET_END: &str = "share_quiet_end";
/// The daily cap of a database that never set one: DingTalk itself takes 20 messages a minute
/// per robot; a group of colleagues rarely wants more than this many medal cards a day.
pub const DEFAULT_DAILY_CAP: u32 = 30;
const MAX_DAILY_CAP: u32 = 1000;

/// Shares that arrived or are on their way (a failed one may still be retried).
const COUNTED: &str = "('queued', 'sending', 'sent', 'failed')";

#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Guard {
    /// 0: no cap.
    pub daily_cap: u32,
    pub quiet: Option<QuietHours>,
}

pub async fn load(db: &Db) -> Result<Guard, AppError> {
    let cap = match settings_get(db, DAILY_CAP).await? {
        Some(v) => v.trim().parse().unwrap_or(DEFAULT_DAILY_CAP),
        None => DEFAULT_DAILY_CAP,
    };
    let start = settings_get(db, QUIET_START).await?.unwrap_or_default();
    let end = settings_get(db, QUIET_END).await?.unwrap_or_default();
    Ok(Guard {
        daily_cap: cap,
        // a stored window is valid (saving checks it); anything else counts as none
        quiet: QuietHours::parse(&start, &end).ok().flatten(),
    })
}

/// The earliest a share may be sent if it were due at `at`: the end of the quiet hours `at`
/// falls in, else `at`.
pub fn not_before(g: &Guard, at: i64) -> i64 {
    g.quiet.and_then(|q| q.until(at)).unwrap_or(at)
}

pub async fn view(db: &Db) -> Result<GuardView, AppError> {
    let g = load(db).await?;
    let now = now_ms();
    Ok(GuardView {
        daily_cap: g.daily_cap,
        quiet_start: g.quiet.map(|q| fmt_clock(q.start)).unwrap_or_default(),
        quiet_end: g.quiet.map(|q| fmt_clock(q.end)).unwrap_or_default(),
        quiet_until: g.quiet.and_then(|q| q.until(now)),
        today: None,
    })
}

/// Owners: saves the cap and the quiet hours (both checked; nothing is stored unless both are
/// right), and reschedules the shares waiting for quiet hours to the new window (or now).
pub async fn save(db: &Db, admin: &AdminInfo, f: &GuardForm) -> Result<(), AppError> {
    let before = view(db).await?;
    let mut errors = BTreeMap::new();
    let cap = match f.daily_cap.as_deref().map(str::trim) {
        None => before.daily_cap,
        Some(v) => {
            match v.parse::<u32>() {
                Ok(n) if n <= MAX_DAILY_CAP => n,
                _ => {
                    errors.insert(
                    "daily_cap".to_string(),
                    vec![Msg::new(
                        format!("每日上限请填写 0 到 {MAX_DAILY_CAP} 之间的整数（0 表示不限）"),
                        format!("The daily cap is a whole number from 0 to {MAX_DAILY_CAP} (0: no cap)"),
                    )],
                );
                    0
                }
            }
        }
    };
    let field = |v: &Option<String>, stored: &str| match v {
        Some(v) => v.clone(),
        None if f.quiet_set => String::new(),
        None => stored.to_string(),
    };
    let start = field(&f.quiet_start, &before.quiet_start);
    let end = field(&f.quiet_end, &before.quiet_end);
    let quiet = match QuietHours::parse(&start, &end) {
        Ok(q) => q,
        Err(m) => {
            errors.insert("quiet".to_string(), vec![m]);
            None
        }
    };
    if !errors.is_empty() {
        return Err(AppError::Validation(errors));
    }
    settings_put(db, DAILY_CAP, &cap.to_string()).await?;
    let (s, e) = quiet.map_or((String::new(), String::new()), |q| {
        (fmt_clock(q.start), fmt_clock(q.end))
    });
    settings_put(db, QUIET_START, &s).await?;
    settings_put(db, QUIET_END, &e).await?;
    // Shares never tried that wait in the future waited for the old quiet hours: they go when
    // the new window lets them (now, if there is none).
    let now = now_ms();
    let at = not_before(
        &Guard {
            daily_cap: cap,
            quiet,
        },
        now,
    );
    with_db!(db, p => sqlx::query(
        "UPDATE shares SET next_attempt_at = $1, updated_at = $2 \
         WHERE status = 'queued' AND attempts = 0 AND next_attempt_at > $2")
        .bind(at).bind(now).execute(p).await.map(|_| ()))
    .map_err(AppError::from)?;
    crate::shares::outbox::wake().notify_waiters();
    let after = view(db).await?;
    let audited = |v: &GuardView| json!({"daily_cap": v.daily_cap, "quiet_start": v.quiet_start, "quiet_end": v.quiet_end});
    crate::infra::audit::audit(
        db,
        admin,
        "settings.share_guard",
        "settings",
        0,
        Some(audited(&before)),
        Some(audited(&after)),
    )
    .await
}

/// Midnight (China time) of the day `now` is in, as UTC ms.
fn today_start(now: i64) -> i64 {
    china_day(now) * DAY_MS - CHINA_OFFSET_MS
}

/// What the share form shows per group: the last time one of these awards went there (or was
/// queued), and how many messages it has had today.
#[derive(Debug, Clone, Default)]
pub struct History {
    pub shared_at: HashMap<i64, (i64, i64)>,
    pub today: HashMap<i64, i64>,
}

/// The earlier shares of `awards` into `groups` and the groups' counts today. A share of an
/// award is never older than the award, so only shares since the oldest of them are read
/// (`shares_group` is on `(group_id, created_at)`).
pub async fn history(
    db: &Db,
    groups: &[i64],
    awards: &[AwardCardRow],
) -> Result<History, AppError> {
    let mut h = History::default();
    if groups.is_empty() {
        return Ok(h);
    }
    let list = crate::infra::db::id_list(groups);
    let now = now_ms();
    let since = today_start(now);
    let counts: Vec<(i64, i64)> = with_db!(db, p => sqlx::query_as::<_, (i64, i64)>(&format!(
        "SELECT group_id, COUNT(*) FROM shares WHERE group_id IN ({list}) AND created_at >= $1 \
         AND status IN {COUNTED} GROUP BY group_id"))
        .bind(since).fetch_all(p).await)
    .map_err(AppError::from)?;
    h.today = counts.into_iter().collect();
    let Some(oldest) = awards.iter().map(|a| a.awarded_at).min() else {
        return Ok(h);
    };
    let wanted: std::collections::HashSet<i64> = awards.iter().map(|a| a.id).collect();
    let rows: Vec<(i64, String, i64)> = with_db!(db, p => sqlx::query_as::<_, (i64, String, i64)>(&format!(
        "SELECT group_id, award_ids, COALESCE(sent_at, created_at) FROM shares \
         WHERE group_id IN ({list}) AND created_at >= $1 AND status IN ('queued', 'sending', 'sent')"))
        .bind(oldest).fetch_all(p).await)
    .map_err(AppError::from)?;
    for (g, ids, at) in rows {
        for id in ids.split(',').filter_map(|s| s.trim().parse::<i64>().ok()) {
            if wanted.contains(&id) {
                let e = h.shared_at.entry(g).or_insert((at, id));
                if at > e.0 {
                    *e = (at, id);
                }
            }
        }
    }
    Ok(h)
}

/// Refuses, with the reason, a share that would repeat awards in a group without `confirm`, or
/// take a group over its daily cap (`messages` per group). Returns when the shares may go
/// (after the quiet hours, if it is quiet now).
pub async fn check(
    db: &Db,
    groups: &[(i64, String)],
    awards: &[AwardCardRow],
    messages: usize,
    confirm: bool,
) -> Result<i64, AppError> {
    let g = load(db).await?;
    let ids: Vec<i64> = groups.iter().map(|x| x.0).collect();
    let h = history(db, &ids, awards).await?;
    let name = |id: i64| {
        groups
            .iter()
            .find(|x| x.0 == id)
            .map(|x| x.1.clone())
            .unwrap_or_default()
    };
    let medal = |id: i64| {
        awards
            .iter()
            .find(|a| a.id == id)
            .map(|a| format!("{}（{}）", a.medal_name, a.staff_name))
            .unwrap_or_default()
    };
    let mut problems = Vec::new();
    if !confirm {
        for (gid, _) in groups {
            if let Some((at, award)) = h.shared_at.get(gid) {
                problems.push(Msg::new(
                    format!(
                        "「{}」已于 {} 收到过 {}。确认要再发一次，请勾选“仍然再次分享”后提交。",
                        name(*gid),
                        fmt_time(*at),
                        medal(*award)
                    ),
                    format!(
                        "“{}” already received {} on {}. To send it again, tick “Share again anyway” and submit.",
                        name(*gid),
                        medal(*award),
                        fmt_time(*at)
                    ),
                ));
            }
        }
    }
    if g.daily_cap > 0 {
        for (gid, gname) in groups {
            let today = h.today.get(gid).copied().unwrap_or(0);
            if today as usize + messages > g.daily_cap as usize {
                problems.push(Msg::new(
                    format!(
                        "「{gname}」今天已分享 {today} 条，每日上限 {} 条，这次要发 {messages} 条。可合并为一条喜报、明天再分享，或由所有者在设置中调整上限。",
                        g.daily_cap
                    ),
                    format!(
                        "“{gname}” has had {today} messages today; its daily cap is {} and this would send {messages}. Combine them into one digest, share tomorrow, or ask an owner to raise the cap in Settings.",
                        g.daily_cap
                    ),
                ));
            }
        }
    }
    if !problems.is_empty() {
        return Err(AppError::Validation(BTreeMap::from([(
            "groups".to_string(),
            problems,
        )])));
    }
    Ok(not_before(&g, now_ms()))
}
