//! Who may see what (need-to-know, docs/domain.md) and for which purpose (doelbinding, AVG
//! art. 5(1)(b)). One table, [`POLICY`], decides per audience and need-to-know class how much
//! of an event a reader gets; partners see nothing of a household they are not involved in.
//! The gRPC layer and partner subscriptions apply it; nothing else decides visibility.

use std::fmt;

use crate::law::Pillar;
pub use crate::law::{Purpose, UnknownPurpose};

/// Who may see events of a kind (docs/domain.md, Need to know).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum NeedToKnow {
    /// Layer 0: the fact and its status, for every authorised partner of the household.
    Household,
    /// Layer 1: the pillar's own professionals.
    Pillar,
    /// Special-category (health) data: the pillar's own professionals, never shared onward.
    Health,
    /// Veilig Thuis and child protection: the regisseur and the directly involved only.
    Protected,
    /// In its law's lane: a vroegsignaal of payment arrears and what the gemeente does with
    /// it before the resident accepts help (Wgs art. 8b: only for making an offer). The law's
    /// back-office alone; not its providers, not the coordinator.
    Lane,
}

/// What a caller is, as its credentials say.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Role {
    /// A wijkteam system: posts signals, reads nothing.
    Wijkteam,
    /// A provider (aanbieder) working under one law: a jeugdhulp or Wmo provider, a
    /// re-integration company, a budget coach. It sees a household only while the gemeente
    /// involves it, and writes only about care it was assigned.
    Partner(Pillar),
    /// The gemeente's back-office for one law (the college): aanvragen, beschikkingen,
    /// toewijzingen, bezwaar. It sees its own law's facts of the households of its gemeenten.
    BackOffice(Pillar),
    /// A coordinator's application: the integral view of households in its gemeente.
    Coordinator,
    /// The municipality's operators: run the hub, read the audit log, no personal data.
    Operator,
}

impl fmt::Display for Role {
    /// `wijkteam`, `partner:jeugd`, `coordinator` or `operator`, as the audit log shows it.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Role::Wijkteam => f.write_str("wijkteam"),
            Role::Partner(pillar) => write!(f, "partner:{}", pillar.as_str()),
            Role::BackOffice(pillar) => write!(f, "backoffice:{}", pillar.as_str()),
            Role::Coordinator => f.write_str("coordinator"),
            Role::Operator => f.write_str("operator"),
        }
    }
}

/// How a reader stands to one event of one household.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Audience {
    /// A partner of the event's own pillar, involved with the household.
    OwnPillar,
    /// The back-office of the event's own pillar, of the household's gemeente.
    OwnBackOffice,
    /// A partner of another pillar, involved with the household.
    OtherPillar,
    /// The household's regisseur.
    Regisseur,
    /// A coordinator of the household's gemeente who is not its regisseur.
    Coordinator,
    /// Anyone else: wijkteam systems, operators, partners not involved.
    Outsider,
}

/// How much of an event a reader gets.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Sight {
    /// Nothing: the event is left out.
    Nothing,
    /// That it happened and the status it gives: pillar, kind, time, title, deadline status.
    /// No payload detail, no free text, no names.
    Status,
    /// Everything, including the payload and the sealed free text.
    Full,
}

use Audience::{Coordinator, OtherPillar, Outsider, OwnBackOffice, OwnPillar, Regisseur};
use NeedToKnow::{Health, Household, Lane, Pillar as PillarOnly, Protected};
use Sight::{Full, Nothing, Status};

