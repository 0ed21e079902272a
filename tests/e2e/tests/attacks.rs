//! Who may write what, tried as an attacker would against a real hub: every development
//! credential and clients of another gemeente attempt the writes and reads that worked before
//! writes were guarded. Each attempt is refused, publishes nothing and reveals nothing; the
//! legitimate path next to it still works.

use rondom_cli::connection::{Connection, authed};
use rondom_cli::scenario::{self, CASE_JEUGD, MOEDER, OMA, ZOON};
use rondom_domain::Pillar;
use rondom_e2e::{DevClient, Subscription, TestHub, by_bsn, by_id, timeline, worklist};
use rondom_proto::convert::timestamp;
use rondom_proto::v1;
use rondom_proto::v1::audit_service_client::AuditServiceClient;
use rondom_proto::v1::household_service_client::HouseholdServiceClient;
use rondom_proto::v1::jeugd_service_client::JeugdServiceClient;
use rondom_proto::v1::regie_service_client::RegieServiceClient;
use rondom_proto::v1::signal_service_client::SignalServiceClient;
use rondom_proto::v1::wmo_service_client::WmoServiceClient;
use tonic::Code;

/// The tokens of the clients of another gemeente (Leeuwarden, 0080) and of a second
/// wijkteam system of 0363.
const REGIE_LEEUWARDEN: &str = "regie-leeuwarden-token";
const WIJKTEAM_LEEUWARDEN: &str = "wijkteam-leeuwarden-token";
const WIJKTEAM_ZUID: &str = "wijkteam-zuid-token";

async fn hub() -> TestHub {
    let hash = |token: &str| hex::encode(rondom_access::clients::token_hash(token));
    TestHub::start_with_more_clients(&format!(
        "[[client]]\nid = \"regie-leeuwarden\"\nrole = \"coordinator\"\ngemeenten = [\"0080\"]\n\
         token_sha256 = \"{}\"\n\n\
         [[client]]\nid = \"wijkteam-leeuwarden\"\nrole = \"wijkteam\"\ngemeenten = [\"0080\"]\n\
         token_sha256 = \"{}\"\n\n\
         [[client]]\nid = \"wijkteam-zuid\"\nrole = \"wijkteam\"\ngemeenten = [\"0363\"]\n\
         token_sha256 = \"{}\"\n",
        hash(REGIE_LEEUWARDEN),
        hash(WIJKTEAM_LEEUWARDEN),
        hash(WIJKTEAM_ZUID),
    ))
    .await
}

/// A wijkteam signal (eenzaamheid) for Leeuwarden.
fn in_leeuwarden(key: &str, persons: &[(&str, &str)], summary: &str) -> v1::PostSignalRequest {
    v1::PostSignalRequest {
        gemeente_code: "0080".into(),
        ..rondom_e2e::signal(key, persons, v1::Pillar::Wijkteam, "eenzaamheid", summary)
    }
}

async fn as_token(hub: &TestHub, token: &str) -> Connection {
    authed(hub.raw_channel().await, Some(token)).expect("token")
}

/// A jeugd write context about the scenario's son, for case `case`.
fn jeugd_context(key: &str, case: &str) -> Option<v1::WriteContext> {
    Some(v1::WriteContext {
        idempotency_key: key.into(),
        source_system: "aanbieder-app".into(),
        gemeente_code: scenario::GEMEENTE.into(),
        persons: vec![rondom_e2e::zoon()],
        occurred_at: Some(timestamp(chrono::Utc::now() - chrono::Duration::hours(1))),
        case_id: case.into(),
        note: String::new(),
    })
}

fn jeugdhulp(aanbieder: &str) -> Option<v1::Jeugdhulp> {
    Some(v1::Jeugdhulp {
        aanbieder_agb: aanbieder.into(),
        productcode: "45A48".into(),
        begindatum: Some(rondom_proto::convert::proto_date(
            chrono::Utc::now().date_naive() - chrono::Days::new(1),
        )),
        ..Default::default()
    })
}

/// The jeugd provider of the development clients (organisatie 12345678).
fn provider_agb() -> &'static str {
    DevClient::Partner(Pillar::Jeugd)
        .organisatie()
        .expect("a provider organisation")
}

fn household_read(bsn: &str, purpose: v1::Purpose) -> v1::GetHouseholdRequest {
    v1::GetHouseholdRequest {
        purpose: purpose as i32,
        ..by_bsn(bsn, 0)
    }
}

