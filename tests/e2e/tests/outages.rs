//! The hub when what it stands on fails: NATS goes away during ingest and comes back, the
//! projector falls behind. Health tells a load balancer the truth meanwhile, callers get a
//! clear UNAVAILABLE instead of a hang, nothing acknowledged is lost, and the hub recovers by
//! itself. A caller that hangs does not keep the hub from stopping.

use std::time::Duration;

use rondom_e2e::{TestHub, signal, valid_bsns};
use rondom_proto::v1;
use tokio_util::sync::CancellationToken;
use tonic::Code;
use tonic_health::ServingStatus;

const SIGNALS: &str = "rondom.v1.SignalService";
const HOUSEHOLDS: &str = "rondom.v1.HouseholdService";

#[test_log::test(tokio::test(flavor = "multi_thread", worker_threads = 2))]
async fn a_nats_outage_during_ingest_loses_no_acknowledged_signal() {
    let mut hub = TestHub::start().await;
    hub.until_health("", ServingStatus::Serving, Duration::from_secs(10))
        .await;

    // A wijkteam system posting without pause, as a busy morning does.
    let stop = CancellationToken::new();
    let ingest = {
        let mut client = hub.signals().await;
        let stop = stop.clone();
        let bsns = valid_bsns(200);
        tokio::spawn(async move {
            let (mut acknowledged, mut refused) = (Vec::new(), 0);
            let mut number = 0;
            while !stop.is_cancelled() {
                let bsn = &bsns[number % bsns.len()];
                let request = signal(
                    &format!("storing-{number}"),
                    &[(bsn.as_str(), "Naam")],
                    v1::Pillar::Wijkteam,
                    "eenzaamheid",
                    "tijdens de storing",
                );
                number += 1;
                let reply =
                    tokio::time::timeout(Duration::from_secs(20), client.post_signal(request))
                        .await
                        .expect("PostSignal answers within its bounded waits, never hangs");
                match reply {
                    Ok(reply) => acknowledged.push(reply.into_inner()),
                    Err(status) => {
                        assert_eq!(status.code(), Code::Unavailable, "{status:?}");
                        refused += 1;
                        tokio::time::sleep(Duration::from_millis(100)).await;
                    }
                }
            }
            (acknowledged, refused)
        })
    };
    tokio::time::sleep(Duration::from_millis(500)).await;

    hub.nats.stop();
    hub.until_health("", ServingStatus::NotServing, Duration::from_secs(10))
        .await;
    assert_eq!(hub.health(SIGNALS).await, ServingStatus::NotServing);
    assert_eq!(hub.health(HOUSEHOLDS).await, ServingStatus::NotServing);
    // Longer than a publish may wait for its acknowledgement: calls are refused, not held.
    tokio::time::sleep(rondom_bus::JETSTREAM_TIMEOUT + Duration::from_secs(2)).await;

    hub.nats.restart();
    hub.until_health("", ServingStatus::Serving, Duration::from_secs(30))
        .await;
    tokio::time::sleep(Duration::from_millis(500)).await;
    stop.cancel();
    let (acknowledged, refused) = ingest.await.expect("ingest task");
    assert!(refused > 0, "calls during the outage were refused");

    // Every acknowledged signal is on the stream, where its reply said.
    let stored: std::collections::HashMap<u64, String> = hub
        .events()
        .await
        .into_iter()
        .map(|(position, event)| (position, event.household_id))
        .collect();
    for reply in &acknowledged {
        assert_eq!(
            stored.get(&reply.position),
            Some(&reply.household_id),
            "acknowledged signal {} is on the stream",
            reply.event_id
        );
    }

    // The hub is back by itself: a new signal is acknowledged and reaches the view, so the
    // projector's consumer runs again.
    let after = hub
        .post_wijkteam(
            "na-de-storing",
            &[("111222333", "Fatima")],
            "weer in de lucht",
        )
        .await;
    let view = hub
        .households()
        .await
        .get_household(rondom_e2e::by_id(&after.household_id, after.position))
        .await
        .expect("the view after the outage")
        .into_inner();
    assert!(view.household.is_some());
    let newest = acknowledged
        .iter()
        .map(|reply| reply.position)
        .max()
        .expect("signals were acknowledged");
    assert!(after.position > newest);
}

