//! Views rendered from what the reader may see. A household view, a timeline entry and a
//! subscription delivery are each built up from empty: a field is filled only by a rule that
//! names the sight it needs, and sealed personal data is opened only when that rule lets it
//! through. A field without a rule is never shown: the household view names every field (a
//! new one does not compile until it is given one), [`HOUSEHOLD_FIELDS`] and
//! [`ENTRY_FIELDS`] name every field the render may fill, and the tests fail on any other.

mod delivery;

use chrono::NaiveDate;
use prost::Message as _;
use rondom_domain::access::{Role, Sight, Standing};
use rondom_domain::catalogue::{self, NeedToKnow};
use rondom_domain::seal::{DataKey, Purpose, Sealed};
use rondom_domain::{Bsn, HouseholdId};
use rondom_fold::{StoredHousehold, StoredMember, StoredTimelineEntry, assess};
use rondom_proto::convert::pillar_from_proto;
use rondom_proto::v1;

use crate::disclosure::{Tally, class_of, general_title, sight};

pub use delivery::delivery;

/// Who a field of a view is shown to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Shown {
    /// Every reader of the household: that it exists and where, its members, its regisseur.
    ToReaders,
    /// Item by item, by the item's pillar and need-to-know class; figures derived from items
    /// (counts, activity, active pillars) come from the items the reader may see.
    PerItem,
    /// Coordinators only: it weighs every pillar together.
    ToCoordinators,
}

/// Every field of `rondom.v1.Household` the render fills, by protobuf tag, with its rule.
pub const HOUSEHOLD_FIELDS: &[(u32, &str, Shown)] = &[
    (1, "household_id", Shown::ToReaders),
    (2, "gemeente_code", Shown::ToReaders),
    (3, "members", Shown::ToReaders),
    (4, "active_pillars", Shown::PerItem),
    (5, "open_signals", Shown::PerItem),
    (6, "first_activity_at", Shown::PerItem),
    (7, "last_activity_at", Shown::PerItem),
    (8, "last_position", Shown::ToReaders),
    (9, "event_count", Shown::PerItem),
    (10, "trajectories", Shown::PerItem),
    (11, "deadlines", Shown::PerItem),
    (12, "regisseur", Shown::ToReaders),
    (13, "plan", Shown::PerItem),
    (14, "partners", Shown::PerItem),
    (15, "risk_flags", Shown::ToCoordinators),
    (16, "erasure", Shown::ToReaders),
    (17, "incomplete", Shown::ToReaders),
    // To a reader who sees through it (`Standing::shared`).
    (18, "aanpak", Shown::PerItem),
    // That a member objected is shown to every reader: what it restricts, to none.
    (19, "restricted", Shown::ToReaders),
];

/// Every field of `rondom.v1.TimelineEntry` the render fills, by protobuf tag, with the
/// sight it needs: under status that something happened, under full sight what.
pub const ENTRY_FIELDS: &[(u32, &str, Sight)] = &[
    (1, "position", Sight::Status),
    (2, "event_id", Sight::Status),
    (3, "occurred_at", Sight::Status),
    (4, "pillar", Sight::Status),
    (5, "kind", Sight::Status),
    // The sending system would name the provider.
    (6, "source", Sight::Full),
    (7, "summary", Sight::Full),
    (8, "urgency", Sight::Status),
    (9, "type", Sight::Status),
    // Under status the general title of the kind; under full sight with payload detail.
    (10, "title", Sight::Status),
    (11, "need_to_know", Sight::Status),
    (12, "case_id", Sight::Full),
    (13, "sight", Sight::Status),
    // The payload through the one redaction: under status only the kind's status fields.
    (14, "event", Sight::Status),
    // That the fact was wrong goes with it wherever it is shown.
    (15, "rectified_by", Sight::Status),
];

