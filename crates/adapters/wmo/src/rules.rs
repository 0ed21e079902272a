//! The Wmo service's payload rules: what a melding, onderzoek, beschikking and voorziening
//! must hold. Pure: the handlers in `lib.rs` call them before they write.

use rondom_adapter::Check;
use rondom_domain::code::{check_agb, check_productcategorie, check_productcode};
use rondom_proto::v1;

pub(crate) const LEVERINGSVORMEN: &str = "ZIN, PGB";
pub(crate) const STOP_REDENEN: &str =
    "DOEL_BEREIKT, VERHUISD, OVERLEDEN, ANDERE_VOORZIENING, OP_VERZOEK_CLIENT, OVERIG";

/// A provision is delivered by a provider (AGB code) as an iWmo product.
pub(crate) fn check_levering(check: &mut Check, aanbieder_agb: &str, productcode: &str) {
    check.code("voorziening.aanbieder_agb", aanbieder_agb, check_agb);
    check.code("voorziening.productcode", productcode, check_productcode);
}

/// A beschikking cites its aanvraag (not after the beschikking itself) and, unless refused,
/// grants a period that does not end before it starts.
pub(crate) fn check_beschikking(
    check: &mut Check,
    beschikking: &v1::WmoBeschikkingAfgegeven,
) -> Option<()> {
    let besluit = check.decision(
        "beschikking",
        beschikking.besluit,
        "aanvraag_ontvangen_op",
        beschikking.aanvraag_ontvangen_op.as_ref(),
    );
    check.code(
        "beschikking.productcategorie",
        &beschikking.productcategorie,
        check_productcategorie,
    );
    if besluit != Some(v1::Besluit::Afgewezen) {
        check.choice::<v1::Leveringsvorm>(
            "beschikking.leveringsvorm",
            beschikking.leveringsvorm,
            LEVERINGSVORMEN,
        );
        check.granted_period(
            "beschikking",
            beschikking.ingangsdatum.as_ref(),
            beschikking.einddatum.as_ref(),
        );
    }
    besluit.map(|_| ())
}
