//! P7, the peer: the same ingest and rebuild through a PostgreSQL event store, an append-only
//! events table with a per-household version constraint (as Marten and postgres-es keep
//! events), at equal durability: both lazy (JetStream's default sync, `synchronous_commit=off`)
//! and both strict (`sync_interval: always`, `synchronous_commit=on`).
//!
//! The peer appends Rondom's own events of the same run, ready-made; Rondom's figures include
//! gRPC, resolving the household and sealing. The comparison favours the peer.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::Arc;
use std::time::Instant;

use anyhow::Context as _;
use async_nats::jetstream;
use futures::StreamExt;
use rondom_bus::stream::EVENTS_STREAM;
use rondom_bus::{EventSigner, ReceivedEvent};
use tokio::task::JoinSet;

use crate::report::Figure;
use crate::sample::Rate;
use crate::stage::{self, Hub};
use crate::{Bench, ingest, rebuild};

/// Connections appending at once: as many as Rondom's ingest clients.
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
    for (mode, strict) in [("lazy", false), ("strict", true)] {
        let dir = work.join(format!("peer-{mode}"));
        std::fs::create_dir_all(&dir)?;
        bench.progress.say(&format!(
            "P7 {mode}: Rondom ingest and rebuild of {events} events"
        ));
        let nats = stage::nats(&dir, strict)?;
        let jetstream = rondom_bus::jetstream(rondom_bus::connect(nats.url()).await?);
        let hub_dir = dir.join("hub");
        std::fs::create_dir_all(&hub_dir)?;
        let hub = Hub::start(&hub_dir, nats.url()).await?;
        let households = (events / EVENTS_PER_HOUSEHOLD).max(1);
        let ingested = ingest::post_signals(&hub, "peer", events, 0, households).await?;
        hub.stop()?;
        let rebuilt = rebuild::rebuild(&jetstream, nats.url(), &hub_dir.join("projector")).await?;
        let log = read_log(&jetstream).await?;
        drop(nats);

        bench.progress.say(&format!(
            "P7 {mode}: PostgreSQL append and rebuild of the same events"
        ));
        let postgres = Postgres::start(&dir.join("pg"), strict)?;
        let peer_ingest = postgres.append(Arc::new(log)).await?;
        let signer = rondom_runtime::keys::load_signer(&hub_dir.join("keys"))?;
        let peer_rebuild = postgres.rebuild(&dir.join("peer-model"), &signer).await?;
        let durability = if strict {
            "sync_interval always vs synchronous_commit=on"
        } else {
            "default sync vs synchronous_commit=off"
        };
        bench.figures.push(Figure::against(
            "P7",
            format!("ingest {mode} ({durability}): Rondom PostSignal/s vs PostgreSQL appends/s, {CONNECTIONS} clients each"),
            ingested.run.rate.per_second(),
            "/s",
            peer_ingest.per_second(),
            ">= 2x",
            2.0,
        ));
        bench.figures.push(Figure::against(
            "P7",
            format!("rebuild {mode}: Rondom events/s vs PostgreSQL read + the same fold into sled"),
            rebuilt.per_second(),
            "/s",
            peer_rebuild.per_second(),
            ">= 2x",
            2.0,
        ));
    }
    bench.notes.push(
        "P7: the peer appends Rondom's own events of the run, ready-made (sealed, pseudonymised), \
         with one INSERT ... SELECT max(version)+1 per event under UNIQUE (household, version); \
         Rondom's ingest figure includes gRPC, resolving the household and sealing."
            .to_owned(),
    );
    Ok(())
}

/// An event as the peer stores it: household, id, headers (the CloudEvents attributes) and the
/// protobuf payload.
struct LoggedEvent {
    household: uuid::Uuid,
    id: String,
    headers: serde_json::Value,
    payload: Vec<u8>,
}

