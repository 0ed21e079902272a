//! What every adapter shares. A write is checked field by field ([`Check`]), then
//! [`EventWriter`] pseudonymises its persons, resolves their household (or takes the one a
//! regie write names, conditionally on its last position), seals every BSN, name and free
//! text with the household's key, and publishes one CloudEvent on `RONDOM_EVENTS`. The
//! sender gets its reply only after JetStream acknowledged the event.
//!
//! # Layout
//! - [`check`] — [`Check`]: field violations of a context and its typed payload, all at once
//! - [`writer`] — [`EventWriter`] and [`Draft`]: from a checked write to an acknowledged event
//! - [`pillar`] — [`PillarWriter`]: one call per RPC of a pillar service
//! - [`error`] — [`Error`] and its gRPC status

pub mod check;
pub mod error;
pub mod pillar;
pub mod writer;

pub use check::Check;
pub use error::{Error, Result};
pub use pillar::{PillarWriter, split, toewijzing_kind};
pub use writer::{Assignment, Draft, DraftPerson, EventWriter, Membership, Target, Written};

use std::future::Future;
use std::sync::Arc;

use anyhow::Context as _;
use rondom_runtime::readiness::Readiness;
use rondom_runtime::{CommonArgs, GrpcServices, Keys};
use tokio::net::TcpListener;

/// Runs adapter services as their own role (`rondom serve --role ...`) on `listener` until
/// `shutdown` resolves: `services` adds the role's services over one shared writer.
///
/// # Errors
/// When NATS, the stream or the key files cannot be set up, or serving fails.
pub async fn run_role(
    common: &CommonArgs,
    listener: TcpListener,
    shutdown: impl Future<Output = ()> + Send + 'static,
    services: impl FnOnce(GrpcServices, Arc<EventWriter>) -> GrpcServices,
) -> anyhow::Result<()> {
    let keys = Keys::load_or_generate(&common.key_dir).context("failed to load keys")?;
    let (client, jetstream) = rondom_bus::open(&common.nats_url, &common.stream()).await?;
    let clients = common.load_clients()?;
    let writer = Arc::new(EventWriter::open(&jetstream, &keys).await?);
    let audit = rondom_bus::AuditLog::new(jetstream.clone());
    let tls = common.tls.server_config(listener.local_addr()?)?;
    let grpc = GrpcServices::new(clients, audit)
        .with_readiness(Readiness::new(client.clone()))
        .with_tls(tls);
    let services = services(grpc, writer);
    rondom_runtime::serve(listener, services, shutdown)
        .await
        .context("gRPC server failed")?;
    // In-flight calls finished with their acks; flush whatever the client still buffers.
    client.flush().await.context("failed to flush NATS")?;
    Ok(())
}
