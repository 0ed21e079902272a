//! [`EventWriter`]: from a checked write to an event JetStream has acknowledged.

use std::sync::Arc;

use chrono::{DateTime, NaiveDate, Utc};
use prost::Message as _;
use rondom_access::audit::Caller;
use rondom_bus::stream::{self, KEYS_BUCKET, PERSONS_BUCKET};
use rondom_bus::subject::event_subject;
use rondom_bus::{
    AuditLog, Envelope, EventPublisher, EventType, HouseholdRegistry, KeyStore, Published,
};
use rondom_domain::catalogue;
use rondom_domain::seal::Purpose;
use rondom_domain::{
    Bsn, EventId, GemeenteCode, HouseholdId, InvalidInput, Pillar, Pseudonym, PseudonymKey,
    SourceUrn,
};
use rondom_proto::convert::{proto_date, timestamp};
use rondom_proto::v1;
use rondom_runtime::Keys;
use rondom_runtime::metrics::PublishedLabels;
use tonic::Status;

use crate::error::{Error, Result};

mod gemeenten;
mod moving;
mod retry;
mod standing;

/// A person named in a write.
#[derive(Clone, PartialEq, Eq)]
pub struct DraftPerson {
    pub bsn: Bsn,
    pub display_name: String,
    pub birth_date: Option<NaiveDate>,
}

/// The BSN masked, the name and birth date left out: a person never reaches a log whole.
impl std::fmt::Debug for DraftPerson {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("DraftPerson")
            .field("bsn", &self.bsn)
            .finish_non_exhaustive()
    }
}

/// What a regie write says of the membership of the persons it names.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Membership {
    /// The first person joins the household.
    Join,
    /// The first person leaves it.
    Leave,
    /// Every person named is a member now (an aanpak, a withdrawal, an objection): a
    /// person of another household is refused.
    Stays,
}

/// Which household a write is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Target {
    /// The household of the persons named (created for a first write).
    OfPersons,
    /// A household named by id, published only if its last event is still at
    /// `expected_position`.
    Household {
        id: HouseholdId,
        expected_position: u64,
        change: Option<Membership>,
    },
    /// The household of the provider's request whose case the draft names: the gemeente's
    /// answer (iWmo/iJw 319), which names no person.
    OfRequest,
}

/// The toewijzing a provider's write rests on: the provider may write about care only where
/// the gemeente assigned it, in this case, to its own organisation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Assignment {
    /// The provider's own organisation (from its credentials).
    pub organisatie: String,
    /// The kind of event by which the back-office assigns care in this pillar.
    pub toewijzing: &'static str,
}

/// A checked write, ready to publish.
#[derive(Debug, Clone)]
pub struct Draft {
    pub id: EventId,
    pub source: SourceUrn,
    pub pillar: Pillar,
    /// A kind of the catalogue ([`rondom_domain::catalogue::KINDS`]).
    pub kind: &'static str,
    pub gemeente: Option<GemeenteCode>,
    /// First = the person the event is about; empty only for a regie write.
    pub persons: Vec<DraftPerson>,
    pub target: Target,
    pub occurred_at: DateTime<Utc>,
    pub case_id: String,
    /// Free text, sealed.
    pub note: rondom_domain::FreeText,
    pub body: v1::event::Body,
    /// The gemeenten the writing client serves; a write about a household of another gemeente
    /// is refused as if the household did not exist. Empty for a provider, which is bound by
    /// `assignment` instead.
    pub gemeenten: Vec<GemeenteCode>,
    /// For a provider's write: the toewijzing it must find in the household's log.
    pub assignment: Option<Assignment>,
    /// The write is a provider's request (iWmo/iJw 315, 317): the registry records the
    /// household it landed in under its case ([`rondom_domain::PseudonymKey::of_request`]),
    /// where the answer ([`Target::OfRequest`]) is placed.
    pub makes_request: bool,
    /// The authenticated client, stamped on the event ([`rondom_access::clients::Client::writer`]).
    pub writer: v1::Writer,
}

/// Where a published write landed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Written {
    pub event_id: EventId,
    pub household: HouseholdId,
    pub published: Published,
}

impl From<Written> for v1::WriteResponse {
    fn from(written: Written) -> Self {
        v1::WriteResponse {
            event_id: written.event_id.to_string(),
            household_id: written.household.to_string(),
            position: written.published.position,
            duplicate: written.published.duplicate,
        }
    }
}

/// How long a write's answer waits for its audit record to be stored.
const AUDIT_WAIT: std::time::Duration = std::time::Duration::from_secs(1);

/// The most toewijzingen of one kind a provider's write looks through in a household.
const MAX_ASSIGNMENTS: usize = 1_000;

/// Most events of one household the write path reads from the log: a move, a rectification.
const MAX_HOUSEHOLD_EVENTS: usize = 10_000;

/// Why a write about a person of another gemeente's household is refused.
const OTHER_GEMEENTE: &str = "the person belongs to a household of a gemeente you do not serve";
/// Why a provider's request about a person of another gemeente's household is refused.
const NOT_ADDRESSED: &str =
    "the person belongs to a household of another gemeente than the one the message is sent to";

