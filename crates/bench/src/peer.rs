//! P7, the peer: the same ingest and rebuild through a PostgreSQL event store, an append-only
//! events table with a per-household version constraint (as Marten and postgres-es keep
//! events), at equal durability: both lazy (JetStream's default sync, `synchronous_commit=off`)
//! and both strict (`sync_interval: always`, `synchronous_commit=on`).
//!
//! The peer does the hub's job for each signal (issue 20): the same load generator posts the
//! same signals over the same gRPC API to [`PeerServer`], which checks them as the hub does
//! and writes them through [`crate::peer_writer::PeerWriter`] (registry, keys, sealing, the
//! append with its audit record) to the tables of [`SCHEMA`]. Its rebuild reads those events
//! back and applies Rondom's own fold.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Instant;

use anyhow::Context as _;
use rondom_bus::{EventSigner, ReceivedEvent};

use crate::peer_server::PeerServer;
use crate::report::Figure;
use crate::sample::Rate;
use crate::stage::{self, Hub};
use crate::{Bench, ingest, rebuild};

/// Connections the peer writes through: one per client of the load generator.
const CONNECTIONS: usize = ingest::CLIENTS;
/// Events a household gets in the peer workload.
const EVENTS_PER_HOUSEHOLD: u64 = 4;

/// The version of the PostgreSQL server the peer runs, or why there is none.
pub(crate) fn version() -> String {
    bin_dir().map_or_else(
        |err| format!("no PostgreSQL server ({err})"),
        |bin| {
            Command::new(bin.join("postgres"))
                .arg("--version")
                .output()
                .map_or_else(
                    |err| err.to_string(),
                    |out| String::from_utf8_lossy(&out.stdout).trim().to_owned(),
                )
        },
    )
}

/// Runs both pairs and adds their figures.
pub(crate) async fn run(bench: &mut Bench, work: &Path) -> anyhow::Result<()> {
    let events = bench.sizes.peer_events;
    let households = (events / EVENTS_PER_HOUSEHOLD).max(1);
    for (mode, strict) in [("lazy", false), ("strict", true)] {
        let dir = work.join(format!("peer-{mode}"));
        std::fs::create_dir_all(&dir)?;
        bench.progress.say(&format!(
            "P7 {mode}: Rondom ingest and rebuild of {events} signals"
        ));
        let nats = stage::nats(&dir, strict)?;
        let jetstream = rondom_bus::jetstream(rondom_bus::connect(nats.url()).await?);
        let hub_dir = dir.join("hub");
        std::fs::create_dir_all(&hub_dir)?;
        let hub = Hub::start(&hub_dir, nats.url()).await?;
        let ingested = ingest::post_signals(&hub, "peer", events, 0, households).await?;
        hub.stop()?;
        let rebuilt = rebuild::rebuild(&jetstream, nats.url(), &hub_dir.join("projector")).await?;
        drop(nats);

        bench.progress.say(&format!(
            "P7 {mode}: the PostgreSQL peer's ingest and rebuild of the same signals"
        ));
        let postgres = Postgres::start(&dir.join("pg"), strict)?;
        postgres.connect().await?.batch_execute(SCHEMA).await?;
        let peer_dir = dir.join("peer");
        std::fs::create_dir_all(&peer_dir)?;
        let peer = PeerServer::start(&peer_dir, postgres.url(), CONNECTIONS).await?;
        let peer_ingest = ingest::post_signals(&peer, "peer", events, 0, households).await?;
        drop(peer);
        let signer = rondom_runtime::keys::load_signer(&peer_dir.join("keys"))?;
        let peer_rebuild = postgres.rebuild(&dir.join("peer-model"), &signer).await?;
        postgres
            .check(events, households, &peer_ingest.household_ids)
            .await?;
        anyhow::ensure!(
            peer_rebuild.count == events,
            "the peer's rebuild read {} events of {events}",
            peer_rebuild.count
        );
        push_figures(
            bench,
            mode,
            strict,
            [ingested.run.rate, rebuilt],
            [peer_ingest.run.rate, peer_rebuild],
        );
    }
    bench.notes.push(NOTE.to_owned());
    Ok(())
}

