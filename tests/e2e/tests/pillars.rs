//! The pillar services as a partner's back-office uses them: each refuses nonsense with the
//! field that is wrong and publishes nothing; regie writes change the household's
//! composition, and an unknown household is NOT_FOUND.

use chrono::{DateTime, Days, NaiveDate, Utc};
use rondom_domain::Pillar;
use rondom_e2e::{DevClient, TestHub, signal};
use rondom_proto::convert::{proto_date, timestamp};
use rondom_proto::v1;
use rondom_proto::v1::jeugd_service_client::JeugdServiceClient;
use rondom_proto::v1::regie_service_client::RegieServiceClient;
use rondom_proto::v1::schuldhulp_service_client::SchuldhulpServiceClient;
use rondom_proto::v1::wmo_service_client::WmoServiceClient;
use tonic::Code;
use tonic_types::StatusExt;

fn context(
    key: &str,
    bsn: &str,
    born: Option<chrono::NaiveDate>,
    case: &str,
) -> Option<v1::WriteContext> {
    Some(v1::WriteContext {
        idempotency_key: key.into(),
        source_system: "backoffice-test".into(),
        gemeente_code: "0363".into(),
        persons: vec![v1::PersonRef {
            bsn: bsn.into(),
            display_name: String::new(),
            birth_date: born.map(proto_date),
        }],
        occurred_at: Some(timestamp(now())),
        case_id: case.into(),
        note: String::new(),
    })
}

/// The day these tests play on: a Monday, fixed, so that no deadline's outcome depends on the
/// calendar day the suite runs (terms count working days). Writes carry times on this day and
/// reads judge deadlines `as_of` it; it lies in the past, so the hub takes it as a real time.
fn today() -> NaiveDate {
    NaiveDate::from_ymd_opt(2026, 11, 30).expect("a date")
}

/// Ten in the morning of `today()` in the Netherlands (CET, UTC+1).
fn now() -> DateTime<Utc> {
    today().and_hms_opt(9, 0, 0).expect("a time").and_utc()
}

fn on_test_day() -> Option<v1::Date> {
    Some(proto_date(today()))
}

fn by_id(id: &str, min_position: u64) -> v1::GetHouseholdRequest {
    v1::GetHouseholdRequest {
        as_of: on_test_day(),
        ..rondom_e2e::by_id(id, min_position)
    }
}

fn by_bsn(bsn: &str, min_position: u64) -> v1::GetHouseholdRequest {
    v1::GetHouseholdRequest {
        as_of: on_test_day(),
        ..rondom_e2e::by_bsn(bsn, min_position)
    }
}

fn worklist() -> v1::ListHouseholdsRequest {
    v1::ListHouseholdsRequest {
        as_of: on_test_day(),
        ..rondom_e2e::worklist()
    }
}

fn fields(status: &tonic::Status) -> Vec<String> {
    assert_eq!(status.code(), Code::InvalidArgument, "{status:?}");
    status
        .get_details_bad_request()
        .expect("BadRequest detail")
        .field_violations
        .into_iter()
        .map(|violation| violation.field)
        .collect()
}

fn days_ago(days: u64) -> v1::Date {
    proto_date(today() - Days::new(days))
}

#[test_log::test(tokio::test)]
async fn a_case_id_that_holds_a_bsn_is_refused() {
    let hub = TestHub::start().await;
    let mut wmo = WmoServiceClient::new(hub.client_for(DevClient::BackOffice(Pillar::Wmo)).await);
    let refused = wmo
        .receive_melding(v1::ReceiveWmoMeldingRequest {
            // A back-office that files cases under the client's BSN.
            context: context("m-bsn", "111222333", None, "WMO-111222333"),
            melding: Some(v1::WmoMeldingOntvangen::default()),
        })
        .await
        .expect_err("a BSN as case id");
    assert_eq!(fields(&refused), ["context.case_id"]);
    assert_eq!(hub.stream_messages().await, 0, "nothing was published");
}

#[test_log::test(tokio::test)]
async fn each_pillar_refuses_nonsense_with_its_field_and_publishes_nothing() {
    let hub = TestHub::start().await;
    let mut wmo = WmoServiceClient::new(hub.client_for(DevClient::BackOffice(Pillar::Wmo)).await);
    let mut jeugd =
        JeugdServiceClient::new(hub.client_for(DevClient::BackOffice(Pillar::Jeugd)).await);
    let mut schuldhulp = SchuldhulpServiceClient::new(
        hub.client_for(DevClient::BackOffice(Pillar::Schuldhulp))
            .await,
    );

    // A beschikking cannot cite an aanvraag received after it.
    let refused = wmo
        .issue_beschikking(v1::IssueWmoBeschikkingRequest {
            context: context("w-1", "111222333", None, "WMO-1"),
            beschikking: Some(v1::WmoBeschikkingAfgegeven {
                besluit: v1::Besluit::Toegekend as i32,
                productcategorie: "01".into(),
                leveringsvorm: v1::Leveringsvorm::Zin as i32,
                aanvraag_ontvangen_op: Some(proto_date(today() + Days::new(3))),
                ingangsdatum: Some(days_ago(0)),
                einddatum: Some(days_ago(10)),
            }),
        })
        .await
        .expect_err("refused");
    assert_eq!(
        fields(&refused),
        ["beschikking.aanvraag_ontvangen_op", "beschikking.einddatum"]
    );

    // A voorziening cannot stop before it started; the provider is an AGB code.
    let refused = WmoServiceClient::new(hub.client_for(DevClient::Partner(Pillar::Wmo)).await)
        .stop_voorziening(v1::StopWmoVoorzieningRequest {
            context: context("w-2", "111222333", None, "WMO-1"),
            voorziening: Some(v1::WmoVoorzieningGestopt {
                aanbieder_agb: "Thuiszorg BV".into(),
                productcode: "01A01".into(),
                begindatum: Some(days_ago(5)),
                einddatum: Some(days_ago(9)),
                reden: v1::StopReden::DoelBereikt as i32,
                ..Default::default()
            }),
        })
        .await
        .expect_err("refused");
    assert_eq!(
        fields(&refused),
        ["voorziening.aanbieder_agb", "voorziening.einddatum"]
    );

    // The Jeugdwet stops at 23 and needs the jeugdige's birth date.
    let born_24_years_ago = today() - Days::new(24 * 366);
    let hulpvraag = |key: &str, born| v1::ReceiveJeugdHulpvraagRequest {
        context: context(key, "123456782", born, "JW-1"),
        hulpvraag: Some(v1::JeugdHulpvraagOntvangen {
            verwijzer: v1::Verwijzer::Huisarts as i32,
            voortzetting: true,
        }),
    };
    let refused = jeugd
        .receive_hulpvraag(hulpvraag("j-1", Some(born_24_years_ago)))
        .await
        .expect_err("too old");
    assert_eq!(fields(&refused), ["context.persons[0].birth_date"]);
    let refused = jeugd
        .receive_hulpvraag(hulpvraag("j-2", None))
        .await
        .expect_err("no birth date");
    assert_eq!(fields(&refused), ["context.persons[0].birth_date"]);

    // Arrears are more than zero; an unspecified creditor is named.
    let refused = schuldhulp
        .receive_vroegsignaal(v1::ReceiveVroegsignaalRequest {
            context: context("s-1", "111222333", None, "SHV-1"),
            vroegsignaal: Some(v1::Vroegsignaal {
                schuldeiser: 0,
                achterstand_cent: -500,
                achterstand_maanden: 2,
            }),
        })
        .await
        .expect_err("refused");
    assert_eq!(
        fields(&refused),
        ["vroegsignaal.schuldeiser", "vroegsignaal.achterstand_cent"]
    );

    // No context at all: every required field of it is named, and the payload's too.
    let refused = schuldhulp
        .receive_aanmelding(v1::ReceiveAanmeldingRequest::default())
        .await
        .expect_err("refused");
    let named = fields(&refused);
    for field in [
        "context.idempotency_key",
        "context.persons",
        "context.occurred_at",
        "context.case_id",
        "aanmelding",
    ] {
        assert!(
            named.iter().any(|named| named == field),
            "{field} missing in {named:?}"
        );
    }

    assert_eq!(hub.stream_messages().await, 0, "nothing was published");

    // The same write, done right, is accepted.
    let young = today() - Days::new(10 * 365);
    let accepted = jeugd
        .receive_hulpvraag(hulpvraag("j-3", Some(young)))
        .await
        .expect("valid")
        .into_inner();
    assert_eq!(accepted.position, 1);
}

