//! Errors of the wijkteam adapter and their gRPC status.

use rondom_domain::InvalidInput;
use rondom_proto::status;
use tonic::Status;

/// Why a signal was not published.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error("signal refused")]
    InvalidSignal(#[from] InvalidInput),
    #[error("bus operation failed")]
    Bus(#[from] rondom_bus::Error),
}

/// Result of the adapter.
pub type Result<T, E = Error> = std::result::Result<T, E>;

impl From<Error> for Status {
    fn from(err: Error) -> Self {
        match err {
            Error::InvalidSignal(input) => status::invalid_argument(&input),
            Error::Bus(bus) => match bus {
                rondom_bus::Error::Connect { .. } | rondom_bus::Error::Unavailable { .. } => {
                    tracing::warn!(
                        error = &bus as &dyn std::error::Error,
                        "signal not published"
                    );
                    status::unavailable(
                        "NATS did not acknowledge the signal; retry with the same idempotency key",
                    )
                }
                rondom_bus::Error::Provision { .. } | rondom_bus::Error::Corrupt { .. } => {
                    tracing::error!(
                        error = &bus as &dyn std::error::Error,
                        "signal not published"
                    );
                    Status::internal("internal error")
                }
            },
        }
    }
}
