//! The audit log: every read of personal data, every write and every refused call, each an
//! [`v1::AuditRecord`] on its own append-only stream `RONDOM_AUDIT` (NEN 7513, docs/domain.md).
//! Subjects `rondom.audit.<client>.<household>` let an operator find the records of one client
//! or one household without reading the rest. Records hold no BSN, name or free text.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant};

use async_nats::jetstream::{self, consumer, stream};
use futures::StreamExt;
use prost::Message;
use rondom_proto::v1;

use crate::error::{Error, Result};
use crate::fast_batch::{self, Failure, NotTaken};

/// The audit stream.
pub const AUDIT_STREAM: &str = "RONDOM_AUDIT";
/// Subject prefix of audit records.
pub const AUDIT_PREFIX: &str = "rondom.audit";
/// CloudEvents type of a record (docs/domain.md, The audit log).
pub const AUDIT_TYPE: &str = "nl.sociaal-domein.inzage-gelogd";
/// CloudEvents source of a record: the hub itself.
pub const AUDIT_SOURCE: &str = "urn:rondom:hub";
/// Stands in a subject for "no client" (not authenticated) or "no household": asking for
/// client `_` lists the attempts of callers that could not be authenticated.
pub const NONE: &str = "_";
/// The most records one page returns.
pub const MAX_PAGE: usize = 1000;

/// Returns the configuration of `RONDOM_AUDIT`: file storage, append-only like the event log,
/// and at most `max_bytes` (`None`: as much as JetStream holds). A full log takes no new record,
/// and since a read is answered only once its record is stored, reads then fail closed:
/// nothing is ever dropped to make room.
pub fn audit_stream_config(replicas: usize, max_bytes: Option<u64>) -> stream::Config {
    stream::Config {
        max_bytes: max_bytes.map_or(-1, |bytes| i64::try_from(bytes).unwrap_or(i64::MAX)),
        discard: stream::DiscardPolicy::New,
        name: AUDIT_STREAM.to_owned(),
        description: Some(
            "Rondom audit log: reads of personal data, writes and refused calls".into(),
        ),
        subjects: vec![format!("{AUDIT_PREFIX}.>")],
        storage: stream::StorageType::File,
        retention: stream::RetentionPolicy::Limits,
        num_replicas: replicas,
        deny_delete: true,
        deny_purge: true,
        allow_rollup: false,
        allow_batch_publish: true,
        ..Default::default()
    }
}

/// Returns whether `text` may stand in an audit subject: client ids and household ids are
/// short and plain, so a subject never needs escaping.
pub fn is_subject_token(text: &str) -> bool {
    !text.is_empty()
        && text.len() <= 64
        && text
            .bytes()
            .all(|byte| byte.is_ascii_lowercase() || byte.is_ascii_digit() || b"-_".contains(&byte))
}

fn token(text: &str) -> &str {
    if is_subject_token(text) { text } else { NONE }
}

/// Returns the subject of `record`. Its household token is a household id or `_`, whatever
/// else the record's field holds: a subject never carries a BSN or a name.
pub fn subject(record: &v1::AuditRecord) -> String {
    let household = if record
        .household_id
        .parse::<rondom_domain::HouseholdId>()
        .is_ok()
    {
        token(&record.household_id)
    } else {
        NONE
    };
    format!("{AUDIT_PREFIX}.{}.{household}", token(&record.client_id))
}

/// Which records to read.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AuditQuery {
    pub client_id: Option<String>,
    pub household_id: Option<String>,
    /// Records after this stream position (from a previous page).
    pub after: u64,
    /// On a first page (`after` 0): only records from this moment.
    pub since: Option<chrono::DateTime<chrono::Utc>>,
    /// Records at or before this stream position: where a listing ends, fixed when its first
    /// page is read (`None`: the log's end now). A listing is of the log as it was then, so
    /// paging through it ends even while records keep coming (reading it adds some).
    pub until: Option<u64>,
    pub limit: usize,
}

