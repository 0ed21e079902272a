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

    /// Returns whether it names the law `pillar` (a `v1::Pillar`).
    pub fn shares_law(&self, pillar: i32) -> bool {
        self.wetten.contains(&pillar)
    }

    /// The basis as an audit record names it: `aanpak:<id>:instemming` or `:uitzondering`.
    pub fn basis_name(&self) -> String {
        let ground = if self.uitzondering {
            "uitzondering"
        } else {
            "instemming"
        };
        format!("aanpak:{}:{ground}", self.aanpak_id)
    }
}
