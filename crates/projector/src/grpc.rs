//! `HouseholdHandler`: coordinators read household views and timelines.
//!
//! Personal data is opened here, per request, with the household's key: the read model only
//! holds it sealed.

use std::sync::Arc;
use std::time::Duration;

use prost::Message;
use rondom_bus::KeyStore;
use rondom_domain::seal::{DataKey, Purpose, Sealed};
use rondom_domain::{Bsn, HouseholdId, InvalidInput, PseudonymKey};
use rondom_proto::v1;
use rondom_proto::v1::household_service_server::HouseholdService;
use tokio::sync::watch;
use tonic::{Request, Response, Status};

use crate::error::{Error, Result};
use crate::store::{ReadModel, TimelineQuery};
use crate::view::{self, StoredHousehold, StoredMember, StoredTimelineEntry};

/// Default and largest timeline page.
const DEFAULT_PAGE_SIZE: usize = 50;
const MAX_PAGE_SIZE: usize = 500;
/// Page tokens carry a version so their format can change without confusing old clients.
const PAGE_TOKEN_PREFIX: &str = "v1.";

/// Implements `rondom.v1.HouseholdService`.
#[derive(Debug, Clone)]
pub struct HouseholdHandler {
    inner: Arc<Inner>,
}

#[derive(Debug)]
struct Inner {
    model: ReadModel,
    applied: watch::Receiver<u64>,
    keys: KeyStore,
    pseudonyms: PseudonymKey,
    read_wait: Duration,
}

impl HouseholdHandler {
    /// Returns a handler over `model`; `applied` tells how far the projector got.
    pub fn new(
        model: ReadModel,
        applied: watch::Receiver<u64>,
        keys: KeyStore,
        pseudonyms: PseudonymKey,
        read_wait: Duration,
    ) -> Self {
        Self {
            inner: Arc::new(Inner {
                model,
                applied,
                keys,
                pseudonyms,
                read_wait,
            }),
        }
    }
}

impl Inner {
    /// Waits until the projector has applied `position` (read-your-writes).
    async fn wait_for(&self, position: u64) -> Result<()> {
        if position == 0 {
            return Ok(());
        }
        let mut applied = self.applied.clone();
        match tokio::time::timeout(
            self.read_wait,
            applied.wait_for(|reached| *reached >= position),
        )
        .await
        {
            Ok(Ok(_)) => Ok(()),
            Ok(Err(_)) | Err(_) => Err(Error::NotYetApplied {
                wanted: position,
                reached: *self.applied.borrow(),
            }),
        }
    }

    fn household_id(&self, request: &v1::GetHouseholdRequest) -> Result<HouseholdId> {
        match &request.key {
            Some(v1::get_household_request::Key::HouseholdId(id)) => {
                parse_household_id("household_id", id)
            }
            Some(v1::get_household_request::Key::Bsn(bsn)) => {
                let bsn: Bsn = bsn.parse().map_err(|err: rondom_domain::bsn::BsnError| {
                    InvalidInput::single("bsn", err.to_string())
                })?;
                let pseudonym = self.pseudonyms.pseudonym(&bsn);
                // The BSN never appears in the error: say only that nobody is known by it.
                self.model
                    .household_of(&pseudonym)?
                    .ok_or_else(|| Error::HouseholdNotFound("for this BSN".to_owned()))
            }
            None => Err(InvalidInput::single("key", "give household_id or bsn").into()),
        }
    }

    fn member(
        &self,
        household: &HouseholdId,
        key: Option<&DataKey>,
        member: &StoredMember,
    ) -> v1::Member {
        let identity = key
            .zip(member.identity.clone())
            .and_then(|(key, sealed)| {
                key.open(household, Purpose::Identity, &Sealed::from(sealed))
                    .ok()
            })
            .and_then(|bytes| v1::PersonIdentity::decode(bytes.as_slice()).ok());
        let (display_name, bsn_masked) = match identity {
            Some(identity) => {
                let masked = identity
                    .bsn
                    .parse::<Bsn>()
                    .map(|bsn| bsn.masked())
                    .unwrap_or_default();
                (identity.display_name, masked)
            }
            None => (String::new(), String::new()),
        };
        v1::Member {
            pseudonym: member.pseudonym.clone(),
            display_name,
            bsn_masked,
            joined_position: member.joined_position,
        }
    }

