//! `rondom keys rotate`: a new master key without downtime and without touching the log.
//!
//! 1. The key directory gets a new `master.key`; the old one is kept under `retired/`
//!    ([`keys::rotate_master`]).
//! 2. Every running process hears of it through the key bucket and reads its key directory
//!    again ([`KeyStore::announce_rotation`]): from then on new household keys are wrapped
//!    under the new master key, and keys under either one unwrap.
//! 3. Every stored household key is re-wrapped under the new master key
//!    ([`KeyStore::rewrap`]), in passes until a pass finds nothing left under an old one
//!    (a process may still have wrapped a new key under the old master key before step 2
//!    reached it).
//!
//! Data keys themselves do not change, so sealed data in the log, the read model and backups
//! stays as it is. With several hosts, stop after step 1 (`--no-rewrap`), copy the key
//! directory to every host, then run `rondom keys rewrap` (steps 2 and 3).

use std::collections::BTreeMap;
use std::path::Path;
use std::time::Duration;

use rondom_bus::KeyStore;
use rondom_bus::keystore::Rewrap;
use rondom_bus::stream::{self, KEYS_BUCKET};

use rondom_runtime::keys;

/// Re-wrap passes before giving up on processes that keep wrapping under an old key.
const PASSES: usize = 10;

/// What a rewrap did, and where every household key stands after it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Report {
    /// The master key everything is wrapped under now.
    pub current: String,
    /// The sum of all passes.
    pub rewrap: Rewrap,
    /// Household keys per master key id, after the last pass.
    pub census: BTreeMap<String, u64>,
}

impl Report {
    /// Returns how many household keys are still wrapped under another master key than the
    /// current one (zero after a complete rewrap).
    pub fn left_behind(&self) -> u64 {
        self.census
            .iter()
            .filter(|(id, _)| **id != self.current)
            .map(|(_, count)| count)
            .sum()
    }
}

/// Re-wraps every household key in the bucket under the current master key in `key_dir`,
/// after telling running processes to switch to it.
///
/// # Errors
/// When the key directory cannot be read or NATS cannot be reached; a key under a master key
/// the directory does not have is reported, not skipped. Running it again is always safe.
pub async fn rewrap(
    jetstream: &async_nats::jetstream::Context,
    key_dir: &Path,
) -> anyhow::Result<Report> {
    let masters = keys::load_masters(key_dir)?;
    let store = KeyStore::new(stream::bucket(jetstream, KEYS_BUCKET).await?, masters);
    store.announce_rotation().await?;
    let mut total = Rewrap::default();
    for pass in 0..PASSES {
        if pass > 0 {
            // Give processes that wrapped under the old key a moment to hear of the new one.
            tokio::time::sleep(Duration::from_secs(1)).await;
        }
        let done = store.rewrap().await?;
        tracing::info!(
            pass,
            rewrapped = done.rewrapped,
            "re-wrapped household keys"
        );
        total.rewrapped += done.rewrapped;
        // What was there before the rotation: the first pass saw it.
        if pass == 0 {
            total.destroyed = done.destroyed;
            total.current = done.current;
        }
        if done.rewrapped == 0 {
            break;
        }
    }
    let report = Report {
        current: store.current_master_id(),
        rewrap: total,
        census: store.census().await?,
    };
    // Every household's key wrapped anew: an act the privacy officer looks up.
    let act = crate::on_record::Act {
        who: "rondom-keys-rotate",
        what: format!(
            "household keys re-wrapped under master key {}: {} re-wrapped",
            report.current, report.rewrap.rewrapped
        ),
        household: None,
        outcome: "OK",
    };
    crate::on_record::record(&rondom_bus::AuditLog::new(jetstream.clone()), act).await?;
    Ok(report)
}

/// Returns household keys per master key id, as [`Report::census`].
///
/// # Errors
/// When NATS cannot be reached or a stored key is not a wrapped key.
pub async fn census(
    jetstream: &async_nats::jetstream::Context,
    key_dir: &Path,
) -> anyhow::Result<(String, BTreeMap<String, u64>)> {
    let masters = keys::load_masters(key_dir)?;
    let store = KeyStore::new(stream::bucket(jetstream, KEYS_BUCKET).await?, masters);
    Ok((store.current_master_id(), store.census().await?))
}