/// Whether `gemeente` is one of `gemeenten`.
fn is_among(gemeenten: &[GemeenteCode], gemeente: &str) -> bool {
    gemeenten.iter().any(|own| own.as_str() == gemeente)
}

/// Returns the organisation a toewijzing event assigns care to; `None` for a withdrawn one
/// (iWmo/iJw 301 with RedenWijziging 13), which assigns nothing.
fn assigned_to(event: &v1::Event) -> Option<&str> {
    let (provider, aanlevering) = match event.body.as_ref()? {
        v1::event::Body::Jeugdhulp(jeugdhulp) => (&jeugdhulp.aanbieder_agb, jeugdhulp.aanlevering),
        v1::event::Body::WmoVoorzieningToegewezen(toewijzing) => {
            (&toewijzing.aanbieder_agb, toewijzing.aanlevering)
        }
        _ => return None,
    };
    (aanlevering != v1::Aanlevering::Verwijderd as i32).then_some(provider.as_str())
}

/// The person a provider's write is about, as a toewijzing names them: by BSN, from the
/// toewijzing's sealed identity (a pseudonym would not do across a renewal).
#[derive(Clone, Copy)]
struct About<'a> {
    bsn: &'a Bsn,
    key: &'a rondom_domain::seal::DataKey,
}

impl About<'_> {
    /// Whether `toewijzing` (of `household`) is about this person.
    fn is(&self, toewijzing: &v1::Event, household: HouseholdId) -> bool {
        let Some(mention) = toewijzing
            .persons
            .iter()
            .find(|mention| mention.primary)
            .or(toewijzing.persons.first())
        else {
            return false;
        };
        mention
            .identity
            .clone()
            .and_then(|sealed| {
                self.key
                    .open(&household, Purpose::Identity, &sealed.into())
                    .ok()
            })
            .and_then(|bytes| v1::PersonIdentity::decode(bytes.as_slice()).ok())
            .is_some_and(|identity| identity.bsn == self.bsn.as_str())
    }
}

/// The household a write lands in, with its key, which persons are members by it, and the
/// household a joining person leaves by it.
struct Placement {
    household: HouseholdId,
    members: Vec<bool>,
    key: rondom_domain::seal::DataKey,
    /// The first person leaves the household by this write.
    leaves: bool,
    moved_from: Option<HouseholdId>,
    /// The household had no event when the write was placed (it made it, or found it claimed
    /// by a write still on its way): its event must be the household's first, whose gemeente
    /// decides whose household it is.
    unclaimed: bool,
}

impl Placement {
    fn new(household: HouseholdId, members: Vec<bool>, key: rondom_domain::seal::DataKey) -> Self {
        Self {
            household,
            members,
            key,
            leaves: false,
            moved_from: None,
            unclaimed: false,
        }
    }
}

/// What a write finds in the household it would land in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Landing {
    /// A household of a gemeente the client writes for.
    Served,
    /// Another gemeente's household: the write is refused.
    Foreign,
    /// A household a provider's request started, addressed to another gemeente: a provider
    /// names the gemeente it asks, which does not make the client that gemeente's. A
    /// gemeente's own write about the persons starts a household of its own (the request
    /// stays where it is, for the gemeente asked to answer); a provider's is refused.
    Asked,
    /// A household with no event yet, so nobody's (a racing write claimed it, or a crashed
    /// one): the write may land there as its first event, or not at all.
    Unclaimed,
}

/// Counts a published event and how long its publish took.
fn count_published(pillar: Pillar, published: Published, started: std::time::Instant) {
    let metrics = rondom_runtime::metrics::metrics();
    metrics
        .publish_seconds
        .observe(started.elapsed().as_secs_f64());
    metrics
        .events_published
        .get_or_create(&PublishedLabels {
            pillar: pillar.as_str().into(),
            duplicate: published.duplicate,
        })
        .inc();
}

/// Publishes drafts: pseudonymise, resolve, seal, publish, then (for composition changes)
/// update the person registry.
#[derive(Debug)]
pub struct EventWriter {
    pseudonyms: PseudonymKey,
    registry: HouseholdRegistry,
    keys: std::sync::Arc<KeyStore>,
    publisher: EventPublisher,
    audit: AuditLog,
    gemeenten: gemeenten::HouseholdGemeenten,
    applied: Option<Applied>,
}

/// Where the read model of this process applied an event id (its first copy), when the
/// writer runs beside one (`rondom up`): a retry after JetStream's duplicate window is then
/// still known for one.
#[derive(Clone)]
struct Applied(Arc<AppliedAt>);

/// The position the read model applied an event id at, if it did.
type AppliedAt = dyn Fn(&EventId) -> Option<u64> + Send + Sync;

impl std::fmt::Debug for Applied {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Applied(..)")
    }
}

