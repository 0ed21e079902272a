//! `GET /werklijst`: the households a coordinator works on, the most urgent deadline first,
//! filtered (overdue, due within N days, without regisseur, a risk flag, a law, a gemeente)
//! and paged. One `ListHouseholds` call: the hub decides what rows this staff member sees.

use axum::extract::Query;
use axum::response::{IntoResponse, Response};
use maud::{Markup, html};
use rondom_proto::v1;
use serde::Deserialize;

use super::{SignedIn, refused, words};
use crate::app::State;
use crate::hub::call;
use crate::layout::{page, table, text};

/// The filters, as the form sends them.
#[derive(Debug, Default, Deserialize)]
pub(crate) struct Filters {
    #[serde(default)]
    gemeente: String,
    /// `verlopen`, `binnenkort`, `zonder-regisseur` or empty.
    #[serde(default)]
    toon: String,
    /// For `binnenkort`: due within this many days (text: a form may send it empty).
    #[serde(default)]
    dagen: String,
    /// A law by its wire name (`wmo`, ...), or empty.
    #[serde(default)]
    wet: String,
    /// A risk flag by its number, or empty.
    #[serde(default)]
    risico: String,
    #[serde(default)]
    pagina: String,
}

/// Days ahead "binnenkort" looks when the form leaves it out.
const SOON: u32 = 7;

impl Filters {
    /// Days ahead for `binnenkort`: what the form says when it is a number up to a year.
    fn days(&self) -> u32 {
        self.dagen
            .trim()
            .parse()
            .map_or(SOON, |days: u32| days.min(366))
    }

    /// The risk flag chosen; none for anything else.
    fn risk(&self) -> Option<i32> {
        self.risico.trim().parse().ok().filter(|&flag| {
            v1::RiskFlag::try_from(flag).is_ok_and(|f| f != v1::RiskFlag::Unspecified)
        })
    }

    fn request(&self) -> v1::ListHouseholdsRequest {
        let pillar = rondom_domain::Pillar::ALL
            .into_iter()
            .find(|pillar| pillar.as_str() == self.wet)
            .map_or(0, |pillar| v1::Pillar::from(pillar) as i32);
        v1::ListHouseholdsRequest {
            gemeente_code: self.gemeente.trim().to_owned(),
            pillar,
            no_regisseur: self.toon == "zonder-regisseur",
            overdue: self.toon == "verlopen",
            due_within_days: if self.toon == "binnenkort" {
                self.days()
            } else {
                0
            },
            risk_flag: self.risk().unwrap_or_default(),
            page_size: 25,
            page_token: self.pagina.clone(),
            purpose: v1::Purpose::Regie as i32,
            ..Default::default()
        }
    }

    /// This page's filters with another page token, as a query string.
    fn with_page(&self, token: &str) -> String {
        let mut query = vec![
            ("gemeente", self.gemeente.clone()),
            ("toon", self.toon.clone()),
            ("wet", self.wet.clone()),
            ("pagina", token.to_owned()),
            ("dagen", self.days().to_string()),
        ];
        if let Some(flag) = self.risk() {
            query.push(("risico", flag.to_string()));
        }
        let filled: Vec<(&str, &str)> = query
            .iter()
            .filter(|(_, value)| !value.is_empty())
            .map(|(key, value)| (*key, value.as_str()))
            .collect();
        crate::query::encode(&filled)
    }
}

pub(crate) async fn show(
    axum::extract::State(app): State,
    SignedIn { id, session }: SignedIn,
    Query(filters): Query<Filters>,
) -> Response {
    let answer = app
        .hub
        .households()
        .list_households(call(&session.staff, filters.request()))
        .await;
    let answer = match answer {
        Ok(answer) => answer.into_inner(),
        Err(status) => return refused(&app, &id, &session, &status),
    };
    let rows: Vec<Vec<Markup>> = answer.rows.iter().map(row).collect();
    let body = html! {
        (form(&filters))
        (table("Huishoudens, de dringendste termijn eerst", &["Huishouden", "Gemeente", "Wetten", "Regisseur", "Eerstvolgende termijn", "Open termijnen", "Risico's"], &rows))
        @if !answer.next_page_token.is_empty() {
            p class="utrecht-paragraph" {
                a class="utrecht-link" href={ "/werklijst?" (filters.with_page(&answer.next_page_token)) } { "Volgende pagina" }
            }
        }
    };
    page(&app, Some(&session), "Werklijst", body).into_response()
}

fn row(row: &v1::WorklistRow) -> Vec<Markup> {
    let pillars: Vec<&str> = row
        .active_pillars
        .iter()
        .map(|&p| words::pillar(p))
        .collect();
    let flags: Vec<&str> = row
        .risk_flags
        .iter()
        .map(|&f| words::risk_flag(f))
        .collect();
    let urgent = row.most_urgent.as_ref().map_or_else(
        || text("geen"),
        |deadline| {
            html! {
                (deadline.title) ", " (words::date(deadline.due.as_ref()))
                " (" (words::days_left(deadline.days_left)) ")"
            }
        },
    );
    vec![
        html! { a class="utrecht-link" href={ "/huishoudens/" (row.household_id) } { "Huishouden " (short(&row.household_id)) } },
        text(&row.gemeente_code),
        text(pillars.join(", ")),
        text(if row.regisseur_id.is_empty() {
            "geen"
        } else {
            &row.regisseur_id
        }),
        urgent,
        text(row.open_deadlines.to_string()),
        text(if flags.is_empty() {
            "-".to_owned()
        } else {
            flags.join(", ")
        }),
    ]
}

