//! `SubscriptionHandler`: each subscription reads its events through a JetStream consumer:
//! a reader shared by the subscriptions of the same filters ([`crate::follow`]), an ordered
//! consumer of its own for a start at a time, or a durable one per client and name. Each
//! event is judged against the read model once the projector has applied it, redacted, and
//! sent through a bounded queue. What is waiting is judged in batches of up to `BATCH` (64):
//! their disclosures go on record in one pipelined write before any of them is sent.
//!
//! Backpressure: the queue holds [`QUEUE`] deliveries and HTTP/2 flow control holds the rest of
//! the way, so a slow partner only slows its own reading: behind a shared reader it falls
//! out of the window and goes on with a reader of its own. A durable subscription also
//! stops at [`MAX_ACK_PENDING`] unacknowledged events. Events the partner may not see are
//! acknowledged at once, so they never count against it.

use std::collections::{BTreeMap, HashSet};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use async_nats::jetstream::context::ConsumerInfoErrorKind;
use async_nats::jetstream::{self, consumer};
use futures::{FutureExt, StreamExt};
use rondom_access::audit::{Caller, ReadAudit};
use rondom_access::clients::Client;
use rondom_access::disclosure::{Reader, Tally, class_of};
use rondom_access::live_clients::Credentials;
use rondom_access::read_request::check_read;
use rondom_bus::ReceivedEvent;
use rondom_bus::stream::EVENTS_STREAM;
use rondom_domain::HouseholdId;
use rondom_domain::access::{Sight, Standing};
use rondom_domain::catalogue::NeedToKnow;
use rondom_fold::StoredHousehold;
use rondom_projector::ReadSide;
use rondom_proto::status;
use rondom_proto::v1;
use rondom_proto::v1::subscribe_request::Request as Step;
use rondom_runtime::metrics::{Counter, Gauge, metrics};
use sha2::{Digest, Sha256};
use tokio::sync::mpsc;
use tokio_stream::wrappers::ReceiverStream;
use tokio_util::sync::CancellationToken;
use tonic::{Request, Response, Status, Streaming};

use crate::follow::{Delivered, Fetched, Messages, Readers};
use crate::request::{self, From, Plan};
use crate::shared::{EncodedDelivery, Judged, SharedEvents};
use crate::wire::Deliveries;
use rondom_access::render::delivery;

/// Deliveries queued per subscription before the consumer stops pulling.
pub const QUEUE: usize = 64;
/// Unacknowledged events a durable subscription may hold.
pub const MAX_ACK_PENDING: i64 = 256;
/// How long a delivered event may stay unacknowledged before JetStream offers it again.
pub const ACK_WAIT: Duration = Duration::from_secs(5 * 60);
/// A durable subscription nobody connected to for this long is removed.
pub const INACTIVE_THRESHOLD: Duration = Duration::from_secs(30 * 24 * 60 * 60);
/// How long a caller has to send its open request.
const OPEN_WAIT: Duration = Duration::from_secs(10);

type Held = Arc<Mutex<BTreeMap<u64, Delivered>>>;

/// Where a subscription's deliveries (or the status that ends it) wait to go out.
type Outbox = mpsc::Sender<Result<Arc<EncodedDelivery>, Status>>;

/// Implements `rondom.v1.SubscriptionService`.
#[derive(Debug, Clone)]
pub struct SubscriptionHandler {
    read: ReadSide,
    jetstream: jetstream::Context,
    /// Durable consumers with a connected partner in this process: one reader per name.
    connected: Arc<Mutex<HashSet<String>>>,
    /// Ends every subscription when the hub shuts down, so the server can drain.
    stop: CancellationToken,
    /// The recent events as every subscription sees them, judged once per standing.
    shared: Arc<SharedEvents>,
    /// The consumers the subscriptions that are not durable share.
    readers: Arc<Readers>,
}

