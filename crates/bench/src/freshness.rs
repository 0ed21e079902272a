//! P2, freshness: at a steady rate of signals, the time from a PostSignal reply to the event
//! being visible in GetHousehold with that reply's position as min_position.

use std::time::{Duration, Instant};

use rondom_access::dev_clients::DevClient;
use rondom_proto::v1;
use rondom_proto::v1::household_service_client::HouseholdServiceClient;
use rondom_proto::v1::signal_service_client::SignalServiceClient;
use serde::Serialize;
use tokio::task::JoinSet;

use crate::sample::Latencies;
use crate::stage::Hub;
use crate::workload;

/// Connections the steady load is spread over.
const CONNECTIONS: usize = 16;

#[derive(Debug, Clone, Copy, Serialize)]
pub(crate) struct Freshness {
    /// Signals per second actually sent.
    pub(crate) rate: f64,
    pub(crate) p50_ms: f64,
    pub(crate) p99_ms: f64,
    pub(crate) post_p99_ms: f64,
}

/// Sends `rate` signals a second for `duration` about the households `0..households`.
pub(crate) async fn measure(
    hub: &Hub,
    rate: u32,
    duration: Duration,
    households: u64,
) -> anyhow::Result<Freshness> {
    let mut pairs = Vec::with_capacity(CONNECTIONS);
    for _ in 0..CONNECTIONS {
        pairs.push((
            SignalServiceClient::new(hub.connect(DevClient::Wijkteam).await?),
            HouseholdServiceClient::new(hub.connect(DevClient::Coordinator).await?),
        ));
    }
    let mut ticks = tokio::time::interval(Duration::from_secs(1) / rate);
    ticks.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Burst);
    let total = u64::from(rate) * duration.as_secs();
    let mut calls = JoinSet::new();
    let started = Instant::now();
    for number in 0..total {
        ticks.tick().await;
        let (mut signals, mut households_client) = pairs[number as usize % CONNECTIONS].clone();
        let request = workload::signal("fresh", number, number * 7_919 % households);
        calls.spawn(async move {
            let sent = Instant::now();
            let posted = signals.post_signal(request).await?.into_inner();
            let replied = Instant::now();
            households_client
                .get_household(v1::GetHouseholdRequest {
                    key: Some(v1::get_household_request::Key::HouseholdId(
                        posted.household_id,
                    )),
                    min_position: posted.position,
                    purpose: v1::Purpose::Regie as i32,
                    on_behalf_of: "bench".to_owned(),
                    ..Default::default()
                })
                .await?;
            Ok::<_, anyhow::Error>((replied - sent, replied.elapsed()))
        });
    }
    let sent_for = started.elapsed();
    let mut posts = Vec::with_capacity(total as usize);
    let mut visible = Vec::with_capacity(total as usize);
    while let Some(call) = calls.join_next().await {
        let (post, fresh) = call??;
        posts.push(post);
        visible.push(fresh);
    }
    let visible = Latencies::new(visible);
    Ok(Freshness {
        rate: total as f64 / sent_for.as_secs_f64(),
        p50_ms: visible.millis(0.50),
        p99_ms: visible.millis(0.99),
        post_p99_ms: Latencies::new(posts).millis(0.99),
    })
}
