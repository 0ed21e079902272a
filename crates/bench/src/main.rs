//! `rondom-bench` (`make bench`, `make bench-quick`): starts its own nats-server and hub, runs
//! each measurement of issue 6 against a baseline measured in the same run, and prints one
//! table, saved as JSON in `bench/results/` and as a section of `BENCHMARKS.md`.
//!
//! The hub runs as `rondom up` in its own process; the load comes from this one. Every figure
//! is a ratio against a baseline of the same run, so the table holds on a noisy machine.

mod fanout;
mod freshness;
mod ingest;
mod latency;
mod peer;
mod peer_server;
mod peer_writer;
mod reads;
mod rebuild;
mod report;
mod sample;
mod soak;
mod stage;
mod workload;

use rondom_domain::Pillar;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::Context as _;
use clap::Parser;
use rondom_access::dev_clients::DevClient;
use rondom_proto::v1::jeugd_service_client::JeugdServiceClient;
use serde::Serialize;

use crate::reads::Read;
use crate::report::Figure;

// As the hub: the peer's fold (P7) runs in this process and gets the same allocator.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

#[derive(Debug, Parser)]
#[command(about = "Measures Rondom against raw baselines in one run")]
struct Args {
    /// Small sizes: the whole run in under two minutes.
    #[arg(long)]
    quick: bool,
    /// Where the bench keeps its nats-server, hub and PostgreSQL data (removed afterwards).
    #[arg(long, default_value = "target/bench-work")]
    work_dir: PathBuf,
    /// The repository root: results go to bench/results/ and BENCHMARKS.md there.
    #[arg(long, default_value = ".")]
    root: PathBuf,
    /// Leave out the PostgreSQL peer (P7).
    #[arg(long, conflicts_with = "only_peer")]
    no_peer: bool,
    /// Only the PostgreSQL peer (P7), leaving out P1-P6: for working on the peer.
    #[arg(long)]
    only_peer: bool,
    /// Only the fan-out (P6, this many times on one hub, then P8), leaving out the rest: for
    /// A/B runs of the subscriptions, whose figures vary from run to run.
    #[arg(long, conflicts_with_all = ["only_peer", "no_peer"])]
    only_fanout: Option<u32>,
    /// Only the rebuild (P3): loads the quick or full events once, then this many rounds of
    /// the raw consumer and each `--rebuild-with` binary in turn: for A/B runs of the projector.
    #[arg(long, conflicts_with_all = ["only_peer", "no_peer", "only_fanout"])]
    only_rebuild: Option<u32>,
    /// `rondom` binaries whose rebuild `--only-rebuild` measures, each round in this order
    /// (default: the one beside the bench).
    #[arg(long, requires = "only_rebuild")]
    rebuild_with: Vec<PathBuf>,
    /// Instead of the benchmarks: the load soak of issue 7 for this long (e.g. 30m), with
    /// memory and projector lag sampled; exits non-zero when either grows without bound.
    #[arg(long, value_parser = humantime::parse_duration)]
    soak: Option<Duration>,
    /// Signals per second during the soak (a read beside every fourth).
    #[arg(long, default_value_t = 300)]
    soak_rate: u32,
    /// How often the soak samples.
    #[arg(long, default_value = "1m", value_parser = humantime::parse_duration)]
    sample_every: Duration,
}

/// How much each measurement does.
#[derive(Debug, Clone, Serialize)]
struct Sizes {
    /// Households of the small data set (P5's baseline).
    small_households: u64,
    /// Households after P1 (P4 reads over these).
    households: u64,
    /// Raw JetStream publishes (P1's baseline).
    raw_publishes: u64,
    /// Events in the stream for the rebuild and the large data set (P3, P5).
    events: u64,
    freshness_rate: u32,
    freshness_seconds: u64,
    read_seconds: u64,
    single_client_calls: u64,
    /// Jeugd partner events every subscriber reads (P6).
    fanout_events: u64,
    /// Events the PostgreSQL peer ingests and rebuilds (P7).
    peer_events: u64,
}

