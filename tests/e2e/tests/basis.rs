//! A legal basis for every disclosure: each law's facts stay in its own lane until the
//! household agrees to a gecoördineerde aanpak, as its members' ages require; a withdrawal or
//! an objection closes the lane again, and every disclosure on record names its basis. Real
//! hub, real partners: the demo family without its aanpak, and the schuldhulp provider the
//! coordinator registered for the household.

use rondom_cli::scenario::{self, Runner};
use rondom_domain::Pillar;
use rondom_e2e::{DevClient, Subscription, TestHub, by_id};
use rondom_proto::convert::{proto_date, timestamp};
use rondom_proto::v1;
use rondom_proto::v1::household_service_client::HouseholdServiceClient;
use rondom_proto::v1::jeugd_service_client::JeugdServiceClient;
use rondom_proto::v1::regie_service_client::RegieServiceClient;
use rondom_proto::v1::schuldhulp_service_client::SchuldhulpServiceClient;
use tonic::Code;

/// The schuldhulp provider of the development clients.
fn schuldhulp_partner() -> &'static str {
    rondom_domain::law::of(Pillar::Schuldhulp)
        .expect("a law")
        .dev_partner
}

/// The hub with the demo family loaded without its aanpak, the schuldhulp provider
/// registered for the household; returns the hub, the household and the last position.
async fn family_without_aanpak() -> (TestHub, String, u64) {
    let hub = TestHub::start().await;
    let mut runner = Runner::new(hub.scenario_connections().await);
    let steps = scenario::family(rondom_e2e::family_start());
    for step in steps.iter().take_while(|step| step.name != "aanpak") {
        runner.run(step).await.expect(step.name);
    }
    let household = runner.family_household().expect("family").to_owned();
    let registered = RegieServiceClient::new(hub.client_for(DevClient::Coordinator).await)
        .register_partner(v1::RegisterPartnerRequest {
            context: Some(regie_context(&hub, &household, runner.position, "partner").await),
            partner: Some(v1::Partner {
                organisatie: schuldhulp_partner().into(),
                pillar: v1::Pillar::Schuldhulp as i32,
            }),
        })
        .await
        .expect("registered")
        .into_inner();
    runner.position = registered.position;
    for step in steps
        .iter()
        .skip_while(|step| step.name != "aanpak")
        .skip(1)
    {
        runner.run(step).await.expect(step.name);
    }
    hub.wait_applied(runner.position).await;
    (hub, household, runner.position)
}

/// A regie write's context on the coordinator's view at `min_position` or later.
async fn regie_context(
    hub: &TestHub,
    household: &str,
    min_position: u64,
    key: &str,
) -> v1::RegieContext {
    let view = coordinator_view(hub, household, min_position)
        .await
        .expect("the coordinator's view");
    v1::RegieContext {
        idempotency_key: key.into(),
        source_system: "basis-test".into(),
        household_id: household.into(),
        expected_position: view.last_position,
        occurred_at: Some(timestamp(chrono::Utc::now())),
        note: String::new(),
    }
}

async fn coordinator_view(
    hub: &TestHub,
    household: &str,
    min_position: u64,
) -> Result<v1::Household, tonic::Status> {
    Ok(hub
        .households()
        .await
        .get_household(by_id(household, min_position))
        .await?
        .into_inner()
        .household
        .expect("household"))
}

/// The household as the schuldhulp provider reads it for its task.
async fn partner_view(hub: &TestHub, household: &str, min_position: u64) -> v1::Household {
    HouseholdServiceClient::new(hub.client_for(DevClient::Partner(Pillar::Schuldhulp)).await)
        .get_household(v1::GetHouseholdRequest {
            purpose: v1::Purpose::Schuldhulpverlening as i32,
            ..by_id(household, min_position)
        })
        .await
        .expect("the provider's view")
        .into_inner()
        .household
        .expect("household")
}

/// The positions on the household's timeline as the schuldhulp provider reads it.
async fn timeline_of_partner(hub: &TestHub, household: &str, min_position: u64) -> Vec<u64> {
    HouseholdServiceClient::new(hub.client_for(DevClient::Partner(Pillar::Schuldhulp)).await)
        .get_timeline(v1::GetTimelineRequest {
            purpose: v1::Purpose::Schuldhulpverlening as i32,
            page_size: 500,
            ..rondom_e2e::timeline(household, min_position)
        })
        .await
        .expect("the provider's timeline")
        .into_inner()
        .entries
        .iter()
        .map(|entry| entry.position)
        .collect()
}