/// Renders the household `stored` (as [`crate::disclosure::visible`] left it for this
/// reader) for `standing`, judging deadlines on `as_of` and counting what it shows.
pub fn household(
    id: &HouseholdId,
    mut stored: StoredHousehold,
    standing: &Standing,
    key: Option<&DataKey>,
    as_of: NaiveDate,
    tally: &mut Tally,
) -> v1::Household {
    let sees = |pillar: i32, class: NeedToKnow| sight(standing, pillar, class);
    let aanpak = aanpak(&stored, standing);
    let restricted = rondom_fold::basis::any_restricted(&stored);
    // What is derived from the facts first; then the facts themselves move into the view.
    // From the facts `visible` left: a wijkteam signal tagged jeugd makes jeugd active for
    // the coordinator, a law's case only where a basis opens it.
    let active_pillars = rondom_fold::active_pillars(&stored);
    let trajectories = trajectories(&stored, standing, tally);
    let deadlines = deadlines(&stored, standing, as_of, tally);
    let risk_flags = if standing.role == Role::Coordinator {
        assess::risk_flags(&stored, as_of)
            .into_iter()
            .map(|flag| flag as i32)
            .collect()
    } else {
        Vec::new()
    };
    let members = stored
        .members
        .iter()
        .map(|stored| member(id, key, stored))
        .collect();
    let signals = std::mem::take(&mut stored.open_signals);
    let open_signals = open_signals(signals, &stored, standing, tally);
    let partners = stored
        .partners
        .into_iter()
        .filter(|partner| sees(partner.pillar, NeedToKnow::Pillar) >= Sight::Status)
        .collect();
    // What the plan says (its goals, and the laws it spans: that the household has to do
    // with them) goes only to a reader who sees regie's facts in full, as its timeline entry
    // does; its version, evaluation date and agreement are its status.
    let content = sees(v1::Pillar::Regie as i32, NeedToKnow::Household) >= Sight::Full;
    let plan = stored.plan.map(|plan| v1::GezinsplanStatus {
        doelen: if content { plan.doelen } else { Vec::new() },
        pijlers: if content { plan.pijlers } else { Vec::new() },
        ..plan
    });
    v1::Household {
        household_id: id.to_string(),
        gemeente_code: stored.gemeente_code,
        members,
        active_pillars,
        open_signals,
        first_activity_at: stored.first_activity_at,
        last_activity_at: stored.last_activity_at,
        last_position: stored.last_position,
        event_count: stored.event_count,
        trajectories,
        deadlines,
        regisseur: stored.regisseur,
        plan,
        partners,
        risk_flags,
        erasure: stored.erasure,
        incomplete: !stored.quarantined.is_empty(),
        aanpak,
        restricted,
    }
}

/// The open deadlines of the laws the reader sees at least at status, each counted.
fn deadlines(
    stored: &StoredHousehold,
    standing: &Standing,
    as_of: NaiveDate,
    tally: &mut Tally,
) -> Vec<v1::Deadline> {
    assess::deadlines(stored, as_of)
        .into_iter()
        .filter(|deadline| {
            let given = sight(standing, deadline.pillar, NeedToKnow::Pillar);
            tally.add(
                standing,
                (deadline.pillar, false),
                NeedToKnow::Pillar,
                given,
            );
            given >= Sight::Status
        })
        .collect()
}

/// The open wijkteam signals the reader sees at least at status (across a lane, where the
/// basis covers the person each is about), each counted under the basis it is seen by. The
/// person is named only to a reader who knows them (one of `stored`'s members).
fn open_signals(
    signals: Vec<v1::OpenSignal>,
    stored: &StoredHousehold,
    standing: &Standing,
    tally: &mut Tally,
) -> Vec<v1::OpenSignal> {
    signals
        .into_iter()
        .filter(|signal| {
            let class = class_of(signal.pillar, &signal.kind);
            let standing = crate::disclosure::for_person(*standing, stored, &signal.person);
            let given = crate::disclosure::signal_sight(&standing, signal.pillar, class, true);
            tally.add(&standing, (signal.pillar, true), class, given);
            given >= Sight::Status
        })
        .map(|mut signal| {
            if !stored
                .members
                .iter()
                .any(|member| member.pseudonym == signal.person)
            {
                signal.person.clear();
            }
            signal
        })
        .collect()
}

/// The aanpak in force, for a reader who sees through it.
fn aanpak(stored: &StoredHousehold, standing: &Standing) -> Option<v1::AanpakStatus> {
    let aanpak = rondom_fold::basis::running(stored).filter(|_| standing.shared.any())?;
    Some(v1::AanpakStatus {
        aanpak_id: aanpak.aanpak_id.clone(),
        wetten: aanpak.wetten.clone(),
        uitzondering: aanpak.uitzondering,
        since: aanpak.since,
    })
}

