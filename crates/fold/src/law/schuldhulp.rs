//! Wet gemeentelijke schuldhulpverlening: a threatening situation shortens the wait for the
//! first conversation to three working days (Wgs 4(2)), whether the resident registered or
//! accepted an offer after a vroegsignaal; a resident who withdraws in that conversation gets
//! no beschikking (Wgs 4a); a refusal ends the case.

use rondom_domain::catalogue::Stage;
use rondom_domain::deadline::RuleCode;
use rondom_proto::v1;
use rondom_proto::v1::event::Body;

use crate::step::{Step, enum_words, refused};

pub(super) fn apply(step: &mut Step<'_>, body: &Body) {
    match body {
        Body::SchuldAanmelding(aanmelding) => threatened(step, aanmelding.bedreigende_situatie),
        Body::AanbodGeaccepteerd(aanbod) => threatened(step, aanbod.bedreigende_situatie),
        Body::Contactpoging(poging) => {
            let vorm =
                v1::Contactvorm::try_from(poging.vorm).unwrap_or(v1::Contactvorm::Unspecified);
            step.detail(enum_words(vorm.as_str_name(), "CONTACTVORM_"));
            if poging.bereikt {
                step.detail("bereikt");
            }
        }
        Body::Aanbod(aanbod) => {
            let vorm =
                v1::Contactvorm::try_from(aanbod.vorm).unwrap_or(v1::Contactvorm::Unspecified);
            step.detail(enum_words(vorm.as_str_name(), "CONTACTVORM_"));
        }
        Body::EersteGesprek(gesprek) if gesprek.hulpvraag_ingetrokken => {
            step.starts
                .retain(|(code, _)| *code != RuleCode::ShvBeschikking);
            step.stage = Some(Stage::Beeindigd);
            step.detail("hulpvraag ingetrokken");
        }
        Body::SchuldBeschikking(beschikking) => {
            refused(beschikking.besluit, step);
            if beschikking.besluit != v1::Besluit::Afgewezen as i32 {
                step.detail("plan van aanpak vastgesteld");
            }
        }
        Body::Vroegsignaal(signaal) => {
            let schuldeiser = v1::Schuldeiser::try_from(signaal.schuldeiser)
                .unwrap_or(v1::Schuldeiser::Unspecified);
            step.detail(enum_words(schuldeiser.as_str_name(), "SCHULDEISER_"));
        }
        _ => {}
    }
}

/// Wgs 4(2): with a threatening situation (eviction, cut-off, end of health insurance) the
/// first conversation is due within three working days instead of four weeks.
fn threatened(step: &mut Step<'_>, situation: i32) {
    let threat = v1::BedreigendeSituatie::try_from(situation)
        .unwrap_or(v1::BedreigendeSituatie::Unspecified);
    if matches!(
        threat,
        v1::BedreigendeSituatie::Geen | v1::BedreigendeSituatie::Unspecified
    ) {
        return;
    }
    for start in &mut step.starts {
        if start.0 == RuleCode::ShvEersteGesprek {
            start.0 = RuleCode::ShvCrisis;
        }
    }
    let words = enum_words(threat.as_str_name(), "BEDREIGENDE_SITUATIE_");
    step.detail(format!("bedreigende situatie: {words}"));
}

#[cfg(test)]
mod tests {
    use rondom_domain::Pillar;
    use rondom_proto::v1;
    use rondom_proto::v1::event::Body;

    use crate::law::testing::{MONDAY, day, deadline, event, fold_all};

    fn rules(household: &crate::StoredHousehold) -> Vec<&str> {
        household
            .deadlines
            .iter()
            .map(|deadline| deadline.rule.as_str())
            .collect()
    }

    #[test]
    fn a_threatening_situation_replaces_the_four_weeks_by_the_crisis_term() {
        let aanmelding = |threat: v1::BedreigendeSituatie| {
            let body = Body::SchuldAanmelding(v1::SchuldAanmelding {
                bedreigende_situatie: threat as i32,
            });
            event(
                1,
                Pillar::Schuldhulp,
                "aanmelding_ontvangen",
                "backoffice:schuldhulp",
                MONDAY,
                body,
            )
        };
        let calm = fold_all(&[aanmelding(v1::BedreigendeSituatie::Geen)]);
        assert_eq!(rules(&calm), ["SHV-EERSTE-GESPREK"]);
        let threat = fold_all(&[aanmelding(v1::BedreigendeSituatie::Huisuitzetting)]);
        assert_eq!(rules(&threat), ["SHV-CRISIS"]);
    }

    #[test]
    fn a_request_withdrawn_in_the_first_conversation_ends_the_case_without_beschikking() {
        let gesprek = Body::EersteGesprek(v1::EersteGesprek {
            hulpvraag_ingetrokken: true,
        });
        let household = fold_all(&[event(
            1,
            Pillar::Schuldhulp,
            "eerste_gesprek_gevoerd",
            "backoffice:schuldhulp",
            MONDAY,
            gesprek,
        )]);
        assert!(!rules(&household).contains(&"SHV-BESCHIKKING"));
        assert_eq!(
            household.trajectories[0].stage,
            v1::TrajectoryState::Beeindigd as i32
        );
    }