fn pillars_of(view: &v1::Household) -> Vec<i32> {
    let mut pillars: Vec<i32> = view.trajectories.iter().map(|t| t.pillar).collect();
    pillars.sort_unstable();
    pillars.dedup();
    pillars
}

fn person(bsn: &str, born: (i32, u32, u32)) -> v1::PersonRef {
    v1::PersonRef {
        bsn: bsn.into(),
        display_name: String::new(),
        birth_date: chrono::NaiveDate::from_ymd_opt(born.0, born.1, born.2).map(proto_date),
    }
}

/// The person `who` agreeing (or not) on Monday 30 November 2026, a fixed day: Daan (born
/// 2012) is 14 then, whatever day the test runs.
fn persoon(who: scenario::Person, zelf: bool, ouder: bool) -> v1::AanpakPersoon {
    v1::AanpakPersoon {
        person: Some(person(who.bsn, who.born)),
        zelf_ingestemd: zelf,
        ouder_ingestemd: ouder,
        ingestemd_op: Some(proto_date(
            chrono::NaiveDate::from_ymd_opt(2026, 11, 30).expect("a date"),
        )),
    }
}

/// Starts an aanpak for schuldhulp and jeugd naming the schuldhulp provider.
async fn start(
    hub: &TestHub,
    household: &str,
    position: u64,
    key: &str,
    personen: Vec<v1::AanpakPersoon>,
) -> Result<v1::WriteResponse, tonic::Status> {
    RegieServiceClient::new(hub.client_for(DevClient::Coordinator).await)
        .start_aanpak(v1::StartAanpakRequest {
            context: Some(regie_context(hub, household, position, key).await),
            wetten: vec![v1::Pillar::Schuldhulp as i32, v1::Pillar::Jeugd as i32],
            partners: vec![schuldhulp_partner().into()],
            personen,
            uitzondering: None,
        })
        .await
        .map(tonic::Response::into_inner)
}

/// Writes a household-level jeugd fact about Daan (an aanvraag in a new case) and an objection
/// in Fatima's schuldhulp case; returns their positions.
async fn jeugd_then_schuldhulp(hub: &TestHub, key: &str) -> (u64, u64) {
    let context = |person: v1::PersonRef, case: &str| v1::WriteContext {
        idempotency_key: format!("{key}-{case}"),
        source_system: "basis-test".into(),
        gemeente_code: scenario::GEMEENTE.into(),
        persons: vec![person],
        occurred_at: Some(timestamp(chrono::Utc::now())),
        case_id: case.into(),
        note: String::new(),
    };
    let bezwaar = Some(v1::BezwaarOntvangen {
        bezwaartermijn_einde: Some(proto_date(chrono::Utc::now().date_naive())),
        adviescommissie: false,
    });
    let jeugd = JeugdServiceClient::new(hub.client_for(DevClient::BackOffice(Pillar::Jeugd)).await)
        .receive_aanvraag(v1::ReceiveJeugdAanvraagRequest {
            context: Some(context(rondom_e2e::zoon(), &format!("JW-{key}"))),
            aanvraag: Some(v1::JeugdAanvraagOntvangen {
                productcategorie: "45".into(),
            }),
        })
        .await
        .expect("jeugd")
        .into_inner();
    let moeder = person(scenario::MOEDER.bsn, scenario::MOEDER.born);
    let schuld = SchuldhulpServiceClient::new(
        hub.client_for(DevClient::BackOffice(Pillar::Schuldhulp))
            .await,
    )
    .receive_bezwaar(v1::ReceiveBezwaarRequest {
        context: Some(context(moeder, scenario::CASE_SCHULD)),
        bezwaar,
    })
    .await
    .expect("schuldhulp")
    .into_inner();
    hub.wait_applied(schuld.position).await;
    (jeugd.position, schuld.position)
}

