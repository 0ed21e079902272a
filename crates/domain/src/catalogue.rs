//! The event catalogue: every kind a pillar service publishes, with its one-line title, who
//! may see it (need-to-know, docs/domain.md), what a reader sees of its payload field by field,
//! the stage it moves its trajectory to, and the deadlines (rule codes of
//! [`crate::deadline::RULES`]) it starts and meets. One table, read by the adapters (which
//! kinds exist), the projector (trajectories, deadlines), and the read side and partner
//! subscriptions (need-to-know, through one redaction of payloads).
//!
//! Effects that depend on the payload (a spoed melding, a threatening situation, a refusal)
//! are applied by the projector on top of these rows.

pub use crate::access::NeedToKnow;
use crate::deadline::RuleCode;
use crate::law::Pillar;

/// Where a trajectory (one pillar case) stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Stage {
    /// A signal or vroegsignaal; nobody has asked for help yet.
    Gesignaleerd,
    Aangemeld,
    InOnderzoek,
    Besloten,
    Actief,
    Beeindigd,
}

impl Stage {
    /// Returns the Dutch name.
    pub fn as_str(self) -> &'static str {
        match self {
            Stage::Gesignaleerd => "gesignaleerd",
            Stage::Aangemeld => "aangemeld",
            Stage::InOnderzoek => "in onderzoek",
            Stage::Besloten => "besloten",
            Stage::Actief => "actief",
            Stage::Beeindigd => "beeindigd",
        }
    }
}

/// One row of the catalogue.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct EventKind {
    /// The pillar, or `None` for a kind every law pillar publishes (suspension, objection).
    pub pillar: Option<Pillar>,
    /// snake_case wire name, as in subjects and CloudEvents types.
    pub name: &'static str,
    /// One line for a timeline, in Dutch.
    pub title: &'static str,
    pub need_to_know: NeedToKnow,
    /// The stage the case moves to; `None` leaves it where it is.
    pub stage: Option<Stage>,
    /// Deadline rules this kind starts, by code.
    pub starts: &'static [RuleCode],
    /// Deadline rules of the same case this kind meets.
    pub meets: &'static [RuleCode],
    /// Its status rendering: the payload fields (by their protobuf names) a reader with
    /// status sight of the kind sees beside its title. None unless named here.
    pub status_fields: &'static [&'static str],
    /// Payload fields of a stricter class than the kind's own: a reader sees such a field
    /// only with full sight of that class too.
    pub field_classes: &'static [(&'static str, NeedToKnow)],
    /// A provider's request to the gemeente (iWmo/iJw 315, 317): a provider of the pillar
    /// writes it about its own organisation before any toewijzing, and gets no sight by it.
    pub asked_by_provider: bool,
}

impl EventKind {
    /// Returns the row with `fields` shown under status sight.
    pub const fn at_status(self, fields: &'static [&'static str]) -> Self {
        Self {
            status_fields: fields,
            ..self
        }
    }

    /// Returns the row with `fields` given classes of their own.
    pub const fn classed(self, fields: &'static [(&'static str, NeedToKnow)]) -> Self {
        Self {
            field_classes: fields,
            ..self
        }
    }

    /// Returns the row as a provider's request (see [`EventKind::asked_by_provider`]).
    pub const fn asked_by_provider(self) -> Self {
        Self {
            asked_by_provider: true,
            ..self
        }
    }

    /// Returns the need-to-know class of the payload field `name`.
    pub fn class_of_field(&self, name: &str) -> NeedToKnow {
        self.field_classes
            .iter()
            .find(|(field, _)| *field == name)
            .map_or(self.need_to_know, |(_, class)| *class)
    }
}

const fn row(
    pillar: Pillar,
    name: &'static str,
    title: &'static str,
    need_to_know: NeedToKnow,
    stage: Option<Stage>,
    starts: &'static [RuleCode],
    meets: &'static [RuleCode],
) -> EventKind {
    EventKind {
        pillar: Some(pillar),
        name,
        title,
        need_to_know,
        stage,
        starts,
        meets,
        status_fields: &[],
        field_classes: &[],
        asked_by_provider: false,
    }
}

