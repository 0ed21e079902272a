//! The statutory deadlines of a case: started, met, lapsed, suspended and resumed as its
//! events arrive. Which rules a kind starts and meets is the catalogue's; how a due date is
//! counted is the domain's `deadline` module, with the gemeente's own terms where its bylaw
//! set them.

use chrono::NaiveDate;
use rondom_domain::GemeenteCode;
use rondom_domain::bylaw::BylawTerms;
use rondom_domain::deadline::{self, DeadlineRule, RuleCode};
use rondom_proto::v1;

use crate::model::{StoredDeadline, StoredHousehold, date_of, day_number};
use crate::step::Step;

/// Meets the open deadlines `codes` of the step's case. Meet comes before start: a voorschot
/// meets the running PW-VOORSCHOT and starts the next.
pub(crate) fn meet(household: &mut StoredHousehold, step: &Step<'_>, codes: &[RuleCode]) {
    let event = step.event();
    for code in codes {
        for deadline in household.deadlines.iter_mut().filter(|deadline| {
            deadline.rule == *code
                && (deadline.open_in(event.pillar, step.case_id)
                    // Whatever case number the aanmelding gets, it answers the vroegsignaal.
                    || (*code == RuleCode::ShvAanbod
                        && deadline.is_open()
                        && deadline.pillar == event.pillar))
        }) {
            if deadline.suspended_since != 0 {
                // Met while suspended: the suspension counts up to this day (Awb 4:15).
                resume(deadline, step.on, step.gemeente.as_ref(), step.bylaws);
            }
            let late = day_number(step.on) > deadline.due;
            deadline.state = if late {
                v1::DeadlineStatus::MetLate
            } else {
                v1::DeadlineStatus::Met
            } as i32;
            deadline.met_on = day_number(step.on);
            deadline.suspended_since = 0;
        }
    }
}

/// The case ended (refused, withdrawn, stopped, closed): its duties lapse.
pub(crate) fn lapse(household: &mut StoredHousehold, step: &Step<'_>) {
    let event = step.event();
    for deadline in household
        .deadlines
        .iter_mut()
        .filter(|deadline| deadline.open_in(event.pillar, step.case_id) && !deadline.blocking)
    {
        deadline.state = v1::DeadlineStatus::Lapsed as i32;
        deadline.met_on = day_number(step.on);
        deadline.suspended_since = 0;
    }
}

/// Lapses the open deadline `code` of the step's case (a duty the law drops).
pub(crate) fn lapse_rule(household: &mut StoredHousehold, step: &Step<'_>, code: RuleCode) {
    let event = step.event();
    for deadline in household
        .deadlines
        .iter_mut()
        .filter(|deadline| deadline.open_in(event.pillar, step.case_id) && deadline.rule == code)
    {
        deadline.state = v1::DeadlineStatus::Lapsed as i32;
        deadline.met_on = day_number(step.on);
    }
}

/// Starts the step's deadlines. A code the catalogue does not know, or a due date that cannot
/// be counted, starts nothing.
pub(crate) fn start(household: &mut StoredHousehold, step: &Step<'_>) {
    for (code, from) in &step.starts {
        let rule = code.rule();
        let Some(due) = due_date(
            rule,
            *from,
            step.gemeente.as_ref(),
            step.bylaws,
            deadline::Added::default(),
        ) else {
            continue;
        };
        household.deadlines.push(StoredDeadline {
            rule: rule.code.as_str().to_owned(),
            pillar: step.event().pillar,
            case_id: step.case_id.to_owned(),
            start: day_number(*from),
            due: day_number(due),
            state: v1::DeadlineStatus::Open as i32,
            started_position: step.received.position,
            blocking: rule.blocking,
            ..StoredDeadline::default()
        });
    }
}

/// Forgets the deadlines `code` of the step's case: the event that started them was
/// withdrawn (a stop message taken back is no stop message).
pub(crate) fn forget(household: &mut StoredHousehold, step: &Step<'_>, code: RuleCode) {
    let pillar = step.event().pillar;
    household.deadlines.retain(|deadline| {
        !(deadline.rule == code && deadline.pillar == pillar && deadline.case_id == step.case_id)
    });
}

/// Records a deadline that is opened and closed by the same event (a stop message is itself
/// what IJW-STOP waits for): met when the event came on time, met late otherwise. It came
/// when the hub received it: the date a sender puts on its message (its Dagtekening) is its
/// own to fill in, and would let a late message call itself on time.
pub(crate) fn met_at_once(
    household: &mut StoredHousehold,
    step: &Step<'_>,
    code: RuleCode,
    from: NaiveDate,
) {
    let rule = code.rule();
    let Some(due) = due_date(
        rule,
        from,
        step.gemeente.as_ref(),
        step.bylaws,
        deadline::Added::default(),
    ) else {
        return;
    };
    let came = rondom_domain::calendar::local_date(step.received.envelope.time);
    let state = if came <= due {
        v1::DeadlineStatus::Met
    } else {
        v1::DeadlineStatus::MetLate
    };
    household.deadlines.push(StoredDeadline {
        rule: rule.code.as_str().to_owned(),
        pillar: step.event().pillar,
        case_id: step.case_id.to_owned(),
        start: day_number(from),
        due: day_number(due),
        state: state as i32,
        met_on: day_number(came),
        started_position: step.received.position,
        ..StoredDeadline::default()
    });
}

