//! The Jeugd adapter: `rondom.v1.JeugdService`. A Jeugdwet back-office reports each step of a
//! case (hulpvraag, aanvraag, beschikking, jeugdhulp by a provider) and the protected facts of
//! Veilig Thuis and child protection; the adapter checks the Jeugdwet's own rules (the
//! jeugdige, the first person, is younger than 23) and publishes one event per step on
//! `rondom.evt.<household>.jeugd.<kind>`.
//!
//! # Example
//! ```no_run
//! # async fn example(writer: std::sync::Arc<rondom_adapter::EventWriter>) {
//! let service = rondom_adapter_jeugd::service(writer);
//! # drop(service);
//! # }
//! ```

mod rules;

use rondom_adapter::{EventWriter, PillarWriter};
use rondom_domain::Pillar;
use rondom_domain::catalogue;
use rondom_domain::code::check_productcategorie;
use rondom_proto::v1;
use rondom_proto::v1::event::Body;
use rondom_proto::v1::jeugd_service_server::{JeugdService, JeugdServiceServer};
use rules::{
    JEUGDWET, Step, VERWIJZERS, check_beschikking, check_contact, check_jeugdhulp, check_maatregel,
    check_organisatie_naam,
};
use std::sync::Arc;
use tonic::{Request, Response, Status};

/// Returns the gRPC service publishing through `writer`.
pub fn service(writer: Arc<EventWriter>) -> JeugdServiceServer<JeugdHandler> {
    JeugdServiceServer::new(JeugdHandler {
        writer: PillarWriter::new(writer),
    })
}

/// Implements `rondom.v1.JeugdService`.
#[derive(Debug, Clone)]
pub struct JeugdHandler {
    writer: PillarWriter,
}

type Reply = Result<Response<v1::WriteResponse>, Status>;

#[tonic::async_trait]
impl JeugdService for JeugdHandler {
    async fn receive_hulpvraag(&self, request: Request<v1::ReceiveJeugdHulpvraagRequest>) -> Reply {
        self.writer
            .handle(
                request,
                Pillar::Jeugd,
                &catalogue::jeugd::HULPVRAAG_ONTVANGEN,
                |check, request| {
                    check.younger_than(23, JEUGDWET);
                    let hulpvraag = check.required("hulpvraag", request.hulpvraag)?;
                    check.choice::<v1::Verwijzer>(
                        "hulpvraag.verwijzer",
                        hulpvraag.verwijzer,
                        VERWIJZERS,
                    )?;
                    Some(Body::JeugdHulpvraag(hulpvraag))
                },
            )
            .await
    }

    async fn receive_aanvraag(&self, request: Request<v1::ReceiveJeugdAanvraagRequest>) -> Reply {
        self.writer
            .handle(
                request,
                Pillar::Jeugd,
                &catalogue::jeugd::AANVRAAG_ONTVANGEN,
                |check, request| {
                    check.younger_than(23, JEUGDWET);
                    let aanvraag = check.required("aanvraag", request.aanvraag)?;
                    check.code(
                        "aanvraag.productcategorie",
                        &aanvraag.productcategorie,
                        check_productcategorie,
                    );
                    Some(Body::JeugdAanvraag(aanvraag))
                },
            )
            .await
    }

    async fn issue_beschikking(&self, request: Request<v1::IssueJeugdBeschikkingRequest>) -> Reply {
        self.writer
            .handle(
                request,
                Pillar::Jeugd,
                &catalogue::jeugd::BESCHIKKING_AFGEGEVEN,
                |check, request| {
                    check.younger_than(23, JEUGDWET);
                    let beschikking = check.required("beschikking", request.beschikking)?;
                    check_beschikking(check, &beschikking)?;
                    Some(Body::JeugdBeschikking(beschikking))
                },
            )
            .await
    }

