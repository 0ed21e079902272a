//! What a reader sees of an event's payload: the one redaction of payloads, for timelines and
//! subscription deliveries alike. Field by field, as the catalogue declares it: a field is
//! shown when the reader has full sight of its class (the kind's, or the stricter one the
//! catalogue gives it), or status sight and the field is in the kind's status rendering.
//! A field the catalogue does not name is never shown under status sight.
//!
//! Fields are matched by their protobuf names, read from the compiled descriptor, and the
//! payload is filtered on the wire: no code per payload message.

use std::collections::HashMap;
use std::sync::LazyLock;

use prost::Message as _;
use prost::bytes::Buf as _;
use prost::encoding::{WireType, decode_key, decode_varint, encode_key, encode_varint};
use rondom_domain::access::Sight;
use rondom_domain::catalogue::{EventKind, NeedToKnow};

use crate::v1;
use crate::v1::event::Body;

/// Per payload (its field number in `rondom.v1.Event`), its fields' numbers by name.
static PAYLOAD_FIELDS: LazyLock<HashMap<u32, HashMap<u32, String>>> = LazyLock::new(|| {
    let set = prost_types::FileDescriptorSet::decode(crate::FILE_DESCRIPTOR_SET)
        .expect("the descriptor compiled into this crate decodes");
    let messages: HashMap<String, &prost_types::DescriptorProto> = set
        .file
        .iter()
        .flat_map(|file| {
            file.message_type
                .iter()
                .map(move |message| (format!(".{}.{}", file.package(), message.name()), message))
        })
        .collect();
    let event = messages[".rondom.v1.Event"];
    event
        .field
        .iter()
        .filter(|field| field.oneof_index.is_some())
        .filter_map(|field| {
            let message = messages.get(field.type_name())?;
            let fields = message
                .field
                .iter()
                .map(|inner| {
                    (
                        u32::try_from(inner.number()).unwrap_or(0),
                        inner.name().to_owned(),
                    )
                })
                .collect();
            Some((u32::try_from(field.number()).ok()?, fields))
        })
        .collect()
});

/// Returns what a reader sees of `body`, the payload of an event of `kind`, given the sight
/// `sight_of` gives it of each need-to-know class; `None` when that is nothing. A reader
/// with full sight of the kind gets the payload even when it has no fields. The body is
/// taken, so a reader who may see all of it gets it without a copy.
pub fn redact(
    kind: &EventKind,
    body: Body,
    sight_of: impl Fn(NeedToKnow) -> Sight,
) -> Option<Body> {
    let whole = sight_of(kind.need_to_know) == Sight::Full;
    if whole
        && kind
            .field_classes
            .iter()
            .all(|(_, class)| sight_of(*class) == Sight::Full)
    {
        return Some(body);
    }
    let (payload, bytes) = split(&body)?;
    let names = PAYLOAD_FIELDS.get(&payload)?;
    let shown = |number: u32| {
        let Some(name) = names.get(&number) else {
            return false;
        };
        match sight_of(kind.class_of_field(name)) {
            Sight::Full => true,
            Sight::Status => kind.status_fields.contains(&name.as_str()),
            Sight::Nothing => false,
        }
    };
    let kept = keep_fields(&bytes, shown)?;
    if kept.is_empty() && !whole {
        return None;
    }
    join(payload, &kept)
}

/// Returns the number of `body`'s payload in `rondom.v1.Event` and the payload's encoding.
fn split(body: &Body) -> Option<(u32, Vec<u8>)> {
    let mut encoded = Vec::new();
    body.encode(&mut encoded);
    let mut buf = encoded.as_slice();
    let (number, wire_type) = decode_key(&mut buf).ok()?;
    if wire_type != WireType::LengthDelimited {
        return None;
    }
    let length = usize::try_from(decode_varint(&mut buf).ok()?).ok()?;
    Some((number, buf.get(..length)?.to_vec()))
}

/// Returns the payload numbered `payload` with the encoding `bytes`.
fn join(payload: u32, bytes: &[u8]) -> Option<Body> {
    let mut event = Vec::with_capacity(bytes.len() + 8);
    encode_key(payload, WireType::LengthDelimited, &mut event);
    encode_varint(bytes.len() as u64, &mut event);
    event.extend_from_slice(bytes);
    v1::Event::decode(event.as_slice()).ok()?.body
}

