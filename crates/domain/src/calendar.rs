//! The Dutch calendar of the Algemene termijnenwet (Atw): which days are not working days.
//!
//! Atw art. 3 (BWBR0002448, valid from 2010-10-10) recognises as general holidays: Nieuwjaarsdag,
//! Goede Vrijdag, tweede Paasdag, Hemelvaartsdag, tweede Pinksterdag, the day the King's
//! birthday is celebrated, 5 May (Bevrijdingsdag) and both Christmas days. Easter Sunday and
//! Whit Sunday are Sundays anyway. A working day is Monday to Friday and not one of these.

use chrono::{DateTime, Datelike, Duration, NaiveDate, Utc, Weekday};

/// Returns the Dutch calendar date of an instant (Europe/Amsterdam, summer time included):
/// terms count in the days of the place where the law applies.
pub fn local_date(at: DateTime<Utc>) -> NaiveDate {
    at.with_timezone(&chrono_tz::Europe::Amsterdam).date_naive()
}

/// Returns the dates a write may name: from 1900 (the oldest living person was born after it)
/// to 2199 (a decision, a term or a care period runs no further). Anything outside is a
/// typing or encoding error, refused with a field violation before it reaches the log.
pub fn write_dates() -> std::ops::RangeInclusive<NaiveDate> {
    let first = NaiveDate::from_ymd_opt(1900, 1, 1).expect("a date");
    let last = NaiveDate::from_ymd_opt(2199, 12, 31).expect("a date");
    first..=last
}

/// Returns why `date` may not be named in a write, or `None` when it may.
pub fn out_of_range(date: NaiveDate) -> Option<String> {
    let dates = write_dates();
    (!dates.contains(&date))
        .then(|| format!("{date} lies outside {} to {}", dates.start(), dates.end()))
}

/// Returns today's date in the Netherlands.
pub fn today() -> NaiveDate {
    local_date(Utc::now())
}

/// The years whose holidays this calendar knows: the Gregorian calendar's, to four digits.
/// Outside them only weekends are non-working days, so a date far out of range (which the
/// write path refuses, but a log may still hold) never stops a computation.
pub const YEARS: std::ops::RangeInclusive<i32> = 1583..=9999;

/// Returns Easter Sunday of `year` (Gregorian; the anonymous algorithm in Meeus's form), for
/// a year of [`YEARS`].
pub fn easter_sunday(year: i32) -> Option<NaiveDate> {
    if !YEARS.contains(&year) {
        return None;
    }
    let a = year % 19;
    let b = year / 100;
    let c = year % 100;
    let d = b / 4;
    let e = b % 4;
    let f = (b + 8) / 25;
    let g = (b - f + 1) / 3;
    let h = (19 * a + b - d - g + 15) % 30;
    let i = c / 4;
    let k = c % 4;
    let l = (32 + 2 * e + 2 * i - h - k) % 7;
    let m = (a + 11 * h + 22 * l) / 451;
    let month = (h + l - 7 * m + 114) / 31;
    let day = (h + l - 7 * m + 114) % 31 + 1;
    NaiveDate::from_ymd_opt(year, month as u32, day as u32)
}

/// Returns the day the King's (or Queen's) birthday is celebrated in `year`: 27 April since
/// 2014, moved to 26 April when the 27th is a Sunday; before 2014 Koninginnedag, 30 April,
/// moved to the 29th on a Sunday. `None` outside [`YEARS`].
pub fn koningsdag(year: i32) -> Option<NaiveDate> {
    if !YEARS.contains(&year) {
        return None;
    }
    let (day, name_day) = if year >= 2014 { (27, 26) } else { (30, 29) };
    let date = NaiveDate::from_ymd_opt(year, 4, day)?;
    if date.weekday() == Weekday::Sun {
        NaiveDate::from_ymd_opt(year, 4, name_day)
    } else {
        Some(date)
    }
}

