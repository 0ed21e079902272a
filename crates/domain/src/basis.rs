//! The legal basis of sharing facts across laws: a gecoördineerde aanpak (the Wams bill,
//! Kamerstuk 36295) with the instemming of the persons concerned, or a documented exception.
//! Here is who can agree for whom; the fold records the aanpak and the read side shares by it.

use chrono::{Datelike, NaiveDate};

/// A person's age group on the day they agreed: who decides about their data follows from it
/// (Jeugdwet art. 7.3.4 lid 2 and 3, WGBO art. 7:450 and 7:465).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AgeGroup {
    /// 16 and older: the person alone.
    SixteenAndOlder,
    /// 12 to 15: the person together with a parent with gezag.
    TwelveToFifteen,
    /// Under 12: a parent with gezag.
    UnderTwelve,
}

impl AgeGroup {
    /// Returns the age group on `day` of a person born on `birth`.
    pub fn on(birth: NaiveDate, day: NaiveDate) -> Self {
        let mut age = day.year() - birth.year();
        if (day.month(), day.day()) < (birth.month(), birth.day()) {
            age -= 1;
        }
        match age {
            16.. => Self::SixteenAndOlder,
            12..=15 => Self::TwelveToFifteen,
            _ => Self::UnderTwelve,
        }
    }

    /// Returns whether the agreement of the person (`own`) and of a parent (`parent`) is
    /// instemming for a person of this group: a 14-year-old alone is not, a parent alone for
    /// a 17-year-old is not.
    pub fn agreed(self, own: bool, parent: bool) -> bool {
        match self {
            Self::SixteenAndOlder => own,
            Self::TwelveToFifteen => own && parent,
            Self::UnderTwelve => parent,
        }
    }

    /// What is missing for instemming, in words for a refusal; `None` when nothing is.
    pub fn missing(self, own: bool, parent: bool) -> Option<&'static str> {
        if self.agreed(own, parent) {
            return None;
        }
        Some(match self {
            Self::SixteenAndOlder => "a person of 16 or older agrees themself",
            Self::TwelveToFifteen => "a child of 12 to 15 agrees together with a parent",
            Self::UnderTwelve => "for a child under 12 a parent agrees",
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn date(text: &str) -> NaiveDate {
        text.parse().expect("date")
    }

    #[test]
    fn the_age_counts_on_the_day_of_agreeing() {
        let birth = date("2010-06-15");
        assert_eq!(
            AgeGroup::on(birth, date("2026-06-14")),
            AgeGroup::TwelveToFifteen
        );
        assert_eq!(
            AgeGroup::on(birth, date("2026-06-15")),
            AgeGroup::SixteenAndOlder
        );
        assert_eq!(
            AgeGroup::on(birth, date("2022-06-14")),
            AgeGroup::UnderTwelve
        );
        assert_eq!(
            AgeGroup::on(birth, date("2022-06-15")),
            AgeGroup::TwelveToFifteen
        );
    }

    #[test]
    fn who_can_agree_follows_the_jeugdwet_and_the_wgbo() {
        use AgeGroup::*;
        // A 14-year-old alone opens nothing; with a parent it does.
        assert!(!TwelveToFifteen.agreed(true, false));
        assert!(!TwelveToFifteen.agreed(false, true));
        assert!(TwelveToFifteen.agreed(true, true));
        // A parent alone does not agree for a 17-year-old.
        assert!(!SixteenAndOlder.agreed(false, true));
        assert!(SixteenAndOlder.agreed(true, false));
        assert!(UnderTwelve.agreed(false, true));
        assert!(!UnderTwelve.agreed(true, false));
        assert_eq!(SixteenAndOlder.missing(true, false), None);
        assert!(TwelveToFifteen.missing(true, false).is_some());
    }
}
