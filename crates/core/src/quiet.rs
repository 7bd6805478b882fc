//! Quiet hours (免打扰时段): a daily window, in China time, during which shares wait and then go
//! out when it ends. A window may cross midnight (22:00–08:00).

use crate::time::{CHINA_OFFSET_MS, DAY_MS};
use crate::Msg;

const MINUTE_MS: i64 = 60_000;

/// Start and end as minutes after midnight, China time; `start != end`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct QuietHours {
    pub start: u16,
    pub end: u16,
}

/// Reads `HH:MM` (`8:00` too), 00:00–23:59.
pub fn parse_clock(s: &str) -> Option<u16> {
    let (h, m) = s.trim().split_once(':')?;
    if h.is_empty() || h.len() > 2 || m.len() != 2 {
        return None;
    }
    let (h, m): (u16, u16) = (h.parse().ok()?, m.parse().ok()?);
    (h < 24 && m < 60).then_some(h * 60 + m)
}

/// `08:05` for minutes after midnight.
pub fn fmt_clock(min: u16) -> String {
    format!("{:02}:{:02}", min / 60, min % 60)
}

impl QuietHours {
    /// Both empty: no quiet hours. Both set and different: the window. Anything else is an error
    /// naming what to type.
    pub fn parse(start: &str, end: &str) -> Result<Option<QuietHours>, Msg> {
        let (s, e) = (start.trim(), end.trim());
        if s.is_empty() && e.is_empty() {
            return Ok(None);
        }
        let bad = || {
            Msg::new(
                "免打扰时段请填写开始和结束时间，格式 HH:MM，例如 22:00 和 08:00",
                "Quiet hours need a start and an end as HH:MM, e.g. 22:00 and 08:00",
            )
        };
        let (start, end) = (
            parse_clock(s).ok_or_else(bad)?,
            parse_clock(e).ok_or_else(bad)?,
        );
        if start == end {
            return Err(Msg::new(
                "免打扰时段的开始和结束不能相同",
                "Quiet hours cannot start and end at the same time",
            ));
        }
        Ok(Some(QuietHours { start, end }))
    }

    /// When the window that `now_ms` falls in ends (UTC ms), or `None` outside it.
    pub fn until(&self, now_ms: i64) -> Option<i64> {
        let local = now_ms + CHINA_OFFSET_MS;
        let midnight = local.div_euclid(DAY_MS) * DAY_MS;
        let minute = (local - midnight) / MINUTE_MS;
        let (s, e) = (i64::from(self.start), i64::from(self.end));
        let end_today = midnight + e * MINUTE_MS - CHINA_OFFSET_MS;
        if s < e {
            (s <= minute && minute < e).then_some(end_today)
        } else if minute >= s {
            // crossing midnight, evening part: it ends tomorrow
            Some(end_today + DAY_MS)
        } else {
            (minute < e).then_some(end_today)
        }
    }

    /// `22:00–08:00`.
    pub fn label(&self) -> String {
        format!("{}–{}", fmt_clock(self.start), fmt_clock(self.end))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::time::china_midnight;

    fn at(h: i64, m: i64) -> i64 {
        china_midnight(2026, 12, 3) + (h * 60 + m) * MINUTE_MS
    }

    #[test]
    fn clocks() {
        assert_eq!(parse_clock("08:00"), Some(480));
        assert_eq!(parse_clock("8:05"), Some(485));
        assert_eq!(parse_clock(" 23:59 "), Some(1439));
        for bad in [
            "24:00",
            "12:60",
            "12",
            "12:5",
            "-1:00",
            "ab:cd",
            "",
            "１２:００",
            "123:00",
        ] {
            assert_eq!(parse_clock(bad), None, "{bad}");
        }
        assert_eq!(fmt_clock(485), "08:05");
    }

    #[test]
    fn parse_window() {
        assert_eq!(QuietHours::parse("", " "), Ok(None));
        assert_eq!(
            QuietHours::parse("22:00", "08:00"),
            Ok(Some(QuietHours {
                start: 1320,
                end: 480
            }))
        );
        assert!(QuietHours::parse("22:00", "").is_err());
        assert!(QuietHours::parse("", "08:00").is_err());
        assert!(QuietHours::parse("08:00", "08:00").is_err());
        assert!(QuietHours::parse("8pm", "08:00").is_err());
    }

    #[test]
    fn within_a_day() {
        let q = QuietHours {
            start: 12 * 60,
            end: 14 * 60,
        };
        assert_eq!(q.until(at(11, 59)), None);
        assert_eq!(q.until(at(12, 0)), Some(at(14, 0)));
        assert_eq!(q.until(at(13, 59)), Some(at(14, 0)));
        assert_eq!(q.until(at(14, 0)), None);
    }

    #[test]
    fn across_midnight() {
        let q = QuietHours {
            start: 22 * 60,
            end: 8 * 60,
        };
        assert_eq!(q.until(at(21, 59)), None);
        assert_eq!(q.until(at(22, 0)), Some(at(8, 0) + DAY_MS));
        assert_eq!(q.until(at(23, 30)), Some(at(8, 0) + DAY_MS));
        assert_eq!(q.until(at(0, 0)), Some(at(8, 0)));
        assert_eq!(q.until(at(7, 59)), Some(at(8, 0)));
        assert_eq!(q.until(at(8, 0)), None);
        assert_eq!(q.label(), "22:00–08:00");
    }

    #[test]
    fn the_end_is_always_later_and_outside() {
        // every start, end and minute of a day, at a coarse step
        for s in (0..1440).step_by(37) {
            for e in (0..1440).step_by(41) {
                if s == e {
                    continue;
                }
                let q = QuietHours { start: s, end: e };
                for m in (0..1440).step_by(7) {
                    let now = at(0, m);
                    if let Some(end) = q.until(now) {
                        assert!(end > now && end - now <= DAY_MS, "{s} {e} {m}");
                        assert_eq!(q.until(end), None, "{s} {e} {m}: the end is outside");
                    }
                }
            }
        }
    }
}
