//! JetStream's fast-ingest batches (nats-server 2.14 and later, on a stream with
//! `allow_batched`): a run of messages stored one by one as they arrive and acknowledged
//! once, at the end, instead of each on its own.
//!
//! The protocol is in each message's reply subject, `<inbox>.<flow>.fail.<seq>.<op>.$FI`:
//! `seq` counts from 1, `op` is 0 for the first message, 1 for those between and 2 for the
//! last (the commit), `flow` asks the server to acknowledge every so many messages, and `fail`
//! ends the batch at the first message lost on the way. The token before `flow` is the
//! server's batch id. The server answers on the reply subject of the message concerned: a
//! flow acknowledgement `{"type":"ack","seq":..,"msgs":..}` (with the flow it wants, which may
//! be lower than asked), a lost message `{"type":"gap",..}`, a refused one
//! `{"type":"err",..}`, and after the commit the batch's acknowledgement
//! `{"stream":..,"seq":..,"batch":..,"count":..}` or `{"error":..}`. A commit acknowledged
//! with every message counted means every message is stored.

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};

use async_nats::Client;
use bytes::Bytes;
use futures::StreamExt as _;
use serde::Deserialize;
use tokio::sync::{mpsc, oneshot};

use crate::error::BoxError;

/// One message of a batch.
#[derive(Debug)]
pub(crate) struct Message {
    pub subject: String,
    pub payload: Bytes,
}

/// Why a batch is not stored whole.
#[derive(Debug)]
pub(crate) enum Failure {
    /// The server took none of it: the stream does not allow batches, or too many are in
    /// flight. The messages may still go out one by one.
    NotTaken(NotTaken),
    /// Anything else: some messages may be stored, others not.
    Failed(BoxError),
}

/// Why the server took none of a batch.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum NotTaken {
    /// The stream does not allow fast batches (`allow_batched` is off).
    NotAllowed,
    /// The server holds as many batches in flight as it allows.
    TooMany,
}

/// The flow the client asks for: the server acknowledges at least every this many messages.
const FLOW: u64 = 100;
/// Flows of messages sent ahead of the server's last acknowledgement (two, as ADR-50 advises:
/// enough to keep the server busy while an acknowledgement is on its way).
const OUTSTANDING: u64 = 2;

/// JetStream API error codes that mean the server took none of the batch.
const BATCH_PUBLISH_DISABLED: u64 = 10205;
const BATCH_PUBLISH_TOO_MANY_INFLIGHT: u64 = 10211;

/// Sends the batches of one connection. The answers to all of them arrive on one
/// subscription, `<inbox>.>`, and go to the batch whose token they carry: a subscription made
/// and ended per batch was a quarter of nats-server's time under a partner's fan-out (a
/// wildcard subscription walks the server's cache of subjects when it comes and when it goes).
#[derive(Debug)]
pub(crate) struct Publisher {
    client: Client,
    /// `_INBOX.<id>`; batch `n` answers under `<inbox>.<id><n>`, so its token (the server's
    /// batch id, which must be unique on the stream) is unique across processes too.
    inbox: String,
    id: String,
    next: AtomicU64,
    /// The subscription's router, started with the first batch and again when it has ended
    /// (its connection closed).
    router: tokio::sync::Mutex<Option<Router>>,
}

/// A running router: the batches waiting for its answers, by token, and the end of a channel
/// whose drop stops it (when the publisher goes).
#[derive(Debug)]
struct Router {
    waiting: Waiting,
    stop: oneshot::Sender<()>,
}

impl Router {
    /// Whether the router has ended: it has dropped its end of the channel.
    fn ended(&self) -> bool {
        self.stop.is_closed()
    }
}

type Waiting = Arc<Mutex<HashMap<String, mpsc::UnboundedSender<Bytes>>>>;

impl Publisher {
    /// Returns a publisher on `client`; it subscribes when it sends its first batch.
    pub(crate) fn new(client: Client) -> Self {
        let inbox = client.new_inbox();
        let id = inbox.rsplit('.').next().unwrap_or_default().to_owned();
        Self {
            client,
            inbox,
            id,
            next: AtomicU64::new(0),
            router: tokio::sync::Mutex::default(),
        }
    }

