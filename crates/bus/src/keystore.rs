//! Household data keys in KV `RONDOM_KEYS`, each wrapped under the master key. Unwrapped keys
//! are cached in memory; the cache is bounded so a million households cannot grow it forever.
//!
//! Destroying a key is crypto-shredding: the KV entry is purged (every revision removed from
//! the bucket's stream, not marked deleted), and every process that cached the key forgets it
//! as soon as it sees the purge ([`KeyStore::forget_destroyed`]).

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

    /// Returns a store that forgets keys other processes destroy: a background task follows
    /// the bucket (and starts following again after a lost connection) for as long as the
    /// store lives.
    pub fn following(bucket: kv::Store, master: MasterKey) -> std::sync::Arc<Self> {
        let store = std::sync::Arc::new(Self::new(bucket, master));
        let weak = std::sync::Arc::downgrade(&store);
        tokio::spawn(async move {
            while let Some(store) = weak.upgrade() {
                if let Err(err) = store.forget_destroyed().await {
                    tracing::warn!(error = %err, "cannot follow destroyed household keys");
                }
                drop(store);
                tokio::time::sleep(std::time::Duration::from_secs(1)).await;
            }
        });
        store
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

    /// Destroys the data key of `household`: its personal data, wherever it is stored sealed,
    /// can no longer be opened. Destroying a key that is already gone changes nothing.
    ///
    /// # Errors
    /// [`Error::Unavailable`] when KV cannot be reached; the key may then still exist.
    pub async fn destroy(&self, household: &HouseholdId) -> Result<()> {
        self.bucket
            .purge(household.to_string())
            .await
            .map_err(|err| Error::unavailable("destroying a household key", err))?;
        self.forget(household);
        Ok(())
    }

    /// Follows the bucket and drops every destroyed key from this process's cache, until the
    /// watch ends (NATS gone for good); start it with the process, before keys are cached,
    /// in every process that holds a [`KeyStore`]. Only changes from now on are watched: a
    /// new process's cache is empty.
    ///
    /// # Errors
    /// [`Error::Unavailable`] when the watch cannot start.
    pub async fn forget_destroyed(&self) -> Result<()> {
        let mut changes = self
            .bucket
            .watch_all()
            .await
            .map_err(|err| Error::unavailable("watching household keys", err))?;
        while let Some(change) = futures::StreamExt::next(&mut changes).await {
            // After an error the watch is done for (polling on would panic inside
            // async-nats): [`KeyStore::following`] starts a new one.
            let change =
                change.map_err(|err| Error::unavailable("watching household keys", err))?;
            if change.operation != kv::Operation::Put
                && let Ok(household) = change.key.parse::<HouseholdId>()
            {
                self.forget(&household);
            }
        }
        Ok(())
    }

    fn forget(&self, household: &HouseholdId) {
        self.cache.lock().expect("key cache lock").remove(household);
    }

    fn remember(&self, household: HouseholdId, key: DataKey) {
        let mut cache = self.cache.lock().expect("key cache lock");
        if cache.len() >= CACHE_CAPACITY {
            cache.clear();
        }
        cache.insert(household, key);
    }
}
