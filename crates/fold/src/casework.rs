//! The pillar story of a household: trajectories per case, statutory deadlines, the
//! regisseur, the plan and the partners, folded from pillar and regie events. Pure: the
//! catalogue row of each kind says what it starts, meets and where the case goes; each law's
//! module in `law` adds what depends on its payloads (a spoed melding, a threatening
//! situation, a refusal), and this module does what every case event does.

use chrono::NaiveDate;
use rondom_bus::ReceivedEvent;
use rondom_domain::bylaw::BylawTerms;
use rondom_domain::catalogue::{EventKind, NeedToKnow, Stage};
use rondom_domain::deadline::RuleCode;
use rondom_domain::{GemeenteCode, Pillar};
use rondom_proto::convert::pillar_from_proto;
use rondom_proto::v1;

use crate::deadlines;
use crate::law;
use crate::model::{StoredHousehold, StoredTrajectory};

/// What one event did to the pillar story, for its timeline entry.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct Effect {
    /// Details of the payload worth a line, e.g. "toegekend" or "spoed".
    pub(crate) detail: Vec<String>,
}

/// One case event under way: what its catalogue row says, as the law's payload rules adjust
/// it, and the facts those rules need.
#[derive(Debug)]
pub(crate) struct Step<'a> {
    pub(crate) received: &'a ReceivedEvent,
    pub(crate) pillar: Pillar,
    pub(crate) case_id: &'a str,
    /// The local day the event happened.
    pub(crate) on: NaiveDate,
    pub(crate) gemeente: Option<GemeenteCode>,
    pub(crate) bylaws: &'a BylawTerms,
    /// Where the case goes; `None` leaves it where it is.
    pub(crate) stage: Option<Stage>,
    /// Deadline rules to start, by code, and the day each counts from.
    pub(crate) starts: Vec<(RuleCode, NaiveDate)>,
    pub(crate) effect: Effect,
}

impl Step<'_> {
    pub(crate) fn event(&self) -> &v1::Event {
        &self.received.event
    }

    /// Adds a line to the timeline entry.
    pub(crate) fn detail(&mut self, line: impl Into<String>) {
        self.effect.detail.push(line.into());
    }
}

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
        household.trajectories.push(StoredTrajectory {
            pillar: event.pillar,
            case_id: case_id.to_owned(),
            stage: v1::TrajectoryState::Aangemeld as i32,
            opened_at: event.occurred_at,
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
    trajectory.updated_at = event.occurred_at;
    trajectory.protected |= row.need_to_know == NeedToKnow::Protected;
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

/// A refused decision ends the case.
pub(crate) fn refused(besluit: i32, step: &mut Step<'_>) {
    let besluit = v1::Besluit::try_from(besluit).unwrap_or(v1::Besluit::Unspecified);
    if besluit == v1::Besluit::Afgewezen {
        step.stage = Some(Stage::Beeindigd);
    }
    step.detail(enum_words(besluit.as_str_name(), "BESLUIT_"));
}

/// Returns `BESLUIT_GEDEELTELIJK_TOEGEKEND` as "gedeeltelijk toegekend".
pub(crate) fn enum_words(name: &str, prefix: &str) -> String {
    name.strip_prefix(prefix)
        .unwrap_or(name)
        .to_lowercase()
        .replace('_', " ")
}
