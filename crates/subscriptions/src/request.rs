//! Checking what a partner asks for when it opens a subscription: where to start, the durable
//! name, the filters. Every problem is reported at once as a field violation.

use rondom_bus::subject::EVENT_PREFIX;
use rondom_domain::InvalidInput;
use rondom_domain::catalogue;
use rondom_domain::violation::Violations;
use rondom_proto::convert::{datetime, pillar_from_proto};
use rondom_proto::v1;
use rondom_proto::v1::open_subscription::Start;

/// The most pillars and kinds one subscription may filter on.
const MAX_PILLARS: usize = rondom_domain::Pillar::ALL.len();
const MAX_KINDS: usize = 32;

/// Where a new subscription starts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum From {
    /// After this stream position (0: the beginning).
    After(u64),
    /// At or after this time (Unix nanoseconds).
    Time(chrono::DateTime<chrono::Utc>),
    /// Only what arrives from now on.
    Live,
}

/// A checked subscription request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Plan {
    pub from: From,
    pub durable: Option<String>,
    /// JetStream subject filters: `rondom.evt.*.<pillar>.<kind>`, with `*`/`>` where open.
    pub subjects: Vec<String>,
}

/// Checks an open request.
///
/// # Errors
/// [`InvalidInput`] with a violation per wrong field.
pub fn plan(open: &v1::OpenSubscription) -> Result<Plan, InvalidInput> {
    let mut violations = Violations::default();
    let from = match &open.start {
        None => From::After(0),
        Some(Start::AfterPosition(position)) => From::After(*position),
        // JetStream counts time in nanoseconds: a time it cannot hold (after 2262) must not
        // become "from the beginning".
        Some(Start::FromTime(time)) => datetime(time)
            .filter(|time| time.timestamp_nanos_opt().is_some())
            .map_or_else(
                || {
                    violations.push("from_time", "not a valid timestamp (1678 to 2261)");
                    From::After(0)
                },
                From::Time,
            ),
        Some(Start::LiveOnly(true)) => From::Live,
        Some(Start::LiveOnly(false)) => From::After(0),
    };
    let durable = (!open.durable_name.is_empty()).then(|| open.durable_name.clone());
    if let Some(name) = &durable
        && !rondom_bus::audit::is_subject_token(name)
    {
        violations.push("durable_name", "1-64 of a-z, 0-9, '-' and '_'");
    }
    let mut pillars = Vec::new();
    if open.pillars.len() > MAX_PILLARS {
        violations.push("pillars", format!("at most {MAX_PILLARS}"));
    }
    for (index, value) in open.pillars.iter().enumerate() {
        match pillar_from_proto(*value) {
            Some(pillar) => pillars.push(pillar),
            None => violations.push(format!("pillars[{index}]"), "unknown pillar"),
        }
    }
    if open.kinds.len() > MAX_KINDS {
        violations.push("kinds", format!("at most {MAX_KINDS}"));
    }
    for (index, kind) in open.kinds.iter().enumerate() {
        let known = catalogue::KINDS.iter().any(|row| {
            row.name == kind
                && (pillars.is_empty() || row.pillar.is_none_or(|pillar| pillars.contains(&pillar)))
        });
        if !known {
            violations.push(
                format!("kinds[{index}]"),
                "not a kind of the catalogue (of the pillars asked for)",
            );
        }
    }
    violations.finish(|| {
        let pillar_tokens: Vec<&str> = if pillars.is_empty() {
            vec!["*"]
        } else {
            pillars.iter().map(|pillar| pillar.as_str()).collect()
        };
        let kind_tokens: Vec<&str> = if open.kinds.is_empty() {
            vec![">"]
        } else {
            open.kinds.iter().map(String::as_str).collect()
        };
        let mut subjects: Vec<String> = pillar_tokens
            .iter()
            .flat_map(|pillar| {
                kind_tokens
                    .iter()
                    .map(move |kind| format!("{EVENT_PREFIX}.*.{pillar}.{kind}"))
            })
            .collect();
        subjects.sort();
        subjects.dedup();
        Plan {
            from,
            durable,
            subjects,
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn filters_become_subjects_without_personal_data() {
        let open = v1::OpenSubscription {
            pillars: vec![v1::Pillar::Jeugd as i32],
            kinds: vec!["jeugdhulp_toegewezen".into(), "termijn_opgeschort".into()],
            ..Default::default()
        };
        let plan = plan(&open).expect("valid");
        assert_eq!(
            plan.subjects,
            [
                "rondom.evt.*.jeugd.jeugdhulp_toegewezen",
                "rondom.evt.*.jeugd.termijn_opgeschort"
            ]
        );
        assert_eq!(plan.from, From::After(0));
        let all = super::plan(&v1::OpenSubscription::default()).expect("valid");
        assert_eq!(all.subjects, ["rondom.evt.*.*.>"]);
    }

    #[test]
    fn every_wrong_field_is_named() {
        let open = v1::OpenSubscription {
            durable_name: "Mijn Abonnement".into(),
            pillars: vec![99],
            kinds: vec!["betalingsachterstand.*".into()],
            ..Default::default()
        };
        let err = plan(&open).expect_err("invalid");
        let fields: Vec<&str> = err
            .violations()
            .iter()
            .map(|violation| violation.field.as_str())
            .collect();
        assert_eq!(fields, ["durable_name", "pillars[0]", "kinds[0]"]);
    }

    #[test]
    fn a_start_time_past_what_jetstream_counts_is_refused_not_read_as_the_beginning() {
        let from = |seconds| v1::OpenSubscription {
            start: Some(Start::FromTime(prost_types::Timestamp {
                seconds,
                nanos: 0,
            })),
            ..Default::default()
        };
        // The year 2300.
        let err = plan(&from(10_413_792_000)).expect_err("out of range");
        assert_eq!(err.violations()[0].field, "from_time");
        assert!(matches!(
            plan(&from(1_796_000_000)).expect("2026").from,
            From::Time(_)
        ));
    }
}
