//! The read model in sled. One tree per projection; every batch of events, its dedup records
//! and the checkpoint are written in one transaction, so after a crash the model is exactly
//! the state after some batch and replaying from its checkpoint neither loses nor doubles.
//!
//! Keys are big-endian bytes so scans come out in order: a timeline key is the household id
//! followed by the stream position.

use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};
use std::path::{Path, PathBuf};
use std::sync::{Arc, RwLock};

use prost::Message;
use rondom_bus::ReceivedEvent;
use rondom_domain::HouseholdId;
use rondom_domain::bylaw::BylawTerms;
use sled::Transactional;
use sled::transaction::{ConflictableTransactionError, TransactionError};

use crate::error::{Error, Result};
use crate::quarantine::{QuarantinedEvent, Retried, panic_reason};
use rondom_fold::{StoredHousehold, StoredTimelineEntry};

const CHECKPOINT_KEY: &[u8] = b"checkpoint";
/// The digest of the calendar and fold version the model was folded with ([`folded_with`]).
const CALENDAR_KEY: &[u8] = b"calendar";

/// sled's page cache, in MiB, unless the projector is told otherwise: enough to keep the views
/// of about 100,000 households in memory while a million events stream through.
pub const DEFAULT_CACHE_MB: u64 = 128;

/// One stored entry: its tree, key and value.
pub type Entry = (&'static str, Vec<u8>, Vec<u8>);

/// What applying a batch did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Applied {
    /// Events folded into views.
    pub events: usize,
    /// Events skipped because their id was applied before (a retry after the dedup window).
    pub duplicates: usize,
    /// Events skipped because the checkpoint already covered them (a replay).
    pub replayed: usize,
    /// Events the fold could not apply, set aside in the quarantine.
    pub quarantined: usize,
}

impl std::ops::AddAssign for Applied {
    fn add_assign(&mut self, other: Applied) {
        self.events += other.events;
        self.duplicates += other.duplicates;
        self.replayed += other.replayed;
        self.quarantined += other.quarantined;
    }
}

/// Which part of a household's timeline to read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TimelineQuery {
    pub household: HouseholdId,
    /// Only these pillar numbers; empty for all.
    pub pillars: Vec<i32>,
    pub oldest_first: bool,
    /// Continue after (oldest first) or before (newest first) this position.
    pub after: Option<u64>,
    pub limit: usize,
}

/// One page of a timeline.
#[derive(Debug, Clone, PartialEq)]
pub struct TimelinePage {
    pub entries: Vec<(u64, StoredTimelineEntry)>,
    /// Position to continue from, when more entries follow.
    pub next: Option<u64>,
}

/// A household's view as stored: the same bytes, the same view. Readers that share the work
/// of one event compare it to tell whether what they made of the view still holds.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EncodedView(sled::IVec);

impl EncodedView {
    /// `view` encoded as the read model stores it.
    pub fn of(view: &StoredHousehold) -> Self {
        Self(view.encode_to_vec().into())
    }

    /// Decodes the view.
    ///
    /// # Errors
    /// [`Error::Corrupt`] for bytes that are not a view.
    pub fn decode(&self) -> Result<StoredHousehold> {
        StoredHousehold::decode(self.0.as_ref()).map_err(|_| Error::Corrupt {
            what: "household view",
        })
    }
}

/// The sled read model. Clones share it.
#[derive(Debug, Clone)]
pub struct ReadModel {
    path: PathBuf,
    cache_bytes: u64,
    /// `None` between closing after a storage failure and opening again.
    trees: Arc<RwLock<Option<Arc<Trees>>>>,
    bylaws: Arc<BylawTerms>,
    /// [`rondom_fold::fold`]; a unit test puts in one that fails, to test the quarantine.
    fold: Fold,
}

/// The events on the log of households, oldest first: what the projector folds a household
/// again from (one a rectification names, or one whose set-aside event is retried).
pub type Histories = HashMap<HouseholdId, Vec<ReceivedEvent>>;

/// Returns the event id a rectification names; `None` for any other event.
pub(crate) fn rectified(received: &ReceivedEvent) -> Option<&str> {
    match &received.event.body {
        Some(rondom_proto::v1::event::Body::Rectificatie(rectificatie)) => {
            Some(rectificatie.event_id.as_str())
        }
        _ => None,
    }
}

/// How one event folds into its household's view.
type Fold = fn(&mut StoredHousehold, &ReceivedEvent, &BylawTerms) -> rondom_fold::Folded;

/// The open database and its trees.
#[derive(Debug)]
struct Trees {
    db: sled::Db,
    meta: sled::Tree,
    households: sled::Tree,
    timeline: sled::Tree,
    event_ids: sled::Tree,
    deadlines: sled::Tree,
    /// Events the fold could not apply, by position ([`crate::quarantine`]).
    quarantine: sled::Tree,
}

/// How long opening waits for sled's lock on a model's directory. A handle this process just
/// dropped can keep it a moment (sled's background work holds the file until it is done: a
/// rebuilt generation opened right after the rebuild); a model another process has open is
/// still refused, after this.
const LOCK_WAIT: std::time::Duration = std::time::Duration::from_secs(2);

impl Trees {
    fn open(path: &Path, cache_bytes: u64) -> Result<Self> {
        let config = sled::Config::new().path(path).cache_capacity(cache_bytes);
        let deadline = std::time::Instant::now() + LOCK_WAIT;
        let db = loop {
            match config.open() {
                Err(sled::Error::Io(err))
                    if err.to_string().contains("could not acquire lock")
                        && std::time::Instant::now() < deadline =>
                {
                    std::thread::sleep(std::time::Duration::from_millis(20));
                }
                opened => break opened?,
            }
        };
        Ok(Self {
            meta: db.open_tree("meta")?,
            households: db.open_tree("households")?,
            timeline: db.open_tree("timeline")?,
            event_ids: db.open_tree("event_ids")?,
            deadlines: db.open_tree("deadlines")?,
            quarantine: db.open_tree("quarantine")?,
            db,
        })
    }
}

/// Returns the error of a sled transaction that failed; ours never abort themselves.
fn storage_error(err: TransactionError<()>) -> Error {
    match err {
        TransactionError::Storage(storage) => Error::Storage(storage),
        TransactionError::Abort(()) => unreachable!("the transaction never aborts itself"),
    }
}

/// Sets the metric of quarantined events (health reads it too).
fn report_quarantine(trees: &Trees) {
    let count = i64::try_from(trees.quarantine.len()).unwrap_or(i64::MAX);
    rondom_runtime::metrics::metrics()
        .projector_quarantined
        .set(count);
}

/// Returns the timeline key of `position` in `household`.
pub fn timeline_key(household: &HouseholdId, position: u64) -> [u8; 24] {
    let mut key = [0u8; 24];
    key[..16].copy_from_slice(household.as_bytes());
    key[16..].copy_from_slice(&position.to_be_bytes());
    key
}

