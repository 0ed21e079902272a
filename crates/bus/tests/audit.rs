//! The audit log against a real nats-server: the records of one call go out as one batch,
//! each stored and found under its own subject, and a log that cannot take them all refuses;
//! a log that takes no batch (an older one, or one holding as many as it allows) gets them
//! one by one; pages are read to the last.

use std::time::Duration;

use async_nats::jetstream;
use rondom_bus::AuditLog;
use rondom_bus::audit::{AUDIT_STREAM, AuditQuery};
use rondom_bus::stream::{self, StreamSettings};
use rondom_proto::v1;
use rondom_testkit::TestNats;

async fn provisioned(nats: &TestNats, audit_max_bytes: u64) -> jetstream::Context {
    let client = rondom_bus::connect(nats.url()).await.expect("connect");
    let jetstream = rondom_bus::jetstream(client);
    let settings = StreamSettings {
        audit_max_bytes: Some(audit_max_bytes),
        ..Default::default()
    };
    stream::provision(&jetstream, &settings)
        .await
        .expect("provision");
    jetstream
}

/// `count` records of one call, each about another household.
/// The id of household number `index` (records name households by id; nothing else goes in a
/// subject).
fn household(index: usize) -> String {
    format!("0195f0c2-7b7e-7000-8000-{index:012}")
}

fn records(call: &str, count: usize) -> Vec<v1::AuditRecord> {
    (0..count)
        .map(|index| v1::AuditRecord {
            id: format!("{call}-{index}"),
            call_id: call.to_owned(),
            client_id: "jeugdzorg-noord".into(),
            household_id: household(index),
            ..Default::default()
        })
        .collect()
}

async fn stored(jetstream: &jetstream::Context) -> u64 {
    let mut audit = jetstream.get_stream(AUDIT_STREAM).await.expect("audit log");
    audit.info().await.expect("info").state.messages
}

async fn ids(log: &AuditLog, household_id: Option<&str>) -> Vec<String> {
    let query = AuditQuery {
        household_id: household_id.map(str::to_owned),
        limit: rondom_bus::audit::MAX_PAGE,
        ..Default::default()
    };
    let page = log.records(&query).await.expect("read the log");
    page.records.into_iter().map(|record| record.id).collect()
}

#[tokio::test]
async fn the_records_of_one_call_are_all_stored_in_order_each_under_its_household() {
    let nats = TestNats::start();
    let jetstream = provisioned(&nats, 64 << 20).await;
    let mut audit = jetstream.get_stream(AUDIT_STREAM).await.expect("audit log");
    let config = audit.info().await.expect("info").config.clone();
    assert!(config.allow_batch_publish, "provisioned to take batches");
    let log = AuditLog::new(jetstream.clone());
    // One record, a subscription's batch, and more than the server lets a client send ahead
    // of its acknowledgements (two flows of 100).
    let calls = [("one", 1), ("batch", 64), ("many", 450)];
    for (call, count) in calls {
        log.record(&records(call, count)).await.expect("recorded");
    }
    assert_eq!(stored(&jetstream).await, 1 + 64 + 450);
    let everything = ids(&log, None).await;
    let sent: Vec<String> = calls
        .iter()
        .flat_map(|(call, count)| records(call, *count))
        .map(|record| record.id)
        .collect();
    assert_eq!(everything.len(), sent.len());
    assert_eq!(everything, sent, "in the order sent");
    assert_eq!(
        ids(&log, Some(&household(0))).await,
        ["one-0", "batch-0", "many-0"]
    );
    assert_eq!(
        ids(&log, Some(&household(63))).await,
        ["batch-63", "many-63"]
    );
}