/// The policy: for each audience and need-to-know class, the sight it gets.
pub const POLICY: &[(Audience, NeedToKnow, Sight)] = &[
    (OwnPillar, Household, Full),
    (OwnPillar, PillarOnly, Full),
    (OwnPillar, Health, Full),
    // Veilig Thuis and child protection: the directly involved (an involved partner of the
    // pillar) and the regisseur; a case-by-case decision for anyone else.
    (OwnPillar, Protected, Full),
    (OwnPillar, Lane, Nothing),
    (OwnBackOffice, Household, Full),
    (OwnBackOffice, PillarOnly, Full),
    (OwnBackOffice, Health, Full),
    (OwnBackOffice, Protected, Full),
    (OwnBackOffice, Lane, Full),
    // A schuldhulp partner sees that a jeugd trajectory exists, not its content.
    (OtherPillar, Household, Status),
    (OtherPillar, PillarOnly, Nothing),
    (OtherPillar, Health, Nothing),
    (OtherPillar, Protected, Nothing),
    (OtherPillar, Lane, Nothing),
    (Regisseur, Household, Full),
    (Regisseur, PillarOnly, Status),
    (Regisseur, Health, Status),
    (Regisseur, Protected, Full),
    (Regisseur, Lane, Nothing),
    (Coordinator, Household, Full),
    (Coordinator, PillarOnly, Status),
    (Coordinator, Health, Status),
    (Coordinator, Protected, Nothing),
    (Coordinator, Lane, Nothing),
    (Outsider, Household, Nothing),
    (Outsider, PillarOnly, Nothing),
    (Outsider, Health, Nothing),
    (Outsider, Protected, Nothing),
    (Outsider, Lane, Nothing),
];

/// What the policy needs to know about a reader and a household.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Standing {
    pub role: Role,
    /// The partner's organisation is involved with the household (a toewijzing to it, or a
    /// regisseur registering it).
    pub involved: bool,
    /// The coordinator is the household's regisseur.
    pub regisseur: bool,
    /// The coordinator or back-office serves the household's gemeente.
    pub same_gemeente: bool,
    /// The gecoördineerde aanpak this reader may see through, and the pillars whose facts it
    /// opens to it beyond its own lane; [`Shared::NONE`] without one.
    pub shared: Shared,
}

/// The pillars whose facts a gecoördineerde aanpak opens to a reader beyond its own lane.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub struct Shared {
    pillars: u16,
    /// The aanpak's id (the event id of `aanpak_gestart`) and whether it rests on the
    /// documented exception rather than instemming.
    aanpak: Option<(crate::EventId, bool)>,
}

impl Shared {
    /// No basis: every pillar in its own lane.
    pub const NONE: Self = Self {
        pillars: 0,
        aanpak: None,
    };

    /// The basis of the aanpak `id` opening `pillars`.
    pub fn by_aanpak(
        id: crate::EventId,
        exception: bool,
        pillars: impl IntoIterator<Item = Pillar>,
    ) -> Self {
        let pillars = pillars
            .into_iter()
            .fold(0, |bits, pillar| bits | (1 << pillar as u16));
        Self {
            pillars,
            aanpak: Some((id, exception)),
        }
    }

    /// Returns whether it opens the facts of `pillar`.
    pub fn opens(&self, pillar: Pillar) -> bool {
        self.pillars & (1 << pillar as u16) != 0
    }

    /// Returns whether it opens anything.
    pub fn any(&self) -> bool {
        self.pillars != 0
    }
}

/// The legal basis of one disclosure, as the audit log names it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Basis {
    /// The reader's own law: its back-office, or a provider the gemeente assigned.
    OwnTask(Pillar),
    /// The coordinator's own task: the wijkteam's signals and the regie itself.
    Regie,
    /// A gecoördineerde aanpak, with instemming or under the documented exception.
    Aanpak { id: crate::EventId, exception: bool },
    /// The person's own data, exported at their request (AVG art. 15 and 20).
    Inzage,
}

impl fmt::Display for Basis {
    /// `eigen-taak:jeugd`, `regie`, `aanpak:<id>:instemming` or `aanpak:<id>:uitzondering`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Basis::OwnTask(pillar) => write!(f, "eigen-taak:{}", pillar.as_str()),
            Basis::Regie => f.write_str("regie"),
            Basis::Inzage => f.write_str("inzage"),
            Basis::Aanpak { id, exception } => {
                let ground = if *exception {
                    "uitzondering"
                } else {
                    "instemming"
                };
                write!(f, "aanpak:{id}:{ground}")
            }
        }
    }
}

