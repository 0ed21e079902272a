//! Every role in one process, all services on one gRPC listener.

use std::future::Future;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use anyhow::Context as _;
use rondom_adapter::EventWriter;
use rondom_bus::stream::StreamSettings;
use rondom_projector::ProjectionArgs;
use rondom_runtime::{GrpcServices, Keys};
use tokio::net::TcpListener;

/// What the hub needs besides its listener.
#[derive(Debug, Clone)]
pub struct HubConfig {
    pub nats_url: String,
    /// Holds keys/ and projector/.
    pub data_dir: PathBuf,
    pub stream: StreamSettings,
    pub batch_size: usize,
    pub read_wait: Duration,
    /// Per-gemeente bylaw terms (TOML), if any.
    pub bylaws: Option<PathBuf>,
    /// The clients allowed to call; `None` trusts every caller (development).
    pub clients: Option<rondom_runtime::auth::Clients>,
}

/// Adds every writing service (wijkteam signals, the four pillars, regie) over one writer.
pub fn writer_services(services: GrpcServices, writer: &Arc<EventWriter>) -> GrpcServices {
    services
        .with_service(rondom_adapter_wijkteam::service(writer.clone()))
        .with_service(rondom_adapter_wmo::service(writer.clone()))
        .with_service(rondom_adapter_jeugd::service(writer.clone()))
        .with_service(rondom_adapter_participatie::service(writer.clone()))
        .with_service(rondom_adapter_schuldhulp::service(writer.clone()))
        .with_service(rondom_adapter_regie::service(writer.clone()))
}

/// Serves every service (signals, pillars, regie, households) on `listener` until `shutdown` resolves, then
/// stops in order: RPCs finish, the projector applies its batch and flushes sled, and the
/// NATS client drains.
///
/// # Errors
/// When NATS, the stream, the keys or the read model cannot be set up, or serving fails.
pub async fn run(
    config: HubConfig,
    listener: TcpListener,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> anyhow::Result<()> {
    let keys =
        Keys::load_or_generate(&config.data_dir.join("keys")).context("failed to load keys")?;
    let (client, jetstream) = rondom_bus::open(&config.nats_url, &config.stream).await?;

    let writer = Arc::new(EventWriter::open(&jetstream, &keys).await?);
    let projection = ProjectionArgs {
        data_dir: config.data_dir.join("projector"),
        batch_size: config.batch_size,
        read_wait: config.read_wait,
        bylaws: config.bylaws.clone(),
    };
    let (household_service, projector) =
        rondom_projector::start(&jetstream, &keys, &projection).await?;
    let grpc = GrpcServices::new().with_clients(config.clients.clone());
    let services = writer_services(grpc, &writer).with_service(household_service);
    let served = rondom_runtime::serve(listener, services, shutdown).await;

    projector
        .shutdown()
        .await
        .context("failed to stop the projector cleanly")?;
    client.drain().await.context("failed to drain NATS")?;
    served.context("gRPC server failed")
}
