//! iWmo 3.2 and iJw 3.2 messages through `IStandaardService/Submit` into households, with the
//! example messages of the standard (read from `../shared`, never copied into the repository):
//! what they become, who may send them, what is refused and why, and that every message the
//! adapter accepts validates against its XSD (Debian's xmllint).

use std::path::{Path, PathBuf};
use std::process::Command;

use rondom_e2e::TestHub;
use rondom_proto::v1;
use rondom_proto::v1::audit_service_client::AuditServiceClient;
use rondom_proto::v1::household_service_client::HouseholdServiceClient;
use rondom_proto::v1::i_standaard_service_client::IStandaardServiceClient;
use rondom_proto::v1::operator_service_client::OperatorServiceClient;
use tonic::Code;
use tonic_types::StatusExt;

const JEUGD_BACKOFFICE: &str = "istandaard-test-jeugd-backoffice";
const JEUGD_PROVIDER: &str = "istandaard-test-jeugd-aanbieder";
const WMO_BACKOFFICE: &str = "istandaard-test-wmo-backoffice";
const WMO_PROVIDER: &str = "istandaard-test-wmo-aanbieder";
/// The provider of the WMO305 and WMO307 examples.
const WMO_PROVIDER_65656055: &str = "istandaard-test-wmo-aanbieder-65656055";

/// The fixtures of the standard, beside the repository.
fn fixtures() -> PathBuf {
    let dir =
        Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/fixtures/istandaarden-3.2");
    assert!(
        dir.is_dir(),
        "the iStandaarden fixtures are missing at {}: the tests read them from ../shared",
        dir.display()
    );
    dir
}

fn example(standard: &str, name: &str) -> Vec<u8> {
    let path = fixtures().join(standard).join("berichten").join(name);
    std::fs::read(&path).unwrap_or_else(|err| panic!("{}: {err}", path.display()))
}

/// Checks `xml` against the XSD of its message with xmllint, as a receiver would.
fn validates(standard: &str, xsd: &str, xml: &[u8]) {
    let dir = fixtures().join(standard).join("xsd");
    let file = tempfile::NamedTempFile::new().expect("a temp file");
    std::fs::write(file.path(), xml).expect("write the message");
    let output = Command::new("xmllint")
        .current_dir(&dir)
        .args(["--noout", "--schema", xsd])
        .arg(file.path())
        .output()
        .unwrap_or_else(|err| {
            panic!("xmllint (Debian's libxml2-utils) is needed: run `make xmllint` ({err})")
        });
    assert!(
        output.status.success(),
        "an accepted message must validate against {xsd}: {}",
        String::from_utf8_lossy(&output.stderr)
    );
}

async fn hub() -> TestHub {
    let client = rondom_e2e::client_toml;
    TestHub::start_with_more_clients(
        &[
            client(
                JEUGD_BACKOFFICE,
                "role = \"backoffice\"\npillar = \"jeugd\"\ngemeenten = [\"0363\", \"0384\"]",
            ),
            client(
                JEUGD_PROVIDER,
                "role = \"partner\"\npillar = \"jeugd\"\norganisatie = \"65656055\"",
            ),
            client(
                WMO_BACKOFFICE,
                "role = \"backoffice\"\npillar = \"wmo\"\ngemeenten = [\"0363\", \"0384\"]",
            ),
            client(
                WMO_PROVIDER,
                "role = \"partner\"\npillar = \"wmo\"\norganisatie = \"42420001\"",
            ),
            client(
                WMO_PROVIDER_65656055,
                "role = \"partner\"\npillar = \"wmo\"\norganisatie = \"65656055\"",
            ),
        ]
        .concat(),
    )
    .await
}

async fn submit(
    hub: &TestHub,
    token: &str,
    xml: &[u8],
) -> Result<v1::SubmitResponse, tonic::Status> {
    IStandaardServiceClient::new(hub.connect(Some(token)).await)
        .submit(v1::SubmitRequest { xml: xml.to_vec() })
        .await
        .map(tonic::Response::into_inner)
}

fn violations(status: &tonic::Status) -> Vec<(String, String)> {
    assert_eq!(status.code(), Code::InvalidArgument, "{status:?}");
    status
        .get_details_bad_request()
        .expect("BadRequest detail")
        .field_violations
        .into_iter()
        .map(|violation| (violation.field, violation.description))
        .collect()
}

/// The JW301 example, sent by the gemeente of the JW305 and JW307 examples (0363) to their
/// provider (65656055): the toewijzing their start and stop rest on.
fn toewijzing_for_the_examples() -> Vec<u8> {
    let text = String::from_utf8(example("ijw", "JW301.xml")).expect("UTF-8");
    text.replace(">0384<", ">0363<")
        .replace(">42420001<", ">65656055<")
        .into_bytes()
}

