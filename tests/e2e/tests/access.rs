//! Who sees what: the family scenario loaded by its own roles, then every kind of reader
//! reads it through GetTimeline, GetHousehold and Subscribe. What each gets is checked
//! against the need-to-know rules written out below, event by event: nothing leaks, nothing
//! is missing. Every attempt, refused or not, is in the audit log.

use std::collections::BTreeMap;

use rondom_access::clients::new_token;
use rondom_access::dev_clients::{DevClient, DevTokens};
use rondom_cli::connection::{Connection, authed};
use rondom_cli::scenario::{self, Connections};
use rondom_domain::Pillar;
use rondom_domain::catalogue::{self, NeedToKnow};
use rondom_e2e::{Subscription, TestHub};
use rondom_proto::convert::pillar_from_proto;
use rondom_proto::v1;
use rondom_proto::v1::audit_service_client::AuditServiceClient;
use rondom_proto::v1::household_service_client::HouseholdServiceClient;
use rondom_proto::v1::jeugd_service_client::JeugdServiceClient;
use rondom_proto::v1::regie_service_client::RegieServiceClient;
use tonic::Code;

/// The regisseur the scenario assigns.
const REGISSEUR: &str = "mw-0412";

/// The kinds of reader, with what the rules say they see.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Reader {
    /// A partner of `Pillar` working with the household.
    Involved(Pillar),
    /// A Jeugd partner that is not.
    Uninvolved,
    /// A coordinator of the household's gemeente.
    Coordinator,
    /// The household's regisseur: a coordinator client bound to the regisseur's staff id.
    Regisseur,
    /// A coordinator of another gemeente.
    Elsewhere,
    Operator,
    Wijkteam,
}

/// What a reader gets of one event, written out from docs/domain.md (Need to know) (not computed by the
/// code under test): `None` is nothing, `Some(false)` the status only, `Some(true)` all.
fn expected(reader: Reader, pillar: Pillar, class: NeedToKnow) -> Option<bool> {
    use NeedToKnow::{Health, Household, Pillar as Own, Protected};
    match (reader, class) {
        (Reader::Involved(own), _) if own == pillar => Some(true),
        (Reader::Involved(_), Household) => Some(false),
        (Reader::Coordinator | Reader::Regisseur, Household) => Some(true),
        (Reader::Coordinator | Reader::Regisseur, Own | Health) => Some(false),
        (Reader::Regisseur, Protected) => Some(true),
        _ => None,
    }
}

/// Returns from which position a reader sees the household's events: a partner from the
/// toewijzing to its organisation or the regisseur's registration of it, others from the start.
fn involved_since(reader: Reader, household: &str, events: &[(u64, v1::Event)]) -> u64 {
    let Reader::Involved(pillar) = reader else {
        return 0;
    };
    let organisatie = DevClient::partner(pillar)
        .and_then(DevClient::organisatie)
        .expect("a partner organisation");
    events
        .iter()
        .filter(|(_, event)| event.household_id == household)
        .find(|(_, event)| match &event.body {
            Some(v1::event::Body::Jeugdhulp(jeugdhulp)) => {
                event.kind == "jeugdhulp_toegewezen" && jeugdhulp.aanbieder_agb == organisatie
            }
            Some(v1::event::Body::WmoVoorzieningToegewezen(toewijzing)) => {
                toewijzing.aanbieder_agb == organisatie
            }
            Some(v1::event::Body::Partner(partner)) => {
                event.kind == "partner_betrokken" && partner.organisatie == organisatie
            }
            _ => false,
        })
        .map(|(at, _)| *at)
        .expect("the family involves every partner reader")
}

/// How a reader's reads of the household end.
fn expected_code(reader: Reader) -> Code {
    match reader {
        Reader::Involved(_) | Reader::Coordinator | Reader::Regisseur => Code::Ok,
        // Not told whether the household exists.
        Reader::Uninvolved | Reader::Elsewhere => Code::NotFound,
        Reader::Operator | Reader::Wijkteam => Code::PermissionDenied,
    }
}

struct Hub {
    hub: TestHub,
    tokens: DevTokens,
    uninvolved: String,
    elsewhere: String,
    /// The wijkteam of the other gemeente (0599).
    wijkteam_elsewhere: String,
}