/// Returns the name of the Atw general holiday on `date`, if it is one.
pub fn holiday(date: NaiveDate) -> Option<&'static str> {
    let year = date.year();
    let easter = easter_sunday(year)?;
    let fixed = |month, day| NaiveDate::from_ymd_opt(year, month, day);
    // Easter lies in March or April: these stay inside the year.
    let from_easter = |days| easter.checked_add_signed(Duration::days(days));
    let holidays = [
        (fixed(1, 1), "Nieuwjaarsdag"),
        (from_easter(-2), "Goede Vrijdag"),
        (from_easter(1), "tweede Paasdag"),
        (koningsdag(year), "Koningsdag"),
        (fixed(5, 5), "Bevrijdingsdag"),
        (from_easter(39), "Hemelvaartsdag"),
        (from_easter(50), "tweede Pinksterdag"),
        (fixed(12, 25), "eerste Kerstdag"),
        (fixed(12, 26), "tweede Kerstdag"),
    ];
    holidays
        .into_iter()
        .find(|(day, _)| *day == Some(date))
        .map(|(_, name)| name)
}

/// Returns why `date` is not a working day (the holiday, else `zaterdag` or `zondag`), or
/// `None` for a working day. A holiday on a weekend is named by its holiday.
pub fn non_working_reason(date: NaiveDate) -> Option<&'static str> {
    holiday(date).or(match date.weekday() {
        Weekday::Sat => Some("zaterdag"),
        Weekday::Sun => Some("zondag"),
        Weekday::Mon | Weekday::Tue | Weekday::Wed | Weekday::Thu | Weekday::Fri => None,
    })
}

/// Returns whether `date` is a working day.
pub fn is_working_day(date: NaiveDate) -> bool {
    non_working_reason(date).is_none()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn date(text: &str) -> NaiveDate {
        text.parse().expect("ISO date")
    }

    #[test]
    fn easter_matches_published_dates() {
        for (year, expected) in [
            (2019, "2019-04-21"),
            (2024, "2024-03-31"),
            (2025, "2025-04-20"),
            (2026, "2026-04-05"),
            (2027, "2027-03-28"),
            (2038, "2038-04-25"),
            (2285, "2285-03-22"),
        ] {
            assert_eq!(easter_sunday(year), Some(date(expected)), "{year}");
        }
    }

    #[test]
    fn every_date_chrono_holds_has_an_answer() {
        // Far outside the known years only weekends count; nothing panics.
        for year in [i32::MIN, -262_143, -2, 0, 1582, 10_000, 262_142] {
            assert_eq!(easter_sunday(year), None, "{year}");
            assert_eq!(koningsdag(year), None, "{year}");
        }
        for day in [
            NaiveDate::MIN,
            NaiveDate::MAX,
            date("-0002-12-25"),
            date("9999-12-31"),
        ] {
            let _ = non_working_reason(day);
        }
        assert_eq!(holiday(date("-0002-12-25")), None);
        assert_eq!(holiday(date("9999-12-25")), Some("eerste Kerstdag"));
    }

    #[test]
    fn koningsdag_moves_to_saturday_when_the_27th_is_a_sunday() {
        assert_eq!(
            koningsdag(2025),
            Some(date("2025-04-26")),
            "27 April 2025 is a Sunday"
        );
        assert_eq!(koningsdag(2026), Some(date("2026-04-27")));
        assert_eq!(
            koningsdag(2031),
            Some(date("2031-04-26")),
            "27 April 2031 is a Sunday"
        );
        assert_eq!(
            koningsdag(2013),
            Some(date("2013-04-30")),
            "Koninginnedag before 2014"
        );
    }

    #[test]
    fn holidays_of_2026() {
        let named: Vec<(&str, &str)> = [
            ("2026-01-01", "Nieuwjaarsdag"),
            ("2026-04-03", "Goede Vrijdag"),
            ("2026-04-06", "tweede Paasdag"),
            ("2026-04-27", "Koningsdag"),
            ("2026-05-05", "Bevrijdingsdag"),
            ("2026-05-14", "Hemelvaartsdag"),
            ("2026-05-25", "tweede Pinksterdag"),
            ("2026-12-25", "eerste Kerstdag"),
            ("2026-12-26", "tweede Kerstdag"),
        ]
        .into_iter()
        .collect();
        for (day, name) in named {
            assert_eq!(holiday(date(day)), Some(name), "{day}");
        }
        assert_eq!(holiday(date("2026-04-07")), None);
        assert!(is_working_day(date("2026-11-23")), "an ordinary Monday");
        assert_eq!(non_working_reason(date("2026-11-22")), Some("zondag"));
    }
}
