//! Signing in and out. With an identity provider configured, only through it
//! ([`crate::oidc`]);
//! without one, the development accounts of `rondom up`, marked as such on every page. The
//! development sign-in form is protected by a cookie it sets itself (double submit), since
//! there is no session yet to hold a CSRF token.

use axum::Form;
use axum::extract::Query;
use axum::http::HeaderMap;
use axum::http::header::{LOCATION, SET_COOKIE};
use axum::response::{AppendHeaders, IntoResponse, Redirect, Response};
use maud::html;
use serde::Deserialize;

use crate::app::{App, State};
use crate::layout::{alert, page};
use crate::mode::Mode;
use crate::session::{Session, Staff, cookie, cookie_name, random_id, same_secret, set_cookie};

/// The cookie that protects the development sign-in form.
const FORM_COOKIE: &str = "rondom-aanmelden";

/// The session the request carries, with its id.
pub(crate) fn current(app: &App, headers: &HeaderMap) -> Option<(String, Session)> {
    let id = cookie(headers, cookie_name(app.secure))?;
    app.sessions
        .touch(id)
        .map(|session| (id.to_owned(), session))
}

/// To the sign-in page (a session that ended, or none).
pub(crate) fn to_sign_in() -> Response {
    Redirect::to("/aanmelden").into_response()
}

#[derive(Debug, Deserialize)]
pub(crate) struct PageQuery {
    afgemeld: Option<String>,
    fout: Option<String>,
}

/// `GET /aanmelden`.
pub(crate) async fn show(
    axum::extract::State(app): State,
    headers: HeaderMap,
    Query(query): Query<PageQuery>,
) -> Response {
    if current(&app, &headers).is_some() {
        return Redirect::to("/werklijst").into_response();
    }
    let notice = match (&query.afgemeld, &query.fout) {
        (_, Some(_)) => alert("error", "Aanmelden lukte niet. Meld u opnieuw aan."),
        (Some(_), None) => alert("ok", "U bent afgemeld."),
        (None, None) => crate::layout::nothing(),
    };
    match &app.sign_in.mode {
        Mode::Oidc(_) => {
            let body = html! {
                (notice)
                p class="utrecht-paragraph" { "Meld u aan met uw account van de gemeente." }
                a class="utrecht-button-link utrecht-button-link--html-a utrecht-button-link--primary-action" href="/aanmelden/start" {
                    "Aanmelden bij de gemeente"
                }
            };
            page(&app, None, "Aanmelden", body).into_response()
        }
        Mode::Development(accounts) => {
            let token = random_id();
            let body = html! {
                (notice)
                (alert("warning", "Dit is de ontwikkelomgeving: er is geen identiteitsprovider ingesteld. Kies een ontwikkelaccount. Gebruik dit nooit met echte gegevens."))
                form method="post" action="/aanmelden/ontwikkeling" class="utrecht-form" {
                    input type="hidden" name="csrf" value=(token);
                    fieldset class="utrecht-form-fieldset" {
                        legend class="utrecht-form-fieldset__legend" { "Ontwikkelaccount" }
                        @for (index, account) in accounts.iter().enumerate() {
                            div class="utrecht-form-field utrecht-form-field--radio" {
                                input class="utrecht-radio-button" type="radio" name="account"
                                    id={ "account-" (index) } value=(index) required checked[index == 0];
                                label class="utrecht-form-label utrecht-form-label--radio" for={ "account-" (index) } {
                                    (account.label)
                                }
                            }
                        }
                    }
                    button class="utrecht-button utrecht-button--primary-action" type="submit" { "Aanmelden" }
                }
            };
            let cookie = set_cookie(FORM_COOKIE, &token, app.secure, Some(600));
            ([(SET_COOKIE, cookie)], page(&app, None, "Aanmelden", body)).into_response()
        }
    }
}

#[derive(Debug, Deserialize)]
pub(crate) struct DevelopmentForm {
    account: usize,
    csrf: String,
}

/// `POST /aanmelden/ontwikkeling`: signs in with a development account.
pub(crate) async fn development(
    axum::extract::State(app): State,
    headers: HeaderMap,
    Form(form): Form<DevelopmentForm>,
) -> Response {
    let Mode::Development(accounts) = &app.sign_in.mode else {
        // Off whenever an identity provider is configured.
        return axum::http::StatusCode::NOT_FOUND.into_response();
    };
    let posted_here =
        cookie(&headers, FORM_COOKIE).is_some_and(|token| same_secret(token, &form.csrf));
    let Some(account) = accounts.get(form.account).filter(|_| posted_here) else {
        return Redirect::to("/aanmelden?fout=1").into_response();
    };
    let staff = Staff {
        name: account.label.clone(),
        staff_id: String::new(),
        token: account.token.clone(),
        id_token: None,
    };
    signed_in(&app, staff)
}

/// `GET /aanmelden/start`: to the identity provider.
pub(crate) async fn start(axum::extract::State(app): State) -> Response {
    match &app.sign_in.mode {
        Mode::Oidc(login) => {
            let (url, state) = login.begin();
            // The sign-in is bound to this browser: the answer is taken only with this cookie.
            // Lax, not Strict: the provider's redirect back is a navigation from its site.
            (
                [(SET_COOKIE, state_cookie(app.secure, &state, 600))],
                Redirect::to(&url),
            )
                .into_response()
        }
        Mode::Development(_) => Redirect::to("/aanmelden").into_response(),
    }
}

