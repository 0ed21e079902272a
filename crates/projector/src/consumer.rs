//! The projector's pull loop: a durable consumer on `RONDOM_EVENTS`, messages applied in
//! batches, the batch's last message acked after the sled write.
//!
//! The read model's own checkpoint decides where to resume, never what the server believes
//! was acked (JetStream and sled may each lose their last moments in a crash), so at every
//! (re)start the durable consumer is recreated from `checkpoint + 1`.

use std::time::Duration;

use async_nats::jetstream::{self, consumer};
use futures::StreamExt;
use rondom_bus::envelope::EnvelopeError;
use rondom_bus::stream::EVENTS_STREAM;
use rondom_bus::{EventSigner, ReceivedEvent};
use rondom_domain::HouseholdId;
use tokio::sync::watch;
use tokio_util::sync::CancellationToken;

use crate::error::{Error, Result, nats};
use crate::store::{Applied, ReadModel};

/// Name of the durable consumer.
pub const DURABLE: &str = "projector";

/// One chunk of stream messages, applied.
#[derive(Debug)]
pub struct ProjectedChunk {
    /// Position of the chunk's last message: the new checkpoint.
    pub through: u64,
    /// The last message, to ack once the write is done.
    pub last: jetstream::Message,
    pub applied: Applied,
}

/// One chunk of stream messages, decoded and ready to be applied.
#[derive(Debug)]
pub struct DecodedChunk {
    /// Position of the chunk's last message: the new checkpoint.
    pub through: u64,
    /// The last message, to ack once the write is done.
    pub last: jetstream::Message,
    events: Vec<ReceivedEvent>,
    histories: crate::store::Histories,
}

impl DecodedChunk {
    /// Starts applying the chunk to `model` in one transaction on a blocking thread, so the
    /// caller can decode the next chunk meanwhile. Chunks are applied in stream order: finish
    /// one before starting the next.
    pub fn start_applying(self, model: &ReadModel) -> Applying {
        let model = model.clone();
        Applying(tokio::task::spawn_blocking(move || {
            let applied = model.apply_with(&self.events, self.through, &self.histories)?;
            Ok(ProjectedChunk {
                through: self.through,
                last: self.last,
                applied,
            })
        }))
    }
}

/// A chunk being applied ([`DecodedChunk::start_applying`]).
#[derive(Debug)]
pub struct Applying(tokio::task::JoinHandle<Result<ProjectedChunk>>);

impl Applying {
    /// Waits until the chunk is stored.
    ///
    /// # Errors
    /// [`Error::Storage`] when the write failed.
    pub async fn finish(self) -> Result<ProjectedChunk> {
        self.0.await.expect("applying a batch does not panic")
    }
}

/// Decodes `chunk` and applies it to `model` in one transaction. Malformed messages are logged
/// (by position only: they may hold anything) and skipped, so one bad message never blocks the
/// household views; the checkpoint still moves past them. `None` for an empty chunk.
///
/// # Errors
/// [`Error::Bus`] for a failed delivery, [`Error::Storage`] when the write fails.
pub async fn project_chunk<E>(
    model: &ReadModel,
    jetstream: &jetstream::Context,
    signer: &EventSigner,
    chunk: Vec<std::result::Result<jetstream::Message, E>>,
) -> Result<Option<ProjectedChunk>>
where
    E: Into<rondom_bus::error::BoxError>,
{
    let Some(decoded) = decode_chunk(jetstream, signer, chunk).await? else {
        return Ok(None);
    };
    decoded.start_applying(model).finish().await.map(Some)
}

