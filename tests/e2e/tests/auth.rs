//! Every caller is authenticated and may call only its role's services; health and
//! reflection stay open for tools.

use rondom_access::clients::{new_token, token_hash};
use rondom_bus::audit::NONE as ANONYMOUS;
use rondom_e2e::{TestHub, by_id, signal};
use rondom_proto::v1;
use rondom_proto::v1::audit_service_client::AuditServiceClient;
use rondom_proto::v1::household_service_client::HouseholdServiceClient;
use rondom_proto::v1::signal_service_client::SignalServiceClient;
use tonic::Code;

struct Tokens {
    wijkteam: String,
    jeugd: String,
    coordinator: String,
    operator: String,
}

fn clients() -> (String, Tokens) {
    let (wijkteam, wijkteam_hash) = new_token();
    let (jeugd, jeugd_hash) = new_token();
    let (coordinator, coordinator_hash) = new_token();
    let (operator, operator_hash) = new_token();
    let file = format!(
        r#"
[[client]]
id = "wijkteam-noord"
role = "wijkteam"
gemeente = "0363"
token_sha256 = "{wijkteam_hash}"

[[client]]
id = "jeugdzorg-noord"
role = "partner"
pillar = "jeugd"
organisatie = "12345678"
token_sha256 = "{jeugd_hash}"

[[client]]
id = "regie-app"
role = "coordinator"
gemeente = "0363"
token_sha256 = "{coordinator_hash}"

[[client]]
id = "beheer"
role = "operator"
token_sha256 = "{operator_hash}"

[[client]]
id = "old-app"
role = "wijkteam"
gemeente = "0363"
token_sha256 = "{expired}"
expires_at = "2026-01-01T00:00:00Z"

[[client]]
id = "stolen-app"
role = "wijkteam"
gemeente = "0363"
token_sha256 = "{revoked}"
revoked = true
"#,
        expired = hex::encode(token_hash("expired-token")),
        revoked = hex::encode(token_hash("revoked-token")),
    );
    (
        file,
        Tokens {
            wijkteam,
            jeugd,
            coordinator,
            operator,
        },
    )
}

fn with_token<T>(message: T, token: &str) -> tonic::Request<T> {
    let mut request = tonic::Request::new(message);
    request.metadata_mut().insert(
        "authorization",
        format!("Bearer {token}").parse().expect("header"),
    );
    request
}