    fn household(
        &self,
        id: &HouseholdId,
        stored: StoredHousehold,
        key: Option<&DataKey>,
    ) -> v1::Household {
        v1::Household {
            household_id: id.to_string(),
            gemeente_code: stored.gemeente_code.clone(),
            members: stored
                .members
                .iter()
                .map(|member| self.member(id, key, member))
                .collect(),
            active_pillars: view::active_pillars(&stored),
            open_signals: stored.open_signals,
            first_activity_at: stored.first_activity_at,
            last_activity_at: stored.last_activity_at,
            last_position: stored.last_position,
            event_count: stored.event_count,
        }
    }

    fn timeline_entry(
        household: &HouseholdId,
        key: Option<&DataKey>,
        position: u64,
        entry: StoredTimelineEntry,
    ) -> v1::TimelineEntry {
        let summary = key
            .zip(entry.summary)
            .and_then(|(key, sealed)| {
                key.open(household, Purpose::Summary, &Sealed::from(sealed))
                    .ok()
            })
            .and_then(|bytes| String::from_utf8(bytes).ok())
            .unwrap_or_default();
        v1::TimelineEntry {
            position,
            event_id: entry.event_id,
            occurred_at: entry.occurred_at,
            pillar: entry.pillar,
            kind: entry.kind,
            source: entry.source,
            summary,
            urgency: entry.urgency,
            r#type: entry.event_type,
        }
    }
}

fn parse_household_id(field: &str, text: &str) -> Result<HouseholdId> {
    text.parse()
        .map_err(|err: rondom_domain::id::InvalidHouseholdId| {
            InvalidInput::single(field, err.to_string()).into()
        })
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

#[tonic::async_trait]
impl HouseholdService for HouseholdHandler {
    #[tracing::instrument(skip_all)]
    async fn get_household(
        &self,
        request: Request<v1::GetHouseholdRequest>,
    ) -> Result<Response<v1::GetHouseholdResponse>, Status> {
        let request = request.into_inner();
        let inner = &self.inner;
        let id = inner.household_id(&request)?;
        inner.wait_for(request.min_position).await?;
        let position = *inner.applied.borrow();
        let stored = inner
            .model
            .household(&id)?
            .ok_or_else(|| Error::HouseholdNotFound(id.to_string()))?;
        let key = inner.keys.get(&id).await.map_err(Error::from)?;
        let household = inner.household(&id, stored, key.as_ref());
        Ok(Response::new(v1::GetHouseholdResponse {
            household: Some(household),
            position,
        }))
    }

    #[tracing::instrument(skip_all)]
    async fn get_timeline(
        &self,
        request: Request<v1::GetTimelineRequest>,
    ) -> Result<Response<v1::GetTimelineResponse>, Status> {
        let request = request.into_inner();
        let inner = &self.inner;
        let id = parse_household_id("household_id", &request.household_id)?;
        let after = parse_page_token(&request.page_token)?;
        let mut pillars = Vec::with_capacity(request.pillars.len());
        for (index, pillar) in request.pillars.iter().enumerate() {
            if rondom_proto::convert::pillar_from_proto(*pillar).is_none() {
                return Err(Error::from(InvalidInput::single(
                    format!("pillars[{index}]"),
                    "unknown pillar",
                ))
                .into());
            }
            pillars.push(*pillar);
        }
        inner.wait_for(request.min_position).await?;
        if !inner.model.has_household(&id)? {
            return Err(Error::HouseholdNotFound(id.to_string()).into());
        }
        // AIP-158: zero means the default, larger than the maximum means the maximum.
        let limit = match request.page_size as usize {
            0 => DEFAULT_PAGE_SIZE,
            size => size.min(MAX_PAGE_SIZE),
        };
        let query = TimelineQuery {
            household: id,
            pillars,
            oldest_first: request.oldest_first,
            after,
            limit,
        };
        let page = inner.model.timeline(&query)?;
        let key = inner.keys.get(&id).await.map_err(Error::from)?;
        let entries = page
            .entries
            .into_iter()
            .map(|(position, entry)| Inner::timeline_entry(&id, key.as_ref(), position, entry))
            .collect();
        let next_page_token = page
            .next
            .map(|position| format!("{PAGE_TOKEN_PREFIX}{position}"))
            .unwrap_or_default();
        Ok(Response::new(v1::GetTimelineResponse {
            entries,
            next_page_token,
        }))
    }
}
