//! An operator erases a household by destroying its key: afterwards no view, timeline or
//! key store holds anything of its members, the erasure itself is on the log with who and why,
//! and a later signal about a former member starts afresh.

use rondom_cli::scenario;
use rondom_e2e::{DevClient, TestHub, by_id, timeline};
use rondom_proto::v1;
use rondom_proto::v1::operator_service_client::OperatorServiceClient;
use tonic::Code;

fn erase(household: &str, reden: v1::ErasureReason) -> v1::EraseHouseholdRequest {
    v1::EraseHouseholdRequest {
        household_id: household.to_owned(),
        reden: reden as i32,
    }
}

#[test_log::test(tokio::test(flavor = "multi_thread", worker_threads = 2))]
async fn an_erased_household_keeps_its_history_but_no_personal_data() {
    let hub = TestHub::start().await;
    let runner = rondom_e2e::load_family(hub.scenario_connections().await).await;
    let household = runner.family_household().expect("household").to_owned();
    let mut coordinator = hub.households().await;
    let before = coordinator
        .get_household(by_id(&household, runner.position))
        .await
        .expect("view")
        .into_inner()
        .household
        .expect("household");
    assert_eq!(before.members.len(), 3);

    // Only an operator erases, only with a legal reason, only what exists.
    let refused = OperatorServiceClient::new(hub.client_for(DevClient::Coordinator).await)
        .erase_household(erase(&household, v1::ErasureReason::VerzoekBetrokkene))
        .await
        .expect_err("a coordinator may not erase");
    assert_eq!(refused.code(), Code::PermissionDenied);
    let mut operator = OperatorServiceClient::new(hub.client_for(DevClient::Operator).await);
    let no_reason = operator
        .erase_household(erase(&household, v1::ErasureReason::Unspecified))
        .await
        .expect_err("no reason");
    assert_eq!(no_reason.code(), Code::InvalidArgument);
    let unknown = operator
        .erase_household(erase(
            "0195f0c2-7b7e-7000-8000-000000000001",
            v1::ErasureReason::VerzoekBetrokkene,
        ))
        .await
        .expect_err("unknown");
    assert_eq!(unknown.code(), Code::NotFound);

    let erased = operator
        .erase_household(erase(&household, v1::ErasureReason::VerzoekBetrokkene))
        .await
        .expect("erased")
        .into_inner();
    assert!(!erased.already_erased);
    let again = operator
        .erase_household(erase(&household, v1::ErasureReason::VerzoekBetrokkene))
        .await
        .expect("erasing twice is fine")
        .into_inner();
    assert!(again.already_erased);
    assert_eq!(again.position, erased.position);

    // The view keeps what happened, nothing of who.
    let after = coordinator
        .get_household(by_id(&household, erased.position))
        .await
        .expect("view")
        .into_inner()
        .household
        .expect("household");
    assert!(after.members.is_empty());
    let erasure = after.erasure.expect("marked erased");
    assert_eq!(erasure.reden, v1::ErasureReason::VerzoekBetrokkene as i32);
    assert_eq!(erasure.position, erased.position);
    assert_eq!(after.trajectories.len(), before.trajectories.len());
    let entries = coordinator
        .get_timeline(v1::GetTimelineRequest {
            page_size: 500,
            ..timeline(&household, erased.position)
        })
        .await
        .expect("timeline")
        .into_inner()
        .entries;
    assert!(entries.len() > 20);
    assert!(entries.iter().all(|entry| entry.summary.is_empty()));
    assert_eq!(entries[0].kind, "huishouden_gewist", "newest first");

    // The key is gone from the key store, only its tombstone is left: what the log holds
    // sealed stays sealed, and nothing new is sealed for this household.
    let keys = hub
        .jetstream()
        .await
        .get_key_value(rondom_bus::stream::KEYS_BUCKET)
        .await
        .expect("bucket");
    let stored = keys.get(&household).await.expect("get");
    assert!(
        stored.is_some_and(|value| value.is_empty()),
        "only the tombstone"
    );
    // The erasure event names who and why, and nobody.
    let (_, event) = hub
        .events()
        .await
        .into_iter()
        .find(|(position, _)| *position == erased.position)
        .expect("the erasure event");
    assert!(event.persons.is_empty() && event.summary.is_none());
    match event.body {
        Some(v1::event::Body::HuishoudenGewist(gewist)) => {
            assert_eq!(gewist.gewist_door, DevClient::Operator.id());
        }
        other => panic!("not an erasure: {other:?}"),
    }

    // A rebuild from the log replays the erasure too: nothing comes back.
    let mut hub = hub;
    hub.stop().await;
    let generations = rondom_projector::Generations::new(hub.data_dir().join("projector"));
    hub.rebuild(5).await.expect("rebuild");
    // The rebuilt read model holds no sealed text of the household at all, not just none
    // that opens.
    {
        let id = household.parse().expect("household id");
        let model = rondom_projector::ReadModel::open(&generations.current().expect("current"))
            .expect("read model");
        let page = model
            .timeline(&rondom_projector::store::TimelineQuery {
                household: id,
                pillars: Vec::new(),
                oldest_first: true,
                after: None,
                limit: 500,
            })
            .expect("timeline");
        assert!(page.entries.len() > 20);
        assert!(
            page.entries
                .iter()
                .all(|(_, entry)| entry.summary.is_none())
        );
        let view = model.household(&id).expect("read").expect("view");
        assert!(view.members.is_empty());
    }
    hub.restart().await;
    let mut coordinator = hub.households().await;
    let rebuilt = coordinator
        .get_household(by_id(&household, 0))
        .await
        .expect("view")
        .into_inner()
        .household
        .expect("household");
    assert!(rebuilt.members.is_empty() && rebuilt.erasure.is_some());
    let entries = coordinator
        .get_timeline(v1::GetTimelineRequest {
            page_size: 500,
            ..timeline(&household, 0)
        })
        .await
        .expect("timeline")
        .into_inner()
        .entries;
    assert!(entries.iter().all(|entry| entry.summary.is_empty()));
    let by_bsn = coordinator
        .get_household(rondom_e2e::by_bsn(scenario::ZOON.bsn, 0))
        .await
        .expect_err("no person leads to it any more");
    assert_eq!(by_bsn.code(), Code::NotFound);

    // A later signal about the mother starts a new household.
    let posted = hub
        .signals()
        .await
        .post_signal(rondom_e2e::signal(
            "na-wissen-1",
            &[(scenario::MOEDER.bsn, "Fatima")],
            v1::Pillar::Schuldhulp,
            "betalingsachterstand",
            "",
        ))
        .await
        .expect("posted")
        .into_inner();
    assert_ne!(posted.household_id, household);
}

