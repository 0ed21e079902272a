//! Statutory deadlines (termijnen): the catalogue of docs/domain.md as one table, and the
//! arithmetic that turns a start date into a due date the way the law counts.
//!
//! Counting: a term "binnen N weken na" an event starts the day after that event, so the due
//! date is the start date plus N weeks (or days, or months); a term in werkdagen counts only
//! working days (see [`crate::calendar`]). Then the end-of-term rule of the source applies:
//! Algemene termijnenwet art. 1 moves an end on a Saturday, Sunday or holiday to the next
//! working day, art. 2 makes a term of three days or more contain at least two working days,
//! and art. 4 excludes terms longer than 90 days, 12 weeks or 3 months. Suspension (Awb 4:15)
//! adds the suspended days before that rule is applied.

use std::fmt;

use chrono::{Duration, Months, NaiveDate};

use crate::calendar::Calendar;

/// The length of a term.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Term {
    Days(u32),
    Weeks(u32),
    WorkingDays(u32),
    Months(u32),
}

impl Term {
    /// The term in Dutch, e.g. `6 weken`, `3 werkdagen`.
    pub fn dutch(self) -> String {
        match self {
            Term::Days(1) => "1 kalenderdag".to_owned(),
            Term::Days(n) => format!("{n} kalenderdagen"),
            Term::Weeks(1) => "1 week".to_owned(),
            Term::Weeks(n) => format!("{n} weken"),
            Term::WorkingDays(1) => "1 werkdag".to_owned(),
            Term::WorkingDays(n) => format!("{n} werkdagen"),
            Term::Months(1) => "1 maand".to_owned(),
            Term::Months(n) => format!("{n} maanden"),
        }
    }
}

impl fmt::Display for Term {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Term::Days(n) => write!(f, "{n} calendar days"),
            Term::Weeks(n) => write!(f, "{n} weeks"),
            Term::WorkingDays(n) => write!(f, "{n} working days"),
            Term::Months(n) => write!(f, "{n} months"),
        }
    }
}

/// The text is not a term such as `6 weeks`, `3 working days`, `14 days` or `1 month`.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "{0:?} is not a term; write e.g. \"6 weeks\", \"3 working days\", \"14 days\" or \"1 month\""
)]
pub struct TermParseError(pub String);

impl std::str::FromStr for Term {
    type Err = TermParseError;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        let error = || TermParseError(text.to_owned());
        let (count, unit) = text.trim().split_once(' ').ok_or_else(error)?;
        let count: u32 = count.parse().map_err(|_| error())?;
        if count == 0 || count > 3650 {
            return Err(error());
        }
        match unit.trim() {
            "day" | "days" | "calendar day" | "calendar days" => Ok(Term::Days(count)),
            "week" | "weeks" => Ok(Term::Weeks(count)),
            "working day" | "working days" => Ok(Term::WorkingDays(count)),
            "month" | "months" => Ok(Term::Months(count)),
            _ => Err(error()),
        }
    }
}

impl Term {
    /// Returns the term in days for the Atw art. 4 and art. 2 thresholds (months count 28).
    fn approximate_days(self) -> u32 {
        match self {
            Term::Days(n) | Term::WorkingDays(n) => n,
            Term::Weeks(n) => n * 7,
            Term::Months(n) => n * 28,
        }
    }

    fn count(self) -> u32 {
        match self {
            Term::Days(n) | Term::WorkingDays(n) | Term::Weeks(n) | Term::Months(n) => n,
        }
    }

    fn same_unit(self, other: Term) -> bool {
        std::mem::discriminant(&self) == std::mem::discriminant(&other)
    }

    /// Atw art. 4: the Atw does not apply to terms longer than 90 days, 12 weeks or 3 months.
    fn within_atw(self) -> bool {
        match self {
            Term::Days(n) => n <= 90,
            Term::Weeks(n) => n <= 12,
            Term::Months(n) => n <= 3,
            Term::WorkingDays(_) => true,
        }
    }
}

/// Where the length of a term comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TermSource {
    /// Fixed by the article.
    Statute(Term),
    /// Set by municipal bylaw (verordening), at most `max`; `default` until a gemeente
    /// configures its own.
    Bylaw { default: Term, max: Term },
    /// "Onverwijld" or a service level: not statutory, configured per gemeente.
    ServiceLevel(Term),
    /// A rule of an information standard (iStandaarden), agreed between the parties who
    /// exchange its messages: not a statute, and not the gemeente's to change.
    Standard(Term),
}

/// What happens when a term ends on a day that is not a working day.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EndRule {
    /// Algemene termijnenwet art. 1, 2 and 4.
    Atw,
    /// Regulation (EEC, Euratom) 1182/71 art. 3(4), for EU terms such as the AVG's: the end
    /// moves to the next working day.
    EuRegulation1182,
    /// Working-day terms and service levels: no shift.
    None,
}

/// The code of a deadline rule. Code names a rule by its variant, so a misspelt code does not
/// compile; stored views and bylaw files keep the text ([`RuleCode::as_str`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum RuleCode {
    WmoOnderzoek,
    WmoPlan,
    WmoBeschikking,
    WmoSpoed,
    JwBeschikking,
    PwVoorschot,
    PwZoektermijn,
    PwBesluit,
    ShvEersteGesprek,
    ShvCrisis,
    ShvAanbod,
    ShvBeschikking,
    Bezwaar,
    BezwaarCommissie,
    IjwStop,
    AvgVerzoek,
    AwbDwangsom,
}

