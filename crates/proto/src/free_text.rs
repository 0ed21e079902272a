//! Which fields of an event payload are free text, which no intermediary may read: the
//! writer moves them out of the payload into the event's sealed `detail`, and a reader who
//! may see the payload gets them back. One list for both sides.

use prost::Message as _;

use crate::v1;
use crate::v1::event::Body;

/// Moves the free-text fields out of `body` and returns them as an encoded payload of the
/// same kind, to be sealed; `None` when the body has none.
pub fn take(body: &mut Body) -> Option<Vec<u8>> {
    match body {
        Body::VeiligThuis(veilig_thuis) => {
            let taken = v1::VeiligThuisBetrokken {
                organisatie: std::mem::take(&mut veilig_thuis.organisatie),
                contact: std::mem::take(&mut veilig_thuis.contact),
            };
            Some(taken.encode_to_vec())
        }
        _ => None,
    }
}

/// Puts the free text [`take`] took back into `body`; opened `detail` that does not decode
/// is left out.
pub fn restore(body: &mut Body, detail: &[u8]) {
    if let Body::VeiligThuis(veilig_thuis) = body
        && let Ok(taken) = v1::VeiligThuisBetrokken::decode(detail)
    {
        veilig_thuis.organisatie = taken.organisatie;
        veilig_thuis.contact = taken.contact;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn veilig_thuis_texts_go_out_and_come_back() {
        let original = Body::VeiligThuis(v1::VeiligThuisBetrokken {
            organisatie: "Veilig Thuis Amsterdam-Amstelland".into(),
            contact: "020 123 45 67".into(),
        });
        let mut body = original.clone();
        let taken = take(&mut body).expect("free text");
        assert_eq!(body, Body::VeiligThuis(v1::VeiligThuisBetrokken::default()));
        restore(&mut body, &taken);
        assert_eq!(body, original);
        let mut other = Body::TermijnHervat(v1::TermijnHervat {});
        assert_eq!(take(&mut other), None);
    }
}
