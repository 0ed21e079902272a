//! `GET /zoeken` and `POST /zoeken`: find a household by a member's BSN. The purpose comes
//! first (doelbinding: a read states why); the BSN travels in the form's body, never in a
//! URL, and the answer is the household page itself (one read, one audit record).

use axum::Form;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use maud::{Markup, html};
use rondom_domain::Purpose;
use rondom_proto::v1;
use serde::Deserialize;

use super::{SignedIn, violations};
use crate::app::{App, State};
use crate::hub::call;
use crate::layout::forbidden_form;
use crate::layout::{alert, csrf, nothing, page};
use crate::session::{Session, same_secret};

pub(crate) async fn form(
    axum::extract::State(app): State,
    SignedIn { session, .. }: SignedIn,
) -> Response {
    search_page(&app, &session, nothing(), StatusCode::OK)
}

#[derive(Debug, Deserialize)]
pub(crate) struct Search {
    csrf: String,
    #[serde(default)]
    doel: String,
    #[serde(default)]
    bsn: String,
}

pub(crate) async fn find(
    axum::extract::State(app): State,
    SignedIn { id, session }: SignedIn,
    Form(search): Form<Search>,
) -> Response {
    if !same_secret(&session.csrf, &search.csrf) {
        return forbidden_form(&app, &session);
    }
    let purpose = Purpose::ALL
        .into_iter()
        .find(|purpose| purpose.as_str() == search.doel)
        .map_or(0, |purpose| v1::Purpose::from(purpose) as i32);
    let request = v1::GetHouseholdRequest {
        key: Some(v1::get_household_request::Key::Bsn(
            search.bsn.trim().to_owned(),
        )),
        purpose,
        ..Default::default()
    };
    let answer = app
        .hub
        .households()
        .get_household(call(&session.staff, request))
        .await;
    match answer.map(tonic::Response::into_inner) {
        Ok(v1::GetHouseholdResponse {
            household: Some(household),
            ..
        }) => super::household::render(&app, &session, &household, nothing()),
        Ok(_) => search_page(
            &app,
            &session,
            alert("info", "Geen huishouden gevonden."),
            StatusCode::NOT_FOUND,
        ),
        Err(status) => match status.code() {
            tonic::Code::NotFound => search_page(
                &app,
                &session,
                alert(
                    "info",
                    "Geen huishouden gevonden met dit BSN waarmee u werkt.",
                ),
                StatusCode::NOT_FOUND,
            ),
            tonic::Code::InvalidArgument => search_page(
                &app,
                &session,
                html! { (alert("error", "Controleer het doel en het BSN.")) (violations(&status)) },
                StatusCode::BAD_REQUEST,
            ),
            _ => super::refused(&app, &id, &session, &status),
        },
    }
}

fn search_page(app: &App, session: &Session, notice: Markup, code: StatusCode) -> Response {
    let body = html! {
        (notice)
        form method="post" action="/zoeken" class="utrecht-form" autocomplete="off" {
            (csrf(session))
            div class="utrecht-form-field" {
                label class="utrecht-form-label" for="doel" { "Waarvoor zoekt u? (doel)" }
                select class="utrecht-select utrecht-select--html-select" id="doel" name="doel" required {
                    option value="" { "Kies een doel" }
                    @for purpose in Purpose::ALL {
                        option value=(purpose.as_str()) { (purpose_label(purpose)) }
                    }
                }
            }
            div class="utrecht-form-field" {
                label class="utrecht-form-label" for="bsn" { "BSN van een lid van het huishouden" }
                input class="utrecht-textbox utrecht-textbox--html-input" type="text" id="bsn" name="bsn"
                    inputmode="numeric" pattern="[0-9]{8,9}" maxlength="9" required autocomplete="off";
            }
            button class="utrecht-button utrecht-button--primary-action" type="submit" { "Zoeken" }
        }
    };
    (code, page(app, Some(session), "Zoeken op BSN", body)).into_response()
}

fn purpose_label(purpose: Purpose) -> &'static str {
    match v1::Purpose::from(purpose) {
        v1::Purpose::Regie => "Regie: de ondersteuning rond het huishouden afstemmen",
        v1::Purpose::UitvoeringWmo => "Uitvoering van de Wmo",
        v1::Purpose::UitvoeringJeugdwet => "Uitvoering van de Jeugdwet",
        v1::Purpose::Schuldhulpverlening => "Schuldhulpverlening",
        v1::Purpose::Bijstandsverlening => "Bijstandsverlening",
        v1::Purpose::Beheer => "Beheer van de hub",
        v1::Purpose::Unspecified => "onbekend",
    }
}
