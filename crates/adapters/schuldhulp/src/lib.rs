//! The Schuldhulp adapter: `rondom.v1.SchuldhulpService`. A back-office for the Wet
//! gemeentelijke schuldhulpverlening reports vroegsignalen of creditors and each step of a
//! schuldhulp trajectory (aanmelding, eerste gesprek, beschikking, stabilisatie,
//! schuldregeling, afsluiting); the adapter checks the Wgs's own rules and publishes one event
//! per step on `rondom.evt.<household>.schuldhulp.<kind>`.
//!
//! # Example
//! ```no_run
//! # async fn example(writer: std::sync::Arc<rondom_adapter::EventWriter>) {
//! let service = rondom_adapter_schuldhulp::service(writer);
//! # drop(service);
//! # }
//! ```

mod rules;

use rondom_adapter::{EventWriter, PillarWriter};
use rondom_domain::Pillar;
use rondom_domain::catalogue;
use rondom_proto::v1;
use rondom_proto::v1::event::Body;
use rondom_proto::v1::schuldhulp_service_server::{SchuldhulpService, SchuldhulpServiceServer};
use rules::{
    ACHTERSTAND_MAANDEN, AFSLUIT_REDENEN, BEDREIGENDE_SITUATIES, SCHULDEISERS, check_beschikking,
    check_schuldregeling,
};
use std::sync::Arc;
use tonic::{Request, Response, Status};

/// Returns the gRPC service publishing through `writer`.
pub fn service(writer: Arc<EventWriter>) -> SchuldhulpServiceServer<SchuldhulpHandler> {
    SchuldhulpServiceServer::new(SchuldhulpHandler {
        writer: PillarWriter::new(writer),
    })
}

/// Implements `rondom.v1.SchuldhulpService`.
#[derive(Debug, Clone)]
pub struct SchuldhulpHandler {
    writer: PillarWriter,
}

type Reply = Result<Response<v1::WriteResponse>, Status>;

#[tonic::async_trait]
impl SchuldhulpService for SchuldhulpHandler {
    async fn receive_vroegsignaal(
        &self,
        request: Request<v1::ReceiveVroegsignaalRequest>,
    ) -> Reply {
        self.writer
            .handle(
                request,
                Pillar::Schuldhulp,
                &catalogue::schuldhulp::VROEGSIGNAAL_ONTVANGEN,
                |check, request| {
                    let vroegsignaal = check.required("vroegsignaal", request.vroegsignaal)?;
                    let schuldeiser = check.choice::<v1::Schuldeiser>(
                        "vroegsignaal.schuldeiser",
                        vroegsignaal.schuldeiser,
                        SCHULDEISERS,
                    );
                    check.positive_cents(
                        "vroegsignaal.achterstand_cent",
                        vroegsignaal.achterstand_cent,
                    );
                    if !ACHTERSTAND_MAANDEN.contains(&vroegsignaal.achterstand_maanden) {
                        check.push(
                            "vroegsignaal.achterstand_maanden",
                            "the months in arrears are 1 to 120",
                        );
                    }
                    schuldeiser?;
                    Some(Body::Vroegsignaal(vroegsignaal))
                },
            )
            .await
    }

    async fn accept_aanbod(&self, request: Request<v1::AcceptAanbodRequest>) -> Reply {
        self.writer
            .handle(
                request,
                Pillar::Schuldhulp,
                &catalogue::schuldhulp::AANBOD_GEACCEPTEERD,
                |_, request| Some(Body::AanbodGeaccepteerd(request.aanbod.unwrap_or_default())),
            )
            .await
    }

    async fn receive_aanmelding(&self, request: Request<v1::ReceiveAanmeldingRequest>) -> Reply {
        self.writer
            .handle(
                request,
                Pillar::Schuldhulp,
                &catalogue::schuldhulp::AANMELDING_ONTVANGEN,
                |check, request| {
                    let aanmelding = check.required("aanmelding", request.aanmelding)?;
                    check.choice::<v1::BedreigendeSituatie>(
                        "aanmelding.bedreigende_situatie",
                        aanmelding.bedreigende_situatie,
                        BEDREIGENDE_SITUATIES,
                    )?;
                    Some(Body::SchuldAanmelding(aanmelding))
                },
            )
            .await
    }

    async fn hold_eerste_gesprek(&self, request: Request<v1::HoldEersteGesprekRequest>) -> Reply {
        self.writer
            .handle(
                request,
                Pillar::Schuldhulp,
                &catalogue::schuldhulp::EERSTE_GESPREK_GEVOERD,
                |_, request| Some(Body::EersteGesprek(request.gesprek.unwrap_or_default())),
            )
            .await
    }

    async fn issue_beschikking(
        &self,
        request: Request<v1::IssueSchuldBeschikkingRequest>,
    ) -> Reply {
        self.writer
            .handle(
                request,
                Pillar::Schuldhulp,
                &catalogue::schuldhulp::BESCHIKKING_AFGEGEVEN,
                |check, request| {
                    let beschikking = check.required("beschikking", request.beschikking)?;
                    check_beschikking(check, &beschikking)?;
                    Some(Body::SchuldBeschikking(beschikking))
                },
            )
            .await
    }

    async fn reach_stabilisatie(&self, request: Request<v1::ReachStabilisatieRequest>) -> Reply {
        self.writer
            .handle(
                request,
                Pillar::Schuldhulp,
                &catalogue::schuldhulp::STABILISATIE_BEREIKT,
                |_, request| Some(Body::Stabilisatie(request.stabilisatie.unwrap_or_default())),
            )
            .await
    }

    async fn start_schuldregeling(
        &self,
        request: Request<v1::StartSchuldregelingRequest>,
    ) -> Reply {
        self.writer
            .handle(
                request,
                Pillar::Schuldhulp,
                &catalogue::schuldhulp::SCHULDREGELING_GESTART,
                |check, request| {
                    let regeling = check.required("schuldregeling", request.schuldregeling)?;
                    check_schuldregeling(check, &regeling, false)?;
                    Some(Body::Schuldregeling(regeling))
                },
            )
            .await
    }

    async fn end_schuldregeling(&self, request: Request<v1::EndSchuldregelingRequest>) -> Reply {
        self.writer
            .handle(
                request,
                Pillar::Schuldhulp,
                &catalogue::schuldhulp::SCHULDREGELING_BEEINDIGD,
                |check, request| {
                    let regeling = check.required("schuldregeling", request.schuldregeling)?;
                    check_schuldregeling(check, &regeling, true)?;
                    Some(Body::Schuldregeling(regeling))
                },
            )
            .await
    }

    async fn close_traject(&self, request: Request<v1::CloseSchuldTrajectRequest>) -> Reply {
        self.writer
            .handle(
                request,
                Pillar::Schuldhulp,
                &catalogue::schuldhulp::TRAJECT_AFGESLOTEN,
                |check, request| {
                    let afsluiting = check.required("afsluiting", request.afsluiting)?;
                    check.choice::<v1::AfsluitReden>(
                        "afsluiting.reden",
                        afsluiting.reden,
                        AFSLUIT_REDENEN,
                    )?;
                    Some(Body::SchuldTrajectAfgesloten(afsluiting))
                },
            )
            .await
    }

    rondom_adapter::shared_rpcs!(Pillar::Schuldhulp);
}
