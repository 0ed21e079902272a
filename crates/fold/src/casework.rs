//! The pillar story of a household: trajectories per case, statutory deadlines, the
//! regisseur, the plan and the partners, folded from pillar and regie events. Pure: the
//! catalogue row of each kind says what it starts, meets and where the case goes; each law's
//! module in `law` adds what depends on its payloads (a spoed melding, a threatening
//! situation, a refusal), and this module does what every case event does.

use chrono::NaiveDate;
use rondom_bus::ReceivedEvent;
use rondom_domain::Pillar;
use rondom_domain::bylaw::BylawTerms;
use rondom_domain::catalogue::{EventKind, NeedToKnow, Stage};
use rondom_proto::convert::pillar_from_proto;
use rondom_proto::v1;

use crate::deadlines;
use crate::law;
use crate::model::{StoredHousehold, StoredTrajectory};
use crate::step::{Effect, Step};

/// Applies a pillar or regie event (`row` is its catalogue row) to `household`.
pub(crate) fn apply(
    household: &mut StoredHousehold,
    received: &ReceivedEvent,
    row: &EventKind,
    occurred_on: NaiveDate,
    bylaws: &BylawTerms,
) -> Effect {
    let event = &received.event;
    let Some(pillar) = pillar_from_proto(event.pillar) else {
        return Effect::default();
    };
    let mut step = Step {
        received,
        pillar,
        case_id: event.case_id.as_str(),
        on: occurred_on,
        gemeente: household.gemeente_code.parse().ok(),
        bylaws,
        stage: row.stage,
        starts: row.starts.iter().map(|code| (*code, occurred_on)).collect(),
        effect: Effect::default(),
    };
    law::apply(household, &mut step);
    deadlines::meet(household, &step, row.meets);
    if step.stage == Some(Stage::Beeindigd) {
        deadlines::lapse(household, &step);
    }
    deadlines::start(household, &step);
    move_case(household, &step, row);
    step.effect
}

/// Opens or moves the case's trajectory. Only a kind that moves a case opens one: a stray
/// suspension or objection does not.
fn move_case(household: &mut StoredHousehold, step: &Step<'_>, row: &EventKind) {
    let event = step.event();
    let case_id = step.case_id;
    let known_case = household
        .trajectories
        .iter()
        .position(|trajectory| trajectory.pillar == event.pillar && trajectory.case_id == case_id);
    if step.pillar == Pillar::Regie
        || case_id.is_empty()
        || (known_case.is_none() && step.stage.is_none())
    {
        return;
    }
    let index = known_case.unwrap_or_else(|| {
        let about = event
            .persons
            .iter()
            .find(|mention| mention.primary)
            .or(event.persons.first());
        household.trajectories.push(StoredTrajectory {
            pillar: event.pillar,
            case_id: case_id.to_owned(),
            stage: v1::TrajectoryState::Aangemeld as i32,
            opened_at: event.occurred_at,
            person: about
                .map(|mention| mention.pseudonym.clone())
                .unwrap_or_default(),
            lane: true,
            ..StoredTrajectory::default()
        });
        household.trajectories.len() - 1
    });
    let provider = household
        .partners
        .iter()
        .rev()
        .find(|partner| partner.case_id == case_id && partner.pillar == event.pillar)
        .map(|partner| partner.organisatie.clone());
    let trajectory = &mut household.trajectories[index];
    if let Some(stage) = step.stage {
        trajectory.stage = stage_state(stage) as i32;
    }
    trajectory.last_kind.clone_from(&event.kind);
    // An event that arrives late, dated earlier, does not move the case back in time (its
    // end decides when its data is due to go).
    trajectory.updated_at = crate::model::later(trajectory.updated_at, event.occurred_at);
    trajectory.protected |= row.need_to_know == NeedToKnow::Protected;
    trajectory.lane &= row.need_to_know == NeedToKnow::Lane;
    if let Some(provider) = provider
        && !trajectory.providers.contains(&provider)
    {
        trajectory.providers.push(provider);
    }
}

fn stage_state(stage: Stage) -> v1::TrajectoryState {
    match stage {
        Stage::Gesignaleerd => v1::TrajectoryState::Gesignaleerd,
        Stage::Aangemeld => v1::TrajectoryState::Aangemeld,
        Stage::InOnderzoek => v1::TrajectoryState::InOnderzoek,
        Stage::Besloten => v1::TrajectoryState::Besloten,
        Stage::Actief => v1::TrajectoryState::Actief,
        Stage::Beeindigd => v1::TrajectoryState::Beeindigd,
    }
}