/// One page of records, oldest first.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct AuditPage {
    pub records: Vec<v1::AuditRecord>,
    /// Position of the last record when more may follow.
    pub next: Option<u64>,
    /// Where the listing ends (the query's `until`, or the log's end when it had none): the
    /// next page's query keeps it.
    pub until: u64,
}

/// The record as a NATS message: its subject and the record, without headers.
///
/// The record carries its own id and time, and what would make it a CloudEvent (type,
/// source, spec version, content type) is the same for every record, so it is added when
/// records are handed on (`rondom audit --cloudevents`) instead of stored with each: the
/// headers were a fifth of the hub's and nats-server's work for a partner's subscription,
/// which records every household it first sees (BENCHMARKS.md). No `Nats-Msg-Id` either: a record is never
/// sent twice (a read whose record is not acknowledged is refused, and its retry is a read of
/// its own), and JetStream would keep every id of its duplicate window in memory.
fn message(record: &v1::AuditRecord) -> fast_batch::Message {
    fast_batch::Message {
        subject: subject(record),
        payload: record.encode_to_vec().into(),
    }
}

/// Writes and reads the audit log.
#[derive(Debug, Clone)]
pub struct AuditLog {
    jetstream: jetstream::Context,
    /// Whether the records of one call go out as one batch (see [`AuditLog::record`]).
    batch_mode: Arc<BatchMode>,
    batches: Arc<fast_batch::Publisher>,
}

/// How long a log that refused a batch is written one record at a time before a batch is
/// tried again: `rondom provision` lets it take batches, and a running hub then finds out
/// within this time, without a restart.
pub const BATCH_RETRY: Duration = Duration::from_secs(60);

/// Whether the log takes batches, as the last try found.
#[derive(Debug)]
struct BatchMode {
    /// The hot path: true unless the last try was refused.
    batched: AtomicBool,
    /// Whether `refused_at` holds a time, so that a batch taken need not lock to look.
    was_refused: AtomicBool,
    /// When the log last refused a batch; `None` when it never did or took one since.
    refused_at: Mutex<Option<Instant>>,
    retry: Duration,
}

impl BatchMode {
    /// Whether to send the records of a call as a batch: yes, unless the log refused one
    /// less than `retry` ago.
    fn try_batch(&self) -> bool {
        if self.batched.load(Ordering::Relaxed) {
            return true;
        }
        let refused_at = self
            .refused_at
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        let again = refused_at.is_none_or(|at| at.elapsed() >= self.retry);
        if again {
            self.batched.store(true, Ordering::Relaxed);
        }
        again
    }

    fn refused(&self) {
        self.batched.store(false, Ordering::Relaxed);
        self.was_refused.store(true, Ordering::Relaxed);
        let mut refused_at = self
            .refused_at
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        if refused_at.replace(Instant::now()).is_none() {
            tracing::warn!(
                "the audit log does not take batches of records; writing them one by one (run `rondom provision`)"
            );
        }
    }

    fn taken(&self) {
        if !self.was_refused.load(Ordering::Relaxed)
            || !self.was_refused.swap(false, Ordering::Relaxed)
        {
            return;
        }
        let mut refused_at = self
            .refused_at
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        if refused_at.take().is_some() {
            tracing::info!("the audit log takes batches of records again");
        }
    }
}

impl AuditLog {
    /// Returns the log on a JetStream context whose stream is provisioned.
    pub fn new(jetstream: jetstream::Context) -> Self {
        Self::with_batch_retry(jetstream, BATCH_RETRY)
    }

    /// As [`AuditLog::new`], trying a batch again `retry` after the log refused one.
    pub fn with_batch_retry(jetstream: jetstream::Context, retry: Duration) -> Self {
        Self {
            batches: Arc::new(fast_batch::Publisher::new(jetstream.client())),
            jetstream,
            batch_mode: Arc::new(BatchMode {
                batched: AtomicBool::new(true),
                was_refused: AtomicBool::new(false),
                refused_at: Mutex::new(None),
                retry,
            }),
        }
    }

