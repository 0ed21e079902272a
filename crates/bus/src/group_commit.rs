//! Group commit of audit records: the records of reads that come in at the same time go to
//! JetStream together, as one atomic batch that JetStream acknowledges once, instead of one
//! acknowledged publish each. Every read still waits until its own records are stored
//! (fail-closed); a batch is stored whole or not at all, so no read is answered on a record
//! that was lost with its neighbours.
//!
//! A lone record goes out as before (one publish, deduplicated by its id). A stream that does
//! not take atomic batches (one provisioned before they were enabled, or a server older than
//! 2.12) gets every record on its own.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};

use async_nats::HeaderMap;
use async_nats::jetstream;
use futures::future::try_join_all;
use prost::Message;
use rondom_proto::v1;
use tokio::sync::{Semaphore, mpsc, oneshot};

use crate::error::{Error, Result};

/// Records in one batch at most (JetStream takes up to 1,000).
const MAX_GROUP: usize = 256;
/// Batches waiting for their acknowledgement at once (JetStream allows 50 per stream).
const IN_FLIGHT: usize = 8;
/// Reads waiting for the committer before a new one waits for room.
const QUEUE: usize = 4_096;
/// JetStream's error code for "this stream does not take atomic batches".
const BATCH_NOT_ENABLED: u64 = 10_174;

/// The records of one read and where to say they are stored.
struct Pending {
    records: Vec<v1::AuditRecord>,
    stored: oneshot::Sender<std::result::Result<(), String>>,
}

/// Hands records to this process's committer.
#[derive(Debug, Clone)]
pub(crate) struct GroupCommit {
    queue: mpsc::Sender<Pending>,
    /// Atomic batches JetStream acknowledged, for tests and diagnostics.
    batches: Arc<AtomicU64>,
}

impl GroupCommit {
    /// Starts the committer; it ends when the last handle is dropped.
    pub(crate) fn start(jetstream: jetstream::Context) -> Self {
        let (queue, incoming) = mpsc::channel(QUEUE);
        let batches = Arc::new(AtomicU64::new(0));
        tokio::spawn(commit(jetstream, incoming, batches.clone()));
        Self { queue, batches }
    }

    /// Returns how many atomic batches JetStream acknowledged.
    pub(crate) fn batches(&self) -> u64 {
        self.batches.load(Ordering::Relaxed)
    }

    /// Returns once JetStream has stored every one of `records`.
    pub(crate) async fn store(&self, records: Vec<v1::AuditRecord>) -> Result<()> {
        let (stored, outcome) = oneshot::channel();
        let stopped = || Error::unavailable("recording an audit record", "the committer stopped");
        self.queue
            .send(Pending { records, stored })
            .await
            .map_err(|_| stopped())?;
        outcome
            .await
            .map_err(|_| stopped())?
            .map_err(|err| Error::unavailable("recording an audit record", err))
    }
}

/// Takes what has come in, up to [`MAX_GROUP`] records, and stores it as one group while the
/// next group gathers.
async fn commit(
    jetstream: jetstream::Context,
    mut incoming: mpsc::Receiver<Pending>,
    batches: Arc<AtomicU64>,
) {
    let slots = Arc::new(Semaphore::new(IN_FLIGHT));
    let atomic = Arc::new(AtomicBool::new(true));
    while let Some(first) = incoming.recv().await {
        let mut count = first.records.len();
        let mut group = vec![first];
        while count < MAX_GROUP {
            let Ok(next) = incoming.try_recv() else { break };
            count += next.records.len();
            group.push(next);
        }
        let Ok(slot) = slots.clone().acquire_owned().await else {
            return;
        };
        let (jetstream, atomic, batches) = (jetstream.clone(), atomic.clone(), batches.clone());
        tokio::spawn(async move {
            let records: Vec<&v1::AuditRecord> =
                group.iter().flat_map(|pending| &pending.records).collect();
            let outcome = match store(&jetstream, &records, &atomic).await {
                Ok(Stored::Batch) => {
                    batches.fetch_add(1, Ordering::Relaxed);
                    Ok(())
                }
                Ok(Stored::OneByOne) => Ok(()),
                Err(err) => Err(err.to_string()),
            };
            for pending in group {
                let _ = pending.stored.send(outcome.clone());
            }
            drop(slot);
        });
    }
}

