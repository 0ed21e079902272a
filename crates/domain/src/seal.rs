//! Sealing personal data: each household has its own data key, and every BSN, name and free
//! text of that household is encrypted with it (XChaCha20-Poly1305, random 192-bit nonces).
//! Data keys are stored only wrapped under the master key. Destroying a household's data key
//! erases its personal data wherever the ciphertext went (crypto-shredding).
//!
//! The associated data binds every ciphertext to its household and its purpose, so a sealed
//! name cannot be replayed as another household's summary.

use std::fmt;

use chacha20poly1305::aead::{Aead, AeadCore, KeyInit, OsRng, Payload};
use chacha20poly1305::{XChaCha20Poly1305, XNonce};
use sha2::{Digest, Sha256};
use zeroize::{Zeroize, ZeroizeOnDrop};

use crate::id::HouseholdId;

/// What a sealed value is, bound into its associated data.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Purpose {
    /// A person's BSN and name.
    Identity,
    /// Free text of a signal or event.
    Summary,
    /// The free-text fields of an event's payload.
    Detail,
    /// A household data key, wrapped under the master key.
    KeyWrap,
}

impl Purpose {
    fn label(self) -> &'static str {
        match self {
            Purpose::Identity => "identity",
            Purpose::Summary => "summary",
            Purpose::Detail => "detail",
            Purpose::KeyWrap => "key-wrap",
        }
    }
}

fn associated_data(household: &HouseholdId, purpose: Purpose) -> Vec<u8> {
    format!("rondom/v1/{}/{household}", purpose.label()).into_bytes()
}

/// Ciphertext with its nonce.
#[derive(Clone, PartialEq, Eq)]
pub struct Sealed {
    pub nonce: Vec<u8>,
    pub ciphertext: Vec<u8>,
}

impl fmt::Debug for Sealed {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Sealed({} bytes)", self.ciphertext.len())
    }
}

/// A sealed value could not be opened: wrong key, wrong household or purpose, or tampering.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("sealed data could not be opened")]
pub struct OpenError;

/// Returns 32 bytes from the operating system's random source.
pub fn random_key_bytes() -> [u8; 32] {
    XChaCha20Poly1305::generate_key(&mut OsRng).into()
}

/// 32 secret bytes under one cipher; shared by data keys and the master key.
#[derive(Clone)]
struct SecretKey(XChaCha20Poly1305);

impl SecretKey {
    fn from_bytes(bytes: &[u8; 32]) -> Self {
        Self(XChaCha20Poly1305::new(bytes.into()))
    }

    fn seal(&self, household: &HouseholdId, purpose: Purpose, plaintext: &[u8]) -> Sealed {
        let nonce = XChaCha20Poly1305::generate_nonce(&mut OsRng);
        let aad = associated_data(household, purpose);
        let ciphertext = self
            .0
            .encrypt(
                &nonce,
                Payload {
                    msg: plaintext,
                    aad: &aad,
                },
            )
            .expect("XChaCha20-Poly1305 encrypts any message that fits in memory");
        Sealed {
            nonce: nonce.to_vec(),
            ciphertext,
        }
    }

    fn open(
        &self,
        household: &HouseholdId,
        purpose: Purpose,
        sealed: &Sealed,
    ) -> Result<Vec<u8>, OpenError> {
        if sealed.nonce.len() != 24 {
            return Err(OpenError);
        }
        let aad = associated_data(household, purpose);
        self.0
            .decrypt(
                XNonce::from_slice(&sealed.nonce),
                Payload {
                    msg: &sealed.ciphertext,
                    aad: &aad,
                },
            )
            .map_err(|_| OpenError)
    }
}

/// A household's data key. `Debug` never shows it.
#[derive(Clone)]
pub struct DataKey {
    bytes: [u8; 32],
    cipher: SecretKey,
}

impl DataKey {
    /// Returns a fresh random key.
    pub fn generate() -> Self {
        Self::from_bytes(random_key_bytes())
    }

    /// Returns the key from its raw bytes.
    pub fn from_bytes(bytes: [u8; 32]) -> Self {
        Self {
            cipher: SecretKey::from_bytes(&bytes),
            bytes,
        }
    }

    /// Seals `plaintext` for `household`.
    pub fn seal(&self, household: &HouseholdId, purpose: Purpose, plaintext: &[u8]) -> Sealed {
        self.cipher.seal(household, purpose, plaintext)
    }

    /// Opens what [`DataKey::seal`] sealed with the same household and purpose.
    ///
    /// # Errors
    /// [`OpenError`] for another key, household or purpose, or altered bytes.
    pub fn open(
        &self,
        household: &HouseholdId,
        purpose: Purpose,
        sealed: &Sealed,
    ) -> Result<Vec<u8>, OpenError> {
        self.cipher.open(household, purpose, sealed)
    }
}

impl Drop for DataKey {
    fn drop(&mut self) {
        self.bytes.zeroize();
    }
}

/// The raw bytes are wiped when the key goes; the cipher (chacha20poly1305) wipes its copy.
impl ZeroizeOnDrop for DataKey {}

impl fmt::Debug for DataKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("DataKey(..)")
    }
}

/// The key that wraps every household data key. `Debug` shows only its public id.
#[derive(Clone)]
pub struct MasterKey {
    id: String,
    cipher: SecretKey,
}

impl MasterKey {
    /// Returns the master key from its raw bytes.
    pub fn from_bytes(mut bytes: [u8; 32]) -> Self {
        // A public fingerprint: tells which master key wrapped a data key, reveals nothing.
        let mut named =
            zeroize::Zeroizing::new([b"rondom/v1/master-key-id\0".as_slice(), &bytes].concat());
        let digest = Sha256::digest(named.as_slice());
        named.zeroize();
        let key = Self {
            id: hex::encode(&digest[..8]),
            cipher: SecretKey::from_bytes(&bytes),
        };
        bytes.zeroize();
        key
    }

