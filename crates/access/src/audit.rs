//! Recording access attempts (who called what, for which household and purpose, what went
//! out or why not) and `AuditService`, through which operators read the log back. What a
//! read states is checked in [`crate::read_request`].
//!
//! A read is answered only after its record is stored: when the audit log cannot be written
//! the caller gets `UNAVAILABLE` and no data (fail closed).

use std::net::SocketAddr;

use rondom_bus::AuditLog;
use rondom_proto::status;
use rondom_proto::v1;
use rondom_proto::v1::audit_service_server::AuditService;
use tonic::codegen::http::HeaderMap;
use tonic::{Code, Request, Response, Status};

use crate::clients::Client;
use crate::read_request::{self, check_read, staff_id};
use rondom_runtime::metrics::code_name;

/// Who is calling, from where, and which method: put in each request's extensions by the
/// auth layer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Caller {
    pub client: Client,
    /// `/package.Service/Method`.
    pub method: String,
    /// The peer address (NEN 7513's access point), when known.
    pub peer: Option<SocketAddr>,
    /// The W3C trace id from `traceparent`, when the caller sent one.
    pub trace_id: String,
    /// Tells a long call when the caller's token stops being valid.
    pub credentials: crate::live_clients::Credentials,
}

impl Caller {
    /// Returns the caller of an authenticated request.
    ///
    /// # Errors
    /// `UNAUTHENTICATED` when no auth layer put a caller in: a wiring mistake, so no data.
    pub fn of<T>(request: &Request<T>) -> Result<Caller, Status> {
        request
            .extensions()
            .get::<Caller>()
            .cloned()
            .ok_or_else(|| Status::unauthenticated("no credentials were checked for this call"))
    }

    /// Returns a record of this caller's attempt, without household, outcome or disclosure.
    pub fn record(&self, purpose: i32, on_behalf_of: &str) -> v1::AuditRecord {
        v1::AuditRecord {
            client_id: self.client.id.clone(),
            role: self.client.role.to_string(),
            organisatie: self.client.organisatie.clone().unwrap_or_default(),
            // Only an id goes on record; anything else could be a name.
            on_behalf_of: if staff_id(on_behalf_of).is_ok() {
                on_behalf_of.to_owned()
            } else {
                "(invalid)".to_owned()
            },
            purpose,
            ..anonymous(&self.method, self.peer, &self.trace_id)
        }
    }
}

/// Returns a record of an attempt by a caller not (yet) known.
pub fn anonymous(method: &str, peer: Option<SocketAddr>, trace_id: &str) -> v1::AuditRecord {
    let id = uuid::Uuid::now_v7().to_string();
    v1::AuditRecord {
        call_id: id.clone(),
        id,
        at: Some(rondom_proto::convert::timestamp(chrono::Utc::now())),
        method: method.to_owned(),
        peer: peer.map(|peer| peer.to_string()).unwrap_or_default(),
        trace_id: trace_id.to_owned(),
        outcome: code_name(Code::Ok).to_owned(),
        ..Default::default()
    }
}

/// Returns the trace id of a `traceparent` header (`00-<trace id>-<span id>-<flags>`).
pub fn trace_id(headers: &HeaderMap) -> String {
    headers
        .get("traceparent")
        .and_then(|value| value.to_str().ok())
        .and_then(|value| value.split('-').nth(1))
        .filter(|id| id.len() == 32 && id.bytes().all(|byte| byte.is_ascii_hexdigit()))
        .unwrap_or_default()
        .to_owned()
}

/// Writes the records of one read: the refusal, or what went out per household.
#[derive(Debug, Clone)]
pub struct ReadAudit {
    log: AuditLog,
    template: v1::AuditRecord,
}

impl ReadAudit {
    /// Starts the audit of a read by `caller`.
    pub fn new(log: AuditLog, caller: &Caller, purpose: i32, on_behalf_of: &str) -> Self {
        Self {
            log,
            template: caller.record(purpose, on_behalf_of),
        }
    }

    /// Returns this audit with `reason` on every record: why an operator did what it did.
    #[must_use]
    pub fn with_reason(mut self, reason: String) -> Self {
        self.template.reason = reason;
        self
    }

    /// Returns a record of this read with its own id and the time now (records of one call
    /// share its `call_id`).
    fn record(&self) -> v1::AuditRecord {
        v1::AuditRecord {
            id: uuid::Uuid::now_v7().to_string(),
            at: Some(rondom_proto::convert::timestamp(chrono::Utc::now())),
            ..self.template.clone()
        }
    }

    /// Records a refusal and returns the status to answer with (`UNAVAILABLE` when even the
    /// refusal cannot be recorded).
    pub async fn refused(&self, household_id: Option<&str>, refusal: Status) -> Status {
        let record = v1::AuditRecord {
            household_id: household_id.unwrap_or_default().to_owned(),
            outcome: code_name(refusal.code()).to_owned(),
            // Why it was asked for (an export's reason and reference) stays beside why not.
            reason: if self.template.reason.is_empty() {
                reason_of(&refusal)
            } else {
                format!("{}; refused: {}", self.template.reason, reason_of(&refusal))
            },
            ..self.record()
        };
        match self.log.record(&[record]).await {
            Ok(()) => refusal,
            Err(err) => unrecorded(&err),
        }
    }

