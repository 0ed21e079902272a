//! Bad input gets a clear error and changes nothing; a missing NATS is UNAVAILABLE.

use std::time::Duration;

use bytes::{Buf, BufMut};
use rondom_e2e::{DevClient, TestHub, by_bsn, by_id, signal, timeline};
use rondom_proto::v1;
use tonic::Code;
use tonic::codec::{Codec, DecodeBuf, Decoder, EncodeBuf, Encoder};
use tonic_types::StatusExt;

fn valid() -> v1::PostSignalRequest {
    signal(
        "bad-1",
        &[("111222333", "Fatima")],
        v1::Pillar::Jeugd,
        "zorgen_opvoeding",
        "tekst",
    )
}

fn violated_fields(status: &tonic::Status) -> Vec<String> {
    status
        .get_details_bad_request()
        .map(|bad_request| {
            bad_request
                .field_violations
                .into_iter()
                .map(|violation| violation.field)
                .collect()
        })
        .unwrap_or_default()
}

#[test_log::test(tokio::test)]
async fn every_bad_signal_is_refused_with_its_field_and_nothing_is_published() {
    let hub = TestHub::start().await;
    let mut signals = hub.signals().await;
    let future = rondom_proto::convert::timestamp(chrono::Utc::now() + chrono::Duration::days(1));
    let cases: Vec<(&str, v1::PostSignalRequest)> = vec![
        (
            "persons[0].bsn",
            v1::PostSignalRequest {
                persons: vec![v1::PersonRef {
                    bsn: "111222334".into(),
                    display_name: String::new(),
                    birth_date: None,
                }],
                ..valid()
            },
        ),
        (
            "persons",
            v1::PostSignalRequest {
                persons: vec![],
                ..valid()
            },
        ),
        (
            "pillar",
            v1::PostSignalRequest {
                pillar: 42,
                ..valid()
            },
        ),
        (
            "pillar",
            v1::PostSignalRequest {
                pillar: v1::Pillar::Unspecified as i32,
                ..valid()
            },
        ),
        (
            "kind",
            v1::PostSignalRequest {
                kind: "ruzie".into(),
                ..valid()
            },
        ),
        (
            "idempotency_key",
            v1::PostSignalRequest {
                idempotency_key: String::new(),
                ..valid()
            },
        ),
        (
            "summary",
            v1::PostSignalRequest {
                summary: "x".repeat(4097),
                ..valid()
            },
        ),
        (
            "observed_at",
            v1::PostSignalRequest {
                observed_at: Some(future),
                ..valid()
            },
        ),
        (
            "observed_at",
            v1::PostSignalRequest {
                observed_at: None,
                ..valid()
            },
        ),
        (
            "gemeente_code",
            v1::PostSignalRequest {
                gemeente_code: "36".into(),
                ..valid()
            },
        ),
        (
            "urgency",
            v1::PostSignalRequest {
                urgency: v1::Urgency::Unspecified as i32,
                ..valid()
            },
        ),
        (
            "source_system",
            v1::PostSignalRequest {
                source_system: "wijk team".into(),
                ..valid()
            },
        ),
    ];
    for (field, request) in cases {
        let status = signals.post_signal(request).await.expect_err(field);
        assert_eq!(status.code(), Code::InvalidArgument, "{field}: {status:?}");
        assert_eq!(violated_fields(&status), [field], "{field}");
        // The refusal never repeats a BSN back (it may end up in a partner's logs).
        assert!(
            !status.message().contains("111222334"),
            "{field}: {}",
            status.message()
        );
    }
    assert_eq!(hub.stream_messages().await, 0, "nothing was published");
}

/// Sends arbitrary bytes as a request, the way a broken client would.
#[derive(Debug, Clone, Default)]
struct RawBytesCodec;

impl Codec for RawBytesCodec {
    type Encode = Vec<u8>;
    type Decode = Vec<u8>;
    type Encoder = RawBytesCodec;
    type Decoder = RawBytesCodec;
    fn encoder(&mut self) -> Self::Encoder {
        RawBytesCodec
    }
    fn decoder(&mut self) -> Self::Decoder {
        RawBytesCodec
    }
}

impl Encoder for RawBytesCodec {
    type Item = Vec<u8>;
    type Error = tonic::Status;
    fn encode(&mut self, item: Vec<u8>, buf: &mut EncodeBuf<'_>) -> Result<(), tonic::Status> {
        buf.put_slice(&item);
        Ok(())
    }
}

