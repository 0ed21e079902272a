//! The family scenario: one household meets all four laws over some weeks. A mother with
//! rent arrears, her son who needs youth care and her mother who needs support at home; a
//! neighbour with a Wmo melding of his own gives the worklist a second row. `rondom demo`
//! loads it into a running hub, and the end-to-end scenario test checks the view after each
//! step, so the story a newcomer reads is the story the tests prove.
//!
//! Every write has an idempotency key derived from the step and the start date, so loading
//! the same scenario twice changes nothing.

use std::collections::HashMap;

use crate::connection::{Connection, authed};
use chrono::{Days, NaiveDate, NaiveTime};
use rondom_access::dev_clients::{DevClient, DevTokens};
use rondom_proto::convert::{proto_date, timestamp};
use rondom_proto::v1;
use rondom_proto::v1::household_service_client::HouseholdServiceClient;
use rondom_proto::v1::jeugd_service_client::JeugdServiceClient;
use rondom_proto::v1::participatie_service_client::ParticipatieServiceClient;
use rondom_proto::v1::regie_service_client::RegieServiceClient;
use rondom_proto::v1::schuldhulp_service_client::SchuldhulpServiceClient;
use rondom_proto::v1::signal_service_client::SignalServiceClient;
use rondom_proto::v1::wmo_service_client::WmoServiceClient;

/// Amsterdam.
pub const GEMEENTE: &str = "0363";

/// A person of the scenario. The BSNs pass the 11-proef and are not assigned to real people.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Person {
    pub bsn: &'static str,
    pub name: &'static str,
    /// (year, month, day)
    pub born: (i32, u32, u32),
}

pub const MOEDER: Person = Person {
    bsn: "111222333",
    name: "Fatima Jansen",
    born: (1988, 9, 14),
};
pub const ZOON: Person = Person {
    bsn: "123456782",
    name: "Daan Jansen",
    born: (2012, 5, 4),
};
pub const OMA: Person = Person {
    bsn: "222222220",
    name: "Riet Jansen",
    born: (1946, 1, 30),
};
pub const BUURMAN: Person = Person {
    bsn: "333333330",
    name: "Henk de Vries",
    born: (1951, 7, 2),
};

/// The case references of the family's trajectories.
pub const CASE_SCHULD: &str = "SHV-2026-001";
pub const CASE_WMO: &str = "WMO-2026-014";
pub const CASE_JEUGD: &str = "JW-2026-007";
pub const CASE_PW: &str = "PW-2026-033";

/// One write of the scenario.
#[derive(Debug, Clone, PartialEq)]
pub enum Action {
    Signal(v1::PostSignalRequest),
    WmoMelding(v1::ReceiveWmoMeldingRequest),
    WmoOnderzoekGestart(v1::StartWmoOnderzoekRequest),
    WmoOnderzoekAfgerond(v1::FinishWmoOnderzoekRequest),
    WmoAanvraag(v1::ReceiveWmoAanvraagRequest),
    WmoBeschikking(v1::IssueWmoBeschikkingRequest),
    WmoVoorzieningToegewezen(v1::AssignWmoVoorzieningRequest),
    WmoVoorzieningGestart(v1::StartWmoVoorzieningRequest),
    JeugdHulpvraag(v1::ReceiveJeugdHulpvraagRequest),
    JeugdAanvraag(v1::ReceiveJeugdAanvraagRequest),
    JeugdBeschikking(v1::IssueJeugdBeschikkingRequest),
    JeugdhulpToegewezen(v1::AssignJeugdhulpRequest),
    JeugdhulpGestart(v1::StartJeugdhulpRequest),
    PwAanvraag(v1::ReceivePwAanvraagRequest),
    PwOpgeschort(v1::SuspendTermRequest),
    PwHervat(v1::ResumeTermRequest),
    PwVoorschot(v1::GrantVoorschotRequest),
    PwBesluit(v1::TakePwBesluitRequest),
    Vroegsignaal(v1::ReceiveVroegsignaalRequest),
    Aanmelding(v1::ReceiveAanmeldingRequest),
    EersteGesprek(v1::HoldEersteGesprekRequest),
    SchuldBeschikking(v1::IssueSchuldBeschikkingRequest),
    /// Regie writes get their household and expected position when they run.
    Regisseur(v1::RegisseurToegewezen),
    Gezinsplan(v1::Gezinsplan),
    Aanpak(v1::StartAanpakRequest),
}