#[test_log::test(tokio::test(flavor = "multi_thread", worker_threads = 2))]
async fn the_readers_report_not_serving_while_the_projector_lags() {
    let mut hub = TestHub::start().await;
    hub.max_lag = 2;
    hub.restart().await;
    let first = hub
        .post_wijkteam("voor", &[("111222333", "Fatima")], "eerste")
        .await;
    hub.wait_applied(first.position).await;
    hub.until_health(HOUSEHOLDS, ServingStatus::Serving, Duration::from_secs(10))
        .await;

    hub.pause_projector(chrono::Utc::now() + chrono::TimeDelta::seconds(6))
        .await;
    for number in 0..3 {
        hub.post_wijkteam(
            &format!("achter-{number}"),
            &[("123456782", "Yusuf")],
            "de projector staat stil",
        )
        .await;
    }
    hub.until_health(
        HOUSEHOLDS,
        ServingStatus::NotServing,
        Duration::from_secs(5),
    )
    .await;
    assert_eq!(hub.health("").await, ServingStatus::NotServing);
    // Signals do not need the views: wijkteams keep posting.
    assert_eq!(hub.health(SIGNALS).await, ServingStatus::Serving);

    // The pause ends; the projector catches up and its readers serve again.
    hub.until_health(HOUSEHOLDS, ServingStatus::Serving, Duration::from_secs(20))
        .await;
    assert_eq!(hub.health("").await, ServingStatus::Serving);
}

#[test_log::test(tokio::test(flavor = "multi_thread", worker_threads = 2))]
async fn a_call_that_never_ends_does_not_keep_the_hub_from_stopping() {
    let mut hub = TestHub::start().await;
    // A caller that sends the start of a request and never the rest (a hung process, or one
    // that means harm): its handler waits for the message, and a server that drains waits
    // for the handler.
    let tcp = tokio::net::TcpStream::connect(hub.addr)
        .await
        .expect("connect");
    let (client, connection) = h2::client::handshake(tcp).await.expect("HTTP/2");
    tokio::spawn(connection);
    let request = tonic::codegen::http::Request::post(format!(
        "http://{}/grpc.health.v1.Health/Check",
        hub.addr
    ))
    .header("content-type", "application/grpc")
    .header("te", "trailers")
    .body(())
    .expect("request");
    let mut client = client.ready().await.expect("ready");
    // The answer never comes; `_response` is never awaited.
    let (_response, mut body) = client.send_request(request, false).expect("sent");
    body.send_data(bytes::Bytes::from_static(&[0, 0, 0, 0, 100]), false)
        .expect("the start of a message of 100 bytes");
    tokio::time::sleep(Duration::from_millis(200)).await;
    let stopped = tokio::time::timeout(rondom_access::serve::DRAIN_DEADLINE * 6, hub.stop()).await;
    assert!(
        stopped.is_ok(),
        "the hub stopped despite the call that never ended"
    );
}

#[test_log::test(tokio::test(flavor = "multi_thread", worker_threads = 2))]
async fn a_log_that_lost_its_end_stops_the_projector_until_a_rebuild() {
    let bsns = valid_bsns(5);
    let mut hub = TestHub::start().await;
    hub.post_wijkteam("voor-1", &[(bsns[0].as_str(), "")], "")
        .await;
    let before = hub
        .post_wijkteam("voor-2", &[(bsns[1].as_str(), "")], "")
        .await;
    hub.wait_applied(before.position).await;
    hub.stop().await;
    // NATS lost the end of its log (a power cut before it synced, a restored copy of its
    // files); here all of it: the stream is made anew at the next start.
    hub.jetstream()
        .await
        .delete_stream(rondom_bus::stream::EVENTS_STREAM)
        .await
        .expect("the stream deleted");
    hub.start_again().await;
    // The hub says it is not ready rather than pass over new writes unseen.
    hub.until_health(
        HOUSEHOLDS,
        ServingStatus::NotServing,
        Duration::from_secs(10),
    )
    .await;
    // New writes take the positions the views passed, and more.
    let mut after = Vec::new();
    for (n, bsn) in bsns[2..].iter().enumerate() {
        after.push(
            hub.post_wijkteam(&format!("na-{n}"), &[(bsn.as_str(), "")], "")
                .await,
        );
    }
    let last = after.last().expect("writes");
    assert!(last.position > before.position, "the log is longer again");
    // Started again now, the log reaches the checkpoint, with another event there.
    hub.stop().await;
    hub.start_again().await;
    hub.until_health(
        HOUSEHOLDS,
        ServingStatus::NotServing,
        Duration::from_secs(10),
    )
    .await;
    // Rebuilt from the log as it is now, the read model holds every new write.
    hub.stop().await;
    hub.rebuild(64).await.expect("rebuild");
    hub.start_again().await;
    hub.until_health(HOUSEHOLDS, ServingStatus::Serving, Duration::from_secs(10))
        .await;
    for (written, bsn) in after.iter().zip(&bsns[2..]) {
        let view = hub
            .households()
            .await
            .get_household(rondom_e2e::by_bsn(bsn, last.position))
            .await
            .expect("a write made after the loss")
            .into_inner()
            .household
            .expect("household");
        assert_eq!(view.household_id, written.household_id);
    }
}