impl RuleCode {
    /// Every code, in the order of [`RULES`].
    pub const ALL: [RuleCode; 17] = [
        RuleCode::WmoOnderzoek,
        RuleCode::WmoPlan,
        RuleCode::WmoBeschikking,
        RuleCode::WmoSpoed,
        RuleCode::JwBeschikking,
        RuleCode::PwVoorschot,
        RuleCode::PwZoektermijn,
        RuleCode::PwBesluit,
        RuleCode::ShvEersteGesprek,
        RuleCode::ShvCrisis,
        RuleCode::ShvAanbod,
        RuleCode::ShvBeschikking,
        RuleCode::Bezwaar,
        RuleCode::BezwaarCommissie,
        RuleCode::IjwStop,
        RuleCode::AvgVerzoek,
        RuleCode::AwbDwangsom,
    ];

    /// Returns the code as text, e.g. `WMO-ONDERZOEK`.
    pub fn as_str(self) -> &'static str {
        match self {
            RuleCode::WmoOnderzoek => "WMO-ONDERZOEK",
            RuleCode::WmoPlan => "WMO-PLAN",
            RuleCode::WmoBeschikking => "WMO-BESCHIKKING",
            RuleCode::WmoSpoed => "WMO-SPOED",
            RuleCode::JwBeschikking => "JW-BESCHIKKING",
            RuleCode::PwVoorschot => "PW-VOORSCHOT",
            RuleCode::PwZoektermijn => "PW-ZOEKTERMIJN",
            RuleCode::PwBesluit => "PW-BESLUIT",
            RuleCode::ShvEersteGesprek => "SHV-EERSTE-GESPREK",
            RuleCode::ShvCrisis => "SHV-CRISIS",
            RuleCode::ShvAanbod => "SHV-AANBOD",
            RuleCode::ShvBeschikking => "SHV-BESCHIKKING",
            RuleCode::Bezwaar => "BEZWAAR",
            RuleCode::BezwaarCommissie => "BEZWAAR-COMMISSIE",
            RuleCode::IjwStop => "IJW-STOP",
            RuleCode::AvgVerzoek => "AVG-VERZOEK",
            RuleCode::AwbDwangsom => "AWB-DWANGSOM",
        }
    }

    /// Returns the rule of this code.
    pub fn rule(self) -> &'static DeadlineRule {
        RULES
            .iter()
            .find(|rule| rule.code == self)
            .expect("every code has its row in RULES")
    }
}

impl fmt::Display for RuleCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // pad, not write_str: a table's column width applies.
        f.pad(self.as_str())
    }
}

impl PartialEq<RuleCode> for String {
    fn eq(&self, code: &RuleCode) -> bool {
        self == code.as_str()
    }
}

/// One row of the deadline catalogue.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DeadlineRule {
    /// Code from the catalogue (docs/domain.md), e.g. `WMO-ONDERZOEK`.
    pub code: RuleCode,
    pub title: &'static str,
    /// Article the term comes from.
    pub article: &'static str,
    /// The consolidated text it was read from.
    pub source: &'static str,
    /// Valid-from date of that text.
    pub valid_from: NaiveDate,
    pub starts_on: &'static str,
    pub met_by: &'static str,
    pub term: TermSource,
    pub end_rule: EndRule,
    /// A blocking window (nothing may happen before it ends) rather than a duty to act by it.
    pub blocking: bool,
}

const fn date(year: i32, month: u32, day: u32) -> NaiveDate {
    match NaiveDate::from_ymd_opt(year, month, day) {
        Some(date) => date,
        None => panic!("invalid date in the deadline catalogue"),
    }
}

