//! A full disk under the projector's read model. The test limits the file size of its own
//! process (RLIMIT_FSIZE), which makes sled's writes fail as they would on a full disk, without
//! root; it lives in a binary of its own, as the limit holds for the whole process.

use std::time::Duration;

use rondom_e2e::{TestHub, valid_bsns};
use tonic_health::ServingStatus;

const SIGNALS: &str = "rondom.v1.SignalService";
const HOUSEHOLDS: &str = "rondom.v1.HouseholdService";

/// The size of the largest file under `dir`.
fn largest_file(dir: &std::path::Path) -> u64 {
    rondom_e2e::files_under(dir)
        .iter()
        .filter_map(|file| std::fs::metadata(file).ok())
        .map(|metadata| metadata.len())
        .max()
        .expect("sled has files")
}

#[test_log::test(tokio::test(flavor = "multi_thread", worker_threads = 2))]
async fn a_full_disk_stops_the_projector_until_space_returns() {
    use nix::sys::resource::{RLIM_INFINITY, Resource, getrlimit, setrlimit};
    // A file that would grow past the limit fails its write (EFBIG) instead of killing us: as
    // a full disk fails it with ENOSPC. Only this test's process is limited; nats-server is
    // a process of its own, so NATS keeps taking events.
    // SAFETY: ignoring a signal installs no handler; nothing else here handles SIGXFSZ.
    unsafe {
        nix::sys::signal::signal(
            nix::sys::signal::Signal::SIGXFSZ,
            nix::sys::signal::SigHandler::SigIgn,
        )
    }
    .expect("ignore SIGXFSZ");
    let mut hub = TestHub::start().await;
    let first = hub
        .post_wijkteam("voor-de-volle-schijf", &[("111222333", "Fatima")], "eerste")
        .await;
    hub.wait_applied(first.position).await;
    let read_model = rondom_projector::Generations::new(hub.data_dir().join("projector"))
        .current()
        .expect("read model");
    let (_, hard) = getrlimit(Resource::RLIMIT_FSIZE).expect("getrlimit");
    setrlimit(Resource::RLIMIT_FSIZE, largest_file(&read_model), hard).expect("limit");

    // Signals keep coming; soon sled needs more room than there is.
    let bsns = valid_bsns(50);
    let deadline = std::time::Instant::now() + Duration::from_secs(60);
    let mut number = 0;
    while hub.health(HOUSEHOLDS).await != ServingStatus::NotServing {
        assert!(
            std::time::Instant::now() < deadline,
            "the projector never met the full disk"
        );
        for _ in 0..100 {
            let bsn = &bsns[number % bsns.len()];
            hub.post_wijkteam(
                &format!("vol-{number}"),
                &[(bsn.as_str(), "Naam")],
                "de schijf loopt vol",
            )
            .await;
            number += 1;
        }
    }
    // Wijkteams are not turned away: their signals are safe in NATS.
    assert_eq!(hub.health(SIGNALS).await, ServingStatus::Serving);
    let last = hub
        .post_wijkteam("tijdens", &[("123456782", "Yusuf")], "nog steeds vol")
        .await;
    assert_eq!(hub.health(HOUSEHOLDS).await, ServingStatus::NotServing);

    // Space returns; the projector takes up where its checkpoint stands, by itself.
    setrlimit(Resource::RLIMIT_FSIZE, RLIM_INFINITY, hard).expect("lift the limit");
    hub.until_health(HOUSEHOLDS, ServingStatus::Serving, Duration::from_secs(30))
        .await;
    hub.wait_applied(last.position).await;
    let view = hub
        .households()
        .await
        .get_household(rondom_e2e::by_id(&last.household_id, last.position))
        .await
        .expect("the view after the disk had room again")
        .into_inner()
        .household
        .expect("household");
    assert_eq!(view.members[0].display_name, "Yusuf");

    // Nothing was lost or applied twice: the model equals a clean rebuild of the stream.
    hub.stop().await;
    let verified = rondom_projector::rebuild::verify(
        &hub.jetstream().await,
        &read_model,
        &hub.data_dir().join("rebuilt"),
        Default::default(),
        &hub.signer(),
    )
    .await
    .expect("verify");
    assert_eq!(verified.checkpoint, last.position);
    assert!(verified.same(), "{verified:?}");
}
