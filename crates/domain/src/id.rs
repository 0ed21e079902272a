//! Identifiers: events, households, sources, gemeenten, idempotency keys.

use std::fmt;
use std::str::FromStr;

use uuid::Uuid;

/// Namespace of derived event ids (UUIDv5). Never change it: stored ids depend on it.
const EVENT_ID_NAMESPACE: Uuid = Uuid::from_u128(0x6b1f_3c2e_9a4d_4e7b_8f10_52d3_a1c4_e907);

/// The id of one event: CloudEvents `id` and JetStream `Nats-Msg-Id`.
///
/// Derived from (writer, source, idempotency key) rather than random, so a retry of the same
/// write yields the same id and is dropped as a duplicate, by JetStream inside its duplicate
/// window and by the projector after it. The writer is the authenticated client: two clients
/// that pick the same source and key never share an id, so one cannot pre-empt the other's
/// write. (A random UUIDv7 would defeat the retry; a name-based UUIDv5 keeps it a UUID.)
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct EventId(Uuid);

impl EventId {
    /// Returns the id of the write that client `writer` sent from `source` under `key`. The
    /// hub's own events (erasure, pseudonym renewal) have no writer: `""`, which keeps the ids
    /// they always had.
    pub fn derive(writer: &str, source: &SourceUrn, key: &IdempotencyKey) -> Self {
        let mut name = Vec::new();
        if !writer.is_empty() {
            // Client ids hold no newline, so the separator keeps the parts apart.
            name.extend_from_slice(writer.as_bytes());
            name.push(b'\n');
        }
        name.extend_from_slice(source.as_str().as_bytes());
        name.push(b'\n');
        name.extend_from_slice(key.as_str().as_bytes());
        Self(Uuid::new_v5(&EVENT_ID_NAMESPACE, &name))
    }

    /// Returns the id of an event the hub writes as `part` of this one (a move's departure
    /// from the previous household): the same on every retry of the write.
    pub fn part(&self, part: &str) -> Self {
        let name = [self.0.as_bytes().as_slice(), b"\n", part.as_bytes()].concat();
        Self(Uuid::new_v5(&EVENT_ID_NAMESPACE, &name))
    }

    /// Returns the 16 raw bytes (sled keys use these).
    pub fn as_bytes(&self) -> &[u8; 16] {
        self.0.as_bytes()
    }

    /// Returns the id from raw bytes.
    pub fn from_bytes(bytes: [u8; 16]) -> Self {
        Self(Uuid::from_bytes(bytes))
    }
}

impl fmt::Display for EventId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.hyphenated().fmt(f)
    }
}

impl FromStr for EventId {
    type Err = uuid::Error;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        Uuid::try_parse(text).map(Self)
    }
}

/// A household: a UUIDv7, so ids sort by creation time. Carries no personal data.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct HouseholdId(Uuid);

impl HouseholdId {
    /// Returns a new, unique household id.
    pub fn generate() -> Self {
        Self(Uuid::now_v7())
    }

    /// Returns the 16 raw bytes (sled keys use these).
    pub fn as_bytes(&self) -> &[u8; 16] {
        self.0.as_bytes()
    }

    /// Returns the id from raw bytes.
    pub fn from_bytes(bytes: [u8; 16]) -> Self {
        Self(Uuid::from_bytes(bytes))
    }
}

impl fmt::Display for HouseholdId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.hyphenated().fmt(f)
    }
}

/// The text is not a household id.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("a household id is a UUID such as 0192f0c1-7c4e-7d2a-9b1e-3f5a6c7d8e9f")]
pub struct InvalidHouseholdId;

impl FromStr for HouseholdId {
    type Err = InvalidHouseholdId;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        Uuid::try_parse(text)
            .map(Self)
            .map_err(|_| InvalidHouseholdId)
    }
}

/// The sending system as a URN: CloudEvents `source`.
///
/// A sender may give a full URN (`urn:nld:oin:<OIN>:systeem:<name>`) or a plain system name,
/// which becomes `urn:nld:rondom:systeem:<name>`.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct SourceUrn(String);

/// The text is not a usable source.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum InvalidSource {
    #[error("the source system is required")]
    Empty,
    #[error("a source system has at most 200 characters")]
    TooLong,
    #[error("a source system uses only letters, digits and . _ - : /")]
    Characters,
}

impl SourceUrn {
    /// Returns the URN text.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for SourceUrn {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl FromStr for SourceUrn {
    type Err = InvalidSource;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        if text.is_empty() {
            return Err(InvalidSource::Empty);
        }
        if text.len() > 200 {
            return Err(InvalidSource::TooLong);
        }
        // Header-safe without percent-encoding, and no room for free text.
        let allowed =
            |c: char| c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-' | ':' | '/');
        if !text.chars().all(allowed) {
            return Err(InvalidSource::Characters);
        }
        if text.starts_with("urn:") {
            Ok(Self(text.to_owned()))
        } else {
            Ok(Self(format!("urn:nld:rondom:systeem:{text}")))
        }
    }
}

