//! The gemeente of each household, as its first event names it. It never changes, so a writer
//! keeps what it looked up: a write about persons checks the gemeente of the household they
//! have (a JetStream read each time otherwise), as regie writes and answers do.

use std::collections::HashMap;
use std::sync::{Mutex, PoisonError};

use rondom_domain::HouseholdId;

/// At most this many households are remembered (about 5 MB); past it the writer starts
/// afresh, reading each again once.
const REMEMBERED: usize = 100_000;

#[derive(Debug, Default)]
pub(super) struct HouseholdGemeenten {
    known: Mutex<HashMap<HouseholdId, String>>,
}

impl HouseholdGemeenten {
    pub(super) fn get(&self, household: &HouseholdId) -> Option<String> {
        self.lock().get(household).cloned()
    }

    pub(super) fn remember(&self, household: HouseholdId, gemeente: &str) {
        let mut known = self.lock();
        if known.len() >= REMEMBERED {
            known.clear();
        }
        known.insert(household, gemeente.to_owned());
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<HouseholdId, String>> {
        self.known.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_writer_remembers_a_bounded_number_of_households() {
        let gemeenten = HouseholdGemeenten::default();
        let first = HouseholdId::generate();
        gemeenten.remember(first, "0363");
        assert_eq!(gemeenten.get(&first).as_deref(), Some("0363"));
        for _ in 1..REMEMBERED {
            gemeenten.remember(HouseholdId::generate(), "0363");
        }
        assert_eq!(gemeenten.lock().len(), REMEMBERED);
        gemeenten.remember(HouseholdId::generate(), "0080");
        assert_eq!(gemeenten.lock().len(), 1, "started afresh");
        assert_eq!(gemeenten.get(&first), None, "read again when asked");
    }
}