impl Action {
    /// The write context of a pillar write; `None` for a signal and for regie writes.
    fn context(&self) -> Option<&v1::WriteContext> {
        match self {
            Action::WmoMelding(r) => r.context.as_ref(),
            Action::WmoOnderzoekGestart(r) => r.context.as_ref(),
            Action::WmoOnderzoekAfgerond(r) => r.context.as_ref(),
            Action::WmoAanvraag(r) => r.context.as_ref(),
            Action::WmoBeschikking(r) => r.context.as_ref(),
            Action::WmoVoorzieningToegewezen(r) => r.context.as_ref(),
            Action::WmoVoorzieningGestart(r) => r.context.as_ref(),
            Action::JeugdHulpvraag(r) => r.context.as_ref(),
            Action::JeugdAanvraag(r) => r.context.as_ref(),
            Action::JeugdBeschikking(r) => r.context.as_ref(),
            Action::JeugdhulpToegewezen(r) => r.context.as_ref(),
            Action::JeugdhulpGestart(r) => r.context.as_ref(),
            Action::PwAanvraag(r) => r.context.as_ref(),
            Action::PwOpgeschort(r) => r.context.as_ref(),
            Action::PwHervat(r) => r.context.as_ref(),
            Action::PwVoorschot(r) => r.context.as_ref(),
            Action::PwBesluit(r) => r.context.as_ref(),
            Action::Vroegsignaal(r) => r.context.as_ref(),
            Action::Aanmelding(r) => r.context.as_ref(),
            Action::EersteGesprek(r) => r.context.as_ref(),
            Action::SchuldBeschikking(r) => r.context.as_ref(),
            Action::Signal(_)
            | Action::Regisseur(_)
            | Action::Gezinsplan(_)
            | Action::Aanpak(_) => None,
        }
    }
}

/// A step: on which day, what happens, and the write that records it.
#[derive(Debug, Clone, PartialEq)]
pub struct Step {
    /// A short name the scenario test refers to.
    pub name: &'static str,
    pub day: NaiveDate,
    /// What happened, in a line.
    pub story: &'static str,
    pub action: Action,
}

fn at(day: NaiveDate) -> prost_types::Timestamp {
    // Nine o'clock UTC is ten or eleven in Amsterdam: the same day there.
    timestamp(
        day.and_time(NaiveTime::from_hms_opt(9, 0, 0).expect("valid time"))
            .and_utc(),
    )
}

fn person_ref(person: Person) -> v1::PersonRef {
    let (year, month, day) = person.born;
    v1::PersonRef {
        bsn: person.bsn.to_owned(),
        display_name: person.name.to_owned(),
        birth_date: NaiveDate::from_ymd_opt(year, month, day).map(proto_date),
    }
}

/// Builds the steps; `base` is the first day (the scenario test uses Monday 2 March 2026).
#[derive(Debug)]
struct Builder {
    base: NaiveDate,
}

impl Builder {
    fn day(&self, offset: u64) -> NaiveDate {
        self.base + Days::new(offset)
    }

    fn context(
        &self,
        name: &str,
        day: NaiveDate,
        persons: &[Person],
        case: &str,
        note: &str,
    ) -> Option<v1::WriteContext> {
        Some(v1::WriteContext {
            idempotency_key: format!("scenario-{}-{name}", self.base),
            source_system: "rondom-demo".into(),
            gemeente_code: GEMEENTE.into(),
            persons: persons.iter().copied().map(person_ref).collect(),
            occurred_at: Some(at(day)),
            case_id: case.into(),
            note: note.into(),
        })
    }
}

/// One step as data: its name, its day counted from the first, what happened, and how its
/// write is made on that day.
struct StepSpec {
    name: &'static str,
    offset: u64,
    story: &'static str,
    action: fn(&Builder, NaiveDate) -> Action,
}