const fn shared(
    name: &'static str,
    title: &'static str,
    starts: &'static [RuleCode],
    meets: &'static [RuleCode],
) -> EventKind {
    EventKind {
        pillar: None,
        name,
        title,
        need_to_know: NeedToKnow::Pillar,
        stage: None,
        starts,
        meets,
        status_fields: &[],
        field_classes: &[],
        asked_by_provider: false,
    }
}

/// What the rows of the catalogue are written with.
mod rows {
    pub(super) use super::NeedToKnow::{Health, Household, Lane, Pillar as OwnPillar, Protected};
    pub(super) use super::RuleCode::*;
    pub(super) use super::Stage::{
        Aangemeld, Actief, Beeindigd, Besloten, Gesignaleerd, InOnderzoek,
    };
    pub(super) use super::{EventKind, Pillar, row, shared};

    /// Which care a product code names (iWmo, iJw) says something of a person's health: a
    /// reader who sees the rest of the kind in full does not see it without health sight.
    pub(super) const CARE_PRODUCT: &[(&str, super::NeedToKnow)] =
        &[("productcode", Health), ("productcategorie", Health)];
}

/// Kinds every law publishes: suspension, resumption, objection.
pub mod shared {
    use super::rows::*;

    pub const TERMIJN_OPGESCHORT: EventKind = shared(
        "termijn_opgeschort",
        "beslistermijn opgeschort (Awb 4:15)",
        &[],
        &[],
    );
    pub const TERMIJN_HERVAT: EventKind =
        shared("termijn_hervat", "beslistermijn loopt weer", &[], &[]);
    pub const BEZWAAR_ONTVANGEN: EventKind =
        shared("bezwaar_ontvangen", "bezwaar ontvangen", &[Bezwaar], &[]);
    /// A notice under Awb 4:14: the decision is due by a later day.
    pub const BESLISTERMIJN_VERLENGD: EventKind = shared(
        "beslistermijn_verlengd",
        "beslistermijn verlengd (Awb 4:14)",
        &[],
        &[],
    );
    /// Notice of default after the decision term ran out (Awb 4:17): starts the dwangsom.
    pub const INGEBREKESTELLING_ONTVANGEN: EventKind = shared(
        "ingebrekestelling_ontvangen",
        "ingebrekestelling ontvangen (Awb 4:17)",
        &[AwbDwangsom],
        &[],
    );
    /// Adds weeks to the term of the decision on the objection (Awb 7:10 lid 3 and 4).
    pub const BESLISSING_VERDAAGD: EventKind = shared(
        "beslissing_verdaagd",
        "beslissing op bezwaar verdaagd",
        &[],
        &[],
    );
    pub const BESLISSING_OP_BEZWAAR: EventKind = shared(
        "beslissing_op_bezwaar",
        "beslissing op bezwaar",
        &[],
        &[Bezwaar, BezwaarCommissie],
    );
    /// A person's request under the AVG (art. 15-22), answered within a month.
    pub const AVG_VERZOEK_ONTVANGEN: EventKind = shared(
        "avg_verzoek_ontvangen",
        "verzoek van de betrokkene (AVG) ontvangen",
        &[AvgVerzoek],
        &[],
    );
    /// Two months more for the answer (AVG art. 12 lid 3).
    pub const AVG_VERZOEK_VERLENGD: EventKind = shared(
        "avg_verzoek_verlengd",
        "antwoordtermijn AVG-verzoek verlengd (art. 12 lid 3)",
        &[],
        &[],
    );
    pub const AVG_VERZOEK_BEANTWOORD: EventKind = shared(
        "avg_verzoek_beantwoord",
        "verzoek van de betrokkene (AVG) beantwoord",
        &[],
        &[AvgVerzoek],
    );
    /// A wrong fact of the law is taken out of the view; the log keeps it (AVG art. 16).
    pub const FEIT_GERECTIFICEERD: EventKind =
        shared("feit_gerectificeerd", "feit gerectificeerd", &[], &[]);
}

