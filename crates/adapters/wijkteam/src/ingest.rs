//! From a checked signal to an event that JetStream has acknowledged.

use chrono::Utc;
use prost::Message as _;
use rondom_bus::stream::{self, KEYS_BUCKET, PERSONS_BUCKET};
use rondom_bus::{Envelope, EventPublisher, EventType, HouseholdRegistry, KeyStore, Published};
use rondom_domain::seal::Purpose;
use rondom_domain::{EventId, HouseholdId, PseudonymKey, Signal};
use rondom_proto::convert::timestamp;
use rondom_proto::v1;
use rondom_runtime::Keys;

use crate::error::Result;

/// What a published signal became.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Ingested {
    pub event_id: EventId,
    pub household: HouseholdId,
    pub published: Published,
}

/// Turns signals into sealed events on the stream.
#[derive(Debug)]
pub struct SignalIngest {
    pseudonyms: PseudonymKey,
    registry: HouseholdRegistry,
    keys: KeyStore,
    publisher: EventPublisher,
}

impl SignalIngest {
    /// Opens the registry and key store on a provisioned JetStream.
    ///
    /// # Errors
    /// When a bucket cannot be opened.
    pub async fn open(
        jetstream: &async_nats::jetstream::Context,
        keys: &Keys,
    ) -> rondom_bus::Result<Self> {
        Ok(Self {
            pseudonyms: keys.pseudonym.clone(),
            registry: HouseholdRegistry::new(stream::bucket(jetstream, PERSONS_BUCKET).await?),
            keys: KeyStore::new(
                stream::bucket(jetstream, KEYS_BUCKET).await?,
                keys.master.clone(),
            ),
            publisher: EventPublisher::new(jetstream.clone()),
        })
    }

    /// Publishes `signal` and returns where it landed.
    ///
    /// # Errors
    /// [`crate::Error::Bus`] when NATS does not complete a step; nothing is acknowledged then.
    pub async fn ingest(&self, signal: &Signal) -> Result<Ingested> {
        let pseudonyms: Vec<_> = signal
            .persons
            .iter()
            .map(|person| self.pseudonyms.pseudonym(&person.bsn))
            .collect();
        let resolution = self.registry.resolve(&pseudonyms).await?;
        let household = resolution.household;
        let key = self.keys.get_or_create(&household).await?;

        let persons = signal
            .persons
            .iter()
            .zip(&pseudonyms)
            .zip(&resolution.members)
            .enumerate()
            .map(|(index, ((person, pseudonym), member))| {
                let identity = v1::PersonIdentity {
                    bsn: person.bsn.as_str().to_owned(),
                    display_name: person.display_name.clone(),
                };
                v1::PersonMention {
                    pseudonym: pseudonym.to_string(),
                    household_member: *member,
                    identity: Some(
                        key.seal(&household, Purpose::Identity, &identity.encode_to_vec())
                            .into(),
                    ),
                    primary: index == 0,
                    display_name_given: !person.display_name.is_empty(),
                }
            })
            .collect();
        let event = v1::Event {
            household_id: household.to_string(),
            pillar: v1::Pillar::from(signal.pillar) as i32,
            kind: signal.kind.as_str().to_owned(),
            occurred_at: Some(timestamp(signal.observed_at)),
            gemeente_code: signal.gemeente.to_string(),
            persons,
            summary: Some(
                key.seal(&household, Purpose::Summary, signal.summary.as_bytes())
                    .into(),
            ),
            body: Some(v1::event::Body::SignalReceived(v1::SignalReceived {
                urgency: v1::Urgency::from(signal.urgency) as i32,
            })),
        };
        let envelope = Envelope {
            id: signal.event_id(),
            source: signal.source.clone(),
            event_type: EventType::new(signal.pillar, signal.kind.as_str())
                .expect("catalogue kinds are snake_case"),
            subject: household,
            time: Utc::now(),
        };
        let published = self.publisher.publish(&envelope, &event).await?;
        tracing::info!(
            event_id = %envelope.id,
            household = %household,
            position = published.position,
            duplicate = published.duplicate,
            r#type = %envelope.event_type,
            "signal published"
        );
        Ok(Ingested {
            event_id: envelope.id,
            household,
            published,
        })
    }
}
