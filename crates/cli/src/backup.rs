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
    Ok(manifest)
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

/// Replaces the installation on `client` with the backup in `dir` and starts a new, empty
/// read model generation under `read_model` (the projector replays the restored log at its
/// next start). Stop the hub first; NATS must run.
///
/// # Errors
/// When the backup is incomplete or NATS refuses a step. Streams already replaced stay so;
/// running the restore again finishes it.
pub async fn restore(
    client: &async_nats::Client,
    dir: &Path,
    read_model: &Path,
    settings: &StreamSettings,
) -> anyhow::Result<Restored> {
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
    // Every file there before anything is replaced.
    for name in streams() {
        for file in [format!("{name}.json"), format!("{name}.tar.s2")] {
            if !dir.join(&file).is_file() {
                bail!("the backup lacks {file}; nothing was changed");
            }
        }
    }
    if !dir.join(KEYS_FILE).is_file() {
        bail!("the backup lacks {KEYS_FILE}; nothing was changed");
    }
    let jetstream = rondom_bus::jetstream(client.clone());

    // Erasures the installation knows now, before its log is replaced.
    let live_erasures = erasures(&jetstream).await?;

    for name in streams().iter().chain([&format!("KV_{KEYS_BUCKET}")]) {
        match jetstream.delete_stream(name).await {
            Ok(_) => {}
            Err(err) if err.to_string().contains("not found") => {}
            Err(err) => return Err(err).with_context(|| format!("cannot remove {name}")),
        }
    }
    for name in streams() {
        let meta: serde_json::Value =
            serde_json::from_slice(&std::fs::read(dir.join(format!("{name}.json")))?)?;
        let mut archive = tokio::fs::File::open(dir.join(format!("{name}.tar.s2")))
            .await
            .with_context(|| format!("the backup has no snapshot of {name}"))?;
        snapshot::restore(client, &name, &meta, &mut archive)
            .await
            .with_context(|| format!("restoring {name}"))?;
    }
    stream::provision(&jetstream, settings).await?;

    let restored_erasures = erasures(&jetstream).await?;
    let erased: BTreeSet<HouseholdId> = live_erasures
        .keys()
        .chain(restored_erasures.keys())
        .copied()
        .collect();
    let keys = stream::bucket(&jetstream, KEYS_BUCKET).await?;
    let (mut put_back, mut left_out) = (0, 0);
    let mut tombstones = erased.clone();
    let text = std::fs::read_to_string(dir.join(KEYS_FILE)).context("the backup has no keys")?;
    for line in text.lines().filter(|line| !line.is_empty()) {
        let line: KeyLine = serde_json::from_str(line).context("a line of keys.jsonl")?;
        let household: HouseholdId = line
            .household
            .parse()
            .context("a household in keys.jsonl")?;
        if line.wrapped.is_empty() {
            tombstones.insert(household);
        } else if erased.contains(&household) {
            left_out += 1;
        } else {
            keys.put(household.to_string(), hex::decode(&line.wrapped)?.into())
                .await
                .context("cannot put a household key back")?;
            put_back += 1;
        }
    }
    // Every erased household keeps its tombstone: it never gets a key again.
    for household in &tombstones {
        keys.put(household.to_string(), bytes::Bytes::new())
            .await
            .context("cannot put an erasure's tombstone back")?;
    }

    let mut reapplied = 0;
    let persons = stream::bucket(&jetstream, PERSONS_BUCKET).await?;
    for (household, event) in &live_erasures {
        if restored_erasures.contains_key(household) {
            continue;
        }
        leave_registry(&persons, household).await?;
        // As published, minus a condition on a stream position that no longer holds.
        let mut headers = async_nats::HeaderMap::new();
        for (name, values) in event.headers.iter() {
            if !name.to_string().starts_with("Nats-Expected") {
                for value in values {
                    headers.append(name.clone(), value.clone());
                }
            }
        }
        jetstream
            .publish_with_headers(event.subject.clone(), headers, event.payload.clone())
            .await?
            .await
            .context("JetStream did not take the erasure event")?;
        reapplied += 1;
    }

    let generations = rondom_projector::Generations::new(read_model);
    std::fs::create_dir_all(read_model)?;
    let next = generations.prepare_next()?;
    std::fs::create_dir_all(&next)?;
    generations.switch_to_next()?;

    Ok(Restored {
        manifest,
        keys: put_back,
        keys_left_out: left_out,
        erasures_reapplied: reapplied,
    })
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
    let Ok(events) = jetstream.get_stream(EVENTS_STREAM).await else {
        return Ok(BTreeMap::new());
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

/// Removes every person of `household` from the registry, as the erasure did.
async fn leave_registry(persons: &kv::Store, household: &HouseholdId) -> anyhow::Result<()> {
    let names: Vec<String> = persons.keys().await?.try_collect().await?;
    let wanted = household.to_string();
    for name in names {
        if persons
            .get(&name)
            .await?
            .is_some_and(|value| value == wanted.as_bytes())
        {
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
