//! The gemeente of each household, as its first event names it, and whether a provider wrote
//! that event (a request about a client the hub did not know yet). Neither ever changes, so a
//! writer keeps what it looked up: a write about persons checks the gemeente of the household
//! they have (a JetStream read each time otherwise), as regie writes and answers do.

use std::collections::HashMap;
use std::sync::{Mutex, PoisonError};

use rondom_domain::HouseholdId;

/// At most this many households are remembered (about 5 MB); past it the writer starts
/// afresh, reading each again once.
const REMEMBERED: usize = 100_000;

/// Whose household it is, by its first event.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct Origin {
    pub(super) gemeente: String,
    /// A provider's request started it: the gemeente is the one the provider addressed,
    /// not one that took the client on.
    pub(super) by_provider: bool,
}

impl Origin {
    pub(super) fn of(first: &rondom_proto::v1::Event) -> Self {
        Self {
            gemeente: first.gemeente_code.clone(),
            by_provider: first
                .writer
                .as_ref()
                .is_some_and(rondom_proto::v1::Writer::is_provider),
        }
    }
}

#[derive(Debug, Default)]
pub(super) struct HouseholdGemeenten {
    known: Mutex<HashMap<HouseholdId, Origin>>,
}

impl HouseholdGemeenten {
    pub(super) fn get(&self, household: &HouseholdId) -> Option<Origin> {
        self.lock().get(household).cloned()
    }

    pub(super) fn remember(&self, household: HouseholdId, origin: Origin) {
        let mut known = self.lock();
        if known.len() >= REMEMBERED {
            known.clear();
        }
        known.insert(household, origin);
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<HouseholdId, Origin>> {
        self.known.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn origin(gemeente: &str) -> Origin {
        Origin {
            gemeente: gemeente.into(),
            by_provider: false,
        }
    }

    #[test]
    fn a_writer_remembers_a_bounded_number_of_households() {
        let gemeenten = HouseholdGemeenten::default();
        let first = HouseholdId::generate();
        gemeenten.remember(first, origin("0363"));
        assert_eq!(gemeenten.get(&first), Some(origin("0363")));
        for _ in 1..REMEMBERED {
            gemeenten.remember(HouseholdId::generate(), origin("0363"));
        }
        assert_eq!(gemeenten.lock().len(), REMEMBERED);
        gemeenten.remember(HouseholdId::generate(), origin("0080"));
        assert_eq!(gemeenten.lock().len(), 1, "started afresh");
        assert_eq!(gemeenten.get(&first), None, "read again when asked");
    }
}
