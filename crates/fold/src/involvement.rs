//! Who is involved with a household, from which position to which: providers through their
//! toewijzing, partners through the regisseur's registration. Sight follows from it, so only
//! the writer the law gives that power starts an involvement.

use rondom_domain::access::Role;
use rondom_proto::convert::naive_date;
use rondom_proto::v1;

use crate::model::{FormerPartner, StoredHousehold};
use crate::step::Step;

/// Returns `Some(true)` when `event` may start an involvement: it was written by `role` (the
/// back-office's toewijzing, the regisseur's registration). Events from before writers were
/// stamped carry none and count as before. Anything else starts nothing (`None`).
pub(crate) fn starts(event: &v1::Event, role: Role) -> Option<bool> {
    match &event.writer {
        None => Some(true),
        Some(writer) if writer.role == role.to_string() => Some(true),
        Some(_) => None,
    }
}

/// Returns whether the step's event starts a provider's involvement: written by its law's
/// back-office.
pub(crate) fn assigned_by_back_office(step: &Step<'_>) -> Option<bool> {
    starts(step.event(), Role::BackOffice(step.pillar))
}

/// Returns what a toewijzing does to its provider's involvement: it starts it when written by
/// the law's back-office, unless its einddatum lies before the day it was written: then it
/// withdraws or shortens an assignment that has ended (iWmo/iJw 301 with an einddatum in the
/// past), and ends the involvement.
pub(crate) fn assignment(step: &mut Step<'_>, einddatum: Option<&v1::Date>) -> Option<bool> {
    let assigned = assigned_by_back_office(step)?;
    match einddatum.and_then(naive_date) {
        Some(end) if end < step.on => {
            step.detail(format!("toewijzing beeindigd per {end}"));
            Some(false)
        }
        _ => Some(assigned),
    }
}

/// Records a provider assigned to the step's case (`Some(true)`), having stopped
/// (`Some(false)`), or reporting without changing its involvement (`None`); either way the
/// timeline names it.
pub(crate) fn provider(
    household: &mut StoredHousehold,
    step: &mut Step<'_>,
    code: &str,
    involved: Option<bool>,
) {
    if let Some(involved) = involved {
        let involvement = v1::Involvement {
            organisatie: code.to_owned(),
            pillar: v1::Pillar::from(step.pillar) as i32,
            case_id: step.case_id.to_owned(),
            since_position: 0,
        };
        involve(household, involvement, involved, step.received.position);
    }
    step.detail(format!("aanbieder {code}"));
}

/// Records a partner the regisseur registered (or ended) for the household's `pillar`.
pub(crate) fn partner(
    household: &mut StoredHousehold,
    organisatie: &str,
    pillar: i32,
    involved: Option<bool>,
    position: u64,
) {
    let Some(involved) = involved else {
        return;
    };
    let involvement = v1::Involvement {
        organisatie: organisatie.to_owned(),
        pillar,
        case_id: String::new(),
        since_position: 0,
    };
    involve(household, involvement, involved, position);
}

/// Ends, at `position`, every involvement through the case `case_id` of `pillar` (a case that
/// moved with its person to another household).
pub(crate) fn end_case(household: &mut StoredHousehold, pillar: i32, case_id: &str, position: u64) {
    let through: Vec<v1::Involvement> = household
        .partners
        .iter()
        .filter(|known| known.pillar == pillar && known.case_id == case_id)
        .cloned()
        .collect();
    for involvement in through {
        involve(household, involvement, false, position);
    }
}

/// Adds an organisation's involvement from `position`, or ends it there: what it saw while
/// involved stays its to see (the partner receives the event that ends its own involvement).
/// Ending an involvement that was never started changes nothing.
fn involve(
    household: &mut StoredHousehold,
    involvement: v1::Involvement,
    involved: bool,
    position: u64,
) {
    let same_case = |known: &v1::Involvement| {
        known.organisatie == involvement.organisatie
            && known.pillar == involvement.pillar
            && known.case_id == involvement.case_id
    };
    let same_organisation = |known: &v1::Involvement| {
        known.organisatie == involvement.organisatie && known.pillar == involvement.pillar
    };
    if involved {
        if !household.partners.iter().any(same_case) {
            household.partners.push(v1::Involvement {
                since_position: position,
                ..involvement
            });
        }
        return;
    }
    let Some(index) = household.partners.iter().position(same_case) else {
        return;
    };
    let ended = household.partners.remove(index);
    let mut others = household
        .partners
        .iter_mut()
        .filter(|known| same_organisation(known))
        .peekable();
    if others.peek().is_some() {
        // Still involved through another case: its sight runs on from the earliest start.
        for other in others {
            other.since_position = other.since_position.min(ended.since_position);
        }
        return;
    }
    household.former_partners.push(FormerPartner {
        organisatie: ended.organisatie,
        pillar: ended.pillar,
        ended_position: position,
        started_position: ended.since_position,
    });
}

/// For the unit tests of each law: whether `organisatie` is involved now.
#[cfg(test)]
pub(crate) fn is_involved(household: &StoredHousehold, organisatie: &str) -> bool {
    household
        .partners
        .iter()
        .any(|partner| partner.organisatie == organisatie)
}
