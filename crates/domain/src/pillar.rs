//! The pillars: the four laws of the sociaal domein, the wijkteam, and regie.

use std::fmt;
use std::str::FromStr;

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
}