/// Wmo 2015.
pub mod wmo {
    use super::rows::*;

    pub const MELDING_ONTVANGEN: EventKind = row(
        Pillar::Wmo,
        "melding_ontvangen",
        "Wmo-melding ontvangen",
        Household,
        Some(Aangemeld),
        &[WmoOnderzoek, WmoPlan],
        &[],
    );
    pub const ONDERZOEK_GESTART: EventKind = row(
        Pillar::Wmo,
        "onderzoek_gestart",
        "Wmo-onderzoek gestart",
        Household,
        Some(InOnderzoek),
        &[],
        &[],
    );
    pub const ONDERZOEK_AFGEROND: EventKind = row(
        Pillar::Wmo,
        "onderzoek_afgerond",
        "Wmo-onderzoek afgerond",
        Health,
        Some(InOnderzoek),
        &[],
        &[WmoOnderzoek],
    );
    pub const TIJDELIJKE_VOORZIENING_BESLOTEN: EventKind = row(
        Pillar::Wmo,
        "tijdelijke_voorziening_besloten",
        "tijdelijke Wmo-voorziening besloten",
        Household,
        None,
        &[],
        &[WmoSpoed],
    )
    .classed(CARE_PRODUCT);
    pub const AANVRAAG_ONTVANGEN: EventKind = row(
        Pillar::Wmo,
        "aanvraag_ontvangen",
        "Wmo-aanvraag ontvangen",
        Household,
        Some(InOnderzoek),
        &[WmoBeschikking],
        &[],
    )
    .classed(CARE_PRODUCT);
    pub const BESCHIKKING_AFGEGEVEN: EventKind = row(
        Pillar::Wmo,
        "beschikking_afgegeven",
        "Wmo-beschikking afgegeven",
        Health,
        Some(Besloten),
        &[],
        &[WmoBeschikking, WmoSpoed, AwbDwangsom],
    );
    pub const VOORZIENING_TOEGEWEZEN: EventKind = row(
        Pillar::Wmo,
        "voorziening_toegewezen",
        "Wmo-voorziening toegewezen",
        Household,
        Some(Besloten),
        &[],
        &[],
    )
    .classed(CARE_PRODUCT);
    pub const VOORZIENING_GESTART: EventKind = row(
        Pillar::Wmo,
        "voorziening_gestart",
        "Wmo-voorziening gestart",
        Household,
        Some(Actief),
        &[],
        &[],
    )
    .classed(CARE_PRODUCT);
    pub const VOORZIENING_GESTOPT: EventKind = row(
        Pillar::Wmo,
        "voorziening_gestopt",
        "Wmo-voorziening gestopt",
        Household,
        Some(Beeindigd),
        &[],
        &[],
    )
    .classed(CARE_PRODUCT);
    pub const TOEWIJZING_GEVRAAGD: EventKind = row(
        Pillar::Wmo,
        "toewijzing_gevraagd",
        "verzoek om toewijzing (WMO315) ontvangen",
        Household,
        Some(Aangemeld),
        &[],
        &[],
    )
    .classed(CARE_PRODUCT)
    .asked_by_provider();
    pub const WIJZIGING_GEVRAAGD: EventKind = row(
        Pillar::Wmo,
        "wijziging_gevraagd",
        "verzoek om wijziging (WMO317) ontvangen",
        Household,
        Some(Aangemeld),
        &[],
        &[],
    )
    .asked_by_provider();
    /// The stage follows the answer: refused ends the request, in onderzoek moves it on.
    pub const VERZOEK_BEANTWOORD: EventKind = row(
        Pillar::Wmo,
        "verzoek_beantwoord",
        "antwoord op verzoek (WMO319)",
        Household,
        None,
        &[],
        &[],
    );
}

