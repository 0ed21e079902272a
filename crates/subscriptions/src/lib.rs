//! `rondom.v1.SubscriptionService`: partners follow the events of the households they work
//! with, in stream order, each event redacted to what the partner may see. A subscription
//! starts at a position, a time or live; a durable one (a JetStream durable consumer per
//! client and name) keeps its place on the server, acknowledged by the partner, across
//! reconnects and hub restarts.
//!
//! # Layout
//! - [`request`] — checking what a partner asks for: start, durable name, filters
//! - [`handler`] — [`SubscriptionHandler`]: consumers, judging, backpressure, acknowledgements
//! - [`follow`] — one consumer for the subscriptions that read the same events
//! - [`shared`] — what the subscriptions share of an event: decoded, viewed, judged and encoded
//!   once
//! - [`wire`] — the service's route, sending a delivery's shared encoding as it is
//!
//! # Example
//! ```no_run
//! # fn example(read: rondom_projector::ReadSide, jetstream: async_nats::jetstream::Context) {
//! let stop = tokio_util::sync::CancellationToken::new();
//! let service = rondom_subscriptions::service(&read, &jetstream, stop.clone());
//! // stop.cancel() at shutdown ends every subscription, so the server can drain
//! // add it to rondom_access::GrpcServices with .with_service(service)
//! # }
//! ```

pub mod follow;
pub mod handler;
pub mod request;
pub mod shared;
pub mod wire;

pub use handler::SubscriptionHandler;
pub use wire::SubscriptionServer;

/// Returns `SubscriptionService` over the projector's read side; `stop` ends every
/// subscription.
pub fn service(
    read: &rondom_projector::ReadSide,
    jetstream: &async_nats::jetstream::Context,
    stop: tokio_util::sync::CancellationToken,
) -> SubscriptionServer {
    SubscriptionServer::new(SubscriptionHandler::new(
        read.clone(),
        jetstream.clone(),
        stop,
    ))
}
