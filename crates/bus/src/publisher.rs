//! Publishing events: a write counts only once JetStream has acknowledged it.

use async_nats::jetstream;
use prost::Message;
use rondom_proto::v1;

use crate::envelope::{Envelope, ReceivedEvent};
use crate::error::{Error, Result};
use crate::signature::EventSigner;
use crate::stream::EVENTS_STREAM;
use crate::subject::{event_subject, household_filter};

/// Where an acknowledged event landed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Published {
    /// Stream sequence of the event (of the original, for a duplicate).
    pub position: u64,
    /// JetStream recognised the event id inside its duplicate window.
    pub duplicate: bool,
}

/// Publishes events on `RONDOM_EVENTS`, each signed by the hub.
#[derive(Debug, Clone)]
pub struct EventPublisher {
    jetstream: jetstream::Context,
    signer: EventSigner,
}

impl EventPublisher {
    /// Returns a publisher on this JetStream context that signs with `signer`.
    pub fn new(jetstream: jetstream::Context, signer: EventSigner) -> Self {
        Self { jetstream, signer }
    }

    /// Publishes `event` under `envelope` and waits for JetStream's acknowledgement.
    ///
    /// # Errors
    /// [`Error::Unavailable`] when NATS does not acknowledge: the event may or may not be
    /// stored, and a retry with the same id is safe.
    pub async fn publish(&self, envelope: &Envelope, event: &v1::Event) -> Result<Published> {
        self.send(envelope, event, None).await
    }

    /// Publishes `event` only if the household's last event on the stream is still at
    /// `expected_position` (JetStream checks it atomically with the write).
    ///
    /// # Errors
    /// [`Error::Conflict`] when the household moved on (or has no events); otherwise as
    /// [`EventPublisher::publish`].
    pub async fn publish_expecting(
        &self,
        envelope: &Envelope,
        event: &v1::Event,
        expected_position: u64,
    ) -> Result<Published> {
        self.send(envelope, event, Some(expected_position)).await
    }

    /// Publishes `event` only as the first of its household (JetStream checks that the
    /// household has none, atomically with the write).
    ///
    /// # Errors
    /// [`Error::Conflict`] when the household has an event already; otherwise as
    /// [`EventPublisher::publish`].
    pub async fn publish_first(&self, envelope: &Envelope, event: &v1::Event) -> Result<Published> {
        // JetStream reads an expected last sequence of 0 as "none yet".
        self.send(envelope, event, Some(0)).await
    }

    async fn send(
        &self,
        envelope: &Envelope,
        event: &v1::Event,
        expected_position: Option<u64>,
    ) -> Result<Published> {
        let subject = event_subject(
            &envelope.subject,
            envelope.event_type.pillar,
            &envelope.event_type.kind,
        );
        let mut headers = envelope.to_headers();
        let payload = event.encode_to_vec();
        self.signer.sign(&mut headers, &payload);
        if let Some(expected) = expected_position {
            headers.insert(
                async_nats::header::NATS_EXPECTED_LAST_SUBJECT_SEQUENCE,
                expected.to_string().as_str(),
            );
            headers.insert(
                "Nats-Expected-Last-Subject-Sequence-Subject",
                household_filter(&envelope.subject).as_str(),
            );
        }
        let ack = self
            .jetstream
            .publish_with_headers(subject, headers, payload.into())
            .await
            .map_err(|err| Error::unavailable("publishing an event", err))?
            .await
            .map_err(|err| {
                if err.kind() == jetstream::context::PublishErrorKind::WrongLastSequence {
                    Error::Conflict
                } else {
                    Error::unavailable("acknowledging an event", err)
                }
            })?;
        Ok(Published {
            position: ack.sequence,
            duplicate: ack.duplicate,
        })
    }

