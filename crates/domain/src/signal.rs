//! Signals: what a wijkteam system noticed about the persons of a household.

use std::fmt;
use std::str::FromStr;

use chrono::{DateTime, Utc};

use crate::free_text::FreeText;
use crate::header::HeaderChecks;
pub use crate::header::{
    CLOCK_SKEW, MAX_DISPLAY_NAME_CHARS, MAX_PERSONS, MAX_SUMMARY_BYTES, PersonInput, SignalPerson,
    check_person,
};
use crate::id::{EventId, GemeenteCode, IdempotencyKey, SourceUrn};
use crate::law::Pillar;
use crate::violation::{InvalidInput, Violations};

/// How urgent a signal is, as the sender judges it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Urgency {
    Normal,
    High,
    Crisis,
}

impl Urgency {
    /// Returns the wire name: `normal`, `high` or `crisis`.
    pub fn as_str(self) -> &'static str {
        match self {
            Urgency::Normal => "normal",
            Urgency::High => "high",
            Urgency::Crisis => "crisis",
        }
    }
}

/// The catalogue of signal kinds a wijkteam may post. Names are the snake_case wire names
/// used in subjects (`rondom.evt.<household>.<pillar>.<kind>`) and CloudEvents types.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum SignalKind {
    ZorgenOpvoeding,
    Schooluitval,
    Betalingsachterstand,
    DreigendeHuisuitzetting,
    MantelzorgOverbelast,
    Eenzaamheid,
    HuiselijkGeweldVermoeden,
    PsychischeKlachten,
    VerslavingVermoeden,
    Woningvervuiling,
    InkomenWeggevallen,
}

impl SignalKind {
    /// Every kind in the catalogue.
    pub const ALL: [SignalKind; 11] = [
        SignalKind::ZorgenOpvoeding,
        SignalKind::Schooluitval,
        SignalKind::Betalingsachterstand,
        SignalKind::DreigendeHuisuitzetting,
        SignalKind::MantelzorgOverbelast,
        SignalKind::Eenzaamheid,
        SignalKind::HuiselijkGeweldVermoeden,
        SignalKind::PsychischeKlachten,
        SignalKind::VerslavingVermoeden,
        SignalKind::Woningvervuiling,
        SignalKind::InkomenWeggevallen,
    ];

    /// Returns who may know of such a signal (docs/domain.md, Need to know): a suspicion of domestic
    /// violence is protected (Veilig Thuis territory), mental health and addiction are health
    /// data; the rest tells only that there is a concern about the household.
    pub fn need_to_know(self) -> crate::access::NeedToKnow {
        use crate::access::NeedToKnow;
        match self {
            SignalKind::HuiselijkGeweldVermoeden => NeedToKnow::Protected,
            SignalKind::PsychischeKlachten | SignalKind::VerslavingVermoeden => NeedToKnow::Health,
            SignalKind::ZorgenOpvoeding
            | SignalKind::Schooluitval
            | SignalKind::Betalingsachterstand
            | SignalKind::DreigendeHuisuitzetting
            | SignalKind::MantelzorgOverbelast
            | SignalKind::Eenzaamheid
            | SignalKind::Woningvervuiling
            | SignalKind::InkomenWeggevallen => NeedToKnow::Household,
        }
    }

    /// Returns the snake_case wire name.
    pub fn as_str(self) -> &'static str {
        match self {
            SignalKind::ZorgenOpvoeding => "zorgen_opvoeding",
            SignalKind::Schooluitval => "schooluitval",
            SignalKind::Betalingsachterstand => "betalingsachterstand",
            SignalKind::DreigendeHuisuitzetting => "dreigende_huisuitzetting",
            SignalKind::MantelzorgOverbelast => "mantelzorg_overbelast",
            SignalKind::Eenzaamheid => "eenzaamheid",
            SignalKind::HuiselijkGeweldVermoeden => "huiselijk_geweld_vermoeden",
            SignalKind::PsychischeKlachten => "psychische_klachten",
            SignalKind::VerslavingVermoeden => "verslaving_vermoeden",
            SignalKind::Woningvervuiling => "woningvervuiling",
            SignalKind::InkomenWeggevallen => "inkomen_weggevallen",
        }
    }

    /// Returns what the kind means, for people reading a timeline.
    pub fn description(self) -> &'static str {
        match self {
            SignalKind::ZorgenOpvoeding => "zorgen over opvoeding of ontwikkeling van een kind",
            SignalKind::Schooluitval => "verzuim of dreigende schooluitval",
            SignalKind::Betalingsachterstand => "betalingsachterstand of schulden",
            SignalKind::DreigendeHuisuitzetting => "dreigende huisuitzetting",
            SignalKind::MantelzorgOverbelast => "overbelaste mantelzorger",
            SignalKind::Eenzaamheid => "eenzaamheid of sociaal isolement",
            SignalKind::HuiselijkGeweldVermoeden => "vermoeden van huiselijk geweld",
            SignalKind::PsychischeKlachten => "psychische klachten",
            SignalKind::VerslavingVermoeden => "vermoeden van verslaving",
            SignalKind::Woningvervuiling => "vervuilde of verwaarloosde woning",
            SignalKind::InkomenWeggevallen => "inkomen weggevallen",
        }
    }
}

