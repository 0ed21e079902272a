//! What the process-level tests share: `rondom serve` roles as child processes that can be
//! killed and started again on the same port.

#![allow(dead_code, unreachable_pub)] // each test file uses its own part of this

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use rondom_testkit::{free_port, wait_for_port};

pub const RONDOM: &str = env!("CARGO_BIN_EXE_rondom");

/// A role process that can be killed and started again on the same port.
pub struct Role {
    role: &'static str,
    port: u16,
    dir: PathBuf,
    nats_url: String,
    extra: Vec<String>,
    child: Option<Child>,
    starts: u32,
}

impl Role {
    /// Starts `rondom serve --role <role>` with `extra` arguments, its keys, clients file and
    /// read model in `dir`.
    pub fn start(role: &'static str, dir: &Path, nats_url: &str, extra: &[&str]) -> Self {
        let mut process = Role {
            role,
            port: free_port(),
            dir: dir.to_owned(),
            nats_url: nats_url.to_owned(),
            extra: extra.iter().map(|arg| (*arg).to_owned()).collect(),
            child: None,
            starts: 0,
        };
        process.spawn();
        process
    }

    pub fn spawn(&mut self) {
        self.starts += 1;
        let log =
            std::fs::File::create(self.dir.join(format!("{}-{}.log", self.role, self.starts)))
                .expect("log file");
        let child = Command::new(RONDOM)
            .args(["serve", "--role", self.role, "--nats-url", &self.nats_url])
            .args(["--grpc-addr", &format!("127.0.0.1:{}", self.port)])
            .args(["--metrics-addr", "127.0.0.1:0"])
            .args(&self.extra)
            .arg("--key-dir")
            .arg(self.dir.join("keys"))
            .arg("--clients")
            .arg(self.dir.join("clients.toml"))
            .arg("--data-dir")
            .arg(self.dir.join("projector"))
            .stdin(Stdio::null())
            .stdout(log.try_clone().expect("log"))
            .stderr(log)
            .spawn()
            .expect("run rondom serve");
        self.child = Some(child);
        wait_for_port(self.port, Duration::from_secs(60));
    }

    /// SIGKILL: no drain, no flush, no goodbye.
    pub fn kill(&mut self) {
        if let Some(mut child) = self.child.take() {
            child.kill().expect("SIGKILL");
            child.wait().expect("reaped");
        }
    }

    /// SIGTERM and a clean exit, as an operator stops it.
    pub fn stop(&mut self) {
        let Some(mut child) = self.child.take() else {
            return;
        };
        nix::sys::signal::kill(
            nix::unistd::Pid::from_raw(child.id() as i32),
            nix::sys::signal::Signal::SIGTERM,
        )
        .expect("SIGTERM");
        let status = child.wait().expect("wait");
        assert!(status.success(), "{} stopped cleanly: {status}", self.role);
    }

    pub fn url(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }
}

impl Drop for Role {
    fn drop(&mut self) {
        self.kill();
    }
}

/// Reads household `household_id` from `projector` as `coordinator` once the projector has
/// applied `position`, waiting up to a minute. An UNAVAILABLE answer is retried, as its
/// RetryInfo asks (a read is refused while its audit record cannot be stored, e.g. during a
/// cluster's election of the audit stream's leader).
pub async fn read_once_applied(
    projector: &Role,
    coordinator: &str,
    household_id: &str,
    position: u64,
) -> Result<rondom_proto::v1::GetHouseholdResponse, tonic::Status> {
    use rondom_proto::v1;
    let channel = tonic::transport::Channel::from_shared(projector.url())
        .expect("uri")
        .connect()
        .await
        .map_err(|err| tonic::Status::unavailable(err.to_string()))?;
    let mut households = v1::household_service_client::HouseholdServiceClient::new(
        rondom_cli::connection::authed(channel, Some(coordinator)).expect("token"),
    );
    let read = tonic::Request::new(v1::GetHouseholdRequest {
        key: Some(v1::get_household_request::Key::HouseholdId(
            household_id.to_owned(),
        )),
        min_position: position,
        purpose: v1::Purpose::Regie as i32,
        on_behalf_of: "mw-0001".to_owned(),
        ..Default::default()
    });
    let deadline = std::time::Instant::now() + Duration::from_secs(60);
    loop {
        let mut attempt = tonic::Request::new(read.get_ref().clone());
        attempt.set_timeout(deadline.saturating_duration_since(std::time::Instant::now()));
        match households.get_household(attempt).await {
            Err(status)
                if status.code() == tonic::Code::Unavailable
                    && std::time::Instant::now() < deadline =>
            {
                tokio::time::sleep(Duration::from_millis(200)).await;
            }
            outcome => return outcome.map(tonic::Response::into_inner),
        }
    }
}