/// Reads every event of the stream, in order.
async fn read_log(jetstream: &jetstream::Context) -> anyhow::Result<Vec<LoggedEvent>> {
    let stream = jetstream.get_stream(EVENTS_STREAM).await?;
    let last = stream.cached_info().state.last_sequence;
    let consumer = stream
        .create_consumer(jetstream::consumer::pull::OrderedConfig::default())
        .await?;
    let mut messages = consumer.messages().await?;
    let mut log = Vec::with_capacity(last as usize);
    while (log.len() as u64) < last {
        let message = messages
            .next()
            .await
            .context("the stream ended early")?
            .map_err(|err| anyhow::anyhow!("{err}"))?;
        let headers = message.headers.clone().unwrap_or_default();
        let envelope = rondom_bus::Envelope::from_headers(&headers)?;
        let pairs: serde_json::Map<String, serde_json::Value> = headers
            .iter()
            .filter_map(|(name, values)| {
                let value = values.first()?.as_str().to_owned();
                Some((name.to_string(), serde_json::Value::String(value)))
            })
            .collect();
        log.push(LoggedEvent {
            household: envelope.subject.to_string().parse()?,
            id: envelope.id.to_string(),
            headers: serde_json::Value::Object(pairs),
            payload: message.payload.to_vec(),
        });
    }
    Ok(log)
}

/// A PostgreSQL server of the bench's own on loopback.
struct Postgres {
    bin: PathBuf,
    data: PathBuf,
    port: u16,
}

const SCHEMA: &str = "
CREATE TABLE events (
    position bigserial PRIMARY KEY,
    household uuid NOT NULL,
    version integer NOT NULL,
    event_id text NOT NULL UNIQUE,
    headers jsonb NOT NULL,
    payload bytea NOT NULL,
    UNIQUE (household, version)
)";

/// The append of an event store: the next version of the household, refused by the unique
/// constraint when another writer took it first (then the writer tries again).
const APPEND: &str = "
INSERT INTO events (household, version, event_id, headers, payload)
SELECT $1, coalesce(max(version), 0) + 1, $2, $3, $4 FROM events WHERE household = $1";

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

    async fn connect(&self) -> anyhow::Result<tokio_postgres::Client> {
        let (client, connection) = tokio_postgres::connect(
            &format!(
                "host=127.0.0.1 port={} user=postgres dbname=postgres",
                self.port
            ),
            tokio_postgres::NoTls,
        )
        .await?;
        tokio::spawn(connection);
        Ok(client)
    }

    /// Appends every event of `log`, `CONNECTIONS` writers at once, each event in its own
    /// transaction (as a command handler writes).
    async fn append(&self, log: Arc<Vec<LoggedEvent>>) -> anyhow::Result<Rate> {
        self.connect().await?.batch_execute(SCHEMA).await?;
        let mut clients = Vec::with_capacity(CONNECTIONS);
        for _ in 0..CONNECTIONS {
            clients.push(self.connect().await?);
        }
        let next = Arc::new(std::sync::atomic::AtomicUsize::new(0));
        let started = Instant::now();
        let mut writers = JoinSet::new();
        for client in clients {
            let log = log.clone();
            let next = next.clone();
            writers.spawn(async move {
                let append = client.prepare(APPEND).await?;
                loop {
                    let number = next.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                    let Some(event) = log.get(number) else {
                        return Ok::<_, anyhow::Error>(());
                    };
                    // A writer that lost the race for a version tries again, as an event store
                    // client does on a concurrency conflict.
                    loop {
                        match client
                            .execute(
                                &append,
                                &[&event.household, &event.id, &event.headers, &event.payload],
                            )
                            .await
                        {
                            Ok(_) => break,
                            Err(err)
                                if err.code()
                                    == Some(&tokio_postgres::error::SqlState::UNIQUE_VIOLATION) =>
                            {
                                continue;
                            }
                            Err(err) => return Err(err.into()),
                        }
                    }
                }
            });
        }
        while let Some(writer) = writers.join_next().await {
            writer??;
        }
        Ok(Rate {
            count: log.len() as u64,
            elapsed: started.elapsed(),
        })
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