#[test_log::test(tokio::test)]
async fn a_provider_cannot_make_itself_involved_or_write_the_colleges_decisions() {
    let hub = hub().await;
    // The household exists: the wijkteam wrote about the son.
    hub.post_wijkteam("s-1", &[(ZOON.bsn, ZOON.name)], "zorgen om Daan")
        .await;
    let mut provider =
        JeugdServiceClient::new(hub.client_for(DevClient::Partner(Pillar::Jeugd)).await);
    let before = hub.stream_messages().await;

    // The college's decisions are the back-office's: the provider may not assign itself.
    let assign = provider
        .assign_jeugdhulp(v1::AssignJeugdhulpRequest {
            context: jeugd_context("self-assign", CASE_JEUGD),
            jeugdhulp: jeugdhulp(provider_agb()),
        })
        .await
        .expect_err("a provider assigning itself");
    assert_eq!(assign.code(), Code::PermissionDenied, "{assign:?}");
    let beschikking = provider
        .issue_beschikking(v1::IssueJeugdBeschikkingRequest {
            context: jeugd_context("self-beschikking", CASE_JEUGD),
            beschikking: None,
        })
        .await
        .expect_err("a provider deciding");
    assert_eq!(beschikking.code(), Code::PermissionDenied);

    // Starting care that nobody assigned to it: refused, as for a person it never heard of.
    let start = provider
        .start_jeugdhulp(v1::StartJeugdhulpRequest {
            context: jeugd_context("self-start", CASE_JEUGD),
            jeugdhulp: jeugdhulp(provider_agb()),
        })
        .await
        .expect_err("care without a toewijzing");
    assert_eq!(start.code(), Code::PermissionDenied, "{start:?}");
    let mut stranger = jeugd_context("stranger", CASE_JEUGD);
    if let Some(context) = stranger.as_mut() {
        context.persons[0].bsn = "999990342".into();
    }
    let unknown = provider
        .start_jeugdhulp(v1::StartJeugdhulpRequest {
            context: stranger,
            jeugdhulp: jeugdhulp(provider_agb()),
        })
        .await
        .expect_err("care for nobody's household");
    assert_eq!(
        (unknown.code(), unknown.message()),
        (start.code(), start.message())
    );
    assert_eq!(hub.stream_messages().await, before, "nothing was published");

    // It reads nothing of the household: not the view, not through a subscription.
    let mut households =
        HouseholdServiceClient::new(hub.client_for(DevClient::Partner(Pillar::Jeugd)).await);
    let read = households
        .get_household(household_read(ZOON.bsn, v1::Purpose::UitvoeringJeugdwet))
        .await
        .expect_err("not involved");
    assert_eq!(read.code(), Code::NotFound);

    // Assigned by the back-office to another provider: still not its to start, not even
    // naming the other provider's code.
    let mut college =
        JeugdServiceClient::new(hub.client_for(DevClient::BackOffice(Pillar::Jeugd)).await);
    college
        .assign_jeugdhulp(v1::AssignJeugdhulpRequest {
            context: jeugd_context("toewijzing-ander", CASE_JEUGD),
            jeugdhulp: jeugdhulp("87654321"),
        })
        .await
        .expect("the back-office assigns");
    let before = hub.stream_messages().await;
    for aanbieder in [provider_agb(), "87654321"] {
        let refused = provider
            .start_jeugdhulp(v1::StartJeugdhulpRequest {
                context: jeugd_context(&format!("start-{aanbieder}"), CASE_JEUGD),
                jeugdhulp: jeugdhulp(aanbieder),
            })
            .await
            .expect_err("not assigned to this provider");
        assert_eq!(
            refused.code(),
            Code::PermissionDenied,
            "{aanbieder}: {refused:?}"
        );
    }
    assert_eq!(hub.stream_messages().await, before, "nothing was published");

    // The legitimate path: assigned to it, it starts the care and then reads the household.
    college
        .assign_jeugdhulp(v1::AssignJeugdhulpRequest {
            context: jeugd_context("toewijzing", CASE_JEUGD),
            jeugdhulp: jeugdhulp(provider_agb()),
        })
        .await
        .expect("the back-office assigns");
    // Assigned now, it still reports only its own care, never the other provider's.
    let before = hub.stream_messages().await;
    let other = provider
        .start_jeugdhulp(v1::StartJeugdhulpRequest {
            context: jeugd_context("start-other", CASE_JEUGD),
            jeugdhulp: jeugdhulp("87654321"),
        })
        .await
        .expect_err("another provider's care");
    assert_eq!(other.code(), Code::PermissionDenied, "{other:?}");
    let mut elsewhere = jeugd_context("start-elsewhere", CASE_JEUGD);
    if let Some(context) = elsewhere.as_mut() {
        context.gemeente_code = "0080".into();
    }
    let elsewhere = provider
        .start_jeugdhulp(v1::StartJeugdhulpRequest {
            context: elsewhere,
            jeugdhulp: jeugdhulp(provider_agb()),
        })
        .await
        .expect_err("the toewijzing is 0363's");
    assert_eq!(elsewhere.code(), Code::PermissionDenied, "{elsewhere:?}");
    assert_eq!(hub.stream_messages().await, before, "nothing was published");
    let started = provider
        .start_jeugdhulp(v1::StartJeugdhulpRequest {
            context: jeugd_context("start", CASE_JEUGD),
            jeugdhulp: jeugdhulp(provider_agb()),
        })
        .await
        .expect("assigned care starts")
        .into_inner();
    let view = households
        .get_household(v1::GetHouseholdRequest {
            min_position: started.position,
            ..household_read(ZOON.bsn, v1::Purpose::UitvoeringJeugdwet)
        })
        .await
        .expect("involved now")
        .into_inner();
    assert_eq!(
        view.household.map(|h| h.household_id),
        Some(started.household_id)
    );
}