#[test_log::test(tokio::test)]
async fn a_late_stop_message_and_an_objection_are_tracked() {
    let hub = TestHub::start().await;
    let mut jeugd =
        JeugdServiceClient::new(hub.client_for(DevClient::BackOffice(Pillar::Jeugd)).await);
    let young = Some(today() - Days::new(12 * 365));
    let ended = today() - Days::new(30);
    jeugd
        .assign_jeugdhulp(v1::AssignJeugdhulpRequest {
            context: context("toewijzing-1", "123456782", young, "JW-9"),
            jeugdhulp: Some(v1::Jeugdhulp {
                aanbieder_agb: "12345678".into(),
                productcode: "45A48".into(),
                begindatum: Some(proto_date(ended - Days::new(200))),
                ..Default::default()
            }),
        })
        .await
        .expect("toewijzing");
    let reply = JeugdServiceClient::new(hub.client_for(DevClient::Partner(Pillar::Jeugd)).await)
        .end_jeugdhulp(v1::EndJeugdhulpRequest {
            context: context("stop-1", "123456782", young, "JW-9"),
            jeugdhulp: Some(v1::Jeugdhulp {
                aanbieder_agb: "12345678".into(),
                productcode: "45A48".into(),
                begindatum: Some(proto_date(ended - Days::new(200))),
                einddatum: Some(proto_date(ended)),
                reden: v1::StopReden::DoelBereikt as i32,
                ..Default::default()
            }),
        })
        .await
        .expect("stop message")
        .into_inner();
    let bezwaar_end = today() - Days::new(1);
    let reply = jeugd
        .receive_bezwaar(v1::ReceiveBezwaarRequest {
            context: context("bezwaar-1", "123456782", young, "JW-9"),
            bezwaar: Some(v1::BezwaarOntvangen {
                bezwaartermijn_einde: Some(proto_date(bezwaar_end)),
                adviescommissie: true,
            }),
        })
        .await
        .map(|reply| reply.into_inner().position)
        .expect("bezwaar")
        .max(reply.position);
    let view = hub
        .law_view(
            Pillar::Jeugd,
            by_id(&reply_household(&hub, reply).await, reply),
        )
        .await
        .expect("view");
    // iJw OP272: the stop message was due five working days after the end; thirty days late.
    let stop = view
        .deadlines
        .iter()
        .find(|d| d.rule == "IJW-STOP")
        .expect("IJW-STOP");
    assert_eq!(stop.status, v1::DeadlineStatus::MetLate as i32);
    // Awb 7:10: with an advisory committee, twelve weeks from the end of the objection period.
    let bezwaar = view
        .deadlines
        .iter()
        .find(|d| d.rule == "BEZWAAR-COMMISSIE")
        .expect("bezwaar");
    assert_eq!(bezwaar.start, Some(proto_date(bezwaar_end)));
    assert!(bezwaar.days_left >= 12 * 7 - 1, "{}", bezwaar.days_left);
    assert_eq!(
        view.trajectories[0].state,
        v1::TrajectoryState::Beeindigd as i32
    );
}

async fn reply_household(hub: &TestHub, position: u64) -> String {
    hub.law_view(Pillar::Jeugd, by_bsn("123456782", position))
        .await
        .expect("by BSN")
        .household_id
}

#[test_log::test(tokio::test)]
async fn composition_changes_move_people_in_and_out_of_the_household() {
    let hub = TestHub::start().await;
    let posted = hub
        .signals()
        .await
        .post_signal(signal(
            "s-1",
            &[("111222333", "Fatima")],
            v1::Pillar::Wijkteam,
            "eenzaamheid",
            "",
        ))
        .await
        .expect("signal")
        .into_inner();
    let mut regie = RegieServiceClient::new(hub.client_for(DevClient::Coordinator).await);
    let change = |key: &str, expected: u64, bsn: &str, wijziging: v1::SamenstellingWijziging| {
        v1::ChangeCompositionRequest {
            context: Some(v1::RegieContext {
                idempotency_key: key.into(),
                source_system: "coordinator-app".into(),
                household_id: posted.household_id.clone(),
                expected_position: expected,
                occurred_at: Some(timestamp(now())),
                note: String::new(),
            }),
            person: Some(v1::PersonRef {
                bsn: bsn.into(),
                display_name: "Sem".into(),
                birth_date: Some(proto_date(today())),
            }),
            wijziging: Some(v1::SamenstellingGewijzigd {
                wijziging: wijziging as i32,
                reden: v1::SamenstellingReden::Geboorte as i32,
            }),
        }
    };

    // A baby is born: the person joins, and their BSN now finds the household.
    let joined = regie
        .change_composition(change(
            "c-1",
            posted.position,
            "222222220",
            v1::SamenstellingWijziging::Toegetreden,
        ))
        .await
        .expect("join")
        .into_inner();
    let mut households = hub.households().await;
    let view = households
        .get_household(by_bsn("222222220", joined.position))
        .await
        .expect("found by the new member's BSN")
        .into_inner()
        .household
        .expect("household");
    assert_eq!(view.household_id, posted.household_id);
    assert_eq!(view.members.len(), 2);
    assert_eq!(view.last_position, joined.position);

    // Expecting the position before the join is stale now.
    let stale = regie
        .change_composition(change(
            "c-2",
            posted.position,
            "222222220",
            v1::SamenstellingWijziging::Vertrokken,
        ))
        .await
        .expect_err("stale");
    assert_eq!(stale.code(), Code::Aborted);

    // The person leaves: gone from the view and the index; a later signal about them starts
    // a household of their own.
    let left = regie
        .change_composition(change(
            "c-3",
            joined.position,
            "222222220",
            v1::SamenstellingWijziging::Vertrokken,
        ))
        .await
        .expect("leave")
        .into_inner();
    let view = households
        .get_household(by_id(&posted.household_id, left.position))
        .await
        .expect("view")
        .into_inner()
        .household
        .expect("household");
    assert_eq!(view.members.len(), 1);
    let gone = households
        .get_household(by_bsn("222222220", left.position))
        .await
        .expect_err("left");
    assert_eq!(gone.code(), Code::NotFound);
    let later = hub
        .signals()
        .await
        .post_signal(signal(
            "s-2",
            &[("222222220", "Sem")],
            v1::Pillar::Jeugd,
            "zorgen_opvoeding",
            "",
        ))
        .await
        .expect("signal")
        .into_inner();
    assert_ne!(later.household_id, posted.household_id);

    // A regie write about a household that does not exist.
    let mut unknown = change(
        "c-4",
        1,
        "222222220",
        v1::SamenstellingWijziging::Toegetreden,
    );
    if let Some(context) = unknown.context.as_mut() {
        context.household_id = rondom_domain::HouseholdId::generate().to_string();
    }
    let missing = regie
        .change_composition(unknown)
        .await
        .expect_err("unknown household");
    assert_eq!(missing.code(), Code::NotFound);
    let mut zero = change(
        "c-5",
        0,
        "222222220",
        v1::SamenstellingWijziging::Toegetreden,
    );
    zero.wijziging = None;
    let refused = regie.change_composition(zero).await.expect_err("invalid");
    assert_eq!(fields(&refused), ["context.expected_position", "wijziging"]);
}

