//! How long a household's personal data is kept (docs/domain.md, Retention and erasure): per pillar a retention
//! period counted from the end of that pillar's last trajectory; the household's data goes
//! when every pillar's period has ended and no trajectory is open.
//!
//! The Jeugdwet's period is statutory (art. 7.3.8 lid 3: twenty years). The municipal files
//! follow the Selectielijst 2020, whose terms per result type a gemeente sets itself; until it
//! does, the default is the same twenty years, because erasing too early cannot be undone.
//!
//! Each gemeente sets its own terms (a shared hub serves several): `[gemeente.<code>.years]`
//! overrides `[years]` for the households of that gemeente, pillar by pillar.
//!
//! ```toml
//! [years]
//! wmo = 15
//! participatie = 10
//!
//! [gemeente.0392.years]
//! wmo = 10
//! ```

use std::collections::BTreeMap;

use chrono::{Months, NaiveDate};

use crate::id::GemeenteCode;
use crate::law::Pillar;

/// Years, per pillar, that personal data is kept after the pillar's last trajectory ended:
/// for every gemeente, and per gemeente where it set its own.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RetentionTerms {
    years: BTreeMap<Pillar, u32>,
    gemeenten: BTreeMap<GemeenteCode, BTreeMap<Pillar, u32>>,
}

/// The default period: the Jeugdwet's, and the safe one where a gemeente set none.
pub const DEFAULT_YEARS: u32 = 20;
/// The shortest period a file may set: a typo must not erase a household next week.
pub const MIN_YEARS: u32 = 1;
/// The longest: more is a typo too, and one that could wrap into a short period.
pub const MAX_YEARS: u32 = 100;

/// The retention file is not valid.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RetentionError {
    #[error("not valid TOML: {0}")]
    Syntax(String),
    #[error("{pillar}: {reason}")]
    Pillar { pillar: String, reason: String },
    #[error("gemeente {0}: a gemeentecode is 4 digits (CBS)")]
    Gemeente(String),
}

#[derive(serde::Deserialize)]
#[serde(deny_unknown_fields)]
struct File {
    #[serde(default)]
    years: BTreeMap<String, u32>,
    #[serde(default)]
    gemeente: BTreeMap<String, OwnTerms>,
}

/// A gemeente's own terms.
#[derive(serde::Deserialize)]
#[serde(deny_unknown_fields)]
struct OwnTerms {
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
        let years = pillar_years(file.years)?;
        let mut gemeenten = BTreeMap::new();
        for (code, own) in file.gemeente {
            let gemeente: GemeenteCode = code
                .parse()
                .map_err(|_| RetentionError::Gemeente(code.clone()))?;
            gemeenten.insert(gemeente, pillar_years(own.years)?);
        }
        Ok(Self { years, gemeenten })
    }

    /// Returns the years `pillar` keeps its data, in every gemeente that set none of its own.
    pub fn years(&self, pillar: Pillar) -> u32 {
        self.years.get(&pillar).copied().unwrap_or(DEFAULT_YEARS)
    }

    /// Returns the years `pillar` keeps its data in `gemeente`: its own term, else the
    /// common one.
    pub fn years_in(&self, gemeente: Option<&GemeenteCode>, pillar: Pillar) -> u32 {
        gemeente
            .and_then(|gemeente| self.gemeenten.get(gemeente))
            .and_then(|own| own.get(&pillar).copied())
            .unwrap_or_else(|| self.years(pillar))
    }

    /// Returns the day a household of `gemeente` is due to go: the latest of, per pillar, the
    /// end of its last trajectory plus its period. `None` while a trajectory is open
    /// (`ended` is `None`) or when there is nothing to count from.
    pub fn due(
        &self,
        gemeente: Option<&GemeenteCode>,
        trajectories: &[(Pillar, Option<NaiveDate>)],
    ) -> Option<NaiveDate> {
        let mut due: Option<NaiveDate> = None;
        for (pillar, ended) in trajectories {
            let end = (*ended)?;
            let years = self.years_in(gemeente, *pillar);
            let until = end.checked_add_months(Months::new(years.checked_mul(12)?))?;
            due = Some(due.map_or(until, |due| due.max(until)));
        }
        due
    }
}

/// Checks the years of a `[years]` table.
fn pillar_years(table: BTreeMap<String, u32>) -> Result<BTreeMap<Pillar, u32>, RetentionError> {
    let mut years = BTreeMap::new();
    for (name, value) in table {
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
        if value > MAX_YEARS {
            return Err(wrong("at most a hundred years"));
        }
        years.insert(pillar, value);
    }
    Ok(years)
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
        let due = terms.due(
            None,
            &[
                (Pillar::Wmo, Some(day(2026, 3, 1))),
                (Pillar::Schuldhulp, Some(day(2030, 1, 31))),
            ],
        );
        assert_eq!(due, Some(day(2041, 3, 1)));
        // Jeugd keeps twenty years from its last change.
        let due = terms.due(None, &[(Pillar::Jeugd, Some(day(2026, 2, 28)))]);
        assert_eq!(due, Some(day(2046, 2, 28)));
        // Nothing goes while a trajectory is open.
        assert_eq!(
            terms.due(
                None,
                &[(Pillar::Wmo, Some(day(2000, 1, 1))), (Pillar::Jeugd, None)]
            ),
            None
        );
        assert_eq!(terms.due(None, &[]), None);
    }

    #[test]
    fn a_gemeente_sets_its_own_terms_and_keeps_the_others() {
        let terms =
            RetentionTerms::from_toml("[years]\nwmo = 15\n\n[gemeente.0392.years]\nwmo = 10\n")
                .expect("ok");
        let haarlem: GemeenteCode = "0392".parse().expect("code");
        let amsterdam: GemeenteCode = "0363".parse().expect("code");
        let ended = [(Pillar::Wmo, Some(day(2026, 3, 1)))];
        assert_eq!(terms.due(Some(&haarlem), &ended), Some(day(2036, 3, 1)));
        assert_eq!(terms.due(Some(&amsterdam), &ended), Some(day(2041, 3, 1)));
        // What Haarlem did not set is the common term.
        assert_eq!(
            terms.years_in(Some(&haarlem), Pillar::Schuldhulp),
            DEFAULT_YEARS
        );
        // Its own terms keep the same limits; a code must be one.
        assert!(matches!(
            RetentionTerms::from_toml("[gemeente.0392.years]\njeugd = 5\n"),
            Err(RetentionError::Pillar { .. })
        ));
        assert!(matches!(
            RetentionTerms::from_toml("[gemeente.Haarlem.years]\nwmo = 5\n"),
            Err(RetentionError::Gemeente(_))
        ));
    }

    #[test]
    fn a_file_may_not_shorten_the_jeugdwet_or_erase_within_a_year_or_after_a_century() {
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
        // Twelve times this is 2^32 + 8: eight months, had it been taken.
        for wrapping in ["357913942", "101"] {
            assert!(
                matches!(
                    RetentionTerms::from_toml(&format!("[years]\nwmo = {wrapping}\n")),
                    Err(RetentionError::Pillar { .. })
                ),
                "{wrapping}"
            );
        }
        assert!(RetentionTerms::from_toml("[years]\nwmo = 100\n").is_ok());
        assert_eq!(
            RetentionTerms::default().years(Pillar::Participatie),
            DEFAULT_YEARS
        );
    }
}
