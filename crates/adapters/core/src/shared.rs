//! The payload rules of the RPCs every law's service shares: suspend and resume a decision
//! term (Awb 4:15), extend a decision term and receive a notice of default (Awb 4:14,
//! 4:17), receive, adjourn and decide an objection (Awb 7:10), a person's request under the
//! AVG, and the rectification of a wrong fact (AVG art. 16). Pure: [`crate::law_service`]
//! wires them into each law's service.

use crate::check::Check;
use rondom_proto::v1;
use rondom_proto::v1::event::Body;

/// `termijn_opgeschort`: the case's decision term is suspended, for a reason the Awb knows.
pub fn suspend_term(check: &mut Check, request: v1::SuspendTermRequest) -> Option<Body> {
    let opschorting = check.required("opschorting", request.opschorting)?;
    let reden = check.choice::<v1::OpschortingReden>(
        "opschorting.reden",
        opschorting.reden,
        "AANVULLING_GEVRAAGD, UITSTEL_MET_INSTEMMING, VERTRAGING_AANVRAGER, OVERMACHT, \
         HERSTEL_VERZUIM",
    )?;
    let field = "opschorting.hersteltermijn_einde";
    let einde = check.optional_date(field, opschorting.hersteltermijn_einde.as_ref())?;
    match (reden, einde) {
        (
            v1::OpschortingReden::AanvullingGevraagd | v1::OpschortingReden::HerstelVerzuim,
            Some(einde),
        ) => {
            if check.occurred_on().is_some_and(|on| einde <= on) {
                check.push(field, "the hersteltermijn ends after the day it was given");
            }
        }
        (_, Some(_)) => check.push(
            field,
            "only a request to complete or repair (AANVULLING_GEVRAAGD, HERSTEL_VERZUIM) has a \
             hersteltermijn",
        ),
        (_, None) => {}
    }
    Some(Body::TermijnOpgeschort(opschorting))
}

/// `termijn_hervat`: the decision term runs again.
pub fn resume_term(_: &mut Check, request: v1::ResumeTermRequest) -> Option<Body> {
    Some(Body::TermijnHervat(request.hervatting.unwrap_or_default()))
}

/// `bezwaar_ontvangen`: an objection, which starts BEZWAAR; it names when the objection
/// period ends.
pub fn receive_bezwaar(check: &mut Check, request: v1::ReceiveBezwaarRequest) -> Option<Body> {
    let bezwaar = check.required("bezwaar", request.bezwaar)?;
    check.date(
        "bezwaar.bezwaartermijn_einde",
        bezwaar.bezwaartermijn_einde.as_ref(),
    )?;
    Some(Body::BezwaarOntvangen(bezwaar))
}

/// `beslistermijn_verlengd`: a notice under Awb 4:14 names the later day the decision is
/// due, which lies after the day of the notice.
pub fn extend_decision_term(
    check: &mut Check,
    request: v1::ExtendDecisionTermRequest,
) -> Option<Body> {
    let verlenging = check.required("verlenging", request.verlenging)?;
    let field = "verlenging.nieuwe_termijn";
    let day = check.date(field, verlenging.nieuwe_termijn.as_ref())?;
    if check.occurred_on().is_some_and(|on| day <= on) {
        check.push(field, "the new term ends after the day of the notice");
        return None;
    }
    Some(Body::Verlenging(verlenging))
}

/// `ingebrekestelling_ontvangen`: the applicant's notice of default; whether the decision
/// term had run out is the fold's to judge (Awb 4:17 lid 1).
pub fn receive_ingebrekestelling(
    _: &mut Check,
    request: v1::ReceiveIngebrekestellingRequest,
) -> Option<Body> {
    Some(Body::Ingebrekestelling(
        request.ingebrekestelling.unwrap_or_default(),
    ))
}

/// `beslissing_verdaagd`: the decision on an objection put off by whole weeks, at most six
/// on the gemeente's own account (Awb 7:10 lid 3), up to a year with the objector's consent
/// (lid 4). Whether a delay without consent was used already is the fold's to judge.
pub fn adjourn_bezwaar(check: &mut Check, request: v1::AdjournBezwaarRequest) -> Option<Body> {
    let verdaging = check.required("verdaging", request.verdaging)?;
    let most = if verdaging.met_instemming { 52 } else { 6 };
    if !(1..=most).contains(&verdaging.weken) {
        let why = if verdaging.met_instemming {
            "with consent at most 52 weeks"
        } else {
            "at most six weeks without the objector's consent (Awb 7:10 lid 3)"
        };
        check.push("verdaging.weken", format!("1 to {most} weeks: {why}"));
        return None;
    }
    Some(Body::Verdaging(verdaging))
}

/// `beslissing_op_bezwaar`: meets BEZWAAR, with one of the outcomes of an objection.
pub fn decide_bezwaar(check: &mut Check, request: v1::DecideBezwaarRequest) -> Option<Body> {
    let beslissing = check.required("beslissing", request.beslissing)?;
    check.choice::<v1::BezwaarUitkomst>(
        "beslissing.uitkomst",
        beslissing.uitkomst,
        "GEGROND, ONGEGROND, NIET_ONTVANKELIJK, INGETROKKEN",
    )?;
    Some(Body::BeslissingOpBezwaar(beslissing))
}

/// `avg_verzoek_ontvangen`: a person's request names the right exercised.
pub fn receive_avg_verzoek(
    check: &mut Check,
    request: v1::ReceiveAvgVerzoekRequest,
) -> Option<Body> {
    let verzoek = check.required("verzoek", request.verzoek)?;
    check.choice::<v1::AvgRecht>(
        "verzoek.recht",
        verzoek.recht,
        "INZAGE, RECTIFICATIE, WISSING, BEPERKING, OVERDRAAGBAARHEID, BEZWAAR",
    )?;
    Some(Body::AvgVerzoek(verzoek))
}