/// What the schuldhulp provider's subscription sends from `after` on, through `marker` (an
/// event of its own law it must get).
async fn delivered(hub: &TestHub, after: u64, marker: u64) -> Vec<v1::Delivery> {
    let mut subscription = Subscription::open(
        hub.client_for(DevClient::Partner(Pillar::Schuldhulp)).await,
        v1::OpenSubscription {
            purpose: v1::Purpose::Schuldhulpverlening as i32,
            start: Some(v1::open_subscription::Start::AfterPosition(after)),
            ..Default::default()
        },
    )
    .await;
    let mut deliveries = Vec::new();
    while let Some(delivery) = subscription.next().await {
        let position = delivery.position;
        deliveries.push(delivery);
        if position >= marker {
            return deliveries;
        }
    }
    panic!("its own law's event at {marker} was not sent: {deliveries:?}");
}

#[test_log::test(tokio::test(flavor = "multi_thread", worker_threads = 2))]
async fn sharing_across_laws_follows_the_aanpak_and_the_instemming() {
    let (hub, household, position) = family_without_aanpak().await;
    let jeugd = v1::Pillar::Jeugd as i32;
    let schuldhulp = v1::Pillar::Schuldhulp as i32;

    // Without a basis the schuldhulp provider sees its own law only: no jeugd in its view,
    // nor in what its subscription sends.
    let view = partner_view(&hub, &household, position).await;
    assert_eq!(pillars_of(&view), [schuldhulp]);
    assert!(view.aanpak.is_none());
    let (jeugd_at, marker) = jeugd_then_schuldhulp(&hub, "zonder").await;
    let sent = delivered(&hub, position, marker).await;
    assert!(sent.iter().all(|d| d.pillar == schuldhulp), "{sent:?}");
    assert!(sent.iter().all(|d| d.position != jeugd_at));

    // A 14-year-old's agreement alone opens nothing: refused by field, nothing written.
    let before = hub.stream_messages().await;
    let alone = start(
        &hub,
        &household,
        marker,
        "daan-alleen",
        vec![
            persoon(scenario::MOEDER, true, false),
            persoon(scenario::ZOON, true, false),
        ],
    )
    .await
    .expect_err("a 14-year-old alone");
    assert_eq!(alone.code(), Code::InvalidArgument, "{alone:?}");
    assert!(alone.message().contains("personen[1]"), "{alone:?}");
    assert_eq!(hub.stream_messages().await, before);
    assert_eq!(
        pillars_of(&partner_view(&hub, &household, marker).await),
        [schuldhulp]
    );

    // With an aanpak for schuldhulp and jeugd, and the instemming of Fatima and of Daan with
    // his mother, the provider sees that Daan has a jeugd case: its status, not its detail.
    let started = start(
        &hub,
        &household,
        marker,
        "aanpak",
        vec![
            persoon(scenario::MOEDER, true, false),
            persoon(scenario::ZOON, true, true),
        ],
    )
    .await
    .expect("aanpak");
    let view = partner_view(&hub, &household, started.position).await;
    assert_eq!(pillars_of(&view), [jeugd, schuldhulp]);
    let case = view
        .trajectories
        .iter()
        .find(|t| t.pillar == jeugd)
        .expect("jeugd");
    assert!(
        case.case_id.is_empty() && case.providers.is_empty(),
        "{case:?}"
    );
    assert_eq!(
        view.aanpak.as_ref().map(|a| a.aanpak_id.as_str()),
        Some(started.event_id.as_str())
    );
    let (shared_at, marker) = jeugd_then_schuldhulp(&hub, "met").await;
    let sent = delivered(&hub, started.position, marker).await;
    let jeugd_sent = sent
        .iter()
        .find(|d| d.position == shared_at)
        .expect("jeugd sent");
    assert_eq!(jeugd_sent.sight, v1::Sight::Status as i32);

    // A wijkteam's signal about Daan, tagged jeugd, is shown across the lane as his case is.
    let signal = hub
        .signals()
        .await
        .post_signal(rondom_e2e::signal(
            "daan-zorgen",
            &[(scenario::ZOON.bsn, "")],
            v1::Pillar::Jeugd,
            "zorgen_opvoeding",
            "",
        ))
        .await
        .expect("a signal")
        .into_inner();
    let signal_shown = |view: &v1::Household| {
        view.open_signals
            .iter()
            .any(|open| open.position == signal.position)
            || view.active_pillars.contains(&jeugd)
    };
    let view = partner_view(&hub, &household, signal.position).await;
    assert!(
        view.open_signals
            .iter()
            .any(|open| open.position == signal.position),
        "{view:?}"
    );
    assert!(
        timeline_of_partner(&hub, &household, signal.position)
            .await
            .contains(&signal.position)
    );

    // The coordinator sees who provides his jeugdhulp under the aanpak.
    let coordinator = coordinator_view(&hub, &household, signal.position)
        .await
        .expect("coordinator");
    assert!(
        coordinator.partners.iter().any(|p| p.pillar == jeugd),
        "{:?}",
        coordinator.partners
    );

    // An objection of Daan stops all sight of him across the lanes, and reads say so; lifted,
    // the aanpak covers him again.
    let beperking = |key: &'static str| {
        let (hub, household) = (&hub, &household);
        async move {
            v1::BeperkingRequest {
                context: Some(regie_context(hub, household, signal.position, key).await),
                person: Some(rondom_e2e::zoon()),
                soort: v1::BeperkingSoort::Bezwaar as i32,
            }
        }
    };
    let mut regie = RegieServiceClient::new(hub.client_for(DevClient::Coordinator).await);
    let objected = regie
        .record_beperking(beperking("bezwaar").await)
        .await
        .expect("objection")
        .into_inner();
    let view = partner_view(&hub, &household, objected.position).await;
    assert_eq!(pillars_of(&view), [schuldhulp]);
    assert!(view.restricted);
    // Nor the signal about him: not in the view (nor by its law turning active), not on the
    // timeline.
    assert!(!signal_shown(&view), "{view:?}");
    assert!(
        !timeline_of_partner(&hub, &household, objected.position)
            .await
            .contains(&signal.position)
    );
    let coordinator = coordinator_view(&hub, &household, objected.position)
        .await
        .expect("coordinator");
    assert!(coordinator.restricted);
    assert!(coordinator.trajectories.iter().all(|t| t.pillar != jeugd));
    // Nor who provides his care: an involvement is as visible as its case.
    assert!(
        coordinator.partners.iter().all(|p| p.pillar != jeugd),
        "{:?}",
        coordinator.partners
    );
    let lifted = regie
        .lift_beperking(beperking("opgeheven").await)
        .await
        .expect("lifted")
        .into_inner();
    let view = partner_view(&hub, &household, lifted.position).await;
    assert_eq!(pillars_of(&view), [jeugd, schuldhulp]);
    assert!(!view.restricted);

    // Daan withdraws his instemming: from here nothing of him crosses a lane, and a new jeugd
    // fact is not sent.
    let withdrawn = regie
        .withdraw_instemming(v1::WithdrawInstemmingRequest {
            context: Some(regie_context(&hub, &household, lifted.position, "intrekking").await),
            aanpak_id: started.event_id.clone(),
            person: Some(rondom_e2e::zoon()),
        })
        .await
        .expect("withdrawn")
        .into_inner();
    assert_eq!(
        pillars_of(&partner_view(&hub, &household, withdrawn.position).await),
        [schuldhulp]
    );
    let (jeugd_at, marker) = jeugd_then_schuldhulp(&hub, "na").await;
    let sent = delivered(&hub, withdrawn.position, marker).await;
    assert!(sent.iter().all(|d| d.position != jeugd_at), "{sent:?}");
    // Nor is the fact of him it was sent under the aanpak sent again: a subscription from
    // before the withdrawal is judged by the household as it is now, as a timeline is (not
    // by what another subscription made of it while the instemming stood).
    let again = delivered(&hub, started.position, marker).await;
    assert!(again.iter().all(|d| d.position != shared_at), "{again:?}");

    // Every disclosure on record names its basis: the provider's own law, or the aanpak.
    let records = rondom_proto::v1::audit_service_client::AuditServiceClient::new(
        hub.client_for(DevClient::Operator).await,
    )
    .list_audit_records(v1::ListAuditRecordsRequest {
        purpose: v1::Purpose::Beheer as i32,
        household_id: household.clone(),
        ..Default::default()
    })
    .await
    .expect("audit")
    .into_inner()
    .records;
    let disclosed: Vec<&v1::Disclosure> = records.iter().flat_map(|r| &r.disclosed).collect();
    assert!(!disclosed.is_empty());
    assert!(
        disclosed.iter().all(|d| !d.basis.is_empty()),
        "{disclosed:?}"
    );
    let aanpak = format!("aanpak:{}:instemming", started.event_id);
    for basis in ["eigen-taak:schuldhulp", aanpak.as_str()] {
        assert!(
            disclosed.iter().any(|d| d.basis == basis),
            "no {basis}: {disclosed:?}"
        );
    }
}

