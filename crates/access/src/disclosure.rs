//! What a reader may see of a household: its standing, worked out from the view (involvement
//! of its organisation, the regisseur, the gemeente), the facts of the household it may know
//! ([`visible`]), and the sight `rondom_domain::access::POLICY` gives it of each item. Reads
//! and subscriptions both go through here and through [`crate::render`], which fills views,
//! timeline entries and deliveries from these judgements; nothing else decides visibility.

use std::collections::BTreeMap;

use crate::clients::Client;
use rondom_domain::Pillar;
use rondom_domain::access::{Basis, Role, Shared, Sight, Standing};
use rondom_domain::catalogue::{self, NeedToKnow};
use rondom_proto::convert::pillar_from_proto;
use rondom_proto::v1;

use rondom_fold::StoredHousehold;

/// A reader: the authenticated client and the person it reads for.
#[derive(Debug, Clone, Copy)]
pub struct Reader<'a> {
    pub client: &'a Client,
    /// The staff id the calling application says it reads for: an annotation for the audit
    /// log only. Regisseur sight follows the client's own authenticated staff id.
    pub on_behalf_of: &'a str,
}

impl Reader<'_> {
    /// Returns the reader's standing toward `household` for what happened at `position`
    /// (`None`: the household as it is now). A partner whose involvement ended keeps its
    /// sight of what happened up to the end.
    pub fn standing(&self, household: &StoredHousehold, position: Option<u64>) -> Standing {
        let client = self.client;
        let serves = client.serves(&household.gemeente_code);
        // Involved now, whatever `position`: only a partner with a task in the household now
        // sees through a running aanpak.
        let since = self.involved_since(household);
        let involved = match (client.role, client.organisatie.as_deref()) {
            (Role::Partner(pillar), Some(organisatie)) => {
                let pillar = v1::Pillar::from(pillar) as i32;
                match position {
                    None => since.is_some(),
                    // What happened while it was involved, and nothing from before or after.
                    Some(position) => {
                        since.is_some_and(|since| since <= position)
                            || household.former_partners.iter().any(|former| {
                                former.organisatie == organisatie
                                    && former.pillar == pillar
                                    && (former.started_position..=former.ended_position)
                                        .contains(&position)
                            })
                    }
                }
            }
            _ => false,
        };
        // A back-office knows the households of its gemeenten where its own law has a case;
        // the others are not its business, not even that they exist.
        let same_gemeente = match client.role {
            Role::Coordinator => serves,
            Role::BackOffice(pillar) => {
                let pillar = v1::Pillar::from(pillar) as i32;
                serves
                    && (household.counts.iter().any(|c| c.pillar == pillar)
                        || household.trajectories.iter().any(|t| t.pillar == pillar)
                        || household.deadlines.iter().any(|d| d.pillar == pillar))
            }
            _ => false,
        };
        let regisseur = client.role == Role::Coordinator
            && serves
            && client.staff_id.as_deref().is_some_and(|staff_id| {
                household
                    .regisseur
                    .as_ref()
                    .is_some_and(|regisseur| regisseur.regisseur_id == staff_id)
            });
        let standing = Standing {
            role: client.role,
            involved,
            regisseur,
            same_gemeente,
            shared: Shared::NONE,
        };
        Standing {
            shared: self.shared(household, &standing, since.is_some()),
            ..standing
        }
    }

    /// For a partner involved with `household` now, the position from which it is (the
    /// earliest of its involvements); `None` for a partner that is not, or another reader.
    pub fn involved_since(&self, household: &StoredHousehold) -> Option<u64> {
        let (Role::Partner(pillar), Some(organisatie)) =
            (self.client.role, self.client.organisatie.as_deref())
        else {
            return None;
        };
        let pillar = v1::Pillar::from(pillar) as i32;
        household
            .partners
            .iter()
            .filter(|partner| partner.organisatie == organisatie && partner.pillar == pillar)
            .map(|partner| partner.since_position)
            .min()
    }

    /// What the running gecoördineerde aanpak opens to this reader: to the coordinators of
    /// the gemeente its laws; to a partner it names, whose own law it names, and that is
    /// involved now (and was when the fact happened), its laws and the wijkteam's and regie's
    /// facts. Nothing while it covers no one. A
    /// disclosure happens when a fact is read or sent, so the basis must hold then, whenever
    /// the fact happened; after it ends or is withdrawn, nothing crosses a lane any more.
    fn shared(
        &self,
        household: &StoredHousehold,
        standing: &Standing,
        involved_now: bool,
    ) -> Shared {
        let Some(aanpak) =
            rondom_fold::basis::running(household).filter(|aanpak| aanpak.covers_anyone(household))
        else {
            return Shared::NONE;
        };
        let Ok(id) = aanpak.aanpak_id.parse() else {
            return Shared::NONE;
        };
        let laws = aanpak
            .wetten
            .iter()
            .filter_map(|&law| pillar_from_proto(law));
        let opened = match (self.client.role, self.client.organisatie.as_deref()) {
            (Role::Coordinator, _) => standing.same_gemeente,
            // Involved now, not only when the fact happened: a partner whose task ended
            // sees its own law's facts of its time, and nothing across a lane any more.
            (Role::Partner(own), Some(organisatie)) => {
                standing.involved
                    && involved_now
                    && laws.clone().any(|law| law == own)
                    && aanpak.partners.iter().any(|partner| partner == organisatie)
            }
            _ => false,
        };
        if !opened {
            return Shared::NONE;
        }
        // A partner of another law sees the wijkteam's and the regie's facts through it too.
        let around = match self.client.role {
            Role::Partner(_) => [Pillar::Wijkteam, Pillar::Regie].as_slice(),
            _ => &[],
        };
        Shared::by_aanpak(id, aanpak.uitzondering, laws.chain(around.iter().copied()))
    }

    /// Returns the reader's standing toward the fact at `position` of the case `case_id` of
    /// `pillar`, or (for a fact of no case) about the person `primary`: as
    /// [`Reader::standing`], kept to the lanes where the basis does not cover its person.
    pub fn standing_about(
        &self,
        household: &StoredHousehold,
        position: u64,
        pillar: i32,
        case_id: &str,
        primary: &str,
    ) -> Standing {
        let standing = self.standing(household, Some(position));
        let person = match person_of_case(household, pillar, case_id) {
            "" => primary,
            person => person,
        };
        for_person(standing, household, person)
    }

    /// Returns the household as this reader, of `standing` (its standing now), may know it
    /// ([`visible`]), with the persons it needs: a provider involved through its toewijzingen knows the
    /// persons those cases are about, not the other members; a partner the regisseur
    /// registered for the household knows its members. `None` when it may know nothing.
    pub fn known(
        &self,
        household: &StoredHousehold,
        standing: &Standing,
    ) -> Option<StoredHousehold> {
        let mut known = visible(household, standing)?;
        if let Some(persons) = self.persons_for(household, standing) {
            known
                .members
                .retain(|member| persons.contains(&member.pseudonym));
        }
        Some(known)
    }

    /// The pseudonyms of the persons a provider of `standing` may know: those of its own
    /// cases ([`Reader::persons_needed`]) and the members the basis it sees through covers.
    /// `None` for a reader not limited so.
    pub fn persons_for(
        &self,
        household: &StoredHousehold,
        standing: &Standing,
    ) -> Option<Vec<String>> {
        let mut persons = self.persons_needed(household)?;
        if standing.shared.any()
            && let Some(aanpak) = rondom_fold::basis::running(household)
        {
            persons.extend(
                household
                    .members
                    .iter()
                    .filter(|member| aanpak.covers(household, &member.pseudonym))
                    .map(|member| member.pseudonym.clone()),
            );
        }
        Some(persons)
    }

    /// The legal basis on which this reader, of `standing`, knows the member `pseudonym`
    /// (their name and masked BSN): a provider the persons of its own cases by its own task
    /// and the others the aanpak covers by the aanpak; a back-office by its own task; a
    /// coordinator by regie.
    pub fn member_basis(
        &self,
        household: &StoredHousehold,
        standing: &Standing,
        pseudonym: &str,
    ) -> Basis {
        let own_case = self
            .persons_needed(household)
            .is_none_or(|persons| persons.iter().any(|person| person == pseudonym));
        match self.client.role {
            Role::Partner(own) if own_case => Basis::OwnTask(own),
            Role::Coordinator => Basis::Regie,
            // Another member only through the aanpak, where it covers them.
            _ => for_person(*standing, household, pseudonym).row_basis(),
        }
    }

    /// Counts the members whose name or masked BSN goes to this reader, each under the
    /// basis it knows them by ([`Reader::member_basis`]).
    pub fn tally_members<'p>(
        &self,
        household: &StoredHousehold,
        standing: &Standing,
        shown: impl IntoIterator<Item = &'p str>,
        tally: &mut Tally,
    ) {
        for pseudonym in shown {
            tally.add_basis(
                self.member_basis(household, standing, pseudonym),
                NeedToKnow::Household,
                Sight::Full,
            );
        }
    }

    /// The pseudonyms of the persons a provider involved through its toewijzingen needs: the
    /// persons its cases are about. `None` for a reader not limited so (a back-office, a
    /// coordinator, a partner the regisseur registered for the whole household).
    pub fn persons_needed(&self, household: &StoredHousehold) -> Option<Vec<String>> {
        let (Role::Partner(pillar), Some(organisatie)) =
            (self.client.role, self.client.organisatie.as_deref())
        else {
            return None;
        };
        let pillar = v1::Pillar::from(pillar) as i32;
        let own: Vec<&str> = household
            .partners
            .iter()
            .filter(|partner| partner.organisatie == organisatie && partner.pillar == pillar)
            .map(|partner| partner.case_id.as_str())
            .collect();
        if own.is_empty() || own.contains(&"") {
            // Not involved now (its history is judged by position), or registered by the
            // regisseur for the household as a whole.
            return None;
        }
        Some(
            household
                .trajectories
                .iter()
                .filter(|case| case.pillar == pillar && own.contains(&case.case_id.as_str()))
                .map(|case| case.person.clone())
                .collect(),
        )
    }

    /// Returns whether the reader may see anything of `household`, now or up to the end of a
    /// former involvement.
    pub fn reads(&self, household: &StoredHousehold) -> bool {
        let was_involved = match (self.client.role, self.client.organisatie.as_deref()) {
            (Role::Partner(pillar), Some(organisatie)) => {
                let pillar = v1::Pillar::from(pillar) as i32;
                household
                    .former_partners
                    .iter()
                    .any(|former| former.organisatie == organisatie && former.pillar == pillar)
            }
            _ => false,
        };
        was_involved || visible(household, &self.standing(household, None)).is_some()
    }
}