/// The catalogue (docs/domain.md, The deadline catalogue). Add rows here; never change a code.
pub const RULES: &[DeadlineRule] = &[
    DeadlineRule {
        code: RuleCode::WmoOnderzoek,
        title: "onderzoek na een melding",
        article: "Wmo 2015 art. 2.3.2 lid 1",
        source: "https://wetten.overheid.nl/BWBR0035362/2026-01-01#Artikel2.3.2",
        valid_from: date(2026, 1, 1),
        starts_on: "wmo.melding_ontvangen",
        met_by: "wmo.onderzoek_afgerond",
        term: TermSource::Statute(Term::Weeks(6)),
        end_rule: EndRule::Atw,
        blocking: false,
    },
    DeadlineRule {
        code: RuleCode::WmoPlan,
        title: "gelegenheid tot indienen persoonlijk plan",
        article: "Wmo 2015 art. 2.3.2 lid 2",
        source: "https://wetten.overheid.nl/BWBR0035362/2026-01-01#Artikel2.3.2",
        valid_from: date(2026, 1, 1),
        starts_on: "wmo.melding_ontvangen",
        met_by: "window closes",
        term: TermSource::Statute(Term::Days(7)),
        end_rule: EndRule::Atw,
        blocking: true,
    },
    DeadlineRule {
        code: RuleCode::WmoBeschikking,
        title: "beschikking op een aanvraag",
        article: "Wmo 2015 art. 2.3.5 lid 2",
        source: "https://wetten.overheid.nl/BWBR0035362/2026-01-01#Artikel2.3.5",
        valid_from: date(2026, 1, 1),
        starts_on: "wmo.aanvraag_ontvangen",
        met_by: "wmo.beschikking_afgegeven",
        term: TermSource::Statute(Term::Weeks(2)),
        end_rule: EndRule::Atw,
        blocking: false,
    },
    DeadlineRule {
        code: RuleCode::WmoSpoed,
        title: "tijdelijke voorziening in spoedeisende gevallen (onverwijld)",
        article: "Wmo 2015 art. 2.3.3",
        source: "https://wetten.overheid.nl/BWBR0035362/2026-01-01#Artikel2.3.3",
        valid_from: date(2026, 1, 1),
        starts_on: "wmo.melding_ontvangen with spoed",
        met_by: "wmo.tijdelijke_voorziening_besloten",
        term: TermSource::ServiceLevel(Term::WorkingDays(1)),
        end_rule: EndRule::None,
        blocking: false,
    },
    DeadlineRule {
        code: RuleCode::JwBeschikking,
        title: "beschikking jeugdhulp (termijn uit de verordening, anders redelijk, ten hoogste 8 weken)",
        article: "Awb art. 4:13",
        source: "Circulaire Wet dwangsom (BWBR0035667), bijlage Wettelijke en redelijke termijn",
        valid_from: date(2026, 1, 1),
        starts_on: "jeugd.aanvraag_ontvangen",
        met_by: "jeugd.beschikking_afgegeven",
        term: DECISION_BY_REGULATION,
        end_rule: EndRule::Atw,
        blocking: false,
    },
    DeadlineRule {
        code: RuleCode::PwVoorschot,
        title: "voorschot op bijstand (daarna telkens na 4 weken)",
        article: "Participatiewet art. 52 lid 1",
        source: "https://wetten.overheid.nl/BWBR0015703/2026-01-01#Artikel52",
        valid_from: date(2026, 1, 1),
        starts_on: "participatie.aanvraag_ingediend",
        met_by: "participatie.voorschot_verleend",
        term: TermSource::Statute(Term::Weeks(4)),
        end_rule: EndRule::Atw,
        blocking: false,
    },
    DeadlineRule {
        code: RuleCode::PwZoektermijn,
        title: "zoektermijn jongeren onder 27 (aanvraag niet eerder)",
        article: "Participatiewet art. 41 lid 4",
        source: "https://wetten.overheid.nl/BWBR0015703/2026-01-01#Artikel41",
        valid_from: date(2026, 1, 1),
        starts_on: "participatie.melding_gedaan (under 27)",
        met_by: "window closes",
        term: TermSource::Statute(Term::Weeks(4)),
        end_rule: EndRule::Atw,
        blocking: true,
    },
    DeadlineRule {
        code: RuleCode::PwBesluit,
        title: "besluit op een bijstandsaanvraag (termijn uit de verordening, anders ten hoogste 8 weken)",
        article: "Awb art. 4:13",
        source: "Circulaire Wet dwangsom (BWBR0035667), bijlage Wettelijke en redelijke termijn",
        valid_from: date(2026, 1, 1),
        starts_on: "participatie.aanvraag_ingediend",
        met_by: "participatie.besluit_genomen",
        term: DECISION_BY_REGULATION,
        end_rule: EndRule::Atw,
        blocking: false,
    },
    DeadlineRule {
        code: RuleCode::ShvEersteGesprek,
        title: "eerste gesprek schuldhulpverlening",
        article: "Wgs art. 4 lid 1",
        source: "https://wetten.overheid.nl/BWBR0031331/2026-01-01#Artikel4",
        valid_from: date(2026, 1, 1),
        starts_on: "schuldhulp.aanmelding_ontvangen or schuldhulp.aanbod_geaccepteerd",
        met_by: "schuldhulp.eerste_gesprek_gevoerd",
        term: TermSource::Statute(Term::Weeks(4)),
        end_rule: EndRule::Atw,
        blocking: false,
    },
    DeadlineRule {
        code: RuleCode::ShvCrisis,
        title: "eerste gesprek bij een bedreigende situatie",
        article: "Wgs art. 4 lid 2",
        source: "https://wetten.overheid.nl/BWBR0031331/2026-01-01#Artikel4",
        valid_from: date(2026, 1, 1),
        starts_on: "schuldhulp.aanmelding_ontvangen or aanbod_geaccepteerd with bedreigende situatie",
        met_by: "schuldhulp.eerste_gesprek_gevoerd",
        term: TermSource::Statute(Term::WorkingDays(3)),
        end_rule: EndRule::None,
        blocking: false,
    },
    DeadlineRule {
        code: RuleCode::ShvAanbod,
        title: "aanbod na een vroegsignaal (geen wettelijke termijn; gemeentelijke norm)",
        article: "Wgs art. 3 lid 1 onder b (aanbod; termijn uit het gemeentelijk plan, art. 2 lid 4)",
        source: "https://wetten.overheid.nl/BWBR0031331/2026-01-01#Artikel3",
        valid_from: date(2026, 1, 1),
        starts_on: "schuldhulp.vroegsignaal_ontvangen",
        met_by: "schuldhulp.aanbod_gedaan (or the resident's own schuldhulp.aanmelding_ontvangen)",
        term: TermSource::ServiceLevel(Term::WorkingDays(10)),
        end_rule: EndRule::None,
        blocking: false,
    },
    DeadlineRule {
        code: RuleCode::ShvBeschikking,
        title: "beschikking na het eerste gesprek (plan van aanpak of weigering)",
        article: "Wgs art. 4a lid 3",
        source: "https://wetten.overheid.nl/BWBR0031331/2026-01-01#Artikel4a",
        valid_from: date(2026, 1, 1),
        starts_on: "schuldhulp.eerste_gesprek_gevoerd",
        met_by: "schuldhulp.beschikking_afgegeven",
        term: TermSource::Bylaw {
            default: Term::Weeks(8),
            max: Term::Weeks(8),
        },
        end_rule: EndRule::Atw,
        blocking: false,
    },
    DeadlineRule {
        code: RuleCode::Bezwaar,
        title: "beslissing op bezwaar (zonder adviescommissie)",
        article: "Awb art. 7:10 lid 1",
        source: "Circulaire Wet dwangsom (BWBR0035667), bijlage Wettelijke en redelijke termijn",
        valid_from: date(2026, 1, 1),
        starts_on: "*.bezwaar_ontvangen (end of the objection period)",
        met_by: "*.beslissing_op_bezwaar",
        term: TermSource::Statute(Term::Weeks(6)),
        end_rule: EndRule::Atw,
        blocking: false,
    },
    DeadlineRule {
        code: RuleCode::BezwaarCommissie,
        title: "beslissing op bezwaar met een adviescommissie",
        article: "Awb art. 7:10 lid 1",
        source: "Circulaire Wet dwangsom (BWBR0035667), bijlage Wettelijke en redelijke termijn",
        valid_from: date(2026, 1, 1),
        starts_on: "*.bezwaar_ontvangen (end of the objection period)",
        met_by: "*.beslissing_op_bezwaar",
        term: TermSource::Statute(Term::Weeks(12)),
        end_rule: EndRule::Atw,
        blocking: false,
    },
    DeadlineRule {
        code: RuleCode::IjwStop,
        title: "stopbericht (JW307) na het einde van de jeugdhulp",
        article: "iJw 3.2 bedrijfsregel OP272 (an iStandaarden rule, not a statute)",
        source: "https://informatiemodel.istandaarden.nl/informatiemodel/ijw/3.2/regels/bedrijfsregel/op272",
        valid_from: date(2026, 1, 1),
        starts_on: "actual end of care (einddatum of jeugd.jeugdhulp_beeindigd)",
        met_by: "jeugd.jeugdhulp_beeindigd (the JW307 stop message)",
        term: TermSource::Standard(Term::WorkingDays(5)),
        end_rule: EndRule::None,
        blocking: false,
    },
    DeadlineRule {
        code: RuleCode::AvgVerzoek,
        title: "antwoord op een verzoek van de betrokkene (verlenging met 2 maanden aan te kondigen)",
        article: "AVG art. 12 lid 3; UAVG art. 34",
        source: "https://eur-lex.europa.eu/eli/reg/2016/679/oj (art. 12(3))",
        valid_from: date(2018, 5, 25),
        starts_on: "*.avg_verzoek_ontvangen (extended once by two months: *.avg_verzoek_verlengd)",
        met_by: "*.avg_verzoek_beantwoord",
        term: TermSource::Statute(Term::Months(1)),
        end_rule: EndRule::EuRegulation1182,
        blocking: false,
    },
    DeadlineRule {
        code: RuleCode::AwbDwangsom,
        title: "dwangsom bij niet tijdig beslissen: verbeurd vanaf twee weken na de ingebrekestelling",
        article: "Awb art. 4:17 lid 1 en 3",
        source: "https://wetten.overheid.nl/BWBR0005537/2026-01-01#Hoofdstuk4_Titeldeel4.1_Afdeling4.1.3_Paragraaf4.1.3.2",
        valid_from: date(2009, 10, 1),
        starts_on: "ingebrekestelling_ontvangen after the decision term ran out",
        met_by: "the decision (the case's beschikking or besluit)",
        term: TermSource::Statute(Term::Days(14)),
        end_rule: EndRule::None,
        blocking: false,
    },
];

