//! How a household stands on a given day: the state of each deadline (on time, at risk,
//! overdue, met), days left, and the risk flags a coordinator acts on. Judged when read, not
//! when folded, because time passes without events.

use chrono::NaiveDate;
use rondom_domain::catalogue::LAW_PILLARS;
use rondom_domain::deadline::{self, RuleCode};
use rondom_proto::convert::proto_date;
use rondom_proto::v1;

use crate::fold::active_pillars;
use crate::model::{StoredDeadline, StoredHousehold, date_of, day_number};

/// An open deadline due within this many days is at risk.
pub const AT_RISK_DAYS: i32 = 3;

/// Returns the deadline as a reader sees it on `as_of`.
pub fn deadline(stored: &StoredDeadline, as_of: NaiveDate) -> v1::Deadline {
    let today = day_number(as_of);
    let rule = deadline::rule(&stored.rule);
    let status = if !stored.is_open() {
        v1::DeadlineStatus::try_from(stored.state).unwrap_or(v1::DeadlineStatus::Unspecified)
    } else if stored.blocking {
        if today > stored.due {
            v1::DeadlineStatus::WindowClosed
        } else {
            v1::DeadlineStatus::WindowOpen
        }
    } else if stored.suspended_on(today) {
        v1::DeadlineStatus::Suspended
    } else if today > stored.due {
        v1::DeadlineStatus::Overdue
    } else if stored.due - today <= AT_RISK_DAYS {
        v1::DeadlineStatus::AtRisk
    } else {
        v1::DeadlineStatus::Open
    };
    v1::Deadline {
        rule: stored.rule.clone(),
        title: rule.map(|rule| rule.title.to_owned()).unwrap_or_default(),
        article: rule.map(|rule| rule.article.to_owned()).unwrap_or_default(),
        pillar: stored.pillar,
        case_id: stored.case_id.clone(),
        start: Some(proto_date(date_of(stored.start))),
        due: Some(proto_date(date_of(stored.due))),
        status: status as i32,
        days_left: if stored.is_open() {
            stored.due - today
        } else {
            0
        },
        met_by: rule.map(|rule| rule.met_by.to_owned()).unwrap_or_default(),
        met_on: (stored.met_on != 0).then(|| proto_date(date_of(stored.met_on))),
        suspended_days: stored.suspended_days,
        started_position: stored.started_position,
        dwangsom_cent: dwangsom(stored, today),
    }
}

/// Returns the dwangsom forfeited on an AWB-DWANGSOM by `today`, or by the decision that met
/// it: it runs from its due day (two weeks after the notice of default) until the decision
/// (Awb 4:17).
fn dwangsom(stored: &StoredDeadline, today: i32) -> i64 {
    if stored.rule != RuleCode::AwbDwangsom.as_str() {
        return 0;
    }
    let until = if stored.is_open() {
        today
    } else {
        stored.met_on
    };
    u32::try_from(until - stored.due)
        .map(deadline::dwangsom_cent)
        .unwrap_or(0)
}

/// Returns the household's deadlines: open ones most urgent first, then closed ones, the
/// latest closed first.
pub fn deadlines(household: &StoredHousehold, as_of: NaiveDate) -> Vec<v1::Deadline> {
    let mut open: Vec<&StoredDeadline> =
        household.deadlines.iter().filter(|d| d.is_open()).collect();
    open.sort_by_key(|d| {
        (
            d.blocking,
            d.suspended_since != 0,
            d.due,
            d.started_position,
        )
    });
    let mut closed: Vec<&StoredDeadline> = household
        .deadlines
        .iter()
        .filter(|d| !d.is_open())
        .collect();
    closed.sort_by_key(|d| std::cmp::Reverse((d.met_on, d.started_position)));
    open.into_iter()
        .chain(closed)
        .map(|stored| deadline(stored, as_of))
        .collect()
}

