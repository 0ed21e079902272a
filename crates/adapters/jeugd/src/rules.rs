//! The Jeugdwet service's payload rules: ages, beschikkingen, jeugdhulp, maatregelen and
//! Veilig Thuis. Pure: the handlers in `lib.rs` call them before they write.

use rondom_adapter::Check;
use rondom_domain::code::{
    check_agb, check_organisation, check_productcategorie, check_productcode,
};
use rondom_proto::v1;
use rondom_proto::v1::event::Body;

/// Where a jeugdhulp stands in the message that reports it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Step {
    Assigned,
    Started,
    Ended,
}

pub(crate) const JEUGDWET: &str = "the Jeugdwet";
pub(crate) const VERWIJZERS: &str =
    "GEMEENTE, HUISARTS, JEUGDARTS, MEDISCH_SPECIALIST, GECERTIFICEERDE_INSTELLING, RECHTER, ZELF";
pub(crate) const STOP_REDENEN: &str =
    "DOEL_BEREIKT, VERHUISD, OVERLEDEN, ANDERE_VOORZIENING, OP_VERZOEK_CLIENT, OVERIG";
pub(crate) const MAATREGELEN: &str = "OTS, VOOGDIJ, JEUGDRECLASSERING";
/// Longest organisation name or contact of a Veilig Thuis message, in characters.
pub(crate) const MAX_TEXT: usize = 200;

/// A beschikking is a care decision: see [`Check::care_decision`].
pub(crate) fn check_beschikking(
    check: &mut Check,
    beschikking: &v1::JeugdBeschikkingAfgegeven,
) -> Option<()> {
    check
        .care_decision(
            "beschikking",
            beschikking.besluit,
            beschikking.aanvraag_ontvangen_op.as_ref(),
            &beschikking.productcategorie,
            beschikking.ingangsdatum.as_ref(),
            beschikking.einddatum.as_ref(),
        )
        .map(|_| ())
}

/// Jeugdhulp names its provider and product and starts on a day; it ends (optional on a
/// toewijzing or start, required with a reason when ended) not before that day, and an
/// ended jeugdhulp did not end after the stop message reporting it.
pub(crate) fn check_jeugdhulp(
    check: &mut Check,
    jeugdhulp: &v1::Jeugdhulp,
    step: Step,
) -> Option<()> {
    check.code(
        "jeugdhulp.aanbieder_agb",
        &jeugdhulp.aanbieder_agb,
        check_agb,
    );
    // iJw lets a toewijzing name a category or a budget only.
    check.optional_code(
        "jeugdhulp.productcode",
        &jeugdhulp.productcode,
        check_productcode,
    );
    let start = check.date("jeugdhulp.begindatum", jeugdhulp.begindatum.as_ref());
    let end = if step == Step::Ended {
        let end = check.date("jeugdhulp.einddatum", jeugdhulp.einddatum.as_ref());
        check.not_after_event("jeugdhulp.einddatum", end);
        end.map(Some)
    } else {
        check.optional_date("jeugdhulp.einddatum", jeugdhulp.einddatum.as_ref())
    };
    check.not_before(
        "jeugdhulp.einddatum",
        end.flatten(),
        start,
        "the begindatum",
    );
    check.aanlevering("jeugdhulp.aanlevering", jeugdhulp.aanlevering);
    check.optional_code(
        "jeugdhulp.verzoek_case",
        &jeugdhulp.verzoek_case,
        rondom_domain::code::check_case_id,
    );
    if step == Step::Ended {
        check.choice::<v1::StopReden>("jeugdhulp.reden", jeugdhulp.reden, STOP_REDENEN)?;
    }
    start?;
    end?;
    Some(())
}

/// A measure has a kind and a gecertificeerde instelling and starts on a day; an ended one
/// does not end before it started. An OTS or voogdij starts before the jeugdige turns 18;
/// jeugdreclassering keeps the Jeugdwet's 23.
pub(crate) fn check_maatregel(
    check: &mut Check,
    maatregel: &v1::Jeugdbeschermingsmaatregel,
    ended: bool,
) -> Option<()> {
    let soort =
        check.choice::<v1::Maatregel>("maatregel.maatregel", maatregel.maatregel, MAATREGELEN);
    check.code(
        "maatregel.gecertificeerde_instelling",
        &maatregel.gecertificeerde_instelling,
        check_organisation,
    );
    let start = check.date("maatregel.begindatum", maatregel.begindatum.as_ref());
    if matches!(soort, Some(v1::Maatregel::Ots | v1::Maatregel::Voogdij))
        && let (Some(born), Some(start)) = (check.birth_date(), start)
        && start.years_since(born).is_some_and(|age| age >= 18)
    {
        check.push(
            "context.persons[0].birth_date",
            "a child protection measure applies to persons younger than 18; the person was older \
             on the begindatum",
        );
    }
    if ended {
        let end = check.date("maatregel.einddatum", maatregel.einddatum.as_ref());
        check.not_before("maatregel.einddatum", end, start, "the begindatum");
        end?;
    }
    soort?;
    start?;
    Some(())
}