impl Decoder for RawBytesCodec {
    type Item = Vec<u8>;
    type Error = tonic::Status;
    fn decode(&mut self, buf: &mut DecodeBuf<'_>) -> Result<Option<Vec<u8>>, tonic::Status> {
        Ok(Some(buf.copy_to_bytes(buf.remaining()).to_vec()))
    }
}

#[test_log::test(tokio::test)]
async fn malformed_protobuf_is_invalid_argument() {
    let hub = TestHub::start().await;
    let mut grpc = tonic::client::Grpc::new(hub.client_for(DevClient::Wijkteam).await);
    grpc.ready().await.expect("ready");
    let path =
        tonic::codegen::http::uri::PathAndQuery::from_static("/rondom.v1.SignalService/PostSignal");
    // Field 1 (string) claims 100 bytes but the message ends after 3.
    let status = grpc
        .unary(
            tonic::Request::new(vec![0x0a, 100, b'a', b'b', b'c']),
            path,
            RawBytesCodec,
        )
        .await
        .expect_err("malformed request");
    assert_eq!(status.code(), Code::InvalidArgument, "{status:?}");
    assert!(status.get_details_bad_request().is_some());
    assert_eq!(hub.stream_messages().await, 0);
}

#[test_log::test(tokio::test)]
async fn unknown_and_malformed_household_keys() {
    let hub = TestHub::start().await;
    let mut households = hub.households().await;
    let unknown = "01a207ca-cbd3-713f-9cca-468e10a4d669";
    let status = households
        .get_household(by_id(unknown, 0))
        .await
        .expect_err("unknown id");
    assert_eq!(status.code(), Code::NotFound);
    let status = households
        .get_timeline(timeline(unknown, 0))
        .await
        .expect_err("unknown timeline");
    assert_eq!(status.code(), Code::NotFound);
    let status = households
        .get_household(by_id("not-a-uuid", 0))
        .await
        .expect_err("bad id");
    assert_eq!(
        (status.code(), violated_fields(&status)),
        (Code::InvalidArgument, vec!["household_id".to_owned()])
    );
    let status = households
        .get_household(by_bsn("123456789", 0))
        .await
        .expect_err("bad BSN");
    assert_eq!(
        (status.code(), violated_fields(&status)),
        (Code::InvalidArgument, vec!["bsn".to_owned()])
    );
    let status = households
        .get_household(by_bsn("999990342", 0))
        .await
        .expect_err("unknown BSN");
    assert_eq!(status.code(), Code::NotFound);
    assert!(
        !status.message().contains("999990342"),
        "the BSN is not echoed: {}",
        status.message()
    );
    let status = households
        .get_household(v1::GetHouseholdRequest {
            key: None,
            ..by_id(unknown, 0)
        })
        .await
        .expect_err("no key");
    assert_eq!(violated_fields(&status), ["key"]);
    // Every read states why (doelbinding).
    let status = households
        .get_household(v1::GetHouseholdRequest {
            purpose: v1::Purpose::Unspecified as i32,
            ..by_id(unknown, 0)
        })
        .await
        .expect_err("no purpose");
    assert_eq!(status.code(), Code::InvalidArgument, "{status:?}");
    let status = households
        .get_timeline(v1::GetTimelineRequest {
            page_token: "garbage".into(),
            ..timeline(unknown, 0)
        })
        .await
        .expect_err("bad token");
    assert_eq!(violated_fields(&status), ["page_token"]);
}

#[test_log::test(tokio::test)]
async fn a_position_the_projector_never_reaches_is_unavailable_not_a_hang() {
    let hub = TestHub::start().await;
    let posted = hub
        .signals()
        .await
        .post_signal(valid())
        .await
        .expect("post")
        .into_inner();
    let mut households = hub.households().await;
    let started = std::time::Instant::now();
    let status = households
        .get_household(by_id(&posted.household_id, posted.position + 1000))
        .await
        .expect_err("future position");
    assert_eq!(status.code(), Code::Unavailable, "{status:?}");
    assert!(started.elapsed() < Duration::from_secs(30), "bounded wait");
}

#[test_log::test(tokio::test)]
async fn a_signal_while_nats_is_down_is_unavailable_and_never_ok() {
    let mut hub = TestHub::start().await;
    let mut signals = hub.signals().await;
    signals.post_signal(valid()).await.expect("post while up");
    hub.nats.stop();
    let request = signal(
        "while-down",
        &[("123456782", "")],
        v1::Pillar::Wmo,
        "eenzaamheid",
        "",
    );
    let status = tokio::time::timeout(Duration::from_secs(30), signals.post_signal(request))
        .await
        .expect("the call returns within its bound")
        .expect_err("NATS is down");
    assert_eq!(status.code(), Code::Unavailable, "{status:?}");
}

