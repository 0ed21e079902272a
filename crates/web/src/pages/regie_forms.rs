//! The forms of the regie actions on the household page; [`super::regie`] takes what they
//! post. Every form carries the session's CSRF token, the position of the view it was based
//! on and a key of its own.

use maud::{Markup, html};
use rondom_domain::law::LAWS;
use rondom_proto::v1;

use crate::layout::csrf;
use crate::session::Session;

/// The forms of the household page.
pub(crate) fn forms(session: &Session, household: &v1::Household) -> Markup {
    let action = |name: &str| format!("/huishoudens/{}/regie/{name}", household.household_id);
    // What every form carries: the CSRF token, the view's position and a key of its own.
    let hidden = || {
        html! {
            (csrf(session))
            input type="hidden" name="positie" value=(household.last_position);
            input type="hidden" name="sleutel" value=(uuid::Uuid::new_v4());
        }
    };
    let next_version = household
        .plan
        .as_ref()
        .map_or(1, |plan| plan.versie.saturating_add(1));
    html! {
        details class="rondom-action" {
            summary { "Regisseur toewijzen" }
            form method="post" action=(action("regisseur")) class="utrecht-form" {
                (hidden())
                (field("regisseur_id", "Personeelsnummer van de regisseur", "text", ""))
                (field("organisatie-regisseur", "Organisatie (OIN of KvK-nummer)", "text", ""))
                button class="utrecht-button utrecht-button--primary-action" type="submit" { "Toewijzen" }
            }
        }
        details class="rondom-action" {
            summary { "Gezinsplan vastleggen" }
            form method="post" action=(action("plan")) class="utrecht-form" {
                (hidden())
                (field("versie", "Versie", "number", &next_version.to_string()))
                (field("doelen", "Doelen (codes, met komma's gescheiden)", "text", ""))
                fieldset class="utrecht-form-fieldset" {
                    legend class="utrecht-form-fieldset__legend" { "Wetten die meedoen" }
                    @for law in LAWS {
                        div class="utrecht-form-field utrecht-form-field--checkbox" {
                            input class="utrecht-checkbox utrecht-checkbox--html-input" type="checkbox" name="pijler"
                                id={ "pijler-" (law.pillar.as_str()) } value=(law.pillar.as_str());
                            label class="utrecht-form-label utrecht-form-label--checkbox" for={ "pijler-" (law.pillar.as_str()) } { (law.pillar.label()) }
                        }
                    }
                }
                (field("evaluatiedatum", "Evaluatiedatum", "date", ""))
                div class="utrecht-form-field utrecht-form-field--checkbox" {
                    input class="utrecht-checkbox utrecht-checkbox--html-input" type="checkbox" name="akkoord" id="akkoord" value="ja";
                    label class="utrecht-form-label utrecht-form-label--checkbox" for="akkoord" { "Het huishouden stemt in met het plan" }
                }
                button class="utrecht-button utrecht-button--primary-action" type="submit" { "Vastleggen" }
            }
        }
        (partner_forms(&action, &hidden, household))
        details class="rondom-action" {
            summary { "Samenstelling wijzigen" }
            form method="post" action=(action("samenstelling")) class="utrecht-form" autocomplete="off" {
                (hidden())
                (choice("wijziging", "Wijziging", &[("toegetreden", "treedt toe"), ("vertrokken", "vertrekt")]))
                (choice("reden", "Reden", &[("geboorte", "geboorte"), ("verhuizing", "verhuizing"), ("overlijden", "overlijden"), ("scheiding", "scheiding"), ("samenwonen", "samenwonen"), ("overig", "overig")]))
                (field("bsn", "BSN", "text", ""))
                (field("naam", "Naam (bij toetreden)", "text", ""))
                (field("geboortedatum", "Geboortedatum (bij toetreden)", "date", ""))
                button class="utrecht-button utrecht-button--primary-action" type="submit" { "Wijzigen" }
            }
        }
    }
}

fn partner_forms(
    action: &dyn Fn(&str) -> String,
    hidden: &dyn Fn() -> Markup,
    household: &v1::Household,
) -> Markup {
    let laws: Vec<(&str, &str)> = LAWS
        .iter()
        .map(|law| (law.pillar.as_str(), law.pillar.label()))
        .collect();
    html! {
        details class="rondom-action" {
            summary { "Partner registreren" }
            form method="post" action=(action("partner")) class="utrecht-form" {
                (hidden())
                (field("organisatie", "Organisatie (OIN, KvK-nummer of AGB-code)", "text", ""))
                (choice("wet", "Wet", &laws))
                button class="utrecht-button utrecht-button--primary-action" type="submit" { "Registreren" }
            }
        }
        @if !household.partners.is_empty() {
            details class="rondom-action" {
                summary { "Partner beëindigen" }
                @for (index, partner) in household.partners.iter().enumerate() {
                    form method="post" action=(action("partner-beeindigen")) class="utrecht-form" {
                        (hidden())
                        input type="hidden" name="organisatie" value=(partner.organisatie);
                        input type="hidden" name="wet" value=(rondom_proto::convert::pillar_from_proto(partner.pillar).map_or("", |p| p.as_str()));
                        button class="utrecht-button utrecht-button--secondary-action" type="submit" id={ "beeindig-" (index) } {
                            "Beëindig " (partner.organisatie) " (" (super::words::pillar(partner.pillar)) ")"
                        }
                    }
                }
            }
        }
    }
}

/// A labelled input.
fn field(name: &str, label: &str, kind: &str, value: &str) -> Markup {
    // The regisseur form names its organisation apart, so ids stay unique on the page.
    let form_name = name.strip_suffix("-regisseur").unwrap_or(name);
    html! {
        div class="utrecht-form-field" {
            label class="utrecht-form-label" for=(name) { (label) }
            input class="utrecht-textbox utrecht-textbox--html-input" type=(kind) id=(name) name=(form_name) value=(value);
        }
    }
}

/// A labelled choice.
fn choice(name: &str, label: &str, options: &[(&str, &str)]) -> Markup {
    html! {
        div class="utrecht-form-field" {
            label class="utrecht-form-label" for=(name) { (label) }
            select class="utrecht-select utrecht-select--html-select" id=(name) name=(name) {
                @for (value, text) in options {
                    option value=(value) { (text) }
                }
            }
        }
    }
}
