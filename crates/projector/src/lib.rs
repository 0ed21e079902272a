//! The household projector: folds every event of `RONDOM_EVENTS` into one integral view per
//! household in sled (the fold itself is `rondom_fold`'s), and serves
//! `rondom.v1.HouseholdService` to coordinators and partners, each reader seeing what the
//! need-to-know policy lets it see.
//!
//! # Layout
//! - [`config`] — [`ProjectionSettings`]
//! - [`worklist`] — `ListHouseholds`: filtered households, most urgent deadline first
//! - [`store`] — [`ReadModel`], sled trees written in one transaction with the checkpoint
//! - [`generation`] — read model generations, switched atomically by a rebuild
//! - [`consumer`] — the durable pull loop
//! - [`rebuild`] — rebuild the read model from the log
//! - [`quarantine`] — events the fold could not apply, set aside with their reason
//! - [`request`] — the read requests checked against their ranges (pure)
//! - [`grpc`] — [`HouseholdHandler`]
//! - [`error`] — [`Error`] and its gRPC status
//!
//! # Example
//! ```no_run
//! # async fn example(keys: rondom_runtime::Keys, args: rondom_projector::ProjectionSettings) -> anyhow::Result<()> {
//! let nats = rondom_bus::connect("nats://127.0.0.1:4222").await?;
//! let jetstream = rondom_bus::jetstream(nats);
//! let (read, task) = rondom_projector::start(&jetstream, &keys, &args).await?;
//! let households = read.household_service(); // serve it with rondom_access::serve
//! task.shutdown().await?;
//! # Ok(()) }
//! ```

pub mod config;
pub mod consumer;
pub mod error;
pub mod generation;
pub mod grpc;
pub mod quarantine;
pub mod rebuild;
pub mod request;
pub mod store;
pub mod worklist;

use rondom_bus::stream::{self, KEYS_BUCKET};
use rondom_bus::{AuditLog, KeyStore};
use rondom_proto::v1::household_service_server::HouseholdServiceServer;
use rondom_runtime::Keys;
use tokio::sync::watch;
use tokio::task::JoinHandle;
use tokio_util::sync::CancellationToken;

pub use config::ProjectionSettings;
pub use error::{Error, Result};
pub use generation::Generations;
pub use grpc::HouseholdHandler;
pub use store::{EncodedView, ReadModel};

/// The running consumer; stop it with [`ProjectorTask::shutdown`].
#[derive(Debug)]
pub struct ProjectorTask {
    cancel: CancellationToken,
    handle: JoinHandle<()>,
    model: ReadModel,
}

impl ProjectorTask {
    /// Stops consuming (the batch in hand is applied and acked first), then flushes and closes
    /// the read model ([`ReadModel::close`]): when this returns, another process can open it.
    ///
    /// # Errors
    /// [`Error::Storage`] when the flush fails, [`Error::StillInUse`] when a read does not let
    /// go of the model.
    pub async fn shutdown(self) -> Result<()> {
        self.cancel.cancel();
        if let Err(err) = self.handle.await {
            tracing::error!(
                error = &err as &dyn std::error::Error,
                "projector consumer task failed"
            );
        }
        self.model.close(CLOSE_PATIENCE).await
    }
}

/// How long a stopping hub waits for reads in flight to let go of the read model.
const CLOSE_PATIENCE: std::time::Duration = std::time::Duration::from_secs(10);

/// What the read services share: the read model, how far the projector got, the keys that
/// open personal data, the pseudonym key for BSN lookups and the audit log.
#[derive(Debug, Clone)]
pub struct ReadSide {
    pub model: ReadModel,
    pub applied: watch::Receiver<u64>,
    /// True while the projector cannot write its read model (a full disk): it stops applying
    /// and tries again until the disk takes writes.
    pub storage_failing: watch::Receiver<bool>,
    pub keys: std::sync::Arc<KeyStore>,
    pub pseudonyms: rondom_domain::PseudonymKey,
    /// Checks that the hub signed each event a partner subscription sends.
    pub signer: rondom_bus::EventSigner,
    /// How long a read with `min_position` waits for the projector.
    pub read_wait: std::time::Duration,
    pub audit: AuditLog,
    /// Which household a person is in now: a read by BSN finds it here.
    pub registry: rondom_bus::HouseholdRegistry,
}

impl ReadSide {
    /// Returns `HouseholdService` over this read side.
    pub fn household_service(&self) -> HouseholdServiceServer<HouseholdHandler> {
        HouseholdServiceServer::new(HouseholdHandler::new(self.clone()))
    }

