//! The family scenario (`rondom demo` loads the same steps): a mother with rent arrears, a son
//! in youth care and a grandmother who needs support at home go through all four laws over
//! eleven weeks from Monday 2 March 2026. After each step the view, deadlines, risk flags and
//! worklists are checked as a coordinator would read them on that day.
//!
//! Every due date below was counted by hand from the article cited; 2026 has Good Friday on
//! 3 April, Easter Monday 6 April, Koningsdag Monday 27 April, Bevrijdingsdag Tuesday 5 May,
//! Ascension 14 May and Whit Monday 25 May.

use std::collections::HashMap;

use chrono::NaiveDate;
use rondom_cli::scenario::{self, BUURMAN, Runner, Step};
use rondom_domain::Pillar;
use rondom_e2e::{DevClient, TestHub, worklist};
use rondom_proto::convert::{naive_date, proto_date};
use rondom_proto::v1;
use tonic_types::StatusExt;

/// Amsterdam sets its Wgs 4a beschikking term at six weeks in its bylaw.
const BYLAWS: &str = "[gemeente.0363]\nSHV-BESCHIKKING = \"6 weeks\"\n";

fn day(text: &str) -> NaiveDate {
    text.parse().expect("date")
}

fn date(value: Option<&v1::Date>) -> Option<NaiveDate> {
    value.and_then(naive_date)
}

/// The open deadline of `rule`, or else the one that closed last.
fn deadline<'a>(household: &'a v1::Household, rule: &str) -> &'a v1::Deadline {
    household
        .deadlines
        .iter()
        .find(|d| d.rule == rule)
        .unwrap_or_else(|| panic!("no {rule} deadline in {:?}", household.deadlines))
}

fn status(deadline: &v1::Deadline) -> v1::DeadlineStatus {
    v1::DeadlineStatus::try_from(deadline.status).expect("known status")
}

fn flags(household: &v1::Household) -> Vec<v1::RiskFlag> {
    household
        .risk_flags
        .iter()
        .map(|flag| v1::RiskFlag::try_from(*flag).expect("known flag"))
        .collect()
}

fn state(household: &v1::Household, case: &str) -> v1::TrajectoryState {
    let trajectory = household
        .trajectories
        .iter()
        .find(|t| t.case_id == case)
        .unwrap_or_else(|| panic!("no trajectory {case}"));
    v1::TrajectoryState::try_from(trajectory.state).expect("known state")
}

struct Coordinator {
    hub: TestHub,
    runner: Runner,
    steps: HashMap<&'static str, Step>,
    order: Vec<&'static str>,
}

impl Coordinator {
    async fn view(&self, household: &str, as_of: &str) -> v1::Household {
        self.view_as(DevClient::Coordinator, v1::Purpose::Regie, household, as_of)
            .await
    }

    /// The household as `client` reads it for `purpose`.
    async fn view_as(
        &self,
        client: DevClient,
        purpose: v1::Purpose,
        household: &str,
        as_of: &str,
    ) -> v1::Household {
        rondom_proto::v1::household_service_client::HouseholdServiceClient::new(
            self.hub.client_for(client).await,
        )
        .get_household(v1::GetHouseholdRequest {
            key: Some(v1::get_household_request::Key::HouseholdId(
                household.to_owned(),
            )),
            min_position: self.runner.position,
            as_of: Some(proto_date(day(as_of))),
            purpose: purpose as i32,
            on_behalf_of: String::new(),
        })
        .await
        .expect("household")
        .into_inner()
        .household
        .expect("view")
    }

    /// The family as the schuldhulp back-office reads it (Wgs art. 8b: a vroegsignaal is
    /// its alone until the resident accepts help).
    async fn family_for_schuldhulp(&self, as_of: &str) -> v1::Household {
        let id = self.runner.family_household().expect("family household");
        self.for_law(rondom_domain::Pillar::Schuldhulp, id, as_of)
            .await
    }