#[test_log::test(tokio::test)]
async fn callers_need_a_valid_token_and_the_right_role() {
    let (clients, tokens) = clients();
    let hub = TestHub::start_with_clients(&clients).await;
    // Every call below names its own credentials, or none.
    let mut signals = SignalServiceClient::new(hub.connect(None).await);
    let post = || {
        signal(
            "a-1",
            &[("111222333", "Fatima")],
            v1::Pillar::Jeugd,
            "zorgen_opvoeding",
            "",
        )
    };

    let missing = signals.post_signal(post()).await.expect_err("no token");
    assert_eq!(missing.code(), Code::Unauthenticated);
    for token in ["not-a-token", "expired-token", "revoked-token"] {
        let refused = signals
            .post_signal(with_token(post(), token))
            .await
            .expect_err(token);
        assert_eq!(
            refused.code(),
            Code::Unauthenticated,
            "{token}: {refused:?}"
        );
    }
    let wrong_role = signals
        .post_signal(with_token(post(), &tokens.jeugd))
        .await
        .expect_err("partner");
    assert_eq!(wrong_role.code(), Code::PermissionDenied);
    assert_eq!(
        hub.stream_messages().await,
        0,
        "nothing refused was published"
    );

    let posted = signals
        .post_signal(with_token(post(), &tokens.wijkteam))
        .await
        .expect("the wijkteam may post")
        .into_inner();

    let mut households = HouseholdServiceClient::new(hub.connect(None).await);
    let read = || by_id(&posted.household_id, posted.position);
    let denied = households
        .get_household(with_token(read(), &tokens.wijkteam))
        .await
        .expect_err("wijkteam reads nothing");
    assert_eq!(denied.code(), Code::PermissionDenied);
    let view = households
        .get_household(with_token(read(), &tokens.coordinator))
        .await
        .expect("a coordinator reads")
        .into_inner();
    assert_eq!(view.household.map(|h| h.members.len()), Some(1));

    // Every attempt is on record: the refused ones with why, the anonymous ones too.
    let audit = AuditServiceClient::new(hub.connect(Some(&tokens.operator)).await);
    let records = |client_id: &str| {
        let mut audit = audit.clone();
        let request = v1::ListAuditRecordsRequest {
            purpose: v1::Purpose::Beheer as i32,
            client_id: client_id.to_owned(),
            ..Default::default()
        };
        async move {
            audit
                .list_audit_records(request)
                .await
                .expect("the operator reads the log")
                .into_inner()
                .records
                .into_iter()
                .map(|record| (record.method, record.outcome, record.reason))
                .collect::<Vec<_>>()
        }
    };
    let post_path = "/rondom.v1.SignalService/PostSignal".to_owned();
    let read_path = "/rondom.v1.HouseholdService/GetHousehold".to_owned();
    let anonymous = records(ANONYMOUS).await;
    let reasons: Vec<&str> = anonymous
        .iter()
        .map(|(_, _, reason)| reason.as_str())
        .collect();
    assert_eq!(
        reasons,
        [
            "no credentials: send `authorization: Bearer <token>`",
            "the token is not known",
            "the token of client old-app has expired",
            "the token of client stolen-app was revoked",
        ]
    );
    assert!(
        anonymous
            .iter()
            .all(|(method, outcome, _)| *method == post_path && outcome == "UNAUTHENTICATED")
    );
    let jeugd = records("jeugdzorg-noord").await;
    assert_eq!(jeugd.len(), 1);
    assert_eq!(
        (&jeugd[0].0, jeugd[0].1.as_str()),
        (&post_path, "PERMISSION_DENIED")
    );
    // The wijkteam's accepted post is on record as a write, its refused read as a refusal.
    let wijkteam = records("wijkteam-noord").await;
    assert_eq!(wijkteam.len(), 2, "{wijkteam:?}");
    assert_eq!((&wijkteam[0].0, wijkteam[0].1.as_str()), (&post_path, "OK"));
    assert_eq!(
        (&wijkteam[1].0, wijkteam[1].1.as_str()),
        (&read_path, "PERMISSION_DENIED")
    );
    let coordinator = records("regie-app").await;
    assert_eq!(coordinator, [(read_path, "OK".to_owned(), String::new())]);
    // The log holds no token, of any kind.
    for secret in [&tokens.wijkteam, &tokens.jeugd, &tokens.coordinator] {
        assert!(!format!("{anonymous:?}{jeugd:?}").contains(secret.as_str()));
    }

    // Health needs no credentials, so load balancers and grpcurl can check it.
    let health = tonic_health::pb::health_client::HealthClient::new(hub.raw_channel().await)
        .check(tonic_health::pb::HealthCheckRequest {
            service: String::new(),
        })
        .await
        .expect("health")
        .into_inner();
    assert_eq!(
        health.status(),
        tonic_health::pb::health_check_response::ServingStatus::Serving
    );
}

