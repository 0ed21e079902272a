//! The real `rondom` binary, as a newcomer uses it: `rondom up` in one terminal, the CLI in
//! another (picking up the development tokens `rondom up` wrote); stop with SIGTERM, start
//! again, and the data is still there.

use std::os::unix::fs::PermissionsExt as _;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::time::{Duration, Instant};

use nix::sys::signal::{Signal, kill};
use nix::unistd::Pid;
use rondom_runtime::bus_users::BusUser;
use rondom_testkit::{free_port, wait_for_port};
use serde_json::Value;

const RONDOM: &str = env!("CARGO_BIN_EXE_rondom");

struct Hub {
    child: Child,
    grpc: String,
    /// Port of the Prometheus endpoint.
    metrics: u16,
    /// Port of the regiewerkplek.
    web: u16,
    /// The data directory whose dev-tokens.toml the CLI reads (when there is one).
    data: PathBuf,
}

impl Drop for Hub {
    /// A test that failed before `stop` leaves no hub (and its nats-server) running: it is
    /// asked to stop as Ctrl-C would, and killed if it does not within ten seconds.
    fn drop(&mut self) {
        if !matches!(self.child.try_wait(), Ok(None)) {
            return;
        }
        let _ = kill(Pid::from_raw(self.child.id() as i32), Signal::SIGTERM);
        let deadline = Instant::now() + Duration::from_secs(10);
        while Instant::now() < deadline {
            if !matches!(self.child.try_wait(), Ok(None)) {
                return;
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        let _ = self.child.kill();
    }
}

fn start(data: &Path, nats_port: u16, grpc_port: u16, log_name: &str) -> Hub {
    start_with(data, nats_port, grpc_port, log_name, &[])
}

fn start_with(data: &Path, nats_port: u16, grpc_port: u16, log_name: &str, extra: &[&str]) -> Hub {
    let log = std::fs::File::create(data.with_file_name(log_name)).expect("log file");
    let metrics = free_port();
    let web = free_port();
    let child = Command::new(RONDOM)
        .args(["up", "--data-dir"])
        .arg(data)
        .args(extra)
        .args([
            "--nats-port",
            &nats_port.to_string(),
            "--grpc-addr",
            &format!("127.0.0.1:{grpc_port}"),
            "--metrics-addr",
            &format!("127.0.0.1:{metrics}"),
            "--web-addr",
            &format!("127.0.0.1:{web}"),
        ])
        // JetStream reserves the audit log's size on the disk of the data directory (1 GiB by
        // default); a test's hub needs no more than this, whatever /tmp has free.
        .env("RONDOM_AUDIT_MAX_MB", "64")
        .stdin(Stdio::null())
        .stdout(log.try_clone().expect("log"))
        .stderr(log)
        .spawn()
        .expect("run rondom up");
    let mut hub = Hub {
        child,
        grpc: format!("http://127.0.0.1:{grpc_port}"),
        metrics,
        web,
        data: data.to_owned(),
    };
    wait_until_ready(&mut hub, &data.with_file_name(log_name));
    hub
}

/// Waits until `hub` answers `GET /ready` with 200. The gRPC port opens before the streams are
/// provisioned, so an open port does not mean a hub that stays; one that exits instead fails
/// the test with its log.
fn wait_until_ready(hub: &mut Hub, log: &Path) {
    use std::io::{Read as _, Write as _};
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        if let Some(status) = hub.child.try_wait().expect("wait") {
            let log = std::fs::read_to_string(log).unwrap_or_default();
            panic!("rondom up exited ({status}) before it was ready:\n{log}");
        }
        let ready =
            std::net::TcpStream::connect(("127.0.0.1", hub.metrics)).is_ok_and(|mut stream| {
                let mut response = String::new();
                stream
                    .write_all(
                        b"GET /ready HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n",
                    )
                    .and_then(|()| stream.read_to_string(&mut response))
                    .is_ok_and(|_| response.starts_with("HTTP/1.1 200"))
            });
        if ready {
            return;
        }
        assert!(
            Instant::now() < deadline,
            "rondom up was not ready within a minute"
        );
        std::thread::sleep(Duration::from_millis(50));
    }
}

fn stop(mut hub: Hub) {
    kill(Pid::from_raw(hub.child.id() as i32), Signal::SIGTERM).expect("SIGTERM");
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        if let Some(status) = hub.child.try_wait().expect("wait") {
            assert!(
                status.success(),
                "rondom up exits cleanly on SIGTERM: {status}"
            );
            return;
        }
        assert!(
            Instant::now() < deadline,
            "rondom up did not stop after SIGTERM"
        );
        std::thread::sleep(Duration::from_millis(50));
    }
}

/// The CLI against `hub` as a newcomer runs it in the hub's directory: no token of its own
/// (the development tokens of the data directory), nothing from the caller's environment.
fn cli(hub: &Hub, args: &[&str]) -> Command {
    let mut command = Command::new(RONDOM);
    command
        .args(args)
        .args(["--addr", &hub.grpc])
        .env("RONDOM_DATA_DIR", &hub.data)
        .env_remove("RONDOM_TOKEN")
        .env_remove("RONDOM_DEV_TOKENS")
        .env_remove("RONDOM_PURPOSE")
        .env_remove("RONDOM_ON_BEHALF_OF");
    command
}

fn rondom(hub: &Hub, args: &[&str]) -> Output {
    cli(hub, args).output().expect("run rondom")
}