impl EventWriter {
    /// Opens the registry and key store on a provisioned JetStream.
    ///
    /// # Errors
    /// When a bucket cannot be opened.
    pub async fn open(
        jetstream: &async_nats::jetstream::Context,
        keys: &Keys,
    ) -> rondom_bus::Result<Self> {
        Ok(Self {
            pseudonyms: keys.pseudonym.clone(),
            registry: HouseholdRegistry::following(
                stream::bucket(jetstream, PERSONS_BUCKET).await?,
            ),
            keys: KeyStore::following(
                stream::bucket(jetstream, KEYS_BUCKET).await?,
                keys.masters.clone(),
                keys.reload(),
            ),
            publisher: EventPublisher::new(jetstream.clone(), keys.signer.clone()),
            audit: AuditLog::new(jetstream.clone()),
            gemeenten: gemeenten::HouseholdGemeenten::default(),
            applied: None,
        })
    }

    /// Returns this writer knowing where the read model beside it applied each event id
    /// (`applied`): a write whose id it applied before is a retry, whenever it comes, and is
    /// not published again.
    #[must_use]
    pub fn knowing_applied(
        mut self,
        applied: impl Fn(&EventId) -> Option<u64> + Send + Sync + 'static,
    ) -> Self {
        self.applied = Some(Applied(Arc::new(applied)));
        self
    }

    /// Records a write attempt, accepted or refused, in the audit log: who (the caller), what
    /// kind, which household and where it landed, or why not; nothing personal. The event
    /// itself names its writer, so a record that cannot be stored is logged, and the answer
    /// stands.
    pub async fn audited(
        &self,
        caller: &Caller,
        event_type: &str,
        result: Result<Written>,
    ) -> std::result::Result<Written, Status> {
        self.record(caller, event_type, result.map_err(Status::from))
            .await
    }

    /// Publishes `draft` (or records why there is none) and stores the attempt's audit record,
    /// in a task of its own: a caller that goes away after the publish (a deadline, a
    /// cancelled call) cannot keep the write off the audit log.
    ///
    /// # Errors
    /// As [`EventWriter::audited`].
    pub async fn write_audited(
        self: &Arc<Self>,
        caller: &Caller,
        event_type: String,
        draft: Result<Draft>,
    ) -> std::result::Result<Written, Status> {
        let writer = Arc::clone(self);
        let caller = caller.clone();
        tokio::spawn(async move {
            let result = match draft {
                Ok(draft) => writer.write(draft).await,
                Err(err) => Err(err),
            };
            writer.audited(&caller, &event_type, result).await
        })
        .await
        .unwrap_or_else(|_| Err(Status::internal("internal error")))
    }

    /// Records a write refused before it reached this writer (by an adapter's own check) in
    /// the audit log, as [`EventWriter::audited`] records those it refuses; returns `refusal`.
    pub async fn refused(&self, caller: &Caller, event_type: &str, refusal: Status) -> Status {
        match self.record(caller, event_type, Err(refusal)).await {
            Err(status) => status,
            Ok(_) => Status::internal("a refusal recorded as a write"),
        }
    }

    /// Records the write attempts of one call (a batch of signals), each accepted or refused,
    /// as [`EventWriter::audited`] records one: their records go on the log together, before
    /// the answer as long as NATS answers promptly.
    pub async fn audited_all(
        &self,
        caller: &Caller,
        attempts: &[(String, std::result::Result<Written, Status>)],
    ) {
        let records = attempts
            .iter()
            .map(|(event_type, result)| write_record(caller, event_type, result))
            .collect();
        let unreachable = attempts.iter().all(|(_, result)| unreachable(result));
        self.store(records, unreachable).await;
    }

    /// Stores the audit record of a write attempt and returns its outcome.
    async fn record(
        &self,
        caller: &Caller,
        event_type: &str,
        result: std::result::Result<Written, Status>,
    ) -> std::result::Result<Written, Status> {
        let record = write_record(caller, event_type, &result);
        self.store(vec![record], unreachable(&result)).await;
        result
    }

    /// Stores `records` of write attempts. They are stored before the answer as long as NATS
    /// answers promptly, so the log keeps the order of events (within a batch, the order of
    /// its signals). When it does not (an outage, or the attempts failed for want of NATS:
    /// `unreachable`), the sender is answered anyway and the records are still tried in the
    /// background (stored if NATS answers within the publish timeout, else the failure is
    /// logged): each event, already acknowledged, names its writer.
    async fn store(&self, records: Vec<v1::AuditRecord>, unreachable: bool) {
        let audit = self.audit.clone();
        let stored = tokio::spawn(async move {
            if let Err(err) = audit.record(&records).await {
                tracing::error!(
                    error = &err as &dyn std::error::Error,
                    records = records.len(),
                    "cannot record a write in the audit log"
                );
            }
        });
        if !unreachable {
            let _ = tokio::time::timeout(AUDIT_WAIT, stored).await;
        }
    }

    /// Returns whether a client serving `gemeenten` may write about `household`: its gemeente
    /// (the one its first event names) is among them.
    async fn serves(&self, gemeenten: &[GemeenteCode], household: &HouseholdId) -> Result<bool> {
        Ok(self
            .origin_of(household)
            .await?
            .is_some_and(|origin| is_among(gemeenten, &origin.gemeente)))
    }