/// Returns the need-to-know class of an event kind ([`catalogue::class_of`]); without a
/// known pillar, the strictest.
pub fn class_of(pillar: i32, kind: &str) -> NeedToKnow {
    pillar_from_proto(pillar).map_or(NeedToKnow::Protected, |pillar| {
        catalogue::class_of(pillar, kind)
    })
}

/// Returns the general title of an event kind, without payload detail.
pub fn general_title(pillar: i32, kind: &str) -> String {
    let Some(pillar) = pillar_from_proto(pillar) else {
        return kind.replace('_', " ");
    };
    let title = catalogue::kind(pillar, kind).map_or(kind, |row| row.title);
    format!("{}: {title}", pillar.label())
}

/// Returns the sight `standing` gives of a law's item of `pillar` and `class`.
pub(crate) fn sight(standing: &Standing, pillar: i32, class: NeedToKnow) -> Sight {
    signal_sight(standing, pillar, class, false)
}

/// As [`sight`], for a wijkteam's signal when `signal`.
pub(crate) fn signal_sight(
    standing: &Standing,
    pillar: i32,
    class: NeedToKnow,
    signal: bool,
) -> Sight {
    pillar_from_proto(pillar).map_or(Sight::Nothing, |pillar| {
        standing.sight_of(pillar, class, signal)
    })
}

