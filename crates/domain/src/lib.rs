//! Pure domain types and rules of Rondom: the pillars of the sociaal domein, the signal
//! catalogue, BSN validation, person pseudonyms and the sealing of personal data.
//!
//! Nothing here does I/O: every rule can be tested on its own, and every other crate builds on
//! these types.
//!
//! # Layout
//! - [`law`] — the registry of the laws: pillars, purposes, and what derives from each law
//! - [`header`] — one validator for the header of every write
//! - [`bsn`] — the burgerservicenummer and its 11-proef
//! - [`free_text`] — text a person typed, which prints as its length only
//! - [`access`] — the need-to-know policy table and the purposes a read may state
//! - [`basis`] — who can agree to a gecoördineerde aanpak, the basis of sharing across laws
//! - [`bylaw`] — terms a gemeente sets itself, read from a TOML file
//! - [`catalogue`] — every event kind: title, need-to-know, stage, deadlines started and met
//! - [`calendar`] — working days and holidays of the Algemene termijnenwet
//! - [`deadline`] — the statutory deadline catalogue and its arithmetic
//! - [`pseudonym`] — HMAC-SHA256 pseudonyms of persons
//! - [`retention`] — how long personal data is kept, per pillar, and when a household is due
//! - [`seal`] — per-household data keys, AEAD sealing, key wrapping under a master key
//! - [`id`] — event, household and source identifiers
//! - [`signal`] — the signal catalogue and a validated [`Signal`]
//! - [`violation`] — field violations that make an input invalid
//! - [`code`] — forms of organisation, product and case codes
//! - [`write`] — the checked context of every pillar write
//!
//! # Example
//! ```
//! use rondom_domain::bsn::Bsn;
//! use rondom_domain::pseudonym::PseudonymKey;
//!
//! let bsn: Bsn = "123456782".parse().expect("passes the 11-proef");
//! let key = PseudonymKey::from_bytes([7; 32]);
//! assert_eq!(key.pseudonym(&bsn), key.pseudonym(&bsn));
//! assert_eq!(bsn.masked(), "*****6782");
//! ```

pub mod access;
pub mod basis;
pub mod bsn;
pub mod bylaw;
pub mod calendar;
pub mod catalogue;
pub mod code;
pub mod deadline;
pub mod free_text;
pub mod header;
pub mod id;
pub mod law;
pub mod pseudonym;
pub mod retention;
pub mod seal;
pub mod signal;
pub mod violation;
pub mod write;

pub use bsn::Bsn;
pub use free_text::FreeText;
pub use id::{EventId, GemeenteCode, HouseholdId, IdempotencyKey, SourceUrn};
pub use law::{Pillar, Purpose};
pub use pseudonym::{Pseudonym, PseudonymKey};
pub use signal::{PersonInput, Signal, SignalKind, SignalPerson, Urgency};
pub use violation::{FieldViolation, InvalidInput};