impl SubscriptionHandler {
    /// Returns a handler over the projector's read side; `stop` ends every subscription
    /// (with `UNAVAILABLE`, so partners reconnect elsewhere or later).
    pub fn new(read: ReadSide, jetstream: jetstream::Context, stop: CancellationToken) -> Self {
        Self {
            read,
            jetstream,
            connected: Arc::default(),
            stop,
            shared: Arc::default(),
            readers: Arc::default(),
        }
    }
}

/// Returns the JetStream consumer name of a durable subscription: a hash, so no client can
/// reach another's by choosing names, and nothing a client chose ends up in a NATS name.
pub fn consumer_name(client: &str, durable: &str) -> String {
    let digest = Sha256::digest(format!("{client}\n{durable}").as_bytes());
    format!("sub_{}", &hex::encode(digest)[..32])
}

/// Releases a durable name when its stream ends.
struct Connected {
    names: Arc<Mutex<HashSet<String>>>,
    name: String,
}

impl Drop for Connected {
    fn drop(&mut self) {
        self.names
            .lock()
            .expect("connected lock")
            .remove(&self.name);
    }
}

fn deliver_policy(from: From) -> consumer::DeliverPolicy {
    match from {
        From::After(position) => crate::follow::start_after(position),
        From::Time(time) => consumer::DeliverPolicy::ByStartTime {
            start_time: time::OffsetDateTime::from_unix_timestamp_nanos(
                time.timestamp_nanos_opt().map_or(0, i128::from),
            )
            .unwrap_or(time::OffsetDateTime::UNIX_EPOCH),
        },
        From::Live => consumer::DeliverPolicy::New,
    }
}

fn unavailable(what: &str, err: impl std::fmt::Display) -> Status {
    tracing::warn!(error = %err, "{what}");
    status::unavailable(format!("{what}; try again"))
}

impl SubscriptionHandler {
    /// Creates the consumer a plan asks for; for a durable one, also claims its name.
    async fn messages(
        &self,
        client: &Client,
        plan: &Plan,
    ) -> Result<(Messages, Option<Connected>), Status> {
        let stream = self
            .jetstream
            .get_stream(EVENTS_STREAM)
            .await
            .map_err(|err| unavailable("cannot open the event stream", err))?;
        let Some(durable) = &plan.durable else {
            let after = match plan.from {
                From::After(position) => Some(position),
                From::Live => Some(stream.cached_info().state.last_sequence),
                From::Time(_) => None,
            };
            if let Some(after) = after {
                let messages = self
                    .readers
                    .follow(stream, plan.subjects.clone(), after)
                    .await
                    .map_err(|err| unavailable("cannot start the subscription", err))?;
                return Ok((messages, None));
            }
            let consumer = stream
                .create_consumer(consumer::pull::OrderedConfig {
                    filter_subjects: plan.subjects.clone(),
                    deliver_policy: deliver_policy(plan.from),
                    ..Default::default()
                })
                .await
                .map_err(|err| unavailable("cannot start the subscription", err))?;
            let messages = consumer
                .messages()
                .await
                .map_err(|err| unavailable("cannot start the subscription", err))?;
            let messages: Messages =
                Box::pin(messages.map(|item| item.map_err(Into::into).and_then(Fetched::own)));
            return Ok((messages, None));
        };
        let name = consumer_name(&client.id, durable);
        if !self
            .connected
            .lock()
            .expect("connected lock")
            .insert(name.clone())
        {
            return Err(Status::failed_precondition(format!(
                "durable subscription {durable} is already connected; one reader at a time"
            )));
        }
        let connected = Connected {
            names: self.connected.clone(),
            name: name.clone(),
        };
        let config = consumer::pull::Config {
            durable_name: Some(name.clone()),
            name: Some(name.clone()),
            description: Some(format!("subscription {durable} of client {}", client.id)),
            deliver_policy: deliver_policy(plan.from),
            ack_policy: consumer::AckPolicy::Explicit,
            ack_wait: ACK_WAIT,
            max_ack_pending: MAX_ACK_PENDING,
            filter_subjects: plan.subjects.clone(),
            inactive_threshold: INACTIVE_THRESHOLD,
            ..Default::default()
        };
        let consumer = durable_consumer(&stream, &name, durable, config, &plan.subjects).await?;
        let messages = consumer
            .messages()
            .await
            .map_err(|err| unavailable("cannot start the subscription", err))?;
        let messages: Messages =
            Box::pin(messages.map(|item| item.map_err(Into::into).and_then(Fetched::own)));
        Ok((messages, Some(connected)))
    }
}