    /// A household as the back-office of `law` reads it: its own lane, which it sees without
    /// any other basis.
    async fn for_law(
        &self,
        law: rondom_domain::Pillar,
        household: &str,
        as_of: &str,
    ) -> v1::Household {
        let purpose = rondom_domain::law::Purpose::of_pillar(law).expect("a law's purpose");
        self.view_as(
            DevClient::BackOffice(law),
            v1::Purpose::from(purpose),
            household,
            as_of,
        )
        .await
    }

    fn family_id(&self) -> String {
        self.runner
            .family_household()
            .expect("family household")
            .to_owned()
    }

    async fn family(&self, as_of: &str) -> v1::Household {
        let id = self
            .runner
            .family_household()
            .expect("family household")
            .to_owned();
        self.view(&id, as_of).await
    }

    async fn worklist(&self, request: v1::ListHouseholdsRequest) -> Vec<v1::WorklistRow> {
        self.hub
            .households()
            .await
            .list_households(v1::ListHouseholdsRequest {
                min_position: self.runner.position,
                ..request
            })
            .await
            .expect("worklist")
            .into_inner()
            .rows
    }

    /// Runs every step up to and including `name`.
    async fn until(&mut self, name: &str) {
        while let Some(next) = self.order.first().copied() {
            self.order.remove(0);
            let step = self.steps[next].clone();
            self.runner
                .run(&step)
                .await
                .unwrap_or_else(|status| panic!("step {next}: {status:?}"));
            if next == name {
                return;
            }
        }
        panic!("no step {name}");
    }
}

fn as_of(text: &str) -> Option<v1::Date> {
    Some(proto_date(day(text)))
}