#[test_log::test(tokio::test)]
async fn a_provider_sees_only_what_happened_while_it_was_involved() {
    let hub = TestHub::start().await;
    let runner = rondom_e2e::load_family(hub.scenario_connections().await).await;
    let household = runner.family_household().expect("family").to_owned();
    hub.wait_applied(runner.position).await;
    let events = hub.events().await;
    let assigned = events
        .iter()
        .find(|(_, event)| event.household_id == household && event.kind == "jeugdhulp_toegewezen")
        .map(|(at, _)| *at)
        .expect("the family's jeugdhulp is assigned");

    let entries =
        HouseholdServiceClient::new(hub.client_for(DevClient::Partner(Pillar::Jeugd)).await)
            .get_timeline(v1::GetTimelineRequest {
                purpose: v1::Purpose::UitvoeringJeugdwet as i32,
                oldest_first: true,
                page_size: 500,
                ..timeline(&household, runner.position)
            })
            .await
            .expect("the jeugd provider reads its family")
            .into_inner()
            .entries;
    assert!(!entries.is_empty());
    assert!(
        entries.iter().all(|entry| entry.position >= assigned),
        "nothing from before its toewijzing at {assigned}: {:?}",
        entries.iter().map(|e| e.position).collect::<Vec<_>>()
    );

    // Its subscription from the start delivers the same: nothing from before.
    let mut subscription = Subscription::open(
        hub.client_for(DevClient::Partner(Pillar::Jeugd)).await,
        v1::OpenSubscription {
            purpose: v1::Purpose::UitvoeringJeugdwet as i32,
            ..Default::default()
        },
    )
    .await;
    let delivered = subscription.rest().await;
    assert!(!delivered.is_empty());
    assert!(
        delivered.iter().all(|position| *position >= assigned),
        "{delivered:?}"
    );
}