/// A decision term a gemeente's verordening may set (Awb 4:13 lid 1, "bij wettelijk
/// voorschrift bepaald"); without one a reasonable term of at most eight weeks (lid 2). No
/// statute caps what a verordening sets: a year bounds what is credible.
pub const DECISION_BY_REGULATION: TermSource = TermSource::Bylaw {
    default: Term::Weeks(8),
    max: Term::Weeks(52),
};

/// Awb 4:17 lid 2 and 3: the dwangsom per day, in euro, for the 14 days of each step, 42
/// days at most.
pub const DWANGSOM_EURO_PER_DAY: [(u32, u32); 3] = [(14, 23), (14, 35), (14, 45)];

/// Returns the dwangsom forfeited after `days` days (Awb 4:17 lid 2), in euro cents.
pub fn dwangsom_cent(days: u32) -> i64 {
    let mut left = days;
    let mut euro = 0;
    for (step_days, per_day) in DWANGSOM_EURO_PER_DAY {
        let counted = left.min(step_days);
        euro += i64::from(counted) * i64::from(per_day);
        left -= counted;
    }
    euro * 100
}

/// Returns the rule with this code.
pub fn rule(code: &str) -> Option<&'static DeadlineRule> {
    RULES.iter().find(|rule| rule.code.as_str() == code)
}

/// A term could not be computed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DeadlineError {
    #[error("a bylaw term of {given} exceeds the statutory maximum of {max}")]
    OverMaximum { given: Term, max: Term },
    #[error("only a bylaw or service-level term can be configured per gemeente")]
    NotConfigurable,
    #[error("the date lies beyond the calendar")]
    OutOfRange,
}