#[test_log::test(tokio::test)]
async fn worklists_page_in_urgency_order_and_list_each_household_once() {
    let hub = TestHub::start().await;
    let mut wmo = WmoServiceClient::new(hub.client_for(DevClient::BackOffice(Pillar::Wmo)).await);
    let mut participatie =
        rondom_proto::v1::participatie_service_client::ParticipatieServiceClient::new(
            hub.client_for(DevClient::BackOffice(Pillar::Participatie))
                .await,
        );
    // Five households with a Wmo melding 40, 30, 20, 10 and 5 days ago: their assessments fall
    // due in that order (the Atw moves a due date by at most a few days, never past the next).
    let persons = [
        "111111110",
        "222222220",
        "333333330",
        "555555550",
        "444444440",
    ];
    let mut households = Vec::new();
    let mut positions = Vec::new();
    let mut last = 0;
    for (bsn, days) in persons.iter().zip([40u64, 30, 20, 10, 5]) {
        let mut request = v1::ReceiveWmoMeldingRequest {
            context: context(&format!("m-{bsn}"), bsn, None, &format!("WMO-{days}")),
            melding: Some(v1::WmoMeldingOntvangen::default()),
        };
        if let Some(context) = request.context.as_mut() {
            context.occurred_at = Some(timestamp(now() - chrono::Duration::days(days as i64)));
        }
        let reply = wmo
            .receive_melding(request)
            .await
            .expect("melding")
            .into_inner();
        households.push(reply.household_id);
        positions.push(reply.position);
        last = reply.position;
    }
    // The most urgent one also has a bijstand aanvraag: two more deadlines, still one row.
    let reply = participatie
        .receive_aanvraag(v1::ReceivePwAanvraagRequest {
            context: context("pw-1", persons[0], None, "PW-1"),
            aanvraag: Some(v1::PwAanvraagIngediend {
                leefvorm: v1::Leefvorm::Alleenstaande as i32,
            }),
        })
        .await
        .expect("aanvraag")
        .into_inner();
    assert_eq!(reply.household_id, households[0]);
    positions[0] = reply.position;
    // Each agrees to a gecoördineerde aanpak: only then are its laws' deadlines the
    // coordinator's to see.
    for ((household, position), bsn) in households.iter().zip(&positions).zip(&persons) {
        let adult = v1::PersonRef {
            bsn: (*bsn).into(),
            birth_date: Some(proto_date(
                NaiveDate::from_ymd_opt(1970, 1, 1).expect("date"),
            )),
            ..Default::default()
        };
        let coordinator = hub.client_for(DevClient::Coordinator).await;
        let wetten = [v1::Pillar::Wmo, v1::Pillar::Participatie];
        let started =
            rondom_e2e::start_aanpak(coordinator, household, *position, vec![adult], &wetten, &[])
                .await
                .expect("aanpak");
        last = last.max(started.position);
    }
    // Two households with a signal only, and no deadline.
    let mut quiet = Vec::new();
    for (key, bsn) in [("q-1", "999990342"), ("q-2", "123456782")] {
        let reply = hub
            .signals()
            .await
            .post_signal(signal(
                key,
                &[(bsn, "")],
                v1::Pillar::Wijkteam,
                "eenzaamheid",
                "",
            ))
            .await
            .expect("signal")
            .into_inner();
        quiet.push(reply.household_id);
        last = reply.position;
    }

    let mut client = hub.households().await;
    let mut listed = Vec::new();
    let mut token = String::new();
    let mut pages = 0;
    loop {
        let page = client
            .list_households(v1::ListHouseholdsRequest {
                page_size: 2,
                page_token: token.clone(),
                min_position: last.max(reply.position),
                ..worklist()
            })
            .await
            .expect("page")
            .into_inner();
        pages += 1;
        assert!(page.rows.len() <= 2);
        listed.extend(page.rows.into_iter().map(|row| row.household_id));
        if page.next_page_token.is_empty() {
            break;
        }
        token = page.next_page_token;
    }
    assert_eq!(listed.len(), 7, "each household once: {listed:?}");
    assert_eq!(pages, 4);
    assert_eq!(listed[..5], households[..]);
    let mut tail = listed[5..].to_vec();
    tail.sort();
    quiet.sort();
    assert_eq!(tail, quiet);

    // Six weeks (Wmo 2.3.2) have not passed for the oldest melding, 40 days ago: the overdue
    // worklist is empty.
    let overdue = client
        .list_households(v1::ListHouseholdsRequest {
            overdue: true,
            ..worklist()
        })
        .await
        .expect("overdue")
        .into_inner();
    assert_eq!(
        overdue.rows.len(),
        0,
        "six weeks have not passed for any of them yet"
    );
    let bad = client
        .list_households(v1::ListHouseholdsRequest {
            page_token: "v1.d.zz".into(),
            overdue: true,
            due_within_days: 3,
            ..worklist()
        })
        .await
        .expect_err("bad request");
    assert_eq!(fields(&bad), ["due_within_days", "page_token"]);
}

/// A write context that happened `days` ago.
fn context_ago(
    key: &str,
    bsn: &str,
    born: Option<chrono::NaiveDate>,
    case: &str,
    days: i64,
) -> Option<v1::WriteContext> {
    let mut context = context(key, bsn, born, case);
    if let Some(context) = context.as_mut() {
        context.occurred_at = Some(timestamp(now() - chrono::Duration::days(days)));
    }
    context
}

/// The household of `bsn` as the back-office of `pillar` sees it (its own lane).
async fn view_of(hub: &TestHub, pillar: v1::Pillar, bsn: &str, position: u64) -> v1::Household {
    let law = rondom_proto::convert::pillar_from_proto(pillar as i32).expect("a law");
    hub.law_view(law, by_bsn(bsn, position))
        .await
        .expect("view")
}

fn find<'a>(view: &'a v1::Household, rule: &str, pillar: v1::Pillar) -> &'a v1::Deadline {
    view.deadlines
        .iter()
        .find(|d| d.rule == rule && d.pillar == pillar as i32)
        .unwrap_or_else(|| panic!("no {rule} of {pillar:?}: {:?}", view.deadlines))
}

