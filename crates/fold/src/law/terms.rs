//! The kinds every law shares: a decision term suspended and resumed (Awb 4:15), and an
//! objection that starts the term of the decision on it (Awb 7:10), a person's request
//! under the AVG and its extension (art. 12 lid 3).

use rondom_domain::Pillar;
use rondom_domain::catalogue;
use rondom_domain::deadline::{self, DECISION_BY_REGULATION, RuleCode, Term, TermSource};
use rondom_proto::convert::naive_date;
use rondom_proto::v1;
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
        Body::TermijnOpgeschort(opschorting) => suspend(household, step, opschorting),
        Body::TermijnHervat(_) => resume(household, step),
        Body::Verdaging(verdaging) => adjourn(household, step, verdaging),
        Body::Verlenging(verlenging) => extend(household, step, verlenging),
        Body::Ingebrekestelling(_) => in_default(household, step),
        Body::AvgVerzoek(_) => {}
        Body::AvgVerlenging(_) => extend_avg(household, step),
        Body::AvgAntwoord(antwoord) => step.detail(if antwoord.ingewilligd {
            "ingewilligd"
        } else {
            "niet (geheel) ingewilligd"
        }),
        _ => return false,
    }
    true
}

/// The terms of the decision on an objection (Awb 7:10).
const OBJECTION: [RuleCode; 2] = [RuleCode::Bezwaar, RuleCode::BezwaarCommissie];

/// Returns the terms of the case a suspension for `reden` stops: for a request to repair an
/// objection, the decision on it (Awb 7:10 lid 2); else the decision term, and the law's
/// other terms that do not run while the applicant keeps the application incomplete.
fn suspended_rules(pillar: Pillar, reden: i32) -> Vec<RuleCode> {
    let Some(law) = rondom_domain::law::of(pillar) else {
        return Vec::new();
    };
    if reden == v1::OpschortingReden::HerstelVerzuim as i32 {
        return OBJECTION.to_vec();
    }
    let by_applicant = [
        v1::OpschortingReden::AanvullingGevraagd as i32,
        v1::OpschortingReden::VertragingAanvrager as i32,
    ]
    .contains(&reden);
    let also = if by_applicant {
        law.stopped_by_applicant
    } else {
        &[]
    };
    law.decision_rule
        .into_iter()
        .chain(also.iter().copied())
        .collect()
}

/// Suspends the running terms of the case (Awb 4:15). A request to complete the application
/// with a hersteltermijn ends by itself after it (lid 1 onder a): its days are counted at
/// once. A term that has run out cannot be suspended any more: it stays overdue.
fn suspend(
    household: &mut StoredHousehold,
    step: &mut Step<'_>,
    opschorting: &v1::TermijnOpgeschort,
) {
    let rules = suspended_rules(step.pillar, opschorting.reden);
    let until = opschorting
        .hersteltermijn_einde
        .as_ref()
        .and_then(naive_date)
        .filter(|einde| {
            [
                v1::OpschortingReden::AanvullingGevraagd as i32,
                v1::OpschortingReden::HerstelVerzuim as i32,
            ]
            .contains(&opschorting.reden)
                && *einde > step.on
        });
    let (pillar, today) = (step.event().pillar, day_number(step.on));
    // A suspension that ended by itself is over: a new one may follow.
    for deadline in &mut household.deadlines {
        if deadline.suspension_until != 0 && deadline.suspension_until < today {
            deadline.suspension_from = 0;
            deadline.suspension_until = 0;
        }
    }
    for deadline in household.deadlines.iter_mut().filter(|deadline| {
        deadline.open_in(pillar, step.case_id)
            && rules.iter().any(|rule| deadline.rule == rule.as_str())
            && deadline.suspended_since == 0
            && deadline.suspension_until == 0
    }) {
        let rule = deadline.rule.clone();
        if today > deadline.due {
            step.effect.detail.push(format!("{rule} was al verstreken"));
            continue;
        }
        match until {
            None => {
                deadline.suspended_since = today;
                step.effect.detail.push(rule);
            }
            Some(einde) => {
                let days = deadlines::suspend_until(
                    deadline,
                    step.on,
                    einde,
                    step.gemeente.as_ref(),
                    step.bylaws,
                );
                step.effect.detail.push(format!(
                    "{rule}: opgeschort tot en met {einde} ({days} dagen)"
                ));
            }
        }
    }
}

