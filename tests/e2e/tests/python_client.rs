//! The Python client generated from the proto files (clients/python, grpcio-tools) follows
//! the family as a jeugdzorg partner, exactly as a Rust client does.

use rondom_domain::Pillar;
use std::path::PathBuf;
use std::process::Command;

use rondom_cli::scenario;
use rondom_e2e::{DevClient, Subscription, TestHub};
use rondom_proto::v1;

fn workspace() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// Generates the stubs with the pinned grpcio-tools (`make python-client`); fails with what
/// to do when Python or the tools are missing.
fn generate_stubs() {
    let status = Command::new("make")
        .args(["-s", "python-client"])
        .current_dir(workspace())
        .status()
        .expect("make runs");
    assert!(
        status.success(),
        "`make python-client` failed: it needs python3 and the pinned grpcio-tools (`make tools`)"
    );
}

#[test_log::test(tokio::test(flavor = "multi_thread", worker_threads = 2))]
async fn the_python_client_subscribes_as_a_jeugdzorg_partner() {
    generate_stubs();
    let hub = TestHub::start().await;
    let runner = rondom_e2e::load_family(hub.scenario_connections().await).await;
    hub.wait_applied(runner.position).await;

    // What the Rust client receives.
    let mut subscription = Subscription::open(
        hub.client_for(DevClient::Partner(Pillar::Jeugd)).await,
        v1::OpenSubscription {
            purpose: v1::Purpose::UitvoeringJeugdwet as i32,
            ..Default::default()
        },
    )
    .await;
    let mut expected = Vec::new();
    while let Some(delivery) = subscription.next().await {
        expected.push((delivery.position, delivery.kind));
    }
    assert!(!expected.is_empty());

    let addr = hub.addr();
    let token = hub.token(DevClient::Partner(Pillar::Jeugd)).to_owned();
    let output = tokio::task::spawn_blocking(move || {
        Command::new("python3")
            .arg(workspace().join("clients/python/subscribe.py"))
            .args(["--addr", &addr.to_string(), "--idle-timeout", "3"])
            .env("RONDOM_TOKEN", token)
            .output()
            .expect("python3 runs")
    })
    .await
    .expect("joined");
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(output.status.success(), "python client failed: {stderr}");
    let lines: Vec<serde_json::Value> = String::from_utf8(output.stdout)
        .expect("utf-8")
        .lines()
        .map(|line| serde_json::from_str(line).expect("one JSON object per line"))
        .collect();
    let got: Vec<(u64, String)> = lines
        .iter()
        .map(|line| {
            (
                line["position"].as_u64().expect("position"),
                line["kind"].as_str().expect("kind").to_owned(),
            )
        })
        .collect();
    assert_eq!(got, expected);
    // The partner's own law in full, with its client; other laws at most their status.
    let toewijzing = lines
        .iter()
        .find(|line| line["kind"] == "jeugdhulp_toegewezen")
        .expect("the toewijzing");
    assert_eq!(toewijzing["sight"], "SIGHT_FULL");
    assert!(
        toewijzing["persons"]
            .as_array()
            .expect("persons")
            .iter()
            .any(|person| person["bsn"] == scenario::ZOON.bsn)
    );
    assert!(
        lines
            .iter()
            .filter(|line| line["pillar"] != "PILLAR_JEUGD")
            .all(|line| line["sight"] == "SIGHT_STATUS" && line.get("persons").is_none()),
        "other laws show as status only"
    );
}
