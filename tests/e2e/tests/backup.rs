//! `rondom backup` and `rondom restore`: the restored hub has what the backup had, with the same
//! positions, and an erasure made after the backup stays an erasure.

use rondom_bus::stream::{KEYS_BUCKET, StreamSettings};
use rondom_e2e::{DevClient, TestHub, by_bsn, by_id, timeline};
use rondom_lifecycle::backup;
use rondom_proto::v1;
use rondom_proto::v1::operator_service_client::OperatorServiceClient;
use rondom_runtime::keys;
use tonic::Code;

#[test_log::test(tokio::test(flavor = "multi_thread", worker_threads = 2))]
async fn a_restore_brings_back_the_backup_but_not_what_was_erased_since() {
    let mut hub = TestHub::start().await;
    let anna = hub
        .post_wijkteam("a-1", &[("111222333", "Anna")], "Anna zit veel alleen")
        .await;
    let bram = hub
        .post_wijkteam("b-1", &[("123456782", "Bram")], "Bram zit veel alleen")
        .await;
    hub.wait_applied(bram.position).await;

    let client = rondom_bus::connect(hub.nats.url()).await.expect("NATS");
    let dir = tempfile::tempdir().expect("temp dir");
    let manifest = backup::backup(&client, &dir.path().join("voor"))
        .await
        .expect("backup while the hub runs");
    assert_eq!(manifest.streams["RONDOM_EVENTS"], bram.position);
    assert_eq!(manifest.keys, 2);

    // After the backup: a new household, and Anna's household is erased.
    let carla = hub
        .post_wijkteam("c-1", &[("999990342", "Carla")], "Carla zit veel alleen")
        .await;
    let mut operator = OperatorServiceClient::new(hub.client_for(DevClient::Operator).await);
    let erasure = operator
        .erase_household(v1::EraseHouseholdRequest {
            household_id: anna.household_id.clone(),
            reden: v1::ErasureReason::VerzoekBetrokkene as i32,
        })
        .await
        .expect("erased")
        .into_inner();
    assert!(erasure.position > carla.position);

    // A backup made now holds no key of Anna's household.
    let after = backup::backup(&client, &dir.path().join("na"))
        .await
        .expect("second backup");
    assert_eq!(after.keys, 2, "Bram's and Carla's");
    let keys_file = std::fs::read_to_string(dir.path().join("na/keys.jsonl")).expect("keys");
    let anna_line = keys_file
        .lines()
        .find(|line| line.contains(&anna.household_id))
        .expect("the erasure's tombstone");
    assert!(anna_line.contains(r#""wrapped":"""#), "{anna_line}");

    hub.stop().await;
    let read_model = hub.data_dir().join("projector");
    let key_dir = hub.data_dir().join("keys");

    // Without the master key the backup's keys are wrapped under, nothing is replaced.
    let no_keys = tempfile::tempdir().expect("temp dir");
    keys::Keys::load_or_generate(no_keys.path()).expect("other keys");
    let refused = backup::restore(
        &client,
        &dir.path().join("voor"),
        &read_model,
        no_keys.path(),
        &StreamSettings::default(),
    )
    .await
    .expect_err("a master key missing");
    assert!(
        format!("{refused:#}").contains("nothing was changed"),
        "{refused:#}"
    );
    assert_eq!(hub.events().await.len() as u64, erasure.position);

    // A restore that fails halfway (a damaged archive) has replaced part of the log; run
    // again, it still knows the erasure the replaced log held.
    let broken = dir.path().join("kapot");
    std::fs::create_dir(&broken).expect("dir");
    for entry in std::fs::read_dir(dir.path().join("voor")).expect("backup") {
        let path = entry.expect("entry").path();
        std::fs::copy(&path, broken.join(path.file_name().expect("name"))).expect("copy");
    }
    let archive = broken.join(format!("KV_{}.tar.s2", rondom_bus::stream::PERSONS_BUCKET));
    let bytes = std::fs::read(&archive).expect("archive");
    std::fs::write(&archive, &bytes[..bytes.len() / 2]).expect("damage");
    backup::restore(
        &client,
        &broken,
        &read_model,
        &key_dir,
        &StreamSettings::default(),
    )
    .await
    .expect_err("a damaged archive");

    let restored = backup::restore(
        &client,
        &dir.path().join("voor"),
        &read_model,
        &key_dir,
        &StreamSettings::default(),
    )
    .await
    .expect("restore");
    assert_eq!((restored.keys, restored.keys_left_out), (1, 1));
    assert_eq!(restored.erasures_reapplied, 1);
    hub.start_again().await;

    // The log is the backup's, plus the erasure applied again; the projector replayed it.
    let events = hub.events().await;
    assert_eq!(events.len() as u64, bram.position + 1);
    let last = events.last().expect("events").0;
    let mut coordinator = hub.households().await;
    let view = coordinator
        .get_household(by_bsn("123456782", last))
        .await
        .expect("Bram's household is back")
        .into_inner()
        .household
        .expect("household");
    assert_eq!(view.members[0].display_name, "Bram");
    let entries = coordinator
        .get_timeline(timeline(&bram.household_id, last))
        .await
        .expect("timeline")
        .into_inner()
        .entries;
    assert_eq!(
        entries[0].summary, "Bram zit veel alleen",
        "its key came back"
    );

    // Anna's household stays erased: no key, no members, no way in by her BSN.
    let keys = rondom_bus::stream::bucket(&hub.jetstream().await, KEYS_BUCKET)
        .await
        .expect("keys");
    let tombstone = keys.get(&anna.household_id).await.expect("read");
    assert!(
        tombstone.is_some_and(|value| value.is_empty()),
        "only the tombstone"
    );
    let anna_view = coordinator
        .get_household(by_id(&anna.household_id, last))
        .await
        .expect("the erased household")
        .into_inner()
        .household
        .expect("household");
    assert!(anna_view.members.is_empty() && anna_view.erasure.is_some());
    let by_her_bsn = coordinator
        .get_household(by_bsn("111222333", last))
        .await
        .expect_err("her BSN leads nowhere");
    assert_eq!(by_her_bsn.code(), Code::NotFound);
    // Carla came after the backup: gone with it.
    let carla_now = coordinator
        .get_household(by_bsn("999990342", last))
        .await
        .expect_err("after the backup");
    assert_eq!(carla_now.code(), Code::NotFound);

    // The audit log is not the backup's: what was done since stays on record (the erasure),
    // and so do the backup and the restore themselves.
    let operator_id = DevClient::Operator.id();
    let erased_on_record = hub.audit_of(&operator_id, &anna.household_id).await;
    assert!(
        erased_on_record
            .iter()
            .any(|record| record.method.ends_with("EraseHousehold")),
        "{erased_on_record:?}"
    );
    for command in ["rondom-backup", "rondom-restore"] {
        let records = hub.audit_of(command, "").await;
        assert!(!records.is_empty(), "{command} is on record");
    }

    // Ingest goes on from the restored position.
    let mut signals = hub.signals().await;
    let next = signals
        .post_signal(rondom_e2e::signal(
            "d-1",
            &[("123456782", "Bram")],
            v1::Pillar::Wijkteam,
            "eenzaamheid",
            "weer",
        ))
        .await
        .expect("posted after the restore")
        .into_inner();
    assert_eq!(next.position, last + 1);
    assert_eq!(next.household_id, bram.household_id);
}

#[test_log::test(tokio::test)]
async fn a_backup_goes_into_a_new_directory_and_an_incomplete_one_is_not_restored() {
    let hub = TestHub::start().await;
    hub.signals()
        .await
        .post_signal(rondom_e2e::signal(
            "a-1",
            &[("111222333", "Anna")],
            v1::Pillar::Wijkteam,
            "eenzaamheid",
            "Anna zit veel alleen",
        ))
        .await
        .expect("posted");
    let client = rondom_bus::connect(hub.nats.url()).await.expect("NATS");
    let dir = tempfile::tempdir().expect("temp dir");
    let used = dir.path().join("gebruikt");
    std::fs::create_dir(&used).expect("dir");
    std::fs::write(used.join("iets"), "al hier").expect("write");
    let refused = backup::backup(&client, &used).await;
    assert!(refused.is_err(), "a directory with files in it is refused");

    let empty = tempfile::tempdir().expect("temp dir");
    let restore = backup::restore(
        &client,
        empty.path(),
        &hub.data_dir().join("projector"),
        &hub.data_dir().join("keys"),
        &StreamSettings::default(),
    )
    .await;
    let err = restore.expect_err("no manifest");
    assert!(
        format!("{err:#}").contains("not a complete backup"),
        "{err:#}"
    );
    // A backup with a file missing is refused before anything is replaced.
    let whole = dir.path().join("heel");
    backup::backup(&client, &whole).await.expect("backup");
    std::fs::remove_file(whole.join("RONDOM_AUDIT.tar.s2")).expect("remove");
    let err = backup::restore(
        &client,
        &whole,
        &hub.data_dir().join("projector"),
        &hub.data_dir().join("keys"),
        &StreamSettings::default(),
    )
    .await
    .expect_err("a file missing");
    assert!(
        format!("{err:#}").contains("lacks RONDOM_AUDIT.tar.s2"),
        "{err:#}"
    );
    // Nothing was touched: the hub still has its event.
    assert_eq!(hub.events().await.len(), 1);
}