/// The household's cases: that one exists is household-level unless it is protected; what
/// it is about (its last kind) is that kind's class; its number and providers the pillar's.
fn trajectories(
    stored: &StoredHousehold,
    standing: &Standing,
    tally: &mut Tally,
) -> Vec<v1::Trajectory> {
    let mut shown = Vec::new();
    for trajectory in &stored.trajectories {
        let standing = crate::disclosure::for_person(*standing, stored, &trajectory.person);
        let sees = |pillar: i32, class: NeedToKnow| sight(&standing, pillar, class);
        let class = trajectory.class();
        let exists = sees(trajectory.pillar, class);
        tally.add(&standing, (trajectory.pillar, false), class, exists);
        if exists < Sight::Status {
            continue;
        }
        let mut rendered = v1::Trajectory {
            pillar: trajectory.pillar,
            state: trajectory.stage,
            opened_at: trajectory.opened_at,
            updated_at: trajectory.updated_at,
            protected: trajectory.protected,
            ..v1::Trajectory::default()
        };
        if sees(
            trajectory.pillar,
            class_of(trajectory.pillar, &trajectory.last_kind),
        ) > Sight::Nothing
        {
            rendered.last_kind.clone_from(&trajectory.last_kind);
        }
        if sees(trajectory.pillar, NeedToKnow::Pillar) > Sight::Nothing {
            rendered.case_id.clone_from(&trajectory.case_id);
            rendered.providers.clone_from(&trajectory.providers);
        }
        shown.push(rendered);
    }
    shown
}

/// A member as every reader of the household sees them: their name and a masked BSN.
fn member(household: &HouseholdId, key: Option<&DataKey>, member: &StoredMember) -> v1::Member {
    let identity = identity(household, key, member);
    let (display_name, bsn_masked) = match identity {
        Some(identity) => {
            let masked = identity
                .bsn
                .parse::<Bsn>()
                .map(|bsn| bsn.masked())
                .unwrap_or_default();
            (identity.display_name, masked)
        }
        None => (String::new(), String::new()),
    };
    v1::Member {
        pseudonym: member.pseudonym.clone(),
        display_name,
        bsn_masked,
        joined_position: member.joined_position,
    }
}

/// Opens a member's latest identity: BSN, name and birth date; `None` once the key is gone.
pub fn identity(
    household: &HouseholdId,
    key: Option<&DataKey>,
    member: &StoredMember,
) -> Option<v1::PersonIdentity> {
    key.zip(member.identity.clone())
        .and_then(|(key, sealed)| {
            key.open(household, Purpose::Identity, &Sealed::from(sealed))
                .ok()
        })
        .and_then(|bytes| v1::PersonIdentity::decode(bytes.as_slice()).ok())
}

/// Renders the timeline entry at `position` for `standing`; `None` when it may see nothing
/// of it. The note is opened only under full sight.
pub fn timeline_entry(
    household: &HouseholdId,
    key: Option<&DataKey>,
    position: u64,
    entry: StoredTimelineEntry,
    standing: &Standing,
    tally: &mut Tally,
) -> Option<v1::TimelineEntry> {
    let class = class_of(entry.pillar, &entry.kind);
    let signal = crate::disclosure::is_signal(entry.pillar, &entry.kind);
    let given = crate::disclosure::signal_sight(standing, entry.pillar, class, signal);
    tally.add(standing, (entry.pillar, signal), class, given);
    if given == Sight::Nothing {
        return None;
    }
    let event = entry
        .payload
        .and_then(|event| event.body)
        .and_then(|body| payload(body, entry.pillar, &entry.kind, standing, given));
    let mut shown = v1::TimelineEntry {
        position,
        event_id: entry.event_id,
        occurred_at: entry.occurred_at,
        pillar: entry.pillar,
        title: general_title(entry.pillar, &entry.kind),
        kind: entry.kind,
        urgency: entry.urgency,
        r#type: entry.event_type,
        need_to_know: entry.need_to_know,
        sight: v1::Sight::from(given) as i32,
        event,
        rectified_by: entry.rectified_by,
        ..v1::TimelineEntry::default()
    };
    if given == Sight::Full {
        shown.title = entry.title;
        shown.source = entry.source;
        shown.case_id = entry.case_id;
        shown.summary = opened_note(household, key, entry.summary);
    }
    Some(shown)
}