/// Returns whether the event kind `kind` of `pillar` is a wijkteam's signal (of the signal
/// catalogue), not a law's event.
pub fn is_signal(pillar: i32, kind: &str) -> bool {
    pillar_from_proto(pillar).is_some_and(|pillar| catalogue::kind(pillar, kind).is_none())
        && kind.parse::<rondom_domain::signal::SignalKind>().is_ok()
}

/// Returns `standing` for the facts of the person `pseudonym`: as it is where the running
/// aanpak covers them, kept to the lanes where it does not (they did not agree, withdrew, or
/// objected). An empty pseudonym (a fact of no one person, or a view from before cases knew
/// their person) leaves it as it is.
pub fn for_person(standing: Standing, household: &StoredHousehold, pseudonym: &str) -> Standing {
    let covered = pseudonym.is_empty()
        || rondom_fold::basis::running(household)
            .is_some_and(|aanpak| aanpak.covers(household, pseudonym));
    if covered {
        standing
    } else {
        standing.uncovered()
    }
}

/// Returns the person the case `case_id` of `pillar` is about ("" when none is known).
pub fn person_of_case<'a>(household: &'a StoredHousehold, pillar: i32, case_id: &str) -> &'a str {
    household
        .trajectories
        .iter()
        .find(|case| case.pillar == pillar && case.case_id == case_id)
        .map_or("", |case| case.person.as_str())
}

