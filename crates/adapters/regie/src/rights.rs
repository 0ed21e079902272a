//! The payload rules of a person's rights in the regie: the gecoördineerde aanpak (the laws
//! and partners it shares with, and per person concerned an instemming as their age
//! requires, or the documented exception), objection and restriction, and rectification.
//! Pure: the handlers in `lib.rs` call them before they write.

use rondom_adapter::Check;
use rondom_domain::EventId;
use rondom_domain::basis::AgeGroup;
use rondom_domain::code::{check_organisation, check_staff_id};
use rondom_proto::v1;
use rondom_proto::v1::event::Body;

/// Most persons, laws and partners one aanpak names.
pub(crate) const MAX_PERSONEN: usize = 20;
pub(crate) const MAX_PARTNERS: usize = 20;
const WETTEN: &str = "WMO, JEUGD, PARTICIPATIE, SCHULDHULP";
const GRONDEN: &str = "ERNSTIG_NADEEL, VEILIGHEID";
const SOORTEN: &str = "BEZWAAR, BEPERKING";

/// The `aanpak_gestart` event. `motivated`: the context carries a note (the motivation an
/// exception needs).
pub(crate) fn start(
    check: &mut Check,
    request: &v1::StartAanpakRequest,
    motivated: bool,
) -> Option<Body> {
    let wetten = wetten(check, &request.wetten);
    partners(check, &request.partners);
    if request.personen.is_empty() || request.personen.len() > MAX_PERSONEN {
        check.push(
            "personen",
            format!("an aanpak names 1 to {MAX_PERSONEN} persons concerned"),
        );
    }
    let uitzondering = request.uitzondering.clone();
    if let Some(uitzondering) = &uitzondering {
        check.choice::<v1::UitzonderingGrond>("uitzondering.grond", uitzondering.grond, GRONDEN);
        check.code(
            "uitzondering.besloten_door",
            &uitzondering.besloten_door,
            check_staff_id,
        );
        if !motivated {
            check.push("context.note", "an exception is motivated in the note");
        }
    }
    let instemmingen: Vec<Option<v1::Instemming>> = request
        .personen
        .iter()
        .enumerate()
        .map(|(index, persoon)| instemming(check, index, persoon, uitzondering.is_some()))
        .collect();
    let instemmingen: Option<Vec<v1::Instemming>> = instemmingen.into_iter().collect();
    Some(Body::AanpakGestart(v1::AanpakGestart {
        wetten: wetten?,
        partners: request.partners.clone(),
        instemmingen: instemmingen?,
        uitzondering,
    }))
}

/// The laws an aanpak shares: at least one, each a law, none twice.
fn wetten(check: &mut Check, wetten: &[i32]) -> Option<Vec<i32>> {
    if wetten.is_empty() {
        check.push(
            "wetten",
            format!("an aanpak names at least one law: {WETTEN}"),
        );
    }
    let mut ok = !wetten.is_empty();
    for (index, &wet) in wetten.iter().enumerate() {
        let field = format!("wetten[{index}]");
        let law = rondom_proto::convert::pillar_from_proto(wet)
            .filter(|&pillar| rondom_domain::law::of(pillar).is_some());
        if law.is_none() {
            check.push(field, format!("a law is one of {WETTEN}"));
            ok = false;
        } else if wetten[..index].contains(&wet) {
            check.push(field, "a law is named once");
            ok = false;
        }
    }
    ok.then(|| wetten.to_vec())
}

fn partners(check: &mut Check, partners: &[String]) {
    if partners.len() > MAX_PARTNERS {
        check.push(
            "partners",
            format!("an aanpak names at most {MAX_PARTNERS} partners"),
        );
    }
    for (index, partner) in partners.iter().enumerate() {
        let field = format!("partners[{index}]");
        check.code(&field, partner, check_organisation);
        if partners[..index].contains(partner) {
            check.push(field, "a partner is named once");
        }
    }
}

/// The instemming of the person at `index`: who agreed must be who can agree at their age on
/// the day they agreed. Under an exception no one is marked as agreeing.
fn instemming(
    check: &mut Check,
    index: usize,
    persoon: &v1::AanpakPersoon,
    exception: bool,
) -> Option<v1::Instemming> {
    let field = format!("personen[{index}]");
    let birth = check.date(
        &format!("{field}.person.birth_date"),
        persoon
            .person
            .as_ref()
            .and_then(|person| person.birth_date.as_ref()),
    );
    if exception {
        if persoon.zelf_ingestemd || persoon.ouder_ingestemd || persoon.ingestemd_op.is_some() {
            check.push(&field, "under an exception no instemming is recorded");
        }
        return birth.map(|_| v1::Instemming::default());
    }
    let on = check.date(
        &format!("{field}.ingestemd_op"),
        persoon.ingestemd_op.as_ref(),
    )?;
    let birth = birth?;
    if on < birth {
        check.push(
            format!("{field}.ingestemd_op"),
            "not before the person's birth",
        );
        return None;
    }
    if check.occurred_on().is_some_and(|day| on > day) {
        check.push(
            format!("{field}.ingestemd_op"),
            "not after the day the aanpak starts",
        );
    }
    let group = AgeGroup::on(birth, on);
    if let Some(missing) = group.missing(persoon.zelf_ingestemd, persoon.ouder_ingestemd) {
        check.push(field, missing);
        return None;
    }
    Some(v1::Instemming {
        leeftijdsgroep: match group {
            AgeGroup::SixteenAndOlder => v1::Leeftijdsgroep::ZestienEnOuder,
            AgeGroup::TwelveToFifteen => v1::Leeftijdsgroep::TwaalfTotZestien,
            AgeGroup::UnderTwelve => v1::Leeftijdsgroep::OnderTwaalf,
        } as i32,
        zelf: persoon.zelf_ingestemd,
        ouder: persoon.ouder_ingestemd,
        datum: persoon.ingestemd_op,
    })
}