#[test_log::test(tokio::test(flavor = "multi_thread", worker_threads = 2))]
async fn the_jeugd_examples_become_a_toewijzing_its_start_and_its_stop() {
    let hub = hub().await;
    let toewijzing = toewijzing_for_the_examples();
    validates("ijw", "JW301.xsd", &toewijzing);
    let assigned = submit(&hub, JEUGD_BACKOFFICE, &toewijzing)
        .await
        .expect("JW301");
    assert_eq!(assigned.events.len(), 2, "one event per ToegewezenProduct");
    let start = example("ijw", "JW305.xml");
    validates("ijw", "JW305.xsd", &start);
    let started = submit(&hub, JEUGD_PROVIDER, &start).await.expect("JW305");
    let stop = example("ijw", "JW307.xml");
    validates("ijw", "JW307.xsd", &stop);
    let stopped = submit(&hub, JEUGD_PROVIDER, &stop).await.expect("JW307");
    assert_eq!((started.events.len(), stopped.events.len()), (2, 2));
    // Idempotent per sender and BerichtIdentificatie: the same message again writes nothing.
    let again = submit(&hub, JEUGD_PROVIDER, &start)
        .await
        .expect("JW305 again");
    assert!(again.events.iter().all(|event| event.duplicate));
    assert_eq!(again.events[0].event_id, started.events[0].event_id);

    // The jeugd back-office of 0363 reads the household of the client (BSN 999900006).
    let position = stopped.events[1].position;
    let mut households = HouseholdServiceClient::new(hub.connect(Some(JEUGD_BACKOFFICE)).await);
    let view = households
        .get_household(v1::GetHouseholdRequest {
            purpose: v1::Purpose::UitvoeringJeugdwet as i32,
            ..rondom_e2e::by_bsn("999900006", position)
        })
        .await
        .expect("the view")
        .into_inner()
        .household
        .expect("a household");
    assert_eq!(view.gemeente_code, "0363");
    let jeugd = view
        .trajectories
        .iter()
        .find(|trajectory| trajectory.pillar == v1::Pillar::Jeugd as i32)
        .expect("a jeugd trajectory");
    assert_eq!(jeugd.last_kind, "jeugdhulp_beeindigd");
    let timeline = households
        .get_timeline(v1::GetTimelineRequest {
            purpose: v1::Purpose::UitvoeringJeugdwet as i32,
            oldest_first: true,
            ..rondom_e2e::timeline(&view.household_id, position)
        })
        .await
        .expect("the timeline")
        .into_inner();
    let entries: Vec<(&str, &str)> = timeline
        .entries
        .iter()
        .map(|entry| (entry.kind.as_str(), entry.case_id.as_str()))
        .collect();
    assert_eq!(
        entries,
        [
            ("jeugdhulp_toegewezen", "toewijzing-300201"),
            ("jeugdhulp_toegewezen", "toewijzing-300202"),
            ("jeugdhulp_gestart", "toewijzing-300201"),
            ("jeugdhulp_gestart", "toewijzing-300202"),
            ("jeugdhulp_beeindigd", "toewijzing-300201"),
            ("jeugdhulp_beeindigd", "toewijzing-300202"),
        ]
    );
    // The first stop, field by field: provider, product, the days and the reason (iJw 31,
    // "volgens plan beeindigd").
    let stop = timeline.entries[4]
        .event
        .as_ref()
        .and_then(|event| event.body.clone());
    let Some(v1::event::Body::Jeugdhulp(jeugdhulp)) = stop else {
        panic!("a jeugdhulp payload: {stop:?}");
    };
    assert_eq!(jeugdhulp.aanbieder_agb, "65656055");
    assert_eq!(jeugdhulp.productcode, "55A11");
    assert_eq!(
        jeugdhulp.begindatum,
        Some(v1::Date {
            year: 2026,
            month: 4,
            day: 3
        })
    );
    assert_eq!(
        jeugdhulp.einddatum,
        Some(v1::Date {
            year: 2026,
            month: 7,
            day: 17
        })
    );
    assert_eq!(jeugdhulp.reden, v1::StopReden::DoelBereikt as i32);
}

#[test_log::test(tokio::test(flavor = "multi_thread", worker_threads = 2))]
async fn a_message_is_taken_only_from_its_sender_and_a_wrong_one_gets_its_reasons() {
    let hub = hub().await;
    // The WMO301 example as it is: gemeente 0384 assigns to 42420001.
    let wmo301 = example("iwmo", "WMO301.xml");
    validates("iwmo", "WMO301.xsd", &wmo301);
    let assigned = submit(&hub, WMO_BACKOFFICE, &wmo301).await.expect("WMO301");
    assert_eq!(assigned.events.len(), 1);

    // A provider does not send a toewijzing, and a back-office does not start care.
    let denied = submit(&hub, JEUGD_PROVIDER, &example("ijw", "JW301.xml"))
        .await
        .expect_err("a provider's 301");
    assert_eq!(denied.code(), Code::PermissionDenied, "{denied:?}");
    let denied = submit(&hub, JEUGD_BACKOFFICE, &example("ijw", "JW305.xml"))
        .await
        .expect_err("a back-office's 305");
    assert_eq!(denied.code(), Code::PermissionDenied, "{denied:?}");

    // The refusal is on record under its sender, with the event type of the message.
    let records = AuditServiceClient::new(hub.client_for(rondom_e2e::DevClient::Operator).await)
        .list_audit_records(v1::ListAuditRecordsRequest {
            purpose: v1::Purpose::Beheer as i32,
            client_id: JEUGD_PROVIDER.to_owned(),
            ..Default::default()
        })
        .await
        .expect("the operator reads the log")
        .into_inner()
        .records;
    let refusals: Vec<(&str, &str)> = records
        .iter()
        .map(|record| (record.event_type.as_str(), record.outcome.as_str()))
        .collect();
    assert_eq!(
        refusals,
        [(
            "nl.rondom.jeugd.jeugdhulp_toegewezen.v1",
            "PERMISSION_DENIED"
        )],
        "{records:?}"
    );

    // Declarations carry billing data the household view does not need.
    for (standard, name) in [("iwmo", "WMO323.xml"), ("ijw", "JW323.xml")] {
        let refused = submit(&hub, WMO_BACKOFFICE, &example(standard, name))
            .await
            .expect_err("a declaration");
        let reasons = violations(&refused);
        assert!(
            reasons
                .iter()
                .any(|(_, why)| why.contains("purpose") || why.contains("doelbinding")),
            "{name}: {reasons:?}"
        );
    }

    // A broken date is named by its element path.
    let broken = String::from_utf8(wmo301.clone()).expect("UTF-8").replace(
        "<wmo301:Einddatum>2023-12-31<",
        "<wmo301:Einddatum>2023-02-30<",
    );
    let refused = submit(&hub, WMO_BACKOFFICE, broken.as_bytes())
        .await
        .expect_err("30 February");
    let reasons = violations(&refused);
    assert!(
        reasons.iter().any(|(path, _)| path.ends_with("Einddatum")),
        "{reasons:?}"
    );

    // The Jeugdwet's own rules hold too, and name the element: a client of 36 is past 23.
    let adult = String::from_utf8(example("ijw", "JW305.xml"))
        .expect("UTF-8")
        .replace(">2010-02-14<", ">1990-02-14<");
    let refused = submit(&hub, JEUGD_PROVIDER, adult.as_bytes())
        .await
        .expect_err("the Jeugdwet stops at 23");
    let reasons = violations(&refused);
    assert!(
        reasons
            .iter()
            .any(|(path, _)| path == "Client/Geboortedatum/Datum"),
        "{reasons:?}"
    );

    // StatusAanlevering 9 ("niet van toepassing") is no delivery of a stop line.
    let unchanged = String::from_utf8(example("ijw", "JW307.xml"))
        .expect("UTF-8")
        .replacen(
            ">1</jw307:StatusAanlevering>",
            ">9</jw307:StatusAanlevering>",
            1,
        );
    let refused = submit(&hub, JEUGD_PROVIDER, unchanged.as_bytes())
        .await
        .expect_err("status 9");
    let reasons = violations(&refused);
    assert_eq!(
        reasons.first().map(|(path, _)| path.as_str()),
        Some("Client/StopProducten/StopProduct[1]/StatusAanlevering"),
        "{reasons:?}"
    );

    // An iWmo 2.0 message is of an older release.
    let old = std::fs::read(fixtures().join("../iwmo2/CasusA-02-WMO301_toewijzing.xml"))
        .expect("the iWmo 2.0 example");
    let refused = submit(&hub, WMO_BACKOFFICE, &old)
        .await
        .expect_err("iWmo 2.0");
    let reasons = violations(&refused);
    assert!(
        reasons.iter().any(|(_, why)| why.contains("3.2")),
        "{reasons:?}"
    );

    // Nothing of the refused messages was written: the hub holds the one toewijzing.
    assert_eq!(hub.stream_messages().await, 1);
}

