//! The one place roles are composed: every role in one process (`rondom up`), the writing
//! roles and the reading role of `rondom serve`, all on one gRPC listener each.

use std::future::Future;
use std::path::PathBuf;
use std::sync::Arc;

use crate::common::CommonArgs;
use anyhow::Context as _;
use rondom_access::GrpcServices;
use rondom_access::audit::AuditHandler;
use rondom_adapter::EventWriter;
use rondom_bus::stream::StreamSettings;
use rondom_lifecycle::{Lifecycle, LifecycleSettings};
use rondom_projector::{ProjectionSettings, ProjectorTask, ReadSide};
use rondom_proto::v1::audit_service_server::AuditServiceServer;
use rondom_runtime::Keys;
use rondom_runtime::readiness::{ProjectorProbe, Readiness};
use tokio::net::TcpListener;
use tokio_util::sync::CancellationToken;

/// The NATS URL each part of the hub connects with: on a locked bus, each as its own user
/// (`deploy/nats/accounts.conf`).
#[derive(Clone)]
pub struct HubNats {
    /// Creates or updates the streams and buckets at start.
    pub operator: String,
    /// The writing services.
    pub writer: String,
    /// The projector and the reading services.
    pub projector: String,
}

impl HubNats {
    /// Every part with the same URL (a bus that is not locked, or an operator's URL).
    pub fn same(url: &str) -> Self {
        Self {
            operator: url.to_owned(),
            writer: url.to_owned(),
            projector: url.to_owned(),
        }
    }
}

impl std::fmt::Debug for HubNats {
    /// Leaves the passwords out.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("HubNats")
            .field("operator", &rondom_bus::without_passwords(&self.operator))
            .field("writer", &rondom_bus::without_passwords(&self.writer))
            .field("projector", &rondom_bus::without_passwords(&self.projector))
            .finish()
    }
}

/// What the hub needs besides its listener.
#[derive(Debug, Clone)]
pub struct HubConfig {
    pub nats: HubNats,
    /// Holds keys/ (the read model's directory is `projection.data_dir`).
    pub data_dir: PathBuf,
    pub stream: StreamSettings,
    /// The read model and how the projector reads.
    pub projection: ProjectionSettings,
    /// How long personal data is kept.
    pub lifecycle: LifecycleSettings,
    /// The clients allowed to call, as they are in force.
    pub clients: rondom_access::live_clients::LiveClients,
    /// TLS of the gRPC listener; `None` serves plaintext (loopback only).
    pub tls: Option<tonic::transport::ServerTlsConfig>,
}

/// Adds one writing service over a shared writer.
pub type AddWriter = fn(GrpcServices, Arc<EventWriter>) -> GrpcServices;

/// The writing services, each by the name of its role (`rondom serve --role <name>`): the
/// wijkteam's signals, one service per law of `rondom_domain::law::LAWS`, and regie.
pub const WRITERS: &[(&str, AddWriter)] = &[
    ("wijkteam", |services, writer| {
        services.with_service(rondom_adapter_wijkteam::service(writer))
    }),
    ("wmo", |services, writer| {
        services.with_service(rondom_adapter_wmo::service(writer))
    }),
    ("jeugd", |services, writer| {
        services.with_service(rondom_adapter_jeugd::service(writer))
    }),
    ("participatie", |services, writer| {
        services.with_service(rondom_adapter_participatie::service(writer))
    }),
    ("schuldhulp", |services, writer| {
        services.with_service(rondom_adapter_schuldhulp::service(writer))
    }),
    ("regie", |services, writer| {
        services.with_service(rondom_adapter_regie::service(writer))
    }),
    ("istandaard", |services, writer| {
        services.with_service(rondom_adapter_istandaard::service(writer))
    }),
];

/// Adds every writing service of [`WRITERS`] over one writer.
pub fn writer_services(services: GrpcServices, writer: &Arc<EventWriter>) -> GrpcServices {
    WRITERS
        .iter()
        .fold(services, |services, (_, add)| add(services, writer.clone()))
}

/// Adds every reading service over the projector's read side: households for coordinators
/// and partners, subscriptions for partners, the audit log, erasure and retention for
/// operators. `stop` ends open subscriptions, which would otherwise keep the server from
/// draining.
pub fn read_services(
    services: GrpcServices,
    read: &ReadSide,
    lifecycle: &Lifecycle,
    jetstream: &async_nats::jetstream::Context,
    stop: &CancellationToken,
) -> GrpcServices {
    services
        .with_service(read.household_service())
        .with_service(lifecycle.operator_service())
        .with_service(rondom_subscriptions::service(read, jetstream, stop.clone()))
        .with_service(AuditServiceServer::new(AuditHandler::new(
            read.audit.clone(),
        )))
}