#[test_log::test(tokio::test)]
async fn another_gemeentes_clients_cannot_write_into_a_household_or_learn_it_exists() {
    let hub = hub().await;
    let family = hub
        .post_wijkteam("s-1", &[(MOEDER.bsn, MOEDER.name), (OMA.bsn, OMA.name)], "")
        .await;
    let mut households = hub.households().await;
    let view = households
        .get_household(by_id(&family.household_id, family.position))
        .await
        .expect("own coordinator reads")
        .into_inner()
        .household
        .expect("household");
    let before = hub.stream_messages().await;
    let mut regie = RegieServiceClient::new(as_token(&hub, REGIE_LEEUWARDEN).await);
    let context = |key: &str, expected_position| {
        Some(v1::RegieContext {
            idempotency_key: key.into(),
            source_system: "regie-app".into(),
            household_id: family.household_id.clone(),
            expected_position,
            occurred_at: Some(timestamp(chrono::Utc::now())),
            note: String::new(),
        })
    };
    let partner = |key: &str, expected_position| v1::RegisterPartnerRequest {
        context: context(key, expected_position),
        partner: Some(v1::Partner {
            organisatie: "99999999".into(),
            pillar: v1::Pillar::Jeugd as i32,
        }),
    };
    // With the right position and with a wrong one alike: unknown, no position given away.
    let right = regie
        .register_partner(partner("p-1", view.last_position))
        .await
        .expect_err("another gemeente's household");
    let wrong = regie
        .register_partner(partner("p-2", 1))
        .await
        .expect_err("another gemeente's household");
    let unknown_id = regie
        .register_partner(v1::RegisterPartnerRequest {
            context: Some(v1::RegieContext {
                household_id: "0195f0c2-7b7e-7000-8000-000000000001".into(),
                ..context("p-3", 1).expect("context")
            }),
            ..partner("p-3", 1)
        })
        .await
        .expect_err("no such household");
    // Answered word for word as for a household that does not exist: no current position.
    let unknown = unknown_id
        .message()
        .replace("0195f0c2-7b7e-7000-8000-000000000001", &family.household_id);
    for refused in [&right, &wrong] {
        assert_eq!(refused.code(), Code::NotFound, "{refused:?}");
        assert_eq!(refused.code(), unknown_id.code());
        assert_eq!(refused.message(), unknown, "{refused:?}");
    }

    // Leeuwarden's signal about her does not land in her 0363 household: its id and
    // position would tell Leeuwarden where she lives and with whom, and its note would be
    // in another gemeente's file. Nor is the new co-resident it names claimed for it.
    let mut leeuwarden_signals =
        SignalServiceClient::new(as_token(&hub, WIJKTEAM_LEEUWARDEN).await);
    for (key, persons) in [
        ("lw-0", [(OMA.bsn, "")].as_slice()),
        ("lw-00", &[("999990354", ""), (OMA.bsn, "")]),
    ] {
        let about_oma = leeuwarden_signals
            .post_signal(in_leeuwarden(key, persons, "buren maken zich zorgen"))
            .await
            .expect_err("a resident of another gemeente's household");
        assert_eq!(about_oma.code(), Code::PermissionDenied, "{about_oma:?}");
        assert!(!about_oma.message().contains(&family.household_id));
    }
    assert_eq!(hub.stream_messages().await, before, "nothing was published");
    let neighbour = leeuwarden_signals
        .post_signal(in_leeuwarden("lw-000", &[("999990354", "")], ""))
        .await
        .expect("a Leeuwarden resident of no household yet")
        .into_inner();
    assert_ne!(
        neighbour.household_id, family.household_id,
        "not claimed for hers"
    );
    let before = before + 1;

    // Moving a 0363 resident into a Leeuwarden household is refused; her 0363 signals stay home.
    let leeuwarden = leeuwarden_signals
        .post_signal(in_leeuwarden("lw-1", &[("999990342", "")], ""))
        .await
        .expect("Leeuwarden's own signal")
        .into_inner();
    let before = before + 1;
    assert_eq!(hub.stream_messages().await, before);
    let moved = regie
        .change_composition(v1::ChangeCompositionRequest {
            context: Some(v1::RegieContext {
                household_id: leeuwarden.household_id.clone(),
                ..context("move-1", leeuwarden.position).expect("context")
            }),
            person: Some(v1::PersonRef {
                bsn: OMA.bsn.into(),
                display_name: String::new(),
                birth_date: None,
            }),
            wijziging: Some(v1::SamenstellingGewijzigd {
                wijziging: v1::SamenstellingWijziging::Toegetreden as i32,
                reden: v1::SamenstellingReden::Verhuizing as i32,
            }),
        })
        .await
        .expect_err("a resident of another gemeente's household");
    assert_eq!(moved.code(), Code::PermissionDenied, "{moved:?}");
    assert_eq!(hub.stream_messages().await, before, "nothing was published");
    let later = hub.post_wijkteam("s-2", &[(OMA.bsn, OMA.name)], "").await;
    assert_eq!(later.household_id, family.household_id);

    // Nor can a 0363 client write for Leeuwarden.
    let posted = hub
        .signals()
        .await
        .post_signal(in_leeuwarden("s-3", &[("999990342", "")], ""))
        .await
        .expect_err("a gemeente it does not serve");
    assert_eq!(posted.code(), Code::PermissionDenied);
    let melding = WmoServiceClient::new(hub.client_for(DevClient::BackOffice(Pillar::Wmo)).await)
        .receive_melding(v1::ReceiveWmoMeldingRequest {
            context: Some(v1::WriteContext {
                gemeente_code: "0080".into(),
                ..jeugd_context("m-1", "WMO-1").expect("context")
            }),
            melding: Some(v1::WmoMeldingOntvangen::default()),
        })
        .await
        .expect_err("a gemeente it does not serve");
    assert_eq!(melding.code(), Code::PermissionDenied);

    // Leeuwarden's coordinator reads nothing of it either.
    let read = HouseholdServiceClient::new(as_token(&hub, REGIE_LEEUWARDEN).await)
        .get_household(by_id(&family.household_id, later.position))
        .await
        .expect_err("another gemeente's household");
    assert_eq!(read.code(), Code::NotFound);
}

