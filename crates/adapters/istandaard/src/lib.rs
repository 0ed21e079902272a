//! The iStandaarden adapter: `rondom.v1.IStandaardService`. Wmo and Jeugdwet back-offices and
//! providers send the iWmo 3.2 and iJw 3.2 messages they already exchange (301 toewijzing,
//! 305 start, 307 stop, 315 and 317 requests, 319 answer) as they are; the adapter reads each with a real XML parser, checks
//! it against the standard's rules that one message can show ([`message`]), and writes the
//! event of each product line through the law's own payload rules and the shared write path
//! ([`lines`]), so who may write what is decided as for the law services.
//!
//! # Example
//! ```no_run
//! # async fn example(writer: std::sync::Arc<rondom_adapter::EventWriter>) {
//! let service = rondom_adapter_istandaard::service(writer);
//! # drop(service);
//! # }
//! ```

pub mod lines;
pub mod message;

use std::sync::Arc;

use rondom_adapter::{EventWriter, PillarWriter};
use rondom_domain::{FieldViolation, InvalidInput};
use rondom_proto::v1;
use rondom_proto::v1::i_standaard_service_server::{IStandaardService, IStandaardServiceServer};
use tonic::{Request, Response, Status};

use message::Refused;

/// The audit log's name for a message refused before any of its lines was written.
const UNREAD: &str = "nl.rondom.istandaard.bericht.v1";

/// Returns the gRPC service publishing through `writer`.
pub fn service(writer: Arc<EventWriter>) -> IStandaardServiceServer<IStandaardHandler> {
    IStandaardServiceServer::new(IStandaardHandler {
        writer: PillarWriter::new(writer),
    })
}

/// Implements `rondom.v1.IStandaardService`.
#[derive(Debug, Clone)]
pub struct IStandaardHandler {
    writer: PillarWriter,
}

#[tonic::async_trait]
impl IStandaardService for IStandaardHandler {
    async fn submit(
        &self,
        request: Request<v1::SubmitRequest>,
    ) -> Result<Response<v1::SubmitResponse>, Status> {
        let (caller, request) = rondom_adapter::split(request)?;
        let message = match message::read(&request.xml) {
            Ok(message) => message,
            Err(refused) => {
                let status = refusal(&refused);
                return Err(self.writer.refused(&caller, UNREAD, status).await);
            }
        };
        if let Err(status) = lines::read_as_delivery(&message) {
            return Err(self.writer.refused(&caller, UNREAD, status).await);
        }
        // The whole message is checked before any line is written, with what the log must
        // hold for each line (a provider's toewijzing, the request an answer names): a line
        // refused leaves the others unwritten. (A toewijzing withdrawn between the check
        // and the write still stops the lines after it.)
        let writes = lines::writes(&message);
        for write in &writes {
            write.check(&self.writer, &caller).await?;
        }
        let mut events = Vec::with_capacity(writes.len());
        for write in writes {
            events.push(write.send(&self.writer, &caller).await?.into_inner());
        }
        Ok(Response::new(v1::SubmitResponse { events }))
    }
}

/// The answer to a refused message: INVALID_ARGUMENT, one field violation per rule broken
/// (the element path, the rule and its retourcode), or the one reason it is not read.
fn refusal(refused: &Refused) -> Status {
    let input = match refused {
        Refused::Invalid(violations) if !violations.is_empty() => InvalidInput::new(
            violations
                .iter()
                .map(|violation| {
                    let description = match &violation.retourcode {
                        Some(code) => format!("{} (retourcode {code})", violation.rule),
                        None => violation.rule.clone(),
                    };
                    FieldViolation::new(violation.path.clone(), description)
                })
                .collect(),
        ),
        other => InvalidInput::single("xml", other.to_string()),
    };
    rondom_proto::status::invalid_argument(&input)
}
