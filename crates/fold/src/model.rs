//! The household view and timeline entries as stored in sled: what the fold writes and the
//! read side renders. Dates are day numbers (days from the common era) so the view stays small
//! and comparisons are integer ones.
//!
//! Personal data stays sealed here too: names and summaries are opened only when a reader
//! asks, so destroying a household's key also blinds every copy.

use chrono::{Datelike, NaiveDate};
use prost_types::Timestamp;
use rondom_proto::v1;

/// A household as the projector keeps it (sled tree `households`).
#[derive(Clone, PartialEq, prost::Message)]
pub struct StoredHousehold {
    #[prost(string, tag = "1")]
    pub gemeente_code: String,
    #[prost(message, repeated, tag = "2")]
    pub members: Vec<StoredMember>,
    #[prost(message, repeated, tag = "3")]
    pub open_signals: Vec<v1::OpenSignal>,
    #[prost(message, optional, tag = "4")]
    pub first_activity_at: Option<Timestamp>,
    #[prost(message, optional, tag = "5")]
    pub last_activity_at: Option<Timestamp>,
    #[prost(uint64, tag = "6")]
    pub last_position: u64,
    #[prost(uint64, tag = "7")]
    pub event_count: u64,
    #[prost(message, repeated, tag = "8")]
    pub trajectories: Vec<StoredTrajectory>,
    #[prost(message, repeated, tag = "9")]
    pub deadlines: Vec<StoredDeadline>,
    #[prost(message, optional, tag = "10")]
    pub regisseur: Option<v1::Regisseur>,
    #[prost(message, optional, tag = "11")]
    pub plan: Option<v1::GezinsplanStatus>,
    #[prost(message, repeated, tag = "12")]
    pub partners: Vec<v1::Involvement>,
    /// Involvements that ended, from where to where: an organisation sees what happened
    /// while it was involved, one entry per period.
    #[prost(message, repeated, tag = "13")]
    pub former_partners: Vec<FormerPartner>,
    /// Set once the household's key was destroyed.
    #[prost(message, optional, tag = "14")]
    pub erasure: Option<v1::Erasure>,
    /// How many events of each pillar and need-to-know class, and when: counts and activity
    /// are shown per reader from the classes it may see. Empty in views from before they
    /// were kept (a rebuild fills them).
    #[prost(message, repeated, tag = "15")]
    pub counts: Vec<ClassCount>,
    /// Positions of this household's events the fold could not apply (in the quarantine):
    /// while any is left, the view may lack what they said.
    #[prost(uint64, repeated, tag = "16")]
    pub quarantined: Vec<u64>,
    /// Every gecoördineerde aanpak, in the order they started: the basis of sharing facts
    /// across laws, position by position.
    #[prost(message, repeated, tag = "17")]
    pub aanpakken: Vec<StoredAanpak>,
    /// Objections and restrictions of processing per person (AVG art. 21, 18).
    #[prost(message, repeated, tag = "18")]
    pub beperkingen: Vec<StoredBeperking>,
    /// Every pseudonym renewal of the household, oldest first: a timeline entry keeps the
    /// pseudonym its event named, which this leads to the person's current one.
    #[prost(message, repeated, tag = "19")]
    pub renamed: Vec<v1::PseudonymChange>,
}

impl StoredHousehold {
    /// The current pseudonym of the person an earlier event named `pseudonym`.
    pub fn current_pseudonym<'a>(&'a self, pseudonym: &'a str) -> &'a str {
        self.renamed.iter().fold(pseudonym, |current, change| {
            if change.oud == current {
                change.nieuw.as_str()
            } else {
                current
            }
        })
    }
}

