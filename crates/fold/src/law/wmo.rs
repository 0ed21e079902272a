//! Wmo 2015: a spoed melding starts WMO-SPOED; a refusal ends the case; a provider is
//! involved from the back-office's toewijzing to its stop.

use rondom_domain::deadline::RuleCode;
use rondom_proto::v1::event::Body;

use crate::delivery::{self, Care, Delivery};
use crate::model::StoredHousehold;
use crate::step::{Step, refused};
use crate::verzoek;

pub(super) fn apply(household: &mut StoredHousehold, step: &mut Step<'_>, body: &Body) {
    match body {
        Body::WmoMelding(melding) if melding.spoed => {
            // Wmo 2.3.3: in an urgent case a temporary provision without delay.
            step.starts.push((RuleCode::WmoSpoed, step.on));
            step.detail("spoed");
        }
        Body::WmoBeschikking(beschikking) => refused(beschikking.besluit, step),
        Body::ToewijzingGevraagd(_) | Body::WijzigingGevraagd(_) | Body::VerzoekBeantwoord(_) => {
            verzoek::apply(household, step, body);
        }
        Body::WmoVoorzieningToegewezen(voorziening) => {
            let delivery = Delivery {
                einddatum: voorziening.einddatum.as_ref(),
                grants: &voorziening.verzoek_case,
                ..Delivery::of(
                    Care::Toewijzing,
                    &voorziening.aanbieder_agb,
                    voorziening.aanlevering,
                )
            };
            delivery::apply(household, step, delivery);
        }
        Body::WmoVoorzieningGestart(voorziening) => {
            let delivery = Delivery::of(
                Care::Start,
                &voorziening.aanbieder_agb,
                voorziening.aanlevering,
            );
            delivery::apply(household, step, delivery);
        }
        Body::WmoVoorzieningGestopt(voorziening) => {
            let delivery = Delivery::of(
                Care::Stop,
                &voorziening.aanbieder_agb,
                voorziening.aanlevering,
            );
            delivery::apply(household, step, delivery);
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
    use crate::law::testing::{MONDAY, deadline, event, fold_all};

    const AGB: &str = "12345678";

    fn toegewezen(role: &str) -> rondom_bus::ReceivedEvent {
        let body = Body::WmoVoorzieningToegewezen(v1::WmoVoorzieningToegewezen {
            aanbieder_agb: AGB.into(),
            ..v1::WmoVoorzieningToegewezen::default()
        });
        event(1, Pillar::Wmo, "voorziening_toegewezen", role, MONDAY, body)
    }

    #[test]
    fn a_spoed_melding_starts_the_urgent_term_and_a_refusal_lapses_it() {
        let melding = Body::WmoMelding(v1::WmoMeldingOntvangen {
            spoed: true,
            mantelzorger_betrokken: false,
        });
        let refusal = Body::WmoBeschikking(v1::WmoBeschikkingAfgegeven {
            besluit: v1::Besluit::Afgewezen as i32,
            ..v1::WmoBeschikkingAfgegeven::default()
        });
        let open = fold_all(&[event(
            1,
            Pillar::Wmo,
            "melding_ontvangen",
            "backoffice:wmo",
            MONDAY,
            melding.clone(),
        )]);
        assert_eq!(
            deadline(&open, "WMO-SPOED").state,
            v1::DeadlineStatus::Open as i32
        );
        let refused = fold_all(&[
            event(
                1,
                Pillar::Wmo,
                "melding_ontvangen",
                "backoffice:wmo",
                MONDAY,
                melding,
            ),
            event(
                2,
                Pillar::Wmo,
                "beschikking_afgegeven",
                "backoffice:wmo",
                MONDAY,
                refusal,
            ),
        ]);
        // The beschikking meets the urgent term; the refusal ends the case and its duties.
        assert_eq!(
            deadline(&refused, "WMO-SPOED").state,
            v1::DeadlineStatus::Met as i32
        );
        assert_eq!(
            deadline(&refused, "WMO-ONDERZOEK").state,
            v1::DeadlineStatus::Lapsed as i32
        );
        assert_eq!(
            refused.trajectories[0].stage,
            v1::TrajectoryState::Beeindigd as i32
        );
    }

    #[test]
    fn only_the_back_office_toewijzing_involves_a_provider_and_its_stop_ends_it() {
        assert!(!is_involved(&fold_all(&[toegewezen("partner:wmo")]), AGB));
        assert!(is_involved(&fold_all(&[toegewezen("backoffice:wmo")]), AGB));
        let gestopt = Body::WmoVoorzieningGestopt(v1::WmoVoorzieningGestopt {
            aanbieder_agb: AGB.into(),
            ..v1::WmoVoorzieningGestopt::default()
        });
        let stopped = fold_all(&[
            toegewezen("backoffice:wmo"),
            event(
                2,
                Pillar::Wmo,
                "voorziening_gestopt",
                "partner:wmo",
                MONDAY,
                gestopt,
            ),
        ]);
        assert!(!is_involved(&stopped, AGB));
        assert_eq!(stopped.former_partners[0].started_position, 1);
        assert_eq!(stopped.former_partners[0].ended_position, 2);
    }

    #[test]
    fn a_toewijzing_whose_end_has_passed_withdraws_the_assignment() {
        // A 301 sent again with an einddatum before its own day (an intrekking or a shortened
        // assignment) ends the provider's involvement instead of starting it.
        let withdrawn = |end: (i32, i32, i32)| {
            let body = Body::WmoVoorzieningToegewezen(v1::WmoVoorzieningToegewezen {
                aanbieder_agb: AGB.into(),
                einddatum: Some(v1::Date {
                    year: end.0,
                    month: end.1,
                    day: end.2,
                }),
                ..v1::WmoVoorzieningToegewezen::default()
            });
            event(
                2,
                Pillar::Wmo,
                "voorziening_toegewezen",
                "backoffice:wmo",
                MONDAY,
                body,
            )
        };
        // MONDAY is 30 November 2026.
        let ended = fold_all(&[toegewezen("backoffice:wmo"), withdrawn((2026, 11, 29))]);
        assert!(!is_involved(&ended, AGB));
        let running = fold_all(&[toegewezen("backoffice:wmo"), withdrawn((2026, 11, 30))]);
        assert!(is_involved(&running, AGB), "care ending today runs today");
    }
}
