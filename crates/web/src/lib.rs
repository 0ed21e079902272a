//! The regiewerkplek: the coordinators' workspace in the browser, served by the hub.
//!
//! Pages are written in Dutch on the server and work without JavaScript. Every page reads and
//! writes through the hub's own gRPC services, called with the signed-in staff member's bearer
//! token: the auth layer, need-to-know, purposes and the audit log are the same code as for any
//! other client, so there is one place that decides what a reader sees
//! (`docs/regiewerkplek.md`).
//!
//! From the ground up:
//! - [`session`]: who is signed in, their CSRF token, idle and absolute time-outs.
//! - `security`: the headers every answer carries; [`assets`]: the NL Design System style
//!   sheets, served by the hub itself; `pages::words`: Dutch words for the hub's codes.
//! - `query`: query strings and form bodies.
//! - `hub`: the gRPC calls, each under the session's token; [`oidc`]: the sign-in flow at the
//!   gemeente's identity provider.
//! - `mode`: how staff sign in (the provider, or development accounts); `app`: what every
//!   handler reaches.
//! - `layout`: the frame every page shares; `signin`: the sign-in and sign-out handlers.
//! - `pages`: one module per page, and the signed-in extractor they share.
//! - this file: the routes, and serving them.

mod app;
pub mod assets;
mod hub;
mod layout;
mod mode;
pub mod oidc;
mod pages;
mod query;
mod security;
pub mod session;
mod signin;

use std::future::Future;
use std::sync::Arc;
use std::time::Duration;

use anyhow::Context as _;
use axum::Router;
use axum::routing::{get, post};
use tokio::net::TcpListener;

use app::App;
pub use hub::Hub;
pub use mode::{DevAccount, SignIn};
pub use oidc::OidcSettings;

/// What the regiewerkplek needs besides its listener and the hub.
#[derive(Debug, Clone)]
pub struct WebSettings {
    pub sign_in: SignIn,
    /// The pages are reached over TLS behind a proxy that terminates it: the session cookie
    /// is `Secure` and carries the `__Host-` prefix (as when `tls` is given).
    pub secure: bool,
    /// Serve HTTPS with this certificate (the process's `--tls-cert`).
    pub tls: Option<Arc<rustls::ServerConfig>>,
    /// A session ends after this long without a request.
    pub idle_timeout: Duration,
    /// A session ends this long after sign-in, however busy.
    pub absolute_timeout: Duration,
    /// The folder that holds the npm packages `@utrecht/component-library-css` and
    /// `@utrecht/design-tokens` (`make tools` installs them in `.tools/web/node_modules`).
    pub assets: std::path::PathBuf,
}

impl WebSettings {
    /// Fifteen minutes idle, eight hours in all: a working day, and a screen left alone
    /// does not stay open.
    pub const IDLE: Duration = Duration::from_secs(15 * 60);
    pub const ABSOLUTE: Duration = Duration::from_secs(8 * 60 * 60);
}

/// Serves the regiewerkplek on `listener` until `shutdown` resolves.
///
/// # Errors
/// When serving fails.
pub async fn serve(
    listener: TcpListener,
    hub: Hub,
    settings: WebSettings,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> anyhow::Result<()> {
    let app = Arc::new(App {
        hub,
        sessions: session::Sessions::new(settings.idle_timeout, settings.absolute_timeout),
        sign_in: mode::SignInState::new(settings.sign_in),
        assets: assets::Assets::load(&settings.assets),
        secure: settings.secure || settings.tls.is_some(),
    });
    let addr = listener.local_addr()?;
    tracing::info!(%addr, tls = settings.tls.is_some(), "regiewerkplek serving");
    rondom_runtime::https::serve(listener, router(app), settings.tls, shutdown)
        .await
        .context("the regiewerkplek failed")
}

/// The largest form the regiewerkplek takes.
const MAX_FORM_BYTES: usize = 16 * 1024;

fn router(app: Arc<App>) -> Router {
    Router::new()
        .route("/", get(pages::home))
        .route("/aanmelden", get(signin::show))
        .route("/aanmelden/ontwikkeling", post(signin::development))
        .route("/aanmelden/start", get(signin::start))
        .route("/aanmelden/terug", get(signin::callback))
        .route("/afmelden", post(signin::sign_out))
        .route("/werklijst", get(pages::worklist::show))
        .route(
            "/zoeken",
            get(pages::search::form).post(pages::search::find),
        )
        .route("/huishoudens/{id}", get(pages::household::show))
        .route("/huishoudens/{id}/tijdlijn", get(pages::timeline::show))
        .route("/huishoudens/{id}/regie/{action}", post(pages::regie::act))
        .route("/wat-ik-las", get(pages::reads::show))
        .route("/static/{file}", get(pages::static_file))
        .fallback(pages::not_found)
        .layer(axum::middleware::from_fn(
            security::only_navigations_from_elsewhere,
        ))
        // Its forms are a few fields; nothing posted to it needs more.
        .layer(axum::extract::DefaultBodyLimit::max(MAX_FORM_BYTES))
        .layer(axum::middleware::from_fn_with_state(
            std::sync::Arc::new(security::Headers {
                policy: app.sign_in.policy.clone(),
                secure: app.secure,
            }),
            security::headers,
        ))
        .with_state(app)
}