/// The family's instemming with a gecoördineerde aanpak for the four laws, with the
/// development partners of each law: every person as their age requires.
fn aanpak(day: NaiveDate) -> v1::StartAanpakRequest {
    let agrees = |person: Person, parent: bool| v1::AanpakPersoon {
        person: Some(person_ref(person)),
        zelf_ingestemd: true,
        ouder_ingestemd: parent,
        ingestemd_op: Some(proto_date(day)),
    };
    let laws = [
        rondom_domain::Pillar::Wmo,
        rondom_domain::Pillar::Jeugd,
        rondom_domain::Pillar::Participatie,
        rondom_domain::Pillar::Schuldhulp,
    ];
    v1::StartAanpakRequest {
        context: None,
        wetten: laws
            .iter()
            .map(|&law| v1::Pillar::from(law) as i32)
            .collect(),
        partners: laws
            .iter()
            .filter_map(|&law| rondom_domain::law::of(law))
            .map(|law| law.dev_partner.to_owned())
            .collect(),
        personen: vec![
            agrees(MOEDER, false),
            agrees(ZOON, true),
            agrees(OMA, false),
        ],
        uitzondering: None,
    }
}

/// The family the scenario is about.
const FAMILY: [Person; 3] = [MOEDER, ZOON, OMA];

