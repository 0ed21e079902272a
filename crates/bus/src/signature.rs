//! Events signed by the hub: an HMAC-SHA256 under the installation's event-signing key over
//! an event's CloudEvents context and payload, in header `ce-rondomsignature`. Everything that
//! reads the log checks it (the projector, partner subscriptions, the writers' look-ups), so
//! an event put on the bus with a stolen NATS password alone is never believed.

use std::sync::Arc;

use async_nats::HeaderMap;
use hmac::{Hmac, Mac};
use sha2::Sha256;
use zeroize::Zeroizing;

/// The header that carries the signature: `v1.<64 hex digits>`.
pub const SIGNATURE_HEADER: &str = "ce-rondomsignature";
const VERSION: &str = "v1.";
/// The context attributes signed; with the payload they are everything a reader believes.
const SIGNED: [&str; 6] = [
    "ce-id",
    "ce-source",
    "ce-type",
    "ce-subject",
    "ce-time",
    "ce-rondomwriter",
];

/// Why an event's signature is not accepted.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum SignatureError {
    #[error("the event is not signed")]
    Missing,
    #[error("the event's signature is not this hub's")]
    Invalid,
}

/// Signs and checks events with the installation's event-signing key. `Debug` hides the key.
#[derive(Clone)]
pub struct EventSigner {
    key: Arc<Zeroizing<[u8; 32]>>,
}

impl std::fmt::Debug for EventSigner {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("EventSigner(<key>)")
    }
}

impl EventSigner {
    /// Returns a signer with `key` (32 secret bytes, the same in every process of the hub).
    pub fn new(key: [u8; 32]) -> Self {
        Self {
            key: Arc::new(Zeroizing::new(key)),
        }
    }

    /// Every part is length-prefixed, so no two different events sign the same bytes.
    fn mac(&self, headers: &HeaderMap, payload: &[u8]) -> Hmac<Sha256> {
        let mut mac =
            Hmac::<Sha256>::new_from_slice(self.key.as_slice()).expect("HMAC takes any key length");
        for name in SIGNED {
            let value = headers.get(name).map_or("", |value| value.as_str());
            mac.update(&(value.len() as u64).to_be_bytes());
            mac.update(value.as_bytes());
        }
        mac.update(&(payload.len() as u64).to_be_bytes());
        mac.update(payload);
        mac
    }

    /// Adds the signature of the event `headers` and `payload` make to `headers`.
    pub fn sign(&self, headers: &mut HeaderMap, payload: &[u8]) {
        let tag = self.mac(headers, payload).finalize().into_bytes();
        headers.insert(
            SIGNATURE_HEADER,
            format!("{VERSION}{}", hex::encode(tag)).as_str(),
        );
    }

    /// Checks the signature of the event `headers` and `payload` make (in constant time).
    ///
    /// # Errors
    /// [`SignatureError`] when it is missing or not this hub's.
    pub fn verify(&self, headers: &HeaderMap, payload: &[u8]) -> Result<(), SignatureError> {
        let value = headers
            .get(SIGNATURE_HEADER)
            .ok_or(SignatureError::Missing)?;
        let digits = value
            .as_str()
            .strip_prefix(VERSION)
            .ok_or(SignatureError::Invalid)?;
        let mut tag = [0u8; 32];
        hex::decode_to_slice(digits, &mut tag).map_err(|_| SignatureError::Invalid)?;
        self.mac(headers, payload)
            .verify_slice(&tag)
            .map_err(|_| SignatureError::Invalid)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn headers() -> HeaderMap {
        let mut headers = HeaderMap::new();
        headers.insert("ce-id", "0192f0c1-7c4e-7d2a-9b1e-3f5a6c7d8e9f");
        headers.insert("ce-type", "nl.rondom.regie.partner_betrokken.v1");
        headers.insert("ce-rondomwriter", "dev-coordinator");
        headers
    }

    #[test]
    fn a_signed_event_verifies_and_any_change_breaks_it() {
        let signer = EventSigner::new([7; 32]);
        let mut signed = headers();
        signer.sign(&mut signed, b"payload");
        assert_eq!(signer.verify(&signed, b"payload"), Ok(()));
        assert_eq!(
            signer.verify(&signed, b"payloaD"),
            Err(SignatureError::Invalid)
        );
        let mut other_writer = signed.clone();
        other_writer.insert("ce-rondomwriter", "dev-jeugd");
        assert_eq!(
            signer.verify(&other_writer, b"payload"),
            Err(SignatureError::Invalid)
        );
        assert_eq!(
            EventSigner::new([8; 32]).verify(&signed, b"payload"),
            Err(SignatureError::Invalid)
        );
        assert_eq!(
            signer.verify(&headers(), b"payload"),
            Err(SignatureError::Missing)
        );
        assert!(!format!("{signer:?}").contains('7'));
    }

    #[test]
    fn parts_cannot_be_shifted_between_attributes() {
        let signer = EventSigner::new([7; 32]);
        let mut one = HeaderMap::new();
        one.insert("ce-id", "ab");
        one.insert("ce-source", "c");
        signer.sign(&mut one, b"");
        let mut shifted = HeaderMap::new();
        shifted.insert("ce-id", "a");
        shifted.insert("ce-source", "bc");
        shifted.insert(
            SIGNATURE_HEADER,
            one.get(SIGNATURE_HEADER).expect("signed").as_str(),
        );
        assert_eq!(signer.verify(&shifted, b""), Err(SignatureError::Invalid));
    }
}