/// Counts what went out per class, sight and legal basis, for the audit log.
#[derive(Debug, Default)]
pub struct Tally(BTreeMap<(i32, i32, Basis), u32>);

impl Tally {
    /// Counts one item of `pillar` and `class` (a wijkteam's signal when `signal`) given
    /// with `sight` to a reader of `standing`.
    pub fn add(
        &mut self,
        standing: &Standing,
        (pillar, signal): (i32, bool),
        class: NeedToKnow,
        sight: Sight,
    ) {
        let Some(pillar) = pillar_from_proto(pillar) else {
            return;
        };
        self.add_basis(standing.basis(pillar, signal), class, sight);
    }

    /// Counts one item of `class` given with `sight` on `basis`.
    pub fn add_basis(&mut self, basis: Basis, class: NeedToKnow, sight: Sight) {
        if sight != Sight::Nothing {
            let key = (
                v1::NeedToKnow::from(class) as i32,
                v1::Sight::from(sight) as i32,
                basis,
            );
            *self.0.entry(key).or_default() += 1;
        }
    }

    /// Returns the counts as audit disclosures, each naming its basis.
    pub fn disclosures(&self) -> Vec<v1::Disclosure> {
        self.0
            .iter()
            .map(|(&(need_to_know, sight, basis), &count)| v1::Disclosure {
                need_to_know,
                sight,
                count,
                basis: basis.to_string(),
            })
            .collect()
    }
}

/// Returns the need-to-know class a stored count names; an unknown one is the strictest.
fn class_from_proto(value: i32) -> NeedToKnow {
    match v1::NeedToKnow::try_from(value) {
        Ok(v1::NeedToKnow::Household) => NeedToKnow::Household,
        Ok(v1::NeedToKnow::Pillar) => NeedToKnow::Pillar,
        Ok(v1::NeedToKnow::Health) => NeedToKnow::Health,
        Ok(v1::NeedToKnow::Lane) => NeedToKnow::Lane,
        _ => NeedToKnow::Protected,
    }
}

