//! The infrastructure every Rondom process shares: tracing, shutdown on Ctrl-C or SIGTERM,
//! health that follows NATS and the projector, Prometheus metrics, TLS, the embedded
//! nats-server and its users, and the key files. Who may call and see what (and the gRPC door
//! every call passes) is `rondom_access`'s.
//!
//! # Layout
//! - [`telemetry`] — [`init_tracing`]
//! - [`shutdown`] — [`shutdown_signal`]
//! - [`readiness`] — health that turns NOT_SERVING when NATS is gone or the projector lags
//! - [`metrics`] — the process's Prometheus metrics and the `/metrics` endpoint
//! - [`tls`] — certificates for gRPC and `/metrics`
//! - [`https`] — serving an HTTP app (`/metrics`, the regiewerkplek) over TLS or on loopback
//! - [`bus_users`] — the NATS users of a locked bus, their generated passwords, their URLs
//! - [`nats_server`] — start and stop a nats-server child process with JetStream
//! - [`keys`] — the master and pseudonym keys, from files with strict permissions
//! - [`secret_file`] — creating and reading files that hold secrets (mode 0600)

pub mod bus_users;
pub mod https;
pub mod keys;
pub mod metrics;
pub mod nats_server;
pub mod readiness;
pub mod secret_file;
pub mod shutdown;
pub mod telemetry;
pub mod tls;

pub use keys::Keys;
pub use nats_server::NatsServer;
pub use shutdown::shutdown_signal;
pub use telemetry::init_tracing;