#[test_log::test(tokio::test)]
async fn deadlines_belong_to_their_pillar_and_case_and_end_with_it() {
    let hub = TestHub::start().await;
    let mut wmo = WmoServiceClient::new(hub.client_for(DevClient::BackOffice(Pillar::Wmo)).await);
    let mut jeugd =
        JeugdServiceClient::new(hub.client_for(DevClient::BackOffice(Pillar::Jeugd)).await);
    let mut pw = rondom_proto::v1::participatie_service_client::ParticipatieServiceClient::new(
        hub.client_for(DevClient::BackOffice(Pillar::Participatie))
            .await,
    );
    let mother = "111222333";
    let child = "123456782";
    let young = Some(today() - Days::new(10 * 365));

    // Wmo and Jeugd happen to use the same case number; each has an objection.
    let bezwaar = |key: &str, bsn: &str, born| v1::ReceiveBezwaarRequest {
        context: context(key, bsn, born, "2026-001"),
        bezwaar: Some(v1::BezwaarOntvangen {
            bezwaartermijn_einde: Some(days_ago(0)),
            adviescommissie: false,
        }),
    };
    wmo.receive_bezwaar(bezwaar("b-wmo", mother, None))
        .await
        .expect("wmo bezwaar");
    jeugd
        .receive_bezwaar(v1::ReceiveBezwaarRequest {
            context: {
                let mut c = context("b-jeugd", child, young, "2026-001");
                if let Some(c) = c.as_mut() {
                    c.persons.push(v1::PersonRef {
                        bsn: mother.into(),
                        display_name: String::new(),
                        birth_date: None,
                    });
                }
                c
            },
            ..bezwaar("b-jeugd", child, young)
        })
        .await
        .expect("jeugd bezwaar");
    let decided = jeugd
        .decide_bezwaar(v1::DecideBezwaarRequest {
            context: context("d-jeugd", child, young, "2026-001"),
            beslissing: Some(v1::BeslissingOpBezwaar {
                uitkomst: v1::BezwaarUitkomst::Ongegrond as i32,
            }),
        })
        .await
        .expect("decision")
        .into_inner();
    let view = view_of(&hub, v1::Pillar::Jeugd, mother, decided.position).await;
    assert_eq!(
        find(&view, "BEZWAAR", v1::Pillar::Jeugd).status,
        v1::DeadlineStatus::Met as i32
    );
    // Each law's back-office sees its own objection, in its own lane.
    assert!(
        view.deadlines
            .iter()
            .all(|d| d.pillar == v1::Pillar::Jeugd as i32)
    );
    let wmo_view = view_of(&hub, v1::Pillar::Wmo, mother, decided.position).await;
    assert_eq!(
        find(&wmo_view, "BEZWAAR", v1::Pillar::Wmo).status,
        v1::DeadlineStatus::Open as i32
    );
    // No trajectory was invented for a case that only has an objection.
    assert!(view.trajectories.is_empty(), "{:?}", view.trajectories);
    // The open objection keeps Wmo active.
    assert!(wmo_view.active_pillars.contains(&(v1::Pillar::Wmo as i32)));

    // A refused Wmo case: its open assessment duty lapses with it.
    wmo.receive_melding(v1::ReceiveWmoMeldingRequest {
        context: context_ago("m-1", mother, None, "WMO-7", 3),
        melding: Some(v1::WmoMeldingOntvangen {
            spoed: true,
            mantelzorger_betrokken: false,
        }),
    })
    .await
    .expect("melding");
    let refused = wmo
        .issue_beschikking(v1::IssueWmoBeschikkingRequest {
            context: context("m-2", mother, None, "WMO-7"),
            beschikking: Some(v1::WmoBeschikkingAfgegeven {
                besluit: v1::Besluit::Afgewezen as i32,
                productcategorie: "01".into(),
                aanvraag_ontvangen_op: Some(days_ago(2)),
                ..Default::default()
            }),
        })
        .await
        .expect("refusal")
        .into_inner();
    let view = view_of(&hub, v1::Pillar::Wmo, mother, refused.position).await;
    assert_eq!(
        find(&view, "WMO-ONDERZOEK", v1::Pillar::Wmo).status,
        v1::DeadlineStatus::Lapsed as i32
    );
    // The beschikking also ends the urgency: WMO-SPOED is met, not left overdue.
    assert_eq!(
        find(&view, "WMO-SPOED", v1::Pillar::Wmo).status,
        v1::DeadlineStatus::Met as i32
    );

    // Bijstand: aanvraag 70 days ago (besluit due 14 days ago), suspended 60 days ago, decided
    // today without a resume: the suspension counts up to today, so it was on time.
    pw.receive_aanvraag(v1::ReceivePwAanvraagRequest {
        context: context_ago("p-1", mother, None, "PW-7", 70),
        aanvraag: Some(v1::PwAanvraagIngediend {
            leefvorm: v1::Leefvorm::Alleenstaande as i32,
        }),
    })
    .await
    .expect("aanvraag");
    pw.suspend_term(v1::SuspendTermRequest {
        context: context_ago("p-2", mother, None, "PW-7", 60),
        opschorting: Some(v1::TermijnOpgeschort {
            reden: v1::OpschortingReden::AanvullingGevraagd as i32,
            hersteltermijn_einde: None,
        }),
    })
    .await
    .expect("suspend");
    let besluit = pw
        .take_besluit(v1::TakePwBesluitRequest {
            context: context("p-3", mother, None, "PW-7"),
            besluit: Some(v1::PwBesluitGenomen {
                besluit: v1::Besluit::Toegekend as i32,
                aanvraag_ingediend_op: Some(days_ago(70)),
                ingangsdatum: Some(days_ago(70)),
            }),
        })
        .await
        .expect("besluit")
        .into_inner();
    // A voorschot after the besluit starts no new voorschot term.
    let voorschot = pw
        .grant_voorschot(v1::GrantVoorschotRequest {
            context: context("p-4", mother, None, "PW-7"),
            voorschot: Some(v1::PwVoorschotVerleend {
                bedrag_cent: 50_000,
            }),
        })
        .await
        .expect("voorschot")
        .into_inner();
    let view = view_of(
        &hub,
        v1::Pillar::Participatie,
        mother,
        voorschot.position.max(besluit.position),
    )
    .await;
    let decided = find(&view, "PW-BESLUIT", v1::Pillar::Participatie);
    assert_eq!(
        decided.status,
        v1::DeadlineStatus::Met as i32,
        "{decided:?}"
    );
    assert_eq!(decided.suspended_days, 59);
    assert!(
        view.deadlines
            .iter()
            .all(|d| !(d.rule == "PW-VOORSCHOT" && d.status == v1::DeadlineStatus::Open as i32)),
        "{:?}",
        view.deadlines
    );

    // Jeugd aanvraag 70 days ago: the term ran out 14 days ago; a suspension now cannot stop it.
    jeugd
        .receive_aanvraag(v1::ReceiveJeugdAanvraagRequest {
            context: context_ago("j-1", child, young, "JW-7", 70),
            aanvraag: Some(v1::JeugdAanvraagOntvangen {
                productcategorie: "45".into(),
            }),
        })
        .await
        .expect("aanvraag");
    let late = jeugd
        .suspend_term(v1::SuspendTermRequest {
            context: context("j-2", child, young, "JW-7"),
            opschorting: Some(v1::TermijnOpgeschort {
                reden: v1::OpschortingReden::Overmacht as i32,
                hersteltermijn_einde: None,
            }),
        })
        .await
        .expect("suspend")
        .into_inner();
    let view = view_of(&hub, v1::Pillar::Jeugd, mother, late.position).await;
    assert_eq!(
        find(&view, "JW-BESCHIKKING", v1::Pillar::Jeugd).status,
        v1::DeadlineStatus::Overdue as i32
    );

    // Worklists by pillar order and qualify by that pillar's deadlines: the overdue Jeugd
    // duty puts the household on the Jeugd list; the Wmo list has nothing overdue. (The
    // coordinator sees the laws' deadlines under the family's aanpak.)
    let persons = vec![
        v1::PersonRef {
            bsn: mother.into(),
            birth_date: Some(proto_date(
                NaiveDate::from_ymd_opt(1980, 1, 1).expect("date"),
            )),
            ..Default::default()
        },
        v1::PersonRef {
            bsn: child.into(),
            birth_date: young.map(proto_date),
            ..Default::default()
        },
    ];
    let wetten = [v1::Pillar::Wmo, v1::Pillar::Jeugd, v1::Pillar::Participatie];
    let coordinator = hub.client_for(DevClient::Coordinator).await;
    let aanpak = rondom_e2e::start_aanpak(
        coordinator,
        &late.household_id,
        late.position,
        persons,
        &wetten,
        &[],
    )
    .await
    .expect("aanpak");
    let mut households = hub.households().await;
    let list = |pillar: v1::Pillar| v1::ListHouseholdsRequest {
        overdue: true,
        pillar: pillar as i32,
        min_position: aanpak.position,
        ..worklist()
    };
    let jeugd_list = households
        .list_households(list(v1::Pillar::Jeugd))
        .await
        .expect("list")
        .into_inner();
    assert_eq!(jeugd_list.rows.len(), 1);
    assert_eq!(
        jeugd_list.rows[0]
            .most_urgent
            .as_ref()
            .map(|d| d.rule.as_str()),
        Some("JW-BESCHIKKING")
    );
    let wmo_list = households
        .list_households(list(v1::Pillar::Wmo))
        .await
        .expect("list")
        .into_inner();
    assert!(wmo_list.rows.is_empty(), "{:?}", wmo_list.rows);
}

