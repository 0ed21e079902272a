//! `OperatorHandler`: the gemeente's operators erase households, list those whose retention
//! period ended, and export what is held on one person. Every call is audited under the
//! purpose beheer, refusals too.

use rondom_access::audit::{Caller, ReadAudit};
use rondom_domain::InvalidInput;
use rondom_projector::Error;
use rondom_projector::request::{PAGE_TOKEN_PREFIX, as_of, parse_household_id};
use rondom_proto::v1;
use rondom_proto::v1::operator_service_server::OperatorService;
use tonic::{Request, Response, Status};

use crate::Lifecycle;

/// Implements `rondom.v1.OperatorService`.
#[derive(Debug, Clone)]
pub struct OperatorHandler {
    lifecycle: Lifecycle,
}

impl OperatorHandler {
    /// Returns a handler over `lifecycle`.
    pub fn new(lifecycle: Lifecycle) -> Self {
        Self { lifecycle }
    }

    /// Starts the audit of a call by `caller`.
    fn audit(&self, caller: &Caller, purpose: i32, on_behalf_of: &str) -> ReadAudit {
        ReadAudit::new(
            self.lifecycle.read.audit.clone(),
            caller,
            purpose,
            on_behalf_of,
        )
    }
}

#[tonic::async_trait]
impl OperatorService for OperatorHandler {
    #[tracing::instrument(skip_all)]
    async fn list_retention_due(
        &self,
        request: Request<v1::ListRetentionDueRequest>,
    ) -> Result<Response<v1::ListRetentionDueResponse>, Status> {
        let caller = Caller::of(&request)?;
        let request = request.into_inner();
        let audit = self.audit(&caller, v1::Purpose::Beheer as i32, "");
        let checked = (|| {
            let as_of = as_of("as_of", request.as_of.as_ref())?;
            let after = match request.page_token.strip_prefix(PAGE_TOKEN_PREFIX) {
                _ if request.page_token.is_empty() => None,
                Some(id) => Some(parse_household_id("page_token", id)?),
                None => {
                    return Err(Error::from(InvalidInput::single(
                        "page_token",
                        "not a token from a previous ListRetentionDue reply",
                    )));
                }
            };
            let limit = match request.page_size as usize {
                0 => 100,
                size => size.min(1000),
            };
            Ok((as_of, after, limit))
        })();
        let (as_of, after, limit) = match checked {
            Ok(checked) => checked,
            Err(err) => return Err(audit.refused(None, err.into()).await),
        };
        let model = self.lifecycle.read.model.clone();
        let terms = self.lifecycle.retention.clone();
        let (due, next) = tokio::task::spawn_blocking(move || {
            crate::retention::due_on(&model, &terms, as_of, after, limit)
        })
        .await
        .map_err(|_| Status::internal("internal error"))??;
        // Which households are due is itself about them: on record, one per household.
        audit
            .answered(
                due.iter()
                    .map(|due| (due.household.to_string(), Vec::new())),
            )
            .await?;
        Ok(Response::new(v1::ListRetentionDueResponse {
            households: due
                .into_iter()
                .map(|due| v1::RetentionDue {
                    household_id: due.household.to_string(),
                    since: Some(rondom_proto::convert::proto_date(due.since)),
                })
                .collect(),
            next_page_token: next
                .map(|id| format!("{PAGE_TOKEN_PREFIX}{id}"))
                .unwrap_or_default(),
        }))
    }

    #[tracing::instrument(skip_all)]
    async fn erase_household(
        &self,
        request: Request<v1::EraseHouseholdRequest>,
    ) -> Result<Response<v1::EraseHouseholdResponse>, Status> {
        let caller = Caller::of(&request)?;
        let request = request.into_inner();
        let audit = self.audit(&caller, v1::Purpose::Beheer as i32, "");
        let id = match parse_household_id("household_id", &request.household_id) {
            Ok(id) => id,
            Err(err) => return Err(audit.refused(None, err.into()).await),
        };
        let reden = match v1::ErasureReason::try_from(request.reden) {
            Ok(v1::ErasureReason::Unspecified) | Err(_) => {
                let input = InvalidInput::single(
                    "reden",
                    "give the legal reason: verzoek_betrokkene, bewaartermijn_verstreken or \
                     onrechtmatig_verwerkt",
                );
                return Err(audit
                    .refused(Some(&id.to_string()), Error::from(input).into())
                    .await);
            }
            Ok(reden) => reden,
        };
        match crate::erasure::erase(
            &self.lifecycle.read,
            &self.lifecycle.eraser,
            id,
            reden,
            &caller.client.id,
        )
        .await
        {
            Ok(response) => {
                audit.answered([(id.to_string(), Vec::new())]).await?;
                tracing::info!(household = %id, reden = ?reden, client = %caller.client.id, "household erased");
                Ok(Response::new(response))
            }
            Err(err) => Err(audit.refused(Some(&id.to_string()), err.into()).await),
        }
    }