/// Returns the open duty due first (of `pillar`, when given), as seen on `as_of`.
pub fn most_urgent(
    household: &StoredHousehold,
    as_of: NaiveDate,
    pillar: Option<i32>,
) -> Option<v1::Deadline> {
    household
        .deadlines
        .iter()
        .filter(|d| d.is_actionable() && pillar.is_none_or(|pillar| d.pillar == pillar))
        .min_by_key(|d| (d.due, d.started_position))
        .map(|stored| deadline(stored, as_of))
}

/// Returns how many of the four law pillars are active.
pub fn law_pillars_active(household: &StoredHousehold) -> usize {
    active_pillars(household)
        .into_iter()
        .filter(|pillar| {
            LAW_PILLARS
                .iter()
                .any(|law| v1::Pillar::from(*law) as i32 == *pillar)
        })
        .count()
}

fn case_active(household: &StoredHousehold, pillar: v1::Pillar) -> bool {
    household.trajectories.iter().any(|trajectory| {
        trajectory.pillar == pillar as i32
            && trajectory.stage != v1::TrajectoryState::Beeindigd as i32
    })
}

/// Returns the risk flags of the household on `as_of`.
pub fn risk_flags(household: &StoredHousehold, as_of: NaiveDate) -> Vec<v1::RiskFlag> {
    let today = day_number(as_of);
    let overdue = |d: &&StoredDeadline| d.is_actionable() && today > d.due;
    let law_active = law_pillars_active(household);
    let mut flags = Vec::new();
    if law_active >= 3 {
        flags.push(v1::RiskFlag::DrieOfMeerPijlers);
    }
    if case_active(household, v1::Pillar::Jeugd) && case_active(household, v1::Pillar::Schuldhulp) {
        flags.push(v1::RiskFlag::JeugdhulpEnSchulden);
    }
    if law_active >= 2 && household.regisseur.is_none() {
        flags.push(v1::RiskFlag::GeenRegisseur);
    }
    if household
        .deadlines
        .iter()
        .filter(overdue)
        .any(|d| d.rule != "SHV-AANBOD")
    {
        flags.push(v1::RiskFlag::TermijnOverschreden);
    }
    flags
}

#[cfg(test)]
mod tests {
    use super::*;

    fn day(text: &str) -> NaiveDate {
        text.parse().expect("date")
    }

    fn open(rule: &str, due: &str) -> StoredDeadline {
        StoredDeadline {
            rule: rule.into(),
            due: day_number(day(due)),
            start: day_number(day(due)) - 14,
            state: v1::DeadlineStatus::Open as i32,
            ..StoredDeadline::default()
        }
    }

    #[test]
    fn an_open_deadline_is_on_time_then_at_risk_then_overdue() {
        let stored = open("WMO-BESCHIKKING", "2026-03-16");
        let on = |date| deadline(&stored, day(date));
        assert_eq!(on("2026-03-01").status, v1::DeadlineStatus::Open as i32);
        assert_eq!(on("2026-03-13").status, v1::DeadlineStatus::AtRisk as i32);
        // The last day itself is still in time.
        assert_eq!(on("2026-03-16").status, v1::DeadlineStatus::AtRisk as i32);
        assert_eq!(on("2026-03-16").days_left, 0);
        assert_eq!(on("2026-03-17").status, v1::DeadlineStatus::Overdue as i32);
        assert_eq!(on("2026-03-17").days_left, -1);
    }

    #[test]
    fn windows_and_suspensions_are_never_overdue() {
        let mut window = open("WMO-PLAN", "2026-03-16");
        window.blocking = true;
        assert_eq!(
            deadline(&window, day("2026-03-20")).status,
            v1::DeadlineStatus::WindowClosed as i32
        );
        let mut suspended = open("PW-BESLUIT", "2026-03-16");
        suspended.suspended_since = day_number(day("2026-03-01"));
        assert_eq!(
            deadline(&suspended, day("2026-04-20")).status,
            v1::DeadlineStatus::Suspended as i32
        );
        let household = StoredHousehold {
            deadlines: vec![window, suspended],
            ..StoredHousehold::default()
        };
        assert!(risk_flags(&household, day("2026-05-01")).is_empty());
        assert_eq!(most_urgent(&household, day("2026-05-01"), None), None);
    }
}
