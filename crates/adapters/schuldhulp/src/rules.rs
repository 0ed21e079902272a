//! The schuldhulp service's payload rules: vroegsignalen, beschikkingen and
//! schuldregelingen. Pure: the handlers in `lib.rs` call them before they write.

use rondom_adapter::Check;
use rondom_proto::v1;

pub(crate) const SCHULDEISERS: &str = "HUUR, ENERGIE, WATER, ZORGVERZEKERING";
pub(crate) const BEDREIGENDE_SITUATIES: &str =
    "GEEN, HUISUITZETTING, AFSLUITING_ENERGIE_OF_WATER, BEEINDIGING_ZORGVERZEKERING";
pub(crate) const REGELING_SOORTEN: &str = "MINNELIJK, SANERINGSKREDIET, WSNP_VERWIJZING";
pub(crate) const REGELING_RESULTATEN: &str = "AFGEROND, VOORTIJDIG_BEEINDIGD";
pub(crate) const AFSLUIT_REDENEN: &str = "SCHULDENVRIJ, NAZORG_AFGEROND, UITVAL, DOORVERWEZEN";
/// Months in arrears a vroegsignaal may report.
pub(crate) const ACHTERSTAND_MAANDEN: std::ops::RangeInclusive<u32> = 1..=120;
/// Weeks a plan van aanpak may expect until its result (Wgs 4(3)).
pub(crate) const VERWACHTE_DUUR_WEKEN: std::ops::RangeInclusive<u32> = 1..=260;

/// A beschikking follows the first conversation (not after the beschikking itself) and,
/// unless refused, sets a plan van aanpak with the weeks expected until its result.
pub(crate) fn check_beschikking(
    check: &mut Check,
    beschikking: &v1::SchuldBeschikking,
) -> Option<()> {
    let besluit = check.decision(
        "beschikking",
        beschikking.besluit,
        "eerste_gesprek_op",
        beschikking.eerste_gesprek_op.as_ref(),
    );
    if besluit != Some(v1::Besluit::Afgewezen)
        && !VERWACHTE_DUUR_WEKEN.contains(&beschikking.verwachte_duur_weken)
    {
        check.push(
            "beschikking.verwachte_duur_weken",
            "a plan van aanpak expects its result in 1 to 260 weeks (Wgs 4(3))",
        );
    }
    besluit.map(|_| ())
}

/// A schuldregeling has a kind and starts on a day; an ended one has a result and does not
/// end before it started.
pub(crate) fn check_schuldregeling(
    check: &mut Check,
    regeling: &v1::Schuldregeling,
    ended: bool,
) -> Option<()> {
    let soort = check.choice::<v1::SchuldregelingSoort>(
        "schuldregeling.soort",
        regeling.soort,
        REGELING_SOORTEN,
    );
    let start = check.date("schuldregeling.begindatum", regeling.begindatum.as_ref());
    if ended {
        let end = check.date("schuldregeling.einddatum", regeling.einddatum.as_ref());
        check.not_before("schuldregeling.einddatum", end, start, "the begindatum");
        let resultaat = check.choice::<v1::SchuldregelingResultaat>(
            "schuldregeling.resultaat",
            regeling.resultaat,
            REGELING_RESULTATEN,
        );
        end?;
        resultaat?;
    }
    soort?;
    start.map(|_| ())
}
