//! Publishing against a real nats-server: what JetStream checks atomically with a write.

use rondom_bus::stream::{self, StreamSettings};
use rondom_bus::{Envelope, Error, EventPublisher, EventSigner, EventType};
use rondom_domain::{EventId, HouseholdId, Pillar};
use rondom_proto::v1;
use rondom_testkit::TestNats;

/// A wijkteam signal in `household`, under its own id (`key`).
fn signal(household: HouseholdId, key: &str) -> (Envelope, v1::Event) {
    let envelope = Envelope {
        id: EventId::derive(
            "wijkteam",
            &"urn:nl:wijkteam:test".parse().expect("source"),
            &key.parse().expect("key"),
        ),
        source: "urn:nl:wijkteam:test".parse().expect("source"),
        event_type: EventType::new(Pillar::Wijkteam, "signal_received").expect("kind"),
        subject: household,
        time: chrono::Utc::now(),
        writer: "dev-wijkteam".into(),
    };
    let event = v1::Event {
        household_id: household.to_string(),
        pillar: v1::Pillar::Wijkteam as i32,
        kind: "signal_received".into(),
        gemeente_code: "0363".into(),
        ..Default::default()
    };
    (envelope, event)
}

#[test_log::test(tokio::test)]
async fn only_one_write_is_a_households_first() {
    let nats = TestNats::start();
    let jetstream = rondom_bus::jetstream(rondom_bus::connect(nats.url()).await.expect("connect"));
    stream::provision(&jetstream, &StreamSettings::default())
        .await
        .expect("provision");
    let publisher = EventPublisher::new(jetstream, EventSigner::new([7; 32]));
    let (household, neighbours) = (HouseholdId::generate(), HouseholdId::generate());
    let (envelope, event) = signal(household, "first");
    let first = publisher
        .publish_first(&envelope, &event)
        .await
        .expect("the household's first event");
    // Another household's events are no household's first here.
    let (envelope, event) = signal(neighbours, "elsewhere");
    publisher
        .publish_first(&envelope, &event)
        .await
        .expect("the neighbours' first event");
    let (envelope, event) = signal(household, "second");
    let refused = publisher.publish_first(&envelope, &event).await;
    assert!(matches!(refused, Err(Error::Conflict)), "{refused:?}");
    let (_, id) = publisher
        .last_event(&household)
        .await
        .expect("read")
        .expect("an event");
    assert_eq!(
        id,
        signal(household, "first").0.id.to_string(),
        "not published"
    );
    // As any other write it may come after the first.
    let later = publisher
        .publish(&envelope, &event)
        .await
        .expect("published");
    assert!(later.position > first.position);
}