/// Returns the `n`th of a run of BSNs that pass the 11-proef (none of the scenario's).
#[test_log::test(tokio::test(flavor = "multi_thread", worker_threads = 2))]
async fn erasing_during_live_ingest_leaves_every_other_household_whole() {
    let hub = TestHub::start().await;
    let target = hub
        .signals()
        .await
        .post_signal(rondom_e2e::signal(
            "doel-1",
            &[("111222333", "Fatima"), ("123456782", "Yusuf")],
            v1::Pillar::Jeugd,
            "zorgen_opvoeding",
            "zorgen over de opvoeding",
        ))
        .await
        .expect("posted")
        .into_inner();
    hub.wait_applied(target.position).await;

    let bsns = rondom_e2e::valid_bsns(150);
    let mut signals = hub.signals().await;
    let ingest = tokio::spawn({
        let bsns = bsns.clone();
        async move {
            let mut posted = Vec::new();
            for (index, bsn) in bsns.iter().enumerate() {
                let reply = signals
                    .post_signal(rondom_e2e::signal(
                        &format!("druk-{index}"),
                        &[(bsn.as_str(), "Buur")],
                        v1::Pillar::Wijkteam,
                        "eenzaamheid",
                        "zit veel alleen",
                    ))
                    .await
                    .expect("ingest goes on")
                    .into_inner();
                posted.push(reply);
            }
            posted
        }
    });
    let mut operator = OperatorServiceClient::new(hub.client_for(DevClient::Operator).await);
    let erased = operator
        .erase_household(erase(
            &target.household_id,
            v1::ErasureReason::OnrechtmatigVerwerkt,
        ))
        .await
        .expect("erased while ingesting")
        .into_inner();
    let posted = ingest.await.expect("ingest task");
    let last = posted
        .iter()
        .map(|reply| reply.position)
        .max()
        .expect("posted");
    hub.wait_applied(last.max(erased.position)).await;

    let mut coordinator = hub.households().await;
    let gone = coordinator
        .get_household(by_id(&target.household_id, 0))
        .await
        .expect("view")
        .into_inner()
        .household
        .expect("household");
    assert!(gone.members.is_empty() && gone.erasure.is_some());
    assert_eq!(
        hub.stream_messages().await,
        1 + 150 + 1,
        "nothing lost, nothing twice"
    );
    for reply in posted.iter().step_by(15) {
        assert_ne!(reply.household_id, target.household_id);
        let view = coordinator
            .get_household(by_id(&reply.household_id, 0))
            .await
            .expect("view")
            .into_inner()
            .household
            .expect("household");
        assert_eq!(view.members.len(), 1);
        assert_eq!(view.members[0].display_name, "Buur");
        let entries = coordinator
            .get_timeline(timeline(&reply.household_id, 0))
            .await
            .expect("timeline")
            .into_inner()
            .entries;
        assert_eq!(
            entries[0].summary, "zit veel alleen",
            "its own key still opens"
        );
    }
}

