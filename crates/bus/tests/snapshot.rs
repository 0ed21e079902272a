//! Stream snapshot and restore against a real nats-server: what comes back is the same stream,
//! with the same positions and the durable consumers where they were.

use async_nats::jetstream::{self, consumer, stream};
use futures::StreamExt as _;
use rondom_bus::snapshot;
use rondom_testkit::TestNats;

const STREAM: &str = "SNAPSHOT_TEST";

/// 300 bytes that barely compress (random UUIDs), so the archive spans several chunks.
fn payload(index: usize) -> String {
    let random: String = (0..10)
        .map(|_| uuid::Uuid::new_v4().simple().to_string())
        .collect();
    format!("{index:08}{}", &random[..292])
}

async fn fill(jetstream: &jetstream::Context, count: usize) {
    for index in 0..count {
        jetstream
            .publish(format!("snap.{}", index % 7), payload(index).into())
            .await
            .expect("publish")
            .await
            .expect("ack");
    }
}

#[test_log::test(tokio::test)]
async fn a_restored_stream_has_the_same_messages_positions_and_consumers() {
    let nats = TestNats::start();
    let client = rondom_bus::connect(nats.url()).await.expect("connect");
    let jetstream = rondom_bus::jetstream(client.clone());
    let created = jetstream
        .create_stream(stream::Config {
            name: STREAM.into(),
            subjects: vec!["snap.>".into()],
            ..Default::default()
        })
        .await
        .expect("stream");
    // Enough for several chunks of 128 KiB.
    fill(&jetstream, 1500).await;
    let durable = created
        .create_consumer(consumer::pull::Config {
            durable_name: Some("partner".into()),
            ack_policy: consumer::AckPolicy::Explicit,
            ..Default::default()
        })
        .await
        .expect("consumer");
    let mut messages = durable
        .fetch()
        .max_messages(10)
        .messages()
        .await
        .expect("fetch");
    while let Some(message) = messages.next().await {
        message.expect("message").double_ack().await.expect("ack");
    }

    let mut archive = Vec::new();
    let meta = snapshot::snapshot(&client, STREAM, &mut archive)
        .await
        .expect("snapshot");
    assert!(
        archive.len() > 3 * 128 * 1024,
        "an archive of {} bytes",
        archive.len()
    );
    assert!(
        archive.len() > 128 * 1024 / 8,
        "an archive of {} bytes",
        archive.len()
    );
    assert_eq!(meta["state"]["last_seq"], 1500);

    // A stream that exists is not overwritten.
    let refused = snapshot::restore(&client, STREAM, &meta, &mut archive.as_slice()).await;
    assert!(
        matches!(refused, Err(rondom_bus::Error::Refused { .. })),
        "{refused:?}"
    );

    jetstream.delete_stream(STREAM).await.expect("delete");
    snapshot::restore(&client, STREAM, &meta, &mut archive.as_slice())
        .await
        .expect("restore");
    let mut restored = jetstream.get_stream(STREAM).await.expect("restored stream");
    let info = restored.info().await.expect("info").clone();
    assert_eq!(
        (info.state.messages, info.state.last_sequence),
        (1500, 1500)
    );
    let message = restored.get_raw_message(1234).await.expect("message 1234");
    assert!(message.payload.starts_with(b"00001233"));
    assert_eq!(message.payload.len(), 300);
    let mut consumer: consumer::PullConsumer = restored
        .get_consumer("partner")
        .await
        .expect("the durable came back");
    let info = consumer.info().await.expect("consumer info");
    assert_eq!(info.ack_floor.stream_sequence, 10);

    // Snapshots of what does not exist are refused, not hung on.
    let missing = snapshot::snapshot(&client, "NO_SUCH_STREAM", &mut Vec::new()).await;
    assert!(
        matches!(missing, Err(rondom_bus::Error::Refused { .. })),
        "{missing:?}"
    );
}