/// Daan (123456782) moves in with the household of `into`, as it stood then.
fn daan_moves_to(
    into: &v1::PostSignalResponse,
    born: Option<NaiveDate>,
) -> v1::ChangeCompositionRequest {
    v1::ChangeCompositionRequest {
        context: Some(v1::RegieContext {
            idempotency_key: "move-daan".into(),
            source_system: "coordinator-app".into(),
            household_id: into.household_id.clone(),
            expected_position: into.position,
            occurred_at: Some(timestamp(now())),
            note: String::new(),
        }),
        person: Some(v1::PersonRef {
            bsn: "123456782".into(),
            display_name: "Daan".into(),
            birth_date: born.map(proto_date),
        }),
        wijziging: Some(v1::SamenstellingGewijzigd {
            wijziging: v1::SamenstellingWijziging::Toegetreden as i32,
            reden: v1::SamenstellingReden::Verhuizing as i32,
        }),
    }
}

#[test_log::test(tokio::test)]
async fn a_person_who_joins_another_household_leaves_the_first() {
    let hub = TestHub::start().await;
    let mut signals = hub.signals().await;
    let first = signals
        .post_signal(signal(
            "h-1",
            &[("111222333", "Fatima"), ("123456782", "Daan")],
            v1::Pillar::Wijkteam,
            "eenzaamheid",
            "",
        ))
        .await
        .expect("first household")
        .into_inner();
    let second = signals
        .post_signal(signal(
            "h-2",
            &[("222222220", "Riet")],
            v1::Pillar::Wmo,
            "eenzaamheid",
            "",
        ))
        .await
        .expect("second household")
        .into_inner();
    let moved = RegieServiceClient::new(hub.client_for(DevClient::Coordinator).await)
        .change_composition(daan_moves_to(&second, None))
        .await
        .expect("join")
        .into_inner();
    // The departure from the old household follows the join (published once the join
    // stands): read both once everything the move wrote is applied.
    let last = hub.stream_messages().await;
    assert!(last > moved.position, "the departure comes after the join");
    let mut households = hub.households().await;
    let old = households
        .get_household(by_id(&first.household_id, last))
        .await
        .expect("old")
        .into_inner()
        .household
        .expect("old");
    let new = households
        .get_household(by_id(&second.household_id, moved.position))
        .await
        .expect("new")
        .into_inner()
        .household
        .expect("new");
    let names = |view: &v1::Household| {
        view.members
            .iter()
            .map(|m| m.display_name.clone())
            .collect::<Vec<_>>()
    };
    assert_eq!(names(&old), ["Fatima"]);
    assert_eq!(names(&new), ["Riet", "Daan"]);
    // The old household's log says Daan left by an event of its own, and no event names him
    // by a pseudonym the other household knows him by.
    let events = hub.events().await;
    let mentions = |household: &str| {
        events
            .iter()
            .filter(|(_, event)| event.household_id == household)
            .flat_map(|(_, event)| event.persons.clone())
            .collect::<Vec<_>>()
    };
    let left: Vec<_> = mentions(&first.household_id)
        .into_iter()
        .filter(|mention| mention.leaves_household)
        .collect();
    assert_eq!(left.len(), 1, "one departure from the old household");
    assert!(
        mentions(&second.household_id)
            .iter()
            .all(|mention| mention.pseudonym != left[0].pseudonym)
    );
    let found = households
        .get_household(by_bsn("123456782", moved.position))
        .await
        .expect("by BSN")
        .into_inner();
    assert_eq!(
        found.household.map(|h| h.household_id),
        Some(second.household_id)
    );
}

#[test_log::test(tokio::test(flavor = "multi_thread", worker_threads = 2))]
async fn a_decree_the_operator_adds_moves_due_dates_already_computed() {
    // Atw art. 3 lid 3: a royal decree makes days equal to a holiday. A melding on Friday
    // 16 October 2026 starts WMO-ONDERZOEK (Wmo 2.3.2 lid 1, six weeks): Friday 27 November.
    let mut hub = TestHub::start().await;
    let mut wmo = WmoServiceClient::new(hub.client_for(DevClient::BackOffice(Pillar::Wmo)).await);
    let melding_day = NaiveDate::from_ymd_opt(2026, 10, 16).expect("a date");
    let mut write = context("decree-1", "111222333", None, "WMO-77");
    if let Some(context) = write.as_mut() {
        context.occurred_at = Some(timestamp(
            melding_day.and_hms_opt(8, 0, 0).expect("a time").and_utc(),
        ));
    }
    let written = wmo
        .receive_melding(v1::ReceiveWmoMeldingRequest {
            context: write,
            melding: Some(v1::WmoMeldingOntvangen::default()),
        })
        .await
        .expect("melding")
        .into_inner();
    let due = |view: v1::Household| {
        view.deadlines
            .into_iter()
            .find(|deadline| deadline.rule == "WMO-ONDERZOEK")
            .and_then(|deadline| deadline.due)
            .map(|due| (due.year, due.month, due.day))
    };
    let view = hub
        .law_view(Pillar::Wmo, by_bsn("111222333", written.position))
        .await
        .expect("view");
    assert_eq!(due(view), Some((2026, 11, 27)), "a working day");

    // The operator adds a decree naming that Friday to the bylaw file and restarts the hub,
    // without a new build: the read model is folded again and the term ends on the next
    // working day, Monday 30 November.
    hub.set_bylaws(
        "[[gelijkstelling]]\n\
         besluit = \"Besluit gelijkstelling van 27 november 2026 met een algemeen erkende feestdag\"\n\
         van = \"2026-01-01\"\n\
         tot_en_met = \"2026-12-31\"\n\
         dagen = [\"2026-11-27\"]\n",
    );
    hub.restart().await;
    let view = hub
        .law_view(Pillar::Wmo, by_bsn("111222333", written.position))
        .await
        .expect("view after the restart");
    assert_eq!(
        due(view),
        Some((2026, 11, 30)),
        "moved off the day made a holiday"
    );
}

