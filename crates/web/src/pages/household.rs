//! `GET /huishoudens/{id}`: one household as this staff member may see it (one
//! `GetHousehold` call for regie): members with masked BSN, trajectories per law, open
//! deadlines with days left and the article they rest on, regisseur, gezinsplan, partners,
//! risk flags, and the regie actions.

use axum::extract::Path;
use axum::response::{IntoResponse, Response};
use maud::{Markup, html};
use rondom_proto::v1;

use super::{SignedIn, refused, words};
use crate::app::{App, State};
use crate::hub::call;
use crate::layout::{alert, nothing, page, table, text};
use crate::session::Session;

pub(crate) async fn show(
    axum::extract::State(app): State,
    SignedIn { id, session }: SignedIn,
    Path(household_id): Path<String>,
) -> Response {
    match read(&app, &session, &household_id, 0).await {
        Ok(household) => render(&app, &session, &household, nothing()),
        Err(status) => refused(&app, &id, &session, &status),
    }
}

/// Reads the household for regie, once the hub has applied `min_position`.
pub(crate) async fn read(
    app: &App,
    session: &Session,
    household_id: &str,
    min_position: u64,
) -> Result<v1::Household, tonic::Status> {
    let request = v1::GetHouseholdRequest {
        key: Some(v1::get_household_request::Key::HouseholdId(
            household_id.to_owned(),
        )),
        purpose: v1::Purpose::Regie as i32,
        min_position,
        ..Default::default()
    };
    let answer = app.households_call(session, request).await?;
    answer
        .household
        .ok_or_else(|| tonic::Status::not_found("no household in the answer"))
}

impl App {
    async fn households_call(
        &self,
        session: &Session,
        request: v1::GetHouseholdRequest,
    ) -> Result<v1::GetHouseholdResponse, tonic::Status> {
        self.hub
            .households()
            .get_household(call(&session.staff, request))
            .await
            .map(tonic::Response::into_inner)
    }
}

/// The household page, with `notice` above it (the outcome of a regie action).
pub(crate) fn render(
    app: &App,
    session: &Session,
    household: &v1::Household,
    notice: Markup,
) -> Response {
    let title = format!(
        "Huishouden {}",
        super::worklist::short(&household.household_id)
    );
    let body = html! {
        (notice)
        (flags(household))
        p class="utrecht-paragraph" {
            a class="utrecht-link" href={ "/huishoudens/" (household.household_id) "/tijdlijn" } { "Tijdlijn van dit huishouden" }
        }
        h2 class="utrecht-heading-2" { "Regie" }
        (regie(household))
        h2 class="utrecht-heading-2" { "Leden" }
        (members(household))
        h2 class="utrecht-heading-2" { "Trajecten per wet" }
        (trajectories(household))
        h2 class="utrecht-heading-2" { "Termijnen" }
        (deadlines(household))
        h2 class="utrecht-heading-2" { "Partners" }
        (partners(household))
        h2 class="utrecht-heading-2" { "Regieacties" }
        (super::regie_forms::forms(session, household))
    };
    page(app, Some(session), &title, body).into_response()
}

fn flags(household: &v1::Household) -> Markup {
    let risks: Vec<&str> = household
        .risk_flags
        .iter()
        .map(|&flag| words::risk_flag(flag))
        .collect();
    html! {
        @if household.erasure.is_some() {
            (alert("warning", "De persoonsgegevens van dit huishouden zijn gewist."))
        }
        @if household.incomplete {
            (alert("warning", "Niet alles van dit huishouden kon worden verwerkt; het beeld kan onvolledig zijn."))
        }
        @if household.restricted {
            (alert("info", "Een lid maakte bezwaar of liet de verwerking beperken (AVG art. 21, 18): van hem of haar wordt niets gedeeld buiten de eigen wet."))
        }
        @if !risks.is_empty() {
            (alert("warning", &format!("Risico's: {}.", risks.join(", "))))
        }
    }
}

fn regie(household: &v1::Household) -> Markup {
    let wetten: Vec<&str> = household
        .active_pillars
        .iter()
        .map(|&pillar| words::pillar(pillar))
        .collect();
    html! {
        dl class="utrecht-data-list rondom-facts" {
            div class="utrecht-data-list__item" {
                dt class="utrecht-data-list__item-key" { "Gemeente" }
                dd class="utrecht-data-list__item-value" { (household.gemeente_code) }
            }
            div class="utrecht-data-list__item" {
                dt class="utrecht-data-list__item-key" { "Actief bij" }
                dd class="utrecht-data-list__item-value" { @if wetten.is_empty() { "-" } @else { (wetten.join(", ")) } }
            }
            div class="utrecht-data-list__item" {
                dt class="utrecht-data-list__item-key" { "Regisseur" }
                dd class="utrecht-data-list__item-value" {
                    @match &household.regisseur {
                        Some(regisseur) => { (regisseur.regisseur_id) " (" (regisseur.organisatie) "), sinds " (words::moment(regisseur.since.as_ref())) }
                        None => { "geen" }
                    }
                }
            }
            div class="utrecht-data-list__item" {
                dt class="utrecht-data-list__item-key" { "Gezinsplan" }
                dd class="utrecht-data-list__item-value" {
                    @match &household.plan {
                        Some(plan) => {
                            "versie " (plan.versie) "; doelen: " (plan.doelen.join(", ")) "; evaluatie "
                            (words::date(plan.evaluatiedatum.as_ref()))
                            @if plan.huishouden_akkoord { "; het huishouden stemde in" }
                        }
                        None => { "geen" }
                    }
                }
            }
            div class="utrecht-data-list__item" {
                dt class="utrecht-data-list__item-key" { "Gecoördineerde aanpak" }
                dd class="utrecht-data-list__item-value" {
                    @match &household.aanpak {
                        Some(aanpak) => {
                            @let wetten: Vec<&str> = aanpak.wetten.iter().map(|&wet| words::pillar(wet)).collect();
                            (wetten.join(", ")) ", sinds " (words::moment(aanpak.since.as_ref()))
                            @if aanpak.uitzondering { " (uitzondering zonder instemming)" } @else { " (met instemming)" }
                        }
                        None => { "geen: elke wet in haar eigen baan" }
                    }
                }
            }
        }
    }
}

