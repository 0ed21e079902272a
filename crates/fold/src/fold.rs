//! How one event folds into a household's stored view and gives its timeline entry. Pure:
//! no I/O, so the fold is tested without a database. Members, signals and counts are kept
//! here; the pillar story (cases, deadlines, partners) is the `casework` module's.

use rondom_bus::ReceivedEvent;
use rondom_domain::bylaw::BylawTerms;
use rondom_domain::calendar::local_date;
use rondom_domain::catalogue::{self, NeedToKnow};
use rondom_domain::{Pillar, SignalKind};
use rondom_proto::convert::{datetime, pillar_from_proto};
use rondom_proto::v1;

use crate::casework;
use crate::model::{
    ClassCount, StoredHousehold, StoredMember, StoredTimelineEntry, earlier, later,
};

/// What folding one event produced besides the changed view.
#[derive(Debug, Clone, PartialEq)]
pub struct Folded {
    pub entry: StoredTimelineEntry,
    /// The household's personal data was erased: the store clears it from every entry.
    pub erased: bool,
}

/// Folds `received` into `household` (a default one for a new household). `bylaws` holds
/// the gemeente's own terms for the deadlines it starts.
pub fn fold(
    household: &mut StoredHousehold,
    received: &ReceivedEvent,
    bylaws: &BylawTerms,
) -> Folded {
    let event = &received.event;
    if household.gemeente_code.is_empty() {
        household.gemeente_code.clone_from(&event.gemeente_code);
    }
    // An erased household takes no members again: a write that raced its erasure (sealed
    // under the destroyed key) leaves nobody behind in it.
    if household.erasure.is_none() {
        members(household, received);
    }
    let erased = erase(household, received);
    renew_pseudonyms(household, event);
    let (title, class, urgency) = story(household, received, bylaws);
    count(household, received, class);
    let primary = primary_of(event).to_owned();
    let entry = StoredTimelineEntry {
        event_id: received.envelope.id.to_string(),
        occurred_at: event.occurred_at,
        pillar: event.pillar,
        kind: event.kind.clone(),
        source: received.envelope.source.to_string(),
        // A write that raced the erasure sealed its text under the destroyed key: it is kept
        // no more than the text before it (and a late-applied erasure clears the same).
        summary: if household.erasure.is_none() {
            event.summary.clone()
        } else {
            None
        },
        urgency,
        event_type: received.envelope.event_type.to_string(),
        title,
        need_to_know: v1::NeedToKnow::from(class) as i32,
        case_id: event.case_id.clone(),
        // A signal's payload is its urgency, which the entry holds already.
        payload: match &event.body {
            None | Some(v1::event::Body::SignalReceived(_)) => None,
            Some(body) => Some(v1::Event {
                body: Some(body.clone()),
                ..v1::Event::default()
            }),
        },
        rectified_by: 0,
        primary,
    };
    Folded { entry, erased }
}

/// The pseudonym of the person `event` is about (the first it names); "" for none.
pub fn primary_of(event: &v1::Event) -> &str {
    event
        .persons
        .iter()
        .find(|person| person.primary)
        .map_or("", |person| person.pseudonym.as_str())
}

/// Persons who join, leave, or are named anew.
fn members(household: &mut StoredHousehold, received: &ReceivedEvent) {
    for mention in &received.event.persons {
        let existing = household
            .members
            .iter()
            .position(|member| member.pseudonym == mention.pseudonym);
        match existing {
            Some(index) if mention.leaves_household => {
                household.members.remove(index);
            }
            _ if mention.leaves_household || !mention.household_member => {}
            // A name given anew replaces the one known, but not from a provider: it names
            // the persons of its own care as its own records have them, and has no say in
            // who the household's members are called (a coordinator's rectification did).
            Some(index) => {
                if mention.display_name_given
                    && !received
                        .event
                        .writer
                        .as_ref()
                        .is_some_and(v1::Writer::is_provider)
                {
                    household.members[index]
                        .identity
                        .clone_from(&mention.identity);
                }
            }
            None => household.members.push(StoredMember {
                pseudonym: mention.pseudonym.clone(),
                identity: mention.identity.clone(),
                joined_position: received.position,
            }),
        }
    }
}

