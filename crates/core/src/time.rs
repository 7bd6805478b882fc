//! Times as people read them: China Standard Time (UTC+8, no daylight saving), where DingTalk
//! companies are. Plain integer arithmetic, so the browser needs no date library.

/// Milliseconds in a day.
pub const DAY_MS: i64 = 86_400_000;
/// China Standard Time's offset from UTC.
pub const CHINA_OFFSET_MS: i64 = 8 * 3600 * 1000;

/// (year, month 1–12, day 1–31) of a day counted from 1970-01-01 (Howard Hinnant's algorithm).
pub fn civil_from_days(days: i64) -> (i64, u32, u32) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    let y = yoe + era * 400 + i64::from(m <= 2);
    (y, m, d)
}

/// The day (from 1970-01-01) of a civil date; the inverse of [`civil_from_days`].
pub fn days_from_civil(y: i64, m: u32, d: u32) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y.rem_euclid(400);
    let m = i64::from(m);
    let doy = (153 * (if m > 2 { m - 3 } else { m + 9 }) + 2) / 5 + i64::from(d) - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// The UTC milliseconds of midnight, China time, on a civil date.
pub fn china_midnight(y: i64, m: u32, d: u32) -> i64 {
    days_from_civil(y, m, d) * DAY_MS - CHINA_OFFSET_MS
}

/// The China-time civil date of a UTC millisecond timestamp.
pub fn china_date(ms: i64) -> (i64, u32, u32) {
    civil_from_days((ms + CHINA_OFFSET_MS).div_euclid(DAY_MS))
}

/// The China-time day of a UTC millisecond timestamp, counted from 1970-01-01: how facts and
/// streaks number days.
pub fn china_day(ms: i64) -> i64 {
    (ms + CHINA_OFFSET_MS).div_euclid(DAY_MS)
}

/// `2026-11-21` for a day numbered as [`china_day`].
pub fn fmt_day(day: i64) -> String {
    let (y, m, d) = civil_from_days(day);
    format!("{y:04}-{m:02}-{d:02}")
}

/// Monday = 0 … Sunday = 6 for a day numbered as [`china_day`] (1970-01-01 was a Thursday).
pub fn weekday(day: i64) -> u32 {
    (day + 3).rem_euclid(7) as u32
}

/// A month as the counters of the database number it: `year * 12 + month - 1` (China time).
pub fn month_number(y: i64, m: u32) -> i64 {
    y * 12 + m as i64 - 1
}

/// The China-time month of a UTC millisecond timestamp, numbered as [`month_number`].
pub fn china_month(ms: i64) -> i64 {
    let (y, m, _) = china_date(ms);
    month_number(y, m)
}

/// Reads `YYYY-MM-DD` (a real date only).
pub fn parse_date(s: &str) -> Option<(i64, u32, u32)> {
    let mut it = s.trim().splitn(3, '-');
    let (y, m, d) = (it.next()?, it.next()?, it.next()?);
    if y.len() != 4 || m.len() != 2 || d.len() != 2 {
        return None;
    }
    let (y, m, d): (i64, u32, u32) = (y.parse().ok()?, m.parse().ok()?, d.parse().ok()?);
    // a real date: it survives the round trip
    let days = days_from_civil(y, m, d);
    ((1..=12).contains(&m) && d >= 1 && civil_from_days(days) == (y, m, d)).then_some((y, m, d))
}

/// `2026-11-21 14:05` in China time for a UTC millisecond timestamp.
pub fn fmt_time(ms: i64) -> String {
    let local = ms + CHINA_OFFSET_MS;
    let (y, m, d) = civil_from_days(local.div_euclid(DAY_MS));
    let in_day = local.rem_euclid(DAY_MS) / 60_000;
    format!("{y:04}-{m:02}-{d:02} {:02}:{:02}", in_day / 60, in_day % 60)
}

