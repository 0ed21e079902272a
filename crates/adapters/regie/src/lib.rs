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

use std::sync::Arc;

use rondom_adapter::{Check, EventWriter, Membership, PillarWriter};
use rondom_domain::Pillar;
use rondom_domain::catalogue;
use rondom_domain::code::{check_coded, check_organisation, check_staff_id};
use rondom_proto::v1;
use rondom_proto::v1::event::Body;
use rondom_proto::v1::regie_service_server::{RegieService, RegieServiceServer};
use tonic::{Request, Response, Status};

const PIJLERS: &str = "WIJKTEAM, WMO, JEUGD, PARTICIPATIE, SCHULDHULP";
const WIJZIGINGEN: &str = "TOEGETREDEN, VERTROKKEN";
const SAMENSTELLING_REDENEN: &str =
    "GEBOORTE, VERHUIZING, OVERLIJDEN, SCHEIDING, SAMENWONEN, OVERIG";
/// Most goals one gezinsplan may have.
const MAX_DOELEN: usize = 20;

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

/// Returns whether a person joins or leaves the household with a wijziging (a wire value).
fn membership(wijziging: i32) -> Option<Membership> {
    match v1::SamenstellingWijziging::try_from(wijziging).ok()? {
        v1::SamenstellingWijziging::Toegetreden => Some(Membership::Join),
        v1::SamenstellingWijziging::Vertrokken => Some(Membership::Leave),
        v1::SamenstellingWijziging::Unspecified => None,
    }
}

/// A plan has a version, at most 20 coded goals, the pillars taking part and an evaluation
/// day not before the day it was set.
fn check_plan(check: &mut Check, plan: &v1::Gezinsplan) -> Option<()> {
    if plan.versie < 1 {
        check.push("plan.versie", "the first plan is versie 1");
    }
    if plan.doelen.len() > MAX_DOELEN {
        check.push("plan.doelen", "a plan has at most 20 doelen");
    }
    for (index, doel) in plan.doelen.iter().enumerate() {
        check.code(&format!("plan.doelen[{index}]"), doel, check_coded);
    }
    for (field, description) in pijler_violations(&plan.pijlers) {
        check.push(field, description);
    }
    let evaluatie = check.date("plan.evaluatiedatum", plan.evaluatiedatum.as_ref());
    let set_on = check.occurred_on();
    check.not_before(
        "plan.evaluatiedatum",
        evaluatie,
        set_on,
        "the day the plan was set",
    );
    evaluatie.map(|_| ())
}

/// Returns the violations of a plan's pillars (wire values): at least one, each a pillar
/// that can take part, none twice.
fn pijler_violations(pijlers: &[i32]) -> Vec<(String, String)> {
    let mut violations = Vec::new();
    if pijlers.is_empty() {
        violations.push((
            "plan.pijlers".to_owned(),
            format!("a plan names at least one pillar: {PIJLERS}"),
        ));
    }
    for (index, &pijler) in pijlers.iter().enumerate() {
        let field = format!("plan.pijlers[{index}]");
        if taking_part(pijler).is_none() {
            violations.push((field, format!("a pillar is one of {PIJLERS}")));
        } else if pijlers[..index].contains(&pijler) {
            violations.push((field, "a pillar is named once".to_owned()));
        }
    }
    violations
}

/// A partner organisation works with the household for one pillar.
fn check_partner(check: &mut Check, partner: &v1::Partner) -> Option<()> {
    check.code(
        "partner.organisatie",
        &partner.organisatie,
        check_organisation,
    );
    let pillar = taking_part(partner.pillar);
    if pillar.is_none() {
        check.push(
            "partner.pillar",
            format!("partner.pillar is required: one of {PIJLERS}"),
        );
    }
    pillar.map(|_| ())
}

/// Returns the pillar of a wire value when it is one that can take part in a household's
/// plan or partnership: not unspecified, not regie itself, not an unknown number.
fn taking_part(value: i32) -> Option<v1::Pillar> {
    let pillar = rondom_proto::convert::pillar_from_proto(value)?;
    (pillar == Pillar::Wijkteam || rondom_domain::law::of(pillar).is_some())
        .then(|| v1::Pillar::from(pillar))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fields(pijlers: &[v1::Pillar]) -> Vec<String> {
        let values: Vec<i32> = pijlers.iter().map(|&pillar| pillar as i32).collect();
        pijler_violations(&values)
            .into_iter()
            .map(|(field, _)| field)
            .collect()
    }

    #[test]
    fn pijlers() {
        assert!(fields(&[v1::Pillar::Jeugd, v1::Pillar::Schuldhulp]).is_empty());
        assert!(
            fields(&[
                v1::Pillar::Wijkteam,
                v1::Pillar::Wmo,
                v1::Pillar::Participatie
            ])
            .is_empty()
        );
        assert_eq!(fields(&[]), ["plan.pijlers"]);
        assert_eq!(
            fields(&[v1::Pillar::Wmo, v1::Pillar::Regie, v1::Pillar::Unspecified]),
            ["plan.pijlers[1]", "plan.pijlers[2]"]
        );
        assert_eq!(
            fields(&[v1::Pillar::Jeugd, v1::Pillar::Wmo, v1::Pillar::Jeugd]),
            ["plan.pijlers[2]"]
        );
        assert_eq!(pijler_violations(&[2, 99]).len(), 1);
    }

    #[test]
    fn memberships() {
        assert_eq!(
            membership(v1::SamenstellingWijziging::Toegetreden as i32),
            Some(Membership::Join)
        );
        assert_eq!(
            membership(v1::SamenstellingWijziging::Vertrokken as i32),
            Some(Membership::Leave)
        );
        assert_eq!(membership(0), None);
        assert_eq!(membership(7), None);
    }
}
