//! The Participatie adapter: `rondom.v1.ParticipatieService`. A Participatiewet back-office
//! reports each step of a bijstand case (melding, aanvraag, voorschot, besluit, einde of the
//! uitkering) and of re-integratie; the adapter checks the Participatiewet's own rules and
//! publishes one event per step on `rondom.evt.<household>.participatie.<kind>`.
//!
//! # Example
//! ```no_run
//! # async fn example(writer: std::sync::Arc<rondom_adapter::EventWriter>) {
//! let service = rondom_adapter_participatie::service(writer);
//! # drop(service);
//! # }
//! ```

mod rules;

use rondom_adapter::{EventWriter, PillarWriter};
use rondom_domain::Pillar;
use rondom_domain::catalogue;
use rondom_proto::v1;
use rondom_proto::v1::event::Body;
use rondom_proto::v1::participatie_service_server::{
    ParticipatieService, ParticipatieServiceServer,
};
use rules::{EINDE_REDENEN, LEEFVORMEN, check_besluit, check_reintegratie};
use std::sync::Arc;
use tonic::{Request, Response, Status};

/// Returns the gRPC service publishing through `writer`.
pub fn service(writer: Arc<EventWriter>) -> ParticipatieServiceServer<ParticipatieHandler> {
    ParticipatieServiceServer::new(ParticipatieHandler {
        writer: PillarWriter::new(writer),
    })
}

/// Implements `rondom.v1.ParticipatieService`.
#[derive(Debug, Clone)]
pub struct ParticipatieHandler {
    writer: PillarWriter,
}

type Reply = Result<Response<v1::WriteResponse>, Status>;

#[tonic::async_trait]
impl ParticipatieService for ParticipatieHandler {
    async fn register_melding(&self, request: Request<v1::RegisterPwMeldingRequest>) -> Reply {
        self.writer
            .handle(
                request,
                Pillar::Participatie,
                &catalogue::participatie::MELDING_GEDAAN,
                |_, request| Some(Body::PwMelding(request.melding.unwrap_or_default())),
            )
            .await
    }

    async fn receive_aanvraag(&self, request: Request<v1::ReceivePwAanvraagRequest>) -> Reply {
        self.writer
            .handle(
                request,
                Pillar::Participatie,
                &catalogue::participatie::AANVRAAG_INGEDIEND,
                |check, request| {
                    let aanvraag = check.required("aanvraag", request.aanvraag)?;
                    check.choice::<v1::Leefvorm>(
                        "aanvraag.leefvorm",
                        aanvraag.leefvorm,
                        LEEFVORMEN,
                    )?;
                    Some(Body::PwAanvraag(aanvraag))
                },
            )
            .await
    }

    async fn grant_voorschot(&self, request: Request<v1::GrantVoorschotRequest>) -> Reply {
        self.writer
            .handle(
                request,
                Pillar::Participatie,
                &catalogue::participatie::VOORSCHOT_VERLEEND,
                |check, request| {
                    let voorschot = check.required("voorschot", request.voorschot)?;
                    check.positive_cents("voorschot.bedrag_cent", voorschot.bedrag_cent);
                    Some(Body::PwVoorschot(voorschot))
                },
            )
            .await
    }

    async fn take_besluit(&self, request: Request<v1::TakePwBesluitRequest>) -> Reply {
        self.writer
            .handle(
                request,
                Pillar::Participatie,
                &catalogue::participatie::BESLUIT_GENOMEN,
                |check, request| {
                    let besluit = check.required("besluit", request.besluit)?;
                    check_besluit(check, &besluit)?;
                    Some(Body::PwBesluit(besluit))
                },
            )
            .await
    }

    async fn start_reintegratie(&self, request: Request<v1::StartReintegratieRequest>) -> Reply {
        self.writer
            .handle(
                request,
                Pillar::Participatie,
                &catalogue::participatie::REINTEGRATIE_GESTART,
                |check, request| {
                    let reintegratie = check.required("reintegratie", request.reintegratie)?;
                    check_reintegratie(check, &reintegratie, false)?;
                    Some(Body::Reintegratie(reintegratie))
                },
            )
            .await
    }

    async fn end_reintegratie(&self, request: Request<v1::EndReintegratieRequest>) -> Reply {
        self.writer
            .handle(
                request,
                Pillar::Participatie,
                &catalogue::participatie::REINTEGRATIE_BEEINDIGD,
                |check, request| {
                    let reintegratie = check.required("reintegratie", request.reintegratie)?;
                    check_reintegratie(check, &reintegratie, true)?;
                    Some(Body::Reintegratie(reintegratie))
                },
            )
            .await
    }

    async fn end_uitkering(&self, request: Request<v1::EndUitkeringRequest>) -> Reply {
        self.writer
            .handle(
                request,
                Pillar::Participatie,
                &catalogue::participatie::UITKERING_BEEINDIGD,
                |check, request| {
                    let uitkering = check.required("uitkering", request.uitkering)?;
                    let reden = check.choice::<v1::UitkeringEindeReden>(
                        "uitkering.reden",
                        uitkering.reden,
                        EINDE_REDENEN,
                    );
                    check.date("uitkering.einddatum", uitkering.einddatum.as_ref())?;
                    reden?;
                    Some(Body::PwUitkeringBeeindigd(uitkering))
                },
            )
            .await
    }

    rondom_adapter::shared_rpcs!(Pillar::Participatie);
}