impl Sizes {
    fn quick() -> Self {
        Self {
            small_households: 1_000,
            households: 10_000,
            raw_publishes: 50_000,
            events: 30_000,
            freshness_rate: 1_000,
            freshness_seconds: 3,
            read_seconds: 2,
            single_client_calls: 1_000,
            fanout_events: 1_000,
            peer_events: 5_000,
        }
    }

    fn full() -> Self {
        Self {
            small_households: 10_000,
            households: 100_000,
            raw_publishes: 200_000,
            events: 1_000_000,
            freshness_rate: 1_000,
            freshness_seconds: 10,
            read_seconds: 10,
            single_client_calls: 5_000,
            fanout_events: 10_000,
            peer_events: 100_000,
        }
    }
}

/// The load soak on its own nats-server and hub.
async fn soak(
    work: &std::path::Path,
    duration: Duration,
    rate: u32,
    every: Duration,
) -> anyhow::Result<()> {
    let Staged {
        nats,
        jetstream,
        hub,
        ..
    } = Staged::start(work).await?;
    eprintln!(
        "soak: {rate} signals/s for {}, sampling every {}",
        humantime::format_duration(duration),
        humantime::format_duration(every)
    );
    let verdict = soak::run(&hub, &jetstream, rate, duration, every, 20_000).await?;
    hub.stop()?;
    drop(nats);
    if verdict.failures.is_empty() {
        println!(
            "soak passed: {} samples, memory and projector lag stay bounded",
            verdict.samples.len()
        );
        Ok(())
    } else {
        anyhow::bail!("soak failed: {}", verdict.failures.join("; "))
    }
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let args = Args::parse();
    let sizes = if args.quick {
        Sizes::quick()
    } else {
        Sizes::full()
    };
    let _ = std::fs::remove_dir_all(&args.work_dir);
    std::fs::create_dir_all(&args.work_dir)?;
    let work = tempfile::tempdir_in(&args.work_dir)?;
    if let Some(duration) = args.soak {
        return soak(work.path(), duration, args.soak_rate, args.sample_every).await;
    }
    let progress = Progress::new();
    let mut bench = Bench {
        sizes,
        progress,
        figures: Vec::new(),
        notes: Vec::new(),
    };
    if let Some(times) = args.only_fanout {
        bench.fanout_only(work.path(), times).await?;
    } else if let Some(times) = args.only_rebuild {
        bench
            .rebuild_only(work.path(), times, &args.rebuild_with)
            .await?;
    } else {
        if !args.only_peer {
            bench.rondom(work.path()).await?;
        }
        if !args.no_peer {
            peer::run(&mut bench, work.path()).await?;
        }
    }

    let run = report::Run {
        date: chrono::Utc::now().format("%Y-%m-%d").to_string(),
        mode: if args.quick { "quick" } else { "full" },
        command: std::env::args().collect::<Vec<_>>().join(" "),
        machine: report::Machine::read(peer::version()),
        sizes: serde_json::to_value(&bench.sizes)?,
        figures: bench.figures,
        notes: bench.notes,
    };
    println!("\n{}", run.table());
    if args.only_fanout.is_some() || args.only_rebuild.is_some() {
        // A/B material, not a run of the whole table: printed, not saved.
        return Ok(());
    }
    let saved = run.save(&args.root)?;
    println!("saved {} and BENCHMARKS.md", saved.display());
    Ok(())
}

/// Prints what the run is doing, with the time since it started.
#[derive(Debug)]
struct Progress(Instant);

impl Progress {
    fn new() -> Self {
        Self(Instant::now())
    }

    fn say(&self, what: &str) {
        eprintln!("[{:>6.1?}] {what}", self.0.elapsed());
    }
}

/// A nats-server and a hub on it, under the run's work folder.
struct Staged {
    nats: rondom_runtime::nats_server::NatsServer,
    jetstream: async_nats::jetstream::Context,
    hub_dir: PathBuf,
    hub: stage::Hub,
}

impl Staged {
    async fn start(work: &std::path::Path) -> anyhow::Result<Self> {
        let nats = stage::nats(work, false)?;
        let jetstream = rondom_bus::jetstream(rondom_bus::connect(nats.url()).await?);
        let hub_dir = work.join("hub");
        std::fs::create_dir_all(&hub_dir)?;
        let hub = stage::Hub::start(&hub_dir, nats.url()).await?;
        Ok(Self {
            nats,
            jetstream,
            hub_dir,
            hub,
        })
    }
}

