//! The read requests, checked: the key, the day deadlines are judged on, page tokens and
//! filters of GetHousehold, GetTimeline and ListHouseholds (and the operator's calls), each
//! against its range and every violation at once. Pure: the handlers in `grpc.rs` call these
//! before they read.

use rondom_access::clients::Client;
use rondom_domain::{HouseholdId, InvalidInput};
use rondom_proto::v1;

use crate::error::Result;
use crate::worklist::{Cursor, WorklistQuery};

/// Default and largest timeline page.
const DEFAULT_PAGE_SIZE: usize = 50;
pub(crate) const MAX_PAGE_SIZE: usize = 500;
/// The furthest a worklist looks ahead.
const MAX_DUE_WITHIN_DAYS: u32 = 3650;
/// Page tokens carry a version so their format can change without confusing old clients.
pub const PAGE_TOKEN_PREFIX: &str = "v1.";

/// Returns the page size of a request: AIP-158, zero means the default, larger than the
/// maximum means the maximum.
pub(crate) fn page_size(requested: u32) -> usize {
    match requested as usize {
        0 => DEFAULT_PAGE_SIZE,
        size => size.min(MAX_PAGE_SIZE),
    }
}

/// Parses a household id given in request field `field`.
pub fn parse_household_id(field: &str, text: &str) -> Result<HouseholdId> {
    text.parse()
        .map_err(|err: rondom_domain::id::InvalidHouseholdId| {
            InvalidInput::single(field, err.to_string()).into()
        })
}

/// Returns the day a request judges deadlines on: its `as_of`, or today in the Netherlands.
pub fn as_of(field: &str, date: Option<&v1::Date>) -> Result<chrono::NaiveDate> {
    match date {
        None => Ok(rondom_domain::calendar::today()),
        Some(date) => rondom_proto::convert::naive_date(date).ok_or_else(|| {
            InvalidInput::single(field, "not a date; give year, month and day").into()
        }),
    }
}

/// Checks the pillars a timeline is filtered on.
pub(crate) fn timeline_pillars(pillars: &[i32]) -> Result<Vec<i32>> {
    for (index, pillar) in pillars.iter().enumerate() {
        if rondom_proto::convert::pillar_from_proto(*pillar).is_none() {
            return Err(InvalidInput::single(format!("pillars[{index}]"), "unknown pillar").into());
        }
    }
    Ok(pillars.to_vec())
}

/// Returns the position a timeline page token continues after; `None` for the first page.
pub(crate) fn parse_page_token(token: &str) -> Result<Option<u64>> {
    if token.is_empty() {
        return Ok(None);
    }
    token
        .strip_prefix(PAGE_TOKEN_PREFIX)
        .and_then(|position| position.parse().ok())
        .map(Some)
        .ok_or_else(|| {
            InvalidInput::single(
                "page_token",
                "not a token from a previous GetTimeline reply",
            )
            .into()
        })
}

/// Checks a worklist request and every filter in it at once.
pub(crate) fn worklist_query(
    request: &v1::ListHouseholdsRequest,
    reader: &Client,
) -> Result<WorklistQuery> {
    let mut violations = rondom_domain::violation::Violations::default();
    let gemeente = (!request.gemeente_code.is_empty()).then(|| request.gemeente_code.clone());
    if let Some(code) = &gemeente
        && code.parse::<rondom_domain::GemeenteCode>().is_err()
    {
        violations.push("gemeente_code", "a gemeentecode is 4 digits, e.g. 0363");
    }
    let pillar = match request.pillar {
        0 => None,
        value if rondom_proto::convert::pillar_from_proto(value).is_none() => {
            violations.push("pillar", "unknown pillar");
            None
        }
        value => Some(value),
    };
    if request.no_regisseur && !request.regisseur_id.is_empty() {
        violations.push(
            "no_regisseur",
            "give regisseur_id or no_regisseur, not both",
        );
    }
    if request.overdue && request.due_within_days > 0 {
        violations.push(
            "due_within_days",
            "give overdue or due_within_days, not both",
        );
    }
    if request.due_within_days > MAX_DUE_WITHIN_DAYS {
        violations.push(
            "due_within_days",
            format!("at most {MAX_DUE_WITHIN_DAYS} days (ten years)"),
        );
    }
    let risk_flag = match request.risk_flag {
        0 => None,
        value => v1::RiskFlag::try_from(value).ok().or_else(|| {
            violations.push("risk_flag", "unknown risk flag");
            None
        }),
    };
    let as_of = match request.as_of.as_ref() {
        None => Some(rondom_domain::calendar::today()),
        Some(date) => rondom_proto::convert::naive_date(date).or_else(|| {
            violations.push("as_of", "not a date; give year, month and day");
            None
        }),
    };
    let after = if request.page_token.is_empty() {
        None
    } else {
        Cursor::parse(&request.page_token).or_else(|| {
            violations.push(
                "page_token",
                "not a token from a previous ListHouseholds reply",
            );
            None
        })
    };
    let limit = page_size(request.page_size);
    Ok(violations.finish(|| WorklistQuery {
        reader: reader.clone(),
        gemeenten: gemeente.into_iter().collect(),
        pillar,
        regisseur: (!request.regisseur_id.is_empty()).then(|| request.regisseur_id.clone()),
        no_regisseur: request.no_regisseur,
        overdue: request.overdue,
        due_within_days: (request.due_within_days > 0).then_some(request.due_within_days),
        min_active_pillars: request.min_active_pillars,
        risk_flag,
        as_of: as_of.expect("checked above"),
        limit,
        after,
    })?)
}
