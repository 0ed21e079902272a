//! Terms this hub counts with beyond the statute's text: the terms a gemeente sets itself,
//! bylaw terms (the Wgs 4a beschikking, at most 8 weeks) and service levels (an offer after a
//! vroegsignaal, a spoed Wmo provision), and the days later royal decrees make equal to a
//! holiday (Atw art. 3 lid 3), which an operator adds here when one is published. Read from
//! a TOML file, checked against the catalogue and the calendar when read, so a wrong file
//! stops the hub at start rather than skewing a deadline later.
//!
//! ```toml
//! [gemeente.0363]
//! SHV-BESCHIKKING = "6 weeks"
//! SHV-AANBOD = "5 working days"
//!
//! [[gelijkstelling]]
//! besluit = "Besluit gelijkstelling van 11 mei 2029 ... met een algemeen erkende feestdag"
//! van = "2029-01-01"
//! tot_en_met = "2031-12-31"
//! dagen = ["2029-05-11"]
//! ```

use std::collections::BTreeMap;

use chrono::NaiveDate;

use crate::calendar::{Calendar, Decree};
use crate::deadline::{self, DeadlineError, RuleCode, Term, TermSource};
use crate::id::{GemeenteCode, InvalidGemeenteCode};

/// Per-gemeente terms for the configurable rules of the catalogue, and the calendar.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct BylawTerms {
    terms: BTreeMap<GemeenteCode, BTreeMap<RuleCode, Term>>,
    calendar: Calendar,
}

/// The bylaw file is not valid.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum BylawError {
    #[error("not valid TOML: {0}")]
    Syntax(String),
    #[error("gemeente {0:?}: {1}")]
    Gemeente(String, String),
    #[error("gemeente {gemeente}, rule {rule}: {reason}")]
    Rule {
        gemeente: String,
        rule: String,
        reason: String,
    },
    #[error("gelijkstelling {besluit:?}: {reason}")]
    Decree { besluit: String, reason: String },
}

#[derive(serde::Deserialize)]
#[serde(deny_unknown_fields)]
struct File {
    #[serde(default)]
    gemeente: BTreeMap<String, BTreeMap<String, String>>,
    #[serde(default)]
    gelijkstelling: Vec<DecreeFile>,
}

/// A decree under Atw art. 3 lid 3 as the file names it.
#[derive(serde::Deserialize)]
#[serde(deny_unknown_fields)]
struct DecreeFile {
    besluit: String,
    van: String,
    tot_en_met: String,
    dagen: Vec<String>,
}

impl DecreeFile {
    /// Returns the decree, its dates read.
    fn decree(self) -> Result<Decree, BylawError> {
        let wrong = |reason: String| BylawError::Decree {
            besluit: self.besluit.clone(),
            reason,
        };
        let date = |field: &str, text: &str| {
            text.parse::<NaiveDate>()
                .map_err(|_| wrong(format!("{field} {text:?} is not a date (YYYY-MM-DD)")))
        };
        Ok(Decree {
            first: date("van", &self.van)?,
            last: date("tot_en_met", &self.tot_en_met)?,
            days: self
                .dagen
                .iter()
                .map(|day| date("dagen", day))
                .collect::<Result<_, _>>()?,
            title: self.besluit,
        })
    }
}

impl BylawTerms {
    /// Parses and checks a bylaw file: known gemeentecodes, configurable rules, terms within
    /// their statutory maximum.
    ///
    /// # Errors
    /// [`BylawError`] naming the first wrong entry.
    pub fn from_toml(text: &str) -> Result<Self, BylawError> {
        let file: File = toml::from_str(text).map_err(|err| BylawError::Syntax(err.to_string()))?;
        let mut terms = BTreeMap::new();
        for (code, rules) in file.gemeente {
            let gemeente: GemeenteCode = code.parse().map_err(|err: InvalidGemeenteCode| {
                BylawError::Gemeente(code.clone(), err.to_string())
            })?;
            for (rule_code, text) in rules {
                let wrong = |reason: String| BylawError::Rule {
                    gemeente: code.clone(),
                    rule: rule_code.clone(),
                    reason,
                };
                let rule = deadline::rule(&rule_code)
                    .ok_or_else(|| wrong("no such rule in the catalogue".into()))?;
                let term: Term = text
                    .parse()
                    .map_err(|err: deadline::TermParseError| wrong(err.to_string()))?;
                if let TermSource::Statute(_) | TermSource::Standard(_) = rule.term {
                    return Err(wrong(DeadlineError::NotConfigurable.to_string()));
                }
                // The statutory maximum, by the due dates both give.
                deadline::within_maximum(rule, term, &Calendar::default())
                    .map_err(|err| wrong(err.to_string()))?;
                terms
                    .entry(gemeente)
                    .or_insert_with(BTreeMap::new)
                    .insert(rule.code, term);
            }
        }
        let mut calendar = Calendar::default();
        for decree in file.gelijkstelling {
            let besluit = decree.besluit.clone();
            calendar = calendar
                .with(decree.decree()?)
                .map_err(|err| BylawError::Decree {
                    besluit,
                    reason: err.to_string(),
                })?;
        }
        Ok(Self { terms, calendar })
    }

    /// Returns the calendar terms are counted in: the statute's holidays and every decree
    /// under Atw art. 3 lid 3, the known ones and those this file adds.
    pub fn calendar(&self) -> &Calendar {
        &self.calendar
    }

    /// Returns the gemeente's own term for `rule`, if it set one.
    pub fn term(&self, gemeente: &GemeenteCode, rule: RuleCode) -> Option<Term> {
        self.terms.get(gemeente)?.get(&rule).copied()
    }