#[test_log::test(tokio::test)]
async fn the_offer_after_a_vroegsignaal_is_met_when_the_gemeente_makes_it() {
    // Wgs art. 3 lid 1 onder b: after a vroegsignaal the gemeente offers help; its norm
    // (SHV-AANBOD) is met by the offer, not by a contact attempt.
    let hub = TestHub::start().await;
    let mut schuldhulp = SchuldhulpServiceClient::new(
        hub.client_for(DevClient::BackOffice(Pillar::Schuldhulp))
            .await,
    );
    schuldhulp
        .receive_vroegsignaal(v1::ReceiveVroegsignaalRequest {
            context: context("vs-1", "111222333", None, "SHV-9"),
            vroegsignaal: Some(v1::Vroegsignaal {
                schuldeiser: v1::Schuldeiser::Huur as i32,
                achterstand_cent: 120_000,
                achterstand_maanden: 2,
            }),
        })
        .await
        .expect("vroegsignaal");
    let refused = schuldhulp
        .make_aanbod(v1::MakeAanbodRequest {
            context: context("vs-2", "111222333", None, "SHV-9"),
            aanbod: Some(v1::Aanbod::default()),
        })
        .await
        .expect_err("an offer names its form");
    assert_eq!(fields(&refused), ["aanbod.vorm"]);
    schuldhulp
        .record_contactpoging(v1::RecordContactpogingRequest {
            context: context("vs-3", "111222333", None, "SHV-9"),
            contactpoging: Some(v1::ContactpogingGedaan {
                vorm: v1::Contactvorm::Brief as i32,
                bereikt: false,
            }),
        })
        .await
        .expect("contact attempt");
    let offered = schuldhulp
        .make_aanbod(v1::MakeAanbodRequest {
            context: context("vs-4", "111222333", None, "SHV-9"),
            aanbod: Some(v1::Aanbod {
                vorm: v1::Contactvorm::Huisbezoek as i32,
            }),
        })
        .await
        .expect("offer")
        .into_inner();
    // Wgs art. 8b: until the resident accepts, the vroegsignaal and what the gemeente did
    // with it are the schuldhulp back-office's alone; for the coordinator this household does
    // not exist.
    let hidden = hub
        .households()
        .await
        .get_household(by_bsn("111222333", offered.position))
        .await
        .expect_err("the coordinator sees nothing of a vroegsignaal");
    assert_eq!(hidden.code(), Code::NotFound, "{hidden:?}");
    let back_office = || async {
        rondom_proto::v1::household_service_client::HouseholdServiceClient::new(
            hub.client_for(DevClient::BackOffice(Pillar::Schuldhulp))
                .await,
        )
    };
    let view = back_office()
        .await
        .get_household(v1::GetHouseholdRequest {
            purpose: v1::Purpose::Schuldhulpverlening as i32,
            ..by_bsn("111222333", offered.position)
        })
        .await
        .expect("the schuldhulp back-office's view")
        .into_inner()
        .household
        .expect("a household");
    let aanbod = view
        .deadlines
        .iter()
        .find(|deadline| deadline.rule == "SHV-AANBOD")
        .expect("SHV-AANBOD");
    assert_eq!(aanbod.status, v1::DeadlineStatus::Met as i32);
    assert_eq!(aanbod.met_on, on_test_day());

    // The resident accepts: from now on the case is household-level like any other.
    let accepted = schuldhulp
        .accept_aanbod(v1::AcceptAanbodRequest {
            context: context("vs-5", "111222333", None, "SHV-9"),
            aanbod: Some(v1::AanbodGeaccepteerd::default()),
        })
        .await
        .expect("acceptance")
        .into_inner();
    // Without a basis the case stays the schuldhulp back-office's: the coordinator still
    // finds nothing.
    let unknown = hub
        .households()
        .await
        .get_household(by_bsn("111222333", accepted.position))
        .await
        .expect_err("no aanpak, no sight");
    assert_eq!(unknown.code(), Code::NotFound, "{unknown:?}");
    let view = hub
        .law_view(Pillar::Schuldhulp, by_bsn("111222333", accepted.position))
        .await
        .expect("the back-office's view after the acceptance");
    assert_eq!(
        view.trajectories
            .iter()
            .map(|t| t.state)
            .collect::<Vec<_>>(),
        [v1::TrajectoryState::Aangemeld as i32]
    );
}

#[test_log::test(tokio::test)]
async fn the_jeugdwet_from_18_only_continues_care_and_veilig_thuis_has_no_age_limit() {
    let hub = TestHub::start().await;
    let mut jeugd =
        JeugdServiceClient::new(hub.client_for(DevClient::BackOffice(Pillar::Jeugd)).await);
    let born = |years: u64| Some(today() - Days::new(years * 366));
    let hulpvraag = |key: &str, voortzetting: bool| v1::ReceiveJeugdHulpvraagRequest {
        context: context(key, "111222333", born(19), "JZ-19"),
        hulpvraag: Some(v1::JeugdHulpvraagOntvangen {
            verwijzer: v1::Verwijzer::Huisarts as i32,
            voortzetting,
        }),
    };
    // Jeugdwet art. 1.1 (jeugdige onder b and c): at 19 only care that continues or resumes.
    let refused = jeugd
        .receive_hulpvraag(hulpvraag("jz-19-a", false))
        .await
        .expect_err("a first hulpvraag at 19");
    assert_eq!(fields(&refused), ["hulpvraag.voortzetting"]);
    jeugd
        .receive_hulpvraag(hulpvraag("jz-19-b", true))
        .await
        .expect("continued care at 19");
    // Veilig Thuis also handles violence against adults (Wmo 2015 art. 4.1.1): a report
    // about a woman of 40 is taken.
    jeugd
        .register_veilig_thuis(v1::RegisterVeiligThuisRequest {
            context: context("vt-40", "123456782", born(40), "VT-40"),
            veilig_thuis: Some(v1::VeiligThuisBetrokken {
                organisatie: "Veilig Thuis Amsterdam-Amstelland".into(),
                contact: "020 123 45 67".into(),
            }),
        })
        .await
        .expect("Veilig Thuis for an adult");
}

#[test_log::test(tokio::test)]
async fn a_notice_of_default_after_the_decision_term_shows_the_dwangsom_forfeited() {
    // A Wmo aanvraag on Wednesday 21 October 2026 is due Wednesday 4 November (Wmo 2.3.5).
    // The notice of default on 10 November starts the dwangsom on 24 November (Awb 4:17 lid
    // 3); on the test day, Monday 30 November, six days at 23 euro are forfeited (lid 2).
    let hub = TestHub::start().await;
    let mut wmo = WmoServiceClient::new(hub.client_for(DevClient::BackOffice(Pillar::Wmo)).await);
    let bsn = "999990342";
    wmo.receive_aanvraag(v1::ReceiveWmoAanvraagRequest {
        context: context_ago("dw-1", bsn, None, "WMO-DW", 40),
        aanvraag: Some(v1::WmoAanvraagOntvangen {
            productcategorie: "01".into(),
            leveringsvorm: v1::Leveringsvorm::Zin as i32,
        }),
    })
    .await
    .expect("aanvraag");
    let notice = wmo
        .receive_ingebrekestelling(v1::ReceiveIngebrekestellingRequest {
            context: context_ago("dw-2", bsn, None, "WMO-DW", 20),
            ingebrekestelling: Some(v1::Ingebrekestelling {}),
        })
        .await
        .expect("notice of default")
        .into_inner();
    let view = view_of(&hub, v1::Pillar::Wmo, bsn, notice.position).await;
    let dwangsom = view
        .deadlines
        .iter()
        .find(|deadline| deadline.rule == "AWB-DWANGSOM")
        .expect("the dwangsom clock runs");
    assert_eq!(dwangsom.due, Some(proto_date(today() - Days::new(6))));
    assert_eq!(dwangsom.dwangsom_cent, 13_800);
}

