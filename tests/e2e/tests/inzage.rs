//! A person's rights over their data. Access (AVG art. 15): an operator exports everything
//! Rondom holds on one member of the demo family, at their request and with its reference on
//! record; the export holds every fact about them and nothing of the others. Rectification
//! (art. 16): a corrected identity replaces the wrong one in the view, the timeline marks it,
//! and the log stays append-only.

use rondom_cli::scenario::{self, Person};
use rondom_e2e::{DevClient, TestHub};
use rondom_proto::v1;
use rondom_proto::v1::operator_service_client::OperatorServiceClient;
use tonic::Code;

fn request(bsn: &str, kenmerk: &str) -> v1::ExportPersonRequest {
    v1::ExportPersonRequest {
        bsn: bsn.into(),
        reden: v1::ExportReden::Inzageverzoek as i32,
        kenmerk: kenmerk.into(),
    }
}

#[test_log::test(tokio::test(flavor = "multi_thread", worker_threads = 2))]
async fn an_export_holds_every_fact_about_the_person_and_nothing_of_the_others() {
    let hub = TestHub::start().await;
    let runner = rondom_e2e::load_family(hub.scenario_connections().await).await;
    hub.wait_applied(runner.position).await;
    let household = runner.family_household().expect("family").to_owned();
    // Someone reads the household first: that read is in the export too.
    hub.households()
        .await
        .get_household(rondom_e2e::by_id(&household, runner.position))
        .await
        .expect("the coordinator reads");
    let mut operator = OperatorServiceClient::new(hub.client_for(DevClient::Operator).await);
    // His mother asked for hers first: her export is about her, not in his.
    operator
        .export_person(request(scenario::MOEDER.bsn, "INZ-MOEDER-2026"))
        .await
        .expect("her export");
    let export = operator
        .export_person(request(scenario::ZOON.bsn, "AVG-2026-7"))
        .await
        .expect("exported")
        .into_inner();
    assert_eq!(
        (export.bsn.as_str(), export.display_name.as_str()),
        (scenario::ZOON.bsn, scenario::ZOON.name)
    );
    assert_eq!(export.household_id, household);

    // Every event of his jeugd case, and every event that names him, is in it; each in full.
    let about_him: Vec<u64> = hub
        .events()
        .await
        .into_iter()
        .filter(|(_, event)| event.household_id == household)
        .filter(|(_, event)| event.case_id == scenario::CASE_JEUGD)
        .map(|(position, _)| position)
        .collect();
    let facts: Vec<u64> = export.facts.iter().map(|fact| fact.position).collect();
    assert!(!about_him.is_empty());
    assert!(
        about_him.iter().all(|p| facts.contains(p)),
        "{about_him:?} in {facts:?}"
    );
    assert!(
        export
            .facts
            .iter()
            .all(|f| f.sight == v1::Sight::Full as i32)
    );
    // The Wmo case of his grandmother is not about him.
    assert!(export.facts.iter().all(|f| f.case_id != scenario::CASE_WMO));
    assert!(!export.deadlines.is_empty());
    assert!(
        export
            .deadlines
            .iter()
            .all(|d| d.case_id == scenario::CASE_JEUGD)
    );
    // His instemming with the aanpak, with his mother.
    assert_eq!(export.aanpakken.len(), 1);
    assert_eq!(export.aanpakken[0].withdrawn_position, 0);
    // Who read the household, when and for what.
    assert!(
        export
            .reads
            .iter()
            .any(|r| r.role == "coordinator" && r.purpose == v1::Purpose::Regie as i32),
        "{:?}",
        export.reads
    );

    assert!(
        export
            .reads
            .iter()
            .all(|r| !r.method.ends_with("/ExportPerson")),
        "{:?}",
        export.reads
    );

    // Nothing of the others: not their BSN, not their name, not their requests.
    let text = format!("{export:?}");
    assert!(!text.contains("INZ-MOEDER-2026"));
    let others: [Person; 2] = [scenario::MOEDER, scenario::OMA];
    for other in others {
        assert!(!text.contains(other.bsn), "{}'s BSN is in it", other.name);
        assert!(!text.contains(other.name), "{} is in it", other.name);
    }

    // The export is on record: by whom, why, which reference, and on what basis.
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
    let on_record = records
        .iter()
        .find(|r| r.method.ends_with("/ExportPerson") && r.reason.contains("AVG-2026-7"))
        .expect("the export on record");
    assert_eq!(
        on_record.reason,
        "EXPORT_REDEN_INZAGEVERZOEK, kenmerk AVG-2026-7"
    );
    assert!(!on_record.disclosed.is_empty());
    assert!(on_record.disclosed.iter().all(|d| d.basis == "inzage"));
}

