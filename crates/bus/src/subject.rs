//! Event subjects: `rondom.evt.<household>.<pillar>.<kind>`. They carry a household id (a
//! random UUID) and the kind of event, never a BSN or a name.

use rondom_domain::{HouseholdId, Pillar};

/// Prefix of every event subject; the stream takes `rondom.evt.>`.
pub const EVENT_PREFIX: &str = "rondom.evt";

/// Returns the subject of an event.
pub fn event_subject(household: &HouseholdId, pillar: Pillar, kind: &str) -> String {
    format!("{EVENT_PREFIX}.{household}.{pillar}.{kind}")
}

/// Returns the filter of every event of a household: `rondom.evt.<household>.>`.
pub fn household_filter(household: &HouseholdId) -> String {
    format!("{EVENT_PREFIX}.{household}.>")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn subject_has_household_pillar_and_kind() {
        let household: HouseholdId = "0192f0c1-7c4e-7d2a-9b1e-3f5a6c7d8e9f"
            .parse()
            .expect("uuid");
        assert_eq!(
            event_subject(&household, Pillar::Jeugd, "zorgen_opvoeding"),
            "rondom.evt.0192f0c1-7c4e-7d2a-9b1e-3f5a6c7d8e9f.jeugd.zorgen_opvoeding"
        );
    }
}
