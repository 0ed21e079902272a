//! Partners follow their households through subscriptions that resume without loss or
//! repetition: from the last position they received, or server-side through a durable
//! subscription they acknowledge, also across a restart of the hub.

use rondom_domain::Pillar;
use std::time::Duration;

use rondom_cli::scenario;
use rondom_e2e::{DevClient, Subscription, TestHub};
use rondom_proto::v1;
use rondom_proto::v1::jeugd_service_client::JeugdServiceClient;
use rondom_proto::v1::signal_service_client::SignalServiceClient;

async fn loaded() -> TestHub {
    let hub = TestHub::start().await;
    let runner = rondom_e2e::load_family(hub.scenario_connections().await).await;
    // Wait until the projector has applied everything: a subscription judges each event
    // against the view, so it would wait anyway; this keeps QUIET meaningful.
    hub.wait_applied(runner.position).await;
    hub
}

fn jeugd(start: Option<v1::open_subscription::Start>, durable: &str) -> v1::OpenSubscription {
    v1::OpenSubscription {
        purpose: v1::Purpose::UitvoeringJeugdwet as i32,
        start,
        durable_name: durable.to_owned(),
        ..Default::default()
    }
}

/// Opens `open` as the jeugd partner.
async fn jeugd_partner(hub: &TestHub, open: v1::OpenSubscription) -> Subscription {
    Subscription::open(
        hub.client_for(DevClient::Partner(Pillar::Jeugd)).await,
        open,
    )
    .await
}

#[test_log::test(tokio::test(flavor = "multi_thread", worker_threads = 2))]
async fn reconnecting_after_the_last_position_received_yields_exactly_the_rest() {
    let hub = loaded().await;
    let all = jeugd_partner(&hub, jeugd(None, "")).await.rest().await;
    assert!(
        all.len() >= 5,
        "the jeugd partner follows the family: {all:?}"
    );
    assert!(
        all.windows(2).all(|pair| pair[0] < pair[1]),
        "in stream order"
    );

    // Cut at several points, spread over the stream, including the very first and last.
    let mut cuts = vec![1, all.len() - 1];
    let mut seed = 0x2545_f491_u64;
    for _ in 0..3 {
        seed = seed.wrapping_mul(6_364_136_223_846_793_005).wrapping_add(1);
        cuts.push(1 + (seed >> 33) as usize % (all.len() - 1));
    }
    for cut in cuts {
        let mut first = jeugd_partner(&hub, jeugd(None, "")).await;
        let mut received = Vec::new();
        while received.len() < cut {
            received.push(first.next().await.expect("delivery").position);
        }
        drop(first);
        let last = *received.last().expect("one");
        let mut again = jeugd_partner(
            &hub,
            jeugd(Some(v1::open_subscription::Start::AfterPosition(last)), ""),
        )
        .await;
        received.extend(again.rest().await);
        assert_eq!(received, all, "cut after {cut}");
    }
}

/// Partners following the same events share one consumer on the server (the server sends
/// each event once, not once per partner); each still gets all of it, in order.
#[test_log::test(tokio::test(flavor = "multi_thread", worker_threads = 2))]
async fn subscriptions_of_the_same_events_share_one_consumer() {
    let hub = loaded().await;
    let mut events = hub
        .jetstream()
        .await
        .get_stream(rondom_bus::stream::EVENTS_STREAM)
        .await
        .expect("event stream");
    let before = events.info().await.expect("info").state.consumer_count;
    let mut first = jeugd_partner(&hub, jeugd(None, "")).await;
    let mut second = jeugd_partner(&hub, jeugd(None, "")).await;
    let (all, again) = (first.rest().await, second.rest().await);
    assert!(
        all.len() >= 5,
        "the jeugd partner follows the family: {all:?}"
    );
    assert_eq!(again, all);
    assert_eq!(
        events.info().await.expect("info").state.consumer_count,
        before + 1,
        "one consumer for both"
    );
}

