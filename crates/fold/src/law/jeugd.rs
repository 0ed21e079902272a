//! Jeugdwet: a refusal ends the case; a provider is involved from the back-office's
//! toewijzing to its stop, and the stop message itself is what IJW-STOP waits for.

use rondom_domain::catalogue::jeugd;
use rondom_domain::deadline::RuleCode;
use rondom_proto::convert::naive_date;
use rondom_proto::v1::event::Body;

use crate::deadlines;
use crate::involvement;
use crate::model::StoredHousehold;
use crate::step::{Step, refused};

pub(super) fn apply(household: &mut StoredHousehold, step: &mut Step<'_>, body: &Body) {
    match body {
        Body::JeugdBeschikking(beschikking) => refused(beschikking.besluit, step),
        Body::Jeugdhulp(jeugdhulp) => {
            // Involvement starts with the back-office's toewijzing and ends with the
            // provider's stop; the provider's start changes nobody's sight.
            let kind = step.event().kind.as_str();
            let involved = if kind == jeugd::JEUGDHULP_TOEGEWEZEN.name {
                involvement::assignment(step, jeugdhulp.einddatum.as_ref())
            } else if kind == jeugd::JEUGDHULP_BEEINDIGD.name {
                Some(false)
            } else {
                None
            };
            involvement::provider(household, step, &jeugdhulp.aanbieder_agb, involved);
            if step.event().kind == jeugd::JEUGDHULP_BEEINDIGD.name
                && let Some(end) = jeugdhulp.einddatum.as_ref().and_then(naive_date)
            {
                deadlines::met_at_once(household, step, RuleCode::IjwStop, end);
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
}
