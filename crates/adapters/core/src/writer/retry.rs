//! A write taken for a retry (its event id, derived from the client and its idempotency key,
//! is in JetStream's duplicate window, or the read model beside the writer applied it) stands
//! as it was written the first time. The
//! reply says so only when it is the same write: a key used again for other content (another
//! person, another product, another note) is refused, so that nothing a client sends is
//! dropped unseen, and nothing that follows a write (a request's place in the registry, a
//! move) is done for content that was never published.

use rondom_domain::seal::{DataKey, Purpose, Sealed};
use rondom_domain::{HouseholdId, InvalidInput};
use rondom_proto::v1;

use super::{Draft, EventWriter, Placement};
use crate::error::{Error, Result};

impl EventWriter {
    /// The household the original of a write JetStream called a duplicate landed in (where
    /// a person moved since, another than `place`'s), when it is this very write.
    ///
    /// # Errors
    /// [`Error::Invalid`] naming the idempotency key when the original is another write;
    /// [`Error::Bus`] when NATS does not answer.
    pub(super) async fn original_of(
        &self,
        draft: &Draft,
        place: &Placement,
        event: &v1::Event,
        position: u64,
    ) -> Result<HouseholdId> {
        // Not there to read (deleted from the stream): nothing is left to tell it from.
        let Some(original) = self.publisher.event_at(position).await? else {
            return Ok(place.household);
        };
        let household = original.envelope.subject;
        let original_key = if household == place.household {
            None
        } else {
            self.keys.get(&household).await?
        };
        let ours = plain(event, place.household, &place.key);
        let theirs = plain(
            &original.event,
            household,
            original_key.as_ref().unwrap_or(&place.key),
        );
        // The time it happened is left out: a client that fills it in anew on every try
        // retries all the same.
        if ours == theirs {
            Ok(household)
        } else {
            Err(Error::Invalid(InvalidInput::single(
                key_field(draft),
                "used before for another write: a retry repeats its write exactly, \
                 another write needs a key of its own",
            )))
        }
    }
}

/// Where the request names its idempotency key.
fn key_field(draft: &Draft) -> &'static str {
    if matches!(draft.body, v1::event::Body::SignalReceived(_)) {
        "idempotency_key"
    } else {
        "context.idempotency_key"
    }
}

/// What a client wrote, as it can be compared: the event with its sealed parts opened and
/// what the hub chose itself (the household and the pseudonyms in it, the time) left out.
#[derive(Debug, PartialEq)]
struct Plain {
    event: v1::Event,
    summary: Option<Vec<u8>>,
    detail: Option<Vec<u8>>,
    /// Each person's identity (BSN, name, birth date) and what the write says of them.
    persons: Vec<(Option<Vec<u8>>, bool, bool, bool)>,
}

fn plain(event: &v1::Event, household: HouseholdId, key: &DataKey) -> Plain {
    let open = |purpose: Purpose, sealed: &Option<v1::Sealed>| {
        sealed
            .clone()
            .and_then(|sealed| key.open(&household, purpose, &Sealed::from(sealed)).ok())
    };
    let persons = event
        .persons
        .iter()
        .map(|mention| {
            (
                open(Purpose::Identity, &mention.identity),
                mention.primary,
                mention.household_member,
                mention.leaves_household,
            )
        })
        .collect();
    Plain {
        event: v1::Event {
            household_id: String::new(),
            occurred_at: None,
            persons: Vec::new(),
            summary: None,
            detail: None,
            ..event.clone()
        },
        summary: open(Purpose::Summary, &event.summary),
        detail: open(Purpose::Detail, &event.detail),
        persons,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn event(key: &DataKey, household: HouseholdId, bsn: &str, note: &str) -> v1::Event {
        v1::Event {
            household_id: household.to_string(),
            pillar: v1::Pillar::Wmo as i32,
            kind: "melding_ontvangen".into(),
            case_id: "WMO-1".into(),
            summary: Some(
                key.seal(&household, Purpose::Summary, note.as_bytes())
                    .into(),
            ),
            persons: vec![v1::PersonMention {
                pseudonym: format!("p-{household}"),
                identity: Some(
                    key.seal(&household, Purpose::Identity, bsn.as_bytes())
                        .into(),
                ),
                primary: true,
                household_member: true,
                ..Default::default()
            }],
            ..Default::default()
        }
    }

    #[test]
    fn a_retry_is_the_same_write_under_other_seals_households_and_times() {
        let (one, two) = (HouseholdId::generate(), HouseholdId::generate());
        let (key_one, key_two) = (DataKey::generate(), DataKey::generate());
        let first = event(&key_one, one, "111222333", "zorgen");
        let mut again = event(&key_two, two, "111222333", "zorgen");
        again.occurred_at = Some(rondom_proto::convert::timestamp(chrono::Utc::now()));
        assert_eq!(plain(&first, one, &key_one), plain(&again, two, &key_two));
    }

    #[test]
    fn another_person_note_or_case_is_another_write() {
        let household = HouseholdId::generate();
        let key = DataKey::generate();
        let first = plain(
            &event(&key, household, "111222333", "zorgen"),
            household,
            &key,
        );
        for other in [
            event(&key, household, "999990342", "zorgen"),
            event(&key, household, "111222333", "andere zorgen"),
            v1::Event {
                case_id: "WMO-2".into(),
                ..event(&key, household, "111222333", "zorgen")
            },
        ] {
            assert_ne!(first, plain(&other, household, &key));
        }
    }
}