#[test_log::test(tokio::test(flavor = "multi_thread", worker_threads = 2))]
async fn a_flood_of_unauthenticated_calls_leaves_the_audit_log_bounded() {
    let hub = rondom_e2e::TestHub::start().await;
    let calls = 10_000;
    let mut senders = tokio::task::JoinSet::new();
    for sender in 0..8 {
        let mut client = SignalServiceClient::new(hub.connect(None).await);
        senders.spawn(async move {
            for number in (sender..calls).step_by(8) {
                let refused = client
                    .post_signal(signal(
                        &format!("flood-{number}"),
                        &[("999990342", "")],
                        v1::Pillar::Wijkteam,
                        "eenzaamheid",
                        "",
                    ))
                    .await
                    .expect_err("no credentials");
                assert_eq!(refused.code(), Code::Unauthenticated);
            }
        });
    }
    while let Some(sender) = senders.join_next().await {
        sender.expect("sender");
    }

    // One record per peer and reason and minute: the flood spans a minute boundary at most
    // a few times, never ten thousand records.
    let records = AuditServiceClient::new(hub.client_for(rondom_e2e::DevClient::Operator).await)
        .list_audit_records(v1::ListAuditRecordsRequest {
            purpose: v1::Purpose::Beheer as i32,
            client_id: ANONYMOUS.into(),
            page_size: 1000,
            ..Default::default()
        })
        .await
        .expect("the operator reads the log")
        .into_inner()
        .records;
    assert!(
        (1..=3).contains(&records.len()),
        "{} records for {calls} refused calls",
        records.len()
    );
    assert!(
        records
            .iter()
            .all(|record| record.method == "/rondom.v1.SignalService/PostSignal")
    );
    // What was not recorded one by one is counted, for an alert on a flood.
    let metrics = rondom_runtime::metrics::metrics().encode();
    let unrecorded: f64 = metrics
        .lines()
        .find_map(|line| line.strip_prefix("rondom_audit_refusals_unrecorded_total "))
        .and_then(|value| value.trim().parse().ok())
        .expect("the metric");
    assert_eq!(unrecorded as usize + records.len(), calls, "{metrics}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_full_audit_log_refuses_reads_and_drops_no_record() {
    let limit: u64 = 64 * 1024;
    let hub = TestHub::start_with(rondom_bus::stream::StreamSettings {
        audit_max_bytes: Some(limit),
        ..Default::default()
    })
    .await;
    let posted = hub
        .post_wijkteam("full-audit", &[("999990342", "Oma")], "eenzaam")
        .await;
    let mut reader = hub.households().await;
    // Reads until the log is full: every read answered is one on record.
    let mut answered = 0u64;
    let refused = loop {
        match reader
            .get_household(by_id(&posted.household_id, posted.position))
            .await
        {
            Ok(_) => answered += 1,
            Err(status) => break status,
        }
        assert!(answered < 10_000, "the audit log never filled");
    };
    assert_eq!(refused.code(), Code::Unavailable, "{refused:?}");

    let audit = hub
        .jetstream()
        .await
        .get_stream(rondom_bus::audit::AUDIT_STREAM)
        .await
        .expect("the audit log")
        .cached_info()
        .clone();
    assert!(audit.state.bytes <= limit, "{} bytes", audit.state.bytes);
    // What is stored: every answered read and the one write, nothing dropped for room.
    assert_eq!(
        audit.state.messages,
        answered + 1,
        "{answered} reads answered"
    );
    // Read straight from the stream: through the API, the operator's own read needs room for
    // its record too.
    let records = rondom_bus::AuditLog::new(hub.jetstream().await)
        .records(&rondom_bus::audit::AuditQuery {
            client_id: Some("dev-coordinator".into()),
            limit: 1000,
            ..Default::default()
        })
        .await
        .expect("the full log reads")
        .records;
    assert_eq!(records.len() as u64, answered);
    assert!(records.iter().all(|record| record.outcome == "OK"));

    // And the operator sees it coming: the gauges say how full it is.
    rondom_testkit::eventually(
        "the audit gauges",
        std::time::Duration::from_secs(10),
        || async {
            let metrics = rondom_runtime::metrics::metrics().encode();
            let gauge = |name: &str| {
                metrics
                    .lines()
                    .find_map(|line| line.strip_prefix(name))
                    .and_then(|value| value.trim().parse::<u64>().ok())
            };
            (gauge("rondom_audit_stream_max_bytes ") == Some(limit)
                && gauge("rondom_audit_stream_bytes ")
                    .is_some_and(|bytes| (audit.state.bytes..=limit).contains(&bytes)))
            .then_some(())
        },
    )
    .await;
}
