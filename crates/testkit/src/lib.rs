//! Test helpers: a real nats-server per test on a random port with its own temporary store,
//! and polling with a deadline instead of sleeping and hoping.
//!
//! # Layout
//! - [`TestNats`] — a nats-server that lives as long as the test holds it
//! - [`eventually`] — poll an async condition until it holds or a deadline passes
//! - [`free_port`], [`wait_for_port`] — ports for the processes a test starts, reserved
//!   across test processes (`ports`)
//! - [`bsn`] — a series of valid BSNs for test households
//!
//! # Example
//! ```no_run
//! let nats = rondom_testkit::TestNats::start();
//! assert!(nats.url().starts_with("nats://127.0.0.1:"));
//! ```

use std::future::Future;
use std::path::Path;
use std::time::{Duration, Instant};

use rondom_runtime::bus_users::{BusUser, BusUsers};
use rondom_runtime::nats_server::{NatsServer, NatsServerOptions};
use tempfile::TempDir;

mod ports;
pub use ports::free_port;

/// A nats-server with JetStream on a random port and a temporary store, locked as production
/// is (`deploy/nats/accounts.conf`, a generated password per user); killed on drop.
#[derive(Debug)]
pub struct TestNats {
    // Field order matters: the server stops before its directory is removed.
    server: NatsServer,
    users: BusUsers,
    operator_url: String,
    dir: TempDir,
}

impl TestNats {
    /// Starts the server, panicking with a clear message when nats-server is missing:
    /// a test that needs NATS fails, it never skips.
    pub fn start() -> Self {
        let dir = tempfile::tempdir().expect("create temp dir for nats-server");
        let users = BusUsers::generate();
        let server = NatsServer::start(&options(dir.path(), None, &users))
            .unwrap_or_else(|err| panic!("{}", error_chain(&err)));
        let operator_url = server.url_for(BusUser::Operator);
        TestNats {
            server,
            users,
            operator_url,
            dir,
        }
    }

    /// Returns the server's process id.
    pub fn pid(&self) -> u32 {
        self.server.pid()
    }

    /// Returns the URL of the operator, who may do anything: for a test's own look at NATS.
    pub fn url(&self) -> &str {
        &self.operator_url
    }

    /// Returns the URL `user` connects with.
    pub fn url_for(&self, user: BusUser) -> String {
        self.server.url_for(user)
    }

    /// Returns the client URL without a user (refused by the server).
    pub fn anonymous_url(&self) -> &str {
        self.server.url()
    }

    /// Returns the directory holding the server's JetStream files and log.
    pub fn store_dir(&self) -> std::path::PathBuf {
        self.dir.path().join("nats")
    }

    /// Stops the server (tests of an unreachable NATS); [`TestNats::restart`] brings it back.
    pub fn stop(&mut self) {
        self.server.stop();
    }

    /// Starts the server again on the same port and store, as an operator's restart does:
    /// clients that were connected reconnect by themselves.
    pub fn restart(&mut self) {
        self.server.stop();
        let port = self
            .anonymous_url()
            .rsplit(':')
            .next()
            .and_then(|port| port.parse().ok())
            .expect("the URL ends in its port");
        self.server = NatsServer::start(&options(self.dir.path(), Some(port), &self.users))
            .unwrap_or_else(|err| panic!("{}", error_chain(&err)));
    }
}

fn options(dir: &Path, port: Option<u16>, users: &BusUsers) -> NatsServerOptions {
    NatsServerOptions {
        store_dir: dir.join("nats"),
        port,
        ready_timeout: Duration::from_secs(15),
        sync_always: false,
        users: Some(users.clone()),
        // A test killed at its timeout takes its server with it.
        dies_with_starter: true,
    }
}

fn error_chain(err: &dyn std::error::Error) -> String {
    let mut text = err.to_string();
    let mut source = err.source();
    while let Some(cause) = source {
        text.push_str(&format!("\ncaused by: {cause}"));
        source = cause.source();
    }
    text
}

/// Returns the `number`th of a series of valid BSNs, none of which the scenario or the
/// documentation use: a seven-digit prefix of its own and the first two-digit ending that
/// passes the domain's 11-proef.
pub fn bsn(number: u64) -> String {
    assert!(number < 4_000_000, "the series holds 4 M numbers");
    let prefix = 5_000_000 + number;
    (0..100)
        .map(|ending| format!("{prefix:07}{ending:02}"))
        .find(|candidate| candidate.parse::<rondom_domain::Bsn>().is_ok())
        .expect("one of a hundred endings passes the 11-proef")
}

/// Waits until something listens on loopback `port`, or panics after `timeout`.
pub fn wait_for_port(port: u16, timeout: Duration) {
    let deadline = Instant::now() + timeout;
    while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
        assert!(
            Instant::now() < deadline,
            "port {port} did not open within {timeout:?}"
        );
        std::thread::sleep(Duration::from_millis(20));
    }
}

/// Polls `check` until it returns `Some`, or panics after `timeout` naming `what`.
pub async fn eventually<T, F, Fut>(what: &str, timeout: Duration, mut check: F) -> T
where
    F: FnMut() -> Fut,
    Fut: Future<Output = Option<T>>,
{
    let deadline = Instant::now() + timeout;
    loop {
        if let Some(value) = check().await {
            return value;
        }
        assert!(
            Instant::now() < deadline,
            "timed out after {timeout:?} waiting for {what}"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}