    const DAY: i64 = 86_400;

    fn schuldhulp(position: u64, kind: &str, at: i64, body: Body) -> rondom_bus::ReceivedEvent {
        event(
            position,
            Pillar::Schuldhulp,
            kind,
            "backoffice:schuldhulp",
            at,
            body,
        )
    }

    fn vroegsignaal() -> rondom_bus::ReceivedEvent {
        schuldhulp(
            1,
            "vroegsignaal_ontvangen",
            MONDAY,
            Body::Vroegsignaal(v1::Vroegsignaal::default()),
        )
    }

    #[test]
    fn a_vroegsignaal_keeps_its_case_in_the_lane_until_the_resident_accepts() {
        // Wgs art. 8b: the case of a vroegsignaal is the schuldhulp back-office's alone.
        let offered = fold_all(&[
            vroegsignaal(),
            schuldhulp(
                2,
                "aanbod_gedaan",
                MONDAY,
                Body::Aanbod(v1::Aanbod::default()),
            ),
        ]);
        assert_eq!(
            offered.trajectories.first().map(|case| case.class()),
            Some(rondom_domain::catalogue::NeedToKnow::Lane)
        );
        let accepted = fold_all(&[
            vroegsignaal(),
            schuldhulp(
                2,
                "aanbod_geaccepteerd",
                MONDAY,
                Body::AanbodGeaccepteerd(v1::AanbodGeaccepteerd::default()),
            ),
        ]);
        assert_eq!(
            accepted.trajectories.first().map(|case| case.class()),
            Some(rondom_domain::catalogue::NeedToKnow::Household)
        );
    }

    #[test]
    fn an_accepted_offer_in_a_threatening_situation_gets_three_working_days() {
        // Wgs art. 4 lid 2 applies after an accepted offer as after an aanmelding: a threat
        // of eviction makes the first conversation due within three working days. Accepted
        // on Monday 30 November 2026: Tuesday 1, Wednesday 2, Thursday 3 December.
        let accepted = |threat: v1::BedreigendeSituatie| {
            let body = Body::AanbodGeaccepteerd(v1::AanbodGeaccepteerd {
                bedreigende_situatie: threat as i32,
            });
            fold_all(&[schuldhulp(1, "aanbod_geaccepteerd", MONDAY, body)])
        };
        let threat = accepted(v1::BedreigendeSituatie::Huisuitzetting);
        assert_eq!(rules(&threat), ["SHV-CRISIS"]);
        assert_eq!(deadline(&threat, "SHV-CRISIS").due, day("2026-12-03"));
        // Without a threat, four weeks (Wgs 4(1)).
        let calm = accepted(v1::BedreigendeSituatie::Unspecified);
        assert_eq!(rules(&calm), ["SHV-EERSTE-GESPREK"]);
    }

    #[test]
    fn the_offer_is_due_from_the_gemeente_and_met_when_it_is_made() {
        // Wgs art. 3 lid 1 onder b: the gemeente offers help after a vroegsignaal; the
        // duty is met when it makes the offer (two days later), not when the resident
        // answers, and a contact attempt alone does not meet it.
        let aanbod = || {
            Body::Aanbod(v1::Aanbod {
                vorm: v1::Contactvorm::Huisbezoek as i32,
            })
        };
        let poging = Body::Contactpoging(v1::ContactpogingGedaan {
            vorm: v1::Contactvorm::Brief as i32,
            bereikt: false,
        });
        let tried = fold_all(&[
            vroegsignaal(),
            schuldhulp(2, "contactpoging_gedaan", MONDAY + DAY, poging),
        ]);
        assert_eq!(
            deadline(&tried, "SHV-AANBOD").state,
            v1::DeadlineStatus::Open as i32
        );
        let offered = fold_all(&[
            vroegsignaal(),
            schuldhulp(2, "aanbod_gedaan", MONDAY + 2 * DAY, aanbod()),
        ]);
        let duty = deadline(&offered, "SHV-AANBOD");
        assert_eq!(duty.state, v1::DeadlineStatus::Met as i32);
        assert_eq!(duty.met_on, day("2026-12-02"));
        // Accepting without an offer on record meets nothing.
        let accepted = fold_all(&[
            vroegsignaal(),
            schuldhulp(
                2,
                "aanbod_geaccepteerd",
                MONDAY + 2 * DAY,
                Body::AanbodGeaccepteerd(v1::AanbodGeaccepteerd::default()),
            ),
        ]);
        assert_eq!(
            deadline(&accepted, "SHV-AANBOD").state,
            v1::DeadlineStatus::Open as i32
        );
        // A declined offer ends the case.
        let declined = fold_all(&[
            vroegsignaal(),
            schuldhulp(2, "aanbod_gedaan", MONDAY + DAY, aanbod()),
            schuldhulp(3, "aanbod_afgewezen", MONDAY + 2 * DAY, aanbod()),
        ]);
        assert_eq!(
            declined.trajectories[0].stage,
            v1::TrajectoryState::Beeindigd as i32
        );
    }
}
