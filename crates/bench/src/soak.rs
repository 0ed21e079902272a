//! The load soak (`make soak`, issue 7): signals at a steady rate and coordinator reads beside
//! them for a long time, with the hub's memory and the projector's lag sampled each minute.
//! It passes when neither grows without bound: no memory sample of the last third of the run
//! lies more than 20 % above the highest of the middle third, and the lag of the last third
//! stays under five seconds' worth of signals.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use async_nats::jetstream;
use rondom_access::dev_clients::DevClient;
use rondom_bus::stream::EVENTS_STREAM;
use rondom_cli::connection::Connection;
use rondom_proto::v1;
use rondom_proto::v1::household_service_client::HouseholdServiceClient;
use rondom_proto::v1::signal_service_client::SignalServiceClient;
use tokio::task::JoinSet;

use crate::stage::Hub;
use crate::workload;

/// Connections the load is spread over.
const CONNECTIONS: usize = 16;
/// Most calls in flight: beyond it the load waits rather than piling up in this process.
const IN_FLIGHT: usize = 512;

/// One look at the hub.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Sample {
    pub(crate) at: Duration,
    pub(crate) rss_mib: f64,
    /// Events on the stream the projector has not acknowledged.
    pub(crate) lag: u64,
    pub(crate) signals: u64,
    pub(crate) reads: u64,
    pub(crate) errors: u64,
}

/// What the soak found.
#[derive(Debug)]
pub(crate) struct Verdict {
    pub(crate) samples: Vec<Sample>,
    /// Why it failed, if it did.
    pub(crate) failures: Vec<String>,
}

/// Runs `rate` signals a second (and a read for every fourth) about `households` households
/// for `duration`, sampling every `every`.
pub(crate) async fn run(
    hub: &Hub,
    jetstream: &jetstream::Context,
    rate: u32,
    duration: Duration,
    every: Duration,
    households: u64,
) -> anyhow::Result<Verdict> {
    let mut pairs = Vec::with_capacity(CONNECTIONS);
    for _ in 0..CONNECTIONS {
        pairs.push((
            SignalServiceClient::new(hub.connect(DevClient::Wijkteam).await?),
            HouseholdServiceClient::new(hub.connect(DevClient::Coordinator).await?),
        ));
    }
    let counts = Arc::new([AtomicU64::new(0), AtomicU64::new(0), AtomicU64::new(0)]);
    let started = Instant::now();
    let load = {
        let counts = counts.clone();
        tokio::spawn(async move {
            let mut ticks = tokio::time::interval(Duration::from_secs(1) / rate);
            ticks.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
            let mut calls = JoinSet::new();
            let mut number = 0u64;
            while started.elapsed() < duration {
                ticks.tick().await;
                while calls.len() >= IN_FLIGHT {
                    calls.join_next().await;
                }
                let (signals, reads) = pairs[number as usize % CONNECTIONS].clone();
                let request = workload::signal("soak", number, number * 7_919 % households);
                let read = number.is_multiple_of(4);
                let counts = counts.clone();
                calls.spawn(one_call(signals, reads, request, read, counts));
                number += 1;
            }
            while calls.join_next().await.is_some() {}
        })
    };

    let mut samples = Vec::new();
    let mut next = every;
    while started.elapsed() < duration {
        tokio::time::sleep(next.saturating_sub(started.elapsed())).await;
        next += every;
        let sample = Sample {
            at: started.elapsed(),
            rss_mib: hub.rss_bytes()? as f64 / (1024.0 * 1024.0),
            lag: lag(jetstream).await?,
            signals: counts[0].load(Ordering::Relaxed),
            reads: counts[1].load(Ordering::Relaxed),
            errors: counts[2].load(Ordering::Relaxed),
        };
        eprintln!(
            "[{:>6.0?}] hub {:>7.1} MiB, lag {:>6} events, {} signals, {} reads, {} errors",
            sample.at, sample.rss_mib, sample.lag, sample.signals, sample.reads, sample.errors
        );
        samples.push(sample);
    }
    load.await?;
    let failures = judge(&samples, rate);
    Ok(Verdict { samples, failures })
}