    /// Publishes `messages` (at least one) as one batch and returns once the server has
    /// stored every one, all within `timeout`.
    ///
    /// A commit that counts every message means every one is stored because the batch runs
    /// in gap mode `fail` (it ends at the first message lost on the way) and no message
    /// carries a `Nats-Msg-Id` (the server counts a duplicate it drops as taken): keep both
    /// so.
    ///
    /// # Errors
    /// [`Failure::NotTaken`] when the server took none of them; [`Failure::Failed`] when it
    /// did not store them all, did not answer in time or the connection failed.
    pub(crate) async fn publish(
        &self,
        messages: Vec<Message>,
        timeout: std::time::Duration,
    ) -> Result<(), Failure> {
        // One deadline for the whole batch: while the client reconnects, even sending waits.
        tokio::time::timeout(timeout, self.send(messages))
            .await
            .unwrap_or_else(|_| {
                Err(Failure::Failed(
                    "the server did not acknowledge the batch in time".into(),
                ))
            })
    }

    async fn send(&self, messages: Vec<Message>) -> Result<(), Failure> {
        if messages.is_empty() {
            return Ok(());
        }
        let waiting = {
            let mut router = self.router.lock().await;
            let running = match router.take().filter(|running| !running.ended()) {
                Some(running) => running,
                None => self.start_router().await?,
            };
            Arc::clone(&router.insert(running).waiting)
        };
        let count = u64::try_from(messages.len()).unwrap_or(u64::MAX);
        let token = format!("{}{}", self.id, self.next.fetch_add(1, Ordering::Relaxed));
        let (answers, mut replies) = mpsc::unbounded_channel();
        let _registered = Registered::new(waiting, token.clone(), answers);
        // The server reads the reply subject from its end: `<prefix>.<batch id>.<flow>.<gap
        // mode>.<seq>.<op>.$FI`, answering each on the subject it came with.
        let reply_prefix = format!("{}.{token}.{FLOW}.fail", self.inbox);
        let mut flow = Flow::default();
        for (sequence, message) in (1..).zip(messages) {
            // Answers that have arrived may lower the flow; past the window, wait for one.
            while let Ok(reply) = replies.try_recv() {
                flow.take(&reply, count)?;
            }
            while flow.window() <= sequence {
                let reply = answer(&mut replies).await?;
                flow.take(&reply, count)?;
            }
            self.client
                .publish_with_reply(
                    message.subject,
                    // The flow asked for stays in the subject: the server reads it as the
                    // most it may ask for.
                    format!("{reply_prefix}.{sequence}.{}.$FI", op(sequence, count)),
                    message.payload,
                )
                .await
                .map_err(|err| Failure::Failed(err.into()))?;
        }
        loop {
            let reply = answer(&mut replies).await?;
            if flow.take(&reply, count)? == Taken::Stored {
                return Ok(());
            }
        }
    }

    /// Subscribes to every batch's answers and starts the task that hands them out.
    async fn start_router(&self) -> Result<Router, Failure> {
        let replies = self
            .client
            .subscribe(format!("{}.>", self.inbox))
            .await
            .map_err(|err| Failure::Failed(err.into()))?;
        let (stop, stopped) = oneshot::channel();
        let waiting = Waiting::default();
        tokio::spawn(route(
            replies,
            self.inbox.len() + 1,
            Arc::clone(&waiting),
            stopped,
        ));
        Ok(Router { waiting, stop })
    }
}

/// Hands each answer to the batch named by the token after the inbox (`skip` bytes in), until
/// the publisher goes or the connection closes; then every waiting batch learns it.
async fn route(
    mut replies: async_nats::Subscriber,
    skip: usize,
    waiting: Waiting,
    mut stopped: oneshot::Receiver<()>,
) {
    loop {
        let reply = tokio::select! {
            _ = &mut stopped => break,
            reply = replies.next() => match reply {
                Some(reply) => reply,
                None => break,
            },
        };
        let token = reply
            .subject
            .get(skip..)
            .and_then(|rest| rest.split('.').next());
        let batch = token.and_then(|token| lock(&waiting).get(token).cloned());
        if let Some(batch) = batch {
            // A batch that has given up no longer listens.
            let _ = batch.send(reply.payload);
        }
    }
    lock(&waiting).clear();
}

