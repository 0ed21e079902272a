//! The Wmo adapter: `rondom.v1.WmoService`. A Wmo 2015 back-office reports each step of a
//! case (melding, onderzoek, aanvraag, beschikking, voorziening); the adapter checks the Wmo's
//! own rules and publishes one event per step on `rondom.evt.<household>.wmo.<kind>`.
//!
//! # Example
//! ```no_run
//! # async fn example(writer: std::sync::Arc<rondom_adapter::EventWriter>) {
//! let service = rondom_adapter_wmo::service(writer);
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
use rondom_proto::v1::wmo_service_server::{WmoService, WmoServiceServer};
use rules::{LEVERINGSVORMEN, STOP_REDENEN, check_beschikking, check_levering};
use std::sync::Arc;
use tonic::{Request, Response, Status};

/// Returns the gRPC service publishing through `writer`.
pub fn service(writer: Arc<EventWriter>) -> WmoServiceServer<WmoHandler> {
    WmoServiceServer::new(WmoHandler {
        writer: PillarWriter::new(writer),
    })
}

/// Implements `rondom.v1.WmoService`.
#[derive(Debug, Clone)]
pub struct WmoHandler {
    writer: PillarWriter,
}

type Reply = Result<Response<v1::WriteResponse>, Status>;

#[tonic::async_trait]
impl WmoService for WmoHandler {
    async fn receive_melding(&self, request: Request<v1::ReceiveWmoMeldingRequest>) -> Reply {
        self.writer
            .handle(
                request,
                Pillar::Wmo,
                &catalogue::wmo::MELDING_ONTVANGEN,
                |check, request| {
                    let melding = check.required("melding", request.melding)?;
                    Some(Body::WmoMelding(melding))
                },
            )
            .await
    }

    async fn start_onderzoek(&self, request: Request<v1::StartWmoOnderzoekRequest>) -> Reply {
        self.writer
            .handle(
                request,
                Pillar::Wmo,
                &catalogue::wmo::ONDERZOEK_GESTART,
                |_, request| {
                    Some(Body::WmoOnderzoekGestart(
                        request.onderzoek.unwrap_or_default(),
                    ))
                },
            )
            .await
    }

    async fn finish_onderzoek(&self, request: Request<v1::FinishWmoOnderzoekRequest>) -> Reply {
        self.writer
            .handle(
                request,
                Pillar::Wmo,
                &catalogue::wmo::ONDERZOEK_AFGEROND,
                |check, request| {
                    let onderzoek = request.onderzoek.unwrap_or_default();
                    let sent = check
                        .optional_date(
                            "onderzoek.verslag_verzonden_op",
                            onderzoek.verslag_verzonden_op.as_ref(),
                        )?
                        .filter(|_| true);
                    check.not_after_event("onderzoek.verslag_verzonden_op", sent);
                    Some(Body::WmoOnderzoekAfgerond(onderzoek))
                },
            )
            .await
    }

    async fn decide_tijdelijke_voorziening(
        &self,
        request: Request<v1::DecideWmoTijdelijkeVoorzieningRequest>,
    ) -> Reply {
        self.writer
            .handle(
                request,
                Pillar::Wmo,
                &catalogue::wmo::TIJDELIJKE_VOORZIENING_BESLOTEN,
                |check, request| {
                    let voorziening = check.required("voorziening", request.voorziening)?;
                    check.code(
                        "voorziening.productcategorie",
                        &voorziening.productcategorie,
                        check_productcategorie,
                    );
                    Some(Body::WmoTijdelijkeVoorziening(voorziening))
                },
            )
            .await
    }

    async fn receive_aanvraag(&self, request: Request<v1::ReceiveWmoAanvraagRequest>) -> Reply {
        self.writer
            .handle(
                request,
                Pillar::Wmo,
                &catalogue::wmo::AANVRAAG_ONTVANGEN,
                |check, request| {
                    let aanvraag = check.required("aanvraag", request.aanvraag)?;
                    check.code(
                        "aanvraag.productcategorie",
                        &aanvraag.productcategorie,
                        check_productcategorie,
                    );
                    check.choice::<v1::Leveringsvorm>(
                        "aanvraag.leveringsvorm",
                        aanvraag.leveringsvorm,
                        LEVERINGSVORMEN,
                    )?;
                    Some(Body::WmoAanvraag(aanvraag))
                },
            )
            .await
    }

    async fn issue_beschikking(&self, request: Request<v1::IssueWmoBeschikkingRequest>) -> Reply {
        self.writer
            .handle(
                request,
                Pillar::Wmo,
                &catalogue::wmo::BESCHIKKING_AFGEGEVEN,
                |check, request| {
                    let beschikking = check.required("beschikking", request.beschikking)?;
                    check_beschikking(check, &beschikking)?;
                    Some(Body::WmoBeschikking(beschikking))
                },
            )
            .await
    }

    async fn assign_voorziening(&self, request: Request<v1::AssignWmoVoorzieningRequest>) -> Reply {
        self.writer
            .handle(
                request,
                Pillar::Wmo,
                &catalogue::wmo::VOORZIENING_TOEGEWEZEN,
                |check, request| {
                    let voorziening = check.required("voorziening", request.voorziening)?;
                    check_levering(check, &voorziening.aanbieder_agb, &voorziening.productcode);
                    let start =
                        check.date("voorziening.begindatum", voorziening.begindatum.as_ref());
                    let end = check
                        .optional_date("voorziening.einddatum", voorziening.einddatum.as_ref());
                    check.not_before(
                        "voorziening.einddatum",
                        end.flatten(),
                        start,
                        "the begindatum",
                    );
                    start?;
                    end?;
                    Some(Body::WmoVoorzieningToegewezen(voorziening))
                },
            )
            .await
    }

    async fn start_voorziening(&self, request: Request<v1::StartWmoVoorzieningRequest>) -> Reply {
        self.writer
            .handle(
                request,
                Pillar::Wmo,
                &catalogue::wmo::VOORZIENING_GESTART,
                |check, request| {
                    let voorziening = check.required("voorziening", request.voorziening)?;
                    check.aanbieder(&voorziening.aanbieder_agb);
                    check_levering(check, &voorziening.aanbieder_agb, &voorziening.productcode);
                    check.date("voorziening.begindatum", voorziening.begindatum.as_ref())?;
                    Some(Body::WmoVoorzieningGestart(voorziening))
                },
            )
            .await
    }

    async fn stop_voorziening(&self, request: Request<v1::StopWmoVoorzieningRequest>) -> Reply {
        self.writer
            .handle(
                request,
                Pillar::Wmo,
                &catalogue::wmo::VOORZIENING_GESTOPT,
                |check, request| {
                    let voorziening = check.required("voorziening", request.voorziening)?;
                    check.aanbieder(&voorziening.aanbieder_agb);
                    check_levering(check, &voorziening.aanbieder_agb, &voorziening.productcode);
                    let start =
                        check.date("voorziening.begindatum", voorziening.begindatum.as_ref());
                    let end = check.date("voorziening.einddatum", voorziening.einddatum.as_ref());
                    check.not_before("voorziening.einddatum", end, start, "the begindatum");
                    check.choice::<v1::StopReden>(
                        "voorziening.reden",
                        voorziening.reden,
                        STOP_REDENEN,
                    )?;
                    start?;
                    end?;
                    Some(Body::WmoVoorzieningGestopt(voorziening))
                },
            )
            .await
    }

    rondom_adapter::shared_rpcs!(Pillar::Wmo);
}
