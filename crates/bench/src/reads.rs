//! P4, reads: GetHousehold and GetTimeline (first page) as a coordinator reads them, by many
//! clients at once and by one, against an empty unary RPC (the health check) on the same
//! server.

use std::sync::Arc;
use std::time::Duration;

use rondom_access::dev_clients::DevClient;
use rondom_proto::v1;
use rondom_proto::v1::household_service_client::HouseholdServiceClient;
use serde::Serialize;
use tonic_health::pb::HealthCheckRequest;
use tonic_health::pb::health_client::HealthClient;

use crate::sample::{Loop, closed_loop};
use crate::stage::Hub;

/// Concurrent coordinators, each on its own connection.
pub(crate) const CLIENTS: usize = 32;

/// Which read.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub(crate) enum Read {
    /// grpc.health.v1.Health/Check: the server's floor.
    Empty,
    Household,
    Timeline,
}

/// Req/s of `read` by `CLIENTS` clients for `budget`, and p99 of one client making `single`
/// calls, over the households `ids` (picked in a fixed scattered order).
#[derive(Debug, Clone, Copy, Serialize)]
pub(crate) struct Reads {
    pub(crate) per_second: f64,
    pub(crate) single_p50_ms: f64,
    pub(crate) single_p99_ms: f64,
}

pub(crate) async fn measure(
    hub: &Hub,
    read: Read,
    ids: &Arc<Vec<String>>,
    budget: Duration,
    single: u64,
) -> anyhow::Result<Reads> {
    // A short warm-up: connections, caches and the page cache as a running hub has them.
    run(hub, read, ids, 4, Duration::from_secs(1), u64::MAX).await?;
    let many = run(hub, read, ids, CLIENTS, budget, u64::MAX).await?;
    let one = run(hub, read, ids, 1, budget, single).await?;
    Ok(Reads {
        per_second: many.rate.per_second(),
        single_p50_ms: one.latencies.millis(0.50),
        single_p99_ms: one.latencies.millis(0.99),
    })
}

/// Waits until the hub's view includes everything on the stream now, by reading household
/// `id` with that position as `min_position`: reads that start right after the last write's
/// reply would otherwise find households the projector has not applied yet (NOT_FOUND).
pub(crate) async fn caught_up(
    hub: &Hub,
    jetstream: &async_nats::jetstream::Context,
    id: &str,
) -> anyhow::Result<()> {
    let position = crate::last_position(jetstream).await?;
    let mut client = HouseholdServiceClient::new(hub.connect(DevClient::Coordinator).await?);
    let deadline = std::time::Instant::now() + Duration::from_secs(120);
    loop {
        let request = v1::GetHouseholdRequest {
            min_position: position,
            ..household(id.to_owned())
        };
        match client.get_household(request).await {
            Ok(_) => return Ok(()),
            // The hub waits a while for its projector, then says it is behind.
            Err(_) if std::time::Instant::now() < deadline => {
                tokio::time::sleep(Duration::from_millis(50)).await;
            }
            Err(status) => anyhow::bail!("the projector did not reach {position}: {status}"),
        }
    }
}

/// Req/s of the empty RPC by `clients` clients for `budget`: P1's floor, the server's rate
/// for a call that does nothing, with as many clients as P1 has.
pub(crate) async fn empty(hub: &Hub, clients: usize, budget: Duration) -> anyhow::Result<f64> {
    let none = Arc::new(Vec::new());
    run(hub, Read::Empty, &none, 4, Duration::from_secs(1), u64::MAX).await?;
    let many = run(hub, Read::Empty, &none, clients, budget, u64::MAX).await?;
    Ok(many.rate.per_second())
}

async fn run(
    hub: &Hub,
    read: Read,
    ids: &Arc<Vec<String>>,
    clients: usize,
    budget: Duration,
    total: u64,
) -> anyhow::Result<Loop> {
    let ids = ids.clone();
    match read {
        Read::Empty => {
            closed_loop(
                clients,
                total,
                budget,
                || async { Ok(HealthClient::new(hub.channel().await?)) },
                |client, _| {
                    let mut client = client.clone();
                    async move {
                        client.check(HealthCheckRequest::default()).await?;
                        Ok(())
                    }
                },
            )
            .await
        }
        Read::Household | Read::Timeline => {
            closed_loop(
                clients,
                total,
                budget,
                || async {
                    Ok(HouseholdServiceClient::new(
                        hub.connect(DevClient::Coordinator).await?,
                    ))
                },
                move |client, number| {
                    let mut client = client.clone();
                    // A multiplicative step spreads reads over the whole key space.
                    let id = ids[(number.wrapping_mul(2_654_435_761) % ids.len() as u64) as usize]
                        .clone();
                    async move {
                        if read == Read::Household {
                            client.get_household(household(id)).await?;
                        } else {
                            client.get_timeline(timeline(id)).await?;
                        }
                        Ok(())
                    }
                },
            )
            .await
        }
    }
}

fn household(id: String) -> v1::GetHouseholdRequest {
    v1::GetHouseholdRequest {
        key: Some(v1::get_household_request::Key::HouseholdId(id)),
        purpose: v1::Purpose::Regie as i32,
        on_behalf_of: "bench".to_owned(),
        ..Default::default()
    }
}

fn timeline(id: String) -> v1::GetTimelineRequest {
    v1::GetTimelineRequest {
        household_id: id,
        purpose: v1::Purpose::Regie as i32,
        on_behalf_of: "bench".to_owned(),
        page_size: 20,
        ..Default::default()
    }
}
