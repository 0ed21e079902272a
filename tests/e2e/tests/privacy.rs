//! No BSN, name or free text in plaintext anywhere outside the hub's trust boundary: not in
//! subjects or headers or payloads on the bus, not in JetStream's files, not in the read model.

use rondom_domain::Pillar;
use rondom_e2e::{DevClient, TestHub, by_bsn, by_id, contains, files_under, signal};
use rondom_proto::v1;

const SECRETS: [&str; 11] = [
    "111222333",
    "123456782",
    "999990342",
    "Fatima",
    "Yusuf",
    "Oma Aziz",
    "Huurachterstand bij Ymere",
    "verzuimt school",
    "valt vaak in huis",
    "Veilig Thuis Testregio",
    "0800-1234 vraag naar Ans",
];

#[test_log::test(tokio::test)]
async fn personal_data_never_appears_in_plaintext_on_the_bus_or_on_disk() {
    let mut hub = TestHub::start().await;
    let mut signals = hub.signals().await;
    signals
        .post_signal(signal(
            "p-1",
            &[("111222333", "Fatima"), ("123456782", "Yusuf")],
            v1::Pillar::Jeugd,
            "schooluitval",
            "Yusuf verzuimt school",
        ))
        .await
        .expect("post");
    let last = signals
        .post_signal(signal(
            "p-2",
            &[("111222333", "Fatima")],
            v1::Pillar::Schuldhulp,
            "betalingsachterstand",
            "Huurachterstand bij Ymere",
        ))
        .await
        .expect("post")
        .into_inner();
    // A pillar write names a person and carries a note: both sealed like a signal's.
    let melding = rondom_proto::v1::wmo_service_client::WmoServiceClient::new(
        hub.client_for(DevClient::BackOffice(Pillar::Wmo)).await,
    )
    .receive_melding(v1::ReceiveWmoMeldingRequest {
        context: Some(v1::WriteContext {
            idempotency_key: "p-3".into(),
            source_system: "suite-wmo".into(),
            gemeente_code: "0363".into(),
            persons: vec![
                v1::PersonRef {
                    bsn: "999990342".into(),
                    display_name: "Oma Aziz".into(),
                    birth_date: Some(v1::Date {
                        year: 1944,
                        month: 3,
                        day: 1,
                    }),
                },
                v1::PersonRef {
                    bsn: "111222333".into(),
                    display_name: "Fatima".into(),
                    birth_date: None,
                },
            ],
            occurred_at: Some(rondom_proto::convert::timestamp(chrono::Utc::now())),
            case_id: "WMO-2026-0042".into(),
            note: "Oma valt vaak in huis".into(),
        }),
        melding: Some(v1::WmoMeldingOntvangen {
            spoed: false,
            mantelzorger_betrokken: true,
        }),
    })
    .await
    .expect("melding")
    .into_inner();
    assert_eq!(melding.household_id, last.household_id);
    let last = melding;
    // The hub itself can still show them to a coordinator.
    let view = hub
        .households()
        .await
        .get_household(by_id(&last.household_id, last.position))
        .await
        .expect("view");
    let names: Vec<String> = view
        .into_inner()
        .household
        .expect("household")
        .members
        .into_iter()
        .map(|m| m.display_name)
        .collect();
    assert_eq!(names, ["Fatima", "Yusuf", "Oma Aziz"]);
    // Reads by BSN, one refused (a jeugd partner not involved), leave audit records in
    // RONDOM_AUDIT: the disk scan below reads those too.
    hub.households()
        .await
        .get_household(by_bsn("123456782", 0))
        .await
        .expect("by BSN");
    let refused = rondom_proto::v1::household_service_client::HouseholdServiceClient::new(
        hub.client_for(DevClient::Partner(Pillar::Jeugd)).await,
    )
    .get_household(v1::GetHouseholdRequest {
        purpose: v1::Purpose::UitvoeringJeugdwet as i32,
        ..by_bsn("999990342", 0)
    })
    .await
    .expect_err("not involved");
    assert_eq!(refused.code(), tonic::Code::NotFound);

    // A Veilig Thuis registration: its organisation and contact are free text too.
    rondom_proto::v1::jeugd_service_client::JeugdServiceClient::new(
        hub.client_for(DevClient::BackOffice(Pillar::Jeugd)).await,
    )
    .register_veilig_thuis(v1::RegisterVeiligThuisRequest {
        context: Some(v1::WriteContext {
            idempotency_key: "p-4".into(),
            source_system: "suite-jeugd".into(),
            gemeente_code: "0363".into(),
            persons: vec![v1::PersonRef {
                bsn: "123456782".into(),
                display_name: String::new(),
                birth_date: Some(v1::Date {
                    year: 2014,
                    month: 5,
                    day: 4,
                }),
            }],
            occurred_at: Some(rondom_proto::convert::timestamp(chrono::Utc::now())),
            case_id: "JW-2026-0001".into(),
            note: String::new(),
        }),
        veilig_thuis: Some(v1::VeiligThuisBetrokken {
            organisatie: "Veilig Thuis Testregio".into(),
            contact: "0800-1234 vraag naar Ans".into(),
        }),
    })
    .await
    .expect("veilig thuis");

    let raw = hub.raw_stream().await;
    assert_eq!(raw.len(), 4);
    for message in &raw {
        for secret in SECRETS {
            assert!(
                !contains(message, secret.as_bytes()),
                "{secret:?} readable on the bus"
            );
        }
    }

    // Flush everything to disk, then read every byte JetStream and sled wrote.
    hub.stop().await;
    hub.nats.stop();
    let mut scanned = 0;
    for file in files_under(&hub.nats.store_dir())
        .into_iter()
        .chain(files_under(&hub.data_dir().join("projector")))
    {
        let bytes = std::fs::read(&file).expect("read file");
        scanned += bytes.len();
        for secret in SECRETS {
            assert!(
                !contains(&bytes, secret.as_bytes()),
                "{secret:?} readable in {}",
                file.display()
            );
        }
    }
    assert!(scanned > 0, "the scan read the stores");
}
