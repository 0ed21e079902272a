//! Signing in at the gemeente's identity provider: the authorization code flow with PKCE
//! (S256), a `state` that ties the answer to this browser's request and a `nonce` that ties
//! the id token to it. The provider's tokens are checked by [`rondom_access::idp`], the same
//! code that takes a staff member's access token on gRPC.

use std::sync::Arc;
use std::time::Duration;

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use hmac::{Hmac, Mac};
use rondom_access::idp::IdentityProvider;
use rondom_domain::access::Role;
use serde::Deserialize;
use sha2::{Digest, Sha256};

use crate::query::encode;
use crate::session::{Staff, random_id, same_secret};

/// The identity provider (reached at start, shared with the gRPC door) and where it sends
/// the browser back to.
#[derive(Debug, Clone)]
pub struct OidcSettings {
    pub provider: Arc<IdentityProvider>,
    /// This hub's `/aanmelden/terug` as the browser reaches it, registered at the provider.
    pub redirect_url: String,
    /// Where the provider sends the browser after signing out (registered there too).
    pub post_logout_url: String,
}

/// A sign-in that does not come back within this long is refused.
const PENDING_FOR: Duration = Duration::from_secs(10 * 60);

/// Sign-ins through one identity provider. Nothing is kept per sign-in: its `state` carries
/// when it began and a MAC under this process's key, and its PKCE verifier and nonce are
/// derived from the state under the same key. A flood of sign-ins begun and never finished
/// fills no memory and takes no lock; a sign-in begun before a restart is refused (as it
/// was when they were kept in memory).
pub(crate) struct Login {
    pub(crate) provider: Arc<IdentityProvider>,
    settings: OidcSettings,
    states: States,
}

impl std::fmt::Debug for Login {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Login")
            .field("provider", &self.provider)
            .finish_non_exhaustive()
    }
}

/// Gives out and checks the `state` of sign-ins, and derives each one's verifier and nonce,
/// under a key of this process.
struct States {
    key: [u8; 32],
}

impl States {
    fn new() -> Self {
        Self {
            key: rondom_access::clients::rand_bytes(),
        }
    }

    /// `HMAC-SHA256(key, purpose || 0 || text)`, in hex.
    fn mac(&self, purpose: &str, text: &str) -> String {
        let mut mac = Hmac::<Sha256>::new_from_slice(&self.key).expect("HMAC takes any key");
        mac.update(purpose.as_bytes());
        mac.update(&[0]);
        mac.update(text.as_bytes());
        hex::encode(mac.finalize().into_bytes())
    }

    /// A new sign-in's `state`: `<began, Unix seconds>.<random>.<MAC of both>`.
    fn give_out(&self, began: u64) -> String {
        let body = format!("{began}.{}", random_id());
        let tag = self.mac("state", &body);
        format!("{body}.{tag}")
    }

    /// Whether `state` is one given out here less than [`PENDING_FOR`] before `now`.
    fn is_current(&self, state: &str, now: u64) -> bool {
        let Some((body, tag)) = state.rsplit_once('.') else {
            return false;
        };
        let Some(began) = body
            .split_once('.')
            .and_then(|(began, _)| began.parse::<u64>().ok())
        else {
            return false;
        };
        same_secret(tag, &self.mac("state", body))
            && began <= now
            && now - began < PENDING_FOR.as_secs()
    }

    /// The PKCE verifier of the sign-in of `state` (64 hex digits: RFC 7636 allows 43 to 128
    /// of its unreserved characters).
    fn verifier(&self, state: &str) -> String {
        self.mac("verifier", state)
    }

    /// The nonce of the sign-in of `state`.
    fn nonce(&self, state: &str) -> String {
        self.mac("nonce", state)
    }
}

#[derive(Debug, Deserialize)]
struct TokenAnswer {
    access_token: String,
    id_token: String,
}

impl Login {
    pub(crate) fn new(settings: OidcSettings) -> Self {
        Self {
            provider: settings.provider.clone(),
            settings,
            states: States::new(),
        }
    }

