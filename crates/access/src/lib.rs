//! Who may call Rondom and what each caller sees: one home for authentication, the audit of
//! every read and refusal, the development credentials, and disclosure (what a reader may
//! see of a household), next to the need-to-know policy of `rondom_domain::access`. The gRPC
//! door is here too, because every call passes the auth layer. The read service and the
//! subscriptions depend on this crate, not on each other.
//!
//! # Layout
//! - [`clients`] — the clients and their bearer tokens (stored as hashes), from a TOML file
//! - [`auth`] — the auth layer, and which role may call which service
//! - [`live_clients`] — the clients in force, followed in their file: revocation without a restart
//! - [`refusals`] — a bounded record of refusals, so unauthenticated calls cannot flood the audit log
//! - [`audit`] — recording every read and refusal, `AuditService`
//! - [`read_request`] — what a read states (purpose, on-behalf-of, audit query), checked
//! - [`disclosure`] — what a reader may see: its standing, the facts it may know, its sight
//! - [`render`] — views, timeline entries and deliveries filled from what the reader may see
//! - [`idp`] — the gemeente's identity provider: staff members' own tokens (OpenID Connect)
//! - [`dev_clients`] — development credentials `rondom up` writes when given no clients file
//! - [`mod@serve`] — [`GrpcServices`] and [`serve()`], with health and reflection (v1 and v1alpha)
//!
//! # Example
//! ```no_run
//! # async fn example() -> anyhow::Result<()> {
//! let clients = rondom_access::clients::load_clients("clients.toml".as_ref())?;
//! let nats = rondom_bus::connect("nats://127.0.0.1:4222").await?;
//! let audit = rondom_bus::AuditLog::new(rondom_bus::jetstream(nats));
//! let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
//! let services = rondom_access::GrpcServices::new(clients, audit);
//! rondom_access::serve(listener, services, rondom_runtime::shutdown_signal()).await?;
//! # Ok(()) }
//! ```

pub mod audit;
pub mod auth;
pub mod clients;
pub mod dev_clients;
pub mod disclosure;
pub mod idp;
pub mod live_clients;
pub mod read_request;
pub mod refusals;
pub mod render;
pub mod serve;

pub use serve::{GrpcServices, serve};
