//! The regie service's payload rules: the gezinsplan, partners and composition changes.
//! Pure: the handlers in `lib.rs` call them before they write.

use rondom_adapter::{Check, Membership};
use rondom_domain::Pillar;
use rondom_domain::code::{check_coded, check_organisation, check_staff_id};
use rondom_proto::v1;
use rondom_proto::v1::event::Body;

pub(crate) const WIJZIGINGEN: &str = "TOEGETREDEN, VERTROKKEN";
pub(crate) const SAMENSTELLING_REDENEN: &str =
    "GEBOORTE, VERHUIZING, OVERLIJDEN, SCHEIDING, SAMENWONEN, OVERIG";
/// Most goals one gezinsplan may have.
pub(crate) const MAX_DOELEN: usize = 20;
/// The highest plan version: a plan is set again now and then, not millions of times, and the
/// next version must still be a number.
pub(crate) const MAX_VERSIE: u32 = 9_999;

/// The pillars a plan or partner may name, as the wire spells them: every one but regie.
fn pillar_names() -> String {
    let names: Vec<String> = Pillar::ALL
        .into_iter()
        .filter(|&pillar| pillar != Pillar::Regie)
        .map(|pillar| pillar.as_str().to_uppercase())
        .collect();
    names.join(", ")
}

/// Returns whether a person joins or leaves the household with a wijziging (a wire value).
pub(crate) fn membership(wijziging: i32) -> Option<Membership> {
    match v1::SamenstellingWijziging::try_from(wijziging).ok()? {
        v1::SamenstellingWijziging::Toegetreden => Some(Membership::Join),
        v1::SamenstellingWijziging::Vertrokken => Some(Membership::Leave),
        v1::SamenstellingWijziging::Unspecified => None,
    }
}

/// A plan has a version, at most 20 coded goals, the pillars taking part and an evaluation
/// day not before the day it was set.
pub(crate) fn check_plan(check: &mut Check, plan: &v1::Gezinsplan) -> Option<()> {
    if plan.versie < 1 {
        check.push("plan.versie", "the first plan is versie 1");
    }
    if plan.versie > MAX_VERSIE {
        check.push("plan.versie", "at most versie 9999");
    }
    if plan.doelen.len() > MAX_DOELEN {
        check.push("plan.doelen", "a plan has at most 20 doelen");
    }
    for (index, doel) in plan.doelen.iter().enumerate() {
        check.code(&format!("plan.doelen[{index}]"), doel, check_coded);
    }
    for (field, description) in pijler_violations(&plan.pijlers) {
        check.push(field, description);
    }
    let evaluatie = check.date("plan.evaluatiedatum", plan.evaluatiedatum.as_ref());
    let set_on = check.occurred_on();
    check.not_before(
        "plan.evaluatiedatum",
        evaluatie,
        set_on,
        "the day the plan was set",
    );
    evaluatie.map(|_| ())
}

/// Returns the violations of a plan's pillars (wire values): at least one, each a pillar
/// that can take part, none twice.
pub(crate) fn pijler_violations(pijlers: &[i32]) -> Vec<(String, String)> {
    let mut violations = Vec::new();
    if pijlers.is_empty() {
        violations.push((
            "plan.pijlers".to_owned(),
            format!("a plan names at least one pillar: {}", pillar_names()),
        ));
    }
    for (index, &pijler) in pijlers.iter().enumerate() {
        let field = format!("plan.pijlers[{index}]");
        if taking_part(pijler).is_none() {
            violations.push((field, format!("a pillar is one of {}", pillar_names())));
        } else if pijlers[..index].contains(&pijler) {
            violations.push((field, "a pillar is named once".to_owned()));
        }
    }
    violations
}

/// A partner organisation works with the household for one pillar.
pub(crate) fn check_partner(check: &mut Check, partner: &v1::Partner) -> Option<()> {
    check.code(
        "partner.organisatie",
        &partner.organisatie,
        check_organisation,
    );
    let pillar = taking_part(partner.pillar);
    if pillar.is_none() {
        check.push(
            "partner.pillar",
            format!("partner.pillar is required: one of {}", pillar_names()),
        );
    }
    pillar.map(|_| ())
}

/// Returns the pillar of a wire value when it is one that can take part in a household's
/// plan or partnership: not unspecified, not regie itself, not an unknown number.
pub(crate) fn taking_part(value: i32) -> Option<v1::Pillar> {
    let pillar = rondom_proto::convert::pillar_from_proto(value)?;
    (pillar == Pillar::Wijkteam || rondom_domain::law::of(pillar).is_some())
        .then(|| v1::Pillar::from(pillar))
}

