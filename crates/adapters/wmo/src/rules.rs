//! The Wmo service's payload rules: what a melding, onderzoek, beschikking and voorziening
//! must hold. Pure: the handlers in `lib.rs` call them before they write.

use rondom_adapter::Check;
use rondom_domain::code::{check_agb, check_productcategorie, check_productcode};
use rondom_proto::v1;
use rondom_proto::v1::event::Body;

pub(crate) const LEVERINGSVORMEN: &str = "ZIN, PGB";
pub(crate) const STOP_REDENEN: &str =
    "DOEL_BEREIKT, VERHUISD, OVERLEDEN, ANDERE_VOORZIENING, OP_VERZOEK_CLIENT, OVERIG";

/// A provision is delivered by a provider (AGB code), as an iWmo product when it names one
/// (iWmo lets a toewijzing name a category or a budget only).
pub(crate) fn check_levering(check: &mut Check, aanbieder_agb: &str, productcode: &str) {
    check.code("voorziening.aanbieder_agb", aanbieder_agb, check_agb);
    check.optional_code("voorziening.productcode", productcode, check_productcode);
}

/// A beschikking is a care decision (see [`Check::care_decision`]) that, unless refused,
/// names how the care is delivered.
pub(crate) fn check_beschikking(
    check: &mut Check,
    beschikking: &v1::WmoBeschikkingAfgegeven,
) -> Option<()> {
    let besluit = check.care_decision(
        "beschikking",
        beschikking.besluit,
        beschikking.aanvraag_ontvangen_op.as_ref(),
        &beschikking.productcategorie,
        beschikking.ingangsdatum.as_ref(),
        beschikking.einddatum.as_ref(),
    );
    if besluit != Some(v1::Besluit::Afgewezen) {
        check.choice::<v1::Leveringsvorm>(
            "beschikking.leveringsvorm",
            beschikking.leveringsvorm,
            LEVERINGSVORMEN,
        );
    }
    besluit.map(|_| ())
}

/// The `melding_ontvangen` event of `receive_melding`, if its payload keeps the rules.
pub(crate) fn receive_melding(
    check: &mut Check,
    request: v1::ReceiveWmoMeldingRequest,
) -> Option<Body> {
    let melding = check.required("melding", request.melding)?;
    Some(Body::WmoMelding(melding))
}

/// The `onderzoek_gestart` event of `start_onderzoek`, if its payload keeps the rules.
pub(crate) fn start_onderzoek(
    _: &mut Check,
    request: v1::StartWmoOnderzoekRequest,
) -> Option<Body> {
    Some(Body::WmoOnderzoekGestart(
        request.onderzoek.unwrap_or_default(),
    ))
}

/// The `onderzoek_afgerond` event of `finish_onderzoek`, if its payload keeps the rules.
pub(crate) fn finish_onderzoek(
    check: &mut Check,
    request: v1::FinishWmoOnderzoekRequest,
) -> Option<Body> {
    let onderzoek = request.onderzoek.unwrap_or_default();
    let sent = check
        .optional_date(
            "onderzoek.verslag_verzonden_op",
            onderzoek.verslag_verzonden_op.as_ref(),
        )?
        .filter(|_| true);
    check.not_after_event("onderzoek.verslag_verzonden_op", sent);
    Some(Body::WmoOnderzoekAfgerond(onderzoek))
}

/// The `tijdelijke_voorziening_besloten` event of `decide_tijdelijke_voorziening`, if its payload keeps the rules.
pub(crate) fn decide_tijdelijke_voorziening(
    check: &mut Check,
    request: v1::DecideWmoTijdelijkeVoorzieningRequest,
) -> Option<Body> {
    let voorziening = check.required("voorziening", request.voorziening)?;
    check.code(
        "voorziening.productcategorie",
        &voorziening.productcategorie,
        check_productcategorie,
    );
    Some(Body::WmoTijdelijkeVoorziening(voorziening))
}

/// The `aanvraag_ontvangen` event of `receive_aanvraag`, if its payload keeps the rules.
pub(crate) fn receive_aanvraag(
    check: &mut Check,
    request: v1::ReceiveWmoAanvraagRequest,
) -> Option<Body> {
    let aanvraag = check.required("aanvraag", request.aanvraag)?;
    check.code(
        "aanvraag.productcategorie",
        &aanvraag.productcategorie,
        check_productcategorie,
    );
    check.choice::<v1::Leveringsvorm>(
        "aanvraag.leveringsvorm",
        aanvraag.leveringsvorm,
        LEVERINGSVORMEN,
    )?;
    Some(Body::WmoAanvraag(aanvraag))
}

