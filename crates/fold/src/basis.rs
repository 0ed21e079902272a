//! The basis of sharing across laws, as the log recorded it: each gecoördineerde aanpak
//! (who it covers, for which laws and partners, from where to where) and each person's
//! objection or restriction. The read side asks here whether a fact may cross its law's lane.

use rondom_domain::basis::AgeGroup;
use rondom_proto::v1;

use crate::model::{CoveredPerson, StoredAanpak, StoredBeperking, StoredHousehold};
use crate::step::Step;

/// `aanpak_gestart`: a running aanpak ends here and this one starts. It covers the persons
/// concerned who are members and agreed as their age requires, or all of them under the
/// documented exception.
pub(crate) fn started(
    household: &mut StoredHousehold,
    step: &mut Step<'_>,
    aanpak: &v1::AanpakGestart,
) {
    let position = step.received.position;
    end_running(household, position);
    let exception = aanpak.uitzondering.is_some();
    let persons = step
        .event()
        .persons
        .iter()
        .enumerate()
        .filter(|(_, mention)| {
            household
                .members
                .iter()
                .any(|member| member.pseudonym == mention.pseudonym)
        })
        .filter(|(index, _)| exception || aanpak.instemmingen.get(*index).is_some_and(agreed))
        .map(|(_, mention)| CoveredPerson {
            pseudonym: mention.pseudonym.clone(),
            withdrawn_position: 0,
        })
        .collect::<Vec<_>>();
    step.detail(format!(
        "{} {} van {}",
        if exception {
            "uitzondering:"
        } else {
            "instemming:"
        },
        persons.len(),
        step.event().persons.len()
    ));
    household.aanpakken.push(StoredAanpak {
        aanpak_id: step.received.envelope.id.to_string(),
        started_position: position,
        ended_position: 0,
        wetten: aanpak.wetten.clone(),
        partners: aanpak.partners.clone(),
        uitzondering: exception,
        persons,
        since: step.event().occurred_at,
    });
}

/// Returns whether an instemming as recorded is one (the age rule, again: the event is the
/// record and the rule holds whatever wrote it).
fn agreed(instemming: &v1::Instemming) -> bool {
    let group = match v1::Leeftijdsgroep::try_from(instemming.leeftijdsgroep) {
        Ok(v1::Leeftijdsgroep::ZestienEnOuder) => AgeGroup::SixteenAndOlder,
        Ok(v1::Leeftijdsgroep::TwaalfTotZestien) => AgeGroup::TwelveToFifteen,
        Ok(v1::Leeftijdsgroep::OnderTwaalf) => AgeGroup::UnderTwelve,
        _ => return false,
    };
    group.agreed(instemming.zelf, instemming.ouder)
}

/// `instemming_ingetrokken`: the persons named no longer covered by the running aanpak.
pub(crate) fn withdrawn(household: &mut StoredHousehold, step: &Step<'_>, aanpak_id: &str) {
    let position = step.received.position;
    let Some(aanpak) = running_mut(household).filter(|aanpak| aanpak.aanpak_id == aanpak_id) else {
        return;
    };
    for mention in &step.event().persons {
        for person in aanpak.persons.iter_mut().filter(|person| {
            person.pseudonym == mention.pseudonym && person.withdrawn_position == 0
        }) {
            person.withdrawn_position = position;
        }
    }
}

/// `aanpak_beeindigd`: the running aanpak with this id ends.
pub(crate) fn ended(household: &mut StoredHousehold, step: &Step<'_>, aanpak_id: &str) {
    if running(household).is_some_and(|aanpak| aanpak.aanpak_id == aanpak_id) {
        end_running(household, step.received.position);
    }
}

fn end_running(household: &mut StoredHousehold, position: u64) {
    if let Some(aanpak) = running_mut(household) {
        aanpak.ended_position = position;
    }
}

fn running_mut(household: &mut StoredHousehold) -> Option<&mut StoredAanpak> {
    household
        .aanpakken
        .last_mut()
        .filter(|aanpak| aanpak.ended_position == 0)
}

/// Returns the aanpak that runs now: a disclosure happens when a fact is read or sent, so
/// the basis must hold then.
pub fn running(household: &StoredHousehold) -> Option<&StoredAanpak> {
    household
        .aanpakken
        .last()
        .filter(|aanpak| aanpak.ended_position == 0)
}

