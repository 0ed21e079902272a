//! The system under measurement: a nats-server of the bench's own and the hub as `rondom up`
//! runs it, a separate process on loopback (so its memory is its own, and the load generator
//! does not share its runtime).

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use anyhow::Context as _;
use rondom_access::dev_clients::{DevClient, DevTokens};
use rondom_cli::connection::{Connection, authed};
use rondom_runtime::nats_server::{NatsServer, NatsServerOptions};
use tonic::transport::Channel;

/// Starts a nats-server with its store under `dir`.
pub(crate) fn nats(dir: &Path, sync_always: bool) -> anyhow::Result<NatsServer> {
    NatsServer::start(&NatsServerOptions {
        store_dir: dir.join("nats"),
        port: None,
        ready_timeout: Duration::from_secs(30),
        sync_always,
        // The bench compares against raw NATS on the same server: no users to log in with.
        users: None,
        // A bench that fails or is stopped takes its server with it.
        dies_with_starter: true,
    })
    .context("failed to start nats-server (run `make tools`)")
}

/// `rondom up` on a NATS of the bench's, with the development clients of its data directory.
#[derive(Debug)]
pub(crate) struct Hub {
    child: Child,
    pub(crate) addr: SocketAddr,
    pub(crate) data_dir: PathBuf,
    tokens: DevTokens,
}

impl Hub {
    /// Starts the hub and waits until it serves.
    pub(crate) async fn start(data_dir: &Path, nats_url: &str) -> anyhow::Result<Self> {
        let (tokens, _) = DevTokens::load_or_create(data_dir)?;
        let addr = free_port()?;
        let log = std::fs::File::create(data_dir.join("hub.log"))?;
        let child = Command::new(rondom_binary()?)
            .arg("up")
            .arg("--data-dir")
            .arg(data_dir)
            .args(["--nats-url", nats_url, "--grpc-addr", &addr.to_string()])
            .args(["--metrics-addr", "127.0.0.1:0"])
            // The regiewerkplek on a port of its own: two benches (or a bench beside `make
            // run`) never collide on 8080.
            .args(["--web-addr", "127.0.0.1:0"])
            // A full run writes a million audited signals and reads as many: more than the
            // default gigabyte of audit log, at which the hub (rightly) refuses to read.
            .args(["--audit-max-mb", "8192"])
            .stdin(Stdio::null())
            .stdout(log.try_clone()?)
            .stderr(log)
            .spawn()
            .context("failed to start `rondom up`")?;
        let mut hub = Hub {
            child,
            addr,
            data_dir: data_dir.to_owned(),
            tokens,
        };
        hub.wait_serving().await?;
        Ok(hub)
    }

    async fn wait_serving(&mut self) -> anyhow::Result<()> {
        let deadline = Instant::now() + Duration::from_secs(60);
        loop {
            if let Some(status) = self.child.try_wait()? {
                // The log goes with the run's work folder: its end is in the error.
                let log =
                    std::fs::read_to_string(self.data_dir.join("hub.log")).unwrap_or_default();
                let end: Vec<&str> = log.lines().rev().take(5).collect();
                anyhow::bail!(
                    "rondom up exited ({status}); the end of its log:\n{}",
                    end.into_iter().rev().collect::<Vec<_>>().join("\n")
                );
            }
            if let Ok(channel) = self.channel().await {
                let mut health = tonic_health::pb::health_client::HealthClient::new(channel);
                let serving = health
                    .check(tonic_health::pb::HealthCheckRequest::default())
                    .await
                    .is_ok_and(|reply| reply.into_inner().status == 1);
                if serving {
                    return Ok(());
                }
            }
            anyhow::ensure!(Instant::now() < deadline, "rondom up did not serve in 60 s");
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    /// A new HTTP/2 connection to the hub, without credentials.
    pub(crate) async fn channel(&self) -> anyhow::Result<Channel> {
        channel(self.addr).await
    }

    /// A new connection calling as the development client `client`.
    pub(crate) async fn connect(&self, client: DevClient) -> anyhow::Result<Connection> {
        authed(self.channel().await?, Some(self.tokens.token(client)))
    }

    /// The hub's resident memory, from /proc.
    pub(crate) fn rss_bytes(&self) -> anyhow::Result<u64> {
        let status = std::fs::read_to_string(format!("/proc/{}/status", self.child.id()))?;
        let kib: u64 = status
            .lines()
            .find_map(|line| line.strip_prefix("VmRSS:"))
            .and_then(|rest| rest.split_whitespace().next())
            .context("no VmRSS")?
            .parse()?;
        Ok(kib * 1024)
    }

    /// Stops the hub as Ctrl-C does and waits until it has drained and flushed.
    pub(crate) fn stop(mut self) -> anyhow::Result<()> {
        let pid = nix::unistd::Pid::from_raw(self.child.id() as i32);
        nix::sys::signal::kill(pid, nix::sys::signal::Signal::SIGINT)?;
        let status = self.child.wait()?;
        anyhow::ensure!(status.success(), "rondom up stopped with {status}");
        Ok(())
    }
}

/// What serves `rondom.v1.SignalService` to the load generator: the hub, or P7's PostgreSQL
/// peer, so both get the very same load.
pub(crate) trait Endpoint {
    /// A new connection calling as the development client `client`.
    async fn connect(&self, client: DevClient) -> anyhow::Result<Connection>;
}

impl Endpoint for Hub {
    async fn connect(&self, client: DevClient) -> anyhow::Result<Connection> {
        Hub::connect(self, client).await
    }
}

/// A new HTTP/2 connection to `addr`, without credentials.
pub(crate) async fn channel(addr: SocketAddr) -> anyhow::Result<Channel> {
    Ok(Channel::from_shared(format!("http://{addr}"))?
        .tcp_nodelay(true)
        .connect()
        .await?)
}

impl Drop for Hub {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// The `rondom` built beside this binary (`make bench` builds both in release).
pub(crate) fn rondom_binary() -> anyhow::Result<PathBuf> {
    let path = std::env::current_exe()?.with_file_name("rondom");
    anyhow::ensure!(
        path.exists(),
        "{} is missing: build it with `cargo build --release -p rondom-cli`",
        path.display()
    );
    Ok(path)
}

pub(crate) fn free_port() -> anyhow::Result<SocketAddr> {
    let listener = std::net::TcpListener::bind("127.0.0.1:0")?;
    Ok(listener.local_addr()?)
}