/// Lets the suspended terms of the case run again, the days in between added; a suspension
/// that would have ended by itself later ends now, its unused days taken off.
fn resume(household: &mut StoredHousehold, step: &mut Step<'_>) {
    let Some(law) = rondom_domain::law::of(step.pillar) else {
        return;
    };
    let rules: Vec<RuleCode> = law
        .decision_rule
        .into_iter()
        .chain(law.stopped_by_applicant.iter().copied())
        .chain(OBJECTION)
        .collect();
    let (pillar, today) = (step.event().pillar, day_number(step.on));
    for deadline in household.deadlines.iter_mut().filter(|deadline| {
        deadline.open_in(pillar, step.case_id)
            && rules.iter().any(|rule| deadline.rule == rule.as_str())
            && (deadline.suspended_since != 0 || deadline.suspension_until != 0)
    }) {
        let rule = deadline.rule.clone();
        let (gemeente, bylaws) = (step.gemeente.as_ref(), step.bylaws);
        if deadline.suspended_since != 0 {
            let days = deadlines::resume(deadline, step.on, gemeente, bylaws);
            step.effect
                .detail
                .push(format!("{rule}: {days} dagen opgeschort"));
        } else if today <= deadline.suspension_until {
            let days = deadlines::resume_early(deadline, step.on, gemeente, bylaws);
            step.effect
                .detail
                .push(format!("{rule}: {days} dagen opgeschort"));
        } else {
            // The hersteltermijn had run out: the term already runs again.
            deadline.suspension_from = 0;
            deadline.suspension_until = 0;
        }
    }
}

/// Makes the case's decision due by the day a notice under Awb 4:14 names, if later: only a
/// reasonable term (Awb 4:13 lid 2; the notice of 4:14 lid 3), not one a statute sets (a
/// notice under lid 1 leaves that term, and the decision late), and only before it ran out.
fn extend(household: &mut StoredHousehold, step: &mut Step<'_>, verlenging: &v1::Verlenging) {
    let Some(rule) = catalogue::decision_rule(step.pillar) else {
        return;
    };
    let Some(day) = verlenging.nieuwe_termijn.as_ref().and_then(naive_date) else {
        return;
    };
    if rule.rule().term != DECISION_BY_REGULATION {
        step.effect.detail.push(format!(
            "{rule}: een wettelijke termijn, de mededeling verlengt hem niet (Awb 4:14 lid 1)"
        ));
        return;
    }
    let (pillar, today) = (step.event().pillar, day_number(step.on));
    let (gemeente, bylaws) = (step.gemeente, step.bylaws);
    for deadline in household
        .deadlines
        .iter_mut()
        .filter(|deadline| deadline.open_in(pillar, step.case_id) && deadline.rule == rule.as_str())
    {
        if today > deadline.due {
            step.effect.detail.push(format!("{rule} was al verstreken"));
            continue;
        }
        deadlines::postpone(deadline, day, gemeente.as_ref(), bylaws);
        step.effect.detail.push(format!("{rule} tot {day}"));
    }
}