    /// Waits until the projector has applied `position` (read-your-writes).
    ///
    /// # Errors
    /// [`Error::NotYetApplied`] when it does not within `read_wait`.
    pub async fn wait_for(&self, position: u64) -> Result<()> {
        if position == 0 {
            return Ok(());
        }
        let mut applied = self.applied.clone();
        match tokio::time::timeout(
            self.read_wait,
            applied.wait_for(|reached| *reached >= position),
        )
        .await
        {
            Ok(Ok(_)) => Ok(()),
            Ok(Err(_)) | Err(_) => Err(Error::NotYetApplied {
                wanted: position,
                reached: *self.applied.borrow(),
            }),
        }
    }

    /// Returns the stream position the read model has applied.
    pub fn position(&self) -> u64 {
        *self.applied.borrow()
    }
}

/// Warns the operator when the decrees under Atw art. 3 lid 3 it knows end within a year:
/// terms ending later may meet a day the next decree makes equal to a holiday.
fn warn_when_the_calendar_runs_out(calendar: &rondom_domain::calendar::Calendar) {
    let horizon = rondom_domain::calendar::today() + chrono::Days::new(365);
    if let Some(known) = calendar.known_until()
        && known < horizon
    {
        tracing::warn!(
            %known,
            "the last known decree of days made equal to holidays (Atw art. 3 lid 3) ends within a year: add the next one to the bylaw file ([[gelijkstelling]]) when it is published"
        );
    }
}

/// Opens the read model at `path` counting with `bylaws`.
async fn open(
    path: &std::path::Path,
    cache_mb: u64,
    bylaws: &std::sync::Arc<rondom_domain::bylaw::BylawTerms>,
) -> Result<ReadModel> {
    let (path, bylaws) = (path.to_owned(), bylaws.clone());
    tokio::task::spawn_blocking(move || {
        ReadModel::open_with_cache(&path, cache_mb).map(|model| model.with_bylaws(bylaws))
    })
    .await
    .expect("opening sled does not panic")
}

/// Opens the read model, starts consuming and returns what the read services need, with the
/// task. A read model folded under another calendar of working days (a decree added) is
/// folded again from the log first, so due dates already computed follow.
///
/// # Errors
/// When the read model cannot be opened (another process may hold it) or the key bucket
/// cannot be reached.
pub async fn start(
    jetstream: &async_nats::jetstream::Context,
    keys: &Keys,
    args: &ProjectionSettings,
) -> Result<(ReadSide, ProjectorTask)> {
    let generations = Generations::new(&args.data_dir);
    let bylaws = args.load_bylaws()?;
    let calendar = store::folded_with(&bylaws);
    warn_when_the_calendar_runs_out(bylaws.calendar());
    let mut path = generations.current()?;
    let mut model = open(&path, args.cache_mb, &bylaws).await?;
    if !model.folded_with_calendar(calendar)? {
        // A decree under Atw art. 3 lid 3 was added, or the fold changed what it stores (or
        // the model predates recording either): due dates and views already computed must
        // follow, so the log is folded again first.
        tracing::warn!(
            path = %path.display(),
            "the calendar of working days or the fold changed since the read model was folded: rebuilding it"
        );
        drop(model);
        let batch = args.batch_size.max(1);
        rebuild::rebuild(
            jetstream,
            &generations,
            batch,
            bylaws.clone(),
            &keys.signer,
            false,
        )
        .await?;
        path = generations.current()?;
        model = open(&path, args.cache_mb, &bylaws).await?;
    }
    let checkpoint = model.checkpoint()?;
    tracing::info!(path = %path.display(), checkpoint, "read model opened");
    let (applied_tx, applied_rx) = watch::channel(checkpoint);
    let (failing_tx, failing_rx) = watch::channel(false);
    let cancel = CancellationToken::new();
    let handle = tokio::spawn(consumer::run(
        jetstream.clone(),
        model.clone(),
        args.batch_size.max(1),
        applied_tx,
        failing_tx,
        keys.signer.clone(),
        cancel.child_token(),
    ));
    let key_store = KeyStore::following(
        stream::bucket(jetstream, KEYS_BUCKET).await?,
        keys.masters.clone(),
        keys.reload(),
    );
    let read = ReadSide {
        model: model.clone(),
        applied: applied_rx,
        storage_failing: failing_rx,
        keys: key_store,
        pseudonyms: keys.pseudonym.clone(),
        signer: keys.signer.clone(),
        read_wait: args.read_wait,
        audit: AuditLog::new(jetstream.clone()),
        registry: rondom_bus::HouseholdRegistry::new(
            stream::bucket(jetstream, stream::PERSONS_BUCKET).await?,
        ),
    };
    Ok((
        read,
        ProjectorTask {
            cancel,
            handle,
            model,
        },
    ))
}