/// Crypto-shredded: what was sealed is unreadable anyway; the members (their pseudonyms too)
/// and the sealed blobs go from the read model as well. Returns whether it was an erasure.
fn erase(household: &mut StoredHousehold, received: &ReceivedEvent) -> bool {
    let Some(v1::event::Body::HuishoudenGewist(gewist)) = &received.event.body else {
        return false;
    };
    household.members.clear();
    household.erasure = Some(v1::Erasure {
        reden: gewist.reden,
        at: Some(rondom_proto::convert::timestamp(received.envelope.time)),
        position: received.position,
    });
    true
}

/// The same persons under their new pseudonyms. Applying it twice changes nothing.
fn renew_pseudonyms(household: &mut StoredHousehold, event: &v1::Event) {
    let Some(v1::event::Body::PseudoniemenVernieuwd(renewed)) = &event.body else {
        return;
    };
    for change in &renewed.changes {
        if let Some(member) = household
            .members
            .iter_mut()
            .find(|member| member.pseudonym == change.oud)
        {
            member.pseudonym.clone_from(&change.nieuw);
        }
        for case in household
            .trajectories
            .iter_mut()
            .filter(|case| case.person == change.oud)
        {
            case.person.clone_from(&change.nieuw);
        }
        let covered = household
            .aanpakken
            .iter_mut()
            .flat_map(|aanpak| aanpak.persons.iter_mut())
            .map(|person| &mut person.pseudonym);
        let restricted = household
            .beperkingen
            .iter_mut()
            .map(|beperking| &mut beperking.pseudonym);
        let signals = household
            .open_signals
            .iter_mut()
            .map(|signal| &mut signal.person);
        let counted = household.counts.iter_mut().map(|count| &mut count.person);
        for pseudonym in covered
            .chain(restricted)
            .chain(signals)
            .chain(counted)
            .filter(|p| **p == change.oud)
        {
            pseudonym.clone_from(&change.nieuw);
        }
        if !household.renamed.contains(change) {
            household.renamed.push(change.clone());
        }
    }
}

/// Applies a signal or a case event; returns the entry's title, its need-to-know class and
/// its urgency.
fn story(
    household: &mut StoredHousehold,
    received: &ReceivedEvent,
    bylaws: &BylawTerms,
) -> (String, NeedToKnow, i32) {
    let event = &received.event;
    let pillar = pillar_from_proto(event.pillar);
    let occurred_on = event
        .occurred_at
        .as_ref()
        .and_then(datetime)
        .unwrap_or(received.envelope.time);
    let occurred_on = local_date(occurred_on);
    let unknown = || event.kind.replace('_', " ");
    let calm = v1::Urgency::Unspecified as i32;
    match (&event.body, pillar) {
        (Some(v1::event::Body::SignalReceived(signal)), _) => {
            household.open_signals.push(v1::OpenSignal {
                position: received.position,
                event_id: received.envelope.id.to_string(),
                pillar: event.pillar,
                kind: event.kind.clone(),
                urgency: signal.urgency,
                observed_at: event.occurred_at,
                person: primary_of(event).to_owned(),
            });
            let what = event
                .kind
                .parse::<SignalKind>()
                .map_or_else(|_| unknown(), |kind| kind.description().to_owned());
            let class = pillar.map_or(NeedToKnow::Protected, |pillar| {
                catalogue::class_of(pillar, &event.kind)
            });
            (format!("signaal: {what}"), class, signal.urgency)
        }
        (_, Some(pillar)) => {
            let Some(row) = catalogue::kind(pillar, &event.kind) else {
                // A kind this projector does not know (a newer version): keep it on the timeline.
                return (unknown(), catalogue::class_of(pillar, &event.kind), calm);
            };
            if pillar != Pillar::Regie
                && pillar != Pillar::Wijkteam
                && row.stage.is_some()
                && row.need_to_know != NeedToKnow::Lane
            {
                // The pillar moved a case: it took the household's signals up, they are part
                // of its case now. (A suspension or an objection does not; nor does a step in
                // the law's lane, which others may not learn of, not even by a signal going.)
                household
                    .open_signals
                    .retain(|signal| signal.pillar != event.pillar);
            }
            let effect = casework::apply(household, received, row, occurred_on, bylaws);
            let title = if effect.detail.is_empty() {
                row.title.to_owned()
            } else {
                format!("{}: {}", row.title, effect.detail.join(", "))
            };
            (title, row.need_to_know, calm)
        }
        (_, None) => (unknown(), NeedToKnow::Pillar, calm),
    }
}