/// Returns whether `pillar` is one of the four laws (not the wijkteam's signals, not regie).
fn is_law(pillar: Pillar) -> bool {
    crate::law::of(pillar).is_some()
}

impl Standing {
    /// Returns the reader's audience for an event of `pillar`.
    pub fn audience(&self, pillar: Pillar) -> Audience {
        match self.role {
            Role::Partner(own) if self.involved && own == pillar => OwnPillar,
            Role::Partner(_) if self.involved => OtherPillar,
            Role::Coordinator if self.regisseur => Regisseur,
            Role::Coordinator if self.same_gemeente => Coordinator,
            // A back-office keeps to its own law: other laws' facts are not its to know.
            Role::BackOffice(own) if self.same_gemeente && own == pillar => OwnBackOffice,
            Role::Partner(_)
            | Role::BackOffice(_)
            | Role::Coordinator
            | Role::Wijkteam
            | Role::Operator => Outsider,
        }
    }

    /// Returns whether this reader may see anything of the household at all.
    pub fn reads_household(&self) -> bool {
        match self.role {
            Role::Partner(_) => self.involved,
            Role::Coordinator => self.regisseur || self.same_gemeente,
            Role::BackOffice(_) => self.same_gemeente,
            Role::Wijkteam | Role::Operator => false,
        }
    }

    /// Returns whether a law's fact of `pillar` leaves its lane to reach this reader: anything
    /// for a partner of another pillar, a law's facts for a coordinator. Only a basis opens
    /// that.
    pub fn crosses(&self, pillar: Pillar) -> bool {
        self.crosses_lane(pillar, false)
    }

    /// As [`Standing::crosses`], for a wijkteam's `signal` tagged with `pillar` too: the
    /// coordinator's own task, in no law's lane; a partner of another pillar still needs a
    /// basis.
    pub fn crosses_lane(&self, pillar: Pillar, signal: bool) -> bool {
        match self.audience(pillar) {
            OtherPillar => true,
            Regisseur | Coordinator => is_law(pillar) && !signal,
            OwnPillar | OwnBackOffice | Outsider => false,
        }
    }

    /// Returns how much of a law's event of `pillar` and `class` this reader gets: the
    /// policy's sight, where the fact stays in its lane or a basis opens its pillar.
    pub fn sight(&self, pillar: Pillar, class: NeedToKnow) -> Sight {
        self.sight_of(pillar, class, false)
    }

    /// As [`Standing::sight`], for a wijkteam's signal when `signal`.
    pub fn sight_of(&self, pillar: Pillar, class: NeedToKnow, signal: bool) -> Sight {
        if self.crosses_lane(pillar, signal) && !self.shared.opens(pillar) {
            return Nothing;
        }
        let audience = self.audience(pillar);
        POLICY
            .iter()
            .find(|(who, what, _)| *who == audience && *what == class)
            .map_or(Nothing, |(_, _, sight)| *sight)
    }

    /// Returns the legal basis on which this reader sees a fact of `pillar` (a wijkteam's
    /// signal when `signal`), meaningful where [`Standing::sight_of`] gives it something.
    pub fn basis(&self, pillar: Pillar, signal: bool) -> Basis {
        match self.shared.aanpak {
            Some((id, exception)) if self.crosses_lane(pillar, signal) => {
                Basis::Aanpak { id, exception }
            }
            _ if self.role == Role::Coordinator => Basis::Regie,
            _ => Basis::OwnTask(pillar),
        }
    }

