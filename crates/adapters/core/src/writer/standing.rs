//! What stands on a household's log as the views have it: each event the first time it came
//! (a later copy, a key used again after JetStream's duplicate window, is in no view), and
//! none a rectification took back (AVG art. 16). What a write decides from the log (who holds
//! a toewijzing, which facts move along with a person) reads it so, or it would act on facts
//! no reader is shown.

use std::collections::HashSet;

use rondom_bus::ReceivedEvent;
use rondom_bus::subject::event_subject;
use rondom_domain::catalogue::shared::FEIT_GERECTIFICEERD;
use rondom_domain::{HouseholdId, Pillar};
use rondom_proto::v1;

use super::{EventWriter, MAX_HOUSEHOLD_EVENTS};
use crate::error::Result;

/// `events` (oldest first) as they stand: first copies only, nothing rectified, and no
/// rectification (what it took back is gone with it).
pub(super) fn standing(events: Vec<ReceivedEvent>) -> Vec<ReceivedEvent> {
    let mut seen = HashSet::new();
    let firsts: Vec<ReceivedEvent> = events
        .into_iter()
        .filter(|received| seen.insert(received.envelope.id))
        .collect();
    let rectified: HashSet<String> = firsts.iter().filter_map(rectifies).collect();
    firsts
        .into_iter()
        .filter(|received| {
            rectifies(received).is_none() && !rectified.contains(&received.envelope.id.to_string())
        })
        .collect()
}

/// The id of the event `received` rectifies, if it is a rectification.
fn rectifies(received: &ReceivedEvent) -> Option<String> {
    match &received.event.body {
        Some(v1::event::Body::Rectificatie(earlier)) => Some(earlier.event_id.clone()),
        _ => None,
    }
}

impl EventWriter {
    /// The events on `subject` of `household` as they stand, with the rectifications of
    /// `pillar` in that household taken into account.
    pub(super) async fn standing_on(
        &self,
        household: &HouseholdId,
        pillar: Pillar,
        subject: &str,
        limit: usize,
    ) -> Result<Vec<ReceivedEvent>> {
        let mut events = self.publisher.received_on(subject, limit).await?;
        let rectifications = event_subject(household, pillar, FEIT_GERECTIFICEERD.name);
        events.extend(
            self.publisher
                .received_on(&rectifications, MAX_HOUSEHOLD_EVENTS)
                .await?,
        );
        events.sort_by_key(|received| received.position);
        Ok(standing(events))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rondom_bus::{Envelope, EventType};
    use rondom_domain::EventId;

    fn received(position: u64, key: &str, body: Option<v1::event::Body>) -> ReceivedEvent {
        let source = "test".parse().expect("source");
        ReceivedEvent {
            position,
            envelope: Envelope {
                id: EventId::derive("c", &source, &key.parse().expect("key")),
                source,
                event_type: EventType::new(Pillar::Wmo, "voorziening_toegewezen").expect("type"),
                subject: HouseholdId::from_bytes([1; 16]),
                time: chrono::Utc::now(),
                writer: String::new(),
            },
            event: v1::Event {
                body,
                ..v1::Event::default()
            },
        }
    }

    #[test]
    fn a_later_copy_and_what_a_rectification_took_back_do_not_stand() {
        let first = received(1, "a", None);
        let taken_back = received(2, "b", None);
        let rectification = received(
            3,
            "c",
            Some(v1::event::Body::Rectificatie(v1::Rectificatie {
                event_id: taken_back.envelope.id.to_string(),
            })),
        );
        let copy = received(4, "a", None);
        let positions: Vec<u64> = standing(vec![first, taken_back, rectification, copy])
            .iter()
            .map(|received| received.position)
            .collect();
        assert_eq!(positions, [1]);
    }
}