/// The name of a Veilig Thuis organisation: 1 to 200 characters, on one line.
pub(crate) fn check_organisatie_naam(name: &str) -> Result<(), &'static str> {
    if name.trim().is_empty() {
        Err("the Veilig Thuis organisation is required")
    } else if name.chars().count() > MAX_TEXT {
        Err("an organisation name is at most 200 characters")
    } else if name.chars().any(char::is_control) {
        Err("an organisation name has no control characters (such as line breaks)")
    } else {
        Ok(())
    }
}

/// A professional contact (e.g. a team's phone number): at most 200 characters.
pub(crate) fn check_contact(contact: &str) -> Result<(), &'static str> {
    if contact.chars().count() > MAX_TEXT {
        Err("a contact is at most 200 characters")
    } else {
        Ok(())
    }
}

/// The `hulpvraag_ontvangen` event of `receive_hulpvraag`, if its payload keeps the rules.
pub(crate) fn receive_hulpvraag(
    check: &mut Check,
    request: v1::ReceiveJeugdHulpvraagRequest,
) -> Option<Body> {
    check.younger_than(23, JEUGDWET);
    let hulpvraag = check.required("hulpvraag", request.hulpvraag)?;
    check.choice::<v1::Verwijzer>("hulpvraag.verwijzer", hulpvraag.verwijzer, VERWIJZERS)?;
    // Jeugdwet art. 1.1 (jeugdige): from 18 only care that continues or resumes.
    if check
        .age_on_event()
        .is_some_and(|age| (18..23).contains(&age))
        && !hulpvraag.voortzetting
    {
        check.push(
            "hulpvraag.voortzetting",
            "from 18 the Jeugdwet covers only care that continues or resumes (art. 1.1, \
             jeugdige onder b and c): set voortzetting, or refer to the Wmo",
        );
        return None;
    }
    Some(Body::JeugdHulpvraag(hulpvraag))
}

/// The `aanvraag_ontvangen` event of `receive_aanvraag`, if its payload keeps the rules.
pub(crate) fn receive_aanvraag(
    check: &mut Check,
    request: v1::ReceiveJeugdAanvraagRequest,
) -> Option<Body> {
    check.younger_than(23, JEUGDWET);
    let aanvraag = check.required("aanvraag", request.aanvraag)?;
    check.code(
        "aanvraag.productcategorie",
        &aanvraag.productcategorie,
        check_productcategorie,
    );
    Some(Body::JeugdAanvraag(aanvraag))
}

/// The `beschikking_afgegeven` event of `issue_beschikking`, if its payload keeps the rules.
pub(crate) fn issue_beschikking(
    check: &mut Check,
    request: v1::IssueJeugdBeschikkingRequest,
) -> Option<Body> {
    check.younger_than(23, JEUGDWET);
    let beschikking = check.required("beschikking", request.beschikking)?;
    check_beschikking(check, &beschikking)?;
    Some(Body::JeugdBeschikking(beschikking))
}

/// The `jeugdhulp_toegewezen` event of `assign_jeugdhulp`, if its payload keeps the rules.
pub fn assign_jeugdhulp(check: &mut Check, request: v1::AssignJeugdhulpRequest) -> Option<Body> {
    check.younger_than(23, JEUGDWET);
    let jeugdhulp = check.required("jeugdhulp", request.jeugdhulp)?;
    check_jeugdhulp(check, &jeugdhulp, Step::Assigned)?;
    Some(Body::Jeugdhulp(jeugdhulp))
}

/// The `jeugdhulp_gestart` event of `start_jeugdhulp`, if its payload keeps the rules.
pub fn start_jeugdhulp(check: &mut Check, request: v1::StartJeugdhulpRequest) -> Option<Body> {
    check.younger_than(23, JEUGDWET);
    let jeugdhulp = check.required("jeugdhulp", request.jeugdhulp)?;
    check.aanbieder(&jeugdhulp.aanbieder_agb);
    check_jeugdhulp(check, &jeugdhulp, Step::Started)?;
    Some(Body::Jeugdhulp(jeugdhulp))
}