/// Returns the deadline index key: due day, household, starting position, rule. Scans in
/// key order meet the most urgent deadlines first.
pub fn deadline_key(due: i32, household: &HouseholdId, position: u64, rule: &str) -> Vec<u8> {
    let mut key = Vec::with_capacity(28 + rule.len());
    // Day numbers are positive for every date we handle; the flip keeps any in order.
    key.extend_from_slice(&((due as u32) ^ 0x8000_0000).to_be_bytes());
    key.extend_from_slice(household.as_bytes());
    key.extend_from_slice(&position.to_be_bytes());
    key.extend_from_slice(rule.as_bytes());
    key
}

/// Returns the due day and household of a deadline index key.
pub fn parse_deadline_key(key: &[u8]) -> Result<(i32, HouseholdId)> {
    let corrupt = || Error::Corrupt {
        what: "deadline index key",
    };
    let due: [u8; 4] = key
        .get(..4)
        .and_then(|b| b.try_into().ok())
        .ok_or_else(corrupt)?;
    let household: [u8; 16] = key
        .get(4..20)
        .and_then(|b| b.try_into().ok())
        .ok_or_else(corrupt)?;
    Ok((
        (u32::from_be_bytes(due) ^ 0x8000_0000) as i32,
        HouseholdId::from_bytes(household),
    ))
}

/// Returns the index keys of a household's actionable deadlines, most urgent first.
pub fn open_deadline_keys(
    household_id: &HouseholdId,
    household: &StoredHousehold,
) -> BTreeSet<Vec<u8>> {
    open_deadline_keys_in(household_id, household, None)
}

/// As [`open_deadline_keys`], only those of `pillar` when one is given.
pub fn open_deadline_keys_in(
    household_id: &HouseholdId,
    household: &StoredHousehold,
    pillar: Option<i32>,
) -> BTreeSet<Vec<u8>> {
    household
        .deadlines
        .iter()
        .filter(|deadline| deadline.is_actionable())
        .filter(|deadline| pillar.is_none_or(|pillar| deadline.pillar == pillar))
        .map(|deadline| {
            deadline_key(
                deadline.due,
                household_id,
                deadline.started_position,
                &deadline.rule,
            )
        })
        .collect()
}

fn position_of(key: &[u8]) -> Result<u64> {
    let bytes: [u8; 8] = key
        .get(16..24)
        .and_then(|slice| slice.try_into().ok())
        .ok_or(Error::Corrupt {
            what: "timeline key",
        })?;
    Ok(u64::from_be_bytes(bytes))
}

/// What one batch folded, ready to be written together.
struct Batch {
    households: HashMap<HouseholdId, StoredHousehold>,
    /// Each household's deadline index keys before the batch touched it.
    indexed_before: HashMap<HouseholdId, BTreeSet<Vec<u8>>>,
    timeline: BTreeMap<[u8; 24], StoredTimelineEntry>,
    event_ids: sled::Batch,
    checkpoint: u64,
}

impl ReadModel {
    /// Opens (or creates) the read model at `path`.
    ///
    /// # Errors
    /// [`Error::Storage`] when sled cannot open it, e.g. because another process holds it.
    pub fn open(path: &Path) -> Result<Self> {
        Self::open_with_cache(path, DEFAULT_CACHE_MB)
    }

    /// Opens the read model at `path` with a page cache of `cache_mb` MiB.
    ///
    /// # Errors
    /// As [`ReadModel::open`].
    pub fn open_with_cache(path: &Path, cache_mb: u64) -> Result<Self> {
        let cache_bytes = cache_mb.saturating_mul(1024 * 1024);
        let trees = Trees::open(path, cache_bytes)?;
        report_quarantine(&trees);
        Ok(Self {
            trees: Arc::new(RwLock::new(Some(Arc::new(trees)))),
            path: path.to_owned(),
            cache_bytes,
            bylaws: Arc::new(BylawTerms::default()),
            fold: rondom_fold::fold,
        })
    }

    /// Closes the database and opens it again. After a failed write (a full disk) sled refuses
    /// every later write until it is opened again; opening recovers the state after the last
    /// complete transaction, so the checkpoint and the views still agree.
    ///
    /// # Errors
    /// [`Error::Storage`] when it cannot be opened (the disk is still full, or a reader still
    /// holds the old one); the model stays closed ([`Error::Closed`]) until a later try.
    pub fn reopen(&self) -> Result<()> {
        // Readers that took the trees before keep them a moment: sled's lock on the
        // directory goes with the last of them. Opened outside the lock, which readers wait
        // on (they are answered `Closed` meanwhile), as opening may wait for sled's lock.
        drop(self.trees.write().expect("read model lock").take());
        let trees = Arc::new(Trees::open(&self.path, self.cache_bytes)?);
        *self.trees.write().expect("read model lock") = Some(trees);
        Ok(())
    }

    fn trees(&self) -> Result<Arc<Trees>> {
        self.trees
            .read()
            .expect("read model lock")
            .clone()
            .ok_or(Error::Closed)
    }

    /// Returns the model counting bylaw terms as `bylaws` sets them per gemeente.
    #[must_use]
    pub fn with_bylaws(mut self, bylaws: Arc<BylawTerms>) -> Self {
        self.bylaws = bylaws;
        self
    }

    /// Returns whether the model was folded with the calendar and fold whose digest is
    /// `digest` ([`folded_with`]); an
    /// empty model takes it on now. A model folded with another calendar (or before the
    /// calendar was recorded) must be folded again for its due dates to be right.
    ///
    /// # Errors
    /// [`Error::Storage`].
    pub fn folded_with_calendar(&self, digest: [u8; 32]) -> Result<bool> {
        let trees = self.trees()?;
        if trees.meta.get(CHECKPOINT_KEY)?.is_none() {
            trees.meta.insert(CALENDAR_KEY, &digest)?;
            return Ok(true);
        }
        Ok(trees.meta.get(CALENDAR_KEY)?.as_deref() == Some(digest.as_slice()))
    }

    /// Returns the last stream position applied (0 for an empty model).
    ///
    /// # Errors
    /// [`Error::Storage`] or [`Error::Corrupt`].
    pub fn checkpoint(&self) -> Result<u64> {
        let trees = self.trees()?;
        match trees.meta.get(CHECKPOINT_KEY)? {
            None => Ok(0),
            Some(bytes) => {
                let bytes: [u8; 8] = bytes
                    .as_ref()
                    .try_into()
                    .map_err(|_| Error::Corrupt { what: "checkpoint" })?;
                Ok(u64::from_be_bytes(bytes))
            }
        }
    }

    /// Applies `events` (in stream order) and moves the checkpoint to `through`, in sled
    /// transactions: each part is stored whole, or not at all. An event the fold cannot apply
    /// (it panicked: a bug its input reached) is set aside in the quarantine with its reason,
    /// its household marked incomplete, and the events around it applied: one event never
    /// stops the read model.
    ///
    /// # Errors
    /// [`Error::Storage`] when sled fails; nothing of the failing part was written then.
    pub fn apply(&self, events: &[ReceivedEvent], through: u64) -> Result<Applied> {
        self.apply_with(events, through, &Histories::new())
    }

