//! `HouseholdHandler`: coordinators and partners read household views and timelines, each
//! rendered from what the reader may see ([`rondom_access::render`]), each read stating its
//! purpose and recorded in the audit log before it is answered.
//!
//! Personal data is opened per request, with the household's key, by the render and only
//! where the reader's sight allows it: the read model only holds it sealed.

use std::sync::Arc;

use rondom_access::audit::{Caller, ReadAudit};
use rondom_access::read_request::check_read;
use rondom_domain::{Bsn, HouseholdId, InvalidInput};
use rondom_proto::v1;
use rondom_proto::v1::household_service_server::HouseholdService;
use tonic::{Request, Response, Status};

use crate::ReadSide;
use crate::error::{Error, Result};
use crate::request::{
    self, as_of, parse_household_id, parse_page_token, timeline_pillars, worklist_query,
};
use crate::store::TimelineQuery;
use crate::worklist;
use rondom_access::disclosure::{self, Reader, Tally};
use rondom_access::render;
use rondom_fold::StoredHousehold;

/// The most stored entries one timeline read looks through to fill a page for a reader who
/// sees few of them; the next page token continues from there.
const MAX_SCANNED: usize = 10_000;

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

/// The standing of `reader` toward the timeline `entry` at `position`, judged by the
/// household's whole view `stored`: the one judgement of a timeline, its counts and positions.
fn entry_standing(
    reader: &Reader<'_>,
    stored: &StoredHousehold,
    position: u64,
    entry: &rondom_fold::StoredTimelineEntry,
) -> rondom_domain::access::Standing {
    let person = stored.current_pseudonym(&entry.primary);
    reader.standing_about(stored, position, entry.pillar, &entry.case_id, person)
}

/// Whether `reader` sees at least the status of the timeline `entry` at `position`.
fn sees_entry(
    reader: &Reader<'_>,
    stored: &StoredHousehold,
    position: u64,
    entry: &rondom_fold::StoredTimelineEntry,
) -> bool {
    let standing = entry_standing(reader, stored, position, entry);
    let class = disclosure::class_of(entry.pillar, &entry.kind);
    let signal = disclosure::is_signal(entry.pillar, &entry.kind);
    rondom_proto::convert::pillar_from_proto(entry.pillar).is_some_and(|pillar| {
        standing.sight_of(pillar, class, signal) >= rondom_domain::access::Sight::Status
    })
}

/// What a reader may see of a household's activity.
#[derive(Debug, Default)]
struct Activity {
    count: u64,
    first: Option<prost_types::Timestamp>,
    last: Option<prost_types::Timestamp>,
    /// The position of the newest event it may see (0 for none).
    position: u64,
}

/// Returns where a partner's sight of the household's events starts, when not at the start:
/// its counts then come from the events since, not from the household's whole history.
fn standing_since(reader: &Reader<'_>, stored: &StoredHousehold) -> Option<u64> {
    reader.involved_since(stored).filter(|since| *since > 0)
}

impl Inner {
    /// What a partner involved since `since` may see of a household's activity, judged as
    /// its timeline judges it: how many events, the first and the last of them.
    fn visible_activity(
        &self,
        id: &HouseholdId,
        reader: &Reader<'_>,
        stored: &StoredHousehold,
        since: u64,
    ) -> Result<Activity> {
        let mut query = TimelineQuery {
            household: *id,
            pillars: Vec::new(),
            oldest_first: true,
            after: since.checked_sub(1),
            limit: request::MAX_PAGE_SIZE,
        };
        let mut activity = Activity::default();
        loop {
            let page = self.model.timeline(&query)?;
            for (position, entry) in &page.entries {
                if sees_entry(reader, stored, *position, entry) {
                    activity.count += 1;
                    activity.position = *position;
                    activity.first = rondom_fold::model::earlier(activity.first, entry.occurred_at);
                    activity.last = rondom_fold::model::later(activity.last, entry.occurred_at);
                }
            }
            match page.next {
                Some(next) => query.after = Some(next),
                None => return Ok(activity),
            }
        }
    }

    /// The position of the newest fact of the household `reader` may see (0 for none within
    /// [`MAX_SCANNED`] of the newest).
    fn last_seen(
        &self,
        id: &HouseholdId,
        reader: &Reader<'_>,
        stored: &StoredHousehold,
    ) -> Result<u64> {
        // The newest entry is the reader's as a rule: a small first page, whole ones after.
        let mut query = TimelineQuery {
            household: *id,
            pillars: Vec::new(),
            oldest_first: false,
            after: None,
            limit: 16,
        };
        let mut scanned = 0;
        loop {
            let page = self.model.timeline(&query)?;
            for (position, entry) in &page.entries {
                scanned += 1;
                if sees_entry(reader, stored, *position, entry) {
                    return Ok(*position);
                }
            }
            match page.next {
                Some(next) if scanned < MAX_SCANNED => {
                    query.after = Some(next);
                    query.limit = request::MAX_PAGE_SIZE;
                }
                _ => return Ok(0),
            }
        }
    }

