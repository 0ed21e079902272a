//! The stream and buckets Rondom needs. The operator creates or updates them ([`provision`],
//! `rondom provision`, and `rondom up` at every start); a role only checks that they are there
//! ([`ensure`]), since on a locked bus it may not change them.

use std::time::Duration;

use async_nats::jetstream::{self, kv, stream};

use crate::error::{Error, Result};

/// The append-only event log.
pub const EVENTS_STREAM: &str = "RONDOM_EVENTS";
/// Pseudonym -> household id.
pub const PERSONS_BUCKET: &str = "RONDOM_PERSONS";
/// Household id -> wrapped data key.
pub const KEYS_BUCKET: &str = "RONDOM_KEYS";

/// Durability settings; see deploy/ for what each trades.
#[derive(Debug, Clone)]
pub struct StreamSettings {
    /// Copies of every message: 1 on a single node, 3 in a cluster.
    pub replicas: usize,
    /// How long JetStream drops a republished event id itself. Later retries are dropped by the
    /// projector, so this only bounds how often a duplicate reaches the log at all.
    pub duplicate_window: Duration,
    /// The most bytes the audit log may hold (`None`: no limit of its own). JetStream reserves
    /// it on disk, so it must fit; watch `rondom_audit_stream_bytes` against it.
    pub audit_max_bytes: Option<u64>,
}

impl Default for StreamSettings {
    fn default() -> Self {
        Self {
            replicas: 1,
            duplicate_window: Duration::from_secs(10 * 60),
            audit_max_bytes: None,
        }
    }
}

/// Returns the configuration of `RONDOM_EVENTS`.
pub fn events_stream_config(settings: &StreamSettings) -> stream::Config {
    stream::Config {
        name: EVENTS_STREAM.to_owned(),
        description: Some("Rondom household events (CloudEvents, protobuf payload)".to_owned()),
        subjects: vec![format!("{}.>", crate::subject::EVENT_PREFIX)],
        storage: stream::StorageType::File,
        retention: stream::RetentionPolicy::Limits,
        num_replicas: settings.replicas,
        duplicate_window: settings.duplicate_window,
        // Append-only: history is never rewritten; erasure works by destroying keys.
        deny_delete: true,
        deny_purge: true,
        allow_rollup: false,
        allow_direct: true,
        ..Default::default()
    }
}

fn bucket_config(bucket: &str, description: &str, replicas: usize) -> kv::Config {
    kv::Config {
        bucket: bucket.to_owned(),
        description: description.to_owned(),
        history: 1,
        storage: stream::StorageType::File,
        num_replicas: replicas,
        ..Default::default()
    }
}

/// Returns the configuration of the stream under `RONDOM_KEYS`: a KV bucket as async-nats
/// makes one, except that single messages may be deleted, so the key store can erase a
/// destroyed key from disk (a purge alone leaves its bytes in the block files until they are
/// compacted), and revisions are kept until the key store erases them itself (dropped by the
/// history limit, their bytes would linger too).
pub fn keys_bucket_config(settings: &StreamSettings) -> stream::Config {
    stream::Config {
        name: format!("KV_{KEYS_BUCKET}"),
        description: Some("household id -> wrapped data key".to_owned()),
        subjects: vec![format!("$KV.{KEYS_BUCKET}.>")],
        // Room for every revision until the key store erases it itself: one dropped by this
        // limit would leave its bytes on disk.
        max_messages_per_subject: 16,
        storage: stream::StorageType::File,
        allow_rollup: true,
        deny_delete: false,
        deny_purge: false,
        allow_direct: true,
        num_replicas: settings.replicas,
        discard: stream::DiscardPolicy::New,
        ..Default::default()
    }
}