#[test_log::test(tokio::test(flavor = "multi_thread", worker_threads = 2))]
async fn a_toewijzing_withdrawn_by_a_later_301_leaves_the_provider_without_sight() {
    let hub = hub().await;
    let toewijzing = toewijzing_for_the_examples();
    let assigned = submit(&hub, JEUGD_BACKOFFICE, &toewijzing)
        .await
        .expect("JW301");
    let read = |position: u64| {
        let hub = &hub;
        async move {
            HouseholdServiceClient::new(hub.connect(Some(JEUGD_PROVIDER)).await)
                .get_household(v1::GetHouseholdRequest {
                    purpose: v1::Purpose::UitvoeringJeugdwet as i32,
                    ..rondom_e2e::by_bsn("999900006", position)
                })
                .await
        }
    };
    read(assigned.events[1].position)
        .await
        .expect("the provider assigned to the household reads it");

    // On 1 May the gemeente sends the toewijzing again with an einddatum of 20 April, before
    // the day of the message: the assignment is withdrawn, and with it the provider's sight.
    let withdrawal = String::from_utf8(toewijzing)
        .expect("UTF-8")
        .replace(">123456789012<", ">123456789013<")
        .replace(
            ">2026-04-01</ijw:Dagtekening>",
            ">2026-05-01</ijw:Dagtekening>",
        )
        .replace(">2026-07-14<", ">2026-04-20<")
        .replace(">2026-07-19<", ">2026-04-20<");
    validates("ijw", "JW301.xsd", withdrawal.as_bytes());
    let withdrawn = submit(&hub, JEUGD_BACKOFFICE, withdrawal.as_bytes())
        .await
        .expect("the withdrawal");
    let refused = read(withdrawn.events[1].position)
        .await
        .expect_err("no sight after the withdrawal");
    assert_eq!(refused.code(), Code::NotFound, "{refused:?}");
}

/// `text` as a new message of its sender: another BerichtIdentificatie.
fn resent(text: &str, identificatie: &str) -> String {
    text.replace(">123456789012<", &format!(">{identificatie}<"))
}

