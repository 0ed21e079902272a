//! The Dutch calendar of the Algemene termijnenwet (Atw): which days are not working days.
//!
//! Atw art. 3 (BWBR0002448, valid from 2010-10-10) recognises as general holidays: Nieuwjaarsdag,
//! Goede Vrijdag, tweede Paasdag, Hemelvaartsdag, tweede Pinksterdag, the day the King's
//! birthday is celebrated, 5 May (Bevrijdingsdag) and both Christmas days. Easter Sunday and
//! Whit Sunday are Sundays anyway. Art. 3 lid 3 lets a royal decree make other days equal to
//! them, every three years for the next three (bridging days): [`Calendar`] holds the decrees
//! Rondom knows ([`KNOWN_DECREES`]) and those an operator adds. A working day is Monday to
//! Friday and none of these.

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

/// A royal decree under Atw art. 3 lid 3: days made equal to a general holiday, for the
/// period it was made for.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Decree {
    /// Its title, as the Staatsblad publishes it.
    pub title: String,
    /// The period it covers: the days it names lie in it, and terms ending after it may meet
    /// days of a decree not yet made.
    pub first: NaiveDate,
    pub last: NaiveDate,
    pub days: Vec<NaiveDate>,
}

/// The decrees Rondom knows, as (title, first day, last day, days made equal).
pub const KNOWN_DECREES: &[(&str, &str, &str, &[&str])] = &[
    (
        "Besluit gelijkstelling van 28 april 2023, 19 mei 2023, 10 mei 2024, 27 december 2024 \
         en 30 mei 2025 met een algemeen erkende feestdag",
        "2023-01-01",
        "2025-12-31",
        &[
            "2023-04-28",
            "2023-05-19",
            "2024-05-10",
            "2024-12-27",
            "2025-05-30",
        ],
    ),
    (
        "Besluit gelijkstelling van 2 januari 2026, 15 mei 2026, 7 mei 2027, 28 april 2028 en \
         26 mei 2028 met een algemeen erkende feestdag",
        "2026-01-01",
        "2028-12-31",
        &[
            "2026-01-02",
            "2026-05-15",
            "2027-05-07",
            "2028-04-28",
            "2028-05-26",
        ],
    ),
];

/// The working-day calendar terms are counted in: the statute's holidays and the days the
/// decrees it holds made equal to them.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Calendar {
    decrees: Vec<Decree>,
}

impl Default for Calendar {
    /// The calendar of the decrees Rondom knows.
    fn default() -> Self {
        let date = |text: &str| text.parse::<NaiveDate>().expect("a known decree's date");
        Self {
            decrees: KNOWN_DECREES
                .iter()
                .map(|(title, first, last, days)| Decree {
                    title: (*title).to_owned(),
                    first: date(first),
                    last: date(last),
                    days: days.iter().map(|day| date(day)).collect(),
                })
                .collect(),
        }
    }
}

/// A decree an operator adds does not fit.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DecreeError {
    #[error("{title}: its period ends before it starts")]
    Period { title: String },
    #[error("{title}: {day} lies outside its period {first} to {last}")]
    DayOutside {
        title: String,
        day: NaiveDate,
        first: NaiveDate,
        last: NaiveDate,
    },
    #[error("{title}: {day} is a weekend day or a holiday already")]
    NotAWorkingDay { title: String, day: NaiveDate },
}

impl Calendar {
    /// Returns the calendar with `decree` added, checked: its days lie in its period and are
    /// working days of the calendar without it.
    ///
    /// # Errors
    /// [`DecreeError`] naming what does not fit.
    pub fn with(mut self, decree: Decree) -> Result<Self, DecreeError> {
        let title = decree.title.clone();
        if decree.last < decree.first {
            return Err(DecreeError::Period { title });
        }
        for &day in &decree.days {
            if day < decree.first || day > decree.last {
                return Err(DecreeError::DayOutside {
                    title,
                    day,
                    first: decree.first,
                    last: decree.last,
                });
            }
            if !self.is_working_day(day) {
                return Err(DecreeError::NotAWorkingDay { title, day });
            }
        }
        self.decrees.push(decree);
        Ok(self)
    }

    /// Returns a digest of the decrees: a read model folded under another calendar is folded
    /// again, so deadlines already computed follow a decree added later.
    pub fn digest(&self) -> [u8; 32] {
        use sha2::Digest as _;
        let mut hasher = sha2::Sha256::new();
        for decree in &self.decrees {
            hasher.update(format!(
                "{}|{}|{}|",
                decree.title, decree.first, decree.last
            ));
            for day in &decree.days {
                hasher.update(day.to_string());
            }
            hasher.update(b"\n");
        }
        hasher.finalize().into()
    }

