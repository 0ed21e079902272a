//! Errors of the projector and their gRPC status.

use rondom_domain::InvalidInput;
use rondom_proto::status;
use tonic::Status;

/// What went wrong projecting or reading.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error("request refused")]
    InvalidRequest(#[from] InvalidInput),
    #[error("household {0} not found")]
    HouseholdNotFound(String),
    #[error("the read model has not reached position {wanted} (at {reached})")]
    NotYetApplied { wanted: u64, reached: u64 },
    #[error("read model storage failed")]
    Storage(#[from] sled::Error),
    #[error(
        "the read model is closed: after a storage failure until the disk takes writes, or because the hub stops"
    )]
    Closed,
    #[error("the read model is still in use by a read after the hub stopped")]
    StillInUse,
    #[error("stored {what} is corrupt")]
    Corrupt { what: &'static str },
    #[error("bus operation failed")]
    Bus(#[from] rondom_bus::Error),
    /// The read model holds events the log no longer has (NATS lost the end of its log: a
    /// power cut before it synced, a restored copy of its files). New writes get those
    /// positions again, and the checkpoint would pass over them unseen.
    #[error(
        "the read model is ahead of the event log (it applied through {checkpoint}; the log ends at {last} or holds another event there): rebuild it with `rondom projector rebuild`"
    )]
    AheadOfLog { checkpoint: u64, last: u64 },
    #[error("cannot read the bylaw file {path}")]
    BylawFile {
        path: std::path::PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("bylaw file {path} is wrong")]
    Bylaws {
        path: std::path::PathBuf,
        #[source]
        source: rondom_domain::bylaw::BylawError,
    },
    #[error("retention file {path} is wrong: {reason}")]
    RetentionFile {
        path: std::path::PathBuf,
        reason: String,
    },
    /// The fold panicked on the event at `index` of a batch: a bug its input reached. The
    /// batch is applied around it and the event quarantined (see `ReadModel::apply`).
    #[error("the event at index {index} of the batch cannot be applied: {reason}")]
    Unappliable { index: usize, reason: String },
    #[error("cannot manage read model directory {path}")]
    Directory {
        path: std::path::PathBuf,
        #[source]
        source: std::io::Error,
    },
}

/// What a reader is told of a household it cannot read, whatever the reason.
const NOT_YOURS: &str = "no household you may read";

/// Result of the projector.
pub type Result<T, E = Error> = std::result::Result<T, E>;

impl From<Error> for Status {
    fn from(err: Error) -> Self {
        match err {
            Error::InvalidRequest(input) => status::invalid_argument(&input),
            // The same answer for a household that does not exist, a BSN nobody knows and a
            // household the reader may not read, so no answer reveals that one exists.
            Error::HouseholdNotFound(_) => status::not_found("household", NOT_YOURS),
            Error::NotYetApplied { .. } | Error::Closed | Error::AheadOfLog { .. } => {
                status::unavailable(err.to_string())
            }
            Error::Bus(
                rondom_bus::Error::Unavailable { .. } | rondom_bus::Error::Connect { .. },
            ) => {
                tracing::warn!(error = &err as &dyn std::error::Error, "read failed");
                status::unavailable("NATS is unreachable; retry shortly")
            }
            Error::Storage(_)
            | Error::StillInUse
            | Error::Corrupt { .. }
            | Error::Bus(_)
            | Error::Directory { .. }
            | Error::Unappliable { .. }
            | Error::BylawFile { .. }
            | Error::Bylaws { .. }
            | Error::RetentionFile { .. } => {
                tracing::error!(error = &err as &dyn std::error::Error, "read failed");
                Status::internal("internal error")
            }
        }
    }
}

/// Returns a mapper from any async-nats error to [`Error::Bus`] for `operation`.
pub fn nats<E>(operation: &'static str) -> impl FnOnce(E) -> Error
where
    E: Into<rondom_bus::error::BoxError>,
{
    move |err| Error::Bus(rondom_bus::Error::unavailable(operation, err))
}
