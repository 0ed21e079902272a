//! `HouseholdHandler`: coordinators and partners read household views and timelines, each
//! rendered from what the reader may see ([`rondom_access::render`]), each read stating its
//! purpose and recorded in the audit log before it is answered.
//!
//! Personal data is opened per request, with the household's key, by the render and only
//! where the reader's sight allows it: the read model only holds it sealed.

use std::sync::Arc;

use rondom_access::audit::{Caller, ReadAudit, check_read};
use rondom_access::clients::Client;
use rondom_domain::{Bsn, HouseholdId, InvalidInput};
use rondom_proto::v1;
use rondom_proto::v1::household_service_server::HouseholdService;
use tonic::{Request, Response, Status};

use crate::ReadSide;
use crate::error::{Error, Result};
use crate::store::TimelineQuery;
use crate::worklist::{self, Cursor, WorklistQuery};
use rondom_access::disclosure::{self, Reader, Tally};
use rondom_access::render;
use rondom_fold::StoredHousehold;

/// Default and largest timeline page.
const DEFAULT_PAGE_SIZE: usize = 50;
const MAX_PAGE_SIZE: usize = 500;
/// The most stored pages one timeline read looks through to fill a page for a reader who
/// sees few entries; the next page token continues from there.
const MAX_PAGES_SCANNED: usize = 20;
/// The furthest a worklist looks ahead.
const MAX_DUE_WITHIN_DAYS: u32 = 3650;
/// Page tokens carry a version so their format can change without confusing old clients.
pub const PAGE_TOKEN_PREFIX: &str = "v1.";

/// Implements `rondom.v1.HouseholdService`.
#[derive(Debug, Clone)]
pub struct HouseholdHandler {
    inner: Arc<ReadSide>,
}

impl HouseholdHandler {
    /// Starts the audit of a call by `caller`.
    fn audit(&self, caller: &Caller, purpose: i32, on_behalf_of: &str) -> ReadAudit {
        ReadAudit::new(self.inner.audit.clone(), caller, purpose, on_behalf_of)
    }

    /// Returns a handler over `read`.
    pub fn new(read: ReadSide) -> Self {
        Self {
            inner: Arc::new(read),
        }
    }
}

type Inner = ReadSide;

/// Returns where a partner's sight of the household's events starts, when not at the start:
/// its counts then come from the events since, not from the household's whole history.
fn standing_since(reader: &Reader<'_>, stored: &StoredHousehold) -> Option<u64> {
    let organisatie = reader.client.organisatie.as_deref()?;
    let rondom_domain::access::Role::Partner(pillar) = reader.client.role else {
        return None;
    };
    let pillar = v1::Pillar::from(pillar) as i32;
    stored
        .partners
        .iter()
        .filter(|partner| partner.organisatie == organisatie && partner.pillar == pillar)
        .map(|partner| partner.since_position)
        .min()
        .filter(|since| *since > 0)
}

impl Inner {
    /// Counts the events a partner involved since `since` may see of a household, judged as
    /// its timeline judges them.
    fn visible_event_count(
        &self,
        id: &HouseholdId,
        reader: &Reader<'_>,
        stored: &StoredHousehold,
        since: u64,
    ) -> Result<u64> {
        let mut query = TimelineQuery {
            household: *id,
            pillars: Vec::new(),
            oldest_first: true,
            after: since.checked_sub(1),
            limit: MAX_PAGE_SIZE,
        };
        let mut count = 0;
        loop {
            let page = self.model.timeline(&query)?;
            count += page
                .entries
                .iter()
                .filter(|(position, entry)| {
                    let standing = reader.standing(stored, Some(*position));
                    let class = disclosure::class_of(entry.pillar, &entry.kind);
                    rondom_proto::convert::pillar_from_proto(entry.pillar).is_some_and(|pillar| {
                        standing.sight(pillar, class) >= rondom_domain::access::Sight::Status
                    })
                })
                .count() as u64;
            match page.next {
                Some(next) => query.after = Some(next),
                None => return Ok(count),
            }
        }
    }