    /// Whether the records of one call go out as one batch now: false while the log is
    /// provisioned without batches (see [`BATCH_RETRY`]).
    pub fn writes_batches(&self) -> bool {
        self.batch_mode.batched.load(Ordering::Relaxed)
    }

    /// Appends `records` and waits until JetStream has stored every one: a read is answered
    /// only once it is on record. The records of one call (a subscription's batch of
    /// deliveries, a read of many households) go out as one of JetStream's fast-ingest
    /// batches, acknowledged once instead of each on its own (for a partner's subscription,
    /// which stores a record per household it first sees, that is a sixth more deliveries a
    /// second; BENCHMARKS.md).
    ///
    /// # Errors
    /// [`Error::Unavailable`] when JetStream does not acknowledge them.
    pub async fn record(&self, records: &[v1::AuditRecord]) -> Result<()> {
        if records.len() > 1 && self.batch_mode.try_batch() {
            let messages = records.iter().map(message).collect();
            match self
                .batches
                .publish(messages, crate::JETSTREAM_TIMEOUT)
                .await
            {
                Ok(()) => {
                    self.batch_mode.taken();
                    return Ok(());
                }
                Err(Failure::Failed(err)) => {
                    return Err(Error::unavailable("recording audit records", err));
                }
                // A log provisioned before batches: one by one until `rondom provision`
                // brings it to the current configuration.
                Err(Failure::NotTaken(NotTaken::NotAllowed)) => self.batch_mode.refused(),
                Err(Failure::NotTaken(NotTaken::TooMany)) => {}
            }
        }
        let mut acks = Vec::with_capacity(records.len());
        for record in records {
            let message = message(record);
            let ack = self
                .jetstream
                .publish(message.subject, message.payload)
                .await
                .map_err(|err| Error::unavailable("recording an audit record", err))?;
            acks.push(ack);
        }
        for ack in acks {
            ack.await
                .map_err(|err| Error::unavailable("recording an audit record", err))?;
        }
        Ok(())
    }

    /// Reads one page of records matching `query`, oldest first.
    ///
    /// # Errors
    /// [`Error::Unavailable`] when the stream cannot be read; [`Error::Corrupt`] for a record
    /// that does not decode.
    pub async fn records(&self, query: &AuditQuery) -> Result<AuditPage> {
        let filter = format!(
            "{AUDIT_PREFIX}.{}.{}",
            query.client_id.as_deref().map_or("*", token),
            query.household_id.as_deref().map_or("*", token)
        );
        let stream = self
            .jetstream
            .get_stream(AUDIT_STREAM)
            .await
            .map_err(|err| Error::unavailable("opening the audit log", err))?;
        let deliver_policy = match query
            .since
            .and_then(|since| time::OffsetDateTime::from_unix_timestamp(since.timestamp()).ok())
        {
            Some(start_time) if query.after == 0 => {
                consumer::DeliverPolicy::ByStartTime { start_time }
            }
            _ => consumer::DeliverPolicy::ByStartSequence {
                start_sequence: query.after.saturating_add(1),
            },
        };
        let until = query
            .until
            .unwrap_or_else(|| stream.cached_info().state.last_sequence);
        if query.after >= until {
            return Ok(AuditPage {
                until,
                ..AuditPage::default()
            });
        }
        // Named here, so that a caller leaving while it is created leaves nothing behind.
        let name = format!("rondom-audit-page-{}", uuid::Uuid::new_v4().simple());
        let page_consumer = PageConsumer(Some((stream.clone(), name.clone())));
        let consumer = stream
            .create_consumer(consumer::pull::OrderedConfig {
                name: Some(name),
                filter_subject: filter,
                deliver_policy,
                ..Default::default()
            })
            .await
            .map_err(|err| Error::unavailable("reading the audit log", err))?;
        let page = read_page(consumer, query, until).await;
        page_consumer.delete().await;
        page
    }
}