async fn provision_keys_bucket(
    jetstream: &jetstream::Context,
    settings: &StreamSettings,
) -> Result<()> {
    let config = keys_bucket_config(settings);
    if let Ok(mut existing) = jetstream.get_stream(&config.name).await
        && existing
            .info()
            .await
            .is_ok_and(|info| info.config.deny_delete)
    {
        // JetStream cannot lift deny_delete on a stream; `rondom restore` recreates it.
        tracing::warn!(
            "RONDOM_KEYS was created before keys were erased from disk; destroyed keys may stay in its files until compaction (back up and restore to recreate it)"
        );
        return Ok(());
    }
    jetstream
        .create_or_update_stream(config)
        .await
        .map_err(|err| Error::Provision {
            what: KEYS_BUCKET,
            source: err.into(),
        })?;
    Ok(())
}

/// Creates the stream and buckets, or brings them to the current configuration.
///
/// # Errors
/// [`Error::Provision`] naming what could not be created.
pub async fn provision(jetstream: &jetstream::Context, settings: &StreamSettings) -> Result<()> {
    jetstream
        .create_or_update_stream(events_stream_config(settings))
        .await
        .map_err(|err| Error::Provision {
            what: EVENTS_STREAM,
            source: err.into(),
        })?;
    jetstream
        .create_or_update_stream(crate::audit::audit_stream_config(
            settings.replicas,
            settings.audit_max_bytes,
        ))
        .await
        .map_err(|err| match (err.kind(), settings.audit_max_bytes) {
            (jetstream::context::CreateStreamErrorKind::JetStream(inner), Some(bytes))
                if inner.error_code() == jetstream::ErrorCode::STORAGE_RESOURCES_EXCEEDED =>
            {
                Error::AuditTooLarge {
                    mib: bytes / (1024 * 1024),
                    source: err.into(),
                }
            }
            _ => Error::Provision {
                what: crate::audit::AUDIT_STREAM,
                source: err.into(),
            },
        })?;
    jetstream
        .create_or_update_key_value(bucket_config(
            PERSONS_BUCKET,
            "person pseudonym -> household id",
            settings.replicas,
        ))
        .await
        .map_err(|err| Error::Provision {
            what: PERSONS_BUCKET,
            source: err.into(),
        })?;
    provision_keys_bucket(jetstream, settings).await?;
    Ok(())
}

/// Checks that the stream and buckets exist, creating one that does not (on a bus that lets
/// this user do so): what every role does at start. One that exists is left as it is:
/// bringing it to the current configuration is [`provision`]'s job, the operator's.
///
/// # Errors
/// [`Error::Provision`] naming what is missing and could not be created.
pub async fn ensure(jetstream: &jetstream::Context, settings: &StreamSettings) -> Result<()> {
    let streams = [
        (EVENTS_STREAM, EVENTS_STREAM.to_owned()),
        (
            crate::audit::AUDIT_STREAM,
            crate::audit::AUDIT_STREAM.to_owned(),
        ),
        (PERSONS_BUCKET, format!("KV_{PERSONS_BUCKET}")),
        (KEYS_BUCKET, format!("KV_{KEYS_BUCKET}")),
    ];
    for (what, stream) in streams {
        match jetstream.get_stream(&stream).await {
            Ok(_) => continue,
            Err(err)
                if matches!(err.kind(), jetstream::context::GetStreamErrorKind::JetStream(inner)
                    if inner.error_code() == jetstream::ErrorCode::STREAM_NOT_FOUND) => {}
            Err(err) => {
                return Err(Error::Provision {
                    what,
                    source: err.into(),
                });
            }
        }
        tracing::info!(stream, "not there yet; creating it");
        provision(jetstream, settings)
            .await
            .map_err(|err| Error::Missing {
                what,
                source: Box::new(err),
            })?;
        return Ok(());
    }
    Ok(())
}

/// Opens a provisioned bucket.
///
/// # Errors
/// [`Error::Unavailable`] when the bucket cannot be reached.
pub async fn bucket(jetstream: &jetstream::Context, name: &'static str) -> Result<kv::Store> {
    jetstream
        .get_key_value(name)
        .await
        .map_err(|err| Error::unavailable("opening a KV bucket", err))
}
