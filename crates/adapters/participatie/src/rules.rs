//! The Participatiewet service's payload rules: besluiten and re-integratie. Pure: the
//! handlers in `lib.rs` call them before they write.

use rondom_adapter::Check;
use rondom_domain::code::check_kvk;
use rondom_proto::v1;
use rondom_proto::v1::event::Body;

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

/// The `melding_gedaan` event of `register_melding`, if its payload keeps the rules.
pub(crate) fn register_melding(
    _: &mut Check,
    request: v1::RegisterPwMeldingRequest,
) -> Option<Body> {
    Some(Body::PwMelding(request.melding.unwrap_or_default()))
}

/// The `aanvraag_ingediend` event of `receive_aanvraag`, if its payload keeps the rules.
pub(crate) fn receive_aanvraag(
    check: &mut Check,
    request: v1::ReceivePwAanvraagRequest,
) -> Option<Body> {
    let aanvraag = check.required("aanvraag", request.aanvraag)?;
    check.choice::<v1::Leefvorm>("aanvraag.leefvorm", aanvraag.leefvorm, LEEFVORMEN)?;
    Some(Body::PwAanvraag(aanvraag))
}

/// The `voorschot_verleend` event of `grant_voorschot`, if its payload keeps the rules.
pub(crate) fn grant_voorschot(
    check: &mut Check,
    request: v1::GrantVoorschotRequest,
) -> Option<Body> {
    let voorschot = check.required("voorschot", request.voorschot)?;
    check.positive_cents("voorschot.bedrag_cent", voorschot.bedrag_cent);
    Some(Body::PwVoorschot(voorschot))
}

/// The `besluit_genomen` event of `take_besluit`, if its payload keeps the rules.
pub(crate) fn take_besluit(check: &mut Check, request: v1::TakePwBesluitRequest) -> Option<Body> {
    let besluit = check.required("besluit", request.besluit)?;
    check_besluit(check, &besluit)?;
    Some(Body::PwBesluit(besluit))
}

/// The `reintegratie_gestart` event of `start_reintegratie`, if its payload keeps the rules.
pub(crate) fn start_reintegratie(
    check: &mut Check,
    request: v1::StartReintegratieRequest,
) -> Option<Body> {
    let reintegratie = check.required("reintegratie", request.reintegratie)?;
    check_reintegratie(check, &reintegratie, false)?;
    Some(Body::Reintegratie(reintegratie))
}

/// The `reintegratie_beeindigd` event of `end_reintegratie`, if its payload keeps the rules.
pub(crate) fn end_reintegratie(
    check: &mut Check,
    request: v1::EndReintegratieRequest,
) -> Option<Body> {
    let reintegratie = check.required("reintegratie", request.reintegratie)?;
    check_reintegratie(check, &reintegratie, true)?;
    Some(Body::Reintegratie(reintegratie))
}

/// The `uitkering_beeindigd` event of `end_uitkering`, if its payload keeps the rules.
pub(crate) fn end_uitkering(check: &mut Check, request: v1::EndUitkeringRequest) -> Option<Body> {
    let uitkering = check.required("uitkering", request.uitkering)?;
    let reden =
        check.choice::<v1::UitkeringEindeReden>("uitkering.reden", uitkering.reden, EINDE_REDENEN);
    check.date("uitkering.einddatum", uitkering.einddatum.as_ref())?;
    reden?;
    Some(Body::PwUitkeringBeeindigd(uitkering))
}
