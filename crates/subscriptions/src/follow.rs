//! Subscriptions that read the same events share one JetStream consumer. A [`Reader`] reads
//! the events of one set of filters from a starting position and keeps a window of what it
//! read; every subscription that wants what the window holds follows it instead of opening a
//! consumer of its own, so the server sends an event once per reader, not once per partner.
//!
//! A follower that falls out of the window (its partner reads slower than the others) goes on
//! with a reader from its own position, and back to the older reader once it has caught up
//! with it, so that readers do not multiply after a burst. A reader only reads ahead while
//! its window has room or its furthest follower has reached the newest message: one followed
//! by a single slow partner holds a window, as a consumer of its own would. When a reader's
//! consumer fails, each follower ends after taking what the window still holds (partners
//! resume from their last position).

use std::collections::{HashMap, VecDeque};
use std::pin::Pin;
use std::sync::{Arc, Mutex, Weak};

use async_nats::jetstream::{self, consumer};
use futures::{Stream, StreamExt};
use rondom_bus::error::BoxError;
use tokio::sync::{Notify, watch};
use tokio_util::sync::{CancellationToken, DropGuard};

/// A message as the subscriptions that read it share it.
pub type Delivered = Arc<jetstream::Message>;

/// A message as a subscription reads it, with what its metadata says (read once, from the
/// reply subject).
#[derive(Debug, Clone)]
pub struct Fetched {
    pub message: Delivered,
    /// Its stream position.
    pub position: u64,
    /// How many messages of its filters follow it on the stream as far as its consumer
    /// knows: the subscription's backlog.
    pub behind: u64,
    /// Offered before (by a durable consumer whose ack wait ran out).
    pub redelivered: bool,
}

impl Fetched {
    /// A message of a consumer of the subscription's own, with that consumer's counts.
    pub fn own(message: jetstream::Message) -> Result<Self, BoxError> {
        let info = message.info()?;
        let (position, behind, redelivered) =
            (info.stream_sequence, info.pending, info.delivered > 1);
        Ok(Self {
            message: Arc::new(message),
            position,
            behind,
            redelivered,
        })
    }
}

/// Messages a subscription reads.
pub type Messages = Pin<Box<dyn Stream<Item = Result<Fetched, BoxError>> + Send + 'static>>;

/// Messages a reader keeps for its followers.
pub const WINDOW: usize = 1024;

/// What a reader holds.
#[derive(Debug)]
struct Window {
    /// In stream order, with their positions.
    messages: VecDeque<(u64, Delivered)>,
    /// Every message of the filters at or after this position is in `messages` or still to
    /// come.
    complete_from: u64,
    /// Why nothing more comes, once the reader's consumer failed or ended.
    ended: Option<Arc<str>>,
    /// The last position the furthest follower has taken.
    taken: u64,
    /// Messages of the filters after the newest one here, when the consumer sent it.
    newest_behind: u64,
}

impl Window {
    /// True when everything after `after` is here or still to come.
    fn covers(&self, after: u64) -> bool {
        self.ended.is_none() && self.complete_from <= after.saturating_add(1)
    }
}

/// What a reader and its followers share.
#[derive(Debug)]
struct Shared {
    window: Mutex<Window>,
    /// Counts the changes to the window (a message added, the end).
    changes: watch::Sender<u64>,
    /// A follower has reached the newest message: the reader looks whether it may make room.
    demand: Notify,
    capacity: usize,
}

/// One consumer of a set of filters, followed by the subscriptions that read from it.
/// Its consumer stops when the last follower lets go.
#[derive(Debug)]
pub struct Reader {
    shared: Arc<Shared>,
    _stop: DropGuard,
}

/// What a follower finds after its position.
enum Step {
    /// The next message, with how many follow it (in the window and after).
    Next(Fetched),
    /// Not yet read.
    Wait,
    /// Already gone from the window.
    Lagged,
    Ended(Arc<str>),
}