/// A gecoördineerde aanpak: from its start position to its end, the facts of `wetten` of the
/// persons it covers are shared with the coordinators and the `partners` it names.
#[derive(Clone, PartialEq, prost::Message)]
pub struct StoredAanpak {
    /// The event id of `aanpak_gestart`.
    #[prost(string, tag = "1")]
    pub aanpak_id: String,
    #[prost(uint64, tag = "2")]
    pub started_position: u64,
    /// Position of the event that ended it; 0 while it runs.
    #[prost(uint64, tag = "3")]
    pub ended_position: u64,
    /// `v1::Pillar`s.
    #[prost(int32, repeated, tag = "4")]
    pub wetten: Vec<i32>,
    #[prost(string, repeated, tag = "5")]
    pub partners: Vec<String>,
    /// It rests on the documented exception, not on instemming.
    #[prost(bool, tag = "6")]
    pub uitzondering: bool,
    /// The persons whose facts it shares: those who agreed (as their age requires) or, under
    /// the exception, every person concerned.
    #[prost(message, repeated, tag = "7")]
    pub persons: Vec<CoveredPerson>,
    #[prost(message, optional, tag = "8")]
    pub since: Option<Timestamp>,
}

/// A person an aanpak covers, until they withdraw their instemming.
#[derive(Clone, PartialEq, prost::Message)]
pub struct CoveredPerson {
    #[prost(string, tag = "1")]
    pub pseudonym: String,
    /// Position of the withdrawal; 0 while the instemming stands.
    #[prost(uint64, tag = "2")]
    pub withdrawn_position: u64,
}

/// A person's objection (AVG art. 21) or restriction (art. 18), from where to where.
#[derive(Clone, PartialEq, prost::Message)]
pub struct StoredBeperking {
    #[prost(string, tag = "1")]
    pub pseudonym: String,
    /// A `v1::BeperkingSoort`.
    #[prost(int32, tag = "2")]
    pub soort: i32,
    #[prost(uint64, tag = "3")]
    pub from_position: u64,
    /// Position of the event that lifted it; 0 while it stands.
    #[prost(uint64, tag = "4")]
    pub until_position: u64,
}

/// The events of one pillar and need-to-know class in a household.
#[derive(Clone, PartialEq, prost::Message)]
pub struct ClassCount {
    /// A `v1::Pillar`.
    #[prost(int32, tag = "1")]
    pub pillar: i32,
    /// A `v1::NeedToKnow`.
    #[prost(int32, tag = "2")]
    pub need_to_know: i32,
    #[prost(uint64, tag = "3")]
    pub count: u64,
    #[prost(message, optional, tag = "4")]
    pub first_activity_at: Option<Timestamp>,
    #[prost(message, optional, tag = "5")]
    pub last_activity_at: Option<Timestamp>,
    /// Counts a wijkteam's signals tagged with the pillar, not the law's own events: the
    /// coordinator's own task, in no law's lane.
    #[prost(bool, tag = "6")]
    pub signal: bool,
    /// For signals: the person they are about (pseudonym), counted apart per person, so a
    /// reader whose basis does not cover that person does not count them. Empty otherwise.
    #[prost(string, tag = "7")]
    pub person: String,
}

/// An organisation no longer involved with a household.
#[derive(Clone, PartialEq, prost::Message)]
pub struct FormerPartner {
    #[prost(string, tag = "1")]
    pub organisatie: String,
    /// A `v1::Pillar`.
    #[prost(int32, tag = "2")]
    pub pillar: i32,
    /// Stream position of the event that ended the involvement.
    #[prost(uint64, tag = "3")]
    pub ended_position: u64,
    /// Stream position of the write that started it (0 in views from before involvement had
    /// a start: from the beginning).
    #[prost(uint64, tag = "4")]
    pub started_position: u64,
}

/// A member: pseudonym plus their latest sealed identity.
#[derive(Clone, PartialEq, prost::Message)]
pub struct StoredMember {
    #[prost(string, tag = "1")]
    pub pseudonym: String,
    #[prost(message, optional, tag = "2")]
    pub identity: Option<v1::Sealed>,
    #[prost(uint64, tag = "3")]
    pub joined_position: u64,
}