#[test_log::test(tokio::test(flavor = "multi_thread", worker_threads = 2))]
async fn a_durable_subscription_resumes_after_its_last_acknowledgement_across_a_restart() {
    let mut hub = loaded().await;
    let all = jeugd_partner(&hub, jeugd(None, "")).await.rest().await;

    // Receive three, acknowledge two, go away.
    let mut durable = jeugd_partner(&hub, jeugd(None, "hoofd")).await;
    let mut received = Vec::new();
    for _ in 0..3 {
        received.push(durable.next().await.expect("delivery").position);
    }
    durable.ack(received[1]).await;
    // Let the acknowledgement reach the hub before the stream goes.
    tokio::time::sleep(Duration::from_millis(300)).await;
    drop(durable);

    // Back again: the unacknowledged third comes first, then the rest, nothing twice.
    let mut durable = Subscription::reopen(
        hub.client_for(DevClient::Partner(Pillar::Jeugd)).await,
        jeugd(None, "hoofd"),
    )
    .await;
    let rest = durable.rest().await;
    assert_eq!(
        rest.first(),
        Some(&received[2]),
        "the unacknowledged one again: {received:?} then {rest:?} of {all:?}"
    );
    let mut together = received[..2].to_vec();
    together.extend(&rest);
    assert_eq!(together, all);
    durable.ack(*all.last().expect("events")).await;
    tokio::time::sleep(Duration::from_millis(300)).await;
    drop(durable);

    // A restart of the hub; meanwhile the jeugd team records something new.
    hub.restart().await;
    let written =
        JeugdServiceClient::new(hub.client_for(DevClient::BackOffice(Pillar::Jeugd)).await)
            .register_veilig_thuis(v1::RegisterVeiligThuisRequest {
                context: Some(v1::WriteContext {
                    idempotency_key: "vt-na-herstart".into(),
                    source_system: "jeugd-backoffice".into(),
                    gemeente_code: scenario::GEMEENTE.into(),
                    persons: vec![rondom_e2e::zoon()],
                    occurred_at: Some(rondom_proto::convert::timestamp(chrono::Utc::now())),
                    case_id: scenario::CASE_JEUGD.into(),
                    note: String::new(),
                }),
                veilig_thuis: Some(v1::VeiligThuisBetrokken {
                    organisatie: "Veilig Thuis Amsterdam-Amstelland".into(),
                    contact: String::new(),
                }),
            })
            .await
            .expect("written")
            .into_inner();
    let mut durable = jeugd_partner(&hub, jeugd(None, "hoofd")).await;
    assert_eq!(durable.rest().await, [written.position], "only what is new");
}

#[test_log::test(tokio::test(flavor = "multi_thread", worker_threads = 2))]
async fn one_reader_per_durable_subscription_and_filters_are_kept() {
    let hub = loaded().await;
    let first = jeugd_partner(&hub, jeugd(None, "enkel")).await;
    let second = Subscription::try_open(
        hub.client_for(DevClient::Partner(Pillar::Jeugd)).await,
        jeugd(None, "enkel"),
    )
    .await
    .expect_err("one reader at a time");
    assert_eq!(second.code(), tonic::Code::FailedPrecondition);
    drop(first);

    // Filters: only the jeugd pillar's own events, then only one kind of them.
    let mut only_jeugd = jeugd_partner(
        &hub,
        v1::OpenSubscription {
            pillars: vec![v1::Pillar::Jeugd as i32],
            kinds: vec!["jeugdhulp_toegewezen".into()],
            ..jeugd(None, "")
        },
    )
    .await;
    let delivery = only_jeugd.next().await.expect("the toewijzing");
    assert_eq!(delivery.kind, "jeugdhulp_toegewezen");
    assert_eq!(delivery.sight, v1::Sight::Full as i32);
    assert!(
        delivery
            .persons
            .iter()
            .any(|person| person.bsn == scenario::ZOON.bsn),
        "the partner gets its client's BSN over its own authenticated stream"
    );
    assert!(only_jeugd.next().await.is_none(), "nothing else");
}

