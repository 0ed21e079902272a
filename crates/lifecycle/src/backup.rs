//! `rondom backup` and `rondom restore`.
//!
//! A backup is a directory: JetStream's own snapshot of the event log, the audit log and the
//! person registry (each `<stream>.tar.s2` with `<stream>.json`), the household keys as they
//! are stored, still wrapped under the master key (`keys.jsonl`), and `manifest.json`, written
//! last, so a backup without it is incomplete. The read model is not in it: it is rebuilt from
//! the restored log.
//!
//! Erasures outlive a restore. Household keys are not restored as a snapshot but one by one,
//! leaving out every household erased in the backup's log or in the log being replaced (each
//! gets the tombstone an erasure leaves, so it never gets a key again); an
//! erasure the backup predates is applied again to the restored log (registry entries left,
//! the erasure event republished), so the projector clears the household as before.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use anyhow::{Context as _, bail};
use async_nats::jetstream::{self, kv};
use futures::{StreamExt as _, TryStreamExt as _};
use rondom_bus::audit::AUDIT_STREAM;
use rondom_bus::snapshot;
use rondom_bus::stream::{self, EVENTS_STREAM, KEYS_BUCKET, PERSONS_BUCKET, StreamSettings};
use rondom_bus::subject::EVENT_PREFIX;
use rondom_domain::HouseholdId;
use serde::{Deserialize, Serialize};
use tokio::io::AsyncWriteExt as _;

const MANIFEST: &str = "manifest.json";
const KEYS_FILE: &str = "keys.jsonl";
/// Every erasure event: `rondom.evt.<household>.regie.huishouden_gewist`.
const ERASURES: &str = "rondom.evt.*.regie.huishouden_gewist";

/// The streams a backup holds whole, in the order they are taken: the log first, so every
/// person and key its events refer to is in the later snapshots (the write path creates
/// both before it publishes).
fn streams() -> [String; 3] {
    [
        EVENTS_STREAM.to_owned(),
        format!("KV_{PERSONS_BUCKET}"),
        AUDIT_STREAM.to_owned(),
    ]
}

/// What a backup holds; `manifest.json`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Manifest {
    pub format: u32,
    pub created_at: chrono::DateTime<chrono::Utc>,
    pub rondom_version: String,
    /// Stream name -> its last position in the backup.
    pub streams: BTreeMap<String, u64>,
    /// Household keys in `keys.jsonl`.
    pub keys: u64,
    /// Master key ids those keys are wrapped under: a restore needs these in the key directory.
    pub master_keys: BTreeSet<String>,
}

/// One line of `keys.jsonl`: a household's key as stored (wrapped), in hex.
#[derive(Debug, Serialize, Deserialize)]
struct KeyLine {
    household: String,
    wrapped: String,
}

/// Writes a backup of the installation on `client` to the new directory `dir`. The hub may run.
///
/// # Errors
/// When `dir` exists and is not empty, a snapshot is refused, or NATS or the disk fails; the
/// directory then has no manifest.
pub async fn backup(client: &async_nats::Client, dir: &Path) -> anyhow::Result<Manifest> {
    prepare_dir(dir)?;
    let jetstream = rondom_bus::jetstream(client.clone());
    let mut manifest = Manifest {
        format: 1,
        created_at: chrono::Utc::now(),
        rondom_version: env!("CARGO_PKG_VERSION").to_owned(),
        streams: BTreeMap::new(),
        keys: 0,
        master_keys: BTreeSet::new(),
    };
    for name in streams() {
        let path = dir.join(format!("{name}.tar.s2"));
        let mut file = tokio::fs::File::create(&path)
            .await
            .with_context(|| format!("cannot write {}", path.display()))?;
        let meta = snapshot::snapshot(client, &name, &mut file)
            .await
            .with_context(|| format!("snapshot of {name}"))?;
        file.sync_all().await?;
        let last = meta["state"]["last_seq"].as_u64().unwrap_or_default();
        std::fs::write(
            dir.join(format!("{name}.json")),
            serde_json::to_vec_pretty(&meta)?,
        )?;
        manifest.streams.insert(name, last);
    }

    let keys = stream::bucket(&jetstream, KEYS_BUCKET).await?;
    let mut lines = tokio::fs::File::create(dir.join(KEYS_FILE)).await?;
    for (household, wrapped) in stored_keys(&keys).await? {
        // Empty: the tombstone of an erased household, kept so it stays erased.
        if !wrapped.is_empty() {
            let decoded =
                <rondom_proto::v1::WrappedKey as prost::Message>::decode(wrapped.as_slice())
                    .with_context(|| {
                        format!("the stored key of {household} is not a wrapped key")
                    })?;
            manifest.master_keys.insert(decoded.master_key_id);
            manifest.keys += 1;
        }
        let line = KeyLine {
            household: household.to_string(),
            wrapped: hex::encode(&wrapped),
        };
        lines
            .write_all(format!("{}\n", serde_json::to_string(&line)?).as_bytes())
            .await?;
    }
    lines.sync_all().await?;

    std::fs::write(dir.join(MANIFEST), serde_json::to_vec_pretty(&manifest)?)?;
    // A copy of everything, names and all (sealed), is an act the privacy officer looks up.
    on_record(
        &jetstream,
        "rondom-backup",
        &format!(
            "a backup of the log, the registry, the audit log and {} household keys",
            manifest.keys
        ),
    )
    .await?;
    Ok(manifest)
}