/// What Prometheus would scrape from `hub`: the body of `GET /metrics`.
fn scrape(hub: &Hub) -> String {
    use std::io::{Read as _, Write as _};
    let mut stream =
        std::net::TcpStream::connect(("127.0.0.1", hub.metrics)).expect("connect to /metrics");
    stream
        .write_all(b"GET /metrics HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n")
        .expect("send the request");
    let mut response = String::new();
    stream
        .read_to_string(&mut response)
        .expect("read the reply");
    let (head, body) = response.split_once("\r\n\r\n").expect("an HTTP reply");
    assert!(head.starts_with("HTTP/1.1 200"), "{head}");
    assert!(head.contains("application/openmetrics-text"), "{head}");
    body.to_owned()
}

/// Scrapes until `line` appears (some metrics follow once a second).
fn scrape_until(hub: &Hub, line: &str) -> String {
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        let text = scrape(hub);
        if text.lines().any(|candidate| candidate == line) {
            return text;
        }
        assert!(Instant::now() < deadline, "no {line:?} in:\n{text}");
        std::thread::sleep(Duration::from_millis(100));
    }
}

fn json(output: &Output) -> Value {
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    serde_json::from_slice(&output.stdout).expect("JSON output")
}

#[test]
fn a_newcomer_posts_reads_stops_and_restarts() {
    let dir = tempfile::tempdir().expect("temp dir");
    let data = dir.path().join("data");
    let (nats_port, grpc_port) = (free_port(), free_port());
    let hub = start(&data, nats_port, grpc_port, "first.log");

    // Without --clients the hub made development credentials; the tokens are its owner's only.
    let tokens_file = data.join("dev-tokens.toml");
    let mode = std::fs::metadata(&tokens_file)
        .expect("rondom up wrote dev-tokens.toml")
        .permissions()
        .mode();
    assert_eq!(mode & 0o777, 0o600);
    let tokens = std::fs::read_to_string(&tokens_file).expect("tokens");
    let secrets: Vec<String> = tokens
        .lines()
        .filter_map(|line| line.split('"').nth(1))
        .map(str::to_owned)
        .collect();
    assert_eq!(
        secrets.len(),
        rondom_access::dev_clients::DevClient::all().len(),
        "a token per development client: {tokens}"
    );
    let clients = std::fs::read_to_string(data.join("clients.toml")).expect("clients");
    assert!(
        secrets
            .iter()
            .all(|token| !clients.contains(token.as_str()))
    );

    // Its NATS is locked: the passwords are the owner's only, and a client without them (or
    // with a guessed one) is refused.
    let users_mode = std::fs::metadata(data.join("nats-users.toml"))
        .expect("rondom up wrote nats-users.toml")
        .permissions()
        .mode();
    assert_eq!(users_mode & 0o777, 0o600);
    tokio::runtime::Runtime::new()
        .expect("runtime")
        .block_on(async {
            for url in [
                format!("nats://127.0.0.1:{nats_port}"),
                format!("nats://rondom-operator:guessed@127.0.0.1:{nats_port}"),
            ] {
                assert!(
                    rondom_bus::connect(&url).await.is_err(),
                    "{url} got into the hub's NATS"
                );
            }
        });

    let post = |args: &[&str]| {
        let mut all = vec!["signal", "post", "--gemeente", "0363", "--json"];
        all.extend_from_slice(args);
        rondom(&hub, &all)
    };
    let posted = json(&post(&[
        "--person",
        "111222333:Fatima",
        "--person",
        "123456782:Yusuf",
        "--pillar",
        "jeugd",
        "--kind",
        "zorgen_opvoeding",
        "--urgency",
        "high",
        "--summary",
        "Yusuf verzuimt",
        "--idempotency-key",
        "cli-1",
    ]));
    let household = posted["household_id"]
        .as_str()
        .expect("household id")
        .to_owned();
    let position = posted["position"].as_u64().expect("position").to_string();

    let view = json(&rondom(
        &hub,
        &[
            "household",
            "show",
            &household,
            "--min-position",
            &position,
            "--json",
        ],
    ));
    let names: Vec<&str> = view["members"]
        .as_array()
        .expect("members")
        .iter()
        .filter_map(|m| m["display_name"].as_str())
        .collect();
    assert_eq!(names, ["Fatima", "Yusuf"]);
    assert_eq!(view["active_pillars"], serde_json::json!(["jeugd"]));

    // The data directory and all it holds (read model, log, keys) are the owner's alone.
    let mode = |path: &Path| {
        std::fs::metadata(path)
            .expect("metadata")
            .permissions()
            .mode()
            & 0o777
    };
    assert_eq!(mode(&data), 0o700);
    let mut pending = vec![data.clone()];
    let mut files = 0;
    while let Some(dir) = pending.pop() {
        for entry in std::fs::read_dir(&dir).expect("read dir") {
            let path = entry.expect("entry").path();
            assert_eq!(
                mode(&path) & 0o077,
                0,
                "{} is open to others",
                path.display()
            );
            if path.is_dir() {
                pending.push(path);
            } else {
                files += 1;
            }
        }
    }
    assert!(
        files > 5,
        "the read model, the log and the keys are there: {files} files"
    );

    let by_bsn = json(&rondom(
        &hub,
        &["household", "show", "--bsn", "123456782", "--json"],
    ));
    assert_eq!(by_bsn["household_id"], household.as_str());

    let timeline = rondom(&hub, &["timeline", &household]);
    assert!(
        timeline.status.success(),
        "{}",
        String::from_utf8_lossy(&timeline.stderr)
    );
    assert!(String::from_utf8_lossy(&timeline.stdout).contains("Yusuf verzuimt"));

    // A wrong token is refused, however the CLI would otherwise pick one.
    let wrong = post(&[
        "--person",
        "111222333",
        "--pillar",
        "jeugd",
        "--kind",
        "zorgen_opvoeding",
        "--token",
        "not-the-token",
    ]);
    assert!(!wrong.status.success());
    let stderr = String::from_utf8_lossy(&wrong.stderr);
    assert!(stderr.contains("Unauthenticated"), "{stderr}");

    // Every read is on record for the operator, with its client and purpose.
    let audit = json(&rondom(
        &hub,
        &["audit", "--household", &household, "--json"],
    ));
    let records = audit["records"].as_array().expect("records");
    assert!(
        records
            .iter()
            .any(|record| record["client_id"] == "dev-coordinator"
                && record["purpose"] == "regie"
                && record["method"]
                    .as_str()
                    .is_some_and(|method| method.ends_with("/GetHousehold"))),
        "{audit}"
    );
    // Handed on as CloudEvents, one per line, every page followed (two records a page here),
    // up to the export's own reads: the records above and the one of reading them.
    let exported = rondom(
        &hub,
        &[
            "audit",
            "--household",
            &household,
            "--page-size",
            "2",
            "--cloudevents",
        ],
    );
    assert!(
        exported.status.success(),
        "{} TMPLOG {}",
        String::from_utf8_lossy(&exported.stderr),
        std::fs::read_to_string(data.with_file_name("first.log")).unwrap_or_default()
    );
    let events: Vec<Value> = String::from_utf8_lossy(&exported.stdout)
        .lines()
        .map(|line| serde_json::from_str(line).expect("one CloudEvent per line"))
        .collect();
    assert_eq!(events.len(), records.len() + 1, "every record, every page");
    assert!(
        events[records.len()]["data"]["method"]
            .as_str()
            .is_some_and(|method| method.ends_with("/ListAuditRecords")),
        "{}",
        events[records.len()]
    );
    for (event, record) in events.iter().zip(records) {
        assert_eq!(event["specversion"], "1.0");
        assert_eq!(event["type"], "nl.sociaal-domein.inzage-gelogd");
        assert_eq!(event["source"], "urn:rondom:hub");
        assert_eq!(event["id"], record["id"]);
        assert_eq!(event["subject"], household.as_str());
        assert_eq!(event["data"], *record);
        assert!(
            event["time"]
                .as_str()
                .is_some_and(|time| chrono::DateTime::parse_from_rfc3339(time).is_ok()),
            "{event}"
        );
    }
    assert!(records.len() > 2, "more than one page: {audit}");
    // Without a page size, an export reads one page while the log holds fewer than a
    // thousand: the next export finds one record of it.
    let count = || {
        let output = rondom(&hub, &["audit", "--household", &household, "--cloudevents"]);
        assert!(output.status.success());
        String::from_utf8_lossy(&output.stdout).lines().count()
    };
    let first = count();
    assert_eq!(count(), first + 1, "the first export read one page");
    // An export that cannot be written whole fails instead of passing for whole.
    let full_disk = cli(&hub, &["audit", "--household", &household, "--cloudevents"])
        .stdout(std::fs::File::create("/dev/full").expect("/dev/full"))
        .output()
        .expect("run rondom");
    assert!(!full_disk.status.success());
    assert!(
        String::from_utf8_lossy(&full_disk.stderr).contains("cannot write the output"),
        "{}",
        String::from_utf8_lossy(&full_disk.stderr)
    );
    let table = rondom(&hub, &["audit", "--client", "dev-coordinator"]);
    assert!(
        String::from_utf8_lossy(&table.stdout).contains("HouseholdService/GetTimeline"),
        "{}",
        String::from_utf8_lossy(&table.stderr)
    );

    let refused = post(&[
        "--person",
        "111222334",
        "--pillar",
        "jeugd",
        "--kind",
        "zorgen_opvoeding",
    ]);
    assert!(!refused.status.success());
    let stderr = String::from_utf8_lossy(&refused.stderr);
    assert!(
        stderr.contains("InvalidArgument") && stderr.contains("persons[0].bsn"),
        "{stderr}"
    );

    // The operator's view: what was published, what was refused and why, and that the
    // projector keeps up; never a BSN or a name.
    let metrics = scrape_until(&hub, "rondom_projector_lag_events 0");
    for line in [
        "rondom_events_published_total{pillar=\"jeugd\",duplicate=\"false\"} 1",
        "rondom_grpc_calls_total{method=\"/rondom.v1.SignalService/PostSignal\",code=\"OK\"} 1",
        "rondom_grpc_calls_total{method=\"/rondom.v1.SignalService/PostSignal\",code=\"INVALID_ARGUMENT\"} 1",
        "rondom_grpc_calls_total{method=\"/rondom.v1.SignalService/PostSignal\",code=\"UNAUTHENTICATED\"} 1",
        "rondom_nats_connected 1",
        "rondom_redeliveries_total{consumer=\"projector\"} 0",
    ] {
        assert!(
            metrics.lines().any(|candidate| candidate == line),
            "no {line:?} in:\n{metrics}"
        );
    }
    for private in ["111222333", "123456782", "Fatima", "Yusuf"] {
        assert!(!metrics.contains(private), "{private} in the metrics");
    }

    stop(hub);
    let hub = start(&data, nats_port, grpc_port, "second.log");
    let again = json(&rondom(&hub, &["household", "show", &household, "--json"]));
    assert_eq!(again["members"], view["members"]);
    assert_eq!(again["event_count"], 1);

    // The operator rotates the master key while the hub runs; the household stays readable.
    let keys = |args: &[&str]| {
        Command::new(RONDOM)
            .arg("keys")
            .args(args)
            .args(["--nats-url", &format!("nats://127.0.0.1:{nats_port}")])
            // The locked bus: the operator's password comes from the data directory.
            .env("RONDOM_DATA_DIR", &data)
            .arg("--key-dir")
            .arg(data.join("keys"))
            .output()
            .expect("run rondom keys")
    };
    let rotated = keys(&["rotate"]);
    let text = String::from_utf8_lossy(&rotated.stdout);
    assert!(
        rotated.status.success() && text.contains("re-wrapped 1 household keys"),
        "{text}{}",
        String::from_utf8_lossy(&rotated.stderr)
    );
    let status = keys(&["status"]);
    let text = String::from_utf8_lossy(&status.stdout);
    assert!(
        text.contains("every household key is under the current master key"),
        "{text}"
    );
    assert_eq!(
        std::fs::read_dir(data.join("keys/retired"))
            .expect("retired")
            .count(),
        1
    );
    let after_rotation = json(&rondom(&hub, &["household", "show", &household, "--json"]));
    assert_eq!(after_rotation["members"], view["members"]);

    // A planned pseudonym key rotation: the hub stops, everyone is renewed, the hub starts.
    stop(hub);
    let renewed = Command::new(RONDOM)
        .args([
            "keys",
            "rotate-pseudonym",
            "--yes",
            "--nats-port",
            &nats_port.to_string(),
        ])
        .arg("--data-dir")
        .arg(&data)
        .arg("--key-dir")
        .arg(data.join("keys"))
        .output()
        .expect("run rondom keys rotate-pseudonym");
    let text = String::from_utf8_lossy(&renewed.stdout);
    assert!(
        renewed.status.success() && text.contains("2 persons in 1 households renewed"),
        "{text}{}",
        String::from_utf8_lossy(&renewed.stderr)
    );
    let hub = start(&data, nats_port, grpc_port, "renewed.log");
    let by_bsn = json(&rondom(
        &hub,
        &[
            "household",
            "show",
            "--bsn",
            "111222333",
            "--json",
            "--min-position",
            "2",
        ],
    ));
    assert_eq!(by_bsn["household_id"], household.as_str());
    assert_ne!(
        by_bsn["members"][0]["pseudonym"],
        view["members"][0]["pseudonym"]
    );

    // Nothing is due for erasure now; in 2100 the signal-only household's twenty years ended.
    let now = rondom(&hub, &["retention", "--dry-run"]);
    assert!(
        String::from_utf8_lossy(&now.stdout).contains("no household is due"),
        "{}",
        String::from_utf8_lossy(&now.stderr)
    );
    let later = rondom(&hub, &["retention", "--dry-run", "--as-of", "2100-01-01"]);
    assert!(String::from_utf8_lossy(&later.stdout).contains(household.as_str()));

    // A backup while the hub runs, before the erasure below.
    let backup_dir = dir.path().join("backup");
    let backed_up = Command::new(RONDOM)
        .arg("backup")
        .arg(&backup_dir)
        .args(["--nats-url", &format!("nats://127.0.0.1:{nats_port}")])
        .env("RONDOM_DATA_DIR", &data)
        .output()
        .expect("run rondom backup");
    assert!(
        backed_up.status.success()
            && String::from_utf8_lossy(&backed_up.stdout).contains("1 household keys"),
        "{}{}",
        String::from_utf8_lossy(&backed_up.stdout),
        String::from_utf8_lossy(&backed_up.stderr)
    );

    // Erasing asks first; without a 'ja' nothing happens.
    let unconfirmed = rondom(
        &hub,
        &[
            "household",
            "erase",
            &household,
            "--reason",
            "verzoek-betrokkene",
        ],
    );
    assert!(!unconfirmed.status.success());
    assert!(String::from_utf8_lossy(&unconfirmed.stderr).contains("not erased"));
    let erased = rondom(
        &hub,
        &[
            "household",
            "erase",
            &household,
            "--reason",
            "verzoek-betrokkene",
            "--yes",
        ],
    );
    assert!(
        erased.status.success(),
        "{}",
        String::from_utf8_lossy(&erased.stderr)
    );
    assert!(String::from_utf8_lossy(&erased.stdout).contains("its key is destroyed"));
    let gone = json(&rondom(&hub, &["household", "show", &household, "--json"]));
    assert!(
        gone["members"].as_array().is_none_or(Vec::is_empty),
        "{gone}"
    );
    assert_eq!(
        gone["erasure"]["reden"],
        "ERASURE_REASON_VERZOEK_BETROKKENE"
    );
    stop(hub);

    // Restoring the backup made before the erasure does not bring the household's data back.
    let restored = Command::new(RONDOM)
        .args([
            "restore",
            "--yes",
            "--nats-port",
            &nats_port.to_string(),
            "--data-dir",
        ])
        .arg(&data)
        .arg(&backup_dir)
        .output()
        .expect("run rondom restore");
    let text = String::from_utf8_lossy(&restored.stdout);
    assert!(
        restored.status.success()
            && text.contains("0 household keys (1 left out")
            && text.contains("1 erasures made after the backup applied again"),
        "{text}{}",
        String::from_utf8_lossy(&restored.stderr)
    );
    let hub = start(&data, nats_port, grpc_port, "third.log");
    let still_gone = json(&rondom(
        &hub,
        &[
            "household",
            "show",
            &household,
            "--json",
            "--min-position",
            "3",
        ],
    ));
    assert!(
        still_gone["members"].as_array().is_none_or(Vec::is_empty),
        "{still_gone}"
    );
    assert!(still_gone["erasure"].is_object(), "{still_gone}");
    stop(hub);

    for log in ["first.log", "second.log"] {
        let text = std::fs::read_to_string(dir.path().join(log)).expect("log");
        assert!(text.contains("rondom is up"), "{log}: {text}");
        // Where the development tokens are is said once, and the tokens themselves never.
        assert_eq!(
            text.matches("Development credentials").count(),
            1,
            "{log}: {text}"
        );
        assert!(text.contains("dev-tokens.toml"), "{log}: {text}");
        // A clean stop says nothing alarming.
        assert!(
            !text.contains("cannot follow destroyed household keys"),
            "{log}: {text}"
        );
        for secret in ["111222333", "123456782", "Fatima", "Yusuf"] {
            assert!(!text.contains(secret), "{secret} in {log}");
        }
        for token in &secrets {
            assert!(!text.contains(token.as_str()), "a token in {log}");
        }
    }
}