/// A start after the last position there can ever be is a quiet subscription, not a crash
/// of the hub.
#[test_log::test(tokio::test(flavor = "multi_thread", worker_threads = 2))]
async fn a_start_after_the_last_possible_position_delivers_nothing() {
    let hub = loaded().await;
    let mut beyond = jeugd_partner(
        &hub,
        jeugd(
            Some(v1::open_subscription::Start::AfterPosition(u64::MAX)),
            "",
        ),
    )
    .await;
    assert_eq!(beyond.rest().await, Vec::<u64>::new());
    let all = jeugd_partner(&hub, jeugd(None, "")).await.rest().await;
    assert!(all.len() >= 5, "the hub still serves: {all:?}");
}

#[test_log::test(tokio::test(flavor = "multi_thread", worker_threads = 2))]
async fn subscriptions_start_live_or_at_a_time() {
    let hub = loaded().await;
    let coordinator = |start| v1::OpenSubscription {
        purpose: v1::Purpose::Regie as i32,
        start: Some(start),
        ..Default::default()
    };
    use v1::open_subscription::Start;
    let tomorrow = rondom_proto::convert::timestamp(chrono::Utc::now() + chrono::Duration::days(1));
    let from_tomorrow = Subscription::open(
        hub.client_for(DevClient::Coordinator).await,
        coordinator(Start::FromTime(tomorrow)),
    )
    .await
    .rest()
    .await;
    assert_eq!(
        from_tomorrow, [0u64; 0],
        "nothing was recorded after tomorrow"
    );
    let epoch = rondom_proto::convert::timestamp(chrono::DateTime::UNIX_EPOCH);
    let from_epoch = Subscription::open(
        hub.client_for(DevClient::Coordinator).await,
        coordinator(Start::FromTime(epoch)),
    )
    .await
    .rest()
    .await;
    assert!(from_epoch.len() > 10, "everything: {from_epoch:?}");

    let mut live = Subscription::open(
        hub.client_for(DevClient::Coordinator).await,
        coordinator(Start::LiveOnly(true)),
    )
    .await;
    let posted = SignalServiceClient::new(hub.client_for(DevClient::Wijkteam).await)
        .post_signal(rondom_e2e::signal(
            "live-1",
            &[(scenario::MOEDER.bsn, "")],
            v1::Pillar::Schuldhulp,
            "betalingsachterstand",
            "energierekening",
        ))
        .await
        .expect("posted")
        .into_inner();
    let delivery = live.next().await.expect("the new signal");
    assert_eq!(delivery.position, posted.position);
    assert_eq!(
        delivery.summary, "energierekening",
        "the coordinator sees it in full"
    );
    assert!(live.next().await.is_none(), "and nothing older");
}

#[test_log::test(tokio::test(flavor = "multi_thread", worker_threads = 2))]
async fn a_durable_subscription_that_does_not_acknowledge_is_held_back() {
    let hub = TestHub::start().await;
    let mut signals = SignalServiceClient::new(hub.client_for(DevClient::Wijkteam).await);
    let total = rondom_subscriptions::handler::MAX_ACK_PENDING as u64 + 20;
    let mut last = 0;
    for index in 0..total {
        last = signals
            .post_signal(rondom_e2e::signal(
                &format!("druk-{index}"),
                &[(scenario::MOEDER.bsn, "")],
                v1::Pillar::Schuldhulp,
                "betalingsachterstand",
                "",
            ))
            .await
            .expect("posted")
            .into_inner()
            .position;
    }
    hub.wait_applied(last).await;
    let open = v1::OpenSubscription {
        purpose: v1::Purpose::Regie as i32,
        durable_name: "traag".into(),
        ..Default::default()
    };
    let mut slow = Subscription::open(hub.client_for(DevClient::Coordinator).await, open).await;
    let held_back = slow.rest().await;
    assert_eq!(
        held_back.len() as i64,
        rondom_subscriptions::handler::MAX_ACK_PENDING,
        "no more than may wait for an acknowledgement"
    );
    slow.ack(*held_back.last().expect("deliveries")).await;
    let rest = slow.rest().await;
    assert_eq!(held_back.len() + rest.len(), total as usize);
    assert_eq!(rest.last(), Some(&last));
}