/// Runs writing services as their own role (`rondom serve --role wijkteam|wmo|...|adapters`)
/// on `listener` until `shutdown` resolves: `services` adds the role's services over one
/// shared writer.
///
/// # Errors
/// When NATS, the stream, the key files or the clients file cannot be set up, or serving
/// fails.
pub async fn run_writer(
    common: &CommonArgs,
    listener: TcpListener,
    shutdown: impl Future<Output = ()> + Send + 'static,
    services: impl FnOnce(GrpcServices, Arc<EventWriter>) -> GrpcServices,
) -> anyhow::Result<()> {
    let keys = Keys::load_or_generate(&common.key_dir).context("failed to load keys")?;
    let (client, jetstream) = rondom_bus::open(&common.nats_url, &common.stream()).await?;
    let clients = common.load_clients().await?;
    let writer = Arc::new(EventWriter::open(&jetstream, &keys).await?);
    let audit = rondom_bus::AuditLog::new(jetstream.clone());
    let tls = common.tls.server_config(listener.local_addr()?)?;
    let grpc = GrpcServices::new(clients, audit)
        .with_readiness(Readiness::new(client.clone()))
        .with_tls(tls);
    rondom_access::serve(listener, services(grpc, writer), shutdown)
        .await
        .context("gRPC server failed")?;
    // In-flight calls finished with their acks; flush whatever the client still buffers.
    client.flush().await.context("failed to flush NATS")?;
    Ok(())
}

/// Resolves with `shutdown`, first ending the subscriptions behind `stop`.
async fn ending(shutdown: impl Future<Output = ()>, stop: CancellationToken) {
    shutdown.await;
    stop.cancel();
}

/// Runs the projector and the reading services as one role (`rondom serve --role projector`)
/// until `shutdown` resolves.
///
/// # Errors
/// When NATS, the stream, the keys, the clients file or the read model cannot be set up, or
/// serving fails.
pub async fn run_reader(
    common: &CommonArgs,
    projection: &ProjectionSettings,
    lifecycle: &LifecycleSettings,
    listener: TcpListener,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> anyhow::Result<()> {
    let clients = common.load_clients().await?;
    let tls = common.tls.server_config(listener.local_addr()?)?;
    let keys = Keys::load_or_generate(&common.key_dir).context("failed to load keys")?;
    let (client, jetstream) = rondom_bus::open(&common.nats_url, &common.stream()).await?;
    let (read, projector) = rondom_projector::start(&jetstream, &keys, projection).await?;
    let services = GrpcServices::new(clients, read.audit.clone()).with_tls(tls);
    let reading = Reading {
        read,
        lifecycle: lifecycle.clone(),
        keys,
        projector,
        client,
        jetstream,
        writer_client: None,
        max_lag: projection.max_lag,
    };
    reading.serve(listener, services, shutdown).await
}

/// The projector's side of a process, and the NATS connection it runs on.
struct Reading {
    read: ReadSide,
    lifecycle: LifecycleSettings,
    keys: Keys,
    projector: ProjectorTask,
    client: async_nats::Client,
    jetstream: async_nats::jetstream::Context,
    /// The writing services' own connection, in a process that has them.
    writer_client: Option<async_nats::Client>,
    max_lag: u64,
}

impl Reading {
    /// Serves `services` plus the reading services until `shutdown` resolves, then stops in
    /// order: subscriptions end and RPCs finish, the retention task ends, the projector applies
    /// its batch and flushes sled, and the NATS client drains.
    async fn serve(
        self,
        listener: TcpListener,
        services: GrpcServices,
        shutdown: impl Future<Output = ()> + Send + 'static,
    ) -> anyhow::Result<()> {
        let stop = CancellationToken::new();
        let readiness = Readiness::new(self.client.clone()).with_projector(ProjectorProbe {
            jetstream: self.jetstream.clone(),
            applied: self.read.applied.clone(),
            storage_failing: self.read.storage_failing.clone(),
            max_lag: self.max_lag,
            readers: vec![
                rondom_proto::v1::household_service_server::SERVICE_NAME,
                rondom_proto::v1::subscription_service_server::SERVICE_NAME,
                rondom_proto::v1::operator_service_server::SERVICE_NAME,
            ],
        });
        // The retention task ends with `stop` too, and is awaited before the read model closes.
        let (lifecycle, retention) = rondom_lifecycle::start(
            &self.jetstream,
            &self.keys,
            &self.read,
            &self.lifecycle,
            stop.clone(),
        )
        .await?;
        let services = read_services(
            services.with_readiness(readiness),
            &self.read,
            &lifecycle,
            &self.jetstream,
            &stop,
        );
        let served = rondom_access::serve(listener, services, ending(shutdown, stop.clone())).await;
        // Also when serving failed before a shutdown was asked for.
        stop.cancel();
        if let Err(err) = retention.await {
            tracing::error!(error = %err, "the retention task failed");
        }
        self.projector
            .shutdown()
            .await
            .context("failed to stop the projector cleanly")?;
        if let Some(writer) = self.writer_client {
            writer.drain().await.context("failed to drain NATS")?;
        }
        self.client.drain().await.context("failed to drain NATS")?;
        served.context("gRPC server failed")
    }
}

/// Serves every service (signals, pillars, regie, households, subscriptions, audit) on
/// `listener` until `shutdown` resolves, then stops in order (see [`Reading::serve`]).
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
    provision(&config.nats.operator, &config.stream).await?;
    let (writer_client, writer_jetstream) =
        rondom_bus::open(&config.nats.writer, &config.stream).await?;
    let (client, jetstream) = rondom_bus::open(&config.nats.projector, &config.stream).await?;
    let (read, projector) = rondom_projector::start(&jetstream, &keys, &config.projection).await?;
    // One process: the writer knows every event id the read model applied.
    let model = read.model.clone();
    let writer = Arc::new(
        EventWriter::open(&writer_jetstream, &keys)
            .await?
            .knowing_applied(move |id| model.first_position_of(id).ok().flatten()),
    );
    let grpc =
        GrpcServices::new(config.clients.clone(), read.audit.clone()).with_tls(config.tls.clone());
    let services = writer_services(grpc, &writer);
    let reading = Reading {
        read,
        lifecycle: config.lifecycle.clone(),
        keys,
        projector,
        client,
        jetstream,
        writer_client: Some(writer_client),
        max_lag: config.projection.max_lag,
    };
    reading.serve(listener, services, shutdown).await
}

