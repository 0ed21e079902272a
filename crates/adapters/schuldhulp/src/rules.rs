//! The schuldhulp service's payload rules: vroegsignalen, beschikkingen and
//! schuldregelingen. Pure: the handlers in `lib.rs` call them before they write.

use rondom_adapter::Check;
use rondom_proto::v1;
use rondom_proto::v1::event::Body;

pub(crate) const SCHULDEISERS: &str = "HUUR, ENERGIE, WATER, ZORGVERZEKERING";
pub(crate) const BEDREIGENDE_SITUATIES: &str =
    "GEEN, HUISUITZETTING, AFSLUITING_ENERGIE_OF_WATER, BEEINDIGING_ZORGVERZEKERING";
pub(crate) const CONTACTVORMEN: &str = "BRIEF, TELEFOON, HUISBEZOEK, EMAIL";
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

/// The `vroegsignaal_ontvangen` event of `receive_vroegsignaal`, if its payload keeps the rules.
pub(crate) fn receive_vroegsignaal(
    check: &mut Check,
    request: v1::ReceiveVroegsignaalRequest,
) -> Option<Body> {
    let vroegsignaal = check.required("vroegsignaal", request.vroegsignaal)?;
    let schuldeiser = check.choice::<v1::Schuldeiser>(
        "vroegsignaal.schuldeiser",
        vroegsignaal.schuldeiser,
        SCHULDEISERS,
    );
    check.positive_cents(
        "vroegsignaal.achterstand_cent",
        vroegsignaal.achterstand_cent,
    );
    if !ACHTERSTAND_MAANDEN.contains(&vroegsignaal.achterstand_maanden) {
        check.push(
            "vroegsignaal.achterstand_maanden",
            "the months in arrears are 1 to 120",
        );
    }
    schuldeiser?;
    Some(Body::Vroegsignaal(vroegsignaal))
}

/// The `aanbod_geaccepteerd` event of `accept_aanbod`, if its payload keeps the rules.
pub(crate) fn accept_aanbod(check: &mut Check, request: v1::AcceptAanbodRequest) -> Option<Body> {
    let aanbod = request.aanbod.unwrap_or_default();
    // Optional: a resident who accepts need not be in a threatening situation.
    if aanbod.bedreigende_situatie != 0 {
        check.choice::<v1::BedreigendeSituatie>(
            "aanbod.bedreigende_situatie",
            aanbod.bedreigende_situatie,
            BEDREIGENDE_SITUATIES,
        )?;
    }
    Some(Body::AanbodGeaccepteerd(aanbod))
}

/// The `contactpoging_gedaan` event: how the gemeente tried to reach the resident.
pub(crate) fn record_contactpoging(
    check: &mut Check,
    request: v1::RecordContactpogingRequest,
) -> Option<Body> {
    let poging = check.required("contactpoging", request.contactpoging)?;
    check.choice::<v1::Contactvorm>("contactpoging.vorm", poging.vorm, CONTACTVORMEN)?;
    Some(Body::Contactpoging(poging))
}

/// The `aanbod_gedaan` event: the gemeente offered help, in some form.
pub(crate) fn make_aanbod(check: &mut Check, request: v1::MakeAanbodRequest) -> Option<Body> {
    aanbod(check, request.aanbod)
}

/// The `aanbod_afgewezen` event: the resident declined the offer made in some form.
pub(crate) fn decline_aanbod(check: &mut Check, request: v1::DeclineAanbodRequest) -> Option<Body> {
    aanbod(check, request.aanbod)
}

/// An offer names the form it was made in.
fn aanbod(check: &mut Check, aanbod: Option<v1::Aanbod>) -> Option<Body> {
    let aanbod = check.required("aanbod", aanbod)?;
    check.choice::<v1::Contactvorm>("aanbod.vorm", aanbod.vorm, CONTACTVORMEN)?;
    Some(Body::Aanbod(aanbod))
}

/// The `aanmelding_ontvangen` event of `receive_aanmelding`, if its payload keeps the rules.
pub(crate) fn receive_aanmelding(
    check: &mut Check,
    request: v1::ReceiveAanmeldingRequest,
) -> Option<Body> {
    let aanmelding = check.required("aanmelding", request.aanmelding)?;
    check.choice::<v1::BedreigendeSituatie>(
        "aanmelding.bedreigende_situatie",
        aanmelding.bedreigende_situatie,
        BEDREIGENDE_SITUATIES,
    )?;
    Some(Body::SchuldAanmelding(aanmelding))
}

/// The `eerste_gesprek_gevoerd` event of `hold_eerste_gesprek`, if its payload keeps the rules.
pub(crate) fn hold_eerste_gesprek(
    _: &mut Check,
    request: v1::HoldEersteGesprekRequest,
) -> Option<Body> {
    Some(Body::EersteGesprek(request.gesprek.unwrap_or_default()))
}

/// The `beschikking_afgegeven` event of `issue_beschikking`, if its payload keeps the rules.
pub(crate) fn issue_beschikking(
    check: &mut Check,
    request: v1::IssueSchuldBeschikkingRequest,
) -> Option<Body> {
    let beschikking = check.required("beschikking", request.beschikking)?;
    check_beschikking(check, &beschikking)?;
    Some(Body::SchuldBeschikking(beschikking))
}

/// The `stabilisatie_bereikt` event of `reach_stabilisatie`, if its payload keeps the rules.
pub(crate) fn reach_stabilisatie(
    _: &mut Check,
    request: v1::ReachStabilisatieRequest,
) -> Option<Body> {
    Some(Body::Stabilisatie(request.stabilisatie.unwrap_or_default()))
}

/// The `schuldregeling_gestart` event of `start_schuldregeling`, if its payload keeps the rules.
pub(crate) fn start_schuldregeling(
    check: &mut Check,
    request: v1::StartSchuldregelingRequest,
) -> Option<Body> {
    let regeling = check.required("schuldregeling", request.schuldregeling)?;
    check_schuldregeling(check, &regeling, false)?;
    Some(Body::Schuldregeling(regeling))
}

/// The `schuldregeling_beeindigd` event of `end_schuldregeling`, if its payload keeps the rules.
pub(crate) fn end_schuldregeling(
    check: &mut Check,
    request: v1::EndSchuldregelingRequest,
) -> Option<Body> {
    let regeling = check.required("schuldregeling", request.schuldregeling)?;
    check_schuldregeling(check, &regeling, true)?;
    Some(Body::Schuldregeling(regeling))
}

/// The `traject_afgesloten` event of `close_traject`, if its payload keeps the rules.
pub(crate) fn close_traject(
    check: &mut Check,
    request: v1::CloseSchuldTrajectRequest,
) -> Option<Body> {
    let afsluiting = check.required("afsluiting", request.afsluiting)?;
    check.choice::<v1::AfsluitReden>("afsluiting.reden", afsluiting.reden, AFSLUIT_REDENEN)?;
    Some(Body::SchuldTrajectAfgesloten(afsluiting))
}