#[test_log::test(tokio::test)]
async fn regisseur_sight_belongs_to_the_staff_member_not_to_a_string() {
    let hub = TestHub::start().await;
    let runner = rondom_e2e::load_family(hub.scenario_connections().await).await;
    let household = runner.family_household().expect("family").to_owned();
    let veilig_thuis =
        JeugdServiceClient::new(hub.client_for(DevClient::BackOffice(Pillar::Jeugd)).await)
            .register_veilig_thuis(v1::RegisterVeiligThuisRequest {
                context: jeugd_context("vt-1", CASE_JEUGD),
                veilig_thuis: Some(v1::VeiligThuisBetrokken {
                    organisatie: "Veilig Thuis Amsterdam-Amstelland".into(),
                    contact: String::new(),
                }),
            })
            .await
            .expect("veilig thuis")
            .into_inner();
    let protected_seen = |client: DevClient| {
        let household = household.clone();
        let hub = &hub;
        async move {
            HouseholdServiceClient::new(hub.client_for(client).await)
                .get_timeline(v1::GetTimelineRequest {
                    // The regisseur's own staff id, as anyone can read it in the view.
                    on_behalf_of: DevClient::REGISSEUR_STAFF_ID.into(),
                    page_size: 500,
                    ..timeline(&household, veilig_thuis.position)
                })
                .await
                .expect("timeline")
                .into_inner()
                .entries
                .iter()
                .any(|entry| entry.position == veilig_thuis.position)
        }
    };
    assert!(
        !protected_seen(DevClient::Coordinator).await,
        "a shared coordinator client naming the regisseur sees no protected fact"
    );
    assert!(
        protected_seen(DevClient::Regisseur).await,
        "the regisseur, authenticated as such, does"
    );
    // Its subscription delivers the Veilig Thuis payload whole: the organisation travels
    // sealed on the bus and is opened for the regisseur.
    let mut subscription = Subscription::open(
        hub.client_for(DevClient::Regisseur).await,
        v1::OpenSubscription {
            purpose: v1::Purpose::Regie as i32,
            ..Default::default()
        },
    )
    .await;
    let mut delivered = None;
    while let Some(delivery) = subscription.next().await {
        if delivery.position == veilig_thuis.position {
            delivered = delivery.event;
        }
    }
    let Some(v1::event::Body::VeiligThuis(delivered)) = delivered.and_then(|event| event.body)
    else {
        panic!("the regisseur gets the Veilig Thuis payload");
    };
    assert_eq!(delivered.organisatie, "Veilig Thuis Amsterdam-Amstelland");
}

#[test_log::test(tokio::test)]
async fn writes_are_the_writers_own_stamped_and_audited() {
    let hub = hub().await;
    // Two wijkteam systems pick the same source name and idempotency key.
    let first = hub
        .post_wijkteam("k-1", &[(MOEDER.bsn, MOEDER.name)], "eerste")
        .await;
    let second = SignalServiceClient::new(as_token(&hub, WIJKTEAM_ZUID).await)
        .post_signal(rondom_e2e::signal(
            "k-1",
            &[(OMA.bsn, OMA.name)],
            v1::Pillar::Wijkteam,
            "eenzaamheid",
            "tweede",
        ))
        .await
        .expect("its own write")
        .into_inner();
    assert!(!second.duplicate, "not taken for the other client's write");
    assert_ne!(second.event_id, first.event_id);
    assert_eq!(hub.stream_messages().await, 2);

    // Each event names its writer, as the hub authenticated it.
    hub.wait_applied(second.position).await;
    let writers: Vec<(String, String, Vec<String>)> = hub
        .events()
        .await
        .into_iter()
        .map(|(_, event)| {
            let writer = event.writer.expect("a writer");
            (writer.client_id, writer.role, writer.gemeenten)
        })
        .collect();
    assert_eq!(
        writers,
        [
            (
                "dev-wijkteam".into(),
                "wijkteam".into(),
                vec!["0363".into()]
            ),
            (
                "wijkteam-zuid".into(),
                "wijkteam".into(),
                vec!["0363".into()]
            ),
        ]
    );

    // Every write is on record, accepted or refused, with nothing personal.
    let refused = hub
        .signals()
        .await
        .post_signal(in_leeuwarden("k-2", &[(MOEDER.bsn, MOEDER.name)], "geheim"))
        .await
        .expect_err("a gemeente it does not serve");
    assert_eq!(refused.code(), Code::PermissionDenied);
    let records = AuditServiceClient::new(hub.client_for(DevClient::Operator).await)
        .list_audit_records(v1::ListAuditRecordsRequest {
            purpose: v1::Purpose::Beheer as i32,
            client_id: DevClient::Wijkteam.id(),
            ..Default::default()
        })
        .await
        .expect("the operator reads the log")
        .into_inner()
        .records;
    let summary: Vec<(&str, &str, &str, &str)> = records
        .iter()
        .map(|r| {
            (
                r.event_type.as_str(),
                r.outcome.as_str(),
                r.event_id.as_str(),
                r.household_id.as_str(),
            )
        })
        .collect();
    assert_eq!(
        summary,
        [
            (
                "nl.rondom.wijkteam.eenzaamheid.v1",
                "OK",
                first.event_id.as_str(),
                first.household_id.as_str()
            ),
            (
                "nl.rondom.wijkteam.eenzaamheid.v1",
                "PERMISSION_DENIED",
                "",
                ""
            ),
        ]
    );
    let text = format!("{records:?}");
    for personal in [MOEDER.bsn, MOEDER.name, "eerste", "geheim"] {
        assert!(!text.contains(personal), "{personal} in the audit log");
    }
}

