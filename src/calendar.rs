//! Working days: weekends, public holidays and make-up workdays (调休).
//!
//! The procedure says department heads check the orders "the next working
//! day" (下一工作日上午); with 调休 a Saturday can be a working day and a
//! Wednesday a holiday, so a weekday test is not enough.

use std::collections::BTreeSet;

use chrono::{Datelike, NaiveDate};

use crate::rules::model::{self, Weekday};

#[derive(Clone, Debug, Default)]
pub struct WorkCalendar {
    /// Weekdays off, indexed Monday = 0.
    weekend: [bool; 7],
    holidays: BTreeSet<NaiveDate>,
    workdays: BTreeSet<NaiveDate>,
}

impl WorkCalendar {
    /// Saturday and Sunday off, no holidays.
    pub fn plain() -> WorkCalendar {
        let mut c = WorkCalendar::default();
        c.weekend[5] = true;
        c.weekend[6] = true;
        c
    }

    pub fn from_model(m: &model::Calendar) -> WorkCalendar {
        let mut c = WorkCalendar::default();
        for d in &m.weekend {
            c.weekend[weekday_index(*d)] = true;
        }
        for h in &m.holidays {
            let from = h.value.from.value;
            let to = h.value.to.as_ref().map_or(from, |t| t.value);
            // Guarded by validation (to ≥ from, at most a month long); the
            // cap keeps a bad range from looping for long regardless.
            for d in from.iter_days().take_while(|d| *d <= to).take(366) {
                c.holidays.insert(d);
            }
        }
        for w in &m.workdays {
            c.workdays.insert(w.value.date.value);
        }
        c
    }

    /// Of `years`, those in which the calendar lists no public holiday
    /// although it lists some in other years: there its working days are
    /// the weekdays only, so "the next working day" may fall on 元旦 or
    /// 春节. (A calendar with no holidays at all is taken as meant.)
    pub fn years_without_holidays(&self, years: impl IntoIterator<Item = i32>) -> Vec<i32> {
        if self.holidays.is_empty() {
            return Vec::new();
        }
        let mut out: Vec<i32> = years
            .into_iter()
            .filter(|&y| {
                let (Some(first), Some(last)) = (
                    NaiveDate::from_ymd_opt(y, 1, 1),
                    NaiveDate::from_ymd_opt(y, 12, 31),
                ) else {
                    return false;
                };
                self.holidays.range(first..=last).next().is_none()
            })
            .collect();
        out.sort_unstable();
        out.dedup();
        out
    }

    pub fn is_workday(&self, d: NaiveDate) -> bool {
        if self.workdays.contains(&d) {
            return true;
        }
        if self.holidays.contains(&d) {
            return false;
        }
        !self.weekend[d.weekday().num_days_from_monday() as usize]
    }

    /// The first working day after `d`.
    pub fn next_workday(&self, d: NaiveDate) -> NaiveDate {
        let mut day = d;
        // A year without a working day is not a calendar validation lets
        // through; stop anyway rather than loop.
        for _ in 0..400 {
            match day.succ_opt() {
                Some(n) => day = n,
                None => return d,
            }
            if self.is_workday(day) {
                return day;
            }
        }
        day
    }

    /// Working days after `a` up to and including `b` (0 when b ≤ a).
    pub fn workdays_between(&self, a: NaiveDate, b: NaiveDate) -> i64 {
        if b <= a {
            return 0;
        }
        a.iter_days()
            .skip(1)
            .take_while(|d| *d <= b)
            .take(100_000)
            .filter(|d| self.is_workday(*d))
            .count() as i64
    }
}

fn weekday_index(d: Weekday) -> usize {
    match d {
        Weekday::Monday => 0,
        Weekday::Tuesday => 1,
        Weekday::Wednesday => 2,
        Weekday::Thursday => 3,
        Weekday::Friday => 4,
        Weekday::Saturday => 5,
        Weekday::Sunday => 6,
    }
}

/// The warning for [`WorkCalendar::years_without_holidays`], if any.
pub fn missing_years_warning(
    calendar: &WorkCalendar,
    years: impl IntoIterator<Item = i32>,
) -> Option<crate::diagnostic::Diagnostic> {
    let missing = calendar.years_without_holidays(years);
    if missing.is_empty() {
        return None;
    }
    let list = missing
        .iter()
        .map(i32::to_string)
        .collect::<Vec<_>>()
        .join(", ");
    Some(
        crate::diagnostic::Diagnostic::warning(
            "calendar-year",
            format!(
                "the calendar lists no public holidays in {list}: working days there are counted as weekdays only, so a check \"by the next working day\" may fall on a holiday"
            ),
        )
        .hint(format!(
            "add {list}'s holidays and make-up workdays (调休) under `calendar:` in the rules, from the State Council's notice"
        )),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> NaiveDate {
        s.parse().unwrap()
    }

    fn national_day_2026() -> WorkCalendar {
        let mut c = WorkCalendar::plain();
        for day in d("2026-10-01").iter_days().take(7) {
            c.holidays.insert(day);
        }
        c.workdays.insert(d("2026-09-20"));
        c.workdays.insert(d("2026-10-10"));
        c
    }

    #[test]
    fn next_workday_skips_weekends_and_holidays_and_honours_makeup_days() {
        let c = national_day_2026();
        // Friday → Monday
        assert_eq!(c.next_workday(d("2026-11-27")), d("2026-11-30"));
        // Saturday 19 Sep → Sunday 20 Sep is a make-up workday
        assert_eq!(c.next_workday(d("2026-09-19")), d("2026-09-20"));
        // Wednesday 30 Sep → holidays 1–7 Oct → Thursday 8 Oct
        assert_eq!(c.next_workday(d("2026-09-30")), d("2026-10-08"));
        // Friday 9 Oct → Saturday 10 Oct is a make-up workday
        assert_eq!(c.next_workday(d("2026-10-09")), d("2026-10-10"));
        assert!(!c.is_workday(d("2026-10-05")));
        assert_eq!(c.workdays_between(d("2026-09-30"), d("2026-10-10")), 3);
    }

    #[test]
    fn a_year_without_holidays_is_named_when_others_have_some() {
        let d = |y, m, day| NaiveDate::from_ymd_opt(y, m, day).unwrap();
        let mut c = WorkCalendar::plain();
        assert!(
            c.years_without_holidays([2026, 2027]).is_empty(),
            "no holidays at all is meant"
        );
        c.holidays.insert(d(2026, 1, 1));
        assert_eq!(
            c.years_without_holidays([2026, 2027, 2027, 2025]),
            [2025, 2027]
        );
        let w = missing_years_warning(&c, [2027]).unwrap();
        assert!(
            w.message.contains("no public holidays in 2027"),
            "{}",
            w.message
        );
        assert!(missing_years_warning(&c, [2026]).is_none());
        // A year chrono cannot hold is not a calendar year: no warning, no panic.
        assert!(missing_years_warning(&c, [i32::MAX]).is_none());
    }
}