/// Jeugdwet.
pub mod jeugd {
    use super::rows::*;

    pub const HULPVRAAG_ONTVANGEN: EventKind = row(
        Pillar::Jeugd,
        "hulpvraag_ontvangen",
        "hulpvraag jeugd ontvangen",
        Household,
        Some(Aangemeld),
        &[],
        &[],
    );
    pub const AANVRAAG_ONTVANGEN: EventKind = row(
        Pillar::Jeugd,
        "aanvraag_ontvangen",
        "aanvraag jeugdhulp ontvangen",
        Household,
        Some(InOnderzoek),
        &[JwBeschikking],
        &[],
    )
    .classed(CARE_PRODUCT);
    pub const BESCHIKKING_AFGEGEVEN: EventKind = row(
        Pillar::Jeugd,
        "beschikking_afgegeven",
        "beschikking jeugdhulp afgegeven",
        Health,
        Some(Besloten),
        &[],
        &[JwBeschikking, AwbDwangsom],
    );
    pub const JEUGDHULP_TOEGEWEZEN: EventKind = row(
        Pillar::Jeugd,
        "jeugdhulp_toegewezen",
        "jeugdhulp toegewezen",
        Household,
        Some(Besloten),
        &[],
        &[],
    )
    .classed(CARE_PRODUCT);
    pub const JEUGDHULP_GESTART: EventKind = row(
        Pillar::Jeugd,
        "jeugdhulp_gestart",
        "jeugdhulp gestart",
        Household,
        Some(Actief),
        &[],
        &[],
    )
    .classed(CARE_PRODUCT);
    pub const JEUGDHULP_BEEINDIGD: EventKind = row(
        Pillar::Jeugd,
        "jeugdhulp_beeindigd",
        "jeugdhulp beeindigd",
        Household,
        Some(Beeindigd),
        &[],
        &[],
    )
    .classed(CARE_PRODUCT);
    pub const TOEWIJZING_GEVRAAGD: EventKind = row(
        Pillar::Jeugd,
        "toewijzing_gevraagd",
        "verzoek om toewijzing (JW315) ontvangen",
        Household,
        Some(Aangemeld),
        &[],
        &[],
    )
    .classed(CARE_PRODUCT)
    .asked_by_provider();
    pub const WIJZIGING_GEVRAAGD: EventKind = row(
        Pillar::Jeugd,
        "wijziging_gevraagd",
        "verzoek om wijziging (JW317) ontvangen",
        Household,
        Some(Aangemeld),
        &[],
        &[],
    )
    .asked_by_provider();
    /// The stage follows the answer: refused ends the request, in onderzoek moves it on.
    pub const VERZOEK_BEANTWOORD: EventKind = row(
        Pillar::Jeugd,
        "verzoek_beantwoord",
        "antwoord op verzoek (JW319)",
        Household,
        None,
        &[],
        &[],
    );
    pub const VEILIG_THUIS_BETROKKEN: EventKind = row(
        Pillar::Jeugd,
        "veilig_thuis_betrokken",
        "Veilig Thuis betrokken",
        Protected,
        None,
        &[],
        &[],
    );
    pub const JEUGDBESCHERMINGSMAATREGEL_GESTART: EventKind = row(
        Pillar::Jeugd,
        "jeugdbeschermingsmaatregel_gestart",
        "jeugdbeschermingsmaatregel gestart",
        Protected,
        Some(Actief),
        &[],
        &[],
    );
    pub const JEUGDBESCHERMINGSMAATREGEL_BEEINDIGD: EventKind = row(
        Pillar::Jeugd,
        "jeugdbeschermingsmaatregel_beeindigd",
        "jeugdbeschermingsmaatregel beeindigd",
        Protected,
        Some(Beeindigd),
        &[],
        &[],
    );
}

/// Participatiewet.
pub mod participatie {
    use super::rows::*;