/// The cookie that binds a sign-in at the provider to the browser that began it (against a
/// login CSRF: someone else's answer pasted into this browser). Under TLS its name has the
/// `__Host-` prefix, so no other host of the same site can set it.
fn state_cookie_name(secure: bool) -> &'static str {
    if secure {
        "__Host-rondom-aanmelding"
    } else {
        "rondom-aanmelding"
    }
}

/// The `Set-Cookie` value of the sign-in's state cookie; `max_age` 0 removes it. Lax, not
/// Strict: the provider's redirect back is a navigation from its site.
fn state_cookie(secure: bool, state: &str, max_age: u64) -> String {
    let name = state_cookie_name(secure);
    let mut cookie = format!("{name}={state}; Path=/; HttpOnly; SameSite=Lax; Max-Age={max_age}");
    if secure {
        cookie.push_str("; Secure");
    }
    cookie
}

#[derive(Debug, Deserialize)]
pub(crate) struct Callback {
    code: Option<String>,
    state: Option<String>,
}

/// `GET /aanmelden/terug`: the identity provider sends the browser back here.
pub(crate) async fn callback(
    axum::extract::State(app): State,
    headers: HeaderMap,
    Query(callback): Query<Callback>,
) -> Response {
    let Mode::Oidc(login) = &app.sign_in.mode else {
        return axum::http::StatusCode::NOT_FOUND.into_response();
    };
    let (Some(code), Some(state)) = (callback.code, callback.state) else {
        return Redirect::to("/aanmelden?fout=1").into_response();
    };
    if !cookie(&headers, state_cookie_name(app.secure))
        .is_some_and(|begun| same_secret(begun, &state))
    {
        tracing::warn!("a sign-in answer came to a browser that did not begin it");
        return Redirect::to("/aanmelden?fout=1").into_response();
    }
    // The state has done its work, either way.
    let used = (SET_COOKIE, state_cookie(app.secure, "", 0));
    match login.finish(&state, &code).await {
        // Appended: the session's cookies are under the same header name.
        Ok(staff) => (AppendHeaders([used]), signed_in(&app, staff)).into_response(),
        Err(reason) => {
            let body = html! {
                (alert("error", &reason))
                a class="utrecht-link" href="/aanmelden/start" { "Opnieuw aanmelden" }
            };
            (
                axum::http::StatusCode::FORBIDDEN,
                AppendHeaders([used]),
                page(&app, None, "Aanmelden lukte niet", body),
            )
                .into_response()
        }
    }
}

/// Opens the session and sends the browser to the worklist.
fn signed_in(app: &App, staff: Staff) -> Response {
    tracing::info!(staff = %staff.staff_id, "signed in to the regiewerkplek");
    let id = app.sessions.open(staff);
    let cookie = set_cookie(cookie_name(app.secure), &id, app.secure, None);
    let clear = set_cookie(FORM_COOKIE, "", app.secure, Some(0));
    (
        axum::http::StatusCode::SEE_OTHER,
        // Appended: two cookies under one header name.
        AppendHeaders([
            (SET_COOKIE, cookie),
            (SET_COOKIE, clear),
            (LOCATION, "/werklijst".to_owned()),
        ]),
    )
        .into_response()
}

#[derive(Debug, Deserialize)]
pub(crate) struct SignOutForm {
    csrf: String,
}

/// `POST /afmelden`: ends the session, and at the identity provider too where it offers that.
pub(crate) async fn sign_out(
    axum::extract::State(app): State,
    headers: HeaderMap,
    Form(form): Form<SignOutForm>,
) -> Response {
    let Some((id, session)) = current(&app, &headers) else {
        return to_sign_in();
    };
    if !same_secret(&session.csrf, &form.csrf) {
        return crate::layout::forbidden_form(&app, &session);
    }
    app.sessions.close(&id);
    let next = match &app.sign_in.mode {
        Mode::Oidc(login) => login
            .sign_out_url(session.staff.id_token.as_deref())
            .unwrap_or_else(|| "/aanmelden?afgemeld=1".to_owned()),
        Mode::Development(_) => "/aanmelden?afgemeld=1".to_owned(),
    };
    let clear = set_cookie(cookie_name(app.secure), "", app.secure, Some(0));
    (
        axum::http::StatusCode::SEE_OTHER,
        [(SET_COOKIE, clear), (LOCATION, next)],
    )
        .into_response()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn under_tls_only_this_host_may_set_the_state_cookie() {
        let cookie = state_cookie(true, "s", 600);
        assert!(
            cookie.starts_with("__Host-rondom-aanmelding=s;"),
            "{cookie}"
        );
        // What the prefix asks of the cookie, or the browser drops it.
        assert!(
            cookie.contains("; Path=/;") && cookie.contains("; Secure"),
            "{cookie}"
        );
        assert!(!cookie.contains("Domain"), "{cookie}");
        assert!(state_cookie(false, "", 0).starts_with("rondom-aanmelding=;"));
    }
}