impl Shared {
    fn lock(&self) -> std::sync::MutexGuard<'_, Window> {
        self.window.lock().expect("reader window lock")
    }

    fn after(&self, position: u64) -> Step {
        let mut window = self.lock();
        if window.complete_from > position.saturating_add(1) {
            return Step::Lagged;
        }
        let next = window
            .messages
            .partition_point(|(held, _)| *held <= position);
        let step = match (window.messages.get(next), &window.ended) {
            (Some((held, message)), _) => Step::Next(Fetched {
                message: message.clone(),
                position: *held,
                behind: (window.messages.len() - next - 1) as u64 + window.newest_behind,
                redelivered: false,
            }),
            (None, Some(why)) => Step::Ended(why.clone()),
            (None, None) => Step::Wait,
        };
        // A follower that is here has taken everything up to its place, also one that joined
        // ahead of the window: it must not wait on slower followers.
        let reached = match &step {
            Step::Next(taken) => taken.position,
            _ => position,
        };
        window.taken = window.taken.max(reached);
        let newest = window.messages.back().map_or(0, |(newest, _)| *newest);
        if reached >= newest {
            // The reader may be waiting for room.
            self.demand.notify_one();
        }
        step
    }

    fn end(&self, why: impl std::fmt::Display) {
        self.lock().ended = Some(why.to_string().into());
        self.changes.send_modify(|changes| *changes += 1);
    }

    /// Adds the message at `position`. When the window is full it waits until the furthest
    /// follower has taken everything in it, then lets the oldest quarter go: the followers
    /// behind that go on with readers of their own, the furthest one never has to.
    async fn add(
        &self,
        position: u64,
        behind: u64,
        message: jetstream::Message,
        stop: &CancellationToken,
    ) {
        let message = Arc::new(message);
        loop {
            let demanded = self.demand.notified();
            {
                let mut window = self.lock();
                let newest = window.messages.back().map_or(0, |(newest, _)| *newest);
                if window.messages.len() >= self.capacity && window.taken >= newest {
                    let keep = self.capacity - self.capacity.div_ceil(4);
                    while window.messages.len() > keep {
                        if let Some((gone, _)) = window.messages.pop_front() {
                            window.complete_from = gone + 1;
                        }
                    }
                }
                if window.messages.len() < self.capacity {
                    window.messages.push_back((position, message));
                    window.newest_behind = behind;
                    break;
                }
            }
            tokio::select! {
                () = stop.cancelled() => return,
                () = demanded => {}
            }
        }
        self.changes.send_modify(|changes| *changes += 1);
    }
}

impl Reader {
    /// Opens an ordered consumer of `subjects` after `after` and starts reading it.
    async fn start(
        stream: &jetstream::stream::Stream,
        subjects: &[String],
        after: u64,
        capacity: usize,
    ) -> Result<Arc<Self>, BoxError> {
        let consumer = stream
            .create_consumer(consumer::pull::OrderedConfig {
                filter_subjects: subjects.to_vec(),
                deliver_policy: start_after(after),
                ..Default::default()
            })
            .await?;
        let messages = consumer.messages().await?;
        let shared = Arc::new(Shared {
            window: Mutex::new(Window {
                messages: VecDeque::new(),
                complete_from: after.saturating_add(1),
                ended: None,
                taken: after,
                newest_behind: 0,
            }),
            changes: watch::Sender::new(0),
            demand: Notify::new(),
            capacity: capacity.max(1),
        });
        let stop = CancellationToken::new();
        tokio::spawn(read(shared.clone(), messages, stop.clone()));
        Ok(Arc::new(Self {
            shared,
            _stop: stop.drop_guard(),
        }))
    }

    /// True when everything after `after` can still be followed here.
    fn covers(&self, after: u64) -> bool {
        self.shared.lock().covers(after)
    }

    /// True when a follower at `after` can go on here at the front: everything after it is
    /// still here or to come, this reader has read as far (the follower would not wait for
    /// it to catch up), and no follower is further (so the next room made here does not
    /// drop what the follower has yet to read, and it does not fall out again at once).
    fn has_reached(&self, after: u64) -> bool {
        let window = self.shared.lock();
        window.covers(after)
            && window.taken <= after
            && window
                .messages
                .back()
                .is_some_and(|(newest, _)| *newest >= after)
    }
}

/// Where a consumer starts that reads what comes after stream position `after`.
pub fn start_after(after: u64) -> consumer::DeliverPolicy {
    match after {
        0 => consumer::DeliverPolicy::All,
        after => consumer::DeliverPolicy::ByStartSequence {
            start_sequence: after.saturating_add(1),
        },
    }
}

