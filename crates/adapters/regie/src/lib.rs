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

mod rules;

use rondom_adapter::{EventWriter, PillarWriter};
use rondom_domain::catalogue;
use rondom_domain::code::{check_organisation, check_staff_id};
use rondom_proto::v1;
use rondom_proto::v1::event::Body;
use rondom_proto::v1::regie_service_server::{RegieService, RegieServiceServer};
use rules::{SAMENSTELLING_REDENEN, WIJZIGINGEN, check_partner, check_plan, membership};
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
        let (caller, request) = rondom_adapter::split(request)?;
        self.writer
            .write_regie(
                &caller,
                &catalogue::regie::REGISSEUR_TOEGEWEZEN,
                request.context,
                None,
                |check| {
                    let regisseur = check.required("regisseur", request.regisseur)?;
                    check.code(
                        "regisseur.regisseur_id",
                        &regisseur.regisseur_id,
                        check_staff_id,
                    );
                    check.code(
                        "regisseur.organisatie",
                        &regisseur.organisatie,
                        check_organisation,
                    );
                    Some(Body::Regisseur(regisseur))
                },
            )
            .await
    }

    async fn set_gezinsplan(&self, request: Request<v1::SetGezinsplanRequest>) -> Reply {
        let (caller, request) = rondom_adapter::split(request)?;
        self.writer
            .write_regie(
                &caller,
                &catalogue::regie::GEZINSPLAN_VASTGESTELD,
                request.context,
                None,
                |check| {
                    let plan = check.required("plan", request.plan)?;
                    check_plan(check, &plan)?;
                    Some(Body::Gezinsplan(plan))
                },
            )
            .await
    }

    async fn register_partner(&self, request: Request<v1::RegisterPartnerRequest>) -> Reply {
        let (caller, request) = rondom_adapter::split(request)?;
        self.writer
            .write_regie(
                &caller,
                &catalogue::regie::PARTNER_BETROKKEN,
                request.context,
                None,
                |check| {
                    let partner = check.required("partner", request.partner)?;
                    check_partner(check, &partner)?;
                    Some(Body::Partner(partner))
                },
            )
            .await
    }

    async fn end_partner(&self, request: Request<v1::EndPartnerRequest>) -> Reply {
        let (caller, request) = rondom_adapter::split(request)?;
        self.writer
            .write_regie(
                &caller,
                &catalogue::regie::PARTNER_BEEINDIGD,
                request.context,
                None,
                |check| {
                    let partner = check.required("partner", request.partner)?;
                    check_partner(check, &partner)?;
                    Some(Body::Partner(partner))
                },
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
                Some((request.person, membership)),
                |check| {
                    let wijziging = check.required("wijziging", request.wijziging)?;
                    let soort = check.choice::<v1::SamenstellingWijziging>(
                        "wijziging.wijziging",
                        wijziging.wijziging,
                        WIJZIGINGEN,
                    );
                    check.choice::<v1::SamenstellingReden>(
                        "wijziging.reden",
                        wijziging.reden,
                        SAMENSTELLING_REDENEN,
                    )?;
                    soort?;
                    Some(Body::Samenstelling(wijziging))
                },
            )
            .await
    }
}
