//! No poison events: a date outside the calendar is refused at the door with its field, and an
//! event that still reaches the log with impossible dates (a forged message, an old log) is
//! folded like any other: the read model goes on.

use prost::Message as _;
use rondom_bus::{Envelope, stream::EVENTS_STREAM};
use rondom_domain::Pillar;
use rondom_e2e::{DevClient, TestHub, by_id};
use rondom_proto::v1;
use rondom_proto::v1::wmo_service_client::WmoServiceClient;
use tonic::Code;
use tonic_types::StatusExt;

fn context(key: &str) -> Option<v1::WriteContext> {
    Some(v1::WriteContext {
        idempotency_key: key.into(),
        source_system: "suite-wmo".into(),
        gemeente_code: "0363".into(),
        persons: vec![v1::PersonRef {
            bsn: "111222333".into(),
            display_name: String::new(),
            birth_date: None,
        }],
        occurred_at: Some(rondom_proto::convert::timestamp(
            chrono::Utc::now() - chrono::Duration::hours(1),
        )),
        case_id: "WMO-1".into(),
        note: String::new(),
    })
}

fn bezwaar(key: &str, year: i32) -> v1::ReceiveBezwaarRequest {
    v1::ReceiveBezwaarRequest {
        context: context(key),
        bezwaar: Some(v1::BezwaarOntvangen {
            bezwaartermijn_einde: Some(v1::Date {
                year,
                month: 3,
                day: 1,
            }),
            adviescommissie: false,
        }),
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

#[test_log::test(tokio::test)]
async fn a_date_outside_the_calendar_is_refused_with_its_field() {
    let hub = TestHub::start().await;
    let mut wmo = WmoServiceClient::new(hub.client_for(DevClient::BackOffice(Pillar::Wmo)).await);
    for year in [-2, 1899, 2200, 262_142] {
        let refused = wmo
            .receive_bezwaar(bezwaar(&format!("b{year}"), year))
            .await
            .expect_err("a date outside the calendar");
        assert_eq!(fields(&refused), ["bezwaar.bezwaartermijn_einde"], "{year}");
    }
    let mut ancient = bezwaar("b-ancient", 2026);
    if let Some(context) = ancient.context.as_mut() {
        context.occurred_at = Some(prost_types::Timestamp {
            seconds: -5_000_000_000,
            nanos: 0,
        });
        context.persons[0].birth_date = Some(v1::Date {
            year: 1850,
            month: 1,
            day: 1,
        });
    }
    let refused = wmo
        .receive_bezwaar(ancient)
        .await
        .expect_err("dates outside the calendar");
    assert_eq!(
        fields(&refused),
        ["context.persons[0].birth_date", "context.occurred_at"]
    );
    assert_eq!(hub.stream_messages().await, 0, "nothing was published");
    wmo.receive_bezwaar(bezwaar("b-ok", 2026))
        .await
        .expect("a date of this world");
}

#[test_log::test(tokio::test)]
async fn an_event_with_impossible_dates_on_the_log_does_not_stop_the_read_model() {
    let hub = TestHub::start().await;
    let mut wmo = WmoServiceClient::new(hub.client_for(DevClient::BackOffice(Pillar::Wmo)).await);
    let written = wmo
        .receive_bezwaar(bezwaar("b-1", 2026))
        .await
        .expect("a bezwaar")
        .into_inner();
    // The same event again under another id, with dates no write would be let through with:
    // what a forged message or an old log could hold.
    let jetstream = hub.jetstream().await;
    let stream = jetstream
        .get_stream_no_info(EVENTS_STREAM)
        .await
        .expect("stream");
    let original = stream
        .get_raw_message(written.position)
        .await
        .expect("the bezwaar on the stream");
    let mut envelope = Envelope::from_headers(&original.headers).expect("an envelope");
    let mut event = v1::Event::decode(original.payload.as_ref()).expect("an event");
    let now = event.occurred_at;
    let ancient = Some(prost_types::Timestamp {
        seconds: -8_000_000_000_000,
        nanos: 0,
    });
    // An objection whose term ended in year -2, then an aanvraag whose decision term is
    // suspended from a day 250,000 years ago: resuming it adds ninety million days.
    let forged = [
        (
            "bezwaar_ontvangen",
            ancient,
            v1::event::Body::BezwaarOntvangen(v1::BezwaarOntvangen {
                bezwaartermijn_einde: Some(v1::Date {
                    year: -2,
                    month: 3,
                    day: 1,
                }),
                adviescommissie: true,
            }),
        ),
        (
            "aanvraag_ontvangen",
            now,
            v1::event::Body::WmoAanvraag(v1::WmoAanvraagOntvangen::default()),
        ),
        (
            "termijn_opgeschort",
            ancient,
            v1::event::Body::TermijnOpgeschort(v1::TermijnOpgeschort {
                reden: 1,
                ..v1::TermijnOpgeschort::default()
            }),
        ),
    ];
    for (kind, occurred_at, body) in forged {
        event.kind = kind.into();
        event.occurred_at = occurred_at;
        event.body = Some(body);
        envelope.event_type =
            rondom_bus::EventType::new(rondom_domain::Pillar::Wmo, kind).expect("a kind");
        envelope.id = rondom_domain::EventId::derive(
            &envelope.writer,
            &envelope.source,
            &format!("poison-{kind}").parse().expect("key"),
        );
        // Signed as the hub signs: an event of an older version that let the value through.
        rondom_bus::EventPublisher::new(jetstream.clone(), hub.signer())
            .publish(&envelope, &event)
            .await
            .expect("acknowledged");
    }
    // A normal write after them is read back: the projector went on.
    let after = wmo
        .resume_term(v1::ResumeTermRequest {
            context: context("h-1"),
            hervatting: None,
        })
        .await
        .expect("a write after the poison")
        .into_inner();
    let view = hub
        .law_view(Pillar::Wmo, by_id(&written.household_id, after.position))
        .await
        .expect("the read model followed");
    assert_eq!(view.last_position, after.position);
    assert_eq!(
        hub.health("rondom.v1.HouseholdService").await,
        tonic_health::ServingStatus::Serving
    );
}

/// Any date, instant and number the API carries, from chrono's first day to its last and
/// beyond: every write is answered OK or INVALID_ARGUMENT, never an internal error, and the
/// read model stays current and complete.
#[test_log::test(tokio::test(flavor = "multi_thread", worker_threads = 2))]
async fn writes_with_any_values_are_answered_and_the_read_model_stays_whole() {
    use proptest::strategy::{Strategy, ValueTree};
    use rondom_proto::v1::jeugd_service_client::JeugdServiceClient;
    use rondom_proto::v1::schuldhulp_service_client::SchuldhulpServiceClient;

    let hub = TestHub::start().await;
    let mut wmo = WmoServiceClient::new(hub.client_for(DevClient::BackOffice(Pillar::Wmo)).await);
    let mut jeugd =
        JeugdServiceClient::new(hub.client_for(DevClient::BackOffice(Pillar::Jeugd)).await);
    let mut schuld = SchuldhulpServiceClient::new(
        hub.client_for(DevClient::BackOffice(Pillar::Schuldhulp))
            .await,
    );
    let date = (
        proptest::prop_oneof![-300_000i32..300_000, 1890i32..2210],
        -2i32..15,
        -2i32..34,
    )
        .prop_map(|(year, month, day)| v1::Date { year, month, day });
    let values = (
        proptest::collection::vec(proptest::option::of(date), 4),
        proptest::prop_oneof![proptest::num::i64::ANY, -10_000_000_000i64..10_000_000_000],
        proptest::num::u32::ANY,
        proptest::num::i32::ANY,
    );
    let mut runner = proptest::test_runner::TestRunner::deterministic();
    let mut last = 0;
    for number in 0..150 {
        let (dates, seconds, weeks, besluit) =
            values.new_tree(&mut runner).expect("values").current();
        let mut context = context(&format!("fuzz-{number}"));
        if let Some(context) = context.as_mut() {
            context.occurred_at = Some(prost_types::Timestamp { seconds, nanos: 0 });
            context.persons[0].birth_date = dates[3];
        }
        let answers = [
            wmo.issue_beschikking(v1::IssueWmoBeschikkingRequest {
                context: context.clone(),
                beschikking: Some(v1::WmoBeschikkingAfgegeven {
                    besluit,
                    productcategorie: "01".into(),
                    aanvraag_ontvangen_op: dates[0],
                    ingangsdatum: dates[1],
                    einddatum: dates[2],
                    ..Default::default()
                }),
            })
            .await,
            jeugd
                .issue_beschikking(v1::IssueJeugdBeschikkingRequest {
                    context: context.clone(),
                    beschikking: Some(v1::JeugdBeschikkingAfgegeven {
                        besluit,
                        productcategorie: "45".into(),
                        aanvraag_ontvangen_op: dates[0],
                        ingangsdatum: dates[1],
                        einddatum: dates[2],
                    }),
                })
                .await,
            schuld
                .issue_beschikking(v1::IssueSchuldBeschikkingRequest {
                    context: context.clone(),
                    beschikking: Some(v1::SchuldBeschikking {
                        besluit,
                        eerste_gesprek_op: dates[0],
                        verwachte_duur_weken: weeks,
                    }),
                })
                .await,
            wmo.receive_bezwaar(v1::ReceiveBezwaarRequest {
                context,
                bezwaar: Some(v1::BezwaarOntvangen {
                    bezwaartermijn_einde: dates[2],
                    adviescommissie: weeks % 2 == 0,
                }),
            })
            .await,
        ];
        for answer in answers {
            match answer {
                Ok(reply) => last = last.max(reply.into_inner().position),
                Err(status) => assert_eq!(status.code(), Code::InvalidArgument, "{status:?}"),
            }
        }
    }
    assert!(last > 0, "some of them were valid");
    let view = hub
        .law_view(Pillar::Wmo, rondom_e2e::by_bsn("111222333", last))
        .await
        .expect("the read model followed every accepted write");
    assert!(!view.incomplete, "nothing was quarantined");
    assert_eq!(
        hub.health("rondom.v1.HouseholdService").await,
        tonic_health::ServingStatus::Serving
    );
}