/// An aanpak's id: the event id of its `aanpak_gestart`.
pub(crate) fn aanpak_id(check: &mut Check, id: &str) -> Option<String> {
    match id.parse::<EventId>() {
        Ok(id) => Some(id.to_string()),
        Err(_) => {
            check.push("aanpak_id", "the event id of aanpak_gestart (a UUID)");
            None
        }
    }
}

/// The `verwerking_beperkt` or `beperking_opgeheven` event.
pub(crate) fn beperking(check: &mut Check, soort: i32) -> Option<Body> {
    check.choice::<v1::BeperkingSoort>("soort", soort, SOORTEN)?;
    Some(Body::VerwerkingBeperkt(v1::VerwerkingBeperkt { soort }))
}

/// The `persoonsgegevens_gerectificeerd` event: the person comes with the corrected name and
/// birth date (`corrected`: whether each was given), which replace what the view held.
pub(crate) fn rectification(check: &mut Check, corrected: Option<(bool, bool)>) -> Option<Body> {
    let (name, birth) = corrected?;
    if !name {
        check.push("person.display_name", "the corrected name is required");
    }
    if !birth {
        check.push("person.birth_date", "the corrected birth date is required");
    }
    (name && birth).then_some(Body::PersoonsgegevensGerectificeerd(
        v1::PersoonsgegevensGerectificeerd {},
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn date(year: i32, month: i32, day: i32) -> Option<v1::Date> {
        Some(v1::Date { year, month, day })
    }

    fn persoon(born: i32, zelf: bool, ouder: bool) -> v1::AanpakPersoon {
        v1::AanpakPersoon {
            person: Some(v1::PersonRef {
                bsn: "111222333".into(),
                birth_date: date(born, 1, 1),
                ..Default::default()
            }),
            zelf_ingestemd: zelf,
            ouder_ingestemd: ouder,
            ingestemd_op: date(2026, 11, 30),
        }
    }

    fn fields(request: &v1::StartAanpakRequest, motivated: bool) -> Vec<String> {
        let mut check = Check::new(chrono::Utc::now());
        start(&mut check, request, motivated);
        check
            .finish(Some(()))
            .err()
            .map(|input| {
                input
                    .violations()
                    .iter()
                    .map(|violation| violation.field.clone())
                    .collect()
            })
            .unwrap_or_default()
    }

    fn request(personen: Vec<v1::AanpakPersoon>) -> v1::StartAanpakRequest {
        v1::StartAanpakRequest {
            wetten: vec![v1::Pillar::Jeugd as i32, v1::Pillar::Schuldhulp as i32],
            personen,
            ..Default::default()
        }
    }

    #[test]
    fn each_person_agrees_as_their_age_requires() {
        assert!(fields(&request(vec![persoon(1980, true, false)]), false).is_empty());
        // A 14-year-old alone, and a parent alone for a 17-year-old: refused, by person.
        assert_eq!(
            fields(
                &request(vec![
                    persoon(1980, true, false),
                    persoon(2012, true, false),
                    persoon(2009, false, true)
                ]),
                false
            ),
            ["personen[1]", "personen[2]"]
        );
        assert!(fields(&request(vec![persoon(2012, true, true)]), false).is_empty());
        assert!(fields(&request(vec![persoon(2018, false, true)]), false).is_empty());
    }

    #[test]
    fn an_exception_names_its_ground_who_decided_and_why() {
        let mut exception = request(vec![v1::AanpakPersoon {
            zelf_ingestemd: false,
            ingestemd_op: None,
            ..persoon(1980, false, false)
        }]);
        exception.uitzondering = Some(v1::Uitzondering {
            grond: v1::UitzonderingGrond::Veiligheid as i32,
            besloten_door: "tl-0007".into(),
        });
        assert!(fields(&exception, true).is_empty());
        assert_eq!(fields(&exception, false), ["context.note"]);
        exception.uitzondering = Some(v1::Uitzondering::default());
        assert_eq!(
            fields(&exception, true),
            ["uitzondering.grond", "uitzondering.besloten_door"]
        );
    }

    #[test]
    fn the_laws_are_laws_named_once() {
        let mut wrong = request(vec![persoon(1980, true, false)]);
        wrong.wetten = vec![
            v1::Pillar::Jeugd as i32,
            v1::Pillar::Regie as i32,
            v1::Pillar::Jeugd as i32,
        ];
        assert_eq!(fields(&wrong, false), ["wetten[1]", "wetten[2]"]);
        wrong.wetten.clear();
        assert_eq!(fields(&wrong, false), ["wetten"]);
    }
}