/// A due date with the reasoning behind it, for operators and auditors.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Computation {
    pub start: NaiveDate,
    pub term: Term,
    pub due: NaiveDate,
    /// One step per line of reasoning: the count, each day skipped and why, each move and
    /// its article.
    pub steps: Vec<Step>,
}

/// One step of the reasoning behind a due date. Shown in English by the CLI (`Display`) and in
/// Dutch by the regiewerkplek ([`Step::dutch`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Step {
    /// The event's day; the term counts from the next.
    Start(NaiveDate),
    /// A day a working-day term does not count, and why.
    Skipped { day: NaiveDate, reason: String },
    /// Where the term itself ends.
    EndOfTerm {
        due: NaiveDate,
        term: Term,
        start: NaiveDate,
    },
    /// Days of suspension added, under `article`.
    Suspended {
        due: NaiveDate,
        days: u32,
        article: &'static str,
    },
    /// Days of adjournment added (Awb 7:10 lid 3 and 4).
    Adjourned { due: NaiveDate, days: u32 },
    /// The Atw does not move the end of a term this long.
    NoShift { term: Term },
    /// An end on a day that is not a working day, moved to the next, under `basis`.
    Moved {
        from: NaiveDate,
        reason: String,
        to: NaiveDate,
        basis: &'static str,
    },
    /// Extended to leave two working days in the term (Atw art. 2).
    TwoWorkingDays { from: NaiveDate, to: NaiveDate },
    /// The due date lies after the last day a known decree covers.
    BeyondDecrees { due: NaiveDate, known: NaiveDate },
}

impl fmt::Display for Step {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Step::Start(start) => write!(f, "{start} start; the term counts from the next day"),
            Step::Skipped { day, reason } => write!(f, "{day} skipped: {reason}"),
            Step::EndOfTerm { due, term, start } => write!(f, "{due} end of {term} from {start}"),
            Step::Suspended { due, days, article } => {
                write!(f, "{due} after {days} days of suspension ({article})")
            }
            Step::Adjourned { due, days } => write!(
                f,
                "{due} after {days} days of adjournment (Awb art. 7:10 lid 3 and 4)"
            ),
            Step::NoShift { term } => write!(
                f,
                "no shift: the Atw does not apply to a term of {term} (Atw art. 4)"
            ),
            Step::Moved {
                from,
                reason,
                to,
                basis,
            } => write!(
                f,
                "{from} is not a working day ({reason}): moved to {to} ({basis})"
            ),
            Step::TwoWorkingDays { from, to } => write!(
                f,
                "{from} leaves fewer than two working days in the term: extended to {to} (Atw art. 2)"
            ),
            Step::BeyondDecrees { due, known } => write!(
                f,
                "warning: {due} lies after {known}, the last day a known decree under Atw art. 3 \
                 lid 3 covers; a day a later decree makes equal to a holiday may move it"
            ),
        }
    }
}

impl Step {
    /// The step in Dutch, dates as `dd-mm-jjjj`.
    pub fn dutch(&self) -> String {
        let d = |date: &NaiveDate| date.format("%d-%m-%Y").to_string();
        match self {
            Step::Start(start) => format!(
                "{}: de gebeurtenis; de termijn telt vanaf de dag erna",
                d(start)
            ),
            Step::Skipped { day, reason } => format!("{} telt niet mee: {reason}", d(day)),
            Step::EndOfTerm { due, term, start } => {
                format!("{}: einde van {} vanaf {}", d(due), term.dutch(), d(start))
            }
            Step::Suspended { due, days, article } => {
                format!("{}: na {days} dagen opschorting ({article})", d(due))
            }
            Step::Adjourned { due, days } => {
                format!(
                    "{}: na {days} dagen verdaging (Awb art. 7:10 lid 3 en 4)",
                    d(due)
                )
            }
            Step::NoShift { term } => format!(
                "niet verschoven: de Algemene termijnenwet geldt niet voor een termijn van {} (Atw art. 4)",
                term.dutch()
            ),
            Step::Moved {
                from,
                reason,
                to,
                basis,
            } => format!(
                "{} is geen werkdag ({reason}): verschoven naar {} ({basis})",
                d(from),
                d(to)
            ),
            Step::TwoWorkingDays { from, to } => format!(
                "{} laat minder dan twee werkdagen in de termijn: verlengd tot {} (Atw art. 2)",
                d(from),
                d(to)
            ),
            Step::BeyondDecrees { due, known } => format!(
                "let op: {} ligt na {}, de laatste dag die een bekend besluit onder Atw art. 3 lid 3 \
                 dekt; een later besluit kan de datum nog verschuiven",
                d(due),
                d(known)
            ),
        }
    }
}

/// Days added to a term after it started.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Added {
    /// Days the term was suspended (Awb 4:15, 7:10 lid 2).
    pub suspended_days: u32,
    /// Days the decision on an objection was put off (Awb 7:10 lid 3 and 4).
    pub extended_days: u32,
}

impl Added {
    /// Only days of suspension.
    pub fn suspended(days: u32) -> Self {
        Self {
            suspended_days: days,
            extended_days: 0,
        }
    }
}