/// Runs the CLI like [`rondom`], killing it if it has not finished within `limit`.
fn rondom_bounded(hub: &Hub, args: &[&str], limit: Duration) -> Output {
    let mut child = cli(hub, args)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("run rondom");
    let deadline = Instant::now() + limit;
    while child.try_wait().expect("wait").is_none() {
        if Instant::now() >= deadline {
            let _ = child.kill();
            let output = child.wait_with_output().expect("output");
            panic!(
                "rondom {args:?} did not finish in {limit:?}; it printed:\n{}",
                String::from_utf8_lossy(&output.stdout)
            );
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    child.wait_with_output().expect("output")
}

#[test]
fn roles_run_as_separate_processes_against_one_nats() {
    let nats = rondom_testkit::TestNats::start();
    let dir = tempfile::tempdir().expect("temp dir");
    let keys = dir.path().join("keys");
    // Every role reads the same clients file; the CLI finds the tokens next to it.
    rondom_access::dev_clients::DevTokens::load_or_create(dir.path())
        .expect("development credentials");
    let clients = dir.path().join("clients.toml");
    // The operator provisions the streams; each role then logs in as its own NATS user. The
    // audit log's size is one any test machine's disk holds (JetStream reserves it).
    let provisioned = Command::new(RONDOM)
        .args([
            "provision",
            "--nats-url",
            nats.url(),
            "--audit-max-mb",
            "64",
        ])
        .output()
        .expect("run rondom provision");
    assert!(
        provisioned.status.success(),
        "{}",
        String::from_utf8_lossy(&provisioned.stderr)
    );
    let serve = |role: &str, port: u16, log: &str| {
        let user = if role == "projector" {
            BusUser::Projector
        } else {
            BusUser::Writer
        };
        let log = std::fs::File::create(dir.path().join(log)).expect("log");
        // Roles on one machine each have their own metrics port.
        let metrics = free_port();
        let child = Command::new(RONDOM)
            .args([
                "serve",
                "--role",
                role,
                "--nats-url",
                &nats.url_for(user),
                "--grpc-addr",
                &format!("127.0.0.1:{port}"),
                "--metrics-addr",
                &format!("127.0.0.1:{metrics}"),
            ])
            .arg("--key-dir")
            .arg(&keys)
            .arg("--clients")
            .arg(&clients)
            .arg("--data-dir")
            .arg(dir.path().join("projector"))
            .stdin(Stdio::null())
            .stdout(log.try_clone().expect("log"))
            .stderr(log)
            .spawn()
            .expect("run rondom serve");
        wait_for_port(port, Duration::from_secs(60));
        Hub {
            child,
            grpc: format!("http://127.0.0.1:{port}"),
            metrics,
            // A serving role has no regiewerkplek.
            web: 0,
            data: dir.path().to_owned(),
        }
    };
    let wijkteam = serve("wijkteam", free_port(), "wijkteam.log");
    let projector = serve("projector", free_port(), "projector.log");

    let posted = json(&rondom(
        &wijkteam,
        &[
            "signal",
            "post",
            "--gemeente",
            "0363",
            "--person",
            "999990342:Oma",
            "--pillar",
            "wmo",
            "--kind",
            "eenzaamheid",
            "--json",
        ],
    ));
    let household = posted["household_id"]
        .as_str()
        .expect("household id")
        .to_owned();
    let position = posted["position"].as_u64().expect("position").to_string();
    let view = json(&rondom(
        &projector,
        &[
            "household",
            "show",
            &household,
            "--min-position",
            &position,
            "--json",
        ],
    ));
    assert_eq!(view["members"][0]["display_name"], "Oma");
    // Each role reports its own part: the adapter what it published, the projector its lag.
    scrape_until(
        &wijkteam,
        "rondom_events_published_total{pillar=\"wmo\",duplicate=\"false\"} 1",
    );
    scrape_until(&projector, "rondom_projector_lag_events 0");
    stop(wijkteam);
    stop(projector);

    // The operator checks the stopped projector's model against the log.
    let verified = Command::new(RONDOM)
        .args(["projector", "verify", "--nats-url", nats.url()])
        .arg("--data-dir")
        .arg(dir.path().join("projector"))
        .arg("--key-dir")
        .arg(&keys)
        .output()
        .expect("run rondom projector verify");
    let text = String::from_utf8_lossy(&verified.stdout);
    assert!(
        verified.status.success() && text.contains("equals a rebuild of the log"),
        "{text}{}",
        String::from_utf8_lossy(&verified.stderr)
    );
    // And lists what the projector set aside: nothing.
    let quarantine = Command::new(RONDOM)
        .args(["projector", "quarantine", "--nats-url", nats.url()])
        .arg("--data-dir")
        .arg(dir.path().join("projector"))
        .arg("--key-dir")
        .arg(&keys)
        .output()
        .expect("run rondom projector quarantine");
    let text = String::from_utf8_lossy(&quarantine.stdout);
    assert!(
        quarantine.status.success() && text.contains("the quarantine is empty"),
        "{text}{}",
        String::from_utf8_lossy(&quarantine.stderr)
    );
}

#[test]
fn the_demo_tells_the_family_story_once() {
    let dir = tempfile::tempdir().expect("temp dir");
    let data = dir.path().join("data");
    let hub = start(&data, free_port(), free_port(), "demo.log");

    let demo = rondom(&hub, &["demo", "--start", "2026-03-02"]);
    let stdout = String::from_utf8_lossy(&demo.stdout);
    assert!(
        demo.status.success(),
        "{}",
        String::from_utf8_lossy(&demo.stderr)
    );
    for expected in [
        "Fatima Jansen",
        "Daan Jansen",
        "Riet Jansen",
        "regisseur       mw-0412",
        "drie_of_meer_pijlers",
        "JW-2026-007",
        "on instemming: wmo, jeugd, participatie, schuldhulp",
    ] {
        assert!(stdout.contains(expected), "{expected} missing:\n{stdout}");
    }
    assert!(!stdout.contains("already loaded"), "{stdout}");

    // `make run` then `make demo`: the regiewerkplek shows the family to a development
    // coordinator, marked as development sign-in.
    let signin = http(hub.web, "GET /aanmelden", "", "");
    assert!(signin.contains("Ontwikkelomgeving"), "{signin}");
    assert!(
        signin.contains("Regisseur mw-0412 (gemeente 0363)"),
        "{signin}"
    );
    let form_cookie = header_cookie(&signin, "rondom-aanmelden");
    let posted = http(
        hub.web,
        "POST /aanmelden/ontwikkeling",
        &format!("rondom-aanmelden={form_cookie}"),
        &format!("account=0&csrf={form_cookie}"),
    );
    assert!(posted.starts_with("HTTP/1.1 303"), "{posted}");
    let session = header_cookie(&posted, "rondom");
    let worklist = http(hub.web, "GET /werklijst", &format!("rondom={session}"), "");
    assert!(worklist.contains("mw-0412"), "{worklist}");
    assert!(
        worklist.contains("Wmo, Jeugd, Participatie, Schuldhulp"),
        "{worklist}"
    );
    assert!(worklist.contains("cache-control: no-store"), "{worklist}");
    // A sign-in form posted without the cookie it came with signs no one in.
    let forged = http(
        hub.web,
        "POST /aanmelden/ontwikkeling",
        "",
        &format!("account=0&csrf={form_cookie}"),
    );
    assert!(forged.contains("location: /aanmelden?fout=1"), "{forged}");

    // Loading it again changes nothing: every step is recognised by its idempotency key.
    let again = rondom(&hub, &["demo", "--start", "2026-03-02"]);
    assert!(
        again.status.success(),
        "{}",
        String::from_utf8_lossy(&again.stderr)
    );
    let again = String::from_utf8_lossy(&again.stdout);
    assert_eq!(again.matches("(already loaded)").count(), 26, "{again}");

    let family = json(&rondom(
        &hub,
        &["household", "show", "--bsn", "111222333", "--json"],
    ));
    // The coordinator counts 24 of the 25 events (under the family's aanpak): the
    // vroegsignaal is the schuldhulp back-office's alone (Wgs art. 8b).
    assert_eq!(family["event_count"], 24);

    // The jeugdhulp provider (the development jeugd partner) follows the family it works
    // with; a durable subscription continues after what it acknowledged.
    let deliveries = |args: &[&str]| -> Vec<Value> {
        let mut all = vec!["subscribe", "--as", "jeugd", "--json"];
        all.extend_from_slice(args);
        let output = rondom_bounded(&hub, &all, Duration::from_secs(60));
        assert!(
            output.status.success(),
            "{}",
            String::from_utf8_lossy(&output.stderr)
        );
        String::from_utf8_lossy(&output.stdout)
            .lines()
            .map(|line| serde_json::from_str(line).expect("a JSON line per delivery"))
            .collect()
    };
    let first = deliveries(&["--max", "2", "--durable", "demo-jeugd"]);
    assert_eq!(first.len(), 2);
    for delivery in &first {
        assert_eq!(
            delivery["household_id"], family["household_id"],
            "{delivery}"
        );
    }
    let next = deliveries(&["--max", "1", "--durable", "demo-jeugd"]);
    assert!(
        next[0]["position"].as_u64() > first[1]["position"].as_u64(),
        "{next:?} after {first:?}"
    );
    let own = deliveries(&["--max", "1", "--pillar", "jeugd"]);
    assert_eq!(own[0]["pillar"], "jeugd");
    assert_eq!(own[0]["sight"], "full");
    // On 12 May 2026 only the neighbour's assessment (due 17 April) is overdue. He agreed to
    // no aanpak: it is the Wmo back-office's to see, not on the coordinator's worklist.
    let overdue = json(&rondom(
        &hub,
        &["worklist", "--overdue", "--as-of", "2026-05-12", "--json"],
    ));
    assert_eq!(
        overdue["rows"].as_array().map(Vec::len),
        Some(0),
        "{overdue}"
    );
    let tokens = rondom_access::dev_clients::DevTokens::load(
        &data.join(rondom_access::dev_clients::TOKENS_FILE),
    )
    .expect("the development tokens");
    let wmo = tokens.token(rondom_access::dev_clients::DevClient::BackOffice(
        rondom_domain::Pillar::Wmo,
    ));
    let neighbour = rondom(
        &hub,
        &[
            "household",
            "show",
            "--bsn",
            "333333330",
            "--as-of",
            "2026-05-12",
            "--purpose",
            "uitvoering_wmo",
            "--token",
            wmo,
        ],
    );
    let neighbour = String::from_utf8_lossy(&neighbour.stdout);
    assert!(
        neighbour.contains("WMO-ONDERZOEK") && neighbour.contains("25 days overdue"),
        "{neighbour}"
    );

    // Daan asks what Rondom holds on him (AVG art. 15): the operator writes it as JSON and as
    // a page in Dutch, readable by the operator alone, with nothing of his mother in it.
    let out = dir.path().join("inzage");
    std::fs::create_dir(&out).expect("out dir");
    let exported = rondom(
        &hub,
        &[
            "person",
            "export",
            "--bsn",
            "123456782",
            "--reden",
            "inzageverzoek",
            "--kenmerk",
            "AVG/2026:7",
            "--out",
            out.to_str().expect("utf-8 path"),
        ],
    );
    assert!(
        exported.status.success(),
        "{} TMPLOG {}",
        String::from_utf8_lossy(&exported.stderr),
        std::fs::read_to_string(data.with_file_name("first.log")).unwrap_or_default()
    );
    let page = std::fs::read_to_string(out.join("inzage-AVG_2026_7.html")).expect("the page");
    assert!(page.contains("<html lang=\"nl\">") && page.contains("Daan Jansen"));
    assert!(!page.contains("Fatima Jansen") && !page.contains("111222333"));
    let export: Value = serde_json::from_slice(
        &std::fs::read(out.join("inzage-AVG_2026_7.json")).expect("the JSON file"),
    )
    .expect("JSON");
    assert_eq!(export["naam"], "Daan Jansen");
    assert!(
        export["feiten"]
            .as_array()
            .is_some_and(|facts| !facts.is_empty())
    );
    for file in ["inzage-AVG_2026_7.json", "inzage-AVG_2026_7.html"] {
        let mode = std::fs::metadata(out.join(file))
            .expect("file")
            .permissions()
            .mode();
        assert_eq!(mode & 0o777, 0o600, "{file}");
    }
    stop(hub);
}

#[test]
fn with_a_clients_file_the_cli_needs_the_right_token() {
    let dir = tempfile::tempdir().expect("temp dir");
    let hash = |token: &str| {
        use sha2::Digest as _;
        hex::encode(sha2::Sha256::digest(token.as_bytes()))
    };
    let clients = dir.path().join("clients.toml");
    std::fs::write(
        &clients,
        format!(
            "[[client]]\nid = \"wt\"\nrole = \"wijkteam\"\ngemeente = \"0363\"\ntoken_sha256 = \"{}\"\n\
             [[client]]\nid = \"regie\"\nrole = \"coordinator\"\ngemeente = \"0363\"\ntoken_sha256 = \"{}\"\n",
            hash("wijkteam-secret"),
            hash("regie-secret")
        ),
    )
    .expect("clients file");
    let clients = clients.to_str().expect("utf-8 path").to_owned();
    let data = dir.path().join("data");
    let hub = start_with(
        &data,
        free_port(),
        free_port(),
        "auth.log",
        &["--clients", &clients],
    );
    assert!(
        !data.join("dev-tokens.toml").exists(),
        "with --clients no development credentials are made"
    );

    let post = |token: Option<&str>| {
        let mut args = vec![
            "signal",
            "post",
            "--gemeente",
            "0363",
            "--person",
            "111222333",
            "--pillar",
            "wmo",
            "--kind",
            "eenzaamheid",
            "--json",
        ];
        if let Some(token) = token {
            args.extend(["--token", token]);
        }
        rondom(&hub, &args)
    };
    let refused = post(None);
    assert!(!refused.status.success());
    assert!(String::from_utf8_lossy(&refused.stderr).contains("Unauthenticated"));
    let posted = json(&post(Some("wijkteam-secret")));
    let household = posted["household_id"]
        .as_str()
        .expect("household")
        .to_owned();
    let denied = rondom(
        &hub,
        &[
            "household",
            "show",
            &household,
            "--token",
            "wijkteam-secret",
        ],
    );
    assert!(String::from_utf8_lossy(&denied.stderr).contains("PermissionDenied"));
    let view = json(&rondom(
        &hub,
        &[
            "household",
            "show",
            &household,
            "--token",
            "regie-secret",
            "--json",
        ],
    ));
    assert_eq!(view["household_id"], household.as_str());
    stop(hub);
}

#[test]
fn plaintext_grpc_is_for_loopback_only() {
    let dir = tempfile::tempdir().expect("temp dir");
    let output = Command::new(RONDOM)
        .args(["up", "--grpc-addr", "0.0.0.0:0", "--data-dir"])
        .arg(dir.path().join("data"))
        .output()
        .expect("run rondom up");
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        !output.status.success() && stderr.contains("--tls-cert"),
        "{stderr}"
    );
}

#[test]
fn istandaard_files_go_with_the_token_of_their_sender() {
    let dir = tempfile::tempdir().expect("temp dir");
    let data = dir.path().join("data");
    let hub = start(&data, free_port(), free_port(), "istandaard.log");
    // The iJw examples of the standard, addressed to the development gemeente (0363) and its
    // jeugd provider (12345678); the declaration as it is.
    let examples = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../../shared/fixtures/istandaarden-3.2/ijw/berichten");
    let read = |name: &str| {
        std::fs::read_to_string(examples.join(name))
            .unwrap_or_else(|err| panic!("the iJw example {name} is needed from ../shared: {err}"))
    };
    let files = [
        (
            "JW301.xml",
            read("JW301.xml")
                .replace(">0384<", ">0363<")
                .replace(">42420001<", ">12345678<"),
        ),
        (
            "JW305.xml",
            read("JW305.xml").replace(">65656055<", ">12345678<"),
        ),
        ("JW323.xml", read("JW323.xml")),
    ];
    for (name, text) in &files {
        std::fs::write(dir.path().join(name), text).expect("write a message file");
    }
    let path = |name: &str| dir.path().join(name).display().to_string();

    // The back-office's token for the 301, the provider's for the 305, without --token.
    let sent = rondom(
        &hub,
        &[
            "istandaard",
            "submit",
            &path("JW301.xml"),
            &path("JW305.xml"),
            &path("JW323.xml"),
        ],
    );
    let stdout = String::from_utf8_lossy(&sent.stdout);
    assert!(!sent.status.success(), "one of three refused: {stdout}");
    assert!(stdout.contains("JW301.xml: #1, #2"), "{stdout}");
    assert!(stdout.contains("JW305.xml: #3, #4"), "{stdout}");
    assert!(stdout.contains("purpose limitation"), "{stdout}");
    assert!(
        String::from_utf8_lossy(&sent.stderr).contains("1 of 3 messages refused"),
        "{}",
        String::from_utf8_lossy(&sent.stderr)
    );

    // Again, as JSON: the same events, recognised.
    let again = rondom(
        &hub,
        &["istandaard", "submit", "--json", &path("JW305.xml")],
    );
    assert!(
        again.status.success(),
        "{}",
        String::from_utf8_lossy(&again.stderr)
    );
    let reply = json(&again);
    let events = reply["events"].as_array().expect("events");
    assert_eq!(events.len(), 2);
    assert!(
        events.iter().all(|event| event["duplicate"] == true),
        "{reply}"
    );
    stop(hub);
}

/// One HTTP/1.1 request to the regiewerkplek on `port` (`line` is method and path), with a
/// cookie header and a form body when given; returns the whole answer, headers included.
fn http(port: u16, line: &str, cookie: &str, form: &str) -> String {
    use std::io::{Read as _, Write as _};
    let mut stream = std::net::TcpStream::connect(("127.0.0.1", port)).expect("the regiewerkplek");
    let mut request = format!("{line} HTTP/1.1\r\nhost: 127.0.0.1\r\nconnection: close\r\n");
    if !cookie.is_empty() {
        request.push_str(&format!("cookie: {cookie}\r\n"));
    }
    if !form.is_empty() {
        request.push_str(&format!(
            "content-type: application/x-www-form-urlencoded\r\ncontent-length: {}\r\n",
            form.len()
        ));
    }
    request.push_str("\r\n");
    request.push_str(form);
    stream.write_all(request.as_bytes()).expect("send");
    let mut answer = String::new();
    stream.read_to_string(&mut answer).expect("answer");
    answer
}

/// The value the answer's `set-cookie` gives `name`.
fn header_cookie(answer: &str, name: &str) -> String {
    answer
        .lines()
        .filter_map(|line| line.strip_prefix("set-cookie: "))
        .filter_map(|cookie| cookie.strip_prefix(&format!("{name}=")))
        .map(|rest| rest.split(';').next().unwrap_or_default().to_owned())
        .find(|value| !value.is_empty())
        .unwrap_or_else(|| panic!("no cookie {name} in {answer}"))
}

#[test]
fn import_loads_a_file_in_batches_and_a_second_run_writes_nothing_twice() {
    let dir = tempfile::tempdir().expect("temp dir");
    let data = dir.path().join("data");
    let hub = start(&data, free_port(), free_port(), "import.log");
    let line = |key: &str, bsn: &str| {
        format!(
            r#"{{"idempotency_key": "{key}", "source_system": "suite-wijkteam", "gemeente_code": "0363", "persons": [{{"bsn": "{bsn}"}}], "pillar": "schuldhulp", "kind": "betalingsachterstand", "observed_at": "2026-11-30T09:00:00Z"}}"#
        )
    };
    // The third line has no key of its own: its content gives it one, the same each run.
    let no_key = r#"{"source_system": "suite-wijkteam", "gemeente_code": "0363", "persons": [{"bsn": "222222220"}], "pillar": "wijkteam", "kind": "eenzaamheid", "urgency": "high", "observed_at": "2026-11-30T10:00:00Z", "summary": "vrij tekst"}"#;
    let file = dir.path().join("caseload.jsonl");
    std::fs::write(
        &file,
        [
            line("zaak-1", "111222333"),
            line("zaak-2", "123456780"),
            no_key.to_owned(),
            String::new(),
            line("zaak-3", "123456782"),
        ]
        .join("\n"),
    )
    .expect("write the file");
    let path = file.to_str().expect("a path");

    // Batches of two: three calls.
    let first = json(&rondom(&hub, &["import", path, "--batch", "2", "--json"]));
    assert_eq!(first["written"], 3, "{first}");
    assert_eq!(first["already_written"], 0, "{first}");
    let refused = first["refused"].as_array().expect("refusals");
    assert_eq!(refused.len(), 1, "{first}");
    assert_eq!(
        refused[0]["line"], 2,
        "the line number in the file: {first}"
    );
    let reason = refused[0]["reason"].as_str().unwrap_or_default();
    assert!(
        reason.starts_with("INVALID_ARGUMENT") && reason.contains("persons[0].bsn"),
        "{reason}"
    );

    // Interrupted or not, the same file again: nothing is written twice.
    let again = json(&rondom(&hub, &["import", path, "--json"]));
    assert_eq!(again["written"], 0, "{again}");
    assert_eq!(again["already_written"], 3, "{again}");

    // A file with a line that is not a signal stops before anything is sent.
    let broken = dir.path().join("broken.jsonl");
    std::fs::write(
        &broken,
        format!(
            "{}\n{{\"persons\": \"999990342 Jansen\"}}\n",
            line("zaak-9", "333333330")
        ),
    )
    .expect("write the file");
    let output = rondom(&hub, &["import", broken.to_str().expect("a path")]);
    assert!(!output.status.success());
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("line 2 is not a signal"), "{stderr}");
    assert!(
        !stderr.contains("999990342") && !stderr.contains("Jansen"),
        "what the line holds is not repeated: {stderr}"
    );
    let view = rondom(&hub, &["household", "show", "--bsn", "333333330"]);
    assert!(
        !view.status.success(),
        "the good line before it was not sent either"
    );
    stop(hub);
}