struct Bench {
    sizes: Sizes,
    progress: Progress,
    figures: Vec<Figure>,
    notes: Vec<String>,
}

impl Bench {
    /// P1-P6 on one hub whose data grows from the small set to the large one.
    async fn rondom(&mut self, work: &std::path::Path) -> anyhow::Result<()> {
        let sizes = self.sizes.clone();
        let Staged {
            nats,
            jetstream,
            hub_dir,
            hub,
        } = Staged::start(work).await?;
        let (ids, small_reads, small_rss) = self.ingest(&hub, &jetstream, &sizes).await?;
        let ids = Arc::new(ids);
        reads::caught_up(&hub, &jetstream, first(&ids)?).await?;
        self.reads(&hub, &ids, &sizes).await?;
        self.freshness(&hub, &sizes).await?;
        self.fanout(&hub, &jetstream, &sizes, "fanout").await?;
        self.latency(&hub, &jetstream, &sizes).await?;
        self.large(&hub, &jetstream, &ids, &sizes, (small_reads, small_rss))
            .await?;
        self.rebuild(hub, &jetstream, nats.url(), &hub_dir).await
    }

    /// P6 `times` over on one hub, then P8.
    async fn fanout_only(&mut self, work: &std::path::Path, times: u32) -> anyhow::Result<()> {
        let sizes = self.sizes.clone();
        let Staged {
            nats: _nats,
            jetstream,
            hub,
            ..
        } = Staged::start(work).await?;
        for round in 0..times {
            self.fanout(&hub, &jetstream, &sizes, &format!("fanout-{round}"))
                .await?;
        }
        self.latency(&hub, &jetstream, &sizes).await?;
        hub.stop()
    }

    /// Loads the run's events, stops the hub, then `times` rounds of P3: the raw consumer and
    /// a rebuild by each of `binaries` (the bench's own `rondom` when none).
    async fn rebuild_only(
        &mut self,
        work: &std::path::Path,
        times: u32,
        binaries: &[PathBuf],
    ) -> anyhow::Result<()> {
        let sizes = self.sizes.clone();
        let Staged {
            nats,
            jetstream,
            hub_dir,
            hub,
        } = Staged::start(work).await?;
        self.progress
            .say(&format!("loading {} signals", sizes.events));
        let load = ingest::post_signals(&hub, "load", sizes.events, 0, sizes.households).await?;
        self.progress.say(&format!(
            "loaded at {:.0} signals/s (PostSignal, {} clients)",
            load.run.rate.per_second(),
            ingest::CLIENTS
        ));
        reads::caught_up(&hub, &jetstream, first(&load.household_ids)?).await?;
        hub.stop()?;
        let binaries = if binaries.is_empty() {
            vec![stage::rondom_binary()?]
        } else {
            binaries.to_vec()
        };
        let events = last_position(&jetstream).await?;
        for round in 0..times {
            let raw = rebuild::raw_consume(&jetstream).await?;
            for binary in &binaries {
                self.progress.say(&format!(
                    "P3 round {round}: {} over {events} events",
                    binary.display()
                ));
                let rebuilt =
                    rebuild::rebuild_by(binary, &jetstream, nats.url(), &hub_dir.join("projector"))
                        .await?;
                self.figures.push(rebuild::figure(
                    format!("round {round}, {}: rebuild events/s", binary.display()),
                    &rebuilt,
                    &raw,
                ));
            }
        }
        Ok(())
    }