    pub const MELDING_GEDAAN: EventKind = row(
        Pillar::Participatie,
        "melding_gedaan",
        "melding bijstand gedaan",
        Household,
        Some(Aangemeld),
        &[],
        &[],
    );
    pub const AANVRAAG_INGEDIEND: EventKind = row(
        Pillar::Participatie,
        "aanvraag_ingediend",
        "aanvraag bijstand ingediend",
        Household,
        Some(InOnderzoek),
        &[PwVoorschot, PwBesluit],
        &[],
    );
    pub const VOORSCHOT_VERLEEND: EventKind = row(
        Pillar::Participatie,
        "voorschot_verleend",
        "voorschot bijstand verleend",
        OwnPillar,
        None,
        &[PwVoorschot],
        &[PwVoorschot],
    );
    pub const BESLUIT_GENOMEN: EventKind = row(
        Pillar::Participatie,
        "besluit_genomen",
        "besluit op bijstandsaanvraag",
        Household,
        Some(Actief),
        &[],
        &[PwBesluit, AwbDwangsom],
    );
    pub const REINTEGRATIE_GESTART: EventKind = row(
        Pillar::Participatie,
        "reintegratie_gestart",
        "re-integratietraject gestart",
        Household,
        Some(Actief),
        &[],
        &[],
    );
    pub const REINTEGRATIE_BEEINDIGD: EventKind = row(
        Pillar::Participatie,
        "reintegratie_beeindigd",
        "re-integratietraject beeindigd",
        Household,
        Some(Beeindigd),
        &[],
        &[],
    );
    pub const UITKERING_BEEINDIGD: EventKind = row(
        Pillar::Participatie,
        "uitkering_beeindigd",
        "bijstandsuitkering beeindigd",
        Household,
        Some(Beeindigd),
        &[],
        &[],
    );
}

/// Wet gemeentelijke schuldhulpverlening.
pub mod schuldhulp {
    use super::rows::*;

    pub const VROEGSIGNAAL_ONTVANGEN: EventKind = row(
        Pillar::Schuldhulp,
        "vroegsignaal_ontvangen",
        "vroegsignaal betalingsachterstand ontvangen",
        Lane,
        Some(Gesignaleerd),
        &[ShvAanbod],
        &[],
    );
    pub const CONTACTPOGING_GEDAAN: EventKind = row(
        Pillar::Schuldhulp,
        "contactpoging_gedaan",
        "contactpoging na vroegsignaal",
        Lane,
        None,
        &[],
        &[],
    );
    /// The gemeente's offer after a vroegsignaal: its duty (Wgs 3(1)(b)) is met when it makes
    /// the offer, whatever the resident answers.
    pub const AANBOD_GEDAAN: EventKind = row(
        Pillar::Schuldhulp,
        "aanbod_gedaan",
        "aanbod schuldhulp gedaan",
        Lane,
        None,
        &[],
        &[ShvAanbod],
    );
    pub const AANBOD_AFGEWEZEN: EventKind = row(
        Pillar::Schuldhulp,
        "aanbod_afgewezen",
        "aanbod schuldhulp afgewezen",
        Lane,
        Some(Beeindigd),
        &[],
        &[],
    );
    pub const AANBOD_GEACCEPTEERD: EventKind = row(
        Pillar::Schuldhulp,
        "aanbod_geaccepteerd",
        "aanbod schuldhulp geaccepteerd",
        Household,
        Some(Aangemeld),
        &[ShvEersteGesprek],
        &[],
    );
    pub const AANMELDING_ONTVANGEN: EventKind = row(
        Pillar::Schuldhulp,
        "aanmelding_ontvangen",
        "aanmelding schuldhulp ontvangen",
        Household,
        Some(Aangemeld),
        &[ShvEersteGesprek],
        &[ShvAanbod],
    );
    pub const EERSTE_GESPREK_GEVOERD: EventKind = row(
        Pillar::Schuldhulp,
        "eerste_gesprek_gevoerd",
        "eerste gesprek schuldhulp gevoerd",
        Household,
        Some(InOnderzoek),
        &[ShvBeschikking],
        &[ShvEersteGesprek, ShvCrisis],
    );
    pub const BESCHIKKING_AFGEGEVEN: EventKind = row(
        Pillar::Schuldhulp,
        "beschikking_afgegeven",
        "beschikking schuldhulp afgegeven",
        Household,
        Some(Besloten),
        &[],
        &[ShvBeschikking, AwbDwangsom],
    );
    pub const STABILISATIE_BEREIKT: EventKind = row(
        Pillar::Schuldhulp,
        "stabilisatie_bereikt",
        "stabilisatie bereikt",
        Household,
        Some(Actief),
        &[],
        &[],
    );
    pub const SCHULDREGELING_GESTART: EventKind = row(
        Pillar::Schuldhulp,
        "schuldregeling_gestart",
        "schuldregeling gestart",
        Household,
        Some(Actief),
        &[],
        &[],
    );
    pub const SCHULDREGELING_BEEINDIGD: EventKind = row(
        Pillar::Schuldhulp,
        "schuldregeling_beeindigd",
        "schuldregeling beeindigd",
        Household,
        None,
        &[],
        &[],
    );
    pub const TRAJECT_AFGESLOTEN: EventKind = row(
        Pillar::Schuldhulp,
        "traject_afgesloten",
        "schuldhulptraject afgesloten",
        Household,
        Some(Beeindigd),
        &[],
        &[],
    );
}