    /// Returns the fingerprint stored beside every key it wraps.
    pub fn id(&self) -> &str {
        &self.id
    }

    /// Returns `data_key` encrypted under this master key, bound to `household`.
    pub fn wrap(&self, household: &HouseholdId, data_key: &DataKey) -> Sealed {
        self.cipher
            .seal(household, Purpose::KeyWrap, &data_key.bytes)
    }

    /// Returns the data key that [`MasterKey::wrap`] wrapped for `household`.
    ///
    /// # Errors
    /// [`OpenError`] when another master key or household was used, or the bytes were altered.
    pub fn unwrap(&self, household: &HouseholdId, wrapped: &Sealed) -> Result<DataKey, OpenError> {
        let bytes =
            zeroize::Zeroizing::new(self.cipher.open(household, Purpose::KeyWrap, wrapped)?);
        let bytes: [u8; 32] = bytes.as_slice().try_into().map_err(|_| OpenError)?;
        Ok(DataKey::from_bytes(bytes))
    }
}

/// Every master key an installation accepts. The current one wraps new data keys; retired ones
/// still unwrap what they wrapped, until `rondom keys rotate` has re-wrapped all of it.
#[derive(Debug, Clone)]
pub struct MasterKeys {
    current: MasterKey,
    retired: Vec<MasterKey>,
}

impl MasterKeys {
    /// Returns the keyring; a retired key equal to the current one is dropped.
    pub fn new(current: MasterKey, retired: impl IntoIterator<Item = MasterKey>) -> Self {
        let retired = retired
            .into_iter()
            .filter(|key| key.id != current.id)
            .collect();
        Self { current, retired }
    }

    /// Returns the key that wraps new data keys.
    pub fn current(&self) -> &MasterKey {
        &self.current
    }

    /// Returns the key with fingerprint `id`, current or retired.
    pub fn by_id(&self, id: &str) -> Option<&MasterKey> {
        std::iter::once(&self.current)
            .chain(&self.retired)
            .find(|key| key.id == id)
    }
}

impl fmt::Debug for MasterKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "MasterKey(id={})", self.id)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Compiles only while every type that holds key bytes wipes them on drop.
    #[test]
    fn keys_wipe_their_bytes_when_they_go() {
        fn wipes<T: ZeroizeOnDrop>() {}
        wipes::<DataKey>();
        wipes::<XChaCha20Poly1305>();
        wipes::<crate::pseudonym::PseudonymKey>();
    }

    #[test]
    fn sealed_text_opens_with_the_same_key_household_and_purpose() {
        let household = HouseholdId::generate();
        let key = DataKey::generate();
        let sealed = key.seal(&household, Purpose::Summary, b"zorgen over de kinderen");
        assert!(
            !sealed
                .ciphertext
                .windows(6)
                .any(|window| window == b"zorgen")
        );
        assert_eq!(
            key.open(&household, Purpose::Summary, &sealed).as_deref(),
            Ok(&b"zorgen over de kinderen"[..])
        );
    }

    #[test]
    fn another_household_purpose_or_key_cannot_open() {
        let household = HouseholdId::generate();
        let key = DataKey::generate();
        let sealed = key.seal(&household, Purpose::Summary, b"tekst");
        assert_eq!(
            key.open(&HouseholdId::generate(), Purpose::Summary, &sealed),
            Err(OpenError)
        );
        assert_eq!(
            key.open(&household, Purpose::Identity, &sealed),
            Err(OpenError)
        );
        assert_eq!(
            DataKey::generate().open(&household, Purpose::Summary, &sealed),
            Err(OpenError)
        );
        let mut tampered = sealed;
        tampered.ciphertext[0] ^= 1;
        assert_eq!(
            key.open(&household, Purpose::Summary, &tampered),
            Err(OpenError)
        );
    }

    #[test]
    fn wrapped_key_unwraps_only_under_its_master_key_and_household() {
        let household = HouseholdId::generate();
        let master = MasterKey::from_bytes([9; 32]);
        let data_key = DataKey::generate();
        let wrapped = master.wrap(&household, &data_key);
        let unwrapped = master
            .unwrap(&household, &wrapped)
            .expect("same master key");
        let sealed = data_key.seal(&household, Purpose::Identity, b"Jan");
        assert_eq!(
            unwrapped
                .open(&household, Purpose::Identity, &sealed)
                .as_deref(),
            Ok(&b"Jan"[..])
        );
        assert!(
            MasterKey::from_bytes([8; 32])
                .unwrap(&household, &wrapped)
                .is_err()
        );
        assert!(master.unwrap(&HouseholdId::generate(), &wrapped).is_err());
    }

    #[test]
    fn keyring_finds_current_and_retired_keys_by_id() {
        let old = MasterKey::from_bytes([1; 32]);
        let new = MasterKey::from_bytes([2; 32]);
        let keys = MasterKeys::new(new.clone(), [old.clone(), new.clone()]);
        assert_eq!(keys.current().id(), new.id());
        assert_eq!(keys.by_id(old.id()).map(MasterKey::id), Some(old.id()));
        assert_eq!(keys.by_id(new.id()).map(MasterKey::id), Some(new.id()));
        assert!(keys.by_id(MasterKey::from_bytes([3; 32]).id()).is_none());
    }

    #[test]
    fn master_key_id_is_stable_and_not_the_key() {
        let master = MasterKey::from_bytes([9; 32]);
        assert_eq!(master.id(), MasterKey::from_bytes([9; 32]).id());
        assert_ne!(master.id(), MasterKey::from_bytes([8; 32]).id());
        assert!(!master.id().contains("0909"));
    }
}