fn lock(
    waiting: &Waiting,
) -> std::sync::MutexGuard<'_, HashMap<String, mpsc::UnboundedSender<Bytes>>> {
    waiting
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
}

/// A batch's place among those waiting for a router's answers, given up when the batch ends
/// however it ends (stored, refused, timed out or dropped with its caller).
struct Registered {
    waiting: Waiting,
    token: String,
}

impl Registered {
    fn new(waiting: Waiting, token: String, answers: mpsc::UnboundedSender<Bytes>) -> Self {
        lock(&waiting).insert(token.clone(), answers);
        Self { waiting, token }
    }
}

impl Drop for Registered {
    fn drop(&mut self) {
        lock(&self.waiting).remove(&self.token);
    }
}

/// The operation of message `sequence` of `count`: 0 starts the batch, 2 commits it (a batch
/// of one is committed at once), 1 is every one between.
fn op(sequence: u64, count: u64) -> u8 {
    match sequence {
        _ if sequence == count => 2,
        1 => 0,
        _ => 1,
    }
}

/// The server's next answer to the batch.
async fn answer(replies: &mut mpsc::UnboundedReceiver<Bytes>) -> Result<Bytes, Failure> {
    replies
        .recv()
        .await
        .ok_or_else(|| Failure::Failed("the connection closed".into()))
}

/// What the server acknowledged so far.
struct Flow {
    /// Whether the server has acknowledged the start: from then on it has taken the batch.
    started: bool,
    /// The last message acknowledged.
    acknowledged: u64,
    /// How often the server acknowledges.
    every: u64,
}

impl Default for Flow {
    fn default() -> Self {
        Self {
            started: false,
            acknowledged: 0,
            every: FLOW,
        }
    }
}

/// One answer of the server, as far as it matters here.
#[derive(Deserialize)]
struct Reply {
    #[serde(rename = "type")]
    kind: Option<String>,
    seq: Option<u64>,
    msgs: Option<u64>,
    batch: Option<String>,
    count: Option<u64>,
    error: Option<ApiError>,
}

#[derive(Deserialize)]
struct ApiError {
    err_code: Option<u64>,
    description: Option<String>,
}

/// Where a batch stands after an answer.
#[derive(Debug, PartialEq, Eq)]
enum Taken {
    Storing,
    Stored,
}

impl Flow {
    /// The first message that must wait for another acknowledgement.
    fn window(&self) -> u64 {
        self.acknowledged
            .saturating_add(self.every.saturating_mul(OUTSTANDING))
    }

    /// Takes one answer of the server about a batch of `count` messages.
    fn take(&mut self, payload: &[u8], count: u64) -> Result<Taken, Failure> {
        let reply: Reply = serde_json::from_slice(payload).map_err(|err| {
            Failure::Failed(format!("the server's answer to a batch does not parse: {err}").into())
        })?;
        if let Some(error) = reply.error {
            // Refused before it started: nothing of it is stored.
            let not_taken = !self.started && reply.kind.is_none();
            return Err(match error.err_code {
                Some(BATCH_PUBLISH_DISABLED) if not_taken => {
                    Failure::NotTaken(NotTaken::NotAllowed)
                }
                Some(BATCH_PUBLISH_TOO_MANY_INFLIGHT) if not_taken => {
                    Failure::NotTaken(NotTaken::TooMany)
                }
                _ => Failure::Failed(
                    format!(
                        "the server refused the batch: {}",
                        error.description.unwrap_or_default()
                    )
                    .into(),
                ),
            });
        }
        match reply.kind.as_deref() {
            Some("ack") => {
                self.started = true;
                self.acknowledged = self.acknowledged.max(reply.seq.unwrap_or(0));
                if let Some(every) = reply.msgs.filter(|every| *every > 0) {
                    self.every = every;
                }
                Ok(Taken::Storing)
            }
            Some("gap") => Err(Failure::Failed(
                "a message of the batch was lost on its way to the server".into(),
            )),
            Some(other) => Err(Failure::Failed(
                format!("unexpected answer to a batch: {other}").into(),
            )),
            None if reply.batch.is_none() => Err(Failure::Failed(
                "the server took the batch's messages one by one: it needs nats-server 2.14 or later"
                    .into(),
            )),
            None if reply.count == Some(count) => Ok(Taken::Stored),
            None => Err(Failure::Failed(
                format!(
                    "the server stored {} of the batch's {count} messages",
                    reply.count.unwrap_or(0)
                )
                .into(),
            )),
        }
    }
}