/// The `regisseur_toegewezen` event: a regisseur (a staff id) of an organisation.
pub(crate) fn assign_regisseur(
    check: &mut Check,
    request: v1::AssignRegisseurRequest,
) -> Option<Body> {
    let regisseur = check.required("regisseur", request.regisseur)?;
    check.code(
        "regisseur.regisseur_id",
        &regisseur.regisseur_id,
        check_staff_id,
    );
    check.code(
        "regisseur.organisatie",
        &regisseur.organisatie,
        check_organisation,
    );
    Some(Body::Regisseur(regisseur))
}

/// The `gezinsplan_vastgesteld` event: see [`check_plan`].
pub(crate) fn set_gezinsplan(check: &mut Check, request: v1::SetGezinsplanRequest) -> Option<Body> {
    let plan = check.required("plan", request.plan)?;
    check_plan(check, &plan)?;
    Some(Body::Gezinsplan(plan))
}

/// The `partner_betrokken` or `partner_beeindigd` event: see [`check_partner`].
pub(crate) fn partner(check: &mut Check, partner: Option<v1::Partner>) -> Option<Body> {
    let partner = check.required("partner", partner)?;
    check_partner(check, &partner)?;
    Some(Body::Partner(partner))
}

/// The `samenstelling_gewijzigd` event: a person joins or leaves, for a known reason.
pub(crate) fn change_composition(
    check: &mut Check,
    wijziging: Option<v1::SamenstellingGewijzigd>,
) -> Option<Body> {
    let wijziging = check.required("wijziging", wijziging)?;
    let soort = check.choice::<v1::SamenstellingWijziging>(
        "wijziging.wijziging",
        wijziging.wijziging,
        WIJZIGINGEN,
    );
    check.choice::<v1::SamenstellingReden>(
        "wijziging.reden",
        wijziging.reden,
        SAMENSTELLING_REDENEN,
    )?;
    soort?;
    Some(Body::Samenstelling(wijziging))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fields(pijlers: &[v1::Pillar]) -> Vec<String> {
        let values: Vec<i32> = pijlers.iter().map(|&pillar| pillar as i32).collect();
        pijler_violations(&values)
            .into_iter()
            .map(|(field, _)| field)
            .collect()
    }

    #[test]
    fn pijlers() {
        assert!(fields(&[v1::Pillar::Jeugd, v1::Pillar::Schuldhulp]).is_empty());
        assert!(
            fields(&[
                v1::Pillar::Wijkteam,
                v1::Pillar::Wmo,
                v1::Pillar::Participatie
            ])
            .is_empty()
        );
        assert_eq!(fields(&[]), ["plan.pijlers"]);
        assert_eq!(
            fields(&[v1::Pillar::Wmo, v1::Pillar::Regie, v1::Pillar::Unspecified]),
            ["plan.pijlers[1]", "plan.pijlers[2]"]
        );
        assert_eq!(
            fields(&[v1::Pillar::Jeugd, v1::Pillar::Wmo, v1::Pillar::Jeugd]),
            ["plan.pijlers[2]"]
        );
        assert_eq!(pijler_violations(&[2, 99]).len(), 1);
    }

    #[test]
    fn a_plan_version_is_one_to_9999() {
        let violated = |versie| {
            let mut check = Check::new(chrono::Utc::now());
            let plan = v1::Gezinsplan {
                versie,
                ..Default::default()
            };
            check_plan(&mut check, &plan);
            check
                .finish(Some(()))
                .err()
                .into_iter()
                .flat_map(|input| input.violations().to_vec())
                .any(|violation| violation.field == "plan.versie")
        };
        assert!(violated(0));
        assert!(violated(MAX_VERSIE + 1));
        assert!(violated(u32::MAX));
        assert!(!violated(1));
        assert!(!violated(MAX_VERSIE));
    }

    #[test]
    fn memberships() {
        assert_eq!(
            membership(v1::SamenstellingWijziging::Toegetreden as i32),
            Some(Membership::Join)
        );
        assert_eq!(
            membership(v1::SamenstellingWijziging::Vertrokken as i32),
            Some(Membership::Leave)
        );
        assert_eq!(membership(0), None);
        assert_eq!(membership(7), None);
    }
}
