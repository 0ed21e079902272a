//! The wijkteam adapter: `rondom.v1.SignalService`. A wijkteam system posts a signal; the
//! adapter checks it against the signal catalogue and hands it to the same
//! [`rondom_adapter::EventWriter`] the pillar services use, filed under the pillar the signal
//! is for, so a household's timeline reads as one story across all pillars. The reply goes
//! out only after JetStream has acknowledged the event.
//!
//! # Layout
//! - [`grpc`] — [`SignalHandler`], from a posted signal to a published event
//!
//! The roles that serve it are composed in `rondom_cli::hub`, as every other service.

pub mod grpc;

use std::sync::Arc;

use rondom_adapter::EventWriter;
use rondom_proto::v1::signal_service_server::SignalServiceServer;

pub use grpc::SignalHandler;

/// Returns the gRPC service publishing through `writer`.
pub fn service(writer: Arc<EventWriter>) -> SignalServiceServer<SignalHandler> {
    SignalServiceServer::new(SignalHandler::new(writer))
}
