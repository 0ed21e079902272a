//! What each law's payloads add to the casework, one module per law: the rules that depend
//! on what a message says rather than on its kind alone. The kinds every law shares
//! (suspension, resumption, objection) are in [`terms`].

mod jeugd;
mod participatie;
mod regie;
mod schuldhulp;
mod terms;
mod wmo;

use rondom_domain::Pillar;

use crate::model::StoredHousehold;
use crate::step::Step;

/// Applies the payload rules of the step's law.
pub(crate) fn apply(household: &mut StoredHousehold, step: &mut Step<'_>) {
    let received = step.received;
    if let Some(body) = received.event.body.as_ref()
        && !terms::apply(household, step, body)
    {
        match step.pillar {
            Pillar::Wmo => wmo::apply(household, step, body),
            Pillar::Jeugd => jeugd::apply(household, step, body),
            Pillar::Participatie => participatie::apply(household, step, body),
            Pillar::Schuldhulp => schuldhulp::apply(step, body),
            Pillar::Regie => regie::apply(household, step, body),
            // The wijkteam's signals, and a law whose payloads add no rules of their own.
            _ => {}
        }
    }
}

#[cfg(test)]
pub(crate) mod testing {
    //! Events and households for the laws' unit tests.

    use chrono::{DateTime, NaiveDate};
    use prost_types::Timestamp;
    use rondom_bus::{Envelope, EventType, ReceivedEvent};
    use rondom_domain::bylaw::BylawTerms;
    use rondom_domain::{EventId, HouseholdId, Pillar};
    use rondom_proto::v1;

    use crate::model::{StoredDeadline, StoredHousehold, day_number};

    /// Noon on 2026-11-30, a Monday.
    pub(crate) const MONDAY: i64 = 1_796_040_000;

    /// An event of `kind` in case "C-1" of `pillar`, written by `role`, at `at` seconds.
    pub(crate) fn event(
        position: u64,
        pillar: Pillar,
        kind: &str,
        role: &str,
        at: i64,
        body: v1::event::Body,
    ) -> ReceivedEvent {
        let household = HouseholdId::from_bytes([7; 16]);
        let source = "test".parse().expect("source");
        ReceivedEvent {
            position,
            envelope: Envelope {
                id: EventId::derive("", &source, &format!("k{position}").parse().expect("key")),
                source,
                event_type: EventType::new(pillar, kind).expect("kind"),
                subject: household,
                time: DateTime::from_timestamp(at, 0).expect("time"),
                writer: String::new(),
            },
            event: v1::Event {
                household_id: household.to_string(),
                pillar: v1::Pillar::from(pillar) as i32,
                kind: kind.into(),
                occurred_at: Some(Timestamp {
                    seconds: at,
                    nanos: 0,
                }),
                gemeente_code: "0363".into(),
                case_id: "C-1".into(),
                writer: Some(v1::Writer {
                    role: role.into(),
                    ..v1::Writer::default()
                }),
                body: Some(body),
                ..v1::Event::default()
            },
        }
    }

    /// Folds `events` into a new household.
    pub(crate) fn fold_all(events: &[ReceivedEvent]) -> StoredHousehold {
        let mut household = StoredHousehold::default();
        for received in events {
            crate::fold(&mut household, received, &BylawTerms::default());
        }
        household
    }

    /// The deadline `rule` of the household.
    pub(crate) fn deadline<'h>(household: &'h StoredHousehold, rule: &str) -> &'h StoredDeadline {
        household
            .deadlines
            .iter()
            .find(|deadline| deadline.rule == rule)
            .unwrap_or_else(|| panic!("{rule} in {:?}", household.deadlines))
    }

    /// The day number of `date` ("2026-11-30").
    pub(crate) fn day(date: &str) -> i32 {
        day_number(date.parse::<NaiveDate>().expect("a date"))
    }
}