impl SignalKind {
    /// Returns the law pillars whose work this kind of worry belongs to. Every kind may also
    /// be filed under the wijkteam itself, when it is not yet clear which law applies.
    pub fn pillars(self) -> &'static [Pillar] {
        use Pillar::{Jeugd, Participatie, Schuldhulp, Wmo};
        match self {
            SignalKind::ZorgenOpvoeding | SignalKind::Schooluitval => &[Jeugd],
            SignalKind::Betalingsachterstand => &[Schuldhulp],
            SignalKind::DreigendeHuisuitzetting => &[Schuldhulp, Wmo],
            SignalKind::MantelzorgOverbelast
            | SignalKind::Eenzaamheid
            | SignalKind::Woningvervuiling => &[Wmo],
            // Veilig Thuis is a Wmo task; children at home make it a Jeugd matter too.
            SignalKind::HuiselijkGeweldVermoeden
            | SignalKind::PsychischeKlachten
            | SignalKind::VerslavingVermoeden => &[Wmo, Jeugd],
            SignalKind::InkomenWeggevallen => &[Participatie, Schuldhulp],
        }
    }

    /// Returns whether a signal of this kind may be filed under `pillar`.
    pub fn fits(self, pillar: Pillar) -> bool {
        pillar == Pillar::Wijkteam || self.pillars().contains(&pillar)
    }
}

impl fmt::Display for SignalKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The name is not in the signal catalogue. It is not repeated: the field may hold anything,
/// and the message goes into the audit log.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("not a kind of signal")]
pub struct UnknownSignalKind;

impl FromStr for SignalKind {
    type Err = UnknownSignalKind;

    fn from_str(name: &str) -> Result<Self, Self::Err> {
        SignalKind::ALL
            .into_iter()
            .find(|kind| kind.as_str() == name)
            .ok_or(UnknownSignalKind)
    }
}

/// A signal as the sender wrote it, before any check.
#[derive(Debug, Clone, Default)]
pub struct SignalInput {
    pub idempotency_key: String,
    pub source_system: String,
    pub gemeente_code: String,
    /// The persons as named; first = the person the signal is about.
    pub persons: Vec<PersonInput>,
    /// `None` when unspecified or not a known pillar.
    pub pillar: Option<Pillar>,
    pub kind: String,
    /// `None` when unspecified or not a known urgency.
    pub urgency: Option<Urgency>,
    pub observed_at: Option<DateTime<Utc>>,
    pub summary: FreeText,
}

/// A checked signal: every field valid, ready to be pseudonymised, sealed and published.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Signal {
    pub idempotency_key: IdempotencyKey,
    pub source: SourceUrn,
    pub gemeente: GemeenteCode,
    /// Never empty; the first person is the one the signal is about.
    pub persons: Vec<SignalPerson>,
    pub pillar: Pillar,
    pub kind: SignalKind,
    pub urgency: Urgency,
    pub observed_at: DateTime<Utc>,
    pub summary: FreeText,
}

