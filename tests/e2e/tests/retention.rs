//! Retention: a household whose period ended is listed for operators and erased by the
//! retention task; one with an open case, or whose period runs, stays.

use std::time::Duration;

use chrono::{Days, NaiveDate};
use rondom_e2e::{DevClient, TestHub, by_id, signal};
use rondom_proto::convert::proto_date;
use rondom_proto::v1;
use rondom_proto::v1::operator_service_client::OperatorServiceClient;
use tonic::Code;

#[test_log::test(tokio::test(flavor = "multi_thread", worker_threads = 2))]
async fn households_whose_period_ended_are_listed_and_erased() {
    let hub = TestHub::start_with_retention("[years]\nwijkteam = 1\nschuldhulp = 1\n").await;
    // The family has open cases: it stays whatever the date.
    let runner = rondom_e2e::load_family(hub.scenario_connections().await).await;
    let family = runner.family_household().expect("family").to_owned();
    // A signal only, observed today: due in a year.
    let recent = hub
        .signals()
        .await
        .post_signal(signal(
            "recent-1",
            &[("999990342", "Oma Aziz")],
            v1::Pillar::Wijkteam,
            "eenzaamheid",
            "",
        ))
        .await
        .expect("posted")
        .into_inner();
    // A signal only, observed two years ago: its year has passed.
    let mut old = signal(
        "old-1",
        &[("111111110", "Kees")],
        v1::Pillar::Wijkteam,
        "eenzaamheid",
        "zit veel alleen",
    );
    old.observed_at = Some(rondom_proto::convert::timestamp(
        chrono::Utc::now() - chrono::Duration::days(2 * 366),
    ));
    let old = hub
        .signals()
        .await
        .post_signal(old)
        .await
        .expect("posted")
        .into_inner();
    hub.wait_applied(old.position.max(recent.position)).await;

    let mut operator = OperatorServiceClient::new(hub.client_for(DevClient::Operator).await);
    let due_on = |day: NaiveDate| v1::ListRetentionDueRequest {
        as_of: Some(proto_date(day)),
        ..Default::default()
    };
    let in_two_years = rondom_domain::calendar::today() + Days::new(2 * 366);
    let later: Vec<String> = operator
        .list_retention_due(due_on(in_two_years))
        .await
        .expect("operator lists")
        .into_inner()
        .households
        .into_iter()
        .map(|due| due.household_id)
        .collect();
    // The old one may be erased by the task already; the family's cases are open.
    assert!(later.contains(&recent.household_id), "{later:?}");
    assert!(!later.contains(&family), "{later:?}");
    assert!(
        later
            .iter()
            .all(|id| *id == recent.household_id || *id == old.household_id)
    );
    let refused = OperatorServiceClient::new(hub.client_for(DevClient::Coordinator).await)
        .list_retention_due(due_on(in_two_years))
        .await
        .expect_err("coordinators do not");
    assert_eq!(refused.code(), Code::PermissionDenied);

    // The task, running every second here, erases the old one and only that one.
    let mut coordinator = hub.households().await;
    let mut erased = None;
    for _ in 0..100 {
        let view = coordinator
            .get_household(by_id(&old.household_id, 0))
            .await
            .expect("view")
            .into_inner()
            .household
            .expect("household");
        if view.erasure.is_some() {
            erased = view.erasure;
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let erased = erased.expect("the retention task erased the old household");
    assert_eq!(
        erased.reden,
        v1::ErasureReason::BewaartermijnVerstreken as i32
    );
    // On the audit log as an operator's erasure is.
    rondom_testkit::eventually(
        "the retention task's erasure on record",
        Duration::from_secs(10),
        || async {
            hub.audit_of(
                rondom_lifecycle::retention::RETENTION_CLIENT,
                &old.household_id,
            )
            .await
            .into_iter()
            .find(|record| record.outcome == "OK")
            .map(|record| assert!(record.reason.starts_with("retention period ended on ")))
        },
    )
    .await;
    for household in [&recent.household_id, &family] {
        let view = coordinator
            .get_household(by_id(household, 0))
            .await
            .expect("view")
            .into_inner()
            .household
            .expect("household");
        assert!(view.erasure.is_none() && !view.members.is_empty());
    }
    let now: Vec<String> = operator
        .list_retention_due(v1::ListRetentionDueRequest::default())
        .await
        .expect("today")
        .into_inner()
        .households
        .into_iter()
        .map(|due| due.household_id)
        .collect();
    assert!(now.is_empty(), "nothing left due today: {now:?}");
}