#[test_log::test(tokio::test(flavor = "multi_thread", worker_threads = 2))]
async fn positions_tell_a_reader_nothing_of_entries_it_may_not_see() {
    let (hub, household, _) = family_without_aanpak().await;
    // Many jeugd facts, none of which the schuldhulp provider may see without a basis; the
    // last of each pair is its own law's.
    let (mut hidden, mut last) = (0, 0);
    for n in 0..25 {
        (hidden, last) = jeugd_then_schuldhulp(&hub, &format!("verborgen-{n}")).await;
    }
    // Its view's position is that of the last fact it may see, also when a hidden one
    // follows.
    assert!(hidden < last);
    let (_, own) = jeugd_then_schuldhulp(&hub, "daarna").await;
    let view = partner_view(&hub, &household, own).await;
    assert_eq!(view.last_position, own, "its own law's bezwaar");
    let hidden_last =
        JeugdServiceClient::new(hub.client_for(DevClient::BackOffice(Pillar::Jeugd)).await)
            .receive_aanvraag(v1::ReceiveJeugdAanvraagRequest {
                context: Some(v1::WriteContext {
                    idempotency_key: "laatste".into(),
                    source_system: "basis-test".into(),
                    gemeente_code: scenario::GEMEENTE.into(),
                    persons: vec![rondom_e2e::zoon()],
                    occurred_at: Some(timestamp(chrono::Utc::now())),
                    case_id: "JW-laatste".into(),
                    note: String::new(),
                }),
                aanvraag: Some(v1::JeugdAanvraagOntvangen {
                    productcategorie: "45".into(),
                }),
            })
            .await
            .expect("jeugd")
            .into_inner();
    let view = partner_view(&hub, &household, hidden_last.position).await;
    assert_eq!(
        view.last_position, own,
        "not the hidden jeugd fact after it"
    );
    // Its own fact, read as the last page: no token, for only a hidden fact follows it.
    let page =
        HouseholdServiceClient::new(hub.client_for(DevClient::Partner(Pillar::Schuldhulp)).await)
            .get_timeline(v1::GetTimelineRequest {
                purpose: v1::Purpose::Schuldhulpverlening as i32,
                page_size: 1,
                oldest_first: true,
                page_token: format!(
                    "{}{}",
                    rondom_projector::request::PAGE_TOKEN_PREFIX,
                    own - 1
                ),
                ..rondom_e2e::timeline(&household, hidden_last.position)
            })
            .await
            .expect("the provider's timeline")
            .into_inner();
    let got: Vec<u64> = page.entries.iter().map(|entry| entry.position).collect();
    assert_eq!(got, [own]);
    assert!(
        page.next_page_token.is_empty(),
        "a token would tell a hidden fact follows: {}",
        page.next_page_token
    );
    let page =
        HouseholdServiceClient::new(hub.client_for(DevClient::Partner(Pillar::Schuldhulp)).await)
            .get_timeline(v1::GetTimelineRequest {
                purpose: v1::Purpose::Schuldhulpverlening as i32,
                pillars: vec![v1::Pillar::Jeugd as i32],
                page_size: 1,
                ..rondom_e2e::timeline(&household, last)
            })
            .await
            .expect("the provider's timeline")
            .into_inner();
    assert!(page.entries.is_empty(), "{:?}", page.entries);
    assert!(
        page.next_page_token.is_empty(),
        "a token would tell hidden entries follow, and where: {}",
        page.next_page_token
    );
}