#[test_log::test(tokio::test(flavor = "multi_thread", worker_threads = 2))]
async fn corrections_and_deletions_replace_or_withdraw_the_delivery_they_name() {
    let hub = hub().await;
    let toewijzing = String::from_utf8(toewijzing_for_the_examples()).expect("UTF-8");
    submit(&hub, JEUGD_BACKOFFICE, toewijzing.as_bytes())
        .await
        .expect("JW301");
    let start = String::from_utf8(example("ijw", "JW305.xml")).expect("UTF-8");
    submit(&hub, JEUGD_PROVIDER, start.as_bytes())
        .await
        .expect("JW305");
    let stop = String::from_utf8(example("ijw", "JW307.xml")).expect("UTF-8");
    submit(&hub, JEUGD_PROVIDER, stop.as_bytes())
        .await
        .expect("JW307");

    // The provider takes its stop back (StatusAanlevering 3) and corrects its start (2).
    let deleted_stop = resent(&stop, "907").replace(
        ">1</jw307:StatusAanlevering>",
        ">3</jw307:StatusAanlevering>",
    );
    validates("ijw", "JW307.xsd", deleted_stop.as_bytes());
    submit(&hub, JEUGD_PROVIDER, deleted_stop.as_bytes())
        .await
        .expect("the deletion of the stop");
    let corrected_start = resent(&start, "905").replace(
        ">1</jw305:StatusAanlevering>",
        ">2</jw305:StatusAanlevering>",
    );
    validates("ijw", "JW305.xsd", corrected_start.as_bytes());
    let corrected = submit(&hub, JEUGD_PROVIDER, corrected_start.as_bytes())
        .await
        .expect("the correction of the start");

    let position = corrected.events[1].position;
    let mut households = HouseholdServiceClient::new(hub.connect(Some(JEUGD_BACKOFFICE)).await);
    let view = households
        .get_household(v1::GetHouseholdRequest {
            purpose: v1::Purpose::UitvoeringJeugdwet as i32,
            ..rondom_e2e::by_bsn("999900006", position)
        })
        .await
        .expect("the view")
        .into_inner()
        .household
        .expect("a household");
    // Care did not end after all: both cases are active again, and the stop message IJW-STOP
    // waited for is no stop message any more.
    let states: Vec<(&str, i32)> = view
        .trajectories
        .iter()
        .map(|trajectory| (trajectory.case_id.as_str(), trajectory.state))
        .collect();
    let active = v1::TrajectoryState::Actief as i32;
    assert_eq!(
        states,
        [("toewijzing-300201", active), ("toewijzing-300202", active)]
    );
    assert!(
        view.deadlines
            .iter()
            .all(|deadline| deadline.rule != "IJW-STOP"),
        "{:?}",
        view.deadlines
    );
    let timeline = households
        .get_timeline(v1::GetTimelineRequest {
            purpose: v1::Purpose::UitvoeringJeugdwet as i32,
            oldest_first: true,
            ..rondom_e2e::timeline(&view.household_id, position)
        })
        .await
        .expect("the timeline")
        .into_inner();
    let titles: Vec<&str> = timeline.entries[6..]
        .iter()
        .map(|entry| entry.title.as_str())
        .collect();
    assert_eq!(
        titles,
        [
            "jeugdhulp beeindigd: stop verwijderd, aanbieder 65656055",
            "jeugdhulp beeindigd: stop verwijderd, aanbieder 65656055",
            "jeugdhulp gestart: gecorrigeerd, aanbieder 65656055",
            "jeugdhulp gestart: gecorrigeerd, aanbieder 65656055",
        ]
    );

    // The gemeente deletes the toewijzing (RedenWijziging 13): the provider loses its sight
    // and may not write about the case any more.
    let deleted = with_reden_wijziging(&resent(&toewijzing, "901"), "13");
    validates("ijw", "JW301.xsd", deleted.as_bytes());
    let withdrawn = submit(&hub, JEUGD_BACKOFFICE, deleted.as_bytes())
        .await
        .expect("the deletion of the toewijzing");
    let refused = HouseholdServiceClient::new(hub.connect(Some(JEUGD_PROVIDER)).await)
        .get_household(v1::GetHouseholdRequest {
            purpose: v1::Purpose::UitvoeringJeugdwet as i32,
            ..rondom_e2e::by_bsn("999900006", withdrawn.events[1].position)
        })
        .await
        .expect_err("no sight after the deletion");
    assert_eq!(refused.code(), Code::NotFound, "{refused:?}");
    let refused = submit(&hub, JEUGD_PROVIDER, resent(&stop, "908").as_bytes())
        .await
        .expect_err("a stop on a deleted toewijzing");
    assert_eq!(refused.code(), Code::PermissionDenied, "{refused:?}");
}

/// A 301 with a RedenWijziging on every ToegewezenProduct, in the place its XSD gives it
/// (after the Einddatum).
fn with_reden_wijziging(text: &str, reden: &str) -> String {
    let mut out = String::new();
    let mut rest = text;
    while let Some(at) = rest.find("</jw301:Einddatum>") {
        let end = at + "</jw301:Einddatum>".len();
        out.push_str(&rest[..end]);
        out.push_str(&format!(
            "<jw301:RedenWijziging>{reden}</jw301:RedenWijziging>"
        ));
        rest = &rest[end..];
    }
    out.push_str(rest);
    out
}

