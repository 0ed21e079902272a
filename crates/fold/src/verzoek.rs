//! A provider's requests to the gemeente (iWmo/iJw 315, 317) and the gemeente's answer
//! (319), in the Wmo and Jeugd pillars: each request is a case of its own, opened by the
//! request and moved on or ended by the answer, or ended by a toewijzing that grants it. A request names its provider on the timeline
//! and changes nobody's sight.

use rondom_domain::catalogue::Stage;
use rondom_proto::v1;
use rondom_proto::v1::event::Body;

use crate::involvement;
use crate::model::StoredHousehold;
use crate::step::{Step, enum_words};

/// Applies a request or an answer.
pub(crate) fn apply(household: &mut StoredHousehold, step: &mut Step<'_>, body: &Body) {
    match body {
        Body::ToewijzingGevraagd(verzoek) => {
            involvement::provider(household, step, &verzoek.aanbieder_agb, None);
        }
        Body::WijzigingGevraagd(verzoek) => {
            involvement::provider(household, step, &verzoek.aanbieder_agb, None);
        }
        Body::VerzoekBeantwoord(antwoord) => answered(step, antwoord),
        _ => {}
    }
}

/// A refusal ends the request; "in onderzoek" makes it an application the gemeente looks
/// into. The timeline says which, why, and the gemeente a woonplaatsbeginsel answer names.
fn answered(step: &mut Step<'_>, antwoord: &v1::VerzoekBeantwoord) {
    let verdict = v1::VerzoekAntwoord::try_from(antwoord.antwoord).unwrap_or_default();
    step.stage = match verdict {
        v1::VerzoekAntwoord::Afgewezen => Some(Stage::Beeindigd),
        v1::VerzoekAntwoord::InOnderzoek => Some(Stage::InOnderzoek),
        v1::VerzoekAntwoord::Unspecified => None,
    };
    step.detail(enum_words(verdict.as_str_name(), "VERZOEK_ANTWOORD_"));
    let reden = v1::RedenAfwijzing::try_from(antwoord.reden).unwrap_or_default();
    if reden != v1::RedenAfwijzing::Unspecified {
        step.detail(enum_words(reden.as_str_name(), "REDEN_AFWIJZING_"));
    }
    if !antwoord.woonplaatsbeginsel_gemeente.is_empty() {
        step.detail(format!("gemeente {}", antwoord.woonplaatsbeginsel_gemeente));
    }
    step.detail(format!("aanbieder {}", antwoord.aanbieder_agb));
}

/// A toewijzing that grants a provider's request (`case`, in the step's pillar) ends it.
pub(crate) fn granted(household: &mut StoredHousehold, step: &mut Step<'_>, case: &str) {
    let (pillar, ended) = (step.event().pillar, v1::TrajectoryState::Beeindigd as i32);
    let Some(request) = household
        .trajectories
        .iter_mut()
        .find(|t| t.pillar == pillar && t.case_id == case && t.stage != ended)
    else {
        return;
    };
    request.stage = ended;
    request.last_kind.clone_from(&step.event().kind);
    request.updated_at = step.event().occurred_at;
    step.detail(format!("verzoek {case} toegewezen"));
}

#[cfg(test)]
mod tests {
    use rondom_domain::Pillar;
    use rondom_proto::v1;
    use rondom_proto::v1::event::Body;

    use crate::involvement::is_involved;
    use crate::law::testing::{MONDAY, event, fold_all};

    const AGB: &str = "42420001";

    fn at(position: u64, kind: &str, role: &str, body: Body) -> rondom_bus::ReceivedEvent {
        let mut received = event(position, Pillar::Jeugd, kind, role, MONDAY, body);
        received.event.case_id = "verzoek-42420001-0123456789abcdef".into();
        received
    }

    fn asked() -> rondom_bus::ReceivedEvent {
        let body = Body::ToewijzingGevraagd(v1::ToewijzingGevraagd {
            aanbieder_agb: AGB.into(),
            ..Default::default()
        });
        at(1, "toewijzing_gevraagd", "partner:jeugd", body)
    }

    fn answer(verdict: v1::VerzoekAntwoord) -> rondom_bus::ReceivedEvent {
        let body = Body::VerzoekBeantwoord(v1::VerzoekBeantwoord {
            aanbieder_agb: AGB.into(),
            antwoord: verdict as i32,
            reden: v1::RedenAfwijzing::Woonplaatsbeginsel as i32,
            woonplaatsbeginsel_gemeente: "0363".into(),
        });
        at(2, "verzoek_beantwoord", "backoffice:jeugd", body)
    }

    #[test]
    fn a_request_opens_its_case_without_sight_and_the_answer_moves_it() {
        let open = fold_all(&[asked()]);
        assert_eq!(
            open.trajectories.first().map(|case| case.stage),
            Some(v1::TrajectoryState::Aangemeld as i32)
        );
        assert!(!is_involved(&open, AGB));
        let refused = fold_all(&[asked(), answer(v1::VerzoekAntwoord::Afgewezen)]);
        assert_eq!(
            refused.trajectories.first().map(|case| case.stage),
            Some(v1::TrajectoryState::Beeindigd as i32)
        );
        let studied = fold_all(&[asked(), answer(v1::VerzoekAntwoord::InOnderzoek)]);
        assert_eq!(
            studied.trajectories.first().map(|case| case.stage),
            Some(v1::TrajectoryState::InOnderzoek as i32)
        );
    }
}