#[test_log::test(tokio::test(flavor = "multi_thread", worker_threads = 2))]
async fn an_exception_needs_its_ground_its_decider_and_a_motivation() {
    let (hub, household, position) = family_without_aanpak().await;
    let mut regie = RegieServiceClient::new(hub.client_for(DevClient::Coordinator).await);
    let request = |note: &str, grond: v1::UitzonderingGrond| {
        let note = note.to_owned();
        let hub = &hub;
        let household = &household;
        async move {
            let mut context = regie_context(hub, household, position, "uitzondering").await;
            context.note = note;
            v1::StartAanpakRequest {
                context: Some(context),
                wetten: vec![v1::Pillar::Jeugd as i32],
                partners: Vec::new(),
                personen: vec![v1::AanpakPersoon {
                    person: Some(rondom_e2e::zoon()),
                    ..Default::default()
                }],
                uitzondering: Some(v1::Uitzondering {
                    grond: grond as i32,
                    besloten_door: "tl-0007".into(),
                }),
            }
        }
    };
    let refused = regie
        .start_aanpak(request("", v1::UitzonderingGrond::Unspecified).await)
        .await
        .expect_err("no ground, no motivation");
    assert_eq!(refused.code(), Code::InvalidArgument);
    for field in ["uitzondering.grond", "context.note"] {
        assert!(refused.message().contains(field), "{field}: {refused:?}");
    }
    // Only the household's own members can be concerned: the neighbour is refused.
    let mut neighbour = request("motivering", v1::UitzonderingGrond::Veiligheid).await;
    neighbour.personen[0].person = Some(person(scenario::BUURMAN.bsn, scenario::BUURMAN.born));
    let refused = regie
        .start_aanpak(neighbour)
        .await
        .expect_err("not a member");
    assert_eq!(refused.code(), Code::InvalidArgument);
    assert!(refused.message().contains("persons[0]"), "{refused:?}");
    let started = regie
        .start_aanpak(
            request(
                "Zorgen over de veiligheid van Daan; ouders niet bereikbaar.",
                v1::UitzonderingGrond::Veiligheid,
            )
            .await,
        )
        .await
        .expect("a documented exception")
        .into_inner();
    let view = coordinator_view(&hub, &household, started.position)
        .await
        .expect("coordinator");
    assert!(view.aanpak.as_ref().is_some_and(|a| a.uitzondering));
    // The coordinator now sees Daan's jeugd case; no other law was named.
    let pillars = pillars_of(&view);
    assert!(pillars.contains(&(v1::Pillar::Jeugd as i32)), "{pillars:?}");
    assert!(!pillars.contains(&(v1::Pillar::Wmo as i32)), "{pillars:?}");
}

