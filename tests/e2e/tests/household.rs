//! A wijkteam posts signals; a coordinator reads the household and its timeline.

use std::time::Duration;

use rondom_bus::stream::StreamSettings;
use rondom_e2e::{TestHub, by_bsn, by_id, signal, timeline};
use rondom_proto::v1;
use tonic_types::StatusExt as _;

const MOTHER: &str = "111222333";
const SON: &str = "123456782";
const GRANDMOTHER: &str = "999990342";

#[test_log::test(tokio::test)]
async fn signals_for_one_household_build_its_view_and_timeline() {
    let hub = TestHub::start().await;
    let mut signals = hub.signals().await;
    let first = signals
        .post_signal(signal(
            "s1",
            &[(MOTHER, "Fatima"), (SON, "Yusuf")],
            v1::Pillar::Jeugd,
            "zorgen_opvoeding",
            "Yusuf verzuimt",
        ))
        .await
        .expect("first signal")
        .into_inner();
    let second = signals
        .post_signal(signal(
            "s2",
            &[(MOTHER, "")],
            v1::Pillar::Schuldhulp,
            "betalingsachterstand",
            "Huurachterstand",
        ))
        .await
        .expect("second signal")
        .into_inner();
    // The grandmother is new and lives with the mother: she joins the mother's household.
    let third = signals
        .post_signal(signal(
            "s3",
            &[(GRANDMOTHER, "Oma Aziz"), (MOTHER, "")],
            v1::Pillar::Wmo,
            "mantelzorg_overbelast",
            "Oma heeft hulp nodig",
        ))
        .await
        .expect("third signal")
        .into_inner();
    assert_eq!(second.household_id, first.household_id);
    assert_eq!(third.household_id, first.household_id);
    assert_eq!([first.position, second.position, third.position], [1, 2, 3]);
    assert!(!first.duplicate);

    let mut households = hub.households().await;
    let view = households
        .get_household(by_id(&first.household_id, third.position))
        .await
        .expect("view")
        .into_inner();
    assert!(view.position >= third.position);
    let household = view.household.expect("household");
    let members: Vec<(&str, &str)> = household
        .members
        .iter()
        .map(|m| (m.display_name.as_str(), m.bsn_masked.as_str()))
        .collect();
    // Fatima's name survives the later signal that did not repeat it.
    assert_eq!(
        members,
        [
            ("Fatima", "*****2333"),
            ("Yusuf", "*****6782"),
            ("Oma Aziz", "*****0342")
        ]
    );
    assert_eq!(
        household.active_pillars,
        [
            v1::Pillar::Wmo as i32,
            v1::Pillar::Jeugd as i32,
            v1::Pillar::Schuldhulp as i32
        ]
    );
    assert_eq!(household.open_signals.len(), 3);
    assert_eq!(household.event_count, 3);
    assert_eq!(household.gemeente_code, "0363");

    let by_grandmother = households
        .get_household(by_bsn(GRANDMOTHER, 0))
        .await
        .expect("by BSN")
        .into_inner();
    assert_eq!(
        by_grandmother.household.map(|h| h.household_id),
        Some(first.household_id.clone())
    );

    // Newest first, two per page, then the rest.
    let page = households
        .get_timeline(v1::GetTimelineRequest {
            page_size: 2,
            ..timeline(&first.household_id, 0)
        })
        .await
        .expect("page 1")
        .into_inner();
    let positions: Vec<u64> = page.entries.iter().map(|entry| entry.position).collect();
    assert_eq!(positions, [3, 2]);
    assert_eq!(page.entries[0].summary, "Oma heeft hulp nodig");
    assert_eq!(page.entries[0].kind, "mantelzorg_overbelast");
    assert_eq!(
        page.entries[0].source,
        "urn:nld:rondom:systeem:wijkteam-test"
    );
    assert_eq!(
        page.entries[0].r#type,
        "nl.rondom.wmo.mantelzorg_overbelast.v1"
    );
    let rest = households
        .get_timeline(v1::GetTimelineRequest {
            page_size: 2,
            page_token: page.next_page_token.clone(),
            ..timeline(&first.household_id, 0)
        })
        .await
        .expect("page 2")
        .into_inner();
    assert_eq!(
        rest.entries
            .iter()
            .map(|entry| entry.position)
            .collect::<Vec<_>>(),
        [1]
    );
    assert!(rest.next_page_token.is_empty());

    let jeugd_and_wmo_oldest_first = households
        .get_timeline(v1::GetTimelineRequest {
            pillars: vec![v1::Pillar::Jeugd as i32, v1::Pillar::Wmo as i32],
            oldest_first: true,
            ..timeline(&first.household_id, 0)
        })
        .await
        .expect("filtered")
        .into_inner();
    assert_eq!(
        jeugd_and_wmo_oldest_first
            .entries
            .iter()
            .map(|entry| entry.position)
            .collect::<Vec<_>>(),
        [1, 3]
    );
}