    /// [`ReadModel::apply`], with the log of each household a rectification in `events`
    /// names ([`Histories`]): such a household is folded again without the wrong fact.
    ///
    /// # Errors
    /// As [`ReadModel::apply`].
    pub fn apply_with(
        &self,
        events: &[ReceivedEvent],
        through: u64,
        histories: &Histories,
    ) -> Result<Applied> {
        let mut applied = Applied::default();
        let mut rest = events;
        loop {
            match self.apply_batch(rest, through, histories) {
                Ok(batch) => {
                    applied += batch;
                    return Ok(applied);
                }
                Err(Error::Unappliable { index, reason }) => {
                    let (before, after) = rest.split_at(index);
                    let poisoned = &after[0];
                    // The fold is pure: what came before folds again as it did.
                    applied +=
                        self.apply_batch(before, poisoned.position.saturating_sub(1), histories)?;
                    self.quarantine(poisoned, &reason)?;
                    applied.quarantined += 1;
                    rest = &after[1..];
                }
                Err(err) => return Err(err),
            }
        }
    }

    /// Sets `received` aside with `reason`: the quarantine record, the household's mark and
    /// the checkpoint past it, in one transaction.
    fn quarantine(&self, received: &ReceivedEvent, reason: &str) -> Result<()> {
        let trees = self.trees()?;
        let household_id = received.envelope.subject;
        tracing::error!(
            position = received.position,
            household = %household_id,
            r#type = %received.envelope.event_type,
            reason,
            "event quarantined: the projector cannot apply it"
        );
        let record = QuarantinedEvent {
            position: received.position,
            household_id: household_id.to_string(),
            event_id: received.envelope.id.to_string(),
            event_type: received.envelope.event_type.to_string(),
            reason: reason.to_owned(),
        };
        let mut household = self.household(&household_id)?.unwrap_or_default();
        if !household.quarantined.contains(&received.position) {
            household.quarantined.push(received.position);
        }
        household.last_position = household.last_position.max(received.position);
        let checkpoint = self.checkpoint()?.max(received.position);
        (&trees.meta, &trees.households, &trees.quarantine)
            .transaction(|(meta_tx, households_tx, quarantine_tx)| {
                quarantine_tx.insert(&received.position.to_be_bytes(), record.encode_to_vec())?;
                households_tx.insert(household_id.as_bytes(), household.encode_to_vec())?;
                meta_tx.insert(CHECKPOINT_KEY, &checkpoint.to_be_bytes())?;
                Ok::<(), ConflictableTransactionError<()>>(())
            })
            .map_err(storage_error)?;
        report_quarantine(&trees);
        Ok(())
    }

    /// Applies each quarantined event of `events` (read back from the log at their positions)
    /// again and releases those that apply. Its household is folded afresh from its log in
    /// `histories`, with the event in its place: the view a rebuild makes, so an event applied
    /// late is not folded after what came after it, and a rectification takes its fact out.
    ///
    /// # Errors
    /// [`Error::Storage`] or [`Error::Corrupt`].
    pub fn retry_quarantined(
        &self,
        events: &[ReceivedEvent],
        histories: &Histories,
    ) -> Result<Retried> {
        let mut retried = Retried::default();
        for received in events {
            let household: HouseholdId = received.envelope.subject;
            let Some(history) = histories.get(&household) else {
                retried.still.push((
                    received.position,
                    "its household's log was not given".to_owned(),
                ));
                continue;
            };
            match self.reapply(received, history) {
                Ok(()) => {
                    self.release(received.position, &household)?;
                    retried.applied.push(received.position);
                }
                Err(Error::Unappliable { reason, .. }) => {
                    retried.still.push((received.position, reason));
                }
                Err(err) => return Err(err),
            }
        }
        Ok(retried)
    }

    /// Returns the quarantined events, oldest first.
    ///
    /// # Errors
    /// [`Error::Storage`] or [`Error::Corrupt`].
    pub fn quarantined(&self) -> Result<Vec<QuarantinedEvent>> {
        let trees = self.trees()?;
        trees
            .quarantine
            .iter()
            .map(|entry| {
                let (_, value) = entry?;
                QuarantinedEvent::decode(value.as_ref()).map_err(|_| Error::Corrupt {
                    what: "quarantine record",
                })
            })
            .collect()
    }

    /// Takes the record of the event at `position` out of the quarantine and its mark off its
    /// household, once it was applied after all.
    ///
    /// # Errors
    /// [`Error::Storage`].
    pub fn release(&self, position: u64, household_id: &HouseholdId) -> Result<()> {
        let trees = self.trees()?;
        let mut household = self.household(household_id)?.unwrap_or_default();
        household
            .quarantined
            .retain(|quarantined| *quarantined != position);
        (&trees.households, &trees.quarantine)
            .transaction(|(households_tx, quarantine_tx)| {
                quarantine_tx.remove(&position.to_be_bytes())?;
                households_tx.insert(household_id.as_bytes(), household.encode_to_vec())?;
                Ok::<(), ConflictableTransactionError<()>>(())
            })
            .map_err(storage_error)?;
        report_quarantine(&trees);
        Ok(())
    }

