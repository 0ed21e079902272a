//! `rondom projector rebuild`: the read model is disposable, so it can be rebuilt from the log.
//! The new model is built beside the old one and replaces it only when complete.

use std::time::{Duration, Instant};

use async_nats::jetstream::{self, consumer};
use futures::StreamExt;
use indicatif::{ProgressBar, ProgressStyle};
use rondom_bus::stream::EVENTS_STREAM;

use crate::consumer::{Applying, ProjectedChunk, decode_chunk};
use crate::error::{Error, Result, nats};
use crate::generation::Generations;
use crate::store::{Applied, ReadModel};

/// What a rebuild did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RebuildReport {
    /// Last stream position in the new model.
    pub through: u64,
    pub applied: Applied,
    pub elapsed: Duration,
}

/// A progress bar over `events` events, drawn only when `shown`.
fn progress_bar(shown: bool, events: u64) -> ProgressBar {
    let progress = if shown {
        ProgressBar::new(events)
    } else {
        ProgressBar::hidden()
    };
    progress.set_style(
        ProgressStyle::with_template(
            "{elapsed_precise} [{wide_bar}] {pos}/{len} events ({per_sec}, eta {eta})",
        )
        .expect("valid progress template"),
    );
    progress
}

/// Adds what `projected` applied to `total` and shows its position; returns the position.
fn counted(projected: ProjectedChunk, total: &mut Applied, progress: &ProgressBar) -> u64 {
    total.events += projected.applied.events;
    total.duplicates += projected.applied.duplicates;
    progress.set_position(projected.through);
    projected.through
}

/// Rebuilds the read model under `data_dir` from the whole stream. The projector must not be
/// running: sled's lock on the current model makes this fail fast if it is.
///
/// # Errors
/// [`Error::Storage`] when the current model is in use or a write fails; [`Error::Bus`] when
/// the stream cannot be read. The current model is untouched in every error case.
pub async fn rebuild(
    jetstream: &jetstream::Context,
    generations: &Generations,
    batch_size: usize,
    bylaws: std::sync::Arc<rondom_domain::bylaw::BylawTerms>,
    signer: &rondom_bus::EventSigner,
    show_progress: bool,
) -> Result<RebuildReport> {
    let started = Instant::now();
    // Held open until the switch: nobody starts a projector on it meanwhile.
    let current = ReadModel::open(&generations.current()?)?;
    let calendar = crate::store::folded_with(&bylaws);
    let target = ReadModel::open(&generations.prepare_next()?)?.with_bylaws(bylaws);
    target.folded_with_calendar(calendar)?;

    let mut stream = jetstream
        .get_stream(EVENTS_STREAM)
        .await
        .map_err(nats("opening the event stream"))?;
    let last = stream
        .info()
        .await
        .map_err(nats("reading the stream state"))?
        .state
        .last_sequence;
    let progress = progress_bar(show_progress, last);

    let mut total = Applied::default();
    let mut through = 0;
    if last > 0 {
        let consumer = stream
            .create_consumer(consumer::pull::OrderedConfig {
                deliver_policy: consumer::DeliverPolicy::All,
                ..Default::default()
            })
            .await
            .map_err(nats("creating the rebuild consumer"))?;
        let mut messages = consumer
            .messages()
            .await
            .map_err(nats("reading events"))?
            .ready_chunks(batch_size);
        // The next chunk is decoded while the one before it is applied: the two halves of a
        // rebuild's work run on both cores instead of one after the other.
        let mut applying: Option<Applying> = None;
        let mut read = 0;
        while read < last {
            let Some(chunk) = messages.next().await else {
                return Err(Error::Bus(rondom_bus::Error::unavailable(
                    "reading events",
                    "stream ended early",
                )));
            };
            let Some(decoded) = decode_chunk(jetstream, signer, chunk).await? else {
                continue;
            };
            read = decoded.through;
            if let Some(before) = applying.take() {
                through = counted(before.finish().await?, &mut total, &progress);
            }
            applying = Some(decoded.start_applying(&target));
        }
        if let Some(before) = applying {
            through = counted(before.finish().await?, &mut total, &progress);
        }
    }
    target.flush().await?;
    drop(target);
    drop(current);
    generations.switch_to_next()?;
    progress.finish();
    Ok(RebuildReport {
        through,
        applied: total,
        elapsed: started.elapsed(),
    })
}

/// How a read model compares with a clean rebuild of the log ([`verify`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Verification {
    /// The model's checkpoint.
    pub checkpoint: u64,
    /// Entries of the model (views, timelines, indexes, checkpoint).
    pub entries: usize,
    /// Entries of the clean rebuild.
    pub rebuilt_entries: usize,
    /// Entries that differ, position by position.
    pub differing: usize,
    /// Where the first difference is: tree and key (hex).
    pub first_difference: Option<String>,
}

impl Verification {
    /// True when the model holds exactly what a rebuild makes.
    pub fn same(&self) -> bool {
        self.differing == 0 && self.entries == self.rebuilt_entries
    }
}

/// Rebuilds the read model from the whole stream into `scratch` (a new directory) and compares
/// the model at `model` with it, entry by entry: whatever crashed or failed before, a model
/// that lost or doubled nothing is the same. The projector must not be running on `model`.
///
/// # Errors
/// As [`rebuild`], and [`Error::Storage`] when `model` cannot be opened.
pub async fn verify(
    jetstream: &jetstream::Context,
    model: &std::path::Path,
    scratch: &std::path::Path,
    bylaws: std::sync::Arc<rondom_domain::bylaw::BylawTerms>,
    signer: &rondom_bus::EventSigner,
) -> Result<Verification> {
    let generations = Generations::new(scratch);
    rebuild(jetstream, &generations, 1024, bylaws, signer, false).await?;
    let model = ReadModel::open(model)?;
    let rebuilt = ReadModel::open(&generations.current()?)?;
    let (ours, clean) = (model.entries()?, rebuilt.entries()?);
    let differences: Vec<_> = ours
        .iter()
        .zip(&clean)
        .filter(|(ours, clean)| ours != clean)
        .collect();
    Ok(Verification {
        checkpoint: model.checkpoint()?,
        entries: ours.len(),
        rebuilt_entries: clean.len(),
        differing: differences.len(),
        first_difference: differences
            .first()
            .map(|(ours, _)| format!("tree {}, key {}", ours.0, hex::encode(&ours.1))),
    })
}