/// The family scenario, as data.
const FAMILY_STEPS: &[StepSpec] = &[
    StepSpec {
        name: "signaal",
        offset: 0,
        story: "The wijkteam hears from Fatima that the rent is months behind.",
        action: |b, day| {
            Action::Signal(v1::PostSignalRequest {
                idempotency_key: format!("scenario-{}-signaal", b.base),
                source_system: "rondom-demo".into(),
                gemeente_code: GEMEENTE.into(),
                persons: FAMILY.iter().copied().map(person_ref).collect(),
                pillar: v1::Pillar::Schuldhulp as i32,
                kind: "betalingsachterstand".into(),
                urgency: v1::Urgency::High as i32,
                observed_at: Some(at(day)),
                summary: "Moeder vertelt over huurachterstand en brieven van de verhuurder.".into(),
            })
        },
    },
    StepSpec {
        name: "vroegsignaal",
        offset: 1,
        story: "The housing corporation's early-warning signal arrives: three months of rent.",
        action: |b, day| {
            Action::Vroegsignaal(v1::ReceiveVroegsignaalRequest {
                context: b.context("vroegsignaal", day, &[MOEDER], CASE_SCHULD, ""),
                vroegsignaal: Some(v1::Vroegsignaal {
                    schuldeiser: v1::Schuldeiser::Huur as i32,
                    achterstand_cent: 185_000,
                    achterstand_maanden: 3,
                }),
            })
        },
    },
    StepSpec {
        name: "wmo_melding",
        offset: 2,
        story: "Riet reports that she can no longer manage the household alone.",
        action: |b, day| {
            Action::WmoMelding(v1::ReceiveWmoMeldingRequest {
                context: b.context(
                    "wmo_melding",
                    day,
                    &[OMA, MOEDER],
                    CASE_WMO,
                    "Mantelzorg door dochter, die overbelast raakt.",
                ),
                melding: Some(v1::WmoMeldingOntvangen {
                    spoed: false,
                    mantelzorger_betrokken: true,
                }),
            })
        },
    },
    StepSpec {
        name: "buurman_melding",
        offset: 4,
        story: "A neighbour in another household reports a Wmo need of his own.",
        action: |b, day| {
            Action::WmoMelding(v1::ReceiveWmoMeldingRequest {
                context: b.context("buurman_melding", day, &[BUURMAN], "WMO-2026-015", ""),
                melding: Some(v1::WmoMeldingOntvangen {
                    spoed: false,
                    mantelzorger_betrokken: false,
                }),
            })
        },
    },
    StepSpec {
        name: "jeugd_hulpvraag",
        offset: 3,
        story: "The GP refers Daan for youth care.",
        action: |b, day| {
            Action::JeugdHulpvraag(v1::ReceiveJeugdHulpvraagRequest {
                context: b.context("jeugd_hulpvraag", day, &[ZOON, MOEDER], CASE_JEUGD, ""),
                hulpvraag: Some(v1::JeugdHulpvraagOntvangen {
                    verwijzer: v1::Verwijzer::Huisarts as i32,
                    voortzetting: false,
                }),
            })
        },
    },
    StepSpec {
        name: "jeugd_aanvraag",
        offset: 7,
        story: "Fatima applies for youth care for Daan.",
        action: |b, day| {
            Action::JeugdAanvraag(v1::ReceiveJeugdAanvraagRequest {
                context: b.context("jeugd_aanvraag", day, &[ZOON, MOEDER], CASE_JEUGD, ""),
                aanvraag: Some(v1::JeugdAanvraagOntvangen {
                    productcategorie: "45".into(),
                }),
            })
        },
    },
    StepSpec {
        name: "wmo_onderzoek",
        offset: 10,
        story: "The Wmo consultant starts the assessment at Riet's home.",
        action: |b, day| {
            Action::WmoOnderzoekGestart(v1::StartWmoOnderzoekRequest {
                context: b.context("wmo_onderzoek", day, &[OMA], CASE_WMO, ""),
                onderzoek: Some(v1::WmoOnderzoekGestart {
                    clientondersteuning_gewezen: true,
                }),
            })
        },
    },
    StepSpec {
        name: "aanmelding",
        offset: 17,
        story: "Fatima asks for debt help herself: the landlord has started eviction.",
        action: |b, day| {
            Action::Aanmelding(v1::ReceiveAanmeldingRequest {
                context: b.context("aanmelding", day, &[MOEDER], CASE_SCHULD, ""),
                aanmelding: Some(v1::SchuldAanmelding {
                    bedreigende_situatie: v1::BedreigendeSituatie::Huisuitzetting as i32,
                }),
            })
        },
    },
    StepSpec {
        name: "eerste_gesprek",
        offset: 22,
        story: "The debt counsellor holds the first conversation, on the last working day allowed.",
        action: |b, day| {
            Action::EersteGesprek(v1::HoldEersteGesprekRequest {
                context: b.context("eerste_gesprek", day, &[MOEDER], CASE_SCHULD, ""),
                gesprek: Some(v1::EersteGesprek {
                    hulpvraag_ingetrokken: false,
                }),
            })
        },
    },
    StepSpec {
        name: "regisseur",
        offset: 23,
        story: "With three laws involved, the wijkteam assigns one regisseur.",
        action: |_, _| {
            Action::Regisseur(v1::RegisseurToegewezen {
                regisseur_id: "mw-0412".into(),
                organisatie: "00000001234567890000".into(),
            })
        },
    },
    StepSpec {
        name: "aanpak",
        offset: 23,
        story: "Fatima, Daan (under 16: together with his mother) and Riet agree to a \
                gecoördineerde aanpak: the four laws and their providers may see each other's \
                status.",
        action: |_, day| Action::Aanpak(aanpak(day)),
    },
    StepSpec {
        name: "pw_aanvraag",
        offset: 24,
        story: "Fatima applies for bijstand as a single parent.",
        action: |b, day| {
            Action::PwAanvraag(v1::ReceivePwAanvraagRequest {
                context: b.context("pw_aanvraag", day, &[MOEDER, ZOON], CASE_PW, ""),
                aanvraag: Some(v1::PwAanvraagIngediend {
                    leefvorm: v1::Leefvorm::AlleenstaandeOuder as i32,
                }),
            })
        },
    },
    StepSpec {
        name: "gezinsplan",
        offset: 25,
        story: "Regisseur and family agree on one plan.",
        action: |_, day| {
            Action::Gezinsplan(v1::Gezinsplan {
                versie: 1,
                doelen: vec![
                    "financien_op_orde".into(),
                    "veilig_opgroeien".into(),
                    "zelfstandig_wonen".into(),
                ],
                pijlers: vec![
                    v1::Pillar::Wmo as i32,
                    v1::Pillar::Jeugd as i32,
                    v1::Pillar::Participatie as i32,
                    v1::Pillar::Schuldhulp as i32,
                ],
                evaluatiedatum: Some(proto_date(day + Days::new(90))),
                huishouden_akkoord: true,
            })
        },
    },
    StepSpec {
        name: "pw_opgeschort",
        offset: 28,
        story: "Werk & Inkomen asks for bank statements: the decision term is suspended.",
        action: |b, day| {
            Action::PwOpgeschort(v1::SuspendTermRequest {
                context: b.context("pw_opgeschort", day, &[MOEDER], CASE_PW, ""),
                opschorting: Some(v1::TermijnOpgeschort {
                    reden: v1::OpschortingReden::AanvullingGevraagd as i32,
                    hersteltermijn_einde: None,
                }),
            })
        },
    },
    StepSpec {
        name: "pw_hervat",
        offset: 38,
        story: "The statements arrive: the term runs again.",
        action: |b, day| {
            Action::PwHervat(v1::ResumeTermRequest {
                context: b.context("pw_hervat", day, &[MOEDER], CASE_PW, ""),
                hervatting: Some(v1::TermijnHervat {}),
            })
        },
    },
    StepSpec {
        name: "wmo_verslag",
        offset: 44,
        story: "The Wmo assessment is finished on its last day.",
        action: |b, day| {
            Action::WmoOnderzoekAfgerond(v1::FinishWmoOnderzoekRequest {
                context: b.context("wmo_verslag", day, &[OMA], CASE_WMO, ""),
                onderzoek: Some(v1::WmoOnderzoekAfgerond {
                    verslag_verzonden_op: Some(proto_date(day)),
                }),
            })
        },
    },
    StepSpec {
        name: "wmo_aanvraag",
        offset: 45,
        story: "Riet applies for help in the household.",
        action: |b, day| {
            Action::WmoAanvraag(v1::ReceiveWmoAanvraagRequest {
                context: b.context("wmo_aanvraag", day, &[OMA], CASE_WMO, ""),
                aanvraag: Some(v1::WmoAanvraagOntvangen {
                    productcategorie: "01".into(),
                    leveringsvorm: v1::Leveringsvorm::Zin as i32,
                }),
            })
        },
    },
    StepSpec {
        name: "jeugd_beschikking",
        offset: 49,
        story: "Daan is granted ambulant youth care.",
        action: |b, day| {
            Action::JeugdBeschikking(v1::IssueJeugdBeschikkingRequest {
                context: b.context("jeugd_beschikking", day, &[ZOON, MOEDER], CASE_JEUGD, ""),
                beschikking: Some(v1::JeugdBeschikkingAfgegeven {
                    besluit: v1::Besluit::Toegekend as i32,
                    productcategorie: "45".into(),
                    aanvraag_ontvangen_op: Some(proto_date(b.day(7))),
                    ingangsdatum: Some(proto_date(day)),
                    einddatum: Some(proto_date(day + Days::new(365))),
                }),
            })
        },
    },
    StepSpec {
        name: "jeugdhulp_toegewezen",
        offset: 50,
        story: "The youth care provider is assigned.",
        action: |b, day| {
            Action::JeugdhulpToegewezen(v1::AssignJeugdhulpRequest {
                context: b.context("jeugdhulp_toegewezen", day, &[ZOON], CASE_JEUGD, ""),
                jeugdhulp: Some(v1::Jeugdhulp {
                    aanbieder_agb: "12345678".into(),
                    productcode: "45A48".into(),
                    begindatum: Some(proto_date(day + Days::new(3))),
                    ..v1::Jeugdhulp::default()
                }),
            })
        },
    },
    StepSpec {
        name: "pw_voorschot",
        offset: 52,
        story: "An advance on bijstand is paid on the last day of its term.",
        action: |b, day| {
            Action::PwVoorschot(v1::GrantVoorschotRequest {
                context: b.context("pw_voorschot", day, &[MOEDER], CASE_PW, ""),
                voorschot: Some(v1::PwVoorschotVerleend {
                    bedrag_cent: 95_000,
                }),
            })
        },
    },
    StepSpec {
        name: "jeugdhulp_gestart",
        offset: 53,
        story: "Daan's youth care starts.",
        action: |b, day| {
            Action::JeugdhulpGestart(v1::StartJeugdhulpRequest {
                context: b.context("jeugdhulp_gestart", day, &[ZOON], CASE_JEUGD, ""),
                jeugdhulp: Some(v1::Jeugdhulp {
                    aanbieder_agb: "12345678".into(),
                    productcode: "45A48".into(),
                    begindatum: Some(proto_date(day)),
                    ..v1::Jeugdhulp::default()
                }),
            })
        },
    },
    StepSpec {
        name: "wmo_beschikking",
        offset: 58,
        story: "Riet is granted help in the household.",
        action: |b, day| {
            Action::WmoBeschikking(v1::IssueWmoBeschikkingRequest {
                context: b.context("wmo_beschikking", day, &[OMA], CASE_WMO, ""),
                beschikking: Some(v1::WmoBeschikkingAfgegeven {
                    besluit: v1::Besluit::Toegekend as i32,
                    productcategorie: "01".into(),
                    leveringsvorm: v1::Leveringsvorm::Zin as i32,
                    aanvraag_ontvangen_op: Some(proto_date(b.day(45))),
                    ingangsdatum: Some(proto_date(day)),
                    einddatum: None,
                }),
            })
        },
    },
    StepSpec {
        name: "wmo_toewijzing",
        offset: 59,
        story: "The gemeente assigns Riet's home care to a provider.",
        action: |b, day| {
            Action::WmoVoorzieningToegewezen(v1::AssignWmoVoorzieningRequest {
                context: b.context("wmo_toewijzing", day, &[OMA], CASE_WMO, ""),
                voorziening: Some(v1::WmoVoorzieningToegewezen {
                    aanbieder_agb: "87654321".into(),
                    productcode: "01A01".into(),
                    begindatum: Some(proto_date(b.day(63))),
                    ..Default::default()
                }),
            })
        },
    },
    StepSpec {
        name: "wmo_voorziening",
        offset: 63,
        story: "A home-care provider starts at Riet's.",
        action: |b, day| {
            Action::WmoVoorzieningGestart(v1::StartWmoVoorzieningRequest {
                context: b.context("wmo_voorziening", day, &[OMA], CASE_WMO, ""),
                voorziening: Some(v1::WmoVoorzieningGestart {
                    aanbieder_agb: "87654321".into(),
                    productcode: "01A01".into(),
                    begindatum: Some(proto_date(day)),
                    ..Default::default()
                }),
            })
        },
    },
    StepSpec {
        name: "schuld_beschikking",
        offset: 65,
        story: "The plan van aanpak for the debts is set.",
        action: |b, day| {
            Action::SchuldBeschikking(v1::IssueSchuldBeschikkingRequest {
                context: b.context("schuld_beschikking", day, &[MOEDER], CASE_SCHULD, ""),
                beschikking: Some(v1::SchuldBeschikking {
                    besluit: v1::Besluit::Toegekend as i32,
                    eerste_gesprek_op: Some(proto_date(b.day(22))),
                    verwachte_duur_weken: 156,
                }),
            })
        },
    },
    StepSpec {
        name: "pw_besluit",
        offset: 71,
        story: "Bijstand is granted; no further advance is due.",
        action: |b, day| {
            Action::PwBesluit(v1::TakePwBesluitRequest {
                context: b.context("pw_besluit", day, &[MOEDER], CASE_PW, ""),
                besluit: Some(v1::PwBesluitGenomen {
                    besluit: v1::Besluit::Toegekend as i32,
                    aanvraag_ingediend_op: Some(proto_date(b.day(24))),
                    ingangsdatum: Some(proto_date(b.day(24))),
                }),
            })
        },
    },
];