/// Computes the due date of `rule` for an event on `start`, counting working days in
/// `calendar`. `configured` is a gemeente's own term for a bylaw or service-level rule;
/// `added` the days the term was suspended (Awb 4:15, 7:10 lid 2) and extended (7:10 lid
/// 3 and 4).
///
/// # Errors
/// [`DeadlineError`] for a configured term the rule does not allow, or a date out of range.
pub fn compute(
    rule: &DeadlineRule,
    start: NaiveDate,
    configured: Option<Term>,
    added: Added,
    calendar: &Calendar,
) -> Result<Computation, DeadlineError> {
    let term = term_in_force(rule.term, configured)?;
    let mut steps = vec![Step::Start(start)];
    let mut due = end_of_term(term, start, calendar, &mut steps)?;
    steps.push(Step::EndOfTerm { due, term, start });
    let objection = matches!(rule.code, RuleCode::Bezwaar | RuleCode::BezwaarCommissie);
    if added.suspended_days > 0 {
        due = add_days(due, added.suspended_days)?;
        let article = if objection {
            "Awb art. 7:10 lid 2"
        } else {
            "Awb art. 4:15"
        };
        steps.push(Step::Suspended {
            due,
            days: added.suspended_days,
            article,
        });
    }
    if added.extended_days > 0 {
        due = add_days(due, added.extended_days)?;
        steps.push(Step::Adjourned {
            due,
            days: added.extended_days,
        });
    }
    due = shift_off_non_working_days(rule.end_rule, term, due, calendar, &mut steps)?;
    if rule.end_rule == EndRule::Atw && term.within_atw() && term.approximate_days() >= 3 {
        due = two_working_days(start, due, calendar, &mut steps)?;
    }
    if let Some(known) = calendar.known_until()
        && due > known
    {
        steps.push(Step::BeyondDecrees { due, known });
    }
    Ok(Computation {
        start,
        term,
        due,
        steps,
    })
}

/// Checks that a gemeente's own term `given` for `rule` never ends after the statutory
/// maximum would: the due dates of both, the Atw's shifts included, from every day of four
/// years (a leap year, the decrees' years and the turn of every month among them).
///
/// # Errors
/// [`DeadlineError::OverMaximum`] when `given` runs past the maximum from some day;
/// [`DeadlineError::NotConfigurable`] for a rule a gemeente cannot set.
pub fn within_maximum(
    rule: &DeadlineRule,
    given: Term,
    calendar: &Calendar,
) -> Result<(), DeadlineError> {
    let TermSource::Bylaw { max, .. } = rule.term else {
        return match rule.term {
            TermSource::ServiceLevel(_) => Ok(()),
            _ => Err(DeadlineError::NotConfigurable),
        };
    };
    let first = NaiveDate::from_ymd_opt(2026, 1, 1).ok_or(DeadlineError::OutOfRange)?;
    for offset in 0..4 * 365 + 1 {
        let start = add_days(first, offset)?;
        let due = |term| compute(rule, start, Some(term), Added::default(), calendar);
        if due(given)?.due > due(max)?.due {
            return Err(DeadlineError::OverMaximum { given, max });
        }
    }
    Ok(())
}

/// Returns the term that applies: the statute's, or the gemeente's own where the rule lets
/// it set one (within the statutory maximum).
fn term_in_force(source: TermSource, configured: Option<Term>) -> Result<Term, DeadlineError> {
    match (source, configured) {
        (TermSource::Statute(term) | TermSource::Standard(term), None) => Ok(term),
        (TermSource::Statute(_) | TermSource::Standard(_), Some(_)) => {
            Err(DeadlineError::NotConfigurable)
        }
        (TermSource::Bylaw { default, .. } | TermSource::ServiceLevel(default), None) => {
            Ok(default)
        }
        (TermSource::Bylaw { max, .. }, Some(given)) => {
            // In the statute's own unit the counts compare; in another (working days or
            // months against weeks) only the due dates do, which a bylaw file is checked by
            // when it is loaded ([`within_maximum`]).
            if given.same_unit(max) && given.count() > max.count() {
                return Err(DeadlineError::OverMaximum { given, max });
            }
            Ok(given)
        }
        (TermSource::ServiceLevel(_), Some(given)) => Ok(given),
    }
}

fn add_days(date: NaiveDate, days: u32) -> Result<NaiveDate, DeadlineError> {
    date.checked_add_signed(Duration::days(i64::from(days)))
        .ok_or(DeadlineError::OutOfRange)
}

/// Returns the last day of `term` from `start`, noting each day a working-day term skips.
fn end_of_term(
    term: Term,
    start: NaiveDate,
    calendar: &Calendar,
    steps: &mut Vec<Step>,
) -> Result<NaiveDate, DeadlineError> {
    match term {
        Term::Days(n) => add_days(start, n),
        Term::Weeks(n) => add_days(start, n * 7),
        Term::Months(n) => start
            .checked_add_months(Months::new(n))
            .ok_or(DeadlineError::OutOfRange),
        Term::WorkingDays(n) => {
            let mut day = start;
            let mut counted = 0;
            while counted < n {
                day = add_days(day, 1)?;
                match calendar.non_working_reason(day) {
                    Some(reason) => steps.push(Step::Skipped { day, reason }),
                    None => counted += 1,
                }
            }
            Ok(day)
        }
    }
}

