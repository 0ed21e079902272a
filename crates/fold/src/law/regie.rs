//! Regie: the regisseur, the gezinsplan and the partners the regisseur registers. Only a
//! coordinator's registration starts a partner's involvement.

use rondom_domain::access::Role;
use rondom_domain::catalogue;
use rondom_proto::v1;
use rondom_proto::v1::event::Body;

use crate::involvement;
use crate::model::StoredHousehold;
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
        _ => {}
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
}
