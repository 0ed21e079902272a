//! Provisioning the streams against a real nats-server.

use rondom_bus::stream::{self, StreamSettings};
use rondom_testkit::TestNats;

#[tokio::test]
async fn an_audit_log_larger_than_the_disk_is_refused_with_what_to_do() {
    let nats = TestNats::start();
    let client = rondom_bus::connect(nats.url()).await.expect("connect");
    let jetstream = rondom_bus::jetstream(client);
    // One pebibyte: more than any test machine's disk, which JetStream must reserve.
    let settings = StreamSettings {
        audit_max_bytes: Some(1 << 50),
        ..Default::default()
    };
    let err = stream::provision(&jetstream, &settings)
        .await
        .expect_err("no disk holds a pebibyte");
    assert!(
        matches!(err, rondom_bus::Error::AuditTooLarge { mib, .. } if mib == 1 << 30),
        "{err:?}"
    );
    let text = err.to_string();
    assert!(text.contains("--audit-max-mb"), "{text}");
    // A size the disk holds is provisioned.
    stream::provision(&jetstream, &StreamSettings::default())
        .await
        .expect("provision");
}