    /// Records what went out: one record per household, with the classes disclosed.
    ///
    /// # Errors
    /// `UNAVAILABLE` when the records cannot be stored; then nothing may go out.
    pub async fn answered(
        &self,
        disclosed: impl IntoIterator<Item = (String, Vec<v1::Disclosure>)>,
    ) -> Result<(), Status> {
        let mut records: Vec<v1::AuditRecord> = disclosed
            .into_iter()
            .map(|(household_id, disclosed)| v1::AuditRecord {
                household_id,
                disclosed,
                ..self.record()
            })
            .collect();
        if records.is_empty() {
            // A read that returned nothing is still a read.
            records.push(self.record());
        }
        self.log
            .record(&records)
            .await
            .map_err(|err| unrecorded(&err))
    }
}

fn unrecorded(err: &rondom_bus::Error) -> Status {
    tracing::error!(
        error = err as &dyn std::error::Error,
        "cannot write the audit log"
    );
    status::unavailable("the audit log cannot be written; nothing is read without a record")
}

/// Implements `rondom.v1.AuditService` for operators.
#[derive(Debug, Clone)]
pub struct AuditHandler {
    log: AuditLog,
}

impl AuditHandler {
    /// Returns the handler over `log`.
    pub fn new(log: AuditLog) -> Self {
        Self { log }
    }
}

#[tonic::async_trait]
impl AuditService for AuditHandler {
    #[tracing::instrument(skip_all)]
    async fn list_own_records(
        &self,
        request: Request<v1::ListOwnRecordsRequest>,
    ) -> Result<Response<v1::ListAuditRecordsResponse>, Status> {
        let caller = Caller::of(&request)?;
        let request = request.into_inner();
        // The caller's own id, never one the request names.
        let own = v1::ListAuditRecordsRequest {
            purpose: v1::Purpose::Beheer as i32,
            client_id: caller.client.id.clone(),
            page_size: request.page_size,
            page_token: request.page_token,
            ..Default::default()
        };
        let since = request
            .since
            .as_ref()
            .and_then(rondom_proto::convert::datetime);
        self.page(&caller, own, since).await
    }

    #[tracing::instrument(skip_all)]
    async fn list_audit_records(
        &self,
        request: Request<v1::ListAuditRecordsRequest>,
    ) -> Result<Response<v1::ListAuditRecordsResponse>, Status> {
        let caller = Caller::of(&request)?;
        let request = request.into_inner();
        let audit = ReadAudit::new(self.log.clone(), &caller, request.purpose, "");
        if let Err(refusal) = check_read(caller.client.role, request.purpose, "") {
            return Err(audit.refused(None, refusal).await);
        }
        self.page(&caller, request, None).await
    }
}

impl AuditHandler {
    /// One page of the records `request` asks for (from `since`, when given), its own read
    /// on record.
    async fn page(
        &self,
        caller: &Caller,
        request: v1::ListAuditRecordsRequest,
        since: Option<chrono::DateTime<chrono::Utc>>,
    ) -> Result<Response<v1::ListAuditRecordsResponse>, Status> {
        let audit = ReadAudit::new(self.log.clone(), caller, request.purpose, "");
        // Only a household id goes on record: a BSN or a name typed in its place must not.
        let household_id = request
            .household_id
            .parse::<rondom_domain::HouseholdId>()
            .ok()
            .map(|id| id.to_string());
        let query = match read_request::audit_query(&request) {
            Ok(query) => rondom_bus::audit::AuditQuery { since, ..query },
            Err(input) => {
                return Err(audit
                    .refused(household_id.as_deref(), status::invalid_argument(&input))
                    .await);
            }
        };
        let page = match self.log.records(&query).await {
            Ok(page) => page,
            Err(err) => {
                tracing::warn!(error = &err as &dyn std::error::Error, "audit read failed");
                return Err(status::unavailable("the audit log cannot be read now"));
            }
        };
        // Reading the log is itself on record.
        audit
            .answered([(household_id.unwrap_or_default(), Vec::new())])
            .await?;
        Ok(Response::new(v1::ListAuditRecordsResponse {
            records: page.records,
            next_page_token: page
                .next
                .map(|after| {
                    format!(
                        "{}{after}.{}",
                        read_request::AUDIT_PAGE_TOKEN_PREFIX,
                        page.until
                    )
                })
                .unwrap_or_default(),
        }))
    }
}

/// Why a call was refused, as the audit log keeps it: for bad input the fields it broke, not
/// what the caller put in them (a birth date out of range is a birth date), else the answer's
/// message, which names no value.
pub fn reason_of(refusal: &Status) -> String {
    use tonic_types::StatusExt as _;
    match refusal.get_details_bad_request() {
        Some(bad) if !bad.field_violations.is_empty() => {
            let fields: Vec<&str> = bad
                .field_violations
                .iter()
                .map(|violation| violation.field.as_str())
                .collect();
            format!("invalid input: {}", fields.join(", "))
        }
        _ => refusal.message().to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn trace_ids_come_from_traceparent_only_when_well_formed() {
        let mut headers = HeaderMap::new();
        headers.insert(
            "traceparent",
            "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"
                .parse()
                .expect("header"),
        );
        assert_eq!(trace_id(&headers), "4bf92f3577b34da6a3ce929d0e0e4736");
        headers.insert("traceparent", "garbage".parse().expect("header"));
        assert_eq!(trace_id(&headers), "");
    }
}
