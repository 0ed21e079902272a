//! P8, delivery latency: at a steady rate of jeugd toewijzingen, the time from a write's reply
//! to its delivery on each of [`SUBSCRIBERS`] jeugd partner subscriptions, p99 over every
//! delivery.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use futures::StreamExt;
use rondom_access::dev_clients::DevClient;
use rondom_domain::Pillar;
use rondom_proto::v1::jeugd_service_client::JeugdServiceClient;
use rondom_proto::v1::subscription_service_client::SubscriptionServiceClient;
use serde::Serialize;
use tokio::task::JoinSet;

use crate::fanout::SUBSCRIBERS;
use crate::sample::Latencies;
use crate::stage::Hub;
use crate::workload;

/// Connections the steady writes are spread over.
const CONNECTIONS: usize = 16;

#[derive(Debug, Clone, Copy, Serialize)]
pub(crate) struct Delivered {
    /// Writes per second actually sent.
    pub(crate) rate: f64,
    pub(crate) p50_ms: f64,
    pub(crate) p99_ms: f64,
}

/// When each write was answered, by position.
type Replies = Arc<Mutex<HashMap<u64, Instant>>>;

/// Writes `rate` toewijzingen a second for `duration` about households `0..households`, the
/// partners' subscriptions open from after `from`.
pub(crate) async fn measure(
    hub: &Hub,
    from: u64,
    rate: u32,
    duration: Duration,
    households: u64,
) -> anyhow::Result<Delivered> {
    let total = u64::from(rate) * duration.as_secs();
    let mut readers = JoinSet::new();
    for _ in 0..SUBSCRIBERS {
        let client =
            SubscriptionServiceClient::new(hub.connect(DevClient::Partner(Pillar::Jeugd)).await?);
        readers.spawn(receive(client, from, total));
    }
    let replies = Replies::default();
    let sent_for = write(hub, rate, total, households, replies.clone()).await?;
    let mut latencies = Vec::with_capacity(SUBSCRIBERS * total as usize);
    let mut received = Vec::new();
    while let Some(reader) = readers.join_next().await {
        received.extend(reader??);
    }
    let replies = replies.lock().expect("not poisoned");
    for (position, at) in received {
        let replied = replies
            .get(&position)
            .ok_or_else(|| anyhow::anyhow!("a delivery at {position} that no write made"))?;
        // A delivery may reach its partner before the reply reaches the writer: no wait.
        latencies.push(at.saturating_duration_since(*replied));
    }
    let latencies = Latencies::new(latencies);
    Ok(Delivered {
        rate: total as f64 / sent_for.as_secs_f64(),
        p50_ms: latencies.millis(0.50),
        p99_ms: latencies.millis(0.99),
    })
}

/// One partner's subscription from after `from`: when each of `expected` deliveries came.
async fn receive(
    mut client: SubscriptionServiceClient<rondom_cli::connection::Connection>,
    from: u64,
    expected: u64,
) -> anyhow::Result<Vec<(u64, Instant)>> {
    let (mut deliveries, _reading) = crate::fanout::open_jeugd(&mut client, from).await?;
    let mut received = Vec::with_capacity(expected as usize);
    while (received.len() as u64) < expected {
        let delivery = tokio::time::timeout(Duration::from_secs(120), deliveries.next())
            .await
            .map_err(|_| anyhow::anyhow!("no delivery for two minutes"))?
            .ok_or_else(|| anyhow::anyhow!("the subscription ended early"))??;
        received.push((delivery.position, Instant::now()));
    }
    Ok(received)
}

/// Sends the writes at a steady `rate`, noting when each was answered; returns how long the
/// sending took.
async fn write(
    hub: &Hub,
    rate: u32,
    total: u64,
    households: u64,
    replies: Replies,
) -> anyhow::Result<Duration> {
    let mut clients = Vec::with_capacity(CONNECTIONS);
    for _ in 0..CONNECTIONS {
        clients.push(JeugdServiceClient::new(
            hub.connect(DevClient::BackOffice(Pillar::Jeugd)).await?,
        ));
    }
    let mut ticks = tokio::time::interval(Duration::from_secs(1) / rate);
    ticks.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Burst);
    let mut calls = JoinSet::new();
    // Idempotency keys of their own per rate: a second run is new writes, not retries.
    let run = format!("latency-{rate}");
    let started = Instant::now();
    for number in 0..total {
        ticks.tick().await;
        let mut client = clients[number as usize % CONNECTIONS].clone();
        let request = workload::toewijzing(&run, number, number * 7_919 % households);
        let replies = replies.clone();
        calls.spawn(async move {
            let position = client
                .assign_jeugdhulp(request)
                .await?
                .into_inner()
                .position;
            replies
                .lock()
                .expect("not poisoned")
                .insert(position, Instant::now());
            Ok::<_, anyhow::Error>(())
        });
    }
    let sent_for = started.elapsed();
    while let Some(call) = calls.join_next().await {
        call??;
    }
    Ok(sent_for)
}