impl Signal {
    /// Checks every field of `input` and returns the signal, or all violations at once so a
    /// sender can fix them in one go. `now` decides what counts as the future.
    ///
    /// # Errors
    /// [`InvalidInput`] naming each field that breaks a rule.
    pub fn validate(input: SignalInput, now: DateTime<Utc>) -> Result<Signal, InvalidInput> {
        let mut violations = Violations::default();
        let mut checks = HeaderChecks::new("", &mut violations);
        let (idempotency_key, source) = checks.sender(&input.idempotency_key, &input.source_system);
        let gemeente = checks.gemeente(&input.gemeente_code);
        let persons = checks.persons(&input.persons);
        let (pillar, kind) = check_kind(input.pillar, &input.kind, checks.violations);
        let urgency = input.urgency.or_else(|| {
            let violations = &mut *checks.violations;
            violations.push("urgency", "urgency is required: normal, high or crisis");
            None
        });
        let observed_at = checks.happened_at("observed_at", input.observed_at, now);
        checks.free_text("summary", &input.summary);
        violations.finish(|| Signal {
            idempotency_key: idempotency_key.expect("checked above"),
            source: source.expect("checked above"),
            gemeente: gemeente.expect("checked above"),
            persons: persons.expect("checked above"),
            pillar: pillar.expect("checked above"),
            kind: kind.expect("checked above"),
            urgency: urgency.expect("checked above"),
            observed_at: observed_at.expect("checked above"),
            summary: input.summary,
        })
    }

    /// Returns the event id this signal publishes under, the same for every retry.
    pub fn event_id(&self, writer: &str) -> EventId {
        EventId::derive(writer, &self.source, &self.idempotency_key)
    }
}