impl Hub {
    async fn start() -> Self {
        let tokens = DevTokens::generate();
        let (uninvolved, uninvolved_hash) = new_token();
        let (elsewhere, elsewhere_hash) = new_token();
        let (wijkteam_elsewhere, wijkteam_elsewhere_hash) = new_token();
        let file = format!(
            "{}\n[[client]]\nid = \"jeugdzorg-zuid\"\nrole = \"partner\"\npillar = \"jeugd\"\n\
             organisatie = \"99999999\"\ntoken_sha256 = \"{uninvolved_hash}\"\n\n\
             [[client]]\nid = \"regie-rotterdam\"\nrole = \"coordinator\"\ngemeente = \"0599\"\n\
             staff_id = \"mw-0412\"\ntoken_sha256 = \"{elsewhere_hash}\"\n\n\
             [[client]]\nid = \"wijkteam-rotterdam\"\nrole = \"wijkteam\"\ngemeente = \"0599\"\n\
             token_sha256 = \"{wijkteam_elsewhere_hash}\"\n",
            tokens.clients_toml()
        );
        let hub = TestHub::start_with_clients(&file).await;
        Self {
            hub,
            tokens,
            uninvolved,
            elsewhere,
            wijkteam_elsewhere,
        }
    }

    async fn connection(&self, reader: Reader) -> Connection {
        let token = match reader {
            Reader::Involved(pillar) => self
                .tokens
                .token(DevClient::partner(pillar).expect("a law pillar")),
            Reader::Uninvolved => &self.uninvolved,
            Reader::Coordinator => self.tokens.token(DevClient::Coordinator),
            Reader::Regisseur => self.tokens.token(DevClient::Regisseur),
            Reader::Elsewhere => &self.elsewhere,
            Reader::Operator => self.tokens.token(DevClient::Operator),
            Reader::Wijkteam => self.tokens.token(DevClient::Wijkteam),
        };
        authed(self.hub.raw_channel().await, Some(token)).expect("token")
    }

    /// Loads the family scenario plus a Veilig Thuis involvement (protected) and the
    /// schuldhulp partner registered by the regisseur; returns the household and position.
    async fn load(&self) -> (String, u64) {
        let channel = self.hub.raw_channel().await;
        let connections = Connections::from_dev_tokens(&channel, &self.tokens).expect("tokens");
        let runner = rondom_e2e::load_family(connections).await;
        let household = runner.family_household().expect("household").to_owned();
        let day = rondom_e2e::family_start() + chrono::Days::new(80);
        let occurred_at = Some(rondom_proto::convert::timestamp(
            day.and_hms_opt(9, 0, 0).expect("time").and_utc(),
        ));
        let jeugd_backoffice = authed(
            self.hub.raw_channel().await,
            Some(self.tokens.token(DevClient::BackOffice(Pillar::Jeugd))),
        )
        .expect("token");
        let veilig_thuis = JeugdServiceClient::new(jeugd_backoffice)
            .register_veilig_thuis(v1::RegisterVeiligThuisRequest {
                context: Some(v1::WriteContext {
                    idempotency_key: "vt-1".into(),
                    source_system: "jeugd-backoffice".into(),
                    gemeente_code: scenario::GEMEENTE.into(),
                    persons: vec![rondom_e2e::zoon()],
                    occurred_at,
                    case_id: scenario::CASE_JEUGD.into(),
                    note: "melding over de thuissituatie".into(),
                }),
                veilig_thuis: Some(v1::VeiligThuisBetrokken {
                    organisatie: "Veilig Thuis Amsterdam-Amstelland".into(),
                    contact: "0800-2000".into(),
                }),
            })
            .await
            .expect("veilig thuis")
            .into_inner();
        let partner = RegieServiceClient::new(self.connection(Reader::Coordinator).await)
            .register_partner(v1::RegisterPartnerRequest {
                context: Some(v1::RegieContext {
                    idempotency_key: "partner-schuld-1".into(),
                    source_system: "regie-app".into(),
                    household_id: household.clone(),
                    expected_position: veilig_thuis.position,
                    occurred_at,
                    note: "schuldhulp sluit aan bij het gezinsplan".into(),
                }),
                partner: Some(v1::Partner {
                    organisatie: DevClient::Partner(Pillar::Schuldhulp)
                        .organisatie()
                        .expect("org")
                        .into(),
                    pillar: v1::Pillar::Schuldhulp as i32,
                }),
            })
            .await
            .expect("partner")
            .into_inner();
        (household, partner.position)
    }
}

