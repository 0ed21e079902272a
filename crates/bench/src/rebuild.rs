//! P3, rebuild: events per second `rondom projector rebuild` applies over the whole stream,
//! against a raw durable pull consumer that reads and acknowledges the same stream.

use std::path::Path;
use std::time::Instant;

use async_nats::jetstream::{self, consumer};
use futures::StreamExt;
use rondom_bus::stream::EVENTS_STREAM;

use crate::sample::Rate;

/// Events per sled batch: `rondom projector rebuild`'s default.
pub(crate) const BATCH: usize = 1_024;

/// P3's figure: the rebuild's rate against the raw consumer's, for `what`.
pub(crate) fn figure(what: String, rebuilt: &Rate, raw: &Rate) -> crate::report::Figure {
    crate::report::Figure::against(
        "P3",
        what,
        rebuilt.per_second(),
        "/s",
        raw.per_second(),
        ">= 0.50",
        0.50,
    )
}

/// Runs `rondom projector rebuild` on the read model under `projector_dir` (the hub must be
/// stopped) and returns the events of the stream over the time the command took.
pub(crate) async fn rebuild(
    jetstream: &jetstream::Context,
    nats_url: &str,
    projector_dir: &Path,
) -> anyhow::Result<Rate> {
    rebuild_by(
        &crate::stage::rondom_binary()?,
        jetstream,
        nats_url,
        projector_dir,
    )
    .await
}

/// As [`rebuild`], by the `rondom` binary at `binary` (A/B runs of the projector).
pub(crate) async fn rebuild_by(
    binary: &Path,
    jetstream: &jetstream::Context,
    nats_url: &str,
    projector_dir: &Path,
) -> anyhow::Result<Rate> {
    let events = jetstream
        .get_stream(EVENTS_STREAM)
        .await?
        .info()
        .await?
        .state
        .messages;
    let started = Instant::now();
    let output = tokio::process::Command::new(binary)
        .args([
            "projector",
            "rebuild",
            "--nats-url",
            nats_url,
            "--batch-size",
        ])
        .arg(BATCH.to_string())
        .arg("--data-dir")
        .arg(projector_dir)
        // The hub's keys beside its read model: the rebuild checks every event's signature.
        .arg("--key-dir")
        .arg(projector_dir.with_file_name("keys"))
        .output()
        .await?;
    let elapsed = started.elapsed();
    anyhow::ensure!(
        output.status.success(),
        "rondom projector rebuild failed: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    Ok(Rate {
        count: events,
        elapsed,
    })
}

/// Reads every event of the stream through a durable pull consumer, acknowledging each batch
/// as the projector does (ack-all on the batch's last message).
pub(crate) async fn raw_consume(jetstream: &jetstream::Context) -> anyhow::Result<Rate> {
    let stream = jetstream.get_stream(EVENTS_STREAM).await?;
    let last = stream.cached_info().state.last_sequence;
    let _ = stream.delete_consumer("bench-raw").await;
    let consumer: consumer::PullConsumer = stream
        .create_consumer(consumer::pull::Config {
            durable_name: Some("bench-raw".to_owned()),
            ack_policy: consumer::AckPolicy::All,
            max_ack_pending: (BATCH * 8) as i64,
            ..Default::default()
        })
        .await?;
    let started = Instant::now();
    let mut messages = consumer
        .stream()
        .max_messages_per_batch(BATCH)
        .messages()
        .await?
        .ready_chunks(BATCH);
    let mut count = 0u64;
    let mut through = 0;
    while through < last {
        let chunk = messages
            .next()
            .await
            .expect("the stream holds `last` events");
        let mut newest = None;
        for message in chunk {
            let message = message.map_err(|err| anyhow::anyhow!("{err}"))?;
            through = message
                .info()
                .map_err(|err| anyhow::anyhow!("{err}"))?
                .stream_sequence;
            count += 1;
            newest = Some(message);
        }
        if let Some(message) = newest {
            message
                .ack()
                .await
                .map_err(|err| anyhow::anyhow!("{err}"))?;
        }
    }
    let elapsed = started.elapsed();
    stream.delete_consumer("bench-raw").await?;
    Ok(Rate { count, elapsed })
}
