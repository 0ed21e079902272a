//! Crashes on purpose: while wijkteam clients post signals, the projector and the wijkteam
//! adapter (each its own `rondom serve` process) are killed with SIGKILL at random moments and
//! started again. Clients retry a failed call with the same idempotency key, as the API asks.
//! Afterwards every signal is on the stream exactly once, and the read model that lived through
//! the crashes equals, entry for entry, one a clean rebuild makes from the same stream.
//!
//! `make test` runs a short version; `make soak` sets `RONDOM_CRASH_SIGNALS=100000` and
//! `RONDOM_CRASH_KILLS=20` (kills of each process at least).

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use async_nats::jetstream::consumer;
use futures::StreamExt as _;
use rondom_access::dev_clients::{DevClient, DevTokens};
use rondom_bus::stream::EVENTS_STREAM;
use rondom_cli::connection::authed;
use rondom_proto::v1;
use rondom_proto::v1::signal_service_client::SignalServiceClient;
use rondom_runtime::bus_users::BusUser;
use rondom_testkit::TestNats;
use tonic::transport::Channel;

mod common;
use common::{Role, read_once_applied};

/// Wijkteam systems posting at once.
const CLIENTS: u64 = 4;

fn setting(name: &str, default: u64) -> u64 {
    std::env::var(name)
        .ok()
        .map(|value| value.parse().unwrap_or_else(|_| panic!("{name}={value}")))
        .unwrap_or(default)
}

/// xorshift64: random enough for kill moments, and the seed is printed to replay a failure.
struct Dice(u64);

impl Dice {
    fn below(&mut self, bound: u64) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0 % bound
    }
}

fn request(number: u64, households: u64) -> v1::PostSignalRequest {
    let household = number % households;
    v1::PostSignalRequest {
        idempotency_key: format!("crash-{number}"),
        source_system: "wijkteam-crash".to_owned(),
        gemeente_code: "0363".to_owned(),
        persons: [0, 1]
            .into_iter()
            .map(|member| v1::PersonRef {
                bsn: rondom_testkit::bsn(household * 2 + member),
                display_name: format!("lid {member} van {household}"),
                birth_date: None,
            })
            .collect(),
        pillar: v1::Pillar::Wijkteam as i32,
        kind: "eenzaamheid".to_owned(),
        urgency: v1::Urgency::Normal as i32,
        observed_at: Some(rondom_proto::convert::timestamp(
            chrono::Utc::now() - chrono::Duration::hours(1),
        )),
        summary: format!("signaal {number}"),
    }
}

/// Posts signal `number` until the hub acknowledges it, retrying with the same idempotency
/// key whatever went wrong (a killed adapter, a refused connection).
async fn post_until_acknowledged(
    channel: &Channel,
    token: &str,
    number: u64,
    households: u64,
    retries: &AtomicU64,
) -> v1::PostSignalResponse {
    let deadline = Instant::now() + Duration::from_secs(120);
    loop {
        let mut client =
            SignalServiceClient::new(authed(channel.clone(), Some(token)).expect("token"));
        match client.post_signal(request(number, households)).await {
            Ok(reply) => return reply.into_inner(),
            Err(status) => {
                assert!(
                    matches!(
                        status.code(),
                        tonic::Code::Unavailable | tonic::Code::Unknown | tonic::Code::Cancelled
                    ),
                    "signal {number}: only a crash may refuse it: {status:?}"
                );
                assert!(
                    Instant::now() < deadline,
                    "signal {number} never acknowledged"
                );
                retries.fetch_add(1, Ordering::Relaxed);
                tokio::time::sleep(Duration::from_millis(50)).await;
            }
        }
    }
}