/// The tail of a household's wrapped key as stored in RONDOM_KEYS: random ciphertext, so
/// found on disk only where that key is.
async fn wrapped_key_tail(hub: &TestHub, household: &str) -> Vec<u8> {
    let keys = rondom_bus::stream::bucket(&hub.jetstream().await, rondom_bus::stream::KEYS_BUCKET)
        .await
        .expect("keys bucket");
    let wrapped = keys.get(household).await.expect("read key").expect("a key");
    wrapped[wrapped.len() - 24..].to_vec()
}

#[test_log::test(tokio::test(flavor = "multi_thread", worker_threads = 2))]
async fn after_an_erasure_no_file_holds_the_household_key_or_its_personal_data() {
    let mut hub = TestHub::start().await;
    let mut signals = hub.signals().await;
    let erased = signals
        .post_signal(rondom_e2e::signal(
            "wis-1",
            &[("111222333", "Fatima Aziz"), ("123456782", "Yusuf Aziz")],
            v1::Pillar::Wijkteam,
            "zorgen_opvoeding",
            "Yusuf verzuimt school sinds de verhuizing",
        ))
        .await
        .expect("posted")
        .into_inner();
    let kept = signals
        .post_signal(rondom_e2e::signal(
            "blijft-1",
            &[("999990342", "Oma Aziz")],
            v1::Pillar::Wijkteam,
            "eenzaamheid",
            "Oma zit veel alleen",
        ))
        .await
        .expect("posted")
        .into_inner();
    hub.wait_applied(kept.position).await;
    let erased_key = wrapped_key_tail(&hub, &erased.household_id).await;
    let kept_key = wrapped_key_tail(&hub, &kept.household_id).await;

    OperatorServiceClient::new(hub.client_for(DevClient::Operator).await)
        .erase_household(erase(
            &erased.household_id,
            v1::ErasureReason::VerzoekBetrokkene,
        ))
        .await
        .expect("erased");

    // Flush everything to disk, then read every byte JetStream and sled wrote.
    hub.stop().await;
    hub.nats.stop();
    let files: Vec<_> = rondom_e2e::files_under(&hub.nats.store_dir())
        .into_iter()
        .chain(rondom_e2e::files_under(&hub.data_dir().join("projector")))
        .map(|path| (std::fs::read(&path).expect("read file"), path))
        .collect();
    let holding = |needle: &[u8]| {
        files
            .iter()
            .filter(|(bytes, _)| rondom_e2e::contains(bytes, needle))
            .map(|(_, path)| path.display().to_string())
            .collect::<Vec<_>>()
    };
    assert!(
        holding(&erased_key).is_empty(),
        "the destroyed key is still on disk: {:?}",
        holding(&erased_key)
    );
    assert!(
        !holding(&kept_key).is_empty(),
        "the scan finds a key that is there"
    );
    for secret in [
        "111222333",
        "123456782",
        "Fatima Aziz",
        "Yusuf Aziz",
        "verzuimt school",
    ] {
        assert!(
            holding(secret.as_bytes()).is_empty(),
            "{secret:?} readable in {:?}",
            holding(secret.as_bytes())
        );
    }
}

