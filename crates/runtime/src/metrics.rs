//! What an operator watches, in Prometheus form on `GET /metrics`: ingest counts and publish
//! latency, projector lag and checkpoint age, redeliveries, partner subscription lag, and every
//! gRPC call by outcome (so rejected inputs show by reason). One set per process, as
//! Prometheus scrapes processes; no label ever holds personal data (pillars, gRPC methods and
//! codes, consumer names and client ids only).

use std::borrow::Cow;
use std::convert::Infallible;
use std::future::Future;
use std::pin::Pin;
use std::sync::atomic::AtomicU64;
use std::sync::{Arc, LazyLock};
use std::task::{Context, Poll};

use prometheus_client::encoding::EncodeLabelSet;
pub use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
pub use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::metrics::histogram::{Histogram, exponential_buckets};
use prometheus_client::registry::Registry;
use tokio::net::TcpListener;
use tonic::body::Body;
use tonic::codegen::Service;
use tonic::codegen::http::{Request, Response};

/// The content type of the OpenMetrics text format, which Prometheus negotiates.
pub const CONTENT_TYPE: &str = "application/openmetrics-text; version=1.0.0; charset=utf-8";

/// Events published by a writer, by pillar and whether JetStream had it already.
#[derive(Debug, Clone, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct PublishedLabels {
    pub pillar: Cow<'static, str>,
    pub duplicate: bool,
}

/// gRPC calls by method and the status their reply started with.
#[derive(Debug, Clone, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct CallLabels {
    pub method: Cow<'static, str>,
    pub code: &'static str,
}

/// A JetStream consumer of the hub's own (`projector`, `subscription`).
#[derive(Debug, Clone, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct ConsumerLabels {
    pub consumer: &'static str,
}

/// A partner client, by its configured id.
#[derive(Debug, Clone, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct ClientLabels {
    pub client: String,
}

/// Every metric of the process.
#[derive(Debug)]
pub struct Metrics {
    registry: Registry,
    pub events_published: Family<PublishedLabels, Counter>,
    /// Seconds from handing an event to JetStream to its acknowledgement.
    pub publish_seconds: Histogram,
    pub grpc_calls: Family<CallLabels, Counter>,
    /// 1 while the NATS connection is up.
    pub nats_connected: Gauge,
    /// 1 while the process serves every service (its overall gRPC health), for `/ready`.
    pub ready: Gauge,
    /// The last position of `RONDOM_EVENTS` the process has seen.
    pub stream_position: Gauge,
    /// The projector's checkpoint.
    pub projector_position: Gauge,
    /// Events on the stream the projector has not applied yet.
    pub projector_lag: Gauge,
    /// How long the checkpoint has stood still while events wait (0 when caught up).
    pub checkpoint_age_seconds: Gauge<f64, AtomicU64>,
    /// 1 while the projector cannot write its read model (a full disk).
    pub projector_storage_failing: Gauge,
    /// Events the projector could not apply and set aside; their households are incomplete.
    pub projector_quarantined: Gauge,
    /// Bytes the audit log holds, and the most it may (0: no limit of its own).
    pub audit_stream_bytes: Gauge,
    pub audit_stream_max_bytes: Gauge,
    pub redeliveries: Family<ConsumerLabels, Counter>,
    /// Events on the log this process would not believe: not signed by this hub.
    pub refused_events: Family<ConsumerLabels, Counter>,
    /// Refusals of unauthenticated callers counted but not recorded one by one.
    pub audit_refusals_unrecorded: Counter,
    /// Events left for a partner's subscription to deliver, by client.
    pub subscription_pending: Family<ClientLabels, Gauge>,
}

/// Registers `$metric` under `$name` with `$help`, and returns it.
macro_rules! registered {
    ($registry:ident, $name:literal, $help:literal, $metric:expr) => {{
        let metric = $metric;
        $registry.register($name, $help, metric.clone());
        metric
    }};
}