    /// Applies one quarantined event again, behind the checkpoint (see
    /// [`ReadModel::retry_quarantined`]): its household's view is folded afresh from
    /// `history` up to the checkpoint with `received` in its place, leaving out the facts
    /// rectified, duplicates and the events still set aside. Its timeline entry is added
    /// (marking the fact it rectifies); the other entries stay as they were written.
    ///
    /// # Errors
    /// [`Error::Unappliable`] when the fold panics, [`Error::Storage`] when sled fails;
    /// nothing was written then.
    fn reapply(&self, received: &ReceivedEvent, history: &[ReceivedEvent]) -> Result<()> {
        let trees = self.trees()?;
        let checkpoint = self.checkpoint()?;
        let household_id = received.envelope.subject;
        let mut households = HashMap::new();
        let mut indexed_before = HashMap::new();
        let household = self.in_batch(&mut households, &mut indexed_before, household_id)?;
        // A log that does not reach what the view has seen would fold the household short.
        let read_to = history
            .iter()
            .map(|event| event.position)
            .max()
            .unwrap_or(0);
        if read_to < household.last_position.min(checkpoint) {
            return Err(Error::Unappliable {
                index: 0,
                reason: format!(
                    "the household's log was read to position {read_to} only, its view is at {}",
                    household.last_position
                ),
            });
        }
        let still: Vec<u64> = household
            .quarantined
            .iter()
            .copied()
            .filter(|&position| position != received.position)
            .collect();
        let mut log: Vec<&ReceivedEvent> = history
            .iter()
            .filter(|event| {
                event.position <= checkpoint
                    && event.position != received.position
                    && !still.contains(&event.position)
            })
            .chain(std::iter::once(received))
            .collect();
        log.sort_by_key(|event| event.position);
        let wrong: HashSet<&str> = log.iter().filter_map(|event| rectified(event)).collect();
        let own_id = received.envelope.id.to_string();
        let mut at = received.position;
        let (mut view, own) = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
            self.fold_log(
                log.iter().copied(),
                &wrong,
                Some(received.position),
                &mut at,
            )
        }))
        .map_err(|panic| Error::Unappliable {
            index: 0,
            reason: format!(
                "folding its household again, at position {at}: {}",
                panic_reason(panic.as_ref())
            ),
        })?;
        view.last_position = view.last_position.max(household.last_position);
        view.quarantined = still;
        let erased_after = view
            .erasure
            .as_ref()
            .is_some_and(|erasure| erasure.position > received.position);
        *household = view;

        let mut timeline = BTreeMap::new();
        let mut event_ids = sled::Batch::default();
        // None: a duplicate of an event folded before it; its view is all there is.
        if let Some(own) = own {
            if own.erased {
                self.erase_free_text(&household_id, &mut timeline)?;
            }
            if let Some(wrong) = rectified(received)
                .and_then(|wrong| log.iter().find(|e| e.envelope.id.to_string() == wrong))
            {
                self.mark_rectified(
                    &mut timeline,
                    &household_id,
                    wrong.position,
                    received.position,
                )?;
            }
            timeline.insert(timeline_key(&household_id, received.position), own.entry);
            // A later rectification of it, and a later erasure, found no entry to change.
            if let Some(by) = log.iter().find(|e| rectified(e) == Some(own_id.as_str())) {
                self.mark_rectified(&mut timeline, &household_id, received.position, by.position)?;
            }
            if erased_after {
                self.erase_free_text(&household_id, &mut timeline)?;
            }
            event_ids.insert(
                received.envelope.id.as_bytes(),
                &received.position.to_be_bytes(),
            );
        }
        Self::commit(
            &trees,
            Batch {
                households,
                indexed_before,
                timeline,
                event_ids,
                checkpoint,
            },
        )
    }

    /// Applies `events` and moves the checkpoint to `through`, which covers the last message
    /// of the batch even when it was not a well-formed event. One transaction: all of it is
    /// stored, or none.
    ///
    /// # Errors
    /// [`Error::Storage`] when sled fails, [`Error::Unappliable`] when the fold panics;
    /// nothing was written then.
    fn apply_batch(
        &self,
        events: &[ReceivedEvent],
        through: u64,
        histories: &Histories,
    ) -> Result<Applied> {
        let trees = self.trees()?;
        let checkpoint = self.checkpoint()?;
        let mut applied = Applied::default();
        let mut households: HashMap<HouseholdId, StoredHousehold> = HashMap::new();
        // The household's index keys before this batch touched it.
        let mut indexed_before: HashMap<HouseholdId, BTreeSet<Vec<u8>>> = HashMap::new();
        let mut seen_ids = HashSet::new();
        // Timeline entries written by this batch, by key (an erasure rewrites earlier ones).
        let mut timeline: BTreeMap<[u8; 24], StoredTimelineEntry> = BTreeMap::new();
        let mut event_ids = sled::Batch::default();

        for (index, received) in events.iter().enumerate() {
            if received.position <= checkpoint {
                applied.replayed += 1;
                continue;
            }
            let id = received.envelope.id;
            let household_id = received.envelope.subject;
            let household = self.in_batch(&mut households, &mut indexed_before, household_id)?;
            if !seen_ids.insert(id) || trees.event_ids.contains_key(id.as_bytes())? {
                // The event is on the stream all the same: a regie write must expect its
                // position, or it would never match the household's last event again.
                household.last_position = household.last_position.max(received.position);
                applied.duplicates += 1;
                continue;
            }
            let wrong = rectified(received).and_then(|wrong| {
                histories
                    .get(&household_id)
                    .and_then(|history| history.iter().find(|e| e.envelope.id.to_string() == wrong))
                    .map(|wrong| wrong.position)
            });
            // The fold is total by design; should a bug still panic, the panic is caught here
            // and the event quarantined by `apply` instead of stopping every household.
            let folded = match std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
                if wrong.is_some()
                    && let Some(history) = histories.get(&household_id)
                {
                    *household = self.refold(history, received.position, &household.quarantined);
                }
                (self.fold)(household, received, &self.bylaws)
            })) {
                Ok(folded) => folded,
                Err(panic) => {
                    return Err(Error::Unappliable {
                        index,
                        reason: panic_reason(panic.as_ref()),
                    });
                }
            };
            if folded.erased {
                self.erase_free_text(&household_id, &mut timeline)?;
            }
            if let Some(wrong) = wrong {
                self.mark_rectified(&mut timeline, &household_id, wrong, received.position)?;
            }
            timeline.insert(timeline_key(&household_id, received.position), folded.entry);
            event_ids.insert(id.as_bytes(), &received.position.to_be_bytes());
            applied.events += 1;
        }

        let batch = Batch {
            households,
            indexed_before,
            timeline,
            event_ids,
            checkpoint: through.max(checkpoint),
        };
        Self::commit(&trees, batch)?;
        Ok(applied)
    }

    /// Writes what a batch folded in one sled transaction: the views, their deadline index
    /// keys, the timeline entries, the event ids and the checkpoint.
    fn commit(trees: &Trees, mut batch: Batch) -> Result<()> {
        let mut household_batch = sled::Batch::default();
        let mut deadline_batch = sled::Batch::default();
        for (id, household) in &batch.households {
            if household.event_count == 0 {
                continue; // only duplicates of a household this model never saw
            }
            household_batch.insert(id.as_bytes(), household.encode_to_vec());
            let after = open_deadline_keys(id, household);
            let before = batch.indexed_before.remove(id).unwrap_or_default();
            for gone in before.difference(&after) {
                deadline_batch.remove(gone.as_slice());
            }
            for new in after.difference(&before) {
                deadline_batch.insert(new.as_slice(), &[]);
            }
        }
        let mut timeline_batch = sled::Batch::default();
        for (key, entry) in &batch.timeline {
            timeline_batch.insert(key, entry.encode_to_vec());
        }
        let mut meta = sled::Batch::default();
        meta.insert(CHECKPOINT_KEY, &batch.checkpoint.to_be_bytes());

        (
            &trees.meta,
            &trees.households,
            &trees.timeline,
            &trees.event_ids,
            &trees.deadlines,
        )
            .transaction(
                |(meta_tx, households_tx, timeline_tx, event_ids_tx, deadlines_tx)| {
                    households_tx.apply_batch(&household_batch)?;
                    timeline_tx.apply_batch(&timeline_batch)?;
                    event_ids_tx.apply_batch(&batch.event_ids)?;
                    deadlines_tx.apply_batch(&deadline_batch)?;
                    meta_tx.apply_batch(&meta)?;
                    Ok::<(), ConflictableTransactionError<()>>(())
                },
            )
            .map_err(storage_error)?;
        Ok(())
    }

    /// The household as the log before `before` makes it without the facts rectified so far
    /// (and without its quarantined events, which are not folded either).
    fn refold(
        &self,
        history: &[ReceivedEvent],
        before: u64,
        quarantined: &[u64],
    ) -> StoredHousehold {
        let folded = || {
            history
                .iter()
                .filter(|e| e.position <= before && !quarantined.contains(&e.position))
        };
        // A rectification set aside is not folded, so it takes nothing out either.
        let wrong: HashSet<&str> = folded().filter_map(rectified).collect();
        let log = folded().filter(|e| e.position < before);
        let (mut household, _) = self.fold_log(log, &wrong, None, &mut 0);
        household.quarantined = quarantined.to_vec();
        household
    }

    /// The view the events of `log` make, folded in their order as a rebuild folds them:
    /// each event once, in its first place, without the facts in `wrong`. Also returns what
    /// the fold made of the event at position `own` (a fact in `wrong` gets its entry all
    /// the same, folded into a copy); `at` follows the event being folded, to say where a
    /// panic came from.
    fn fold_log<'a>(
        &self,
        log: impl IntoIterator<Item = &'a ReceivedEvent>,
        wrong: &HashSet<&str>,
        own: Option<u64>,
        at: &mut u64,
    ) -> (StoredHousehold, Option<rondom_fold::Folded>) {
        let mut view = StoredHousehold::default();
        let mut seen = HashSet::new();
        let mut own_folded = None;
        for event in log {
            *at = event.position;
            let is_own = own == Some(event.position);
            if !seen.insert(event.envelope.id) {
                continue; // a duplicate: folded once, in its first place
            }
            if wrong.contains(event.envelope.id.to_string().as_str()) {
                if is_own {
                    own_folded = Some((self.fold)(&mut view.clone(), event, &self.bylaws));
                }
                continue;
            }
            let folded = (self.fold)(&mut view, event, &self.bylaws);
            if is_own {
                own_folded = Some(folded);
            }
        }
        (view, own_folded)
    }

    /// Marks the timeline entry at `wrong` as rectified by the event at `by`.
    fn mark_rectified(
        &self,
        timeline: &mut BTreeMap<[u8; 24], StoredTimelineEntry>,
        household: &HouseholdId,
        wrong: u64,
        by: u64,
    ) -> Result<()> {
        let key = timeline_key(household, wrong);
        let stored = match timeline.remove(&key) {
            Some(entry) => Some(entry),
            None => self
                .trees()?
                .timeline
                .get(key)?
                .map(|bytes| StoredTimelineEntry::decode(bytes.as_ref()))
                .transpose()
                .map_err(|_| Error::Corrupt {
                    what: "timeline entry",
                })?,
        };
        if let Some(mut entry) = stored {
            entry.rectified_by = by;
            timeline.insert(key, entry);
        }
        Ok(())
    }

    /// Returns the batch's copy of `id`'s view, loading it (and its index keys as they were)
    /// on first use.
    fn in_batch<'a>(
        &self,
        households: &'a mut HashMap<HouseholdId, StoredHousehold>,
        indexed_before: &mut HashMap<HouseholdId, BTreeSet<Vec<u8>>>,
        id: HouseholdId,
    ) -> Result<&'a mut StoredHousehold> {
        Ok(match households.entry(id) {
            std::collections::hash_map::Entry::Occupied(entry) => entry.into_mut(),
            std::collections::hash_map::Entry::Vacant(entry) => {
                let stored = self.household(&id)?.unwrap_or_default();
                indexed_before.insert(id, open_deadline_keys(&id, &stored));
                entry.insert(stored)
            }
        })
    }

    /// Returns every entry of every tree (checkpoint, views, timelines, indexes), tree by tree
    /// in key order: two models hold the same state exactly when these are equal, which is how
    /// a model that lived through crashes is held against a clean rebuild.
    ///
    /// # Errors
    /// [`Error::Storage`].
    pub fn entries(&self) -> Result<Vec<Entry>> {
        let trees = self.trees()?;
        let trees = [
            ("meta", &trees.meta),
            ("households", &trees.households),
            ("timeline", &trees.timeline),
            ("event_ids", &trees.event_ids),
            ("deadlines", &trees.deadlines),
            ("quarantine", &trees.quarantine),
        ];
        let mut entries = Vec::new();
        for (name, tree) in trees {
            for entry in tree.iter() {
                let (key, value) = entry?;
                entries.push((name, key.to_vec(), value.to_vec()));
            }
        }
        Ok(entries)
    }

    /// Returns the stored view of `household`.
    ///
    /// # Errors
    /// [`Error::Storage`] or [`Error::Corrupt`].
    pub fn household(&self, household: &HouseholdId) -> Result<Option<StoredHousehold>> {
        let trees = self.trees()?;
        trees
            .households
            .get(household.as_bytes())?
            .map(|bytes| {
                StoredHousehold::decode(bytes.as_ref()).map_err(|_| Error::Corrupt {
                    what: "household view",
                })
            })
            .transpose()
    }

    /// Returns the view of `household` as stored, not decoded: what tells whether it changed
    /// since it was last read ([`EncodedView`]).
    ///
    /// # Errors
    /// [`Error::Storage`].
    pub fn encoded_household(&self, household: &HouseholdId) -> Result<Option<EncodedView>> {
        let trees = self.trees()?;
        Ok(trees.households.get(household.as_bytes())?.map(EncodedView))
    }

    /// Returns the position at which the event `id` was applied: the first time it came. A
    /// later copy of it on the log (a key used again after JetStream's duplicate window) is
    /// not in any view, so nothing that reads the log should count it either.
    ///
    /// # Errors
    /// [`Error::Storage`] or [`Error::Corrupt`].
    pub fn first_position_of(&self, id: &rondom_domain::EventId) -> Result<Option<u64>> {
        let trees = self.trees()?;
        trees
            .event_ids
            .get(id.as_bytes())?
            .map(|bytes| {
                <[u8; 8]>::try_from(bytes.as_ref())
                    .map(u64::from_be_bytes)
                    .map_err(|_| Error::Corrupt { what: "event id" })
            })
            .transpose()
    }

    /// Whether the model applied (or quarantined) the event `id` at or before `position`.
    ///
    /// # Errors
    /// [`Error::Storage`] or [`Error::Corrupt`].
    pub fn holds(&self, position: u64, id: &rondom_domain::EventId) -> Result<bool> {
        if self
            .first_position_of(id)?
            .is_some_and(|first| first <= position)
        {
            return Ok(true);
        }
        let trees = self.trees()?;
        Ok(trees.quarantine.contains_key(position.to_be_bytes())?)
    }

    /// Returns whether a view of `household` exists, without decoding it.
    ///
    /// # Errors
    /// [`Error::Storage`].
    pub fn has_household(&self, household: &HouseholdId) -> Result<bool> {
        let trees = self.trees()?;
        Ok(trees.households.contains_key(household.as_bytes())?)
    }

    /// Clears the sealed free text of every timeline entry of `household`, stored or written
    /// earlier in this batch: after an erasure nothing sealed under its key stays behind.
    fn erase_free_text(
        &self,
        household: &HouseholdId,
        batch: &mut BTreeMap<[u8; 24], StoredTimelineEntry>,
    ) -> Result<()> {
        let trees = self.trees()?;
        let range = timeline_key(household, 0)..=timeline_key(household, u64::MAX);
        for item in trees.timeline.range(range.clone()) {
            let (key, bytes) = item?;
            let Ok(key) = <[u8; 24]>::try_from(key.as_ref()) else {
                continue;
            };
            if batch.contains_key(&key) {
                continue;
            }
            let entry =
                StoredTimelineEntry::decode(bytes.as_ref()).map_err(|_| Error::Corrupt {
                    what: "timeline entry",
                })?;
            batch.insert(key, entry);
        }
        for (_, entry) in batch.range_mut(range) {
            entry.summary = None;
        }
        Ok(())
    }

    /// Returns one page of a household's timeline.
    ///
    /// # Errors
    /// [`Error::Storage`] or [`Error::Corrupt`].
    pub fn timeline(&self, query: &TimelineQuery) -> Result<TimelinePage> {
        let trees = self.trees()?;
        let start = timeline_key(&query.household, 0);
        let end = timeline_key(&query.household, u64::MAX);
        let range = match (query.oldest_first, query.after) {
            (true, Some(after)) => trees
                .timeline
                .range(timeline_key(&query.household, after.saturating_add(1))..=end),
            (false, Some(before)) => trees
                .timeline
                .range(start..timeline_key(&query.household, before)),
            (_, None) => trees.timeline.range(start..=end),
        };
        let mut iter: Box<dyn Iterator<Item = sled::Result<(sled::IVec, sled::IVec)>>> =
            if query.oldest_first {
                Box::new(range)
            } else {
                Box::new(range.rev())
            };
        let mut entries = Vec::with_capacity(query.limit);
        let mut next = None;
        for item in iter.by_ref() {
            let (key, value) = item?;
            let entry =
                StoredTimelineEntry::decode(value.as_ref()).map_err(|_| Error::Corrupt {
                    what: "timeline entry",
                })?;
            if !query.pillars.is_empty() && !query.pillars.contains(&entry.pillar) {
                continue;
            }
            let position = position_of(&key)?;
            if entries.len() == query.limit {
                // Another matching entry exists: continue from the last one returned.
                next = entries.last().map(|(last, _)| *last);
                break;
            }
            entries.push((position, entry));
        }
        Ok(TimelinePage { entries, next })
    }

    /// Returns deadline index keys in urgency order, starting after `after`.
    pub fn deadline_index(
        &self,
        after: Option<&[u8]>,
    ) -> impl Iterator<Item = Result<Vec<u8>>> + use<> {
        let (closed, range) = match self.trees() {
            Ok(trees) => (
                None,
                Some(match after {
                    Some(after) => trees.deadlines.range::<&[u8], _>((
                        std::ops::Bound::Excluded(after),
                        std::ops::Bound::Unbounded,
                    )),
                    None => trees.deadlines.iter(),
                }),
            ),
            Err(err) => (Some(err), None),
        };
        closed.into_iter().map(Err).chain(
            range
                .into_iter()
                .flatten()
                .map(|item| item.map(|(key, _)| key.to_vec()).map_err(Error::from)),
        )
    }

    /// Returns every household view in id order, starting after `after`.
    pub fn households_after(
        &self,
        after: Option<&HouseholdId>,
    ) -> impl Iterator<Item = Result<(HouseholdId, StoredHousehold)>> + use<> {
        let (closed, range) = match self.trees() {
            Ok(trees) => (
                None,
                Some(match after {
                    Some(after) => trees.households.range::<&[u8], _>((
                        std::ops::Bound::Excluded(after.as_bytes().as_slice()),
                        std::ops::Bound::Unbounded,
                    )),
                    None => trees.households.iter(),
                }),
            ),
            Err(err) => (Some(err), None),
        };
        closed
            .into_iter()
            .map(Err)
            .chain(range.into_iter().flatten().map(|item| {
                let (key, value) = item?;
                let id: [u8; 16] = key.as_ref().try_into().map_err(|_| Error::Corrupt {
                    what: "household key",
                })?;
                let household =
                    StoredHousehold::decode(value.as_ref()).map_err(|_| Error::Corrupt {
                        what: "household view",
                    })?;
                Ok((HouseholdId::from_bytes(id), household))
            }))
    }

    /// Writes everything to disk.
    ///
    /// # Errors
    /// [`Error::Storage`] when sled cannot flush.
    pub async fn flush(&self) -> Result<()> {
        let trees = self.trees()?;
        trees.db.flush_async().await?;
        Ok(())
    }

    /// Closes the model for good when the hub stops: takes the database from later readers,
    /// waits for reads in flight to let go of it (up to `patience`), flushes it and releases
    /// sled's lock on the directory. Without this a task that outlives the server (a reply
    /// still being dropped) keeps the lock a moment, and an offline command run right after
    /// the hub stopped (`rondom rebuild`, `rondom restore`) is refused.
    ///
    /// # Errors
    /// [`Error::Storage`] when the flush fails; [`Error::StillInUse`] when a reader still holds
    /// the database after `patience`.
    pub async fn close(&self, patience: std::time::Duration) -> Result<()> {
        let taken = self.trees.write().expect("read model lock").take();
        let Some(mut trees) = taken else {
            return Ok(());
        };
        trees.db.flush_async().await?;
        let deadline = tokio::time::Instant::now() + patience;
        loop {
            match Arc::try_unwrap(trees) {
                // Dropping the last handle closes the files and so the lock.
                Ok(owned) => {
                    drop(owned);
                    return Ok(());
                }
                Err(_) if tokio::time::Instant::now() >= deadline => {
                    return Err(Error::StillInUse);
                }
                Err(shared) => {
                    trees = shared;
                    tokio::time::sleep(std::time::Duration::from_millis(10)).await;
                }
            }
        }
    }
}

