//! The quarantine: events the fold could not apply, set aside with the reason so the read
//! model goes on. Each one marks its household incomplete (`StoredHousehold::quarantined`);
//! an operator lists them (`rondom projector quarantine`) and, after an upgrade that fixes
//! the cause, retries them (`ReadModel::retry_quarantined`) or rebuilds. Kept and retried by
//! the store; this module holds what is set aside and why.

use std::any::Any;

/// An event set aside (sled tree `quarantine`, keyed by position). Nothing personal: ids,
/// the event type and the reason, which names the failing rule, never a value.
#[derive(Clone, PartialEq, prost::Message)]
pub struct QuarantinedEvent {
    #[prost(uint64, tag = "1")]
    pub position: u64,
    #[prost(string, tag = "2")]
    pub household_id: String,
    #[prost(string, tag = "3")]
    pub event_id: String,
    #[prost(string, tag = "4")]
    pub event_type: String,
    #[prost(string, tag = "5")]
    pub reason: String,
}

/// Returns the message of a caught panic.
pub fn panic_reason(panic: &(dyn Any + Send)) -> String {
    panic
        .downcast_ref::<&str>()
        .map(|text| (*text).to_owned())
        .or_else(|| panic.downcast_ref::<String>().cloned())
        .unwrap_or_else(|| "the fold panicked".to_owned())
}

/// What a retry did.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Retried {
    /// Applied now, and out of the quarantine.
    pub applied: Vec<u64>,
    /// Still not applicable: (position, reason).
    pub still: Vec<(u64, String)>,
}
