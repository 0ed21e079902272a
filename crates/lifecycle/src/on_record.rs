//! The lifecycle's own acts on the audit log: what touches everyone's data, or erases a
//! household's, outside any client's call (a backup, a restore, the retention task, a master
//! key rotation, a pseudonym renewal), recorded
//! as OperatorService's calls are: who (the command or task by name: it runs with the
//! operator's NATS user, not as a client), what, and nothing personal.

use rondom_bus::AuditLog;
use rondom_proto::v1;

/// One act of `who` (e.g. `rondom-restore`), `what` it did, on `household` if it names one,
/// with its `outcome` (a gRPC status code name: OK when it was done).
#[derive(Debug, Clone)]
pub struct Act<'a> {
    pub who: &'a str,
    pub what: String,
    pub household: Option<String>,
    pub outcome: &'a str,
}

/// Stores `act` on the audit log.
///
/// # Errors
/// [`rondom_bus::Error`] when the log does not take it.
pub async fn record(audit: &AuditLog, act: Act<'_>) -> rondom_bus::Result<()> {
    let record = v1::AuditRecord {
        id: uuid::Uuid::now_v7().to_string(),
        at: Some(rondom_proto::convert::timestamp(chrono::Utc::now())),
        client_id: act.who.to_owned(),
        role: "operator".to_owned(),
        method: act.who.to_owned(),
        purpose: v1::Purpose::Beheer as i32,
        household_id: act.household.unwrap_or_default(),
        outcome: act.outcome.to_owned(),
        reason: act.what,
        ..v1::AuditRecord::default()
    };
    audit.record(&[record]).await
}