#[test_log::test(tokio::test)]
async fn what_a_reader_may_not_see_derives_nothing_it_sees() {
    let hub = TestHub::start().await;
    // A household whose only fact is protected: for the coordinator it does not exist.
    let protected =
        JeugdServiceClient::new(hub.client_for(DevClient::BackOffice(Pillar::Jeugd)).await)
            .register_veilig_thuis(v1::RegisterVeiligThuisRequest {
                context: jeugd_context("vt-1", "JW-VT"),
                veilig_thuis: Some(v1::VeiligThuisBetrokken {
                    organisatie: "Veilig Thuis Amsterdam-Amstelland".into(),
                    contact: String::new(),
                }),
            })
            .await
            .expect("veilig thuis")
            .into_inner();
    let mut households = hub.households().await;
    let read = households
        .get_household(by_id(&protected.household_id, protected.position))
        .await
        .expect_err("nothing visible");
    assert_eq!(read.code(), Code::NotFound);
    let unknown = households
        .get_household(by_id("0195f0c2-7b7e-7000-8000-000000000001", 0))
        .await
        .expect_err("no such household");
    assert_eq!(
        read.message(),
        unknown.message().replace(
            "0195f0c2-7b7e-7000-8000-000000000001",
            &protected.household_id
        )
    );
    let rows = households
        .list_households(v1::ListHouseholdsRequest {
            min_position: protected.position,
            ..worklist()
        })
        .await
        .expect("worklist")
        .into_inner()
        .rows;
    assert!(rows.is_empty(), "{rows:?}");

    // A wijkteam signal makes it a household the coordinator knows, with what it may see:
    // the protected Jeugd case is not an active pillar, not counted, not a flag.
    let signal = hub.post_wijkteam("s-1", &[(ZOON.bsn, ZOON.name)], "").await;
    assert_eq!(signal.household_id, protected.household_id);
    let view = households
        .get_household(by_id(&signal.household_id, signal.position))
        .await
        .expect("visible now")
        .into_inner()
        .household
        .expect("household");
    assert_eq!(view.active_pillars, [v1::Pillar::Wijkteam as i32]);
    assert_eq!(view.event_count, 1);
    assert!(view.trajectories.is_empty(), "{:?}", view.trajectories);
    let rows = households
        .list_households(v1::ListHouseholdsRequest {
            min_position: signal.position,
            ..worklist()
        })
        .await
        .expect("worklist")
        .into_inner()
        .rows;
    assert_eq!(rows.len(), 1);
    assert_eq!(rows[0].active_pillars, [v1::Pillar::Wijkteam as i32]);
    let jeugd_rows = households
        .list_households(v1::ListHouseholdsRequest {
            pillar: v1::Pillar::Jeugd as i32,
            min_position: signal.position,
            ..worklist()
        })
        .await
        .expect("worklist")
        .into_inner()
        .rows;
    assert!(
        jeugd_rows.is_empty(),
        "the protected case puts it on no Jeugd list"
    );

    // The Jeugd back-office sees its own law's fact, and counts only that.
    let college =
        HouseholdServiceClient::new(hub.client_for(DevClient::BackOffice(Pillar::Jeugd)).await)
            .get_household(v1::GetHouseholdRequest {
                purpose: v1::Purpose::UitvoeringJeugdwet as i32,
                ..by_id(&signal.household_id, signal.position)
            })
            .await
            .expect("the jeugd back-office knows its case")
            .into_inner()
            .household
            .expect("household");
    assert_eq!(college.event_count, 1);
    assert!(
        college.open_signals.is_empty(),
        "{:?}",
        college.open_signals
    );
}