    /// The origin of the provider (for the Content-Security-Policy's form-action).
    pub(crate) fn origin(&self) -> String {
        origin(&self.provider.metadata.authorization_endpoint)
    }

    /// Begins a sign-in: the provider's authorization URL to send the browser to, and the
    /// `state` that the browser must bring back.
    pub(crate) fn begin(&self) -> (String, String) {
        let state = self.states.give_out(unix_now());
        let nonce = self.states.nonce(&state);
        let challenge = challenge(&self.states.verifier(&state));
        let query = [
            ("response_type", "code"),
            ("client_id", self.provider.settings.client_id.as_str()),
            ("redirect_uri", self.settings.redirect_url.as_str()),
            ("scope", self.provider.settings.scope.as_str()),
            ("state", state.as_str()),
            ("nonce", nonce.as_str()),
            ("code_challenge", challenge.as_str()),
            ("code_challenge_method", "S256"),
            ("resource", self.provider.settings.audience.as_str()),
        ];
        let url = format!(
            "{}?{}",
            self.provider.metadata.authorization_endpoint,
            encode(&query)
        );
        (url, state)
    }

    /// Finishes a sign-in the provider sent back with `code` for `state`.
    ///
    /// # Errors
    /// A sentence for the sign-in page: an unknown or old state, a refused code, a token that
    /// is not good, or a staff member who is not a coordinator.
    pub(crate) async fn finish(&self, state: &str, code: &str) -> Result<Staff, String> {
        if !self.states.is_current(state, unix_now()) {
            return Err(
                "Deze aanmelding is verlopen of niet hier begonnen. Meld u opnieuw aan.".into(),
            );
        }
        let verifier = self.states.verifier(state);
        let form = [
            ("grant_type", "authorization_code"),
            ("code", code),
            ("redirect_uri", self.settings.redirect_url.as_str()),
            ("code_verifier", verifier.as_str()),
            ("resource", self.provider.settings.audience.as_str()),
        ];
        let answer: TokenAnswer = self
            .provider
            .http()
            .post(&self.provider.metadata.token_endpoint)
            .basic_auth(
                &self.provider.settings.client_id,
                Some(&self.provider.settings.client_secret),
            )
            .header("content-type", "application/x-www-form-urlencoded")
            .body(encode(&form))
            .send()
            .await
            .and_then(reqwest::Response::error_for_status)
            .map_err(|err| {
                tracing::warn!(error = %err, "the identity provider refused the code");
                "De identiteitsprovider weigerde de aanmelding. Probeer het opnieuw."
            })?
            .json()
            .await
            .map_err(|_| "De identiteitsprovider gaf een onbekend antwoord.")?;
        // The provider rolled its signing key over since its keys were fetched: fetch them
        // again (at most every half minute) before the tokens are checked, as the hub's gRPC
        // door does.
        if [&answer.id_token, &answer.access_token]
            .into_iter()
            .any(|token| self.provider.lacks_key_of(token))
        {
            self.provider.refresh_keys().await;
        }
        self.staff(&answer, &self.states.nonce(state))
            .map_err(|err| {
                tracing::warn!(error = %err, "a sign-in's tokens were not taken");
                format!("Aanmelden lukte niet: {err}")
            })
    }

