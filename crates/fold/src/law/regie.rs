//! Regie: the regisseur, the gezinsplan and the partners the regisseur registers. Only a
//! coordinator's registration starts a partner's involvement.

use rondom_domain::access::Role;
use rondom_domain::catalogue;
use rondom_proto::v1;
use rondom_proto::v1::event::Body;

use crate::basis;
use crate::involvement;
use crate::model::{StoredHousehold, day_number};
use crate::step::Step;

pub(super) fn apply(household: &mut StoredHousehold, step: &mut Step<'_>, body: &Body) {
    let event = step.event();
    match body {
        Body::Regisseur(regisseur) => {
            household.regisseur = Some(v1::Regisseur {
                regisseur_id: regisseur.regisseur_id.clone(),
                organisatie: regisseur.organisatie.clone(),
                since: event.occurred_at,
            });
            step.detail(regisseur.regisseur_id.clone());
        }
        Body::Gezinsplan(plan) => {
            household.plan = Some(v1::GezinsplanStatus {
                versie: plan.versie,
                doelen: plan.doelen.clone(),
                pijlers: plan.pijlers.clone(),
                evaluatiedatum: plan.evaluatiedatum,
                huishouden_akkoord: plan.huishouden_akkoord,
            });
            step.detail(format!("versie {}", plan.versie));
        }
        Body::Samenstelling(_) => {
            let received = step.received;
            for mention in received.event.persons.iter().filter(|m| m.leaves_household) {
                moved_out(household, step, &mention.pseudonym);
            }
        }
        Body::Partner(partner) => {
            let involved = if event.kind == catalogue::regie::PARTNER_BETROKKEN.name {
                involvement::starts(event, Role::Coordinator)
            } else {
                Some(false)
            };
            let position = step.received.position;
            involvement::partner(
                household,
                &partner.organisatie,
                partner.pillar,
                involved,
                position,
            );
            step.detail(partner.organisatie.clone());
        }
        Body::AanpakGestart(aanpak) => basis::started(household, step, aanpak),
        Body::InstemmingIngetrokken(withdrawal) => {
            basis::withdrawn(household, step, &withdrawal.aanpak_id);
        }
        Body::AanpakBeeindigd(end) => basis::ended(household, step, &end.aanpak_id),
        Body::VerwerkingBeperkt(beperking) => {
            let lifted = event.kind == catalogue::regie::BEPERKING_OPGEHEVEN.name;
            basis::restriction(household, step, beperking.soort, lifted);
        }
        _ => {}
    }
}

/// The person `pseudonym` left: the cases they opened go with them to their new household
/// (where the hub publishes them again), so here those still open end, their deadlines lapse
/// and the providers of those cases are no longer involved through them.
fn moved_out(household: &mut StoredHousehold, step: &mut Step<'_>, pseudonym: &str) {
    let position = step.received.position;
    let today = day_number(step.on);
    let kind = step.event().kind.clone();
    let ended = v1::TrajectoryState::Beeindigd as i32;
    let mut moved = Vec::new();
    for case in household
        .trajectories
        .iter_mut()
        .filter(|case| case.person == pseudonym && case.stage != ended)
    {
        case.stage = ended;
        case.last_kind.clone_from(&kind);
        case.updated_at = step.event().occurred_at;
        moved.push((case.pillar, case.case_id.clone()));
    }
    for (pillar, case_id) in &moved {
        for deadline in household
            .deadlines
            .iter_mut()
            .filter(|deadline| deadline.open_in(*pillar, case_id))
        {
            deadline.state = v1::DeadlineStatus::Lapsed as i32;
            deadline.met_on = today;
            deadline.suspended_since = 0;
        }
        // The title names no law or case: it is regie's, read by whoever sees regie's
        // facts, and the case is another law's, to be seen only where its lane opens.
        involvement::end_case(household, *pillar, case_id, position);
    }
}

#[cfg(test)]
mod tests {
    use rondom_domain::Pillar;
    use rondom_proto::v1;
    use rondom_proto::v1::event::Body;

    use crate::involvement::is_involved;
    use crate::law::testing::{MONDAY, event, fold_all};

    const OIN: &str = "00000001234567890000";

