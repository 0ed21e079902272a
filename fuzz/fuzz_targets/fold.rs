//! The projector's fold of one event into a household view. Any event whose envelope agrees
//! with its payload reaches the fold, so the fold must take any payload without panicking: a
//! panic would stop every household's views. The stored view it starts from comes from the
//! input too (a view written by an older or newer version).
#![no_main]

use libfuzzer_sys::fuzz_target;
use prost::Message as _;
use rondom_bus::{Envelope, EventType, ReceivedEvent};
use rondom_fold::{StoredHousehold, fold};
use rondom_proto::v1;

/// The input: the position (8 bytes, big-endian), the stored view's length (2 bytes) and the
/// view, then the event's payload; seeds in fuzz/seeds/fold follow it.
struct Input<'a> {
    position: u64,
    stored: &'a [u8],
    event: &'a [u8],
}

fn split(bytes: &[u8]) -> Option<Input<'_>> {
    let (position, rest) = bytes.split_first_chunk::<8>()?;
    let (length, rest) = rest.split_first_chunk::<2>()?;
    let length = usize::from(u16::from_be_bytes(*length)).min(rest.len());
    let (stored, event) = rest.split_at(length);
    Some(Input {
        position: u64::from_be_bytes(*position),
        stored,
        event,
    })
}

fuzz_target!(|bytes: &[u8]| {
    let Some(input) = split(bytes) else {
        return;
    };
    let Ok(event) = v1::Event::decode(input.event) else {
        return;
    };
    let mut household = StoredHousehold::decode(input.stored).unwrap_or_default();
    // The envelope the checks in ReceivedEvent::decode would demand of this payload.
    let Ok(subject) = event.household_id.parse() else {
        return;
    };
    let Some(pillar) = rondom_proto::convert::pillar_from_proto(event.pillar) else {
        return;
    };
    let Ok(event_type) = EventType::new(pillar, &event.kind) else {
        return;
    };
    let received = ReceivedEvent {
        position: input.position,
        envelope: Envelope {
            id: rondom_domain::EventId::from_bytes(uuid_of(input.event)),
            source: "urn:rondom:fuzz".parse().expect("a valid source"),
            event_type,
            subject,
            time: chrono::Utc::now(),
            writer: event
                .writer
                .as_ref()
                .map(|writer| writer.client_id.clone())
                .unwrap_or_default(),
        },
        event,
    };
    let _ = fold(&mut household, &received, &Default::default());
    // The folded view is stored: it must encode.
    let _ = household.encode_to_vec();
});

fn uuid_of(bytes: &[u8]) -> [u8; 16] {
    let mut id = [0u8; 16];
    for (slot, byte) in id.iter_mut().zip(bytes) {
        *slot = *byte;
    }
    id
}