    /// P1, with the small set's reads and memory (P5) on the way: loads the small set, reads
    /// over it, then posts the rest of the households.
    async fn ingest(
        &mut self,
        hub: &stage::Hub,
        jetstream: &async_nats::jetstream::Context,
        sizes: &Sizes,
    ) -> anyhow::Result<(Vec<String>, reads::Reads, u64)> {
        self.progress.say(&format!(
            "loading {} households (the small set)",
            sizes.small_households
        ));
        let small = ingest::post_signals(
            hub,
            "small",
            sizes.small_households,
            0,
            sizes.small_households,
        )
        .await?;
        let mut ids = small.household_ids;
        let small_ids = Arc::new(ids.clone());
        self.progress
            .say("P5 small: reads and memory over the small set");
        reads::caught_up(hub, jetstream, first(&ids)?).await?;
        let small_reads = reads::measure(
            hub,
            Read::Household,
            &small_ids,
            secs(sizes.read_seconds),
            sizes.single_client_calls,
        )
        .await?;
        let small_rss = hub.rss_bytes()?;

        let new = sizes.households - sizes.small_households;
        self.progress.say(&format!(
            "P1: {new} signals through PostSignal, {} clients",
            ingest::CLIENTS
        ));
        let p1 = ingest::post_signals(hub, "p1", new, sizes.small_households, new).await?;
        ids.extend(p1.household_ids);
        let size = ingest::event_size(jetstream).await?;
        self.progress.say(&format!(
            "P1 baseline: {} raw publishes of {size} bytes",
            sizes.raw_publishes
        ));
        let raw = ingest::raw_publish(jetstream, sizes.raw_publishes, size).await?;
        self.progress.say(&format!(
            "P1 baseline: the empty RPC, {} clients",
            ingest::CLIENTS
        ));
        let empty = reads::empty(hub, ingest::CLIENTS, secs(sizes.read_seconds)).await?;
        self.figures.push(Figure::against(
            "P1",
            format!("ingest: PostSignal, {} clients, signals/s (baseline: empty unary RPC, health check, as many clients, same server)", ingest::CLIENTS),
            p1.run.rate.per_second(),
            "/s",
            empty,
            ">= 0.50",
            0.50,
        ));
        self.notes.push(format!(
            "P1 against a raw JetStream publish of {size} B with async acks ({:.0}/s): {:.2}.",
            raw.per_second(),
            p1.run.rate.per_second() / raw.per_second()
        ));
        self.batched(hub, new, sizes.households, (size, raw))
            .await?;
        Ok((ids, small_reads, small_rss))
    }

    /// P1b: `count` signals again, about new households from `first_household` on (so the
    /// reads keep to the same set), in batches through PostSignals, against the raw publish
    /// rate of messages of `size`.
    async fn batched(
        &mut self,
        hub: &stage::Hub,
        count: u64,
        first_household: u64,
        (size, raw): (usize, sample::Rate),
    ) -> anyhow::Result<()> {
        self.progress.say(&format!(
            "P1b: {count} signals through PostSignals in batches of {}",
            ingest::BATCH
        ));
        let p1b = ingest::post_batches(hub, "p1b", count, first_household).await?;
        self.figures.push(Figure::against(
            "P1b",
            format!("batched ingest: PostSignals of {}, signals/s (baseline: raw JetStream publish, async acks, {size} B)", ingest::BATCH),
            p1b.per_second(),
            "/s",
            raw.per_second(),
            ">= 0.50",
            0.50,
        ));
        Ok(())
    }

    /// P4: GetHousehold and GetTimeline against a health check on the same server.
    async fn reads(
        &mut self,
        hub: &stage::Hub,
        ids: &Arc<Vec<String>>,
        sizes: &Sizes,
    ) -> anyhow::Result<()> {
        self.progress
            .say(&format!("P4: reads over {} households", ids.len()));
        let empty = reads::measure(
            hub,
            Read::Empty,
            ids,
            secs(sizes.read_seconds),
            sizes.single_client_calls,
        )
        .await?;
        for read in [Read::Household, Read::Timeline] {
            let measured = reads::measure(
                hub,
                read,
                ids,
                secs(sizes.read_seconds),
                sizes.single_client_calls,
            )
            .await?;
            let name = if read == Read::Household {
                "GetHousehold"
            } else {
                "GetTimeline (first page)"
            };
            self.figures.push(Figure::against(
                "P4",
                format!(
                    "{name}, {} clients, req/s (baseline: health check, same server)",
                    reads::CLIENTS
                ),
                measured.per_second,
                "/s",
                empty.per_second,
                ">= 0.70",
                0.70,
            ));
            self.figures.push(Figure::limit(
                "P4",
                format!(
                    "{name}, one client, p99 (p50 {:.2} ms; health check p99 {:.2} ms)",
                    measured.single_p50_ms, empty.single_p99_ms
                ),
                measured.single_p99_ms,
                "ms",
                "<= 1 ms",
                measured.single_p99_ms <= 1.0,
            ));
        }

        Ok(())
    }