/// The `jeugdhulp_beeindigd` event of `end_jeugdhulp`, if its payload keeps the rules.
pub fn end_jeugdhulp(check: &mut Check, request: v1::EndJeugdhulpRequest) -> Option<Body> {
    check.younger_than(23, JEUGDWET);
    let jeugdhulp = check.required("jeugdhulp", request.jeugdhulp)?;
    check.aanbieder(&jeugdhulp.aanbieder_agb);
    check_jeugdhulp(check, &jeugdhulp, Step::Ended)?;
    Some(Body::Jeugdhulp(jeugdhulp))
}

/// The `veilig_thuis_betrokken` event of `register_veilig_thuis`, if its payload keeps the rules.
pub(crate) fn register_veilig_thuis(
    check: &mut Check,
    request: v1::RegisterVeiligThuisRequest,
) -> Option<Body> {
    // No age limit: Veilig Thuis also handles violence against adults (partners, elders;
    // Wmo 2015 art. 4.1.1), so the Jeugdwet's 23 does not apply to it.
    let veilig_thuis = check.required("veilig_thuis", request.veilig_thuis)?;
    check.code(
        "veilig_thuis.organisatie",
        &veilig_thuis.organisatie,
        check_organisatie_naam,
    );
    check.code("veilig_thuis.contact", &veilig_thuis.contact, check_contact);
    Some(Body::VeiligThuis(veilig_thuis))
}

/// The `jeugdbeschermingsmaatregel_gestart` event of `start_maatregel`, if its payload keeps the rules.
pub(crate) fn start_maatregel(
    check: &mut Check,
    request: v1::StartMaatregelRequest,
) -> Option<Body> {
    check.younger_than(23, JEUGDWET);
    let maatregel = check.required("maatregel", request.maatregel)?;
    check_maatregel(check, &maatregel, false)?;
    Some(Body::Jeugdbeschermingsmaatregel(maatregel))
}

/// The `jeugdbeschermingsmaatregel_beeindigd` event of `end_maatregel`, if its payload keeps the rules.
pub(crate) fn end_maatregel(check: &mut Check, request: v1::EndMaatregelRequest) -> Option<Body> {
    check.younger_than(23, JEUGDWET);
    let maatregel = check.required("maatregel", request.maatregel)?;
    check_maatregel(check, &maatregel, true)?;
    Some(Body::Jeugdbeschermingsmaatregel(maatregel))
}

/// The `toewijzing_gevraagd` event of a provider's request (JW315 line): jeugdhulp, so for a
/// jeugdige.
pub fn ask_toewijzing(check: &mut Check, verzoek: v1::ToewijzingGevraagd) -> Option<Body> {
    check.younger_than(23, JEUGDWET);
    rondom_adapter::shared::verzoek::toewijzing(check, verzoek)
}

/// The `verzoek_beantwoord` event of the gemeente's answer to a provider's request (319).
pub fn answer_verzoek(check: &mut Check, antwoord: v1::VerzoekBeantwoord) -> Option<Body> {
    rondom_adapter::shared::verzoek::antwoord(check, antwoord)
}

/// The `wijziging_gevraagd` event of a provider's request to change (JW317), which names the
/// jeugdige by BSN alone: the toewijzingen it asks to change were for a jeugdige.
pub fn ask_wijziging(check: &mut Check, verzoek: v1::WijzigingGevraagd) -> Option<Body> {
    rondom_adapter::shared::verzoek::wijziging(check, verzoek)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn veilig_thuis_texts() {
        assert!(check_organisatie_naam("Veilig Thuis Amsterdam-Amstelland").is_ok());
        assert!(check_organisatie_naam("").is_err());
        assert!(check_organisatie_naam("   ").is_err());
        assert!(check_organisatie_naam("Veilig Thuis\nAmsterdam").is_err());
        assert!(check_organisatie_naam(&"é".repeat(200)).is_ok());
        assert!(check_organisatie_naam(&"a".repeat(201)).is_err());
        assert!(check_contact("").is_ok());
        assert!(check_contact("020 123 45 67").is_ok());
        assert!(check_contact(&"1".repeat(201)).is_err());
    }
}