    /// The staff member the provider's tokens name, after checking both.
    fn staff(&self, answer: &TokenAnswer, nonce: &str) -> anyhow::Result<Staff> {
        let id = self
            .provider
            .verify(&answer.id_token, &self.provider.settings.client_id)?;
        anyhow::ensure!(
            id.get("nonce").and_then(serde_json::Value::as_str) == Some(nonce),
            "the id token is not of this sign-in (nonce)"
        );
        // The access token is what the hub will see on every call: it must make a
        // coordinator, the same person as the id token.
        let client = self.provider.client(&answer.access_token)?;
        anyhow::ensure!(
            client.role == Role::Coordinator,
            "de regiewerkplek is voor coördinatoren"
        );
        let subject = |claims: &serde_json::Map<String, serde_json::Value>| {
            claims
                .get("sub")
                .and_then(serde_json::Value::as_str)
                .map(str::to_owned)
        };
        let access = self
            .provider
            .verify(&answer.access_token, &self.provider.settings.audience)?;
        anyhow::ensure!(
            subject(&id).is_some() && subject(&id) == subject(&access),
            "the id token and the access token name different people"
        );
        let staff_id = client.staff_id.unwrap_or_default();
        Ok(Staff {
            name: staff_id.clone(),
            staff_id,
            token: answer.access_token.clone(),
            id_token: Some(answer.id_token.clone()),
        })
    }

    /// Where to send the browser to sign out at the provider too, when it offers that.
    pub(crate) fn sign_out_url(&self, id_token: Option<&str>) -> Option<String> {
        let endpoint = self.provider.metadata.end_session_endpoint.as_deref()?;
        let mut query = vec![
            ("client_id", self.provider.settings.client_id.as_str()),
            (
                "post_logout_redirect_uri",
                self.settings.post_logout_url.as_str(),
            ),
        ];
        if let Some(token) = id_token {
            query.push(("id_token_hint", token));
        }
        Some(format!("{endpoint}?{}", encode(&query)))
    }
}

/// Seconds since the Unix epoch (0 for a clock before it).
fn unix_now() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |since| since.as_secs())
}

/// The PKCE S256 challenge of `verifier` (RFC 7636 section 4.2).
fn challenge(verifier: &str) -> String {
    URL_SAFE_NO_PAD.encode(Sha256::digest(verifier.as_bytes()))
}

/// `scheme://host[:port]` of `url`.
fn origin(url: &str) -> String {
    let Some((scheme, rest)) = url.split_once("://") else {
        return url.to_owned();
    };
    let host = rest.split(['/', '?', '#']).next().unwrap_or_default();
    format!("{scheme}://{host}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn origins_are_found() {
        assert_eq!(
            origin("https://login.example.nl:8443/auth?x=1"),
            "https://login.example.nl:8443"
        );
    }

    #[test]
    fn a_state_is_taken_only_as_given_out_here_and_for_ten_minutes() {
        let states = States::new();
        let began = 1_800_000_000;
        let state = states.give_out(began);
        assert!(states.is_current(&state, began));
        assert!(states.is_current(&state, began + 599));
        assert!(!states.is_current(&state, began + 600), "expired");
        assert!(!states.is_current(&state, began - 1), "from the future");
        assert!(
            !States::new().is_current(&state, began),
            "another process's"
        );
        let (body, tag) = state.rsplit_once('.').expect("three parts");
        let (_, random) = body.split_once('.').expect("three parts");
        let later = format!("{}.{random}.{tag}", began + 300);
        assert!(!states.is_current(&later, began + 301), "its time changed");
        for forged in ["", "1.2", "x.y.z", &format!("{body}.{}", "0".repeat(64))] {
            assert!(!states.is_current(forged, began), "{forged}");
        }
    }

    #[test]
    fn each_sign_in_has_its_own_verifier_and_nonce() {
        let states = States::new();
        let (one, two) = (states.give_out(1), states.give_out(1));
        let verifier = states.verifier(&one);
        assert_eq!(verifier.len(), 64);
        assert_eq!(states.verifier(&one), verifier, "the same for its state");
        assert_ne!(states.verifier(&two), verifier);
        assert_ne!(states.nonce(&one), verifier);
        assert_ne!(
            States::new().verifier(&one),
            verifier,
            "only this process knows it"
        );
    }

    #[test]
    fn the_pkce_challenge_is_the_sha256_of_the_verifier() {
        // RFC 7636, appendix B.
        let verifier = "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk";
        assert_eq!(
            challenge(verifier),
            "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM"
        );
    }
}