/// Opens the durable consumer `name` of subscription `durable` with `config`: created the
/// first time, reused with the same filters after, and recreated from its ack floor when it
/// holds deliveries the partner never acknowledged.
async fn durable_consumer(
    stream: &async_nats::jetstream::stream::Stream,
    name: &str,
    durable: &str,
    config: consumer::pull::Config,
    subjects: &[String],
) -> Result<consumer::Consumer<consumer::pull::Config>, Status> {
    let consumer = match stream.consumer_info(name).await {
        Err(err) if err.kind() != ConsumerInfoErrorKind::NotFound => {
            return Err(unavailable("cannot look up the subscription", err));
        }
        Ok(info) => {
            let mut existing = info.config.filter_subjects.clone();
            if !info.config.filter_subject.is_empty() {
                existing.push(info.config.filter_subject.clone());
            }
            existing.sort();
            if existing != subjects {
                return Err(Status::failed_precondition(format!(
                    "durable subscription {durable} exists with other pillar or kind \
                     filters; use a new name for new filters"
                )));
            }
            // Continue strictly after the last acknowledged event and in order: what
            // was delivered but not acknowledged (the partner went away, or the hub
            // stopped) comes again first. JetStream alone would offer it again only
            // after the others.
            let floor = info.ack_floor.stream_sequence;
            if info.delivered.stream_sequence > floor {
                stream
                    .delete_consumer(name)
                    .await
                    .map_err(|err| unavailable("cannot resume the subscription", err))?;
                let resumed = consumer::pull::Config {
                    deliver_policy: if floor == 0 {
                        info.config.deliver_policy
                    } else {
                        consumer::DeliverPolicy::ByStartSequence {
                            start_sequence: floor + 1,
                        }
                    },
                    ..config
                };
                // Retried: between the delete and a create the place is kept only here.
                let mut attempt = 0;
                loop {
                    match stream.create_consumer(resumed.clone()).await {
                        Ok(consumer) => break consumer,
                        Err(err) if attempt >= 4 => {
                            return Err(unavailable("cannot resume the subscription", err));
                        }
                        Err(_) => {
                            attempt += 1;
                            tokio::time::sleep(Duration::from_millis(250)).await;
                        }
                    }
                }
            } else {
                stream
                    .get_consumer::<consumer::pull::Config>(name)
                    .await
                    .map_err(|err| unavailable("cannot resume the subscription", err))?
            }
        }
        Err(_) => stream
            .create_consumer(config)
            .await
            .map_err(|err| unavailable("cannot start the subscription", err))?,
    };
    Ok(consumer)
}

/// What a subscription has sent so far.
#[derive(Debug, Default)]
struct Seen {
    /// The position of the last delivery sent.
    last_sent: u64,
}

/// Disclosures judged but not yet on record, by household.
type Unrecorded = BTreeMap<HouseholdId, Tally>;

/// Most events judged together (see [`Session::judge_batch`]).
const BATCH: usize = 64;

/// How the event stream of a subscription ended.
enum End {
    Finished,
    Lost(rondom_bus::error::BoxError),
}

/// `first` and whatever else `messages` has ready at once, up to [`BATCH`], as long as the
/// view already includes it (`applied`): no delivery waits for the projector on account of a
/// later event. Also returns the message that did not fit, to start the next batch, or the
/// end of the stream when that came first (handled after the batch is sent).
fn ready_with(
    first: Fetched,
    messages: &mut Messages,
    applied: u64,
) -> (Vec<Fetched>, Option<Fetched>, Option<End>) {
    let mut batch = vec![first];
    while batch.len() < BATCH {
        match messages.next().now_or_never() {
            Some(Some(Ok(message))) => {
                if message.position > applied {
                    return (batch, Some(message), None);
                }
                batch.push(message);
            }
            Some(Some(Err(err))) => return (batch, None, Some(End::Lost(err))),
            Some(None) => return (batch, None, Some(End::Finished)),
            None => break,
        }
    }
    (batch, None, None)
}