#[test_log::test(tokio::test(flavor = "multi_thread", worker_threads = 2))]
async fn a_providers_request_reaches_the_gemeente_and_gives_the_provider_no_sight() {
    let hub = hub().await;
    let wmo315 = example("iwmo", "WMO315.xml");
    validates("iwmo", "WMO315.xsd", &wmo315);
    // Only a provider of the law asks, and only for itself.
    let denied = submit(&hub, WMO_BACKOFFICE, &wmo315)
        .await
        .expect_err("a back-office's 315");
    assert_eq!(denied.code(), Code::PermissionDenied, "{denied:?}");
    let asked = submit(&hub, WMO_PROVIDER, &wmo315).await.expect("WMO315");
    // The answer does not say which household the request went to.
    assert_eq!(asked.events.len(), 2, "one event per AangevraagdProduct");
    assert!(
        asked
            .events
            .iter()
            .all(|event| event.household_id.is_empty() && event.position == 0),
        "{asked:?}"
    );
    let position = hub.stream_messages().await;
    let refused = HouseholdServiceClient::new(hub.connect(Some(WMO_PROVIDER)).await)
        .get_household(v1::GetHouseholdRequest {
            purpose: v1::Purpose::UitvoeringWmo as i32,
            ..rondom_e2e::by_bsn("999900006", position)
        })
        .await
        .expect_err("a request gives no sight");
    assert_eq!(refused.code(), Code::NotFound, "{refused:?}");

    // The gemeente's back-office (0384) sees two requests, each a case of its own.
    let mut households = HouseholdServiceClient::new(hub.connect(Some(WMO_BACKOFFICE)).await);
    let view = households
        .get_household(v1::GetHouseholdRequest {
            purpose: v1::Purpose::UitvoeringWmo as i32,
            ..rondom_e2e::by_bsn("999900006", position)
        })
        .await
        .expect("the view")
        .into_inner()
        .household
        .expect("a household");
    assert_eq!(view.gemeente_code, "0384");
    // Its case is the provider's AGB code and a digest of its reference: no free text.
    let aangemeld = v1::TrajectoryState::Aangemeld as i32;
    assert_eq!(view.trajectories.len(), 2, "{:?}", view.trajectories);
    for trajectory in &view.trajectories {
        let digest = trajectory
            .case_id
            .strip_prefix("verzoek-42420001-")
            .unwrap_or_else(|| panic!("{}", trajectory.case_id));
        assert!(digest.len() == 16 && digest.bytes().all(|b| b.is_ascii_hexdigit()));
        assert_eq!(trajectory.state, aangemeld);
    }
    let first = view.trajectories[0].case_id.clone();
    assert_ne!(first, view.trajectories[1].case_id);
    let timeline = households
        .get_timeline(v1::GetTimelineRequest {
            purpose: v1::Purpose::UitvoeringWmo as i32,
            oldest_first: true,
            ..rondom_e2e::timeline(&view.household_id, position)
        })
        .await
        .expect("the timeline")
        .into_inner();
    let entry = &timeline.entries[0];
    assert_eq!(
        (entry.kind.as_str(), entry.case_id.as_str()),
        ("toewijzing_gevraagd", first.as_str())
    );
    let body = entry.event.as_ref().and_then(|event| event.body.clone());
    let date = |year, month, day| Some(v1::Date { year, month, day });
    assert_eq!(
        body,
        Some(v1::event::Body::ToewijzingGevraagd(
            v1::ToewijzingGevraagd {
                aanbieder_agb: "42420001".into(),
                productcategorie: "01".into(),
                productcode: "ABCDE".into(),
                begindatum: date(2023, 6, 1),
                einddatum: date(2023, 6, 30),
                verwijzer: v1::Verwijzer::GecertificeerdeInstelling as i32,
            }
        ))
    );

    // The JW315 example asks for a toewijzing ending on 31 June: refused, by that element.
    let refused = submit(&hub, JEUGD_PROVIDER, &example("ijw", "JW315.xml"))
        .await
        .expect_err("JW315");
    let reasons = violations(&refused);
    let paths: Vec<&str> = reasons.iter().map(|(path, _)| path.as_str()).collect();
    assert_eq!(
        paths,
        [
            "Client/AangevraagdeProducten/AangevraagdProduct[1]/ToewijzingEinddatum",
            "Client/AangevraagdeProducten/AangevraagdProduct[2]/ToewijzingEinddatum",
        ]
    );
    // The other invalid example, a JW318, has a RetourCode outside its RetourCodes; a valid
    // retour message is the receiver's answer to the sender, which Rondom does not read.
    let refused = submit(&hub, JEUGD_PROVIDER, &example("ijw", "JW318.xml"))
        .await
        .expect_err("JW318");
    let reasons = violations(&refused);
    assert_eq!(reasons[0].0, "Client/Verzoek/RetourCode", "{reasons:?}");
    let refused = submit(&hub, JEUGD_PROVIDER, &example("ijw", "JW316.xml"))
        .await
        .expect_err("JW316");
    let reasons = violations(&refused);
    assert!(reasons[0].1.contains("not read"), "{reasons:?}");

    // The same request sent to another gemeente (Leeuwarden) does not land in this
    // gemeente's household of the person, where the gemeente asked would never see it.
    let elsewhere = String::from_utf8(wmo315.clone())
        .expect("UTF-8")
        .replace(
            "<wmo315:Ontvanger>0384</wmo315:Ontvanger>",
            "<wmo315:Ontvanger>0080</wmo315:Ontvanger>",
        )
        .replace(
            "<iwmo:Identificatie>123456789012</iwmo:Identificatie>",
            "<iwmo:Identificatie>123456789099</iwmo:Identificatie>",
        );
    assert_ne!(elsewhere.as_bytes(), wmo315);
    let refused = submit(&hub, WMO_PROVIDER, elsewhere.as_bytes())
        .await
        .expect_err("a person of another gemeente's household");
    assert_eq!(refused.code(), Code::PermissionDenied, "{refused:?}");
    assert!(
        refused
            .message()
            .contains("than the one the message is sent to"),
        "{refused:?}"
    );
    assert_eq!(
        hub.stream_messages().await,
        2,
        "the two lines of the WMO315 only"
    );
}

#[test_log::test(tokio::test(flavor = "multi_thread", worker_threads = 2))]
async fn a_providers_request_to_change_is_one_event_for_the_gemeente() {
    let hub = hub().await;
    // The iStandaarden examples hold no 317: this one was made for the tests.
    let wmo317 = made_for_tests("WMO317.xml");
    validates("iwmo", "WMO317.xsd", &wmo317);
    // It asks to change toewijzing 101, which the provider does not hold yet: refused,
    // nothing written.
    let not_held = submit(&hub, WMO_PROVIDER, &wmo317)
        .await
        .expect_err("a change of care it was not assigned");
    assert_eq!(not_held.code(), Code::PermissionDenied, "{not_held:?}");
    assert_eq!(hub.stream_messages().await, 0);
    // 0384 assigns it (the WMO301 example), then the request goes in.
    submit(&hub, WMO_BACKOFFICE, &example("iwmo", "WMO301.xml"))
        .await
        .expect("WMO301");
    let asked = submit(&hub, WMO_PROVIDER, &wmo317).await.expect("WMO317");
    assert_eq!(asked.events.len(), 1, "one request, whatever it lists");
    assert!(asked.events[0].household_id.is_empty());

    let position = hub.stream_messages().await;
    let mut households = HouseholdServiceClient::new(hub.connect(Some(WMO_BACKOFFICE)).await);
    let view = households
        .get_household(v1::GetHouseholdRequest {
            purpose: v1::Purpose::UitvoeringWmo as i32,
            ..rondom_e2e::by_bsn("999900006", position)
        })
        .await
        .expect("the view")
        .into_inner()
        .household
        .expect("a household");
    let timeline = households
        .get_timeline(v1::GetTimelineRequest {
            purpose: v1::Purpose::UitvoeringWmo as i32,
            ..rondom_e2e::timeline(&view.household_id, position)
        })
        .await
        .expect("the timeline")
        .into_inner();
    let entry = &timeline.entries[0];
    assert_eq!(entry.kind, "wijziging_gevraagd", "newest first");
    assert!(
        entry.case_id.starts_with("verzoek-42420001-"),
        "{}",
        entry.case_id
    );
    assert_eq!(
        entry.event.as_ref().and_then(|event| event.body.clone()),
        Some(v1::event::Body::WijzigingGevraagd(v1::WijzigingGevraagd {
            aanbieder_agb: "42420001".into(),
            reden: v1::RedenVerzoek::Zorgplan as i32,
            te_wijzigen: vec![101],
            nieuwe_producten: 1,
        }))
    );
}