#[test_log::test(tokio::test)]
async fn a_retry_with_the_same_key_is_one_event() {
    let hub = TestHub::start().await;
    let mut signals = hub.signals().await;
    let request = signal(
        "retry-1",
        &[(MOTHER, "Fatima")],
        v1::Pillar::Wijkteam,
        "eenzaamheid",
        "Alleen",
    );
    let first = signals
        .post_signal(request.clone())
        .await
        .expect("first")
        .into_inner();
    let retry = signals
        .post_signal(request)
        .await
        .expect("retry")
        .into_inner();
    assert_eq!(retry.event_id, first.event_id);
    assert_eq!(retry.position, first.position);
    assert!(retry.duplicate);
    assert_eq!(hub.stream_messages().await, 1);
    let entries = hub
        .households()
        .await
        .get_timeline(timeline(&first.household_id, first.position))
        .await;
    assert_eq!(entries.expect("timeline").into_inner().entries.len(), 1);
}

#[test_log::test(tokio::test)]
async fn a_key_used_again_for_another_write_is_refused_and_changes_nothing() {
    let hub = TestHub::start().await;
    let mut signals = hub.signals().await;
    let request = signal(
        "hergebruikt",
        &[(MOTHER, "Fatima")],
        v1::Pillar::Wijkteam,
        "eenzaamheid",
        "Alleen",
    );
    let first = signals
        .post_signal(request.clone())
        .await
        .expect("first")
        .into_inner();
    // A retry that fills in the time anew is still the same write.
    let retry = signals
        .post_signal(v1::PostSignalRequest {
            observed_at: Some(rondom_proto::convert::timestamp(chrono::Utc::now())),
            ..request.clone()
        })
        .await
        .expect("a retry")
        .into_inner();
    assert!(retry.duplicate);
    assert_eq!(
        (retry.household_id.as_str(), retry.position),
        (first.household_id.as_str(), first.position)
    );
    // Another person, another note: another write under the same key.
    let others = [
        signal(
            "hergebruikt",
            &[(GRANDMOTHER, "Oma")],
            v1::Pillar::Wijkteam,
            "eenzaamheid",
            "Alleen",
        ),
        signal(
            "hergebruikt",
            &[(MOTHER, "Fatima")],
            v1::Pillar::Wijkteam,
            "eenzaamheid",
            "Iets anders",
        ),
    ];
    for other in others {
        let refused = signals
            .post_signal(other)
            .await
            .expect_err("the key names another write");
        assert_eq!(refused.code(), tonic::Code::InvalidArgument, "{refused:?}");
        let fields: Vec<String> = refused
            .get_details_bad_request()
            .expect("field violations")
            .field_violations
            .into_iter()
            .map(|violation| violation.field)
            .collect();
        assert_eq!(fields, ["idempotency_key"], "{refused:?}");
    }
    assert_eq!(hub.stream_messages().await, 1);
    // The grandmother is in no household from it.
    let found = hub
        .households()
        .await
        .get_household(by_bsn(GRANDMOTHER, first.position))
        .await
        .expect_err("no household");
    assert_eq!(found.code(), tonic::Code::NotFound);
}

#[test_log::test(tokio::test)]
async fn a_retry_after_the_duplicate_window_is_still_one_timeline_entry() {
    let settings = StreamSettings {
        duplicate_window: Duration::from_secs(1),
        ..StreamSettings::default()
    };
    let hub = TestHub::start_with(settings).await;
    let mut signals = hub.signals().await;
    let request = signal(
        "late-retry",
        &[(MOTHER, "Fatima")],
        v1::Pillar::Wmo,
        "eenzaamheid",
        "Alleen",
    );
    let first = signals
        .post_signal(request.clone())
        .await
        .expect("first")
        .into_inner();
    // Waiting out the window is the point of this test, not a race.
    tokio::time::sleep(Duration::from_millis(1500)).await;
    let retry = signals
        .post_signal(request.clone())
        .await
        .expect("late retry")
        .into_inner();
    assert_eq!(
        retry.event_id, first.event_id,
        "the same key always gives the same event id"
    );
    // The hub's read model knows the id: the original stands, nothing is published again.
    assert!(retry.duplicate);
    assert_eq!(retry.position, first.position);
    assert_eq!(hub.stream_messages().await, 1);
    // The same key for another write is refused then too.
    let other = signals
        .post_signal(v1::PostSignalRequest {
            summary: "Iets anders".into(),
            ..request
        })
        .await
        .expect_err("another write under the key");
    assert_eq!(other.code(), tonic::Code::InvalidArgument, "{other:?}");
    // A writer without a read model beside it (an adapter role of its own) cannot tell, and
    // the copy lands on the log again: here the same signed message, published once more.
    let copy = hub.publish_again(first.position).await;
    assert!(copy > first.position);
    assert_eq!(hub.stream_messages().await, 2);

    let mut households = hub.households().await;
    let household = households
        .get_household(by_id(&first.household_id, retry.position))
        .await
        .expect("view");
    assert_eq!(
        household
            .into_inner()
            .household
            .expect("household")
            .event_count,
        1
    );
    let entries = households
        .get_timeline(timeline(&first.household_id, retry.position))
        .await
        .expect("timeline");
    assert_eq!(
        entries.into_inner().entries.len(),
        1,
        "the projector dropped the late duplicate"
    );
}

