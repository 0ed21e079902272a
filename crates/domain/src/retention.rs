//! How long a household's personal data is kept (docs/domain.md, Retention and erasure): per pillar a retention
//! period counted from the end of that pillar's last trajectory; the household's data goes
//! when every pillar's period has ended and no trajectory is open.
//!
//! The Jeugdwet's period is statutory (art. 7.3.8 lid 3: twenty years). The municipal files
//! follow the Selectielijst 2020, whose terms per result type a gemeente sets itself; until it
//! does, the default is the same twenty years, because erasing too early cannot be undone.
//!
//! ```toml
//! [years]
//! wmo = 15
//! participatie = 10
//! ```

use std::collections::BTreeMap;

use chrono::{Months, NaiveDate};

use crate::law::Pillar;

/// Years, per pillar, that personal data is kept after the pillar's last trajectory ended.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RetentionTerms {
    years: BTreeMap<Pillar, u32>,
}

/// The default period: the Jeugdwet's, and the safe one where a gemeente set none.
pub const DEFAULT_YEARS: u32 = 20;
/// The shortest period a file may set: a typo must not erase a household next week.
pub const MIN_YEARS: u32 = 1;

/// The retention file is not valid.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RetentionError {
    #[error("not valid TOML: {0}")]
    Syntax(String),
    #[error("{pillar}: {reason}")]
    Pillar { pillar: String, reason: String },
}

#[derive(serde::Deserialize)]
#[serde(deny_unknown_fields)]
struct File {
    #[serde(default)]
    years: BTreeMap<String, u32>,
}

impl RetentionTerms {
    /// Parses and checks a retention file.
    ///
    /// # Errors
    /// [`RetentionError`] naming the first wrong entry.
    pub fn from_toml(text: &str) -> Result<Self, RetentionError> {
        let file: File =
            toml::from_str(text).map_err(|err| RetentionError::Syntax(err.to_string()))?;
        let mut years = BTreeMap::new();
        for (name, value) in file.years {
            let wrong = |reason: &str| RetentionError::Pillar {
                pillar: name.clone(),
                reason: reason.to_owned(),
            };
            let pillar: Pillar = name.parse().map_err(|_| wrong("not a pillar"))?;
            if pillar == Pillar::Jeugd && value < DEFAULT_YEARS {
                return Err(wrong(
                    "the Jeugdwet keeps a dossier twenty years (art. 7.3.8)",
                ));
            }
            if value < MIN_YEARS {
                return Err(wrong("at least one year"));
            }
            years.insert(pillar, value);
        }
        Ok(Self { years })
    }

    /// Returns the years `pillar` keeps its data.
    pub fn years(&self, pillar: Pillar) -> u32 {
        self.years.get(&pillar).copied().unwrap_or(DEFAULT_YEARS)
    }

    /// Returns the day a household's data is due to go: the latest of, per pillar, the end of
    /// its last trajectory plus its period. `None` while a trajectory is open (`ended` is
    /// `None`) or when there is nothing to count from.
    pub fn due(&self, trajectories: &[(Pillar, Option<NaiveDate>)]) -> Option<NaiveDate> {
        let mut due: Option<NaiveDate> = None;
        for (pillar, ended) in trajectories {
            let end = (*ended)?;
            let until = end.checked_add_months(Months::new(self.years(*pillar) * 12))?;
            due = Some(due.map_or(until, |due| due.max(until)));
        }
        due
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn day(year: i32, month: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(year, month, day).expect("date")
    }

    #[test]
    fn the_household_goes_when_its_longest_period_ends() {
        let terms = RetentionTerms::from_toml("[years]\nwmo = 15\nschuldhulp = 7\n").expect("ok");
        let due = terms.due(&[
            (Pillar::Wmo, Some(day(2026, 3, 1))),
            (Pillar::Schuldhulp, Some(day(2030, 1, 31))),
        ]);
        assert_eq!(due, Some(day(2041, 3, 1)));
        // Jeugd keeps twenty years from its last change.
        let due = terms.due(&[(Pillar::Jeugd, Some(day(2026, 2, 28)))]);
        assert_eq!(due, Some(day(2046, 2, 28)));
        // Nothing goes while a trajectory is open.
        assert_eq!(
            terms.due(&[(Pillar::Wmo, Some(day(2000, 1, 1))), (Pillar::Jeugd, None)]),
            None
        );
        assert_eq!(terms.due(&[]), None);
    }

    #[test]
    fn a_file_may_not_shorten_the_jeugdwet_or_erase_within_a_year() {
        assert!(matches!(
            RetentionTerms::from_toml("[years]\njeugd = 5\n"),
            Err(RetentionError::Pillar { .. })
        ));
        assert!(matches!(
            RetentionTerms::from_toml("[years]\nwmo = 0\n"),
            Err(RetentionError::Pillar { .. })
        ));
        assert!(matches!(
            RetentionTerms::from_toml("[years]\nzorg = 5\n"),
            Err(RetentionError::Pillar { .. })
        ));
        assert_eq!(
            RetentionTerms::default().years(Pillar::Participatie),
            DEFAULT_YEARS
        );
    }
}
