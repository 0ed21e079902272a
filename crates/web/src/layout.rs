//! The frame every page shares: `lang="nl"`, a skip link to the content, one `h1` per page,
//! the navigation and the signed-in staff member with a sign-out form; and the small pieces
//! pages are built from (tables, alerts, form fields) in NL Design System's classes.

use axum::http::StatusCode;
use axum::response::{IntoResponse as _, Response};
use maud::{DOCTYPE, Markup, PreEscaped, html};

use crate::app::App;
use crate::session::Session;

/// A whole page: `title` is both the document's title and its `h1`.
pub(crate) fn page(app: &App, session: Option<&Session>, title: &str, body: Markup) -> Markup {
    html! {
        (DOCTYPE)
        html lang="nl" class="utrecht-theme" {
            head {
                meta charset="utf-8";
                meta name="viewport" content="width=device-width, initial-scale=1";
                title { (title) " · Rondom regiewerkplek" }
                @for sheet in app.assets.sheets() {
                    link rel="stylesheet" href={ "/static/" (sheet) };
                }
            }
            body class="utrecht-page-body utrecht-document" {
                a class="utrecht-skip-link utrecht-skip-link--visible-on-focus" href="#inhoud" {
                    "Naar de inhoud"
                }
                header class="utrecht-page-header rondom-header" {
                    p class="rondom-brand" { "Rondom regiewerkplek" }
                    @if let Some(session) = session {
                        (navigation())
                        (signed_in(session))
                    }
                    @if app.sign_in.is_development() {
                        p class="rondom-development" role="note" {
                            "Ontwikkelomgeving: aangemeld met ontwikkelaccounts, niet met de identiteitsprovider van de gemeente."
                        }
                    }
                }
                main id="inhoud" class="utrecht-page-content" tabindex="-1" {
                    h1 class="utrecht-heading-1" { (title) }
                    (body)
                }
            }
        }
    }
}

fn navigation() -> Markup {
    html! {
        nav class="utrecht-nav-bar" aria-label="Hoofdmenu" {
            ul class="utrecht-nav-list" {
                li class="utrecht-nav-list__item" { a class="utrecht-link utrecht-nav-list__link" href="/werklijst" { "Werklijst" } }
                li class="utrecht-nav-list__item" { a class="utrecht-link utrecht-nav-list__link" href="/zoeken" { "Zoeken op BSN" } }
                li class="utrecht-nav-list__item" { a class="utrecht-link utrecht-nav-list__link" href="/wat-ik-las" { "Wat ik las" } }
            }
        }
    }
}

fn signed_in(session: &Session) -> Markup {
    html! {
        form class="rondom-signed-in" method="post" action="/afmelden" {
            (csrf(session))
            span { "Aangemeld als " strong { (session.staff.name) } }
            " "
            button class="utrecht-button utrecht-button--secondary-action" type="submit" { "Afmelden" }
        }
    }
}

/// The hidden field every form of a session carries.
pub(crate) fn csrf(session: &Session) -> Markup {
    html! { input type="hidden" name="csrf" value=(session.csrf); }
}

/// A message at the top of a page: `kind` is `info`, `ok`, `warning` or `error`.
pub(crate) fn alert(kind: &str, message: &str) -> Markup {
    let role = if kind == "error" || kind == "warning" {
        "alert"
    } else {
        "status"
    };
    html! {
        div class={ "utrecht-alert utrecht-alert--" (kind) } role=(role) {
            p class="utrecht-paragraph" { (message) }
        }
    }
}

/// A table with a caption, column headers and rows; "Geen." when there are none.
pub(crate) fn table(caption: &str, header: &[&str], rows: &[Vec<Markup>]) -> Markup {
    html! {
        div class="utrecht-table-container" {
            table class="utrecht-table utrecht-table--html-table" {
                caption class="utrecht-table__caption rondom-caption" { (caption) }
                thead class="utrecht-table__header" {
                    tr class="utrecht-table__row" {
                        @for cell in header {
                            th class="utrecht-table__header-cell" scope="col" { (cell) }
                        }
                    }
                }
                tbody class="utrecht-table__body" {
                    @if rows.is_empty() {
                        tr class="utrecht-table__row" {
                            td class="utrecht-table__cell" colspan=(header.len()) { "Geen." }
                        }
                    }
                    @for row in rows {
                        tr class="utrecht-table__row" {
                            @for cell in row {
                                td class="utrecht-table__cell" { (cell) }
                            }
                        }
                    }
                }
            }
        }
    }
}

/// Plain text as a table cell.
pub(crate) fn text(value: impl AsRef<str>) -> Markup {
    html! { (value.as_ref()) }
}

/// An empty fragment.
pub(crate) fn nothing() -> Markup {
    PreEscaped(String::new())
}

/// A form posted without this session's CSRF token: nothing changed.
pub(crate) fn forbidden_form(app: &App, session: &Session) -> Response {
    let body = alert(
        "error",
        "Dit formulier is verlopen of kwam niet van deze werkplek. Er is niets gewijzigd; open de pagina opnieuw.",
    );
    (
        StatusCode::FORBIDDEN,
        page(app, Some(session), "Formulier geweigerd", body),
    )
        .into_response()
}
