//! What every adapter shares. A write is checked field by field ([`Check`]), then
//! [`EventWriter`] pseudonymises its persons, resolves their household (or takes the one a
//! regie write names, conditionally on its last position), seals every BSN, name and free
//! text with the household's key, and publishes one CloudEvent on `RONDOM_EVENTS`. The
//! sender gets its reply only after JetStream acknowledged the event.
//!
//! # Layout
//! - [`check`] — [`Check`]: field violations of a context and its typed payload, all at once
//! - [`writer`] — [`EventWriter`] and [`Draft`]: from a checked write to an acknowledged event
//! - [`pillar`] — [`PillarWriter`]: one call per RPC of a pillar service
//! - [`service`] — [`law_service!`]: a law's gRPC service as a table of RPCs and rules
//! - [`shared`] — the rules of the RPCs every law shares
//! - [`error`] — [`Error`] and its gRPC status

pub mod check;
pub mod error;
pub mod pillar;
pub mod service;
pub mod shared;
pub mod writer;

pub use check::Check;
pub use error::{Error, Result};
pub use pillar::{Named, PillarWriter, Place, split, toewijzing_kind};
pub use service::Reply;
pub use writer::{
    Assignment, Draft, DraftPerson, EventWriter, Membership, Sealing, Target, Written, seal_event,
};
