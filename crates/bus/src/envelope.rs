//! The CloudEvents 1.0 envelope in NATS binary mode: context attributes travel as `ce-*`
//! headers, the protobuf [`v1::Event`] is the body, and `Nats-Msg-Id` equals `ce-id` so
//! JetStream drops republished events.
//!
//! Only non-personal context goes in headers: every intermediary can read and log them. All
//! values Rondom writes are printable ASCII without space, `"` or `%`, so the binding's
//! percent-encoding never applies.

use std::str::FromStr;

use async_nats::HeaderMap;
use chrono::{DateTime, SecondsFormat, Utc};
use prost::Message;
use rondom_domain::{EventId, HouseholdId, Pillar, SourceUrn};
use rondom_proto::v1;

pub const SPEC_VERSION: &str = "1.0";
pub const DATA_CONTENT_TYPE: &str = "application/protobuf";
pub const DATA_SCHEMA: &str = "urn:rondom:proto:rondom.v1.Event";
const NATS_MSG_ID: &str = "Nats-Msg-Id";

/// `nl.rondom.<pillar>.<kind>.v1`: what happened, by pillar and snake_case kind.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct EventType {
    pub pillar: Pillar,
    pub kind: String,
}

impl EventType {
    /// Returns the type of `kind` in `pillar`.
    ///
    /// # Errors
    /// [`EnvelopeError::Type`] when `kind` is not snake_case.
    pub fn new(pillar: Pillar, kind: &str) -> Result<Self, EnvelopeError> {
        let snake_case = !kind.is_empty()
            && kind.starts_with(|c: char| c.is_ascii_lowercase())
            && kind
                .chars()
                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_');
        if !snake_case {
            return Err(EnvelopeError::Type(kind.to_owned()));
        }
        Ok(Self {
            pillar,
            kind: kind.to_owned(),
        })
    }
}

impl std::fmt::Display for EventType {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "nl.rondom.{}.{}.v1", self.pillar, self.kind)
    }
}

impl FromStr for EventType {
    type Err = EnvelopeError;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        let error = || EnvelopeError::Type(text.to_owned());
        let rest = text.strip_prefix("nl.rondom.").ok_or_else(error)?;
        let rest = rest.strip_suffix(".v1").ok_or_else(error)?;
        let (pillar, kind) = rest.split_once('.').ok_or_else(error)?;
        EventType::new(pillar.parse().map_err(|_| error())?, kind)
    }
}

/// The CloudEvents context of one event.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Envelope {
    pub id: EventId,
    pub source: SourceUrn,
    pub event_type: EventType,
    /// CloudEvents `subject`: the household, never a person.
    pub subject: HouseholdId,
    /// When Rondom recorded the event (the real-world time is in the payload).
    pub time: DateTime<Utc>,
    /// The authenticated client that wrote it (extension attribute `rondomwriter`), or
    /// [`HUB_WRITER`] for the hub's own events; empty in events from before writers were
    /// stamped.
    pub writer: String,
}

/// The writer of the hub's own events (erasure, pseudonym renewal).
pub const HUB_WRITER: &str = "rondom";

/// Returns the writer the hub stamps on its own events.
pub fn hub_writer() -> v1::Writer {
    v1::Writer {
        client_id: HUB_WRITER.to_owned(),
        role: "hub".to_owned(),
        ..Default::default()
    }
}

/// Returns whether `text` can be a writer: a client id (1-64 of a-z, 0-9, `-`, `_`).
fn is_writer(text: &str) -> bool {
    (1..=64).contains(&text.len())
        && text
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-' || b == b'_')
}