    /// Checks the key of a request: a household id, or a BSN.
    fn household_key(&self, request: &v1::GetHouseholdRequest) -> Result<HouseholdKey> {
        match &request.key {
            Some(v1::get_household_request::Key::HouseholdId(id)) => {
                parse_household_id("household_id", id).map(HouseholdKey::Id)
            }
            Some(v1::get_household_request::Key::Bsn(bsn)) => {
                let bsn: Bsn = bsn.parse().map_err(|err: rondom_domain::bsn::BsnError| {
                    InvalidInput::single("bsn", err.to_string())
                })?;
                Ok(HouseholdKey::Person(bsn))
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
            HouseholdKey::Person(bsn) => self
                .registry
                .lookup(&self.pseudonyms.pseudonym(&bsn))
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
        let mut scanned = 0;
        // Stored pages are read whole; the reader's page ends at its `limit`-th entry.
        query.limit = request::MAX_PAGE_SIZE;
        loop {
            let page = self.model.timeline(&query)?;
            for (position, entry) in page.entries {
                scanned += 1;
                if entries.len() == limit {
                    // The page is full: a next page is offered only if the reader sees
                    // something on it, and starts after the last entry it got (a token never
                    // tells of entries it may not see, nor names their positions).
                    if sees_entry(reader, stored, position, &entry) {
                        let last = entries.last().map(|got: &v1::TimelineEntry| got.position);
                        return Ok((entries, last));
                    }
                    continue;
                }
                let standing = entry_standing(reader, stored, position, &entry);
                entries.extend(render::timeline_entry(
                    &id, key, position, entry, &standing, tally,
                ));
            }
            match page.next {
                None => return Ok((entries, None)),
                // Looked through enough for one call: the next goes on from the last entry
                // the reader got, or (with none) from where this one stopped.
                Some(next) if scanned >= MAX_SCANNED => {
                    let last = entries.last().map_or(next, |got| got.position);
                    return Ok((entries, Some(last)));
                }
                Some(next) => query.after = Some(next),
            }
        }
    }
}

/// How a request names a household.
enum HouseholdKey {
    Id(HouseholdId),
    Person(Bsn),
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
        let person = match &key {
            HouseholdKey::Person(bsn) => Some(bsn.clone()),
            HouseholdKey::Id(_) => None,
        };
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
        let Some(mut known) = reader.known(&stored, &standing) else {
            return Err(refuse(Some(id))(Error::HouseholdNotFound(id.to_string())));
        };
        // Found by a person this reader does not need to know (another member of its
        // client's household): answered as for a BSN nobody knows.
        if let Some(bsn) = person {
            let pseudonym = inner.pseudonyms.in_household(&bsn, &id).to_string();
            if !known
                .members
                .iter()
                .any(|member| member.pseudonym == pseudonym)
            {
                return Err(refuse(None)(Error::HouseholdNotFound(
                    "for this BSN".to_owned(),
                )));
            }
        }
        // Entries are judged by the whole view, as the timeline judges them. Only a
        // coordinator, who writes on condition of it, is told where the household's log is;
        // any other reader where the last fact it may see is (else the position would move on
        // facts it may not know of).
        if let Some(since) = standing_since(&reader, &stored) {
            let activity = inner
                .visible_activity(&id, &reader, &stored, since)
                .map_err(refuse(Some(id)))?;
            known.event_count = activity.count;
            known.first_activity_at = activity.first;
            known.last_activity_at = activity.last;
            known.last_position = activity.position;
        } else if standing.role != rondom_domain::access::Role::Coordinator {
            known.last_position = inner
                .last_seen(&id, &reader, &stored)
                .map_err(refuse(Some(id)))?;
        }
        let key = inner
            .keys
            .get(&id)
            .await
            .map_err(|err| (Some(id), Status::from(Error::from(err))))?;
        let mut tally = Tally::default();
        let household = render::household(&id, known, &standing, key.as_ref(), as_of, &mut tally);
        // Whose name or masked BSN went out, each on the basis the reader knows them by.
        reader.tally_members(
            &stored,
            &standing,
            household
                .members
                .iter()
                .filter(|member| !member.display_name.is_empty() || !member.bsn_masked.is_empty())
                .map(|member| member.pseudonym.as_str()),
            &mut tally,
        );
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
        let limit = request::page_size(request.page_size);
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
                .map(|position| format!("{}{position}", request::PAGE_TOKEN_PREFIX))
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
            .answered(page.rows.iter().zip(&page.bases).map(|(row, basis)| {
                let shown = v1::Disclosure {
                    need_to_know: v1::NeedToKnow::Household as i32,
                    sight: v1::Sight::Status as i32,
                    count: 1,
                    basis: basis.clone(),
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
