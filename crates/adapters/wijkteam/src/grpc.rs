//! `SignalHandler`: checks a posted signal and publishes it through the shared writer.

use std::sync::Arc;

use chrono::Utc;
use rondom_access::audit::Caller;
use rondom_adapter::{Draft, DraftPerson, Error, EventWriter, Target, Written};
use rondom_domain::{Pillar, Signal};
use rondom_proto::v1;
use rondom_proto::v1::signal_service_server::SignalService;
use tonic::{Request, Response, Status};

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
        let event_type = rondom_adapter::pillar::event_type(
            rondom_proto::convert::pillar_from_proto(request.pillar).unwrap_or(Pillar::Wijkteam),
            &request.kind,
        );
        let result = self.publish(&caller, request).await;
        let written = self.writer.audited(&caller, &event_type, result).await?;
        Ok(Response::new(v1::PostSignalResponse {
            event_id: written.event_id.to_string(),
            household_id: written.household.to_string(),
            position: written.published.position,
            duplicate: written.published.duplicate,
        }))
    }
}

impl SignalHandler {
    async fn publish(
        &self,
        caller: &Caller,
        request: v1::PostSignalRequest,
    ) -> rondom_adapter::Result<Written> {
        let signal = Signal::validate(request.into(), Utc::now())?;
        if !caller.client.serves(signal.gemeente.as_str()) {
            return Err(Error::Denied(format!(
                "client {} does not serve gemeente {}",
                caller.client.id, signal.gemeente
            )));
        }
        let draft = Draft {
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
        };
        self.writer.write(draft).await
    }
}
