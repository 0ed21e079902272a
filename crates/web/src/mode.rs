//! How staff sign in: at the gemeente's identity provider, or (without one) with the
//! development accounts; and the Content-Security-Policy that follows from it.

use crate::oidc::{Login, OidcSettings};

/// A development account: a coordinator client of `rondom up` without an identity provider.
#[derive(Clone)]
pub struct DevAccount {
    /// What the sign-in page calls it, e.g. "Regisseur mw-0412 (gemeente 0363)".
    pub label: String,
    /// The development client's bearer token.
    pub token: String,
}

impl std::fmt::Debug for DevAccount {
    /// Leaves the token out.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("DevAccount")
            .field("label", &self.label)
            .finish_non_exhaustive()
    }
}

/// How staff sign in.
#[derive(Debug, Clone)]
pub enum SignIn {
    /// Through the gemeente's identity provider (OpenID Connect).
    Oidc(OidcSettings),
    /// Without an identity provider: the development accounts, clearly marked.
    Development(Vec<DevAccount>),
}

/// How staff sign in, with the page policy that follows from it.
#[derive(Debug)]
pub(crate) struct SignInState {
    pub(crate) mode: Mode,
    /// The Content-Security-Policy of every answer.
    pub(crate) policy: String,
}

pub(crate) enum Mode {
    Oidc(Box<Login>),
    Development(Vec<DevAccount>),
}

impl std::fmt::Debug for Mode {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Mode::Oidc(_) => f.write_str("Oidc"),
            Mode::Development(accounts) => f.debug_tuple("Development").field(accounts).finish(),
        }
    }
}

impl SignInState {
    pub(crate) fn new(sign_in: SignIn) -> Self {
        match sign_in {
            SignIn::Oidc(settings) => {
                let login = Login::new(settings);
                let policy = crate::security::policy(Some(&login.origin()));
                Self {
                    mode: Mode::Oidc(Box::new(login)),
                    policy,
                }
            }
            SignIn::Development(accounts) => Self {
                mode: Mode::Development(accounts),
                policy: crate::security::policy(None),
            },
        }
    }

    pub(crate) fn is_development(&self) -> bool {
        matches!(self.mode, Mode::Development(_))
    }
}
