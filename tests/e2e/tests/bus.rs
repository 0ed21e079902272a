//! The bus locked, tried as an attacker on the NATS port would: without a user, nothing at all;
//! with a role's user, only what that role's job needs. The test server runs with
//! `deploy/nats/accounts.conf`, the file production and `rondom up` run with. Each attempt is
//! refused by the server (its log names the subject), and changed nothing.

use std::time::Duration;

use async_nats::jetstream::{self, consumer};
use futures::future::BoxFuture;
use rondom_bus::stream::{EVENTS_STREAM, KEYS_BUCKET};
use rondom_bus::{Envelope, EventType};
use rondom_domain::{EventId, HouseholdId, Pillar};
use rondom_e2e::TestHub;
use rondom_proto::v1;
use rondom_runtime::bus_users::BusUser;

const AUDIT_STREAM: &str = rondom_bus::audit::AUDIT_STREAM;

async fn as_user(hub: &TestHub, user: BusUser) -> jetstream::Context {
    rondom_bus::jetstream(
        rondom_bus::connect(&hub.nats.url_for(user))
            .await
            .expect("the role's user logs in"),
    )
}

/// Returns the server's log lines of refused publishes and subscriptions.
fn refused_subjects(hub: &TestHub) -> String {
    std::fs::read_to_string(hub.nats.store_dir().join("nats-server.log"))
        .expect("the server's log")
        .lines()
        .filter(|line| line.contains("Violation"))
        .collect::<Vec<_>>()
        .join("\n")
}

/// Everything an attempt could have changed: the streams' configurations, their consumers and
/// their messages.
async fn state(hub: &TestHub) -> Vec<String> {
    let operator = hub.jetstream().await;
    let mut state = Vec::new();
    for name in [
        EVENTS_STREAM,
        AUDIT_STREAM,
        "KV_RONDOM_KEYS",
        "KV_RONDOM_PERSONS",
    ] {
        let mut stream = operator
            .get_stream(name)
            .await
            .expect("the stream is there");
        let info = stream.info().await.expect("stream info");
        state.push(format!(
            "{name}: max_msgs {} max_bytes {} deny_delete {} consumers {}",
            info.config.max_messages,
            info.config.max_bytes,
            info.config.deny_delete,
            info.state.consumer_count
        ));
    }
    state
}