#[test_log::test(tokio::test)]
async fn a_persons_avg_request_runs_a_month_and_three_once_extended() {
    let hub = TestHub::start().await;
    let mut pw = rondom_proto::v1::participatie_service_client::ParticipatieServiceClient::new(
        hub.client_for(DevClient::BackOffice(Pillar::Participatie))
            .await,
    );
    let received = pw
        .receive_avg_verzoek(v1::ReceiveAvgVerzoekRequest {
            context: context("avg-1", "111222333", None, "avg-2026-1"),
            verzoek: Some(v1::AvgVerzoek {
                recht: v1::AvgRecht::Inzage as i32,
            }),
        })
        .await
        .expect("the request")
        .into_inner();
    // AVG art. 12 lid 3: a month from Monday 30 November 2026.
    let view = view_of(
        &hub,
        v1::Pillar::Participatie,
        "111222333",
        received.position,
    )
    .await;
    let avg = find(&view, "AVG-VERZOEK", v1::Pillar::Participatie);
    assert_eq!(avg.due, Some(proto_date(date(2026, 12, 30))));

    let extended = pw
        .extend_avg_verzoek(v1::ExtendAvgVerzoekRequest {
            context: context("avg-2", "111222333", None, "avg-2026-1"),
            verlenging: Some(v1::AvgVerlenging {}),
        })
        .await
        .expect("the extension")
        .into_inner();
    let view = view_of(
        &hub,
        v1::Pillar::Participatie,
        "111222333",
        extended.position,
    )
    .await;
    // Three months: Sunday 28 February 2027, the next working day.
    let avg = find(&view, "AVG-VERZOEK", v1::Pillar::Participatie);
    assert_eq!(avg.due, Some(proto_date(date(2027, 3, 1))));

    let answered = pw
        .answer_avg_verzoek(v1::AnswerAvgVerzoekRequest {
            context: context("avg-3", "111222333", None, "avg-2026-1"),
            antwoord: Some(v1::AvgAntwoord { ingewilligd: true }),
        })
        .await
        .expect("the answer")
        .into_inner();
    let view = view_of(
        &hub,
        v1::Pillar::Participatie,
        "111222333",
        answered.position,
    )
    .await;
    let avg = find(&view, "AVG-VERZOEK", v1::Pillar::Participatie);
    assert_eq!(avg.status, v1::DeadlineStatus::Met as i32);
}

fn date(year: i32, month: u32, day: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(year, month, day).expect("a date")
}

#[test_log::test(tokio::test(flavor = "multi_thread", worker_threads = 2))]
async fn a_case_follows_its_person_to_another_household() {
    // Riet lives in Haarlem (0392): a wijkteam and a coordinator that serve both gemeenten.
    let client = rondom_e2e::client_toml;
    let both = "gemeenten = [\"0363\", \"0392\"]";
    let hub = TestHub::start_with_more_clients(
        &[
            client("wijkteam-beide", &format!("role = \"wijkteam\"\n{both}")),
            client(
                "regisseur-beide",
                &format!("role = \"coordinator\"\n{both}\nstaff_id = \"r-beide\""),
            ),
            client(
                "jeugd-beide",
                &format!("role = \"backoffice\"\npillar = \"jeugd\"\n{both}"),
            ),
        ]
        .concat(),
    )
    .await;
    let mut signals = hub.signals().await;
    let first = signals
        .post_signal(signal(
            "f-1",
            &[("111222333", "Fatima"), ("123456782", "Daan")],
            v1::Pillar::Wijkteam,
            "zorgen_opvoeding",
            "",
        ))
        .await
        .expect("first household")
        .into_inner();
    // Daan (10) has a jeugd case: an aanvraag, and jeugdhulp assigned to the provider.
    let young = Some(today() - Days::new(10 * 365));
    let mut jeugd =
        JeugdServiceClient::new(hub.client_for(DevClient::BackOffice(Pillar::Jeugd)).await);
    jeugd
        .receive_aanvraag(v1::ReceiveJeugdAanvraagRequest {
            context: context("d-1", "123456782", young, "JW-9"),
            aanvraag: Some(v1::JeugdAanvraagOntvangen {
                productcategorie: "45".into(),
            }),
        })
        .await
        .expect("aanvraag");
    let provider = DevClient::Partner(Pillar::Jeugd)
        .organisatie()
        .expect("the development jeugd provider");
    let assigned = jeugd
        .assign_jeugdhulp(v1::AssignJeugdhulpRequest {
            context: context("d-2", "123456782", young, "JW-9"),
            jeugdhulp: Some(v1::Jeugdhulp {
                aanbieder_agb: provider.into(),
                productcode: "45A48".into(),
                begindatum: on_test_day(),
                ..Default::default()
            }),
        })
        .await
        .expect("toewijzing")
        .into_inner();
    let before = view_of(&hub, v1::Pillar::Jeugd, "111222333", assigned.position).await;
    let due = find(&before, "JW-BESCHIKKING", v1::Pillar::Jeugd).due;

    let second = rondom_proto::v1::signal_service_client::SignalServiceClient::new(
        hub.connect(Some("wijkteam-beide")).await,
    )
    .post_signal(v1::PostSignalRequest {
        gemeente_code: "0392".into(),
        ..signal(
            "f-2",
            &[("222222220", "Riet")],
            v1::Pillar::Wmo,
            "eenzaamheid",
            "",
        )
    })
    .await
    .expect("second household")
    .into_inner();
    RegieServiceClient::new(hub.connect(Some("regisseur-beide")).await)
        .change_composition(daan_moves_to(&second, young))
        .await
        .expect("Daan moves in with Riet");
    let last = hub.stream_messages().await;

    // The old household keeps the case's history, ended, with nothing left open.
    let old = view_of(&hub, v1::Pillar::Jeugd, "111222333", last).await;
    let case = |view: &v1::Household| {
        view.trajectories
            .iter()
            .find(|case| case.case_id == "JW-9")
            .map(|case| case.state)
    };
    assert_eq!(case(&old), Some(v1::TrajectoryState::Beeindigd as i32));
    let left = find(&old, "JW-BESCHIKKING", v1::Pillar::Jeugd);
    assert_eq!(left.status, v1::DeadlineStatus::Lapsed as i32);
    // The new household has the case where it stood, the term with its due date unchanged,
    // in Haarlem: where Daan lives now decides which gemeente serves him (for jeugd the
    // woonplaatsbeginsel, Jeugdwet art. 1.1).
    let new = view_as_both(&hub, "123456782", last).await;
    assert_eq!(new.household_id, second.household_id);
    assert_eq!(new.gemeente_code, "0392");
    let moved_events: Vec<_> = hub
        .events()
        .await
        .into_iter()
        .filter(|(_, event)| event.household_id == second.household_id && event.case_id == "JW-9")
        .map(|(_, event)| event.gemeente_code)
        .collect();
    assert_eq!(
        moved_events,
        ["0392", "0392"],
        "the aanvraag and the toewijzing"
    );
    assert_eq!(case(&new), case(&before));
    // The coordinator's timeline of the old household tells that Daan left, not which law's
    // case went with him: no basis opens the jeugd lane to it here.
    let titles: Vec<String> =
        rondom_proto::v1::household_service_client::HouseholdServiceClient::new(
            hub.connect(Some("regisseur-beide")).await,
        )
        .get_timeline(rondom_e2e::timeline(&first.household_id, last))
        .await
        .expect("the coordinator's timeline")
        .into_inner()
        .entries
        .into_iter()
        .map(|entry| entry.title)
        .collect();
    assert!(
        titles
            .iter()
            .any(|title| title.starts_with("samenstelling")),
        "{titles:?}"
    );
    assert!(
        titles.iter().all(|title| !title.contains("JW-9")),
        "{titles:?}"
    );
    let moved = find(&new, "JW-BESCHIKKING", v1::Pillar::Jeugd);
    assert_eq!(
        (moved.due, moved.status),
        (due, v1::DeadlineStatus::Open as i32)
    );
    // The provider's sight went with the case (its toewijzing did, so a new toewijzing of
    // Haarlem is what lets it write about the case there).
    let mut partner = rondom_proto::v1::household_service_client::HouseholdServiceClient::new(
        hub.client_for(DevClient::Partner(Pillar::Jeugd)).await,
    );
    let read = |id: &str| v1::GetHouseholdRequest {
        purpose: v1::Purpose::UitvoeringJeugdwet as i32,
        ..by_id(id, last)
    };
    partner
        .get_household(read(&second.household_id))
        .await
        .expect("the provider sees the household the case went to");
    let gone = partner
        .get_household(read(&first.household_id))
        .await
        .expect_err("and no longer the one it left");
    assert_eq!(gone.code(), Code::NotFound, "{gone:?}");
    // Nothing in the new household's log names the old one.
    for (_, event) in hub.events().await {
        if event.household_id == second.household_id {
            let bytes = prost::Message::encode_to_vec(&event);
            let needle = first.household_id.as_bytes();
            assert!(!bytes.windows(needle.len()).any(|window| window == needle));
        }
    }
}

