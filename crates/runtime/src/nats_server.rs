//! A nats-server child process with JetStream: the embedded default of `rondom up`, and the
//! real server every test runs against.
//!
//! The binary is found through `NATS_SERVER_BIN`, then `.tools/bin/nats-server` in the current
//! directory or the workspace, then `PATH`. The project installs a pinned one into `.tools/`
//! (`make tools`). A missing binary is an error that says so; nothing silently skips.

use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use nix::sys::signal::{Signal, kill};
use nix::unistd::Pid;

use crate::bus_users::{ACCOUNTS_CONF, BusUser, BusUsers};

/// Why a nats-server could not be started.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error(
        "cannot run nats-server ({binary}); run `make tools` to install the pinned one into \
         .tools/, or set NATS_SERVER_BIN"
    )]
    Spawn {
        binary: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("cannot prepare nats-server directory {path}")]
    Directory {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("nats-server exited before it was ready; its log:\n{log}")]
    Exited { log: String },
    #[error("nats-server was not ready within {timeout:?}; its log:\n{log}")]
    NotReady { timeout: Duration, log: String },
}

/// How to start the server.
#[derive(Debug, Clone)]
pub struct NatsServerOptions {
    /// JetStream store directory (`-sd`); the log goes beside it as `nats-server.log`.
    pub store_dir: PathBuf,
    /// Client port on 127.0.0.1; `None` picks a free one.
    pub port: Option<u16>,
    /// How long to wait for "ready".
    pub ready_timeout: Duration,
    /// Sync every JetStream write to disk before acknowledging it (`sync_interval: always`);
    /// off, the server syncs every two minutes and relies on replicas (its default).
    pub sync_always: bool,
    /// Lock the server with these users and the permissions of `deploy/nats/accounts.conf`;
    /// `None` lets anyone on loopback in (tests of the bus itself).
    pub users: Option<BusUsers>,
    /// Killed (SIGKILL) when the thread that started it ends, as when its process is killed:
    /// for tests and benchmarks, whose server must not outlive a run that was stopped. Not
    /// for `rondom up`, which starts it on a blocking-pool thread that ends when idle.
    pub dies_with_starter: bool,
}

/// A running nats-server; stopped (SIGTERM, then SIGKILL) when dropped.
#[derive(Debug)]
pub struct NatsServer {
    child: Child,
    url: String,
    log: PathBuf,
    users: Option<BusUsers>,
}

/// The NATS a command works on: a server it was pointed at, or the embedded one it started on
/// the data directory (stopped when this is dropped).
#[derive(Debug)]
pub struct NatsTarget {
    url: String,
    embedded: Option<NatsServer>,
}

impl NatsTarget {
    /// Returns `url` when given, else starts nats-server with its store in `<data_dir>/nats`
    /// on 127.0.0.1:`port` (a port in use means another server, the hub's, runs there),
    /// locked with the users of `data_dir` (created on first start).
    ///
    /// # Errors
    /// [`Error`] when the embedded server does not start.
    pub async fn url_or_embedded(
        url: Option<&str>,
        data_dir: &Path,
        port: u16,
    ) -> Result<Self, Error> {
        if let Some(url) = url {
            return Ok(Self {
                url: url.to_owned(),
                embedded: None,
            });
        }
        let users = BusUsers::load_or_create(data_dir).map_err(|source| Error::Directory {
            path: crate::bus_users::path(data_dir),
            source: std::io::Error::other(source),
        })?;
        let options = NatsServerOptions {
            store_dir: data_dir.join("nats"),
            port: Some(port),
            ready_timeout: Duration::from_secs(30),
            sync_always: false,
            users: Some(users),
            dies_with_starter: false,
        };
        let server = tokio::task::spawn_blocking(move || NatsServer::start(&options))
            .await
            .expect("starting nats-server does not panic")?;
        Ok(Self {
            url: server.url().to_owned(),
            embedded: Some(server),
        })
    }

    /// Returns the URL `user` connects with: the embedded server's with that user's
    /// password, or the URL the command was given (which names its own user, if any).
    pub fn url_for(&self, user: BusUser) -> String {
        match &self.embedded {
            Some(server) => server.url_for(user),
            None => self.url.clone(),
        }
    }

    /// Returns the URL the operator's work connects with.
    pub fn url(&self) -> String {
        self.url_for(BusUser::Operator)
    }
}

impl NatsServer {
    /// Starts nats-server with JetStream and waits until it accepts clients.
    ///
    /// # Errors
    /// [`Error`] when the binary is missing, or the server exits or is not ready in time.
    pub fn start(options: &NatsServerOptions) -> Result<Self, Error> {
        let run_dir = options.store_dir.join("run");
        std::fs::create_dir_all(&run_dir).map_err(|source| Error::Directory {
            path: run_dir.clone(),
            source,
        })?;
        let log = options.store_dir.join("nats-server.log");
        let binary = binary_path();
        let port = options
            .port
            .map_or_else(|| "-1".to_owned(), |port| port.to_string());
        let mut command = Command::new(&binary);
        if let Some(config) = write_config(options)? {
            command.arg("-c").arg(config);
        }
        if let Some(users) = &options.users {
            command.envs(users.environment());
        }
        if options.dies_with_starter {
            // SAFETY: runs in the child between fork and exec, where only async-signal-safe
            // calls are allowed; prctl(PR_SET_PDEATHSIG) is a single system call.
            unsafe {
                command.pre_exec(|| {
                    nix::sys::prctl::set_pdeathsig(Signal::SIGKILL).map_err(std::io::Error::from)
                });
            }
        }
        let child = command
            .args(["-a", "127.0.0.1", "-p", &port, "-js"])
            .arg("-sd")
            .arg(&options.store_dir)
            .arg("-l")
            .arg(&log)
            .arg("--ports_file_dir")
            .arg(&run_dir)
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            // Its own process group: Ctrl-C in a terminal reaches rondom only, which drains
            // its clients first and then stops the server itself.
            .process_group(0)
            .spawn()
            .map_err(|source| Error::Spawn {
                binary: binary.clone(),
                source,
            })?;
        let mut server = NatsServer {
            child,
            url: String::new(),
            log,
            users: options.users.clone(),
        };
        server.url = server.wait_until_ready(&binary, &run_dir, options.ready_timeout)?;
        tracing::info!(url = %server.url, store = %options.store_dir.display(), "nats-server ready");
        Ok(server)
    }