    /// What a write for `gemeenten` finds in `household`, which it would land in.
    async fn landing(
        &self,
        gemeenten: &[GemeenteCode],
        household: &HouseholdId,
    ) -> Result<Landing> {
        Ok(match self.origin_of(household).await? {
            Some(origin) if is_among(gemeenten, &origin.gemeente) => Landing::Served,
            Some(origin) if origin.by_provider => Landing::Asked,
            Some(_) => Landing::Foreign,
            None => Landing::Unclaimed,
        })
    }

    /// Whose `household` is, by its first event; `None` while it has none (a household
    /// claimed by a write still on its way, or by one that never arrived).
    async fn origin_of(&self, household: &HouseholdId) -> Result<Option<gemeenten::Origin>> {
        if let Some(origin) = self.gemeenten.get(household) {
            return Ok(Some(origin));
        }
        let Some(first) = self.publisher.first_event(household).await? else {
            return Ok(None);
        };
        let origin = gemeenten::Origin::of(&first);
        self.gemeenten.remember(*household, origin.clone());
        Ok(Some(origin))
    }

    /// Checks that the latest toewijzing of `draft`'s case in `household`'s log, in its
    /// gemeente, assigns it to the provider (and was not withdrawn since), for the person the
    /// draft is about.
    async fn check_assignment(
        &self,
        draft: &Draft,
        household: HouseholdId,
        key: &rondom_domain::seal::DataKey,
    ) -> Result<()> {
        let Some(assignment) = &draft.assignment else {
            return Ok(());
        };
        let Some(person) = draft.persons.first() else {
            return Err(Error::NotAssigned);
        };
        let gemeente = draft.gemeente.as_ref().map(GemeenteCode::as_str);
        let about = About {
            bsn: &person.bsn,
            key,
        };
        self.assigned(
            household,
            draft.pillar,
            assignment,
            &draft.case_id,
            gemeente,
            about,
        )
        .await
    }

    /// Checks that the latest toewijzing of `case_id` in `household`'s log, in `gemeente`,
    /// assigns it to `assignment`'s provider (and was not withdrawn or rectified since), and
    /// is about the person `about` names: a provider writes about the client it was assigned,
    /// not about another member under that client's case.
    async fn assigned(
        &self,
        household: HouseholdId,
        pillar: Pillar,
        assignment: &Assignment,
        case_id: &str,
        gemeente: Option<&str>,
        about: About<'_>,
    ) -> Result<()> {
        let subject = event_subject(&household, pillar, assignment.toewijzing);
        let assigned = self
            .standing_on(&household, pillar, &subject, MAX_ASSIGNMENTS)
            .await?
            .into_iter()
            .map(|received| received.event)
            // The same case of the same gemeente.
            .rfind(|event| {
                event.case_id == case_id && gemeente == Some(event.gemeente_code.as_str())
            })
            .is_some_and(|latest| {
                assigned_to(&latest).is_some_and(|code| code == assignment.organisatie)
                    && about.is(&latest, household)
            });
        if assigned {
            Ok(())
        } else {
            Err(Error::NotAssigned)
        }
    }

    /// Checks that the provider of `assignment` holds the toewijzing of each of `cases` of the
    /// person `bsn`, in `gemeente`: a provider asks to change only the care it was assigned.
    ///
    /// # Errors
    /// [`Error::NotAssigned`] for a case it does not hold (or a person the hub does not
    /// know); bus errors.
    pub async fn holds_toewijzingen(
        &self,
        assignment: &Assignment,
        pillar: Pillar,
        gemeente: &str,
        bsn: &Bsn,
        cases: &[String],
    ) -> Result<()> {
        if cases.is_empty() {
            return Ok(());
        }
        let person = self.pseudonyms.pseudonym(bsn);
        let Some(household) = self.registry.lookup(&person).await? else {
            return Err(Error::NotAssigned);
        };
        let key = self.keys.get(&household).await?.ok_or(Error::NotAssigned)?;
        for case in cases {
            let about = About { bsn, key: &key };
            self.assigned(household, pillar, assignment, case, Some(gemeente), about)
                .await?;
        }
        Ok(())
    }

    /// Checks that the fact a rectification names is an event of the draft's law in
    /// `household`, not rectified before: a rectification of nothing is refused, not written.
    async fn check_rectified(
        &self,
        draft: &Draft,
        household: HouseholdId,
        event_id: &str,
    ) -> Result<()> {
        let events = self
            .publisher
            .received_on(
                &rondom_bus::subject::household_filter(&household),
                MAX_HOUSEHOLD_EVENTS,
            )
            .await?;
        let rectified = |received: &rondom_bus::ReceivedEvent| match &received.event.body {
            Some(v1::event::Body::Rectificatie(earlier)) => earlier.event_id == event_id,
            _ => false,
        };
        let wrong = events.iter().any(|received| {
            received.envelope.id.to_string() == event_id
                && received.envelope.event_type.pillar == draft.pillar
        });
        if wrong && !events.iter().any(rectified) {
            return Ok(());
        }
        Err(Error::Invalid(InvalidInput::single(
            "rectificatie.event_id",
            "not a fact of this law in this household that stands",
        )))
    }

