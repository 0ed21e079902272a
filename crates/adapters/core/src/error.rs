//! Why a write was not published, and the gRPC status a sender gets for it.

use rondom_domain::{HouseholdId, InvalidInput};
use rondom_proto::status;
use tonic::Status;

/// Why a write was not published. Nothing was changed in any case.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error("write refused")]
    Invalid(#[from] InvalidInput),
    #[error("household {0} not found")]
    NotFound(HouseholdId),
    /// A regie write based on a view the household has moved past.
    #[error("household changed since the expected position; it is at {current}")]
    Stale { current: u64 },
    /// The caller may not write this (a gemeente it does not serve, an organisation not its
    /// own).
    #[error("permission denied: {0}")]
    Denied(String),
    /// A provider's write without a toewijzing of the case to the provider's organisation;
    /// the same answer whether or not the persons or household exist.
    #[error("no toewijzing to your organisation for this case")]
    NotAssigned,
    /// An answer to a provider's request that Rondom holds no request for (of that case, in
    /// a gemeente the caller serves).
    #[error("no request {case_id}")]
    UnknownRequest { case_id: String },
    #[error("bus operation failed")]
    Bus(#[from] rondom_bus::Error),
    /// A mistake in Rondom itself (an adapter writing another pillar's kind); logged where
    /// it happens.
    #[error("internal error")]
    Internal,
}

/// Result of an adapter.
pub type Result<T, E = Error> = std::result::Result<T, E>;

impl From<Error> for Status {
    fn from(err: Error) -> Self {
        match err {
            Error::Invalid(input) => status::invalid_argument(&input),
            Error::NotFound(household) => status::not_found("household", &household.to_string()),
            Error::Denied(reason) => Status::permission_denied(reason),
            Error::NotAssigned => Status::permission_denied(
                "no toewijzing of this case to your organisation: a provider writes only about \
                 care the gemeente assigned to it",
            ),
            Error::UnknownRequest { case_id } => status::not_found("request", &case_id),
            Error::Internal => Status::internal("internal error"),
            Error::Stale { current } => status::aborted(
                format!(
                    "the household changed since expected_position; it is at {current}: read it again and retry"
                ),
                current,
            ),
            Error::Bus(bus) => match bus {
                rondom_bus::Error::Connect { .. }
                | rondom_bus::Error::Unavailable { .. }
                | rondom_bus::Error::Erased => {
                    tracing::warn!(
                        error = &bus as &dyn std::error::Error,
                        "write not published"
                    );
                    status::unavailable(
                        "NATS did not acknowledge the write; retry with the same idempotency key",
                    )
                }
                rondom_bus::Error::Conflict
                | rondom_bus::Error::Provision { .. }
                | rondom_bus::Error::AuditTooLarge { .. }
                | rondom_bus::Error::Missing { .. }
                | rondom_bus::Error::Refused { .. }
                | rondom_bus::Error::Corrupt { .. } => {
                    tracing::error!(
                        error = &bus as &dyn std::error::Error,
                        "write not published"
                    );
                    Status::internal("internal error")
                }
            },
        }
    }
}
