//! This process's copy of the person registry, kept current by a KV watch, so a write finds
//! the households of its persons in memory instead of with a round trip per person.
//!
//! Reading the copy is as reading the bucket a moment earlier (the watch's lag: milliseconds,
//! and this process's own changes are in the copy at once), which a lookup followed by a
//! publish could not rule out either. What must hold under races holds in JetStream: every
//! claim is an atomic create, so racing writers agree on one household, and a claim that
//! finds someone first is looked up in the bucket. Until the copy has caught up with the
//! bucket (at start, after a lost connection) every lookup goes to JetStream.

use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, RwLock};
use std::time::Duration;

use async_nats::jetstream::kv;
use futures::StreamExt;
use rondom_domain::HouseholdId;

use crate::error::{Error, Result};

/// What the bucket says of one key, at a revision.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum State {
    In(HouseholdId),
    Absent,
    /// A value that is not a household id: asked of JetStream, which reports it.
    Unreadable,
}

/// The registry's entries by key, each at the revision it was last seen.
#[derive(Debug, Default)]
pub(crate) struct RegistryCopy {
    entries: RwLock<HashMap<String, (u64, State)>>,
    current: AtomicBool,
}

impl RegistryCopy {
    /// Returns a copy that follows `bucket` from a background task for as long as the copy
    /// lives, starting again a second after the watch ends.
    pub(crate) fn following(bucket: kv::Store) -> Arc<Self> {
        let copy = Arc::new(Self::default());
        let weak = Arc::downgrade(&copy);
        tokio::spawn(async move {
            while let Some(copy) = weak.upgrade() {
                if let Err(err) = copy.follow(&bucket, Until::Ended).await {
                    tracing::debug!(error = %err, "person registry watch ended; starting again");
                }
                copy.current.store(false, Ordering::SeqCst);
                drop(copy);
                tokio::time::sleep(Duration::from_secs(1)).await;
            }
        });
        copy
    }

    /// Returns a copy of what `bucket` holds now that never follows it: a registry whose
    /// copy has fallen behind, for tests of what JetStream still guarantees then.
    pub(crate) async fn snapshot(bucket: &kv::Store) -> Result<Arc<Self>> {
        let copy = Self::default();
        copy.follow(bucket, Until::Current).await?;
        copy.current.store(true, Ordering::SeqCst);
        Ok(Arc::new(copy))
    }

    /// Returns whether the copy has caught up with the bucket, so lookups are answered from it.
    pub(crate) fn is_current(&self) -> bool {
        self.current.load(Ordering::SeqCst)
    }

    /// Returns what the copy knows of `key`: `Some(None)` when it is in no household, `None`
    /// when the copy cannot say (not caught up, or an unreadable value).
    pub(crate) fn get(&self, key: &str) -> Option<Option<HouseholdId>> {
        if !self.is_current() {
            return None;
        }
        match self.entries.read().expect("registry copy lock").get(key) {
            None | Some((_, State::Absent)) => Some(None),
            Some((_, State::In(household))) => Some(Some(*household)),
            Some((_, State::Unreadable)) => None,
        }
    }

    /// Notes this process's own change of `key` at `revision`, before the watch brings it.
    pub(crate) fn note(&self, key: &str, revision: u64, household: Option<HouseholdId>) {
        let state = household.map_or(State::Absent, State::In);
        self.apply(key, revision, state);
    }

    /// Takes in one change the watch brought.
    fn saw(&self, entry: &kv::Entry) {
        let state = match entry.operation {
            kv::Operation::Put => std::str::from_utf8(&entry.value)
                .ok()
                .and_then(|text| text.parse().ok())
                .map_or(State::Unreadable, State::In),
            kv::Operation::Delete | kv::Operation::Purge => State::Absent,
        };
        self.apply(&entry.key, entry.revision, state);
    }

    /// Keeps the newest of what is known and what comes in: a change the watch brings late
    /// never undoes a newer one noted by this process.
    fn apply(&self, key: &str, revision: u64, state: State) {
        let mut entries = self.entries.write().expect("registry copy lock");
        match entries.get_mut(key) {
            Some(known) if known.0 >= revision => {}
            Some(known) => *known = (revision, state),
            None => {
                entries.insert(key.to_owned(), (revision, state));
            }
        }
    }

    /// Reads the bucket from the start into the copy, then follows it until the watch ends
    /// or, with [`Until::Current`], until the copy has caught up.
    async fn follow(&self, bucket: &kv::Store, until: Until) -> Result<()> {
        let mut entries = bucket
            .watch_with_history(">")
            .await
            .map_err(|err| Error::unavailable("watching the person registry", err))?;
        // What changed while nobody watched is read again from the start.
        self.entries.write().expect("registry copy lock").clear();
        // An empty bucket sends nothing to say the copy caught up.
        if matches!(
            bucket.status().await.map(|status| status.values() == 0),
            Ok(true)
        ) {
            self.current.store(true, Ordering::SeqCst);
        }
        while !(until == Until::Current && self.is_current()) {
            let Some(entry) = entries.next().await else {
                break;
            };
            // After an error the watch is done for: the caller starts a new one.
            let entry =
                entry.map_err(|err| Error::unavailable("watching the person registry", err))?;
            self.saw(&entry);
            if entry.seen_current || entry.delta == 0 {
                self.current.store(true, Ordering::SeqCst);
            }
        }
        Ok(())
    }
}

/// How long [`RegistryCopy::follow`] follows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Until {
    /// Until the watch ends (a lost connection).
    Ended,
    /// Until the copy has caught up with the bucket.
    Current,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_late_change_never_undoes_a_newer_one() {
        let copy = RegistryCopy::default();
        copy.current.store(true, Ordering::SeqCst);
        let (old, new) = (HouseholdId::generate(), HouseholdId::generate());
        assert_eq!(copy.get("p"), Some(None), "unknown: in no household");
        copy.note("p", 7, Some(new));
        copy.note("p", 5, Some(old));
        assert_eq!(copy.get("p"), Some(Some(new)));
        copy.note("p", 8, None);
        assert_eq!(copy.get("p"), Some(None), "left");
        copy.apply("q", 3, State::Unreadable);
        assert_eq!(copy.get("q"), None, "asked of JetStream");
        copy.current.store(false, Ordering::SeqCst);
        assert_eq!(copy.get("p"), None, "not caught up: asked of JetStream");
    }
}