/// Returns the family scenario starting on `base` (best a Monday), in order.
pub fn family(base: NaiveDate) -> Vec<Step> {
    let builder = Builder { base };
    let mut steps: Vec<Step> = FAMILY_STEPS
        .iter()
        .map(|spec| {
            let day = builder.day(spec.offset);
            Step {
                name: spec.name,
                day,
                story: spec.story,
                action: (spec.action)(&builder, day),
            }
        })
        .collect();
    steps.sort_by_key(|step| step.day);
    steps
}

/// One connection per role the scenario writes and reads as: the wijkteam signals, each
/// law's back-office records the college's steps, the Wmo and jeugdhulp providers report the
/// care they were assigned, and the coordinator sets regie (reading the view for its expected
/// position, for purpose regie).
#[derive(Debug, Clone)]
pub struct Connections {
    pub wijkteam: Connection,
    pub wmo_backoffice: Connection,
    pub jeugd_backoffice: Connection,
    pub participatie_backoffice: Connection,
    pub schuldhulp_backoffice: Connection,
    pub wmo_provider: Connection,
    pub jeugd_provider: Connection,
    pub coordinator: Connection,
}

impl Connections {
    /// Returns connections over `channel` that call as the development clients of `tokens`.
    ///
    /// # Errors
    /// When a token holds characters a header cannot carry.
    pub fn from_dev_tokens(
        channel: &tonic::transport::Channel,
        tokens: &DevTokens,
    ) -> anyhow::Result<Self> {
        let connect = |client: DevClient| authed(channel.clone(), Some(tokens.token(client)));
        Ok(Self {
            wijkteam: connect(DevClient::Wijkteam)?,
            wmo_backoffice: connect(DevClient::BackOffice(rondom_domain::Pillar::Wmo))?,
            jeugd_backoffice: connect(DevClient::BackOffice(rondom_domain::Pillar::Jeugd))?,
            participatie_backoffice: connect(DevClient::BackOffice(
                rondom_domain::Pillar::Participatie,
            ))?,
            schuldhulp_backoffice: connect(DevClient::BackOffice(
                rondom_domain::Pillar::Schuldhulp,
            ))?,
            wmo_provider: connect(DevClient::Partner(rondom_domain::Pillar::Wmo))?,
            jeugd_provider: connect(DevClient::Partner(rondom_domain::Pillar::Jeugd))?,
            coordinator: connect(DevClient::Coordinator)?,
        })
    }
}

