//! The household projector: folds every event of `RONDOM_EVENTS` into one integral view per
//! household in sled, and serves `rondom.v1.HouseholdService` to coordinators.
//!
//! # Layout
//! - [`config`] — [`Config`] of the role and [`ProjectionArgs`]
//! - [`view`] — the stored views and the pure fold of one event into them
//! - [`casework`] — trajectories, deadlines, regisseur, plan and partners from pillar events
//! - [`assess`] — how a view stands on a given day: deadline states, risk flags
//! - [`worklist`] — `ListHouseholds`: filtered households, most urgent deadline first
//! - [`store`] — [`ReadModel`], sled trees written in one transaction with the checkpoint
//! - [`generation`] — read model generations, switched atomically by a rebuild
//! - [`consumer`] — the durable pull loop
//! - [`rebuild`] — rebuild the read model from the log
//! - [`grpc`] — [`HouseholdHandler`]
//! - [`error`] — [`Error`] and its gRPC status
//!
//! # Example
//! ```no_run
//! # async fn example(config: rondom_projector::Config) -> anyhow::Result<()> {
//! let listener = tokio::net::TcpListener::bind(config.grpc_addr).await?;
//! rondom_projector::run(config, listener, rondom_runtime::shutdown_signal()).await?;
//! # Ok(()) }
//! ```

pub mod assess;
pub mod casework;
pub mod config;
pub mod consumer;
pub mod error;
pub mod generation;
pub mod grpc;
pub mod rebuild;
pub mod store;
pub mod view;
pub mod worklist;

use std::future::Future;

use anyhow::Context as _;
use rondom_bus::KeyStore;
use rondom_bus::stream::{self, KEYS_BUCKET, StreamSettings};
use rondom_proto::v1::household_service_server::HouseholdServiceServer;
use rondom_runtime::{GrpcServices, Keys};
use tokio::net::TcpListener;
use tokio::sync::watch;
use tokio::task::JoinHandle;
use tokio_util::sync::CancellationToken;

pub use config::{Config, ProjectionArgs};
pub use error::{Error, Result};
pub use generation::Generations;
pub use grpc::HouseholdHandler;
pub use store::ReadModel;

/// The running consumer; stop it with [`ProjectorTask::shutdown`].
#[derive(Debug)]
pub struct ProjectorTask {
    cancel: CancellationToken,
    handle: JoinHandle<()>,
    model: ReadModel,
}

impl ProjectorTask {
    /// Stops consuming (the batch in hand is applied and acked first) and flushes sled.
    ///
    /// # Errors
    /// [`Error::Storage`] when the flush fails.
    pub async fn shutdown(self) -> Result<()> {
        self.cancel.cancel();
        if let Err(err) = self.handle.await {
            tracing::error!(
                error = &err as &dyn std::error::Error,
                "projector consumer task failed"
            );
        }
        self.model.flush().await
    }
}

/// Opens the read model, starts consuming and returns the query service with the task.
///
/// # Errors
/// When the read model cannot be opened (another process may hold it) or the key bucket
/// cannot be reached.
pub async fn start(
    jetstream: &async_nats::jetstream::Context,
    keys: &Keys,
    args: &ProjectionArgs,
) -> Result<(HouseholdServiceServer<HouseholdHandler>, ProjectorTask)> {
    let path = Generations::new(&args.data_dir).current()?;
    let bylaws = args.load_bylaws()?;
    let model = {
        let path = path.clone();
        tokio::task::spawn_blocking(move || {
            ReadModel::open(&path).map(|model| model.with_bylaws(bylaws))
        })
        .await
        .expect("opening sled does not panic")?
    };
    let checkpoint = model.checkpoint()?;
    tracing::info!(path = %path.display(), checkpoint, "read model opened");
    let (applied_tx, applied_rx) = watch::channel(checkpoint);
    let cancel = CancellationToken::new();
    let handle = tokio::spawn(consumer::run(
        jetstream.clone(),
        model.clone(),
        args.batch_size.max(1),
        applied_tx,
        cancel.child_token(),
    ));
    let key_store = KeyStore::new(
        stream::bucket(jetstream, KEYS_BUCKET).await?,
        keys.master.clone(),
    );
    let handler = HouseholdHandler::new(
        model.clone(),
        applied_rx,
        key_store,
        keys.pseudonym.clone(),
        args.read_wait,
    );
    Ok((
        HouseholdServiceServer::new(handler),
        ProjectorTask {
            cancel,
            handle,
            model,
        },
    ))
}

/// Runs the projector as its own role on `listener` until `shutdown` resolves.
///
/// # Errors
/// When NATS, the stream, the keys or the read model cannot be set up, or serving fails.
pub async fn run(
    config: Config,
    listener: TcpListener,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> anyhow::Result<()> {
    let keys = Keys::load_or_generate(&config.common.key_dir).context("failed to load keys")?;
    let (client, jetstream) =
        rondom_bus::open(&config.common.nats_url, &StreamSettings::default()).await?;
    let (service, task) = start(&jetstream, &keys, &config.projection).await?;
    let served = rondom_runtime::serve(
        listener,
        GrpcServices::new()
            .with_clients(config.common.load_clients()?)
            .with_service(service),
        shutdown,
    )
    .await;
    task.shutdown()
        .await
        .context("failed to stop the projector cleanly")?;
    client.drain().await.context("failed to drain NATS")?;
    served.context("gRPC server failed")
}