/// What the peer does, for the figures' notes.
const NOTE: &str = "P7: the peer does the hub's job per signal: the same 64 gRPC clients post \
    the same signals to a tonic SignalService in the bench process (its own runtime), which \
    checks the dev client's bearer token and role, validates with Signal::validate, pseudonymises, \
    resolves the household in a persons table (a lookup, then INSERT .. ON CONFLICT for a new \
    household's persons), gets or creates the household's data key in a table (wrapped under \
    the master key, cached unwrapped as the hub caches it), seals the identities and note, \
    signs, and appends the event (INSERT .. SELECT max(version)+1 under UNIQUE (household, \
    version)) with its audit record in one statement, answering after the commit: 2 statements \
    for a known household, 5 for a new one (the hub: 3 and 6 NATS round trips, its audit record \
    a publish of its own). A refused write is audited as the hub audits it; a call refused for \
    its credentials is answered but not audited (the bench sends none). The hub's process also \
    runs its projector during the ingest; the peer folds nothing until its rebuild.";

/// Adds the pair of figures of one durability: Rondom's ingest and rebuild against the peer's.
fn push_figures(bench: &mut Bench, mode: &str, strict: bool, rondom: [Rate; 2], peer: [Rate; 2]) {
    let durability = if strict {
        "sync_interval always vs synchronous_commit=on"
    } else {
        "default sync vs synchronous_commit=off"
    };
    bench.figures.push(Figure::against(
        "P7",
        format!("ingest {mode} ({durability}): PostSignal/s, Rondom vs the PostgreSQL peer doing the same job, {CONNECTIONS} clients each"),
        rondom[0].per_second(),
        "/s",
        peer[0].per_second(),
        ">= 2x",
        2.0,
    ));
    bench.figures.push(Figure::against(
        "P7",
        format!("rebuild {mode}: Rondom events/s vs PostgreSQL read + the same fold into sled"),
        rondom[1].per_second(),
        "/s",
        peer[1].per_second(),
        ">= 2x",
        2.0,
    ));
}

/// A PostgreSQL server of the bench's own on loopback.
struct Postgres {
    bin: PathBuf,
    data: PathBuf,
    port: u16,
}

/// The peer's tables: the event store, the person registry, the household keys and the audit
/// log (the hub keeps these in a stream, two KV buckets and a stream).
const SCHEMA: &str = "
CREATE TABLE events (
    position bigserial PRIMARY KEY,
    household uuid NOT NULL,
    version integer NOT NULL,
    event_id text NOT NULL UNIQUE,
    headers jsonb NOT NULL,
    payload bytea NOT NULL,
    UNIQUE (household, version)
);
CREATE TABLE persons (
    pseudonym bytea PRIMARY KEY,
    household uuid NOT NULL
);
CREATE TABLE household_keys (
    household uuid PRIMARY KEY,
    wrapped bytea NOT NULL
);
CREATE TABLE audit (
    position bigserial PRIMARY KEY,
    client_id text NOT NULL,
    household text NOT NULL,
    event_id text NOT NULL,
    event_position bigint,
    record bytea NOT NULL
)";

impl Postgres {
    fn start(data: &Path, strict: bool) -> anyhow::Result<Self> {
        let bin = bin_dir()?;
        std::fs::create_dir_all(data)?;
        let as_postgres = nix::unistd::Uid::effective().is_root();
        if as_postgres {
            // initdb refuses to run as root: the Debian package's postgres user owns the data.
            succeed(
                Command::new("chown")
                    .args(["-R", "postgres:postgres"])
                    .arg(data),
            )?;
        }
        succeed(
            postgres_command(as_postgres, &bin.join("initdb"))
                .args(["-A", "trust", "-U", "postgres", "-E", "UTF8", "-D"])
                .arg(data),
        )?;
        let port = std::net::TcpListener::bind("127.0.0.1:0")?
            .local_addr()?
            .port();
        let options = format!(
            "-c port={port} -c listen_addresses=127.0.0.1 -c unix_socket_directories={} \
             -c synchronous_commit={} -c shared_buffers=512MB -c max_connections=200",
            data.display(),
            if strict { "on" } else { "off" }
        );
        succeed(
            postgres_command(as_postgres, &bin.join("pg_ctl"))
                .arg("-D")
                .arg(data)
                .arg("-l")
                .arg(data.join("postgres.log"))
                .args(["-o", &options, "-w", "start"]),
        )?;
        Ok(Self {
            bin,
            data: data.to_owned(),
            port,
        })
    }

    /// Where the peer's database is, for `tokio_postgres::connect`.
    fn url(&self) -> String {
        format!(
            "host=127.0.0.1 port={} user=postgres dbname=postgres",
            self.port
        )
    }