/// The reader's loop: the consumer's messages into the window until it fails or ends, or
/// the last follower has gone.
async fn read(
    shared: Arc<Shared>,
    mut messages: impl Stream<Item = Result<jetstream::Message, impl std::fmt::Display>> + Unpin,
    stop: CancellationToken,
) {
    loop {
        let next = tokio::select! {
            biased;
            () = stop.cancelled() => return,
            next = messages.next() => next,
        };
        match next {
            Some(Ok(message)) => match message.info() {
                Ok(info) => {
                    let position = info.stream_sequence;
                    shared.add(position, info.pending, message, &stop).await;
                }
                Err(err) => return shared.end(err),
            },
            Some(Err(err)) => return shared.end(err),
            None => return shared.end("the consumer ended"),
        }
    }
}

/// The readers of one set of filters. Its lock is held while a new reader's consumer is
/// created, so that subscriptions of these filters opened together share one reader;
/// subscriptions of other filters do not wait for it.
type Filtered = Arc<tokio::sync::Mutex<Vec<Weak<Reader>>>>;

/// The readers open in one hub, by filters.
#[derive(Debug)]
pub struct Readers {
    open: Mutex<HashMap<Vec<String>, Filtered>>,
    capacity: usize,
}

impl Default for Readers {
    fn default() -> Self {
        Self::with_window(WINDOW)
    }
}

impl Readers {
    /// Readers keeping `capacity` messages each.
    pub fn with_window(capacity: usize) -> Self {
        Self {
            open: Mutex::default(),
            capacity,
        }
    }

    /// Returns a reader of `subjects` from which everything after `after` can be followed:
    /// an open one, else a new one starting there. One at a time per set of filters (also
    /// while a new reader's consumer is created), so subscriptions opened together share one
    /// reader.
    ///
    /// Runs as a task of its own: a follower's `next` may be polled once and set aside (a
    /// subscription looks whether more is ready), and the lock must not stay with it.
    async fn join(
        self: &Arc<Self>,
        stream: &jetstream::stream::Stream,
        subjects: &[String],
        after: u64,
    ) -> Result<(Filtered, Arc<Reader>), BoxError> {
        let (readers, stream, subjects) = (self.clone(), stream.clone(), subjects.to_vec());
        tokio::spawn(async move { readers.join_now(&stream, &subjects, after).await })
            .await
            .expect("joining a reader does not panic")
    }

    async fn join_now(
        &self,
        stream: &jetstream::stream::Stream,
        subjects: &[String],
        after: u64,
    ) -> Result<(Filtered, Arc<Reader>), BoxError> {
        let filtered = {
            let mut open = self.open.lock().expect("readers lock");
            // Filters nobody is joining and whose readers nobody follows any more are
            // forgotten (one being joined is held by its joiner as well as here).
            open.retain(|_, filtered| {
                Arc::strong_count(filtered) > 1
                    || filtered
                        .try_lock()
                        .is_ok_and(|readers| readers.iter().any(|reader| reader.strong_count() > 0))
            });
            open.entry(subjects.to_vec()).or_default().clone()
        };
        let mut readers = filtered.lock().await;
        readers.retain(|reader| reader.strong_count() > 0);
        // In the order they were opened, the oldest (the one most follow) first.
        if let Some(reader) = readers
            .iter()
            .filter_map(Weak::upgrade)
            .find(|reader| reader.covers(after))
        {
            drop(readers);
            return Ok((filtered, reader));
        }
        let reader = Reader::start(stream, subjects, after, self.capacity).await?;
        readers.push(Arc::downgrade(&reader));
        drop(readers);
        Ok((filtered, reader))
    }

    /// The messages of `subjects` after `after`, in stream order, each once, read through
    /// the readers this hub has open.
    ///
    /// # Errors
    /// When no consumer can be opened.
    pub async fn follow(
        self: &Arc<Self>,
        stream: jetstream::stream::Stream,
        subjects: Vec<String>,
        after: u64,
    ) -> Result<Messages, BoxError> {
        let (filtered, reader) = self.join(&stream, &subjects, after).await?;
        let follower = Follower {
            readers: self.clone(),
            stream,
            subjects,
            filtered,
            changes: reader.shared.changes.subscribe(),
            reader,
            position: after,
            looks_back: true,
        };
        Ok(Box::pin(futures::stream::unfold(
            Some(follower),
            |follower| async move {
                let mut follower = follower?;
                match follower.next().await {
                    Ok(message) => Some((Ok(message), Some(follower))),
                    // Nothing follows an error.
                    Err(err) => Some((Err(err), None)),
                }
            },
        )))
    }
}