/// Reads a household as the jeugd back-office of both gemeenten of the move test: the case
/// is the Jeugdwet's, in its own lane.
async fn view_as_both(hub: &TestHub, bsn: &str, position: u64) -> v1::Household {
    rondom_proto::v1::household_service_client::HouseholdServiceClient::new(
        hub.connect(Some("jeugd-beide")).await,
    )
    .get_household(v1::GetHouseholdRequest {
        purpose: v1::Purpose::UitvoeringJeugdwet as i32,
        ..by_bsn(bsn, position)
    })
    .await
    .expect("view")
    .into_inner()
    .household
    .expect("household")
}

#[test_log::test(tokio::test(flavor = "multi_thread", worker_threads = 2))]
async fn a_toewijzing_rectified_away_grants_no_care_and_does_not_move_along() {
    let hub = TestHub::start().await;
    let mut signals = hub.signals().await;
    signals
        .post_signal(signal(
            "r-1",
            &[("111222333", "Fatima"), ("123456782", "Daan")],
            v1::Pillar::Wijkteam,
            "zorgen_opvoeding",
            "",
        ))
        .await
        .expect("first household");
    let young = Some(today() - Days::new(10 * 365));
    let mut jeugd =
        JeugdServiceClient::new(hub.client_for(DevClient::BackOffice(Pillar::Jeugd)).await);
    jeugd
        .receive_aanvraag(v1::ReceiveJeugdAanvraagRequest {
            context: context("r-2", "123456782", young, "JW-7"),
            aanvraag: Some(v1::JeugdAanvraagOntvangen {
                productcategorie: "45".into(),
            }),
        })
        .await
        .expect("aanvraag");
    let provider = DevClient::Partner(Pillar::Jeugd)
        .organisatie()
        .expect("the development jeugd provider");
    let care = || {
        Some(v1::Jeugdhulp {
            aanbieder_agb: provider.into(),
            productcode: "45A48".into(),
            begindatum: on_test_day(),
            ..Default::default()
        })
    };
    // Assigned to the wrong provider by mistake, and rectified away (AVG art. 16).
    let assigned = jeugd
        .assign_jeugdhulp(v1::AssignJeugdhulpRequest {
            context: context("r-3", "123456782", young, "JW-7"),
            jeugdhulp: care(),
        })
        .await
        .expect("toewijzing")
        .into_inner();
    jeugd
        .rectify_fact(v1::RectifyFactRequest {
            context: context("r-4", "123456782", young, "JW-7"),
            rectificatie: Some(v1::Rectificatie {
                event_id: assigned.event_id.clone(),
            }),
        })
        .await
        .expect("rectified");
    // The provider's start rests on nothing now.
    let start = JeugdServiceClient::new(hub.client_for(DevClient::Partner(Pillar::Jeugd)).await)
        .start_jeugdhulp(v1::StartJeugdhulpRequest {
            context: context("r-5", "123456782", young, "JW-7"),
            jeugdhulp: care(),
        })
        .await
        .expect_err("care on a toewijzing rectified away");
    assert_eq!(start.code(), Code::PermissionDenied, "{start:?}");

    // Daan moves in with Riet: his case goes along, without the toewijzing.
    let second = signals
        .post_signal(signal(
            "r-6",
            &[("222222220", "Riet")],
            v1::Pillar::Wmo,
            "eenzaamheid",
            "",
        ))
        .await
        .expect("second household")
        .into_inner();
    RegieServiceClient::new(hub.client_for(DevClient::Coordinator).await)
        .change_composition(daan_moves_to(&second, young))
        .await
        .expect("Daan moves in with Riet");
    let last = hub.stream_messages().await;
    let new = view_of(&hub, v1::Pillar::Jeugd, "123456782", last).await;
    assert_eq!(new.household_id, second.household_id);
    assert!(
        new.trajectories.iter().any(|case| case.case_id == "JW-7"),
        "{:?}",
        new.trajectories
    );
    assert!(new.partners.is_empty(), "{:?}", new.partners);
    let copied: Vec<String> = hub
        .events()
        .await
        .into_iter()
        .filter(|(_, event)| event.household_id == second.household_id && event.case_id == "JW-7")
        .map(|(_, event)| event.kind)
        .collect();
    assert_eq!(copied, ["aanvraag_ontvangen"]);
}

#[test_log::test(tokio::test(flavor = "multi_thread", worker_threads = 2))]
async fn a_join_refused_for_a_stale_position_takes_nobody_out_of_the_first_household() {
    let hub = TestHub::start().await;
    let bsns = rondom_e2e::valid_bsns(80);
    let mut refused = 0;
    // A coordinator's join and another write to the same household, at once, forty times: a
    // join that loses the race is refused, and then nothing of the move may have happened.
    for pair in bsns.chunks(2) {
        let (child, other) = (pair[0].as_str(), pair[1].as_str());
        let mut signals = hub.signals().await;
        let first = signals
            .post_signal(signal(
                &format!("eerst-{child}"),
                &[(child, "")],
                v1::Pillar::Wijkteam,
                "eenzaamheid",
                "",
            ))
            .await
            .expect("first household")
            .into_inner();
        let second = signals
            .post_signal(signal(
                &format!("tweede-{other}"),
                &[(other, "")],
                v1::Pillar::Wmo,
                "eenzaamheid",
                "",
            ))
            .await
            .expect("second household")
            .into_inner();
        let mut join = daan_moves_to(&second, None);
        join.person.as_mut().expect("person").bsn = child.to_owned();
        if let Some(context) = join.context.as_mut() {
            context.idempotency_key = format!("join-{child}");
        }
        let mut coordinator = RegieServiceClient::new(hub.client_for(DevClient::Coordinator).await);
        let racing = signal(
            &format!("ook-{other}"),
            &[(other, "")],
            v1::Pillar::Wmo,
            "eenzaamheid",
            "",
        );
        let (joined, _) = tokio::join!(
            coordinator.change_composition(join),
            signals.post_signal(racing)
        );
        let Err(status) = joined else { continue };
        assert_eq!(status.code(), Code::Aborted, "{status:?}");
        refused += 1;
        let last = hub.stream_messages().await;
        let old = hub
            .households()
            .await
            .get_household(by_id(&first.household_id, last))
            .await
            .expect("old")
            .into_inner()
            .household
            .expect("old");
        assert_eq!(
            old.members.len(),
            1,
            "the child left though the join was refused"
        );
    }
    assert!(refused > 0, "no join lost the race, so this proved nothing");
}