#[test_log::test(tokio::test)]
async fn concurrent_first_signals_for_one_person_make_one_household() {
    let hub = TestHub::start().await;
    let mut tasks = Vec::new();
    for index in 0..8 {
        let mut client = hub.signals().await;
        let request = signal(
            &format!("race-{index}"),
            &[(SON, "")],
            v1::Pillar::Jeugd,
            "schooluitval",
            "",
        );
        tasks.push(tokio::spawn(async move {
            client
                .post_signal(request)
                .await
                .expect("post")
                .into_inner()
                .household_id
        }));
    }
    let mut households = Vec::new();
    for task in tasks {
        households.push(task.await.expect("task"));
    }
    households.dedup();
    assert_eq!(
        households.len(),
        1,
        "every concurrent first signal lands in one household"
    );
}

#[test_log::test(tokio::test)]
async fn the_hub_keeps_its_data_across_a_restart() {
    let mut hub = TestHub::start().await;
    let posted = hub
        .signals()
        .await
        .post_signal(signal(
            "keep-1",
            &[(MOTHER, "Fatima"), (SON, "Yusuf")],
            v1::Pillar::Jeugd,
            "zorgen_opvoeding",
            "Zorgen",
        ))
        .await
        .expect("post")
        .into_inner();
    let before = hub
        .households()
        .await
        .get_household(by_id(&posted.household_id, posted.position))
        .await;
    let before = before.expect("view before").into_inner().household;

    hub.restart().await;

    let after = hub
        .households()
        .await
        .get_household(by_id(&posted.household_id, 0))
        .await;
    assert_eq!(after.expect("view after").into_inner().household, before);
    // The same person still resolves to the same household, and new signals keep folding in.
    let next = hub
        .signals()
        .await
        .post_signal(signal(
            "keep-2",
            &[(SON, "")],
            v1::Pillar::Jeugd,
            "schooluitval",
            "",
        ))
        .await
        .expect("post after restart")
        .into_inner();
    assert_eq!(next.household_id, posted.household_id);
    let view = hub
        .households()
        .await
        .get_household(by_id(&posted.household_id, next.position))
        .await;
    assert_eq!(
        view.expect("view")
            .into_inner()
            .household
            .expect("household")
            .event_count,
        2
    );
}

#[test_log::test(tokio::test)]
async fn a_rebuilt_read_model_gives_the_same_views() {
    let mut hub = TestHub::start().await;
    let mut signals = hub.signals().await;
    let mut households_seen = Vec::new();
    let people = [MOTHER, SON, GRANDMOTHER, "012345672"];
    let mut last = 0;
    for (index, person) in people.iter().cycle().take(12).enumerate() {
        let reply = signals
            .post_signal(signal(
                &format!("rb-{index}"),
                &[(person, "Naam")],
                v1::Pillar::Wijkteam,
                "eenzaamheid",
                &format!("tekst {index}"),
            ))
            .await
            .expect("post")
            .into_inner();
        last = reply.position;
        households_seen.push(reply.household_id);
    }
    households_seen.sort();
    households_seen.dedup();
    let before = snapshot(&hub, &households_seen, last).await;
    assert_eq!(before.len(), 4);

    hub.stop().await;
    let client = rondom_bus::connect(hub.nats.url()).await.expect("connect");
    let generations = rondom_projector::Generations::new(hub.data_dir().join("projector"));
    let old_generation = generations.current().expect("current");
    let report = rondom_projector::rebuild::rebuild(
        &rondom_bus::jetstream(client),
        &generations,
        5,
        Default::default(),
        &hub.signer(),
        false,
    )
    .await
    .expect("rebuild");
    assert_eq!(report.through, last);
    assert_eq!(report.applied.events, 12);
    assert_ne!(generations.current().expect("current"), old_generation);
    assert!(
        !old_generation.exists(),
        "the old generation is removed after the switch"
    );

    hub.restart().await;
    assert_eq!(snapshot(&hub, &households_seen, last).await, before);
}

