//! What the benchmarks send: households of two people with valid BSNs, and wijkteam signals of
//! a realistic size (300-500 bytes on the wire, as a wijkteam system writes them).

use rondom_proto::v1;

/// The gemeente every benchmark household lives in (the development coordinator's).
pub(crate) const GEMEENTE: &str = "0363";

/// The two people of household `household`: a parent of forty and a child of twelve in the
/// year the bench runs (the Jeugdwet's toewijzingen of P6 and P8 are for minors).
pub(crate) fn persons(household: u64) -> Vec<v1::PersonRef> {
    use chrono::Datelike;
    let this_year = chrono::Utc::now().year();
    [("ouder", 0, this_year - 40), ("kind", 1, this_year - 12)]
        .into_iter()
        .map(|(role, offset, year)| v1::PersonRef {
            bsn: rondom_testkit::bsn(household * 2 + offset),
            display_name: format!("{role} {household}"),
            birth_date: chrono::NaiveDate::from_ymd_opt(year, 1 + (household % 12) as u32, 14)
                .map(rondom_proto::convert::proto_date),
        })
        .collect()
}

const KINDS: [&str; 4] = [
    "eenzaamheid",
    "zorgen_opvoeding",
    "betalingsachterstand",
    "mantelzorg_overbelast",
];

const NOTES: [&str; 4] = [
    "Buurvrouw belde: moeder lijkt overbelast sinds de scheiding, kind gaat onregelmatig naar \
     school. Afspraak gemaakt voor een huisbezoek volgende week, met de jeugdconsulent erbij.",
    "Vader meldt achterstand in huur en zorgpremie, brieven van de deurwaarder liggen ongeopend. \
     Hij wil hulp bij het ordenen van de post en een gesprek met schuldhulpverlening.",
    "Bij de ouder-kindgroep viel op dat de zoon weinig praat en vaak moe is. Moeder staat open \
     voor een gesprek; huisarts is op de hoogte, school wordt gevraagd om mee te denken.",
    "Mantelzorger geeft aan dat de dagbesteding niet meer past en dat huishoudelijke hulp nodig \
     is. Wmo-consulent ingelicht; gezin vraagt om een vast aanspreekpunt in de wijk.",
];

/// Signal number `number` about household `household`; the idempotency key is unique per
/// `run` and number, so every call publishes a new event.
pub(crate) fn signal(run: &str, number: u64, household: u64) -> v1::PostSignalRequest {
    let variant = (number % 4) as usize;
    v1::PostSignalRequest {
        idempotency_key: format!("{run}-{number}"),
        source_system: "urn:nld:oin:00000001234567890000:systeem:wijkteam-bench".to_owned(),
        gemeente_code: GEMEENTE.to_owned(),
        persons: persons(household),
        pillar: v1::Pillar::Wijkteam as i32,
        kind: KINDS[variant].to_owned(),
        urgency: v1::Urgency::Normal as i32,
        observed_at: Some(rondom_proto::convert::timestamp(
            chrono::Utc::now() - chrono::Duration::hours(2),
        )),
        summary: NOTES[variant].to_owned(),
    }
}

/// Toewijzing number `number` of jeugdhulp for the child of household `household`, to the
/// development jeugd partner (AGB 12345678): the partner is involved from then on and receives
/// the event.
pub(crate) fn toewijzing(run: &str, number: u64, household: u64) -> v1::AssignJeugdhulpRequest {
    let mut persons = persons(household);
    persons.reverse();
    let today = chrono::Utc::now().date_naive();
    v1::AssignJeugdhulpRequest {
        context: Some(v1::WriteContext {
            idempotency_key: format!("{run}-{number}"),
            source_system: "jeugd-bench".to_owned(),
            gemeente_code: GEMEENTE.to_owned(),
            persons,
            occurred_at: Some(rondom_proto::convert::timestamp(
                chrono::Utc::now() - chrono::Duration::hours(2),
            )),
            case_id: format!("JW-BENCH-{number}"),
            note: NOTES[(number % 4) as usize].to_owned(),
        }),
        jeugdhulp: Some(v1::Jeugdhulp {
            aanbieder_agb: "12345678".to_owned(),
            productcode: "45A48".to_owned(),
            begindatum: Some(rondom_proto::convert::proto_date(today)),
            ..v1::Jeugdhulp::default()
        }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use prost::Message as _;

    #[test]
    fn signals_are_as_large_as_a_wijkteam_writes_them() {
        for number in 0..8 {
            let size = signal("run", number, number * 1_000_003 % 1_999_999).encoded_len();
            assert!((300..=500).contains(&size), "signal {number}: {size} bytes");
        }
    }

    #[test]
    fn every_household_has_its_own_valid_bsns() {
        let mut seen = std::collections::HashSet::new();
        for household in (0..2_000).chain(1_999_000..1_999_999) {
            for person in persons(household) {
                let _: rondom_domain::Bsn = person.bsn.parse().expect("valid BSN");
                assert!(seen.insert(person.bsn.clone()), "{} twice", person.bsn);
            }
        }
    }
}
