//! Master key rotation while the hub runs and signals stream in: nothing is lost, every
//! household stays readable, and afterwards the old master key is no longer needed.

mod common;

use common::{TestHub, by_bsn, timeline};
use rondom_cli::connection::Connection;
use rondom_proto::v1;
use rondom_proto::v1::signal_service_client::SignalServiceClient;
use rondom_runtime::{keys, rotation};

/// Posts one wijkteam signal per (idempotency key, BSN, number), in order.
async fn post(
    mut signals: SignalServiceClient<Connection>,
    keys: Vec<(String, String, usize)>,
) -> Vec<v1::PostSignalResponse> {
    let mut posted = Vec::new();
    for (key, bsn, number) in keys {
        let reply = signals
            .post_signal(common::signal(
                &key,
                &[(bsn.as_str(), &format!("Inwoner {number}"))],
                v1::Pillar::Wijkteam,
                "eenzaamheid",
                &format!("zorg nummer {number}"),
            ))
            .await
            .expect("ingest goes on during the rotation")
            .into_inner();
        posted.push(reply);
    }
    posted
}

#[test_log::test(tokio::test(flavor = "multi_thread", worker_threads = 2))]
async fn rotating_the_master_key_under_load_loses_nothing_and_keeps_every_household_readable() {
    let mut hub = TestHub::start().await;
    let key_dir = hub.data_dir().join("keys");
    let bsns = common::valid_bsns(160);
    let numbered = |range: std::ops::Range<usize>, tag: &str| {
        range
            .map(|number| (format!("{tag}-{number}"), bsns[number].clone(), number))
            .collect::<Vec<_>>()
    };
    // 80 households with keys under the first master key.
    let before = post(hub.signals().await, numbered(0..80, "voor")).await;

    // While the rotation runs: 80 new households, and a second signal for the first 80.
    let ingest = tokio::spawn(post(
        hub.signals().await,
        [numbered(80..160, "tijdens"), numbered(0..80, "tweede")].concat(),
    ));
    let rotated = keys::rotate_master(&key_dir).expect("rotate the key file");
    let report = rotation::rewrap(&hub.jetstream().await, &key_dir)
        .await
        .expect("rewrap");
    let during = ingest.await.expect("ingest task");
    assert!(
        report.rewrap.rewrapped >= 80,
        "the keys that existed were re-wrapped: {report:?}"
    );
    assert_eq!(report.left_behind(), 0, "{report:?}");

    let last = before
        .iter()
        .chain(&during)
        .map(|reply| reply.position)
        .max()
        .expect("posted");
    hub.wait_applied(last).await;
    assert_eq!(
        hub.stream_messages().await,
        240,
        "no signal lost or doubled"
    );
    // Keys created while the rotation ran are under the new master key too.
    let (current, census) = rotation::census(&hub.jetstream().await, &key_dir)
        .await
        .expect("census");
    assert_eq!(current, rotated.current);
    assert_eq!(
        census.into_iter().collect::<Vec<_>>(),
        [(rotated.current.clone(), 160)]
    );
    assert_every_household_readable(&hub, &bsns, last).await;

    // The old master key is no longer needed: without it, after a restart, all still opens.
    std::fs::remove_dir_all(key_dir.join("retired")).expect("remove the retired key");
    hub.restart().await;
    assert_every_household_readable(&hub, &bsns, last).await;
}

async fn assert_every_household_readable(hub: &TestHub, bsns: &[String], position: u64) {
    let mut households = hub.households().await;
    for (number, bsn) in bsns.iter().enumerate() {
        let view = households
            .get_household(by_bsn(bsn, position))
            .await
            .expect("household")
            .into_inner()
            .household
            .expect("household");
        assert_eq!(view.members.len(), 1);
        assert_eq!(view.members[0].display_name, format!("Inwoner {number}"));
        let entries = households
            .get_timeline(timeline(&view.household_id, position))
            .await
            .expect("timeline")
            .into_inner()
            .entries;
        let expected = if number < 80 { 2 } else { 1 };
        assert_eq!(entries.len(), expected, "household of Inwoner {number}");
        assert!(
            entries
                .iter()
                .all(|entry| entry.summary == format!("zorg nummer {number}")),
            "household of Inwoner {number}: {entries:?}"
        );
    }
}