/// A message made for the tests, from the adapter's testdata.
fn made_for_tests(name: &str) -> Vec<u8> {
    rondom_e2e::istandaard_testdata(name).into_bytes()
}

#[test_log::test(tokio::test(flavor = "multi_thread", worker_threads = 2))]
async fn the_gemeentes_answer_finds_the_request_it_answers_without_naming_the_client() {
    let hub = hub().await;
    let wmo315 = example("iwmo", "WMO315.xml");
    submit(&hub, WMO_PROVIDER, &wmo315).await.expect("WMO315");
    // The same BerichtIdentificatie for a request about someone else is refused: the answer
    // below must not follow it into their household.
    let reused = String::from_utf8(wmo315)
        .expect("UTF-8")
        .replace(">999900006<", ">999990342<");
    validates("iwmo", "WMO315.xsd", reused.as_bytes());
    let refused = submit(&hub, WMO_PROVIDER, reused.as_bytes())
        .await
        .expect_err("a BerichtIdentificatie used for another message");
    let reasons = violations(&refused);
    assert!(
        reasons
            .iter()
            .all(|(field, _)| field == "Header/BerichtIdentificatie/Identificatie"),
        "{reasons:?}"
    );
    // 0384 refuses the first request (ReferentieAanbieder 42420001): no contract.
    let wmo319 = made_for_tests("WMO319.xml");
    validates("iwmo", "WMO319.xsd", &wmo319);
    let denied = submit(&hub, WMO_PROVIDER, &wmo319)
        .await
        .expect_err("a provider's 319");
    assert_eq!(denied.code(), Code::PermissionDenied, "{denied:?}");
    let answered = submit(&hub, WMO_BACKOFFICE, &wmo319).await.expect("WMO319");
    let written = &answered.events[0];

    let mut households = HouseholdServiceClient::new(hub.connect(Some(WMO_BACKOFFICE)).await);
    let view = households
        .get_household(v1::GetHouseholdRequest {
            purpose: v1::Purpose::UitvoeringWmo as i32,
            ..rondom_e2e::by_bsn("999900006", written.position)
        })
        .await
        .expect("the view")
        .into_inner()
        .household
        .expect("a household");
    // The answer went to the household of the request, and ended that request only.
    assert_eq!(view.household_id, written.household_id);
    let timeline = households
        .get_timeline(v1::GetTimelineRequest {
            purpose: v1::Purpose::UitvoeringWmo as i32,
            oldest_first: true,
            ..rondom_e2e::timeline(&view.household_id, written.position)
        })
        .await
        .expect("the timeline")
        .into_inner();
    let first_case = timeline.entries[0].case_id.clone();
    let answer = timeline.entries.last().expect("the answer");
    assert_eq!(
        (answer.kind.as_str(), answer.case_id.as_str()),
        ("verzoek_beantwoord", first_case.as_str())
    );
    assert_eq!(
        answer.title,
        "antwoord op verzoek (WMO319): afgewezen, geen contract, aanbieder 42420001"
    );
    let states: Vec<(bool, i32)> = view
        .trajectories
        .iter()
        .map(|case| (case.case_id == first_case, case.state))
        .collect();
    assert_eq!(
        states,
        [
            (true, v1::TrajectoryState::Beeindigd as i32),
            (false, v1::TrajectoryState::Aangemeld as i32)
        ]
    );

    // An answer to a request Rondom does not hold gets the standard's retourcode 9355.
    let unknown = String::from_utf8(wmo319)
        .expect("UTF-8")
        .replace(">A319-1<", ">A319-2<")
        .replace(
            ">42420001</wmo319:ReferentieAanbieder>",
            ">onbekend</wmo319:ReferentieAanbieder>",
        );
    let refused = submit(&hub, WMO_BACKOFFICE, unknown.as_bytes())
        .await
        .expect_err("an answer to no request");
    let reasons = violations(&refused);
    assert_eq!(reasons.len(), 1, "{reasons:?}");
    assert_eq!(reasons[0].0, "Antwoord/ReferentieAanbieder");
    assert!(reasons[0].1.contains("9355"), "{reasons:?}");

    // After an erasure the request is gone from the registry too: an answer to the second
    // request finds nothing to answer.
    OperatorServiceClient::new(hub.client_for(rondom_e2e::DevClient::Operator).await)
        .erase_household(v1::EraseHouseholdRequest {
            household_id: view.household_id.clone(),
            reden: v1::ErasureReason::VerzoekBetrokkene as i32,
        })
        .await
        .expect("the operator erases");
    let second = unknown.replace(">A319-2<", ">A319-3<").replace(
        ">onbekend</wmo319:ReferentieAanbieder>",
        ">42420002</wmo319:ReferentieAanbieder>",
    );
    let refused = submit(&hub, WMO_BACKOFFICE, second.as_bytes())
        .await
        .expect_err("an answer to a request of an erased household");
    assert!(violations(&refused)[0].1.contains("9355"));
    // Nothing in the registry leads to the erased household any more.
    let registry =
        rondom_bus::stream::bucket(&hub.jetstream().await, rondom_bus::stream::PERSONS_BUCKET)
            .await
            .expect("the registry");
    let mut names = registry.keys().await.expect("its keys");
    while let Some(name) = futures::StreamExt::next(&mut names).await {
        let name = name.expect("a key");
        let value = registry.get(&name).await.expect("an entry");
        assert_ne!(
            value.as_deref(),
            Some(view.household_id.as_bytes()),
            "{name} still leads to the erased household"
        );
    }
}