/// Decodes `chunk` as [`project_chunk`] does, with the logs its rectifications need, without
/// applying it. `None` for an empty chunk.
///
/// # Errors
/// [`Error::Bus`] for a failed delivery or a log that cannot be read.
pub async fn decode_chunk<E>(
    jetstream: &jetstream::Context,
    signer: &EventSigner,
    chunk: Vec<std::result::Result<jetstream::Message, E>>,
) -> Result<Option<DecodedChunk>>
where
    E: Into<rondom_bus::error::BoxError>,
{
    let redeliveries = rondom_runtime::metrics::metrics().redeliveries_of("projector");
    let refused = rondom_runtime::metrics::metrics().refused_events_of("projector");
    let mut events = Vec::with_capacity(chunk.len());
    let mut last = None;
    for item in chunk {
        let message = item.map_err(nats("receiving events"))?;
        let info = message.info().map_err(nats("reading message metadata"))?;
        let position = info.stream_sequence;
        if info.delivered > 1 {
            redeliveries.inc();
        }
        match ReceivedEvent::decode(position, message.headers.as_ref(), &message.payload, signer) {
            Ok(event) => events.push(event),
            Err(EnvelopeError::Signature(err)) => {
                // Put on the bus with a NATS password but not by this hub (or under another
                // event-signing key): never folded.
                refused.inc();
                tracing::error!(position, error = %err, "refusing an event this hub did not sign");
            }
            Err(err) => {
                tracing::warn!(position, error = %err, "skipping a malformed message on the event stream");
            }
        }
        last = Some((position, message));
    }
    let Some((through, last)) = last else {
        return Ok(None);
    };
    let histories = histories(jetstream, signer, &events).await?;
    Ok(Some(DecodedChunk {
        through,
        last,
        events,
        histories,
    }))
}

/// Reads the log of each household a rectification in `events` names: the projector folds it
/// again without the wrong fact (rare: a rectification is an exception, so it reads there
/// and then rather than keep every household's events at hand).
async fn histories(
    jetstream: &jetstream::Context,
    signer: &EventSigner,
    events: &[ReceivedEvent],
) -> Result<crate::store::Histories> {
    let rectified: Vec<HouseholdId> = events
        .iter()
        .filter(|received| crate::store::rectified(received).is_some())
        .map(|received| received.envelope.subject)
        .collect();
    household_logs(jetstream, signer, rectified).await
}

/// Reads the log of each of `households`, oldest first.
///
/// # Errors
/// [`Error::Bus`] when a log cannot be read.
pub async fn household_logs(
    jetstream: &jetstream::Context,
    signer: &EventSigner,
    households: impl IntoIterator<Item = HouseholdId>,
) -> Result<crate::store::Histories> {
    let log = rondom_bus::EventPublisher::new(jetstream.clone(), signer.clone());
    let mut histories = crate::store::Histories::new();
    for household in households {
        if histories.contains_key(&household) {
            continue;
        }
        let history = log
            .received_on(
                &rondom_bus::subject::household_filter(&household),
                MAX_HOUSEHOLD_EVENTS,
            )
            .await?;
        histories.insert(household, history);
    }
    Ok(histories)
}

/// Most events of one household the projector reads to fold it again.
const MAX_HOUSEHOLD_EVENTS: usize = 100_000;

/// Runs until `cancel`: consumes, applies, acks, and publishes each new checkpoint on
/// `applied`. Reconnects after any failure with a short pause.
///
/// When the read model cannot be written (a full disk), `failing` turns true, nothing more is
/// applied or acknowledged, and the model is opened again each second until it takes writes;
/// the first batch stored after that turns `failing` false.
pub async fn run(
    jetstream: jetstream::Context,
    model: ReadModel,
    batch_size: usize,
    applied: watch::Sender<u64>,
    failing: watch::Sender<bool>,
    signer: EventSigner,
    cancel: CancellationToken,
) {
    while !cancel.is_cancelled() {
        let outcome = consume(
            &jetstream, &model, &signer, batch_size, &applied, &failing, &cancel,
        )
        .await;
        let Err(err) = outcome else { break };
        let storage = matches!(err, Error::Storage(_) | Error::Closed);
        if matches!(err, Error::AheadOfLog { .. }) {
            // Not ready, as when it cannot write: nothing is applied until a rebuild.
            failing.send_replace(true);
            tracing::error!(
                error = &err as &dyn std::error::Error,
                "nothing more is applied until the read model is rebuilt"
            );
        } else if storage {
            failing.send_replace(true);
            tracing::error!(
                error = &err as &dyn std::error::Error,
                "the read model cannot be written; applying stops until it can"
            );
        } else {
            tracing::warn!(
                error = &err as &dyn std::error::Error,
                "projector consumer interrupted; restarting"
            );
        }
        tokio::select! {
            () = cancel.cancelled() => break,
            () = tokio::time::sleep(Duration::from_secs(1)) => {}
        }
        if storage {
            // sled refuses every write after a failed one until it is opened again.
            let model = model.clone();
            let reopened = tokio::task::spawn_blocking(move || model.reopen())
                .await
                .expect("opening sled does not panic");
            if let Err(err) = reopened {
                tracing::debug!(
                    error = &err as &dyn std::error::Error,
                    "read model not open yet"
                );
            }
        }
    }
}