/// `avg_verzoek_verlengd`: the two more months of art. 12 lid 3 (when it may be given is the
/// fold's: within the first month, once).
pub fn extend_avg_verzoek(_: &mut Check, request: v1::ExtendAvgVerzoekRequest) -> Option<Body> {
    Some(Body::AvgVerlenging(request.verlenging.unwrap_or_default()))
}

/// `avg_verzoek_beantwoord`: the answer, granted or not.
pub fn answer_avg_verzoek(check: &mut Check, request: v1::AnswerAvgVerzoekRequest) -> Option<Body> {
    let antwoord = check.required("antwoord", request.antwoord)?;
    Some(Body::AvgAntwoord(antwoord))
}

/// `feit_gerectificeerd`: names the wrong fact by its event id; that it is this law's, in
/// this household, is the writer's to check against the log.
pub fn rectify_fact(check: &mut Check, request: v1::RectifyFactRequest) -> Option<Body> {
    let rectificatie = check.required("rectificatie", request.rectificatie)?;
    if rectificatie
        .event_id
        .parse::<rondom_domain::EventId>()
        .is_err()
    {
        check.push(
            "rectificatie.event_id",
            "the event id of the wrong fact (a UUID)",
        );
        return None;
    }
    Some(Body::Rectificatie(rectificatie))
}

/// A provider's requests in the Wmo and Jeugd pillars (iWmo/iJw 315 and 317): both name the
/// provider asking, which may ask only for itself.
pub mod verzoek {
    use rondom_domain::code::{check_agb, check_productcategorie, check_productcode};

    use super::{Body, Check, v1};

    const VERWIJZERS: &str = "GEMEENTE, HUISARTS, JEUGDARTS, MEDISCH_SPECIALIST, GECERTIFICEERDE_INSTELLING, RECHTER, \
         ZELF";

    /// `toewijzing_gevraagd`: the provider, who referred the client, the day asked for (and
    /// its end, not before it); product category and code when named.
    pub fn toewijzing(check: &mut Check, verzoek: v1::ToewijzingGevraagd) -> Option<Body> {
        check.code("verzoek.aanbieder_agb", &verzoek.aanbieder_agb, check_agb);
        check.aanbieder(&verzoek.aanbieder_agb);
        let categorie = &verzoek.productcategorie;
        check.optional_code(
            "verzoek.productcategorie",
            categorie,
            check_productcategorie,
        );
        check.optional_code(
            "verzoek.productcode",
            &verzoek.productcode,
            check_productcode,
        );
        let start = check.date("verzoek.begindatum", verzoek.begindatum.as_ref());
        let end = check.optional_date("verzoek.einddatum", verzoek.einddatum.as_ref());
        check.not_before("verzoek.einddatum", end.flatten(), start, "the begindatum");
        check.choice::<v1::Verwijzer>("verzoek.verwijzer", verzoek.verwijzer, VERWIJZERS)?;
        start?;
        end?;
        Some(Body::ToewijzingGevraagd(verzoek))
    }

    /// `verzoek_beantwoord`: the provider answered, the answer, a reason only with a refusal,
    /// and a gemeentecode when the answer names the woonplaatsbeginsel's gemeente.
    pub fn antwoord(check: &mut Check, antwoord: v1::VerzoekBeantwoord) -> Option<Body> {
        check.code("antwoord.aanbieder_agb", &antwoord.aanbieder_agb, check_agb);
        let verdict = check.choice::<v1::VerzoekAntwoord>(
            "antwoord.antwoord",
            antwoord.antwoord,
            "AFGEWEZEN, IN_ONDERZOEK",
        )?;
        if antwoord.reden != 0 {
            if v1::RedenAfwijzing::try_from(antwoord.reden).is_err() {
                check.push(
                    "antwoord.reden",
                    "antwoord.reden is a RedenAfwijzing 1 to 9",
                );
            } else if verdict != v1::VerzoekAntwoord::Afgewezen {
                check.push("antwoord.reden", "only a refusal (AFGEWEZEN) has a reason");
            }
        }
        let gemeente = &antwoord.woonplaatsbeginsel_gemeente;
        if !gemeente.is_empty() && gemeente.parse::<rondom_domain::GemeenteCode>().is_err() {
            check.push(
                "antwoord.woonplaatsbeginsel_gemeente",
                "a gemeentecode is 4 digits (CBS), e.g. 0363",
            );
        }
        Some(Body::VerzoekBeantwoord(antwoord))
    }

    /// `wijziging_gevraagd`: the provider, its reason, and something to change or add.
    pub fn wijziging(check: &mut Check, verzoek: v1::WijzigingGevraagd) -> Option<Body> {
        check.code("verzoek.aanbieder_agb", &verzoek.aanbieder_agb, check_agb);
        check.aanbieder(&verzoek.aanbieder_agb);
        if verzoek.te_wijzigen.is_empty() && verzoek.nieuwe_producten == 0 {
            check.push(
                "verzoek.te_wijzigen",
                "a request to change names a toewijzing to change or a product to add",
            );
        }
        check.choice::<v1::RedenVerzoek>(
            "verzoek.reden",
            verzoek.reden,
            "CLIENTSITUATIE, ZORGPLAN",
        )?;
        Some(Body::WijzigingGevraagd(verzoek))
    }
}
