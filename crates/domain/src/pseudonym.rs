//! Person pseudonyms: HMAC-SHA256 of the BSN under a secret key. Without the key a pseudonym
//! cannot be turned back into a BSN, not even by trying all 10^9 numbers.
//!
//! Two kinds, so the append-only log never links households: the registry (which household a
//! person is in now) keys persons by [`PseudonymKey::pseudonym`], the same everywhere; events,
//! views and deliveries name them by [`PseudonymKey::in_household`], a different one in every
//! household. An erased household's events keep their pseudonyms, but nothing ties those to
//! the same person's later household.

use std::fmt;
use std::str::FromStr;

use hmac::{Hmac, Mac};
use sha2::Sha256;

use crate::bsn::Bsn;

/// Domain separation, so the same key can never yield the same MAC for another purpose.
const CONTEXT: &[u8] = b"rondom/v1/person-pseudonym\0";
const IN_HOUSEHOLD: &[u8] = b"rondom/v1/household-person-pseudonym\0";
const REQUEST: &[u8] = b"rondom/v1/provider-request\0";

/// The secret key behind every pseudonym. `Debug` never shows it; its bytes are wiped when
/// it goes.
#[derive(Clone)]
pub struct PseudonymKey([u8; 32]);

impl Drop for PseudonymKey {
    fn drop(&mut self) {
        zeroize::Zeroize::zeroize(&mut self.0);
    }
}

impl zeroize::ZeroizeOnDrop for PseudonymKey {}

impl PseudonymKey {
    /// Returns a key from its 32 raw bytes.
    pub fn from_bytes(bytes: [u8; 32]) -> Self {
        Self(bytes)
    }

    /// Returns a public fingerprint of the key: tells which key made a pseudonym, reveals
    /// nothing of it.
    pub fn id(&self) -> String {
        use sha2::Digest as _;
        let digest = Sha256::digest([b"rondom/v1/pseudonym-key-id\0".as_slice(), &self.0].concat());
        hex::encode(&digest[..8])
    }

    /// Returns the pseudonym of the person with this BSN in the registry (the one key of a
    /// person across households; never written into an event).
    pub fn pseudonym(&self, bsn: &Bsn) -> Pseudonym {
        let mut mac = Hmac::<Sha256>::new_from_slice(&self.0).expect("HMAC accepts any key size");
        mac.update(CONTEXT);
        mac.update(bsn.as_str().as_bytes());
        Pseudonym(mac.finalize().into_bytes().into())
    }

    /// Returns the key in the registry of a provider's request (iWmo/iJw 315, 317): its case
    /// in `pillar`, which the provider's reference names. The gemeente's answer (319) names no
    /// person and finds the household of the request by it; an erasure, which knows the
    /// household's cases, removes it. It can never equal a person's pseudonym (another
    /// context).
    pub fn of_request(&self, pillar: &str, case_id: &str) -> Pseudonym {
        let mut mac = Hmac::<Sha256>::new_from_slice(&self.0).expect("HMAC accepts any key size");
        mac.update(REQUEST);
        mac.update(pillar.as_bytes());
        mac.update(b"\0");
        mac.update(case_id.as_bytes());
        Pseudonym(mac.finalize().into_bytes().into())
    }

    /// Returns the pseudonym of the person with this BSN in the events and view of
    /// `household`: unlinkable to the same person's pseudonym in any other household.
    pub fn in_household(&self, bsn: &Bsn, household: &crate::HouseholdId) -> Pseudonym {
        let mut mac = Hmac::<Sha256>::new_from_slice(&self.0).expect("HMAC accepts any key size");
        mac.update(IN_HOUSEHOLD);
        mac.update(household.as_bytes());
        mac.update(bsn.as_str().as_bytes());
        Pseudonym(mac.finalize().into_bytes().into())
    }
}

impl fmt::Debug for PseudonymKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("PseudonymKey(..)")
    }
}

/// A person's pseudonym: 32 bytes, written as 64 lowercase hex digits.
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Pseudonym([u8; 32]);

impl Pseudonym {
    /// Returns the raw bytes (sled keys use these).
    pub fn as_bytes(&self) -> &[u8; 32] {
        &self.0
    }

    /// Returns the pseudonym from its raw bytes.
    pub fn from_bytes(bytes: [u8; 32]) -> Self {
        Self(bytes)
    }
}

impl fmt::Display for Pseudonym {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&hex::encode(self.0))
    }
}

impl fmt::Debug for Pseudonym {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Pseudonym({self})")
    }
}

/// The text is not 64 hex digits.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("a pseudonym is 64 hex digits")]
pub struct InvalidPseudonym;

impl FromStr for Pseudonym {
    type Err = InvalidPseudonym;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        let mut bytes = [0u8; 32];
        hex::decode_to_slice(text, &mut bytes).map_err(|_| InvalidPseudonym)?;
        Ok(Self(bytes))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn bsn(text: &str) -> Bsn {
        text.parse().expect("valid test BSN")
    }

    #[test]
    fn same_bsn_same_key_same_pseudonym() {
        let key = PseudonymKey::from_bytes([1; 32]);
        assert_eq!(
            key.pseudonym(&bsn("111222333")),
            key.pseudonym(&bsn("111222333"))
        );
    }

    #[test]
    fn each_household_has_its_own_pseudonym_of_a_person() {
        let key = PseudonymKey::from_bytes([1; 32]);
        let person = bsn("111222333");
        let (first, second) = (
            crate::HouseholdId::from_bytes([1; 16]),
            crate::HouseholdId::from_bytes([2; 16]),
        );
        assert_eq!(
            key.in_household(&person, &first),
            key.in_household(&person, &first)
        );
        assert_ne!(
            key.in_household(&person, &first),
            key.in_household(&person, &second)
        );
        assert_ne!(key.in_household(&person, &first), key.pseudonym(&person));
    }

    #[test]
    fn another_key_gives_another_pseudonym() {
        let first = PseudonymKey::from_bytes([1; 32]).pseudonym(&bsn("111222333"));
        let second = PseudonymKey::from_bytes([2; 32]).pseudonym(&bsn("111222333"));
        assert_ne!(first, second);
    }

    #[test]
    fn a_request_has_a_key_of_its_own_per_pillar_and_case() {
        let key = PseudonymKey::from_bytes([1; 32]);
        let request = key.of_request("wmo", "111222333");
        assert_eq!(request, key.of_request("wmo", "111222333"));
        assert_ne!(request, key.of_request("jeugd", "111222333"));
        assert_ne!(request, key.of_request("wmo", "111222334"));
        // Never a person's: a case that is a BSN does not find that person.
        assert_ne!(request, key.pseudonym(&bsn("111222333")));
    }

    #[test]
    fn pseudonym_does_not_contain_the_bsn() {
        let pseudonym = PseudonymKey::from_bytes([1; 32]).pseudonym(&bsn("111222333"));
        assert!(!pseudonym.to_string().contains("111222333"));
        assert!(!format!("{:?}", PseudonymKey::from_bytes([1; 32])).contains("01"));
    }

    proptest! {
        #[test]
        fn hex_form_round_trips(bytes in proptest::array::uniform32(any::<u8>())) {
            let pseudonym = Pseudonym::from_bytes(bytes);
            prop_assert_eq!(pseudonym.to_string().parse::<Pseudonym>(), Ok(pseudonym));
            prop_assert_eq!(pseudonym.to_string().len(), 64);
        }
    }
}