#[test_log::test(tokio::test(flavor = "multi_thread", worker_threads = 2))]
async fn a_message_whose_second_line_the_law_refuses_writes_no_line() {
    let hub = hub().await;
    // "55-12" is a ProductCode to the XSD (any 1 to 5 characters), not to the law's rules.
    let text = String::from_utf8(toewijzing_for_the_examples()).expect("UTF-8");
    let broken = text.replace(">55A12<", ">55-12<");
    validates("ijw", "JW301.xsd", broken.as_bytes());
    let refused = submit(&hub, JEUGD_BACKOFFICE, broken.as_bytes())
        .await
        .expect_err("the second line");
    let reasons = violations(&refused);
    assert_eq!(
        reasons.first().map(|(path, _)| path.as_str()),
        Some("Client/ToegewezenProducten/ToegewezenProduct[2]/Product/Code"),
        "{reasons:?}"
    );
    assert_eq!(hub.stream_messages().await, 0, "the first line was written");
}

#[test_log::test(tokio::test(flavor = "multi_thread", worker_threads = 2))]
async fn a_providers_request_does_not_make_a_client_the_gemeente_it_asked() {
    let hub = hub().await;
    // The provider asks 0384 about a client the hub does not know yet (BSN 999900006).
    submit(&hub, WMO_PROVIDER, &example("iwmo", "WMO315.xml"))
        .await
        .expect("WMO315");
    // Amsterdam's wijkteam writes about the same person: not refused as 0384's, but in a
    // household of its own.
    let signal = hub
        .signals()
        .await
        .post_signal(rondom_e2e::signal(
            "na-verzoek",
            &[("999900006", "")],
            v1::Pillar::Wmo,
            "eenzaamheid",
            "",
        ))
        .await
        .expect("the gemeente where the client lives writes")
        .into_inner();
    // 0384 still finds the request it was asked, where it was made.
    let answered = submit(&hub, WMO_BACKOFFICE, &made_for_tests("WMO319.xml"))
        .await
        .expect("WMO319");
    assert_ne!(answered.events[0].household_id, signal.household_id);
}

#[test_log::test(tokio::test(flavor = "multi_thread", worker_threads = 2))]
async fn a_start_whose_second_line_has_no_toewijzing_writes_no_line() {
    let hub = hub().await;
    submit(&hub, JEUGD_BACKOFFICE, &toewijzing_for_the_examples())
        .await
        .expect("JW301");
    let before = hub.stream_messages().await;
    // The second line names a toewijzing the provider does not hold: only the log can tell.
    let start = String::from_utf8(example("ijw", "JW305.xml"))
        .expect("UTF-8")
        .replace(">300202<", ">399999<");
    validates("ijw", "JW305.xsd", start.as_bytes());
    let refused = submit(&hub, JEUGD_PROVIDER, start.as_bytes())
        .await
        .expect_err("the second line");
    assert_eq!(refused.code(), Code::PermissionDenied, "{refused:?}");
    assert_eq!(
        hub.stream_messages().await,
        before,
        "the first line was written"
    );
}

#[test]
fn every_message_made_for_the_tests_validates_against_its_xsd() {
    // The iStandaarden examples hold no 317 or 319: the adapter's tests use their own.
    for (standard, name) in [
        ("iwmo", "WMO317"),
        ("iwmo", "WMO319"),
        ("ijw", "JW317"),
        ("ijw", "JW319"),
    ] {
        validates(
            standard,
            &format!("{name}.xsd"),
            &made_for_tests(&format!("{name}.xml")),
        );
    }
}

/// The WMO301 example as the toewijzing the WMO305 and WMO307 examples rest on: gemeente
/// 0363 assigns 01A11 (300201) and 01A12 (300202) to 65656055 from 1 April 2025.
fn wmo_toewijzing_for_the_examples() -> Vec<u8> {
    let text = String::from_utf8(example("iwmo", "WMO301.xml")).expect("UTF-8");
    let text = text
        .replace(">0384<", ">0363<")
        .replace(">42420001<", ">65656055<")
        .replace(
            ">2023-08-13</iwmo:Dagtekening>",
            ">2025-03-25</iwmo:Dagtekening>",
        )
        .replace(">2023-01-01<", ">2025-04-01<")
        .replace(">2023-12-31<", ">2025-12-31<");
    let start = text.find("<wmo301:ToegewezenProduct>").expect("a line");
    let end = text.find("</wmo301:ToegewezenProduct>").expect("its end")
        + "</wmo301:ToegewezenProduct>".len();
    let line = &text[start..end];
    let first = line
        .replace(">101<", ">300201<")
        .replace(">01A01<", ">01A11<");
    let second = line
        .replace(">101<", ">300202<")
        .replace(">01A01<", ">01A12<")
        .replace(">42420002<", ">42420003<");
    format!("{}{first}{second}{}", &text[..start], &text[end..]).into_bytes()
}

