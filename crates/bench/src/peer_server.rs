//! P7's fair peer, the door: `rondom.v1.SignalService/PostSignal` over gRPC on loopback, on a
//! tokio runtime of its own (as the hub runs in a process of its own, beside the load
//! generator), with the hub's checks: the dev clients' bearer tokens and the role that may
//! call the service, `Signal::validate`, and the gemeenten the client serves. What it writes
//! is [`PeerWriter`]'s.

use std::net::SocketAddr;
use std::path::Path;
use std::sync::Arc;

use chrono::Utc;
use rondom_access::audit::Caller;
use rondom_access::dev_clients::{DevClient, DevTokens};
use rondom_access::live_clients::LiveClients;
use rondom_cli::connection::{Connection, authed};
use rondom_domain::Pillar;
use rondom_proto::v1;
use rondom_proto::v1::signal_service_server::{SignalService, SignalServiceServer};
use tonic::service::Interceptor;
use tonic::service::interceptor::InterceptedService;
use tonic::transport::Server;
use tonic::transport::server::TcpIncoming;
use tonic::{Request, Response, Status};

use crate::peer_writer::PeerWriter;
use crate::stage::Endpoint;

/// The one method the peer serves; the hub's auth layer asks for the method called.
const METHOD: &str = "/rondom.v1.SignalService/PostSignal";

/// The peer's gRPC server, on its own runtime until dropped.
pub(crate) struct PeerServer {
    addr: SocketAddr,
    tokens: DevTokens,
    runtime: Option<tokio::runtime::Runtime>,
}

impl PeerServer {
    /// Starts serving with the dev clients and keys of `dir`, writing to the PostgreSQL
    /// database at `url` through `connections` connections.
    pub(crate) async fn start(dir: &Path, url: String, connections: usize) -> anyhow::Result<Self> {
        let (tokens, clients) = DevTokens::load_or_create(dir)?;
        let keys = rondom_runtime::Keys::load_or_generate(&dir.join("keys"))?;
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .enable_all()
            .thread_name("peer")
            .build()?;
        let listener = std::net::TcpListener::bind("127.0.0.1:0")?;
        listener.set_nonblocking(true)?;
        let addr = listener.local_addr()?;
        let (ready, started) = tokio::sync::oneshot::channel();
        runtime.spawn(async move {
            let opened = async {
                let writer = PeerWriter::open(&url, connections, &keys).await?;
                Ok::<_, anyhow::Error>((writer, tokio::net::TcpListener::from_std(listener)?))
            };
            let (writer, listener) = match opened.await {
                Ok(opened) => opened,
                Err(err) => {
                    let _ = ready.send(Err(err));
                    return;
                }
            };
            let _ = ready.send(Ok(()));
            let service = InterceptedService::new(
                SignalServiceServer::new(PeerSignals {
                    writer: Arc::new(writer),
                }),
                Authenticate {
                    clients: clients.into(),
                },
            );
            let served = Server::builder()
                .add_service(service)
                .serve_with_incoming(TcpIncoming::from(listener).with_nodelay(Some(true)))
                .await;
            if let Err(err) = served {
                eprintln!("the peer's gRPC server stopped: {err}");
            }
        });
        started.await??;
        Ok(Self {
            addr,
            tokens,
            runtime: Some(runtime),
        })
    }
}

impl Endpoint for PeerServer {
    async fn connect(&self, client: DevClient) -> anyhow::Result<Connection> {
        authed(
            crate::stage::channel(self.addr).await?,
            Some(self.tokens.token(client)),
        )
    }
}

impl Drop for PeerServer {
    fn drop(&mut self) {
        if let Some(runtime) = self.runtime.take() {
            runtime.shutdown_background();
        }
    }
}

/// The hub's auth layer for the one service the peer serves: a known, valid bearer token of
/// a client whose role may call it; the caller goes to the handler in the extensions.
/// (Refusals are answered, not audited: the bench sends none.)
#[derive(Clone)]
struct Authenticate {
    clients: LiveClients,
}

impl Interceptor for Authenticate {
    fn call(&mut self, mut request: Request<()>) -> Result<Request<()>, Status> {
        let metadata = request.metadata();
        let token = metadata
            .get("authorization")
            .and_then(|value| value.to_str().ok())
            .and_then(|value| value.split_once(' '))
            .filter(|(scheme, _)| scheme.eq_ignore_ascii_case("bearer"))
            .map(|(_, token)| token.trim());
        let (client, credentials) = self
            .clients
            .authenticate(token, Utc::now())
            .map_err(|err| Status::unauthenticated(err.to_string()))?;
        if !rondom_access::auth::may_call(client.role, METHOD) {
            return Err(Status::permission_denied(format!(
                "client {} ({}) may not call {METHOD}",
                client.id, client.role
            )));
        }
        // The hub reads it from the HTTP headers, which an interceptor sees as metadata.
        let trace_id = rondom_access::audit::trace_id(&metadata.clone().into_headers());
        let caller = Caller {
            client,
            method: METHOD.to_owned(),
            peer: request.remote_addr(),
            trace_id,
            credentials,
        };
        request.extensions_mut().insert(caller);
        Ok(request)
    }
}

/// `rondom.v1.SignalService` over PostgreSQL.
struct PeerSignals {
    writer: Arc<PeerWriter>,
}

#[tonic::async_trait]
impl SignalService for PeerSignals {
    async fn post_signal(
        &self,
        request: Request<v1::PostSignalRequest>,
    ) -> Result<Response<v1::PostSignalResponse>, Status> {
        let (caller, request) = rondom_adapter::split(request)?;
        let event_type = rondom_adapter::pillar::event_type(
            rondom_proto::convert::pillar_from_proto(request.pillar).unwrap_or(Pillar::Wijkteam),
            &request.kind,
        );
        let draft = rondom_adapter_wijkteam::grpc::draft(&caller, request).map_err(Status::from);
        let written = self
            .writer
            .write_audited(&caller, &event_type, draft)
            .await?;
        Ok(Response::new(v1::PostSignalResponse {
            event_id: written.event_id.to_string(),
            household_id: written.household.to_string(),
            position: written.published.position,
            duplicate: written.published.duplicate,
        }))
    }

    async fn post_signals(
        &self,
        _request: Request<v1::PostSignalsRequest>,
    ) -> Result<Response<v1::PostSignalsResponse>, Status> {
        Err(Status::unimplemented("the peer takes PostSignal only"))
    }
}