/// Two months more for the answer to a person's request (AVG art. 12 lid 3): the term is
/// then three months from the request, however often it is said, and only when said while
/// the first month runs (the person must be told within it).
fn extend_avg(household: &mut StoredHousehold, step: &mut Step<'_>) {
    let mut three_months = *RuleCode::AvgVerzoek.rule();
    three_months.term = TermSource::Statute(Term::Months(3));
    let (pillar, today) = (step.event().pillar, day_number(step.on));
    let (gemeente, bylaws) = (step.gemeente, step.bylaws);
    for deadline in household.deadlines.iter_mut().filter(|deadline| {
        deadline.open_in(pillar, step.case_id) && deadline.rule == RuleCode::AvgVerzoek
    }) {
        if today > deadline.due && deadline.postponed_to == 0 {
            step.effect
                .detail
                .push("AVG-VERZOEK: verlengen kan alleen binnen de eerste maand".to_owned());
            continue;
        }
        let start = crate::model::date_of(deadline.start);
        let Some(due) = deadlines::due_date(
            &three_months,
            start,
            gemeente.as_ref(),
            bylaws,
            deadline::Added::default(),
        ) else {
            continue;
        };
        deadlines::postpone(deadline, due, gemeente.as_ref(), bylaws);
        step.effect.detail.push(format!("AVG-VERZOEK tot {due}"));
    }
}

/// A notice of default starts the dwangsom clock only when the case's decision term has run
/// out (Awb 4:17 lid 1); before that it starts nothing.
fn in_default(household: &StoredHousehold, step: &mut Step<'_>) {
    let today = day_number(step.on);
    let pillar = step.event().pillar;
    let late = catalogue::decision_rule(step.pillar).is_some_and(|rule| {
        household.deadlines.iter().any(|deadline| {
            deadline.open_in(pillar, step.case_id)
                && deadline.rule == rule.as_str()
                && today > deadline.due
                // A suspended term has not run out: its due day is not known yet.
                && !deadline.suspended_on(today)
        })
    });
    let running = household.deadlines.iter().any(|deadline| {
        deadline.open_in(pillar, step.case_id) && deadline.rule == RuleCode::AwbDwangsom.as_str()
    });
    if running {
        // A reminder starts no second clock: one dwangsom per late decision.
        step.starts
            .retain(|(code, _)| *code != RuleCode::AwbDwangsom);
        return;
    }
    if !late {
        step.starts
            .retain(|(code, _)| *code != RuleCode::AwbDwangsom);
        step.effect
            .detail
            .push("beslistermijn niet verstreken: geen dwangsom (Awb 4:17 lid 1)".to_owned());
    }
}