#[test_log::test(tokio::test(flavor = "multi_thread", worker_threads = 2))]
async fn signals_racing_the_erasure_leave_nothing_readable_in_the_erased_household() {
    let mut hub = TestHub::start().await;
    let mut signals = hub.signals().await;
    let first = signals
        .post_signal(rondom_e2e::signal(
            "gezin-1",
            &[("111222333", "Fatima"), ("123456782", "Yusuf")],
            v1::Pillar::Wijkteam,
            "zorgen_opvoeding",
            "eerste zorg",
        ))
        .await
        .expect("posted")
        .into_inner();
    hub.wait_applied(first.position).await;

    // Signals about Fatima keep coming while her household is erased.
    let ingest = tokio::spawn(async move {
        let mut posted = Vec::new();
        for index in 0..60 {
            let reply = signals
                .post_signal(rondom_e2e::signal(
                    &format!("race-{index}"),
                    &[("111222333", "Fatima")],
                    v1::Pillar::Wijkteam,
                    "eenzaamheid",
                    &format!("nieuwe zorg {index}"),
                ))
                .await
                .expect("every signal is taken, erasure or not")
                .into_inner();
            posted.push(reply);
        }
        posted
    });
    tokio::time::sleep(std::time::Duration::from_millis(30)).await;
    let erased = OperatorServiceClient::new(hub.client_for(DevClient::Operator).await)
        .erase_household(erase(
            &first.household_id,
            v1::ErasureReason::VerzoekBetrokkene,
        ))
        .await
        .expect("erased")
        .into_inner();
    let posted = ingest.await.expect("ingest task");
    let last = posted
        .iter()
        .map(|reply| reply.position)
        .chain([erased.position])
        .max()
        .expect("positions");
    hub.wait_applied(last).await;
    assert_eq!(hub.stream_messages().await, 1 + 60 + 1, "each signal once");

    // A signal that resolved the household just before its members left may still land in
    // it, sealed under the key about to be destroyed; nothing of it may stay readable there.
    let views = async |hub: &TestHub| {
        let mut coordinator = hub.households().await;
        let erased_view = coordinator
            .get_household(by_id(&first.household_id, last))
            .await
            .expect("erased household")
            .into_inner()
            .household
            .expect("household");
        let entries = coordinator
            .get_timeline(timeline(&first.household_id, last))
            .await
            .expect("timeline")
            .into_inner()
            .entries;
        let now = coordinator
            .get_household(rondom_e2e::by_bsn("111222333", last))
            .await
            .expect("Fatima's household now")
            .into_inner()
            .household
            .expect("household");
        (erased_view, entries, now)
    };
    let (erased_view, entries, now) = views(&hub).await;
    assert!(erased_view.members.is_empty(), "{:?}", erased_view.members);
    assert!(erased_view.erasure.is_some());
    assert!(
        entries.iter().all(|entry| entry.summary.is_empty()),
        "no text readable in the erased household: {entries:?}"
    );
    assert_ne!(now.household_id, first.household_id);
    assert_eq!(now.members.len(), 1);
    assert_eq!(now.members[0].display_name, "Fatima");
    if let Some(newest) = posted.last() {
        assert_eq!(newest.household_id, now.household_id);
    }

    // A rebuild from this log, racing writes and all, gives the same views.
    hub.stop().await;
    hub.rebuild(7).await.expect("rebuild");
    hub.start_again().await;
    let (rebuilt_erased, rebuilt_entries, rebuilt_now) = views(&hub).await;
    assert_eq!(rebuilt_erased, erased_view);
    assert_eq!(rebuilt_entries, entries);
    assert_eq!(rebuilt_now, now);
}

