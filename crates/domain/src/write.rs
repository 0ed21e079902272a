//! What every write to a pillar or to regie carries besides its payload: who sends it under
//! which key, about whom or which household, when, and in which case. Checked by the same
//! [`crate::header`] checks as a signal; the payload rules live with each pillar's adapter.

use chrono::{DateTime, NaiveDate, Utc};

use crate::calendar::local_date;
use crate::code::check_case_id;
use crate::free_text::FreeText;
use crate::header::HeaderChecks;
use crate::id::{EventId, GemeenteCode, HouseholdId, IdempotencyKey, SourceUrn};
use crate::signal::{PersonInput, SignalPerson};
use crate::violation::Violations;

/// A write's context as the sender filled it in, before any check.
#[derive(Debug, Clone, Default)]
pub struct WriteInput {
    pub idempotency_key: String,
    pub source_system: String,
    pub gemeente_code: String,
    /// The persons as named; first = the person the event is about.
    pub persons: Vec<PersonInput>,
    pub occurred_at: Option<DateTime<Utc>>,
    pub case_id: String,
    pub note: FreeText,
    /// The write names no person: the gemeente's answer to a provider's request (iWmo/iJw
    /// 319), placed where the request was. Every other write names at least one.
    pub names_no_person: bool,
}

/// A checked write context.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WriteHeader {
    pub idempotency_key: IdempotencyKey,
    pub source: SourceUrn,
    pub gemeente: GemeenteCode,
    /// Never empty; the first is the person the event is about.
    pub persons: Vec<SignalPerson>,
    pub occurred_at: DateTime<Utc>,
    pub case_id: String,
    pub note: FreeText,
}

impl WriteHeader {
    /// Checks `input`, recording violations under `prefix` (e.g. `context`). Returns the
    /// header when every field of it is valid.
    pub fn check(
        input: WriteInput,
        now: DateTime<Utc>,
        prefix: &str,
        violations: &mut Violations,
    ) -> Option<WriteHeader> {
        let mut checks = HeaderChecks::new(prefix, violations);
        let (idempotency_key, source) = checks.sender(&input.idempotency_key, &input.source_system);
        let gemeente = checks.gemeente(&input.gemeente_code);
        let persons = if input.names_no_person && input.persons.is_empty() {
            Some(Vec::new())
        } else {
            checks.persons(&input.persons)
        };
        let occurred_at = checks.happened_at("occurred_at", input.occurred_at, now);
        let case_id = check_case_id(&input.case_id)
            .map_err(|err| {
                let field = checks.field("case_id");
                checks.violations.push(field, err);
            })
            .ok();
        checks.free_text("note", &input.note);
        Some(WriteHeader {
            idempotency_key: idempotency_key?,
            source: source?,
            gemeente: gemeente?,
            persons: persons?,
            occurred_at: occurred_at?,
            case_id: case_id.map(|()| input.case_id)?,
            note: input.note,
        })
    }

    /// Returns the event id of this write, the same for every retry.
    pub fn event_id(&self, writer: &str) -> EventId {
        EventId::derive(writer, &self.source, &self.idempotency_key)
    }

    /// Returns the Dutch date the event happened on.
    pub fn occurred_on(&self) -> NaiveDate {
        local_date(self.occurred_at)
    }
}

/// A regie write's context as the sender filled it in.
#[derive(Debug, Clone, Default)]
pub struct RegieInput {
    pub idempotency_key: String,
    pub source_system: String,
    pub household_id: String,
    pub expected_position: u64,
    pub occurred_at: Option<DateTime<Utc>>,
    pub note: FreeText,
}

/// A checked regie context: a write about a known household, based on its view at
/// `expected_position`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RegieHeader {
    pub idempotency_key: IdempotencyKey,
    pub source: SourceUrn,
    pub household: HouseholdId,
    pub expected_position: u64,
    pub occurred_at: DateTime<Utc>,
    pub note: FreeText,
}

