//! A case follows its person. When a person joins another household (a move), every case
//! they opened in the household they leave goes with them: each event of such a case is
//! published again in the new household, naming them by their pseudonym there, its sealed
//! text opened under the old household's key and sealed under the new one, in the gemeente
//! of the new household (where a person lives decides which gemeente serves them: for jeugd
//! the woonplaatsbeginsel of Jeugdwet art. 1.1). Folded there, the copies give the case its
//! stage, its provider and its deadlines again, with their due dates; the old household's
//! fold ends those cases when the person leaves it, so no deadline stays behind that nothing
//! could close. The copies name nothing of the old household: no event links the two.

use rondom_bus::subject::household_filter;
use rondom_bus::{Envelope, EventType};
use rondom_domain::HouseholdId;
use rondom_domain::seal::{DataKey, Purpose, Sealed};
use rondom_proto::convert::pillar_from_proto;
use rondom_proto::v1;

use super::{DraftPerson, EventWriter, Placement};
use crate::error::Result;

impl EventWriter {
    /// Publishes in the household of `place` the events of every case `person` opened in
    /// `previous`, as part of the join `joined`; nothing when `previous` was erased.
    pub(super) async fn move_cases(
        &self,
        joined: &Envelope,
        person: &DraftPerson,
        previous: HouseholdId,
        place: &Placement,
    ) -> Result<()> {
        let Some(old_key) = self.keys.get(&previous).await? else {
            return Ok(());
        };
        // As the views have them: a fact rectified away, or a later copy of one, does not
        // move along.
        let events: Vec<v1::Event> = super::standing::standing(
            self.publisher
                .received_on(&household_filter(&previous), super::MAX_HOUSEHOLD_EVENTS)
                .await?,
        )
        .into_iter()
        .map(|received| received.event)
        .collect();
        let pseudonym = self
            .pseudonyms
            .in_household(&person.bsn, &previous)
            .to_string();
        let cases = opened_by(&events, &pseudonym);
        if cases.is_empty() {
            return Ok(());
        }
        let gemeente = self
            .publisher
            .first_event(&place.household)
            .await?
            .map(|first| first.gemeente_code)
            .unwrap_or_default();
        let reseal = Reseal {
            from: (previous, &old_key),
            to: (place.household, &place.key),
        };
        for (index, event) in events.into_iter().enumerate() {
            if !cases.contains(&(event.pillar, event.case_id.clone())) {
                continue;
            }
            let Some(pillar) = pillar_from_proto(event.pillar) else {
                continue;
            };
            let Ok(event_type) = EventType::new(pillar, &event.kind) else {
                continue;
            };
            let writer = event.writer.clone().unwrap_or_default();
            let copy = v1::Event {
                household_id: place.household.to_string(),
                gemeente_code: gemeente.clone(),
                persons: vec![v1::PersonMention {
                    primary: true,
                    household_member: true,
                    ..self.mention(person, place.household, &place.key)
                }],
                summary: event
                    .summary
                    .and_then(|sealed| reseal.apply(Purpose::Summary, sealed)),
                detail: event
                    .detail
                    .and_then(|sealed| reseal.apply(Purpose::Detail, sealed)),
                ..event
            };
            let envelope = Envelope {
                // The same for every retry of the join, different per event copied.
                id: joined.id.part(&format!("moved-case-event-{index}")),
                source: joined.source.clone(),
                event_type,
                subject: place.household,
                time: joined.time,
                writer: writer.client_id,
            };
            self.publisher.publish(&envelope, &copy).await?;
        }
        Ok(())
    }
}

/// The cases (pillar, case id) whose first event names `pseudonym` as the person it is
/// about.
fn opened_by(events: &[v1::Event], pseudonym: &str) -> Vec<(i32, String)> {
    let mut seen = Vec::new();
    let mut opened = Vec::new();
    for event in events.iter().filter(|event| !event.case_id.is_empty()) {
        let case = (event.pillar, event.case_id.clone());
        if seen.contains(&case) {
            continue;
        }
        seen.push(case.clone());
        let about = event
            .persons
            .iter()
            .find(|mention| mention.primary)
            .or(event.persons.first());
        if about.is_some_and(|mention| mention.pseudonym == pseudonym) {
            opened.push(case);
        }
    }
    opened
}

/// Sealed text from one household's key to another's.
struct Reseal<'k> {
    from: (HouseholdId, &'k DataKey),
    to: (HouseholdId, &'k DataKey),
}

impl Reseal<'_> {
    /// `sealed` under the new key; `None` when it cannot be opened (it goes unsealed nowhere).
    fn apply(&self, purpose: Purpose, sealed: v1::Sealed) -> Option<v1::Sealed> {
        let (from, old) = self.from;
        let (to, new) = self.to;
        let opened = old.open(&from, purpose, &Sealed::from(sealed)).ok()?;
        Some(new.seal(&to, purpose, &opened).into())
    }
}