    /// Returns the basis on which this reader knows a household as a whole (a worklist
    /// row): the aanpak when one opens it, else its own task.
    pub fn row_basis(&self) -> Basis {
        match (self.shared.aanpak, self.role) {
            (Some((id, exception)), _) if self.shared.any() => Basis::Aanpak { id, exception },
            (_, Role::Partner(own) | Role::BackOffice(own)) => Basis::OwnTask(own),
            _ => Basis::Regie,
        }
    }

    /// Returns this standing for the facts of one person, whom the basis does not cover:
    /// nothing of them crosses a lane.
    #[must_use]
    pub fn uncovered(self) -> Self {
        Self {
            shared: Shared::NONE,
            ..self
        }
    }
}

/// Who may read for which purpose.
impl Purpose {
    /// Returns whether `role` may read for this purpose: a partner only for its own law's
    /// task, a coordinator for regie, an operator for beheer.
    pub fn allowed_for(self, role: Role) -> bool {
        match (role, self) {
            (Role::Coordinator, Purpose::Regie) | (Role::Operator, Purpose::Beheer) => true,
            (Role::Partner(pillar) | Role::BackOffice(pillar), purpose) => {
                Some(purpose) == Purpose::of_pillar(pillar)
            }
            _ => false,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const CLASSES: [NeedToKnow; 5] = [Household, PillarOnly, Health, Protected, Lane];

    fn partner(pillar: Pillar, involved: bool) -> Standing {
        Standing {
            role: Role::Partner(pillar),
            involved,
            regisseur: false,
            same_gemeente: false,
            shared: Shared::NONE,
        }
    }

    /// An aanpak opening `pillars`.
    fn aanpak(pillars: &[Pillar]) -> Shared {
        Shared::by_aanpak(
            crate::EventId::from_bytes([0; 16]),
            false,
            pillars.iter().copied(),
        )
    }

    #[test]
    fn the_table_covers_every_audience_and_class_once() {
        for audience in [
            OwnPillar,
            OwnBackOffice,
            OtherPillar,
            Regisseur,
            Coordinator,
            Outsider,
        ] {
            for class in CLASSES {
                let rows = POLICY
                    .iter()
                    .filter(|(who, what, _)| *who == audience && *what == class)
                    .count();
                assert_eq!(rows, 1, "{audience:?} x {class:?}");
            }
        }
    }

    #[test]
    fn a_schuldhulp_partner_sees_that_jeugd_is_involved_not_what() {
        // Without a basis, jeugd stays in its lane.
        let alone = partner(Pillar::Schuldhulp, true);
        assert_eq!(alone.sight(Pillar::Jeugd, Household), Nothing);
        assert_eq!(alone.sight(Pillar::Schuldhulp, PillarOnly), Full);
        assert_eq!(
            alone.basis(Pillar::Schuldhulp, false),
            Basis::OwnTask(Pillar::Schuldhulp)
        );
        let schuld = Standing {
            shared: aanpak(&[Pillar::Schuldhulp, Pillar::Jeugd]),
            ..alone
        };
        assert_eq!(schuld.sight(Pillar::Jeugd, Household), Status);
        assert!(matches!(
            schuld.basis(Pillar::Jeugd, false),
            Basis::Aanpak { .. }
        ));
        assert_eq!(schuld.uncovered().sight(Pillar::Jeugd, Household), Nothing);
        assert_eq!(schuld.sight(Pillar::Wmo, Household), Nothing);
        assert_eq!(schuld.sight(Pillar::Jeugd, Health), Nothing);
        assert_eq!(schuld.sight(Pillar::Jeugd, Protected), Nothing);
        assert_eq!(schuld.sight(Pillar::Schuldhulp, PillarOnly), Full);
    }

    #[test]
    fn partners_see_nothing_of_households_they_do_not_work_with() {
        for class in CLASSES {
            assert_eq!(
                partner(Pillar::Jeugd, false).sight(Pillar::Jeugd, class),
                Nothing
            );
        }
    }

    #[test]
    fn protected_facts_reach_the_regisseur_and_the_directly_involved_only() {
        let coordinator = Standing {
            role: Role::Coordinator,
            involved: false,
            regisseur: false,
            same_gemeente: true,
            shared: aanpak(&[Pillar::Jeugd, Pillar::Wmo]),
        };
        assert_eq!(coordinator.sight(Pillar::Jeugd, Protected), Nothing);
        assert_eq!(coordinator.sight(Pillar::Jeugd, Household), Full);
        // Its own task needs no aanpak; a law's facts do.
        let alone = Standing {
            shared: Shared::NONE,
            ..coordinator
        };
        assert_eq!(alone.sight(Pillar::Wijkteam, Household), Full);
        assert_eq!(alone.basis(Pillar::Wijkteam, false), Basis::Regie);
        assert_eq!(alone.sight(Pillar::Jeugd, Household), Nothing);
        // The wijkteam's signal about a child is the coordinator's own, whatever it is tagged.
        assert_eq!(alone.sight_of(Pillar::Jeugd, Household, true), Full);
        assert_eq!(alone.basis(Pillar::Jeugd, true), Basis::Regie);
        let other = partner(Pillar::Schuldhulp, true);
        assert_eq!(other.sight_of(Pillar::Jeugd, Household, true), Nothing);
        let regisseur = Standing {
            regisseur: true,
            ..coordinator
        };
        assert_eq!(regisseur.sight(Pillar::Jeugd, Protected), Full);
        assert_eq!(
            partner(Pillar::Jeugd, true).sight(Pillar::Jeugd, Protected),
            Full
        );
        let elsewhere = Standing {
            same_gemeente: false,
            ..coordinator
        };
        assert_eq!(elsewhere.sight(Pillar::Wmo, Household), Nothing);
        for role in [Role::Wijkteam, Role::Operator] {
            let standing = Standing {
                role,
                involved: true,
                regisseur: false,
                same_gemeente: true,
                shared: aanpak(&[Pillar::Wmo]),
            };
            for class in CLASSES {
                assert_eq!(standing.sight(Pillar::Wmo, class), Nothing, "{role:?}");
            }
        }
    }

    #[test]
    fn a_vroegsignaal_is_for_the_schuldhulp_back_office_alone() {
        // Wgs art. 8b: the data of a vroegsignaal serve the offer of help only.
        let back_office = Standing {
            role: Role::BackOffice(Pillar::Schuldhulp),
            involved: false,
            regisseur: false,
            same_gemeente: true,
            shared: aanpak(&[Pillar::Schuldhulp]),
        };
        assert_eq!(back_office.sight(Pillar::Schuldhulp, Lane), Full);
        let regisseur = Standing {
            role: Role::Coordinator,
            regisseur: true,
            ..back_office
        };
        for standing in [
            regisseur,
            Standing {
                regisseur: false,
                ..regisseur
            },
            partner(Pillar::Schuldhulp, true),
            Standing {
                role: Role::BackOffice(Pillar::Wmo),
                ..back_office
            },
        ] {
            assert_eq!(
                standing.sight(Pillar::Schuldhulp, Lane),
                Nothing,
                "{standing:?}"
            );
        }
    }

    #[test]
    fn purposes_bind_to_roles() {
        assert!(Purpose::UitvoeringJeugdwet.allowed_for(Role::Partner(Pillar::Jeugd)));
        assert!(!Purpose::Regie.allowed_for(Role::Partner(Pillar::Jeugd)));
        assert!(!Purpose::Schuldhulpverlening.allowed_for(Role::Partner(Pillar::Jeugd)));
        assert!(Purpose::Regie.allowed_for(Role::Coordinator));
        assert!(Purpose::Beheer.allowed_for(Role::Operator));
        assert!(!Purpose::Beheer.allowed_for(Role::Coordinator));
        for purpose in Purpose::ALL {
            assert_eq!(purpose.as_str().parse::<Purpose>(), Ok(purpose));
            assert!(!purpose.allowed_for(Role::Wijkteam));
        }
    }
}
