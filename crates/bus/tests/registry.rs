//! The registry and key store against a real nats-server.

use std::sync::Arc;

use rondom_bus::stream::{self, StreamSettings};
use rondom_bus::{HouseholdRegistry, KeyStore};
use rondom_domain::seal::{MasterKey, MasterKeys, Purpose};
use rondom_domain::{Bsn, PseudonymKey};
use rondom_testkit::TestNats;

async fn jetstream(nats: &TestNats) -> async_nats::jetstream::Context {
    let client = rondom_bus::connect(nats.url()).await.expect("connect");
    let jetstream = rondom_bus::jetstream(client);
    stream::provision(&jetstream, &StreamSettings::default())
        .await
        .expect("provision");
    jetstream
}

/// The provisioned `RONDOM_KEYS` bucket.
async fn keys_bucket(nats: &TestNats) -> async_nats::jetstream::kv::Store {
    stream::bucket(&jetstream(nats).await, stream::KEYS_BUCKET)
        .await
        .expect("bucket")
}

/// Waits up to two seconds for `store` to wrap new keys under master key `id`.
async fn switches_to(store: &KeyStore, id: &str) -> bool {
    for _ in 0..100 {
        if store.current_master_id() == id {
            return true;
        }
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
    false
}

/// A keyring of one master key, as an installation that never rotated has.
fn only(master: MasterKey) -> MasterKeys {
    MasterKeys::new(master, [])
}

fn pseudonym(bsn: &str) -> rondom_domain::Pseudonym {
    let bsn: Bsn = bsn.parse().expect("valid test BSN");
    PseudonymKey::from_bytes([3; 32]).pseudonym(&bsn)
}

#[test_log::test(tokio::test)]
async fn concurrent_first_writes_for_one_person_make_one_household() {
    let nats = TestNats::start();
    let jetstream = jetstream(&nats).await;
    let registry = HouseholdRegistry::new(
        stream::bucket(&jetstream, stream::PERSONS_BUCKET)
            .await
            .expect("bucket"),
    );
    let person = pseudonym("111222333");
    let tasks: Vec<_> = (0..16)
        .map(|_| {
            let registry = registry.clone();
            tokio::spawn(async move { registry.resolve(&[person]).await.expect("resolve") })
        })
        .collect();
    let mut households = Vec::new();
    let mut created = 0;
    for task in tasks {
        let resolution = task.await.expect("task");
        created += usize::from(resolution.created);
        households.push(resolution.household);
    }
    households.dedup();
    assert_eq!(
        households.len(),
        1,
        "all writers must agree on one household"
    );
    // Exactly one of them made it (and creates its key without looking for one first).
    assert_eq!(created, 1);
}

#[test_log::test(tokio::test)]
async fn co_residents_join_unless_they_have_a_household() {
    let nats = TestNats::start();
    let jetstream = jetstream(&nats).await;
    let registry = HouseholdRegistry::new(
        stream::bucket(&jetstream, stream::PERSONS_BUCKET)
            .await
            .expect("bucket"),
    );
    let (mother, son, neighbour, baby) = (
        pseudonym("111222333"),
        pseudonym("123456782"),
        pseudonym("999990342"),
        pseudonym("012345672"),
    );

    let neighbours_home = registry.resolve(&[neighbour]).await.expect("resolve");
    let family = registry.resolve(&[mother, son]).await.expect("resolve");
    assert_ne!(family.household, neighbours_home.household);
    assert_eq!(family.members, [true, true]);
    assert!(
        family.created,
        "nobody had a household: this write made one"
    );

    // A co-resident who already has a household stays there.
    let again = registry
        .resolve(&[mother, son, neighbour])
        .await
        .expect("resolve");
    assert_eq!(again.household, family.household);
    assert_eq!(again.members, [true, true, false]);
    assert!(!again.created, "the household was there");

    // A new person named with a known co-resident joins that co-resident's household.
    let newborn = registry.resolve(&[baby, mother]).await.expect("resolve");
    assert_eq!(newborn.household, family.household);
    assert_eq!(newborn.members, [true, true]);
    assert!(!newborn.created, "the baby joined the mother's household");

    // The son alone now resolves to the family's household.
    assert_eq!(
        registry.resolve(&[son]).await.expect("resolve").household,
        family.household
    );
    // Provisioning again changes nothing.
    stream::provision(&jetstream, &StreamSettings::default())
        .await
        .expect("provision twice");
    assert_eq!(
        registry.lookup(&mother).await.expect("lookup"),
        Some(family.household)
    );
}

/// Waits up to five seconds for `check`.
async fn eventually(mut check: impl AsyncFnMut() -> bool) -> bool {
    for _ in 0..250 {
        if check().await {
            return true;
        }
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
    false
}

#[test_log::test(tokio::test)]
async fn a_writers_copy_answers_lookups_from_memory_and_follows_other_processes() {
    let nats = TestNats::start();
    let jetstream = jetstream(&nats).await;
    let bucket = stream::bucket(&jetstream, stream::PERSONS_BUCKET)
        .await
        .expect("bucket");
    let writer = HouseholdRegistry::following(bucket.clone());
    let elsewhere = HouseholdRegistry::new(bucket);
    assert!(
        eventually(async || writer.copy_is_current()).await,
        "the copy of an empty bucket is current"
    );
    let (mother, son, neighbour) = (
        pseudonym("111222333"),
        pseudonym("123456782"),
        pseudonym("999990342"),
    );

    // Another process makes a household: the copy learns it from the watch.
    let theirs = elsewhere.resolve(&[neighbour]).await.expect("resolve");
    assert!(
        eventually(
            async || writer.lookup(&neighbour).await.expect("lookup") == Some(theirs.household)
        )
        .await,
        "the watch brings another process's claim"
    );

    // New persons and known ones are looked up in memory; only claims go to JetStream.
    let before = writer.fetched();
    let family = writer.resolve(&[mother, son]).await.expect("resolve");
    assert!(family.created);
    let again = writer
        .resolve(&[son, mother, neighbour])
        .await
        .expect("resolve");
    assert_eq!(again.household, family.household);
    assert_eq!(again.members, [true, true, false]);
    assert_eq!(writer.fetched(), before, "no lookup went to JetStream");

    // This process's own move is in its copy at once; another's follows by the watch.
    writer.join(&son, theirs.household).await.expect("join");
    assert_eq!(
        writer.lookup(&son).await.expect("lookup"),
        Some(theirs.household)
    );
    elsewhere
        .leave(&neighbour, theirs.household)
        .await
        .expect("leave");
    assert!(
        eventually(async || writer.lookup(&neighbour).await.expect("lookup").is_none()).await,
        "the watch brings another process's leave"
    );
}

#[test_log::test(tokio::test)]
async fn a_copy_that_fell_behind_still_agrees_on_one_household() {
    let nats = TestNats::start();
    let jetstream = jetstream(&nats).await;
    let bucket = stream::bucket(&jetstream, stream::PERSONS_BUCKET)
        .await
        .expect("bucket");
    let behind = HouseholdRegistry::with_stale_copy(bucket.clone())
        .await
        .expect("copy");
    assert!(behind.copy_is_current(), "it believes it is current");
    let elsewhere = HouseholdRegistry::new(bucket);
    let (mother, baby) = (pseudonym("111222333"), pseudonym("012345672"));
    let first = elsewhere.resolve(&[mother]).await.expect("resolve");

    // The copy says the mother has no household; the claim finds her in JetStream.
    let resolution = behind.resolve(&[mother]).await.expect("resolve");
    assert_eq!(resolution.household, first.household);
    assert!(!resolution.created, "no second household was made");
    assert!(
        behind.fetched() > 0,
        "the conflict was looked up in JetStream"
    );
    // A write naming her as co-resident of a new person never moves her.
    let newborn = behind.resolve(&[baby, mother]).await.expect("resolve");
    assert_eq!(
        elsewhere.lookup(&mother).await.expect("lookup"),
        Some(first.household)
    );
    assert_eq!(
        newborn.members[1],
        newborn.household == first.household,
        "she is a member only of the household she is in"
    );
}

#[test_log::test(tokio::test)]
async fn household_keys_are_shared_by_concurrent_creators_and_survive_a_new_store() {
    let nats = TestNats::start();
    let bucket = keys_bucket(&nats).await;
    let master = only(MasterKey::from_bytes([5; 32]));
    let household = rondom_domain::HouseholdId::generate();
    let first = Arc::new(KeyStore::new(bucket.clone(), master.clone()));
    let second = Arc::new(KeyStore::new(bucket.clone(), master.clone()));
    let (key_a, key_b) = tokio::join!(
        first.get_or_create(&household),
        second.get_or_create(&household)
    );
    let (key_a, key_b) = (key_a.expect("key a"), key_b.expect("key b"));
    let sealed = key_a.seal(&household, Purpose::Summary, b"schulden");
    assert_eq!(
        key_b.open(&household, Purpose::Summary, &sealed).as_deref(),
        Ok(&b"schulden"[..])
    );

    let fresh = KeyStore::new(bucket.clone(), master);
    let key_c = fresh.get(&household).await.expect("get").expect("stored");
    assert!(key_c.open(&household, Purpose::Summary, &sealed).is_ok());

    let wrong_master = KeyStore::new(bucket, only(MasterKey::from_bytes([6; 32])));
    assert!(matches!(
        wrong_master.get(&household).await,
        Err(rondom_bus::Error::Corrupt { .. })
    ));
}

#[test_log::test(tokio::test)]
async fn a_destroyed_key_is_gone_from_the_bucket_and_from_every_cache() {
    let nats = TestNats::start();
    let bucket = keys_bucket(&nats).await;
    let master = only(MasterKey::from_bytes([5; 32]));
    let household = rondom_domain::HouseholdId::generate();
    let keeper = Arc::new(KeyStore::new(bucket.clone(), master.clone()));
    let elsewhere = Arc::new(KeyStore::new(bucket.clone(), master.clone()));
    keeper.get_or_create(&household).await.expect("key");
    // Another process has it cached, and follows destructions.
    assert!(elsewhere.get(&household).await.expect("get").is_some());
    let follower = tokio::spawn({
        let elsewhere = elsewhere.clone();
        async move { elsewhere.forget_destroyed().await }
    });

    keeper.destroy(&household).await.expect("destroy");
    keeper
        .destroy(&household)
        .await
        .expect("destroying twice is fine");
    assert!(keeper.get(&household).await.expect("get").is_none());
    let mut forgotten = false;
    for _ in 0..50 {
        if elsewhere.get(&household).await.expect("get").is_none() {
            forgotten = true;
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
    assert!(forgotten, "the other process forgot the key");
    // Not marked deleted but purged: no revision of the wrapped key is left in the bucket.
    let mut history = bucket
        .history(household.to_string())
        .await
        .expect("history");
    while let Some(entry) = futures::StreamExt::next(&mut history).await {
        let entry = entry.expect("entry");
        assert!(entry.value.is_empty(), "a wrapped key survived: {entry:?}");
    }
    // The household never gets a key again: nothing new is sealed for it, by anyone.
    let fresh = KeyStore::new(bucket, master);
    assert!(matches!(
        fresh.get_or_create(&household).await,
        Err(rondom_bus::Error::Erased)
    ));
    assert!(fresh.get(&household).await.expect("get").is_none());
    follower.abort();
}

#[test_log::test(tokio::test)]
async fn whether_a_key_was_destroyed_is_asked_of_the_bucket_not_of_a_cache() {
    let nats = TestNats::start();
    let bucket = keys_bucket(&nats).await;
    let master = only(MasterKey::from_bytes([5; 32]));
    let household = rondom_domain::HouseholdId::generate();
    let writer = KeyStore::new(bucket.clone(), master.clone());
    let operator = KeyStore::new(bucket, master);
    writer.get_or_create(&household).await.expect("key");
    assert!(!writer.is_destroyed(&household).await.expect("asked"));
    // The operator's erasure destroys it; the writer keeps it cached (no watch has told it).
    operator.destroy(&household).await.expect("destroy");
    assert!(writer.is_destroyed(&household).await.expect("asked"));
    // And lets go of it then.
    assert!(writer.get(&household).await.expect("get").is_none());
}

#[test_log::test(tokio::test)]
async fn rotation_rewraps_every_key_and_other_processes_follow_without_a_restart() {
    let nats = TestNats::start();
    let bucket = keys_bucket(&nats).await;
    let (old, new) = (
        MasterKey::from_bytes([5; 32]),
        MasterKey::from_bytes([7; 32]),
    );
    // The key files another process would read: the old key until the rotation.
    let on_disk = Arc::new(std::sync::Mutex::new(only(old.clone())));
    let reload: rondom_bus::keystore::ReloadMasters = {
        let on_disk = on_disk.clone();
        Arc::new(move || Ok(on_disk.lock().expect("lock").clone()))
    };
    let running = KeyStore::following(bucket.clone(), only(old.clone()), reload);
    let households: Vec<_> = (0..20)
        .map(|_| rondom_domain::HouseholdId::generate())
        .collect();
    let mut sealed = Vec::new();
    for household in &households {
        let key = running.get_or_create(household).await.expect("key");
        sealed.push(key.seal(household, Purpose::Summary, b"schulden"));
    }
    let erased = households[0];
    running.destroy(&erased).await.expect("destroy");
    // Give the follower time to start its watch before the rotation.
    tokio::time::sleep(std::time::Duration::from_millis(200)).await;

    *on_disk.lock().expect("lock") = MasterKeys::new(new.clone(), [old.clone()]);
    let rotator = KeyStore::new(bucket.clone(), MasterKeys::new(new.clone(), [old.clone()]));
    let report = rotator.rewrap().await.expect("rewrap");
    assert_eq!(report.rewrapped, 19);
    assert_eq!(report.current, 0);
    let again = rotator.rewrap().await.expect("rewrap again");
    assert_eq!((again.rewrapped, again.current), (0, 19));

    // Every key is under the new master key, which alone now opens all of them.
    let census = rotator.census().await.expect("census");
    assert_eq!(census.len(), 1);
    assert_eq!(census.get(new.id()), Some(&19));
    let only_new = KeyStore::new(bucket.clone(), only(new.clone()));
    for (household, sealed) in households.iter().zip(&sealed).skip(1) {
        let key = only_new.get(household).await.expect("get").expect("kept");
        assert_eq!(
            key.open(household, Purpose::Summary, sealed).as_deref(),
            Ok(&b"schulden"[..])
        );
    }
    // The erased household's key did not come back.
    assert!(only_new.get(&erased).await.expect("get").is_none());

    // The running process saw the rotation and wraps new keys under the new master key.
    assert!(
        switches_to(&running, new.id()).await,
        "the running store reloaded its master keys"
    );
    let later = rondom_domain::HouseholdId::generate();
    running.get_or_create(&later).await.expect("key");
    assert!(only_new.get(&later).await.expect("get").is_some());
}

#[test_log::test(tokio::test)]
async fn a_key_under_an_unknown_master_key_is_reported_not_guessed() {
    let nats = TestNats::start();
    let bucket = keys_bucket(&nats).await;
    let household = rondom_domain::HouseholdId::generate();
    KeyStore::new(bucket.clone(), only(MasterKey::from_bytes([7; 32])))
        .get_or_create(&household)
        .await
        .expect("key");
    let stale = KeyStore::new(bucket, only(MasterKey::from_bytes([5; 32])));
    let err = stale.get(&household).await.expect_err("unknown master key");
    assert!(
        err.to_string().contains("does not have") || format!("{err:?}").contains("does not have"),
        "{err:?}"
    );
    assert!(stale.rewrap().await.is_err());
}

#[test_log::test(tokio::test)]
async fn a_rotation_with_no_keys_yet_still_reaches_running_processes() {
    let nats = TestNats::start();
    let bucket = keys_bucket(&nats).await;
    let (old, new) = (
        MasterKey::from_bytes([5; 32]),
        MasterKey::from_bytes([7; 32]),
    );
    let rotated = MasterKeys::new(new.clone(), [old.clone()]);
    let reload: rondom_bus::keystore::ReloadMasters = {
        let rotated = rotated.clone();
        Arc::new(move || Ok(rotated.clone()))
    };
    let running = KeyStore::following(bucket.clone(), only(old), reload);
    tokio::time::sleep(std::time::Duration::from_millis(200)).await;

    let rotator = KeyStore::new(bucket, rotated);
    assert_eq!(rotator.rewrap().await.expect("rewrap"), Default::default());
    rotator.announce_rotation().await.expect("announce");
    assert!(
        switches_to(&running, new.id()).await,
        "the running store reloaded its master keys"
    );
    // The notice is not a household key.
    assert!(rotator.census().await.expect("census").is_empty());
}

#[test_log::test(tokio::test)]
async fn destroyed_and_rewrapped_keys_leave_no_bytes_on_disk() {
    let nats = TestNats::start();
    let bucket = keys_bucket(&nats).await;
    let (old, new) = (
        MasterKey::from_bytes([5; 32]),
        MasterKey::from_bytes([7; 32]),
    );
    let store = KeyStore::new(bucket.clone(), only(old.clone()));
    let mut households = Vec::new();
    for _ in 0..50 {
        let household = rondom_domain::HouseholdId::generate();
        store.get_or_create(&household).await.expect("key");
        households.push(household);
    }
    // The tail of a wrapped key is random ciphertext: found on disk only where it is stored.
    let stored = |household: rondom_domain::HouseholdId| {
        let bucket = bucket.clone();
        async move {
            let wrapped = bucket
                .get(household.to_string())
                .await
                .expect("get")
                .expect("stored");
            wrapped[wrapped.len() - 24..].to_vec()
        }
    };
    let (erased, kept) = (households[20], households[30]);
    let erased_bytes = stored(erased).await;
    let old_wrapping = stored(kept).await;
    assert_eq!(
        on_disk(&nats, &old_wrapping),
        1,
        "the scan finds what is there"
    );

    store.destroy(&erased).await.expect("destroy");
    KeyStore::new(bucket.clone(), MasterKeys::new(new, [old]))
        .rewrap()
        .await
        .expect("rewrap");

    assert_eq!(
        on_disk(&nats, &erased_bytes),
        0,
        "the destroyed key is erased from disk"
    );
    assert_eq!(
        on_disk(&nats, &old_wrapping),
        0,
        "the old wrapping is erased from disk"
    );
    assert_eq!(on_disk(&nats, &stored(kept).await), 1);
}

/// Returns how many files of the server's store hold `needle`.
fn on_disk(nats: &TestNats, needle: &[u8]) -> usize {
    fn files(dir: &std::path::Path) -> Vec<std::path::PathBuf> {
        std::fs::read_dir(dir)
            .expect("store dir")
            .map(|entry| entry.expect("entry").path())
            .flat_map(|path| {
                if path.is_dir() {
                    files(&path)
                } else {
                    vec![path]
                }
            })
            .collect()
    }
    files(&nats.store_dir())
        .iter()
        .filter(|path| {
            std::fs::read(path)
                .expect("read")
                .windows(needle.len())
                .any(|window| window == needle)
        })
        .count()
}

#[test_log::test(tokio::test(flavor = "multi_thread", worker_threads = 2))]
async fn destroying_while_a_rewrap_runs_and_twice_at_once_leaves_no_key_revision() {
    let nats = TestNats::start();
    let bucket = keys_bucket(&nats).await;
    let (old, new) = (
        MasterKey::from_bytes([5; 32]),
        MasterKey::from_bytes([7; 32]),
    );
    let store = Arc::new(KeyStore::new(bucket.clone(), only(old.clone())));
    let mut households = Vec::new();
    for _ in 0..40 {
        let household = rondom_domain::HouseholdId::generate();
        store.get_or_create(&household).await.expect("key");
        households.push(household);
    }
    let rotator = KeyStore::new(bucket.clone(), MasterKeys::new(new, [old]));
    let destroyer = store.clone();
    let doomed = households.clone();
    let (rewrapped, destroyed) = tokio::join!(rotator.rewrap(), async move {
        for household in &doomed {
            // Two erasures of one household at once: both succeed.
            let (first, second) =
                tokio::join!(destroyer.destroy(household), destroyer.destroy(household));
            first.expect("destroy");
            second.expect("destroy again");
        }
    });
    rewrapped.expect("rewrap");
    let () = destroyed;
    for household in &households {
        let mut history = bucket
            .history(household.to_string())
            .await
            .expect("history");
        while let Some(entry) = futures::StreamExt::next(&mut history).await {
            let entry = entry.expect("entry");
            assert!(entry.value.is_empty(), "a key revision survived: {entry:?}");
        }
        assert!(matches!(
            store.get_or_create(household).await,
            Err(rondom_bus::Error::Erased)
        ));
    }
}
