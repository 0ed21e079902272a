//! The events the hub itself writes (an erasure, a renewal of pseudonyms): one way to build
//! them, of a catalogue kind, with the hub as writer and no personal data.

use rondom_bus::{Envelope, EventType};
use rondom_domain::catalogue::EventKind;
use rondom_domain::id::IdempotencyKey;
use rondom_domain::{EventId, HouseholdId, Pillar, SourceUrn};
use rondom_proto::v1;

/// Returns the event of `kind` (a regie kind) about `household` from hub process `source`,
/// with an id that depends only on `key`: writing it again is a duplicate.
pub(crate) fn hub_event(
    kind: &'static EventKind,
    source: &str,
    key: &str,
    household: HouseholdId,
    gemeente_code: &str,
    body: v1::event::Body,
) -> (Envelope, v1::Event) {
    debug_assert_eq!(
        kind.pillar,
        Some(Pillar::Regie),
        "the hub writes regie kinds"
    );
    let source: SourceUrn = source.parse().expect("a hub source is a valid URN");
    let key: IdempotencyKey = key.parse().expect("a hub key is a valid idempotency key");
    let envelope = Envelope {
        id: EventId::derive("", &source, &key),
        source,
        event_type: EventType::new(Pillar::Regie, kind.name).expect("a catalogue kind"),
        subject: household,
        time: chrono::Utc::now(),
        writer: rondom_bus::HUB_WRITER.to_owned(),
    };
    let event = v1::Event {
        household_id: household.to_string(),
        pillar: v1::Pillar::Regie as i32,
        kind: kind.name.to_owned(),
        occurred_at: Some(rondom_proto::convert::timestamp(envelope.time)),
        gemeente_code: gemeente_code.to_owned(),
        body: Some(body),
        writer: Some(rondom_bus::envelope::hub_writer()),
        ..Default::default()
    };
    (envelope, event)
}