/// `verwerking_beperkt` / `beperking_opgeheven`: a person's objection or restriction starts
/// or is lifted.
pub(crate) fn restriction(
    household: &mut StoredHousehold,
    step: &Step<'_>,
    soort: i32,
    lifted: bool,
) {
    let position = step.received.position;
    for mention in &step.event().persons {
        let open = household.beperkingen.iter_mut().find(|beperking| {
            beperking.pseudonym == mention.pseudonym
                && beperking.soort == soort
                && beperking.until_position == 0
        });
        match (open, lifted) {
            (Some(beperking), true) => beperking.until_position = position,
            (None, false) => household.beperkingen.push(StoredBeperking {
                pseudonym: mention.pseudonym.clone(),
                soort,
                from_position: position,
                until_position: 0,
            }),
            // Recorded twice, or lifted when none stands: nothing changes.
            _ => {}
        }
    }
}

/// Returns whether the person `pseudonym` objected to processing or had it restricted, and
/// it still stands.
pub fn restricted(household: &StoredHousehold, pseudonym: &str) -> bool {
    household
        .beperkingen
        .iter()
        .any(|beperking| beperking.pseudonym == pseudonym && beperking.until_position == 0)
}

/// Returns whether an objection or restriction of some person stands now.
pub fn any_restricted(household: &StoredHousehold) -> bool {
    household
        .beperkingen
        .iter()
        .any(|beperking| beperking.until_position == 0)
}

impl StoredAanpak {
    /// Returns whether it shares the facts of the person `pseudonym` now: covered, the
    /// instemming not withdrawn, and no objection or restriction standing.
    pub fn covers(&self, household: &StoredHousehold, pseudonym: &str) -> bool {
        self.persons
            .iter()
            .any(|person| person.pseudonym == pseudonym && person.withdrawn_position == 0)
            && !restricted(household, pseudonym)
    }

    /// Returns whether it shares anything now: some person it covers still is.
    pub fn covers_anyone(&self, household: &StoredHousehold) -> bool {
        self.persons
            .iter()
            .any(|person| self.covers(household, &person.pseudonym))
    }
}

#[cfg(test)]
mod tests {
    use rondom_domain::Pillar;
    use rondom_proto::v1;
    use rondom_proto::v1::event::Body;

    use super::running;
    use crate::law::testing::{MONDAY, event, fold_all};

    /// A regie event of `kind` naming `persons` (members of the household).
    fn regie(position: u64, kind: &str, persons: &[&str], body: Body) -> rondom_bus::ReceivedEvent {
        let mut received = event(position, Pillar::Regie, kind, "coordinator", MONDAY, body);
        received.event.persons = persons
            .iter()
            .map(|pseudonym| v1::PersonMention {
                pseudonym: (*pseudonym).into(),
                household_member: true,
                ..Default::default()
            })
            .collect();
        received
    }

    /// The household of Fatima (an adult) and Daan (14): their composition, as joins.
    fn family() -> Vec<rondom_bus::ReceivedEvent> {
        let join = || Body::Samenstelling(v1::SamenstellingGewijzigd::default());
        vec![
            regie(1, "samenstelling_gewijzigd", &["fatima"], join()),
            regie(2, "samenstelling_gewijzigd", &["daan"], join()),
        ]
    }

    fn instemming(group: v1::Leeftijdsgroep, zelf: bool, ouder: bool) -> v1::Instemming {
        v1::Instemming {
            leeftijdsgroep: group as i32,
            zelf,
            ouder,
            datum: None,
        }
    }

    fn aanpak(
        position: u64,
        persons: &[&str],
        instemmingen: Vec<v1::Instemming>,
    ) -> rondom_bus::ReceivedEvent {
        let body = Body::AanpakGestart(v1::AanpakGestart {
            wetten: vec![v1::Pillar::Jeugd as i32],
            instemmingen,
            ..Default::default()
        });
        regie(position, "aanpak_gestart", persons, body)
    }

    fn covered(events: &[rondom_bus::ReceivedEvent]) -> Vec<String> {
        let household = fold_all(events);
        let Some(aanpak) = running(&household) else {
            return Vec::new();
        };
        household
            .members
            .iter()
            .filter(|member| aanpak.covers(&household, &member.pseudonym))
            .map(|member| member.pseudonym.clone())
            .collect()
    }