/// Renders the timeline entry at `position` for the person it is about, who may know all of
/// it (AVG art. 15): in full, its note opened, its payload whole.
pub fn entry_in_full(
    household: &HouseholdId,
    key: Option<&DataKey>,
    position: u64,
    entry: StoredTimelineEntry,
) -> v1::TimelineEntry {
    v1::TimelineEntry {
        position,
        event_id: entry.event_id,
        occurred_at: entry.occurred_at,
        pillar: entry.pillar,
        kind: entry.kind,
        urgency: entry.urgency,
        r#type: entry.event_type,
        need_to_know: entry.need_to_know,
        sight: v1::Sight::Full as i32,
        event: entry.payload,
        title: entry.title,
        source: entry.source,
        case_id: entry.case_id,
        summary: opened_note(household, key, entry.summary),
        rectified_by: entry.rectified_by,
    }
}

/// Opens an event's sealed note; empty when there is none or the key is gone.
fn opened_note(household: &HouseholdId, key: Option<&DataKey>, note: Option<v1::Sealed>) -> String {
    key.zip(note)
        .and_then(|(key, sealed)| {
            key.open(household, Purpose::Summary, &Sealed::from(sealed))
                .ok()
        })
        .and_then(|bytes| String::from_utf8(bytes).ok())
        .unwrap_or_default()
}

