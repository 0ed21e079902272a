//! The pages, one module each, and what they share: the signed-in check, a refused call
//! turned into a page a coordinator understands, and Dutch words for the hub's codes.

pub(crate) mod field_errors;
pub(crate) mod household;
pub(crate) mod reads;
pub(crate) mod regie;
pub(crate) mod regie_forms;
pub(crate) mod search;
pub(crate) mod timeline;
pub(crate) mod words;
pub(crate) mod worklist;

use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use maud::html;
use tonic::Code;
use tonic_types::StatusExt as _;

use crate::app::{App, State};
use crate::layout::{alert, page};
use crate::session::Session;
use crate::signin::current;
pub(crate) use crate::signin::to_sign_in;

/// `GET /`.
pub(crate) async fn home(axum::extract::State(app): State, headers: HeaderMap) -> Response {
    match current(&app, &headers) {
        Some(_) => Redirect::to("/werklijst").into_response(),
        None => to_sign_in(),
    }
}

/// Any other path.
pub(crate) async fn not_found(axum::extract::State(app): State, headers: HeaderMap) -> Response {
    let session = current(&app, &headers).map(|(_, session)| session);
    let body = html! { p class="utrecht-paragraph" { "Deze pagina bestaat niet." } };
    (
        StatusCode::NOT_FOUND,
        page(&app, session.as_ref(), "Niet gevonden", body),
    )
        .into_response()
}

/// The signed-in session with its id, as a handler's argument: a request without one is
/// sent to sign in before the handler runs.
pub(crate) struct SignedIn {
    pub(crate) id: String,
    pub(crate) session: Session,
}

impl axum::extract::FromRequestParts<std::sync::Arc<App>> for SignedIn {
    type Rejection = Response;

    async fn from_request_parts(
        parts: &mut axum::http::request::Parts,
        app: &std::sync::Arc<App>,
    ) -> Result<Self, Response> {
        current(app, &parts.headers)
            .map(|(id, session)| SignedIn { id, session })
            .ok_or_else(to_sign_in)
    }
}

/// A call the hub refused, as a page: a token it no longer takes ends the session.
pub(crate) fn refused(app: &App, id: &str, session: &Session, status: &tonic::Status) -> Response {
    let (code, title, message) = match status.code() {
        Code::Unauthenticated => {
            app.sessions.close(id);
            return Redirect::to("/aanmelden?fout=1").into_response();
        }
        Code::PermissionDenied => (
            StatusCode::FORBIDDEN,
            "Geen toegang",
            "U mag dit niet inzien of doen.",
        ),
        Code::NotFound => (
            StatusCode::NOT_FOUND,
            "Niet gevonden",
            "Dit huishouden is niet gevonden, of u werkt er niet mee.",
        ),
        Code::InvalidArgument => (
            StatusCode::BAD_REQUEST,
            "Niet verwerkt",
            "De hub nam dit niet aan; er is niets gewijzigd.",
        ),
        _ => (
            StatusCode::SERVICE_UNAVAILABLE,
            "Even niet bereikbaar",
            "De hub is nu niet bereikbaar. Probeer het zo opnieuw.",
        ),
    };
    let body = html! {
        (alert("error", message))
        (violations(status))
    };
    (code, page(app, Some(session), title, body)).into_response()
}

/// The fields a refusal names, each with what it takes ([`field_errors`]).
pub(crate) fn violations(status: &tonic::Status) -> maud::Markup {
    let violations = status
        .get_details_bad_request()
        .map(|bad| bad.field_violations)
        .unwrap_or_default();
    html! {
        @if !violations.is_empty() {
            ul class="utrecht-unordered-list" {
                @for violation in &violations {
                    li class="utrecht-unordered-list__item" {
                        // The form's words; the API's path stays, for whoever helps.
                        @if let Some((label, takes)) = field_errors::explain(&violation.field) {
                            strong { (label) } ": " (takes) " "
                            "(" code class="utrecht-code" { (violation.field) } ")"
                        } @else {
                            code class="utrecht-code" { (violation.field) } ": " (violation.description)
                        }
                    }
                }
            }
        }
    }
}

/// `GET /static/{file}`: a style sheet; they hold nothing personal, so browsers may keep them.
pub(crate) async fn static_file(
    axum::extract::State(app): State,
    axum::extract::Path(file): axum::extract::Path<String>,
) -> Response {
    match app.assets.get(&file) {
        Some(text) => (
            [
                (axum::http::header::CONTENT_TYPE, "text/css; charset=utf-8"),
                (axum::http::header::CACHE_CONTROL, "public, max-age=3600"),
            ],
            text.to_string(),
        )
            .into_response(),
        None => StatusCode::NOT_FOUND.into_response(),
    }
}