/// A CBS gemeentecode: four digits, e.g. `0363` (Amsterdam).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct GemeenteCode([u8; 4]);

/// The text is not four digits.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("a gemeentecode is 4 digits, e.g. 0363")]
pub struct InvalidGemeenteCode;

impl GemeenteCode {
    /// Returns the four digits.
    pub fn as_str(&self) -> &str {
        std::str::from_utf8(&self.0).expect("a GemeenteCode holds ASCII digits")
    }
}

impl fmt::Display for GemeenteCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for GemeenteCode {
    type Err = InvalidGemeenteCode;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        let bytes: [u8; 4] = text
            .as_bytes()
            .try_into()
            .map_err(|_| InvalidGemeenteCode)?;
        if bytes.iter().all(u8::is_ascii_digit) && bytes != *b"0000" {
            Ok(Self(bytes))
        } else {
            Err(InvalidGemeenteCode)
        }
    }
}

/// The sender's key for one write; retries carry the same key.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct IdempotencyKey(String);

/// The text is not a usable idempotency key.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum InvalidIdempotencyKey {
    #[error("an idempotency key is required")]
    Empty,
    #[error("an idempotency key has at most 128 bytes")]
    TooLong,
    #[error("an idempotency key has no control characters or spaces")]
    Characters,
}

impl IdempotencyKey {
    /// Returns the key text.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl FromStr for IdempotencyKey {
    type Err = InvalidIdempotencyKey;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        if text.is_empty() {
            return Err(InvalidIdempotencyKey::Empty);
        }
        if text.len() > 128 {
            return Err(InvalidIdempotencyKey::TooLong);
        }
        if text.chars().any(|c| c.is_control() || c.is_whitespace()) {
            return Err(InvalidIdempotencyKey::Characters);
        }
        Ok(Self(text.to_owned()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn source(text: &str) -> SourceUrn {
        text.parse().expect("valid source")
    }

    fn key(text: &str) -> IdempotencyKey {
        text.parse().expect("valid key")
    }

    #[test]
    fn event_id_depends_on_writer_source_and_key_only() {
        let first = EventId::derive("wt-noord", &source("wijkteam-noord"), &key("k-1"));
        assert_eq!(
            first,
            EventId::derive("wt-noord", &source("wijkteam-noord"), &key("k-1"))
        );
        assert_ne!(
            first,
            EventId::derive("wt-noord", &source("wijkteam-zuid"), &key("k-1"))
        );
        assert_ne!(
            first,
            EventId::derive("wt-noord", &source("wijkteam-noord"), &key("k-2"))
        );
        // Another client with the same source and key writes an event of its own.
        assert_ne!(
            first,
            EventId::derive("wt-zuid", &source("wijkteam-noord"), &key("k-1"))
        );
        assert_ne!(
            first,
            EventId::derive("", &source("wijkteam-noord"), &key("k-1"))
        );
        // The separator keeps ("a", "b\nc") apart from ("a\nb", "c") - neither may hold a newline.
        assert_eq!(first.to_string().parse::<EventId>(), Ok(first));
    }

    #[test]
    fn plain_source_names_become_urns() {
        assert_eq!(
            source("wijkteam-noord").as_str(),
            "urn:nld:rondom:systeem:wijkteam-noord"
        );
        assert_eq!(
            source("urn:nld:oin:00000001823288444000:systeem:Mens-Centraal").as_str(),
            "urn:nld:oin:00000001823288444000:systeem:Mens-Centraal"
        );
        assert_eq!("".parse::<SourceUrn>(), Err(InvalidSource::Empty));
        assert_eq!(
            "wijk team".parse::<SourceUrn>(),
            Err(InvalidSource::Characters)
        );
    }

    #[test]
    fn gemeente_code_is_four_digits() {
        assert_eq!(
            "0363".parse::<GemeenteCode>().map(|code| code.to_string()),
            Ok("0363".into())
        );
        for bad in ["363", "03630", "03a3", "0000", ""] {
            assert!(
                bad.parse::<GemeenteCode>().is_err(),
                "{bad:?} should be refused"
            );
        }
    }

    #[test]
    fn idempotency_key_rules() {
        assert!("2026-11-23/signal/17".parse::<IdempotencyKey>().is_ok());
        assert_eq!(
            "".parse::<IdempotencyKey>(),
            Err(InvalidIdempotencyKey::Empty)
        );
        assert_eq!(
            "a b".parse::<IdempotencyKey>(),
            Err(InvalidIdempotencyKey::Characters)
        );
        assert_eq!(
            "x".repeat(129).parse::<IdempotencyKey>(),
            Err(InvalidIdempotencyKey::TooLong)
        );
    }

    #[test]
    fn household_ids_are_unique_and_parse_back() {
        let first = HouseholdId::generate();
        assert_ne!(first, HouseholdId::generate());
        assert_eq!(first.to_string().parse::<HouseholdId>(), Ok(first));
        assert_eq!("1234".parse::<HouseholdId>(), Err(InvalidHouseholdId));
    }
}
