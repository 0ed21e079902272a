//! Wet gemeentelijke schuldhulpverlening: a threatening situation shortens the wait for the
//! first conversation to three working days (Wgs 4(2)); a resident who withdraws in that
//! conversation gets no beschikking (Wgs 4a); a refusal ends the case.

use rondom_domain::catalogue::Stage;
use rondom_domain::deadline::RuleCode;
use rondom_proto::v1;
use rondom_proto::v1::event::Body;

use crate::step::{Step, enum_words, refused};

pub(super) fn apply(step: &mut Step<'_>, body: &Body) {
    match body {
        Body::SchuldAanmelding(aanmelding) => {
            let threat = v1::BedreigendeSituatie::try_from(aanmelding.bedreigende_situatie)
                .unwrap_or(v1::BedreigendeSituatie::Unspecified);
            if !matches!(
                threat,
                v1::BedreigendeSituatie::Geen | v1::BedreigendeSituatie::Unspecified
            ) {
                for start in &mut step.starts {
                    if start.0 == RuleCode::ShvEersteGesprek {
                        start.0 = RuleCode::ShvCrisis;
                    }
                }
                let words = enum_words(threat.as_str_name(), "BEDREIGENDE_SITUATIE_");
                step.detail(format!("bedreigende situatie: {words}"));
            }
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

#[cfg(test)]
mod tests {
    use rondom_domain::Pillar;
    use rondom_proto::v1;
    use rondom_proto::v1::event::Body;

    use crate::law::testing::{MONDAY, event, fold_all};

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
}