/// Runs scenario steps against a hub, one write each, every write as the role that makes it.
#[derive(Debug)]
pub struct Runner {
    signal: SignalServiceClient<Connection>,
    wmo: WmoServiceClient<Connection>,
    wmo_provider: WmoServiceClient<Connection>,
    jeugd: JeugdServiceClient<Connection>,
    jeugd_provider: JeugdServiceClient<Connection>,
    participatie: ParticipatieServiceClient<Connection>,
    schuldhulp: SchuldhulpServiceClient<Connection>,
    regie: RegieServiceClient<Connection>,
    household: HouseholdServiceClient<Connection>,
    /// Household id per primary person's BSN.
    households: HashMap<String, String>,
    base: Option<NaiveDate>,
    /// Highest position written, to read our own writes.
    pub position: u64,
}

impl Runner {
    /// Returns a runner that writes and reads over `connections`.
    pub fn new(connections: Connections) -> Self {
        Self {
            signal: SignalServiceClient::new(connections.wijkteam),
            wmo: WmoServiceClient::new(connections.wmo_backoffice),
            wmo_provider: WmoServiceClient::new(connections.wmo_provider),
            jeugd: JeugdServiceClient::new(connections.jeugd_backoffice),
            jeugd_provider: JeugdServiceClient::new(connections.jeugd_provider),
            participatie: ParticipatieServiceClient::new(connections.participatie_backoffice),
            schuldhulp: SchuldhulpServiceClient::new(connections.schuldhulp_backoffice),
            regie: RegieServiceClient::new(connections.coordinator.clone()),
            household: HouseholdServiceClient::new(connections.coordinator),
            households: HashMap::new(),
            base: None,
            position: 0,
        }
    }