#[test_log::test(tokio::test(flavor = "multi_thread", worker_threads = 2))]
async fn a_rebuild_tried_while_the_hub_erases_refuses_and_the_erasure_stands() {
    let mut hub = TestHub::start().await;
    let posted = hub
        .signals()
        .await
        .post_signal(rondom_e2e::signal(
            "gezin-1",
            &[("111222333", "Fatima")],
            v1::Pillar::Wijkteam,
            "eenzaamheid",
            "zit veel alleen",
        ))
        .await
        .expect("posted")
        .into_inner();
    hub.wait_applied(posted.position).await;
    let generations = rondom_projector::Generations::new(hub.data_dir().join("projector"));
    let before = generations.current().expect("current generation");

    // The rebuild is offline: tried while the hub runs (and erases), it refuses and touches
    // nothing, and the erasure goes through.
    let mut operator = OperatorServiceClient::new(hub.client_for(DevClient::Operator).await);
    let (rebuilt, erased) = tokio::join!(
        hub.rebuild(5),
        operator.erase_household(erase(
            &posted.household_id,
            v1::ErasureReason::VerzoekBetrokkene,
        )),
    );
    assert!(
        matches!(rebuilt, Err(rondom_projector::Error::Storage(_))),
        "{rebuilt:?}"
    );
    let erased = erased.expect("erased").into_inner();
    assert_eq!(generations.current().expect("current"), before);
    let view = async |hub: &TestHub| {
        hub.households()
            .await
            .get_household(by_id(&posted.household_id, erased.position))
            .await
            .expect("view")
            .into_inner()
            .household
            .expect("household")
    };
    let live = view(&hub).await;
    assert!(live.members.is_empty() && live.erasure.is_some());

    // Done the right way, hub stopped, the rebuild agrees with what the hub showed.
    hub.stop().await;
    hub.rebuild(5).await.expect("rebuild");
    hub.start_again().await;
    assert_eq!(view(&hub).await, live);
}

#[test_log::test(tokio::test(flavor = "multi_thread", worker_threads = 2))]
async fn a_person_still_registered_in_an_erased_household_starts_a_new_one() {
    let hub = TestHub::start().await;
    let mut signals = hub.signals().await;
    let first = signals
        .post_signal(rondom_e2e::signal(
            "eerst",
            &[("111222333", "Fatima")],
            v1::Pillar::Wijkteam,
            "eenzaamheid",
            "eerste zorg",
        ))
        .await
        .expect("posted")
        .into_inner();
    // The state an interrupted erasure or an old backup can leave: the household's key is a
    // tombstone while the registry still places Fatima in it.
    let jetstream = hub.jetstream().await;
    let masters = rondom_runtime::keys::load_masters(&hub.data_dir().join("keys")).expect("keys");
    let keys = rondom_bus::KeyStore::new(
        rondom_bus::stream::bucket(&jetstream, rondom_bus::stream::KEYS_BUCKET)
            .await
            .expect("bucket"),
        masters,
    );
    let household: rondom_domain::HouseholdId = first.household_id.parse().expect("id");
    keys.destroy(&household).await.expect("destroy");

    let next = signals
        .post_signal(rondom_e2e::signal(
            "daarna",
            &[("111222333", "Fatima")],
            v1::Pillar::Wijkteam,
            "eenzaamheid",
            "nieuwe zorg",
        ))
        .await
        .expect("taken, in a household of its own")
        .into_inner();
    assert_ne!(next.household_id, first.household_id);
    let view = hub
        .households()
        .await
        .get_household(rondom_e2e::by_bsn("111222333", next.position))
        .await
        .expect("her household now")
        .into_inner()
        .household
        .expect("household");
    assert_eq!(view.household_id, next.household_id);
    assert_eq!(view.members[0].display_name, "Fatima");
}

