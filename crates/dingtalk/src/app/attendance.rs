//! Attendance results (考勤打卡结果) through the internal app: `POST oapi /attendance/list`.
//!
//! DingTalk answers one record per scheduled check (上班 OnDuty / 下班 OffDuty) per person and
//! work day, whatever the number of punches. Its limits, checked here before calling: the two
//! work dates at most [`MAX_SPAN_DAYS`] apart, at most [`MAX_USERS`] userIds, `limit` 1 to
//! [`MAX_LIMIT`]. Paging: `offset` grows by `limit` while the answer says `hasMore`.
//!
//! [`AppClient::attendance_window`] walks every page of one window for one chunk of people,
//! paced by a shared [`Pace`] (calls per rolling second, under DingTalk's 20 per app and API)
//! and retrying what another try may get past (busy, 5xx, timeouts, the QPS limit): a read can
//! always be asked again.

use std::time::{Duration, SystemTime};

use serde::{Deserialize, Deserializer, Serialize};
use serde_json::{json, Value};

use super::AppClient;
use crate::error::{Error, ErrorKind, Result};
use crate::limiter::RateLimiter;

/// At most this many userIds per call.
pub const MAX_USERS: usize = 50;
/// At most this many records per page.
pub const MAX_LIMIT: u32 = 50;
/// `workDateFrom` and `workDateTo` at most this many days apart.
pub const MAX_SPAN_DAYS: i64 = 7;
/// DingTalk's calls per second per app and API (standard edition).
pub const APP_QPS: u32 = 20;
/// The pace [`Pace::default`] keeps: a margin under [`APP_QPS`] for clocks and latency.
pub const DEFAULT_PACE: u32 = 18;

/// 上班 or 下班.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum CheckType {
    OnDuty,
    OffDuty,
    #[serde(other)]
    Other,
}

/// How a check went, as DingTalk judges it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum TimeResult {
    /// 正常
    Normal,
    /// 早退
    Early,
    /// 迟到
    Late,
    /// 严重迟到
    SeriousLate,
    /// 旷工迟到
    Absenteeism,
    /// 未打卡
    NotSigned,
    /// A value DingTalk added later.
    #[serde(other)]
    Other,
}

impl TimeResult {
    /// Whether the person clocked at all for this check.
    pub fn clocked(self) -> bool {
        !matches!(self, TimeResult::NotSigned | TimeResult::Other)
    }

    /// Late in any degree (迟到, 严重迟到, 旷工迟到).
    pub fn late(self) -> bool {
        matches!(
            self,
            TimeResult::Late | TimeResult::SeriousLate | TimeResult::Absenteeism
        )
    }
}

/// One record of `recordresult` (the fields Medal Hall reads; DingTalk sends more).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct AttendanceRecord {
    pub user_id: String,
    /// The work day: Unix ms of its midnight, China time.
    #[serde(deserialize_with = "ms")]
    pub work_date: i64,
    pub check_type: CheckType,
    pub time_result: TimeResult,
    /// `Normal`, `Outside`, `NotSigned`…
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub location_result: Option<String>,
    /// When the person clocked (Unix ms).
    #[serde(
        default,
        deserialize_with = "opt_ms",
        skip_serializing_if = "Option::is_none"
    )]
    pub user_check_time: Option<i64>,
    /// When the schedule wanted them to (Unix ms).
    #[serde(
        default,
        deserialize_with = "opt_ms",
        skip_serializing_if = "Option::is_none"
    )]
    pub base_check_time: Option<i64>,
    /// `USER`, `ATM`, `APPROVE`, `SYSTEM`, `AUTO_CHECK`…
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub source_type: Option<String>,
}

/// Examples in DingTalk's documentation give times as numbers, its API explorer as strings.
fn ms<'de, D: Deserializer<'de>>(d: D) -> std::result::Result<i64, D::Error> {
    opt_ms(d)?.ok_or_else(|| serde::de::Error::custom("missing time"))
}

fn opt_ms<'de, D: Deserializer<'de>>(d: D) -> std::result::Result<Option<i64>, D::Error> {
    Ok(match Value::deserialize(d)? {
        Value::Number(n) => n.as_i64(),
        Value::String(s) => s.trim().parse().ok(),
        _ => None,
    })
}

/// One call's question. Days are numbered from 1970-01-01 in China time
/// (`medal_core::time::china_day`); both ends are included.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AttendanceQuery {
    pub from_day: i64,
    pub to_day: i64,
    pub user_ids: Vec<String>,
    pub offset: u64,
    pub limit: u32,
    /// `isI18n`: for DingTalk's overseas platform.
    pub is_i18n: bool,
}

fn refused(why: String) -> Error {
    Error::new(ErrorKind::InvalidRequest, why)
}

impl AttendanceQuery {
    /// The first page of a window for these people.
    pub fn new(from_day: i64, to_day: i64, user_ids: Vec<String>) -> Self {
        AttendanceQuery {
            from_day,
            to_day,
            user_ids,
            offset: 0,
            limit: MAX_LIMIT,
            is_i18n: false,
        }
    }

