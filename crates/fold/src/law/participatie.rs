//! Participatiewet: a melding of someone under 27 starts the zoektermijn; the besluit ends
//! the voorschot duty (Pw 52); a re-integration provider is involved from the back-office's
//! assignment to its end.

use rondom_domain::catalogue;
use rondom_domain::deadline::RuleCode;
use rondom_proto::v1::event::Body;

use crate::deadlines;
use crate::involvement::{self, assigned_by_back_office};
use crate::model::StoredHousehold;
use crate::step::{Step, refused};

pub(super) fn apply(household: &mut StoredHousehold, step: &mut Step<'_>, body: &Body) {
    match body {
        Body::PwMelding(melding) if melding.jonger_dan_27 => {
            step.starts.push((RuleCode::PwZoektermijn, step.on));
            step.detail("jonger dan 27: zoektermijn");
        }
        Body::PwBesluit(besluit) => {
            refused(besluit.besluit, step);
            // Pw 52: a voorschot is due only while the right is not established.
            deadlines::lapse_rule(household, step, RuleCode::PwVoorschot);
        }
        Body::Reintegratie(reintegratie) if !reintegratie.aanbieder_kvk.is_empty() => {
            let involved =
                if step.event().kind == catalogue::participatie::REINTEGRATIE_BEEINDIGD.name {
                    Some(false)
                } else {
                    assigned_by_back_office(step)
                };
            involvement::provider(household, step, &reintegratie.aanbieder_kvk, involved);
        }
        Body::PwVoorschot(_) => after_voorschot(household, step),
        _ => {}
    }
}

/// Pw 52: the next voorschot is due only while the besluit is still to come.
fn after_voorschot(household: &StoredHousehold, step: &mut Step<'_>) {
    let (pillar, case_id) = (step.event().pillar, step.case_id);
    if step.event().kind == catalogue::participatie::VOORSCHOT_VERLEEND.name
        && !household.deadlines.iter().any(|deadline| {
            deadline.open_in(pillar, case_id) && deadline.rule == RuleCode::PwBesluit
        })
    {
        step.starts
            .retain(|(code, _)| *code != RuleCode::PwVoorschot);
    }
}

#[cfg(test)]
mod tests {
    use rondom_domain::Pillar;
    use rondom_proto::v1;
    use rondom_proto::v1::event::Body;

    use crate::law::testing::{MONDAY, deadline, event, fold_all};

    fn aanvraag() -> rondom_bus::ReceivedEvent {
        let body = Body::PwAanvraag(v1::PwAanvraagIngediend::default());
        event(
            1,
            Pillar::Participatie,
            "aanvraag_ingediend",
            "backoffice:participatie",
            MONDAY,
            body,
        )
    }

    fn voorschot(position: u64) -> rondom_bus::ReceivedEvent {
        let body = Body::PwVoorschot(v1::PwVoorschotVerleend::default());
        event(
            position,
            Pillar::Participatie,
            "voorschot_verleend",
            "backoffice:participatie",
            MONDAY,
            body,
        )
    }

    #[test]
    fn the_besluit_ends_the_voorschot_duty_and_no_new_one_starts_after_it() {
        let besluit = Body::PwBesluit(v1::PwBesluitGenomen {
            besluit: v1::Besluit::Toegekend as i32,
            ..v1::PwBesluitGenomen::default()
        });
        let household = fold_all(&[
            aanvraag(),
            event(
                2,
                Pillar::Participatie,
                "besluit_genomen",
                "backoffice:participatie",
                MONDAY,
                besluit,
            ),
            voorschot(3),
        ]);
        let voorschotten: Vec<_> = household
            .deadlines
            .iter()
            .filter(|deadline| deadline.rule == "PW-VOORSCHOT")
            .collect();
        assert_eq!(voorschotten.len(), 1, "{voorschotten:?}");
        assert_eq!(voorschotten[0].state, v1::DeadlineStatus::Lapsed as i32);
        assert_eq!(
            deadline(&household, "PW-BESLUIT").state,
            v1::DeadlineStatus::Met as i32
        );
    }

    #[test]
    fn a_voorschot_meets_the_running_duty_and_starts_the_next() {
        let household = fold_all(&[aanvraag(), voorschot(2)]);
        let states: Vec<i32> = household
            .deadlines
            .iter()
            .filter(|deadline| deadline.rule == "PW-VOORSCHOT")
            .map(|deadline| deadline.state)
            .collect();
        assert_eq!(
            states,
            [
                v1::DeadlineStatus::Met as i32,
                v1::DeadlineStatus::Open as i32
            ]
        );
    }
}