/// Returns the top-level fields of the encoded message `bytes` whose number `keep` keeps, in
/// order; `None` when the encoding is broken.
fn keep_fields(bytes: &[u8], keep: impl Fn(u32) -> bool) -> Option<Vec<u8>> {
    let mut kept = Vec::with_capacity(bytes.len());
    let mut buf = bytes;
    while buf.has_remaining() {
        let start = bytes.len() - buf.len();
        let (number, wire_type) = decode_key(&mut buf).ok()?;
        match wire_type {
            WireType::Varint => {
                decode_varint(&mut buf).ok()?;
            }
            WireType::SixtyFourBit => buf = buf.get(8..)?,
            WireType::ThirtyTwoBit => buf = buf.get(4..)?,
            WireType::LengthDelimited => {
                let length = usize::try_from(decode_varint(&mut buf).ok()?).ok()?;
                buf = buf.get(length..)?;
            }
            WireType::StartGroup | WireType::EndGroup => return None,
        }
        if keep(number) {
            kept.extend_from_slice(&bytes[start..bytes.len() - buf.len()]);
        }
    }
    Some(kept)
}

#[cfg(test)]
mod tests {
    use super::*;
    use rondom_domain::catalogue::{self, NeedToKnow::*};

    fn toewijzing() -> Body {
        Body::WmoVoorzieningToegewezen(v1::WmoVoorzieningToegewezen {
            aanbieder_agb: "87654321".into(),
            productcode: "01A01".into(),
            begindatum: Some(v1::Date {
                year: 2026,
                month: 12,
                day: 7,
            }),
            ..Default::default()
        })
    }

    fn fields(body: Option<Body>) -> (String, String, bool) {
        match body {
            Some(Body::WmoVoorzieningToegewezen(voorziening)) => (
                voorziening.aanbieder_agb,
                voorziening.productcode,
                voorziening.begindatum.is_some(),
            ),
            other => panic!("another payload: {other:?}"),
        }
    }

    #[test]
    fn full_sight_of_every_class_shows_the_whole_payload() {
        let kind = &catalogue::wmo::VOORZIENING_TOEGEWEZEN;
        assert_eq!(
            redact(kind, toewijzing(), |_| Sight::Full),
            Some(toewijzing())
        );
    }

    #[test]
    fn a_field_of_a_stricter_class_needs_sight_of_that_class() {
        // The catalogue classes the product code of a toewijzing as health.
        let kind = &catalogue::wmo::VOORZIENING_TOEGEWEZEN;
        let regisseur = |class| match class {
            Household | Protected => Sight::Full,
            Pillar | Health => Sight::Status,
            Lane => Sight::Nothing,
        };
        let (agb, productcode, begin) = fields(redact(kind, toewijzing(), regisseur));
        assert_eq!(
            (agb.as_str(), productcode.as_str(), begin),
            ("87654321", "", true)
        );
    }

    #[test]
    fn status_sight_shows_the_kinds_status_fields_and_nothing_else() {
        let plain = catalogue::wmo::VOORZIENING_TOEGEWEZEN;
        let status = |_| Sight::Status;
        assert_eq!(
            redact(&plain, toewijzing(), status),
            None,
            "no status rendering"
        );
        let rendered = plain.at_status(&["begindatum", "productcode"]);
        let (agb, productcode, begin) = fields(redact(&rendered, toewijzing(), status));
        // The product code is health: under status sight of health it is a status field.
        assert_eq!(
            (agb.as_str(), productcode.as_str(), begin),
            ("", "01A01", true)
        );
        assert_eq!(redact(&rendered, toewijzing(), |_| Sight::Nothing), None);
    }

    #[test]
    fn a_payload_without_fields_goes_only_to_full_sight() {
        let kind = &catalogue::shared::TERMIJN_HERVAT;
        let empty = Body::TermijnHervat(v1::TermijnHervat::default());
        assert_eq!(
            redact(kind, empty.clone(), |_| Sight::Full),
            Some(empty.clone())
        );
        assert_eq!(redact(kind, empty, |_| Sight::Status), None);
    }

    #[test]
    fn every_field_the_catalogue_names_is_a_payload_field() {
        let known: Vec<&str> = PAYLOAD_FIELDS
            .values()
            .flat_map(|fields| fields.values().map(String::as_str))
            .collect();
        for kind in catalogue::KINDS {
            let named = kind
                .status_fields
                .iter()
                .chain(kind.field_classes.iter().map(|(name, _)| name));
            for name in named {
                assert!(
                    known.contains(name),
                    "{}: no payload has a field {name}",
                    kind.name
                );
            }
        }
    }
}