    /// Returns the decrees, the known ones first.
    pub fn decrees(&self) -> &[Decree] {
        &self.decrees
    }

    /// Returns the last day a decree covers: a term ending later may meet a day made equal
    /// to a holiday by a decree not yet made.
    pub fn known_until(&self) -> Option<NaiveDate> {
        self.decrees.iter().map(|decree| decree.last).max()
    }

    /// Returns why `date` is not a working day (the holiday, the decree that made it equal
    /// to one, else `zaterdag` or `zondag`), or `None` for a working day.
    pub fn non_working_reason(&self, date: NaiveDate) -> Option<String> {
        if let Some(name) = holiday(date) {
            return Some(name.to_owned());
        }
        if let Some(decree) = self
            .decrees
            .iter()
            .find(|decree| decree.days.contains(&date))
        {
            return Some(format!(
                "gelijkgesteld met een feestdag (Atw art. 3 lid 3, {})",
                decree.title
            ));
        }
        match date.weekday() {
            Weekday::Sat => Some("zaterdag".to_owned()),
            Weekday::Sun => Some("zondag".to_owned()),
            Weekday::Mon | Weekday::Tue | Weekday::Wed | Weekday::Thu | Weekday::Fri => None,
        }
    }

    /// Returns whether `date` is a working day; without the reason's text, as the deadline
    /// arithmetic asks it for every day of a term.
    pub fn is_working_day(&self, date: NaiveDate) -> bool {
        !matches!(date.weekday(), Weekday::Sat | Weekday::Sun)
            && holiday(date).is_none()
            && !self
                .decrees
                .iter()
                .any(|decree| decree.days.contains(&date))
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
        let calendar = Calendar::default();
        for day in [
            NaiveDate::MIN,
            NaiveDate::MAX,
            date("-0002-12-25"),
            date("9999-12-31"),
        ] {
            let _ = calendar.non_working_reason(day);
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
        let calendar = Calendar::default();
        assert!(
            calendar.is_working_day(date("2026-11-23")),
            "an ordinary Monday"
        );
        assert_eq!(
            calendar.non_working_reason(date("2026-11-22")).as_deref(),
            Some("zondag")
        );
    }

    #[test]
    fn days_a_decree_made_equal_to_a_holiday_are_not_working_days() {
        // Atw art. 3 lid 3; Besluit gelijkstelling van 2 januari 2026, 15 mei 2026, 7 mei 2027,
        // 28 april 2028 en 26 mei 2028 met een algemeen erkende feestdag: Friday 2 January 2026
        // and the Fridays after Hemelvaartsdag (14 May 2026, 6 May 2027, 25 May 2028) and after
        // Koningsdag 2028 (Thursday 27 April).
        let calendar = Calendar::default();
        for day in [
            "2026-01-02",
            "2026-05-15",
            "2027-05-07",
            "2028-04-28",
            "2028-05-26",
        ] {
            let reason = calendar.non_working_reason(date(day)).expect(day);
            assert!(reason.contains("2 januari 2026"), "{day}: {reason}");
            assert_eq!(
                holiday(date(day)),
                None,
                "{day} is no holiday of art. 3 lid 1"
            );
        }
        // The decree before it, for 2023 to 2025: the day after Koningsdag 2023 (Thursday 27
        // April), the Fridays after Hemelvaartsdag, and Friday 27 December 2024.
        for day in [
            "2023-04-28",
            "2023-05-19",
            "2024-05-10",
            "2024-12-27",
            "2025-05-30",
        ] {
            assert!(!calendar.is_working_day(date(day)), "{day}");
        }
        // A Friday after Hemelvaartsdag that no decree names is a working day.
        assert!(calendar.is_working_day(date("2022-05-27")));
        assert_eq!(calendar.known_until(), Some(date("2028-12-31")));
    }

    #[test]
    fn an_operator_adds_the_next_decree_and_a_wrong_one_is_refused() {
        let decree = |days: &[&str]| Decree {
            title: "Besluit gelijkstelling van 11 mei 2029 met een algemeen erkende feestdag"
                .into(),
            first: date("2029-01-01"),
            last: date("2031-12-31"),
            days: days.iter().map(|day| date(day)).collect(),
        };
        let calendar = Calendar::default()
            .with(decree(&["2029-05-11"]))
            .expect("a Friday after Hemelvaartsdag 2029");
        assert!(!calendar.is_working_day(date("2029-05-11")));
        assert_eq!(calendar.known_until(), Some(date("2031-12-31")));
        assert!(matches!(
            Calendar::default().with(decree(&["2032-05-07"])),
            Err(DecreeError::DayOutside { .. })
        ));
        assert!(matches!(
            Calendar::default().with(decree(&["2029-05-12"])),
            Err(DecreeError::NotAWorkingDay { .. })
        ));
    }
}
