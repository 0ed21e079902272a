//! The Regie adapter: `rondom.v1.RegieService`. Coordination around one household ("1 gezin,
//! 1 plan, 1 regisseur"): the regisseur, the gezinsplan, the partner organisations involved
//! and changes in who belongs to the household. Every write names the household and the
//! position it was based on; the adapter checks the payload and publishes one event on
//! `rondom.evt.<household>.regie.<kind>` only if the household has not changed since
//! (otherwise `ABORTED`).
//!
//! # Example
//! ```no_run
//! # async fn example(writer: std::sync::Arc<rondom_adapter::EventWriter>) {
//! let service = rondom_adapter_regie::service(writer);
//! # drop(service);
//! # }
//! ```

mod rights;
mod rules;

use rondom_adapter::{EventWriter, Membership, Named, PillarWriter};
use rondom_domain::catalogue;
use rondom_proto::v1;
use rondom_proto::v1::regie_service_server::{RegieService, RegieServiceServer};
use rules::membership;
use std::sync::Arc;
use tonic::{Request, Response, Status};

/// Returns the gRPC service publishing through `writer`.
pub fn service(writer: Arc<EventWriter>) -> RegieServiceServer<RegieHandler> {
    RegieServiceServer::new(RegieHandler {
        writer: PillarWriter::new(writer),
    })
}

/// Implements `rondom.v1.RegieService`.
#[derive(Debug, Clone)]
pub struct RegieHandler {
    writer: PillarWriter,
}

type Reply = Result<Response<v1::WriteResponse>, Status>;

#[tonic::async_trait]
impl RegieService for RegieHandler {
    async fn assign_regisseur(&self, request: Request<v1::AssignRegisseurRequest>) -> Reply {
        let kind = &catalogue::regie::REGISSEUR_TOEGEWEZEN;
        self.writer
            .handle_regie(
                request,
                kind,
                |request| request.context.take(),
                rules::assign_regisseur,
            )
            .await
    }

    async fn set_gezinsplan(&self, request: Request<v1::SetGezinsplanRequest>) -> Reply {
        let kind = &catalogue::regie::GEZINSPLAN_VASTGESTELD;
        self.writer
            .handle_regie(
                request,
                kind,
                |request| request.context.take(),
                rules::set_gezinsplan,
            )
            .await
    }

    async fn register_partner(&self, request: Request<v1::RegisterPartnerRequest>) -> Reply {
        let kind = &catalogue::regie::PARTNER_BETROKKEN;
        self.writer
            .handle_regie(
                request,
                kind,
                |request| request.context.take(),
                |check, request| rules::partner(check, request.partner),
            )
            .await
    }

    async fn end_partner(&self, request: Request<v1::EndPartnerRequest>) -> Reply {
        let kind = &catalogue::regie::PARTNER_BEEINDIGD;
        self.writer
            .handle_regie(
                request,
                kind,
                |request| request.context.take(),
                |check, request| rules::partner(check, request.partner),
            )
            .await
    }

    async fn change_composition(&self, request: Request<v1::ChangeCompositionRequest>) -> Reply {
        let (caller, request) = rondom_adapter::split(request)?;
        let membership = request
            .wijziging
            .as_ref()
            .and_then(|wijziging| membership(wijziging.wijziging));
        self.writer
            .write_regie(
                &caller,
                &catalogue::regie::SAMENSTELLING_GEWIJZIGD,
                request.context,
                Named {
                    persons: vec![("person".to_owned(), request.person)],
                    membership,
                },
                |check| rules::change_composition(check, request.wijziging),
            )
            .await
    }

    async fn start_aanpak(&self, request: Request<v1::StartAanpakRequest>) -> Reply {
        let (caller, mut request) = rondom_adapter::split(request)?;
        let context = request.context.take();
        let motivated = context
            .as_ref()
            .is_some_and(|context| !context.note.trim().is_empty());
        let persons = request
            .personen
            .iter()
            .enumerate()
            .map(|(index, persoon)| (format!("personen[{index}].person"), persoon.person.clone()))
            .collect();
        self.writer
            .write_regie(
                &caller,
                &catalogue::regie::AANPAK_GESTART,
                context,
                members(persons),
                |check| rights::start(check, &request, motivated),
            )
            .await
    }

    async fn withdraw_instemming(&self, request: Request<v1::WithdrawInstemmingRequest>) -> Reply {
        let (caller, request) = rondom_adapter::split(request)?;
        self.writer
            .write_regie(
                &caller,
                &catalogue::regie::INSTEMMING_INGETROKKEN,
                request.context,
                members(vec![("person".to_owned(), request.person)]),
                |check| {
                    let aanpak_id = rights::aanpak_id(check, &request.aanpak_id)?;
                    Some(v1::event::Body::InstemmingIngetrokken(
                        v1::InstemmingIngetrokken { aanpak_id },
                    ))
                },
            )
            .await
    }

    async fn end_aanpak(&self, request: Request<v1::EndAanpakRequest>) -> Reply {
        let (caller, request) = rondom_adapter::split(request)?;
        self.writer
            .write_regie(
                &caller,
                &catalogue::regie::AANPAK_BEEINDIGD,
                request.context,
                Named::default(),
                |check| {
                    let aanpak_id = rights::aanpak_id(check, &request.aanpak_id)?;
                    Some(v1::event::Body::AanpakBeeindigd(v1::AanpakBeeindigd {
                        aanpak_id,
                    }))
                },
            )
            .await
    }

    async fn record_beperking(&self, request: Request<v1::BeperkingRequest>) -> Reply {
        self.beperking(request, &catalogue::regie::VERWERKING_BEPERKT)
            .await
    }

    async fn lift_beperking(&self, request: Request<v1::BeperkingRequest>) -> Reply {
        self.beperking(request, &catalogue::regie::BEPERKING_OPGEHEVEN)
            .await
    }

    async fn rectify_person(&self, request: Request<v1::RectifyPersonRequest>) -> Reply {
        let (caller, request) = rondom_adapter::split(request)?;
        let corrected = request.person.as_ref().map(|person| {
            (
                !person.display_name.trim().is_empty(),
                person.birth_date.is_some(),
            )
        });
        self.writer
            .write_regie(
                &caller,
                &catalogue::regie::PERSOONSGEGEVENS_GERECTIFICEERD,
                request.context,
                members(vec![("person".to_owned(), request.person)]),
                |check| rights::rectification(check, corrected),
            )
            .await
    }
}

impl RegieHandler {
    /// An objection or restriction of one member, recorded or lifted.
    async fn beperking(
        &self,
        request: Request<v1::BeperkingRequest>,
        kind: &'static catalogue::EventKind,
    ) -> Reply {
        let (caller, request) = rondom_adapter::split(request)?;
        self.writer
            .write_regie(
                &caller,
                kind,
                request.context,
                members(vec![("person".to_owned(), request.person)]),
                |check| rights::beperking(check, request.soort),
            )
            .await
    }
}

/// Persons who must be members of the household now.
fn members(persons: Vec<(String, Option<v1::PersonRef>)>) -> Named {
    Named {
        persons,
        membership: Some(Membership::Stays),
    }
}
