//! The fields every write carries, checked one way whether it is a signal, a pillar write or
//! a regie write: who sends it under which key, for which gemeente, about whom, when it
//! happened, and its free text. Each check records a violation under the write's own field
//! name (`observed_at` for a signal, `context.occurred_at` for a pillar write).

use chrono::{DateTime, Duration, Utc};

use crate::bsn::{Bsn, BsnError};
use crate::calendar::{local_date, out_of_range};
use crate::free_text::FreeText;
use crate::id::{GemeenteCode, IdempotencyKey, SourceUrn};
use crate::violation::Violations;

/// Longest summary accepted, in bytes of UTF-8.
pub const MAX_SUMMARY_BYTES: usize = 4096;
/// Most persons one signal may name.
pub const MAX_PERSONS: usize = 20;
/// Longest display name, in characters.
pub const MAX_DISPLAY_NAME_CHARS: usize = 200;
/// How far a sender's clock may run ahead of ours before an observation counts as future.
pub const CLOCK_SKEW: Duration = Duration::minutes(5);

/// A person as the sender named them, before any check: BSN and display name as typed.
#[derive(Clone, Default, PartialEq, Eq)]
pub struct PersonInput {
    pub bsn: String,
    pub display_name: String,
}

impl PersonInput {
    pub fn new(bsn: impl Into<String>, display_name: impl Into<String>) -> Self {
        Self {
            bsn: bsn.into(),
            display_name: display_name.into(),
        }
    }
}

/// Neither the BSN as typed (not yet known to be one, so not maskable) nor the name.
impl std::fmt::Debug for PersonInput {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PersonInput").finish_non_exhaustive()
    }
}

/// A person named in a signal.
#[derive(Clone, PartialEq, Eq)]
pub struct SignalPerson {
    pub bsn: Bsn,
    pub display_name: String,
}

/// The BSN masked, the name left out: a person never reaches a log whole.
impl std::fmt::Debug for SignalPerson {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SignalPerson")
            .field("bsn", &self.bsn)
            .finish_non_exhaustive()
    }
}

/// The checks of one write's header, recording violations under `prefix` (empty for fields
/// at the top of the request).
#[derive(Debug)]
pub(crate) struct HeaderChecks<'v> {
    prefix: &'v str,
    pub(crate) violations: &'v mut Violations,
}

impl<'v> HeaderChecks<'v> {
    pub(crate) fn new(prefix: &'v str, violations: &'v mut Violations) -> Self {
        Self { prefix, violations }
    }

    /// Returns the full field name of `name`.
    pub(crate) fn field(&self, name: &str) -> String {
        if self.prefix.is_empty() {
            name.to_owned()
        } else {
            format!("{}.{name}", self.prefix)
        }
    }

    /// Checks who sends the write: its idempotency key and its source system.
    pub(crate) fn sender(
        &mut self,
        idempotency_key: &str,
        source_system: &str,
    ) -> (Option<IdempotencyKey>, Option<SourceUrn>) {
        let idempotency_key = idempotency_key
            .parse::<IdempotencyKey>()
            .map_err(|err| {
                let field = self.field("idempotency_key");
                self.violations.push(field, err.to_string());
            })
            .ok();
        let source = source_system
            .parse::<SourceUrn>()
            .map_err(|err| {
                let field = self.field("source_system");
                self.violations.push(field, err.to_string());
            })
            .ok();
        (idempotency_key, source)
    }

    /// Checks the gemeente code (four digits).
    pub(crate) fn gemeente(&mut self, code: &str) -> Option<GemeenteCode> {
        code.parse::<GemeenteCode>()
            .map_err(|err| {
                let field = self.field("gemeente_code");
                self.violations.push(field, err.to_string());
            })
            .ok()
    }

    /// Checks the persons; returns them only when every one is valid.
    pub(crate) fn persons(&mut self, persons: &[PersonInput]) -> Option<Vec<SignalPerson>> {
        let before = self.violations.len();
        let field = self.field("persons");
        let checked = validate_persons_at(&field, persons, self.violations);
        (self.violations.len() == before).then_some(checked)
    }

    /// Checks when the write says it happened (field `name`): given, not in the future
    /// beyond the clock skew we allow, and a day the calendar can count with.
    pub(crate) fn happened_at(
        &mut self,
        name: &str,
        at: Option<DateTime<Utc>>,
        now: DateTime<Utc>,
    ) -> Option<DateTime<Utc>> {
        let field = self.field(name);
        let reason = match at {
            None => format!("{name} is required"),
            Some(at) if at > now + CLOCK_SKEW => format!("{name} lies in the future"),
            Some(at) => match out_of_range(local_date(at)) {
                None => return Some(at),
                Some(reason) => reason,
            },
        };
        self.violations.push(field, reason);
        None
    }

    /// Checks the free text of field `name`: at most [`MAX_SUMMARY_BYTES`].
    pub(crate) fn free_text(&mut self, name: &str, text: &FreeText) {
        let text = text.as_str();
        if text.len() > MAX_SUMMARY_BYTES {
            let field = self.field(name);
            self.violations.push(
                field,
                format!(
                    "{name} has {} bytes; at most {MAX_SUMMARY_BYTES}",
                    text.len()
                ),
            );
        }
    }
}

/// Checks the persons of a write whose list field is named `field`.
pub(crate) fn validate_persons_at(
    field: &str,
    persons: &[PersonInput],
    violations: &mut Violations,
) -> Vec<SignalPerson> {
    if persons.is_empty() {
        violations.push(
            field,
            "name at least one person: the person the write is about",
        );
        return Vec::new();
    }
    if persons.len() > MAX_PERSONS {
        violations.push(field, format!("at most {MAX_PERSONS} persons per write"));
        return Vec::new();
    }
    let mut checked: Vec<SignalPerson> = Vec::with_capacity(persons.len());
    for (index, named) in persons.iter().enumerate() {
        let path = format!("{field}[{index}]");
        let Some(person) = check_person(&path, &named.bsn, &named.display_name, violations) else {
            continue;
        };
        if checked.iter().any(|other| other.bsn == person.bsn) {
            violations.push(format!("{path}.bsn"), "this person is named twice");
            continue;
        }
        checked.push(person);
    }
    checked
}

/// Checks one person at `path` (e.g. `person` or `persons[2]`): the BSN's 11-proef and the
/// display name's length and characters.
pub fn check_person(
    path: &str,
    bsn: &str,
    display_name: &str,
    violations: &mut Violations,
) -> Option<SignalPerson> {
    let bsn = match bsn.parse::<Bsn>() {
        Ok(bsn) => Some(bsn),
        Err(err) => {
            let hint = match err {
                BsnError::ElevenTest => " (check for a typing error)",
                BsnError::Length | BsnError::NotDigits => "",
            };
            violations.push(format!("{path}.bsn"), format!("{err}{hint}"));
            None
        }
    };
    let mut name_valid = true;
    if display_name.chars().count() > MAX_DISPLAY_NAME_CHARS {
        violations.push(
            format!("{path}.display_name"),
            format!("a display name has at most {MAX_DISPLAY_NAME_CHARS} characters"),
        );
        name_valid = false;
    } else if display_name.chars().any(char::is_control) {
        violations.push(
            format!("{path}.display_name"),
            "a display name has no control characters",
        );
        name_valid = false;
    }
    Some(SignalPerson {
        bsn: bsn?,
        display_name: name_valid.then(|| display_name.trim().to_owned())?,
    })
}