/// Posts one signal and, for every fourth, reads its household back as the regisseur;
/// counts signals, reads and errors in `counts`.
async fn one_call(
    mut signals: SignalServiceClient<Connection>,
    mut reads: HouseholdServiceClient<Connection>,
    request: v1::PostSignalRequest,
    read: bool,
    counts: Arc<[AtomicU64; 3]>,
) {
    let outcome = async {
        let posted = signals.post_signal(request).await?.into_inner();
        counts[0].fetch_add(1, Ordering::Relaxed);
        if read {
            reads
                .get_household(v1::GetHouseholdRequest {
                    key: Some(v1::get_household_request::Key::HouseholdId(
                        posted.household_id,
                    )),
                    min_position: posted.position,
                    purpose: v1::Purpose::Regie as i32,
                    on_behalf_of: "mw-0001".to_owned(),
                    ..Default::default()
                })
                .await?;
            counts[1].fetch_add(1, Ordering::Relaxed);
        }
        Ok::<_, tonic::Status>(())
    }
    .await;
    if outcome.is_err() {
        counts[2].fetch_add(1, Ordering::Relaxed);
    }
}

/// Events the projector's durable consumer has not acknowledged.
async fn lag(jetstream: &jetstream::Context) -> anyhow::Result<u64> {
    let mut stream = jetstream.get_stream(EVENTS_STREAM).await?;
    let last = stream.info().await?.state.last_sequence;
    let consumer = stream
        .consumer_info(rondom_projector::consumer::DURABLE)
        .await?;
    Ok(last.saturating_sub(consumer.ack_floor.stream_sequence))
}

/// The reasons `samples` show growth without bound (none: it passed).
fn judge(samples: &[Sample], rate: u32) -> Vec<String> {
    let mut failures = Vec::new();
    if samples.len() < 3 {
        failures.push(format!(
            "{} samples: too short a run to judge",
            samples.len()
        ));
        return failures;
    }
    let third = samples.len() / 3;
    let middle = &samples[third..samples.len() - third];
    let last = &samples[samples.len() - third..];
    let middle_peak = middle.iter().map(|s| s.rss_mib).fold(0.0, f64::max);
    let last_peak = last.iter().map(|s| s.rss_mib).fold(0.0, f64::max);
    if last_peak > middle_peak * 1.2 {
        failures.push(format!(
            "memory grows: {last_peak:.0} MiB in the last third against {middle_peak:.0} MiB before"
        ));
    }
    let bound = u64::from(rate) * 5;
    if let Some(worst) = last.iter().map(|s| s.lag).max()
        && worst > bound
    {
        failures.push(format!(
            "the projector falls behind: {worst} events in the last third (bound {bound})"
        ));
    }
    let ended = samples.last().expect("three samples or more");
    if ended.errors > 0 {
        failures.push(format!("{} calls failed", ended.errors));
    }
    failures
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample(minute: u64, rss_mib: f64, lag: u64) -> Sample {
        Sample {
            at: Duration::from_secs(60 * minute),
            rss_mib,
            lag,
            signals: minute * 1000,
            reads: minute * 250,
            errors: 0,
        }
    }

    #[test]
    fn memory_that_levels_off_passes_and_memory_that_climbs_fails() {
        let level: Vec<Sample> = (1..=9)
            .map(|m| sample(m, 100.0 + 10.0 * (m.min(4) as f64), 20))
            .collect();
        assert!(judge(&level, 100).is_empty(), "{:?}", judge(&level, 100));
        let climbing: Vec<Sample> = (1..=9).map(|m| sample(m, 100.0 * m as f64, 20)).collect();
        assert!(judge(&climbing, 100)[0].contains("memory grows"));
    }

    #[test]
    fn a_projector_that_falls_behind_fails() {
        let behind: Vec<Sample> = (1..=9).map(|m| sample(m, 100.0, 100 * m * m)).collect();
        assert!(judge(&behind, 100)[0].contains("falls behind"));
    }
}