#[test_log::test(tokio::test)]
async fn a_household_claimed_by_a_write_that_never_arrived_is_no_other_gemeentes() {
    let hub = hub().await;
    let mut leeuwarden = SignalServiceClient::new(as_token(&hub, WIJKTEAM_LEEUWARDEN).await);
    leeuwarden
        .post_signal(in_leeuwarden("lw-first", &[("999990378", "")], ""))
        .await
        .expect("a first write");
    // A writer claimed a household for her, then died before its event was published: the
    // registry names a household whose log is empty.
    let bsn: rondom_domain::Bsn = "999990366".parse().expect("a BSN");
    let claimed = rondom_domain::HouseholdId::generate();
    registry_entry(&hub, &bsn, &claimed.to_string()).await;
    // The next write about her lands there, whichever gemeente's it is: nothing in it is
    // anyone's yet.
    let posted = leeuwarden
        .post_signal(in_leeuwarden("lw-claimed", &[(bsn.as_str(), "")], ""))
        .await
        .expect("a household without events")
        .into_inner();
    assert_eq!(posted.household_id, claimed.to_string());
    // From then on it is Leeuwarden's.
    let refused = hub
        .signals()
        .await
        .post_signal(rondom_e2e::signal(
            "s-claimed",
            &[(bsn.as_str(), "")],
            v1::Pillar::Wijkteam,
            "eenzaamheid",
            "",
        ))
        .await
        .expect_err("another gemeente's household now");
    assert_eq!(refused.code(), Code::PermissionDenied, "{refused:?}");
}

/// Posts signals about 400 new persons, each from both `first` and `second` at once (for
/// the gemeente each serves), and returns each pair's outcomes. Each pair races: both find
/// the person in no household, one claims one, and the other may find it claimed before the
/// claimer's first event is out.
async fn race(
    first: (&SignalServiceClient<Connection>, &str),
    second: (&SignalServiceClient<Connection>, &str),
) -> Vec<(
    Result<v1::PostSignalResponse, tonic::Status>,
    Result<v1::PostSignalResponse, tonic::Status>,
)> {
    let post = |(client, gemeente): (&SignalServiceClient<Connection>, &str), n: u64| {
        let mut client = client.clone();
        let signal = v1::PostSignalRequest {
            gemeente_code: gemeente.into(),
            ..rondom_e2e::signal(
                &format!("race-{n}"),
                &[(&rondom_testkit::bsn(500 + n), "")],
                v1::Pillar::Wijkteam,
                "eenzaamheid",
                "",
            )
        };
        tokio::spawn(async move { client.post_signal(signal).await.map(|r| r.into_inner()) })
    };
    let pairs: Vec<_> = (0..400)
        .map(|n| (post(first, n), post(second, n)))
        .collect();
    let mut outcomes = Vec::with_capacity(pairs.len());
    for (first, second) in pairs {
        outcomes.push((
            first.await.expect("a write"),
            second.await.expect("a write"),
        ));
    }
    outcomes
}

#[test_log::test(tokio::test(flavor = "multi_thread", worker_threads = 2))]
async fn two_gemeenten_writing_about_a_new_person_at_once_never_share_a_household() {
    let hub = hub().await;
    let amsterdam = hub.signals().await;
    let leeuwarden = SignalServiceClient::new(as_token(&hub, WIJKTEAM_LEEUWARDEN).await);
    for outcome in race((&amsterdam, scenario::GEMEENTE), (&leeuwarden, "0080")).await {
        let refused = match outcome {
            (Ok(_), Err(refused)) | (Err(refused), Ok(_)) => refused,
            both => panic!("one write of each pair lands, the other is refused: {both:?}"),
        };
        assert_eq!(refused.code(), Code::PermissionDenied, "{refused:?}");
    }
}