#[cfg(test)]
mod tests {
    use async_nats::jetstream::{self, stream};

    use super::*;

    #[test]
    fn a_batch_is_stored_only_when_the_commit_counts_every_message() {
        let mut flow = Flow::default();
        let ack = br#"{"type":"ack","seq":0,"msgs":10}"#;
        assert_eq!(flow.take(ack, 3).ok(), Some(Taken::Storing));
        assert_eq!(flow.every, 10, "the server's flow is taken");
        let no_flow = br#"{"type":"ack","seq":0,"msgs":0}"#;
        assert_eq!(flow.take(no_flow, 3).ok(), Some(Taken::Storing));
        assert_eq!(flow.every, 10, "a flow of none is no flow");
        let stored = br#"{"stream":"S","seq":9,"batch":"b","count":3}"#;
        assert_eq!(flow.take(stored, 3).ok(), Some(Taken::Stored));
        let short = br#"{"stream":"S","seq":8,"batch":"b","count":2}"#;
        assert!(matches!(flow.take(short, 3), Err(Failure::Failed(_))));
        let gap = br#"{"type":"gap","last_seq":1,"seq":3}"#;
        assert!(matches!(flow.take(gap, 3), Err(Failure::Failed(_))));
        // A server that does not know batches acknowledges each message as a publish.
        let one_by_one = br#"{"stream":"S","seq":7}"#;
        assert!(matches!(
            Flow::default().take(one_by_one, 3),
            Err(Failure::Failed(_))
        ));
    }