/// Every event id on the stream, in order.
async fn event_ids(jetstream: &async_nats::jetstream::Context) -> Vec<String> {
    let stream = jetstream.get_stream(EVENTS_STREAM).await.expect("stream");
    let total = stream.cached_info().state.messages;
    let consumer = stream
        .create_consumer(consumer::pull::OrderedConfig::default())
        .await
        .expect("ordered consumer");
    let mut messages = consumer.messages().await.expect("messages");
    let mut ids = Vec::new();
    while (ids.len() as u64) < total {
        let message = messages.next().await.expect("more").expect("message");
        let id = message
            .headers
            .as_ref()
            .and_then(|headers| headers.get("ce-id"))
            .expect("ce-id")
            .to_string();
        ids.push(id);
    }
    ids
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn killed_roles_lose_nothing_and_double_nothing() {
    let signals = setting("RONDOM_CRASH_SIGNALS", 2_000);
    let kills = setting("RONDOM_CRASH_KILLS", 3);
    let seed = setting(
        "RONDOM_CRASH_SEED",
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .expect("after 1970")
            .as_nanos() as u64
            | 1,
    );
    println!("RONDOM_CRASH_SEED={seed} RONDOM_CRASH_SIGNALS={signals} RONDOM_CRASH_KILLS={kills}");
    let households = (signals / 3).max(1);

    let nats = TestNats::start();
    let dir = tempfile::tempdir().expect("temp dir");
    let (tokens, _) = DevTokens::load_or_create(dir.path()).expect("development credentials");
    // Small batches: more checkpoints for a kill to fall between.
    let batches = ["--batch-size", "16"];
    // The operator provisions; each role logs in as its own NATS user, as in production.
    rondom_cli::hub::provision(nats.url(), &Default::default())
        .await
        .expect("provision");
    let mut projector = Role::start(
        "projector",
        dir.path(),
        &nats.url_for(BusUser::Projector),
        &batches,
    );
    let mut adapter = Role::start("wijkteam", dir.path(), &nats.url_for(BusUser::Writer), &[]);

    // The wijkteam systems: CLIENTS of them, each posting its share in order.
    let channel = Channel::from_shared(adapter.url())
        .expect("uri")
        .connect_lazy();
    let retries = Arc::new(AtomicU64::new(0));
    let posted = Arc::new(AtomicU64::new(0));
    let token = tokens.token(DevClient::Wijkteam).to_owned();
    let ingest: Vec<_> = (0..CLIENTS)
        .map(|client| {
            let (channel, token, retries, posted) = (
                channel.clone(),
                token.clone(),
                retries.clone(),
                posted.clone(),
            );
            tokio::spawn(async move {
                let mut replies = Vec::new();
                for number in (client..signals).step_by(CLIENTS as usize) {
                    replies.push(
                        post_until_acknowledged(&channel, &token, number, households, &retries)
                            .await,
                    );
                    posted.fetch_add(1, Ordering::Relaxed);
                }
                replies
            })
        })
        .collect();

    // Kill a role at a random moment, again and again while the signals come in, and make
    // up the kills still owed to either role once they are all in.
    let mut dice = Dice(seed);
    let (mut projector_kills, mut adapter_kills, mut adapter_kills_in_flight) = (0, 0, 0);
    loop {
        tokio::time::sleep(Duration::from_millis(20 + dice.below(150))).await;
        // A client that failed ends ingest early: the others finish and its panic is
        // reported below, instead of kills going on for ever.
        let ingesting = posted.load(Ordering::Relaxed) < signals
            && !ingest.iter().all(tokio::task::JoinHandle::is_finished);
        let hit_projector = match (ingesting, projector_kills < kills, adapter_kills < kills) {
            (true, _, _) => dice.below(2) == 0,
            (false, true, _) => true,
            (false, false, true) => false,
            (false, false, false) => break,
        };
        let role = if hit_projector {
            projector_kills += 1;
            &mut projector
        } else {
            adapter_kills += 1;
            adapter_kills_in_flight += u32::from(ingesting);
            &mut adapter
        };
        role.kill();
        tokio::time::sleep(Duration::from_millis(dice.below(100))).await;
        role.spawn();
    }
    let mut replies = Vec::new();
    for client in ingest {
        replies.extend(client.await.expect("a wijkteam client"));
    }
    let retries = retries.load(Ordering::Relaxed);
    println!(
        "{signals} signals, {retries} retries, projector killed {projector_kills}x, \
         adapter killed {adapter_kills}x ({adapter_kills_in_flight}x during ingest)"
    );
    assert!(
        adapter_kills_in_flight > 0,
        "ingest ended before the adapter was killed once: raise RONDOM_CRASH_SIGNALS"
    );
    assert!(
        retries > 0,
        "calls to a killed adapter failed and were retried"
    );

    // Exactly once: as many events as signals, each id once, each reply's event among them.
    let client = rondom_bus::connect(nats.url()).await.expect("connect");
    let jetstream = rondom_bus::jetstream(client);
    let ids = event_ids(&jetstream).await;
    assert_eq!(ids.len() as u64, signals, "one event per signal");
    let unique: std::collections::HashSet<&String> = ids.iter().collect();
    assert_eq!(unique.len(), ids.len(), "no event twice");
    assert!(replies.iter().all(|reply| unique.contains(&reply.event_id)));

    // The projector catches up after its last restart, then stops the way an operator stops it.
    let last = replies
        .iter()
        .map(|reply| reply.position)
        .max()
        .expect("replies");
    let newest = replies
        .iter()
        .find(|reply| reply.position == last)
        .expect("the newest reply");
    read_once_applied(
        &projector,
        tokens.token(DevClient::Coordinator),
        &newest.household_id,
        last,
    )
    .await
    .expect("the projector applied every event");
    projector.stop();
    adapter.stop();

    // The model that lived through the crashes, against a clean rebuild from the same stream.
    let survivor = rondom_projector::Generations::new(dir.path().join("projector"))
        .current()
        .expect("current generation");
    let verified = rondom_projector::rebuild::verify(
        &jetstream,
        &survivor,
        &dir.path().join("rebuilt"),
        Default::default(),
        &rondom_runtime::keys::load_signer(&dir.path().join("keys"))
            .expect("the hub's event-signing key"),
    )
    .await
    .expect("verify");
    assert_eq!(verified.checkpoint, last);
    assert!(verified.same(), "{verified:?}");
}