#[test_log::test(tokio::test(flavor = "multi_thread", worker_threads = 2))]
async fn two_systems_of_one_gemeente_writing_about_a_new_person_at_once_share_her_household() {
    let hub = hub().await;
    let noord = hub.signals().await;
    let zuid = SignalServiceClient::new(as_token(&hub, WIJKTEAM_ZUID).await);
    for outcome in race((&noord, scenario::GEMEENTE), (&zuid, scenario::GEMEENTE)).await {
        let (Ok(noord), Ok(zuid)) = outcome else {
            panic!("both writes land: {outcome:?}");
        };
        assert_eq!(noord.household_id, zuid.household_id);
    }
}

/// Puts `bsn`'s person in `household` in the registry behind the hub's back, as a write that
/// died half-way can leave it.
async fn registry_entry(hub: &TestHub, bsn: &rondom_domain::Bsn, household: &str) {
    let keys = rondom_runtime::keys::Keys::load_or_generate(&hub.data_dir().join("keys"))
        .expect("the hub's keys");
    rondom_bus::stream::bucket(&hub.jetstream().await, rondom_bus::stream::PERSONS_BUCKET)
        .await
        .expect("registry")
        .put(
            keys.pseudonym.pseudonym(bsn).to_string(),
            household.to_owned().into(),
        )
        .await
        .expect("the entry");
}

#[test_log::test(tokio::test)]
async fn a_stale_entry_of_an_erased_household_keeps_no_gemeente_from_a_person() {
    let hub = hub().await;
    let bsn: rondom_domain::Bsn = "999990391".parse().expect("a BSN");
    let erased = hub
        .post_wijkteam("s-erased", &[(bsn.as_str(), "Erik")], "")
        .await;
    rondom_proto::v1::operator_service_client::OperatorServiceClient::new(
        hub.client_for(DevClient::Operator).await,
    )
    .erase_household(v1::EraseHouseholdRequest {
        household_id: erased.household_id.clone(),
        reden: v1::ErasureReason::VerzoekBetrokkene as i32,
    })
    .await
    .expect("erased");
    // A crash left him in the registry under the erased 0363 household.
    registry_entry(&hub, &bsn, &erased.household_id).await;
    let posted = SignalServiceClient::new(as_token(&hub, WIJKTEAM_LEEUWARDEN).await)
        .post_signal(in_leeuwarden("lw-erased", &[(bsn.as_str(), "")], ""))
        .await
        .expect("an erased household is nobody's")
        .into_inner();
    assert_ne!(posted.household_id, erased.household_id);
}

#[test_log::test(tokio::test(flavor = "multi_thread", worker_threads = 2))]
async fn a_provider_writes_about_the_client_it_was_assigned_not_another_member() {
    let hub = TestHub::start().await;
    let runner = rondom_e2e::load_family(hub.scenario_connections().await).await;
    hub.wait_applied(runner.position).await;
    let mut provider = WmoServiceClient::new(hub.client_for(DevClient::Partner(Pillar::Wmo)).await);
    let start = |key: &str, person: scenario::Person| v1::StartWmoVoorzieningRequest {
        context: Some(v1::WriteContext {
            idempotency_key: key.into(),
            source_system: "aanbieder-app".into(),
            gemeente_code: scenario::GEMEENTE.into(),
            persons: vec![v1::PersonRef {
                bsn: person.bsn.into(),
                display_name: String::new(),
                birth_date: None,
            }],
            occurred_at: Some(timestamp(chrono::Utc::now() - chrono::Duration::hours(1))),
            case_id: scenario::CASE_WMO.into(),
            note: String::new(),
        }),
        voorziening: Some(v1::WmoVoorzieningGestart {
            aanbieder_agb: DevClient::Partner(Pillar::Wmo)
                .organisatie()
                .expect("the Wmo provider")
                .into(),
            productcode: "01A01".into(),
            begindatum: Some(rondom_proto::convert::proto_date(
                chrono::Utc::now().date_naive() - chrono::Days::new(1),
            )),
            ..Default::default()
        }),
    };
    // Riet's home care is assigned to it; her daughter, a member of the household, is not
    // its client: a start under Riet's case naming the daughter is refused, nothing written.
    let before = hub.stream_messages().await;
    let refused = provider
        .start_voorziening(start("start-moeder", MOEDER))
        .await
        .expect_err("another member under her case");
    assert_eq!(refused.code(), Code::PermissionDenied, "{refused:?}");
    assert_eq!(hub.stream_messages().await, before);
    // About Riet herself it may.
    provider
        .start_voorziening(start("start-oma", OMA))
        .await
        .expect("its own client");
}
