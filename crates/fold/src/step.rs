//! One case event under way through the fold: what its catalogue row says, as each law's
//! payload rules adjust it, and what those rules share.

use chrono::NaiveDate;
use rondom_bus::ReceivedEvent;
use rondom_domain::bylaw::BylawTerms;
use rondom_domain::catalogue::Stage;
use rondom_domain::deadline::RuleCode;
use rondom_domain::{GemeenteCode, Pillar};
use rondom_proto::v1;

/// What one event did to the pillar story, for its timeline entry.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct Effect {
    /// Details of the payload worth a line, e.g. "toegekend" or "spoed".
    pub(crate) detail: Vec<String>,
}

/// One case event under way: what its catalogue row says, as the law's payload rules adjust
/// it, and the facts those rules need.
#[derive(Debug)]
pub(crate) struct Step<'a> {
    pub(crate) received: &'a ReceivedEvent,
    pub(crate) pillar: Pillar,
    pub(crate) case_id: &'a str,
    /// The local day the event happened.
    pub(crate) on: NaiveDate,
    pub(crate) gemeente: Option<GemeenteCode>,
    pub(crate) bylaws: &'a BylawTerms,
    /// Where the case goes; `None` leaves it where it is.
    pub(crate) stage: Option<Stage>,
    /// Deadline rules to start, by code, and the day each counts from.
    pub(crate) starts: Vec<(RuleCode, NaiveDate)>,
    pub(crate) effect: Effect,
}

impl Step<'_> {
    pub(crate) fn event(&self) -> &v1::Event {
        &self.received.event
    }

    /// Adds a line to the timeline entry.
    pub(crate) fn detail(&mut self, line: impl Into<String>) {
        self.effect.detail.push(line.into());
    }
}

/// A refused decision ends the case.
pub(crate) fn refused(besluit: i32, step: &mut Step<'_>) {
    let besluit = v1::Besluit::try_from(besluit).unwrap_or(v1::Besluit::Unspecified);
    if besluit == v1::Besluit::Afgewezen {
        step.stage = Some(Stage::Beeindigd);
    }
    step.detail(enum_words(besluit.as_str_name(), "BESLUIT_"));
}

/// Returns `BESLUIT_GEDEELTELIJK_TOEGEKEND` as "gedeeltelijk toegekend".
pub(crate) fn enum_words(name: &str, prefix: &str) -> String {
    name.strip_prefix(prefix)
        .unwrap_or(name)
        .to_lowercase()
        .replace('_', " ")
}