#[test_log::test(tokio::test(flavor = "multi_thread", worker_threads = 2))]
async fn an_export_needs_an_operator_a_reason_and_a_person_rondom_knows() {
    let hub = TestHub::start().await;
    let runner = rondom_e2e::load_family(hub.scenario_connections().await).await;
    hub.wait_applied(runner.position).await;
    let mut operator = OperatorServiceClient::new(hub.client_for(DevClient::Operator).await);
    let refused = operator
        .export_person(v1::ExportPersonRequest {
            bsn: "123456789".into(),
            reden: 0,
            kenmerk: String::new(),
        })
        .await
        .expect_err("nothing right");
    assert_eq!(refused.code(), Code::InvalidArgument);
    for field in ["bsn", "reden", "kenmerk"] {
        assert!(refused.message().contains(field), "{field}: {refused:?}");
    }
    let unknown = operator
        .export_person(request("999999990", "AVG-1"))
        .await
        .expect_err("unknown");
    assert_eq!(unknown.code(), Code::NotFound);
    // A reference is the request's number, not a name; neither goes on record.
    let named = operator
        .export_person(request(scenario::ZOON.bsn, "Jan.de.Vries"))
        .await
        .expect_err("a name for a reference");
    assert_eq!(named.code(), Code::InvalidArgument);
    assert!(named.message().contains("kenmerk"), "{named:?}");
    let reasons: Vec<String> = hub
        .audit_of(&DevClient::Operator.id(), "")
        .await
        .into_iter()
        .filter(|record| record.method.ends_with("/ExportPerson"))
        .map(|record| record.reason)
        .collect();
    assert!(
        reasons
            .iter()
            .all(|reason| !reason.contains("Jan.de.Vries")),
        "{reasons:?}"
    );
    // A refused export keeps its reason and reference beside why it was refused.
    assert!(
        reasons
            .iter()
            .any(|reason| reason.starts_with("EXPORT_REDEN_INZAGEVERZOEK, kenmerk AVG-1; refused:")),
        "{reasons:?}"
    );
    let coordinator = OperatorServiceClient::new(hub.client_for(DevClient::Coordinator).await)
        .export_person(request(scenario::ZOON.bsn, "AVG-1"))
        .await
        .expect_err("not an operator");
    assert_eq!(coordinator.code(), Code::PermissionDenied);
}