/// The message carried over from the last batch, else the next one from the consumer.
async fn next_message(
    carried: &mut Option<Fetched>,
    messages: &mut Messages,
) -> Option<Result<Fetched, rondom_bus::error::BoxError>> {
    match carried.take() {
        Some(message) => Some(Ok(message)),
        None => messages.next().await,
    }
}

/// One running subscription.
struct Session {
    read: ReadSide,
    client: Client,
    /// Ends the subscription when the token stops being valid.
    credentials: Credentials,
    on_behalf_of: String,
    audit: ReadAudit,
    durable: bool,
    held: Held,
    stop: CancellationToken,
    shared: Arc<SharedEvents>,
    /// This partner's backlog and the subscriptions' redeliveries, looked up once.
    pending: Gauge,
    redeliveries: Counter,
}

impl Session {
    /// Pulls, judges, redacts and sends until the partner goes away or the consumer fails.
    /// What the partner did not acknowledge comes again when it reconnects (see
    /// [`SubscriptionHandler::messages`]).
    async fn run(self, mut messages: Messages, out: Outbox) {
        let mut seen = Seen::default();
        let mut credentials = self.credentials.clone();
        let invalidated = credentials.invalidated();
        tokio::pin!(invalidated);
        let mut carried = None;
        loop {
            // The token and the hub are looked at before every batch, also when a message
            // is already waiting.
            let next = tokio::select! {
                biased;
                () = out.closed() => break,
                why = &mut invalidated => {
                    // A token that expired or was revoked no longer opens anything, nor keeps
                    // it open.
                    let _ = out.send(Err(Status::unauthenticated(format!(
                        "{why}; subscribe again with a valid one"
                    )))).await;
                    break;
                }
                () = self.stop.cancelled() => {
                    let _ = out.send(Err(status::unavailable("the hub is shutting down; resume later"))).await;
                    break;
                }
                next = next_message(&mut carried, &mut messages) => next,
            };
            let (batch, end) = match next {
                Some(Ok(message)) => {
                    let applied = *self.read.applied.borrow();
                    let (batch, next, end) = ready_with(message, &mut messages, applied);
                    carried = next;
                    (batch, end)
                }
                None => (Vec::new(), Some(End::Finished)),
                Some(Err(err)) => (Vec::new(), Some(End::Lost(err))),
            };
            match self.judge_batch(batch, &mut seen, &out).await {
                Ok(deliveries) => {
                    for (delivery, message) in deliveries {
                        if let Some(message) = message {
                            self.held
                                .lock()
                                .expect("held lock")
                                .insert(delivery.delivery.position, message);
                        }
                        if out.send(Ok(delivery)).await.is_err() {
                            return;
                        }
                    }
                }
                Err(Some(status)) => {
                    let _ = out.send(Err(status)).await;
                    break;
                }
                Err(None) => break,
            }
            match end {
                None => {}
                Some(End::Finished) => break,
                Some(End::Lost(err)) => {
                    let _ = out
                        .send(Err(unavailable(
                            "the subscription lost the event stream",
                            err,
                        )))
                        .await;
                    break;
                }
            }
        }
    }

    /// What to send of a batch of messages, in order, each with the message to hold for a
    /// durable subscription. Their disclosures go on record together before any of them goes
    /// out: one pipelined write and one wait per batch instead of per event.
    async fn judge_batch(
        &self,
        batch: Vec<Fetched>,
        seen: &mut Seen,
        out: &Outbox,
    ) -> Result<Vec<(Arc<EncodedDelivery>, Option<Delivered>)>, Option<Status>> {
        let mut unrecorded = Unrecorded::new();
        let mut deliveries = Vec::with_capacity(batch.len());
        for message in batch {
            if let Some((delivery, message)) =
                self.judge(message, seen, &mut unrecorded, out).await?
            {
                seen.last_sent = delivery.delivery.position;
                deliveries.push((delivery, message));
            }
        }
        if !unrecorded.is_empty() {
            self.audit
                .answered(
                    unrecorded
                        .iter()
                        .map(|(household, tally)| (household.to_string(), tally.disclosures())),
                )
                .await
                .map_err(Some)?;
        }
        Ok(deliveries)
    }

