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

use crate::assess;
use crate::error::{Error, Result};
use crate::store::{ReadModel, TimelineQuery};
use crate::view::{self, StoredHousehold, StoredMember, StoredTimelineEntry};
use crate::worklist::{self, Cursor, WorklistQuery};

/// Default and largest timeline page.
const DEFAULT_PAGE_SIZE: usize = 50;
const MAX_PAGE_SIZE: usize = 500;
/// The furthest a worklist looks ahead.
const MAX_DUE_WITHIN_DAYS: u32 = 3650;
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
    /// who just joined is found.
    fn household_id(&self, key: HouseholdKey) -> Result<HouseholdId> {
        match key {
            HouseholdKey::Id(id) => Ok(id),
            HouseholdKey::Person(pseudonym) => self
                .model
                .household_of(&pseudonym)?
                .ok_or_else(|| Error::HouseholdNotFound("for this BSN".to_owned())),
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
        as_of: chrono::NaiveDate,
    ) -> v1::Household {
        let deadlines = assess::deadlines(&stored, as_of);
        let risk_flags = assess::risk_flags(&stored, as_of)
            .into_iter()
            .map(|flag| flag as i32)
            .collect();
        let trajectories = stored
            .trajectories
            .iter()
            .map(|trajectory| v1::Trajectory {
                pillar: trajectory.pillar,
                case_id: trajectory.case_id.clone(),
                state: trajectory.stage,
                last_kind: trajectory.last_kind.clone(),
                opened_at: trajectory.opened_at,
                updated_at: trajectory.updated_at,
                providers: trajectory.providers.clone(),
            })
            .collect();
        v1::Household {
            trajectories,
            deadlines,
            regisseur: stored.regisseur.clone(),
            plan: stored.plan.clone(),
            partners: stored.partners.clone(),
            risk_flags,
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
            title: entry.title,
            need_to_know: entry.need_to_know,
            case_id: entry.case_id,
        }
    }
}

/// How a request names a household.
enum HouseholdKey {
    Id(HouseholdId),
    Person(rondom_domain::Pseudonym),
}

fn parse_household_id(field: &str, text: &str) -> Result<HouseholdId> {
    text.parse()
        .map_err(|err: rondom_domain::id::InvalidHouseholdId| {
            InvalidInput::single(field, err.to_string()).into()
        })
}

/// Returns the day a request judges deadlines on: its `as_of`, or today in the Netherlands.
fn as_of(field: &str, date: Option<&v1::Date>) -> Result<chrono::NaiveDate> {
    match date {
        None => Ok(rondom_domain::calendar::today()),
        Some(date) => rondom_proto::convert::naive_date(date).ok_or_else(|| {
            InvalidInput::single(field, "not a date; give year, month and day").into()
        }),
    }
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
        let key = inner.household_key(&request)?;
        let as_of = as_of("as_of", request.as_of.as_ref())?;
        inner.wait_for(request.min_position).await?;
        let id = inner.household_id(key)?;
        let position = *inner.applied.borrow();
        let stored = inner
            .model
            .household(&id)?
            .ok_or_else(|| Error::HouseholdNotFound(id.to_string()))?;
        let key = inner.keys.get(&id).await.map_err(Error::from)?;
        let household = inner.household(&id, stored, key.as_ref(), as_of);
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

    #[tracing::instrument(skip_all)]
    async fn list_households(
        &self,
        request: Request<v1::ListHouseholdsRequest>,
    ) -> Result<Response<v1::ListHouseholdsResponse>, Status> {
        let request = request.into_inner();
        let inner = &self.inner;
        let query = worklist_query(&request)?;
        inner.wait_for(request.min_position).await?;
        let position = *inner.applied.borrow();
        let model = inner.model.clone();
        let page = tokio::task::spawn_blocking(move || worklist::list(&model, &query))
            .await
            .map_err(|_| Status::internal("internal error"))??;
        Ok(Response::new(v1::ListHouseholdsResponse {
            rows: page.rows,
            next_page_token: page.next.map(|cursor| cursor.token()).unwrap_or_default(),
            position,
        }))
    }
}

/// Checks a worklist request and every filter in it at once.
fn worklist_query(request: &v1::ListHouseholdsRequest) -> Result<WorklistQuery> {
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
        gemeente,
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
