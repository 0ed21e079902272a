//! `SignalHandler`: the gRPC face of [`SignalIngest`].

use std::sync::Arc;

use chrono::Utc;
use rondom_domain::Signal;
use rondom_proto::v1;
use rondom_proto::v1::signal_service_server::SignalService;
use tonic::{Request, Response, Status};

use crate::error::Error;
use crate::ingest::SignalIngest;

/// Implements `rondom.v1.SignalService`.
#[derive(Debug, Clone)]
pub struct SignalHandler {
    ingest: Arc<SignalIngest>,
}

impl SignalHandler {
    /// Returns a handler publishing through `ingest`.
    pub fn new(ingest: Arc<SignalIngest>) -> Self {
        Self { ingest }
    }
}

#[tonic::async_trait]
impl SignalService for SignalHandler {
    #[tracing::instrument(skip_all)]
    async fn post_signal(
        &self,
        request: Request<v1::PostSignalRequest>,
    ) -> Result<Response<v1::PostSignalResponse>, Status> {
        let signal =
            Signal::validate(request.into_inner().into(), Utc::now()).map_err(Error::from)?;
        let ingested = self.ingest.ingest(&signal).await?;
        Ok(Response::new(v1::PostSignalResponse {
            event_id: ingested.event_id.to_string(),
            household_id: ingested.household.to_string(),
            position: ingested.published.position,
            duplicate: ingested.published.duplicate,
        }))
    }
}