    /// Returns the household id of the family (known after the first step).
    pub fn family_household(&self) -> Option<&str> {
        self.households.get(MOEDER.bsn).map(String::as_str)
    }

    /// Returns the household id of `person`, once a step named them first.
    pub fn household_of(&self, person: Person) -> Option<&str> {
        self.households.get(person.bsn).map(String::as_str)
    }

    /// Performs `step` and returns the hub's reply.
    ///
    /// # Errors
    /// The status the hub answered with.
    pub async fn run(&mut self, step: &Step) -> Result<v1::WriteResponse, tonic::Status> {
        let base = *self.base.get_or_insert(step.day);
        let (primary, reply) = match step.action.clone() {
            Action::Signal(request) => {
                let primary = request.persons.first().map(|p| p.bsn.clone());
                let reply = self.signal.post_signal(request).await?.into_inner();
                let reply = v1::WriteResponse {
                    event_id: reply.event_id,
                    household_id: reply.household_id,
                    position: reply.position,
                    duplicate: reply.duplicate,
                };
                (primary, reply)
            }
            Action::Regisseur(regisseur) => {
                let context = self.regie_context(step, base).await?;
                let reply = self
                    .regie
                    .assign_regisseur(v1::AssignRegisseurRequest {
                        context: Some(context),
                        regisseur: Some(regisseur),
                    })
                    .await?
                    .into_inner();
                (None, reply)
            }
            Action::Aanpak(mut aanpak) => {
                aanpak.context = Some(self.regie_context(step, base).await?);
                let reply = self.regie.start_aanpak(aanpak).await?.into_inner();
                (None, reply)
            }
            Action::Gezinsplan(plan) => {
                let context = self.regie_context(step, base).await?;
                let reply = self
                    .regie
                    .set_gezinsplan(v1::SetGezinsplanRequest {
                        context: Some(context),
                        plan: Some(plan),
                    })
                    .await?
                    .into_inner();
                (None, reply)
            }
            action => self.pillar(action).await?,
        };
        if let Some(primary) = primary {
            self.households
                .entry(primary)
                .or_insert_with(|| reply.household_id.clone());
        }
        self.position = self.position.max(reply.position);
        Ok(reply)
    }

