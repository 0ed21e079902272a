//! `SignalHandler`: checks a posted signal and publishes it through the shared writer.

use std::sync::Arc;

use chrono::Utc;
use futures::StreamExt as _;
use rondom_access::audit::Caller;
use rondom_adapter::{Draft, DraftPerson, Error, EventWriter, Target, Written};
use rondom_domain::{Pillar, Signal};
use rondom_proto::v1;
use rondom_proto::v1::signal_service_server::SignalService;
use tonic::{Request, Response, Status};
use tracing::Instrument as _;

/// Implements `rondom.v1.SignalService`.
#[derive(Debug, Clone)]
pub struct SignalHandler {
    writer: Arc<EventWriter>,
}

impl SignalHandler {
    /// Returns a handler publishing through `writer`.
    pub fn new(writer: Arc<EventWriter>) -> Self {
        Self { writer }
    }
}

#[tonic::async_trait]
impl SignalService for SignalHandler {
    #[tracing::instrument(skip_all)]
    async fn post_signal(
        &self,
        request: Request<v1::PostSignalRequest>,
    ) -> Result<Response<v1::PostSignalResponse>, Status> {
        let (caller, request) = rondom_adapter::split(request)?;
        self.post(&caller, request).await.map(Response::new)
    }

    #[tracing::instrument(skip_all)]
    async fn post_signals(
        &self,
        request: Request<v1::PostSignalsRequest>,
    ) -> Result<Response<v1::PostSignalsResponse>, Status> {
        let (caller, request) = rondom_adapter::split(request)?;
        if request.signals.is_empty() || request.signals.len() > MAX_BATCH {
            let input = rondom_domain::InvalidInput::single(
                "signals",
                format!("a batch holds 1 to {MAX_BATCH} signals"),
            );
            return Err(rondom_proto::status::invalid_argument(&input));
        }
        // The batch runs to its end in a task of its own: a caller that goes away half-way (a
        // deadline, a lost connection) leaves no write without its audit record, and its retry
        // finds what was written (each signal's event id is its own).
        let handler = self.clone();
        let batch = async move { handler.post_all(&caller, request.signals).await };
        let results = tokio::spawn(batch.in_current_span())
            .await
            .map_err(|err| Status::internal(format!("the batch did not finish: {err}")))?;
        Ok(Response::new(v1::PostSignalsResponse { results }))
    }
}

/// The most signals one PostSignals call takes.
pub const MAX_BATCH: usize = 1000;

/// Signals of one batch written at the same time: enough to keep JetStream's pipeline full,
/// few enough that one batch does not crowd out other callers.
const IN_FLIGHT: usize = 32;

/// What PostSignal would have answered, as one result of a batch.
fn refusal(status: &Status) -> v1::SignalRefusal {
    use tonic_types::StatusExt as _;
    v1::SignalRefusal {
        code: rondom_runtime::metrics::code_name(status.code()).to_owned(),
        message: status.message().to_owned(),
        violations: status
            .get_details_bad_request()
            .map(|bad| bad.field_violations)
            .unwrap_or_default()
            .into_iter()
            .map(|violation| v1::SignalFieldViolation {
                field: violation.field,
                description: violation.description,
            })
            .collect(),
    }
}

impl SignalHandler {
    /// Writes each of `signals` as `caller`, a bounded number at a time, and answers each in
    /// the order sent; their audit records go on the log together, one batch acknowledged
    /// once.
    async fn post_all(
        &self,
        caller: &Caller,
        signals: Vec<v1::PostSignalRequest>,
    ) -> Vec<v1::PostSignalResult> {
        let attempts: Vec<(String, Result<Written, Status>)> = futures::stream::iter(signals)
            .map(|signal| async move {
                let event_type = event_type(&signal);
                let result = self.publish(caller, signal).await.map_err(Status::from);
                (event_type, result)
            })
            .buffered(IN_FLIGHT)
            .collect()
            .await;
        self.writer.audited_all(caller, &attempts).await;
        attempts
            .into_iter()
            .map(|(_, result)| {
                let result = match result {
                    Ok(written) => v1::post_signal_result::Result::Accepted(accepted(&written)),
                    Err(status) => v1::post_signal_result::Result::Refused(refusal(&status)),
                };
                v1::PostSignalResult {
                    result: Some(result),
                }
            })
            .collect()
    }

    /// Writes one signal as `caller`, its outcome audited.
    async fn post(
        &self,
        caller: &Caller,
        request: v1::PostSignalRequest,
    ) -> Result<v1::PostSignalResponse, Status> {
        let event_type = event_type(&request);
        let draft = draft(caller, request);
        let written = self.writer.write_audited(caller, event_type, draft).await?;
        Ok(accepted(&written))
    }

    async fn publish(
        &self,
        caller: &Caller,
        request: v1::PostSignalRequest,
    ) -> rondom_adapter::Result<Written> {
        self.writer.write(draft(caller, request)?).await
    }
}

/// The type of event a posted signal is written as (for its audit record, also when refused):
/// a kind not in the catalogue is `unknown`, since the field may hold anything.
fn event_type(request: &v1::PostSignalRequest) -> String {
    let kind = request
        .kind
        .parse::<rondom_domain::signal::SignalKind>()
        .map_or("unknown", |kind| kind.as_str());
    rondom_adapter::pillar::event_type(
        rondom_proto::convert::pillar_from_proto(request.pillar).unwrap_or(Pillar::Wijkteam),
        kind,
    )
}

/// What a written signal is answered with.
fn accepted(written: &Written) -> v1::PostSignalResponse {
    v1::PostSignalResponse {
        event_id: written.event_id.to_string(),
        household_id: written.household.to_string(),
        position: written.published.position,
        duplicate: written.published.duplicate,
    }
}

/// Checks a posted signal as `caller` and returns what the writer is to write: the signal
/// filed under the pillar it is for, about its persons.
///
/// # Errors
/// [`Error::Invalid`] for a signal that fails its checks; [`Error::Denied`] for a gemeente the
/// client does not serve.
pub fn draft(caller: &Caller, request: v1::PostSignalRequest) -> rondom_adapter::Result<Draft> {
    let signal = Signal::validate(request.into(), Utc::now())?;
    if !caller.client.serves(signal.gemeente.as_str()) {
        return Err(Error::Denied(format!(
            "client {} does not serve gemeente {}",
            caller.client.id, signal.gemeente
        )));
    }
    Ok(Draft {
        id: signal.event_id(&caller.client.id),
        source: signal.source,
        pillar: signal.pillar,
        kind: signal.kind.as_str(),
        gemeente: Some(signal.gemeente),
        persons: signal
            .persons
            .into_iter()
            .map(|person| DraftPerson {
                bsn: person.bsn,
                display_name: person.display_name,
                birth_date: None,
            })
            .collect(),
        target: Target::OfPersons,
        occurred_at: signal.observed_at,
        case_id: String::new(),
        note: signal.summary,
        body: v1::event::Body::SignalReceived(v1::SignalReceived {
            urgency: v1::Urgency::from(signal.urgency) as i32,
        }),
        gemeenten: caller.client.gemeenten.clone(),
        assignment: None,
        makes_request: false,
        writer: caller.client.writer(),
    })
}