    /// Checks the key of a request: a household id, or a BSN as its pseudonym.
    fn household_key(&self, request: &v1::GetHouseholdRequest) -> Result<HouseholdKey> {
        match &request.key {
            Some(v1::get_household_request::Key::HouseholdId(id)) => {
                parse_household_id("household_id", id).map(HouseholdKey::Id)
            }
            Some(v1::get_household_request::Key::Bsn(bsn)) => {
                let bsn: Bsn = bsn.parse().map_err(|err: rondom_domain::bsn::BsnError| {
                    InvalidInput::single("bsn", err.to_string())
                })?;
                Ok(HouseholdKey::Person(self.pseudonyms.pseudonym(&bsn)))
            }
            None => Err(InvalidInput::single("key", "give household_id or bsn").into()),
        }
    }

    /// Finds the household of a key; call it after waiting for `min_position`, so a person
    /// who just joined is found. A person is found through the registry (which household
    /// they are in now): events and views know them only by their pseudonym in each
    /// household, which no BSN leads to without the household.
    async fn household_id(&self, key: HouseholdKey) -> Result<HouseholdId> {
        match key {
            HouseholdKey::Id(id) => Ok(id),
            HouseholdKey::Person(pseudonym) => self
                .registry
                .lookup(&pseudonym)
                .await?
                .ok_or_else(|| Error::HouseholdNotFound("for this BSN".to_owned())),
        }
    }
}

impl Inner {
    /// Returns up to `query.limit` timeline entries as `reader` may see them, and where the
    /// next page starts. A reader who sees few entries gets them from further pages, within
    /// a bound.
    fn visible_timeline(
        &self,
        mut query: TimelineQuery,
        reader: &Reader<'_>,
        stored: &StoredHousehold,
        key: Option<&rondom_domain::seal::DataKey>,
        tally: &mut Tally,
    ) -> Result<(Vec<v1::TimelineEntry>, Option<u64>)> {
        let (id, limit) = (query.household, query.limit);
        let mut entries = Vec::new();
        let mut next = None;
        for _ in 0..MAX_PAGES_SCANNED {
            query.limit = limit - entries.len();
            let page = self.model.timeline(&query)?;
            for (position, entry) in page.entries {
                let standing = reader.standing(stored, Some(position));
                entries.extend(render::timeline_entry(
                    &id, key, position, entry, &standing, tally,
                ));
            }
            next = page.next;
            match next {
                Some(position) if entries.len() < limit => query.after = Some(position),
                _ => break,
            }
        }
        Ok((entries, next))
    }
}