/// Puts the decision on the case's objection off (Awb 7:10): once by at most six weeks on
/// the gemeente's own account (lid 3), further only with the objector's consent (lid 4). A
/// second delay without consent does not move the term: the entry says why.
fn adjourn(household: &mut StoredHousehold, step: &mut Step<'_>, verdaging: &v1::Verdaging) {
    let pillar = step.event().pillar;
    let (gemeente, bylaws) = (step.gemeente, step.bylaws);
    for deadline in household.deadlines.iter_mut().filter(|deadline| {
        deadline.open_in(pillar, step.case_id)
            && OBJECTION.iter().any(|rule| deadline.rule == rule.as_str())
    }) {
        let rule = deadline.rule.clone();
        if day_number(step.on) > deadline.due {
            step.effect.detail.push(format!("{rule} was al verstreken"));
            continue;
        }
        if !verdaging.met_instemming {
            if deadline.adjourned || verdaging.weken > 6 {
                step.effect.detail.push(format!(
                    "{rule}: niet verdaagd, verder uitstel alleen met instemming (Awb 7:10 lid 4)"
                ));
                continue;
            }
            deadline.adjourned = true;
        }
        deadlines::adjourn(deadline, verdaging.weken, gemeente.as_ref(), bylaws);
        step.effect
            .detail
            .push(format!("{rule}: {} weken verdaagd", verdaging.weken));
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

    fn wmo(position: u64, kind: &str, at: i64, body: v1::event::Body) -> rondom_bus::ReceivedEvent {
        event(position, Pillar::Wmo, kind, "backoffice:wmo", at, body)
    }

    fn opschorting(reden: v1::OpschortingReden, einde: Option<&str>) -> v1::event::Body {
        v1::event::Body::TermijnOpgeschort(v1::TermijnOpgeschort {
            reden: reden as i32,
            hersteltermijn_einde: einde
                .map(|text| rondom_proto::convert::proto_date(text.parse().expect("a date"))),
        })
    }

    #[test]
    fn a_request_to_complete_ends_its_suspension_by_itself_after_the_hersteltermijn() {
        // Awb 4:15 lid 1 onder a: suspended from the day after the request (Tuesday 1
        // December) up to the end of the hersteltermijn, Friday 11 December, when it lapses
        // unused: ten days, counted at once. The Wmo decision (2.3.5, two weeks from Monday
        // 30 November: 14 December) moves to Thursday 24 December.
        let aanvraag = v1::event::Body::WmoAanvraag(v1::WmoAanvraagOntvangen::default());
        let events = [
            wmo(1, "aanvraag_ontvangen", MONDAY, aanvraag),
            wmo(
                2,
                "termijn_opgeschort",
                MONDAY + DAY,
                opschorting(v1::OpschortingReden::AanvullingGevraagd, Some("2026-12-11")),
            ),
        ];
        let household = fold_all(&events);
        let besluit = deadline(&household, "WMO-BESCHIKKING");
        assert_eq!(besluit.suspended_days, 10);
        assert_eq!(besluit.due, day("2026-12-24"));
        let on =
            |date: &str| crate::assess::deadline(besluit, date.parse().expect("a date")).status;
        assert_eq!(on("2026-12-07"), v1::DeadlineStatus::Suspended as i32);
        assert_eq!(
            on("2026-12-14"),
            v1::DeadlineStatus::Open as i32,
            "ran again by itself"
        );

        // Completed on Friday 4 December: suspended on 2 and 3 December only, the term runs
        // again, due Wednesday 16 December.
        let hervat = v1::event::Body::TermijnHervat(v1::TermijnHervat {});
        let mut early = events.to_vec();
        early.push(wmo(3, "termijn_hervat", MONDAY + 4 * DAY, hervat));
        let household = fold_all(&early);
        let besluit = deadline(&household, "WMO-BESCHIKKING");
        assert_eq!(besluit.suspended_days, 2);
        assert_eq!(besluit.due, day("2026-12-16"));
        assert_eq!(besluit.suspension_until, 0);
    }

    #[test]
    fn the_voorschot_does_not_run_while_the_applicant_keeps_the_application_incomplete() {
        // Pw art. 52: the four weeks for a voorschot stop with the decision term when the
        // application is incomplete by the applicant's doing; force majeure stops only the
        // decision term (Awb 4:15 lid 2 onder c).
        let suspended = |reden: v1::OpschortingReden| {
            let aanvraag = v1::event::Body::PwAanvraag(v1::PwAanvraagIngediend::default());
            let household = fold_all(&[
                event(
                    1,
                    Pillar::Participatie,
                    "aanvraag_ingediend",
                    "backoffice:participatie",
                    MONDAY,
                    aanvraag,
                ),
                event(
                    2,
                    Pillar::Participatie,
                    "termijn_opgeschort",
                    "backoffice:participatie",
                    MONDAY + DAY,
                    opschorting(reden, None),
                ),
            ]);
            let mut stopped: Vec<String> = household
                .deadlines
                .iter()
                .filter(|deadline| deadline.suspended_since != 0)
                .map(|deadline| deadline.rule.clone())
                .collect();
            stopped.sort();
            stopped
        };
        assert_eq!(
            suspended(v1::OpschortingReden::AanvullingGevraagd),
            ["PW-BESLUIT", "PW-VOORSCHOT"]
        );
        assert_eq!(suspended(v1::OpschortingReden::Overmacht), ["PW-BESLUIT"]);
    }

    /// An objection whose period ended on Monday 30 November 2026: the decision on it is due
    /// six weeks later, Monday 11 January 2027 (Awb 7:10 lid 1).
    fn objection() -> rondom_bus::ReceivedEvent {
        let bezwaar = v1::event::Body::BezwaarOntvangen(v1::BezwaarOntvangen {
            bezwaartermijn_einde: Some(v1::Date {
                year: 2026,
                month: 11,
                day: 30,
            }),
            adviescommissie: false,
        });
        wmo(1, "bezwaar_ontvangen", MONDAY, bezwaar)
    }

    fn verdaging(position: u64, weken: u32, met_instemming: bool) -> rondom_bus::ReceivedEvent {
        let body = v1::event::Body::Verdaging(v1::Verdaging {
            weken,
            met_instemming,
        });
        wmo(position, "beslissing_verdaagd", MONDAY + DAY, body)
    }

    #[test]
    fn an_objection_is_adjourned_once_on_the_gemeentes_account_and_further_only_with_consent() {
        let due = |events: &[rondom_bus::ReceivedEvent]| deadline(&fold_all(events), "BEZWAAR").due;
        assert_eq!(due(&[objection()]), day("2027-01-11"));
        // Awb 7:10 lid 3: put off by six weeks, to Monday 22 February 2027.
        let adjourned = [objection(), verdaging(2, 6, false)];
        assert_eq!(due(&adjourned), day("2027-02-22"));
        // A second delay without consent does not move it (lid 4)...
        let again = [objection(), verdaging(2, 6, false), verdaging(3, 4, false)];
        assert_eq!(due(&again), day("2027-02-22"));
        // ...with the objector's consent it does: four weeks more, Monday 22 March.
        let agreed = [objection(), verdaging(2, 6, false), verdaging(3, 4, true)];
        assert_eq!(due(&agreed), day("2027-03-22"));
    }

    #[test]
    fn a_request_to_repair_the_objection_suspends_the_decision_on_it() {
        // Awb 7:10 lid 2: suspended from the day after the request (Tuesday 1 December) up to
        // the end of the term given to repair it, Tuesday 15 December: fourteen days, so the
        // decision is due Monday 25 January 2027. A request to complete an application
        // (Awb 4:15) leaves the objection's term alone.
        let herstel = wmo(
            2,
            "termijn_opgeschort",
            MONDAY + DAY,
            opschorting(v1::OpschortingReden::HerstelVerzuim, Some("2026-12-15")),
        );
        let household = fold_all(&[objection(), herstel]);
        let term = deadline(&household, "BEZWAAR");
        assert_eq!((term.suspended_days, term.due), (14, day("2027-01-25")));
        let aanvulling = wmo(
            2,
            "termijn_opgeschort",
            MONDAY + DAY,
            opschorting(v1::OpschortingReden::AanvullingGevraagd, Some("2026-12-15")),
        );
        let household = fold_all(&[objection(), aanvulling]);
        assert_eq!(deadline(&household, "BEZWAAR").due, day("2027-01-11"));
    }

    fn aanvraag() -> rondom_bus::ReceivedEvent {
        let body = v1::event::Body::WmoAanvraag(v1::WmoAanvraagOntvangen::default());
        wmo(1, "aanvraag_ontvangen", MONDAY, body)
    }

    fn date(text: &str) -> Option<v1::Date> {
        Some(rondom_proto::convert::proto_date(
            text.parse().expect("a date"),
        ))
    }

    #[test]
    fn a_notice_of_default_after_the_term_starts_the_dwangsom_two_weeks_later() {
        let notice = |at: i64| {
            wmo(
                2,
                "ingebrekestelling_ontvangen",
                at,
                v1::event::Body::Ingebrekestelling(v1::Ingebrekestelling {}),
            )
        };
        // Before the decision term ran out (14 December), a notice starts nothing (Awb 4:17
        // lid 1).
        let early = fold_all(&[aanvraag(), notice(MONDAY + 10 * DAY)]);
        assert!(early.deadlines.iter().all(|d| d.rule != "AWB-DWANGSOM"));
        // Received on Wednesday 16 December: the dwangsom runs from 30 December (lid 3).
        let late = [aanvraag(), notice(MONDAY + 16 * DAY)];
        let household = fold_all(&late);
        let dwangsom = deadline(&household, "AWB-DWANGSOM");
        assert_eq!(dwangsom.due, day("2026-12-30"));
        // On 5 January 2027, six days at 23 euro (lid 2).
        let on = |stored: &crate::StoredDeadline, date: &str| {
            crate::assess::deadline(stored, date.parse().expect("a date")).dwangsom_cent
        };
        assert_eq!(on(dwangsom, "2027-01-05"), 13_800);
        // The beschikking on Friday 8 January ends it: nine days, 207 euro, whenever read.
        let beschikking = v1::event::Body::WmoBeschikking(v1::WmoBeschikkingAfgegeven {
            besluit: v1::Besluit::Toegekend as i32,
            ..v1::WmoBeschikkingAfgegeven::default()
        });
        let mut decided = late.to_vec();
        decided.push(wmo(
            3,
            "beschikking_afgegeven",
            MONDAY + 39 * DAY,
            beschikking,
        ));
        let household = fold_all(&decided);
        let dwangsom = deadline(&household, "AWB-DWANGSOM");
        assert_eq!(dwangsom.met_on, day("2027-01-08"));
        assert_eq!(on(dwangsom, "2027-06-01"), 20_700);
    }

    #[test]
    fn the_limits_of_suspension_notice_and_dwangsom_hold() {
        let notice = |position: u64, at: i64| {
            wmo(
                position,
                "ingebrekestelling_ontvangen",
                at,
                v1::event::Body::Ingebrekestelling(v1::Ingebrekestelling {}),
            )
        };
        let clocks = |household: &crate::StoredHousehold| {
            household
                .deadlines
                .iter()
                .filter(|d| d.rule == "AWB-DWANGSOM")
                .count()
        };
        // A reminder starts no second dwangsom (Awb 4:17: one per late decision).
        let reminded = fold_all(&[
            aanvraag(),
            notice(2, MONDAY + 16 * DAY),
            notice(3, MONDAY + 23 * DAY),
        ]);
        assert_eq!(clocks(&reminded), 1);
        // While the term is suspended it has not run out: a notice starts nothing.
        let suspended = fold_all(&[
            aanvraag(),
            wmo(
                2,
                "termijn_opgeschort",
                MONDAY + 10 * DAY,
                opschorting(v1::OpschortingReden::Overmacht, None),
            ),
            notice(3, MONDAY + 20 * DAY),
        ]);
        assert_eq!(clocks(&suspended), 0);
        // A suspension that ended by itself does not block the next one.
        let again = fold_all(&[
            aanvraag(),
            wmo(
                2,
                "termijn_opgeschort",
                MONDAY + DAY,
                opschorting(v1::OpschortingReden::AanvullingGevraagd, Some("2026-12-04")),
            ),
            wmo(
                3,
                "termijn_opgeschort",
                MONDAY + 8 * DAY,
                opschorting(v1::OpschortingReden::Overmacht, None),
            ),
        ]);
        assert_ne!(deadline(&again, "WMO-BESCHIKKING").suspended_since, 0);
        // The Wmo's two weeks are the statute's: a notice under Awb 4:14 does not move them.
        let notice_of_later = v1::event::Body::Verlenging(v1::Verlenging {
            nieuwe_termijn: date("2027-01-08"),
        });
        let statutory = fold_all(&[
            aanvraag(),
            wmo(
                2,
                "beslistermijn_verlengd",
                MONDAY + 10 * DAY,
                notice_of_later,
            ),
        ]);
        assert_eq!(
            deadline(&statutory, "WMO-BESCHIKKING").due,
            day("2026-12-14")
        );
        // An objection's term that ran out (11 January 2027) is not adjourned afterwards.
        let late = wmo(
            2,
            "beslissing_verdaagd",
            MONDAY + 50 * DAY,
            v1::event::Body::Verdaging(v1::Verdaging {
                weken: 6,
                met_instemming: false,
            }),
        );
        assert_eq!(
            deadline(&fold_all(&[objection(), late]), "BEZWAAR").due,
            day("2027-01-11")
        );
    }

    #[test]
    fn a_notice_under_awb_4_14_lid_3_sets_the_reasonable_term_of_a_jeugd_decision() {
        // Jeugdwet: no term of its own, a reasonable term of at most eight weeks (Awb 4:13);
        // a notice before it ran out names a later one (4:14 lid 3).
        let jeugd = |position: u64, kind: &str, at: i64, body: v1::event::Body| {
            event(position, Pillar::Jeugd, kind, "backoffice:jeugd", at, body)
        };
        let aanvraag = v1::event::Body::JeugdAanvraag(v1::JeugdAanvraagOntvangen::default());
        let notice = v1::event::Body::Verlenging(v1::Verlenging {
            nieuwe_termijn: date("2027-03-01"),
        });
        let household = fold_all(&[
            jeugd(1, "aanvraag_ontvangen", MONDAY, aanvraag),
            jeugd(2, "beslistermijn_verlengd", MONDAY + 20 * DAY, notice),
        ]);
        assert_eq!(
            deadline(&household, "JW-BESCHIKKING").due,
            day("2027-03-01")
        );
    }

    #[test]
    fn a_persons_request_is_answered_within_a_month_or_three_once_extended_in_time() {
        let request = |position, kind, at, body| {
            event(position, Pillar::Jeugd, kind, "backoffice:jeugd", at, body)
        };
        let verzoek = v1::event::Body::AvgVerzoek(v1::AvgVerzoek {
            recht: v1::AvgRecht::Inzage as i32,
        });
        let verlenging = v1::event::Body::AvgVerlenging(v1::AvgVerlenging {});
        let received = request(1, "avg_verzoek_ontvangen", MONDAY, verzoek);
        // AVG art. 12 lid 3: a month from Monday 30 November 2026 is Wednesday 30 December.
        let open = fold_all(std::slice::from_ref(&received));
        assert_eq!(deadline(&open, "AVG-VERZOEK").due, day("2026-12-30"));
        // Told within that month: three months, to Sunday 28 February 2027, which moves to
        // Monday 1 March (Regulation 1182/71 art. 3 lid 4).
        let extended = fold_all(&[
            received.clone(),
            request(
                2,
                "avg_verzoek_verlengd",
                MONDAY + 5 * DAY,
                verlenging.clone(),
            ),
        ]);
        assert_eq!(deadline(&extended, "AVG-VERZOEK").due, day("2027-03-01"));
        // Said again, it adds nothing; said after the month ran out, it is too late.
        let twice = fold_all(&[
            received.clone(),
            request(
                2,
                "avg_verzoek_verlengd",
                MONDAY + 5 * DAY,
                verlenging.clone(),
            ),
            request(
                3,
                "avg_verzoek_verlengd",
                MONDAY + 6 * DAY,
                verlenging.clone(),
            ),
        ]);
        assert_eq!(deadline(&twice, "AVG-VERZOEK").due, day("2027-03-01"));
        let late = fold_all(&[
            received.clone(),
            request(2, "avg_verzoek_verlengd", MONDAY + 40 * DAY, verlenging),
        ]);
        assert_eq!(deadline(&late, "AVG-VERZOEK").due, day("2026-12-30"));
        // The answer meets it.
        let answered = fold_all(&[
            received,
            request(
                2,
                "avg_verzoek_beantwoord",
                MONDAY + 20 * DAY,
                v1::event::Body::AvgAntwoord(v1::AvgAntwoord { ingewilligd: true }),
            ),
        ]);
        assert_eq!(
            deadline(&answered, "AVG-VERZOEK").state,
            v1::DeadlineStatus::Met as i32
        );
    }
}