/// One timeline entry (sled tree `timeline`, keyed by household and position).
#[derive(Clone, PartialEq, prost::Message)]
pub struct StoredTimelineEntry {
    #[prost(string, tag = "1")]
    pub event_id: String,
    #[prost(message, optional, tag = "2")]
    pub occurred_at: Option<Timestamp>,
    #[prost(int32, tag = "3")]
    pub pillar: i32,
    #[prost(string, tag = "4")]
    pub kind: String,
    #[prost(string, tag = "5")]
    pub source: String,
    #[prost(message, optional, tag = "6")]
    pub summary: Option<v1::Sealed>,
    #[prost(int32, tag = "7")]
    pub urgency: i32,
    #[prost(string, tag = "8")]
    pub event_type: String,
    /// One line for people, from the catalogue and the payload; no personal data.
    #[prost(string, tag = "9")]
    pub title: String,
    /// A `v1::NeedToKnow`.
    #[prost(int32, tag = "10")]
    pub need_to_know: i32,
    #[prost(string, tag = "11")]
    pub case_id: String,
    /// The event's payload (only `body`): codes and dates, its free text sealed apart.
    #[prost(message, optional, tag = "12")]
    pub payload: Option<v1::Event>,
    /// Position of the rectification that took this fact out of the view; 0 while it stands.
    #[prost(uint64, tag = "13")]
    pub rectified_by: u64,
    /// The person the event is about (the first it names), by their pseudonym in this
    /// household; empty for an event that names nobody. A signal, which has no case, crosses
    /// a lane only where the basis covers this person.
    #[prost(string, tag = "14")]
    pub primary: String,
}

/// Returns the later of two times (either may be missing).
pub fn later(current: Option<Timestamp>, candidate: Option<Timestamp>) -> Option<Timestamp> {
    match (current, candidate) {
        (Some(current), Some(candidate)) => Some(
            if (candidate.seconds, candidate.nanos) > (current.seconds, current.nanos) {
                candidate
            } else {
                current
            },
        ),
        (current, candidate) => current.or(candidate),
    }
}

/// Returns the earlier of two times (either may be missing).
pub fn earlier(current: Option<Timestamp>, candidate: Option<Timestamp>) -> Option<Timestamp> {
    match (current, candidate) {
        (Some(current), Some(candidate)) => Some(
            if (candidate.seconds, candidate.nanos) < (current.seconds, current.nanos) {
                candidate
            } else {
                current
            },
        ),
        (current, candidate) => current.or(candidate),
    }
}

/// One case of one pillar.
#[derive(Clone, PartialEq, prost::Message)]
pub struct StoredTrajectory {
    #[prost(int32, tag = "1")]
    pub pillar: i32,
    #[prost(string, tag = "2")]
    pub case_id: String,
    /// A `v1::TrajectoryState`.
    #[prost(int32, tag = "3")]
    pub stage: i32,
    #[prost(string, tag = "4")]
    pub last_kind: String,
    #[prost(message, optional, tag = "5")]
    pub opened_at: Option<Timestamp>,
    #[prost(message, optional, tag = "6")]
    pub updated_at: Option<Timestamp>,
    #[prost(string, repeated, tag = "7")]
    pub providers: Vec<String>,
    /// An event of the case is protected (child protection, Veilig Thuis).
    #[prost(bool, tag = "8")]
    pub protected: bool,
    /// The pseudonym of the person the case is about (the one the event that opened it
    /// names first): the case goes with them when they leave the household.
    #[prost(string, tag = "9")]
    pub person: String,
    /// Every event of the case so far is in its law's lane (a vroegsignaal and what follows
    /// it until the resident accepts help): the case itself is.
    #[prost(bool, tag = "10")]
    pub lane: bool,
}

