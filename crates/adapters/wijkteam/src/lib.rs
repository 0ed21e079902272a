//! The wijkteam adapter: `rondom.v1.SignalService`. A wijkteam system posts a signal; the
//! adapter checks it, pseudonymises the persons, resolves their household, seals every BSN,
//! name and free text with the household's key, and publishes one CloudEvent on
//! `RONDOM_EVENTS`. The reply goes out only after JetStream has acknowledged the event.
//!
//! # Layout
//! - [`config`] — [`Config`] of the standalone role
//! - [`ingest`] — [`SignalIngest`], from a checked signal to an acknowledged event
//! - [`grpc`] — [`SignalHandler`], the gRPC face of the ingest
//! - [`error`] — [`Error`] and its gRPC status
//!
//! # Example
//! ```no_run
//! # async fn example(config: rondom_adapter_wijkteam::Config) -> anyhow::Result<()> {
//! let listener = tokio::net::TcpListener::bind(config.grpc_addr).await?;
//! rondom_adapter_wijkteam::run(config, listener, rondom_runtime::shutdown_signal()).await?;
//! # Ok(()) }
//! ```

pub mod config;
pub mod error;
pub mod grpc;
pub mod ingest;

use std::future::Future;
use std::sync::Arc;

use anyhow::Context as _;
use rondom_bus::stream::StreamSettings;
use rondom_proto::v1::signal_service_server::SignalServiceServer;
use rondom_runtime::{GrpcServices, Keys};
use tokio::net::TcpListener;

pub use config::Config;
pub use error::{Error, Result};
pub use grpc::SignalHandler;
pub use ingest::SignalIngest;

/// Returns the gRPC service over an already provisioned JetStream.
///
/// # Errors
/// When the KV buckets cannot be opened.
pub async fn signal_service(
    jetstream: &async_nats::jetstream::Context,
    keys: &Keys,
) -> rondom_bus::Result<SignalServiceServer<SignalHandler>> {
    let ingest = SignalIngest::open(jetstream, keys).await?;
    Ok(SignalServiceServer::new(SignalHandler::new(Arc::new(
        ingest,
    ))))
}

/// Runs the adapter as its own role on `listener` until `shutdown` resolves.
///
/// # Errors
/// When NATS, the stream or the key files cannot be set up, or serving fails.
pub async fn run(
    config: Config,
    listener: TcpListener,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> anyhow::Result<()> {
    let keys = Keys::load_or_generate(&config.common.key_dir).context("failed to load keys")?;
    let (client, jetstream) =
        rondom_bus::open(&config.common.nats_url, &StreamSettings::default()).await?;
    let services = GrpcServices::new().with_service(signal_service(&jetstream, &keys).await?);
    rondom_runtime::serve(listener, services, shutdown)
        .await
        .context("gRPC server failed")?;
    // In-flight calls finished with their acks; flush whatever the client still buffers.
    client.flush().await.context("failed to flush NATS")?;
    Ok(())
}