/// Counts the event in its pillar and class, with when it happened.
fn count(household: &mut StoredHousehold, received: &ReceivedEvent, class: NeedToKnow) {
    let event = &received.event;
    household.first_activity_at = earlier(household.first_activity_at, event.occurred_at);
    household.last_activity_at = later(household.last_activity_at, event.occurred_at);
    household.last_position = received.position;
    household.event_count += 1;
    let need_to_know = v1::NeedToKnow::from(class) as i32;
    let signal = matches!(event.body, Some(v1::event::Body::SignalReceived(_)));
    // Signals have no case to judge them by: they are counted per person they are about.
    let person = if signal { primary_of(event) } else { "" };
    let index = household
        .counts
        .iter()
        .position(|c| {
            c.pillar == event.pillar
                && c.need_to_know == need_to_know
                && c.signal == signal
                && c.person == person
        })
        .unwrap_or_else(|| {
            household.counts.push(ClassCount {
                pillar: event.pillar,
                need_to_know,
                signal,
                person: person.to_owned(),
                ..ClassCount::default()
            });
            household.counts.len() - 1
        });
    let counted = &mut household.counts[index];
    counted.count += 1;
    counted.first_activity_at = earlier(counted.first_activity_at, event.occurred_at);
    counted.last_activity_at = later(counted.last_activity_at, event.occurred_at);
}

