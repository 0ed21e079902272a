//! P1, ingest: signals per second through gRPC PostSignal, each acknowledged by JetStream,
//! against raw JetStream publishes of messages of the same size on the same server; P1b the
//! same through PostSignals in batches of [`BATCH`].

use std::sync::{Arc, Mutex};
use std::time::Duration;

use async_nats::jetstream::{self, stream};
use futures::StreamExt;
use futures::stream::FuturesUnordered;
use rondom_access::dev_clients::DevClient;
use rondom_proto::v1::signal_service_client::SignalServiceClient;

use crate::sample::{Loop, Rate, closed_loop};
use crate::stage::{Endpoint, Hub};
use crate::workload;

/// Concurrent wijkteam clients, each on its own connection.
pub(crate) const CLIENTS: usize = 64;
/// Acknowledgements the raw publisher waits for at once.
const IN_FLIGHT: usize = 4_096;
const RAW_STREAM: &str = "BENCH_RAW";

/// What a run of signals did, and the households the replies named (in reply order).
#[derive(Debug)]
pub(crate) struct Posted {
    pub(crate) run: Loop,
    pub(crate) household_ids: Vec<String>,
}

/// Posts `count` signals, signal n about household `first_household + n % households`, as
/// `CLIENTS` clients at once.
pub(crate) async fn post_signals(
    hub: &impl Endpoint,
    run: &'static str,
    count: u64,
    first_household: u64,
    households: u64,
) -> anyhow::Result<Posted> {
    let replies = Arc::new(Mutex::new(Vec::with_capacity(count as usize)));
    let named = replies.clone();
    let run = closed_loop(
        CLIENTS,
        count,
        Duration::from_secs(3_600),
        || async {
            Ok(SignalServiceClient::new(
                hub.connect(DevClient::Wijkteam).await?,
            ))
        },
        move |client, number| {
            let request = workload::signal(run, number, first_household + number % households);
            let mut client = client.clone();
            let named = named.clone();
            async move {
                let reply = client.post_signal(request).await?.into_inner();
                named.lock().expect("not poisoned").push(reply.household_id);
                Ok(())
            }
        },
    )
    .await?;
    let mut household_ids = std::mem::take(&mut *replies.lock().expect("not poisoned"));
    household_ids.sort_unstable();
    household_ids.dedup();
    Ok(Posted { run, household_ids })
}

/// Signals per PostSignals call in P1b.
pub(crate) const BATCH: u64 = 500;
/// Callers sending batches at once in P1b: a back-office or feed sends few, large calls.
const BATCH_CLIENTS: usize = 4;

/// P1b: posts `count` signals through PostSignals in batches of [`BATCH`], signal n about
/// household `first_household + n`; every signal must be accepted.
pub(crate) async fn post_batches(
    hub: &Hub,
    run: &'static str,
    count: u64,
    first_household: u64,
) -> anyhow::Result<Rate> {
    let batches = count.div_ceil(BATCH);
    let measured = closed_loop(
        BATCH_CLIENTS,
        batches,
        Duration::from_secs(3_600),
        || async {
            Ok(SignalServiceClient::new(
                hub.connect(DevClient::Wijkteam).await?,
            ))
        },
        move |client, batch| {
            let first = batch * BATCH;
            let signals = (first..(first + BATCH).min(count))
                .map(|number| workload::signal(run, number, first_household + number))
                .collect();
            let mut client = client.clone();
            async move {
                let results = client
                    .post_signals(rondom_proto::v1::PostSignalsRequest { signals })
                    .await?
                    .into_inner()
                    .results;
                anyhow::ensure!(
                    results.iter().all(|result| matches!(
                        result.result,
                        Some(rondom_proto::v1::post_signal_result::Result::Accepted(_))
                    )),
                    "a signal of a batch was refused"
                );
                Ok(())
            }
        },
    )
    .await?;
    Ok(Rate {
        count,
        elapsed: measured.rate.elapsed,
    })
}

/// The size of the messages Rondom's signals became on the stream: headers and payload of the
/// last event, which is a signal.
pub(crate) async fn event_size(jetstream: &jetstream::Context) -> anyhow::Result<usize> {
    let stream = jetstream
        .get_stream(rondom_bus::stream::EVENTS_STREAM)
        .await?;
    let last = stream
        .get_raw_message(stream.cached_info().state.last_sequence)
        .await?;
    let headers = last.headers.iter().map(|(name, values)| {
        name.to_string().len()
            + values
                .iter()
                .map(|value| value.as_str().len() + 4)
                .sum::<usize>()
    });
    Ok(last.payload.len() + headers.sum::<usize>())
}

/// Publishes `count` messages of `size` bytes (with a message id, as Rondom's events have) to
/// a file stream like Rondom's, with up to `IN_FLIGHT` acknowledgements outstanding.
pub(crate) async fn raw_publish(
    jetstream: &jetstream::Context,
    count: u64,
    size: usize,
) -> anyhow::Result<Rate> {
    let _ = jetstream.delete_stream(RAW_STREAM).await;
    jetstream
        .create_stream(stream::Config {
            name: RAW_STREAM.to_owned(),
            subjects: vec!["bench.raw.>".to_owned()],
            storage: stream::StorageType::File,
            duplicate_window: Duration::from_secs(600),
            ..Default::default()
        })
        .await?;
    let payload = bytes::Bytes::from(vec![b'x'; size]);
    let started = std::time::Instant::now();
    let mut pending = FuturesUnordered::new();
    for number in 0..count {
        if pending.len() >= IN_FLIGHT {
            pending.next().await.expect("one pending")?;
        }
        let mut headers = async_nats::HeaderMap::new();
        headers.insert(
            async_nats::header::NATS_MESSAGE_ID,
            number.to_string().as_str(),
        );
        let ack = jetstream
            .publish_with_headers(
                format!("bench.raw.{}", number % 1_024),
                headers,
                payload.clone(),
            )
            .await?;
        pending.push(ack.into_future());
    }
    while let Some(ack) = pending.next().await {
        ack?;
    }
    let elapsed = started.elapsed();
    jetstream.delete_stream(RAW_STREAM).await?;
    Ok(Rate { count, elapsed })
}