/// One subscription's place behind a reader.
struct Follower {
    readers: Arc<Readers>,
    stream: jetstream::stream::Stream,
    subjects: Vec<String>,
    /// The readers of its filters.
    filtered: Filtered,
    reader: Arc<Reader>,
    changes: watch::Receiver<u64>,
    /// The last position read.
    position: u64,
    /// Whether an older reader of its filters may be open: it looks for one when caught up
    /// (false once it finds its own is the oldest, so followers of the oldest look no more).
    looks_back: bool,
}

impl Follower {
    async fn next(&mut self) -> Result<Fetched, BoxError> {
        loop {
            // Marked seen before looking, so a message added after the look wakes the wait.
            self.changes.borrow_and_update();
            match self.reader.shared.after(self.position) {
                Step::Next(fetched) => {
                    self.position = fetched.position;
                    return Ok(fetched);
                }
                Step::Wait => {
                    // Caught up with a reader of its own (it fell out of a window once): back
                    // to the older one, which its own is then left to end.
                    if let Some(older) = self.older_reader() {
                        self.follow(older);
                        continue;
                    }
                    // The sender lives as long as the reader this follower holds.
                    let _ = self.changes.changed().await;
                }
                Step::Lagged => {
                    let (_, reader) = self
                        .readers
                        .join(&self.stream, &self.subjects, self.position)
                        .await?;
                    self.follow(reader);
                    self.looks_back = true;
                }
                Step::Ended(why) => return Err(why.to_string().into()),
            }
        }
    }

    fn follow(&mut self, reader: Arc<Reader>) {
        self.changes = reader.shared.changes.subscribe();
        self.reader = reader;
    }

