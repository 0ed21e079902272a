//! Publishing events: a write counts only once JetStream has acknowledged it.

use async_nats::jetstream;
use prost::Message;
use rondom_proto::v1;

use crate::envelope::Envelope;
use crate::error::{Error, Result};
use crate::subject::event_subject;

/// Where an acknowledged event landed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Published {
    /// Stream sequence of the event (of the original, for a duplicate).
    pub position: u64,
    /// JetStream recognised the event id inside its duplicate window.
    pub duplicate: bool,
}

/// Publishes events on `RONDOM_EVENTS`.
#[derive(Debug, Clone)]
pub struct EventPublisher {
    jetstream: jetstream::Context,
}

impl EventPublisher {
    /// Returns a publisher on this JetStream context.
    pub fn new(jetstream: jetstream::Context) -> Self {
        Self { jetstream }
    }

    /// Publishes `event` under `envelope` and waits for JetStream's acknowledgement.
    ///
    /// # Errors
    /// [`Error::Unavailable`] when NATS does not acknowledge: the event may or may not be
    /// stored, and a retry with the same id is safe.
    pub async fn publish(&self, envelope: &Envelope, event: &v1::Event) -> Result<Published> {
        let subject = event_subject(
            &envelope.subject,
            envelope.event_type.pillar,
            &envelope.event_type.kind,
        );
        let ack = self
            .jetstream
            .publish_with_headers(subject, envelope.to_headers(), event.encode_to_vec().into())
            .await
            .map_err(|err| Error::unavailable("publishing an event", err))?
            .await
            .map_err(|err| Error::unavailable("acknowledging an event", err))?;
        Ok(Published {
            position: ack.sequence,
            duplicate: ack.duplicate,
        })
    }
}