fn purpose_of(reader: Reader) -> v1::Purpose {
    match reader {
        Reader::Involved(Pillar::Jeugd) | Reader::Uninvolved => v1::Purpose::UitvoeringJeugdwet,
        Reader::Involved(Pillar::Wmo) => v1::Purpose::UitvoeringWmo,
        Reader::Involved(Pillar::Schuldhulp) => v1::Purpose::Schuldhulpverlening,
        Reader::Involved(_) => v1::Purpose::Bijstandsverlening,
        Reader::Operator => v1::Purpose::Beheer,
        Reader::Coordinator | Reader::Regisseur | Reader::Elsewhere | Reader::Wijkteam => {
            v1::Purpose::Regie
        }
    }
}

fn on_behalf_of(reader: Reader) -> String {
    if reader == Reader::Regisseur {
        REGISSEUR.to_owned()
    } else {
        "medewerker-1".to_owned()
    }
}

const READERS: [Reader; 9] = [
    Reader::Involved(Pillar::Jeugd),
    Reader::Involved(Pillar::Wmo),
    Reader::Involved(Pillar::Schuldhulp),
    Reader::Uninvolved,
    Reader::Coordinator,
    Reader::Regisseur,
    Reader::Elsewhere,
    Reader::Operator,
    Reader::Wijkteam,
];

/// The household as `reader` reads it.
async fn view_of(hub: &Hub, reader: Reader, household: &str, min_position: u64) -> v1::Household {
    HouseholdServiceClient::new(hub.connection(reader).await)
        .get_household(v1::GetHouseholdRequest {
            purpose: purpose_of(reader) as i32,
            on_behalf_of: on_behalf_of(reader),
            ..rondom_e2e::by_id(household, min_position)
        })
        .await
        .expect("the view")
        .into_inner()
        .household
        .expect("household")
}

/// Reads the whole timeline as `reader`, a page at a time; position -> full sight.
async fn timeline(
    hub: &Hub,
    reader: Reader,
    household: &str,
    min_position: u64,
) -> Result<BTreeMap<u64, bool>, tonic::Status> {
    let mut client = HouseholdServiceClient::new(hub.connection(reader).await);
    let mut seen = BTreeMap::new();
    let mut page_token = String::new();
    loop {
        let page = client
            .get_timeline(v1::GetTimelineRequest {
                household_id: household.to_owned(),
                min_position,
                page_size: 7,
                page_token: page_token.clone(),
                oldest_first: true,
                purpose: purpose_of(reader) as i32,
                on_behalf_of: on_behalf_of(reader),
                ..Default::default()
            })
            .await?
            .into_inner();
        for entry in page.entries {
            let full = entry.sight == v1::Sight::Full as i32;
            if !full {
                assert_eq!(entry.sight, v1::Sight::Status as i32, "{reader:?}");
                assert!(
                    entry.summary.is_empty() && entry.case_id.is_empty(),
                    "{reader:?} got detail under status: {entry:?}"
                );
            }
            assert!(seen.insert(entry.position, full).is_none(), "twice");
        }
        if page.next_page_token.is_empty() {
            return Ok(seen);
        }
        // A token goes on from an entry this reader got, never from one it may not see.
        let from = page
            .next_page_token
            .strip_prefix(rondom_projector::request::PAGE_TOKEN_PREFIX)
            .and_then(|position| position.parse::<u64>().ok())
            .expect("a page token names a position");
        assert!(seen.contains_key(&from), "{reader:?}: token at {from}");
        page_token = page.next_page_token;
    }
}

/// Subscribes from the start as `reader` and collects the household's deliveries.
async fn subscription(
    hub: &Hub,
    reader: Reader,
    household: &str,
    through: u64,
) -> Result<BTreeMap<u64, bool>, tonic::Status> {
    let mut subscription = Subscription::try_open(
        hub.connection(reader).await,
        v1::OpenSubscription {
            purpose: purpose_of(reader) as i32,
            on_behalf_of: on_behalf_of(reader),
            ..Default::default()
        },
    )
    .await?;
    let mut seen = BTreeMap::new();
    // Every event up to `through` is applied already, so the hub sends what this reader
    // gets without waiting; the marker at `through` ends it for readers who see it, a quiet
    // spell for the others.
    while let Some(delivery) = subscription.next().await {
        if delivery.household_id == household {
            let full = delivery.sight == v1::Sight::Full as i32;
            if full {
                assert!(
                    delivery.event.is_some(),
                    "a full delivery carries the event"
                );
                // Whole BSNs only for a partner of the event's own law.
                let own_law = matches!(reader, Reader::Involved(pillar)
                    if v1::Pillar::from(pillar) as i32 == delivery.pillar);
                for person in &delivery.persons {
                    assert_eq!(
                        person.bsn.len() == 9 && !person.bsn.starts_with('*'),
                        own_law,
                        "{reader:?} got BSN {:?} of a {} event",
                        person.bsn,
                        delivery.kind
                    );
                }
            } else {
                assert!(
                    delivery.event.is_none()
                        && delivery.persons.is_empty()
                        && delivery.summary.is_empty(),
                    "{reader:?} got detail under status: {delivery:?}"
                );
            }
            assert!(seen.insert(delivery.position, full).is_none(), "twice");
        }
        if delivery.position >= through {
            break;
        }
    }
    Ok(seen)
}

