//! The kinds every law shares: a decision term suspended and resumed (Awb 4:15), and an
//! objection that starts the term of the decision on it (Awb 7:10).

use rondom_domain::catalogue;
use rondom_domain::deadline::RuleCode;
use rondom_proto::convert::naive_date;
use rondom_proto::v1::event::Body;

use crate::deadlines;
use crate::model::{StoredHousehold, day_number};
use crate::step::Step;

/// Applies a shared kind; returns `false` for a body that is not one.
pub(super) fn apply(household: &mut StoredHousehold, step: &mut Step<'_>, body: &Body) -> bool {
    match body {
        Body::BezwaarOntvangen(bezwaar) => {
            let from = bezwaar
                .bezwaartermijn_einde
                .as_ref()
                .and_then(naive_date)
                .unwrap_or(step.on);
            let rule = if bezwaar.adviescommissie {
                RuleCode::BezwaarCommissie
            } else {
                RuleCode::Bezwaar
            };
            step.starts = vec![(rule, from)];
        }
        Body::TermijnOpgeschort(_) => suspend(household, step),
        Body::TermijnHervat(_) => resume(household, step),
        _ => return false,
    }
    true
}

/// Suspends the running decision term of the case. A term that has run out cannot be
/// suspended any more: it stays overdue.
fn suspend(household: &mut StoredHousehold, step: &mut Step<'_>) {
    let Some(rule) = catalogue::decision_rule(step.pillar) else {
        return;
    };
    let (pillar, today) = (step.event().pillar, day_number(step.on));
    for deadline in household.deadlines.iter_mut().filter(|deadline| {
        deadline.open_in(pillar, step.case_id)
            && deadline.rule == rule
            && deadline.suspended_since == 0
    }) {
        if today > deadline.due {
            step.effect.detail.push(format!("{rule} was al verstreken"));
            continue;
        }
        deadline.suspended_since = today;
        step.effect.detail.push(rule.to_string());
    }
}

/// Lets the suspended decision term run again, the days in between added.
fn resume(household: &mut StoredHousehold, step: &mut Step<'_>) {
    let Some(rule) = catalogue::decision_rule(step.pillar) else {
        return;
    };
    let pillar = step.event().pillar;
    for deadline in household.deadlines.iter_mut().filter(|deadline| {
        deadline.open_in(pillar, step.case_id)
            && deadline.rule == rule
            && deadline.suspended_since != 0
    }) {
        let days = deadlines::resume(deadline, step.on, step.gemeente.as_ref(), step.bylaws);
        step.effect
            .detail
            .push(format!("{rule}: {days} dagen opgeschort"));
    }
}

#[cfg(test)]
mod tests {
    use rondom_domain::Pillar;
    use rondom_proto::v1;

    use crate::law::testing::{MONDAY, day, deadline, event, fold_all};

    const DAY: i64 = 86_400;

    #[test]
    fn a_suspension_adds_the_days_between_to_the_decision_term() {
        let aanvraag = v1::event::Body::WmoAanvraag(v1::WmoAanvraagOntvangen::default());
        let household = fold_all(&[
            event(
                1,
                Pillar::Wmo,
                "aanvraag_ontvangen",
                "backoffice:wmo",
                MONDAY,
                aanvraag,
            ),
            event(
                2,
                Pillar::Wmo,
                "termijn_opgeschort",
                "backoffice:wmo",
                MONDAY + DAY,
                v1::event::Body::TermijnOpgeschort(v1::TermijnOpgeschort::default()),
            ),
            event(
                3,
                Pillar::Wmo,
                "termijn_hervat",
                "backoffice:wmo",
                MONDAY + 11 * DAY,
                v1::event::Body::TermijnHervat(v1::TermijnHervat {}),
            ),
        ]);
        let besluit = deadline(&household, "WMO-BESCHIKKING");
        // Suspended from Tuesday, resumed ten days later: nine days in between (Awb 4:15),
        // added to two weeks from the aanvraag (Wmo 2.3.5).
        assert_eq!(besluit.suspended_days, 9);
        assert_eq!(besluit.suspended_since, 0);
        assert_eq!(besluit.due, day("2026-12-14") + 9, "{besluit:?}");
    }

    #[test]
    fn an_objection_counts_from_the_end_of_the_objection_period() {
        let bezwaar = v1::event::Body::BezwaarOntvangen(v1::BezwaarOntvangen {
            bezwaartermijn_einde: Some(v1::Date {
                year: 2026,
                month: 12,
                day: 7,
            }),
            adviescommissie: true,
        });
        let household = fold_all(&[event(
            1,
            Pillar::Jeugd,
            "bezwaar_ontvangen",
            "backoffice:jeugd",
            MONDAY,
            bezwaar,
        )]);
        let term = deadline(&household, "BEZWAAR-COMMISSIE");
        assert_eq!(term.start, day("2026-12-07"));
        // No trajectory is opened for a case that only has an objection.
        assert!(household.trajectories.is_empty());
    }
}