    /// Returns the household's last event on the stream: its position and its id
    /// (`Nats-Msg-Id`), `None` when it has none.
    ///
    /// # Errors
    /// [`Error::Unavailable`] when NATS does not answer.
    pub async fn last_event(
        &self,
        household: &rondom_domain::HouseholdId,
    ) -> Result<Option<(u64, String)>> {
        let stream = self
            .jetstream
            .get_stream_no_info(EVENTS_STREAM)
            .await
            .map_err(|err| Error::unavailable("opening the event stream", err))?;
        match stream
            .get_last_raw_message_by_subject(&household_filter(household))
            .await
        {
            Ok(message) => {
                let id = message
                    .headers
                    .get(async_nats::header::NATS_MESSAGE_ID)
                    .map(|value| value.as_str().to_owned())
                    .unwrap_or_default();
                Ok(Some((message.sequence, id)))
            }
            Err(err)
                if err.kind() == jetstream::stream::LastRawMessageErrorKind::NoMessageFound =>
            {
                Ok(None)
            }
            Err(err) => Err(Error::unavailable("reading a household's last event", err)),
        }
    }

    /// Returns the event at `position` on the stream as received, `None` when nothing is
    /// there (a message deleted from the stream) or it is not this hub's.
    ///
    /// # Errors
    /// [`Error::Unavailable`] when NATS does not answer.
    pub async fn event_at(&self, position: u64) -> Result<Option<ReceivedEvent>> {
        let stream = self
            .jetstream
            .get_stream_no_info(EVENTS_STREAM)
            .await
            .map_err(|err| Error::unavailable("opening the event stream", err))?;
        match stream.get_raw_message(position).await {
            Ok(message) => Ok(ReceivedEvent::decode(
                message.sequence,
                Some(&message.headers),
                &message.payload,
                &self.signer,
            )
            .ok()),
            Err(err) if err.kind() == jetstream::stream::RawMessageErrorKind::NoMessageFound => {
                Ok(None)
            }
            Err(err) => Err(Error::unavailable("reading an event", err)),
        }
    }

    /// Returns the household's first event (the one that started it), `None` when it has
    /// none. The household's gemeente is the one its first event names.
    ///
    /// # Errors
    /// [`Error::Unavailable`] when NATS does not answer; [`Error::Corrupt`] for a payload that
    /// is not an event.
    pub async fn first_event(
        &self,
        household: &rondom_domain::HouseholdId,
    ) -> Result<Option<v1::Event>> {
        Ok(self
            .events_on(&household_filter(household), 1)
            .await?
            .into_iter()
            .next())
    }

    /// Returns up to `limit` events on `subject` (a filter such as
    /// `rondom.evt.<household>.jeugd.jeugdhulp_toegewezen`), oldest first: for the few facts a
    /// write must find in the log before it may be published. An event the hub did not sign
    /// is passed over: a forged toewijzing grants nothing.
    ///
    /// # Errors
    /// As [`EventPublisher::first_event`].
    pub async fn events_on(&self, subject: &str, limit: usize) -> Result<Vec<v1::Event>> {
        let events = self.received_on(subject, limit).await?;
        Ok(events.into_iter().map(|received| received.event).collect())
    }

    /// As [`EventPublisher::events_on`], each event as received: with its position and
    /// envelope (its id, its writer).
    ///
    /// # Errors
    /// As [`EventPublisher::first_event`].
    pub async fn received_on(&self, subject: &str, limit: usize) -> Result<Vec<ReceivedEvent>> {
        let stream = self
            .jetstream
            .get_stream_no_info(EVENTS_STREAM)
            .await
            .map_err(|err| Error::unavailable("opening the event stream", err))?;
        let mut events = Vec::new();
        let mut from = 1;
        while events.len() < limit {
            match stream.get_first_raw_message_by_subject(subject, from).await {
                Ok(message) => {
                    from = message.sequence + 1;
                    match ReceivedEvent::decode(
                        message.sequence,
                        Some(&message.headers),
                        &message.payload,
                        &self.signer,
                    ) {
                        Ok(received) => events.push(received),
                        Err(err) => tracing::error!(
                            position = message.sequence,
                            error = %err,
                            "an event on the log is not this hub's, or malformed; passed over"
                        ),
                    }
                }
                Err(err)
                    if err.kind() == jetstream::stream::LastRawMessageErrorKind::NoMessageFound =>
                {
                    break;
                }
                Err(err) => return Err(Error::unavailable("reading a household's events", err)),
            }
        }
        Ok(events)
    }
}
