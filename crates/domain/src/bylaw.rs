//! Terms a gemeente sets itself: bylaw terms (the Wgs 4a beschikking, at most 8 weeks) and
//! service levels (an offer after a vroegsignaal, a spoed Wmo provision). Read from a TOML
//! file, checked against the catalogue when read, so a wrong file stops the hub at start
//! rather than skewing a deadline later.
//!
//! ```toml
//! [gemeente.0363]
//! SHV-BESCHIKKING = "6 weeks"
//! SHV-AANBOD = "5 working days"
//! ```

use std::collections::BTreeMap;

use crate::deadline::{self, DeadlineError, RuleCode, Term, TermSource};
use crate::id::{GemeenteCode, InvalidGemeenteCode};

/// Per-gemeente terms for the configurable rules of the catalogue.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct BylawTerms {
    terms: BTreeMap<GemeenteCode, BTreeMap<RuleCode, Term>>,
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
}

#[derive(serde::Deserialize)]
#[serde(deny_unknown_fields)]
struct File {
    #[serde(default)]
    gemeente: BTreeMap<String, BTreeMap<String, String>>,
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
                if let TermSource::Statute(_) = rule.term {
                    return Err(wrong(DeadlineError::NotConfigurable.to_string()));
                }
                // Checks the statutory maximum the same way a computation does.
                deadline::compute(rule, rule.valid_from, Some(term), 0)
                    .map_err(|err| wrong(err.to_string()))?;
                terms
                    .entry(gemeente)
                    .or_insert_with(BTreeMap::new)
                    .insert(rule.code, term);
            }
        }
        Ok(Self { terms })
    }

    /// Returns the gemeente's own term for `rule`, if it set one.
    pub fn term(&self, gemeente: &GemeenteCode, rule: RuleCode) -> Option<Term> {
        self.terms.get(gemeente)?.get(&rule).copied()
    }

    /// Returns whether no gemeente configured anything.
    pub fn is_empty(&self) -> bool {
        self.terms.is_empty()
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
    fn refuses_terms_the_law_does_not_allow() {
        // Wgs 4a(3): the bylaw term is at most eight weeks.
        let over = BylawTerms::from_toml("[gemeente.0363]\nSHV-BESCHIKKING = \"9 weeks\"\n");
        assert!(matches!(over, Err(BylawError::Rule { reason, .. }) if reason.contains("exceeds")));
        // A statutory term is not the gemeente's to change.
        let statute = BylawTerms::from_toml("[gemeente.0363]\nWMO-ONDERZOEK = \"8 weeks\"\n");
        assert!(matches!(statute, Err(BylawError::Rule { rule, .. }) if rule == "WMO-ONDERZOEK"));
        let unknown = BylawTerms::from_toml("[gemeente.0363]\nSHV-NOPE = \"1 week\"\n");
        assert!(unknown.is_err());
        let bad_term = BylawTerms::from_toml("[gemeente.0363]\nSHV-AANBOD = \"soon\"\n");
        assert!(bad_term.is_err());
        let bad_code = BylawTerms::from_toml("[gemeente.amsterdam]\nSHV-AANBOD = \"1 week\"\n");
        assert!(matches!(bad_code, Err(BylawError::Gemeente(..))));
    }
}
