//! Rondom on NATS JetStream: the event stream and KV buckets, the CloudEvents envelope,
//! publishing with deduplication, the person-to-household registry and the household key store.
//!
//! # Layout
//! - [`stream`] — names, and provisioning (the operator's) or checking (a role's) of `RONDOM_EVENTS`, `RONDOM_AUDIT`, `RONDOM_PERSONS`, `RONDOM_KEYS`
//! - [`subject`] — `rondom.evt.<household>.<pillar>.<kind>`
//! - [`envelope`] — CloudEvents 1.0 binary-mode headers, and decoding a received event
//! - [`publisher`] — publish an event and wait for JetStream's acknowledgement
//! - [`registry`] — which household a person belongs to (atomic create, no double households)
//! - `registry_copy` — a writer's copy of the registry, kept current by a KV watch
//! - [`keystore`] — household data keys, wrapped under the master key
//! - [`signature`] — every event signed by the hub, and checked by everything that reads it
//! - [`snapshot`] — JetStream's own stream snapshot and restore, for backups
//! - [`audit`] — the append-only audit log of reads, writes and refused calls
//! - [`error`] — [`Error`] and [`Result`]
//!
//! # Example
//! ```no_run
//! # async fn example() -> rondom_bus::Result<()> {
//! let client = rondom_bus::connect("nats://127.0.0.1:4222").await?;
//! let jetstream = rondom_bus::jetstream(client);
//! rondom_bus::stream::provision(&jetstream, &rondom_bus::stream::StreamSettings::default()).await?;
//! # Ok(()) }
//! ```

pub mod audit;
pub mod envelope;
pub mod error;
mod fast_batch;
pub mod keystore;
pub mod publisher;
pub mod registry;
mod registry_copy;
pub mod signature;
pub mod snapshot;
pub mod stream;
pub mod subject;

pub use audit::AuditLog;
pub use envelope::{Envelope, EventType, HUB_WRITER, ReceivedEvent};
pub use error::{Error, Result};
pub use keystore::KeyStore;
pub use publisher::{EventPublisher, Published};
pub use registry::{HouseholdRegistry, Resolution};
pub use signature::EventSigner;

/// How long a JetStream request or publish acknowledgement may take before the caller gets
/// UNAVAILABLE instead of waiting on a NATS that is gone.
pub const JETSTREAM_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(5);

/// Returns the JetStream context Rondom uses on `client`: bounded waits, and backpressure when
/// too many publish acknowledgements are outstanding (rather than an error).
pub fn jetstream(client: async_nats::Client) -> async_nats::jetstream::Context {
    async_nats::jetstream::ContextBuilder::new()
        .timeout(JETSTREAM_TIMEOUT)
        .ack_timeout(JETSTREAM_TIMEOUT)
        .backpressure_on_inflight(true)
        .build(client)
}

/// Connects to NATS at `url`, or at any of a comma-separated list of URLs (the nodes of a
/// cluster). Keeps retrying in the background after a lost connection, moving to another node
/// when one is gone; the first connection must succeed, so a wrong URL fails at start, not on
/// the first request.
///
/// # Errors
/// [`Error::Connect`] when NATS cannot be reached.
pub async fn connect(url: &str) -> Result<async_nats::Client> {
    let servers: Vec<&str> = url.split(',').map(str::trim).collect();
    // async-nats does not log in with the user and password of a URL by itself: the role's
    // NATS user (deploy/nats/accounts.conf) comes from the first URL that names one.
    let credentials = servers.iter().find_map(|server| {
        let server: async_nats::ServerAddr = server.parse().ok()?;
        let user = percent_decode(server.username()?);
        Some((user, server.password().map(percent_decode)))
    });
    let options = match credentials {
        Some((user, Some(password))) => {
            async_nats::ConnectOptions::with_user_and_password(user, password)
        }
        Some((token, None)) => async_nats::ConnectOptions::with_token(token),
        None => async_nats::ConnectOptions::new(),
    };
    options
        .name("rondom")
        .connection_timeout(std::time::Duration::from_secs(5))
        .connect(servers)
        .await
        .map_err(|source| Error::Connect {
            url: without_passwords(url),
            source,
        })
}

fn percent_decode(text: &str) -> String {
    percent_encoding::percent_decode_str(text)
        .decode_utf8_lossy()
        .into_owned()
}

/// Returns `url` (one or a comma-separated list) fit for a log line or an error message:
/// every password replaced by `***`.
pub fn without_passwords(url: &str) -> String {
    url.split(',')
        .map(|one| {
            let one = one.trim();
            let Some((scheme, rest)) = one.split_once("://") else {
                return one.to_owned();
            };
            match rest.split_once('@') {
                Some((credentials, host)) => match credentials.split_once(':') {
                    Some((user, _password)) => format!("{scheme}://{user}:***@{host}"),
                    None => format!("{scheme}://***@{host}"),
                },
                None => one.to_owned(),
            }
        })
        .collect::<Vec<_>>()
        .join(",")
}

/// Connects to NATS and checks that the stream and buckets are there ([`stream::ensure`]):
/// what every role does first.
///
/// # Errors
/// [`Error::Connect`], [`Error::Provision`] or [`Error::Missing`].
pub async fn open(
    url: &str,
    settings: &stream::StreamSettings,
) -> Result<(async_nats::Client, async_nats::jetstream::Context)> {
    let client = connect(url).await?;
    let jetstream = jetstream(client.clone());
    stream::ensure(&jetstream, settings).await?;
    Ok((client, jetstream))
}

#[cfg(test)]
mod tests {
    use super::without_passwords;

    #[test]
    fn passwords_never_reach_a_log_line() {
        assert_eq!(
            without_passwords(
                "nats://rondom-writer:geheim@a:4222, nats://rondom-writer:geheim@b:4223"
            ),
            "nats://rondom-writer:***@a:4222,nats://rondom-writer:***@b:4223"
        );
        assert_eq!(
            without_passwords("nats://token@a:4222"),
            "nats://***@a:4222"
        );
        assert_eq!(
            without_passwords("nats://127.0.0.1:4222"),
            "nats://127.0.0.1:4222"
        );
    }
}
