//! Errors of the bus layer.

/// A boxed cause from async-nats, whose error types differ per operation.
pub type BoxError = Box<dyn std::error::Error + Send + Sync + 'static>;

/// What went wrong talking to NATS, or with what NATS held.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error("cannot connect to NATS at {url}")]
    Connect {
        url: String,
        #[source]
        source: async_nats::ConnectError,
    },
    #[error("cannot provision {what}")]
    Provision {
        what: &'static str,
        #[source]
        source: BoxError,
    },
    /// JetStream cannot reserve the audit log's size on its disk: the operator lowers the
    /// limit or gives nats-server more storage.
    #[error(
        "JetStream cannot reserve {mib} MiB for the audit log (RONDOM_AUDIT): give nats-server \
         more storage (jetstream max_file_store) or lower --audit-max-mb"
    )]
    AuditTooLarge {
        mib: u64,
        #[source]
        source: BoxError,
    },
    /// A stream or bucket is not there and this role could not create it: on a locked bus
    /// only the operator may.
    #[error(
        "{what} does not exist and could not be created with this NATS user; the operator \
         creates the streams and buckets with `rondom provision --nats-url \
         nats://rondom-operator:...@host:4222` (rondom up does so itself)"
    )]
    Missing {
        what: &'static str,
        #[source]
        source: Box<Error>,
    },
    /// NATS did not complete an operation: down, slow, or no stream. Retrying may succeed.
    #[error("NATS did not complete {operation}")]
    Unavailable {
        operation: &'static str,
        #[source]
        source: BoxError,
    },
    /// JetStream refused an operation, saying why (a stream that already exists, ...).
    #[error("NATS refused {operation}: {reason}")]
    Refused {
        operation: &'static str,
        reason: String,
    },
    /// The household was erased: its key is destroyed for good and none is made again.
    #[error("the household was erased")]
    Erased,
    /// A conditional write found the household changed since the position it was based on.
    #[error("the household changed since the expected position")]
    Conflict,
    /// Something stored on NATS cannot be read back: a bug or tampering, never retryable.
    #[error("stored {what} is corrupt")]
    Corrupt {
        what: &'static str,
        #[source]
        source: BoxError,
    },
}

/// Result of the bus layer.
pub type Result<T, E = Error> = std::result::Result<T, E>;

impl Error {
    /// Returns [`Error::Unavailable`] for `operation`.
    pub fn unavailable(operation: &'static str, source: impl Into<BoxError>) -> Self {
        Error::Unavailable {
            operation,
            source: source.into(),
        }
    }

    /// Returns [`Error::Corrupt`] for `what`.
    pub fn corrupt(what: &'static str, source: impl Into<BoxError>) -> Self {
        Error::Corrupt {
            what,
            source: source.into(),
        }
    }
}