/// Regie: the regisseur, the plan, partners, composition, erasure and renewal.
pub mod regie {
    use super::rows::*;

    pub const REGISSEUR_TOEGEWEZEN: EventKind = row(
        Pillar::Regie,
        "regisseur_toegewezen",
        "regisseur toegewezen",
        Household,
        None,
        &[],
        &[],
    );
    pub const GEZINSPLAN_VASTGESTELD: EventKind = row(
        Pillar::Regie,
        "gezinsplan_vastgesteld",
        "gezinsplan vastgesteld",
        Household,
        None,
        &[],
        &[],
    );
    pub const PARTNER_BETROKKEN: EventKind = row(
        Pillar::Regie,
        "partner_betrokken",
        "partner betrokken",
        Household,
        None,
        &[],
        &[],
    );
    pub const PARTNER_BEEINDIGD: EventKind = row(
        Pillar::Regie,
        "partner_beeindigd",
        "betrokkenheid partner beeindigd",
        Household,
        None,
        &[],
        &[],
    );
    pub const SAMENSTELLING_GEWIJZIGD: EventKind = row(
        Pillar::Regie,
        "samenstelling_gewijzigd",
        "samenstelling huishouden gewijzigd",
        Household,
        None,
        &[],
        &[],
    );
    pub const HUISHOUDEN_GEWIST: EventKind = row(
        Pillar::Regie,
        "huishouden_gewist",
        "persoonsgegevens van het huishouden gewist",
        Household,
        None,
        &[],
        &[],
    );
    pub const PSEUDONIEMEN_VERNIEUWD: EventKind = row(
        Pillar::Regie,
        "pseudoniemen_vernieuwd",
        "pseudoniemen vernieuwd (sleutelrotatie)",
        Household,
        None,
        &[],
        &[],
    );
    pub const AANPAK_GESTART: EventKind = row(
        Pillar::Regie,
        "aanpak_gestart",
        "gecoördineerde aanpak gestart",
        Household,
        None,
        &[],
        &[],
    )
    .at_status(&["wetten"]);
    pub const INSTEMMING_INGETROKKEN: EventKind = row(
        Pillar::Regie,
        "instemming_ingetrokken",
        "instemming ingetrokken",
        Household,
        None,
        &[],
        &[],
    );
    pub const AANPAK_BEEINDIGD: EventKind = row(
        Pillar::Regie,
        "aanpak_beeindigd",
        "gecoördineerde aanpak beeindigd",
        Household,
        None,
        &[],
        &[],
    );
    /// An objection or restriction is the person's own business: the regie's, not shared.
    pub const VERWERKING_BEPERKT: EventKind = row(
        Pillar::Regie,
        "verwerking_beperkt",
        "bezwaar of beperking van de verwerking vastgelegd",
        OwnPillar,
        None,
        &[],
        &[],
    );
    /// The corrected identity is sealed in the event's person; the title says only that.
    pub const PERSOONSGEGEVENS_GERECTIFICEERD: EventKind = row(
        Pillar::Regie,
        "persoonsgegevens_gerectificeerd",
        "persoonsgegevens gerectificeerd",
        Household,
        None,
        &[],
        &[],
    );
    pub const BEPERKING_OPGEHEVEN: EventKind = row(
        Pillar::Regie,
        "beperking_opgeheven",
        "bezwaar of beperking van de verwerking opgeheven",
        OwnPillar,
        None,
        &[],
        &[],
    );
}