#[test_log::test(tokio::test)]
async fn health_reports_each_service_serving() {
    let hub = TestHub::start().await;
    let mut health = tonic_health::pb::health_client::HealthClient::new(hub.raw_channel().await);
    for service in [
        "rondom.v1.SignalService",
        "rondom.v1.WmoService",
        "rondom.v1.JeugdService",
        "rondom.v1.ParticipatieService",
        "rondom.v1.SchuldhulpService",
        "rondom.v1.RegieService",
        "rondom.v1.HouseholdService",
        "",
    ] {
        let reply = health
            .check(tonic_health::pb::HealthCheckRequest {
                service: service.to_owned(),
            })
            .await
            .expect("health check")
            .into_inner();
        assert_eq!(
            reply.status(),
            tonic_health::pb::health_check_response::ServingStatus::Serving,
            "{service}"
        );
    }
}

/// Every view and full timeline of `ids`, as a coordinator would read them.
async fn snapshot(
    hub: &TestHub,
    ids: &[String],
    min: u64,
) -> Vec<(Option<v1::Household>, v1::GetTimelineResponse)> {
    let mut client = hub.households().await;
    let mut views = Vec::new();
    for id in ids {
        let view = client
            .get_household(by_id(id, min))
            .await
            .expect("view")
            .into_inner();
        let entries = client
            .get_timeline(v1::GetTimelineRequest {
                page_size: 500,
                ..timeline(id, min)
            })
            .await
            .expect("timeline")
            .into_inner();
        views.push((view.household, entries));
    }
    views
}

#[test_log::test(tokio::test)]
async fn a_read_puts_each_member_it_names_on_record() {
    let hub = TestHub::start().await;
    let posted = hub
        .post_wijkteam("leden-1", &[(MOTHER, "Fatima"), (SON, "Daan")], "")
        .await;
    let view = hub
        .households()
        .await
        .get_household(by_id(&posted.household_id, posted.position))
        .await
        .expect("read")
        .into_inner()
        .household
        .expect("view");
    assert_eq!(view.members.len(), 2);
    let records = hub
        .audit_of(
            &rondom_e2e::DevClient::Coordinator.id(),
            &posted.household_id,
        )
        .await;
    let read = records
        .iter()
        .find(|record| record.method == "/rondom.v1.HouseholdService/GetHousehold")
        .expect("the read on record");
    // The signal, and the name and masked BSN of each of the two.
    let counted: u32 = read.disclosed.iter().map(|d| d.count).sum();
    assert_eq!(counted, 3, "{:?}", read.disclosed);
    assert!(read.disclosed.iter().all(|d| d.basis == "regie"));
}

#[test_log::test(tokio::test(flavor = "multi_thread", worker_threads = 2))]
async fn a_write_whose_caller_went_away_is_still_on_record() {
    let hub = TestHub::start().await;
    let signals = hub.signals().await;
    hub.post_wijkteam("eerst", &[(MOTHER, "")], "").await;
    // Callers that give up at every moment of a write, some after it was published.
    let mut calls = Vec::new();
    for n in 0..120u64 {
        let mut signals = signals.clone();
        let request = signal(
            &format!("weg-{n}"),
            &[(MOTHER, "")],
            v1::Pillar::Wijkteam,
            "eenzaamheid",
            "",
        );
        calls.push(tokio::spawn(async move {
            // A few wait for their answer, so some of the writes surely land.
            let patience = if n % 20 == 0 {
                Duration::from_secs(30)
            } else {
                Duration::from_millis(n % 60)
            };
            let _ = tokio::time::timeout(patience, signals.post_signal(request)).await;
        }));
    }
    for call in calls {
        call.await.expect("a caller");
    }
    let published: Vec<u64> = hub
        .events()
        .await
        .iter()
        .map(|(position, _)| *position)
        .collect();
    assert!(published.len() > 1, "some of them were published");
    // Each write on the log has its audit record, however soon its caller left.
    let client = rondom_e2e::DevClient::Wijkteam.id();
    rondom_testkit::eventually(
        "every published write on record",
        Duration::from_secs(10),
        || {
            let (hub, client, published) = (&hub, &client, &published);
            async move {
                let records = hub.audit_of(client, "").await;
                published
                    .iter()
                    .all(|position| records.iter().any(|record| record.position == *position))
                    .then_some(())
            }
        },
    )
    .await;
}