impl Metrics {
    // One line per metric: the registrations read as a table.
    #[rustfmt::skip]
    fn new() -> Self {
        let mut registry = Registry::with_prefix("rondom");
        Self {
            events_published: registered!(registry, "events_published", "Events published to RONDOM_EVENTS and acknowledged by JetStream", Family::<PublishedLabels, Counter>::default()),
            // 0.25 ms .. 4 s: a healthy publish takes about a millisecond.
            publish_seconds: registered!(registry, "publish_seconds", "Seconds from handing an event to JetStream to its acknowledgement", Histogram::new(exponential_buckets(0.000_25, 2.0, 15))),
            grpc_calls: registered!(registry, "grpc_calls", "gRPC calls by method and the status code their reply started with", Family::<CallLabels, Counter>::default()),
            ready: registered!(registry, "ready", "1 while this process serves every service (its overall grpc.health.v1 status); GET /ready says the same", Gauge::default()),
            nats_connected: registered!(registry, "nats_connected", "1 while the NATS connection is up", Gauge::default()),
            stream_position: registered!(registry, "stream_position", "Last position of RONDOM_EVENTS seen by this process", Gauge::default()),
            projector_position: registered!(registry, "projector_position", "The projector's checkpoint: the last stream position applied", Gauge::default()),
            projector_lag: registered!(registry, "projector_lag_events", "Events on the stream the projector has not applied yet", Gauge::default()),
            checkpoint_age_seconds: registered!(registry, "projector_checkpoint_age_seconds", "Seconds the projector's checkpoint has stood still while events wait", Gauge::<f64, AtomicU64>::default()),
            projector_storage_failing: registered!(registry, "projector_storage_failing", "1 while the projector cannot write its read model (a full disk); it retries each second", Gauge::default()),
            projector_quarantined: registered!(registry, "projector_quarantined_events", "Events the projector could not apply and set aside (rondom projector quarantine); their households are marked incomplete", Gauge::default()),
            audit_stream_bytes: registered!(registry, "audit_stream_bytes", "Bytes the audit log (RONDOM_AUDIT) holds; alert well before audit_stream_max_bytes", Gauge::default()),
            audit_stream_max_bytes: registered!(registry, "audit_stream_max_bytes", "The most bytes the audit log may hold (0: no limit of its own); when full, reads are refused rather than left unrecorded", Gauge::default()),
            redeliveries: registered!(registry, "redeliveries", "Messages JetStream delivered more than once to a consumer of this process", Family::<ConsumerLabels, Counter>::default()),
            refused_events: registered!(registry, "refused_events", "Events on the log a consumer of this process refused: not signed by this hub (a forgery, or another event-signing key)", Family::<ConsumerLabels, Counter>::default()),
            audit_refusals_unrecorded: registered!(registry, "audit_refusals_unrecorded", "Refused calls without valid credentials counted but not recorded one by one (one record per peer and minute); a steep rise is a flood", Counter::default()),
            subscription_pending: registered!(registry, "subscription_pending_events", "Events a partner's subscription still has to go through", Family::<ClientLabels, Gauge>::default()),
            registry,
        }
    }

    /// Returns the counter of events `consumer` refused, to keep beside the consumer.
    pub fn refused_events_of(&self, consumer: &'static str) -> Counter {
        self.refused_events
            .get_or_create(&ConsumerLabels { consumer })
            .clone()
    }

    /// Returns the redelivery counter of `consumer`, to keep beside the consumer.
    pub fn redeliveries_of(&self, consumer: &'static str) -> Counter {
        self.redeliveries
            .get_or_create(&ConsumerLabels { consumer })
            .clone()
    }

    /// Returns the backlog gauge of partner `client`, to keep beside its subscription.
    pub fn subscription_pending_of(&self, client: &str) -> Gauge {
        self.subscription_pending
            .get_or_create(&ClientLabels {
                client: client.to_owned(),
            })
            .clone()
    }

    /// Returns every metric in the OpenMetrics text format.
    pub fn encode(&self) -> String {
        let mut text = String::new();
        prometheus_client::encoding::text::encode(&mut text, &self.registry)
            .expect("writing to a String does not fail");
        text
    }
}

static METRICS: LazyLock<Metrics> = LazyLock::new(Metrics::new);

/// Returns the metrics of this process.
pub fn metrics() -> &'static Metrics {
    &METRICS
}

/// Binds `GET /metrics` and `GET /ready` on `addr` and serves them in the background until
/// the handle drops: over TLS with the certificate of `tls` (the gRPC listener's), else
/// plaintext on loopback only.
///
/// # Errors
/// When the address cannot be bound, a certificate cannot be read, or plaintext would reach
/// the network: the process does not start without its metrics.
pub async fn start(
    addr: std::net::SocketAddr,
    tls: &crate::tls::TlsFiles,
) -> anyhow::Result<tokio_util::task::AbortOnDropHandle<()>> {
    use anyhow::Context as _;
    let tls = tls.https_config(addr, "/metrics")?;
    let listener = TcpListener::bind(addr)
        .await
        .with_context(|| format!("failed to bind /metrics on {addr}"))?;
    Ok(tokio_util::task::AbortOnDropHandle::new(tokio::spawn(
        async move {
            tracing::info!(address = ?listener.local_addr().ok(), tls = tls.is_some(), "serving /metrics and /ready");
            let served = crate::https::serve(listener, app(), tls, std::future::pending()).await;
            if let Err(err) = served {
                tracing::warn!(error = %err, "/metrics stopped");
            }
        },
    )))
}

