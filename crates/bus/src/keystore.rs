//! Household data keys in KV `RONDOM_KEYS`, each wrapped under the master key. Unwrapped keys
//! are cached in memory; the cache is bounded so a million households cannot grow it forever.

use std::collections::HashMap;
use std::sync::Mutex;

use async_nats::jetstream::kv;
use prost::Message;
use rondom_domain::HouseholdId;
use rondom_domain::seal::{DataKey, MasterKey, Sealed};
use rondom_proto::v1;

use crate::error::{Error, Result};

/// Unwrapped keys kept in memory before the cache starts over.
const CACHE_CAPACITY: usize = 65_536;

/// Household data keys, wrapped at rest.
#[derive(Debug)]
pub struct KeyStore {
    bucket: kv::Store,
    master: MasterKey,
    cache: Mutex<HashMap<HouseholdId, DataKey>>,
}

impl KeyStore {
    /// Returns the store over the `RONDOM_KEYS` bucket.
    pub fn new(bucket: kv::Store, master: MasterKey) -> Self {
        Self {
            bucket,
            master,
            cache: Mutex::new(HashMap::new()),
        }
    }

    /// Returns the data key of `household`, creating it on first use. Concurrent creators
    /// agree: the atomic create lets one win and the others read its key.
    ///
    /// # Errors
    /// [`Error::Unavailable`] when KV cannot be reached; [`Error::Corrupt`] when the stored
    /// key does not unwrap under the master key.
    pub async fn get_or_create(&self, household: &HouseholdId) -> Result<DataKey> {
        if let Some(key) = self.get(household).await? {
            return Ok(key);
        }
        let key = DataKey::generate();
        let sealed = self.master.wrap(household, &key);
        let wrapped = v1::WrappedKey {
            master_key_id: self.master.id().to_owned(),
            nonce: sealed.nonce,
            ciphertext: sealed.ciphertext,
        };
        match self
            .bucket
            .create(household.to_string(), wrapped.encode_to_vec().into())
            .await
        {
            Ok(_) => {
                self.remember(*household, key.clone());
                Ok(key)
            }
            Err(err) if err.kind() == kv::CreateErrorKind::AlreadyExists => {
                self.get(household).await?.ok_or_else(|| {
                    Error::corrupt("household key", "key vanished after a create conflict")
                })
            }
            Err(err) => Err(Error::unavailable("storing a household key", err)),
        }
    }

    /// Returns the data key of `household`, or `None` when it has none (or it was destroyed).
    ///
    /// # Errors
    /// As [`KeyStore::get_or_create`].
    pub async fn get(&self, household: &HouseholdId) -> Result<Option<DataKey>> {
        if let Some(key) = self.cache.lock().expect("key cache lock").get(household) {
            return Ok(Some(key.clone()));
        }
        let Some(bytes) = self
            .bucket
            .get(household.to_string())
            .await
            .map_err(|err| Error::unavailable("reading a household key", err))?
        else {
            return Ok(None);
        };
        let wrapped =
            v1::WrappedKey::decode(bytes).map_err(|err| Error::corrupt("household key", err))?;
        let sealed = Sealed {
            nonce: wrapped.nonce,
            ciphertext: wrapped.ciphertext,
        };
        let key = self
            .master
            .unwrap(household, &sealed)
            .map_err(|err| Error::corrupt("household key", err))?;
        self.remember(*household, key.clone());
        Ok(Some(key))
    }

    fn remember(&self, household: HouseholdId, key: DataKey) {
        let mut cache = self.cache.lock().expect("key cache lock");
        if cache.len() >= CACHE_CAPACITY {
            cache.clear();
        }
        cache.insert(household, key);
    }
}
