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

/// Returns today's date in the Netherlands.
pub fn today() -> NaiveDate {
    local_date(Utc::now())
}

/// Returns Easter Sunday of `year` (Gregorian; the anonymous algorithm in Meeus's form).
pub fn easter_sunday(year: i32) -> NaiveDate {
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
    NaiveDate::from_ymd_opt(year, month as u32, day as u32).expect("Easter falls in March or April")
}

/// Returns the day the King's (or Queen's) birthday is celebrated in `year`: 27 April since
/// 2014, moved to 26 April when the 27th is a Sunday; before 2014 Koninginnedag, 30 April,
/// moved to the 29th on a Sunday.
pub fn koningsdag(year: i32) -> NaiveDate {
    let (day, name_day) = if year >= 2014 { (27, 26) } else { (30, 29) };
    let date = NaiveDate::from_ymd_opt(year, 4, day).expect("valid April date");
    if date.weekday() == Weekday::Sun {
        NaiveDate::from_ymd_opt(year, 4, name_day).expect("valid April date")
    } else {
        date
    }
}

/// Returns the name of the Atw general holiday on `date`, if it is one.
pub fn holiday(date: NaiveDate) -> Option<&'static str> {
    let year = date.year();
    let easter = easter_sunday(year);
    let fixed = |month, day| NaiveDate::from_ymd_opt(year, month, day).expect("valid fixed date");
    let holidays = [
        (fixed(1, 1), "Nieuwjaarsdag"),
        (easter - Duration::days(2), "Goede Vrijdag"),
        (easter + Duration::days(1), "tweede Paasdag"),
        (koningsdag(year), "Koningsdag"),
        (fixed(5, 5), "Bevrijdingsdag"),
        (easter + Duration::days(39), "Hemelvaartsdag"),
        (easter + Duration::days(50), "tweede Pinksterdag"),
        (fixed(12, 25), "eerste Kerstdag"),
        (fixed(12, 26), "tweede Kerstdag"),
    ];
    holidays
        .into_iter()
        .find(|(day, _)| *day == date)
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
            assert_eq!(easter_sunday(year), date(expected), "{year}");
        }
    }

    #[test]
    fn koningsdag_moves_to_saturday_when_the_27th_is_a_sunday() {
        assert_eq!(
            koningsdag(2025),
            date("2025-04-26"),
            "27 April 2025 is a Sunday"
        );
        assert_eq!(koningsdag(2026), date("2026-04-27"));
        assert_eq!(
            koningsdag(2031),
            date("2031-04-26"),
            "27 April 2031 is a Sunday"
        );
        assert_eq!(
            koningsdag(2013),
            date("2013-04-30"),
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