    /// P2: how soon a written signal is visible in GetHousehold.
    async fn freshness(&mut self, hub: &stage::Hub, sizes: &Sizes) -> anyhow::Result<()> {
        self.progress.say(&format!(
            "P2: freshness at {}/s for {} s",
            sizes.freshness_rate, sizes.freshness_seconds
        ));
        let fresh = freshness::measure(
            hub,
            sizes.freshness_rate,
            secs(sizes.freshness_seconds),
            sizes.households,
        )
        .await?;
        self.figures.push(Figure::limit(
            "P2",
            format!("freshness: PostSignal reply to visible in GetHousehold, p99 (p50 {:.2} ms; {:.0} signals/s sent; PostSignal p99 {:.2} ms)", fresh.p50_ms, fresh.rate, fresh.post_p99_ms),
            fresh.p99_ms,
            "ms",
            "<= 20 ms",
            fresh.p99_ms <= 20.0,
        ));

        Ok(())
    }

    /// P6: partner subscriptions against raw ordered consumers, on events written as `run`.
    async fn fanout(
        &mut self,
        hub: &stage::Hub,
        jetstream: &async_nats::jetstream::Context,
        sizes: &Sizes,
        run: &str,
    ) -> anyhow::Result<()> {
        self.progress.say(&format!(
            "P6: {} jeugd events, {} partner subscribers",
            sizes.fanout_events,
            fanout::SUBSCRIBERS
        ));
        let from = last_position(jetstream).await?;
        self.write_jeugd_events(hub, run, sizes.fanout_events)
            .await?;
        let delivered = fanout::subscriptions(hub, from, sizes.fanout_events).await?;
        let raw = fanout::raw_ordered(jetstream, from, sizes.fanout_events).await?;
        self.figures.push(Figure::against(
            "P6",
            format!("fan-out: {} jeugd partner subscriptions, deliveries/s in all (baseline: as many raw ordered consumers)", fanout::SUBSCRIBERS),
            delivered.per_second(),
            "/s",
            raw.per_second(),
            ">= 0.50",
            0.50,
        ));

        Ok(())
    }

    /// P8: how soon a write reaches 50 partner subscriptions, at the steady rate and
    /// at a fifth of it (within what the fan-out delivers on a small machine).
    async fn latency(
        &mut self,
        hub: &stage::Hub,
        jetstream: &async_nats::jetstream::Context,
        sizes: &Sizes,
    ) -> anyhow::Result<()> {
        for rate in [sizes.freshness_rate, sizes.freshness_rate / 5] {
            self.progress.say(&format!(
                "P8: delivery latency at {rate}/s for {} s, {} partner subscribers",
                sizes.freshness_seconds,
                fanout::SUBSCRIBERS
            ));
            let from = last_position(jetstream).await?;
            let delivered = latency::measure(
                hub,
                from,
                rate,
                secs(sizes.freshness_seconds),
                sizes.households,
            )
            .await?;
            self.figures.push(Figure::limit(
                "P8",
                format!("delivery: write reply to delivery on each of {} jeugd partner subscriptions, p99 (p50 {:.2} ms; {:.0} writes/s sent)", fanout::SUBSCRIBERS, delivered.p50_ms, delivered.rate),
                delivered.p99_ms,
                "ms",
                "<= 20 ms",
                delivered.p99_ms <= 20.0,
            ));
        }
        Ok(())
    }