#[test_log::test(tokio::test(flavor = "multi_thread", worker_threads = 2))]
async fn a_renewed_pseudonym_changes_nothing_a_subscription_sends() {
    let (mut hub, household, position) = family_without_aanpak().await;
    let started = start(
        &hub,
        &household,
        position,
        "vernieuwd",
        vec![
            persoon(scenario::MOEDER, true, false),
            persoon(scenario::ZOON, true, true),
        ],
    )
    .await
    .expect("aanpak");
    // A wijkteam's signal about Daan, tagged jeugd: shared across the lane under the aanpak.
    let signal = hub
        .signals()
        .await
        .post_signal(rondom_e2e::signal(
            "daan-vernieuwd",
            &[(scenario::ZOON.bsn, "")],
            v1::Pillar::Jeugd,
            "zorgen_opvoeding",
            "",
        ))
        .await
        .expect("a signal")
        .into_inner();
    let (_, marker) = jeugd_then_schuldhulp(&hub, "vernieuwd").await;
    let sent = delivered(&hub, started.position, marker).await;
    assert!(
        sent.iter().any(|d| d.position == signal.position),
        "{sent:?}"
    );

    // Every pseudonym renewed (the events keep the ones they were written with).
    let renewal = hub.renew_pseudonyms().await;
    assert!(renewal.persons >= 2, "{renewal:?}");
    let renewed = hub.events().await.last().expect("events").0;
    let view = partner_view(&hub, &household, renewed).await;
    assert!(
        timeline_of_partner(&hub, &household, renewed)
            .await
            .contains(&signal.position)
    );

    // A subscription catching up judges the older signal by the person's current pseudonym,
    // as the timeline does, and names persons as the view does.
    let sent = delivered(&hub, started.position, marker).await;
    assert!(
        sent.iter().any(|d| d.position == signal.position),
        "the signal about Daan, as on the timeline: {sent:?}"
    );
    let members: Vec<&str> = view.members.iter().map(|m| m.pseudonym.as_str()).collect();
    let bezwaar = sent.last().expect("the marker");
    assert_eq!(bezwaar.position, marker);
    assert!(!bezwaar.persons.is_empty(), "{bezwaar:?}");
    for person in &bezwaar.persons {
        assert!(
            members.contains(&person.pseudonym.as_str()),
            "{} is not a pseudonym of the view ({members:?})",
            person.pseudonym
        );
    }
}