#[test_log::test(tokio::test(flavor = "multi_thread", worker_threads = 2))]
async fn a_household_the_projector_has_not_shown_yet_can_be_erased_at_once() {
    let hub = TestHub::start().await;
    let earlier = hub
        .post_wijkteam("eerder", &[("999990342", "Buur")], "alleen")
        .await;
    hub.wait_applied(earlier.position).await;
    // Hold the projector back (JetStream pauses its consumer), so the household is on the log
    // but not yet in the view when the operator erases it.
    hub.pause_projector(chrono::Utc::now() + chrono::TimeDelta::seconds(2))
        .await;
    let posted = hub
        .post_wijkteam("net-binnen", &[("111222333", "Fatima")], "zorgen")
        .await;
    let mut operator = OperatorServiceClient::new(hub.client_for(DevClient::Operator).await);
    let mut coordinator = hub.households().await;
    let not_shown = coordinator
        .get_household(by_id(&posted.household_id, 0))
        .await
        .expect_err("the projector is paused");
    assert_eq!(not_shown.code(), Code::NotFound);

    let erased = operator
        .erase_household(erase(
            &posted.household_id,
            v1::ErasureReason::VerzoekBetrokkene,
        ))
        .await
        .expect("erased once the projector showed it")
        .into_inner();
    assert!(!erased.already_erased);
    let view = coordinator
        .get_household(by_id(&posted.household_id, erased.position))
        .await
        .expect("view")
        .into_inner()
        .household
        .expect("household");
    assert!(view.erasure.is_some(), "{view:?}");
    assert!(view.members.is_empty(), "{view:?}");
}

/// The pseudonyms each household's events name its persons by.
async fn pseudonyms_in(hub: &TestHub, household: &str) -> std::collections::BTreeSet<String> {
    hub.events()
        .await
        .into_iter()
        .filter(|(_, event)| event.household_id == household)
        .flat_map(|(_, event)| event.persons)
        .map(|mention| mention.pseudonym)
        .collect()
}

#[test_log::test(tokio::test(flavor = "multi_thread", worker_threads = 2))]
async fn an_erased_households_events_link_nobody_to_a_later_household() {
    let hub = TestHub::start().await;
    let first = hub
        .post_wijkteam("voor", &[("111222333", "Fatima")], "eerste zorg")
        .await;
    OperatorServiceClient::new(hub.client_for(DevClient::Operator).await)
        .erase_household(v1::EraseHouseholdRequest {
            household_id: first.household_id.clone(),
            reden: v1::ErasureReason::VerzoekBetrokkene as i32,
        })
        .await
        .expect("erased");
    let later = hub
        .post_wijkteam("na", &[("111222333", "Fatima")], "nieuwe zorg")
        .await;
    assert_ne!(later.household_id, first.household_id);

    // The erased household's events stay on the log with their pseudonyms, but Fatima's
    // pseudonym in her new household is another: nothing on the log joins the two.
    let (before, after) = (
        pseudonyms_in(&hub, &first.household_id).await,
        pseudonyms_in(&hub, &later.household_id).await,
    );
    assert_eq!((before.len(), after.len()), (1, 1));
    assert!(before.is_disjoint(&after), "{before:?} {after:?}");
    // Nor does the registry's key of her (which the erasure removed) appear on the log.
    let registry_key = rondom_runtime::keys::Keys::load_or_generate(&hub.data_dir().join("keys"))
        .expect("keys")
        .pseudonym
        .pseudonym(&"111222333".parse().expect("bsn"))
        .to_string();
    assert!(!before.contains(&registry_key) && !after.contains(&registry_key));
    let log = hub.raw_stream().await.concat();
    assert!(!rondom_e2e::contains(&log, registry_key.as_bytes()));
}