/// Returns what a reader of `standing`, with `given` sight of the event, sees of its payload
/// `body` (a kind `kind` of `pillar`): the one redaction of payloads, as an event with only
/// its body; `None` when nothing. A kind this version does not know (a newer one) shows its
/// payload only under full sight.
pub(crate) fn payload(
    body: v1::event::Body,
    pillar: i32,
    kind: &str,
    standing: &Standing,
    given: Sight,
) -> Option<v1::Event> {
    let row =
        pillar_from_proto(pillar).and_then(|pillar| Some((pillar, catalogue::kind(pillar, kind)?)));
    let body = match row {
        Some((pillar, row)) => {
            rondom_proto::payload::redact(row, body, |class| standing.sight(pillar, class))
        }
        None => (given == Sight::Full).then_some(body),
    }?;
    Some(v1::Event {
        body: Some(body),
        ..v1::Event::default()
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use rondom_domain::Pillar;

    /// The top-level field tags present in an encoded message.
    fn tags(bytes: &[u8]) -> Vec<u32> {
        fn varint(bytes: &[u8], at: &mut usize) -> u64 {
            let mut value = 0;
            for shift in (0..64).step_by(7) {
                let byte = bytes[*at];
                *at += 1;
                value |= u64::from(byte & 0x7f) << shift;
                if byte < 0x80 {
                    break;
                }
            }
            value
        }
        let mut found = Vec::new();
        let mut at = 0;
        while at < bytes.len() {
            let key = varint(bytes, &mut at);
            found.push(u32::try_from(key >> 3).expect("a tag"));
            match key & 7 {
                0 => {
                    varint(bytes, &mut at);
                }
                1 => at += 8,
                2 => at += usize::try_from(varint(bytes, &mut at)).expect("a length"),
                5 => at += 4,
                wire => panic!("wire type {wire}"),
            }
        }
        found.sort_unstable();
        found.dedup();
        found
    }

    fn at(seconds: i64) -> Option<prost_types::Timestamp> {
        Some(prost_types::Timestamp { seconds, nanos: 0 })
    }

    /// A household with every stored fact filled, in the Jeugd pillar.
    fn full_household(id: &HouseholdId, key: &DataKey) -> StoredHousehold {
        let jeugd = v1::Pillar::Jeugd as i32;
        let identity = v1::PersonIdentity {
            bsn: "111222333".into(),
            display_name: "Oma".into(),
            birth_date: None,
        };
        StoredHousehold {
            gemeente_code: "0363".into(),
            members: vec![StoredMember {
                pseudonym: "p".into(),
                identity: Some(
                    key.seal(id, Purpose::Identity, &identity.encode_to_vec())
                        .into(),
                ),
                joined_position: 1,
            }],
            open_signals: vec![v1::OpenSignal {
                pillar: jeugd,
                kind: "zorgen_opvoeding".into(),
                ..v1::OpenSignal::default()
            }],
            first_activity_at: at(1),
            last_activity_at: at(2),
            last_position: 9,
            event_count: 3,
            trajectories: vec![rondom_fold::StoredTrajectory {
                pillar: jeugd,
                case_id: "JZ-1".into(),
                stage: v1::TrajectoryState::Actief as i32,
                last_kind: "jeugdhulp_gestart".into(),
                opened_at: at(1),
                updated_at: at(2),
                providers: vec!["12345678".into()],
                protected: false,
                person: String::new(),
                lane: false,
            }],
            deadlines: vec![rondom_fold::StoredDeadline {
                rule: "JW-BESCHIKKING".into(),
                pillar: jeugd,
                case_id: "JZ-1".into(),
                state: v1::DeadlineStatus::Open as i32,
                start: 739_000,
                due: 739_050,
                ..rondom_fold::StoredDeadline::default()
            }],
            regisseur: Some(v1::Regisseur {
                regisseur_id: "mw-0412".into(),
                ..v1::Regisseur::default()
            }),
            plan: Some(v1::GezinsplanStatus {
                versie: 1,
                doelen: vec!["veilig_opgroeien".into()],
                pijlers: vec![jeugd],
                ..v1::GezinsplanStatus::default()
            }),
            partners: vec![v1::Involvement {
                organisatie: "12345678".into(),
                pillar: jeugd,
                case_id: "JZ-1".into(),
                since_position: 1,
            }],
            erasure: Some(v1::Erasure::default()),
            quarantined: vec![4],
            ..StoredHousehold::default()
        }
    }

    /// A reader of `role` under an aanpak that opens every pillar: these tests are about
    /// what each class and sight shows, the basis is `disclosure`'s.
    fn standing(role: Role) -> Standing {
        Standing {
            role,
            involved: matches!(role, Role::Partner(_)),
            regisseur: role == Role::Coordinator,
            same_gemeente: matches!(role, Role::Coordinator | Role::BackOffice(_)),
            shared: rondom_domain::access::Shared::by_aanpak(
                rondom_domain::EventId::from_bytes([1; 16]),
                false,
                Pillar::ALL,
            ),
        }
    }

    #[test]
    fn a_household_shows_only_fields_with_a_rule() {
        let id = HouseholdId::from_bytes([3; 16]);
        let key = DataKey::generate();
        let stored = full_household(&id, &key);
        let as_of = NaiveDate::from_ymd_opt(2026, 11, 30).expect("a date");
        let ruled = |allowed: &dyn Fn(Shown) -> bool| -> Vec<u32> {
            HOUSEHOLD_FIELDS
                .iter()
                .filter(|(_, _, shown)| allowed(*shown))
                .map(|(tag, _, _)| *tag)
                .collect()
        };
        for role in [
            Role::Coordinator,
            Role::Partner(Pillar::Jeugd),
            Role::BackOffice(Pillar::Jeugd),
            Role::Partner(Pillar::Wmo),
        ] {
            let mut tally = Tally::default();
            let view = household(
                &id,
                stored.clone(),
                &standing(role),
                Some(&key),
                as_of,
                &mut tally,
            );
            let shown = tags(&view.encode_to_vec());
            let allowed = ruled(&|rule| role == Role::Coordinator || rule != Shown::ToCoordinators);
            let unruled: Vec<_> = shown.iter().filter(|tag| !allowed.contains(tag)).collect();
            assert!(
                unruled.is_empty(),
                "{role}: fields {unruled:?} shown without a rule"
            );
        }
        // The coordinator sees every field the rules give it: the table is not too wide.
        let mut tally = Tally::default();
        let view = household(
            &id,
            stored,
            &standing(Role::Coordinator),
            Some(&key),
            as_of,
            &mut tally,
        );
        assert_eq!(view.members[0].display_name, "Oma");
        assert_eq!(view.members[0].bsn_masked, "*****2333");
        let plan = view.plan.expect("plan");
        assert_eq!(plan.doelen, ["veilig_opgroeien"]);
        assert_eq!(plan.pijlers, [v1::Pillar::Jeugd as i32]);
        assert_eq!(view.deadlines.len(), 1);
        assert_eq!(view.trajectories[0].case_id, "JZ-1");
    }

    #[test]
    fn another_law_sees_that_a_case_exists_not_what_it_is() {
        let id = HouseholdId::from_bytes([3; 16]);
        let key = DataKey::generate();
        let as_of = NaiveDate::from_ymd_opt(2026, 11, 30).expect("a date");
        let mut tally = Tally::default();
        let view = household(
            &id,
            full_household(&id, &key),
            &standing(Role::Partner(Pillar::Wmo)),
            Some(&key),
            as_of,
            &mut tally,
        );
        let case = &view.trajectories[0];
        assert!(
            case.case_id.is_empty() && case.providers.is_empty(),
            "{case:?}"
        );
        assert!(view.deadlines.is_empty() && view.partners.is_empty());
        assert!(view.risk_flags.is_empty());
        let plan = view.plan.expect("plan");
        assert!(
            plan.doelen.is_empty() && plan.pijlers.is_empty(),
            "{plan:?}"
        );
    }

    #[test]
    fn a_timeline_entry_shows_only_what_its_sight_allows() {
        let id = HouseholdId::from_bytes([3; 16]);
        let key = DataKey::generate();
        let entry = StoredTimelineEntry {
            event_id: "e".into(),
            occurred_at: at(1),
            pillar: v1::Pillar::Jeugd as i32,
            kind: "jeugdhulp_toegewezen".into(),
            source: "urn:jeugd:suite".into(),
            summary: Some(key.seal(&id, Purpose::Summary, b"moeder overbelast").into()),
            urgency: v1::Urgency::High as i32,
            event_type: "nl.rondom.jeugd.jeugdhulp_toegewezen".into(),
            title: "jeugdhulp toegewezen: aanbieder 12345678".into(),
            need_to_know: v1::NeedToKnow::Household as i32,
            case_id: "JZ-1".into(),
            payload: Some(v1::Event {
                body: Some(v1::event::Body::Jeugdhulp(v1::Jeugdhulp {
                    aanbieder_agb: "12345678".into(),
                    productcode: "45A01".into(),
                    ..v1::Jeugdhulp::default()
                })),
                ..v1::Event::default()
            }),
            rectified_by: 9,
            primary: String::new(),
        };
        let mut tally = Tally::default();
        // A partner of another law sees that it happened.
        let status = timeline_entry(
            &id,
            Some(&key),
            7,
            entry.clone(),
            &standing(Role::Partner(Pillar::Schuldhulp)),
            &mut tally,
        )
        .expect("status");
        let at_status: Vec<u32> = ENTRY_FIELDS
            .iter()
            .filter(|(_, _, sight)| *sight == Sight::Status)
            .map(|(tag, _, _)| *tag)
            .collect();
        let shown = tags(&status.encode_to_vec());
        assert!(shown.iter().all(|tag| at_status.contains(tag)), "{shown:?}");
        assert_eq!(status.title, "Jeugd: jeugdhulp toegewezen");
        assert!(status.summary.is_empty() && status.case_id.is_empty() && status.source.is_empty());
        // The kind has no status rendering: nothing of its payload.
        assert_eq!(status.event, None);
        // The involved partner of the law sees all of it, the note opened.
        let full = timeline_entry(
            &id,
            Some(&key),
            7,
            entry.clone(),
            &standing(Role::Partner(Pillar::Jeugd)),
            &mut tally,
        )
        .expect("full");
        let all: Vec<u32> = ENTRY_FIELDS.iter().map(|(tag, _, _)| *tag).collect();
        assert!(
            tags(&full.encode_to_vec())
                .iter()
                .all(|tag| all.contains(tag))
        );
        assert_eq!(full.summary, "moeder overbelast");
        assert_eq!(full.case_id, "JZ-1");
        let jeugdhulp = |entry: v1::TimelineEntry| match entry.event.and_then(|event| event.body) {
            Some(v1::event::Body::Jeugdhulp(jeugdhulp)) => jeugdhulp,
            other => panic!("no jeugdhulp: {other:?}"),
        };
        assert_eq!(jeugdhulp(full).productcode, "45A01");
        // The regisseur sees the household-level toewijzing in full, but not which care: the
        // catalogue classes its product code as health.
        let regisseur = timeline_entry(
            &id,
            Some(&key),
            7,
            entry.clone(),
            &standing(Role::Coordinator),
            &mut tally,
        )
        .expect("full");
        let seen = jeugdhulp(regisseur);
        assert_eq!(
            (seen.aanbieder_agb.as_str(), seen.productcode.as_str()),
            ("12345678", "")
        );
        // One disclosure per class, sight and basis: the jeugd provider's own task, the
        // schuldhulp provider and the regisseur through the aanpak.
        let bases: Vec<String> = tally
            .disclosures()
            .into_iter()
            .map(|disclosure| disclosure.basis)
            .collect();
        let aanpak = "aanpak:01010101-0101-0101-0101-010101010101:instemming";
        assert_eq!(bases, [aanpak, "eigen-taak:jeugd", aanpak]);
        // A protected kind is not shown to another law at all.
        let protected = StoredTimelineEntry {
            kind: "veilig_thuis_betrokken".into(),
            ..entry
        };
        let standing = standing(Role::Partner(Pillar::Schuldhulp));
        assert!(timeline_entry(&id, Some(&key), 8, protected, &standing, &mut tally).is_none());
    }
}