/// Serves `GET /metrics` on `listener` until `shutdown` resolves.
///
/// # Errors
/// When the listener fails.
pub async fn serve(
    listener: TcpListener,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    tracing::info!(address = ?listener.local_addr().ok(), "serving /metrics and /ready");
    axum::serve(listener, app())
        .with_graceful_shutdown(shutdown)
        .await
}

/// `GET /metrics` and `GET /ready` (200 while the process serves every service, else 503:
/// for a supervisor's readiness check, which cannot speak gRPC health over TLS).
fn app() -> axum::Router {
    axum::Router::new()
        .route(
            "/metrics",
            axum::routing::get(|| async {
                (
                    [(axum::http::header::CONTENT_TYPE, CONTENT_TYPE)],
                    metrics().encode(),
                )
            }),
        )
        .route(
            "/ready",
            axum::routing::get(|| async {
                if metrics().ready.get() == 1 {
                    (axum::http::StatusCode::OK, "ready\n")
                } else {
                    (axum::http::StatusCode::SERVICE_UNAVAILABLE, "not ready\n")
                }
            }),
        )
}

/// Counts every gRPC call by method and status. A method outside the served services (or one
/// they do not implement) counts as `unknown`, so callers cannot grow the label set.
#[derive(Debug, Clone)]
pub struct CallCounter {
    methods: Arc<std::collections::HashSet<&'static str>>,
}

impl CallCounter {
    /// Counts calls to `methods` (gRPC paths) by name; others are `unknown`, so that made-up
    /// paths neither grow the label set nor put what a caller typed into a metric.
    pub fn new(methods: impl IntoIterator<Item = &'static str>) -> Self {
        Self {
            methods: Arc::new(methods.into_iter().collect()),
        }
    }

    fn method(&self, path: &str, code: &'static str) -> Cow<'static, str> {
        match self.methods.get(path) {
            Some(method) if code != "UNIMPLEMENTED" => Cow::Borrowed(*method),
            _ => Cow::Borrowed("unknown"),
        }
    }
}

impl<S> tower::Layer<S> for CallCounter {
    type Service = CountCalls<S>;

    fn layer(&self, inner: S) -> Self::Service {
        CountCalls {
            counter: self.clone(),
            inner,
        }
    }
}

/// The service [`CallCounter`] wraps around the gRPC routes.
#[derive(Debug, Clone)]
pub struct CountCalls<S> {
    counter: CallCounter,
    inner: S,
}

impl<S> Service<Request<Body>> for CountCalls<S>
where
    S: Service<Request<Body>, Response = Response<Body>, Error = Infallible>,
    S::Future: Send + 'static,
{
    type Response = Response<Body>;
    type Error = Infallible;
    type Future = Pin<Box<dyn Future<Output = Result<Response<Body>, Infallible>> + Send>>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), Self::Error>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, request: Request<Body>) -> Self::Future {
        let path = request.uri().path().to_owned();
        let counter = self.counter.clone();
        let reply = self.inner.call(request);
        Box::pin(async move {
            let response = reply.await?;
            // An error reply carries its status in the head (trailers-only); a reply that
            // started normally counts as OK.
            let code = response
                .headers()
                .get("grpc-status")
                .and_then(|value| value.to_str().ok())
                .and_then(|value| value.parse::<i32>().ok())
                .map_or("OK", |code| code_name(tonic::Code::from_i32(code)));
            metrics()
                .grpc_calls
                .get_or_create(&CallLabels {
                    method: counter.method(&path, code),
                    code,
                })
                .inc();
            Ok(response)
        })
    }
}