    #[test]
    fn an_aanpak_covers_whom_the_recorded_instemming_holds_for() {
        use v1::Leeftijdsgroep::{TwaalfTotZestien, ZestienEnOuder};
        // Whatever wrote it: Daan's agreement alone (14) covers him not; with his mother it does.
        let mut events = family();
        events.push(aanpak(
            3,
            &["fatima", "daan"],
            vec![
                instemming(ZestienEnOuder, true, false),
                instemming(TwaalfTotZestien, true, false),
            ],
        ));
        assert_eq!(covered(&events), ["fatima"]);
        events.push(aanpak(
            4,
            &["fatima", "daan"],
            vec![
                instemming(ZestienEnOuder, true, false),
                instemming(TwaalfTotZestien, true, true),
            ],
        ));
        assert_eq!(covered(&events), ["fatima", "daan"]);
        // The new one replaced the first.
        let household = fold_all(&events);
        assert_eq!(household.aanpakken[0].ended_position, 4);
        // Someone who is not a member is never covered.
        let mut stranger = family();
        let mut outsider = aanpak(
            3,
            &["iemand"],
            vec![instemming(ZestienEnOuder, true, false)],
        );
        outsider.event.persons[0].household_member = false;
        stranger.push(outsider);
        let household = fold_all(&stranger);
        assert!(running(&household).is_some_and(|a| a.persons.is_empty()));
    }

    #[test]
    fn an_exception_covers_every_person_concerned() {
        let mut events = family();
        let body = Body::AanpakGestart(v1::AanpakGestart {
            wetten: vec![v1::Pillar::Jeugd as i32],
            instemmingen: vec![v1::Instemming::default(); 2],
            uitzondering: Some(v1::Uitzondering {
                grond: v1::UitzonderingGrond::Veiligheid as i32,
                besloten_door: "tl-1".into(),
            }),
            ..Default::default()
        });
        events.push(regie(3, "aanpak_gestart", &["fatima", "daan"], body));
        assert_eq!(covered(&events), ["fatima", "daan"]);
        assert!(running(&fold_all(&events)).is_some_and(|a| a.uitzondering));
    }

    #[test]
    fn withdrawal_objection_and_end_close_the_lane_again() {
        use v1::Leeftijdsgroep::ZestienEnOuder;
        let mut events = family();
        let adults = || vec![instemming(ZestienEnOuder, true, false); 2];
        events.push(aanpak(3, &["fatima", "daan"], adults()));
        let id = |events: &[rondom_bus::ReceivedEvent]| {
            running(&fold_all(events))
                .expect("running")
                .aanpak_id
                .clone()
        };
        let aanpak_id = id(&events);
        let bezwaar = || {
            Body::VerwerkingBeperkt(v1::VerwerkingBeperkt {
                soort: v1::BeperkingSoort::Bezwaar as i32,
            })
        };
        events.push(regie(4, "verwerking_beperkt", &["daan"], bezwaar()));
        assert_eq!(covered(&events), ["fatima"]);
        assert!(super::any_restricted(&fold_all(&events)));
        events.push(regie(5, "beperking_opgeheven", &["daan"], bezwaar()));
        assert_eq!(covered(&events), ["fatima", "daan"]);
        let withdrawn = Body::InstemmingIngetrokken(v1::InstemmingIngetrokken {
            aanpak_id: aanpak_id.clone(),
        });
        events.push(regie(6, "instemming_ingetrokken", &["fatima"], withdrawn));
        assert_eq!(covered(&events), ["daan"]);
        // An end naming another aanpak changes nothing; its own id ends it.
        let end = |aanpak_id: &str| {
            Body::AanpakBeeindigd(v1::AanpakBeeindigd {
                aanpak_id: aanpak_id.into(),
            })
        };
        events.push(regie(7, "aanpak_beeindigd", &[], end("een-ander")));
        assert!(running(&fold_all(&events)).is_some());
        events.push(regie(8, "aanpak_beeindigd", &[], end(&aanpak_id)));
        assert!(running(&fold_all(&events)).is_none());
    }

    #[test]
    fn a_pseudonym_renewal_keeps_who_is_covered_and_who_objected() {
        use v1::Leeftijdsgroep::ZestienEnOuder;
        let mut events = family();
        events.push(aanpak(
            3,
            &["fatima", "daan"],
            vec![instemming(ZestienEnOuder, true, false); 2],
        ));
        let bezwaar = Body::VerwerkingBeperkt(v1::VerwerkingBeperkt {
            soort: v1::BeperkingSoort::Bezwaar as i32,
        });
        events.push(regie(4, "verwerking_beperkt", &["daan"], bezwaar));
        let renewal = Body::PseudoniemenVernieuwd(v1::PseudoniemenVernieuwd {
            changes: vec![
                v1::PseudonymChange {
                    oud: "fatima".into(),
                    nieuw: "f2".into(),
                },
                v1::PseudonymChange {
                    oud: "daan".into(),
                    nieuw: "d2".into(),
                },
            ],
            key_id: "k2".into(),
        });
        events.push(regie(5, "pseudoniemen_vernieuwd", &[], renewal));
        assert_eq!(covered(&events), ["f2"]);
        assert!(super::restricted(&fold_all(&events), "d2"));
    }
}