#[test_log::test(tokio::test(flavor = "multi_thread", worker_threads = 2))]
async fn every_reader_gets_exactly_what_need_to_know_allows() {
    let hub = Hub::start().await;
    let (household, position) = hub.load().await;
    // A household elsewhere, that no reader of 0363 may see; its signal also marks the end
    // of the stream for the subscriptions.
    let mut signals = HouseholdSignals::new(&hub).await;
    let marker = signals.elsewhere().await;
    let events = hub.hub.events().await;
    assert!(events.len() as u64 >= position);

    // The family's events span every class, so the matrix tests each.
    let classes: Vec<NeedToKnow> = events
        .iter()
        .filter(|(_, event)| event.household_id == household)
        .map(|(_, event)| {
            catalogue::class_of(
                pillar_from_proto(event.pillar).expect("pillar"),
                &event.kind,
            )
        })
        .collect();
    for class in [
        NeedToKnow::Household,
        NeedToKnow::Pillar,
        NeedToKnow::Health,
        NeedToKnow::Protected,
    ] {
        assert!(classes.contains(&class), "no {class:?} event");
    }

    for reader in READERS {
        let since = involved_since(reader, &household, &events);
        let want: BTreeMap<u64, bool> = events
            .iter()
            .filter(|(at, event)| event.household_id == household && *at >= since)
            .filter_map(|(at, event)| {
                let pillar = pillar_from_proto(event.pillar).expect("pillar");
                let class = catalogue::class_of(pillar, &event.kind);
                expected(reader, pillar, class).map(|full| (*at, full))
            })
            .collect();
        match timeline(&hub, reader, &household, position).await {
            Ok(got) => {
                assert_eq!(expected_code(reader), Code::Ok, "{reader:?} read it");
                assert_eq!(got, want, "timeline of {reader:?}");
                assert!(!got.is_empty(), "{reader:?} sees something");
                // A partner's view counts and dates what its timeline shows: its activity
                // begins with its involvement.
                if let Reader::Involved(_) = reader {
                    let view = view_of(&hub, reader, &household, position).await;
                    assert_eq!(view.event_count, got.len() as u64, "{reader:?}");
                    let first = events
                        .iter()
                        .filter(|(at, _)| got.contains_key(at))
                        .filter_map(|(_, event)| event.occurred_at)
                        .min_by_key(|at| (at.seconds, at.nanos));
                    assert_eq!(view.first_activity_at, first, "{reader:?}");
                    // Nor does its position move on facts it may not see.
                    assert_eq!(
                        Some(&view.last_position),
                        got.keys().next_back(),
                        "{reader:?}"
                    );
                }
            }
            Err(status) => assert_eq!(status.code(), expected_code(reader), "{reader:?}"),
        }
        match subscription(&hub, reader, &household, marker).await {
            Ok(got) => {
                // Readers who may subscribe but not read this household get nothing of it.
                let want = if expected_code(reader) == Code::Ok {
                    want
                } else {
                    BTreeMap::new()
                };
                assert_eq!(got, want, "subscription of {reader:?}");
            }
            Err(status) => {
                assert_eq!(status.code(), Code::PermissionDenied, "{reader:?}");
                assert!(matches!(reader, Reader::Operator | Reader::Wijkteam));
            }
        }
    }
}

/// Posts the marker signal for another gemeente, as that gemeente's wijkteam.
struct HouseholdSignals {
    client: rondom_proto::v1::signal_service_client::SignalServiceClient<Connection>,
}