/// Puts the command on the audit log ([`crate::on_record`]).
async fn on_record(jetstream: &jetstream::Context, who: &str, what: &str) -> anyhow::Result<()> {
    let act = crate::on_record::Act {
        who,
        what: what.to_owned(),
        household: None,
        outcome: "OK",
    };
    crate::on_record::record(&rondom_bus::AuditLog::new(jetstream.clone()), act)
        .await
        .context("cannot put the command on the audit log")
}

/// What a restore did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Restored {
    pub manifest: Manifest,
    /// Household keys put back.
    pub keys: u64,
    /// Household keys left out because their household is erased.
    pub keys_left_out: u64,
    /// Erasures made after the backup, applied again to the restored log.
    pub erasures_reapplied: u64,
}

/// What the installation knew of erasures before a restore replaced it, in
/// `<read-model>/restore-journal.json`: written before anything is deleted and removed only
/// when the restore is complete, so a restore run again after a failure still knows them.
#[derive(Debug, Default, Serialize, Deserialize)]
struct Journal {
    /// Household id -> its erasure event as it was on the log.
    erasures: BTreeMap<String, LoggedEvent>,
    /// Households whose key was a tombstone.
    tombstones: BTreeSet<String>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
struct LoggedEvent {
    subject: String,
    headers: Vec<(String, String)>,
    /// Hex.
    payload: String,
}

impl LoggedEvent {
    fn of(message: &jetstream::message::StreamMessage) -> Self {
        Self {
            subject: message.subject.to_string(),
            headers: message
                .headers
                .iter()
                .flat_map(|(name, values)| {
                    values
                        .iter()
                        .map(move |value| (name.to_string(), value.to_string()))
                })
                .collect(),
            payload: hex::encode(&message.payload),
        }
    }
}

/// Replaces the installation on `client` with the backup in `dir` and starts a new, empty
/// read model generation under `read_model` (the projector replays the restored log at its
/// next start). Stop the hub first; NATS must run. `key_dir` must hold every master key the
/// backup's household keys are wrapped under.
///
/// # Errors
/// When the backup is incomplete or damaged, or a master key is missing, before anything is
/// changed; when NATS refuses a step after that, running it again finishes it (erasures known
/// before the first run included).
pub async fn restore(
    client: &async_nats::Client,
    dir: &Path,
    read_model: &Path,
    key_dir: &Path,
    settings: &StreamSettings,
) -> anyhow::Result<Restored> {
    let backup = Backup::check(dir, key_dir)?;
    let jetstream = rondom_bus::jetstream(client.clone());
    // What the installation knows of erasures now, kept on disk before its log goes.
    std::fs::create_dir_all(read_model)?;
    let journal_path = read_model.join("restore-journal.json");
    let journal = Journal::keep(&jetstream, &journal_path).await?;
    let audit_kept = audit_log_reaches(&jetstream, &backup.manifest).await?;
    replace_streams(client, &jetstream, dir, &backup.metas, audit_kept).await?;
    stream::provision(&jetstream, settings).await?;

    let restored_erasures = erasures(&jetstream).await?;
    let erased = journal.erased(&restored_erasures, &backup.keys)?;
    let (keys, keys_left_out) = put_keys_back(&jetstream, &backup.keys, &erased).await?;
    // Erasures the restored log does not hold happen again on it.
    let again: BTreeSet<HouseholdId> = erased
        .iter()
        .filter(|household| !restored_erasures.contains_key(household))
        .copied()
        .collect();
    leave_registry(&stream::bucket(&jetstream, PERSONS_BUCKET).await?, &again).await?;
    let signer = rondom_runtime::keys::load_signer(key_dir)?;
    let erasures_reapplied = reapply_erasures(&jetstream, signer, &journal, &again).await?;

    let generations = rondom_projector::Generations::new(read_model);
    let next = generations.prepare_next()?;
    std::fs::create_dir_all(&next)?;
    generations.switch_to_next()?;
    std::fs::remove_file(&journal_path)?;
    on_record(
        &jetstream,
        "rondom-restore",
        &format!(
            "the backup of {} restored; {erasures_reapplied} erasures made after it applied \
             again; the audit log {}",
            backup.manifest.created_at.to_rfc3339(),
            if audit_kept {
                "kept as it was"
            } else {
                "restored from the backup (none was left)"
            }
        ),
    )
    .await?;
    Ok(Restored {
        manifest: backup.manifest,
        keys,
        keys_left_out,
        erasures_reapplied,
    })
}

/// A backup directory, checked whole before anything is replaced.
struct Backup {
    manifest: Manifest,
    /// Per stream its snapshot's metadata.
    metas: Vec<(String, serde_json::Value)>,
    /// Per household its wrapped key, empty for an erasure's tombstone.
    keys: Vec<(HouseholdId, Vec<u8>)>,
}

impl Backup {
    /// Reads the manifest, the snapshots' metadata and the keys, and checks that `key_dir`
    /// holds every master key the keys are wrapped under.
    fn check(dir: &Path, key_dir: &Path) -> anyhow::Result<Self> {
        let manifest: Manifest =
            serde_json::from_slice(&std::fs::read(dir.join(MANIFEST)).with_context(|| {
                format!("{} has no {MANIFEST}: not a complete backup", dir.display())
            })?)
            .context("the backup's manifest cannot be read")?;
        if manifest.format != 1 {
            bail!(
                "backup format {} is not known to this rondom",
                manifest.format
            );
        }
        let mut metas = Vec::new();
        for name in streams() {
            for file in [format!("{name}.json"), format!("{name}.tar.s2")] {
                if !dir.join(&file).is_file() {
                    bail!("the backup lacks {file}; nothing was changed");
                }
            }
            let meta: serde_json::Value =
                serde_json::from_slice(&std::fs::read(dir.join(format!("{name}.json")))?)
                    .with_context(|| format!("{name}.json is damaged; nothing was changed"))?;
            metas.push((name, meta));
        }
        let keys = read_keys_file(&dir.join(KEYS_FILE))?;
        let masters = rondom_runtime::keys::load_masters(key_dir)
            .with_context(|| format!("cannot read the master keys in {}", key_dir.display()))?;
        let missing: Vec<_> = manifest
            .master_keys
            .iter()
            .filter(|id| masters.by_id(id).is_none())
            .cloned()
            .collect();
        if !missing.is_empty() {
            bail!(
                "{} lacks master keys {} that the backup's household keys are wrapped under: \
                 put them in its retired/ directory first; nothing was changed",
                key_dir.display(),
                missing.join(", ")
            );
        }
        Ok(Self {
            manifest,
            metas,
            keys,
        })
    }
}

impl Journal {
    /// Adds what the installation on `jetstream` knows of erasures to the journal at `path`
    /// (kept from an earlier, failed run) and writes it to disk.
    async fn keep(jetstream: &jetstream::Context, path: &Path) -> anyhow::Result<Self> {
        let mut journal: Journal = match std::fs::read(path) {
            Ok(bytes) => {
                serde_json::from_slice(&bytes).context("the restore journal is damaged")?
            }
            Err(err) if err.kind() == std::io::ErrorKind::NotFound => Journal::default(),
            Err(err) => return Err(err).context("cannot read the restore journal"),
        };
        for (household, event) in erasures(jetstream).await? {
            journal
                .erasures
                .insert(household.to_string(), LoggedEvent::of(&event));
        }
        if let Ok(keys) = stream::bucket(jetstream, KEYS_BUCKET).await {
            for (household, wrapped) in stored_keys(&keys).await? {
                if wrapped.is_empty() {
                    journal.tombstones.insert(household.to_string());
                }
            }
        }
        let mut file = std::fs::File::create(path)?;
        std::io::Write::write_all(&mut file, &serde_json::to_vec(&journal)?)?;
        file.sync_all()?;
        Ok(journal)
    }

