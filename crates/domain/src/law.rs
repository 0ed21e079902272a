//! The registry of the laws. The pillars (the four laws of the sociaal domein, the wijkteam
//! and regie), the purposes a reader states (doelbinding), and for each law what the rest of
//! Rondom derives from it: authorization, purposes, deadlines, development credentials, help
//! texts and wire conversions. A new law is a variant of [`Pillar`] and of [`Purpose`] (each
//! at the end, in wire order) and a row of [`LAWS`], all in this file; then rows in the
//! catalogue and its adapter crate (docs/architecture.md, "Where a change goes").
//! Which role may read for which purpose is the access policy's (`Purpose::allowed_for`).

use std::fmt;
use std::str::FromStr;

use crate::deadline::RuleCode;

/// Where an event belongs. The wire name is used in subjects and CloudEvents types.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Pillar {
    /// The neighbourhood team, usually the first to notice.
    Wijkteam,
    /// Wet maatschappelijke ondersteuning 2015.
    Wmo,
    /// Jeugdwet.
    Jeugd,
    /// Participatiewet (bijstand, re-integratie).
    Participatie,
    /// Wet gemeentelijke schuldhulpverlening.
    Schuldhulp,
    /// Coordination around the household: regisseur, plan, composition.
    Regie,
}

impl Pillar {
    /// Every pillar, in wire order.
    pub const ALL: [Pillar; 6] = [
        Pillar::Wijkteam,
        Pillar::Wmo,
        Pillar::Jeugd,
        Pillar::Participatie,
        Pillar::Schuldhulp,
        Pillar::Regie,
    ];

    /// Returns the name used in subjects and types: `wijkteam`, `wmo`, ...
    pub fn as_str(self) -> &'static str {
        match self {
            Pillar::Wijkteam => "wijkteam",
            Pillar::Wmo => "wmo",
            Pillar::Jeugd => "jeugd",
            Pillar::Participatie => "participatie",
            Pillar::Schuldhulp => "schuldhulp",
            Pillar::Regie => "regie",
        }
    }

    /// Returns the name people read, e.g. `Wmo` or `Wijkteam`.
    pub fn label(self) -> &'static str {
        match self {
            Pillar::Wijkteam => "Wijkteam",
            Pillar::Wmo => "Wmo",
            Pillar::Jeugd => "Jeugd",
            Pillar::Participatie => "Participatie",
            Pillar::Schuldhulp => "Schuldhulp",
            Pillar::Regie => "Regie",
        }
    }

    /// Returns whether a wijkteam signal may be filed under this pillar. Regie events come
    /// from coordinators, not from signals.
    pub fn accepts_signals(self) -> bool {
        !matches!(self, Pillar::Regie)
    }
}

impl fmt::Display for Pillar {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The name is not one of the pillars.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown pillar {0:?}")]
pub struct UnknownPillar(pub String);

impl FromStr for Pillar {
    type Err = UnknownPillar;

    fn from_str(name: &str) -> Result<Self, Self::Err> {
        Pillar::ALL
            .into_iter()
            .find(|pillar| pillar.as_str() == name)
            .ok_or_else(|| UnknownPillar(name.to_owned()))
    }
}

/// Why a reader reads: every read states one (doelbinding), and it is audited with it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Purpose {
    /// Coordinating support around the household ("1 gezin, 1 plan, 1 regisseur").
    Regie,
    UitvoeringWmo,
    UitvoeringJeugdwet,
    Schuldhulpverlening,
    Bijstandsverlening,
    /// Running the hub: health, audit; never personal data.
    Beheer,
}

impl Purpose {
    /// Every purpose, in wire order.
    pub const ALL: [Purpose; 6] = [
        Purpose::Regie,
        Purpose::UitvoeringWmo,
        Purpose::UitvoeringJeugdwet,
        Purpose::Schuldhulpverlening,
        Purpose::Bijstandsverlening,
        Purpose::Beheer,
    ];

    /// Returns the wire name, e.g. `uitvoering_jeugdwet`.
    pub fn as_str(self) -> &'static str {
        match self {
            Purpose::Regie => "regie",
            Purpose::UitvoeringWmo => "uitvoering_wmo",
            Purpose::UitvoeringJeugdwet => "uitvoering_jeugdwet",
            Purpose::Schuldhulpverlening => "schuldhulpverlening",
            Purpose::Bijstandsverlening => "bijstandsverlening",
            Purpose::Beheer => "beheer",
        }
    }
}

impl fmt::Display for Purpose {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The text is not one of the purposes.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown purpose {0:?}; one of {names}", names = Purpose::ALL.map(Purpose::as_str).join(", "))]
pub struct UnknownPurpose(pub String);

impl FromStr for Purpose {
    type Err = UnknownPurpose;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        Purpose::ALL
            .into_iter()
            .find(|purpose| purpose.as_str() == text)
            .ok_or_else(|| UnknownPurpose(text.to_owned()))
    }
}