    /// Publishes `draft` and returns where it landed.
    ///
    /// # Errors
    /// [`Error::NotFound`] or [`Error::Stale`] for a regie write on an unknown or changed
    /// household; [`Error::Bus`] when NATS does not complete a step. Nothing is
    /// acknowledged then, and a retry with the same id is safe.
    pub async fn write(&self, draft: Draft) -> Result<Written> {
        debug_assert!(
            matches!(draft.body, v1::event::Body::SignalReceived(_))
                || rondom_domain::catalogue::kind(draft.pillar, draft.kind).is_some(),
            "{}.{} is not in the catalogue",
            draft.pillar,
            draft.kind
        );
        // The registry's keys of the persons; the event names them by their pseudonym in the
        // household it lands in.
        let pseudonyms: Vec<_> = draft
            .persons
            .iter()
            .map(|person| self.pseudonyms.pseudonym(&person.bsn))
            .collect();
        // A write placed in a household with no event yet is published only as its first:
        // when another write was first, it is placed again, and held to that write's gemeente.
        let mut placings = 0;
        let (place, envelope, event, published) = loop {
            placings += 1;
            let place = self.place(&draft, &pseudonyms).await?;
            if let v1::event::Body::Rectificatie(rectificatie) = &draft.body {
                self.check_rectified(&draft, place.household, &rectificatie.event_id)
                    .await?;
            }
            let (envelope, event) = self.event(&draft, &place);
            // Applied before (a retry after the duplicate window): the original stands, as
            // for a duplicate JetStream recognised, and nothing is published again.
            if let Some(position) = self
                .applied
                .as_ref()
                .and_then(|applied| (applied.0)(&draft.id))
            {
                let published = Published {
                    position,
                    duplicate: true,
                };
                break (place, envelope, event, published);
            }
            let started = std::time::Instant::now();
            match self.publish(&draft, &place, &envelope, &event).await {
                Ok(published) => {
                    count_published(draft.pillar, published, started);
                    break (place, envelope, event, published);
                }
                Err(Error::Bus(rondom_bus::Error::Conflict)) if place.unclaimed => {
                    if placings == 3 {
                        return Err(rondom_bus::Error::unavailable(
                            "placing a write in a household without events",
                            "other writes kept coming first",
                        )
                        .into());
                    }
                }
                Err(err) => return Err(err),
            }
        };
        // A retry: the original stands if it is this very write. Where it landed elsewhere
        // (a person moved since), what follows it is not done again: it could only undo
        // what came after.
        let household = if published.duplicate {
            self.original_of(&draft, &place, &event, published.position)
                .await?
        } else {
            place.household
        };
        if household != place.household {
            return Ok(Written {
                event_id: envelope.id,
                household,
                published,
            });
        }
        // The join stands (it was published on condition of the household's position): the
        // person leaves the old household by an event of its own, and their cases follow
        // them, before the registry does. A retry (the registry still naming the old
        // household) publishes both again, as duplicates. A join refused leaves nothing.
        if let (Some(previous), Some(person)) = (place.moved_from, draft.persons.first()) {
            self.leave_previous(&envelope, &draft.writer, person, previous)
                .await?;
            self.move_cases(&envelope, person, previous, &place).await?;
        }
        // The event is the record; the registry follows it. A failure here leaves the
        // event published, and the sender's retry (a duplicate) repeats this step.
        if let (
            Target::Household {
                change: Some(change),
                ..
            },
            Some(person),
        ) = (draft.target, pseudonyms.first())
        {
            match change {
                Membership::Join => self.registry.join(person, place.household).await?,
                Membership::Leave => self.registry.leave(person, place.household).await?,
                Membership::Stays => {}
            }
        }
        if draft.makes_request {
            let key = self.request_key(draft.pillar, &draft.case_id);
            self.registry.join(&key, place.household).await?;
        }
        tracing::info!(
            event_id = %envelope.id,
            household = %place.household,
            position = published.position,
            duplicate = published.duplicate,
            r#type = %envelope.event_type,
            "event published"
        );
        Ok(Written {
            event_id: envelope.id,
            household: place.household,
            published,
        })
    }

    /// A provider reporting care never starts or joins a household: it writes only into the
    /// one that holds its toewijzing, and leaves the registry as it is. (Its request for a
    /// toewijzing, which gives it no sight, is placed as any write about persons.)
    async fn place_assigned(&self, draft: &Draft, pseudonyms: &[Pseudonym]) -> Result<Placement> {
        let mut known = Vec::with_capacity(pseudonyms.len());
        for person in pseudonyms {
            known.push(self.registry.lookup(person).await?);
        }
        let Some(household) = known.first().copied().flatten() else {
            return Err(Error::NotAssigned);
        };
        let key = self.keys.get(&household).await?.ok_or(Error::NotAssigned)?;
        self.check_assignment(draft, household, &key).await?;
        let members = known.iter().map(|k| *k == Some(household)).collect();
        Ok(Placement::new(household, members, key))
    }