fn members(household: &v1::Household) -> Markup {
    let rows: Vec<Vec<Markup>> = household
        .members
        .iter()
        .map(|member| {
            vec![
                text(if member.display_name.is_empty() {
                    "(geen naam)"
                } else {
                    &member.display_name
                }),
                text(&member.bsn_masked),
            ]
        })
        .collect();
    table("Leden van het huishouden", &["Naam", "BSN"], &rows)
}

fn trajectories(household: &v1::Household) -> Markup {
    let rows: Vec<Vec<Markup>> = household
        .trajectories
        .iter()
        .map(|trajectory| {
            vec![
                text(words::pillar(trajectory.pillar)),
                text(&trajectory.case_id),
                text(words::trajectory_state(trajectory.state)),
                text(trajectory.last_kind.replace('_', " ")),
                text(words::moment(trajectory.updated_at.as_ref())),
                text(trajectory.providers.join(", ")),
            ]
        })
        .collect();
    table(
        "Trajecten per wet",
        &[
            "Wet",
            "Zaak",
            "Stand",
            "Laatste stap",
            "Bijgewerkt",
            "Aanbieders",
        ],
        &rows,
    )
}

fn deadlines(household: &v1::Household) -> Markup {
    let open = |deadline: &&v1::Deadline| {
        use v1::DeadlineStatus as S;
        matches!(
            S::try_from(deadline.status).unwrap_or(S::Unspecified),
            S::Open | S::AtRisk | S::Overdue | S::Suspended | S::WindowOpen
        )
    };
    let rows: Vec<Vec<Markup>> = household
        .deadlines
        .iter()
        .filter(open)
        .map(|deadline| {
            vec![
                html! { (deadline.title) br; small { (deadline.rule) } },
                text(&deadline.article),
                text(words::pillar(deadline.pillar)),
                text(words::date(deadline.due.as_ref())),
                text(words::days_left(deadline.days_left)),
                text(words::deadline_status(deadline.status)),
                reasoning(deadline),
            ]
        })
        .collect();
    table(
        "Open termijnen, de dringendste eerst",
        &[
            "Termijn",
            "Grondslag",
            "Wet",
            "Uiterlijk",
            "Dagen",
            "Stand",
            "Waarom deze datum",
        ],
        &rows,
    )
}

/// Why the deadline falls where it does: its start, the days skipped and by which rule. The
/// steps are worked out again here from the statute's calendar; they are shown only when
/// they arrive at the hub's date (a gemeente's own term or a decree added since is the hub's
/// to know, and then the page says so rather than show other reasoning).
fn reasoning(deadline: &v1::Deadline) -> Markup {
    let start = deadline
        .start
        .as_ref()
        .and_then(rondom_proto::convert::naive_date);
    let due = deadline
        .due
        .as_ref()
        .and_then(rondom_proto::convert::naive_date);
    let computed = rondom_domain::deadline::rule(&deadline.rule)
        .zip(start)
        .and_then(|(rule, start)| {
            rondom_domain::deadline::compute(
                rule,
                start,
                None,
                rondom_domain::deadline::Added::suspended(deadline.suspended_days),
                &rondom_domain::calendar::Calendar::default(),
            )
            .ok()
        })
        .filter(|computed| Some(computed.due) == due);
    html! {
        @match computed {
            Some(computed) => {
                ul class="utrecht-unordered-list rondom-reasoning" {
                    @for step in &computed.steps {
                        li class="utrecht-unordered-list__item" { (step.dutch()) }
                    }
                }
            }
            None => {
                "Gestart " (words::date(deadline.start.as_ref()))
                @if deadline.suspended_days > 0 { "; " (deadline.suspended_days) " dagen opgeschort" }
                "; de termijn volgt de verordening of kalender van de gemeente."
            }
        }
    }
}

fn partners(household: &v1::Household) -> Markup {
    let rows: Vec<Vec<Markup>> = household
        .partners
        .iter()
        .map(|partner| {
            vec![
                text(&partner.organisatie),
                text(words::pillar(partner.pillar)),
                text(if partner.case_id.is_empty() {
                    "door de regisseur"
                } else {
                    &partner.case_id
                }),
            ]
        })
        .collect();
    table(
        "Organisaties die met het huishouden werken",
        &["Organisatie", "Wet", "Zaak"],
        &rows,
    )
}