#[test_log::test(tokio::test)]
async fn what_a_caller_types_in_place_of_a_name_stays_off_the_audit_log() {
    let hub = TestHub::start().await;
    // A BSN and a name where an id, a kind or a method belongs: typing errors that happen.
    let (bsn, name) = ("123456782", "jansen");
    let typed = format!("{bsn} {name}");

    let refused = hub
        .signals()
        .await
        .post_signal(v1::PostSignalRequest {
            kind: typed.clone(),
            ..valid()
        })
        .await
        .expect_err("not a kind");
    assert_eq!(violated_fields(&refused), ["kind"]);
    assert!(!refused.message().contains(bsn), "{refused:?}");

    let mut audit = rondom_proto::v1::audit_service_client::AuditServiceClient::new(
        hub.client_for(DevClient::Operator).await,
    );
    for household_id in [bsn, name, typed.as_str()] {
        let refused = audit
            .list_audit_records(v1::ListAuditRecordsRequest {
                purpose: v1::Purpose::Beheer as i32,
                household_id: household_id.to_owned(),
                ..Default::default()
            })
            .await
            .expect_err("not a household id");
        assert_eq!(violated_fields(&refused), ["household_id"]);
    }

    // A method of the right shape that Rondom does not have, called by a client that may not
    // call that service.
    let mut grpc = tonic::client::Grpc::new(hub.client_for(DevClient::Wijkteam).await);
    grpc.ready().await.expect("ready");
    let path = tonic::codegen::http::uri::PathAndQuery::try_from(format!(
        "/rondom.v1.AuditService/x{bsn}{name}"
    ))
    .expect("a path");
    let status = grpc
        .unary(tonic::Request::new(Vec::new()), path, RawBytesCodec)
        .await
        .expect_err("made up");
    assert_eq!(status.code(), Code::PermissionDenied, "{status:?}");

    let mut records = Vec::new();
    for client in ["dev-wijkteam", "dev-operator"] {
        records.extend(hub.audit_of(client, "").await);
    }
    assert!(
        records.len() >= 5,
        "each refusal on record: {}",
        records.len()
    );
    for record in &records {
        let stored = String::from_utf8_lossy(&prost::Message::encode_to_vec(record)).into_owned();
        assert!(
            !stored.contains(bsn) && !stored.contains(name),
            "typed text on record: {record:?}"
        );
    }
}

#[test_log::test(tokio::test(flavor = "multi_thread", worker_threads = 2))]
async fn a_refusal_on_record_names_the_fields_not_what_was_in_them() {
    let hub = TestHub::start().await;
    let mut daan = rondom_e2e::zoon();
    daan.birth_date = Some(v1::Date {
        year: 1899,
        month: 1,
        day: 1,
    });
    let refused = rondom_proto::v1::jeugd_service_client::JeugdServiceClient::new(
        hub.client_for(DevClient::BackOffice(rondom_domain::Pillar::Jeugd))
            .await,
    )
    .receive_aanvraag(v1::ReceiveJeugdAanvraagRequest {
        context: Some(v1::WriteContext {
            idempotency_key: "te-oud".into(),
            source_system: "jeugd-test".into(),
            gemeente_code: "0363".into(),
            persons: vec![daan],
            occurred_at: Some(rondom_proto::convert::timestamp(chrono::Utc::now())),
            case_id: "JW-OUD".into(),
            note: String::new(),
        }),
        aanvraag: Some(v1::JeugdAanvraagOntvangen {
            productcategorie: "45".into(),
        }),
    })
    .await
    .expect_err("born before 1900");
    assert_eq!(refused.code(), Code::InvalidArgument);
    assert!(
        refused.message().contains("1899"),
        "the caller is told: {refused:?}"
    );
    let client = DevClient::BackOffice(rondom_domain::Pillar::Jeugd).id();
    let records = hub.audit_of(&client, "").await;
    let reasons: Vec<&str> = records
        .iter()
        .filter(|record| record.outcome == "INVALID_ARGUMENT")
        .map(|record| record.reason.as_str())
        .collect();
    assert_eq!(reasons, ["invalid input: context.persons[0].birth_date"]);
}
