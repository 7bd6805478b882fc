//! Automatic medals: what a rule asks of a person's facts, and when it is met. Facts are one
//! number per person, metric and China-time day (days counted from 1970-01-01, see
//! [`crate::time::china_day`]); a rule reads them in day order.

use crate::i18n::Msg;
use crate::time::{civil_from_days, days_from_civil, fmt_day, month_number, weekday};
use serde::{Deserialize, Serialize};

/// What a rule counts.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RuleKind {
    /// The values add up to the threshold ("completed 100 tasks").
    Total,
    /// The threshold's number of consecutive days with a value above zero ("30 days in a row").
    Streak,
}

/// Which days a streak runs over.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Days {
    /// Every calendar day; a day without a fact breaks the streak.
    Calendar,
    /// Monday to Friday except the holidays: days off neither count nor break it.
    Workdays,
}

/// The window a rule counts in: once per person per window.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Window {
    /// All time: once per person.
    None,
    /// Each calendar month (China time).
    Month,
    /// Each quarter.
    Quarter,
}

impl RuleKind {
    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "total" => Some(Self::Total),
            "streak" => Some(Self::Streak),
            _ => None,
        }
    }
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Total => "total",
            Self::Streak => "streak",
        }
    }
}

impl Days {
    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "calendar" => Some(Self::Calendar),
            "workdays" => Some(Self::Workdays),
            _ => None,
        }
    }
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Calendar => "calendar",
            Self::Workdays => "workdays",
        }
    }
}

impl Window {
    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "none" | "" => Some(Self::None),
            "month" => Some(Self::Month),
            "quarter" => Some(Self::Quarter),
            _ => None,
        }
    }
    pub fn as_str(self) -> &'static str {
        match self {
            Self::None => "none",
            Self::Month => "month",
            Self::Quarter => "quarter",
        }
    }
    /// The window a day falls in: 0 for [`Window::None`], else the month number
    /// (`year * 12 + month - 1`) or the quarter number (`year * 4 + quarter - 1`).
    pub fn key(self, day: i64) -> i64 {
        let (y, m, _) = civil_from_days(day);
        match self {
            Self::None => 0,
            Self::Month => month_number(y, m),
            Self::Quarter => y * 4 + i64::from((m - 1) / 3),
        }
    }
    /// The first and last day of the window with this key (all days for [`Window::None`]).
    pub fn bounds(self, key: i64) -> (i64, i64) {
        let month_start =
            |n: i64| days_from_civil(n.div_euclid(12), n.rem_euclid(12) as u32 + 1, 1);
        match self {
            Self::None => (i64::MIN, i64::MAX),
            Self::Month => (month_start(key), month_start(key + 1) - 1),
            Self::Quarter => (month_start(key * 3), month_start(key * 3 + 3) - 1),
        }
    }
    /// "2026年11月" / "2026 Q4" for a window key; empty for [`Window::None`].
    pub fn label(self, key: i64) -> Msg {
        match self {
            Self::None => Msg::new("", ""),
            Self::Month => {
                let (y, m) = (key.div_euclid(12), key.rem_euclid(12) + 1);
                Msg::new(format!("{y}年{m}月"), format!("{y}-{m:02}"))
            }
            Self::Quarter => {
                let (y, q) = (key.div_euclid(4), key.rem_euclid(4) + 1);
                Msg::new(format!("{y}年第{q}季度"), format!("{y} Q{q}"))
            }
        }
    }
}

/// A rule as evaluation needs it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Spec {
    pub kind: RuleKind,
    pub days: Days,
    pub window: Window,
    pub threshold: i64,
    /// Facts before this day do not count.
    pub from_day: Option<i64>,
}

/// A window in which a person met the rule, and the facts that met it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Earned {
    pub window_key: i64,
    /// The first and last day of the streak, or of the facts that made up the total.
    pub first_day: i64,
    pub last_day: i64,
    /// The streak's length, or the total reached.
    pub amount: i64,
}