#[tokio::test]
async fn a_log_provisioned_before_batches_takes_the_records_one_by_one_until_provisioned() {
    let nats = TestNats::start();
    let jetstream = provisioned(&nats, 64 << 20).await;
    // As a log of an older version is, until `rondom provision` updates it.
    let mut config = jetstream
        .get_stream(AUDIT_STREAM)
        .await
        .expect("audit log")
        .cached_info()
        .config
        .clone();
    config.allow_batch_publish = false;
    jetstream.update_stream(config).await.expect("update");
    // A batch is tried again at each call here; a hub waits `BATCH_RETRY` between tries.
    let log = AuditLog::with_batch_retry(jetstream.clone(), Duration::ZERO);
    log.record(&records("first", 10)).await.expect("recorded");
    assert!(!log.writes_batches(), "the batch was refused");
    log.record(&records("second", 10)).await.expect("recorded");
    assert!(!log.writes_batches(), "refused again");
    assert_eq!(stored(&jetstream).await, 20, "each record once");
    assert_eq!(
        ids(&log, Some(&household(9))).await,
        ["first-9", "second-9"]
    );
    // The operator's `rondom provision` after the upgrade lets it take batches, and the
    // running log takes them up at its next try, without a restart.
    let settings = StreamSettings {
        audit_max_bytes: Some(64 << 20),
        ..Default::default()
    };
    stream::provision(&jetstream, &settings)
        .await
        .expect("provision");
    let mut audit = jetstream.get_stream(AUDIT_STREAM).await.expect("audit log");
    let config = audit.info().await.expect("info").config.clone();
    assert!(
        config.allow_batch_publish,
        "brought to the current configuration"
    );
    log.record(&records("third", 10)).await.expect("recorded");
    assert!(log.writes_batches(), "batches again");
    assert_eq!(stored(&jetstream).await, 30, "each record once");
    assert_eq!(
        ids(&log, Some(&household(9))).await,
        ["first-9", "second-9", "third-9"]
    );
}

#[tokio::test]
async fn a_log_that_cannot_take_every_record_of_a_call_refuses_the_call() {
    let nats = TestNats::start();
    // Room for a few dozen records, not a hundred.
    let jetstream = provisioned(&nats, 8 * 1024).await;
    let log = AuditLog::new(jetstream.clone());
    let err = log
        .record(&records("read", 100))
        .await
        .expect_err("the log is full before the last record");
    assert!(
        matches!(err, rondom_bus::Error::Unavailable { .. }),
        "{err:?}"
    );
    let kept = stored(&jetstream).await;
    assert!(kept > 0 && kept < 100, "{kept} records stored");
}

#[tokio::test]
async fn a_household_s_records_are_read_page_by_page_to_the_last_past_a_thousand_pages() {
    let nats = TestNats::start();
    let jetstream = provisioned(&nats, 64 << 20).await;
    let log = AuditLog::new(jetstream);
    // More pages than JetStream holds consumers at once (1,000 here): each page's consumer
    // must go when the page is read, not linger until it times out.
    for call in (0..1100).map(|n| format!("call-{n}")) {
        log.record(&records(&call, 3)).await.expect("recorded");
    }
    let mut query = AuditQuery {
        household_id: Some(household(1)),
        limit: 1,
        ..Default::default()
    };
    let mut read = Vec::new();
    loop {
        let page = log
            .records(&query)
            .await
            .unwrap_or_else(|err| panic!("page {}: {err}", read.len() + 1));
        read.extend(page.records.into_iter().map(|record| record.id));
        match page.next {
            Some(after) => query.after = after,
            None => break,
        }
    }
    let expected: Vec<String> = (0..1100).map(|n| format!("call-{n}-1")).collect();
    assert_eq!(read, expected);
}