/// Returns the canonical name of a status code, as in `google.rpc.Code`.
pub fn code_name(code: tonic::Code) -> &'static str {
    match code {
        tonic::Code::Ok => "OK",
        tonic::Code::Cancelled => "CANCELLED",
        tonic::Code::Unknown => "UNKNOWN",
        tonic::Code::InvalidArgument => "INVALID_ARGUMENT",
        tonic::Code::DeadlineExceeded => "DEADLINE_EXCEEDED",
        tonic::Code::NotFound => "NOT_FOUND",
        tonic::Code::AlreadyExists => "ALREADY_EXISTS",
        tonic::Code::PermissionDenied => "PERMISSION_DENIED",
        tonic::Code::ResourceExhausted => "RESOURCE_EXHAUSTED",
        tonic::Code::FailedPrecondition => "FAILED_PRECONDITION",
        tonic::Code::Aborted => "ABORTED",
        tonic::Code::OutOfRange => "OUT_OF_RANGE",
        tonic::Code::Unimplemented => "UNIMPLEMENTED",
        tonic::Code::Internal => "INTERNAL",
        tonic::Code::Unavailable => "UNAVAILABLE",
        tonic::Code::DataLoss => "DATA_LOSS",
        tonic::Code::Unauthenticated => "UNAUTHENTICATED",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_served_methods_name_themselves_in_labels() {
        let counter = CallCounter::new(["/rondom.v1.SignalService/PostSignal"]);
        assert_eq!(
            counter.method("/rondom.v1.SignalService/PostSignal", "INVALID_ARGUMENT"),
            "/rondom.v1.SignalService/PostSignal"
        );
        assert_eq!(
            counter.method("/rondom.v1.SignalService/Nonsense", "UNIMPLEMENTED"),
            "unknown"
        );
        assert_eq!(
            counter.method("/evil.Service/x", "UNAUTHENTICATED"),
            "unknown"
        );
        // Refused before it is routed: a made-up method of a served service, each one a label
        // of its own if it were named.
        assert_eq!(
            counter.method("/rondom.v1.SignalService/x123456782", "UNAUTHENTICATED"),
            "unknown"
        );
        assert_eq!(counter.method("no-slash", "OK"), "unknown");
    }

    #[test]
    fn the_text_format_names_every_metric_with_its_help() {
        metrics().projector_lag.set(7);
        let text = metrics().encode();
        assert!(
            text.contains("# HELP rondom_projector_lag_events "),
            "{text}"
        );
        assert!(text.contains("rondom_projector_lag_events 7"), "{text}");
        assert!(text.ends_with("# EOF\n"), "{text}");
    }
}

#[cfg(test)]
mod over_tls {
    use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};

    use crate::tls::TlsFiles;

    /// Sends `GET path` over `stream` and returns the whole response.
    async fn get<S>(mut stream: S, path: &str) -> String
    where
        S: tokio::io::AsyncRead + tokio::io::AsyncWrite + Unpin,
    {
        let request =
            format!("GET {path} HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n");
        stream.write_all(request.as_bytes()).await.expect("request");
        let mut response = Vec::new();
        let _ = stream.read_to_end(&mut response).await;
        String::from_utf8_lossy(&response).into_owned()
    }

    #[tokio::test]
    async fn metrics_and_readiness_are_served_over_tls_and_plaintext_stays_on_loopback() {
        let dir = tempfile::tempdir().expect("temp dir");
        let certified =
            rcgen::generate_simple_self_signed(vec!["localhost".into()]).expect("certificate");
        let (cert, key) = (dir.path().join("cert.pem"), dir.path().join("key.pem"));
        std::fs::write(&cert, certified.cert.pem()).expect("write");
        std::fs::write(&key, certified.signing_key.serialize_pem()).expect("write");
        let tls = TlsFiles {
            tls_cert: Some(cert),
            tls_key: Some(key),
            tls_client_ca: None,
        };
        let network: std::net::SocketAddr = "0.0.0.0:9464".parse().expect("address");
        assert!(
            TlsFiles::default()
                .https_config(network, "/metrics")
                .is_err(),
            "plaintext on the network"
        );
        let config = tls
            .https_config(network, "/metrics")
            .expect("read")
            .expect("a TLS config");

        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind");
        let addr = listener.local_addr().expect("address");
        let _server = tokio_util::task::AbortOnDropHandle::new(tokio::spawn(crate::https::serve(
            listener,
            super::app(),
            Some(config),
            std::future::pending(),
        )));

        let mut roots = rustls::RootCertStore::empty();
        roots.add(certified.cert.der().clone()).expect("root");
        let client = rustls::ClientConfig::builder_with_provider(std::sync::Arc::new(
            rustls::crypto::ring::default_provider(),
        ))
        .with_safe_default_protocol_versions()
        .expect("versions")
        .with_root_certificates(roots)
        .with_no_client_auth();
        let connector = tokio_rustls::TlsConnector::from(std::sync::Arc::new(client));
        let connect = async || {
            let tcp = tokio::net::TcpStream::connect(addr).await.expect("connect");
            connector
                .connect("localhost".try_into().expect("name"), tcp)
                .await
                .expect("TLS handshake")
        };
        let metrics = get(connect().await, "/metrics").await;
        assert!(
            metrics.starts_with("HTTP/1.1 200") && metrics.contains("rondom_ready"),
            "{metrics}"
        );
        super::metrics().ready.set(0);
        assert!(
            get(connect().await, "/ready")
                .await
                .starts_with("HTTP/1.1 503")
        );
        super::metrics().ready.set(1);
        assert!(
            get(connect().await, "/ready")
                .await
                .starts_with("HTTP/1.1 200")
        );

        // Plain HTTP to the TLS port gets no answer.
        let plain = get(
            tokio::net::TcpStream::connect(addr).await.expect("connect"),
            "/metrics",
        )
        .await;
        assert!(!plain.contains("rondom_"), "{plain}");
    }
}