    /// Returns the server's process id.
    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    /// Returns the client URL, e.g. `nats://127.0.0.1:4222`, without a user.
    pub fn url(&self) -> &str {
        &self.url
    }

    /// Returns the URL `user` connects with: with its password when the server is locked.
    pub fn url_for(&self, user: BusUser) -> String {
        match &self.users {
            Some(users) => users.url(user, &self.url),
            None => self.url.clone(),
        }
    }

    /// Stops the server: SIGTERM so JetStream closes its files, SIGKILL after 10 s.
    pub fn stop(&mut self) {
        if matches!(self.child.try_wait(), Ok(Some(_))) {
            return;
        }
        let pid = Pid::from_raw(self.child.id() as i32);
        if kill(pid, Signal::SIGTERM).is_ok() {
            let deadline = Instant::now() + Duration::from_secs(10);
            while Instant::now() < deadline {
                if matches!(self.child.try_wait(), Ok(Some(_))) {
                    return;
                }
                std::thread::sleep(Duration::from_millis(20));
            }
        }
        let _ = self.child.kill();
        let _ = self.child.wait();
    }

    fn read_log(&self) -> String {
        std::fs::read_to_string(&self.log).unwrap_or_else(|err| format!("(no log: {err})"))
    }

    /// Polls the ports file nats-server writes once it listens, then connects to be sure.
    fn wait_until_ready(
        &mut self,
        binary: &Path,
        run_dir: &Path,
        timeout: Duration,
    ) -> Result<String, Error> {
        let ports_file = run_dir.join(format!(
            "{}_{}.ports",
            ports_file_stem(binary),
            self.child.id()
        ));
        let deadline = Instant::now() + timeout;
        loop {
            if let Ok(Some(_)) = self.child.try_wait() {
                return Err(Error::Exited {
                    log: self.read_log(),
                });
            }
            if let Some(url) = read_client_url(&ports_file)
                && let Some(address) = url.strip_prefix("nats://")
                && std::net::TcpStream::connect(address).is_ok()
            {
                return Ok(url);
            }
            if Instant::now() > deadline {
                let log = self.read_log();
                self.stop();
                return Err(Error::NotReady { timeout, log });
            }
            std::thread::sleep(Duration::from_millis(10));
        }
    }
}

impl Drop for NatsServer {
    fn drop(&mut self) {
        self.stop();
    }
}

/// Writes the configuration file the options need beyond command-line flags, if any: the
/// accounts of `deploy/nats/accounts.conf` for a locked server, `sync_interval: always`.
fn write_config(options: &NatsServerOptions) -> Result<Option<PathBuf>, Error> {
    if options.users.is_none() && !options.sync_always {
        return Ok(None);
    }
    let write = |name: &str, text: &str| {
        let path = options.store_dir.join(name);
        std::fs::write(&path, text)
            .map(|()| path.clone())
            .map_err(|source| Error::Directory { path, source })
    };
    let mut config = String::from("# Written by rondom at every start of its nats-server.\n");
    if options.sync_always {
        // Not a command-line flag: only a config file sets it.
        config.push_str("jetstream { sync_interval: always }\n");
    }
    if options.users.is_some() {
        write("accounts.conf", ACCOUNTS_CONF)?;
        config.push_str("include ./accounts.conf\n");
    }
    write("rondom-nats.conf", &config).map(Some)
}

/// What `--ports_file_dir` writes: `{"nats":["nats://127.0.0.1:PORT"], ...}`.
#[derive(serde::Deserialize)]
struct PortsFile {
    nats: Vec<String>,
}

fn read_client_url(path: &Path) -> Option<String> {
    let text = std::fs::read_to_string(path).ok()?;
    let ports: PortsFile = serde_json::from_str(&text).ok()?;
    ports.nats.into_iter().next()
}

/// The name nats-server gives its ports file: that of its own executable.
fn ports_file_stem(binary: &Path) -> String {
    binary.file_name().map_or_else(
        || "nats-server".to_owned(),
        |name| name.to_string_lossy().into_owned(),
    )
}

/// Returns the nats-server to run: `NATS_SERVER_BIN`, `.tools/bin/nats-server` here or in the
/// workspace, else `nats-server` from `PATH`.
pub fn binary_path() -> PathBuf {
    if let Some(binary) = std::env::var_os("NATS_SERVER_BIN") {
        return PathBuf::from(binary);
    }
    let workspace = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    [
        PathBuf::from(".tools/bin/nats-server"),
        workspace.join(".tools/bin/nats-server"),
    ]
    .into_iter()
    .find(|candidate| candidate.is_file())
    .unwrap_or_else(|| PathBuf::from("nats-server"))
}
