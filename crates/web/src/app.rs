//! What every handler reaches: the hub, the sessions, how staff sign in, the style sheets.

use std::sync::Arc;

/// Everything a page handler reaches.
#[derive(Debug)]
pub(crate) struct App {
    pub(crate) hub: crate::hub::Hub,
    pub(crate) sessions: crate::session::Sessions,
    pub(crate) sign_in: crate::mode::SignInState,
    pub(crate) assets: crate::assets::Assets,
    pub(crate) secure: bool,
}

/// The state handlers take.
pub(crate) type State = axum::extract::State<Arc<App>>;
