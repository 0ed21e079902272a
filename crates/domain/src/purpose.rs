//! Why a reader reads (doelbinding): every read states a purpose, and it is audited with it.
//! Which role may read for which purpose is the access policy's
//! (`Purpose::allowed_for`); which purpose is a law's task, the law registry's.

use std::fmt;
use std::str::FromStr;

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
#[error(
    "unknown purpose {0:?}; one of regie, uitvoering_wmo, uitvoering_jeugdwet, schuldhulpverlening, bijstandsverlening, beheer"
)]
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