    /// P5: loads the large set, then reads and memory over it against the small set's.
    async fn large(
        &mut self,
        hub: &stage::Hub,
        jetstream: &async_nats::jetstream::Context,
        ids: &Arc<Vec<String>>,
        sizes: &Sizes,
        (small_reads, small_rss): (reads::Reads, u64),
    ) -> anyhow::Result<()> {
        let have = last_position(jetstream).await?;
        let more = sizes.events.saturating_sub(have);
        self.progress.say(&format!(
            "loading {more} more signals, to {} events",
            sizes.events
        ));
        let load = ingest::post_signals(hub, "load", more, 0, sizes.households).await?;
        self.notes.push(format!(
            "Loading the large set: {} signals at {:.0}/s (PostSignal, {} clients).",
            load.run.rate.count,
            load.run.rate.per_second(),
            ingest::CLIENTS
        ));
        self.progress
            .say("P5 large: reads and memory over the large set");
        reads::caught_up(hub, jetstream, first(ids)?).await?;
        let large_reads = reads::measure(
            hub,
            Read::Household,
            ids,
            secs(sizes.read_seconds),
            sizes.single_client_calls,
        )
        .await?;
        let large_rss = hub.rss_bytes()?;
        let events = last_position(jetstream).await?;
        self.figures.push(Figure::limit(
            "P5",
            format!(
                "GetHousehold req/s over {} households / {events} events vs {} households ({:.0} vs {:.0}/s), slowdown",
                sizes.households, sizes.small_households, large_reads.per_second, small_reads.per_second
            ),
            small_reads.per_second / large_reads.per_second,
            "x",
            "<= 1.2x",
            small_reads.per_second / large_reads.per_second <= 1.2,
        ));
        self.figures.push(Figure::limit(
            "P5",
            format!("hub memory (RSS, projector and all roles) after the large set (small set: {:.0} MiB)", mib(small_rss)),
            mib(large_rss),
            "MiB",
            "<= 512 MiB",
            mib(large_rss) <= 512.0,
        ));

        Ok(())
    }

    /// P3: a rebuild of the read model against a raw durable consumer, with the hub stopped.
    async fn rebuild(
        &mut self,
        hub: stage::Hub,
        jetstream: &async_nats::jetstream::Context,
        nats_url: &str,
        hub_dir: &std::path::Path,
    ) -> anyhow::Result<()> {
        let events = last_position(jetstream).await?;
        self.progress.say("stopping the hub for the rebuild");
        hub.stop()?;
        self.progress.say(&format!(
            "P3 baseline: durable pull + ack over {events} events"
        ));
        let raw = rebuild::raw_consume(jetstream).await?;
        self.progress.say(&format!(
            "P3: rondom projector rebuild over {events} events"
        ));
        let rebuilt = rebuild::rebuild(jetstream, nats_url, &hub_dir.join("projector")).await?;
        self.figures.push(rebuild::figure(
            format!("rebuild: events/s applied over {events} events (baseline: durable pull consume + ack)"),
            &rebuilt,
            &raw,
        ));
        Ok(())
    }

    /// Writes `count` toewijzingen of jeugdhulp to the jeugd partner (as the jeugd back-office),
    /// about households `0..count`, their idempotency keys unique per `run`.
    async fn write_jeugd_events(
        &self,
        hub: &stage::Hub,
        run: &str,
        count: u64,
    ) -> anyhow::Result<()> {
        let households = self.sizes.households;
        let run = std::sync::Arc::<str>::from(run);
        sample::closed_loop(
            ingest::CLIENTS,
            count,
            Duration::from_secs(3_600),
            || async {
                Ok(JeugdServiceClient::new(
                    hub.connect(DevClient::BackOffice(Pillar::Jeugd)).await?,
                ))
            },
            move |client, number| {
                let mut client = client.clone();
                let run = run.clone();
                async move {
                    client
                        .assign_jeugdhulp(workload::toewijzing(&run, number, number % households))
                        .await?;
                    Ok(())
                }
            },
        )
        .await
        .context("writing the jeugd events")?;
        Ok(())
    }
}

/// The first of the households a load named.
fn first(ids: &[String]) -> anyhow::Result<&str> {
    ids.first()
        .map(String::as_str)
        .ok_or_else(|| anyhow::anyhow!("the load named no household"))
}

async fn last_position(jetstream: &async_nats::jetstream::Context) -> anyhow::Result<u64> {
    Ok(jetstream
        .get_stream(rondom_bus::stream::EVENTS_STREAM)
        .await?
        .info()
        .await?
        .state
        .last_sequence)
}

fn secs(seconds: u64) -> Duration {
    Duration::from_secs(seconds)
}

fn mib(bytes: u64) -> f64 {
    bytes as f64 / 1024.0 / 1024.0
}
