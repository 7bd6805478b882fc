//! The simulator's attendance store: what `attendance/list` answers from, seeded by tests and
//! the demo (here in Rust, or `POST /_control/attendance` with the same JSON DingTalk answers).

use super::Simulator;
use crate::app::{AttendanceRecord, CheckType, TimeResult};
use medal_core::time::DAY_MS;

/// 09:00 and 18:00 China time, the schedule [`attendance_day`] assumes.
const ON_DUTY_MS: i64 = 9 * 3_600_000;
const OFF_DUTY_MS: i64 = 18 * 3_600_000;

fn record(user_id: &str, day: i64, check: CheckType, result: TimeResult) -> AttendanceRecord {
    let midnight = day * DAY_MS - medal_core::time::CHINA_OFFSET_MS;
    let base = midnight
        + match check {
            CheckType::OffDuty => OFF_DUTY_MS,
            _ => ON_DUTY_MS,
        };
    let user = match result {
        TimeResult::Late => Some(base + 10 * 60_000),
        TimeResult::SeriousLate | TimeResult::Absenteeism => Some(base + 90 * 60_000),
        TimeResult::Early => Some(base - 30 * 60_000),
        TimeResult::NotSigned | TimeResult::Other => None,
        TimeResult::Normal => Some(base - 5 * 60_000),
    };
    AttendanceRecord {
        user_id: user_id.to_owned(),
        work_date: midnight,
        check_type: check,
        time_result: result,
        location_result: Some(
            if user.is_some() {
                "Normal"
            } else {
                "NotSigned"
            }
            .into(),
        ),
        user_check_time: Some(user.unwrap_or(base)),
        base_check_time: Some(base),
        source_type: Some(if user.is_some() { "USER" } else { "SYSTEM" }.into()),
    }
}

/// A person's two checks of one work day (`day` numbered from 1970-01-01, China time), on a
/// 09:00–18:00 schedule, as DingTalk would record them.
pub fn attendance_day(
    user_id: &str,
    day: i64,
    on_duty: TimeResult,
    off_duty: TimeResult,
) -> [AttendanceRecord; 2] {
    [
        record(user_id, day, CheckType::OnDuty, on_duty),
        record(user_id, day, CheckType::OffDuty, off_duty),
    ]
}

fn check_order(c: CheckType) -> u8 {
    match c {
        CheckType::OnDuty => 0,
        CheckType::OffDuty => 1,
        CheckType::Other => 2,
    }
}

impl Simulator {
    /// Keeps these records; one for the same person, work day and check replaces the old one.
    /// Returns how many were given.
    pub fn add_attendance(&self, records: impl IntoIterator<Item = AttendanceRecord>) -> usize {
        let mut w = self.world();
        let mut n = 0;
        for r in records {
            let key = (r.user_id.clone(), r.work_date, check_order(r.check_type));
            w.attendance.insert(key, r);
            n += 1;
        }
        n
    }

    /// The stored records (of one person, or everyone), by person, day and check.
    pub fn attendance(&self, user_id: Option<&str>) -> Vec<AttendanceRecord> {
        self.world()
            .attendance
            .values()
            .filter(|r| user_id.is_none_or(|u| r.user_id == u))
            .cloned()
            .collect()
    }

    pub fn clear_attendance(&self) {
        self.world().attendance.clear();
    }
}