/// Checks the pillar a signal is filed under and its kind, and that the two fit.
fn check_kind(
    pillar: Option<Pillar>,
    kind: &str,
    violations: &mut Violations,
) -> (Option<Pillar>, Option<SignalKind>) {
    let pillar = match pillar {
        None => {
            let pillars: Vec<&str> = Pillar::ALL
                .into_iter()
                .filter(|pillar| pillar.accepts_signals())
                .map(Pillar::as_str)
                .collect();
            violations.push(
                "pillar",
                format!("pillar is required: one of {}", pillars.join(", ")),
            );
            None
        }
        Some(pillar) if !pillar.accepts_signals() => {
            violations.push("pillar", format!("pillar {pillar} takes no signals"));
            None
        }
        Some(pillar) => Some(pillar),
    };
    let kind = kind
        .parse::<SignalKind>()
        .map_err(|err| {
            let known: Vec<&str> = SignalKind::ALL.iter().map(|kind| kind.as_str()).collect();
            violations.push("kind", format!("{err}; known kinds: {}", known.join(", ")));
        })
        .ok();
    if let (Some(pillar), Some(kind)) = (pillar, kind)
        && !kind.fits(pillar)
    {
        let fitting: Vec<&str> = kind
            .pillars()
            .iter()
            .map(|pillar| pillar.as_str())
            .collect();
        violations.push(
            "kind",
            format!(
                "{kind} is not a {pillar} signal; file it under {} or wijkteam",
                fitting.join(", ")
            ),
        );
    }
    (pillar, kind)
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::Duration;
    use chrono::TimeZone;

    fn now() -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 11, 23, 10, 0, 0)
            .single()
            .expect("valid time")
    }

    fn valid_input() -> SignalInput {
        SignalInput {
            idempotency_key: "k-1".into(),
            source_system: "wijkteam-noord".into(),
            gemeente_code: "0363".into(),
            persons: vec![
                PersonInput::new("111222333", "Fatima"),
                PersonInput::new("123456782", ""),
            ],
            pillar: Some(Pillar::Jeugd),
            kind: "zorgen_opvoeding".into(),
            urgency: Some(Urgency::High),
            observed_at: Some(now() - Duration::hours(2)),
            summary: "Moeder maakt zich zorgen over zoon".into(),
        }
    }

    #[test]
    fn a_person_of_a_signal_prints_without_name_or_whole_bsn() {
        let signal = Signal::validate(valid_input(), now()).expect("valid");
        let printed = format!("{:?}", signal.persons[0]);
        assert!(printed.contains("2333"), "the masked BSN: {printed}");
        assert!(
            !printed.contains("Fatima") && !printed.contains("111222333"),
            "{printed}"
        );
    }

    #[test]
    fn a_signal_prints_no_bsn_name_or_summary_before_or_after_its_check() {
        let input = valid_input();
        let before = format!("{input:?}");
        let after = format!("{:?}", Signal::validate(input, now()).expect("valid"));
        for printed in [before, after] {
            for secret in ["111222333", "Fatima", "zorgen over zoon"] {
                assert!(!printed.contains(secret), "{secret} in {printed}");
            }
        }
    }

    fn fields(input: SignalInput) -> Vec<String> {
        let err = Signal::validate(input, now()).expect_err("invalid input");
        err.violations()
            .iter()
            .map(|violation| violation.field.clone())
            .collect()
    }

    #[test]
    fn accepts_a_complete_signal() {
        let signal = Signal::validate(valid_input(), now()).expect("valid");
        assert_eq!(signal.persons.len(), 2);
        assert_eq!(signal.kind, SignalKind::ZorgenOpvoeding);
        assert_eq!(
            signal.source.as_str(),
            "urn:nld:rondom:systeem:wijkteam-noord"
        );
    }

    #[test]
    fn reports_every_bad_field_at_once() {
        let input = SignalInput {
            idempotency_key: String::new(),
            persons: vec![PersonInput::new("111222334", "")],
            pillar: None,
            kind: "onbekend".into(),
            summary: "x".repeat(MAX_SUMMARY_BYTES + 1).into(),
            ..valid_input()
        };
        assert_eq!(
            fields(input),
            [
                "idempotency_key",
                "persons[0].bsn",
                "pillar",
                "kind",
                "summary"
            ]
        );
    }

    #[test]
    fn rejects_future_observations_beyond_clock_skew() {
        let within = SignalInput {
            observed_at: Some(now() + Duration::minutes(4)),
            ..valid_input()
        };
        assert!(Signal::validate(within, now()).is_ok());
        let future = SignalInput {
            observed_at: Some(now() + Duration::hours(1)),
            ..valid_input()
        };
        assert_eq!(fields(future), ["observed_at"]);
        let ancient = SignalInput {
            observed_at: Some(DateTime::from_timestamp(-100_000_000_000, 0).expect("year -1200")),
            ..valid_input()
        };
        assert_eq!(fields(ancient), ["observed_at"]);
    }

    #[test]
    fn rejects_empty_duplicate_and_regie_input() {
        assert_eq!(
            fields(SignalInput {
                persons: vec![],
                ..valid_input()
            }),
            ["persons"]
        );
        let twice = vec![
            PersonInput::new("111222333", ""),
            PersonInput::new("111222333", ""),
        ];
        assert_eq!(
            fields(SignalInput {
                persons: twice,
                ..valid_input()
            }),
            ["persons[1].bsn"]
        );
        assert_eq!(
            fields(SignalInput {
                pillar: Some(Pillar::Regie),
                ..valid_input()
            }),
            ["pillar"]
        );
    }

    #[test]
    fn summary_limit_counts_bytes() {
        let at_limit = SignalInput {
            summary: "é".repeat(MAX_SUMMARY_BYTES / 2).into(),
            ..valid_input()
        };
        assert!(Signal::validate(at_limit, now()).is_ok());
        let over = SignalInput {
            summary: "é".repeat(MAX_SUMMARY_BYTES / 2 + 1).into(),
            ..valid_input()
        };
        assert_eq!(fields(over), ["summary"]);
    }

    #[test]
    fn retry_keeps_the_event_id() {
        let first = Signal::validate(valid_input(), now()).expect("valid");
        let retry = Signal::validate(
            SignalInput {
                summary: "anders".into(),
                ..valid_input()
            },
            now(),
        )
        .expect("valid");
        assert_eq!(first.event_id("wt"), retry.event_id("wt"));
    }

    #[test]
    fn a_signal_goes_to_a_pillar_it_belongs_to() {
        let wrong = SignalInput {
            pillar: Some(Pillar::Schuldhulp),
            kind: "zorgen_opvoeding".into(),
            ..valid_input()
        };
        let err = Signal::validate(wrong, now()).expect_err("zorgen over opvoeding are Jeugd");
        assert_eq!(err.violations()[0].field, "kind");
        assert!(
            err.violations()[0]
                .description
                .contains("jeugd or wijkteam")
        );
        for kind in SignalKind::ALL {
            assert!(kind.fits(Pillar::Wijkteam), "{kind}");
            assert!(!kind.pillars().is_empty(), "{kind} belongs to some law");
            let fitting = SignalInput {
                pillar: Some(kind.pillars()[0]),
                kind: kind.as_str().into(),
                ..valid_input()
            };
            assert!(Signal::validate(fitting, now()).is_ok(), "{kind}");
        }
    }

    #[test]
    fn kind_names_round_trip() {
        for kind in SignalKind::ALL {
            assert_eq!(kind.as_str().parse::<SignalKind>(), Ok(kind));
        }
    }
}
