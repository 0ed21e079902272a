//! The Participatiewet service's payload rules: besluiten and re-integratie. Pure: the
//! handlers in `lib.rs` call them before they write.

use rondom_adapter::Check;
use rondom_domain::code::check_kvk;
use rondom_proto::v1;

pub(crate) const LEEFVORMEN: &str = "ALLEENSTAANDE, ALLEENSTAANDE_OUDER, GEHUWDEN";
pub(crate) const REINTEGRATIE_SOORTEN: &str =
    "WERKFIT, SCHOLING, PARTICIPATIEPLAATS, LOONKOSTENSUBSIDIE, BESCHUT_WERK";
pub(crate) const REINTEGRATIE_RESULTATEN: &str = "WERK, AFGEROND, AFGEBROKEN";
pub(crate) const EINDE_REDENEN: &str =
    "WERK, INKOMEN_PARTNER, VERHUISD, OVERLEDEN, ADRES_ONBEKEND, OVERIG";

/// A besluit cites its aanvraag (not after the besluit itself) and, unless refused, says
/// from which day the right to bijstand runs.
pub(crate) fn check_besluit(check: &mut Check, besluit: &v1::PwBesluitGenomen) -> Option<()> {
    let uitkomst = check.decision(
        "besluit",
        besluit.besluit,
        "aanvraag_ingediend_op",
        besluit.aanvraag_ingediend_op.as_ref(),
    );
    if uitkomst != Some(v1::Besluit::Afgewezen) {
        check.date("besluit.ingangsdatum", besluit.ingangsdatum.as_ref())?;
    }
    uitkomst.map(|_| ())
}

/// A re-integratie has a kind, optionally a provider (the gemeente's own team otherwise) and
/// starts on a day; an ended one has a result and does not end before it started.
pub(crate) fn check_reintegratie(
    check: &mut Check,
    reintegratie: &v1::Reintegratie,
    ended: bool,
) -> Option<()> {
    let soort = check.choice::<v1::ReintegratieSoort>(
        "reintegratie.soort",
        reintegratie.soort,
        REINTEGRATIE_SOORTEN,
    );
    if !reintegratie.aanbieder_kvk.is_empty() {
        check.code(
            "reintegratie.aanbieder_kvk",
            &reintegratie.aanbieder_kvk,
            check_kvk,
        );
    }
    let start = check.date("reintegratie.begindatum", reintegratie.begindatum.as_ref());
    if ended {
        let end = check.date("reintegratie.einddatum", reintegratie.einddatum.as_ref());
        check.not_before("reintegratie.einddatum", end, start, "the begindatum");
        let resultaat = check.choice::<v1::ReintegratieResultaat>(
            "reintegratie.resultaat",
            reintegratie.resultaat,
            REINTEGRATIE_RESULTATEN,
        );
        end?;
        resultaat?;
    }
    soort?;
    start.map(|_| ())
}
