//! A three-node JetStream cluster on loopback, made from the configs operators get in
//! `deploy/nats/` (ports and directories moved so tests can run side by side), with streams of
//! three replicas. The roles connect as their own NATS users, so the per-role permissions of
//! `deploy/nats/accounts.conf` are exercised too. The node that leads the event stream is
//! killed during ingest: ingest goes on after the election, and every signal that was
//! acknowledged is on the stream and in the views.

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use rondom_access::dev_clients::{DevClient, DevTokens};
use rondom_bus::stream::EVENTS_STREAM;
use rondom_cli::connection::authed;
use rondom_proto::v1;
use rondom_proto::v1::signal_service_client::SignalServiceClient;
use rondom_testkit::{eventually, free_port};
use tokio_util::sync::CancellationToken;
use tonic::transport::Channel;

mod common;
use common::{Role, read_once_applied};

const PASSWORDS: [(&str, &str); 3] = [
    ("RONDOM_NATS_WRITER_PASSWORD", "schrijver-geheim"),
    ("RONDOM_NATS_PROJECTOR_PASSWORD", "projector-geheim"),
    ("RONDOM_NATS_OPERATOR_PASSWORD", "beheer-geheim"),
];

fn deploy_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../deploy/nats")
}

/// One nats-server of the cluster.
struct Node {
    name: String,
    port: u16,
    /// Its route (cluster) port.
    route_port: u16,
    child: Child,
    /// Its nats-server's log.
    log: PathBuf,
}