    async fn pillar(
        &mut self,
        action: Action,
    ) -> Result<(Option<String>, v1::WriteResponse), tonic::Status> {
        let primary = action
            .context()
            .and_then(|context| context.persons.first())
            .map(|person| person.bsn.clone());
        let reply = match action {
            Action::WmoMelding(r) => self.wmo.receive_melding(r).await?,
            Action::WmoOnderzoekGestart(r) => self.wmo.start_onderzoek(r).await?,
            Action::WmoOnderzoekAfgerond(r) => self.wmo.finish_onderzoek(r).await?,
            Action::WmoAanvraag(r) => self.wmo.receive_aanvraag(r).await?,
            Action::WmoBeschikking(r) => self.wmo.issue_beschikking(r).await?,
            Action::WmoVoorzieningToegewezen(r) => self.wmo.assign_voorziening(r).await?,
            Action::WmoVoorzieningGestart(r) => self.wmo_provider.start_voorziening(r).await?,
            Action::JeugdHulpvraag(r) => self.jeugd.receive_hulpvraag(r).await?,
            Action::JeugdAanvraag(r) => self.jeugd.receive_aanvraag(r).await?,
            Action::JeugdBeschikking(r) => self.jeugd.issue_beschikking(r).await?,
            Action::JeugdhulpToegewezen(r) => self.jeugd.assign_jeugdhulp(r).await?,
            Action::JeugdhulpGestart(r) => self.jeugd_provider.start_jeugdhulp(r).await?,
            Action::PwAanvraag(r) => self.participatie.receive_aanvraag(r).await?,
            Action::PwOpgeschort(r) => self.participatie.suspend_term(r).await?,
            Action::PwHervat(r) => self.participatie.resume_term(r).await?,
            Action::PwVoorschot(r) => self.participatie.grant_voorschot(r).await?,
            Action::PwBesluit(r) => self.participatie.take_besluit(r).await?,
            Action::Vroegsignaal(r) => self.schuldhulp.receive_vroegsignaal(r).await?,
            Action::Aanmelding(r) => self.schuldhulp.receive_aanmelding(r).await?,
            Action::EersteGesprek(r) => self.schuldhulp.hold_eerste_gesprek(r).await?,
            Action::SchuldBeschikking(r) => self.schuldhulp.issue_beschikking(r).await?,
            Action::Signal(_)
            | Action::Regisseur(_)
            | Action::Gezinsplan(_)
            | Action::Aanpak(_) => {
                unreachable!("handled by Runner::run")
            }
        };
        Ok((primary, reply.into_inner()))
    }

    /// A regie write is based on the family's view as it stands after our last write.
    async fn regie_context(
        &mut self,
        step: &Step,
        base: NaiveDate,
    ) -> Result<v1::RegieContext, tonic::Status> {
        let household_id = self
            .family_household()
            .ok_or_else(|| tonic::Status::failed_precondition("the family has no household yet"))?
            .to_owned();
        let view = self
            .household
            .get_household(v1::GetHouseholdRequest {
                key: Some(v1::get_household_request::Key::HouseholdId(
                    household_id.clone(),
                )),
                min_position: self.position,
                as_of: None,
                purpose: v1::Purpose::Regie as i32,
                on_behalf_of: String::new(),
            })
            .await?
            .into_inner();
        let expected_position = view
            .household
            .map_or(0, |household| household.last_position);
        Ok(v1::RegieContext {
            idempotency_key: format!("scenario-{base}-{}", step.name),
            source_system: "rondom-demo".into(),
            household_id,
            expected_position,
            occurred_at: Some(at(step.day)),
            note: String::new(),
        })
    }
}