/// Returns the household as `standing` may know it: only the facts it may see, so that what
/// is derived from them (active pillars, counts, activity, risk flags, worklist rows) comes
/// from visible facts alone. `None` when it may see no fact at all: then, for this reader, the
/// household does not exist.
pub fn visible(stored: &StoredHousehold, standing: &Standing) -> Option<StoredHousehold> {
    if !standing.reads_household() {
        return None;
    }
    let sees = |pillar: i32, class: NeedToKnow| sight(standing, pillar, class) >= Sight::Status;
    let mut known = stored.clone();
    // A signal has no case: it crosses a lane only where the basis covers its person.
    known.open_signals.retain(|signal| {
        let class = class_of(signal.pillar, &signal.kind);
        let standing = for_person(*standing, stored, &signal.person);
        signal_sight(&standing, signal.pillar, class, true) >= Sight::Status
    });
    // A case crosses its lane only where the basis covers the person it is about.
    let sees_case = |trajectory: &rondom_fold::StoredTrajectory| {
        let standing = for_person(*standing, stored, &trajectory.person);
        sight(&standing, trajectory.pillar, trajectory.class()) >= Sight::Status
    };
    known.trajectories.retain(sees_case);
    // A deadline tells what its case is: it is as visible as the case (one without a case
    // as a household-level fact).
    known.deadlines.retain(|deadline| {
        let case = stored
            .trajectories
            .iter()
            .find(|t| t.pillar == deadline.pillar && t.case_id == deadline.case_id);
        sees(deadline.pillar, NeedToKnow::Pillar)
            && case.map_or(sees(deadline.pillar, NeedToKnow::Household), sees_case)
    });
    // An involvement tells what its case is about (its law, its provider): it is as visible
    // as the case; one registered by the regisseur (no case) as the law's facts.
    known.partners.retain(|partner| {
        let case = stored
            .trajectories
            .iter()
            .find(|t| t.pillar == partner.pillar && t.case_id == partner.case_id);
        sees(partner.pillar, NeedToKnow::Pillar) && case.is_none_or(sees_case)
    });
    if stored.counts.is_empty() {
        // A view from before counts were kept: shown as it was until a rebuild.
        return Some(known);
    }
    // Across a lane a law's activity shows only with a case of it that shows: counting the
    // events of a person the basis does not cover would tell what it hides. (A wijkteam's
    // signals have no case; their sight alone decides.)
    let crosses = |count: &rondom_fold::ClassCount| {
        pillar_from_proto(count.pillar).is_some_and(|p| standing.crosses_lane(p, count.signal))
    };
    let shown_case = |pillar: i32| known.trajectories.iter().any(|t| t.pillar == pillar);
    let shown_count = |count: &rondom_fold::ClassCount| {
        let class = class_from_proto(count.need_to_know);
        // Signals are counted per person they are about, judged as the signals are.
        let standing = for_person(*standing, stored, &count.person);
        signal_sight(&standing, count.pillar, class, count.signal) >= Sight::Status
            && (!crosses(count)
                || count.signal
                || stored.trajectories.iter().all(|t| t.pillar != count.pillar)
                || shown_case(count.pillar))
    };
    let counts: Vec<_> = known
        .counts
        .iter()
        .filter(|c| shown_count(c))
        .cloned()
        .collect();
    known.counts = counts;
    known.event_count = known.counts.iter().map(|count| count.count).sum();
    known.first_activity_at = known.counts.iter().fold(None, |at, count| {
        rondom_fold::model::earlier(at, count.first_activity_at)
    });
    known.last_activity_at = known.counts.iter().fold(None, |at, count| {
        rondom_fold::model::later(at, count.last_activity_at)
    });
    (known.event_count > 0).then_some(known)
}

#[cfg(test)]
mod tests {
    use super::*;
    use rondom_domain::{GemeenteCode, Pillar};

    fn client(role: Role, organisatie: Option<&str>, gemeente: Option<&str>) -> Client {
        Client {
            id: "c".into(),
            role,
            organisatie: organisatie.map(str::to_owned),
            gemeenten: gemeente
                .map(|code| code.parse::<GemeenteCode>().expect("code"))
                .into_iter()
                .collect(),
            staff_id: None,
            expires_at: None,
        }
    }

