//! No BSN, name or free text in plaintext anywhere outside the hub's trust boundary: not in
//! subjects or headers or payloads on the bus, not in JetStream's files, not in the read model.

mod common;

use std::path::Path;

use common::{TestHub, by_id, signal};
use rondom_proto::v1;

const SECRETS: [&str; 6] = [
    "111222333",
    "123456782",
    "Fatima",
    "Yusuf",
    "Huurachterstand bij Ymere",
    "verzuimt school",
];

fn files_under(dir: &Path) -> Vec<std::path::PathBuf> {
    let mut files = Vec::new();
    let mut pending = vec![dir.to_owned()];
    while let Some(dir) = pending.pop() {
        for entry in std::fs::read_dir(&dir).expect("read dir") {
            let path = entry.expect("dir entry").path();
            if path.is_dir() {
                pending.push(path)
            } else {
                files.push(path)
            }
        }
    }
    files
}

fn contains(haystack: &[u8], needle: &str) -> bool {
    haystack
        .windows(needle.len())
        .any(|window| window == needle.as_bytes())
}

#[test_log::test(tokio::test)]
async fn personal_data_never_appears_in_plaintext_on_the_bus_or_on_disk() {
    let mut hub = TestHub::start().await;
    let mut signals = hub.signals().await;
    signals
        .post_signal(signal(
            "p-1",
            &[("111222333", "Fatima"), ("123456782", "Yusuf")],
            v1::Pillar::Jeugd,
            "schooluitval",
            "Yusuf verzuimt school",
        ))
        .await
        .expect("post");
    let last = signals
        .post_signal(signal(
            "p-2",
            &[("111222333", "Fatima")],
            v1::Pillar::Schuldhulp,
            "betalingsachterstand",
            "Huurachterstand bij Ymere",
        ))
        .await
        .expect("post")
        .into_inner();
    // The hub itself can still show them to a coordinator.
    let view = hub
        .households()
        .await
        .get_household(by_id(&last.household_id, last.position))
        .await
        .expect("view");
    let names: Vec<String> = view
        .into_inner()
        .household
        .expect("household")
        .members
        .into_iter()
        .map(|m| m.display_name)
        .collect();
    assert_eq!(names, ["Fatima", "Yusuf"]);

    let raw = hub.raw_stream().await;
    assert_eq!(raw.len(), 2);
    for message in &raw {
        for secret in SECRETS {
            assert!(!contains(message, secret), "{secret:?} readable on the bus");
        }
    }

    // Flush everything to disk, then read every byte JetStream and sled wrote.
    hub.stop().await;
    hub.nats.stop();
    let mut scanned = 0;
    for file in files_under(&hub.nats.store_dir())
        .into_iter()
        .chain(files_under(&hub.data_dir().join("projector")))
    {
        let bytes = std::fs::read(&file).expect("read file");
        scanned += bytes.len();
        for secret in SECRETS {
            assert!(
                !contains(&bytes, secret),
                "{secret:?} readable in {}",
                file.display()
            );
        }
    }
    assert!(scanned > 0, "the scan read the stores");
}
