//! The pure fold: how each event changes a household's stored view, and how that view stands
//! on a given day. No I/O and no clock: the projector stores what this crate computes, and
//! every rule here is tested without NATS or sled.
//!
//! # Layout
//! - [`model`] — the stored household, timeline entry, trajectory and deadline
//! - [`mod@fold`] — one event into the view: members, signals, counts, the timeline entry
//! - `step` — one case event under way, and what the laws' rules share
//! - `casework` — what every case event does: deadlines met, lapsed and started, the case moved
//! - `law` — what each law's payloads add, one module per law (and the kinds they share)
//! - `deadlines` — deadlines started, met, lapsed, suspended and resumed
//! - `delivery` — a toewijzing, start or stop of care, corrected or withdrawn
//! - `involvement` — who is involved with a household, from where to where
//! - `verzoek` — a provider's requests (315, 317) and the gemeente's answer (319)
//! - [`basis`] — the gecoördineerde aanpak and objections: what may cross a law's lane
//! - [`assess`] — how a view stands on a day: deadline states, risk flags

pub mod assess;
pub mod basis;
mod casework;
mod deadlines;
mod delivery;
pub mod fold;
mod involvement;
mod law;
pub mod model;
mod step;
mod verzoek;

pub use fold::{Folded, active_pillars, fold, primary_of};

/// The version of what the fold stores. Raise it with a change that makes views folded
/// before it incomplete or wrong (a new stored field, a new rule): the projector then folds
/// the log again at its next start. 2: a case knows the person it is about; 3: whether it is
/// in its law's lane; 4: the gecoördineerde aanpak and objections; 5: no sealed text kept
/// from a write that raced its household's erasure; 6: the person a signal (and a timeline
/// entry) is about, so a signal crosses a lane only where the basis covers that person; no
/// law or case in the title of a composition change; 7: a stop message meets IJW-STOP by
/// when the hub received it, not by the date its sender put on it; a case's last update is
/// the latest of its events' dates, not the last one to arrive; a provider's write names no
/// member anew.
pub const VERSION: u32 = 7;
pub use model::{
    ClassCount, CoveredPerson, FormerPartner, StoredAanpak, StoredBeperking, StoredDeadline,
    StoredHousehold, StoredMember, StoredTimelineEntry, StoredTrajectory, date_of, day_number,
};