impl StoredTrajectory {
    /// The need-to-know class of the case's existence (and of its deadlines, which tell what
    /// it is): protected when any of its events is, in its law's lane while all of them are,
    /// household-level otherwise.
    pub fn class(&self) -> rondom_domain::catalogue::NeedToKnow {
        use rondom_domain::catalogue::NeedToKnow;
        if self.protected {
            NeedToKnow::Protected
        } else if self.lane {
            NeedToKnow::Lane
        } else {
            NeedToKnow::Household
        }
    }
}

/// A deadline of one case. Open ones are judged against a day when read (on time, at risk,
/// overdue); closed ones keep how they closed.
#[derive(Clone, PartialEq, prost::Message)]
pub struct StoredDeadline {
    #[prost(string, tag = "1")]
    pub rule: String,
    #[prost(int32, tag = "2")]
    pub pillar: i32,
    #[prost(string, tag = "3")]
    pub case_id: String,
    /// Day numbers (days from the common era).
    #[prost(int32, tag = "4")]
    pub start: i32,
    #[prost(int32, tag = "5")]
    pub due: i32,
    /// A `v1::DeadlineStatus`: OPEN, MET, MET_LATE or LAPSED.
    #[prost(int32, tag = "6")]
    pub state: i32,
    #[prost(int32, tag = "7")]
    pub met_on: i32,
    #[prost(uint32, tag = "8")]
    pub suspended_days: u32,
    /// Day the suspension began; 0 when running.
    #[prost(int32, tag = "9")]
    pub suspended_since: i32,
    #[prost(uint64, tag = "10")]
    pub started_position: u64,
    #[prost(bool, tag = "11")]
    pub blocking: bool,
    /// A suspension that ends by itself (Awb 4:15 lid 1 onder a): suspended from the day after
    /// `suspension_from` up to and including `suspension_until`, whose days are counted in
    /// `suspended_days` already; 0 and 0 when there is none.
    #[prost(int32, tag = "12")]
    pub suspension_from: i32,
    #[prost(int32, tag = "13")]
    pub suspension_until: i32,
    /// Days added by adjourning the decision on an objection (Awb 7:10 lid 3 and 4).
    #[prost(uint32, tag = "14")]
    pub extended_days: u32,
    /// The one adjournment without the objector's consent (Awb 7:10 lid 3) was used.
    #[prost(bool, tag = "15")]
    pub adjourned: bool,
    /// A notice under Awb 4:14 made the decision due no earlier than this day; 0 for none.
    #[prost(int32, tag = "16")]
    pub postponed_to: i32,
}

impl StoredDeadline {
    /// Returns whether the deadline still runs (suspended ones included).
    pub fn is_open(&self) -> bool {
        self.state == v1::DeadlineStatus::Open as i32
    }

    /// Returns whether it is suspended on the day numbered `day`: open-ended, or within a
    /// suspension that ends by itself (Awb 4:15 lid 1 onder a).
    pub fn suspended_on(&self, day: i32) -> bool {
        self.suspended_since != 0 || (self.suspension_from < day && day <= self.suspension_until)
    }

    /// Returns whether it is open and belongs to this case of this pillar (case ids are the
    /// pillar's own, so two pillars may use the same one).
    pub fn open_in(&self, pillar: i32, case_id: &str) -> bool {
        self.is_open() && self.pillar == pillar && self.case_id == case_id
    }

    /// Returns whether it belongs in worklists: open, a duty (not a window), running.
    pub fn is_actionable(&self) -> bool {
        self.is_open() && !self.blocking && self.suspended_since == 0
    }
}

/// Returns the day number of `date`.
pub fn day_number(date: NaiveDate) -> i32 {
    date.num_days_from_ce()
}

/// Returns the date of a day number.
pub fn date_of(day: i32) -> NaiveDate {
    NaiveDate::from_num_days_from_ce_opt(day).unwrap_or(NaiveDate::MIN)
}