/// Moves an end that falls on a day that is not a working day to the next working day,
/// where the end rule says so (Atw art. 1, Verordening 1182/71 art. 3 lid 4).
fn shift_off_non_working_days(
    end_rule: EndRule,
    term: Term,
    mut due: NaiveDate,
    calendar: &Calendar,
    steps: &mut Vec<Step>,
) -> Result<NaiveDate, DeadlineError> {
    let basis = match end_rule {
        EndRule::Atw if term.within_atw() => "Atw art. 1",
        EndRule::Atw => {
            steps.push(Step::NoShift { term });
            return Ok(due);
        }
        EndRule::EuRegulation1182 => "Verordening 1182/71 art. 3 lid 4",
        EndRule::None => return Ok(due),
    };
    while let Some(reason) = calendar.non_working_reason(due) {
        let next = add_days(due, 1)?;
        steps.push(Step::Moved {
            from: due,
            reason,
            to: next,
            basis,
        });
        due = next;
    }
    Ok(due)
}

/// Atw art. 2: at least two working days inside the term (two found is enough: a term of any
/// length, from any date, is looked at only that far).
fn two_working_days(
    start: NaiveDate,
    mut due: NaiveDate,
    calendar: &Calendar,
    steps: &mut Vec<Step>,
) -> Result<NaiveDate, DeadlineError> {
    let mut working = (1..=(due - start).num_days())
        .filter(|offset| calendar.is_working_day(start + Duration::days(*offset)))
        .take(2)
        .count();
    while working < 2 {
        let next = add_days(due, 1)?;
        if calendar.is_working_day(next) {
            working += 1;
        }
        steps.push(Step::TwoWorkingDays {
            from: due,
            to: next,
        });
        due = next;
    }
    Ok(due)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_code_has_one_rule_and_reads_back_from_its_text() {
        assert_eq!(RULES.len(), RuleCode::ALL.len());
        for (code, row) in RuleCode::ALL.into_iter().zip(RULES) {
            assert_eq!(row.code, code, "RULES is in the order of RuleCode::ALL");
            assert_eq!(code.rule(), row);
            assert_eq!(rule(code.as_str()), Some(row));
        }
    }

    fn day(text: &str) -> NaiveDate {
        text.parse().expect("ISO date")
    }

    fn due(code: &str, start: &str) -> String {
        let rule = rule(code).expect("rule in the catalogue");
        compute(
            rule,
            day(start),
            None,
            Added::suspended(0),
            &Calendar::default(),
        )
        .expect("computes")
        .due
        .to_string()
    }

    /// (rule, start, due, why) - each case names the article and the calendar fact it checks.
    const CASES: &[(&str, &str, &str, &str)] = &[
        (
            "WMO-ONDERZOEK",
            "2026-01-05",
            "2026-02-16",
            "Wmo 2.3.2(1): six weeks, ends on a Monday",
        ),
        (
            "WMO-ONDERZOEK",
            "2026-02-20",
            "2026-04-07",
            "six weeks end on Goede Vrijdag 3 April 2026; weekend and tweede Paasdag follow: Atw art. 1 gives Tuesday 7 April",
        ),
        (
            "WMO-BESCHIKKING",
            "2026-03-20",
            "2026-04-07",
            "Wmo 2.3.5(2): ends on Friday 3 April, Goede Vrijdag; Sat, Sun, Paasmaandag follow",
        ),
        (
            "WMO-BESCHIKKING",
            "2026-04-30",
            "2026-05-18",
            "ends on Hemelvaartsdag 14 May 2026; Friday 15 May is made equal to a holiday \
             (Atw art. 3 lid 3, Besluit gelijkstelling van 2 januari 2026, 15 mei 2026, ...), \
             then the weekend: Monday 18 May",
        ),
        (
            "JW-BESCHIKKING",
            "2026-03-30",
            "2026-05-26",
            "Awb 4:13: eight weeks end on tweede Pinksterdag 25 May 2026",
        ),
        (
            "PW-VOORSCHOT",
            "2025-03-29",
            "2025-04-28",
            "Pw 52(1): ends on Koningsdag 26 April 2025 (27th a Sunday), a Saturday; Sunday; Monday 28th",
        ),
        (
            "PW-BESLUIT",
            "2031-03-01",
            "2031-04-28",
            "Awb 4:13: ends Saturday 26 April 2031, Koningsdag moved from Sunday the 27th",
        ),
        (
            "SHV-EERSTE-GESPREK",
            "2026-04-07",
            "2026-05-06",
            "Wgs 4(1): ends on Bevrijdingsdag 5 May 2026",
        ),
        (
            "SHV-CRISIS",
            "2026-12-23",
            "2026-12-29",
            "Wgs 4(2): three working days: 24th, (25th, 26th, 27th skipped), 28th, 29th",
        ),
        (
            "SHV-CRISIS",
            "2026-04-02",
            "2026-04-09",
            "three working days across Easter: Goede Vrijdag 3 April, the weekend and Paasmaandag 6 April skipped; 7, 8, 9 April count",
        ),
        (
            "BEZWAAR",
            "2026-11-20",
            "2027-01-04",
            "Awb 7:10(1): six weeks end on New Year's Day 2027, a Friday",
        ),
        (
            "BEZWAAR-COMMISSIE",
            "2026-10-02",
            "2026-12-28",
            "twelve weeks end on Christmas Day; Atw applies to exactly 12 weeks",
        ),
        (
            "WMO-PLAN",
            "2026-12-18",
            "2026-12-28",
            "Wmo 2.3.2(2): seven days end on eerste Kerstdag; tweede Kerstdag and Sunday follow",
        ),
        (
            "IJW-STOP",
            "2026-05-13",
            "2026-05-22",
            "OP272: five working days across Hemelvaartsdag 14 May and Friday 15 May, made \
             equal to a holiday by the Besluit gelijkstelling (Atw art. 3 lid 3): 18 to 22 May",
        ),
        (
            "AVG-VERZOEK",
            "2026-01-31",
            "2026-03-02",
            "AVG 12(3): one month from 31 January ends 28 February, a Saturday; EU rule moves it",
        ),
    ];

    #[test]
    fn a_term_past_the_last_known_decree_warns_that_it_may_move() {
        // The known decrees of Atw art. 3 lid 3 cover up to 31 December 2028; six weeks from
        // 1 December 2028 end in January 2029, which a decree not yet made may touch.
        let rule = RuleCode::WmoOnderzoek.rule();
        let day = |text: &str| text.parse::<NaiveDate>().expect("a date");
        let late = compute(
            rule,
            day("2028-12-01"),
            None,
            Added::suspended(0),
            &Calendar::default(),
        )
        .expect("due");
        assert!(
            late.steps
                .iter()
                .any(|step| matches!(step, Step::BeyondDecrees { known, .. } if known.to_string() == "2028-12-31")),
            "{:?}",
            late.steps
        );
        let early = compute(
            rule,
            day("2028-10-02"),
            None,
            Added::suspended(0),
            &Calendar::default(),
        )
        .expect("due");
        assert!(
            early
                .steps
                .iter()
                .all(|step| !matches!(step, Step::BeyondDecrees { .. }))
        );
    }

    #[test]
    fn the_dwangsom_grows_in_three_steps_to_at_most_1442_euro() {
        // Awb 4:17 lid 2: € 23 a day for the first fourteen days, € 35 for the next fourteen,
        // € 45 for the rest; lid 3: at most 42 days.
        assert_eq!(dwangsom_cent(0), 0);
        assert_eq!(dwangsom_cent(1), 2_300);
        assert_eq!(dwangsom_cent(14), 32_200);
        assert_eq!(dwangsom_cent(15), 35_700);
        assert_eq!(dwangsom_cent(42), 144_200);
        assert_eq!(dwangsom_cent(400), 144_200);
    }

    #[test]
    fn catalogue_cases_follow_the_law() {
        for (code, start, expected, why) in CASES {
            assert_eq!(due(code, start), *expected, "{code} from {start}: {why}");
        }
    }

    #[test]
    fn every_catalogue_row_has_a_unique_code_an_article_and_a_source() {
        for (index, rule) in RULES.iter().enumerate() {
            assert!(
                !rule.article.is_empty() && !rule.source.is_empty(),
                "{}",
                rule.code
            );
            assert!(
                RULES[index + 1..]
                    .iter()
                    .all(|other| other.code != rule.code),
                "{} twice",
                rule.code
            );
        }
        // The rows of the catalogue in docs/domain.md (BEZWAAR split by advisory committee),
        // SHV-AANBOD (the gemeente's own norm for an offer after a vroegsignaal) and
        // AWB-DWANGSOM (Awb 4:17).
        assert_eq!(RULES.len(), 17);
    }

    #[test]
    fn suspension_extends_before_the_atw_shift() {
        let rule = rule("PW-BESLUIT").expect("rule");
        // Eight weeks from 2026-01-05 end Monday 2 March; ten days of suspension reach
        // Thursday 12 March.
        assert_eq!(
            compute(
                rule,
                day("2026-01-05"),
                None,
                Added::suspended(10),
                &Calendar::default()
            )
            .expect("computes")
            .due,
            day("2026-03-12")
        );
        // Twelve days reach Saturday 14 March: moved to Monday 16 March.
        assert_eq!(
            compute(
                rule,
                day("2026-01-05"),
                None,
                Added::suspended(12),
                &Calendar::default()
            )
            .expect("computes")
            .due,
            day("2026-03-16")
        );
    }

    #[test]
    fn bylaw_terms_are_configurable_up_to_the_maximum() {
        let rule = rule("SHV-BESCHIKKING").expect("rule");
        assert_eq!(
            compute(
                rule,
                day("2026-06-01"),
                Some(Term::Weeks(6)),
                Added::default(),
                &Calendar::default()
            )
            .expect("six weeks")
            .due,
            day("2026-07-13")
        );
        assert!(matches!(
            compute(
                rule,
                day("2026-06-01"),
                Some(Term::Weeks(9)),
                Added::default(),
                &Calendar::default()
            ),
            Err(DeadlineError::OverMaximum { .. })
        ));
        let statutory = super::rule("WMO-ONDERZOEK").expect("rule");
        assert_eq!(
            compute(
                statutory,
                day("2026-06-01"),
                Some(Term::Weeks(3)),
                Added::default(),
                &Calendar::default()
            ),
            Err(DeadlineError::NotConfigurable)
        );
    }

    #[test]
    fn the_reasoning_names_each_skipped_day() {
        let rule = rule("SHV-CRISIS").expect("rule");
        let computation = compute(
            rule,
            day("2026-12-23"),
            None,
            Added::suspended(0),
            &Calendar::default(),
        )
        .expect("computes");
        let text = computation
            .steps
            .iter()
            .map(ToString::to_string)
            .collect::<Vec<_>>()
            .join("\n");
        assert!(
            text.contains("2026-12-25 skipped: eerste Kerstdag"),
            "{text}"
        );
        assert!(
            text.contains("2026-12-26 skipped: tweede Kerstdag"),
            "{text}"
        );
        assert!(text.contains("2026-12-27 skipped: zondag"), "{text}");
    }
}