    /// Checks, writing nothing, what the log must hold for `draft` to be written: the
    /// toewijzing of a provider's write, the request of an answer. A message of many lines
    /// is checked so, line by line, before any of them is written.
    ///
    /// # Errors
    /// As [`EventWriter::write`] for those grounds.
    pub async fn check_grounds(&self, draft: &Draft) -> Result<()> {
        match draft.target {
            Target::OfPersons if draft.assignment.is_some() => {
                let pseudonyms: Vec<_> = draft
                    .persons
                    .iter()
                    .map(|person| self.pseudonyms.pseudonym(&person.bsn))
                    .collect();
                self.place_assigned(draft, &pseudonyms).await.map(|_| ())
            }
            Target::OfRequest => self.place_of_request(draft).await.map(|_| ()),
            Target::OfPersons | Target::Household { .. } => Ok(()),
        }
    }

    /// The registry's key of the provider's request of `case_id` in `pillar`.
    fn request_key(&self, pillar: Pillar, case_id: &str) -> Pseudonym {
        self.pseudonyms.of_request(pillar.as_str(), case_id)
    }

    /// The household of the request of the answer's case, in a gemeente the client serves;
    /// the answer is about no person of it.
    async fn place_of_request(&self, draft: &Draft) -> Result<Placement> {
        let unknown = || Error::UnknownRequest {
            case_id: draft.case_id.clone(),
        };
        let key = self.request_key(draft.pillar, &draft.case_id);
        let Some(household) = self.registry.lookup(&key).await? else {
            return Err(unknown());
        };
        if !self.serves(&draft.gemeenten, &household).await? {
            return Err(unknown());
        }
        let key = self.keys.get(&household).await?.ok_or_else(unknown)?;
        Ok(Placement::new(household, Vec::new(), key))
    }

    /// The household of the persons, started for a first write. A household erased between
    /// resolving and sealing has no key to give. Its registry entries are stale then (an
    /// erasure removes them before it destroys the key; a restore or a crash may leave some):
    /// drop those of these persons and resolve again, which finds or starts the household
    /// they have now.
    async fn place_of_persons(&self, draft: &Draft, pseudonyms: &[Pseudonym]) -> Result<Placement> {
        // A provider serves no gemeente: it writes to one (its message's addressee).
        let gemeenten = match (&draft.gemeenten[..], &draft.gemeente) {
            ([], Some(addressee)) => std::slice::from_ref(addressee),
            (served, _) => served,
        };
        let refused = || {
            Error::Denied(
                if draft.gemeenten.is_empty() {
                    NOT_ADDRESSED
                } else {
                    OTHER_GEMEENTE
                }
                .to_owned(),
            )
        };
        let mut attempts = 0;
        loop {
            let known = self.registry.lookup_all(pseudonyms).await?;
            // The household they would land in, if they have one, must be of a gemeente the
            // client writes for: else its id and position would reach another gemeente's
            // client, and the write that household (a composition change across gemeenten is
            // refused too). An erased one is nobody's: its stale entries go, as below.
            let existing = known.iter().flatten().next().copied();
            let mut landing = None;
            if let Some(existing) = existing {
                match self.landing(gemeenten, &existing).await? {
                    Landing::Foreign | Landing::Asked
                        if attempts < 3 && self.keys.is_destroyed(&existing).await? =>
                    {
                        attempts += 1;
                        self.leave(pseudonyms, existing).await?;
                        continue;
                    }
                    Landing::Asked if attempts < 3 && !draft.gemeenten.is_empty() => {
                        attempts += 1;
                        self.leave(pseudonyms, existing).await?;
                        continue;
                    }
                    Landing::Foreign | Landing::Asked => return Err(refused()),
                    found => landing = Some(found),
                }
            }
            let resolution = self.registry.resolve_known(pseudonyms, &known).await?;
            // A racing write's household, taken when its claim came first, is held to the same
            // (one this write made, or looked at above, needs no second look).
            let landing = match landing {
                _ if resolution.created => Landing::Unclaimed,
                Some(found) if existing == Some(resolution.household) => found,
                _ => match self.landing(gemeenten, &resolution.household).await? {
                    Landing::Foreign | Landing::Asked => return Err(refused()),
                    found => found,
                },
            };
            // A household this write made has no key to look up: one round trip less.
            let key = if resolution.created {
                self.keys.create(&resolution.household).await
            } else {
                self.keys.get_or_create(&resolution.household).await
            };
            match key {
                Ok(key) => {
                    let mut placement =
                        Placement::new(resolution.household, resolution.members, key);
                    placement.unclaimed = landing == Landing::Unclaimed;
                    return Ok(placement);
                }
                Err(rondom_bus::Error::Erased) if attempts < 3 => {
                    attempts += 1;
                    self.leave(pseudonyms, resolution.household).await?;
                }
                Err(err) => return Err(err.into()),
            }
        }
    }

    /// Drops the registry entries of `pseudonyms` that still name `household` (erased, or
    /// started by another gemeente's provider request).
    async fn leave(&self, pseudonyms: &[Pseudonym], household: HouseholdId) -> Result<()> {
        for person in pseudonyms {
            self.registry.leave(person, household).await?;
        }
        Ok(())
    }

