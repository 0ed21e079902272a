//! Batched ingest: `SignalService/PostSignals` takes up to 1,000 signals at once, checks,
//! writes, acknowledges and audits each on its own, and answers each at its index; a refused
//! signal refuses only itself, and a retried batch writes nothing twice.

use rondom_e2e::{TestHub, signal, valid_bsns};
use rondom_proto::v1;
use rondom_proto::v1::post_signal_result::Result as Outcome;

#[test_log::test(tokio::test(flavor = "multi_thread", worker_threads = 2))]
async fn each_signal_of_a_batch_is_answered_on_its_own_and_a_retry_writes_nothing_twice() {
    let hub = TestHub::start().await;
    let bsns = valid_bsns(3);
    let mut batch = one_each(
        "batch",
        &bsns,
        v1::Pillar::Schuldhulp,
        "betalingsachterstand",
    );
    // A BSN that fails the 11-proef, and a gemeente this wijkteam does not serve.
    let mut bad_bsn = signal(
        "batch-bad-bsn",
        &[("123456789", "")],
        v1::Pillar::Wijkteam,
        "eenzaamheid",
        "",
    );
    bad_bsn.persons[0].bsn = "123456780".into();
    batch.insert(1, bad_bsn);
    let mut elsewhere = signal(
        "batch-elsewhere",
        &[(bsns[0].as_str(), "")],
        v1::Pillar::Wijkteam,
        "eenzaamheid",
        "",
    );
    elsewhere.gemeente_code = "0599".into();
    batch.push(elsewhere);

    let mut signals = hub.signals().await;
    let first = signals
        .post_signals(v1::PostSignalsRequest {
            signals: batch.clone(),
        })
        .await
        .expect("the batch")
        .into_inner()
        .results;
    assert_eq!(first.len(), 5, "one answer per signal");
    let accepted: Vec<&v1::PostSignalResponse> = first
        .iter()
        .filter_map(|result| match &result.result {
            Some(Outcome::Accepted(accepted)) => Some(accepted),
            _ => None,
        })
        .collect();
    assert_eq!(accepted.len(), 3);
    assert!(accepted.iter().all(|a| !a.duplicate && a.position > 0));
    match &first[1].result {
        Some(Outcome::Refused(refusal)) => {
            assert_eq!(refusal.code, "INVALID_ARGUMENT");
            assert!(
                refusal
                    .violations
                    .iter()
                    .any(|v| v.field.starts_with("persons[0].bsn")),
                "{refusal:?}"
            );
        }
        other => panic!("the bad BSN is refused at its index: {other:?}"),
    }
    match &first[4].result {
        Some(Outcome::Refused(refusal)) => assert_eq!(refusal.code, "PERMISSION_DENIED"),
        other => panic!("another gemeente is refused at its index: {other:?}"),
    }
    // Each written signal made its own household, readable as any other.
    let last = accepted
        .iter()
        .map(|a| a.position)
        .max()
        .expect("positions");
    hub.wait_applied(last).await;
    let mut households = hub.households().await;
    for (accepted, bsn) in accepted.iter().zip(&bsns) {
        let view = households
            .get_household(rondom_e2e::by_bsn(bsn, last))
            .await
            .expect("the household")
            .into_inner()
            .household
            .expect("view");
        assert_eq!(view.household_id, accepted.household_id);
    }

    // The same batch again: the same events, each recognised, nothing new on the stream.
    let before = hub.stream_messages().await;
    let again = signals
        .post_signals(v1::PostSignalsRequest { signals: batch })
        .await
        .expect("the batch again")
        .into_inner()
        .results;
    for (first, again) in first.iter().zip(&again) {
        match (&first.result, &again.result) {
            (Some(Outcome::Accepted(a)), Some(Outcome::Accepted(b))) => {
                assert_eq!(a.event_id, b.event_id);
                assert!(b.duplicate, "recognised as already written");
            }
            (Some(Outcome::Refused(a)), Some(Outcome::Refused(b))) => assert_eq!(a.code, b.code),
            other => panic!("a retry answers as the first time: {other:?}"),
        }
    }
    assert_eq!(hub.stream_messages().await, before, "nothing written twice");

    // Every write, accepted or refused, is on the audit record as PostSignal's are.
    let records = hub.audit_of("dev-wijkteam", "").await;
    let writes = records
        .iter()
        .filter(|r| r.method == "/rondom.v1.SignalService/PostSignals")
        .count();
    assert_eq!(
        writes, 10,
        "one record per signal of both batches: {records:?}"
    );
}

#[test_log::test(tokio::test(flavor = "multi_thread", worker_threads = 2))]
async fn an_empty_or_oversized_batch_is_refused_whole() {
    let hub = TestHub::start().await;
    let mut signals = hub.signals().await;
    for size in [0, rondom_adapter_wijkteam::grpc::MAX_BATCH + 1] {
        let batch = (0..size)
            .map(|index| {
                signal(
                    &format!("big-{index}"),
                    &[("111222333", "")],
                    v1::Pillar::Wijkteam,
                    "eenzaamheid",
                    "",
                )
            })
            .collect();
        let refused = signals
            .post_signals(v1::PostSignalsRequest { signals: batch })
            .await
            .expect_err("refused");
        assert_eq!(
            refused.code(),
            tonic::Code::InvalidArgument,
            "{size}: {refused:?}"
        );
    }
    assert_eq!(hub.stream_messages().await, 0, "nothing written");
}

#[test_log::test(tokio::test(flavor = "multi_thread", worker_threads = 2))]
async fn a_batch_whose_caller_goes_away_is_written_and_recorded_whole() {
    const SIZE: usize = 400;
    let hub = TestHub::start().await;
    let batch = one_each(
        "cut",
        &valid_bsns(SIZE),
        v1::Pillar::Wijkteam,
        "eenzaamheid",
    );
    let mut signals = hub.signals().await;
    {
        let call = signals.post_signals(v1::PostSignalsRequest { signals: batch });
        tokio::pin!(call);
        // The caller waits for the first signals to be written, then goes away (a deadline,
        // a lost connection): its call is dropped half-way.
        loop {
            tokio::select! {
                answer = &mut call => panic!("the batch was answered before its caller left: {answer:?}"),
                () = tokio::time::sleep(std::time::Duration::from_millis(5)) => {
                    if hub.stream_messages().await > 0 {
                        break;
                    }
                }
            }
        }
    }
    // Every signal is written all the same, each with its audit record.
    let recorded = || async {
        hub.audit_of("dev-wijkteam", "")
            .await
            .iter()
            .filter(|record| record.method == "/rondom.v1.SignalService/PostSignals")
            .count()
    };
    rondom_testkit::eventually(
        "a record for every signal",
        std::time::Duration::from_secs(30),
        || async { (recorded().await >= SIZE).then_some(()) },
    )
    .await;
    assert_eq!(recorded().await, SIZE, "a record for every signal");
    assert_eq!(
        hub.stream_messages().await,
        SIZE as u64,
        "every signal written"
    );
}

/// A signal about each of `bsns`, its idempotency key `<prefix>-<index>`.
fn one_each(
    prefix: &str,
    bsns: &[String],
    pillar: v1::Pillar,
    kind: &str,
) -> Vec<v1::PostSignalRequest> {
    bsns.iter()
        .enumerate()
        .map(|(index, bsn)| signal(&format!("{prefix}-{index}"), &[(bsn, "")], pillar, kind, ""))
        .collect()
}