#[test_log::test(tokio::test(flavor = "multi_thread", worker_threads = 2))]
async fn a_rectified_identity_replaces_the_wrong_one_and_the_log_keeps_both() {
    let hub = TestHub::start().await;
    let runner = rondom_e2e::load_family(hub.scenario_connections().await).await;
    hub.wait_applied(runner.position).await;
    let household = runner.family_household().expect("family").to_owned();
    let mut households = hub.households().await;
    let view = households
        .get_household(rondom_e2e::by_id(&household, runner.position))
        .await
        .expect("view")
        .into_inner()
        .household
        .expect("household");
    let events_before = hub.stream_messages().await;
    let corrected = |display_name: &str, birth: Option<v1::Date>| v1::RectifyPersonRequest {
        context: Some(v1::RegieContext {
            idempotency_key: format!("rectificatie-{}", birth.is_some()),
            source_system: "e2e".into(),
            household_id: household.clone(),
            expected_position: view.last_position,
            occurred_at: Some(rondom_proto::convert::timestamp(chrono::Utc::now())),
            note: String::new(),
        }),
        person: Some(v1::PersonRef {
            bsn: scenario::ZOON.bsn.into(),
            display_name: display_name.into(),
            birth_date: birth,
        }),
    };
    let mut regie = rondom_proto::v1::regie_service_client::RegieServiceClient::new(
        hub.client_for(DevClient::Coordinator).await,
    );
    // Both the name and the birth date, or nothing changes.
    let refused = regie
        .rectify_person(corrected("Daan Janssen", None))
        .await
        .expect_err("no birth date");
    assert_eq!(refused.code(), Code::InvalidArgument);
    assert!(
        refused.message().contains("person.birth_date"),
        "{refused:?}"
    );
    assert_eq!(hub.stream_messages().await, events_before);

    let born = rondom_e2e::zoon().birth_date;
    let rectified = regie
        .rectify_person(corrected("Daan Janssen", born))
        .await
        .expect("rectified")
        .into_inner();
    let view = households
        .get_household(rondom_e2e::by_id(&household, rectified.position))
        .await
        .expect("view")
        .into_inner()
        .household
        .expect("household");
    let names: Vec<&str> = view
        .members
        .iter()
        .map(|m| m.display_name.as_str())
        .collect();
    assert!(names.contains(&"Daan Janssen"), "{names:?}");
    assert!(!names.contains(&scenario::ZOON.name), "{names:?}");
    let timeline = households
        .get_timeline(rondom_e2e::timeline(&household, rectified.position))
        .await
        .expect("timeline")
        .into_inner();
    assert!(
        timeline.entries.iter().any(
            |e| e.kind == "persoonsgegevens_gerectificeerd" && e.position == rectified.position
        ),
        "the correction is marked"
    );
    // Append-only: the correction is one more event; what was written before stays.
    assert_eq!(hub.stream_messages().await, events_before + 1);
    let export = OperatorServiceClient::new(hub.client_for(DevClient::Operator).await)
        .export_person(request(scenario::ZOON.bsn, "AVG-16"))
        .await
        .expect("export")
        .into_inner();
    assert_eq!(export.display_name, "Daan Janssen");
    assert!(
        export
            .facts
            .iter()
            .any(|f| f.position == rectified.position)
    );
}

/// A Wmo melding of Henk (the neighbour) on `day`, under `key`.
fn melding(key: &str, day: (i32, u32, u32)) -> v1::ReceiveWmoMeldingRequest {
    let on = chrono::NaiveDate::from_ymd_opt(day.0, day.1, day.2).expect("a date");
    v1::ReceiveWmoMeldingRequest {
        context: Some(v1::WriteContext {
            idempotency_key: key.into(),
            source_system: "wmo-backoffice".into(),
            gemeente_code: scenario::GEMEENTE.into(),
            persons: vec![v1::PersonRef {
                bsn: scenario::BUURMAN.bsn.into(),
                ..Default::default()
            }],
            occurred_at: Some(rondom_proto::convert::timestamp(
                on.and_hms_opt(9, 0, 0).expect("a time").and_utc(),
            )),
            case_id: "WMO-REC-1".into(),
            note: String::new(),
        }),
        melding: Some(v1::WmoMeldingOntvangen::default()),
    }
}

fn rectify(key: &str, event_id: &str) -> v1::RectifyFactRequest {
    let mut context = melding(key, (2026, 11, 9)).context.expect("context");
    context.case_id = "WMO-REC-1".into();
    v1::RectifyFactRequest {
        context: Some(context),
        rectificatie: Some(v1::Rectificatie {
            event_id: event_id.into(),
        }),
    }
}

