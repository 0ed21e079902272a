//! The wijkteam adapter: `rondom.v1.SignalService`. A wijkteam system posts a signal; the
//! adapter checks it against the signal catalogue and hands it to the same
//! [`rondom_adapter::EventWriter`] the pillar services use, filed under the pillar the signal
//! is for, so a household's timeline reads as one story across all pillars. The reply goes
//! out only after JetStream has acknowledged the event.
//!
//! # Layout
//! - [`config`] — [`Config`] of the standalone role
//! - [`grpc`] — [`SignalHandler`], from a posted signal to a published event
//!
//! # Example
//! ```no_run
//! # async fn example(config: rondom_adapter_wijkteam::Config) -> anyhow::Result<()> {
//! let listener = tokio::net::TcpListener::bind(config.grpc_addr).await?;
//! rondom_adapter_wijkteam::run(config, listener, rondom_runtime::shutdown_signal()).await?;
//! # Ok(()) }
//! ```

pub mod config;
pub mod grpc;

use std::future::Future;
use std::sync::Arc;

use rondom_adapter::EventWriter;
use rondom_proto::v1::signal_service_server::SignalServiceServer;
use tokio::net::TcpListener;

pub use config::Config;
pub use grpc::SignalHandler;

/// Returns the gRPC service publishing through `writer`.
pub fn service(writer: Arc<EventWriter>) -> SignalServiceServer<SignalHandler> {
    SignalServiceServer::new(SignalHandler::new(writer))
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
    rondom_adapter::run_role(&config.common, listener, shutdown, |services, writer| {
        services.with_service(service(writer))
    })
    .await
}