/// The `beschikking_afgegeven` event of `issue_beschikking`, if its payload keeps the rules.
pub(crate) fn issue_beschikking(
    check: &mut Check,
    request: v1::IssueWmoBeschikkingRequest,
) -> Option<Body> {
    let beschikking = check.required("beschikking", request.beschikking)?;
    check_beschikking(check, &beschikking)?;
    Some(Body::WmoBeschikking(beschikking))
}

/// The `voorziening_toegewezen` event of `assign_voorziening`, if its payload keeps the rules.
pub fn assign_voorziening(
    check: &mut Check,
    request: v1::AssignWmoVoorzieningRequest,
) -> Option<Body> {
    let voorziening = check.required("voorziening", request.voorziening)?;
    check_levering(check, &voorziening.aanbieder_agb, &voorziening.productcode);
    let start = check.date("voorziening.begindatum", voorziening.begindatum.as_ref());
    let end = check.optional_date("voorziening.einddatum", voorziening.einddatum.as_ref());
    check.not_before(
        "voorziening.einddatum",
        end.flatten(),
        start,
        "the begindatum",
    );
    check.aanlevering("voorziening.aanlevering", voorziening.aanlevering);
    check.optional_code(
        "voorziening.verzoek_case",
        &voorziening.verzoek_case,
        rondom_domain::code::check_case_id,
    );
    start?;
    end?;
    Some(Body::WmoVoorzieningToegewezen(voorziening))
}

/// The `voorziening_gestart` event of `start_voorziening`, if its payload keeps the rules.
pub fn start_voorziening(
    check: &mut Check,
    request: v1::StartWmoVoorzieningRequest,
) -> Option<Body> {
    let voorziening = check.required("voorziening", request.voorziening)?;
    check.aanbieder(&voorziening.aanbieder_agb);
    check_levering(check, &voorziening.aanbieder_agb, &voorziening.productcode);
    check.aanlevering("voorziening.aanlevering", voorziening.aanlevering);
    check.date("voorziening.begindatum", voorziening.begindatum.as_ref())?;
    Some(Body::WmoVoorzieningGestart(voorziening))
}

/// The `voorziening_gestopt` event of `stop_voorziening`, if its payload keeps the rules.
pub fn stop_voorziening(check: &mut Check, request: v1::StopWmoVoorzieningRequest) -> Option<Body> {
    let voorziening = check.required("voorziening", request.voorziening)?;
    check.aanbieder(&voorziening.aanbieder_agb);
    check_levering(check, &voorziening.aanbieder_agb, &voorziening.productcode);
    let start = check.date("voorziening.begindatum", voorziening.begindatum.as_ref());
    let end = check.date("voorziening.einddatum", voorziening.einddatum.as_ref());
    check.not_before("voorziening.einddatum", end, start, "the begindatum");
    check.aanlevering("voorziening.aanlevering", voorziening.aanlevering);
    check.choice::<v1::StopReden>("voorziening.reden", voorziening.reden, STOP_REDENEN)?;
    start?;
    end?;
    Some(Body::WmoVoorzieningGestopt(voorziening))
}

/// The `toewijzing_gevraagd` event of a provider's request (WMO315 line).
pub fn ask_toewijzing(check: &mut Check, verzoek: v1::ToewijzingGevraagd) -> Option<Body> {
    rondom_adapter::shared::verzoek::toewijzing(check, verzoek)
}

/// The `verzoek_beantwoord` event of the gemeente's answer to a provider's request (319).
pub fn answer_verzoek(check: &mut Check, antwoord: v1::VerzoekBeantwoord) -> Option<Body> {
    rondom_adapter::shared::verzoek::antwoord(check, antwoord)
}

/// The `wijziging_gevraagd` event of a provider's request to change (WMO317).
pub fn ask_wijziging(check: &mut Check, verzoek: v1::WijzigingGevraagd) -> Option<Body> {
    rondom_adapter::shared::verzoek::wijziging(check, verzoek)
}