/// The event an attacker wants in: its chosen partner involved with a household.
fn forged_involvement(household: HouseholdId) -> (String, Envelope, v1::Event) {
    let envelope = Envelope {
        id: EventId::derive(
            "attacker",
            &"urn:attacker".parse().expect("source"),
            &"1".parse().expect("key"),
        ),
        source: "urn:nl:rondom:regie".parse().expect("source"),
        event_type: EventType::new(Pillar::Regie, "partner_betrokken").expect("kind"),
        subject: household,
        time: chrono::Utc::now(),
        writer: "dev-coordinator".into(),
    };
    let event = v1::Event {
        household_id: household.to_string(),
        pillar: v1::Pillar::Regie as i32,
        kind: "partner_betrokken".into(),
        gemeente_code: "0363".into(),
        writer: Some(v1::Writer {
            client_id: "dev-coordinator".into(),
            ..Default::default()
        }),
        ..Default::default()
    };
    let subject =
        rondom_bus::subject::event_subject(&household, Pillar::Regie, "partner_betrokken");
    (subject, envelope, event)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_connection_without_a_user_or_with_a_wrong_password_is_refused() {
    let hub = TestHub::start().await;
    for url in [
        hub.nats.anonymous_url().to_owned(),
        hub.nats
            .anonymous_url()
            .replace("nats://", "nats://rondom-writer:guessed@"),
        hub.nats
            .anonymous_url()
            .replace("nats://", "nats://rondom-operator:guessed@"),
    ] {
        let refused = rondom_bus::connect(&url).await;
        assert!(
            refused.is_err(),
            "{} got in",
            rondom_bus::without_passwords(&url)
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn each_role_is_refused_what_its_job_does_not_need() {
    let hub = TestHub::start().await;
    let posted = hub
        .post_wijkteam("bus-1", &[(&rondom_testkit::bsn(1), "Oma")], "eenzaam")
        .await;
    let household: HouseholdId = posted.household_id.parse().expect("household id");
    hub.wait_applied(posted.position).await;
    let before = state(&hub).await;
    let events_before = hub.stream_messages().await;

    let writer = as_user(&hub, BusUser::Writer).await;
    let projector = as_user(&hub, BusUser::Projector).await;
    let (subject, envelope, event) = forged_involvement(household);
    let forged = {
        use prost::Message as _;
        event.encode_to_vec()
    };
    let cut_to_five = jetstream::stream::Config {
        max_messages: 5,
        ..rondom_bus::audit::audit_stream_config(1, None)
    };
    let ordered = || consumer::pull::OrderedConfig::default();

    // Every attempt at once: a refused request is only noticed when its answer does not come.
    let keys_stream = writer
        .get_stream_no_info(format!("KV_{KEYS_BUCKET}"))
        .await
        .expect("handle");
    let attempts: Vec<(&str, BoxFuture<'_, bool>)> = vec![
        // The writer reads no event log in bulk, no audit log, changes no stream.
        (
            "writer: consumer on the event log",
            Box::pin(async {
                writer
                    .create_consumer_on_stream(ordered(), EVENTS_STREAM)
                    .await
                    .is_err()
            }),
        ),
        (
            "writer: consumer on the audit log",
            Box::pin(async {
                writer
                    .create_consumer_on_stream(ordered(), AUDIT_STREAM)
                    .await
                    .is_err()
            }),
        ),
        (
            "writer: cut the audit log",
            Box::pin(async { writer.update_stream(cut_to_five.clone()).await.is_err() }),
        ),
        (
            "writer: delete the event log",
            Box::pin(async { writer.delete_stream(EVENTS_STREAM).await.is_err() }),
        ),
        (
            "writer: erase a household key from disk",
            Box::pin(async { keys_stream.delete_message(1).await.is_err() }),
        ),
        // The projector publishes no event but an erasure, changes no stream.
        (
            "projector: publish a forged involvement",
            Box::pin(async {
                match projector
                    .publish_with_headers(subject.clone(), envelope.to_headers(), forged.into())
                    .await
                {
                    Ok(ack) => ack.await.is_err(),
                    Err(_) => true,
                }
            }),
        ),
        (
            "projector: cut the audit log",
            Box::pin(async { projector.update_stream(cut_to_five.clone()).await.is_err() }),
        ),
        (
            "projector: delete the audit log",
            Box::pin(async { projector.delete_stream(AUDIT_STREAM).await.is_err() }),
        ),
    ];
    let attempts = futures::future::join_all(
        attempts
            .into_iter()
            .map(|(what, attempt)| async move { (what, attempt.await) }),
    )
    .await;
    let allowed: Vec<_> = attempts.iter().filter(|(_, refused)| !refused).collect();
    assert!(allowed.is_empty(), "allowed: {allowed:?}");

    // A plain subscription to the events hears nothing of a new one.
    let client = rondom_bus::connect(&hub.nats.url_for(BusUser::Writer))
        .await
        .expect("writer");
    let mut listening = client.subscribe("rondom.evt.>").await.expect("subscribe");
    client.flush().await.expect("flush");
    let next = hub
        .post_wijkteam("bus-2", &[(&rondom_testkit::bsn(1), "Oma")], "nog eenzamer")
        .await;
    hub.wait_applied(next.position).await;
    let heard = tokio::time::timeout(
        Duration::from_millis(500),
        futures::StreamExt::next(&mut listening),
    )
    .await;
    assert!(heard.is_err(), "the writer overheard an event");

    // The server refused each by its subject, and nothing changed.
    let refused = refused_subjects(&hub);
    for subject in [
        "$JS.API.CONSUMER.CREATE.RONDOM_EVENTS",
        "$JS.API.CONSUMER.CREATE.RONDOM_AUDIT",
        "$JS.API.STREAM.UPDATE.RONDOM_AUDIT",
        "$JS.API.STREAM.DELETE.RONDOM_EVENTS",
        "$JS.API.STREAM.DELETE.RONDOM_AUDIT",
        "$JS.API.STREAM.MSG.DELETE.KV_RONDOM_KEYS",
        "rondom.evt.",
    ] {
        assert!(
            refused.contains(subject),
            "{subject} not refused:\n{refused}"
        );
    }
    assert_eq!(state(&hub).await, before);
    assert_eq!(hub.stream_messages().await, events_before + 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_role_may_not_create_a_missing_stream_the_operator_does() {
    let nats = rondom_testkit::TestNats::start();
    let settings = rondom_bus::stream::StreamSettings::default();
    let refused = rondom_bus::open(&nats.url_for(BusUser::Writer), &settings)
        .await
        .expect_err("a writer cannot create the event log");
    assert!(
        refused.to_string().contains("rondom provision"),
        "the error says what to do: {refused}"
    );
    rondom_cli::hub::provision(nats.url(), &settings)
        .await
        .expect("the operator provisions");
    rondom_bus::open(&nats.url_for(BusUser::Writer), &settings)
        .await
        .expect("then the writer finds everything");
    rondom_bus::open(&nats.url_for(BusUser::Projector), &settings)
        .await
        .expect("and so does the projector");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_event_the_hub_did_not_sign_is_never_believed() {
    let hub = TestHub::start().await;
    let posted = hub
        .post_wijkteam("signed-1", &[(&rondom_testkit::bsn(2), "Oma")], "eenzaam")
        .await;
    hub.wait_applied(posted.position).await;
    let refused_before = rondom_runtime::metrics::metrics()
        .refused_events_of("projector")
        .get();

    // With the writer's password (stolen), the household's signal is published again as a
    // new event: once with the old signature, once with none. JetStream takes both.
    let original = hub
        .jetstream()
        .await
        .get_stream_no_info(EVENTS_STREAM)
        .await
        .expect("stream")
        .get_raw_message(posted.position)
        .await
        .expect("the signal");
    let writer = as_user(&hub, BusUser::Writer).await;
    let mut last = 0;
    for (n, keep_signature) in [(1, true), (2, false)] {
        let mut headers = async_nats::HeaderMap::new();
        for (name, values) in original.headers.iter() {
            let name: &str = name.as_ref();
            // A household's first event was published on condition it be the first.
            if (name == rondom_bus::signature::SIGNATURE_HEADER && !keep_signature)
                || name.starts_with("Nats-Expected")
            {
                continue;
            }
            for value in values {
                headers.append(name, value.as_str());
            }
        }
        let id = format!("0195f0c2-7b7e-7000-8000-00000000000{n}");
        headers.insert("ce-id", id.as_str());
        headers.insert("Nats-Msg-Id", id.as_str());
        last = writer
            .publish_with_headers(original.subject.clone(), headers, original.payload.clone())
            .await
            .expect("published")
            .await
            .expect("JetStream takes it: the password is right")
            .sequence;
    }

    // The projector passed over both: it went on to the end of the log, the household still
    // holds one event, and the metric counts the two.
    hub.wait_applied(last).await;
    let view = hub
        .households()
        .await
        .get_household(rondom_e2e::by_id(&posted.household_id, last))
        .await
        .expect("view")
        .into_inner()
        .household
        .expect("household");
    assert_eq!(view.event_count, 1, "a forged event was folded");
    assert_eq!(
        rondom_runtime::metrics::metrics()
            .refused_events_of("projector")
            .get()
            - refused_before,
        2
    );
}