    #[tracing::instrument(skip_all)]
    async fn export_person(
        &self,
        request: Request<v1::ExportPersonRequest>,
    ) -> Result<Response<v1::PersonExport>, Status> {
        let caller = Caller::of(&request)?;
        let request = request.into_inner();
        let reden = v1::ExportReden::try_from(request.reden).unwrap_or_default();
        // Only a reference of the accepted form goes on record: anything else could be a name.
        let kenmerk = if kenmerk_form(&request.kenmerk).is_ok() {
            request.kenmerk.as_str()
        } else {
            "(invalid)"
        };
        let audit = self
            .audit(&caller, v1::Purpose::Beheer as i32, "")
            .with_reason(format!("{}, kenmerk {kenmerk}", reden.as_str_name()));
        let bsn = match export_request(&request, reden) {
            Ok(bsn) => bsn,
            Err(err) => return Err(audit.refused(None, err.into()).await),
        };
        let today = rondom_domain::calendar::today();
        match crate::export::export(
            &self.lifecycle.read,
            &self.lifecycle.eraser.publisher,
            &bsn,
            today,
        )
        .await
        {
            Ok((household, export)) => {
                audit
                    .answered([(household.to_string(), export_disclosures(&export))])
                    .await?;
                Ok(Response::new(export))
            }
            // Like a read by BSN: no household named when none is found.
            Err(err) => Err(audit.refused(None, err.into()).await),
        }
    }
}

/// Checks an export request: a valid BSN, a reason, and the request's reference.
fn export_request(
    request: &v1::ExportPersonRequest,
    reden: v1::ExportReden,
) -> Result<rondom_domain::Bsn, Error> {
    let mut violations = rondom_domain::violation::Violations::default();
    let bsn = request
        .bsn
        .parse::<rondom_domain::Bsn>()
        .map_err(|err| violations.push("bsn", err.to_string()))
        .ok();
    if reden == v1::ExportReden::Unspecified {
        violations.push(
            "reden",
            "give the reason: inzageverzoek or overdraagbaarheid",
        );
    }
    if let Err(form) = kenmerk_form(&request.kenmerk) {
        violations.push("kenmerk", form);
    }
    let checked = violations.finish(|| bsn)?;
    checked.ok_or_else(|| Error::from(InvalidInput::single("bsn", "a valid BSN")))
}

/// Checks an export's reference: the form of a case id, and a number in it (the gemeente's
/// registration of the request, e.g. INZ-2026-0042), so it is not a name.
fn kenmerk_form(kenmerk: &str) -> Result<(), String> {
    rondom_domain::code::check_case_id(kenmerk)
        .map_err(|form| format!("the request's reference: {form}"))?;
    if kenmerk.bytes().any(|byte| byte.is_ascii_digit()) {
        Ok(())
    } else {
        Err("the request's reference holds its number (e.g. INZ-2026-0042), not a name".into())
    }
}

/// What an export disclosed, per need-to-know class, on the basis of the person's own request.
fn export_disclosures(export: &v1::PersonExport) -> Vec<v1::Disclosure> {
    let mut counts = std::collections::BTreeMap::<i32, u32>::new();
    for fact in &export.facts {
        *counts.entry(fact.need_to_know).or_default() += 1;
    }
    counts
        .into_iter()
        .map(|(need_to_know, count)| v1::Disclosure {
            need_to_know,
            sight: v1::Sight::Full as i32,
            count,
            basis: rondom_domain::access::Basis::Inzage.to_string(),
        })
        .collect()
}