/// The catalogue (docs/domain.md, The event catalogue), every kind by its constant above.
/// Names never change; a new meaning is a new kind.
pub const KINDS: &[EventKind] = &[
    shared::TERMIJN_OPGESCHORT,
    shared::TERMIJN_HERVAT,
    shared::BEZWAAR_ONTVANGEN,
    shared::BESLISTERMIJN_VERLENGD,
    shared::INGEBREKESTELLING_ONTVANGEN,
    shared::BESLISSING_VERDAAGD,
    shared::BESLISSING_OP_BEZWAAR,
    shared::AVG_VERZOEK_ONTVANGEN,
    shared::AVG_VERZOEK_VERLENGD,
    shared::AVG_VERZOEK_BEANTWOORD,
    shared::FEIT_GERECTIFICEERD,
    wmo::MELDING_ONTVANGEN,
    wmo::ONDERZOEK_GESTART,
    wmo::ONDERZOEK_AFGEROND,
    wmo::TIJDELIJKE_VOORZIENING_BESLOTEN,
    wmo::AANVRAAG_ONTVANGEN,
    wmo::BESCHIKKING_AFGEGEVEN,
    wmo::VOORZIENING_TOEGEWEZEN,
    wmo::VOORZIENING_GESTART,
    wmo::VOORZIENING_GESTOPT,
    wmo::TOEWIJZING_GEVRAAGD,
    wmo::WIJZIGING_GEVRAAGD,
    wmo::VERZOEK_BEANTWOORD,
    jeugd::HULPVRAAG_ONTVANGEN,
    jeugd::AANVRAAG_ONTVANGEN,
    jeugd::BESCHIKKING_AFGEGEVEN,
    jeugd::JEUGDHULP_TOEGEWEZEN,
    jeugd::JEUGDHULP_GESTART,
    jeugd::JEUGDHULP_BEEINDIGD,
    jeugd::TOEWIJZING_GEVRAAGD,
    jeugd::WIJZIGING_GEVRAAGD,
    jeugd::VERZOEK_BEANTWOORD,
    jeugd::VEILIG_THUIS_BETROKKEN,
    jeugd::JEUGDBESCHERMINGSMAATREGEL_GESTART,
    jeugd::JEUGDBESCHERMINGSMAATREGEL_BEEINDIGD,
    participatie::MELDING_GEDAAN,
    participatie::AANVRAAG_INGEDIEND,
    participatie::VOORSCHOT_VERLEEND,
    participatie::BESLUIT_GENOMEN,
    participatie::REINTEGRATIE_GESTART,
    participatie::REINTEGRATIE_BEEINDIGD,
    participatie::UITKERING_BEEINDIGD,
    schuldhulp::VROEGSIGNAAL_ONTVANGEN,
    schuldhulp::CONTACTPOGING_GEDAAN,
    schuldhulp::AANBOD_GEDAAN,
    schuldhulp::AANBOD_AFGEWEZEN,
    schuldhulp::AANBOD_GEACCEPTEERD,
    schuldhulp::AANMELDING_ONTVANGEN,
    schuldhulp::EERSTE_GESPREK_GEVOERD,
    schuldhulp::BESCHIKKING_AFGEGEVEN,
    schuldhulp::STABILISATIE_BEREIKT,
    schuldhulp::SCHULDREGELING_GESTART,
    schuldhulp::SCHULDREGELING_BEEINDIGD,
    schuldhulp::TRAJECT_AFGESLOTEN,
    regie::REGISSEUR_TOEGEWEZEN,
    regie::GEZINSPLAN_VASTGESTELD,
    regie::PARTNER_BETROKKEN,
    regie::PARTNER_BEEINDIGD,
    regie::SAMENSTELLING_GEWIJZIGD,
    regie::HUISHOUDEN_GEWIST,
    regie::PSEUDONIEMEN_VERNIEUWD,
    regie::AANPAK_GESTART,
    regie::INSTEMMING_INGETROKKEN,
    regie::AANPAK_BEEINDIGD,
    regie::VERWERKING_BEPERKT,
    regie::BEPERKING_OPGEHEVEN,
    regie::PERSOONSGEGEVENS_GERECTIFICEERD,
];