impl RegieHeader {
    /// Checks `input` as [`WriteHeader::check`] does.
    pub fn check(
        input: RegieInput,
        now: DateTime<Utc>,
        prefix: &str,
        violations: &mut Violations,
    ) -> Option<RegieHeader> {
        let mut checks = HeaderChecks::new(prefix, violations);
        let (idempotency_key, source) = checks.sender(&input.idempotency_key, &input.source_system);
        let household = input
            .household_id
            .parse::<HouseholdId>()
            .map_err(|err| {
                let field = checks.field("household_id");
                checks.violations.push(field, err.to_string());
            })
            .ok();
        if input.expected_position == 0 {
            let field = checks.field("expected_position");
            checks.violations.push(
                field,
                "give the household's last_position from GetHousehold; the write is refused if the household changed since",
            );
        }
        let occurred_at = checks.happened_at("occurred_at", input.occurred_at, now);
        checks.free_text("note", &input.note);
        Some(RegieHeader {
            idempotency_key: idempotency_key?,
            source: source?,
            household: household?,
            expected_position: (input.expected_position > 0).then_some(input.expected_position)?,
            occurred_at: occurred_at?,
            note: input.note,
        })
    }

    /// Returns the event id of this write, the same for every retry.
    pub fn event_id(&self, writer: &str) -> EventId {
        EventId::derive(writer, &self.source, &self.idempotency_key)
    }

    /// Returns the Dutch date the event happened on.
    pub fn occurred_on(&self) -> NaiveDate {
        local_date(self.occurred_at)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn now() -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 11, 23, 10, 0, 0)
            .single()
            .expect("time")
    }

    fn input() -> WriteInput {
        WriteInput {
            idempotency_key: "wmo-1".into(),
            source_system: "suite-wmo".into(),
            gemeente_code: "0363".into(),
            persons: vec![PersonInput::new("123456782", "Oma")],
            occurred_at: Some(now()),
            case_id: "WMO-2026-1".into(),
            note: FreeText::default(),
            names_no_person: false,
        }
    }

    #[test]
    fn a_write_prints_no_bsn_name_or_note_before_or_after_its_check() {
        let input = WriteInput {
            note: "Oma vergeet haar medicijnen".into(),
            ..input()
        };
        let before = format!("{input:?}");
        let mut violations = Violations::default();
        let header = WriteHeader::check(input, now(), "context", &mut violations).expect("valid");
        for printed in [before, format!("{header:?}")] {
            for secret in ["123456782", "Oma", "medicijnen"] {
                assert!(!printed.contains(secret), "{secret} in {printed}");
            }
        }
    }

    #[test]
    fn a_complete_context_passes() {
        let mut violations = Violations::default();
        let header = WriteHeader::check(input(), now(), "context", &mut violations).expect("valid");
        assert!(violations.is_empty());
        // 10:00 UTC on 23 November is the same day in Amsterdam; 23:30 UTC is the next.
        assert_eq!(
            header.occurred_on(),
            NaiveDate::from_ymd_opt(2026, 11, 23).expect("date")
        );
        let late = Utc
            .with_ymd_and_hms(2026, 11, 22, 23, 30, 0)
            .single()
            .expect("time");
        let header = WriteHeader::check(
            WriteInput {
                occurred_at: Some(late),
                ..input()
            },
            now(),
            "context",
            &mut violations,
        )
        .expect("valid");
        assert_eq!(
            header.occurred_on(),
            NaiveDate::from_ymd_opt(2026, 11, 23).expect("date")
        );
    }

    #[test]
    fn names_every_bad_field_under_its_prefix() {
        let mut violations = Violations::default();
        let header = WriteHeader::check(
            WriteInput {
                persons: vec![PersonInput::new("123456780", "")],
                case_id: "Jan Jansen".into(),
                occurred_at: None,
                ..input()
            },
            now(),
            "context",
            &mut violations,
        );
        assert!(header.is_none());
        let fields: Vec<String> = violations
            .finish(|| ())
            .expect_err("invalid")
            .violations()
            .iter()
            .map(|violation| violation.field.clone())
            .collect();
        assert_eq!(
            fields,
            [
                "context.persons[0].bsn",
                "context.occurred_at",
                "context.case_id"
            ]
        );
    }

    #[test]
    fn regie_needs_the_position_it_was_based_on() {
        let mut violations = Violations::default();
        let header = RegieHeader::check(
            RegieInput {
                idempotency_key: "r-1".into(),
                source_system: "regie".into(),
                household_id: HouseholdId::generate().to_string(),
                expected_position: 0,
                occurred_at: Some(now()),
                note: FreeText::default(),
            },
            now(),
            "context",
            &mut violations,
        );
        assert!(header.is_none());
        assert_eq!(violations.len(), 1);
    }
}