#[test_log::test(tokio::test(flavor = "multi_thread", worker_threads = 2))]
async fn a_subscription_ends_when_its_token_expires() {
    let token = "jeugdzorg-kort-token";
    // Whole seconds, as the clients file holds it.
    let expires_at =
        chrono::DateTime::from_timestamp(chrono::Utc::now().timestamp() + 4, 0).expect("a time");
    let hub = TestHub::start_with_more_clients(&format!(
        "[[client]]\nid = \"jeugdzorg-kort\"\nrole = \"partner\"\npillar = \"jeugd\"\n\
         organisatie = \"12345678\"\ntoken_sha256 = \"{}\"\nexpires_at = \"{}\"\n",
        hex::encode(rondom_access::clients::token_hash(token)),
        expires_at.to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
    ))
    .await;
    let mut subscription =
        Subscription::open(hub.connect(Some(token)).await, jeugd(None, "")).await;
    let ended = subscription
        .ended(Duration::from_secs(15))
        .await
        .expect("the hub ends it");
    assert_eq!(ended.code(), tonic::Code::Unauthenticated, "{ended:?}");
    assert!(
        chrono::Utc::now() >= expires_at,
        "not before the token expired"
    );
    let again = Subscription::try_open(hub.connect(Some(token)).await, jeugd(None, ""))
        .await
        .expect_err("an expired token opens nothing");
    assert_eq!(again.code(), tonic::Code::Unauthenticated);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn revoking_a_token_in_the_clients_file_ends_its_subscription_without_a_restart() {
    let token = "jeugdzorg-gelekt-token";
    let entry = |revoked: bool| {
        format!(
            "[[client]]\nid = \"jeugdzorg-gelekt\"\nrole = \"partner\"\npillar = \"jeugd\"\n\
             organisatie = \"12345678\"\ntoken_sha256 = \"{}\"\nrevoked = {revoked}\n",
            hex::encode(rondom_access::clients::token_hash(token)),
        )
    };
    let hub = TestHub::start_with_more_clients(&entry(false)).await;
    let mut subscription =
        Subscription::open(hub.connect(Some(token)).await, jeugd(None, "")).await;

    // The operator marks the token revoked in the clients file, as after a leak.
    let file = std::fs::read_to_string(hub.clients_file()).expect("clients file");
    let revoked = file.replace(&entry(false), &entry(true));
    assert_ne!(file, revoked);
    std::fs::write(hub.clients_file(), revoked).expect("write the clients file");

    let ended = subscription
        .ended(Duration::from_secs(15))
        .await
        .expect("the hub ends it");
    assert_eq!(ended.code(), tonic::Code::Unauthenticated, "{ended:?}");
    assert!(ended.message().contains("revoked"), "{ended:?}");
    let again = Subscription::try_open(hub.connect(Some(token)).await, jeugd(None, ""))
        .await
        .expect_err("a revoked token opens nothing");
    assert_eq!(again.code(), tonic::Code::Unauthenticated);
    // The other clients were read again with it and still call.
    hub.households()
        .await
        .list_households(rondom_e2e::worklist())
        .await
        .expect("the coordinator still reads");
}

#[test_log::test(tokio::test(flavor = "multi_thread", worker_threads = 2))]
async fn a_provider_is_sent_the_persons_of_its_own_case_only() {
    let hub = loaded().await;
    // Without a basis (the family's aanpak ended): under it the provider knows the members it
    // covers.
    let family = hub
        .households()
        .await
        .get_household(rondom_e2e::by_bsn(scenario::ZOON.bsn, 0))
        .await
        .expect("the family")
        .into_inner()
        .household
        .expect("household")
        .household_id;
    rondom_e2e::end_aanpak(hub.client_for(DevClient::Coordinator).await, &family, 0).await;
    // The jeugd back-office records an objection in the son's case naming his mother too.
    let moeder = v1::PersonRef {
        bsn: scenario::MOEDER.bsn.into(),
        display_name: scenario::MOEDER.name.into(),
        birth_date: None,
    };
    let written =
        JeugdServiceClient::new(hub.client_for(DevClient::BackOffice(Pillar::Jeugd)).await)
            .receive_bezwaar(v1::ReceiveBezwaarRequest {
                context: Some(v1::WriteContext {
                    idempotency_key: "bezwaar-met-moeder".into(),
                    source_system: "jeugd-backoffice".into(),
                    gemeente_code: scenario::GEMEENTE.into(),
                    persons: vec![rondom_e2e::zoon(), moeder],
                    occurred_at: Some(rondom_proto::convert::timestamp(chrono::Utc::now())),
                    case_id: scenario::CASE_JEUGD.into(),
                    note: String::new(),
                }),
                bezwaar: Some(v1::BezwaarOntvangen {
                    bezwaartermijn_einde: Some(rondom_proto::convert::proto_date(
                        chrono::Utc::now().date_naive(),
                    )),
                    adviescommissie: false,
                }),
            })
            .await
            .expect("written")
            .into_inner();
    let mut subscription = jeugd_partner(
        &hub,
        v1::OpenSubscription {
            kinds: vec!["bezwaar_ontvangen".into()],
            ..jeugd(None, "")
        },
    )
    .await;
    let delivery = subscription.next().await.expect("the objection");
    assert_eq!(delivery.position, written.position);
    assert_eq!(delivery.sight, v1::Sight::Full as i32);
    let names: Vec<&str> = delivery
        .persons
        .iter()
        .map(|person| person.display_name.as_str())
        .collect();
    assert_eq!(names, [scenario::ZOON.name], "its client, not his mother");
    // Nor by her pseudonym in the payload, nor who at the back-office wrote it.
    let payload = delivery.event.expect("the payload");
    assert!(payload.persons.is_empty(), "{:?}", payload.persons);
    assert_eq!(payload.writer, None);
}

/// Jeugdhulp assigned to the development jeugd partner for a child in each of `count`
/// households of their own, as the back-office writes it; the households and the last
/// position, applied.
async fn assigned(hub: &TestHub, count: u64) -> (Vec<String>, u64) {
    let mut back_office =
        JeugdServiceClient::new(hub.client_for(DevClient::BackOffice(Pillar::Jeugd)).await);
    let provider = DevClient::Partner(Pillar::Jeugd)
        .organisatie()
        .expect("a provider");
    let (mut households, mut last) = (Vec::new(), 0);
    for number in 0..count {
        let written = back_office
            .assign_jeugdhulp(v1::AssignJeugdhulpRequest {
                context: Some(v1::WriteContext {
                    idempotency_key: format!("toewijzing-{number}"),
                    source_system: "jeugd-backoffice".into(),
                    gemeente_code: "0363".into(),
                    persons: vec![v1::PersonRef {
                        bsn: rondom_testkit::bsn(number),
                        display_name: format!("Kind {number}"),
                        // Ten years old whatever day the suite runs: within the Jeugdwet.
                        birth_date: Some(rondom_proto::convert::proto_date(
                            chrono::Utc::now()
                                .date_naive()
                                .checked_sub_months(chrono::Months::new(120))
                                .expect("a date"),
                        )),
                    }],
                    occurred_at: Some(rondom_proto::convert::timestamp(
                        chrono::Utc::now() - chrono::Duration::hours(1),
                    )),
                    case_id: format!("JW-{number}"),
                    note: String::new(),
                }),
                jeugdhulp: Some(v1::Jeugdhulp {
                    aanbieder_agb: provider.into(),
                    productcode: "45A48".into(),
                    begindatum: Some(rondom_proto::convert::proto_date(
                        chrono::Utc::now().date_naive(),
                    )),
                    ..Default::default()
                }),
            })
            .await
            .expect("a toewijzing")
            .into_inner();
        households.push(written.household_id);
        last = written.position;
    }
    hub.wait_applied(last).await;
    (households, last)
}

/// The jeugd partner's subscriptions' records in the audit log, by household. Read straight
/// from the stream: through the API the operator's read needs room in the log for its own.
async fn disclosed_by_subscriptions(
    hub: &TestHub,
) -> std::collections::BTreeMap<String, Vec<v1::Disclosure>> {
    let records = rondom_bus::AuditLog::new(hub.jetstream().await)
        .records(&rondom_bus::audit::AuditQuery {
            client_id: Some(DevClient::Partner(Pillar::Jeugd).id()),
            limit: 1000,
            ..Default::default()
        })
        .await
        .expect("the audit log")
        .records;
    let mut disclosed = std::collections::BTreeMap::new();
    for record in records {
        // The opening's own record names no household.
        if record.method == "/rondom.v1.SubscriptionService/Subscribe"
            && !record.household_id.is_empty()
        {
            disclosed
                .entry(record.household_id)
                .or_insert_with(Vec::new)
                .extend(record.disclosed);
        }
    }
    disclosed
}

#[test_log::test(tokio::test(flavor = "multi_thread", worker_threads = 2))]
async fn every_household_a_subscription_discloses_is_on_record() {
    let hub = TestHub::start().await;
    // A backlog: the hub judges what is waiting together and records it together.
    let (households, _) = assigned(&hub, 40).await;
    let mut subscription = jeugd_partner(&hub, jeugd(None, "")).await;
    let mut delivered = std::collections::BTreeSet::new();
    while let Some(delivery) = subscription.next().await {
        delivered.insert(delivery.household_id);
    }
    let expected: std::collections::BTreeSet<String> = households.into_iter().collect();
    assert_eq!(delivered, expected, "each toewijzing is delivered");

    let disclosed = disclosed_by_subscriptions(&hub).await;
    assert_eq!(
        disclosed
            .keys()
            .cloned()
            .collect::<std::collections::BTreeSet<_>>(),
        expected,
        "one record per household sent"
    );
    for (household, disclosures) in &disclosed {
        assert!(
            !disclosures.is_empty() && disclosures.iter().all(|d| d.basis == "eigen-taak:jeugd"),
            "{household}: {disclosures:?}"
        );
    }
}

#[test_log::test(tokio::test(flavor = "multi_thread", worker_threads = 2))]
async fn every_delivery_of_a_subscription_is_counted_on_record() {
    let hub = loaded().await;
    let mut subscription = jeugd_partner(&hub, jeugd(None, "")).await;
    // Per household: each fact, and each person named in it.
    let mut sent = std::collections::BTreeMap::<String, u32>::new();
    let mut facts = std::collections::BTreeMap::<String, u32>::new();
    while let Some(delivery) = subscription.next().await {
        let named = delivery
            .persons
            .iter()
            .filter(|person| !person.display_name.is_empty() || !person.bsn.is_empty())
            .count() as u32;
        *sent.entry(delivery.household_id.clone()).or_default() += 1 + named;
        *facts.entry(delivery.household_id).or_default() += 1;
    }
    assert!(
        facts.values().any(|&count| count > 1),
        "several facts of one household: {facts:?}"
    );
    // Not only the first of each kind: a fact of a kind sent before is a disclosure too, and
    // so is each person it names.
    let counted: std::collections::BTreeMap<String, u32> = disclosed_by_subscriptions(&hub)
        .await
        .into_iter()
        .map(|(household, disclosures)| (household, disclosures.iter().map(|d| d.count).sum()))
        .collect();
    assert_eq!(counted, sent);
}

#[test_log::test(tokio::test(flavor = "multi_thread", worker_threads = 2))]
async fn a_subscription_sends_nothing_it_cannot_put_on_record() {
    let hub = TestHub::start_with(rondom_bus::stream::StreamSettings {
        audit_max_bytes: Some(64 * 1024),
        ..Default::default()
    })
    .await;
    // Open (its own record stored), with nothing to send yet.
    let mut subscription = jeugd_partner(&hub, jeugd(None, "")).await;
    // Then the audit log fills up to its last byte: the smallest message no longer fits.
    let jetstream = hub.jetstream().await;
    let mut filler = 0;
    loop {
        let subject = format!("{}.filler.{filler}", rondom_bus::audit::AUDIT_PREFIX);
        let stored = match jetstream.publish(subject, "x".into()).await {
            Ok(ack) => ack.await.is_ok(),
            Err(_) => false,
        };
        if !stored {
            break;
        }
        filler += 1;
        assert!(filler < 100_000, "the audit log never filled");
    }
    // Writes go on (each event names its writer); what the partner would be sent of them
    // cannot be put on record, so none of it goes out.
    assigned(&hub, 5).await;
    let (delivered, ended) = subscription.until_end(Duration::from_secs(30)).await;
    assert!(
        delivered.is_empty(),
        "nothing goes out without its record: {delivered:?}"
    );
    assert_eq!(
        ended.map(|status| status.code()),
        Some(tonic::Code::Unavailable)
    );
    assert!(disclosed_by_subscriptions(&hub).await.is_empty());
}

#[test_log::test(tokio::test(flavor = "multi_thread", worker_threads = 2))]
async fn a_later_copy_of_an_event_no_view_holds_is_not_sent() {
    let hub = TestHub::start_with(rondom_bus::stream::StreamSettings {
        duplicate_window: Duration::from_secs(1),
        ..rondom_bus::stream::StreamSettings::default()
    })
    .await;
    let runner = rondom_e2e::load_family(hub.scenario_connections().await).await;
    hub.wait_applied(runner.position).await;
    let aanvraag = |categorie: &'static str| v1::ReceiveJeugdAanvraagRequest {
        context: Some(v1::WriteContext {
            idempotency_key: "kopie".into(),
            source_system: "jeugd-test".into(),
            gemeente_code: scenario::GEMEENTE.into(),
            persons: vec![rondom_e2e::zoon()],
            occurred_at: Some(rondom_proto::convert::timestamp(chrono::Utc::now())),
            case_id: "JW-KOPIE".into(),
            note: String::new(),
        }),
        aanvraag: Some(v1::JeugdAanvraagOntvangen {
            productcategorie: categorie.into(),
        }),
    };
    let mut backoffice =
        JeugdServiceClient::new(hub.client_for(DevClient::BackOffice(Pillar::Jeugd)).await);
    let first = backoffice
        .receive_aanvraag(aanvraag("45"))
        .await
        .expect("first")
        .into_inner();
    // Waiting out JetStream's duplicate window is the point here, not a race.
    tokio::time::sleep(Duration::from_millis(1500)).await;
    // A writer without the hub's read model beside it retries: the same event lands again.
    let copy = hub.publish_again(first.position).await;
    assert!(copy > first.position, "on the log again");
    hub.wait_applied(copy).await;
    let sent = jeugd_partner(&hub, jeugd(None, "")).await.rest().await;
    assert!(sent.contains(&first.position), "{sent:?}");
    assert!(!sent.contains(&copy), "no view holds the copy: {sent:?}");
}
