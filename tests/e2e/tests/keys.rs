//! Master key rotation while the hub runs and signals stream in: nothing is lost, every
//! household stays readable, and afterwards the old master key is no longer needed.

use rondom_cli::connection::Connection;
use rondom_e2e::{DevClient, TestHub, by_bsn, timeline};
use rondom_lifecycle::master_key as rotation;
use rondom_proto::v1;
use rondom_proto::v1::operator_service_client::OperatorServiceClient;
use rondom_proto::v1::signal_service_client::SignalServiceClient;
use rondom_runtime::keys;

/// The WMO317 of the adapter's tests, sent by the development Wmo provider to the
/// development gemeente about Fatima (111222333).
fn wmo317_for_fatima() -> Vec<u8> {
    rondom_e2e::istandaard_testdata("WMO317.xml")
        .replace(">42420001<", ">87654321<")
        .replace(">0384<", ">0363<")
        .replace(">999900006<", ">111222333<")
        .into_bytes()
}

/// The WMO301 example, from the development gemeente (0363) to the development Wmo provider
/// about Fatima: the toewijzing (101) her 317 asks to change.
fn wmo301_for_fatima() -> Vec<u8> {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../../shared/fixtures/istandaarden-3.2/iwmo/berichten/WMO301.xml");
    std::fs::read_to_string(&path)
        .unwrap_or_else(|err| panic!("{}: {err}", path.display()))
        .replace(">42420001<", ">87654321<")
        .replace(">0384<", ">0363<")
        .replace(">999900006<", ">111222333<")
        .into_bytes()
}

/// The gemeente's answer to it.
fn wmo319_for_fatima() -> Vec<u8> {
    rondom_e2e::istandaard_testdata("WMO319.xml")
        .replace(
            ">42420001</wmo319:Ontvanger>",
            ">87654321</wmo319:Ontvanger>",
        )
        .replace(">0384<", ">0363<")
        .replace(
            ">42420001</wmo319:ReferentieAanbieder>",
            ">R-317-1</wmo319:ReferentieAanbieder>",
        )
        .into_bytes()
}

async fn istandaard(
    hub: &TestHub,
    client: DevClient,
    xml: &[u8],
) -> Result<v1::SubmitResponse, tonic::Status> {
    v1::i_standaard_service_client::IStandaardServiceClient::new(hub.client_for(client).await)
        .submit(v1::SubmitRequest { xml: xml.to_vec() })
        .await
        .map(tonic::Response::into_inner)
}