    /// The oldest reader of its filters, opened before its own, at which it can go on at the
    /// front ([`Reader::has_reached`]), if any; none while the filters are being joined (it
    /// looks again the next time).
    fn older_reader(&mut self) -> Option<Arc<Reader>> {
        if !self.looks_back {
            return None;
        }
        let readers = self.filtered.try_lock().ok()?;
        // They are in the order they were opened: the ones before its own are older.
        let own = Arc::as_ptr(&self.reader);
        let mut older = readers
            .iter()
            .take_while(|reader| reader.as_ptr() != own)
            .filter_map(Weak::upgrade)
            .peekable();
        if older.peek().is_none() {
            // Its own is the oldest open, and any opened later is younger.
            self.looks_back = false;
            return None;
        }
        older.find(|reader| reader.has_reached(self.position))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use async_nats::jetstream::stream;
    use futures::FutureExt as _;

    async fn stream_with(nats: &rondom_testkit::TestNats, count: u64) -> jetstream::stream::Stream {
        let client = rondom_bus::connect(nats.url()).await.expect("connect");
        let jetstream = jetstream::new(client);
        let events = jetstream
            .create_stream(stream::Config {
                name: "FOLLOW".to_owned(),
                subjects: vec!["follow.>".to_owned()],
                ..Default::default()
            })
            .await
            .expect("stream");
        publish(&jetstream, 0..count).await;
        events
    }

    /// Publishes message `n` for each `n` of `numbers`, on `follow.a` or `follow.b` by parity.
    async fn publish(jetstream: &jetstream::Context, numbers: std::ops::Range<u64>) {
        for n in numbers {
            let subject = if n % 2 == 0 { "follow.a" } else { "follow.b" };
            jetstream
                .publish(subject, n.to_string().into())
                .await
                .expect("publish")
                .await
                .expect("ack");
        }
    }

    fn a() -> Vec<String> {
        vec!["follow.a".to_owned()]
    }

    async fn positions(messages: &mut Messages, count: usize) -> Vec<u64> {
        let mut positions = Vec::new();
        while positions.len() < count {
            let message = tokio::time::timeout(std::time::Duration::from_secs(10), messages.next())
                .await
                .expect("a message in time")
                .expect("not ended")
                .expect("no error");
            positions.push(message.position);
        }
        positions
    }

    /// A follower of `follow.a` after `after`.
    async fn follow(
        readers: &Arc<Readers>,
        events: &jetstream::stream::Stream,
        after: u64,
    ) -> Messages {
        readers
            .follow(events.clone(), a(), after)
            .await
            .expect("follow")
    }

    /// Followers of `follow.a` in 40 messages behind a window of four, both from the start:
    /// the slow one has read the first of its 20, the fast one all of them, so the slow one
    /// is out of the window. Also returns the positions of the 20.
    async fn left_behind(
        nats: &rondom_testkit::TestNats,
    ) -> (
        jetstream::stream::Stream,
        Arc<Readers>,
        Messages,
        Messages,
        Vec<u64>,
    ) {
        let events = stream_with(nats, 40).await;
        let readers = Arc::new(Readers::with_window(4));
        let mut slow = follow(&readers, &events, 0).await;
        let mut fast = follow(&readers, &events, 0).await;
        let all: Vec<u64> = (1..=40).step_by(2).collect();
        assert_eq!(positions(&mut slow, 1).await, [1]);
        // The fast one reads on far past the window of four while the slow one waits.
        assert_eq!(positions(&mut fast, 20).await, all);
        (events, readers, slow, fast, all)
    }

    /// Whether a subscription of `subjects` from the start opens within five seconds.
    async fn opens_in_time(
        readers: &Arc<Readers>,
        events: &jetstream::stream::Stream,
        subjects: Vec<String>,
    ) -> bool {
        tokio::time::timeout(
            std::time::Duration::from_secs(5),
            readers.follow(events.clone(), subjects, 0),
        )
        .await
        .is_ok_and(|opened| opened.is_ok())
    }

    /// The readers of `follow.a` someone follows.
    fn open_readers(readers: &Readers) -> usize {
        let filtered = readers.open.lock().expect("readers lock")[&a()].clone();
        filtered
            .try_lock()
            .expect("nobody joining")
            .iter()
            .filter(|reader| reader.strong_count() > 0)
            .count()
    }

    async fn consumers(events: &mut jetstream::stream::Stream) -> usize {
        events.info().await.expect("info").state.consumer_count
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn followers_of_the_same_events_share_one_consumer() {
        let nats = rondom_testkit::TestNats::start();
        let mut events = stream_with(&nats, 20).await;
        let readers = Arc::new(Readers::default());
        let mut first = follow(&readers, &events, 4).await;
        let mut second = follow(&readers, &events, 6).await;
        assert_eq!(consumers(&mut events).await, 1, "one consumer for both");
        // Positions 1..=20 hold messages 0..20: follow.a has the odd positions.
        assert_eq!(
            positions(&mut first, 8).await,
            [5, 7, 9, 11, 13, 15, 17, 19]
        );
        assert_eq!(positions(&mut second, 7).await, [7, 9, 11, 13, 15, 17, 19]);
        let other = readers
            .follow(events.clone(), vec!["follow.b".to_owned()], 0)
            .await
            .expect("follow");
        assert_eq!(
            consumers(&mut events).await,
            2,
            "other filters, a reader of their own"
        );
        drop(other);
        let _third = follow(&readers, &events, 19).await;
        assert!(
            !readers
                .open
                .lock()
                .expect("readers lock")
                .contains_key(&vec!["follow.b".to_owned()]),
            "filters nobody follows any more are forgotten"
        );
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn a_reader_being_opened_holds_up_only_subscriptions_of_its_own_filters() {
        let nats = rondom_testkit::TestNats::start();
        let mut events = stream_with(&nats, 20).await;
        let readers = Arc::new(Readers::default());
        // A reader of follow.a is being opened (its consumer slow to come): its joiner holds
        // the filters' lock.
        let filtered = readers
            .open
            .lock()
            .expect("readers lock")
            .entry(a())
            .or_default()
            .clone();
        let opening = filtered.lock().await;
        assert!(
            opens_in_time(&readers, &events, vec!["follow.b".to_owned()]).await,
            "a subscription of other filters opens meanwhile"
        );
        let same = tokio::spawn({
            let (readers, events) = (readers.clone(), events.clone());
            async move { follow(&readers, &events, 0).await }
        });
        tokio::time::sleep(std::time::Duration::from_millis(200)).await;
        assert!(
            !same.is_finished(),
            "one of the same filters waits, to share the reader being opened"
        );
        drop(opening);
        let mut same = same.await.expect("joined");
        assert_eq!(positions(&mut same, 2).await, [1, 3]);
        assert_eq!(consumers(&mut events).await, 2);
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn a_follower_that_joins_ahead_of_a_slow_one_is_not_held_back() {
        let nats = rondom_testkit::TestNats::start();
        let events = stream_with(&nats, 40).await;
        let readers = Arc::new(Readers::with_window(4));
        let mut slow = follow(&readers, &events, 0).await;
        assert_eq!(positions(&mut slow, 1).await, [1]);
        // Joins the slow one's reader (it still holds everything after 39), far ahead of it.
        let mut ahead = follow(&readers, &events, 39).await;
        let client = rondom_bus::connect(nats.url()).await.expect("connect");
        publish(&jetstream::new(client), 40..44).await;
        assert_eq!(positions(&mut ahead, 2).await, [41, 43]);
        drop(ahead);
        let all: Vec<u64> = (3..=43).step_by(2).collect();
        assert_eq!(positions(&mut slow, all.len()).await, all);
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn a_follower_goes_back_to_an_older_reader_only_as_far_as_its_furthest_follower() {
        let nats = rondom_testkit::TestNats::start();
        let events = stream_with(&nats, 20).await;
        let readers = Arc::new(Readers::default());
        let mut fast = follow(&readers, &events, 0).await;
        let all: Vec<u64> = (1..=19).step_by(2).collect();
        assert_eq!(positions(&mut fast, 10).await, all);
        let (_, reader) = readers.join(&events, &a(), 0).await.expect("join");
        assert!(
            reader.has_reached(19),
            "at the front, beside the furthest follower"
        );
        // Everything after 15 is still here and read, but a follower there would be behind
        // the fast one: the next room made drops what it has yet to read.
        assert!(!reader.has_reached(15));
    }

    #[tokio::test]
    async fn a_follower_set_aside_while_it_rejoins_keeps_no_one_from_joining() {
        let nats = rondom_testkit::TestNats::start();
        let (events, readers, mut slow, _fast, all) = left_behind(&nats).await;
        // The slow partner's subscription looks once whether more is ready, as a
        // subscription does, and sets the look aside while its follower is rejoining.
        assert!(
            slow.next().now_or_never().is_none(),
            "rejoining waits for a new consumer"
        );
        assert!(
            opens_in_time(&readers, &events, a()).await,
            "another subscription of the same filters opens meanwhile"
        );
        assert_eq!(positions(&mut slow, 19).await, all[1..]);
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn a_followers_backlog_counts_what_its_reader_has_yet_to_read() {
        let nats = rondom_testkit::TestNats::start();
        let events = stream_with(&nats, 20).await;
        // A window of one: what follows is all still to be read.
        let readers = Arc::new(Readers::with_window(1));
        let mut messages = follow(&readers, &events, 0).await;
        // Ten of follow.a, written before the reader started: after each, what its consumer
        // says follows.
        let first = messages.next().await.expect("a message").expect("no error");
        assert_eq!((first.position, first.behind), (1, 9));
        let second = messages.next().await.expect("a message").expect("no error");
        assert_eq!((second.position, second.behind), (3, 8));
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn a_followers_backlog_counts_what_waits_for_it_in_the_window() {
        let nats = rondom_testkit::TestNats::start();
        let events = stream_with(&nats, 0).await;
        let readers = Arc::new(Readers::default());
        let mut slow = follow(&readers, &events, 0).await;
        let mut fast = follow(&readers, &events, 0).await;
        let client = rondom_bus::connect(nats.url()).await.expect("connect");
        let jetstream = jetstream::new(client);
        // Live: each message is read before the next is written, so the consumer says
        // nothing follows any of them.
        for n in 0..5 {
            publish(&jetstream, 2 * n..2 * n + 1).await;
            let next = fast.next().await.expect("a message").expect("no error");
            assert_eq!(next.behind, 0);
        }
        let mut behind = Vec::new();
        for _ in 0..5 {
            behind.push(
                slow.next()
                    .await
                    .expect("a message")
                    .expect("no error")
                    .behind,
            );
        }
        assert_eq!(
            behind,
            [4, 3, 2, 1, 0],
            "the slow one is behind the fast one"
        );
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn a_follower_left_behind_by_the_window_still_reads_everything_once_in_order() {
        let nats = rondom_testkit::TestNats::start();
        let (mut events, readers, mut slow, mut fast, all) = left_behind(&nats).await;
        assert_eq!(consumers(&mut events).await, 1);
        assert_eq!(positions(&mut slow, 19).await, all[1..]);
        assert_eq!(
            consumers(&mut events).await,
            2,
            "the slow one went on with a reader of its own"
        );
        // Caught up, it looks for more and goes back to the reader the fast one follows.
        assert!(slow.next().now_or_never().is_none(), "nothing new yet");
        assert_eq!(open_readers(&readers), 1, "its own reader is left to end");
        // Both follow what comes next.
        let client = rondom_bus::connect(nats.url()).await.expect("connect");
        publish(&jetstream::new(client), 40..44).await;
        assert_eq!(positions(&mut fast, 2).await, [41, 43]);
        assert_eq!(positions(&mut slow, 2).await, [41, 43]);
    }
}