/// One law and what Rondom knows of it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Law {
    pub pillar: Pillar,
    /// The law's name, in Dutch.
    pub title: &'static str,
    /// The task a reader of this law states (doelbinding).
    pub purpose: Purpose,
    /// Its gRPC service, `rondom.v1.<Name>Service`.
    pub service: &'static str,
    /// What the service does and for whom, for help texts.
    pub serves: &'static str,
    /// The rule of its decision on an application: the term Awb 4:15 suspends.
    pub decision_rule: Option<RuleCode>,
    /// Other terms of the law that do not run while the application is incomplete by the
    /// applicant's doing (a suspension for AANVULLING_GEVRAAGD or VERTRAGING_AANVRAGER).
    pub stopped_by_applicant: &'static [RuleCode],
    /// Methods of its service a provider calls (about care assigned to it); the
    /// back-office calls the rest.
    pub provider_methods: &'static [&'static str],
    /// The organisation of its development partner (AGB, KvK or OIN): the provider of the
    /// demo family where it has one.
    pub dev_partner: &'static str,
}

/// The four laws, in pillar order.
pub const LAWS: [Law; 4] = [
    Law {
        pillar: Pillar::Wmo,
        title: "Wet maatschappelijke ondersteuning 2015",
        purpose: Purpose::UitvoeringWmo,
        service: "rondom.v1.WmoService",
        serves: "WmoService for Wmo back-offices and providers",
        decision_rule: Some(RuleCode::WmoBeschikking),
        stopped_by_applicant: &[],
        provider_methods: &["StartVoorziening", "StopVoorziening"],
        dev_partner: "87654321",
    },
    Law {
        pillar: Pillar::Jeugd,
        title: "Jeugdwet",
        purpose: Purpose::UitvoeringJeugdwet,
        service: "rondom.v1.JeugdService",
        serves: "JeugdService for Jeugdwet back-offices and providers",
        decision_rule: Some(RuleCode::JwBeschikking),
        stopped_by_applicant: &[],
        provider_methods: &["StartJeugdhulp", "EndJeugdhulp"],
        dev_partner: "12345678",
    },
    Law {
        pillar: Pillar::Participatie,
        title: "Participatiewet",
        purpose: Purpose::Bijstandsverlening,
        service: "rondom.v1.ParticipatieService",
        serves: "ParticipatieService for Werk & Inkomen",
        decision_rule: Some(RuleCode::PwBesluit),
        // Pw art. 52: no voorschot is due while the applicant keeps the application
        // incomplete.
        stopped_by_applicant: &[RuleCode::PwVoorschot],
        provider_methods: &[],
        dev_partner: "00000001002564440000",
    },
    Law {
        pillar: Pillar::Schuldhulp,
        title: "Wet gemeentelijke schuldhulpverlening",
        purpose: Purpose::Schuldhulpverlening,
        service: "rondom.v1.SchuldhulpService",
        serves: "SchuldhulpService for schuldhulpverlening and vroegsignalering",
        decision_rule: Some(RuleCode::ShvBeschikking),
        stopped_by_applicant: &[],
        provider_methods: &[],
        dev_partner: "41216593",
    },
];

/// The pillars of the laws, in pillar order.
pub const LAW_PILLARS: [Pillar; 4] = [
    LAWS[0].pillar,
    LAWS[1].pillar,
    LAWS[2].pillar,
    LAWS[3].pillar,
];

/// Returns the law of `pillar`; `None` for wijkteam and regie.
pub fn of(pillar: Pillar) -> Option<&'static Law> {
    LAWS.iter().find(|law| law.pillar == pillar)
}

/// Returns the law whose gRPC service is `service` (`rondom.v1.WmoService`).
pub fn by_service(service: &str) -> Option<&'static Law> {
    LAWS.iter().find(|law| law.service == service)
}

impl Law {
    /// Returns whether a provider calls `method` (a method name, `StartJeugdhulp`).
    pub fn provider_calls(&self, method: &str) -> bool {
        self.provider_methods.contains(&method)
    }
}

/// The task purpose of each law.
impl Purpose {
    /// Returns the task purpose of a law pillar.
    pub fn of_pillar(pillar: Pillar) -> Option<Purpose> {
        of(pillar).map(|law| law.purpose)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wire_names_round_trip() {
        for pillar in Pillar::ALL {
            assert_eq!(pillar.as_str().parse::<Pillar>(), Ok(pillar));
        }
        assert!("wgs".parse::<Pillar>().is_err());
    }

    #[test]
    fn regie_takes_no_signals() {
        assert!(!Pillar::Regie.accepts_signals());
        assert!(Pillar::Schuldhulp.accepts_signals());
    }

    #[test]
    fn every_law_is_found_by_its_pillar_and_service_and_its_decision_rule_is_known() {
        for law in &LAWS {
            assert_eq!(of(law.pillar), Some(law));
            assert_eq!(by_service(law.service), Some(law));
            if let Some(rule) = law.decision_rule {
                assert_eq!(rule.rule().code, rule, "{}", law.title);
            }
        }
        assert!(of(Pillar::Regie).is_none() && of(Pillar::Wijkteam).is_none());
    }
}