/// A message on the stream is not a well-formed Rondom event.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum EnvelopeError {
    #[error("header {0} is missing")]
    Missing(&'static str),
    #[error("header {name} has an invalid value")]
    Invalid { name: &'static str },
    #[error("event type {0:?} is not nl.rondom.<pillar>.<snake_case_kind>.v1")]
    Type(String),
    #[error("payload is not a rondom.v1.Event")]
    Payload,
    #[error("payload does not match the headers ({0})")]
    Mismatch(&'static str),
    #[error(transparent)]
    Signature(#[from] crate::signature::SignatureError),
}

impl Envelope {
    /// Returns the NATS headers of this envelope.
    pub fn to_headers(&self) -> HeaderMap {
        let mut headers = HeaderMap::new();
        headers.insert("ce-specversion", SPEC_VERSION);
        headers.insert("ce-id", self.id.to_string().as_str());
        headers.insert("ce-source", self.source.as_str());
        headers.insert("ce-type", self.event_type.to_string().as_str());
        headers.insert("ce-subject", self.subject.to_string().as_str());
        headers.insert(
            "ce-time",
            self.time
                .to_rfc3339_opts(SecondsFormat::Millis, true)
                .as_str(),
        );
        headers.insert("ce-datacontenttype", DATA_CONTENT_TYPE);
        headers.insert("ce-dataschema", DATA_SCHEMA);
        if !self.writer.is_empty() {
            headers.insert("ce-rondomwriter", self.writer.as_str());
        }
        headers.insert(NATS_MSG_ID, self.id.to_string().as_str());
        headers
    }

    /// Reads an envelope back from NATS headers.
    ///
    /// # Errors
    /// [`EnvelopeError`] naming the first missing or invalid header.
    pub fn from_headers(headers: &HeaderMap) -> Result<Self, EnvelopeError> {
        fn value<'a>(headers: &'a HeaderMap, name: &'static str) -> Result<&'a str, EnvelopeError> {
            headers
                .get(name)
                .map(|value| value.as_str())
                .ok_or(EnvelopeError::Missing(name))
        }
        fn parse<T: FromStr>(headers: &HeaderMap, name: &'static str) -> Result<T, EnvelopeError> {
            value(headers, name)?
                .parse()
                .map_err(|_| EnvelopeError::Invalid { name })
        }
        if value(headers, "ce-specversion")? != SPEC_VERSION {
            return Err(EnvelopeError::Invalid {
                name: "ce-specversion",
            });
        }
        if value(headers, "ce-datacontenttype")? != DATA_CONTENT_TYPE {
            return Err(EnvelopeError::Invalid {
                name: "ce-datacontenttype",
            });
        }
        let time = DateTime::parse_from_rfc3339(value(headers, "ce-time")?)
            .map_err(|_| EnvelopeError::Invalid { name: "ce-time" })?
            .with_timezone(&Utc);
        let writer = match headers.get("ce-rondomwriter") {
            None => String::new(),
            Some(value) if is_writer(value.as_str()) => value.as_str().to_owned(),
            Some(_) => {
                return Err(EnvelopeError::Invalid {
                    name: "ce-rondomwriter",
                });
            }
        };
        Ok(Envelope {
            id: parse(headers, "ce-id")?,
            source: parse(headers, "ce-source")?,
            event_type: value(headers, "ce-type")?.parse()?,
            subject: parse(headers, "ce-subject")?,
            time,
            writer,
        })
    }
}

/// An event as read from the stream: its position, envelope and decoded payload.
#[derive(Debug, Clone)]
pub struct ReceivedEvent {
    /// Stream sequence in `RONDOM_EVENTS`.
    pub position: u64,
    pub envelope: Envelope,
    pub event: v1::Event,
}

impl ReceivedEvent {
    /// Decodes a message of the stream, checks that `signer`'s hub signed it and that payload
    /// and headers agree.
    ///
    /// # Errors
    /// [`EnvelopeError`] for a message that is not a well-formed Rondom event, or
    /// [`EnvelopeError::Signature`] for one this hub did not sign.
    pub fn decode(
        position: u64,
        headers: Option<&HeaderMap>,
        payload: &[u8],
        signer: &crate::EventSigner,
    ) -> Result<Self, EnvelopeError> {
        let headers = headers.ok_or(EnvelopeError::Missing("ce-id"))?;
        signer.verify(headers, payload)?;
        let envelope = Envelope::from_headers(headers)?;
        let event = v1::Event::decode(payload).map_err(|_| EnvelopeError::Payload)?;
        if event.household_id != envelope.subject.to_string() {
            return Err(EnvelopeError::Mismatch("household"));
        }
        if rondom_proto::convert::pillar_from_proto(event.pillar)
            != Some(envelope.event_type.pillar)
        {
            return Err(EnvelopeError::Mismatch("pillar"));
        }
        if event.kind != envelope.event_type.kind {
            return Err(EnvelopeError::Mismatch("kind"));
        }
        if event
            .writer
            .as_ref()
            .map_or("", |writer| writer.client_id.as_str())
            != envelope.writer
        {
            return Err(EnvelopeError::Mismatch("writer"));
        }
        Ok(ReceivedEvent {
            position,
            envelope,
            event,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn envelope(kind: &str, pillar: Pillar, millis: i64) -> Envelope {
        Envelope {
            id: EventId::derive(
                "wt-noord",
                &"wijkteam-noord".parse().expect("source"),
                &"k".parse().expect("key"),
            ),
            source: "wijkteam-noord".parse().expect("source"),
            event_type: EventType::new(pillar, kind).expect("snake_case"),
            subject: HouseholdId::generate(),
            time: DateTime::from_timestamp_millis(millis).expect("in range"),
            writer: "wt-noord".into(),
        }
    }

    proptest! {
        #[test]
        fn envelope_round_trips_through_headers(
            kind in "[a-z][a-z0-9_]{0,30}",
            pillar_index in 0usize..6,
            millis in 0i64..4_102_444_800_000,
        ) {
            let original = envelope(&kind, Pillar::ALL[pillar_index], millis);
            prop_assert_eq!(Envelope::from_headers(&original.to_headers()), Ok(original));
        }
    }

    #[test]
    fn headers_follow_the_cloudevents_binding() {
        let original = envelope("zorgen_opvoeding", Pillar::Jeugd, 0);
        let headers = original.to_headers();
        assert_eq!(
            headers.get("ce-type").map(|v| v.as_str()),
            Some("nl.rondom.jeugd.zorgen_opvoeding.v1")
        );
        assert_eq!(
            headers.get("Nats-Msg-Id").map(|v| v.as_str()),
            Some(original.id.to_string().as_str())
        );
        assert_eq!(
            headers.get("ce-time").map(|v| v.as_str()),
            Some("1970-01-01T00:00:00.000Z")
        );
    }

    #[test]
    fn refuses_missing_and_foreign_headers() {
        let mut headers = envelope("eenzaamheid", Pillar::Wmo, 0).to_headers();
        headers.insert("ce-type", "com.example.other");
        assert!(matches!(
            Envelope::from_headers(&headers),
            Err(EnvelopeError::Type(_))
        ));
        assert_eq!(
            Envelope::from_headers(&HeaderMap::new()),
            Err(EnvelopeError::Missing("ce-specversion"))
        );
        assert!(EventType::new(Pillar::Wmo, "Melding-Ontvangen").is_err());
    }

    #[test]
    fn payload_must_agree_with_headers() {
        let original = envelope("eenzaamheid", Pillar::Wmo, 0);
        let event = v1::Event {
            household_id: original.subject.to_string(),
            pillar: v1::Pillar::Wmo as i32,
            kind: "eenzaamheid".into(),
            writer: Some(v1::Writer {
                client_id: "wt-noord".into(),
                role: "wijkteam".into(),
                ..Default::default()
            }),
            ..Default::default()
        };
        // Each payload signed as the hub would: what is tested here is that it must agree.
        let signer = crate::EventSigner::new([1; 32]);
        let signed = |payload: &[u8]| {
            let mut headers = original.to_headers();
            signer.sign(&mut headers, payload);
            headers
        };
        let decode = |payload: &[u8]| {
            ReceivedEvent::decode(7, Some(&signed(payload)), payload, &signer).map(|_| ())
        };
        assert_eq!(decode(&event.encode_to_vec()), Ok(()));
        let other = v1::Event {
            kind: "schooluitval".into(),
            ..event.clone()
        };
        assert_eq!(
            decode(&other.encode_to_vec()),
            Err(EnvelopeError::Mismatch("kind"))
        );
        assert_eq!(decode(b"\xff\xff"), Err(EnvelopeError::Payload));
        // The writer in the payload is the one the header names.
        let forged = v1::Event {
            writer: Some(v1::Writer {
                client_id: "someone-else".into(),
                ..Default::default()
            }),
            ..event
        };
        assert_eq!(
            decode(&forged.encode_to_vec()),
            Err(EnvelopeError::Mismatch("writer"))
        );
        // And nothing is believed that the hub did not sign.
        let payload = other.encode_to_vec();
        assert_eq!(
            ReceivedEvent::decode(7, Some(&original.to_headers()), &payload, &signer).map(|_| ()),
            Err(EnvelopeError::Signature(
                crate::signature::SignatureError::Missing
            ))
        );
    }
}