/// `2026-11-21T14:05:09.123+08:00` (RFC 3339, China time) for a UTC millisecond timestamp.
pub fn fmt_rfc3339(ms: i64) -> String {
    let local = ms + CHINA_OFFSET_MS;
    let (y, m, d) = civil_from_days(local.div_euclid(DAY_MS));
    let in_day = local.rem_euclid(DAY_MS);
    let (s, milli) = (in_day / 1000, in_day % 1000);
    format!(
        "{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}.{milli:03}+08:00",
        s / 3600,
        s / 60 % 60,
        s % 60
    )
}

/// `2026-11-21` in China time.
pub fn fmt_date(ms: i64) -> String {
    let (y, m, d) = civil_from_days((ms + CHINA_OFFSET_MS).div_euclid(DAY_MS));
    format!("{y:04}-{m:02}-{d:02}")
}

#[cfg(test)]
mod tests {
    #[test]
    fn rfc3339_is_china_time() {
        // 2026-11-30T16:00:00Z is midnight of 12-01 in China
        let ms = super::china_midnight(2026, 12, 1) + 3_723_045;
        assert_eq!(super::fmt_rfc3339(ms), "2026-12-01T01:02:03.045+08:00");
        assert_eq!(super::fmt_rfc3339(0), "1970-01-01T08:00:00.000+08:00");
    }

    use super::*;

    #[test]
    fn days_and_weekdays() {
        // 2026-12-02 00:30 China time is still 2026-12-01 in UTC
        let ms = china_midnight(2026, 12, 2) + 30 * 60_000;
        assert_eq!(fmt_day(china_day(ms)), "2026-12-02");
        assert_eq!(fmt_day(china_day(ms - 60 * 60_000)), "2026-12-01");
        assert_eq!(weekday(days_from_civil(2026, 12, 2)), 2); // a Wednesday
        assert_eq!(weekday(days_from_civil(1970, 1, 1)), 3); // a Thursday
        assert_eq!(weekday(days_from_civil(1969, 12, 28)), 6); // a Sunday
    }

    #[test]
    fn china_time() {
        // 2023-11-14 22:13:20 UTC is 2023-11-15 06:13 in Beijing
        assert_eq!(fmt_time(1_700_000_000_000), "2023-11-15 06:13");
        assert_eq!(fmt_date(1_700_000_000_000), "2023-11-15");
        assert_eq!(fmt_time(0), "1970-01-01 08:00");
        // 2025-12-31 16:00 UTC is midnight in Beijing: the next day
        assert_eq!(fmt_date(1_767_196_800_000), "2026-01-01");
        assert_eq!(fmt_date(1_767_196_800_000 - 1), "2025-12-31");
        assert_eq!(fmt_date(951_782_400_000), "2000-02-29");
    }

    #[test]
    fn dates_are_read_and_midnights_found() {
        assert_eq!(parse_date("2026-02-28"), Some((2026, 2, 28)));
        for bad in [
            "2026-02-29",
            "2026-13-01",
            "2026-1-1",
            "x",
            "2026-00-10",
            "",
        ] {
            assert_eq!(parse_date(bad), None, "{bad}");
        }
        assert_eq!(china_midnight(2026, 1, 1), 1_767_196_800_000);
        assert_eq!(china_date(1_767_196_800_000), (2026, 1, 1));
        assert_eq!(china_date(1_767_196_800_000 - 1), (2025, 12, 31));
        assert_eq!(china_month(1_767_196_800_000), 2026 * 12);
        assert_eq!(china_month(1_767_196_800_000 - 1), 2025 * 12 + 11);
    }

    #[test]
    fn days_round_trip() {
        for days in [-800_000, -1, 0, 1, 10_957, 11_016, 20_000, 2_932_896] {
            let (y, m, d) = civil_from_days(days);
            assert_eq!(days_from_civil(y, m, d), days, "{y}-{m}-{d}");
        }
        assert_eq!(
            days_from_civil(2000, 3, 1) - days_from_civil(2000, 2, 28),
            2
        );
    }
}