    #[test]
    fn only_a_batch_refused_before_it_started_was_not_taken() {
        let disabled =
            br#"{"error":{"code":400,"err_code":10205,"description":"batch publish is disabled"}}"#;
        assert!(matches!(
            Flow::default().take(disabled, 3),
            Err(Failure::NotTaken(NotTaken::NotAllowed))
        ));
        let busy = br#"{"error":{"code":400,"err_code":10211,"description":"too many"}}"#;
        assert!(matches!(
            Flow::default().take(busy, 3),
            Err(Failure::NotTaken(NotTaken::TooMany))
        ));
        // Once the server acknowledged the start (at 0), part of the batch may be stored.
        let mut started = Flow::default();
        started
            .take(br#"{"type":"ack","seq":0,"msgs":100}"#, 3)
            .ok();
        assert!(matches!(started.take(busy, 3), Err(Failure::Failed(_))));
        // So may it be when one message of it is refused.
        let refused_message = br#"{"type":"err","seq":2,"error":{"code":400,"err_code":10205,"description":"disabled"}}"#;
        assert!(matches!(
            Flow::default().take(refused_message, 3),
            Err(Failure::Failed(_))
        ));
    }

    #[test]
    fn a_batch_starts_commits_last_and_a_batch_of_one_commits_at_once() {
        assert_eq!(op(1, 1), 2);
        assert_eq!((op(1, 2), op(2, 2)), (0, 2));
        assert_eq!((op(1, 3), op(2, 3), op(3, 3)), (0, 1, 2));
    }

    #[test]
    fn the_window_never_overflows() {
        let flow = Flow {
            started: true,
            acknowledged: u64::MAX - 1,
            every: u64::MAX,
        };
        assert_eq!(flow.window(), u64::MAX);
    }

    async fn stream(nats: &rondom_testkit::TestNats, allow_batched: bool) -> (Client, u64) {
        let client = crate::connect(nats.url()).await.expect("connect");
        let jetstream = jetstream::new(client.clone());
        let mut created = jetstream
            .create_stream(stream::Config {
                name: "BATCHES".to_owned(),
                subjects: vec!["batches.>".to_owned()],
                allow_batch_publish: allow_batched,
                ..Default::default()
            })
            .await
            .expect("stream");
        let stored = created.info().await.expect("info").state.messages;
        (client, stored)
    }

    fn messages(count: u64) -> Vec<Message> {
        (0..count)
            .map(|n| Message {
                subject: format!("batches.{n}"),
                payload: n.to_string().into(),
            })
            .collect()
    }

    async fn stored(client: &Client) -> u64 {
        let mut batches = jetstream::new(client.clone())
            .get_stream("BATCHES")
            .await
            .expect("stream");
        batches.info().await.expect("info").state.messages
    }

    #[tokio::test]
    async fn a_stream_that_takes_batches_stores_every_message_of_one() {
        let nats = rondom_testkit::TestNats::start();
        let (client, before) = stream(&nats, true).await;
        assert_eq!(before, 0);
        // More than the server lets a client send ahead of its acknowledgements.
        Publisher::new(client.clone())
            .publish(messages(250), crate::JETSTREAM_TIMEOUT)
            .await
            .map_err(|failure| format!("{failure:?}"))
            .expect("stored");
        assert_eq!(stored(&client).await, 250);
    }

    #[tokio::test]
    async fn a_stream_that_takes_no_batches_stores_nothing_of_one() {
        let nats = rondom_testkit::TestNats::start();
        let (client, _) = stream(&nats, false).await;
        let failure = Publisher::new(client.clone())
            .publish(messages(10), crate::JETSTREAM_TIMEOUT)
            .await;
        assert!(
            matches!(failure, Err(Failure::NotTaken(NotTaken::NotAllowed))),
            "{failure:?}"
        );
        // Whatever the server makes of the rest, none of it is stored: the messages may go
        // out one by one.
        tokio::time::sleep(std::time::Duration::from_millis(200)).await;
        assert_eq!(stored(&client).await, 0);
    }

    #[tokio::test]
    async fn concurrent_batches_of_one_publisher_each_get_their_own_answers() {
        let nats = rondom_testkit::TestNats::start();
        let (client, _) = stream(&nats, true).await;
        let publisher = Publisher::new(client.clone());
        // Sizes past the window need the flow acknowledgements of their own batch.
        let sizes = [1_u64, 2, 64, 99, 100, 101, 250, 450, 3, 64, 333, 1];
        let batches = sizes
            .iter()
            .map(|&size| publisher.publish(messages(size), crate::JETSTREAM_TIMEOUT));
        for (size, stored) in sizes.iter().zip(futures::future::join_all(batches).await) {
            assert!(stored.is_ok(), "a batch of {size}: {stored:?}");
        }
        assert_eq!(stored(&client).await, sizes.iter().sum::<u64>());
        // And one after another on the same subscription.
        for size in [5, 250] {
            publisher
                .publish(messages(size), crate::JETSTREAM_TIMEOUT)
                .await
                .map_err(|failure| format!("{failure:?}"))
                .expect("stored");
        }
        assert_eq!(stored(&client).await, sizes.iter().sum::<u64>() + 255);
        let router = publisher.router.lock().await;
        let waiting = &router.as_ref().expect("a router").waiting;
        assert!(lock(waiting).is_empty(), "no batch left waiting");
    }

    #[tokio::test]
    async fn a_publisher_whose_router_ended_starts_another() {
        let nats = rondom_testkit::TestNats::start();
        let (client, _) = stream(&nats, true).await;
        let publisher = Publisher::new(client.clone());
        publisher
            .publish(messages(3), crate::JETSTREAM_TIMEOUT)
            .await
            .map_err(|failure| format!("{failure:?}"))
            .expect("stored");
        // As a router whose subscription ended (its connection closed) leaves it.
        let (ended, gone) = oneshot::channel();
        drop(gone);
        *publisher.router.lock().await = Some(Router {
            waiting: Waiting::default(),
            stop: ended,
        });
        publisher
            .publish(messages(3), std::time::Duration::from_secs(2))
            .await
            .map_err(|failure| format!("{failure:?}"))
            .expect("answered through a new router");
        assert_eq!(stored(&client).await, 6);
    }
}