/// How a request names a household.
enum HouseholdKey {
    Id(HouseholdId),
    Person(rondom_domain::Pseudonym),
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
fn timeline_pillars(pillars: &[i32]) -> Result<Vec<i32>> {
    for (index, pillar) in pillars.iter().enumerate() {
        if rondom_proto::convert::pillar_from_proto(*pillar).is_none() {
            return Err(InvalidInput::single(format!("pillars[{index}]"), "unknown pillar").into());
        }
    }
    Ok(pillars.to_vec())
}

fn parse_page_token(token: &str) -> Result<Option<u64>> {
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

impl HouseholdHandler {
    async fn read_household(
        &self,
        caller: &Caller,
        request: v1::GetHouseholdRequest,
        audit: &ReadAudit,
    ) -> Result<v1::GetHouseholdResponse, (Option<HouseholdId>, Status)> {
        let inner = &self.inner;
        let refuse = |id: Option<HouseholdId>| move |err: Error| (id, Status::from(err));
        check_read(caller.client.role, request.purpose, &request.on_behalf_of)
            .map_err(|status| (None, status))?;
        let key = inner.household_key(&request).map_err(refuse(None))?;
        let as_of = as_of("as_of", request.as_of.as_ref()).map_err(refuse(None))?;
        inner
            .wait_for(request.min_position)
            .await
            .map_err(refuse(None))?;
        let id = inner.household_id(key).await.map_err(refuse(None))?;
        let position = inner.position();
        let stored = inner
            .model
            .household(&id)
            .map_err(refuse(Some(id)))?
            .ok_or_else(|| refuse(Some(id))(Error::HouseholdNotFound(id.to_string())))?;
        let reader = Reader {
            client: &caller.client,
            on_behalf_of: &request.on_behalf_of,
        };
        let standing = reader.standing(&stored, None);
        // Everything shown, derived figures included, comes from the facts this reader may
        // see; with none, it is told the same as for a household that does not exist.
        let Some(mut stored) = disclosure::visible(&stored, &standing) else {
            return Err(refuse(Some(id))(Error::HouseholdNotFound(id.to_string())));
        };
        if let Some(since) = standing_since(&reader, &stored) {
            stored.event_count = inner
                .visible_event_count(&id, &reader, &stored, since)
                .map_err(refuse(Some(id)))?;
        }
        let key = inner
            .keys
            .get(&id)
            .await
            .map_err(|err| (Some(id), Status::from(Error::from(err))))?;
        let mut tally = Tally::default();
        let household = render::household(&id, stored, &standing, key.as_ref(), as_of, &mut tally);
        audit
            .answered([(id.to_string(), tally.disclosures())])
            .await
            .map_err(|status| (Some(id), status))?;
        Ok(v1::GetHouseholdResponse {
            household: Some(household),
            position,
        })
    }

    async fn read_timeline(
        &self,
        caller: &Caller,
        request: v1::GetTimelineRequest,
        audit: &ReadAudit,
    ) -> Result<v1::GetTimelineResponse, (Option<HouseholdId>, Status)> {
        let inner = &self.inner;
        let refuse = |id: Option<HouseholdId>| move |err: Error| (id, Status::from(err));
        check_read(caller.client.role, request.purpose, &request.on_behalf_of)
            .map_err(|status| (None, status))?;
        let id = parse_household_id("household_id", &request.household_id).map_err(refuse(None))?;
        let after = parse_page_token(&request.page_token).map_err(refuse(Some(id)))?;
        let pillars = timeline_pillars(&request.pillars).map_err(refuse(Some(id)))?;
        inner
            .wait_for(request.min_position)
            .await
            .map_err(refuse(Some(id)))?;
        let stored = inner
            .model
            .household(&id)
            .map_err(refuse(Some(id)))?
            .ok_or_else(|| refuse(Some(id))(Error::HouseholdNotFound(id.to_string())))?;
        let reader = Reader {
            client: &caller.client,
            on_behalf_of: &request.on_behalf_of,
        };
        if !reader.reads(&stored) {
            // Told the same as for a household that does not exist.
            return Err(refuse(Some(id))(Error::HouseholdNotFound(id.to_string())));
        }
        // AIP-158: zero means the default, larger than the maximum means the maximum.
        let limit = match request.page_size as usize {
            0 => DEFAULT_PAGE_SIZE,
            size => size.min(MAX_PAGE_SIZE),
        };
        let key = inner
            .keys
            .get(&id)
            .await
            .map_err(|err| (Some(id), Status::from(Error::from(err))))?;
        let query = TimelineQuery {
            household: id,
            pillars,
            oldest_first: request.oldest_first,
            after,
            limit,
        };
        let mut tally = Tally::default();
        let (entries, next) = inner
            .visible_timeline(query, &reader, &stored, key.as_ref(), &mut tally)
            .map_err(refuse(Some(id)))?;
        audit
            .answered([(id.to_string(), tally.disclosures())])
            .await
            .map_err(|status| (Some(id), status))?;
        Ok(v1::GetTimelineResponse {
            entries,
            next_page_token: next
                .map(|position| format!("{PAGE_TOKEN_PREFIX}{position}"))
                .unwrap_or_default(),
        })
    }

    async fn read_worklist(
        &self,
        caller: &Caller,
        request: v1::ListHouseholdsRequest,
        audit: &ReadAudit,
    ) -> Result<v1::ListHouseholdsResponse, Status> {
        let inner = &self.inner;
        check_read(caller.client.role, request.purpose, &request.on_behalf_of)?;
        let mut query = worklist_query(&request, &caller.client)?;
        // A coordinator's worklist holds the gemeenten it serves, or the one of them it asks.
        query.gemeenten = match query.gemeenten.as_slice() {
            [] => caller
                .client
                .gemeenten
                .iter()
                .map(ToString::to_string)
                .collect(),
            [asked] if caller.client.serves(asked) => query.gemeenten,
            [asked, ..] => {
                return Err(Status::permission_denied(format!(
                    "client {} does not serve gemeente {asked}",
                    caller.client.id
                )));
            }
        };
        inner.wait_for(request.min_position).await?;
        let position = inner.position();
        let model = inner.model.clone();
        let page = tokio::task::spawn_blocking(move || worklist::list(&model, &query))
            .await
            .map_err(|_| Status::internal("internal error"))??;
        audit
            .answered(page.rows.iter().map(|row| {
                let shown = v1::Disclosure {
                    need_to_know: v1::NeedToKnow::Household as i32,
                    sight: v1::Sight::Status as i32,
                    count: 1,
                };
                (row.household_id.clone(), vec![shown])
            }))
            .await?;
        Ok(v1::ListHouseholdsResponse {
            rows: page.rows,
            next_page_token: page.next.map(|cursor| cursor.token()).unwrap_or_default(),
            position,
        })
    }
}

/// Answers a read of one household, recording a refusal against the household it named.
async fn answer<T>(
    audit: &ReadAudit,
    read: Result<T, (Option<HouseholdId>, Status)>,
) -> Result<Response<T>, Status> {
    match read {
        Ok(response) => Ok(Response::new(response)),
        Err((id, status)) => Err(audit
            .refused(id.map(|id| id.to_string()).as_deref(), status)
            .await),
    }
}

#[tonic::async_trait]
impl HouseholdService for HouseholdHandler {
    #[tracing::instrument(skip_all)]
    async fn get_household(
        &self,
        request: Request<v1::GetHouseholdRequest>,
    ) -> Result<Response<v1::GetHouseholdResponse>, Status> {
        let caller = Caller::of(&request)?;
        let request = request.into_inner();
        let audit = self.audit(&caller, request.purpose, &request.on_behalf_of);
        answer(&audit, self.read_household(&caller, request, &audit).await).await
    }

    #[tracing::instrument(skip_all)]
    async fn get_timeline(
        &self,
        request: Request<v1::GetTimelineRequest>,
    ) -> Result<Response<v1::GetTimelineResponse>, Status> {
        let caller = Caller::of(&request)?;
        let request = request.into_inner();
        let audit = self.audit(&caller, request.purpose, &request.on_behalf_of);
        answer(&audit, self.read_timeline(&caller, request, &audit).await).await
    }

    #[tracing::instrument(skip_all)]
    async fn list_households(
        &self,
        request: Request<v1::ListHouseholdsRequest>,
    ) -> Result<Response<v1::ListHouseholdsResponse>, Status> {
        let caller = Caller::of(&request)?;
        let request = request.into_inner();
        let audit = self.audit(&caller, request.purpose, &request.on_behalf_of);
        match self.read_worklist(&caller, request, &audit).await {
            Ok(response) => Ok(Response::new(response)),
            Err(status) => Err(audit.refused(None, status).await),
        }
    }
}

/// Checks a worklist request and every filter in it at once.
fn worklist_query(request: &v1::ListHouseholdsRequest, reader: &Client) -> Result<WorklistQuery> {
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
    let limit = match request.page_size as usize {
        0 => DEFAULT_PAGE_SIZE,
        size => size.min(MAX_PAGE_SIZE),
    };
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
