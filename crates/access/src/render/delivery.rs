//! One event as a reader may see it: under SIGHT_STATUS that it happened (pillar, kind, time,
//! a general title) and the payload fields of the kind's status rendering; under SIGHT_FULL
//! also the payload, with the sealed persons and free text opened for this reader and the
//! sealed fields themselves left out. The payload goes through the one redaction of payloads
//! ([`rondom_proto::payload::redact`]), field by field as the catalogue declares.

use crate::disclosure::general_title;
use crate::render::payload;
use prost::Message;
use rondom_bus::ReceivedEvent;
use rondom_domain::HouseholdId;
use rondom_domain::access::{Audience, Sight, Standing};
use rondom_domain::catalogue::NeedToKnow;
use rondom_domain::seal::{DataKey, Purpose, Sealed};
use rondom_proto::convert::timestamp;
use rondom_proto::v1;

/// Returns the delivery of `received` to a reader of `standing`, which gets `sight` (not
/// [`Sight::Nothing`]) of the event's `class`; `key` opens its personal data under
/// [`Sight::Full`]. Only a partner of the event's own law gets whole BSNs and birth dates,
/// which it works with; others see a masked BSN, as in a household view.
pub fn delivery(
    received: &ReceivedEvent,
    household: &HouseholdId,
    standing: &Standing,
    class: NeedToKnow,
    sight: Sight,
    key: Option<&DataKey>,
) -> v1::Delivery {
    let event = &received.event;
    let envelope = &received.envelope;
    let pillar = envelope.event_type.pillar;
    let own_law = matches!(
        standing.audience(pillar),
        Audience::OwnPillar | Audience::OwnBackOffice
    );
    let shown = |body: v1::event::Body| payload(body, event.pillar, &event.kind, standing, sight);
    let mut delivery = v1::Delivery {
        position: received.position,
        id: envelope.id.to_string(),
        source: envelope.source.to_string(),
        r#type: envelope.event_type.to_string(),
        subject: envelope.subject.to_string(),
        time: Some(timestamp(envelope.time)),
        household_id: event.household_id.clone(),
        pillar: event.pillar,
        kind: event.kind.clone(),
        need_to_know: v1::NeedToKnow::from(class) as i32,
        sight: v1::Sight::from(sight) as i32,
        title: general_title(event.pillar, &event.kind),
        occurred_at: event.occurred_at,
        ..Default::default()
    };
    if sight < Sight::Full {
        // The sending system would name the provider.
        delivery.source.clear();
        delivery.event = event.body.clone().and_then(shown);
        return delivery;
    }
    let open = |purpose: Purpose, sealed: &v1::Sealed| {
        key.and_then(|key| {
            key.open(household, purpose, &Sealed::from(sealed.clone()))
                .ok()
        })
    };
    delivery.persons = persons(event, own_law, &open);
    delivery.summary = event
        .summary
        .as_ref()
        .and_then(|sealed| open(Purpose::Summary, sealed))
        .and_then(|bytes| String::from_utf8(bytes).ok())
        .unwrap_or_default();
    let mut payload = event.clone();
    payload.summary = None;
    if let (Some(body), Some(detail)) = (
        payload.body.as_mut(),
        payload
            .detail
            .take()
            .and_then(|sealed| open(Purpose::Detail, &sealed)),
    ) {
        rondom_proto::free_text::restore(body, &detail);
    }
    // The persons go in `persons`, opened and kept to those the reader may know (a provider:
    // the persons of its own cases); who at which client wrote it is on the hub's record,
    // not the reader's.
    payload.persons.clear();
    payload.writer = None;
    payload.body = payload
        .body
        .take()
        .and_then(shown)
        .and_then(|shown| shown.body);
    delivery.event = Some(payload);
    delivery
}

/// The persons an event names, opened for a reader under full sight: whole BSNs and birth
/// dates only for a partner of the event's own law, else a masked BSN.
fn persons(
    event: &v1::Event,
    own_law: bool,
    open: &dyn Fn(Purpose, &v1::Sealed) -> Option<Vec<u8>>,
) -> Vec<v1::DeliveredPerson> {
    event
        .persons
        .iter()
        .map(|mention| {
            let identity = mention
                .identity
                .as_ref()
                .and_then(|sealed| open(Purpose::Identity, sealed))
                .and_then(|bytes| v1::PersonIdentity::decode(bytes.as_slice()).ok())
                .unwrap_or_default();
            let (bsn, birth_date) = if own_law {
                (identity.bsn, identity.birth_date)
            } else {
                let masked = identity
                    .bsn
                    .parse::<rondom_domain::Bsn>()
                    .map(|bsn| bsn.masked())
                    .unwrap_or_default();
                (masked, None)
            };
            v1::DeliveredPerson {
                pseudonym: mention.pseudonym.clone(),
                bsn,
                display_name: identity.display_name,
                birth_date,
                primary: mention.primary,
            }
        })
        .collect()
}