    fn staff(gemeente: &str, staff_id: &str) -> Client {
        Client {
            staff_id: Some(staff_id.to_owned()),
            ..client(Role::Coordinator, None, Some(gemeente))
        }
    }

    fn household() -> StoredHousehold {
        StoredHousehold {
            gemeente_code: "0363".into(),
            partners: vec![v1::Involvement {
                organisatie: "12345678".into(),
                pillar: v1::Pillar::Jeugd as i32,
                case_id: "JZ-1".into(),
                since_position: 5,
            }],
            former_partners: vec![rondom_fold::FormerPartner {
                organisatie: "87654321".into(),
                pillar: v1::Pillar::Wmo as i32,
                started_position: 3,
                ended_position: 10,
            }],
            regisseur: Some(v1::Regisseur {
                regisseur_id: "mw-0412".into(),
                ..Default::default()
            }),
            ..Default::default()
        }
    }

    #[test]
    fn involvement_is_per_organisation_and_pillar() {
        let household = household();
        let jeugd = client(Role::Partner(Pillar::Jeugd), Some("12345678"), None);
        let reader = Reader {
            client: &jeugd,
            on_behalf_of: "",
        };
        assert!(reader.standing(&household, None).involved);
        // It sees what happened from its toewijzing on, nothing from before.
        assert!(reader.standing(&household, Some(5)).involved);
        assert!(!reader.standing(&household, Some(4)).involved);
        // The same organisation as a Wmo partner is not involved through a Jeugd case.
        let as_wmo = client(Role::Partner(Pillar::Wmo), Some("12345678"), None);
        let reader = Reader {
            client: &as_wmo,
            on_behalf_of: "",
        };
        assert!(!reader.standing(&household, None).involved);
    }

    #[test]
    fn a_former_partner_sees_what_happened_while_it_was_involved() {
        let household = household();
        let wmo = client(Role::Partner(Pillar::Wmo), Some("87654321"), None);
        let reader = Reader {
            client: &wmo,
            on_behalf_of: "",
        };
        assert!(reader.standing(&household, Some(10)).involved);
        assert!(reader.standing(&household, Some(3)).involved);
        assert!(!reader.standing(&household, Some(2)).involved);
        assert!(!reader.standing(&household, Some(11)).involved);
        assert!(!reader.standing(&household, None).involved);
        assert!(reader.reads(&household));
    }

    #[test]
    fn only_a_partner_involved_now_sees_through_a_running_aanpak() {
        let mut household = household();
        // An aanpak for Wmo and Jeugd, naming both partners, started after the Wmo partner's
        // task ended (at 10).
        household.aanpakken.push(rondom_fold::StoredAanpak {
            aanpak_id: "0195f0c2-7b7e-7000-8000-000000000001".into(),
            started_position: 12,
            wetten: vec![v1::Pillar::Wmo as i32, v1::Pillar::Jeugd as i32],
            partners: vec!["87654321".into(), "12345678".into()],
            persons: vec![rondom_fold::CoveredPerson {
                pseudonym: "p".into(),
                withdrawn_position: 0,
            }],
            ..Default::default()
        });
        let shares = |client: &Client, position: u64| {
            Reader {
                client,
                on_behalf_of: "",
            }
            .standing(&household, Some(position))
            .shared
            .any()
        };
        let jeugd = client(Role::Partner(Pillar::Jeugd), Some("12345678"), None);
        assert!(shares(&jeugd, 6), "involved then and now");
        // The former Wmo partner keeps its own law's facts of its time, not the other lanes.
        let wmo = client(Role::Partner(Pillar::Wmo), Some("87654321"), None);
        assert!(
            Reader {
                client: &wmo,
                on_behalf_of: "",
            }
            .standing(&household, Some(6))
            .involved
        );
        assert!(!shares(&wmo, 6), "involved then, not now");
    }