    /// A household named by id (a regie write), in a gemeente the client serves; a person
    /// joining it from another household is noted as moving.
    async fn place_in_household(
        &self,
        draft: &Draft,
        pseudonyms: &[Pseudonym],
        id: HouseholdId,
        change: Option<Membership>,
    ) -> Result<Placement> {
        // Every household with an event has a key: none means no such household.
        let key = self.keys.get(&id).await?.ok_or(Error::NotFound(id))?;
        // Another gemeente's household is answered as unknown: not even its position may
        // reach a client that does not serve it.
        if !self.serves(&draft.gemeenten, &id).await? {
            return Err(Error::NotFound(id));
        }
        if change == Some(Membership::Stays) {
            for (index, person) in pseudonyms.iter().enumerate() {
                if self.registry.lookup(person).await? != Some(id) {
                    return Err(Error::Invalid(InvalidInput::single(
                        format!("persons[{index}]"),
                        "the person is not a member of this household",
                    )));
                }
            }
        }
        let joins = change == Some(Membership::Join);
        // Members now: a join makes them so, `Stays` checked they are.
        let members = joins || change == Some(Membership::Stays);
        let mut placement = Placement::new(id, vec![members; pseudonyms.len()], key);
        placement.leaves = change == Some(Membership::Leave);
        if joins
            && let Some(person) = pseudonyms.first()
            && let Some(current) = self.registry.lookup(person).await?
            && current != id
        {
            if !self.serves(&draft.gemeenten, &current).await? {
                return Err(Error::Denied(OTHER_GEMEENTE.to_owned()));
            }
            placement.moved_from = Some(current);
        }
        Ok(placement)
    }

    /// Builds the event of `draft` in its household ([`seal_event`]).
    fn event(&self, draft: &Draft, place: &Placement) -> (Envelope, v1::Event) {
        let sealing = Sealing {
            household: place.household,
            members: &place.members,
            leaves: place.leaves,
            key: &place.key,
        };
        seal_event(draft, &sealing, &self.pseudonyms)
    }

    /// The household `draft` lands in.
    async fn place(&self, draft: &Draft, pseudonyms: &[Pseudonym]) -> Result<Placement> {
        match draft.target {
            Target::OfPersons if draft.assignment.is_some() => {
                self.place_assigned(draft, pseudonyms).await
            }
            Target::OfPersons => self.place_of_persons(draft, pseudonyms).await,
            Target::OfRequest => self.place_of_request(draft).await,
            Target::Household { id, change, .. } => {
                self.place_in_household(draft, pseudonyms, id, change).await
            }
        }
    }

    /// Publishes the event: a write about persons unconditionally, or as the first event of
    /// a household placed without one ([`rondom_bus::Error::Conflict`] when another write
    /// was first); a regie write only if the household is still at the position it was based
    /// on.
    async fn publish(
        &self,
        draft: &Draft,
        place: &Placement,
        envelope: &Envelope,
        event: &v1::Event,
    ) -> Result<Published> {
        let Target::Household {
            expected_position, ..
        } = draft.target
        else {
            return Ok(if place.unclaimed {
                self.publisher.publish_first(envelope, event).await?
            } else {
                self.publisher.publish(envelope, event).await?
            });
        };
        match self
            .publisher
            .publish_expecting(envelope, event, expected_position)
            .await
        {
            Ok(published) => Ok(published),
            Err(rondom_bus::Error::Conflict) => {
                match self.publisher.last_event(&envelope.subject).await? {
                    None => Err(Error::NotFound(envelope.subject)),
                    // Our own write, retried after the duplicate window: it stands, and the
                    // registry step after it is repeated in case it failed the first time.
                    Some((position, id)) if id == envelope.id.to_string() => Ok(Published {
                        position,
                        duplicate: true,
                    }),
                    Some((current, _)) => Err(Error::Stale { current }),
                }
            }
            Err(err) => Err(err.into()),
        }
    }

    /// Returns how an event of `household` names `person` ([`mention`]).
    fn mention(
        &self,
        person: &DraftPerson,
        household: HouseholdId,
        key: &rondom_domain::seal::DataKey,
    ) -> v1::PersonMention {
        mention(person, household, key, &self.pseudonyms)
    }