/// Creates the streams and buckets, or brings them to this version's configuration, as the
/// operator: `rondom provision`, and `rondom up` at every start.
///
/// # Errors
/// When NATS cannot be reached or refuses.
pub async fn provision(operator_url: &str, settings: &StreamSettings) -> anyhow::Result<()> {
    let client = rondom_bus::connect(operator_url).await?;
    rondom_bus::stream::provision(&rondom_bus::jetstream(client.clone()), settings).await?;
    client.drain().await.context("failed to drain NATS")?;
    Ok(())
}

/// Starts the regiewerkplek on `args.web_addr`, calling the hub at `grpc_addr`, until `stop`;
/// `None` when the hub serves gRPC over TLS (the pages then run as their own role, `rondom
/// serve --role web`, with the hub's certificate).
///
/// # Errors
/// When the address cannot be bound, or would serve plain HTTP off loopback.
pub async fn start_web(
    args: &crate::common::WebArgs,
    grpc_addr: std::net::SocketAddr,
    grpc_tls: bool,
    settings: rondom_web::WebSettings,
    stop: &CancellationToken,
) -> anyhow::Result<Option<tokio::task::JoinHandle<anyhow::Result<()>>>> {
    if grpc_tls {
        tracing::warn!("gRPC is served over TLS: the regiewerkplek is not started in this process");
        return Ok(None);
    }
    let listener = web_listener(args).await?;
    // The hub's own listener, on loopback when it listens on every address.
    let mut hub_addr = grpc_addr;
    if hub_addr.ip().is_unspecified() {
        hub_addr.set_ip(std::net::Ipv4Addr::LOCALHOST.into());
    }
    let channel =
        tonic::transport::Channel::from_shared(format!("http://{hub_addr}"))?.connect_lazy();
    tracing::info!(url = %args.url(), "regiewerkplek up");
    Ok(Some(tokio::spawn(rondom_web::serve(
        listener,
        rondom_web::Hub::new(channel),
        settings,
        stop.clone().cancelled_owned(),
    ))))
}

/// Binds the regiewerkplek's address: plain HTTP only on loopback, or behind a proxy that
/// serves it over TLS (`--web-url https://...`).
///
/// # Errors
/// When it cannot be bound, or would serve plain HTTP to the network.
pub async fn web_listener(args: &crate::common::WebArgs) -> anyhow::Result<TcpListener> {
    anyhow::ensure!(
        args.web_addr.ip().is_loopback() || args.url().starts_with("https://"),
        "the regiewerkplek serves plain HTTP: bind --web-addr to loopback behind a TLS proxy and pass --web-url https://..."
    );
    TcpListener::bind(args.web_addr)
        .await
        .with_context(|| format!("failed to bind the regiewerkplek on {}", args.web_addr))
}