    /// Returns what to send for one message (with the message to hold for a durable
    /// subscription), `Ok(None)` for nothing, `Err(None)` when the partner left. What it
    /// discloses is added to `unrecorded`, to go on record before it goes out.
    async fn judge(
        &self,
        message: Fetched,
        seen: &Seen,
        unrecorded: &mut Unrecorded,
        out: &Outbox,
    ) -> Result<Option<(Arc<EncodedDelivery>, Option<Delivered>)>, Option<Status>> {
        let Some((message, position)) = self.fresh(message, seen).await? else {
            return Ok(None);
        };
        // The view must include this event before it can say who may see it.
        self.applied(position, out).await?;
        let shared = self.shared.at(position);
        let received = shared
            .received(async { self.decode(position, &message) })
            .await;
        // Judged by its household's view as it is now: a basis withdrawn or an erasure since
        // another subscription judged it counts.
        let judged = match received {
            Some(received) => self
                .read
                .model
                .encoded_household(&received.envelope.subject)
                .and_then(|view| view.map(|view| shared.judged(view)).transpose())
                .map_err(|err| Some(unavailable("cannot read the household view", err)))?,
            None => None,
        };
        let (Some(received), Some(judged)) = (received, judged) else {
            self.settle(message).await;
            return Ok(None);
        };
        match self
            .disclose(received, &judged, position, unrecorded)
            .await?
        {
            Some(delivery) => Ok(Some((delivery, self.durable.then_some(message)))),
            None => {
                self.settle(message).await;
                Ok(None)
            }
        }
    }

    /// The message with its stream position when it is new to this subscription; `None`
    /// when the partner holds it or has it already.
    async fn fresh(
        &self,
        fetched: Fetched,
        seen: &Seen,
    ) -> Result<Option<(Delivered, u64)>, Option<Status>> {
        let Fetched {
            message,
            position,
            behind,
            redelivered,
        } = fetched;
        self.pending.set(i64::try_from(behind).unwrap_or(i64::MAX));
        if redelivered {
            self.redeliveries.inc();
        }
        if let Some(held) = self.held.lock().expect("held lock").get_mut(&position) {
            // Offered again while the partner still has it: keep the newest handle only.
            *held = message;
            return Ok(None);
        }
        if position <= seen.last_sent {
            // Offered again after the partner acknowledged it (JetStream's ack wait ran out
            // while the acknowledgement was on its way): it has it already.
            self.settle(message).await;
            return Ok(None);
        }
        Ok(Some((message, position)))
    }

    /// What this partner may be sent of one event, its disclosure added to `unrecorded`;
    /// `None` when it may see nothing of it. The delivery is built once for
    /// every subscription of the same standing (`shared`).
    async fn disclose(
        &self,
        received: &ReceivedEvent,
        shared: &Judged,
        position: u64,
        unrecorded: &mut Unrecorded,
    ) -> Result<Option<Arc<EncodedDelivery>>, Option<Status>> {
        let stored = &shared.stored;
        let household = received.envelope.subject;
        let reader = Reader {
            client: &self.client,
            on_behalf_of: &self.on_behalf_of,
        };
        // Judged as the timeline judges it: across a lane only where the basis covers the
        // person the event is about, known by their current pseudonym (renewals since).
        let primary = stored.current_pseudonym(rondom_fold::primary_of(&received.event));
        let standing = reader.standing_about(
            stored,
            position,
            received.event.pillar,
            &received.event.case_id,
            primary,
        );
        let class = class_of(received.event.pillar, &received.event.kind);
        let pillar = received.envelope.event_type.pillar;
        let signal = matches!(
            received.event.body,
            Some(rondom_proto::v1::event::Body::SignalReceived(_))
        );
        let sight = standing.sight_of(pillar, class, signal);
        if sight == Sight::Nothing {
            return Ok(None);
        }
        // Every delivery is put on record before it goes out: counted with the others of its
        // household in the batch, under the basis it is sent by.
        unrecorded.entry(household).or_default().add(
            &standing,
            (received.event.pillar, signal),
            class,
            sight,
        );
        let build = self.delivery(received, stored, &standing, class, sight);
        let whole = shared.delivery(standing, build).await?;
        // Persons by need: a provider is sent the persons of its own cases, not the others
        // an event names.
        let sent = match reader.persons_for(stored, &standing) {
            Some(known) => shared.narrowed(standing, &whole, &known),
            None => whole,
        };
        // Whose name or BSN goes out, each on the basis the reader knows them by.
        reader.tally_members(
            stored,
            &standing,
            sent.delivery
                .persons
                .iter()
                .filter(|person| !person.display_name.is_empty() || !person.bsn.is_empty())
                .map(|person| person.pseudonym.as_str()),
            unrecorded.entry(household).or_default(),
        );
        Ok(Some(sent))
    }