    /// Publishes that `person` left `previous` by joining another household with the write
    /// `joined`, as the same writer. Nothing when `previous` was erased meanwhile.
    async fn leave_previous(
        &self,
        joined: &Envelope,
        writer: &v1::Writer,
        person: &DraftPerson,
        previous: HouseholdId,
    ) -> Result<()> {
        let Some(key) = self.keys.get(&previous).await? else {
            return Ok(());
        };
        let gemeente = self
            .publisher
            .first_event(&previous)
            .await?
            .map(|first| first.gemeente_code)
            .unwrap_or_default();
        let event = v1::Event {
            household_id: previous.to_string(),
            pillar: v1::Pillar::Regie as i32,
            kind: catalogue::regie::SAMENSTELLING_GEWIJZIGD.name.into(),
            occurred_at: Some(timestamp(joined.time)),
            gemeente_code: gemeente,
            persons: vec![v1::PersonMention {
                primary: true,
                leaves_household: true,
                ..self.mention(person, previous, &key)
            }],
            body: Some(v1::event::Body::Samenstelling(v1::SamenstellingGewijzigd {
                wijziging: v1::SamenstellingWijziging::Vertrokken as i32,
                reden: v1::SamenstellingReden::Overig as i32,
            })),
            writer: Some(writer.clone()),
            ..Default::default()
        };
        let envelope = Envelope {
            id: joined.id.part("left-previous-household"),
            source: joined.source.clone(),
            event_type: EventType::new(
                Pillar::Regie,
                catalogue::regie::SAMENSTELLING_GEWIJZIGD.name,
            )
            .expect("a catalogue kind"),
            subject: previous,
            time: joined.time,
            writer: joined.writer.clone(),
        };
        self.publisher.publish(&envelope, &event).await?;
        Ok(())
    }
}

/// Where and how a draft is sealed: its household, per person whether they belong to it,
/// whether the first leaves it by this write, and its key.
#[derive(Debug, Clone, Copy)]
pub struct Sealing<'a> {
    pub household: HouseholdId,
    pub members: &'a [bool],
    pub leaves: bool,
    pub key: &'a rondom_domain::seal::DataKey,
}

/// Builds the event of `draft` in its household: persons named by their pseudonym there
/// (`pseudonyms`), personal data and free text sealed under its key. The one way an event is
/// made, also for the benchmark's PostgreSQL peer.
pub fn seal_event(
    draft: &Draft,
    sealing: &Sealing<'_>,
    pseudonyms: &rondom_domain::PseudonymKey,
) -> (Envelope, v1::Event) {
    let Sealing {
        household,
        members,
        leaves,
        key,
    } = *sealing;
    let persons = draft
        .persons
        .iter()
        .zip(members)
        .enumerate()
        .map(|(index, (person, member))| v1::PersonMention {
            household_member: *member,
            primary: index == 0,
            leaves_household: leaves && index == 0,
            ..mention(person, household, key, pseudonyms)
        })
        .collect();
    let mut body = draft.body.clone();
    let detail = rondom_proto::free_text::take(&mut body)
        .map(|text| key.seal(&household, Purpose::Detail, &text).into());
    let summary = key.seal(&household, Purpose::Summary, draft.note.as_str().as_bytes());
    let event = v1::Event {
        household_id: household.to_string(),
        pillar: v1::Pillar::from(draft.pillar) as i32,
        kind: draft.kind.to_owned(),
        occurred_at: Some(timestamp(draft.occurred_at)),
        gemeente_code: draft
            .gemeente
            .map(|code| code.to_string())
            .unwrap_or_default(),
        persons,
        summary: Some(summary.into()),
        case_id: draft.case_id.clone(),
        body: Some(body),
        writer: Some(draft.writer.clone()),
        detail,
    };
    let envelope = Envelope {
        id: draft.id,
        source: draft.source.clone(),
        event_type: EventType::new(draft.pillar, draft.kind)
            .expect("catalogue kinds are snake_case"),
        subject: household,
        time: Utc::now(),
        writer: draft.writer.client_id.clone(),
    };
    (envelope, event)
}

/// Returns how an event of `household` names `person`: by their pseudonym in that household,
/// with their identity sealed under its key.
pub fn mention(
    person: &DraftPerson,
    household: HouseholdId,
    key: &rondom_domain::seal::DataKey,
    pseudonyms: &rondom_domain::PseudonymKey,
) -> v1::PersonMention {
    let identity = v1::PersonIdentity {
        bsn: person.bsn.as_str().to_owned(),
        display_name: person.display_name.clone(),
        birth_date: person.birth_date.map(proto_date),
    };
    v1::PersonMention {
        pseudonym: pseudonyms.in_household(&person.bsn, &household).to_string(),
        identity: Some(
            key.seal(&household, Purpose::Identity, &identity.encode_to_vec())
                .into(),
        ),
        display_name_given: !person.display_name.is_empty(),
        ..Default::default()
    }
}

/// The audit record of a write attempt: who (the caller), what kind, which household and
/// where it landed, or why not; nothing personal.
fn write_record(
    caller: &Caller,
    event_type: &str,
    result: &std::result::Result<Written, Status>,
) -> v1::AuditRecord {
    let record = match result {
        Ok(written) => v1::AuditRecord {
            household_id: written.household.to_string(),
            event_id: written.event_id.to_string(),
            position: written.published.position,
            ..caller.record(0, "")
        },
        Err(status) => v1::AuditRecord {
            outcome: rondom_runtime::metrics::code_name(status.code()).to_owned(),
            reason: rondom_access::audit::reason_of(status),
            ..caller.record(0, "")
        },
    };
    v1::AuditRecord {
        event_type: event_type.to_owned(),
        ..record
    }
}

/// Whether a write failed for want of NATS (so its record would wait in vain).
fn unreachable(result: &std::result::Result<Written, Status>) -> bool {
    result
        .as_ref()
        .is_err_and(|status| status.code() == tonic::Code::Unavailable)
}