/// The digest of what a model is folded with: the calendar of working days (with the
/// decrees an operator added) and the fold's [`rondom_fold::VERSION`].
pub fn folded_with(bylaws: &rondom_domain::bylaw::BylawTerms) -> [u8; 32] {
    use sha2::{Digest as _, Sha256};
    let mut digest = Sha256::new();
    digest.update(bylaws.calendar().digest());
    digest.update(rondom_fold::VERSION.to_be_bytes());
    digest.finalize().into()
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use rondom_bus::{Envelope, EventType};
    use rondom_domain::Pillar;
    use rondom_proto::v1;

    fn signal(position: u64, household: HouseholdId, kind: &str) -> ReceivedEvent {
        ReceivedEvent {
            position,
            envelope: Envelope {
                id: rondom_domain::EventId::derive(
                    "wt",
                    &"wt".parse().expect("source"),
                    &format!("k{position}").parse().expect("key"),
                ),
                source: "wt".parse().expect("source"),
                event_type: EventType::new(Pillar::Wijkteam, kind).expect("kind"),
                subject: household,
                time: chrono::Utc::now(),
                writer: "wt".into(),
            },
            event: v1::Event {
                household_id: household.to_string(),
                pillar: v1::Pillar::Wijkteam as i32,
                kind: kind.into(),
                gemeente_code: "0363".into(),
                body: Some(v1::event::Body::SignalReceived(
                    v1::SignalReceived::default(),
                )),
                ..Default::default()
            },
        }
    }

    /// The fold, but with a bug: it panics on kind `schooluitval`, as a fold would on an
    /// input nobody foresaw.
    fn buggy_fold(
        household: &mut StoredHousehold,
        received: &ReceivedEvent,
        bylaws: &BylawTerms,
    ) -> rondom_fold::Folded {
        let folded = rondom_fold::fold(household, received, bylaws);
        assert!(received.event.kind != "schooluitval", "a bug in the fold");
        folded
    }

    /// A rectification of `wrong`.
    fn rectification(
        position: u64,
        household: HouseholdId,
        wrong: &ReceivedEvent,
    ) -> ReceivedEvent {
        let mut event = signal(position, household, "feit_gerectificeerd");
        event.event.body = Some(v1::event::Body::Rectificatie(v1::Rectificatie {
            event_id: wrong.envelope.id.to_string(),
        }));
        event
    }

    /// The fold, with a bug that only rectifications reach.
    fn fold_failing_rectifications(
        household: &mut StoredHousehold,
        received: &ReceivedEvent,
        bylaws: &BylawTerms,
    ) -> rondom_fold::Folded {
        assert!(rectified(received).is_none(), "a bug in the fold");
        rondom_fold::fold(household, received, bylaws)
    }

    fn whole_timeline(
        model: &ReadModel,
        household: HouseholdId,
    ) -> Vec<(u64, StoredTimelineEntry)> {
        model
            .timeline(&TimelineQuery {
                household,
                pillars: Vec::new(),
                oldest_first: true,
                after: None,
                limit: 100,
            })
            .expect("timeline")
            .entries
    }

    /// The log of each household `events` name, as the projector reads it back.
    fn logs(events: &[ReceivedEvent]) -> Histories {
        let mut histories = Histories::new();
        for event in events {
            histories
                .entry(event.envelope.subject)
                .or_default()
                .push(event.clone());
        }
        histories
    }

    /// A model in a directory of its own that applied `events` through `through` with `fold`.
    fn model_with(
        fold: Fold,
        events: &[ReceivedEvent],
        through: u64,
        histories: &Histories,
    ) -> (tempfile::TempDir, ReadModel, Applied) {
        let dir = tempfile::tempdir().expect("temp dir");
        let mut model = ReadModel::open(dir.path()).expect("model");
        model.fold = fold;
        let applied = model
            .apply_with(events, through, histories)
            .expect("applied");
        (dir, model, applied)
    }

    #[test]
    fn a_retried_event_is_folded_in_its_place_as_a_rebuild_folds_it() {
        let household = HouseholdId::generate();
        let wrong = signal(1, household, "eenzaamheid");
        let events = [
            wrong.clone(),
            signal(2, household, "schooluitval"),
            rectification(3, household, &wrong),
            signal(4, household, "eenzaamheid"),
        ];
        let histories = logs(&events);
        let (_rebuilt_dir, rebuilt, _) = model_with(rondom_fold::fold, &events, 4, &histories);

        // The rectification set aside while what came after it is applied; retried after a
        // fix, the view is the one a rebuild makes: the wrong fact is out of it.
        let (_dir, mut model, applied) =
            model_with(fold_failing_rectifications, &events, 4, &histories);
        assert_eq!((applied.events, applied.quarantined), (3, 1));
        model.fold = rondom_fold::fold;
        let retried = model
            .retry_quarantined(&events[2..3], &histories)
            .expect("retry");
        assert_eq!(retried.applied, [3]);

        let view = model.household(&household).expect("read").expect("view");
        assert_eq!(
            Some(&view),
            rebuilt.household(&household).expect("read").as_ref()
        );
        assert_eq!(view.event_count, 3, "the wrong fact is not counted");
        assert!(view.quarantined.is_empty());
        assert_eq!(view.last_position, 4);
        let timeline = whole_timeline(&model, household);
        assert_eq!(timeline, whole_timeline(&rebuilt, household));
        assert_eq!(timeline[0].1.rectified_by, 3, "the wrong fact marked");
        assert_eq!(model.checkpoint().expect("checkpoint"), 4);
    }

    #[test]
    fn a_retried_event_rectified_or_erased_since_gets_the_entry_a_rebuild_writes() {
        fn erasure(position: u64, household: HouseholdId) -> ReceivedEvent {
            let mut event = signal(position, household, "huishouden_gewist");
            event.event.body = Some(v1::event::Body::HuishoudenGewist(
                v1::HuishoudenGewist::default(),
            ));
            event
        }
        // `buggy_fold` sets aside each `schooluitval`; one is rectified after, one erased.
        let (rectified, erased) = (HouseholdId::generate(), HouseholdId::generate());
        let wrong = signal(1, rectified, "schooluitval");
        let mut noted = signal(4, erased, "schooluitval");
        noted.event.summary = Some(v1::Sealed {
            nonce: vec![1; 12],
            ciphertext: vec![2; 16],
        });
        let events = [
            wrong.clone(),
            signal(2, rectified, "eenzaamheid"),
            rectification(3, rectified, &wrong),
            noted,
            erasure(5, erased),
        ];
        let histories = logs(&events);
        let (_rebuilt_dir, rebuilt, _) = model_with(rondom_fold::fold, &events, 5, &histories);

        let (_dir, mut model, applied) = model_with(buggy_fold, &events, 5, &histories);
        assert_eq!(applied.quarantined, 2);
        model.fold = rondom_fold::fold;
        let retried = model
            .retry_quarantined(&[events[0].clone(), events[3].clone()], &histories)
            .expect("retry");
        assert_eq!(retried.applied, [1, 4]);

        for household in [rectified, erased] {
            assert_eq!(
                model.household(&household).expect("read"),
                rebuilt.household(&household).expect("read")
            );
            assert_eq!(
                whole_timeline(&model, household),
                whole_timeline(&rebuilt, household)
            );
        }
        let entry = |household, position| {
            whole_timeline(&model, household)
                .into_iter()
                .find(|(at, _)| *at == position)
                .map(|(_, entry)| entry)
                .expect("an entry")
        };
        assert_eq!(entry(rectified, 1).rectified_by, 3, "marked as rectified");
        assert_eq!(
            entry(erased, 4).summary,
            None,
            "nothing sealed stays behind"
        );
    }

    #[test]
    fn an_erasure_applied_late_leaves_what_a_rebuild_leaves() {
        fn fold_failing_erasures(
            household: &mut StoredHousehold,
            received: &ReceivedEvent,
            bylaws: &BylawTerms,
        ) -> rondom_fold::Folded {
            assert!(
                !matches!(
                    received.event.body,
                    Some(v1::event::Body::HuishoudenGewist(_))
                ),
                "a bug in the fold"
            );
            rondom_fold::fold(household, received, bylaws)
        }
        let household = HouseholdId::generate();
        let noted = |position| {
            let mut event = signal(position, household, "eenzaamheid");
            event.event.summary = Some(v1::Sealed {
                nonce: vec![1; 12],
                ciphertext: vec![2; 16],
            });
            event
        };
        let mut erasure = signal(2, household, "huishouden_gewist");
        erasure.event.body = Some(v1::event::Body::HuishoudenGewist(
            v1::HuishoudenGewist::default(),
        ));
        // The third raced the erasure: written after it, sealed under the destroyed key.
        let events = [noted(1), erasure, noted(3)];
        let histories = logs(&events);
        let (_rebuilt_dir, rebuilt, _) = model_with(rondom_fold::fold, &events, 3, &histories);

        let (_dir, mut model, applied) = model_with(fold_failing_erasures, &events, 3, &histories);
        assert_eq!(applied.quarantined, 1);
        model.fold = rondom_fold::fold;
        let retried = model
            .retry_quarantined(&events[1..2], &histories)
            .expect("retry");
        assert_eq!(retried.applied, [2]);

        let timeline = whole_timeline(&model, household);
        assert_eq!(timeline, whole_timeline(&rebuilt, household));
        assert!(
            timeline.iter().all(|(_, entry)| entry.summary.is_none()),
            "nothing sealed under the destroyed key stays, before the erasure or after"
        );
        assert_eq!(
            model.household(&household).expect("read"),
            rebuilt.household(&household).expect("read")
        );
    }

    #[test]
    fn a_rectification_set_aside_takes_nothing_out_until_it_is_applied() {
        let household = HouseholdId::generate();
        let (first, second) = (
            signal(1, household, "eenzaamheid"),
            signal(2, household, "eenzaamheid"),
        );
        // `buggy_fold` sets aside the rectification of the first fact (by its kind), not
        // the one of the second.
        let mut set_aside = rectification(3, household, &first);
        set_aside.event.kind = "schooluitval".into();
        let events = [
            first,
            second.clone(),
            set_aside,
            rectification(4, household, &second),
        ];
        let histories = logs(&events);
        let (_dir, mut model, _) = model_with(buggy_fold, &events, 4, &histories);
        let view = model.household(&household).expect("read").expect("view");
        assert_eq!(view.quarantined, [3]);
        assert_eq!(
            view.event_count, 2,
            "the first fact and the second rectification: the first fact stands"
        );

        model.fold = rondom_fold::fold;
        model
            .retry_quarantined(&events[2..3], &histories)
            .expect("retry");
        let (_rebuilt_dir, rebuilt, _) = model_with(rondom_fold::fold, &events, 4, &histories);
        assert_eq!(
            model.household(&household).expect("read"),
            rebuilt.household(&household).expect("read")
        );
    }

    #[test]
    fn a_model_is_opened_once_a_handle_let_go_a_moment_ago_is_gone() {
        let dir = tempfile::tempdir().expect("temp dir");
        let first = ReadModel::open(dir.path()).expect("model");
        let closing = std::thread::spawn(move || {
            std::thread::sleep(std::time::Duration::from_millis(200));
            drop(first);
        });
        // Still open for a moment: opening waits for it instead of failing.
        let second = ReadModel::open(dir.path()).expect("opened after the first let go");
        closing.join().expect("closed");
        assert_eq!(second.checkpoint().expect("checkpoint"), 0);
    }

    #[test]
    fn a_retry_without_the_whole_log_of_its_household_is_refused() {
        let household = HouseholdId::generate();
        let events = [
            signal(1, household, "eenzaamheid"),
            signal(2, household, "schooluitval"),
            signal(3, household, "eenzaamheid"),
        ];
        let (_dir, mut model, _) = model_with(buggy_fold, &events, 3, &Histories::new());
        model.fold = rondom_fold::fold;
        let view = model.household(&household).expect("read");
        for histories in [
            Histories::new(),
            Histories::from([(household, events[..2].to_vec())]),
        ] {
            let retried = model
                .retry_quarantined(&events[1..2], &histories)
                .expect("retry");
            assert!(retried.applied.is_empty(), "{retried:?}");
            assert_eq!(retried.still.len(), 1);
            assert_eq!(
                model.household(&household).expect("read"),
                view,
                "nothing changed"
            );
        }
    }

    #[tokio::test]
    async fn a_closed_model_lets_go_of_its_directory_once_reads_in_flight_end() {
        let dir = tempfile::tempdir().expect("temp dir");
        let model = ReadModel::open(dir.path()).expect("model");
        // What can outlive a stopped server: a clone in a task still being dropped, and a
        // read in flight that holds the database.
        let stray = model.clone();
        let in_flight = model.trees().expect("open");
        let read_ends = tokio::spawn(async move {
            tokio::time::sleep(std::time::Duration::from_millis(50)).await;
            drop(in_flight);
        });
        model
            .close(std::time::Duration::from_secs(10))
            .await
            .expect("closed once the read ended");
        read_ends.await.expect("read task");
        ReadModel::open(dir.path()).expect("an offline command opens it right away");
        assert!(matches!(
            stray.household(&HouseholdId::generate()),
            Err(Error::Closed)
        ));
    }

    #[tokio::test]
    async fn a_read_that_never_lets_go_is_reported_not_waited_for_forever() {
        let dir = tempfile::tempdir().expect("temp dir");
        let model = ReadModel::open(dir.path()).expect("model");
        let _held = model.trees().expect("open");
        let closed = model.close(std::time::Duration::from_millis(50)).await;
        assert!(matches!(closed, Err(Error::StillInUse)), "{closed:?}");
    }

    #[test]
    fn an_event_the_fold_cannot_apply_is_quarantined_and_the_rest_applied() {
        let dir = tempfile::tempdir().expect("temp dir");
        let mut model = ReadModel::open(dir.path()).expect("model");
        model.fold = buggy_fold;
        let household = HouseholdId::generate();
        let other = HouseholdId::generate();
        let events = [
            signal(1, household, "eenzaamheid"),
            signal(2, household, "schooluitval"),
            signal(3, other, "eenzaamheid"),
            signal(4, household, "eenzaamheid"),
        ];
        let applied = model.apply(&events, 4).expect("applied around it");
        assert_eq!((applied.events, applied.quarantined), (3, 1));
        assert_eq!(model.checkpoint().expect("checkpoint"), 4);
        let stored = model
            .household(&household)
            .expect("read")
            .expect("household");
        assert_eq!(stored.event_count, 2);
        assert_eq!(stored.quarantined, [2]);
        assert_eq!(stored.last_position, 4);
        assert!(model.household(&other).expect("read").is_some());
        let quarantined = model.quarantined().expect("quarantine");
        assert_eq!(quarantined.len(), 1);
        assert_eq!(quarantined[0].position, 2);
        assert!(
            quarantined[0].reason.contains("a bug in the fold"),
            "{quarantined:?}"
        );

        // Still broken: it stays. Fixed (the real fold): applied, released, complete again.
        let histories = logs(&events);
        let still = model
            .retry_quarantined(&events[1..2], &histories)
            .expect("retry");
        assert_eq!(still.still.len(), 1);
        model.fold = rondom_fold::fold;
        let retried = model
            .retry_quarantined(&events[1..2], &histories)
            .expect("retry");
        assert_eq!(retried.applied, [2]);
        let stored = model
            .household(&household)
            .expect("read")
            .expect("household");
        assert_eq!(stored.event_count, 3);
        assert!(stored.quarantined.is_empty());
        assert!(model.quarantined().expect("quarantine").is_empty());
    }

    proptest! {
        #[test]
        fn timeline_keys_sort_like_household_then_position(
            first in (proptest::array::uniform16(any::<u8>()), any::<u64>()),
            second in (proptest::array::uniform16(any::<u8>()), any::<u64>()),
        ) {
            let key_a = timeline_key(&HouseholdId::from_bytes(first.0), first.1);
            let key_b = timeline_key(&HouseholdId::from_bytes(second.0), second.1);
            prop_assert_eq!(key_a.cmp(&key_b), first.cmp(&second));
            prop_assert_eq!(position_of(&key_a).ok(), Some(first.1));
        }
    }
}