#[test_log::test(tokio::test(flavor = "multi_thread", worker_threads = 2))]
async fn the_wmo_examples_become_a_toewijzing_its_start_and_its_stop() {
    let hub = hub().await;
    let toewijzing = wmo_toewijzing_for_the_examples();
    validates("iwmo", "WMO301.xsd", &toewijzing);
    submit(&hub, WMO_BACKOFFICE, &toewijzing)
        .await
        .expect("WMO301");
    let (start, stop) = (example("iwmo", "WMO305.xml"), example("iwmo", "WMO307.xml"));
    validates("iwmo", "WMO305.xsd", &start);
    validates("iwmo", "WMO307.xsd", &stop);
    submit(&hub, WMO_PROVIDER_65656055, &start)
        .await
        .expect("WMO305");
    let stopped = submit(&hub, WMO_PROVIDER_65656055, &stop)
        .await
        .expect("WMO307");

    let position = stopped.events[1].position;
    let mut households = HouseholdServiceClient::new(hub.connect(Some(WMO_BACKOFFICE)).await);
    let view = households
        .get_household(v1::GetHouseholdRequest {
            purpose: v1::Purpose::UitvoeringWmo as i32,
            ..rondom_e2e::by_bsn("999900006", position)
        })
        .await
        .expect("the view")
        .into_inner()
        .household
        .expect("a household");
    let cases: Vec<(&str, i32, &[String])> = view
        .trajectories
        .iter()
        .map(|case| (case.case_id.as_str(), case.state, case.providers.as_slice()))
        .collect();
    let ended = v1::TrajectoryState::Beeindigd as i32;
    let provider = ["65656055".to_owned()];
    assert_eq!(
        cases,
        [
            ("toewijzing-300201", ended, provider.as_slice()),
            ("toewijzing-300202", ended, provider.as_slice()),
        ]
    );
    let timeline = households
        .get_timeline(v1::GetTimelineRequest {
            purpose: v1::Purpose::UitvoeringWmo as i32,
            oldest_first: true,
            ..rondom_e2e::timeline(&view.household_id, position)
        })
        .await
        .expect("the timeline")
        .into_inner();
    let kinds: Vec<&str> = timeline.entries.iter().map(|e| e.kind.as_str()).collect();
    assert_eq!(
        kinds,
        [
            "voorziening_toegewezen",
            "voorziening_toegewezen",
            "voorziening_gestart",
            "voorziening_gestart",
            "voorziening_gestopt",
            "voorziening_gestopt",
        ]
    );
    // The second stop, field by field: iWmo 31 is a move to another gemeente.
    let date = |year, month, day| Some(v1::Date { year, month, day });
    assert_eq!(
        timeline.entries[5]
            .event
            .as_ref()
            .and_then(|event| event.body.clone()),
        Some(v1::event::Body::WmoVoorzieningGestopt(
            v1::WmoVoorzieningGestopt {
                aanbieder_agb: "65656055".into(),
                productcode: "01A12".into(),
                begindatum: date(2025, 4, 15),
                einddatum: date(2025, 7, 18),
                reden: v1::StopReden::Verhuisd as i32,
                aanlevering: v1::Aanlevering::Unspecified as i32,
            }
        ))
    );
}

#[test_log::test(tokio::test(flavor = "multi_thread", worker_threads = 2))]
async fn a_toewijzing_without_a_product_is_taken_as_the_standard_allows() {
    let hub = hub().await;
    // Product is optional in a 301 (a toewijzing by budget): the second line leaves it out.
    let text = String::from_utf8(toewijzing_for_the_examples()).expect("UTF-8");
    let product = text.rfind("<jw301:Product>").expect("a product");
    let end = text.rfind("</jw301:Product>").expect("its end") + "</jw301:Product>".len();
    let without = format!("{}{}", &text[..product], &text[end..]);
    validates("ijw", "JW301.xsd", without.as_bytes());
    let assigned = submit(&hub, JEUGD_BACKOFFICE, without.as_bytes())
        .await
        .expect("a toewijzing without a product");
    assert_eq!(assigned.events.len(), 2);
}

#[test_log::test(tokio::test(flavor = "multi_thread", worker_threads = 2))]
async fn a_toewijzing_that_names_a_request_grants_it() {
    let hub = hub().await;
    submit(&hub, WMO_PROVIDER, &example("iwmo", "WMO315.xml"))
        .await
        .expect("WMO315");
    // The WMO301 example assigns to 42420001 with ReferentieAanbieder 42420002: the second
    // request of the WMO315 example.
    let assigned = submit(&hub, WMO_BACKOFFICE, &example("iwmo", "WMO301.xml"))
        .await
        .expect("WMO301");
    let view = HouseholdServiceClient::new(hub.connect(Some(WMO_BACKOFFICE)).await)
        .get_household(v1::GetHouseholdRequest {
            purpose: v1::Purpose::UitvoeringWmo as i32,
            ..rondom_e2e::by_bsn("999900006", assigned.events[0].position)
        })
        .await
        .expect("the view")
        .into_inner()
        .household
        .expect("a household");
    let state = |case: &str| {
        view.trajectories
            .iter()
            .find(|trajectory| trajectory.case_id == case)
            .map(|trajectory| (trajectory.state, trajectory.last_kind.clone()))
    };
    // The two requests, in the order of the WMO315's lines (references 42420001, 42420002).
    let requests: Vec<String> =
        HouseholdServiceClient::new(hub.connect(Some(WMO_BACKOFFICE)).await)
            .get_timeline(v1::GetTimelineRequest {
                purpose: v1::Purpose::UitvoeringWmo as i32,
                oldest_first: true,
                ..rondom_e2e::timeline(&view.household_id, assigned.events[0].position)
            })
            .await
            .expect("the timeline")
            .into_inner()
            .entries
            .into_iter()
            .filter(|entry| entry.kind == "toewijzing_gevraagd")
            .map(|entry| entry.case_id)
            .collect();
    assert_eq!(
        state(&requests[1]),
        Some((
            v1::TrajectoryState::Beeindigd as i32,
            "voorziening_toegewezen".to_owned()
        ))
    );
    assert_eq!(
        state(&requests[0]).map(|(state, _)| state),
        Some(v1::TrajectoryState::Aangemeld as i32)
    );
    assert_eq!(
        state("toewijzing-101").map(|(state, _)| state),
        Some(v1::TrajectoryState::Besloten as i32)
    );
}