    /// Builds what readers of `standing` are sent of `received` (`class`, at `sight`), with
    /// the household's key for a full sight; its persons named as the view `stored` names
    /// them now.
    async fn delivery(
        &self,
        received: &ReceivedEvent,
        stored: &StoredHousehold,
        standing: &Standing,
        class: NeedToKnow,
        sight: Sight,
    ) -> Result<v1::Delivery, Option<Status>> {
        let household = received.envelope.subject;
        // An erased household's key is destroyed; a copy this process kept until its watch
        // catches up opens nothing either.
        let key = if sight == Sight::Full && stored.erasure.is_none() {
            self.read
                .keys
                .get(&household)
                .await
                .map_err(|err| Some(unavailable("cannot open the household key", err)))?
        } else {
            None
        };
        let mut built = delivery(received, &household, standing, class, sight, key.as_ref());
        if stored.erasure.is_some() {
            // Nobody, not even by pseudonym: a BSN leads to that again.
            built.persons.clear();
        }
        for person in &mut built.persons {
            let current = stored.current_pseudonym(&person.pseudonym);
            if current != person.pseudonym {
                person.pseudonym = current.to_owned();
            }
        }
        Ok(built)
    }

    /// Decodes the event at `position`; `None` for a malformed message, one this hub did
    /// not sign, or a later copy of an event applied before (no view holds it), which no
    /// partner is sent.
    fn decode(&self, position: u64, message: &jetstream::Message) -> Option<ReceivedEvent> {
        let received = ReceivedEvent::decode(
            position,
            message.headers.as_ref(),
            &message.payload,
            &self.read.signer,
        )
        .map_err(|err| {
            tracing::warn!(position, error = %err, "skipping a message that is not this hub's event");
        })
        .ok()?;
        match self.read.model.first_position_of(&received.envelope.id) {
            Ok(Some(first)) if first != position => None,
            Ok(_) => Some(received),
            Err(err) => {
                tracing::warn!(position, error = %err, "cannot tell whether an event came before; skipped");
                None
            }
        }
    }

    /// Waits until the projector has applied `position`; ends with the partner's stream or
    /// the hub.
    async fn applied(&self, position: u64, out: &Outbox) -> Result<(), Option<Status>> {
        let mut applied = self.read.applied.clone();
        tokio::select! {
            () = out.closed() => Err(None),
            () = self.stop.cancelled() => {
                Err(Some(status::unavailable("the hub is shutting down; resume later")))
            }
            reached = applied.wait_for(|applied| *applied >= position) => {
                reached
                    .map(|_| ())
                    .map_err(|_| Some(status::unavailable("the projector stopped; resume later")))
            }
        }
    }

    /// Acknowledges an event the partner does not get, so it never counts against it.
    async fn settle(&self, message: Delivered) {
        if self.durable
            && let Err(err) = message.ack().await
        {
            tracing::debug!(error = %err, "could not acknowledge a skipped event");
        }
    }
}