/// The pillars that publish shared kinds: the four laws.
pub use crate::law::LAW_PILLARS;

/// Returns the row of `name` in `pillar`.
pub fn kind(pillar: Pillar, name: &str) -> Option<&'static EventKind> {
    KINDS.iter().find(|kind| {
        kind.name == name
            && match kind.pillar {
                Some(own) => own == pillar,
                None => LAW_PILLARS.contains(&pillar),
            }
    })
}

/// Returns the need-to-know class of an event: its catalogue row's, or its signal kind's; a
/// kind this version does not know (a newer one) is the pillar's own.
pub fn class_of(pillar: Pillar, name: &str) -> NeedToKnow {
    match (
        kind(pillar, name),
        name.parse::<crate::signal::SignalKind>(),
    ) {
        (Some(row), _) => row.need_to_know,
        (None, Ok(signal)) => signal.need_to_know(),
        (None, Err(_)) => NeedToKnow::Pillar,
    }
}

/// Returns the rule of a pillar's decision on an application: the term Awb 4:15 suspends.
pub fn decision_rule(pillar: Pillar) -> Option<RuleCode> {
    crate::law::of(pillar).and_then(|law| law.decision_rule)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_snake_case_and_unique_per_pillar() {
        for pillar in Pillar::ALL {
            let mut names: Vec<&str> = KINDS
                .iter()
                .filter(|row| match row.pillar {
                    Some(own) => own == pillar,
                    None => LAW_PILLARS.contains(&pillar),
                })
                .map(|row| row.name)
                .collect();
            let count = names.len();
            names.sort_unstable();
            names.dedup();
            assert_eq!(names.len(), count, "{pillar} has a name twice");
        }
        for row in KINDS {
            assert!(
                row.name
                    .bytes()
                    .all(|b| b.is_ascii_lowercase() || b == b'_'),
                "{}",
                row.name
            );
        }
    }

    #[test]
    fn every_rule_started_by_an_event_is_met_by_one() {
        // A deadline nobody can close would sit in every worklist forever.
        for kind in KINDS {
            for code in kind.starts {
                let closable =
                    KINDS.iter().any(|other| other.meets.contains(code)) || code.rule().blocking;
                assert!(closable, "{code} started by {} is never met", kind.name);
            }
        }
    }

    #[test]
    fn shared_kinds_exist_only_in_the_law_pillars() {
        assert!(kind(Pillar::Jeugd, "bezwaar_ontvangen").is_some());
        assert!(kind(Pillar::Regie, "bezwaar_ontvangen").is_none());
        assert!(kind(Pillar::Wmo, "jeugdhulp_gestart").is_none());
        assert_eq!(
            kind(Pillar::Schuldhulp, "beschikking_afgegeven").map(|kind| kind.meets),
            Some(&[RuleCode::ShvBeschikking, RuleCode::AwbDwangsom][..])
        );
    }
}