#[test_log::test(tokio::test(flavor = "multi_thread", worker_threads = 2))]
async fn a_family_through_all_four_laws() {
    let hub = TestHub::start_with_bylaws(BYLAWS).await;
    let runner = Runner::new(hub.scenario_connections().await);
    let steps = scenario::family(day("2026-03-02"));
    let order = steps.iter().map(|step| step.name).collect();
    let mut c = Coordinator {
        steps: steps.into_iter().map(|step| (step.name, step)).collect(),
        order,
        runner,
        hub,
    };

    // Day 0: the wijkteam's signal creates the household of three.
    c.until("signaal").await;
    let family = c.family("2026-03-02").await;
    assert_eq!(family.members.len(), 3);
    assert_eq!(family.active_pillars, [v1::Pillar::Schuldhulp as i32]);
    assert_eq!(family.open_signals.len(), 1);
    assert!(family.deadlines.is_empty());

    // The vroegsignaal opens a schuldhulp case and starts the gemeente's norm for an offer:
    // 10 working days from Tuesday 3 March is Tuesday 17 March. It stays in its lane (Wgs
    // art. 8b): the coordinator sees neither the case nor its deadline, and the wijkteam's
    // signal stays open for it; the schuldhulp back-office sees both.
    c.until("vroegsignaal").await;
    let family = c.family("2026-03-16").await;
    assert_eq!(family.open_signals.len(), 1);
    assert!(family.trajectories.is_empty(), "{:?}", family.trajectories);
    assert!(family.deadlines.is_empty(), "{:?}", family.deadlines);
    let in_lane = c.family_for_schuldhulp("2026-03-16").await;
    assert_eq!(
        state(&in_lane, scenario::CASE_SCHULD),
        v1::TrajectoryState::Gesignaleerd
    );
    let aanbod = deadline(&in_lane, "SHV-AANBOD");
    assert_eq!(date(aanbod.due.as_ref()), Some(day("2026-03-17")));
    assert_eq!(status(aanbod), v1::DeadlineStatus::AtRisk);
    assert_eq!(aanbod.days_left, 1);

    // Wmo melding (Wmo 2.3.2 lid 1): six weeks from Wednesday 4 March is Wednesday 15 April,
    // a working day although Easter lies in between. The personal-plan window is 7 days.
    // Until the family agrees to a gecoördineerde aanpak, the Wmo case is in the Wmo lane:
    // its back-office sees it, the coordinator does not.
    c.until("wmo_melding").await;
    let family = c.for_law(Pillar::Wmo, &c.family_id(), "2026-03-04").await;
    assert!(c.family("2026-03-04").await.deadlines.is_empty());
    assert_eq!(
        date(deadline(&family, "WMO-ONDERZOEK").due.as_ref()),
        Some(day("2026-04-15"))
    );
    let plan = deadline(&family, "WMO-PLAN");
    assert_eq!(date(plan.due.as_ref()), Some(day("2026-03-11")));
    assert_eq!(status(plan), v1::DeadlineStatus::WindowOpen);

    // A neighbour's melding makes a second household in the same gemeente.
    c.until("buurman_melding").await;
    let buurman_id = c
        .runner
        .household_of(BUURMAN)
        .expect("neighbour household")
        .to_owned();
    assert_ne!(Some(buurman_id.as_str()), c.runner.family_household());
    let buurman = c.for_law(Pillar::Wmo, &buurman_id, "2026-03-06").await;
    assert_eq!(buurman.members.len(), 1);
    // Six weeks from Friday 6 March: Friday 17 April.
    assert_eq!(
        date(deadline(&buurman, "WMO-ONDERZOEK").due.as_ref()),
        Some(day("2026-04-17"))
    );

    // Jeugd aanvraag (Awb 4:13, at most eight weeks): from Monday 9 March to Monday 4 May.
    c.until("jeugd_aanvraag").await;
    let jeugd = c.for_law(Pillar::Jeugd, &c.family_id(), "2026-03-10").await;
    assert_eq!(
        date(deadline(&jeugd, "JW-BESCHIKKING").due.as_ref()),
        Some(day("2026-05-04"))
    );
    // Three laws are involved, but without a basis each is in its own lane: the coordinator
    // sees the wijkteam's signal (tagged schuldhulp), and no flag over several laws.
    let family = c.family("2026-03-10").await;
    assert_eq!(family.active_pillars, [v1::Pillar::Schuldhulp as i32]);
    assert!(flags(&family).is_empty(), "{:?}", flags(&family));

    // The worklist on 10 March: the family, for the wijkteam's signal, without a deadline the
    // coordinator may see; the neighbour, whose only facts are the Wmo's, is not on it.
    let rows = c
        .worklist(v1::ListHouseholdsRequest {
            gemeente_code: scenario::GEMEENTE.into(),
            as_of: as_of("2026-03-10"),
            ..worklist()
        })
        .await;
    let ids: Vec<&str> = rows.iter().map(|row| row.household_id.as_str()).collect();
    assert_eq!(ids, [c.runner.family_household().expect("family")]);
    assert_eq!(rows[0].most_urgent, None);
    // Nothing is due for the coordinator within a week: the only such term, SHV-AANBOD on
    // 17 March, is in the schuldhulp lane.
    let within_week = c
        .worklist(v1::ListHouseholdsRequest {
            due_within_days: 7,
            as_of: as_of("2026-03-10"),
            ..worklist()
        })
        .await;
    assert!(within_week.is_empty(), "{within_week:?}");
    let three_laws = c
        .worklist(v1::ListHouseholdsRequest {
            min_active_pillars: 3,
            as_of: as_of("2026-03-10"),
            ..worklist()
        })
        .await;
    assert!(three_laws.is_empty(), "{three_laws:?}");

    // Nobody answered the vroegsignaal by 17 March: on the 18th it is overdue for the
    // schuldhulp back-office; the coordinator's overdue worklist stays empty.
    let overdue = c
        .worklist(v1::ListHouseholdsRequest {
            overdue: true,
            as_of: as_of("2026-03-18"),
            ..worklist()
        })
        .await;
    assert!(overdue.is_empty(), "{overdue:?}");
    let in_lane = c.family_for_schuldhulp("2026-03-18").await;
    let aanbod = deadline(&in_lane, "SHV-AANBOD");
    assert_eq!(
        (status(aanbod), aanbod.days_left),
        (v1::DeadlineStatus::Overdue, -1)
    );

    // Thursday 19 March Fatima asks for help under threat of eviction (Wgs 4 lid 2): the
    // first conversation is due within three working days, by Tuesday 24 March. The offer
    // norm is met, late.
    c.until("aanmelding").await;
    let family = c.family_for_schuldhulp("2026-03-19").await;
    let aanbod = deadline(&family, "SHV-AANBOD");
    assert_eq!(status(aanbod), v1::DeadlineStatus::MetLate);
    assert_eq!(date(aanbod.met_on.as_ref()), Some(day("2026-03-19")));
    assert_eq!(
        date(deadline(&family, "SHV-CRISIS").due.as_ref()),
        Some(day("2026-03-24"))
    );

    // The first conversation on its last day meets SHV-CRISIS in time. The beschikking term
    // is Amsterdam's six weeks: Tuesday 5 May is Bevrijdingsdag, so Wednesday 6 May (Atw 1).
    c.until("eerste_gesprek").await;
    let family = c.family_for_schuldhulp("2026-03-24").await;
    let crisis = deadline(&family, "SHV-CRISIS");
    assert_eq!(status(crisis), v1::DeadlineStatus::Met);
    assert_eq!(date(crisis.met_on.as_ref()), Some(day("2026-03-24")));
    assert_eq!(
        date(deadline(&family, "SHV-BESCHIKKING").due.as_ref()),
        Some(day("2026-05-06"))
    );

    // A regisseur assigned on a stale view is refused with ABORTED and nothing is published.
    let before = c.hub.stream_messages().await;
    let stale = c.hub.client_for(DevClient::Coordinator).await;
    let mut regie = v1::regie_service_client::RegieServiceClient::new(stale);
    let refused = regie
        .assign_regisseur(v1::AssignRegisseurRequest {
            context: Some(v1::RegieContext {
                idempotency_key: "stale-regisseur".into(),
                source_system: "coordinator-app".into(),
                household_id: family.household_id.clone(),
                expected_position: family.last_position - 1,
                occurred_at: Some(rondom_proto::convert::timestamp(chrono::Utc::now())),
                note: String::new(),
            }),
            regisseur: Some(v1::RegisseurToegewezen {
                regisseur_id: "mw-9999".into(),
                organisatie: "12345678".into(),
            }),
        })
        .await
        .expect_err("stale");
    assert_eq!(refused.code(), tonic::Code::Aborted);
    let info = refused.get_details_error_info().expect("ErrorInfo");
    assert_eq!(
        info.metadata.get("current_position"),
        Some(&family.last_position.to_string())
    );
    assert_eq!(c.hub.stream_messages().await, before);

    c.until("regisseur").await;
    let family = c.family("2026-03-25").await;
    assert_eq!(
        family.regisseur.as_ref().map(|r| r.regisseur_id.as_str()),
        Some("mw-0412")
    );
    assert!(!flags(&family).contains(&v1::RiskFlag::GeenRegisseur));
    // A retry of the same regie write is a duplicate, not a conflict.
    let retry = c
        .runner
        .run(&c.steps["regisseur"].clone())
        .await
        .expect("retry");
    assert!(retry.duplicate);
    let own = c
        .worklist(v1::ListHouseholdsRequest {
            regisseur_id: "mw-0412".into(),
            ..worklist()
        })
        .await;
    assert_eq!(own.len(), 1);
    let unassigned = c
        .worklist(v1::ListHouseholdsRequest {
            no_regisseur: true,
            ..worklist()
        })
        .await;
    // The neighbour has no regisseur either, but is the Wmo's alone: not on this list.
    assert!(unassigned.is_empty(), "{unassigned:?}");

    // The family agrees to a gecoördineerde aanpak for the four laws (Daan, 13, together
    // with his mother): from here the coordinator sees each law's status.
    c.until("aanpak").await;
    let family = c.family("2026-03-25").await;
    let aanpak = family.aanpak.as_ref().expect("the aanpak in force");
    assert_eq!(aanpak.wetten.len(), 4);
    assert!(!aanpak.uitzondering);
    assert_eq!(
        date(deadline(&family, "WMO-ONDERZOEK").due.as_ref()),
        Some(day("2026-04-15"))
    );
    assert!(flags(&family).contains(&v1::RiskFlag::DrieOfMeerPijlers));

    // Bijstand aanvraag Thursday 26 March: voorschot within four weeks (Pw 52), by Thursday
    // 23 April; the besluit within eight weeks (Awb 4:13), by Thursday 21 May.
    c.until("pw_aanvraag").await;
    let family = c.family("2026-03-26").await;
    assert_eq!(
        date(deadline(&family, "PW-VOORSCHOT").due.as_ref()),
        Some(day("2026-04-23"))
    );
    assert_eq!(
        date(deadline(&family, "PW-BESLUIT").due.as_ref()),
        Some(day("2026-05-21"))
    );

    c.until("gezinsplan").await;
    let family = c.family("2026-03-27").await;
    assert_eq!(family.plan.as_ref().map(|plan| plan.versie), Some(1));

    // Suspension (Awb 4:15) from Monday 30 March: the term stands still.
    c.until("pw_opgeschort").await;
    let family = c.family("2026-04-01").await;
    assert_eq!(
        status(deadline(&family, "PW-BESLUIT")),
        v1::DeadlineStatus::Suspended
    );
    // Resumed Thursday 9 April: suspended 31 March up to 9 April, nine days. 21 May plus nine
    // is Saturday 30 May, moved to Monday 1 June (Atw 1).
    c.until("pw_hervat").await;
    let family = c.family("2026-04-09").await;
    let besluit = deadline(&family, "PW-BESLUIT");
    assert_eq!(besluit.suspended_days, 9);
    assert_eq!(date(besluit.due.as_ref()), Some(day("2026-06-01")));
    assert_eq!(status(besluit), v1::DeadlineStatus::Open);

    // The Wmo assessment is finished on Wednesday 15 April, its last day: met, not late.
    c.until("wmo_verslag").await;
    let family = c.family("2026-04-15").await;
    let onderzoek = deadline(&family, "WMO-ONDERZOEK");
    assert_eq!(status(onderzoek), v1::DeadlineStatus::Met);
    assert_eq!(
        date(onderzoek.met_on.as_ref()),
        date(onderzoek.due.as_ref())
    );

    // Wmo aanvraag Thursday 16 April: beschikking within two weeks (Wmo 2.3.5 lid 2).
    c.until("wmo_aanvraag").await;
    let family = c.family("2026-04-16").await;
    assert_eq!(
        date(deadline(&family, "WMO-BESCHIKKING").due.as_ref()),
        Some(day("2026-04-30"))
    );

    // The voorschot on its last day meets it, and the next one runs four weeks from then.
    c.until("pw_voorschot").await;
    let family = c.family("2026-04-23").await;
    let voorschotten: Vec<&v1::Deadline> = family
        .deadlines
        .iter()
        .filter(|d| d.rule == "PW-VOORSCHOT")
        .collect();
    assert_eq!(voorschotten.len(), 2);
    assert_eq!(status(voorschotten[0]), v1::DeadlineStatus::Open);
    assert_eq!(date(voorschotten[0].due.as_ref()), Some(day("2026-05-21")));
    assert_eq!(status(voorschotten[1]), v1::DeadlineStatus::Met);

    // The rest of the story, to the bijstand besluit on Tuesday 12 May.
    c.until("pw_besluit").await;
    let family = c.family("2026-05-12").await;
    assert_eq!(
        state(&family, scenario::CASE_SCHULD),
        v1::TrajectoryState::Besloten
    );
    assert_eq!(
        state(&family, scenario::CASE_WMO),
        v1::TrajectoryState::Actief
    );
    assert_eq!(
        state(&family, scenario::CASE_JEUGD),
        v1::TrajectoryState::Actief
    );
    assert_eq!(
        state(&family, scenario::CASE_PW),
        v1::TrajectoryState::Actief
    );
    let schuld = deadline(&family, "SHV-BESCHIKKING");
    assert_eq!(
        (status(schuld), date(schuld.met_on.as_ref())),
        (v1::DeadlineStatus::Met, Some(day("2026-05-06")))
    );
    assert_eq!(
        status(deadline(&family, "PW-VOORSCHOT")),
        v1::DeadlineStatus::Lapsed
    );
    assert_eq!(
        status(deadline(&family, "PW-BESLUIT")),
        v1::DeadlineStatus::Met
    );
    assert_eq!(
        status(deadline(&family, "JW-BESCHIKKING")),
        v1::DeadlineStatus::Met
    );
    let providers: Vec<&str> = family
        .partners
        .iter()
        .map(|p| p.organisatie.as_str())
        .collect();
    assert_eq!(providers, ["12345678", "87654321"]);
    assert!(
        family
            .deadlines
            .iter()
            .all(|d| status(d) != v1::DeadlineStatus::Overdue),
        "every duty of the family was met"
    );
    // Only the neighbour's assessment is overdue by now: the Wmo back-office's to see, not
    // on the coordinator's list (no aanpak for him).
    let overdue = c
        .worklist(v1::ListHouseholdsRequest {
            overdue: true,
            as_of: as_of("2026-05-12"),
            ..worklist()
        })
        .await;
    assert!(overdue.is_empty(), "{overdue:?}");
    let buurman = c.for_law(Pillar::Wmo, &buurman_id, "2026-05-12").await;
    assert_eq!(
        status(deadline(&buurman, "WMO-ONDERZOEK")),
        v1::DeadlineStatus::Overdue
    );

    // One timeline tells the whole story across the pillars, oldest first.
    let timeline = c
        .hub
        .households()
        .await
        .get_timeline(v1::GetTimelineRequest {
            household_id: family.household_id.clone(),
            oldest_first: true,
            page_size: 100,
            purpose: v1::Purpose::Regie as i32,
            ..Default::default()
        })
        .await
        .expect("timeline")
        .into_inner();
    // Of the 25 events (the aanpak among them), the vroegsignaal stays the schuldhulp
    // back-office's (Wgs art. 8b). Under the aanpak the coordinator reads the laws' earlier
    // facts too: the basis holds when they are read.
    assert_eq!(timeline.entries.len(), 24);
    assert!(
        timeline
            .entries
            .iter()
            .all(|entry| entry.kind != "vroegsignaal_ontvangen")
    );
    assert_eq!(
        timeline.entries[0].title,
        "signaal: betalingsachterstand of schulden"
    );
    assert_eq!(
        timeline.entries[0].summary,
        "Moeder vertelt over huurachterstand en brieven van de verhuurder."
    );
    let mut pillars: Vec<i32> = timeline.entries.iter().map(|e| e.pillar).collect();
    pillars.sort_unstable();
    pillars.dedup();
    assert_eq!(
        pillars.len(),
        5,
        "schuldhulp, wmo, jeugd, participatie and regie"
    );
    assert!(timeline.entries.iter().any(
        |e| e.title == "aanmelding schuldhulp ontvangen: bedreigende situatie: huisuitzetting"
    ));

    // A rebuild from the log with the same bylaws gives the same view.
    let before = c.family("2026-05-12").await;
    c.hub.stop().await;
    let client = rondom_bus::connect(c.hub.nats.url()).await.expect("nats");
    let bylaws =
        rondom_projector::config::load_bylaws(c.hub.bylaws_path().as_deref()).expect("bylaws");
    let generations = rondom_projector::Generations::new(c.hub.data_dir().join("projector"));
    rondom_projector::rebuild::rebuild(
        &rondom_bus::jetstream(client),
        &generations,
        7,
        bylaws.into(),
        &c.hub.signer(),
        false,
    )
    .await
    .expect("rebuild");
    c.hub.restart().await;
    c.runner = Runner::new(c.hub.scenario_connections().await);
    let after = c.view(&before.household_id, "2026-05-12").await;
    assert_eq!(after, before);
}
