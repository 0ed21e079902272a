//! The registry of the laws: for each of the four laws of the sociaal domein what the rest of
//! Rondom derives from it (authorization, purposes, deadlines, development credentials, help
//! texts). A law is added here, in the catalogue's rows, and in its adapter crate.

use crate::deadline::RuleCode;
use crate::pillar::Pillar;
use crate::purpose::Purpose;

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
    pub decision_rule: RuleCode,
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
        decision_rule: RuleCode::WmoBeschikking,
        provider_methods: &["StartVoorziening", "StopVoorziening"],
        dev_partner: "87654321",
    },
    Law {
        pillar: Pillar::Jeugd,
        title: "Jeugdwet",
        purpose: Purpose::UitvoeringJeugdwet,
        service: "rondom.v1.JeugdService",
        serves: "JeugdService for Jeugdwet back-offices and providers",
        decision_rule: RuleCode::JwBeschikking,
        provider_methods: &["StartJeugdhulp", "EndJeugdhulp"],
        dev_partner: "12345678",
    },
    Law {
        pillar: Pillar::Participatie,
        title: "Participatiewet",
        purpose: Purpose::Bijstandsverlening,
        service: "rondom.v1.ParticipatieService",
        serves: "ParticipatieService for Werk & Inkomen",
        decision_rule: RuleCode::PwBesluit,
        provider_methods: &[],
        dev_partner: "00000001002564440000",
    },
    Law {
        pillar: Pillar::Schuldhulp,
        title: "Wet gemeentelijke schuldhulpverlening",
        purpose: Purpose::Schuldhulpverlening,
        service: "rondom.v1.SchuldhulpService",
        serves: "SchuldhulpService for schuldhulpverlening and vroegsignalering",
        decision_rule: RuleCode::ShvBeschikking,
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
    fn every_law_is_found_by_its_pillar_and_service_and_has_a_decision_rule() {
        for law in &LAWS {
            assert_eq!(of(law.pillar), Some(law));
            assert_eq!(by_service(law.service), Some(law));
            assert_eq!(
                law.decision_rule.rule().code,
                law.decision_rule,
                "{}",
                law.title
            );
        }
        assert!(of(Pillar::Regie).is_none() && of(Pillar::Wijkteam).is_none());
    }
}
