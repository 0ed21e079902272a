//! The audit log against a real nats-server: the records of concurrent reads are stored
//! together, every one of them, and a stream without atomic batches still gets each.

use std::collections::BTreeSet;

use rondom_bus::AuditLog;
use rondom_bus::audit::{AUDIT_STREAM, AuditQuery, MAX_PAGE};
use rondom_bus::stream::{self, StreamSettings};
use rondom_proto::v1;
use rondom_testkit::TestNats;

async fn jetstream(nats: &TestNats) -> async_nats::jetstream::Context {
    let client = rondom_bus::connect(nats.url()).await.expect("connect");
    let jetstream = rondom_bus::jetstream(client);
    stream::provision(&jetstream, &StreamSettings::default())
        .await
        .expect("provision");
    jetstream
}

/// Records `reads` reads at once, read `r` with `1 + r % 3` records; returns their ids.
async fn read_at_once(log: &AuditLog, reads: usize) -> BTreeSet<String> {
    let tasks: Vec<_> = (0..reads)
        .map(|read| {
            let log = log.clone();
            tokio::spawn(async move {
                let records: Vec<v1::AuditRecord> = (0..=read % 3)
                    .map(|n| v1::AuditRecord {
                        id: format!("read-{read}-{n}"),
                        client_id: "dev-coordinator".into(),
                        household_id: format!("h-{read}"),
                        ..Default::default()
                    })
                    .collect();
                log.record(&records)
                    .await
                    .expect("stored before the answer");
                records
                    .into_iter()
                    .map(|record| record.id)
                    .collect::<Vec<_>>()
            })
        })
        .collect();
    let mut ids = BTreeSet::new();
    for task in tasks {
        ids.extend(task.await.expect("task"));
    }
    ids
}

/// Every record's id in the log, each once.
async fn stored(log: &AuditLog) -> Vec<String> {
    let mut ids = Vec::new();
    let mut after = 0;
    loop {
        let page = log
            .records(&AuditQuery {
                after,
                limit: MAX_PAGE,
                ..Default::default()
            })
            .await
            .expect("read the log");
        ids.extend(page.records.into_iter().map(|record| record.id));
        match page.next {
            Some(next) => after = next,
            None => return ids,
        }
    }
}

#[test_log::test(tokio::test(flavor = "multi_thread", worker_threads = 2))]
async fn records_of_concurrent_reads_are_stored_together_and_each_once() {
    let nats = TestNats::start();
    let log = AuditLog::new(jetstream(&nats).await);
    let ids = read_at_once(&log, 600).await;
    let mut got = stored(&log).await;
    assert_eq!(got.len(), ids.len(), "each record once");
    got.sort();
    assert_eq!(got.into_iter().collect::<BTreeSet<_>>(), ids);
    assert!(
        log.batches() > 0,
        "reads that came in together were stored as one batch"
    );
}

#[test_log::test(tokio::test(flavor = "multi_thread", worker_threads = 2))]
async fn a_log_without_atomic_batches_still_stores_every_record() {
    let nats = TestNats::start();
    let jetstream = jetstream(&nats).await;
    // A log provisioned before batches were enabled.
    let mut config = rondom_bus::audit::audit_stream_config(1, None);
    config.allow_atomic_publish = false;
    jetstream.update_stream(config).await.expect("update");
    let log = AuditLog::new(jetstream.clone());
    let ids = read_at_once(&log, 300).await;
    let got: BTreeSet<String> = stored(&log).await.into_iter().collect();
    assert_eq!(got, ids);
    assert_eq!(log.batches(), 0);
    let info = jetstream
        .get_stream(AUDIT_STREAM)
        .await
        .expect("stream")
        .info()
        .await
        .expect("info")
        .clone();
    assert_eq!(info.state.messages, ids.len() as u64, "each record once");
}