    /// Returns whether no gemeente configured anything and no decree was added.
    pub fn is_empty(&self) -> bool {
        self.terms.is_empty() && self.calendar == Calendar::default()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_terms_per_gemeente() {
        let terms = BylawTerms::from_toml(
            "[gemeente.0363]\nSHV-BESCHIKKING = \"6 weeks\"\nSHV-AANBOD = \"5 working days\"\n",
        )
        .expect("valid");
        let amsterdam: GemeenteCode = "0363".parse().expect("code");
        let utrecht: GemeenteCode = "0344".parse().expect("code");
        assert_eq!(
            terms.term(&amsterdam, RuleCode::ShvBeschikking),
            Some(Term::Weeks(6))
        );
        assert_eq!(
            terms.term(&amsterdam, RuleCode::ShvAanbod),
            Some(Term::WorkingDays(5))
        );
        assert_eq!(terms.term(&utrecht, RuleCode::ShvBeschikking), None);
    }

    #[test]
    fn a_verordening_sets_the_decision_term_where_the_awb_lets_it() {
        // Awb 4:13 lid 1: a term set by a wettelijk voorschrift, such as the gemeente's
        // verordening jeugdhulp, instead of the reasonable term of at most eight weeks.
        let terms = BylawTerms::from_toml("[gemeente.0363]\nJW-BESCHIKKING = \"6 weeks\"\n")
            .expect("valid");
        let amsterdam: GemeenteCode = "0363".parse().expect("code");
        assert_eq!(
            terms.term(&amsterdam, RuleCode::JwBeschikking),
            Some(Term::Weeks(6))
        );
        // The Wmo's own two weeks (art. 2.3.5) are the statute's.
        assert!(BylawTerms::from_toml("[gemeente.0363]\nWMO-BESCHIKKING = \"6 weeks\"\n").is_err());
    }

    #[test]
    fn refuses_terms_the_law_does_not_allow() {
        // Wgs 4a(3): the bylaw term is at most eight weeks.
        let over = BylawTerms::from_toml("[gemeente.0363]\nSHV-BESCHIKKING = \"9 weeks\"\n");
        assert!(matches!(over, Err(BylawError::Rule { reason, .. }) if reason.contains("exceeds")));
        // A statutory term is not the gemeente's to change.
        let statute = BylawTerms::from_toml("[gemeente.0363]\nWMO-ONDERZOEK = \"8 weeks\"\n");
        assert!(matches!(statute, Err(BylawError::Rule { rule, .. }) if rule == "WMO-ONDERZOEK"));
        // Nor is a rule of an information standard (iJw OP272).
        let standard = BylawTerms::from_toml("[gemeente.0363]\nIJW-STOP = \"10 working days\"\n");
        assert!(matches!(standard, Err(BylawError::Rule { rule, .. }) if rule == "IJW-STOP"));
        let unknown = BylawTerms::from_toml("[gemeente.0363]\nSHV-NOPE = \"1 week\"\n");
        assert!(unknown.is_err());
        let bad_term = BylawTerms::from_toml("[gemeente.0363]\nSHV-AANBOD = \"soon\"\n");
        assert!(bad_term.is_err());
        let bad_code = BylawTerms::from_toml("[gemeente.amsterdam]\nSHV-AANBOD = \"1 week\"\n");
        assert!(matches!(bad_code, Err(BylawError::Gemeente(..))));
    }

    #[test]
    fn a_term_in_another_unit_is_held_to_the_maximum_by_its_due_dates() {
        let file = |term: &str| format!("[gemeente.0363]\nSHV-BESCHIKKING = \"{term}\"\n");
        // Wgs 4a(3): at most eight weeks. Fifty-six working days run about eleven weeks, and
        // two months are 59 to 62 days: both past it from every start; thirty-eight working
        // days too, from a start before the spring holidays.
        for over in ["56 working days", "2 months", "57 days", "38 working days"] {
            let refused = BylawTerms::from_toml(&file(over));
            assert!(
                matches!(&refused, Err(BylawError::Rule { reason, .. }) if reason.contains("exceeds")),
                "{over}: {refused:?}"
            );
        }
        for within in ["8 weeks", "56 days", "30 working days", "1 month"] {
            assert!(BylawTerms::from_toml(&file(within)).is_ok(), "{within}");
        }
    }

    #[test]
    fn an_operator_adds_a_decree_of_atw_art_3_lid_3_without_a_new_build() {
        let file = |day: &str| {
            format!(
                "[[gelijkstelling]]\nbesluit = \"Besluit gelijkstelling van 11 mei 2029\"\n\
                 van = \"2029-01-01\"\ntot_en_met = \"2031-12-31\"\ndagen = [\"{day}\"]\n"
            )
        };
        let friday = "2029-05-11".parse::<NaiveDate>().expect("a date");
        let terms = BylawTerms::from_toml(&file("2029-05-11")).expect("valid");
        assert!(!terms.calendar().is_working_day(friday));
        assert!(BylawTerms::default().calendar().is_working_day(friday));
        assert_ne!(
            terms.calendar().digest(),
            BylawTerms::default().calendar().digest()
        );
        assert!(!terms.is_empty());
        let saturday = BylawTerms::from_toml(&file("2029-05-12"));
        assert!(
            matches!(saturday, Err(BylawError::Decree { reason, .. }) if reason.contains("weekend"))
        );
        let garbled = BylawTerms::from_toml(&file("11 mei 2029"));
        assert!(
            matches!(garbled, Err(BylawError::Decree { reason, .. }) if reason.contains("not a date"))
        );
    }
}