    /// Returns every household erased anywhere: in the restored log, in the journal, or by a
    /// tombstone in the backup's keys.
    fn erased(
        &self,
        restored: &BTreeMap<HouseholdId, jetstream::message::StreamMessage>,
        backed_up_keys: &[(HouseholdId, Vec<u8>)],
    ) -> anyhow::Result<BTreeSet<HouseholdId>> {
        let mut erased: BTreeSet<HouseholdId> = restored.keys().copied().collect();
        for household in self.erasures.keys().chain(&self.tombstones) {
            erased.insert(
                household
                    .parse()
                    .context("a household in the restore journal")?,
            );
        }
        erased.extend(
            backed_up_keys
                .iter()
                .filter(|(_, wrapped)| wrapped.is_empty())
                .map(|(household, _)| *household),
        );
        Ok(erased)
    }
}

/// Whether the installation's audit log holds at least what the backup's does: it only ever
/// grows, so it then holds every record of the backup and every one made since (reads,
/// exports, erasures), which a restore must not take away.
async fn audit_log_reaches(
    jetstream: &jetstream::Context,
    manifest: &Manifest,
) -> anyhow::Result<bool> {
    let backed_up = manifest
        .streams
        .get(AUDIT_STREAM)
        .copied()
        .unwrap_or_default();
    match jetstream.get_stream(AUDIT_STREAM).await {
        Ok(stream) => Ok(stream.cached_info().state.last_sequence >= backed_up),
        Err(err) if is_stream_not_found(&err) => Ok(false),
        Err(err) => Err(err).context("cannot read the audit log"),
    }
}

/// Removes the installation's log, registry, keys and (unless `audit_kept`) audit log, and
/// restores the backup's snapshots in their place.
async fn replace_streams(
    client: &async_nats::Client,
    jetstream: &jetstream::Context,
    dir: &Path,
    metas: &[(String, serde_json::Value)],
    audit_kept: bool,
) -> anyhow::Result<()> {
    let kept = |name: &str| audit_kept && name == AUDIT_STREAM;
    for name in streams()
        .iter()
        .chain([&format!("KV_{KEYS_BUCKET}")])
        .filter(|name| !kept(name))
    {
        match jetstream.delete_stream(name).await {
            Ok(_) => {}
            Err(err) if is_stream_not_found(&err) => {}
            Err(err) => return Err(err).with_context(|| format!("cannot remove {name}")),
        }
    }
    for (name, meta) in metas.iter().filter(|(name, _)| !kept(name)) {
        let mut archive = tokio::fs::File::open(dir.join(format!("{name}.tar.s2"))).await?;
        snapshot::restore(client, name, meta, &mut archive)
            .await
            .with_context(|| format!("restoring {name}"))?;
    }
    Ok(())
}

/// Puts the backed-up keys back, except those of `erased` households, which keep their
/// tombstone so they never get a key again. Returns how many were put back and left out.
async fn put_keys_back(
    jetstream: &jetstream::Context,
    backed_up: &[(HouseholdId, Vec<u8>)],
    erased: &BTreeSet<HouseholdId>,
) -> anyhow::Result<(u64, u64)> {
    let keys = stream::bucket(jetstream, KEYS_BUCKET).await?;
    let (mut put_back, mut left_out) = (0, 0);
    for (household, wrapped) in backed_up {
        if wrapped.is_empty() {
            continue;
        }
        if erased.contains(household) {
            left_out += 1;
            continue;
        }
        keys.put(household.to_string(), wrapped.clone().into())
            .await
            .context("cannot put a household key back")?;
        put_back += 1;
    }
    for household in erased {
        keys.put(household.to_string(), bytes::Bytes::new())
            .await
            .context("cannot put an erasure's tombstone back")?;
    }
    Ok((put_back, left_out))
}

/// Publishes the erasure of each of `again` on the restored log: as it was published where
/// the journal has it, else recorded anew. Returns how many.
async fn reapply_erasures(
    jetstream: &jetstream::Context,
    signer: rondom_bus::EventSigner,
    journal: &Journal,
    again: &BTreeSet<HouseholdId>,
) -> anyhow::Result<u64> {
    let publisher = rondom_bus::EventPublisher::new(jetstream.clone(), signer);
    let mut reapplied = 0;
    for household in again {
        match journal.erasures.get(&household.to_string()) {
            // As it was published, minus a condition on a position that no longer holds.
            Some(event) => {
                let mut headers = async_nats::HeaderMap::new();
                for (name, value) in &event.headers {
                    if !name.starts_with("Nats-Expected") {
                        headers.append(name.as_str(), value.as_str());
                    }
                }
                jetstream
                    .publish_with_headers(
                        event.subject.clone(),
                        headers,
                        hex::decode(&event.payload)?.into(),
                    )
                    .await?
                    .await
                    .context("JetStream did not take the erasure event")?;
            }
            // Erased while the backup was taken (its key a tombstone, its event after the
            // log's snapshot), or known only by its tombstone: recorded anew.
            None => {
                let (envelope, event) = crate::erasure::erasure_event(
                    *household,
                    "",
                    rondom_proto::v1::ErasureReason::Unspecified,
                    "rondom-restore",
                );
                publisher.publish(&envelope, &event).await?;
            }
        }
        reapplied += 1;
    }
    Ok(reapplied)
}

/// Reads `keys.jsonl`: per household its wrapped key, empty for an erasure's tombstone.
fn read_keys_file(path: &Path) -> anyhow::Result<Vec<(HouseholdId, Vec<u8>)>> {
    let text = std::fs::read_to_string(path).context("the backup has no keys")?;
    text.lines()
        .filter(|line| !line.is_empty())
        .map(|line| {
            let line: KeyLine =
                serde_json::from_str(line).context("keys.jsonl is damaged; nothing was changed")?;
            let household = line
                .household
                .parse()
                .context("keys.jsonl names a household that is not one; nothing was changed")?;
            let wrapped = hex::decode(&line.wrapped)
                .context("keys.jsonl holds a key that is not hex; nothing was changed")?;
            Ok((household, wrapped))
        })
        .collect()
}

fn is_stream_not_found(err: &impl std::error::Error) -> bool {
    err.to_string().contains("stream not found")
}

fn prepare_dir(dir: &Path) -> anyhow::Result<()> {
    if dir.exists() && std::fs::read_dir(dir)?.next().is_some() {
        bail!(
            "{} is not empty; a backup goes into a new directory",
            dir.display()
        );
    }
    std::fs::create_dir_all(dir)?;
    // Wrapped keys and sealed data only, but still nobody else's business.
    std::fs::set_permissions(dir, std::os::unix::fs::PermissionsExt::from_mode(0o700))?;
    Ok(())
}

/// Returns every household key as stored.
async fn stored_keys(keys: &kv::Store) -> anyhow::Result<Vec<(HouseholdId, Vec<u8>)>> {
    let names: Vec<String> = keys.keys().await?.try_collect().await?;
    let mut stored = Vec::with_capacity(names.len());
    for name in names {
        let Ok(household) = name.parse::<HouseholdId>() else {
            continue; // the rotation notice
        };
        if let Some(value) = keys.get(&name).await? {
            stored.push((household, value.to_vec()));
        }
    }
    Ok(stored)
}

/// Returns the erasure event of every erased household in the log, if there is a log.
async fn erasures(
    jetstream: &jetstream::Context,
) -> anyhow::Result<BTreeMap<HouseholdId, jetstream::message::StreamMessage>> {
    let events = match jetstream.get_stream(EVENTS_STREAM).await {
        Ok(events) => events,
        Err(err) if is_stream_not_found(&err) => return Ok(BTreeMap::new()),
        Err(err) => return Err(err).context("cannot read the erasures of the event log"),
    };
    let mut info = events.info_with_subjects(ERASURES).await?;
    let mut subjects = Vec::new();
    while let Some(entry) = info.next().await {
        subjects.push(entry?.0);
    }
    let mut found = BTreeMap::new();
    for subject in subjects {
        let household = subject
            .strip_prefix(&format!("{EVENT_PREFIX}."))
            .and_then(|rest| rest.split('.').next())
            .and_then(|id| id.parse::<HouseholdId>().ok());
        let Some(household) = household else { continue };
        let event = events.get_last_raw_message_by_subject(&subject).await?;
        found.insert(household, event);
    }
    Ok(found)
}

/// Removes every person of the `erased` households from the registry, as the erasure did, in
/// one pass over the registry.
async fn leave_registry(persons: &kv::Store, erased: &BTreeSet<HouseholdId>) -> anyhow::Result<()> {
    if erased.is_empty() {
        return Ok(());
    }
    let names: Vec<String> = persons.keys().await?.try_collect().await?;
    for name in names {
        let household = persons.get(&name).await?.and_then(|value| {
            std::str::from_utf8(&value)
                .ok()?
                .parse::<HouseholdId>()
                .ok()
        });
        if household.is_some_and(|household| erased.contains(&household)) {
            persons.purge(&name).await?;
        }
    }
    Ok(())
}

/// The default directory of a backup made now.
pub fn default_dir() -> PathBuf {
    PathBuf::from(format!(
        "backups/{}",
        chrono::Utc::now().format("%Y-%m-%dT%H%M%SZ")
    ))
}