/// Ends a suspension on `on` (Awb 4:15: suspended from the day after the request until, not
/// including, the day the term runs again), moves the due date, and returns the days added.
pub(crate) fn resume(
    deadline: &mut StoredDeadline,
    on: NaiveDate,
    gemeente: Option<&GemeenteCode>,
    bylaws: &BylawTerms,
) -> i32 {
    let days = (day_number(on) - deadline.suspended_since - 1).max(0);
    // Saturating: a forged or ancient suspension must not overflow the count.
    deadline.suspended_days = deadline
        .suspended_days
        .saturating_add(u32::try_from(days).unwrap_or(u32::MAX));
    deadline.suspended_since = 0;
    recompute_due(deadline, gemeente, bylaws);
    days
}

/// Suspends the term from the day after `on` up to and including `until`, when the
/// applicant's time to complete the application runs out and the term runs again by itself
/// (Awb 4:15 lid 1 onder a). The days are counted now; returns them.
pub(crate) fn suspend_until(
    deadline: &mut StoredDeadline,
    on: NaiveDate,
    until: NaiveDate,
    gemeente: Option<&GemeenteCode>,
    bylaws: &BylawTerms,
) -> i32 {
    let days = (day_number(until) - day_number(on)).max(0);
    deadline.suspended_days = deadline
        .suspended_days
        .saturating_add(u32::try_from(days).unwrap_or(u32::MAX));
    deadline.suspension_from = day_number(on);
    deadline.suspension_until = day_number(until);
    recompute_due(deadline, gemeente, bylaws);
    days
}

/// Ends a suspension that would have ended by itself earlier, on `on` (the application was
/// completed): the days it will no longer run are taken off again. Returns the days it ran.
pub(crate) fn resume_early(
    deadline: &mut StoredDeadline,
    on: NaiveDate,
    gemeente: Option<&GemeenteCode>,
    bylaws: &BylawTerms,
) -> i32 {
    let (from, until) = (deadline.suspension_from, deadline.suspension_until);
    let ran = (day_number(on) - from - 1).clamp(0, until - from);
    let unused = u32::try_from(until - from - ran).unwrap_or(0);
    deadline.suspended_days = deadline.suspended_days.saturating_sub(unused);
    deadline.suspension_from = 0;
    deadline.suspension_until = 0;
    recompute_due(deadline, gemeente, bylaws);
    ran
}

/// Sets the due date from the start, the term in force and the days suspended.
fn recompute_due(
    deadline: &mut StoredDeadline,
    gemeente: Option<&GemeenteCode>,
    bylaws: &BylawTerms,
) {
    if let Some(rule) = deadline::rule(&deadline.rule)
        && let Some(due) = due_date(
            rule,
            date_of(deadline.start),
            gemeente,
            bylaws,
            deadline::Added {
                suspended_days: deadline.suspended_days,
                extended_days: deadline.extended_days,
            },
        )
    {
        deadline.due = day_number(due).max(deadline.postponed_to);
    }
}

/// Makes the decision due no earlier than `day` (a notice under Awb 4:14).
pub(crate) fn postpone(
    deadline: &mut StoredDeadline,
    day: NaiveDate,
    gemeente: Option<&GemeenteCode>,
    bylaws: &BylawTerms,
) {
    deadline.postponed_to = deadline.postponed_to.max(day_number(day));
    recompute_due(deadline, gemeente, bylaws);
}

/// Puts the decision on an objection off by `weeks` (Awb 7:10 lid 3 and 4) and moves its
/// due date.
pub(crate) fn adjourn(
    deadline: &mut StoredDeadline,
    weeks: u32,
    gemeente: Option<&GemeenteCode>,
    bylaws: &BylawTerms,
) {
    deadline.extended_days = deadline
        .extended_days
        .saturating_add(weeks.saturating_mul(7));
    recompute_due(deadline, gemeente, bylaws);
}

/// Computes a due date with the gemeente's own term where it set one.
pub(crate) fn due_date(
    rule: &DeadlineRule,
    start: NaiveDate,
    gemeente: Option<&GemeenteCode>,
    bylaws: &BylawTerms,
    added: deadline::Added,
) -> Option<NaiveDate> {
    let configured = gemeente.and_then(|gemeente| bylaws.term(gemeente, rule.code));
    deadline::compute(rule, start, configured, added, bylaws.calendar())
        .map(|computation| computation.due)
        .ok()
}
