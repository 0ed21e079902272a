//! The runtime every Rondom process shares: tracing, shutdown on Ctrl-C or SIGTERM, serving
//! gRPC services with health and reflection, the embedded nats-server, and the key files.
//!
//! # Layout
//! - [`config`] — settings every role shares ([`CommonArgs`])
//! - [`dev_clients`] — development credentials `rondom up` writes when given no clients file
//! - [`auth`] — clients, bearer tokens (stored as hashes), roles per service, the auth layer
//! - [`live_clients`] — the clients in force, followed in their file: revocation without a restart
//! - [`audit`] — recording every read and refusal, purpose checks, `AuditService`
//! - [`telemetry`] — [`init_tracing`]
//! - [`shutdown`] — [`shutdown_signal`]
//! - [`grpc`] — [`GrpcServices`] and [`serve`], with health and reflection (v1 and v1alpha)
//! - [`readiness`] — health that turns NOT_SERVING when NATS is gone or the projector lags
//! - [`metrics`] — the process's Prometheus metrics and the `/metrics` endpoint
//! - [`bus_users`] — the NATS users of a locked bus, their generated passwords, their URLs
//! - [`nats_server`] — start and stop a nats-server child process with JetStream
//! - [`keys`] — the master and pseudonym keys, from files with strict permissions
//! - [`rotation`] — re-wrapping every household key under a new master key, without downtime
//! - [`secret_file`] — creating and reading files that hold secrets (mode 0600)
//!
//! # Example
//! ```no_run
//! # async fn example() -> anyhow::Result<()> {
//! let clients = rondom_runtime::config::load_clients("clients.toml".as_ref())?;
//! let nats = rondom_bus::connect("nats://127.0.0.1:4222").await?;
//! let audit = rondom_bus::AuditLog::new(rondom_bus::jetstream(nats));
//! let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
//! let services = rondom_runtime::GrpcServices::new(clients, audit);
//! rondom_runtime::serve(listener, services, rondom_runtime::shutdown_signal()).await?;
//! # Ok(()) }
//! ```

pub mod audit;
pub mod auth;
pub mod bus_users;
pub mod config;
pub mod dev_clients;
pub mod grpc;
pub mod keys;
pub mod live_clients;
pub mod metrics;
pub mod nats_server;
pub mod readiness;
pub mod refusals;
pub mod rotation;
pub mod secret_file;
pub mod shutdown;
pub mod telemetry;
pub mod tls;

pub use config::CommonArgs;
pub use grpc::{GrpcServices, serve};
pub use keys::Keys;
pub use nats_server::NatsServer;
pub use shutdown::shutdown_signal;
pub use telemetry::init_tracing;