    /// DingTalk's limits, as a [`ErrorKind::InvalidRequest`] error naming the one broken.
    pub fn check(&self) -> Result<()> {
        if self.to_day < self.from_day {
            return Err(refused(format!(
                "workDateTo ({}) is before workDateFrom ({})",
                work_date(self.to_day),
                work_date(self.from_day)
            )));
        }
        if self.to_day - self.from_day > MAX_SPAN_DAYS {
            return Err(refused(format!(
                "workDateFrom and workDateTo are {} days apart; the limit is {MAX_SPAN_DAYS}",
                self.to_day - self.from_day
            )));
        }
        if self.user_ids.is_empty() || self.user_ids.len() > MAX_USERS {
            return Err(refused(format!(
                "userIdList has {} userIds; it needs 1 to {MAX_USERS}",
                self.user_ids.len()
            )));
        }
        if self.user_ids.iter().any(|u| u.trim().is_empty()) {
            return Err(refused("userIdList holds an empty userId".into()));
        }
        if self.limit == 0 || self.limit > MAX_LIMIT {
            return Err(refused(format!(
                "limit is {}; it must be 1 to {MAX_LIMIT}",
                self.limit
            )));
        }
        Ok(())
    }

    /// The JSON DingTalk expects.
    pub fn body(&self) -> Value {
        let mut b = json!({
            "workDateFrom": work_date(self.from_day),
            "workDateTo": work_date(self.to_day),
            "userIdList": self.user_ids,
            "offset": self.offset,
            "limit": self.limit,
        });
        if self.is_i18n {
            b["isI18n"] = json!(true);
        }
        b
    }
}

/// `yyyy-MM-dd 00:00:00` of a day (DingTalk then answers that whole work day).
pub fn work_date(day: i64) -> String {
    format!("{} 00:00:00", medal_core::time::fmt_day(day))
}

/// One page of results.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct AttendancePage {
    pub records: Vec<AttendanceRecord>,
    pub has_more: bool,
}

/// Every page of one window for one chunk of people, and what it took.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct AttendanceWindow {
    pub records: Vec<AttendanceRecord>,
    /// Calls answered with a page.
    pub calls: u32,
    /// Calls tried again after an error another try could get past.
    pub retries: u32,
}

/// How attendance calls are paced and retried. Clones share the pace, so every task of an app
/// that calls `attendance/list` should use one.
#[derive(Debug, Clone)]
pub struct Pace {
    limiter: RateLimiter,
    /// Tries per call before its error is returned.
    pub attempts: u32,
    /// Longest wait between two tries.
    pub max_backoff: Duration,
}

impl Default for Pace {
    fn default() -> Self {
        Pace::per_second(DEFAULT_PACE)
    }
}

impl Pace {
    /// At most `calls` in any rolling second.
    pub fn per_second(calls: u32) -> Self {
        Pace {
            limiter: RateLimiter::in_memory(calls.max(1), Duration::from_secs(1)),
            attempts: 8,
            max_backoff: Duration::from_secs(5),
        }
    }

    /// Tries per call before its error is returned.
    pub fn with_attempts(mut self, attempts: u32) -> Self {
        self.attempts = attempts.max(1);
        self
    }

    /// Longest wait between two tries.
    pub fn with_max_backoff(mut self, max: Duration) -> Self {
        self.max_backoff = max;
        self
    }

    pub fn calls_per_second(&self) -> u32 {
        self.limiter.limit()
    }

    async fn slot(&self, key: &str) {
        // a slot frees up within the window; waiting longer only means a busy process
        while self
            .limiter
            .acquire(key, Duration::from_secs(60))
            .await
            .is_err()
        {}
    }

    /// How long to wait before try number `tried + 1` after `e`.
    fn backoff(&self, e: &Error, tried: u32) -> Duration {
        e.throttled_until()
            .and_then(|t| t.duration_since(SystemTime::now()).ok())
            .unwrap_or(Duration::from_millis(200 << (tried - 1).min(5)))
            .min(self.max_backoff)
    }
}

impl AppClient {
    /// One page of attendance results (`POST oapi /attendance/list`), after checking the limits.
    pub async fn attendance_list(&self, q: &AttendanceQuery) -> Result<AttendancePage> {
        q.check()?;
        let v = self.oapi("attendance/list", &q.body()).await?;
        let records = match v.get("recordresult") {
            None | Some(Value::Null) => Vec::new(),
            Some(r) => serde_json::from_value(r.clone())
                .map_err(|e| Error::new(ErrorKind::ServerError, format!("recordresult: {e}")))?,
        };
        Ok(AttendancePage {
            records,
            has_more: v.get("hasMore").and_then(Value::as_bool).unwrap_or(false),
        })
    }