    async fn assign_jeugdhulp(&self, request: Request<v1::AssignJeugdhulpRequest>) -> Reply {
        self.writer
            .handle(
                request,
                Pillar::Jeugd,
                &catalogue::jeugd::JEUGDHULP_TOEGEWEZEN,
                |check, request| {
                    check.younger_than(23, JEUGDWET);
                    let jeugdhulp = check.required("jeugdhulp", request.jeugdhulp)?;
                    check_jeugdhulp(check, &jeugdhulp, Step::Assigned)?;
                    Some(Body::Jeugdhulp(jeugdhulp))
                },
            )
            .await
    }

    async fn start_jeugdhulp(&self, request: Request<v1::StartJeugdhulpRequest>) -> Reply {
        self.writer
            .handle(
                request,
                Pillar::Jeugd,
                &catalogue::jeugd::JEUGDHULP_GESTART,
                |check, request| {
                    check.younger_than(23, JEUGDWET);
                    let jeugdhulp = check.required("jeugdhulp", request.jeugdhulp)?;
                    check.aanbieder(&jeugdhulp.aanbieder_agb);
                    check_jeugdhulp(check, &jeugdhulp, Step::Started)?;
                    Some(Body::Jeugdhulp(jeugdhulp))
                },
            )
            .await
    }

    async fn end_jeugdhulp(&self, request: Request<v1::EndJeugdhulpRequest>) -> Reply {
        self.writer
            .handle(
                request,
                Pillar::Jeugd,
                &catalogue::jeugd::JEUGDHULP_BEEINDIGD,
                |check, request| {
                    check.younger_than(23, JEUGDWET);
                    let jeugdhulp = check.required("jeugdhulp", request.jeugdhulp)?;
                    check.aanbieder(&jeugdhulp.aanbieder_agb);
                    check_jeugdhulp(check, &jeugdhulp, Step::Ended)?;
                    Some(Body::Jeugdhulp(jeugdhulp))
                },
            )
            .await
    }

    async fn register_veilig_thuis(
        &self,
        request: Request<v1::RegisterVeiligThuisRequest>,
    ) -> Reply {
        self.writer
            .handle(
                request,
                Pillar::Jeugd,
                &catalogue::jeugd::VEILIG_THUIS_BETROKKEN,
                |check, request| {
                    check.younger_than(23, JEUGDWET);
                    let veilig_thuis = check.required("veilig_thuis", request.veilig_thuis)?;
                    check.code(
                        "veilig_thuis.organisatie",
                        &veilig_thuis.organisatie,
                        check_organisatie_naam,
                    );
                    check.code("veilig_thuis.contact", &veilig_thuis.contact, check_contact);
                    Some(Body::VeiligThuis(veilig_thuis))
                },
            )
            .await
    }

    async fn start_maatregel(&self, request: Request<v1::StartMaatregelRequest>) -> Reply {
        self.writer
            .handle(
                request,
                Pillar::Jeugd,
                &catalogue::jeugd::JEUGDBESCHERMINGSMAATREGEL_GESTART,
                |check, request| {
                    check.younger_than(23, JEUGDWET);
                    let maatregel = check.required("maatregel", request.maatregel)?;
                    check_maatregel(check, &maatregel, false)?;
                    Some(Body::Jeugdbeschermingsmaatregel(maatregel))
                },
            )
            .await
    }

    async fn end_maatregel(&self, request: Request<v1::EndMaatregelRequest>) -> Reply {
        self.writer
            .handle(
                request,
                Pillar::Jeugd,
                &catalogue::jeugd::JEUGDBESCHERMINGSMAATREGEL_BEEINDIGD,
                |check, request| {
                    check.younger_than(23, JEUGDWET);
                    let maatregel = check.required("maatregel", request.maatregel)?;
                    check_maatregel(check, &maatregel, true)?;
                    Some(Body::Jeugdbeschermingsmaatregel(maatregel))
                },
            )
            .await
    }

    rondom_adapter::shared_rpcs!(Pillar::Jeugd);
}
