//! Deliveries of care — a toewijzing, a start, a stop — and their corrections and
//! withdrawals (iWmo/iJw: RedenWijziging 14 and 13 of a 301, StatusAanlevering 2 and 3 of a
//! 305 or 307). A correction replaces the earlier delivery of its case: the later event's
//! values are what the view holds, as for any later event. A withdrawal undoes what the
//! earlier one did: a withdrawn toewijzing ends the provider's sight, a withdrawn start puts
//! the case back to decided, a withdrawn stop reopens it. The provider's sight never returns
//! by a provider's own message: after a withdrawn stop it returns with the gemeente's
//! toewijzing.

use rondom_domain::catalogue::Stage;
use rondom_proto::v1;

use crate::involvement;
use crate::model::StoredHousehold;
use crate::step::Step;
use crate::verzoek;

/// Which delivery of care an event is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Care {
    Toewijzing,
    Start,
    Stop,
}

/// What a message of care says of its delivery.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Delivery<'a> {
    pub care: Care,
    /// The provider's organisation (AGB code).
    pub provider: &'a str,
    /// Where the care assigned ends, for a toewijzing.
    pub einddatum: Option<&'a v1::Date>,
    /// First message, correction or withdrawal (`v1::Aanlevering`).
    pub aanlevering: i32,
    /// The provider's request a toewijzing grants, if any (its case).
    pub grants: &'a str,
}

impl<'a> Delivery<'a> {
    /// A start or stop of care by `provider`: no end date, no request granted.
    pub(crate) fn of(care: Care, provider: &'a str, aanlevering: i32) -> Self {
        Self {
            care,
            provider,
            einddatum: None,
            aanlevering,
            grants: "",
        }
    }
}

/// Applies a delivery of care to the step's case; returns whether it is a withdrawal.
pub(crate) fn apply(
    household: &mut StoredHousehold,
    step: &mut Step<'_>,
    delivery: Delivery<'_>,
) -> bool {
    let Delivery {
        care,
        provider,
        einddatum,
        aanlevering,
        grants,
    } = delivery;
    let aanlevering = v1::Aanlevering::try_from(aanlevering).unwrap_or_default();
    let withdrawn = aanlevering == v1::Aanlevering::Verwijderd;
    let involved = match (care, withdrawn) {
        (Care::Toewijzing, false) => {
            // A toewijzing opens its case (decided, care to come); a later one (a change,
            // a longer or shorter term) leaves the case where it is.
            if has_case(household, step) {
                step.stage = None;
            }
            verzoek::granted(household, step, grants);
            involvement::assignment(step, einddatum)
        }
        // Only the back-office's withdrawal ends the sight its toewijzing gave; it opens no
        // case and moves none.
        (Care::Toewijzing, true) => {
            step.stage = None;
            involvement::assigned_by_back_office(step).map(|_| false)
        }
        (Care::Start, false) => None,
        (Care::Start, true) => {
            step.stage = reopened(household, step, Stage::Besloten);
            None
        }
        (Care::Stop, false) => Some(false),
        (Care::Stop, true) => {
            step.stage = reopened(household, step, Stage::Actief);
            None
        }
    };
    match aanlevering {
        v1::Aanlevering::Gecorrigeerd => step.detail("gecorrigeerd"),
        v1::Aanlevering::Verwijderd => step.detail(match care {
            Care::Toewijzing => "toewijzing verwijderd",
            Care::Start => "start verwijderd",
            Care::Stop => "stop verwijderd",
        }),
        v1::Aanlevering::Unspecified => {}
    }
    involvement::provider(household, step, provider, involved);
    withdrawn
}

/// The stage a withdrawal puts the step's case back to; `None` for a case the view does not
/// hold (a withdrawal opens nothing).
fn reopened(household: &StoredHousehold, step: &Step<'_>, stage: Stage) -> Option<Stage> {
    has_case(household, step).then_some(stage)
}

/// Whether the view holds the step's case.
fn has_case(household: &StoredHousehold, step: &Step<'_>) -> bool {
    let pillar = step.event().pillar;
    household
        .trajectories
        .iter()
        .any(|trajectory| trajectory.pillar == pillar && trajectory.case_id == step.case_id)
}