impl Drop for Node {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Starts the three nodes of `deploy/nats/cluster-node-{1,2,3}.conf` under `dir` and waits
/// until each listens; panics with a node's log when it exits or does not listen within 30
/// seconds.
fn start_cluster(dir: &Path) -> Vec<Node> {
    let deploy = deploy_dir();
    std::fs::copy(deploy.join("accounts.conf"), dir.join("accounts.conf")).expect("accounts");
    write_route_certificates(dir);
    let clients: Vec<u16> = (0..3).map(|_| free_port()).collect();
    let routes: Vec<u16> = (0..3).map(|_| free_port()).collect();
    let mut nodes: Vec<Node> = (0..3)
        .map(|index| {
            let n = index + 1;
            let mut config = std::fs::read_to_string(deploy.join(format!("cluster-node-{n}.conf")))
                .expect("deploy/nats/cluster-node-N.conf");
            for (from, to) in (0..3).map(|other| (6222 + other, routes[other])) {
                config = config.replace(&format!("127.0.0.1:{from}"), &format!("127.0.0.1:{to}"));
            }
            config = config
                .replace(
                    &format!("127.0.0.1:{}", 4222 + index),
                    &format!("127.0.0.1:{}", clients[index]),
                )
                .replace(
                    &format!("127.0.0.1:{}", 8222 + index),
                    &format!("127.0.0.1:{}", free_port()),
                )
                .replace(
                    &format!("/var/lib/rondom/nats-{n}"),
                    &dir.join(format!("nats-{n}")).display().to_string(),
                )
                .replace("/etc/rondom/nats/", &format!("{}/", dir.display()));
            let path = dir.join(format!("node-{n}.conf"));
            std::fs::write(&path, config).expect("write config");
            let log_path = dir.join(format!("node-{n}.log"));
            let log = std::fs::File::create(&log_path).expect("log");
            let child = Command::new(rondom_runtime::nats_server::binary_path())
                .arg("-c")
                .arg(&path)
                .envs(PASSWORDS)
                .stdin(Stdio::null())
                .stdout(log.try_clone().expect("log"))
                .stderr(log)
                .spawn()
                .expect("start nats-server (make tools installs it)");
            Node {
                name: format!("rondom-nats-{n}"),
                port: clients[index],
                route_port: routes[index],
                child,
                log: log_path,
            }
        })
        .collect();
    let deadline = Instant::now() + Duration::from_secs(30);
    for node in &mut nodes {
        // Its own log says it listens: something else may answer on a port it never got.
        let log = || std::fs::read_to_string(&node.log).unwrap_or_default();
        while !(log().contains("Server is ready")
            && std::net::TcpStream::connect(("127.0.0.1", node.port)).is_ok())
        {
            if node.child.try_wait().is_ok_and(|status| status.is_some()) {
                panic!("{} exited: {}", node.name, log());
            }
            assert!(
                Instant::now() < deadline,
                "{} did not listen within 30 s: {}",
                node.name,
                log()
            );
            std::thread::sleep(Duration::from_millis(20));
        }
    }
    nodes
}

/// The routes' certificates the node configs name, under `dir`: a CA of the cluster's own and
/// one certificate for 127.0.0.1, which every node on loopback shares.
fn write_route_certificates(dir: &Path) {
    use rcgen::{BasicConstraints, CertificateParams, CertifiedIssuer, DnType, IsCa, KeyPair};
    let mut ca_params = CertificateParams::new(Vec::<String>::new()).expect("params");
    ca_params
        .distinguished_name
        .push(DnType::CommonName, "Rondom route CA");
    ca_params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    let ca = CertifiedIssuer::self_signed(ca_params, KeyPair::generate().expect("key"))
        .expect("the route CA");
    let key = KeyPair::generate().expect("key");
    let mut params = CertificateParams::new(vec!["127.0.0.1".to_owned(), "localhost".to_owned()])
        .expect("params");
    params
        .distinguished_name
        .push(DnType::CommonName, "rondom-nats");
    let cert = params.signed_by(&key, &ca).expect("the route certificate");
    for (name, pem) in [
        ("route-ca.pem", ca.pem()),
        ("route-cert.pem", cert.pem()),
        ("route-key.pem", key.serialize_pem()),
    ] {
        std::fs::write(dir.join(name), pem).expect("write a certificate");
    }
}

/// The URL a role uses: every node, with the role's user.
fn url(nodes: &[Node], user: &str, password: &str) -> String {
    nodes
        .iter()
        .map(|node| format!("nats://{user}:{password}@127.0.0.1:{}", node.port))
        .collect::<Vec<_>>()
        .join(",")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn killing_the_stream_leader_loses_no_acknowledged_signal() {
    let dir = tempfile::tempdir().expect("temp dir");
    let mut nodes = start_cluster(dir.path());
    let logs: Vec<PathBuf> = nodes.iter().map(|node| node.log.clone()).collect();
    let operator = rondom_bus::jetstream(
        rondom_bus::connect(&url(&nodes, "rondom-operator", PASSWORDS[2].1))
            .await
            .expect("the operator connects"),
    );
    // A fresh cluster takes a moment to elect its meta leader and settle its routes; the
    // operator provisions the streams (three replicas) once it can, as on a first install.
    let three = rondom_bus::stream::StreamSettings {
        replicas: 3,
        ..Default::default()
    };
    eventually(
        "a cluster that takes streams",
        Duration::from_secs(60),
        || {
            let (operator, three) = (operator.clone(), three.clone());
            async move { rondom_bus::stream::provision(&operator, &three).await.ok() }
        },
    )
    .await;

    let (tokens, _) = DevTokens::load_or_create(dir.path()).expect("development credentials");
    let three = ["--replicas", "3"];
    let adapter = Role::start(
        "wijkteam",
        dir.path(),
        &url(&nodes, "rondom-writer", PASSWORDS[0].1),
        &three,
    );
    let mut projector = Role::start(
        "projector",
        dir.path(),
        &url(&nodes, "rondom-projector", PASSWORDS[1].1),
        &three,
    );
    let stream = operator.get_stream(EVENTS_STREAM).await.expect("stream");
    assert_eq!(stream.cached_info().config.num_replicas, 3);

    // Wijkteam systems post without pause; each reply is noted with when it came.
    let channel = Channel::from_shared(adapter.url())
        .expect("uri")
        .connect_lazy();
    let token = tokens.token(DevClient::Wijkteam).to_owned();
    let stop = CancellationToken::new();
    let acknowledged = Arc::new(Mutex::new(Vec::<(Instant, v1::PostSignalResponse)>::new()));
    let ingest: Vec<_> = (0..4u64)
        .map(|client| {
            let (channel, token, stop, acknowledged) = (
                channel.clone(),
                token.clone(),
                stop.clone(),
                acknowledged.clone(),
            );
            tokio::spawn(async move {
                let mut signals =
                    SignalServiceClient::new(authed(channel, Some(&token)).expect("token"));
                let mut refused = 0;
                for number in (client..).step_by(4) {
                    if stop.is_cancelled() {
                        break;
                    }
                    let request = signal(number);
                    match tokio::time::timeout(
                        Duration::from_secs(20),
                        signals.post_signal(request),
                    )
                    .await
                    .expect("PostSignal answers within its bounded waits")
                    {
                        Ok(reply) => acknowledged
                            .lock()
                            .expect("not poisoned")
                            .push((Instant::now(), reply.into_inner())),
                        Err(status) => {
                            assert_eq!(status.code(), tonic::Code::Unavailable, "{status:?}");
                            refused += 1;
                            tokio::time::sleep(Duration::from_millis(50)).await;
                        }
                    }
                }
                refused
            })
        })
        .collect();

    tokio::time::sleep(Duration::from_secs(2)).await;
    let mut stream = operator.get_stream(EVENTS_STREAM).await.expect("stream");
    let leader = leader_of(&mut stream).await;
    let killed_at = Instant::now();
    let index = nodes
        .iter()
        .position(|node| node.name == leader)
        .expect("the leader is one of ours");
    drop(nodes.remove(index)); // SIGKILL
    // Calls that went to the old leader wait out their acknowledgement (5 s) and are refused;
    // then ingest resumes. Wait for it, within a minute, however loaded the machine.
    eventually(
        "ingest to go on after the election",
        Duration::from_secs(60),
        || {
            let acknowledged = acknowledged.clone();
            async move {
                let resumed = acknowledged
                    .lock()
                    .expect("not poisoned")
                    .iter()
                    .filter(|(at, _)| *at > killed_at + Duration::from_secs(1))
                    .count();
                (resumed >= 50).then_some(())
            }
        },
    )
    .await;
    stop.cancel();
    let mut refused = 0;
    for client in ingest {
        refused += client.await.expect("a wijkteam client");
    }
    let acknowledged = std::mem::take(&mut *acknowledged.lock().expect("not poisoned"));
    let after_kill = acknowledged
        .iter()
        .filter(|(at, _)| *at > killed_at + Duration::from_secs(1))
        .count();
    println!(
        "leader {leader} killed; {} signals acknowledged ({after_kill} after the election), \
         {refused} refused meanwhile",
        acknowledged.len()
    );
    assert!(after_kill > 0, "ingest goes on after the election");

    // Every acknowledged signal is on the stream (read from the two nodes left)...
    let new_leader = leader_of(&mut stream).await;
    assert_ne!(new_leader, leader);
    for (_, reply) in &acknowledged {
        // Right after an election the cluster may answer 503 (system temporarily
        // unavailable) for a while: asked again until it answers. A message that is gone
        // stays gone, and fails here after the wait.
        let message = eventually(
            &format!("position {} to be read back", reply.position),
            Duration::from_secs(30),
            || {
                let stream = stream.clone();
                async move { stream.get_raw_message(reply.position).await.ok() }
            },
        )
        .await;
        let id = message.headers.get("ce-id").expect("ce-id").to_string();
        assert_eq!(id, reply.event_id);
    }

    // ...and in the views, through the projector that lived through the election.
    let newest = acknowledged
        .iter()
        .map(|(_, reply)| reply)
        .max_by_key(|reply| reply.position)
        .expect("replies");
    read_once_applied(
        &projector,
        tokens.token(DevClient::Coordinator),
        &newest.household_id,
        newest.position,
    )
    .await
    .expect("the projector applied every acknowledged signal");
    projector.stop();

    // The roles did all of this as their own NATS users, within what accounts.conf grants.
    for (n, log) in (1..).zip(&logs) {
        let log = std::fs::read_to_string(log).expect("log");
        let violations: Vec<&str> = log
            .lines()
            .filter(|line| line.contains("Violation"))
            .collect();
        assert!(violations.is_empty(), "node {n}: {violations:#?}");
    }
}

/// The server that leads `stream` now.
async fn leader_of(stream: &mut async_nats::jetstream::stream::Stream) -> String {
    stream
        .info()
        .await
        .expect("stream info")
        .cluster
        .clone()
        .and_then(|cluster| cluster.leader)
        .expect("the stream has a leader")
}

fn signal(number: u64) -> v1::PostSignalRequest {
    v1::PostSignalRequest {
        idempotency_key: format!("cluster-{number}"),
        source_system: "wijkteam-cluster".to_owned(),
        gemeente_code: "0363".to_owned(),
        persons: vec![v1::PersonRef {
            bsn: rondom_testkit::bsn(number % 500),
            display_name: format!("bewoner {}", number % 500),
            birth_date: None,
        }],
        pillar: v1::Pillar::Wijkteam as i32,
        kind: "eenzaamheid".to_owned(),
        urgency: v1::Urgency::Normal as i32,
        observed_at: Some(rondom_proto::convert::timestamp(
            chrono::Utc::now() - chrono::Duration::hours(1),
        )),
        summary: format!("signaal {number}"),
    }
}

/// Fetches `path` of a nats-server's monitoring port as JSON.
fn monitoring(port: u16, path: &str) -> serde_json::Value {
    use std::io::{Read as _, Write as _};
    let mut stream = std::net::TcpStream::connect(("127.0.0.1", port)).expect("monitoring port");
    write!(stream, "GET {path} HTTP/1.0\r\nHost: 127.0.0.1\r\n\r\n").expect("request");
    let mut answer = String::new();
    stream.read_to_string(&mut answer).expect("answer");
    let body = answer.split_once("\r\n\r\n").expect("a body").1;
    serde_json::from_str(body).expect("JSON")
}

#[test]
fn a_server_without_the_route_certificate_does_not_join_the_cluster() {
    let dir = tempfile::tempdir().expect("temp dir");
    let nodes = start_cluster(dir.path());
    // Someone who can reach a node's route port starts a server of their own and routes to it.
    let monitor = free_port();
    let rogue = dir.path().join("rogue.conf");
    std::fs::write(
        &rogue,
        format!(
            "server_name: rogue\nlisten: 127.0.0.1:{}\nhttp: 127.0.0.1:{monitor}\n\
             cluster {{ name: rondom, listen: 127.0.0.1:{}, routes: [ nats-route://127.0.0.1:{} ] }}\n",
            free_port(),
            free_port(),
            nodes[0].route_port
        ),
    )
    .expect("rogue config");
    let log = std::fs::File::create(dir.path().join("rogue.log")).expect("log");
    let mut child = Command::new(rondom_runtime::nats_server::binary_path())
        .arg("-c")
        .arg(&rogue)
        .stdin(Stdio::null())
        .stdout(log.try_clone().expect("log"))
        .stderr(log)
        .spawn()
        .expect("start nats-server");
    // The node turns it away at the handshake...
    let deadline = Instant::now() + Duration::from_secs(30);
    let node_log = || std::fs::read_to_string(&nodes[0].log).unwrap_or_default();
    while !node_log().contains("TLS route handshake error") {
        assert!(
            Instant::now() < deadline,
            "no route handshake refused: {}",
            node_log()
        );
        std::thread::sleep(Duration::from_millis(50));
    }
    // ...and it has no route into the cluster.
    let routes = monitoring(monitor, "/routez");
    assert_eq!(routes["num_routes"], 0, "{routes}");
    let _ = child.kill();
    let _ = child.wait();
}