/// Stores `records`: several as one atomic batch while the stream takes them, else each on
/// its own.
async fn store(
    jetstream: &jetstream::Context,
    records: &[&v1::AuditRecord],
    atomic: &AtomicBool,
) -> Result<Stored> {
    if records.len() > 1 && atomic.load(Ordering::Relaxed) {
        match batch(jetstream, records).await {
            Err(Refused::NotEnabled) => {
                tracing::info!("the audit log takes no atomic batches; recording one by one");
                atomic.store(false, Ordering::Relaxed);
            }
            Err(Refused::Other(err)) => return Err(err),
            Ok(()) => return Ok(Stored::Batch),
        }
    }
    one_by_one(jetstream, records).await?;
    Ok(Stored::OneByOne)
}

/// How a group was stored.
enum Stored {
    Batch,
    OneByOne,
}

/// Why a batch was not stored.
enum Refused {
    /// The stream does not take atomic batches: nothing was stored.
    NotEnabled,
    Other(Error),
}

fn headers(record: &v1::AuditRecord) -> HeaderMap {
    let mut headers = HeaderMap::new();
    headers.insert("ce-specversion", crate::envelope::SPEC_VERSION);
    headers.insert("ce-type", crate::audit::AUDIT_TYPE);
    headers.insert("ce-source", "urn:rondom:hub");
    headers.insert("ce-id", record.id.as_str());
    headers.insert("ce-datacontenttype", crate::envelope::DATA_CONTENT_TYPE);
    headers
}

/// Publishes each record, pipelined, and waits for every acknowledgement.
async fn one_by_one(jetstream: &jetstream::Context, records: &[&v1::AuditRecord]) -> Result<()> {
    let unavailable =
        |err: crate::error::BoxError| Error::unavailable("recording an audit record", err);
    let mut acks = Vec::with_capacity(records.len());
    for record in records {
        let mut headers = headers(record);
        // A retried record is stored once.
        headers.insert("Nats-Msg-Id", record.id.as_str());
        let ack = jetstream
            .publish_with_headers(
                crate::audit::subject(record),
                headers,
                record.encode_to_vec().into(),
            )
            .await
            .map_err(|err| unavailable(Box::new(err)))?;
        acks.push(ack.into_future());
    }
    try_join_all(acks)
        .await
        .map_err(|err| unavailable(Box::new(err)))?;
    Ok(())
}

/// Publishes `records` as one atomic batch (headers `Nats-Batch-Id`, `Nats-Batch-Sequence`,
/// and `Nats-Batch-Commit` on the last) and waits for the commit's acknowledgement.
async fn batch(
    jetstream: &jetstream::Context,
    records: &[&v1::AuditRecord],
) -> std::result::Result<(), Refused> {
    let failed = |err: String| Refused::Other(Error::unavailable("recording audit records", err));
    let id = uuid::Uuid::now_v7().simple().to_string();
    let client = jetstream.client();
    let (last, rest) = records.split_last().expect("a batch has records");
    for (sequence, record) in (1..).zip(rest) {
        let mut headers = headers(record);
        headers.insert("Nats-Batch-Id", id.as_str());
        headers.insert("Nats-Batch-Sequence", u64::to_string(&sequence).as_str());
        client
            .publish_with_headers(
                crate::audit::subject(record),
                headers,
                record.encode_to_vec().into(),
            )
            .await
            .map_err(|err| failed(err.to_string()))?;
    }
    let mut headers = headers(last);
    headers.insert("Nats-Batch-Id", id.as_str());
    headers.insert("Nats-Batch-Sequence", records.len().to_string().as_str());
    headers.insert("Nats-Batch-Commit", "1");
    let answer = client
        .request_with_headers(
            crate::audit::subject(last),
            headers,
            last.encode_to_vec().into(),
        )
        .await
        .map_err(|err| failed(err.to_string()))?;
    // {"stream":..,"seq":..,"batch":<id>,"count":<n>}, or {"error":{"err_code":..,..}}.
    let answer: serde_json::Value =
        serde_json::from_slice(&answer.payload).map_err(|err| failed(err.to_string()))?;
    if let Some(error) = answer.get("error") {
        return Err(
            if error.get("err_code").and_then(serde_json::Value::as_u64) == Some(BATCH_NOT_ENABLED)
            {
                Refused::NotEnabled
            } else {
                failed(error.to_string())
            },
        );
    }
    let batch = answer.get("batch").and_then(serde_json::Value::as_str);
    let count = answer.get("count").and_then(serde_json::Value::as_u64);
    if batch == Some(id.as_str()) && count == Some(records.len() as u64) {
        Ok(())
    } else {
        Err(failed(format!(
            "batch {id} of {} acknowledged as {answer}",
            records.len()
        )))
    }
}