/// Posts one wijkteam signal per (idempotency key, BSN, number), in order.
async fn post(
    mut signals: SignalServiceClient<Connection>,
    keys: Vec<(String, String, usize)>,
) -> Vec<v1::PostSignalResponse> {
    let mut posted = Vec::new();
    for (key, bsn, number) in keys {
        let reply = signals
            .post_signal(rondom_e2e::signal(
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
    let bsns = rondom_e2e::valid_bsns(160);
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
    // The rotation is on the audit log.
    let on_record = hub.audit_of("rondom-keys-rotate", "").await;
    assert_eq!(on_record.len(), 1, "{on_record:?}");
    assert!(
        on_record[0].reason.contains(&rotated.current),
        "{on_record:?}"
    );

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

#[test_log::test(tokio::test(flavor = "multi_thread", worker_threads = 2))]
async fn rotating_the_pseudonym_key_keeps_every_person_in_their_household() {
    let mut hub = TestHub::start().await;
    let key_dir = hub.data_dir().join("keys");
    let family = hub
        .post_wijkteam(
            "gezin",
            &[("111222333", "Fatima"), ("123456782", "Yusuf")],
            "zorgen",
        )
        .await;
    let neighbour = hub
        .post_wijkteam("buur", &[("999990342", "Buur")], "alleen")
        .await;
    let gone = hub
        .post_wijkteam("weg", &[("012345672", "Weg")], "weg")
        .await;
    OperatorServiceClient::new(hub.client_for(DevClient::Operator).await)
        .erase_household(v1::EraseHouseholdRequest {
            household_id: gone.household_id.clone(),
            reden: v1::ErasureReason::VerzoekBetrokkene as i32,
        })
        .await
        .expect("erased");
    // The Wmo provider asks to change care for Fatima (a 317) it was assigned: the gemeente's
    // answer, which names no person, must still find her household after the rotation.
    istandaard(
        &hub,
        DevClient::BackOffice(rondom_domain::Pillar::Wmo),
        &wmo301_for_fatima(),
    )
    .await
    .expect("the 301");
    istandaard(
        &hub,
        DevClient::Partner(rondom_domain::Pillar::Wmo),
        &wmo317_for_fatima(),
    )
    .await
    .expect("the 317");
    let old_keys = keys::Keys::load_or_generate(&key_dir).expect("keys");
    let old_key = old_keys.pseudonym.clone();

    // Planned: the hub stops, every person is renewed, the new key goes in, the hub starts.
    hub.stop().await;
    let client = rondom_bus::connect(hub.nats.url()).await.expect("NATS");
    let jetstream = rondom_bus::jetstream(client);
    let new_key = keys::next_pseudonym_key(&key_dir).expect("next key");
    let generations = rondom_projector::Generations::new(hub.data_dir().join("projector"));
    let renew = async || {
        rondom_lifecycle::pseudonyms::renew_all(
            &jetstream,
            &generations,
            &old_keys,
            &new_key,
            Default::default(),
        )
        .await
        .expect("renew")
    };
    let renewal = renew().await;
    assert_eq!((renewal.households, renewal.persons), (2, 3), "{renewal:?}");
    // The renewal is on the audit log (read straight from it: the hub is stopped).
    let on_record = rondom_bus::AuditLog::new(jetstream.clone())
        .records(&rondom_bus::audit::AuditQuery {
            client_id: Some("rondom-pseudonyms-renew".into()),
            household_id: None,
            after: 0,
            since: None,
            until: None,
            limit: 10,
        })
        .await
        .expect("the audit log")
        .records;
    assert_eq!(on_record.len(), 1, "{on_record:?}");
    // Run again before the key went in (as after an interruption): the read model catches up
    // with the renewals first, so nobody is renewed twice.
    assert_eq!(renew().await, Default::default());
    keys::promote_pseudonym_key(&key_dir).expect("promote");
    assert_ne!(old_key.id(), new_key.id());
    hub.start_again().await;

    let last = hub.events().await.last().expect("events").0;
    let mut households = hub.households().await;
    for (bsn, household, name) in [
        ("111222333", &family.household_id, "Fatima"),
        ("123456782", &family.household_id, "Yusuf"),
        ("999990342", &neighbour.household_id, "Buur"),
    ] {
        let view = households
            .get_household(by_bsn(bsn, last))
            .await
            .expect("found by BSN under the new key")
            .into_inner()
            .household
            .expect("household");
        assert_eq!(&view.household_id, household);
        let member = view
            .members
            .iter()
            .find(|member| member.display_name == name)
            .expect("member");
        let bsn: rondom_domain::Bsn = bsn.parse().expect("bsn");
        let household = household.parse().expect("household id");
        assert_eq!(
            member.pseudonym,
            new_key.in_household(&bsn, &household).to_string()
        );
    }
    // The gemeente's answer finds the request under the new key.
    let answered = istandaard(
        &hub,
        DevClient::BackOffice(rondom_domain::Pillar::Wmo),
        &wmo319_for_fatima(),
    )
    .await
    .expect("the 319 finds the request after the rotation");
    assert_eq!(answered.events[0].household_id, family.household_id);
    // The registry holds only the new pseudonyms.
    let persons =
        rondom_bus::stream::bucket(&hub.jetstream().await, rondom_bus::stream::PERSONS_BUCKET)
            .await
            .expect("registry");
    let fatima: rondom_domain::Bsn = "111222333".parse().expect("bsn");
    assert!(
        persons
            .get(old_key.pseudonym(&fatima).to_string())
            .await
            .expect("get")
            .is_none()
    );
    assert_eq!(
        persons
            .get(new_key.pseudonym(&fatima).to_string())
            .await
            .expect("get"),
        Some(family.household_id.clone().into())
    );

    // A new signal about Yusuf joins his household: no split.
    let later = hub
        .signals()
        .await
        .post_signal(rondom_e2e::signal(
            "later",
            &[("123456782", "Yusuf")],
            v1::Pillar::Wijkteam,
            "eenzaamheid",
            "weer",
        ))
        .await
        .expect("posted")
        .into_inner();
    assert_eq!(later.household_id, family.household_id);
    let view = households
        .get_household(by_bsn("123456782", later.position))
        .await
        .expect("view")
        .into_inner()
        .household
        .expect("household");
    assert_eq!(view.members.len(), 2, "still Fatima and Yusuf");

    // A rebuild from the log reaches the same pseudonyms.
    hub.stop().await;
    hub.rebuild(3).await.expect("rebuild");
    hub.start_again().await;
    let rebuilt = hub
        .households()
        .await
        .get_household(by_bsn("123456782", later.position))
        .await
        .expect("found after a rebuild")
        .into_inner()
        .household
        .expect("household");
    assert_eq!(rebuilt.members, view.members);
}
