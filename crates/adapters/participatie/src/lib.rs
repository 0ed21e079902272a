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

use std::sync::Arc;

use rondom_adapter::{Check, EventWriter, PillarWriter};
use rondom_domain::Pillar;
use rondom_domain::catalogue;
use rondom_domain::code::check_kvk;
use rondom_proto::v1;
use rondom_proto::v1::event::Body;
use rondom_proto::v1::participatie_service_server::{
    ParticipatieService, ParticipatieServiceServer,
};
use tonic::{Request, Response, Status};

const LEEFVORMEN: &str = "ALLEENSTAANDE, ALLEENSTAANDE_OUDER, GEHUWDEN";
const REINTEGRATIE_SOORTEN: &str =
    "WERKFIT, SCHOLING, PARTICIPATIEPLAATS, LOONKOSTENSUBSIDIE, BESCHUT_WERK";
const REINTEGRATIE_RESULTATEN: &str = "WERK, AFGEROND, AFGEBROKEN";
const EINDE_REDENEN: &str = "WERK, INKOMEN_PARTNER, VERHUISD, OVERLEDEN, ADRES_ONBEKEND, OVERIG";

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

/// A besluit cites its aanvraag (not after the besluit itself) and, unless refused, says
/// from which day the right to bijstand runs.
fn check_besluit(check: &mut Check, besluit: &v1::PwBesluitGenomen) -> Option<()> {
    let uitkomst = check.decision(
        "besluit",
        besluit.besluit,
        "aanvraag_ingediend_op",
        besluit.aanvraag_ingediend_op.as_ref(),
    );
    if uitkomst != Some(v1::Besluit::Afgewezen) {
        check.date("besluit.ingangsdatum", besluit.ingangsdatum.as_ref())?;
    }
    uitkomst.map(|_| ())
}

/// A re-integratie has a kind, optionally a provider (the gemeente's own team otherwise) and
/// starts on a day; an ended one has a result and does not end before it started.
fn check_reintegratie(
    check: &mut Check,
    reintegratie: &v1::Reintegratie,
    ended: bool,
) -> Option<()> {
    let soort = check.choice::<v1::ReintegratieSoort>(
        "reintegratie.soort",
        reintegratie.soort,
        REINTEGRATIE_SOORTEN,
    );
    if !reintegratie.aanbieder_kvk.is_empty() {
        check.code(
            "reintegratie.aanbieder_kvk",
            &reintegratie.aanbieder_kvk,
            check_kvk,
        );
    }
    let start = check.date("reintegratie.begindatum", reintegratie.begindatum.as_ref());
    if ended {
        let end = check.date("reintegratie.einddatum", reintegratie.einddatum.as_ref());
        check.not_before("reintegratie.einddatum", end, start, "the begindatum");
        let resultaat = check.choice::<v1::ReintegratieResultaat>(
            "reintegratie.resultaat",
            reintegratie.resultaat,
            REINTEGRATIE_RESULTATEN,
        );
        end?;
        resultaat?;
    }
    soort?;
    start.map(|_| ())
}