impl Earned {
    /// As `rule_awards.facts` keeps it: `first,last,amount`.
    pub fn encode(&self) -> String {
        format!("{},{},{}", self.first_day, self.last_day, self.amount)
    }
    pub fn decode(window_key: i64, s: &str) -> Option<Self> {
        let mut it = s.split(',').map(|p| p.parse::<i64>().ok());
        Some(Self {
            window_key,
            first_day: it.next()??,
            last_day: it.next()??,
            amount: it.next()??,
        })
    }
    /// The facts in words: "2026-11-01 至 2026-11-30 连续 30 天（attendance）".
    pub fn describe(&self, spec_kind: RuleKind, metric: &str) -> Msg {
        let (a, b) = (fmt_day(self.first_day), fmt_day(self.last_day));
        match spec_kind {
            RuleKind::Streak => Msg::new(
                format!("{a} 至 {b} 连续 {} 天（{metric}）", self.amount),
                format!("{} days in a row, {a} to {b} ({metric})", self.amount),
            ),
            RuleKind::Total => Msg::new(
                format!("{a} 至 {b} 累计 {}（{metric}）", self.amount),
                format!("{} in total, {a} to {b} ({metric})", self.amount),
            ),
        }
    }
}

/// Is this day one a workday streak counts (Monday to Friday, not a holiday)?
pub fn is_workday(day: i64, holidays: &[i64]) -> bool {
    weekday(day) < 5 && holidays.binary_search(&day).is_err()
}

/// The next day after `day` that a streak over `days` counts.
fn next_counted(day: i64, days: Days, holidays: &[i64]) -> i64 {
    let mut d = day + 1;
    if days == Days::Workdays {
        // weekends and holidays in a row: bounded by the holiday list's length plus a weekend
        while !is_workday(d, holidays) {
            d += 1;
        }
    }
    d
}

/// The day before `day` that a streak over `days` counts.
fn prev_counted(day: i64, days: Days, holidays: &[i64]) -> i64 {
    let mut d = day - 1;
    if days == Days::Workdays {
        while !is_workday(d, holidays) {
            d -= 1;
        }
    }
    d
}

/// Where a window of the rule can newly be earned when facts on the days `first..=last`
/// changed: (window key, first day, last day) of the facts that decide it, per window. A total
/// is decided by its whole window, which must hold a changed day; a streak that earns must hold
/// a changed day, so it lies within `threshold - 1` counted days of them. Days before the rule's
/// start are left out (and a window with none left is too).
pub fn reach(spec: &Spec, holidays: &[i64], first: i64, last: i64) -> Vec<(i64, i64, i64)> {
    let (mut lo, mut hi) = (i64::MIN, i64::MAX);
    if spec.kind == RuleKind::Streak {
        (lo, hi) = (first, last);
        for _ in 1..spec.threshold.clamp(1, 366) {
            lo = prev_counted(lo, spec.days, holidays);
            hi = next_counted(hi, spec.days, holidays);
        }
    }
    if let Some(f) = spec.from_day {
        lo = lo.max(f);
    }
    (spec.window.key(first)..=spec.window.key(last))
        .filter_map(|key| {
            let (a, b) = spec.window.bounds(key);
            let (a, b) = (a.max(lo), b.min(hi));
            (a <= b).then_some((key, a, b))
        })
        .collect()
}

/// Every window in which the facts meet the rule, each with the facts that met it first.
/// `facts` are (day, value) in day order, one per day; `holidays` sorted.
pub fn evaluate(spec: &Spec, facts: &[(i64, i64)], holidays: &[i64]) -> Vec<Earned> {
    let mut out: Vec<Earned> = Vec::new();
    let counted = facts
        .iter()
        .filter(|(d, _)| spec.from_day.is_none_or(|f| *d >= f));
    let met = |out: &Vec<Earned>, key: i64| out.last().is_some_and(|e| e.window_key == key);
    match spec.kind {
        RuleKind::Total => {
            // (window, first day, running total)
            let mut cur: Option<(i64, i64, i64)> = None;
            for &(day, value) in counted {
                let key = spec.window.key(day);
                let (first, sum) = match cur {
                    Some((k, first, sum)) if k == key => (first, sum + value),
                    _ => (day, value),
                };
                cur = Some((key, first, sum));
                if sum >= spec.threshold && !met(&out, key) {
                    out.push(Earned {
                        window_key: key,
                        first_day: first,
                        last_day: day,
                        amount: sum,
                    });
                }
            }
        }
        RuleKind::Streak => {
            // (window, first day, last day, length)
            let mut run: Option<(i64, i64, i64, i64)> = None;
            for &(day, value) in counted {
                if value <= 0 || (spec.days == Days::Workdays && !is_workday(day, holidays)) {
                    continue;
                }
                let key = spec.window.key(day);
                run = match run {
                    Some((k, first, last, n))
                        if k == key && next_counted(last, spec.days, holidays) == day =>
                    {
                        Some((k, first, day, n + 1))
                    }
                    _ => Some((key, day, day, 1)),
                };
                let (k, first, last, n) = run.expect("just set");
                if n >= spec.threshold && !met(&out, k) {
                    out.push(Earned {
                        window_key: k,
                        first_day: first,
                        last_day: last,
                        amount: n,
                    });
                }
            }
        }
    }
    out
}