#[tokio::test]
async fn a_page_the_caller_leaves_unread_leaves_no_consumer_behind() {
    let nats = TestNats::start();
    let jetstream = provisioned(&nats, 64 << 20).await;
    let log = AuditLog::new(jetstream.clone());
    log.record(&records("read", 1000)).await.expect("recorded");
    let consumers = || async {
        let mut audit = jetstream.get_stream(AUDIT_STREAM).await.expect("audit log");
        audit.info().await.expect("info").state.consumer_count
    };
    // A caller that gives up while its page is read (a gRPC call cancelled or past its
    // deadline drops the call's future, as aborting this task does).
    let mut left_mid_page = 0;
    for _ in 0..50 {
        let reader = log.clone();
        let page = tokio::spawn(async move {
            let query = AuditQuery {
                limit: rondom_bus::audit::MAX_PAGE,
                ..Default::default()
            };
            reader.records(&query).await
        });
        while !page.is_finished() {
            if consumers().await > 0 {
                page.abort();
                left_mid_page += 1;
                break;
            }
        }
        let _ = page.await;
        if left_mid_page == 3 {
            break;
        }
    }
    assert!(left_mid_page > 0, "no page was left while it was read");
    // Well before the consumer's own inactivity threshold of 30 s.
    rondom_testkit::eventually(
        "the pages' consumers deleted",
        Duration::from_secs(5),
        || async { (consumers().await == 0).then_some(()) },
    )
    .await;
}

/// As many fast batches as nats-server holds in flight at once.
const OPEN_BATCHES: u64 = 1000;

#[tokio::test]
async fn records_go_one_by_one_while_the_log_holds_as_many_batches_as_it_allows() {
    let nats = TestNats::start();
    let jetstream = provisioned(&nats, 64 << 20).await;
    // Other writers' batches, started and never committed: the server holds each until it
    // times out, and takes no new one past its limit.
    let client = rondom_bus::connect(nats.url()).await.expect("connect");
    let inbox = client.new_inbox();
    for batch in 0..OPEN_BATCHES {
        client
            .publish_with_reply(
                "rondom.audit.other-writer.household".to_owned(),
                format!("{inbox}.open{batch}.100.fail.1.0.$FI"),
                bytes::Bytes::new(),
            )
            .await
            .expect("start a batch");
    }
    // Each batch's first message is stored as it comes: once all are, all batches are open.
    rondom_testkit::eventually("the batches to be open", Duration::from_secs(10), || {
        let jetstream = jetstream.clone();
        async move { (stored(&jetstream).await == OPEN_BATCHES).then_some(()) }
    })
    .await;
    let log = AuditLog::new(jetstream.clone());
    log.record(&records("busy", 10))
        .await
        .expect("recorded one by one");
    assert_eq!(
        ids(&log, Some(&household(9))).await,
        ["busy-9"],
        "each record once"
    );
    assert_eq!(stored(&jetstream).await, OPEN_BATCHES + 10);
}

#[tokio::test]
async fn a_listing_ends_where_the_log_ended_at_its_first_page() {
    let nats = TestNats::start();
    let jetstream = provisioned(&nats, 64 << 20).await;
    let log = AuditLog::new(jetstream);
    for call in ["first", "second", "third"] {
        log.record(&records(call, 3)).await.expect("recorded");
    }
    let mut query = AuditQuery {
        household_id: Some(household(1)),
        limit: 2,
        ..Default::default()
    };
    let page = log.records(&query).await.expect("the first page");
    let mut read: Vec<String> = page.records.into_iter().map(|record| record.id).collect();
    // Records made while the listing is paged through (reading it makes some) are not of it.
    log.record(&records("later", 3)).await.expect("recorded");
    query.after = page.next.expect("more than one page");
    query.until = Some(page.until);
    loop {
        let page = log.records(&query).await.expect("a page");
        read.extend(page.records.into_iter().map(|record| record.id));
        match page.next {
            Some(after) => query.after = after,
            None => break,
        }
    }
    assert_eq!(read, ["first-1", "second-1", "third-1"]);
    // A new listing is of the log as it is now.
    assert_eq!(
        ids(&log, Some(&household(1))).await,
        ["first-1", "second-1", "third-1", "later-1"]
    );
}

#[tokio::test]
async fn a_page_after_the_last_position_there_can_be_is_empty() {
    let nats = TestNats::start();
    let jetstream = provisioned(&nats, 64 << 20).await;
    let log = AuditLog::new(jetstream);
    log.record(&records("read", 2)).await.expect("recorded");
    let page = log
        .records(&AuditQuery {
            after: u64::MAX,
            limit: 10,
            ..Default::default()
        })
        .await
        .expect("a page");
    assert!(page.records.is_empty() && page.next.is_none(), "{page:?}");
}