/// The first eight characters of an id: enough to tell households apart on a screen.
pub(crate) fn short(id: &str) -> &str {
    id.get(..8).unwrap_or(id)
}

fn form(filters: &Filters) -> Markup {
    let shows = |value: &str| filters.toon == value;
    html! {
        form method="get" action="/werklijst" class="utrecht-form rondom-filters" {
            div class="utrecht-form-field" {
                label class="utrecht-form-label" for="toon" { "Toon" }
                select class="utrecht-select utrecht-select--html-select" id="toon" name="toon" {
                    option value="" selected[shows("")] { "alle huishoudens" }
                    option value="verlopen" selected[shows("verlopen")] { "met een verlopen termijn" }
                    option value="binnenkort" selected[shows("binnenkort")] { "met een termijn binnenkort" }
                    option value="zonder-regisseur" selected[shows("zonder-regisseur")] { "zonder regisseur" }
                }
            }
            div class="utrecht-form-field" {
                label class="utrecht-form-label" for="dagen" { "Binnenkort: binnen (dagen)" }
                input class="utrecht-textbox utrecht-textbox--html-input" type="number" id="dagen" name="dagen"
                    min="0" max="366" value=(filters.days());
            }
            div class="utrecht-form-field" {
                label class="utrecht-form-label" for="wet" { "Wet" }
                select class="utrecht-select utrecht-select--html-select" id="wet" name="wet" {
                    option value="" selected[filters.wet.is_empty()] { "alle wetten" }
                    @for law in rondom_domain::law::LAWS {
                        option value=(law.pillar.as_str()) selected[filters.wet == law.pillar.as_str()] { (law.pillar.label()) }
                    }
                }
            }
            div class="utrecht-form-field" {
                label class="utrecht-form-label" for="risico" { "Risico" }
                select class="utrecht-select utrecht-select--html-select" id="risico" name="risico" {
                    option value="" selected[filters.risk().is_none()] { "alle" }
                    @for flag in [v1::RiskFlag::DrieOfMeerPijlers, v1::RiskFlag::JeugdhulpEnSchulden, v1::RiskFlag::GeenRegisseur, v1::RiskFlag::TermijnOverschreden] {
                        option value=(flag as i32) selected[filters.risk() == Some(flag as i32)] { (words::risk_flag(flag as i32)) }
                    }
                }
            }
            div class="utrecht-form-field" {
                label class="utrecht-form-label" for="gemeente" { "Gemeente (CBS-code)" }
                input class="utrecht-textbox utrecht-textbox--html-input" type="text" id="gemeente" name="gemeente"
                    inputmode="numeric" pattern="[0-9]{4}" maxlength="4" value=(filters.gemeente);
            }
            button class="utrecht-button utrecht-button--secondary-action" type="submit" { "Filter" }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn filters(query: &str) -> Filters {
        serde_urlencoded::from_str(query).expect("a query the form can send")
    }

    #[test]
    fn the_form_becomes_one_worklist_request() {
        let request = filters("toon=binnenkort&dagen=3&wet=jeugd&risico=3&gemeente=0363").request();
        assert_eq!(request.due_within_days, 3);
        assert!(!request.overdue && !request.no_regisseur);
        assert_eq!(request.pillar, v1::Pillar::Jeugd as i32);
        assert_eq!(request.risk_flag, v1::RiskFlag::JeugdhulpEnSchulden as i32);
        assert_eq!(request.gemeente_code, "0363");
        assert_eq!(request.purpose, v1::Purpose::Regie as i32);
        assert!(filters("toon=verlopen").request().overdue);
        assert!(filters("toon=zonder-regisseur").request().no_regisseur);
    }

    #[test]
    fn empty_or_wrong_fields_fall_back_instead_of_failing() {
        // What the form sends untouched: every field present, some empty.
        let request = filters("toon=binnenkort&dagen=&wet=&risico=&gemeente=&pagina=").request();
        assert_eq!(request.due_within_days, SOON);
        assert_eq!(request.pillar, 0);
        assert_eq!(request.risk_flag, 0);
        let request = filters("toon=binnenkort&dagen=9999&wet=x&risico=77").request();
        assert_eq!(request.due_within_days, 366);
        assert_eq!(request.pillar, 0);
        assert_eq!(request.risk_flag, 0);
    }

    #[test]
    fn the_next_page_keeps_the_filters() {
        let next = filters("toon=verlopen&wet=wmo&risico=5").with_page("p:12 3");
        assert!(next.contains("toon=verlopen"), "{next}");
        assert!(next.contains("wet=wmo"), "{next}");
        assert!(next.contains("risico=5"), "{next}");
        assert!(next.contains("pagina=p%3A12%203"), "{next}");
    }
}
