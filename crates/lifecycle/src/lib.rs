//! The lifecycle of personal data, in one home: erasure (crypto-shredding a household),
//! retention (erasing households whose period ended), re-pseudonymisation under a new
//! pseudonym key, re-wrapping household keys under a new master key, backup and restore (erasures survive
//! a restore), and the operator
//! service that exposes erasure and retention. It writes its events to the log; the projector
//! only reads and folds them.
//!
//! # Layout
//! - [`backup`] — `rondom backup` and `rondom restore`, with erasures surviving a restore
//! - [`erasure`] — `EraseHousehold`: crypto-shredding a household
//! - [`export`] — `ExportPerson`: everything held on one person (AVG art. 15 and 20)
//! - [`retention`] — households whose retention period ended, and the task that erases them
//! - [`pseudonyms`] — planned re-pseudonymisation under a new pseudonym key
//! - [`master_key`] — re-wrapping every household key under a new master key, without downtime
//! - `hub_event` — the events the hub itself writes, of a catalogue kind
//! - [`grpc`] — [`OperatorHandler`]: `rondom.v1.OperatorService`
//!
//! # Example
//! ```no_run
//! # async fn example(
//! #     jetstream: async_nats::jetstream::Context,
//! #     keys: rondom_runtime::Keys,
//! #     read: rondom_projector::ReadSide,
//! # ) -> anyhow::Result<()> {
//! let settings = rondom_lifecycle::LifecycleSettings::default();
//! let stop = tokio_util::sync::CancellationToken::new();
//! let (lifecycle, retention) =
//!     rondom_lifecycle::start(&jetstream, &keys, &read, &settings, stop.clone()).await?;
//! let operators = lifecycle.operator_service(); // serve it with rondom_access::serve
//! stop.cancel();
//! retention.await?;
//! # Ok(()) }
//! ```

pub mod backup;
pub mod erasure;
pub mod export;
pub mod grpc;
mod hub_event;
pub mod master_key;
pub mod on_record;
pub mod pseudonyms;
pub mod retention;

use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use rondom_domain::retention::RetentionTerms;
use rondom_projector::{Error, ReadSide, Result};
use rondom_proto::v1::operator_service_server::OperatorServiceServer;
use rondom_runtime::Keys;
use tokio_util::sync::CancellationToken;

pub use grpc::OperatorHandler;

/// How long personal data is kept, and how often the retention task looks. The command line
/// that fills it is the CLI's.
#[derive(Debug, Clone)]
pub struct LifecycleSettings {
    /// TOML file of retention periods per pillar in years; without it twenty years each.
    pub retention: Option<PathBuf>,
    /// How often the retention task erases households whose period ended.
    pub retention_every: Duration,
}

impl Default for LifecycleSettings {
    fn default() -> Self {
        Self {
            retention: None,
            retention_every: Duration::from_secs(24 * 60 * 60),
        }
    }
}

impl LifecycleSettings {
    /// Reads and checks the retention file, if one is set.
    ///
    /// # Errors
    /// [`Error::RetentionFile`]: the hub does not start on a wrong file rather than erase on
    /// a wrong term.
    pub fn load_retention(&self) -> Result<RetentionTerms> {
        let Some(path) = self.retention.as_deref() else {
            return Ok(RetentionTerms::default());
        };
        let wrong = |reason: String| Error::RetentionFile {
            path: path.to_owned(),
            reason,
        };
        let text = std::fs::read_to_string(path).map_err(|err| wrong(err.to_string()))?;
        RetentionTerms::from_toml(&text).map_err(|err| wrong(err.to_string()))
    }
}

/// The lifecycle of a running hub: what erasure and retention need.
#[derive(Debug, Clone)]
pub struct Lifecycle {
    read: ReadSide,
    eraser: erasure::Eraser,
    retention: Arc<RetentionTerms>,
}

impl Lifecycle {
    /// Returns `OperatorService` over this lifecycle.
    pub fn operator_service(&self) -> OperatorServiceServer<OperatorHandler> {
        OperatorServiceServer::new(OperatorHandler::new(self.clone()))
    }
}

/// Checks the settings, starts the retention task (until `stop`) and returns the lifecycle
/// with the task, to await after `stop` so no erasure runs on once the read model closes.
///
/// # Errors
/// When the retention file is wrong.
pub async fn start(
    jetstream: &async_nats::jetstream::Context,
    keys: &Keys,
    read: &ReadSide,
    settings: &LifecycleSettings,
    stop: CancellationToken,
) -> Result<(Lifecycle, tokio::task::JoinHandle<()>)> {
    let lifecycle = Lifecycle {
        read: read.clone(),
        eraser: erasure::Eraser {
            publisher: rondom_bus::EventPublisher::new(jetstream.clone(), keys.signer.clone()),
            registry: read.registry.clone(),
        },
        retention: Arc::new(settings.load_retention()?),
    };
    let retention = tokio::spawn(retention::run(
        lifecycle.clone(),
        settings.retention_every,
        stop,
    ));
    Ok((lifecycle, retention))
}