impl HouseholdSignals {
    async fn new(hub: &Hub) -> Self {
        let connection = authed(
            hub.hub.raw_channel().await,
            Some(hub.wijkteam_elsewhere.as_str()),
        )
        .expect("token");
        Self {
            client: rondom_proto::v1::signal_service_client::SignalServiceClient::new(connection),
        }
    }

    async fn elsewhere(&mut self) -> u64 {
        let mut request = rondom_e2e::signal(
            "elders-1",
            &[("999999990", "Iemand Elders")],
            v1::Pillar::Schuldhulp,
            "betalingsachterstand",
            "huurachterstand gemeld",
        );
        request.gemeente_code = "0599".into();
        self.client
            .post_signal(request)
            .await
            .expect("signal")
            .into_inner()
            .position
    }
}

#[test_log::test(tokio::test(flavor = "multi_thread", worker_threads = 2))]
async fn a_partner_sees_that_other_laws_are_involved_and_who_the_regisseur_is() {
    let hub = Hub::start().await;
    let (household, position) = hub.load().await;
    let mut client =
        HouseholdServiceClient::new(hub.connection(Reader::Involved(Pillar::Jeugd)).await);
    let read = |min_position: u64| v1::GetHouseholdRequest {
        key: Some(v1::get_household_request::Key::HouseholdId(
            household.clone(),
        )),
        min_position,
        purpose: v1::Purpose::UitvoeringJeugdwet as i32,
        ..Default::default()
    };
    let view = client
        .get_household(read(position))
        .await
        .expect("involved")
        .into_inner()
        .household
        .expect("household");
    assert_eq!(
        view.regisseur.as_ref().map(|r| r.regisseur_id.as_str()),
        Some(REGISSEUR)
    );
    let pillars: Vec<i32> = view.trajectories.iter().map(|t| t.pillar).collect();
    assert!(
        pillars.contains(&(v1::Pillar::Schuldhulp as i32)),
        "{pillars:?}"
    );
    for trajectory in &view.trajectories {
        if trajectory.pillar != v1::Pillar::Jeugd as i32 {
            assert!(
                trajectory.providers.is_empty() && trajectory.case_id.is_empty(),
                "another law's detail: {trajectory:?}"
            );
        }
    }
    assert!(
        view.deadlines
            .iter()
            .all(|deadline| deadline.pillar == v1::Pillar::Jeugd as i32),
        "only its own law's deadlines"
    );
    assert!(
        view.risk_flags.is_empty(),
        "risk flags are the coordinator's"
    );
    // Persons by need: under the family's aanpak, which names this provider, it knows the
    // members the aanpak covers.
    let names = |view: &v1::Household| -> Vec<String> {
        view.members
            .iter()
            .map(|m| m.display_name.clone())
            .collect()
    };
    assert_eq!(
        names(&view),
        [
            scenario::MOEDER.name,
            scenario::ZOON.name,
            scenario::OMA.name
        ]
    );
    // When the aanpak ends each law is in its own lane again: the provider knows the son its
    // case is about, not his mother or grandmother, nor the other laws; looking the mother up
    // by BSN is answered as for a stranger.
    let coordinator = hub.connection(Reader::Coordinator).await;
    let position = rondom_e2e::end_aanpak(coordinator, &household, position).await;
    let view = client
        .get_household(read(position))
        .await
        .expect("involved")
        .into_inner()
        .household
        .expect("household");
    assert_eq!(
        names(&view),
        [scenario::ZOON.name],
        "it knows its client only"
    );
    assert!(
        view.trajectories
            .iter()
            .all(|t| t.pillar == v1::Pillar::Jeugd as i32),
        "{:?}",
        view.trajectories
    );
    assert!(view.aanpak.is_none());
    let mother = client
        .get_household(v1::GetHouseholdRequest {
            key: Some(v1::get_household_request::Key::Bsn(
                scenario::MOEDER.bsn.into(),
            )),
            min_position: position,
            purpose: v1::Purpose::UitvoeringJeugdwet as i32,
            ..Default::default()
        })
        .await
        .expect_err("not its client");
    assert_eq!(mother.code(), Code::NotFound, "{mother:?}");
    let son = client
        .get_household(v1::GetHouseholdRequest {
            key: Some(v1::get_household_request::Key::Bsn(
                scenario::ZOON.bsn.into(),
            )),
            min_position: position,
            purpose: v1::Purpose::UitvoeringJeugdwet as i32,
            ..Default::default()
        })
        .await
        .expect("its client, by BSN");
    assert_eq!(
        son.into_inner().household.map(|h| h.household_id),
        Some(household.clone())
    );

    // The same read without a purpose, or for another law's purpose, is refused.
    let missing = client
        .get_household(v1::GetHouseholdRequest {
            key: Some(v1::get_household_request::Key::HouseholdId(
                household.clone(),
            )),
            ..Default::default()
        })
        .await
        .expect_err("no purpose");
    assert_eq!(missing.code(), Code::InvalidArgument);
    let wrong = client
        .get_household(v1::GetHouseholdRequest {
            key: Some(v1::get_household_request::Key::HouseholdId(
                household.clone(),
            )),
            purpose: v1::Purpose::Schuldhulpverlening as i32,
            ..Default::default()
        })
        .await
        .expect_err("not its task");
    assert_eq!(wrong.code(), Code::PermissionDenied);

    // A household it may not read, one that does not exist, and a BSN nobody knows all get
    // the same answer: none tells that a household exists.
    let stranger = HouseholdServiceClient::new(hub.connection(Reader::Uninvolved).await);
    let answer = |key| {
        let mut stranger = stranger.clone();
        async move {
            let status = stranger
                .get_household(v1::GetHouseholdRequest {
                    key: Some(key),
                    purpose: v1::Purpose::UitvoeringJeugdwet as i32,
                    ..Default::default()
                })
                .await
                .expect_err("nothing to read");
            (
                status.code(),
                status.message().to_owned(),
                status.details().to_vec(),
            )
        }
    };
    let existing = answer(v1::get_household_request::Key::HouseholdId(
        household.clone(),
    ))
    .await;
    assert_eq!(existing.0, Code::NotFound);
    let unknown = answer(v1::get_household_request::Key::HouseholdId(
        "0195f0c2-7b7e-7000-8000-000000000001".into(),
    ))
    .await;
    let unknown_bsn = answer(v1::get_household_request::Key::Bsn("999999990".into())).await;
    assert_eq!(existing, unknown);
    assert_eq!(existing, unknown_bsn);

    // Every attempt is on record, with what went out or why not.
    let mut audit = AuditServiceClient::new(hub.connection(Reader::Operator).await);
    let records = audit
        .list_audit_records(v1::ListAuditRecordsRequest {
            purpose: v1::Purpose::Beheer as i32,
            client_id: DevClient::Partner(Pillar::Jeugd).id(),
            ..Default::default()
        })
        .await
        .expect("operator reads the log")
        .into_inner()
        .records;
    // First its own write (the start of the jeugdhulp it was assigned), then its reads.
    let (writes, records): (Vec<_>, Vec<_>) =
        records.into_iter().partition(|r| !r.event_type.is_empty());
    assert_eq!(writes.len(), 1, "{writes:?}");
    assert_eq!(writes[0].event_type, "nl.rondom.jeugd.jeugdhulp_gestart.v1");
    assert_eq!(
        (writes[0].household_id.as_str(), writes[0].outcome.as_str()),
        (household.as_str(), "OK")
    );
    let outcomes: Vec<&str> = records.iter().map(|r| r.outcome.as_str()).collect();
    assert_eq!(
        outcomes,
        [
            "OK",
            "OK",
            "NOT_FOUND",
            "OK",
            "INVALID_ARGUMENT",
            "PERMISSION_DENIED"
        ]
    );
    assert_eq!(records[0].household_id, household);
    // The refused look-up of the mother names no household, not even in the log.
    assert_eq!(records[2].household_id, "");
    assert!(!records[0].disclosed.is_empty(), "what went out is listed");
    // Each disclosure names its basis: under the aanpak the other laws' status went out on
    // it; after its end only the provider's own task is left.
    let bases = |record: &v1::AuditRecord| -> Vec<String> {
        let mut bases: Vec<String> = record.disclosed.iter().map(|d| d.basis.clone()).collect();
        bases.sort();
        bases.dedup();
        bases
    };
    let under = bases(&records[0]);
    assert!(
        under
            .iter()
            .any(|b| b.starts_with("aanpak:") && b.ends_with(":instemming")),
        "{under:?}"
    );
    assert!(under.contains(&"eigen-taak:jeugd".to_owned()), "{under:?}");
    assert_eq!(bases(&records[1]), ["eigen-taak:jeugd"]);
    assert!(records.iter().all(|r| r.role == "partner:jeugd"));
    assert_eq!(
        records[0].method,
        "/rondom.v1.HouseholdService/GetHousehold"
    );
}