/// How far a person is in today's window: (what they have, what the rule asks). A streak
/// counts only while it is alive: its last day is today or the counted day before.
pub fn progress(spec: &Spec, facts: &[(i64, i64)], holidays: &[i64], today: i64) -> i64 {
    let key = spec.window.key(today);
    let counted: Vec<(i64, i64)> = facts
        .iter()
        .copied()
        .filter(|(d, _)| spec.from_day.is_none_or(|f| *d >= f) && *d <= today)
        .filter(|(d, _)| spec.window.key(*d) == key)
        .collect();
    match spec.kind {
        RuleKind::Total => counted.iter().map(|f| f.1).sum(),
        RuleKind::Streak => {
            let mut n = 0;
            let mut last: Option<i64> = None;
            for &(day, value) in &counted {
                if value <= 0 || (spec.days == Days::Workdays && !is_workday(day, holidays)) {
                    continue;
                }
                n = match last {
                    Some(l) if next_counted(l, spec.days, holidays) == day => n + 1,
                    _ => 1,
                };
                last = Some(day);
            }
            match last {
                // alive: the next counted day after its end is today or later
                Some(l) if next_counted(l, spec.days, holidays) >= today => n,
                _ => 0,
            }
        }
    }
}

/// A metric's name as events carry it: 1–40 of `a-z 0-9 _ . -`, starting with a letter.
pub fn valid_metric(s: &str) -> bool {
    (1..=40).contains(&s.len())
        && s.starts_with(|c: char| c.is_ascii_lowercase())
        && s.chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || "_.-".contains(c))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::time::days_from_civil;

    fn d(y: i64, m: u32, day: u32) -> i64 {
        days_from_civil(y, m, day)
    }
    fn spec(kind: RuleKind, days: Days, window: Window, threshold: i64) -> Spec {
        Spec {
            kind,
            days,
            window,
            threshold,
            from_day: None,
        }
    }
    fn run(from: i64, n: i64) -> Vec<(i64, i64)> {
        (0..n).map(|i| (from + i, 1)).collect()
    }

    #[test]
    fn a_one_day_gap_breaks_a_streak() {
        let s = spec(RuleKind::Streak, Days::Calendar, Window::None, 30);
        let mut f = run(d(2026, 10, 1), 29);
        assert!(evaluate(&s, &f, &[]).is_empty());
        f.push((d(2026, 10, 30), 1));
        let e = evaluate(&s, &f, &[]);
        assert_eq!(e.len(), 1);
        assert_eq!(
            (e[0].first_day, e[0].last_day, e[0].amount),
            (d(2026, 10, 1), d(2026, 10, 30), 30)
        );
        // a gap on day 15, then 29 more days: 14 + 16, not 30
        let mut g = run(d(2026, 10, 1), 14);
        g.extend(run(d(2026, 10, 16), 16));
        assert!(evaluate(&s, &g, &[]).is_empty());
        // a zero value is a day not attended
        let mut z = run(d(2026, 10, 1), 30);
        z[10].1 = 0;
        assert!(evaluate(&s, &z, &[]).is_empty());
    }

    #[test]
    fn streaks_cross_month_and_year_boundaries() {
        let s = spec(RuleKind::Streak, Days::Calendar, Window::None, 30);
        let e = evaluate(&s, &run(d(2025, 12, 20), 30), &[]);
        assert_eq!(e.len(), 1);
        assert_eq!(fmt_day(e[0].last_day), "2026-01-18");
        // a monthly window cuts the same run at the new year
        let m = spec(RuleKind::Streak, Days::Calendar, Window::Month, 20);
        assert!(evaluate(&m, &run(d(2025, 12, 20), 30), &[]).is_empty());
        let e = evaluate(&m, &run(d(2025, 12, 1), 62), &[]);
        assert_eq!(
            e.iter().map(|e| e.window_key).collect::<Vec<_>>(),
            vec![month_number(2025, 12), month_number(2026, 1)]
        );
    }

    #[test]
    fn workdays_skip_weekends_and_holidays() {
        // 2026-11-02 is a Monday; two weeks of Monday–Friday with the weekend between absent
        let mon = d(2026, 11, 2);
        assert_eq!(weekday(mon), 0);
        let weekdays: Vec<(i64, i64)> = (0..12)
            .filter(|i| i % 7 < 5)
            .map(|i| (mon + i, 1))
            .collect();
        assert_eq!(weekdays.len(), 10);
        let w = spec(RuleKind::Streak, Days::Workdays, Window::None, 10);
        assert_eq!(evaluate(&w, &weekdays, &[]).len(), 1);
        let c = spec(RuleKind::Streak, Days::Calendar, Window::None, 10);
        assert!(evaluate(&c, &weekdays, &[]).is_empty());
        // a holiday on the Wednesday: absent that day, the streak holds only when it is listed
        let mut with_gap = weekdays.clone();
        with_gap.retain(|f| f.0 != mon + 2);
        let w9 = spec(RuleKind::Streak, Days::Workdays, Window::None, 9);
        assert!(evaluate(&w9, &with_gap, &[]).is_empty());
        assert_eq!(evaluate(&w9, &with_gap, &[mon + 2]).len(), 1);
        // attending on a Saturday neither counts nor breaks
        let mut sat = weekdays.clone();
        sat.push((mon + 5, 1));
        sat.sort();
        assert_eq!(evaluate(&w, &sat, &[])[0].amount, 10);
    }

    #[test]
    fn totals_and_windows() {
        let t = spec(RuleKind::Total, Days::Calendar, Window::None, 100);
        let f = vec![
            (d(2026, 1, 5), 60),
            (d(2026, 3, 1), 39),
            (d(2026, 3, 2), 1),
            (d(2026, 4, 1), 50),
        ];
        let e = evaluate(&t, &f, &[]);
        assert_eq!(e.len(), 1, "once for all time");
        assert_eq!((e[0].last_day, e[0].amount), (d(2026, 3, 2), 100));
        let q = spec(RuleKind::Total, Days::Calendar, Window::Quarter, 50);
        let e = evaluate(&q, &f, &[]);
        assert_eq!(
            e.iter().map(|e| e.window_key).collect::<Vec<_>>(),
            vec![2026 * 4, 2026 * 4 + 1]
        );
        assert_eq!(Window::Quarter.label(2026 * 4 + 1).zh, "2026年第2季度");
        assert_eq!(Window::Month.label(month_number(2026, 11)).en, "2026-11");
        // facts before the rule's start do not count
        let from = Spec {
            from_day: Some(d(2026, 3, 1)),
            ..t.clone()
        };
        assert!(evaluate(&from, &f, &[]).is_empty());
    }

    #[test]
    fn progress_counts_live_streaks_only() {
        let s = spec(RuleKind::Streak, Days::Calendar, Window::None, 30);
        let today = d(2026, 12, 2);
        let f = run(today - 27, 27); // up to yesterday
        assert_eq!(progress(&s, &f, &[], today), 27, "today not yet reported");
        assert_eq!(progress(&s, &f, &[], today + 1), 0, "a missed day ends it");
        assert_eq!(
            progress(&s, &f, &[], today - 2),
            26,
            "later facts do not count"
        );
        let t = spec(RuleKind::Total, Days::Calendar, Window::Month, 100);
        assert_eq!(
            progress(&t, &[(today - 40, 90), (today - 1, 30)], &[], today),
            30
        );
    }

    #[test]
    fn windows_have_bounds() {
        let nov = month_number(2026, 11);
        assert_eq!(Window::Month.bounds(nov), (d(2026, 11, 1), d(2026, 11, 30)));
        assert_eq!(
            Window::Month.bounds(month_number(2026, 12)).1,
            d(2026, 12, 31)
        );
        assert_eq!(
            Window::Month.bounds(month_number(2028, 2)).1,
            d(2028, 2, 29)
        );
        let q = Window::Quarter.key(d(2026, 11, 15));
        assert_eq!(Window::Quarter.bounds(q), (d(2026, 10, 1), d(2026, 12, 31)));
        for day in [
            d(2025, 12, 31),
            d(2026, 1, 1),
            d(2026, 3, 31),
            d(2026, 4, 1),
        ] {
            for w in [Window::Month, Window::Quarter] {
                let (a, b) = w.bounds(w.key(day));
                assert!(a <= day && day <= b, "{w:?} {}", fmt_day(day));
                assert_eq!(
                    (w.key(a - 1), w.key(b + 1)),
                    (w.key(day) - 1, w.key(day) + 1)
                );
            }
        }
    }

    #[test]
    fn reach_covers_every_window_a_change_can_earn() {
        let day = d(2026, 11, 16); // a Monday
        let s = spec(RuleKind::Streak, Days::Calendar, Window::None, 30);
        assert_eq!(reach(&s, &[], day, day + 1), vec![(0, day - 29, day + 30)]);
        // workdays: 4 counted days back from a Monday is the Tuesday before, over the weekend
        let w = spec(RuleKind::Streak, Days::Workdays, Window::None, 5);
        assert_eq!(reach(&w, &[], day, day), vec![(0, day - 6, day + 4)]);
        assert_eq!(
            reach(&w, &[day - 1 - 2], day, day)[0].1,
            day - 7,
            "a holiday skipped"
        );
        // monthly: each month the changed days fall in, cut to the streak's reach
        let m = spec(RuleKind::Streak, Days::Calendar, Window::Month, 3);
        assert_eq!(
            reach(&m, &[], d(2026, 11, 30), d(2026, 12, 1)),
            vec![
                (month_number(2026, 11), d(2026, 11, 28), d(2026, 11, 30)),
                (month_number(2026, 12), d(2026, 12, 1), d(2026, 12, 3)),
            ]
        );
        // a total's window is all of it, from the rule's start
        let t = Spec {
            from_day: Some(day - 3),
            ..spec(RuleKind::Total, Days::Calendar, Window::Quarter, 10)
        };
        let q = Window::Quarter.key(day);
        assert_eq!(
            reach(&t, &[], day, day),
            vec![(q, day - 3, d(2026, 12, 31))]
        );
        let all = spec(RuleKind::Total, Days::Calendar, Window::None, 10);
        assert_eq!(reach(&all, &[], day, day), vec![(0, i64::MIN, i64::MAX)]);
        // a window wholly before the start is left out
        let late = Spec {
            from_day: Some(d(2026, 12, 1)),
            ..m.clone()
        };
        assert_eq!(reach(&late, &[], d(2026, 11, 30), d(2026, 11, 30)), vec![]);
    }

    #[test]
    fn what_reach_leaves_out_cannot_be_newly_earned() {
        // every rule shape against random histories and a random changed day: whatever the
        // change newly earns lies in a window `reach` names, and its facts inside the range
        let mut seed = 12345u64;
        let mut rnd = |n: u64| {
            seed = seed
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            (seed >> 33) % n
        };
        let base = d(2026, 10, 20);
        let holidays = [base + 9, base + 20];
        let mut newly = 0;
        for case in 0..600 {
            let kind = [RuleKind::Total, RuleKind::Streak][case % 2];
            let days = [Days::Calendar, Days::Workdays][(case / 2) % 2];
            let window = [Window::None, Window::Month, Window::Quarter][(case / 4) % 3];
            let s = Spec {
                kind,
                days,
                window,
                threshold: 1 + rnd(14) as i64,
                from_day: (rnd(3) == 0).then(|| base + rnd(20) as i64),
            };
            let mut before: Vec<(i64, i64)> = Vec::new();
            for i in 0..80 {
                if rnd(5) < 3 {
                    before.push((base + i, rnd(3) as i64 - (rnd(10) == 0) as i64));
                }
            }
            let was = evaluate(&s, &before, &holidays);
            // every run of 1 to 3 changed days, each set to a value above zero
            for first in base..base + 80 {
                let last = first + rnd(3) as i64;
                let mut after: Vec<(i64, i64)> = before
                    .iter()
                    .copied()
                    .filter(|f| f.0 < first || f.0 > last)
                    .chain((first..=last).map(|d| (d, 1 + rnd(2) as i64)))
                    .collect();
                after.sort();
                let r = reach(&s, &holidays, first, last);
                for e in evaluate(&s, &after, &holidays) {
                    if was.iter().any(|w| w.window_key == e.window_key) {
                        continue;
                    }
                    newly += 1;
                    let (_, lo, hi) =
                        *r.iter().find(|x| x.0 == e.window_key).unwrap_or_else(|| {
                            panic!("{case}: {s:?} window {} not reached", e.window_key)
                        });
                    assert!(
                        lo <= e.first_day && e.last_day <= hi,
                        "{case}: {s:?} {e:?} outside {lo}..{hi}"
                    );
                }
            }
        }
        assert!(newly > 800, "the cases earn something: {newly}");
    }

    #[test]
    fn metric_names() {
        assert!(valid_metric("tasks_completed"));
        assert!(valid_metric("attendance"));
        assert!(!valid_metric(""));
        assert!(!valid_metric("Tasks"));
        assert!(!valid_metric("1x"));
        assert!(!valid_metric("a b"));
        assert!(!valid_metric(&"a".repeat(41)));
        let e = Earned {
            window_key: 0,
            first_day: 10,
            last_day: 20,
            amount: 11,
        };
        assert_eq!(Earned::decode(0, &e.encode()), Some(e));
    }
}
