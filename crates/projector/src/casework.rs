//! The pillar story of a household: trajectories per case, statutory deadlines, the
//! regisseur, the plan and the partners, folded from pillar and regie events. Pure: the
//! catalogue row of each kind says what it starts, meets and where the case goes; this
//! module adds what depends on the payload (a spoed melding, a threatening situation, a
//! refusal, a suspension).
//!
//! Dates are stored as day numbers (days from the common era) so the view stays small and
//! comparisons are integer ones.

use chrono::{Datelike, NaiveDate};
use prost_types::Timestamp;
use rondom_bus::ReceivedEvent;
use rondom_domain::access::Role;
use rondom_domain::bylaw::BylawTerms;
use rondom_domain::catalogue::{self, EventKind, Stage};
use rondom_domain::deadline::{self, DeadlineRule};
use rondom_domain::{GemeenteCode, Pillar};
use rondom_proto::convert::{naive_date, pillar_from_proto};
use rondom_proto::v1;
use rondom_proto::v1::event::Body;

use crate::view::{FormerPartner, StoredHousehold};

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
}

impl StoredDeadline {
    /// Returns whether the deadline still runs (suspended ones included).
    pub fn is_open(&self) -> bool {
        self.state == v1::DeadlineStatus::Open as i32
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

fn stage_state(stage: Stage) -> v1::TrajectoryState {
    match stage {
        Stage::Gesignaleerd => v1::TrajectoryState::Gesignaleerd,
        Stage::Aangemeld => v1::TrajectoryState::Aangemeld,
        Stage::InOnderzoek => v1::TrajectoryState::InOnderzoek,
        Stage::Besloten => v1::TrajectoryState::Besloten,
        Stage::Actief => v1::TrajectoryState::Actief,
        Stage::Beeindigd => v1::TrajectoryState::Beeindigd,
    }
}

/// What one event did to the pillar story, for its timeline entry.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Effect {
    /// Details of the payload worth a line, e.g. "toegekend" or "spoed".
    pub detail: Vec<String>,
}

/// Applies a pillar or regie event (`row` is its catalogue row) to `household`.
pub fn apply(
    household: &mut StoredHousehold,
    received: &ReceivedEvent,
    row: &EventKind,
    occurred_on: NaiveDate,
    bylaws: &BylawTerms,
) -> Effect {
    let event = &received.event;
    let Some(pillar) = pillar_from_proto(event.pillar) else {
        return Effect::default();
    };
    let mut effect = Effect::default();
    let mut stage = row.stage;
    let mut starts: Vec<(&str, NaiveDate)> =
        row.starts.iter().map(|code| (*code, occurred_on)).collect();
    let gemeente: Option<GemeenteCode> = household.gemeente_code.parse().ok();
    let case_id = event.case_id.as_str();

    match &event.body {
        Some(Body::WmoMelding(melding)) if melding.spoed => {
            starts.push(("WMO-SPOED", occurred_on));
            effect.detail.push("spoed".into());
        }
        Some(Body::PwMelding(melding)) if melding.jonger_dan_27 => {
            starts.push(("PW-ZOEKTERMIJN", occurred_on));
            effect.detail.push("jonger dan 27: zoektermijn".into());
        }
        Some(Body::SchuldAanmelding(aanmelding)) => {
            let threat = v1::BedreigendeSituatie::try_from(aanmelding.bedreigende_situatie)
                .unwrap_or(v1::BedreigendeSituatie::Unspecified);
            if !matches!(
                threat,
                v1::BedreigendeSituatie::Geen | v1::BedreigendeSituatie::Unspecified
            ) {
                // Wgs 4(2) replaces the four weeks by three working days.
                for start in &mut starts {
                    if start.0 == "SHV-EERSTE-GESPREK" {
                        start.0 = "SHV-CRISIS";
                    }
                }
                effect.detail.push(format!(
                    "bedreigende situatie: {}",
                    enum_words(threat.as_str_name(), "BEDREIGENDE_SITUATIE_")
                ));
            }
        }
        Some(Body::EersteGesprek(gesprek)) if gesprek.hulpvraag_ingetrokken => {
            // Wgs 4a: no beschikking when the resident withdraws in the first conversation.
            starts.retain(|(code, _)| *code != "SHV-BESCHIKKING");
            stage = Some(Stage::Beeindigd);
            effect.detail.push("hulpvraag ingetrokken".into());
        }
        Some(Body::BezwaarOntvangen(bezwaar)) => {
            let from = bezwaar
                .bezwaartermijn_einde
                .as_ref()
                .and_then(naive_date)
                .unwrap_or(occurred_on);
            let rule = if bezwaar.adviescommissie {
                "BEZWAAR-COMMISSIE"
            } else {
                "BEZWAAR"
            };
            starts = vec![(rule, from)];
        }
        Some(Body::WmoBeschikking(beschikking)) => {
            refused(beschikking.besluit, &mut stage, &mut effect);
        }
        Some(Body::JeugdBeschikking(beschikking)) => {
            refused(beschikking.besluit, &mut stage, &mut effect);
        }
        Some(Body::SchuldBeschikking(beschikking)) => {
            refused(beschikking.besluit, &mut stage, &mut effect);
            if beschikking.besluit != v1::Besluit::Afgewezen as i32 {
                effect.detail.push("plan van aanpak vastgesteld".into());
            }
        }
        Some(Body::PwBesluit(besluit)) => {
            refused(besluit.besluit, &mut stage, &mut effect);
            // Pw 52: a voorschot is due only while the right is not established.
            for deadline in household.deadlines.iter_mut().filter(|deadline| {
                deadline.open_in(event.pillar, case_id) && deadline.rule == "PW-VOORSCHOT"
            }) {
                deadline.state = v1::DeadlineStatus::Lapsed as i32;
                deadline.met_on = day_number(occurred_on);
            }
        }
        Some(Body::TermijnOpgeschort(_)) => {
            if let Some(rule) = catalogue::decision_rule(pillar) {
                for deadline in household.deadlines.iter_mut().filter(|deadline| {
                    deadline.open_in(event.pillar, case_id)
                        && deadline.rule == rule
                        && deadline.suspended_since == 0
                }) {
                    if day_number(occurred_on) > deadline.due {
                        // A term that has run out cannot be suspended any more: it stays overdue.
                        effect.detail.push(format!("{rule} was al verstreken"));
                        continue;
                    }
                    deadline.suspended_since = day_number(occurred_on);
                    effect.detail.push(rule.to_owned());
                }
            }
        }
        Some(Body::TermijnHervat(_)) => {
            if let Some(rule) = catalogue::decision_rule(pillar) {
                for deadline in household.deadlines.iter_mut().filter(|deadline| {
                    deadline.open_in(event.pillar, case_id)
                        && deadline.rule == rule
                        && deadline.suspended_since != 0
                }) {
                    let days = resume(deadline, occurred_on, gemeente.as_ref(), bylaws);
                    effect
                        .detail
                        .push(format!("{rule}: {days} dagen opgeschort"));
                }
            }
        }
        Some(Body::Jeugdhulp(jeugdhulp)) => {
            // Involvement starts with the back-office's toewijzing and ends with the
            // provider's stop; the provider's start changes nobody's sight.
            let involvement = match event.kind.as_str() {
                "jeugdhulp_toegewezen" => starts_involvement(event, Role::BackOffice(pillar)),
                "jeugdhulp_beeindigd" => Some(false),
                _ => None,
            };
            provider(
                household,
                received.position,
                pillar,
                case_id,
                &jeugdhulp.aanbieder_agb,
                involvement,
                &mut effect,
            );
            if event.kind == "jeugdhulp_beeindigd"
                && let Some(end) = jeugdhulp.einddatum.as_ref().and_then(naive_date)
                && let Some(rule) = deadline::rule("IJW-STOP")
                && let Some(due) = due_date(rule, end, gemeente.as_ref(), bylaws, 0)
            {
                // The stop message is itself what IJW-STOP waits for: opened and closed at once.
                let on_time = occurred_on <= due;
                household.deadlines.push(StoredDeadline {
                    rule: rule.code.to_owned(),
                    pillar: event.pillar,
                    case_id: case_id.to_owned(),
                    start: day_number(end),
                    due: day_number(due),
                    state: if on_time {
                        v1::DeadlineStatus::Met
                    } else {
                        v1::DeadlineStatus::MetLate
                    } as i32,
                    met_on: day_number(occurred_on),
                    started_position: received.position,
                    ..StoredDeadline::default()
                });
            }
        }
        Some(Body::WmoVoorzieningToegewezen(voorziening)) => {
            provider(
                household,
                received.position,
                pillar,
                case_id,
                &voorziening.aanbieder_agb,
                starts_involvement(event, Role::BackOffice(pillar)),
                &mut effect,
            );
        }
        Some(Body::WmoVoorzieningGestart(voorziening)) => {
            provider(
                household,
                received.position,
                pillar,
                case_id,
                &voorziening.aanbieder_agb,
                None,
                &mut effect,
            );
        }
        Some(Body::WmoVoorzieningGestopt(voorziening)) => {
            provider(
                household,
                received.position,
                pillar,
                case_id,
                &voorziening.aanbieder_agb,
                Some(false),
                &mut effect,
            );
        }
        Some(Body::Reintegratie(reintegratie)) if !reintegratie.aanbieder_kvk.is_empty() => {
            provider(
                household,
                received.position,
                pillar,
                case_id,
                &reintegratie.aanbieder_kvk,
                if event.kind == "reintegratie_beeindigd" {
                    Some(false)
                } else {
                    starts_involvement(event, Role::BackOffice(pillar))
                },
                &mut effect,
            );
        }
        Some(Body::Vroegsignaal(signaal)) => {
            let schuldeiser = v1::Schuldeiser::try_from(signaal.schuldeiser)
                .unwrap_or(v1::Schuldeiser::Unspecified);
            effect
                .detail
                .push(enum_words(schuldeiser.as_str_name(), "SCHULDEISER_"));
        }
        Some(Body::Regisseur(regisseur)) => {
            household.regisseur = Some(v1::Regisseur {
                regisseur_id: regisseur.regisseur_id.clone(),
                organisatie: regisseur.organisatie.clone(),
                since: event.occurred_at,
            });
            effect.detail.push(regisseur.regisseur_id.clone());
        }
        Some(Body::Gezinsplan(plan)) => {
            household.plan = Some(v1::GezinsplanStatus {
                versie: plan.versie,
                doelen: plan.doelen.clone(),
                pijlers: plan.pijlers.clone(),
                evaluatiedatum: plan.evaluatiedatum,
                huishouden_akkoord: plan.huishouden_akkoord,
            });
            effect.detail.push(format!("versie {}", plan.versie));
        }
        Some(Body::Partner(partner)) => {
            let involvement = v1::Involvement {
                organisatie: partner.organisatie.clone(),
                pillar: partner.pillar,
                case_id: String::new(),
                since_position: 0,
            };
            let involved = if event.kind == "partner_betrokken" {
                starts_involvement(event, Role::Coordinator)
            } else {
                Some(false)
            };
            if let Some(involved) = involved {
                involve(household, involvement, involved, received.position);
            }
            effect.detail.push(partner.organisatie.clone());
        }
        _ => {}
    }

    if event.kind == "voorschot_verleend"
        && !household.deadlines.iter().any(|deadline| {
            deadline.open_in(event.pillar, case_id) && deadline.rule == "PW-BESLUIT"
        })
    {
        // Pw 52: the next voorschot is due only while the besluit is still to come.
        starts.retain(|(code, _)| *code != "PW-VOORSCHOT");
    }

    // Meet before start: a voorschot meets the running PW-VOORSCHOT and starts the next.
    for code in row.meets {
        for deadline in household.deadlines.iter_mut().filter(|deadline| {
            deadline.rule == *code
                && (deadline.open_in(event.pillar, case_id)
                    // Whatever case number the aanmelding gets, it answers the vroegsignaal.
                    || (*code == "SHV-AANBOD" && deadline.is_open() && deadline.pillar == event.pillar))
        }) {
            if deadline.suspended_since != 0 {
                // Met while suspended: the suspension counts up to this day (Awb 4:15).
                resume(deadline, occurred_on, gemeente.as_ref(), bylaws);
            }
            let late = day_number(occurred_on) > deadline.due;
            deadline.state = if late {
                v1::DeadlineStatus::MetLate
            } else {
                v1::DeadlineStatus::Met
            } as i32;
            deadline.met_on = day_number(occurred_on);
            deadline.suspended_since = 0;
        }
    }
    if stage == Some(Stage::Beeindigd) {
        // The case ended (refused, withdrawn, stopped, closed): its duties lapse.
        for deadline in household
            .deadlines
            .iter_mut()
            .filter(|deadline| deadline.open_in(event.pillar, case_id) && !deadline.blocking)
        {
            deadline.state = v1::DeadlineStatus::Lapsed as i32;
            deadline.met_on = day_number(occurred_on);
            deadline.suspended_since = 0;
        }
    }
    for (code, from) in starts {
        let Some(rule) = deadline::rule(code) else {
            continue;
        };
        let Some(due) = due_date(rule, from, gemeente.as_ref(), bylaws, 0) else {
            continue;
        };
        household.deadlines.push(StoredDeadline {
            rule: rule.code.to_owned(),
            pillar: event.pillar,
            case_id: case_id.to_owned(),
            start: day_number(from),
            due: day_number(due),
            state: v1::DeadlineStatus::Open as i32,
            started_position: received.position,
            blocking: rule.blocking,
            ..StoredDeadline::default()
        });
    }

    let known_case = household
        .trajectories
        .iter()
        .position(|trajectory| trajectory.pillar == event.pillar && trajectory.case_id == case_id);
    // Only a kind that moves a case opens one: a stray suspension or objection does not.
    if pillar != Pillar::Regie && !case_id.is_empty() && (known_case.is_some() || stage.is_some()) {
        let trajectory = match known_case {
            Some(index) => &mut household.trajectories[index],
            None => {
                household.trajectories.push(StoredTrajectory {
                    pillar: event.pillar,
                    case_id: case_id.to_owned(),
                    stage: v1::TrajectoryState::Aangemeld as i32,
                    opened_at: event.occurred_at,
                    ..StoredTrajectory::default()
                });
                household.trajectories.last_mut().expect("just pushed")
            }
        };
        if let Some(stage) = stage {
            trajectory.stage = stage_state(stage) as i32;
        }
        trajectory.last_kind.clone_from(&event.kind);
        trajectory.updated_at = event.occurred_at;
        trajectory.protected |= row.need_to_know == rondom_domain::catalogue::NeedToKnow::Protected;
        if let Some(provider) = household
            .partners
            .iter()
            .rev()
            .find(|partner| partner.case_id == case_id && partner.pillar == event.pillar)
            && !trajectory.providers.contains(&provider.organisatie)
        {
            trajectory.providers.push(provider.organisatie.clone());
        }
    }
    effect
}

/// Ends a suspension on `on` (Awb 4:15: suspended from the day after the request until, not
/// including, the day the term runs again), moves the due date, and returns the days added.
fn resume(
    deadline: &mut StoredDeadline,
    on: NaiveDate,
    gemeente: Option<&GemeenteCode>,
    bylaws: &BylawTerms,
) -> i32 {
    let days = (day_number(on) - deadline.suspended_since - 1).max(0);
    // Saturating: a forged or ancient suspension must not overflow the count.
    deadline.suspended_days = deadline
        .suspended_days
        .saturating_add(u32::try_from(days).unwrap_or(u32::MAX));
    deadline.suspended_since = 0;
    if let Some(rule) = deadline::rule(&deadline.rule)
        && let Some(due) = due_date(
            rule,
            date_of(deadline.start),
            gemeente,
            bylaws,
            deadline.suspended_days,
        )
    {
        deadline.due = day_number(due);
    }
    days
}

/// A refused decision ends the case.
fn refused(besluit: i32, stage: &mut Option<Stage>, effect: &mut Effect) {
    let besluit = v1::Besluit::try_from(besluit).unwrap_or(v1::Besluit::Unspecified);
    if besluit == v1::Besluit::Afgewezen {
        *stage = Some(Stage::Beeindigd);
    }
    effect
        .detail
        .push(enum_words(besluit.as_str_name(), "BESLUIT_"));
}

/// Returns `Some(true)` when `event` may start an involvement: it was written by `role` (the
/// back-office's toewijzing, the regisseur's registration). Events from before writers were
/// stamped carry none and count as before. Anything else starts nothing (`None`).
fn starts_involvement(event: &v1::Event, role: Role) -> Option<bool> {
    match &event.writer {
        None => Some(true),
        Some(writer) if writer.role == role.to_string() => Some(true),
        Some(_) => None,
    }
}

/// Records a provider assigned to a case (`Some(true)`), having stopped (`Some(false)`), or
/// reporting without changing its involvement (`None`); either way the timeline names it.
/// Only the back-office's writes start an involvement (the adapters let a provider report
/// only under a toewijzing to it).
fn provider(
    household: &mut StoredHousehold,
    position: u64,
    pillar: Pillar,
    case_id: &str,
    code: &str,
    involved: Option<bool>,
    effect: &mut Effect,
) {
    if let Some(involved) = involved {
        let involvement = v1::Involvement {
            organisatie: code.to_owned(),
            pillar: v1::Pillar::from(pillar) as i32,
            case_id: case_id.to_owned(),
            since_position: 0,
        };
        involve(household, involvement, involved, position);
    }
    effect.detail.push(format!("aanbieder {code}"));
}

/// Adds an organisation's involvement from `position`, or ends it there: what it saw while
/// involved stays its to see (the partner receives the event that ends its own involvement).
/// Ending an involvement that was never started changes nothing.
fn involve(
    household: &mut StoredHousehold,
    involvement: v1::Involvement,
    involved: bool,
    position: u64,
) {
    let same_case = |known: &v1::Involvement| {
        known.organisatie == involvement.organisatie
            && known.pillar == involvement.pillar
            && known.case_id == involvement.case_id
    };
    let same_organisation = |known: &v1::Involvement| {
        known.organisatie == involvement.organisatie && known.pillar == involvement.pillar
    };
    if involved {
        if !household.partners.iter().any(same_case) {
            household.partners.push(v1::Involvement {
                since_position: position,
                ..involvement
            });
        }
        return;
    }
    let Some(index) = household.partners.iter().position(same_case) else {
        return;
    };
    let ended = household.partners.remove(index);
    let mut others = household
        .partners
        .iter_mut()
        .filter(|known| same_organisation(known))
        .peekable();
    if others.peek().is_some() {
        // Still involved through another case: its sight runs on from the earliest start.
        for other in others {
            other.since_position = other.since_position.min(ended.since_position);
        }
        return;
    }
    household.former_partners.push(FormerPartner {
        organisatie: ended.organisatie,
        pillar: ended.pillar,
        ended_position: position,
        started_position: ended.since_position,
    });
}

/// Returns `BESLUIT_GEDEELTELIJK_TOEGEKEND` as "gedeeltelijk toegekend".
fn enum_words(name: &str, prefix: &str) -> String {
    name.strip_prefix(prefix)
        .unwrap_or(name)
        .to_lowercase()
        .replace('_', " ")
}

/// Computes a due date with the gemeente's own term where it set one.
pub fn due_date(
    rule: &DeadlineRule,
    start: NaiveDate,
    gemeente: Option<&GemeenteCode>,
    bylaws: &BylawTerms,
    suspended_days: u32,
) -> Option<NaiveDate> {
    let configured = gemeente.and_then(|gemeente| bylaws.term(gemeente, rule.code));
    deadline::compute(rule, start, configured, suspended_days)
        .map(|computation| computation.due)
        .ok()
}