    async fn connect(&self) -> anyhow::Result<tokio_postgres::Client> {
        let (client, connection) =
            tokio_postgres::connect(&self.url(), tokio_postgres::NoTls).await?;
        tokio::spawn(connection);
        Ok(client)
    }

    /// Checks that the peer did the whole job: every signal an event with its audit record,
    /// each household one (the registry agreed) with its key, as many as the workload has.
    async fn check(&self, events: u64, households: u64, named: &[String]) -> anyhow::Result<()> {
        let row = self
            .connect()
            .await?
            .query_one(
                "SELECT (SELECT count(*) FROM events), (SELECT count(*) FROM audit), \
                 (SELECT count(DISTINCT household) FROM events), \
                 (SELECT count(*) FROM household_keys)",
                &[],
            )
            .await?;
        let counts: [i64; 4] = [row.get(0), row.get(1), row.get(2), row.get(3)];
        let expected = [events, events, households, households].map(|n| n as i64);
        anyhow::ensure!(
            counts == expected && named.len() as u64 == households,
            "the peer stored (events, audit records, households, keys) {counts:?}, expected \
             {expected:?}; its replies named {} households",
            named.len()
        );
        Ok(())
    }

    /// Reads the events in order, a page at a time, and applies them with the projector's own
    /// fold to a new sled read model, batch by batch as `rondom projector rebuild` does.
    async fn rebuild(&self, model_dir: &Path, signer: &EventSigner) -> anyhow::Result<Rate> {
        let client = self.connect().await?;
        let model = rondom_projector::ReadModel::open(model_dir)?
            .with_bylaws(rondom_projector::config::load_bylaws(None)?.into());
        let page = client
            .prepare(
                "SELECT position, headers, payload FROM events WHERE position > $1 \
                 ORDER BY position LIMIT $2",
            )
            .await?;
        let started = Instant::now();
        let mut after = 0i64;
        let mut count = 0u64;
        loop {
            let rows = client
                .query(&page, &[&after, &(rebuild::BATCH as i64)])
                .await?;
            let Some(last) = rows.last() else {
                break;
            };
            after = last.get(0);
            let mut events = Vec::with_capacity(rows.len());
            for row in &rows {
                let position: i64 = row.get(0);
                let headers: serde_json::Value = row.get(1);
                let payload: Vec<u8> = row.get(2);
                let mut map = async_nats::HeaderMap::new();
                for (name, value) in headers.as_object().context("headers are an object")? {
                    map.insert(name.as_str(), value.as_str().unwrap_or_default());
                }
                // Checked as the projector checks it: the same work per event on both sides.
                events.push(ReceivedEvent::decode(
                    position as u64,
                    Some(&map),
                    &payload,
                    signer,
                )?);
            }
            count += events.len() as u64;
            let model = model.clone();
            let through = after as u64;
            tokio::task::spawn_blocking(move || model.apply(&events, through)).await??;
        }
        model.flush().await?;
        Ok(Rate {
            count,
            elapsed: started.elapsed(),
        })
    }
}

impl Drop for Postgres {
    fn drop(&mut self) {
        let as_postgres = nix::unistd::Uid::effective().is_root();
        let _ = postgres_command(as_postgres, &self.bin.join("pg_ctl"))
            .arg("-D")
            .arg(&self.data)
            .args(["-m", "fast", "-w", "stop"])
            .output();
    }
}

/// The newest PostgreSQL server of the Debian packages (`make bench` installs one).
fn bin_dir() -> anyhow::Result<PathBuf> {
    let mut versions: Vec<PathBuf> = std::fs::read_dir("/usr/lib/postgresql")
        .context("/usr/lib/postgresql is missing: install Debian's postgresql package")?
        .filter_map(|entry| Some(entry.ok()?.path().join("bin")))
        .filter(|bin| bin.join("initdb").exists())
        .collect();
    versions.sort();
    versions
        .pop()
        .context("no PostgreSQL server with initdb under /usr/lib/postgresql")
}

fn postgres_command(as_postgres: bool, program: &Path) -> Command {
    if as_postgres {
        let mut command = Command::new("runuser");
        command.args(["-u", "postgres", "--"]).arg(program);
        command
    } else {
        Command::new(program)
    }
}

fn succeed(command: &mut Command) -> anyhow::Result<()> {
    let output = command
        .output()
        .with_context(|| format!("failed to run {command:?}"))?;
    anyhow::ensure!(
        output.status.success(),
        "{command:?} failed: {}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    Ok(())
}