#[test_log::test(tokio::test(flavor = "multi_thread", worker_threads = 2))]
async fn an_erased_household_names_nobody_by_pseudonym_in_what_readers_get() {
    let hub = TestHub::start().await;
    let runner = rondom_e2e::load_family(hub.scenario_connections().await).await;
    let household = runner.family_household().expect("household").to_owned();
    // The pseudonyms its events name its persons by: a BSN leads to each again.
    let pseudonyms = pseudonyms_in(&hub, &household).await;
    assert!(pseudonyms.len() >= 3, "{pseudonyms:?}");
    let erased = OperatorServiceClient::new(hub.client_for(DevClient::Operator).await)
        .erase_household(erase(&household, v1::ErasureReason::VerzoekBetrokkene))
        .await
        .expect("erased")
        .into_inner();
    let named = |bytes: &[u8]| {
        pseudonyms
            .iter()
            .find(|pseudonym| rondom_e2e::contains(bytes, pseudonym.as_bytes()))
            .cloned()
    };

    // Its jeugd provider's subscription, from the start: what it still gets names nobody.
    let mut subscription = rondom_e2e::Subscription::open(
        hub.client_for(DevClient::Partner(rondom_domain::Pillar::Jeugd))
            .await,
        v1::OpenSubscription {
            purpose: v1::Purpose::UitvoeringJeugdwet as i32,
            ..Default::default()
        },
    )
    .await;
    let mut sent = 0;
    while let Some(delivery) = subscription.next().await {
        if delivery.household_id == household {
            sent += 1;
            assert!(delivery.persons.is_empty(), "{delivery:?}");
            assert_eq!(named(&prost::Message::encode_to_vec(&delivery)), None);
        }
    }
    assert!(sent > 0, "the provider still sees its own law's facts");

    // Nor what a reader is shown of it. (The log keeps the pseudonyms its events were
    // written with, and so does the read model on disk: only the hub's pseudonym key leads
    // from a BSN to them.)
    let view = hub
        .households()
        .await
        .get_household(by_id(&household, erased.position))
        .await
        .expect("view")
        .into_inner();
    assert_eq!(named(&prost::Message::encode_to_vec(&view)), None);
    let entries = hub
        .households()
        .await
        .get_timeline(v1::GetTimelineRequest {
            page_size: 500,
            ..timeline(&household, erased.position)
        })
        .await
        .expect("timeline")
        .into_inner();
    assert_eq!(named(&prost::Message::encode_to_vec(&entries)), None);
}

#[test_log::test(tokio::test(flavor = "multi_thread", worker_threads = 2))]
async fn an_erasure_that_cannot_destroy_the_key_shows_nothing_erased_and_a_retry_finishes() {
    let hub = TestHub::start().await;
    let posted = hub
        .post_wijkteam("wissen-mislukt", &[("111222333", "Fatima")], "zorgen")
        .await;
    // The key store takes no more changes: destroying the key fails.
    let jetstream = hub.jetstream().await;
    let stream_name = format!("KV_{}", rondom_bus::stream::KEYS_BUCKET);
    let mut keys = jetstream
        .get_stream(&stream_name)
        .await
        .expect("key stream");
    let held = keys.info().await.expect("info").state.messages;
    let mut config = keys.cached_info().config.clone();
    let limit = config.max_messages;
    config.max_messages = i64::try_from(held).expect("count");
    jetstream.update_stream(&config).await.expect("limited");
    let mut operator = OperatorServiceClient::new(hub.client_for(DevClient::Operator).await);
    operator
        .erase_household(erase(
            &posted.household_id,
            v1::ErasureReason::VerzoekBetrokkene,
        ))
        .await
        .expect_err("the key cannot be destroyed");
    // Nothing says it is erased while its key still opens what was sealed.
    let last = hub.events().await.last().expect("events").0;
    hub.wait_applied(last).await;
    let view = hub
        .households()
        .await
        .get_household(by_id(&posted.household_id, last))
        .await
        .expect("view")
        .into_inner()
        .household
        .expect("household");
    assert!(view.erasure.is_none(), "shown erased with its key alive");
    // The operator (or the retention task) tries again, and it is done.
    config.max_messages = limit;
    jetstream.update_stream(&config).await.expect("unlimited");
    let erased = operator
        .erase_household(erase(
            &posted.household_id,
            v1::ErasureReason::VerzoekBetrokkene,
        ))
        .await
        .expect("erased")
        .into_inner();
    assert!(!erased.already_erased);
    let stored = jetstream
        .get_key_value(rondom_bus::stream::KEYS_BUCKET)
        .await
        .expect("bucket")
        .get(&posted.household_id)
        .await
        .expect("get");
    assert!(
        stored.is_some_and(|value| value.is_empty()),
        "only the tombstone"
    );
}