    /// Every record of `from_day..=to_day` for `user_ids` (one chunk of at most [`MAX_USERS`]),
    /// page after page while DingTalk says `hasMore`, each call paced by `pace` and retried as
    /// it allows.
    pub async fn attendance_window(
        &self,
        from_day: i64,
        to_day: i64,
        user_ids: &[String],
        pace: &Pace,
    ) -> Result<AttendanceWindow> {
        let mut q = AttendanceQuery::new(from_day, to_day, user_ids.to_vec());
        q.check()?;
        let key = format!("attendance/list:{}", self.app_key());
        // the token first: calls that took their slots while a token was fetched would reach
        // DingTalk bunched together, over its per-second limit
        // (retried like the calls: a 5xx from gettoken must not stop a sync)
        let mut out = AttendanceWindow::default();
        let mut tried = 0;
        while let Err(e) = self.access_token().await {
            tried += 1;
            if e.kind().is_permanent() || tried >= pace.attempts {
                return Err(e);
            }
            out.retries += 1;
            tokio::time::sleep(pace.backoff(&e, tried)).await;
        }
        loop {
            let mut tried = 0;
            let page = loop {
                tried += 1;
                pace.slot(&key).await;
                match self.attendance_list(&q).await {
                    Ok(p) => break p,
                    Err(e) if e.kind().is_permanent() || tried >= pace.attempts => return Err(e),
                    Err(e) => {
                        out.retries += 1;
                        tokio::time::sleep(pace.backoff(&e, tried)).await;
                    }
                }
            };
            out.calls += 1;
            let empty = page.records.is_empty();
            out.records.extend(page.records);
            if !page.has_more {
                return Ok(out);
            }
            if empty {
                return Err(Error::new(
                    ErrorKind::ServerError,
                    format!("hasMore with an empty page at offset {}", q.offset),
                ));
            }
            q.offset += u64::from(q.limit);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ids(n: usize) -> Vec<String> {
        (0..n).map(|i| format!("u{i}")).collect()
    }

    #[test]
    fn limits_are_checked_before_calling() {
        let day = medal_core::time::days_from_civil(2026, 3, 2);
        assert!(AttendanceQuery::new(day, day + 7, ids(50)).check().is_ok());
        let cases = [
            (AttendanceQuery::new(day, day + 8, ids(1)), "8 days apart"),
            (AttendanceQuery::new(day, day - 1, ids(1)), "before"),
            (AttendanceQuery::new(day, day, ids(51)), "51 userIds"),
            (AttendanceQuery::new(day, day, ids(0)), "0 userIds"),
            (
                AttendanceQuery {
                    limit: 51,
                    ..AttendanceQuery::new(day, day, ids(1))
                },
                "limit is 51",
            ),
            (
                AttendanceQuery {
                    limit: 0,
                    ..AttendanceQuery::new(day, day, ids(1))
                },
                "limit is 0",
            ),
            (
                AttendanceQuery::new(day, day, vec![" ".into()]),
                "empty userId",
            ),
        ];
        for (q, why) in cases {
            let e = q.check().unwrap_err();
            assert_eq!(e.kind(), ErrorKind::InvalidRequest, "{why}");
            assert_eq!(e.code(), "local.request");
            assert!(e.errmsg().contains(why), "{why}: {}", e.errmsg());
        }
    }

    #[test]
    fn body_has_dingtalks_field_names() {
        let day = medal_core::time::days_from_civil(2020, 9, 6);
        let b = AttendanceQuery::new(day, day + 1, vec!["manager".into()]).body();
        assert_eq!(
            b,
            json!({"workDateFrom": "2020-09-06 00:00:00", "workDateTo": "2020-09-07 00:00:00",
                   "userIdList": ["manager"], "offset": 0, "limit": 50})
        );
    }

    #[test]
    fn records_read_as_documented() {
        // The example answer of DingTalk's documentation (abridged), times as numbers and strings.
        let v = json!([
            {"checkType": "OnDuty", "corpId": "ding…", "locationResult": "NotSigned",
             "baseCheckTime": 1666227600000i64, "groupId": 1010275569, "timeResult": "NotSigned",
             "userId": "manager3451", "workDate": 1666195200000i64, "sourceType": "SYSTEM",
             "userCheckTime": 1666227600000i64, "planId": 437360727696i64, "id": 260694657296i64},
            {"checkType": "OffDuty", "timeResult": "SomethingNew", "userId": "m",
             "workDate": "1666195200000", "userCheckTime": "1666260000000"}
        ]);
        let r: Vec<AttendanceRecord> = serde_json::from_value(v).unwrap();
        assert_eq!(r[0].check_type, CheckType::OnDuty);
        assert_eq!(r[0].time_result, TimeResult::NotSigned);
        assert_eq!(
            medal_core::time::china_day(r[0].work_date),
            medal_core::time::days_from_civil(2022, 10, 20)
        );
        assert_eq!(r[1].time_result, TimeResult::Other);
        assert_eq!(r[1].work_date, 1666195200000);
        assert_eq!(r[1].user_check_time, Some(1666260000000));
        assert!(!TimeResult::NotSigned.clocked() && TimeResult::Late.clocked());
        assert!(TimeResult::SeriousLate.late() && !TimeResult::Early.late());
    }
}