    #[test]
    fn a_member_is_on_record_under_the_basis_the_reader_knows_them_by() {
        let mut household = household();
        household.trajectories.push(rondom_fold::StoredTrajectory {
            pillar: v1::Pillar::Jeugd as i32,
            case_id: "JZ-1".into(),
            person: "kind".into(),
            ..Default::default()
        });
        household.aanpakken.push(rondom_fold::StoredAanpak {
            aanpak_id: "0195f0c2-7b7e-7000-8000-000000000001".into(),
            started_position: 1,
            wetten: vec![v1::Pillar::Jeugd as i32, v1::Pillar::Schuldhulp as i32],
            partners: vec!["12345678".into()],
            persons: ["kind", "ouder"]
                .map(|pseudonym| rondom_fold::CoveredPerson {
                    pseudonym: pseudonym.into(),
                    withdrawn_position: 0,
                })
                .to_vec(),
            ..Default::default()
        });
        let provider = client(Role::Partner(Pillar::Jeugd), Some("12345678"), None);
        let reader = Reader {
            client: &provider,
            on_behalf_of: "",
        };
        let standing = reader.standing(&household, None);
        let basis = |pseudonym: &str| {
            reader
                .member_basis(&household, &standing, pseudonym)
                .to_string()
        };
        assert_eq!(
            basis("kind"),
            "eigen-taak:jeugd",
            "the person of its own case"
        );
        assert_eq!(
            basis("ouder"),
            "aanpak:0195f0c2-7b7e-7000-8000-000000000001:instemming",
            "known through the aanpak"
        );
        let coordinator = staff("0363", "mw-0412");
        let reader = Reader {
            client: &coordinator,
            on_behalf_of: "",
        };
        let standing = reader.standing(&household, None);
        let mut tally = Tally::default();
        reader.tally_members(&household, &standing, ["kind", "ouder"], &mut tally);
        let disclosed = tally.disclosures();
        assert_eq!(disclosed.len(), 1, "{disclosed:?}");
        assert_eq!(disclosed[0].count, 2);
        assert_eq!(disclosed[0].basis, "regie", "the household is its task");
    }

    #[test]
    fn the_regisseur_is_the_authenticated_staff_member_not_a_string() {
        let household = household();
        let standing = |client: &Client, on_behalf_of: &str| {
            Reader {
                client,
                on_behalf_of,
            }
            .standing(&household, None)
        };
        assert!(standing(&staff("0363", "mw-0412"), "").regisseur);
        assert!(!standing(&staff("0363", "mw-9999"), "").regisseur);
        // A shared coordinator client naming the regisseur gets no regisseur sight.
        let shared = client(Role::Coordinator, None, Some("0363"));
        assert!(!standing(&shared, "mw-0412").regisseur);
        assert!(standing(&shared, "").same_gemeente);
        let elsewhere = staff("0518", "mw-0412");
        assert!(!standing(&elsewhere, "").regisseur);
        assert!(!standing(&elsewhere, "").reads_household());
    }

    #[test]
    fn a_back_office_knows_its_gemeenten_households_where_its_law_has_a_case() {
        let mut household = household();
        let college = client(Role::BackOffice(Pillar::Jeugd), None, Some("0363"));
        let reader = Reader {
            client: &college,
            on_behalf_of: "",
        };
        assert!(!reader.standing(&household, None).reads_household());
        household.trajectories.push(rondom_fold::StoredTrajectory {
            pillar: v1::Pillar::Jeugd as i32,
            ..Default::default()
        });
        let standing = reader.standing(&household, None);
        assert!(standing.reads_household());
        assert_eq!(
            standing.sight(Pillar::Jeugd, NeedToKnow::Health),
            Sight::Full
        );
        assert_eq!(
            standing.sight(Pillar::Wmo, NeedToKnow::Household),
            Sight::Nothing
        );
        let elsewhere = client(Role::BackOffice(Pillar::Jeugd), None, Some("0518"));
        let reader = Reader {
            client: &elsewhere,
            on_behalf_of: "",
        };
        assert!(!reader.standing(&household, None).reads_household());
    }
}