/// The consumer a page is read with, deleted when the page is done, and also when the
/// caller leaves mid-page (the call's future dropped): a consumer per page would otherwise
/// linger for its inactivity threshold (30 s), and a reader paging through a long history,
/// or callers giving up on pages, would run into JetStream's limit of 1,000 consumers.
struct PageConsumer(Option<(stream::Stream, String)>);

impl PageConsumer {
    async fn delete(mut self) {
        if let Some((stream, name)) = &self.0 {
            delete_consumer(stream, name).await;
        }
        // Only now: a caller leaving during the delete leaves it to `drop`.
        self.0 = None;
    }
}

impl Drop for PageConsumer {
    fn drop(&mut self) {
        if let Some((stream, name)) = self.0.take()
            && let Ok(runtime) = tokio::runtime::Handle::try_current()
        {
            runtime.spawn(async move { delete_consumer(&stream, &name).await });
        }
    }
}

async fn delete_consumer(stream: &stream::Stream, name: &str) {
    if let Err(err) = stream.delete_consumer(name).await {
        tracing::debug!(error = %err, "an audit page's consumer stays until it times out");
    }
}

/// Reads the page `query` asks for from `consumer`, positioned at its start, up to `until`.
async fn read_page(
    mut consumer: consumer::Consumer<consumer::pull::OrderedConfig>,
    query: &AuditQuery,
    until: u64,
) -> Result<AuditPage> {
    let pending = consumer
        .info()
        .await
        .map_err(|err| Error::unavailable("reading the audit log", err))?
        .num_pending;
    let limit = query.limit.clamp(1, MAX_PAGE);
    let wanted = usize::try_from(pending).unwrap_or(usize::MAX).min(limit);
    let mut page = AuditPage {
        until,
        ..AuditPage::default()
    };
    if wanted == 0 {
        return Ok(page);
    }
    let mut messages = consumer
        .messages()
        .await
        .map_err(|err| Error::unavailable("reading the audit log", err))?;
    let mut last = query.after;
    while page.records.len() < wanted {
        let next = tokio::time::timeout(crate::JETSTREAM_TIMEOUT, messages.next()).await;
        let message = match next {
            Ok(Some(Ok(message))) => message,
            Ok(Some(Err(err))) => {
                return Err(Error::unavailable("reading the audit log", err));
            }
            Ok(None) | Err(_) => {
                return Err(Error::unavailable(
                    "reading the audit log",
                    "the stream ended early",
                ));
            }
        };
        let position = message
            .info()
            .map_err(|err| Error::corrupt("audit record", err.to_string()))?
            .stream_sequence;
        if position > until {
            // Past the listing's end: this page is its last.
            return Ok(page);
        }
        last = position;
        let record = v1::AuditRecord::decode(message.payload.as_ref())
            .map_err(|err| Error::corrupt("audit record", err))?;
        page.records.push(record);
    }
    if u64::try_from(wanted).unwrap_or(u64::MAX) < pending && last < until {
        page.next = Some(last);
    }
    Ok(page)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn subjects_name_client_and_household_and_nothing_else() {
        let record = v1::AuditRecord {
            client_id: "jeugdzorg-noord".into(),
            household_id: "0195f0c2-7b7e-7000-8000-000000000001".into(),
            ..Default::default()
        };
        assert_eq!(
            subject(&record),
            "rondom.audit.jeugdzorg-noord.0195f0c2-7b7e-7000-8000-000000000001"
        );
        let anonymous = v1::AuditRecord::default();
        assert_eq!(subject(&anonymous), "rondom.audit._._");
        // A token that could break the subject is never put in it.
        let odd = v1::AuditRecord {
            client_id: "a.b>".into(),
            ..Default::default()
        };
        assert_eq!(subject(&odd), "rondom.audit._._");
    }
}