/// Reads the partner's acknowledgements and acknowledges what they cover, until the partner
/// stops sending or the subscription ends (`ended`).
async fn acknowledgements(
    mut requests: Streaming<v1::SubscribeRequest>,
    held: Held,
    ended: CancellationToken,
) {
    loop {
        let request = tokio::select! {
            () = ended.cancelled() => break,
            request = requests.message() => request,
        };
        let Ok(Some(request)) = request else { break };
        let Some(Step::Ack(ack)) = request.request else {
            continue;
        };
        let covered = {
            let mut held = held.lock().expect("held lock");
            let rest = held.split_off(&ack.position.saturating_add(1));
            std::mem::replace(&mut *held, rest)
        };
        for message in covered.into_values() {
            if let Err(err) = message.ack().await {
                tracing::debug!(error = %err, "could not pass on an acknowledgement");
            }
        }
    }
}

impl SubscriptionHandler {
    /// `Subscribe`: the first request opens the subscription, later ones acknowledge; the
    /// answer is the stream of deliveries ([`crate::wire`] serves it).
    #[tracing::instrument(skip_all)]
    pub async fn subscribe(
        &self,
        request: Request<Streaming<v1::SubscribeRequest>>,
    ) -> Result<Response<Deliveries>, Status> {
        let caller = Caller::of(&request)?;
        let mut requests = request.into_inner();
        let open = match tokio::time::timeout(OPEN_WAIT, requests.message()).await {
            Ok(Ok(Some(v1::SubscribeRequest {
                request: Some(Step::Open(open)),
            }))) => Ok(open),
            Ok(Err(status)) => return Err(status),
            Ok(Ok(_)) | Err(_) => Err(status::invalid_argument(
                &rondom_domain::InvalidInput::single(
                    "open",
                    "the first message opens the subscription",
                ),
            )),
        };
        let (purpose, on_behalf_of) = open.as_ref().map_or((0, String::new()), |open| {
            (open.purpose, open.on_behalf_of.clone())
        });
        let audit = ReadAudit::new(self.read.audit.clone(), &caller, purpose, &on_behalf_of);
        let opened = async {
            let open = open?;
            check_read(caller.client.role, open.purpose, &open.on_behalf_of)?;
            let plan = request::plan(&open).map_err(|input| status::invalid_argument(&input))?;
            let (messages, connected) = self.messages(&caller.client, &plan).await?;
            // Opening is on record, before anything goes out.
            audit.answered([]).await?;
            Ok::<_, Status>((plan, messages, connected))
        };
        let (plan, messages, connected) = match opened.await {
            Ok(opened) => opened,
            Err(refusal) => return Err(audit.refused(None, refusal).await),
        };
        let held = Held::default();
        let session = Session {
            read: self.read.clone(),
            client: caller.client.clone(),
            credentials: caller.credentials.clone(),
            on_behalf_of,
            audit,
            durable: plan.durable.is_some(),
            held: held.clone(),
            stop: self.stop.clone(),
            shared: self.shared.clone(),
            pending: metrics().subscription_pending_of(&caller.client.id),
            redeliveries: metrics().redeliveries_of("subscription"),
        };
        let (out, deliveries) = mpsc::channel(QUEUE);
        let ended = CancellationToken::new();
        let ending = ended.clone();
        tokio::spawn(async move {
            let _connected = connected;
            session.run(messages, out).await;
            ending.cancel();
        });
        tokio::spawn(acknowledgements(requests, held, ended));
        Ok(Response::new(Box::pin(ReceiverStream::new(deliveries))))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durable_names_are_per_client_and_opaque() {
        let mine = consumer_name("jeugdzorg-noord", "hoofd");
        assert_eq!(mine, consumer_name("jeugdzorg-noord", "hoofd"));
        assert_ne!(mine, consumer_name("jeugdzorg-zuid", "hoofd"));
        // No splitting of ids can make two clients meet.
        assert_ne!(consumer_name("a-b", "c"), consumer_name("a", "b-c"));
        assert!(mine.starts_with("sub_") && !mine.contains("jeugdzorg"));
    }
}