/// Checks that the log still holds what the read model applied through `checkpoint`. NATS
/// can lose the end of its log (a power cut before it synced, a restored copy of its files):
/// what is written next takes the lost positions, and resuming after the checkpoint would
/// pass over it unseen. So the log must reach the checkpoint, and the hub's event there must
/// be one the model applied (or quarantined).
///
/// # Errors
/// [`Error::AheadOfLog`] when it does not; bus or storage errors.
async fn log_holds_checkpoint(
    jetstream: &jetstream::Context,
    model: &ReadModel,
    signer: &EventSigner,
    checkpoint: u64,
) -> Result<()> {
    if checkpoint == 0 {
        return Ok(());
    }
    let stream = jetstream
        .get_stream(EVENTS_STREAM)
        .await
        .map_err(nats("opening the event stream"))?;
    let last = stream.cached_info().state.last_sequence;
    let ahead = Error::AheadOfLog { checkpoint, last };
    if checkpoint > last {
        return Err(ahead);
    }
    // Only an event this hub signed can tell: anything else was passed over when applied.
    let publisher = rondom_bus::EventPublisher::new(jetstream.clone(), signer.clone());
    let Some(received) = publisher.event_at(checkpoint).await? else {
        return Ok(());
    };
    if model.holds(checkpoint, &received.envelope.id)? {
        Ok(())
    } else {
        Err(ahead)
    }
}

/// Creates the projector's durable consumer, starting at `start`: recreated at every start
/// so it begins exactly after the read model's checkpoint.
async fn projector_consumer(
    jetstream: &jetstream::Context,
    start: u64,
    batch_size: usize,
) -> Result<consumer::PullConsumer> {
    let stream = jetstream
        .get_stream(EVENTS_STREAM)
        .await
        .map_err(nats("opening the event stream"))?;
    if let Err(err) = stream.delete_consumer(DURABLE).await {
        tracing::debug!(error = %err, "no previous projector consumer to delete");
    }
    stream
        .create_consumer(consumer::pull::Config {
            durable_name: Some(DURABLE.to_owned()),
            description: Some("Rondom household projector".to_owned()),
            deliver_policy: consumer::DeliverPolicy::ByStartSequence {
                start_sequence: start,
            },
            ack_policy: consumer::AckPolicy::All,
            max_ack_pending: (batch_size * 8) as i64,
            ..Default::default()
        })
        .await
        .map_err(nats("creating the projector consumer"))
}

async fn consume(
    jetstream: &jetstream::Context,
    model: &ReadModel,
    signer: &EventSigner,
    batch_size: usize,
    applied: &watch::Sender<u64>,
    failing: &watch::Sender<bool>,
    cancel: &CancellationToken,
) -> Result<()> {
    let checkpoint = model.checkpoint()?;
    log_holds_checkpoint(jetstream, model, signer, checkpoint).await?;
    let start = checkpoint + 1;
    let consumer = projector_consumer(jetstream, start, batch_size).await?;
    tracing::info!(start, "projector consuming");
    let mut messages = consumer
        .stream()
        .max_messages_per_batch(batch_size)
        .heartbeat(Duration::from_secs(5))
        .expires(Duration::from_secs(30))
        .messages()
        .await
        .map_err(nats("pulling events"))?
        .ready_chunks(batch_size);

    loop {
        let chunk = tokio::select! {
            () = cancel.cancelled() => return Ok(()),
            chunk = messages.next() => chunk,
        };
        let Some(chunk) = chunk else {
            return Err(Error::Bus(rondom_bus::Error::unavailable(
                "pulling events",
                "message stream ended",
            )));
        };
        let Some(ProjectedChunk {
            through,
            last,
            applied: outcome,
        }) = project_chunk(model, jetstream, signer, chunk).await?
        else {
            continue;
        };
        // AckPolicy::All: acking the last message acks the batch. A lost ack only causes a
        // redelivery, which the checkpoint skips.
        if let Err(err) = last.ack().await {
            tracing::debug!(error = %err, "ack of a projected batch failed");
        }
        applied.send_replace(through);
        if failing.send_if_modified(|failing| std::mem::replace(failing, false)) {
            tracing::info!(
                through,
                "the read model takes writes again; applying resumed"
            );
        }
        tracing::debug!(
            through,
            events = outcome.events,
            duplicates = outcome.duplicates,
            "batch projected"
        );
    }
}
