//! Household data keys in KV `RONDOM_KEYS`, each wrapped under the master key. Unwrapped keys
//! are cached in memory; the cache is bounded so a million households cannot grow it forever.
//!
//! Destroying a key is crypto-shredding: every revision is erased from the bucket's stream
//! (overwritten on disk), an empty tombstone takes its place for good, and every process that
//! cached the key forgets it as soon as it sees the tombstone ([`KeyStore::forget_destroyed`]).
//!
//! Rotating the master key re-wraps every stored key under the new one ([`KeyStore::rewrap`]),
//! with compare-and-set so a concurrent erasure always wins. Nothing in the log changes: data
//! keys stay the same, only their wrapping does. A process that meets a key wrapped under a
//! master key it does not know reads its keys again ([`ReloadMasters`]), and from then on wraps
//! new keys under the new master key too.

use std::collections::{BTreeMap, HashMap};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, RwLock};

use async_nats::jetstream::ErrorCode;
use async_nats::jetstream::kv;
use async_nats::jetstream::stream::{DeleteMessageErrorKind, DirectGetErrorKind};
use futures::StreamExt as _;
use prost::Message;
use rondom_domain::HouseholdId;
use rondom_domain::seal::{DataKey, MasterKeys, Sealed};
use rondom_proto::v1;

use crate::error::{Error, Result};

/// Unwrapped keys kept in memory before the cache starts over.
const CACHE_CAPACITY: usize = 65_536;

/// Keys re-wrapped at once: enough to hide the round trips, few enough to leave room for the
/// hub's own traffic while it runs.
const REWRAP_CONCURRENCY: usize = 32;

/// The bucket entry (not a household id) whose change tells processes to reload master keys.
const ROTATION_NOTICE: &str = "rotation";

/// What the bucket holds for a household.
enum Stored {
    Key(DataKey),
    /// The tombstone of an erasure.
    Destroyed,
    Missing,
}

enum Rewrapped {
    Now,
    Already,
    Destroyed,
}

/// Reads the installation's master keys again: after a rotation elsewhere the key files hold a
/// new current key and the old one among the retired.
pub type ReloadMasters = Arc<dyn Fn() -> std::result::Result<MasterKeys, String> + Send + Sync>;

/// Household data keys, wrapped at rest.
pub struct KeyStore {
    bucket: kv::Store,
    masters: RwLock<MasterKeys>,
    reload: Option<ReloadMasters>,
    cache: Mutex<HashMap<HouseholdId, DataKey>>,
    /// Counts forgettings: a key read from the bucket is cached only if nothing was forgotten
    /// while it was read, so a tombstone seen meanwhile is never undone by the cache.
    forgotten: AtomicU64,
}

impl std::fmt::Debug for KeyStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("KeyStore")
            .field("bucket", &self.bucket.name)
            .field("masters", &self.masters)
            .finish_non_exhaustive()
    }
}

/// What [`KeyStore::rewrap`] did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Rewrap {
    /// Keys now wrapped under the current master key that were not before.
    pub rewrapped: u64,
    /// Keys that already were.
    pub current: u64,
    /// Households erased (their tombstones), so nothing to re-wrap.
    pub destroyed: u64,
}

impl KeyStore {
    /// Returns the store over the `RONDOM_KEYS` bucket; it knows only `masters`.
    pub fn new(bucket: kv::Store, masters: MasterKeys) -> Self {
        Self {
            bucket,
            masters: RwLock::new(masters),
            reload: None,
            cache: Mutex::new(HashMap::new()),
            forgotten: AtomicU64::new(0),
        }
    }

