//! Jeugdwet: a refusal ends the case; a provider is involved from the back-office's
//! toewijzing to its stop, and the stop message itself is what IJW-STOP waits for.

use rondom_domain::catalogue::jeugd;
use rondom_domain::deadline::RuleCode;
use rondom_proto::convert::naive_date;
use rondom_proto::v1;
use rondom_proto::v1::event::Body;

use crate::deadlines;
use crate::delivery::{self, Care, Delivery};
use crate::model::StoredHousehold;
use crate::step::{Step, refused};
use crate::verzoek;

pub(super) fn apply(household: &mut StoredHousehold, step: &mut Step<'_>, body: &Body) {
    match body {
        Body::JeugdBeschikking(beschikking) => refused(beschikking.besluit, step),
        Body::ToewijzingGevraagd(_) | Body::WijzigingGevraagd(_) | Body::VerzoekBeantwoord(_) => {
            verzoek::apply(household, step, body);
        }
        Body::Jeugdhulp(jeugdhulp) => {
            // Involvement starts with the back-office's toewijzing and ends with the
            // provider's stop; the provider's start changes nobody's sight.
            let kind = step.event().kind.as_str();
            let care = if kind == jeugd::JEUGDHULP_TOEGEWEZEN.name {
                Care::Toewijzing
            } else if kind == jeugd::JEUGDHULP_BEEINDIGD.name {
                Care::Stop
            } else {
                Care::Start
            };
            let delivery = Delivery {
                einddatum: jeugdhulp.einddatum.as_ref(),
                grants: &jeugdhulp.verzoek_case,
                ..Delivery::of(care, &jeugdhulp.aanbieder_agb, jeugdhulp.aanlevering)
            };
            let withdrawn = delivery::apply(household, step, delivery);
            let first = jeugdhulp.aanlevering == v1::Aanlevering::Unspecified as i32;
            match care {
                // The first stop message is what IJW-STOP waits for; a correction of it does
                // not count again, a withdrawal takes back that care ended.
                Care::Stop if first => {
                    if let Some(end) = jeugdhulp.einddatum.as_ref().and_then(naive_date) {
                        deadlines::met_at_once(household, step, RuleCode::IjwStop, end);
                    }
                }
                Care::Stop if withdrawn => deadlines::forget(household, step, RuleCode::IjwStop),
                _ => {}
            }
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
    use crate::law::testing::{MONDAY, day, deadline, event, fold_all};

    const AGB: &str = "87654321";
    const DAY: i64 = 86_400;

    fn jeugdhulp(position: u64, kind: &str, role: &str, at: i64) -> rondom_bus::ReceivedEvent {
        let body = Body::Jeugdhulp(v1::Jeugdhulp {
            aanbieder_agb: AGB.into(),
            einddatum: Some(v1::Date {
                year: 2026,
                month: 11,
                day: 30,
            }),
            ..v1::Jeugdhulp::default()
        });
        event(position, Pillar::Jeugd, kind, role, at, body)
    }

    #[test]
    fn the_provider_is_involved_from_toewijzing_to_stop() {
        let started_by_provider =
            fold_all(&[jeugdhulp(1, "jeugdhulp_gestart", "partner:jeugd", MONDAY)]);
        assert!(!is_involved(&started_by_provider, AGB));
        let assigned = fold_all(&[jeugdhulp(
            1,
            "jeugdhulp_toegewezen",
            "backoffice:jeugd",
            MONDAY,
        )]);
        assert!(is_involved(&assigned, AGB));
        let ended = fold_all(&[
            jeugdhulp(1, "jeugdhulp_toegewezen", "backoffice:jeugd", MONDAY),
            jeugdhulp(2, "jeugdhulp_beeindigd", "partner:jeugd", MONDAY),
        ]);
        assert!(!is_involved(&ended, AGB));
    }

    #[test]
    fn a_stop_message_meets_ijw_stop_or_is_late() {
        let on_time = fold_all(&[jeugdhulp(1, "jeugdhulp_beeindigd", "partner:jeugd", MONDAY)]);
        let stop = deadline(&on_time, "IJW-STOP");
        assert_eq!(stop.state, v1::DeadlineStatus::Met as i32);
        assert_eq!(stop.start, day("2026-11-30"));
        let late = fold_all(&[jeugdhulp(
            1,
            "jeugdhulp_beeindigd",
            "partner:jeugd",
            MONDAY + 60 * DAY,
        )]);
        assert_eq!(
            deadline(&late, "IJW-STOP").state,
            v1::DeadlineStatus::MetLate as i32
        );
    }

    #[test]
    fn a_stop_message_is_on_time_by_when_the_hub_received_it_not_by_its_own_date() {
        // Care ended Monday 30 November; the message says it was made that day, but came
        // two months later.
        let mut backdated = jeugdhulp(1, "jeugdhulp_beeindigd", "partner:jeugd", MONDAY);
        backdated.envelope.time += chrono::Duration::days(60);
        let folded = fold_all(&[backdated]);
        let stop = deadline(&folded, "IJW-STOP");
        assert_eq!(stop.state, v1::DeadlineStatus::MetLate as i32);
        assert_eq!(stop.met_on, day("2027-01-29"));
    }

    #[test]
    fn a_late_event_dated_earlier_does_not_move_the_case_back_in_time() {
        let folded = fold_all(&[
            jeugdhulp(1, "jeugdhulp_toegewezen", "backoffice:jeugd", MONDAY),
            jeugdhulp(2, "jeugdhulp_beeindigd", "partner:jeugd", MONDAY + 30 * DAY),
            // The start, sent late: dated before the stop.
            jeugdhulp(3, "jeugdhulp_gestart", "partner:jeugd", MONDAY + DAY),
        ]);
        let case = &folded.trajectories[0];
        assert_eq!(
            case.updated_at.map(|at| at.seconds),
            Some(MONDAY + 30 * DAY)
        );
    }

    fn delivered(
        position: u64,
        kind: &str,
        role: &str,
        aanlevering: v1::Aanlevering,
    ) -> rondom_bus::ReceivedEvent {
        let mut received = jeugdhulp(position, kind, role, MONDAY);
        if let Some(Body::Jeugdhulp(jeugdhulp)) = received.event.body.as_mut() {
            jeugdhulp.aanlevering = aanlevering as i32;
        }
        received
    }

    fn state(household: &crate::model::StoredHousehold) -> i32 {
        household.trajectories.first().map_or(0, |case| case.stage)
    }

    #[test]
    fn a_withdrawn_stop_reopens_the_case_and_is_no_stop_message() {
        use v1::Aanlevering::{Unspecified, Verwijderd};
        let withdrawn = fold_all(&[
            delivered(1, "jeugdhulp_toegewezen", "backoffice:jeugd", Unspecified),
            delivered(2, "jeugdhulp_gestart", "partner:jeugd", Unspecified),
            delivered(3, "jeugdhulp_beeindigd", "partner:jeugd", Unspecified),
            delivered(4, "jeugdhulp_beeindigd", "partner:jeugd", Verwijderd),
        ]);
        assert_eq!(state(&withdrawn), v1::TrajectoryState::Actief as i32);
        assert!(withdrawn.deadlines.iter().all(|d| d.rule != "IJW-STOP"));
        // Its sight returns with the gemeente's toewijzing, not by the provider's own word.
        assert!(!is_involved(&withdrawn, AGB));
        // A withdrawn start puts the case back to decided.
        let unstarted = fold_all(&[
            delivered(1, "jeugdhulp_toegewezen", "backoffice:jeugd", Unspecified),
            delivered(2, "jeugdhulp_gestart", "partner:jeugd", Unspecified),
            delivered(3, "jeugdhulp_gestart", "partner:jeugd", Verwijderd),
        ]);
        assert_eq!(state(&unstarted), v1::TrajectoryState::Besloten as i32);
        // A withdrawal of a case the view does not hold opens nothing.
        let stray = fold_all(&[delivered(
            1,
            "jeugdhulp_gestart",
            "partner:jeugd",
            Verwijderd,
        )]);
        assert!(stray.trajectories.is_empty());
    }

    #[test]
    fn only_the_back_office_withdraws_a_toewijzing_and_a_correction_counts_once() {
        use v1::Aanlevering::{Gecorrigeerd, Unspecified, Verwijderd};
        let assigned = delivered(1, "jeugdhulp_toegewezen", "backoffice:jeugd", Unspecified);
        let withdrawn = fold_all(&[
            assigned.clone(),
            delivered(2, "jeugdhulp_toegewezen", "backoffice:jeugd", Verwijderd),
        ]);
        assert!(!is_involved(&withdrawn, AGB));
        let by_provider = fold_all(&[
            assigned.clone(),
            delivered(2, "jeugdhulp_toegewezen", "partner:jeugd", Verwijderd),
        ]);
        assert!(is_involved(&by_provider, AGB));
        // A corrected stop does not meet IJW-STOP a second time.
        let corrected = fold_all(&[
            assigned,
            delivered(2, "jeugdhulp_beeindigd", "partner:jeugd", Unspecified),
            delivered(3, "jeugdhulp_beeindigd", "partner:jeugd", Gecorrigeerd),
        ]);
        let stops = corrected.deadlines.iter().filter(|d| d.rule == "IJW-STOP");
        assert_eq!(stops.count(), 1);
    }
}
