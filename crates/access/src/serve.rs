//! Serving gRPC: the Rondom services plus `grpc.health.v1.Health` and server reflection (v1
//! and v1alpha, as grpcurl 1.8 only speaks v1alpha), so ordinary tools work out of the box.

use std::convert::Infallible;
use std::future::Future;

use tokio::net::TcpListener;
use tonic::body::Body;
use tonic::codegen::Service;
use tonic::codegen::http::{Request, Response};
use tonic::server::NamedService;
use tonic::service::RoutesBuilder;
use tonic::transport::Server;
use tonic::transport::server::TcpIncoming;
use tonic_health::ServingStatus;
use tonic_health::server::HealthReporter;

/// The services one process serves, and the health reporter that tracks them.
#[derive(Debug)]
pub struct GrpcServices {
    routes: RoutesBuilder,
    names: Vec<&'static str>,
    health: HealthReporter,
    health_service:
        tonic_health::pb::health_server::HealthServer<tonic_health::server::HealthService>,
    clients: crate::live_clients::LiveClients,
    audit: rondom_bus::AuditLog,
    readiness: Option<rondom_runtime::readiness::Readiness>,
    tls: Option<tonic::transport::ServerTlsConfig>,
}

impl GrpcServices {
    /// Returns an empty set with health and reflection ready. Every call must carry a bearer
    /// token of one of `clients` with a role that may call the service (health and reflection
    /// stay open); refusals are recorded in `audit`.
    pub fn new(
        clients: impl Into<crate::live_clients::LiveClients>,
        audit: rondom_bus::AuditLog,
    ) -> Self {
        let health = HealthReporter::new();
        let health_service = tonic_health::pb::health_server::HealthServer::new(
            tonic_health::server::HealthService::from_health_reporter(health.clone()),
        );
        Self {
            routes: RoutesBuilder::default(),
            names: Vec::new(),
            health,
            health_service,
            clients: clients.into(),
            audit,
            readiness: None,
            tls: None,
        }
    }

    /// Serves over TLS with `tls` (see [`rondom_runtime::tls::TlsFiles`]); `None` leaves it plaintext.
    #[must_use]
    pub fn with_tls(mut self, tls: Option<tonic::transport::ServerTlsConfig>) -> Self {
        self.tls = tls;
        self
    }

    /// Reports health from `readiness` (NATS, the projector's lag) instead of always SERVING.
    #[must_use]
    pub fn with_readiness(mut self, readiness: rondom_runtime::readiness::Readiness) -> Self {
        self.readiness = Some(readiness);
        self
    }

    /// Adds a service; it reports SERVING once [`serve`] starts.
    pub fn with_service<S>(mut self, service: S) -> Self
    where
        S: Service<Request<Body>, Response = Response<Body>, Error = Infallible>
            + NamedService
            + Clone
            + Send
            + Sync
            + 'static,
        S::Future: Send + 'static,
    {
        self.names.push(S::NAME);
        self.routes.add_service(service);
        self
    }
}

/// How long in-flight calls and open streams get to finish after a shutdown begins. A client
/// that never closes its side of a stream (a partner's acknowledgements, a hung process)
/// would otherwise keep the hub from ever stopping.
pub const DRAIN_DEADLINE: std::time::Duration = std::time::Duration::from_secs(10);

/// Serves `services` on `listener` until `shutdown` resolves; in-flight calls then finish,
/// for up to [`DRAIN_DEADLINE`], after which the connections still open are closed.
///
/// # Errors
/// The transport error when serving fails.
pub async fn serve(
    listener: TcpListener,
    services: GrpcServices,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> Result<(), tonic::transport::Error> {
    let GrpcServices {
        mut routes,
        names,
        health,
        health_service,
        clients,
        audit,
        readiness,
        tls,
    } = services;
    // Aborted when serving ends (the guard drops).
    let _readiness = match readiness {
        Some(readiness) => Some(readiness.start(health.clone(), names.clone()).await),
        None => {
            for name in &names {
                health
                    .set_service_status(*name, ServingStatus::Serving)
                    .await;
            }
            health.set_service_status("", ServingStatus::Serving).await;
            None
        }
    };
    let counter = rondom_runtime::metrics::CallCounter::new(
        names
            .iter()
            .flat_map(|name| rondom_proto::methods_of(name))
            .chain(crate::refusals::OPEN_METHODS),
    );

    let reflection = || {
        tonic_reflection::server::Builder::configure()
            .register_encoded_file_descriptor_set(rondom_proto::FILE_DESCRIPTOR_SET)
            .register_encoded_file_descriptor_set(tonic_health::pb::FILE_DESCRIPTOR_SET)
            .register_encoded_file_descriptor_set(tonic_types::pb::FILE_DESCRIPTOR_SET)
    };
    let reflection_v1 = reflection()
        .build_v1()
        .expect("descriptor sets are built in");
    let reflection_v1alpha = reflection()
        .build_v1alpha()
        .expect("descriptor sets are built in");
    routes
        .add_service(health_service)
        .add_service(reflection_v1)
        .add_service(reflection_v1alpha);

    let (shutdown, begun) = noted(shutdown);
    let address = listener.local_addr().ok();
    tracing::info!(address = ?address, services = ?names, "serving gRPC");
    let mut server = Server::builder();
    if let Some(tls) = tls {
        server = server.tls_config(tls)?;
    }
    let serving = server
        // A partner whose connection died silently is noticed, so its subscription (and the
        // durable name it holds) ends.
        .http2_keepalive_interval(Some(std::time::Duration::from_secs(30)))
        .http2_keepalive_timeout(Some(std::time::Duration::from_secs(10)))
        .trace_fn(|request| {
            let path = crate::refusals::known_method(request.uri().path());
            tracing::info_span!("grpc", path = %path)
        })
        .layer(counter)
        .layer(crate::auth::AuthLayer::new(clients, audit))
        .add_routes(routes.routes())
        // Without TCP_NODELAY a reply's last frame waits for the client's delayed ACK: ~40 ms
        // added to every unary call.
        .serve_with_incoming_shutdown(
            TcpIncoming::from(listener).with_nodelay(Some(true)),
            shutdown,
        );
    within_deadline(serving, begun).await
}

/// Returns `shutdown` for the server, and a token cancelled when it resolves: the server takes
/// the future, the drain deadline starts from the token.
fn noted(
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> (
    impl Future<Output = ()> + Send + 'static,
    tokio_util::sync::CancellationToken,
) {
    let begun = tokio_util::sync::CancellationToken::new();
    let noting = begun.clone();
    let shutdown = async move {
        shutdown.await;
        noting.cancel();
    };
    (shutdown, begun)
}

/// Runs `serving` until it has drained, or until [`DRAIN_DEADLINE`] after `begun`; then the
/// server and the connections still open are dropped.
async fn within_deadline(
    serving: impl Future<Output = Result<(), tonic::transport::Error>>,
    begun: tokio_util::sync::CancellationToken,
) -> Result<(), tonic::transport::Error> {
    tokio::select! {
        served = serving => served,
        () = async {
            begun.cancelled().await;
            tokio::time::sleep(DRAIN_DEADLINE).await;
        } => {
            tracing::warn!(
                seconds = DRAIN_DEADLINE.as_secs(),
                "connections still open after the drain deadline; closing them"
            );
            Ok(())
        }
    }
}