    fn partner(position: u64, kind: &str, role: &str) -> rondom_bus::ReceivedEvent {
        let body = Body::Partner(v1::Partner {
            organisatie: OIN.into(),
            pillar: v1::Pillar::Schuldhulp as i32,
        });
        event(position, Pillar::Regie, kind, role, MONDAY, body)
    }

    #[test]
    fn only_a_coordinator_registers_a_partner_and_its_end_keeps_the_period() {
        assert!(!is_involved(
            &fold_all(&[partner(1, "partner_betrokken", "partner:schuldhulp")]),
            OIN
        ));
        let ended = fold_all(&[
            partner(1, "partner_betrokken", "coordinator"),
            partner(5, "partner_beeindigd", "coordinator"),
        ]);
        assert!(!is_involved(&ended, OIN));
        let former = &ended.former_partners[0];
        assert_eq!((former.started_position, former.ended_position), (1, 5));
    }

    #[test]
    fn the_plan_and_the_regisseur_are_the_latest_ones() {
        let plan = |versie| {
            Body::Gezinsplan(v1::Gezinsplan {
                versie,
                ..v1::Gezinsplan::default()
            })
        };
        let household = fold_all(&[
            event(
                1,
                Pillar::Regie,
                "gezinsplan_vastgesteld",
                "coordinator",
                MONDAY,
                plan(1),
            ),
            event(
                2,
                Pillar::Regie,
                "gezinsplan_vastgesteld",
                "coordinator",
                MONDAY,
                plan(2),
            ),
        ]);
        assert_eq!(household.plan.map(|plan| plan.versie), Some(2));
        // Regie has no cases: no trajectory.
        assert!(household.trajectories.is_empty());
    }

    /// An event of `pillar` about the person `pseudonym`, in case `case`.
    fn about(
        position: u64,
        pillar: Pillar,
        kind: &str,
        case: &str,
        pseudonym: &str,
        body: Body,
    ) -> rondom_bus::ReceivedEvent {
        let mut received = event(position, pillar, kind, "backoffice:jeugd", MONDAY, body);
        received.event.case_id = case.into();
        received.event.persons = vec![v1::PersonMention {
            pseudonym: pseudonym.into(),
            primary: true,
            household_member: true,
            ..Default::default()
        }];
        received
    }

    #[test]
    fn a_person_who_leaves_takes_their_open_cases_and_their_deadlines_along() {
        let aanvraag = || Body::JeugdAanvraag(v1::JeugdAanvraagOntvangen::default());
        let leaves = {
            let body = Body::Samenstelling(v1::SamenstellingGewijzigd {
                wijziging: v1::SamenstellingWijziging::Vertrokken as i32,
                reden: v1::SamenstellingReden::Verhuizing as i32,
            });
            let mut received = event(
                3,
                Pillar::Regie,
                "samenstelling_gewijzigd",
                "coordinator",
                MONDAY,
                body,
            );
            received.event.persons = vec![v1::PersonMention {
                pseudonym: "kind".into(),
                primary: true,
                leaves_household: true,
                ..Default::default()
            }];
            received
        };
        let household = fold_all(&[
            about(
                1,
                Pillar::Jeugd,
                "aanvraag_ontvangen",
                "JW-1",
                "kind",
                aanvraag(),
            ),
            about(
                2,
                Pillar::Jeugd,
                "aanvraag_ontvangen",
                "JW-2",
                "broer",
                aanvraag(),
            ),
            leaves,
        ]);
        let state = |case: &str| {
            let trajectory = household.trajectories.iter().find(|t| t.case_id == case);
            let deadline = household.deadlines.iter().find(|d| d.case_id == case);
            (trajectory.map(|t| t.stage), deadline.map(|d| d.state))
        };
        // The child's case went with the child: nothing of it stays open here.
        assert_eq!(
            state("JW-1"),
            (
                Some(v1::TrajectoryState::Beeindigd as i32),
                Some(v1::DeadlineStatus::Lapsed as i32)
            )
        );
        // The brother stays, and so does his case.
        assert_eq!(
            state("JW-2"),
            (
                Some(v1::TrajectoryState::InOnderzoek as i32),
                Some(v1::DeadlineStatus::Open as i32)
            )
        );
    }
}