#[test_log::test(tokio::test(flavor = "multi_thread", worker_threads = 2))]
async fn a_rectified_fact_leaves_the_view_and_the_right_one_takes_its_place() {
    use rondom_proto::v1::wmo_service_client::WmoServiceClient;
    let mut hub = TestHub::start().await;
    let mut wmo = WmoServiceClient::new(
        hub.client_for(DevClient::BackOffice(rondom_domain::Pillar::Wmo))
            .await,
    );
    // The melding was entered with the wrong day: 2 November instead of 9 November 2026.
    let wrong = wmo
        .receive_melding(melding("melding-fout", (2026, 11, 2)))
        .await
        .expect("melding")
        .into_inner();
    let due = |view: &v1::Household| -> Vec<Option<v1::Date>> {
        view.deadlines
            .iter()
            .filter(|d| d.rule == "WMO-ONDERZOEK")
            .map(|d| d.due)
            .collect()
    };
    let read = |position: u64| rondom_e2e::by_id(&wrong.household_id, position);
    let view = hub
        .law_view(rondom_domain::Pillar::Wmo, read(wrong.position))
        .await
        .expect("view");
    let date = |y, m, d| {
        Some(v1::Date {
            year: y,
            month: m,
            day: d,
        })
    };
    // Wmo 2.3.2: six weeks.
    assert_eq!(due(&view), [date(2026, 12, 14)]);

    // Only a fact of this law in this household can be rectified, and only once.
    let events_before = hub.stream_messages().await;
    for (key, id) in [
        (
            "rec-onbekend",
            "01a2482a-cee9-701a-933e-751d0124e026".to_owned(),
        ),
        ("rec-geen-uuid", "melding".to_owned()),
    ] {
        let refused = wmo.rectify_fact(rectify(key, &id)).await.expect_err(key);
        assert_eq!(refused.code(), Code::InvalidArgument, "{refused:?}");
        assert!(
            refused.message().contains("rectificatie.event_id"),
            "{refused:?}"
        );
    }
    let jeugd = rondom_proto::v1::jeugd_service_client::JeugdServiceClient::new(
        hub.client_for(DevClient::BackOffice(rondom_domain::Pillar::Jeugd))
            .await,
    )
    .rectify_fact(rectify("rec-jeugd", &wrong.event_id))
    .await
    .expect_err("another law's fact");
    assert_eq!(jeugd.code(), Code::InvalidArgument, "{jeugd:?}");
    assert_eq!(hub.stream_messages().await, events_before);

    // Rectified, then entered right: one term, counted from the right day.
    let rectified = wmo
        .rectify_fact(rectify("rec-1", &wrong.event_id))
        .await
        .expect("rectified")
        .into_inner();
    let again = wmo
        .rectify_fact(rectify("rec-2", &wrong.event_id))
        .await
        .expect_err("rectified before");
    assert_eq!(again.code(), Code::InvalidArgument);
    let right = wmo
        .receive_melding(melding("melding-goed", (2026, 11, 9)))
        .await
        .expect("the right melding")
        .into_inner();
    let view = hub
        .law_view(rondom_domain::Pillar::Wmo, read(right.position))
        .await
        .expect("view");
    assert_eq!(due(&view), [date(2026, 12, 21)]);
    assert_eq!(view.trajectories.len(), 1);

    // The timeline keeps the wrong fact, marked; the log keeps every event.
    let timeline = rondom_proto::v1::household_service_client::HouseholdServiceClient::new(
        hub.client_for(DevClient::BackOffice(rondom_domain::Pillar::Wmo))
            .await,
    )
    .get_timeline(v1::GetTimelineRequest {
        purpose: v1::Purpose::UitvoeringWmo as i32,
        oldest_first: true,
        ..rondom_e2e::timeline(&wrong.household_id, right.position)
    })
    .await
    .expect("timeline")
    .into_inner();
    let marked: Vec<(u64, u64)> = timeline
        .entries
        .iter()
        .map(|e| (e.position, e.rectified_by))
        .collect();
    assert_eq!(
        marked,
        [
            (wrong.position, rectified.position),
            (rectified.position, 0),
            (right.position, 0)
        ]
    );
    assert_eq!(hub.stream_messages().await, events_before + 2);

    // A rebuild of the read model from the log gives the same view.
    hub.stop().await;
    hub.rebuild(5).await.expect("rebuild");
    hub.start_again().await;
    let rebuilt = hub
        .law_view(rondom_domain::Pillar::Wmo, read(right.position))
        .await
        .expect("view after the rebuild");
    assert_eq!(rebuilt, view);
}