    /// Returns a store that forgets keys other processes destroy and picks up master keys
    /// rotated elsewhere (through `reload`): a background task follows the bucket (and starts
    /// following again after a lost connection) for as long as the store lives.
    pub fn following(bucket: kv::Store, masters: MasterKeys, reload: ReloadMasters) -> Arc<Self> {
        let store = Arc::new(Self {
            reload: Some(reload),
            ..Self::new(bucket, masters)
        });
        let weak = Arc::downgrade(&store);
        tokio::spawn(async move {
            let mut failed_before = false;
            while let Some(store) = weak.upgrade() {
                let started = std::time::Instant::now();
                let ended = store.forget_destroyed().await;
                if started.elapsed() > std::time::Duration::from_secs(10) {
                    failed_before = false; // it was following; this is a new failure
                }
                match ended {
                    // A watch that ends once is also how a draining connection looks at
                    // shutdown: only a second failure in a row is worth a warning.
                    Err(err) if failed_before => {
                        tracing::warn!(error = %err, "cannot follow destroyed household keys");
                    }
                    Err(err) => {
                        tracing::debug!(error = %err, "household key watch ended; starting again");
                        failed_before = true;
                    }
                    Ok(()) => failed_before = false,
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
        match self.lookup(household).await? {
            Stored::Key(key) => return Ok(key),
            Stored::Destroyed => return Err(Error::Erased),
            Stored::Missing => {}
        }
        self.create(household).await
    }

    /// Creates the data key of a household that has none yet (one whose id this process just
    /// made), without looking first; a concurrent creator's key is read and returned instead.
    ///
    /// # Errors
    /// As [`KeyStore::get_or_create`].
    pub async fn create(&self, household: &HouseholdId) -> Result<DataKey> {
        let key = DataKey::generate();
        let wrapped = self.wrap(household, &key);
        let forgotten = self.forgotten.load(Ordering::SeqCst);
        match self
            .bucket
            .create(household.to_string(), wrapped.encode_to_vec().into())
            .await
        {
            Ok(_) => {
                self.remember(*household, key.clone(), forgotten);
                Ok(key)
            }
            Err(err) if err.kind() == kv::CreateErrorKind::AlreadyExists => {
                match self.lookup(household).await? {
                    Stored::Key(key) => Ok(key),
                    Stored::Destroyed => Err(Error::Erased),
                    Stored::Missing => Err(Error::corrupt(
                        "household key",
                        "key vanished after a create conflict",
                    )),
                }
            }
            Err(err) => Err(Error::unavailable("storing a household key", err)),
        }
    }

    /// Returns the data key of `household`, or `None` when it has none (or it was destroyed).
    ///
    /// # Errors
    /// As [`KeyStore::get_or_create`].
    pub async fn get(&self, household: &HouseholdId) -> Result<Option<DataKey>> {
        match self.lookup(household).await? {
            Stored::Key(key) => Ok(Some(key)),
            Stored::Destroyed | Stored::Missing => Ok(None),
        }
    }

    /// Returns whether `household`'s key was destroyed (the household erased), as the
    /// bucket says now: a key this process keeps may have been destroyed by another (an
    /// erasure) before the watch told it, and is let go of when it was.
    ///
    /// # Errors
    /// As [`KeyStore::get_or_create`].
    pub async fn is_destroyed(&self, household: &HouseholdId) -> Result<bool> {
        let stored = self
            .bucket
            .get(household.to_string())
            .await
            .map_err(|err| Error::unavailable("reading a household key", err))?;
        let destroyed = stored.is_some_and(|bytes| bytes.is_empty());
        if destroyed {
            self.forget(household);
        }
        Ok(destroyed)
    }

    async fn lookup(&self, household: &HouseholdId) -> Result<Stored> {
        if let Some(key) = self.cache.lock().expect("key cache lock").get(household) {
            return Ok(Stored::Key(key.clone()));
        }
        let forgotten = self.forgotten.load(Ordering::SeqCst);
        let Some(bytes) = self
            .bucket
            .get(household.to_string())
            .await
            .map_err(|err| Error::unavailable("reading a household key", err))?
        else {
            return Ok(Stored::Missing);
        };
        if bytes.is_empty() {
            return Ok(Stored::Destroyed);
        }
        let key = self.unwrap(household, &decode(&bytes)?)?;
        self.remember(*household, key.clone(), forgotten);
        Ok(Stored::Key(key))
    }

    /// Re-wraps every stored key that is not under the current master key, one by one with
    /// compare-and-set: a key destroyed meanwhile stays destroyed, and readers never see a
    /// key they cannot unwrap. Run it again to catch keys created under the old master key by
    /// processes that had not yet seen the rotation.
    ///
    /// # Errors
    /// [`Error::Unavailable`] when KV cannot be reached (what was re-wrapped stays so; run it
    /// again); [`Error::Corrupt`] for a key under a master key this process does not have.
    pub async fn rewrap(&self) -> Result<Rewrap> {
        let outcomes = futures::stream::iter(self.names().await?)
            .map(|name| self.rewrap_one(name))
            .buffer_unordered(REWRAP_CONCURRENCY);
        futures::pin_mut!(outcomes);
        let mut report = Rewrap::default();
        while let Some(outcome) = outcomes.next().await {
            match outcome? {
                Some(Rewrapped::Now) => report.rewrapped += 1,
                Some(Rewrapped::Already) => report.current += 1,
                Some(Rewrapped::Destroyed) => report.destroyed += 1,
                None => {}
            }
        }
        Ok(report)
    }

    async fn rewrap_one(&self, name: String) -> Result<Option<Rewrapped>> {
        let Ok(household) = name.parse::<HouseholdId>() else {
            return Ok(None);
        };
        loop {
            let entry = self
                .bucket
                .entry(name.as_str())
                .await
                .map_err(|err| Error::unavailable("reading a household key", err))?;
            let Some(entry) = entry
                .filter(|entry| entry.operation == kv::Operation::Put && !entry.value.is_empty())
            else {
                // Destroyed meanwhile: make sure no wrapping of it is left on disk.
                self.shred(&name, None).await?;
                return Ok(Some(Rewrapped::Destroyed));
            };
            let wrapped = decode(&entry.value)?;
            if wrapped.master_key_id == self.current_master_id() {
                // A pass that stopped after the update may have left the old revision.
                self.shred(&name, Some(entry.revision)).await?;
                return Ok(Some(Rewrapped::Already));
            }
            let key = self.unwrap(&household, &wrapped)?;
            let rewrapped = self.wrap(&household, &key);
            match self
                .bucket
                .update(
                    name.as_str(),
                    rewrapped.encode_to_vec().into(),
                    entry.revision,
                )
                .await
            {
                Ok(revision) => {
                    // The bucket keeps the previous revision so it can be erased for good
                    // here: under the old master key it would still open.
                    self.shred(&name, Some(revision)).await?;
                    return Ok(Some(Rewrapped::Now));
                }
                // Changed under us (destroyed, or re-wrapped by another pass): look again.
                Err(err) if err.kind() == kv::UpdateErrorKind::WrongLastRevision => {}
                Err(err) => return Err(Error::unavailable("re-wrapping a household key", err)),
            }
        }
    }

    /// Erases every stored revision of `name` except `keep` from disk (JetStream's secure
    /// delete overwrites the message).
    async fn shred(&self, name: &str, keep: Option<u64>) -> Result<()> {
        // Walked message by message (direct gets): a history consumer stalls for its idle
        // heartbeat when another shred deletes a revision under it.
        let subject = format!("{}{name}", self.bucket.prefix);
        let mut from = 1;
        loop {
            let entry = match self
                .bucket
                .stream
                .direct_get_next_for_subject(subject.as_str(), Some(from))
                .await
            {
                Ok(message) => message,
                Err(err) if err.kind() == DirectGetErrorKind::NotFound => return Ok(()),
                Err(err) => {
                    return Err(Error::unavailable(
                        "reading a household key's revisions",
                        err,
                    ));
                }
            };
            from = entry.sequence + 1;
            // Empty: a tombstone or a delete marker, nothing to erase.
            if entry.payload.is_empty() || Some(entry.sequence) == keep {
                continue;
            }
            match self.bucket.stream.delete_message(entry.sequence).await {
                Ok(_) => {}
                Err(err) => match err.kind() {
                    // Gone already (another shred of the same key was first).
                    DeleteMessageErrorKind::JetStream(inner)
                        if inner.error_code() == ErrorCode::NO_MESSAGE_FOUND
                            || inner.error_code() == ErrorCode::SEQUENCE_NOT_FOUND => {}
                    // A bucket from before this was possible (see stream::keys_bucket_config):
                    // the tombstone still destroys the key for every reader.
                    DeleteMessageErrorKind::JetStream(_)
                        if self.bucket.stream.cached_info().config.deny_delete =>
                    {
                        tracing::warn!(
                            "RONDOM_KEYS does not allow erasing from disk; the tombstone only"
                        );
                        return Ok(());
                    }
                    // 10057 also says "no message found" when a concurrent erase won.
                    _ if self
                        .bucket
                        .stream
                        .get_raw_message(entry.sequence)
                        .await
                        .is_err_and(|missing| {
                            missing.kind() == async_nats::jetstream::stream::LastRawMessageErrorKind::NoMessageFound
                        }) => {}
                    _ => return Err(Error::unavailable("erasing a household key", err)),
                },
            }
        }
    }

    /// Tells every following process that the master key changed, so they wrap new keys under
    /// the new one even when there is no key to re-wrap yet (a new installation).
    ///
    /// # Errors
    /// [`Error::Unavailable`] when KV cannot be reached.
    pub async fn announce_rotation(&self) -> Result<()> {
        let notice = v1::WrappedKey {
            master_key_id: self.current_master_id(),
            ..Default::default()
        };
        self.bucket
            .put(ROTATION_NOTICE, notice.encode_to_vec().into())
            .await
            .map_err(|err| Error::unavailable("announcing a master key rotation", err))?;
        Ok(())
    }

    /// Returns how many stored keys each master key wraps, by master key id.
    ///
    /// # Errors
    /// [`Error::Unavailable`] when KV cannot be reached; [`Error::Corrupt`] for an entry that
    /// is not a wrapped key.
    pub async fn census(&self) -> Result<BTreeMap<String, u64>> {
        let mut counts = BTreeMap::new();
        for name in self.names().await? {
            let value = self
                .bucket
                .get(name.as_str())
                .await
                .map_err(|err| Error::unavailable("reading a household key", err))?;
            if let Some(bytes) = value
                && !bytes.is_empty()
                && name.parse::<HouseholdId>().is_ok()
            {
                *counts.entry(decode(&bytes)?.master_key_id).or_default() += 1;
            }
        }
        Ok(counts)
    }

    /// Returns the id of the master key new data keys are wrapped under.
    pub fn current_master_id(&self) -> String {
        self.masters
            .read()
            .expect("master keys lock")
            .current()
            .id()
            .to_owned()
    }

    async fn names(&self) -> Result<Vec<String>> {
        let keys = self
            .bucket
            .keys()
            .await
            .map_err(|err| Error::unavailable("listing household keys", err))?;
        futures::TryStreamExt::try_collect(keys)
            .await
            .map_err(|err| Error::unavailable("listing household keys", err))
    }

    fn wrap(&self, household: &HouseholdId, key: &DataKey) -> v1::WrappedKey {
        let masters = self.masters.read().expect("master keys lock");
        let sealed = masters.current().wrap(household, key);
        v1::WrappedKey {
            master_key_id: masters.current().id().to_owned(),
            nonce: sealed.nonce,
            ciphertext: sealed.ciphertext,
        }
    }

    fn unwrap(&self, household: &HouseholdId, wrapped: &v1::WrappedKey) -> Result<DataKey> {
        if !self.knows(&wrapped.master_key_id) {
            self.reload_masters();
        }
        let masters = self.masters.read().expect("master keys lock");
        let master = masters.by_id(&wrapped.master_key_id).ok_or_else(|| {
            Error::corrupt(
                "household key",
                format!(
                    "wrapped under master key {}, which this process does not have",
                    wrapped.master_key_id
                ),
            )
        })?;
        let sealed = Sealed {
            nonce: wrapped.nonce.clone(),
            ciphertext: wrapped.ciphertext.clone(),
        };
        master
            .unwrap(household, &sealed)
            .map_err(|err| Error::corrupt("household key", err))
    }

    fn knows(&self, master_key_id: &str) -> bool {
        self.masters
            .read()
            .expect("master keys lock")
            .by_id(master_key_id)
            .is_some()
    }

    /// Reads the master keys again, so a key rotated elsewhere unwraps here too and new keys
    /// are wrapped under the new master key. A failed reload keeps the keys this process has.
    fn reload_masters(&self) {
        let Some(reload) = &self.reload else {
            return;
        };
        match reload() {
            Ok(masters) => {
                let mut held = self.masters.write().expect("master keys lock");
                if held.current().id() != masters.current().id() {
                    tracing::info!(
                        current = masters.current().id(),
                        "now wrapping new household keys under a rotated master key"
                    );
                }
                *held = masters;
            }
            Err(err) => tracing::warn!(error = %err, "cannot reload the master keys"),
        }
    }

    /// Destroys the data key of `household`: its personal data, wherever it is stored sealed,
    /// can no longer be opened. Destroying a key that is already gone changes nothing.
    ///
    /// An empty tombstone takes the key's place (followers forget the key when they see it, and
    /// the household never gets a key again, so a write that raced the erasure cannot seal
    /// fresh data for it: [`Error::Erased`]); then every stored revision is erased by
    /// JetStream (overwritten on disk, not merely dropped from the index: a purge alone leaves
    /// the bytes in the stream's block files until they are compacted).
    ///
    /// # Errors
    /// [`Error::Unavailable`] when KV cannot be reached; the key may then still exist.
    pub async fn destroy(&self, household: &HouseholdId) -> Result<()> {
        let name = household.to_string();
        // The tombstone first: after it neither a create nor a re-wrap's compare-and-set can
        // add a revision, so the erasing below leaves nothing behind.
        self.bucket
            .put(name.as_str(), bytes::Bytes::new())
            .await
            .map_err(|err| Error::unavailable("destroying a household key", err))?;
        self.forget(household);
        self.shred(&name, None).await
    }

    /// Follows the bucket and drops every destroyed key from this process's cache, and reloads
    /// the master keys when a key shows up wrapped under an unknown one, until the watch ends
    /// (NATS gone for good). Only changes from now on are watched, so it first empties the
    /// cache and reads the master keys again.
    ///
    /// # Errors
    /// [`Error::Unavailable`] when the watch cannot start.
    pub async fn forget_destroyed(&self) -> Result<()> {
        let mut changes = self
            .bucket
            .watch_all()
            .await
            .map_err(|err| Error::unavailable("watching household keys", err))?;
        // What happened before the watch began (at start, or while NATS was away) is not
        // watched: start over from what the bucket holds now.
        {
            let mut cache = self.cache.lock().expect("key cache lock");
            self.forgotten.fetch_add(1, Ordering::SeqCst);
            cache.clear();
        }
        self.reload_masters();
        while let Some(change) = changes.next().await {
            // After an error the watch is done for (polling on would panic inside
            // async-nats): [`KeyStore::following`] starts a new one.
            let change =
                change.map_err(|err| Error::unavailable("watching household keys", err))?;
            if change.operation != kv::Operation::Put || change.value.is_empty() {
                if let Ok(household) = change.key.parse::<HouseholdId>() {
                    self.forget(&household);
                }
            } else if let Ok(wrapped) = v1::WrappedKey::decode(change.value)
                && !self.knows(&wrapped.master_key_id)
            {
                // Another process rotated the master key: wrap new keys under it from now on.
                self.reload_masters();
            }
        }
        Ok(())
    }

    fn forget(&self, household: &HouseholdId) {
        let mut cache = self.cache.lock().expect("key cache lock");
        self.forgotten.fetch_add(1, Ordering::SeqCst);
        cache.remove(household);
    }

    /// Caches a key read from (or written to) the bucket, unless something was forgotten since
    /// that began (`forgotten` as it was then): the read may predate a tombstone.
    fn remember(&self, household: HouseholdId, key: DataKey, forgotten: u64) {
        let mut cache = self.cache.lock().expect("key cache lock");
        if self.forgotten.load(Ordering::SeqCst) != forgotten {
            return;
        }
        if cache.len() >= CACHE_CAPACITY {
            cache.clear();
        }
        cache.insert(household, key);
    }
}

fn decode(bytes: &[u8]) -> Result<v1::WrappedKey> {
    v1::WrappedKey::decode(bytes).map_err(|err| Error::corrupt("household key", err))
}
