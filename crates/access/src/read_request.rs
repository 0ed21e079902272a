//! What a reader states, checked: the purpose and on-behalf-of of every read (a purpose that
//! is a task of the caller's role, a staff id rather than a name) and what an operator's
//! `ListAuditRecords` asks for. Pure: the read handlers call these before they read.

use rondom_bus::audit::{AuditQuery, MAX_PAGE};
use rondom_domain::access::{Purpose, Role};
use rondom_proto::convert::purpose_from_proto;
use rondom_proto::status;
use rondom_proto::v1;
use tonic::Status;

/// Checks what every read states: its purpose, which must be given (`INVALID_ARGUMENT`) and
/// be a task of the caller's role (`PERMISSION_DENIED`), and whom it reads for, which is a
/// staff id, never a name.
///
/// # Errors
/// The status to answer with.
pub fn check_read(role: Role, purpose: i32, on_behalf_of: &str) -> Result<Purpose, Status> {
    let mut violations = rondom_domain::violation::Violations::default();
    let purpose = purpose_from_proto(purpose);
    if purpose.is_none() {
        let purposes = Purpose::ALL.map(Purpose::as_str).join(", ");
        violations.push("purpose", format!("state why you read: one of {purposes}"));
    }
    if let Err(reason) = staff_id(on_behalf_of) {
        violations.push("on_behalf_of", reason);
    }
    let purpose = violations
        .finish(|| purpose.expect("checked above"))
        .map_err(|input| status::invalid_argument(&input))?;
    if !purpose.allowed_for(role) {
        return Err(Status::permission_denied(format!(
            "{role} may not read for purpose {purpose}"
        )));
    }
    Ok(purpose)
}

/// Checks an optional staff id.
pub(crate) fn staff_id(on_behalf_of: &str) -> Result<(), &'static str> {
    if on_behalf_of.is_empty() {
        Ok(())
    } else {
        rondom_domain::code::check_staff_id(on_behalf_of)
    }
}

/// Audit page tokens carry a version so their format can change without confusing clients.
pub(crate) const AUDIT_PAGE_TOKEN_PREFIX: &str = "v1.";
const DEFAULT_PAGE: usize = 100;

/// Checks what a `ListAuditRecords` request asks for: a household, a client or both, and
/// where a page starts.
pub(crate) fn audit_query(
    request: &v1::ListAuditRecordsRequest,
) -> Result<AuditQuery, rondom_domain::InvalidInput> {
    let mut violations = rondom_domain::violation::Violations::default();
    let client_id = (!request.client_id.is_empty()).then(|| request.client_id.clone());
    let household_id = (!request.household_id.is_empty()).then(|| {
        if request
            .household_id
            .parse::<rondom_domain::HouseholdId>()
            .is_err()
        {
            violations.push("household_id", "not a household id");
        }
        request.household_id.clone()
    });
    if let Some(id) = &client_id
        && !rondom_bus::audit::is_subject_token(id)
    {
        violations.push("client_id", "not a client id (a-z, 0-9, '-' and '_')");
    }
    if client_id.is_none() && household_id.is_none() {
        violations.push("household_id", "give household_id or client_id (or both)");
    }
    // `v1.<after>.<until>`: where the next page starts and where the listing ends (a token
    // of an earlier version, `v1.<after>`, lists to the log's end).
    let (after, until) = if request.page_token.is_empty() {
        (Some(0), None)
    } else {
        let mut positions = request
            .page_token
            .strip_prefix(AUDIT_PAGE_TOKEN_PREFIX)
            .unwrap_or_default()
            .split('.')
            .map(|position| position.parse::<u64>().ok());
        match (positions.next(), positions.next(), positions.next()) {
            (Some(Some(after)), None, None) => (Some(after), None),
            (Some(Some(after)), Some(Some(until)), None) => (Some(after), Some(until)),
            _ => {
                violations.push(
                    "page_token",
                    "not a token from a previous ListAuditRecords reply",
                );
                (None, None)
            }
        }
    };
    let limit = match request.page_size as usize {
        0 => DEFAULT_PAGE,
        size => size.min(MAX_PAGE),
    };
    violations.finish(|| AuditQuery {
        client_id,
        household_id,
        after: after.unwrap_or_default(),
        since: None,
        until,
        limit,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use rondom_domain::Pillar;
    use tonic::Code;

    #[test]
    fn an_audit_page_token_says_where_the_page_starts_and_the_listing_ends() {
        let query = |token: &str| {
            audit_query(&v1::ListAuditRecordsRequest {
                client_id: "dev-coordinator".into(),
                page_token: token.into(),
                ..Default::default()
            })
            .map(|query| (query.after, query.until))
        };
        assert_eq!(query("").ok(), Some((0, None)), "a first page");
        assert_eq!(query("v1.17.40").ok(), Some((17, Some(40))));
        assert_eq!(
            query("v1.17").ok(),
            Some((17, None)),
            "an earlier version's token lists to the log's end"
        );
        for bad in [
            "v1.",
            "v1.17.",
            "v1.a.40",
            "v1.17.40.1",
            "v2.17.40",
            "17.40",
        ] {
            assert!(query(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn a_read_states_a_purpose_of_its_role_and_reads_for_an_id() {
        let missing = check_read(Role::Coordinator, 0, "").expect_err("no purpose");
        assert_eq!(
            check_read(
                Role::Coordinator,
                v1::Purpose::Regie as i32,
                "Fatima Jansen"
            )
            .expect_err("a name")
            .code(),
            Code::InvalidArgument
        );
        assert_eq!(missing.code(), Code::InvalidArgument);
        let wrong = check_read(
            Role::Partner(Pillar::Jeugd),
            v1::Purpose::Schuldhulpverlening as i32,
            "mw-1",
        )
        .expect_err("not its task");
        assert_eq!(wrong.code(), Code::PermissionDenied);
        assert_eq!(
            check_read(
                Role::Partner(Pillar::Jeugd),
                v1::Purpose::UitvoeringJeugdwet as i32,
                "",
            )
            .ok(),
            Some(Purpose::UitvoeringJeugdwet)
        );
    }
}