/// Returns the pillars with an open signal, a case that has not ended, or an open duty (an
/// objection against a refusal keeps its pillar active), in pillar order.
pub fn active_pillars(household: &StoredHousehold) -> Vec<i32> {
    let mut pillars: Vec<i32> = household
        .open_signals
        .iter()
        .map(|signal| signal.pillar)
        .chain(
            household
                .trajectories
                .iter()
                .filter(|trajectory| trajectory.stage != v1::TrajectoryState::Beeindigd as i32)
                .map(|trajectory| trajectory.pillar),
        )
        .chain(
            household
                .deadlines
                .iter()
                .filter(|deadline| deadline.is_actionable())
                .map(|deadline| deadline.pillar),
        )
        .collect();
    pillars.sort_unstable();
    pillars.dedup();
    pillars
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::DateTime;
    use prost_types::Timestamp;
    use rondom_bus::{Envelope, EventType};
    use rondom_domain::{EventId, HouseholdId, Pillar};

    fn received(
        position: u64,
        key: &str,
        pillar: Pillar,
        persons: Vec<v1::PersonMention>,
        at: i64,
    ) -> ReceivedEvent {
        let household = HouseholdId::from_bytes([1; 16]);
        ReceivedEvent {
            position,
            envelope: Envelope {
                id: EventId::derive(
                    "",
                    &"wt".parse().expect("source"),
                    &key.parse().expect("key"),
                ),
                source: "wt".parse().expect("source"),
                event_type: EventType::new(pillar, "eenzaamheid").expect("kind"),
                subject: household,
                time: DateTime::from_timestamp(at, 0).expect("time"),
                writer: String::new(),
            },
            event: v1::Event {
                household_id: household.to_string(),
                pillar: v1::Pillar::from(pillar) as i32,
                kind: "eenzaamheid".into(),
                occurred_at: Some(Timestamp {
                    seconds: at,
                    nanos: 0,
                }),
                gemeente_code: "0363".into(),
                persons,
                summary: None,
                case_id: String::new(),
                writer: None,
                detail: None,
                body: Some(v1::event::Body::SignalReceived(v1::SignalReceived {
                    urgency: v1::Urgency::High as i32,
                })),
            },
        }
    }

    fn mention(pseudonym: &str, member: bool, named: bool, tag: u8) -> v1::PersonMention {
        v1::PersonMention {
            pseudonym: pseudonym.into(),
            household_member: member,
            identity: Some(v1::Sealed {
                nonce: vec![tag],
                ciphertext: vec![tag],
            }),
            primary: false,
            display_name_given: named,
            leaves_household: false,
        }
    }

    /// A case's event on `day` (any date chrono holds) with `body`, at `seconds` since 1970.
    fn case_event(
        position: u64,
        pillar: Pillar,
        kind: &str,
        seconds: i64,
        body: v1::event::Body,
    ) -> ReceivedEvent {
        let mut event = received(position, &format!("e{position}"), pillar, Vec::new(), 0);
        event.envelope.event_type = EventType::new(pillar, kind).expect("kind");
        event.event.kind = kind.into();
        event.event.case_id = "C-1".into();
        event.event.occurred_at = Some(Timestamp { seconds, nanos: 0 });
        event.event.body = Some(body);
        event
    }

    proptest::proptest! {
        /// Whatever dates the bus carries, from chrono's first day to its last, the fold of a
        /// whole case (aanvraag, suspension, resumption, beschikking, objection, a late stop)
        /// finishes and the view still encodes. (The write path refuses such dates; a log, a
        /// restore or a forged message may still hold them.)
        #[test]
        fn the_fold_takes_any_date(
            days in proptest::collection::vec(
                (-262_000i32..262_000, 1u32..=12, 1u32..=31, -8_000_000_000_000i64..8_000_000_000_000),
                6,
            ),
        ) {
            let date = |index: usize| {
                let (year, month, day, _) = days[index];
                v1::Date { year, month: month as i32, day: day as i32 }
            };
            let at = |index: usize| days[index].3;
            let events = [
                case_event(1, Pillar::Wmo, "aanvraag_ontvangen", at(0),
                    v1::event::Body::WmoAanvraag(v1::WmoAanvraagOntvangen::default())),
                case_event(2, Pillar::Wmo, "termijn_opgeschort", at(1),
                    v1::event::Body::TermijnOpgeschort(v1::TermijnOpgeschort {
                        reden: 1,
                        ..v1::TermijnOpgeschort::default()
                    })),
                case_event(3, Pillar::Wmo, "termijn_hervat", at(2),
                    v1::event::Body::TermijnHervat(v1::TermijnHervat {})),
                case_event(4, Pillar::Wmo, "beschikking_afgegeven", at(3),
                    v1::event::Body::WmoBeschikking(v1::WmoBeschikkingAfgegeven {
                        besluit: 1,
                        aanvraag_ontvangen_op: Some(date(0)),
                        ingangsdatum: Some(date(1)),
                        einddatum: Some(date(2)),
                        ..Default::default()
                    })),
                case_event(5, Pillar::Wmo, "bezwaar_ontvangen", at(4),
                    v1::event::Body::BezwaarOntvangen(v1::BezwaarOntvangen {
                        bezwaartermijn_einde: Some(date(3)),
                        adviescommissie: true,
                    })),
                case_event(6, Pillar::Jeugd, "jeugdhulp_beeindigd", at(5),
                    v1::event::Body::Jeugdhulp(v1::Jeugdhulp {
                        aanbieder_agb: "12345678".into(),
                        begindatum: Some(date(4)),
                        einddatum: Some(date(5)),
                        ..Default::default()
                    })),
            ];
            let mut household = StoredHousehold::default();
            for event in &events {
                fold(&mut household, event, &BylawTerms::default());
            }
            let _ = prost::Message::encode_to_vec(&household);
            let _ = crate::assess::risk_flags(&household, chrono::NaiveDate::MAX);
            let _ = crate::assess::deadlines(&household, chrono::NaiveDate::MIN);
        }
    }

    #[test]
    fn a_provider_names_no_member_anew() {
        let by = |position: u64, role: &str, tag: u8| {
            let mut event = received(
                position,
                &format!("n{position}"),
                Pillar::Wmo,
                vec![mention("p1", true, true, tag)],
                100,
            );
            event.event.writer = Some(v1::Writer {
                client_id: "c".into(),
                role: role.into(),
                ..Default::default()
            });
            event
        };
        let mut household = StoredHousehold::default();
        for event in [by(1, "wijkteam", 1), by(2, "partner:wmo", 2)] {
            fold(&mut household, &event, &BylawTerms::default());
        }
        let identity = |household: &StoredHousehold| {
            household.members[0]
                .identity
                .as_ref()
                .map(|sealed| sealed.nonce.clone())
        };
        assert_eq!(
            identity(&household),
            Some(vec![1]),
            "the provider's name is not taken"
        );
        fold(
            &mut household,
            &by(3, "coordinator", 3),
            &BylawTerms::default(),
        );
        assert_eq!(identity(&household), Some(vec![3]), "a coordinator's is");
    }

    #[test]
    fn only_the_back_office_toewijzing_and_the_regisseur_start_an_involvement() {
        let toewijzing = |position, role: &str| {
            let mut event = received(
                position,
                &format!("t{position}"),
                Pillar::Jeugd,
                Vec::new(),
                100,
            );
            event.event.kind = "jeugdhulp_toegewezen".into();
            event.event.case_id = "JW-1".into();
            event.event.writer = Some(v1::Writer {
                client_id: "c".into(),
                role: role.into(),
                ..Default::default()
            });
            event.event.body = Some(v1::event::Body::Jeugdhulp(v1::Jeugdhulp {
                aanbieder_agb: "12345678".into(),
                ..Default::default()
            }));
            event
        };
        let mut household = StoredHousehold::default();
        // A toewijzing that did not come from the college (forged, or from before roles were
        // split): the provider it names is not involved by it.
        fold(
            &mut household,
            &toewijzing(1, "partner:jeugd"),
            &BylawTerms::default(),
        );
        assert!(household.partners.is_empty(), "{:?}", household.partners);
        fold(
            &mut household,
            &toewijzing(2, "backoffice:jeugd"),
            &BylawTerms::default(),
        );
        assert_eq!(
            household
                .partners
                .iter()
                .map(|p| (p.organisatie.as_str(), p.since_position))
                .collect::<Vec<_>>(),
            [("12345678", 2)]
        );
        let mut registration = received(3, "r", Pillar::Regie, Vec::new(), 100);
        registration.event.kind = "partner_betrokken".into();
        registration.event.writer = Some(v1::Writer {
            client_id: "c".into(),
            role: "wijkteam".into(),
            ..Default::default()
        });
        registration.event.body = Some(v1::event::Body::Partner(v1::Partner {
            organisatie: "41216593".into(),
            pillar: v1::Pillar::Schuldhulp as i32,
        }));
        fold(&mut household, &registration, &BylawTerms::default());
        assert_eq!(
            household.partners.len(),
            1,
            "a wijkteam system registers no partner"
        );
    }

    #[test]
    fn an_erased_household_takes_no_members_again() {
        let mut household = StoredHousehold::default();
        fold(
            &mut household,
            &received(1, "a", Pillar::Wmo, vec![mention("p1", true, true, 1)], 100),
            &BylawTerms::default(),
        );
        let mut erasure = received(2, "b", Pillar::Regie, Vec::new(), 150);
        erasure.event.body = Some(v1::event::Body::HuishoudenGewist(v1::HuishoudenGewist {
            reden: v1::ErasureReason::VerzoekBetrokkene as i32,
            gewist_door: "dev-operator".into(),
        }));
        let Folded { erased, .. } = fold(&mut household, &erasure, &BylawTerms::default());
        assert!(erased);
        assert!(household.members.is_empty());
        // A write that raced the erasure: sealed under the destroyed key, nobody stays and
        // its text is not kept.
        let mut raced = received(3, "c", Pillar::Wmo, vec![mention("p1", true, true, 3)], 200);
        raced.event.summary = Some(v1::Sealed {
            nonce: vec![1; 12],
            ciphertext: vec![2; 16],
        });
        let Folded { entry, .. } = fold(&mut household, &raced, &BylawTerms::default());
        assert!(household.members.is_empty());
        assert_eq!(entry.summary, None);
        assert_eq!(
            household.event_count, 3,
            "the event still counts as history"
        );
    }

    #[test]
    fn renewed_pseudonyms_replace_the_old_ones_once() {
        let mut household = StoredHousehold::default();
        let about = v1::PersonMention {
            primary: true,
            ..mention("p1", true, true, 1)
        };
        fold(
            &mut household,
            &received(
                1,
                "a",
                Pillar::Wmo,
                vec![about, mention("p2", true, true, 2)],
                100,
            ),
            &BylawTerms::default(),
        );
        let mut renewal = received(2, "b", Pillar::Regie, Vec::new(), 150);
        renewal.event.body = Some(v1::event::Body::PseudoniemenVernieuwd(
            v1::PseudoniemenVernieuwd {
                changes: vec![v1::PseudonymChange {
                    oud: "p1".into(),
                    nieuw: "q1".into(),
                }],
                key_id: "k2".into(),
            },
        ));
        fold(&mut household, &renewal, &BylawTerms::default());
        let pseudonyms: Vec<_> = household
            .members
            .iter()
            .map(|m| m.pseudonym.as_str())
            .collect();
        assert_eq!(pseudonyms, ["q1", "p2"]);
        // The first event was a signal about p1: it, and its count, are about q1 now, and an
        // entry that named p1 leads to q1.
        assert_eq!(household.open_signals[0].person, "q1");
        assert!(
            household
                .counts
                .iter()
                .any(|c| c.signal && c.person == "q1")
        );
        assert!(household.counts.iter().all(|c| c.person != "p1"));
        assert_eq!(household.current_pseudonym("p1"), "q1");
        assert_eq!(household.current_pseudonym("p2"), "p2");
        assert_eq!(
            household.members[0]
                .identity
                .as_ref()
                .map(|sealed| sealed.nonce.clone()),
            Some(vec![1]),
            "the same person, identity kept"
        );
        let (before, renamed) = (household.members.clone(), household.renamed.clone());
        fold(&mut household, &renewal, &BylawTerms::default());
        assert_eq!(
            household.members, before,
            "applying it again changes nothing"
        );
        assert_eq!(household.renamed, renamed);
    }

    fn members(household: &StoredHousehold) -> Vec<&str> {
        household
            .members
            .iter()
            .map(|member| member.pseudonym.as_str())
            .collect()
    }

    #[test]
    fn members_join_once_and_keep_their_latest_named_identity() {
        let mut household = StoredHousehold::default();
        fold(
            &mut household,
            &received(
                1,
                "a",
                Pillar::Wmo,
                vec![mention("p1", true, true, 1), mention("p2", false, true, 2)],
                100,
            ),
            &BylawTerms::default(),
        );
        assert_eq!(members(&household), ["p1"]);
        fold(
            &mut household,
            &received(
                2,
                "b",
                Pillar::Jeugd,
                vec![mention("p1", true, false, 3)],
                50,
            ),
            &BylawTerms::default(),
        );
        assert_eq!(members(&household), ["p1"], "known already");
        fold(
            &mut household,
            &received(
                3,
                "c",
                Pillar::Wmo,
                vec![mention("p1", true, true, 4), mention("p3", true, false, 5)],
                200,
            ),
            &BylawTerms::default(),
        );
        assert_eq!(members(&household), ["p1", "p3"]);

        assert_eq!(household.members.len(), 2);
        assert_eq!(
            household.members[0]
                .identity
                .as_ref()
                .map(|sealed| sealed.nonce.clone()),
            Some(vec![4])
        );
        assert_eq!(household.members[1].joined_position, 3);
        assert_eq!(household.event_count, 3);
        assert_eq!(household.last_position, 3);
        assert_eq!(household.first_activity_at.map(|at| at.seconds), Some(50));
        assert_eq!(household.last_activity_at.map(|at| at.seconds), Some(200));
        assert_eq!(
            active_pillars(&household),
            [v1::Pillar::Wmo as i32, v1::Pillar::Jeugd as i32]
        );
        assert_eq!(household.open_signals.len(), 3);
    }
}
