//! The gemeente's identity provider (OpenID Connect): its published configuration and signing
//! keys, and the check of the tokens it signs. A staff member's access token (a JWT) is a
//! bearer token on gRPC like a client's; the regiewerkplek checks the id token of a sign-in
//! with the same keys. Who the staff member is comes from claims whose names the gemeente
//! configures: a staff id, the gemeente(s) they serve and their role.

use std::sync::RwLock;
use std::time::{Duration, Instant};

use anyhow::Context as _;
use chrono::{DateTime, Utc};
use jsonwebtoken::jwk::JwkSet;
use jsonwebtoken::{Algorithm, DecodingKey, Validation};
use rondom_domain::GemeenteCode;
use rondom_domain::access::Role;
use serde::Deserialize;
use sha2::Digest as _;

use crate::clients::Client;

/// The claims that say who a staff member is; their names differ per identity provider.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClaimNames {
    /// The staff id (an employee id, not a name): the audit log and regisseur sight follow it.
    pub staff_id: String,
    /// The CBS codes of the gemeenten they serve: a string or a list of strings.
    pub gemeenten: String,
    /// `coordinator` or `operator`; people hold no other role.
    pub role: String,
}

impl Default for ClaimNames {
    fn default() -> Self {
        Self {
            staff_id: "staff_id".into(),
            gemeenten: "gemeenten".into(),
            role: "rondom_role".into(),
        }
    }
}

/// The identity provider as configured.
#[derive(Clone, PartialEq, Eq)]
pub struct IdpSettings {
    /// The issuer URL, exactly as it names itself (`iss`).
    pub issuer: String,
    /// This hub's client id at the provider: the audience of id tokens.
    pub client_id: String,
    pub client_secret: String,
    /// The audience the provider writes in access tokens for Rondom's API.
    pub audience: String,
    /// The scopes a sign-in asks for: `openid` and whatever the provider needs to issue an
    /// access token for that audience.
    pub scope: String,
    pub claims: ClaimNames,
}

impl IdpSettings {
    /// Checks what the settings must keep apart.
    ///
    /// # Errors
    /// An audience equal to the client id: then every id token the provider issues for a
    /// sign-in (which ends up in browser history, as a logout hint) would be taken as an
    /// access token for Rondom's API.
    pub fn check(&self) -> anyhow::Result<()> {
        anyhow::ensure!(
            self.audience != self.client_id,
            "the API audience ({}) must differ from the client id: register Rondom's API at the \
             identity provider as a resource of its own",
            self.audience
        );
        Ok(())
    }
}

impl std::fmt::Debug for IdpSettings {
    /// Leaves the secret out.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("IdpSettings")
            .field("issuer", &self.issuer)
            .field("client_id", &self.client_id)
            .field("audience", &self.audience)
            .field("claims", &self.claims)
            .finish_non_exhaustive()
    }
}

/// What the provider publishes at `/.well-known/openid-configuration`.
#[derive(Debug, Clone, Deserialize)]
pub struct Metadata {
    pub issuer: String,
    pub authorization_endpoint: String,
    pub token_endpoint: String,
    pub jwks_uri: String,
    #[serde(default)]
    pub end_session_endpoint: Option<String>,
}

/// Why a token was not taken.
#[derive(Debug, thiserror::Error)]
pub enum TokenError {
    #[error("the token is not signed by the identity provider, or not for Rondom: {0}")]
    Invalid(#[from] jsonwebtoken::errors::Error),
    #[error("the identity provider's key {0:?} is not known (yet)")]
    UnknownKey(String),
    #[error("claim {0} is missing or wrong: {1}")]
    Claim(String, String),
}

/// The provider, its configuration and signing keys.
#[derive(Debug)]
pub struct IdentityProvider {
    pub settings: IdpSettings,
    pub metadata: Metadata,
    keys: RwLock<JwkSet>,
    /// When the keys were last fetched again for a token naming one not known; the first
    /// time after discovery is not held back.
    refreshed: RwLock<Option<Instant>>,
    http: reqwest::Client,
}

/// Keys are fetched again at most this often when a token names one not seen yet.
const REFETCH_AFTER: Duration = Duration::from_secs(30);

impl IdentityProvider {
    /// Reads the provider's configuration and keys.
    ///
    /// # Errors
    /// When the provider cannot be reached, or names another issuer than configured.
    pub async fn discover(settings: IdpSettings) -> anyhow::Result<Self> {
        settings.check()?;
        let http = reqwest::Client::builder()
            .timeout(Duration::from_secs(10))
            .build()
            .context("cannot build the HTTP client for the identity provider")?;
        let url = format!(
            "{}/.well-known/openid-configuration",
            settings.issuer.trim_end_matches('/')
        );
        let metadata: Metadata = get_json(&http, &url).await?;
        anyhow::ensure!(
            metadata.issuer == settings.issuer,
            "the identity provider at {url} calls itself {:?}, not the configured issuer {:?}",
            metadata.issuer,
            settings.issuer
        );
        let keys: JwkSet = get_json(&http, &metadata.jwks_uri).await?;
        Ok(Self {
            settings,
            metadata,
            keys: RwLock::new(keys),
            refreshed: RwLock::new(None),
            http,
        })
    }

    /// The HTTP client the provider is reached with (the token endpoint).
    pub fn http(&self) -> &reqwest::Client {
        &self.http
    }

    /// Fetches the keys again when a token named one not seen and the last fetch is old
    /// enough: a provider rolls its keys over by publishing the new one first.
    pub async fn refresh_keys(&self) {
        {
            let mut refreshed = self.refreshed.write().expect("keys lock");
            if refreshed.is_some_and(|at| at.elapsed() < REFETCH_AFTER) {
                return;
            }
            *refreshed = Some(Instant::now());
        }
        match get_json::<JwkSet>(&self.http, &self.metadata.jwks_uri).await {
            Ok(keys) => *self.keys.write().expect("keys lock") = keys,
            Err(err) => tracing::warn!(error = %err, "cannot fetch the identity provider's keys"),
        }
    }

    /// Whether `token` names a signing key this provider's key set does not hold (as after
    /// the provider rolled its key over); a token without a readable header does not.
    pub fn lacks_key_of(&self, token: &str) -> bool {
        let Ok(header) = jsonwebtoken::decode_header(token) else {
            return false;
        };
        let kid = header.kid.unwrap_or_default();
        self.keys.read().expect("keys lock").find(&kid).is_none()
    }

    /// Checks a staff member's access token (signature, issuer, audience, expiry) and returns
    /// the client it makes them.
    ///
    /// # Errors
    /// [`TokenError`] for a token that is not good.
    pub fn client(&self, token: &str) -> Result<Client, TokenError> {
        let claims = self.verify(token, &self.settings.audience)?;
        self.staff(&claims)
    }

    /// Checks a token signed by the provider for `audience` and returns its claims.
    ///
    /// # Errors
    /// [`TokenError`] for a token that is not good.
    pub fn verify(
        &self,
        token: &str,
        audience: &str,
    ) -> Result<serde_json::Map<String, serde_json::Value>, TokenError> {
        let header = jsonwebtoken::decode_header(token)?;
        let kid = header.kid.unwrap_or_default();
        let key = {
            let keys = self.keys.read().expect("keys lock");
            let jwk = keys
                .find(&kid)
                .ok_or_else(|| TokenError::UnknownKey(kid.clone()))?;
            DecodingKey::from_jwk(jwk)?
        };
        // The algorithm is the key's, never the token's say-so.
        let algorithm = match header.alg {
            alg @ (Algorithm::RS256
            | Algorithm::RS384
            | Algorithm::RS512
            | Algorithm::PS256
            | Algorithm::ES256
            | Algorithm::ES384
            | Algorithm::EdDSA) => alg,
            other => {
                return Err(TokenError::Claim(
                    "alg".into(),
                    format!("{other:?} is not an asymmetric signature"),
                ));
            }
        };
        let mut validation = Validation::new(algorithm);
        validation.set_issuer(&[&self.settings.issuer]);
        validation.set_audience(&[audience]);
        validation.set_required_spec_claims(&["exp", "iss", "aud"]);
        validation.leeway = 30;
        let data = jsonwebtoken::decode::<serde_json::Map<String, serde_json::Value>>(
            token,
            &key,
            &validation,
        )?;
        Ok(data.claims)
    }

    /// The client a staff member's claims make.
    ///
    /// # Errors
    /// [`TokenError::Claim`] for a missing or wrong staff id, gemeente or role.
    pub fn staff(
        &self,
        claims: &serde_json::Map<String, serde_json::Value>,
    ) -> Result<Client, TokenError> {
        let names = &self.settings.claims;
        let wrong = |name: &str, why: &str| TokenError::Claim(name.to_owned(), why.to_owned());
        let staff_id = claims
            .get(&names.staff_id)
            .and_then(serde_json::Value::as_str)
            .ok_or_else(|| wrong(&names.staff_id, "no staff id"))?;
        rondom_domain::code::check_staff_id(staff_id).map_err(|why| wrong(&names.staff_id, why))?;
        let role = match claims.get(&names.role).and_then(serde_json::Value::as_str) {
            Some("coordinator") => Role::Coordinator,
            Some("operator") => Role::Operator,
            _ => return Err(wrong(&names.role, "staff are coordinator or operator")),
        };
        let gemeenten = match claims.get(&names.gemeenten) {
            Some(serde_json::Value::String(one)) => vec![one.as_str()],
            Some(serde_json::Value::Array(many)) => {
                many.iter().filter_map(serde_json::Value::as_str).collect()
            }
            _ => Vec::new(),
        };
        let gemeenten = gemeenten
            .into_iter()
            .map(|code| code.parse::<GemeenteCode>())
            .collect::<Result<Vec<_>, _>>()
            .map_err(|err| wrong(&names.gemeenten, &err.to_string()))?;
        if role == Role::Coordinator && gemeenten.is_empty() {
            return Err(wrong(&names.gemeenten, "a coordinator serves a gemeente"));
        }
        let expires_at = claims
            .get("exp")
            .and_then(serde_json::Value::as_i64)
            .and_then(|exp| DateTime::<Utc>::from_timestamp(exp, 0));
        Ok(Client {
            id: client_id(staff_id),
            role,
            organisatie: None,
            gemeenten,
            staff_id: Some(staff_id.to_owned()),
            expires_at,
        })
    }
}

/// The client id a staff member is known by in the audit log: their staff id where it can
/// be a subject token (lower case, digits, '-' and '_'), otherwise a stable digest of it.
fn client_id(staff_id: &str) -> String {
    if rondom_bus::audit::is_subject_token(staff_id) {
        staff_id.to_owned()
    } else {
        let digest = hex::encode(sha2::Sha256::digest(staff_id.as_bytes()));
        format!("staff-{}", &digest[..16])
    }
}

/// Whether `token` has a JWT's shape: three base64url parts.
pub fn looks_like_jwt(token: &str) -> bool {
    token.split('.').count() == 3
        && token
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"-_.".contains(&b))
}

async fn get_json<T: serde::de::DeserializeOwned>(
    http: &reqwest::Client,
    url: &str,
) -> anyhow::Result<T> {
    http.get(url)
        .send()
        .await
        .and_then(reqwest::Response::error_for_status)
        .with_context(|| format!("cannot reach the identity provider at {url}"))?
        .json()
        .await
        .with_context(|| {
            format!("the identity provider's answer at {url} is not what OpenID Connect says")
        })
}

#[cfg(test)]
pub(crate) mod tests {
    use base64::Engine as _;
    use base64::engine::general_purpose::URL_SAFE_NO_PAD;
    use jsonwebtoken::{EncodingKey, Header};

    use super::*;

    fn signing_key() -> (rcgen::KeyPair, EncodingKey) {
        let key = rcgen::KeyPair::generate().expect("a P-256 key");
        let encoding = EncodingKey::from_ec_der(&key.serialize_der());
        (key, encoding)
    }

    /// A provider with one ES256 key, as discovery would have found it, and its signing key.
    pub(crate) fn provider() -> (IdentityProvider, EncodingKey) {
        let (key, signing) = signing_key();
        let point = key.public_key_raw();
        let jwks = serde_json::json!({ "keys": [{
            "kty": "EC", "crv": "P-256", "kid": "k1", "alg": "ES256", "use": "sig",
            "x": URL_SAFE_NO_PAD.encode(&point[1..33]),
            "y": URL_SAFE_NO_PAD.encode(&point[33..65]),
        }]});
        let settings = IdpSettings {
            issuer: "https://login.example.nl".into(),
            client_id: "rondom".into(),
            client_secret: "s".into(),
            audience: "urn:rondom:api".into(),
            scope: "openid".into(),
            claims: ClaimNames::default(),
        };
        let metadata = Metadata {
            issuer: settings.issuer.clone(),
            authorization_endpoint: "https://login.example.nl/auth".into(),
            token_endpoint: "https://login.example.nl/token".into(),
            jwks_uri: "https://login.example.nl/jwks".into(),
            end_session_endpoint: None,
        };
        let provider = IdentityProvider {
            settings,
            metadata,
            keys: RwLock::new(serde_json::from_value(jwks).expect("a key set")),
            refreshed: RwLock::new(None),
            http: reqwest::Client::new(),
        };
        (provider, signing)
    }

    pub(crate) fn token(key: &EncodingKey, kid: &str, claims: serde_json::Value) -> String {
        let mut header = Header::new(Algorithm::ES256);
        header.kid = Some(kid.into());
        jsonwebtoken::encode(&header, &claims, key).expect("a signed token")
    }

    /// A coordinator's claims (staff id `mw-0412`), changed by `change`.
    pub(crate) fn claims(change: impl FnOnce(&mut serde_json::Value)) -> serde_json::Value {
        let mut claims = serde_json::json!({
            "iss": "https://login.example.nl",
            "aud": "urn:rondom:api",
            "sub": "u1",
            "exp": Utc::now().timestamp() + 300,
            "staff_id": "mw-0412",
            "gemeenten": ["0363"],
            "rondom_role": "coordinator",
        });
        change(&mut claims);
        claims
    }

    #[test]
    fn a_staff_members_access_token_makes_a_coordinator_bound_to_their_staff_id() {
        let (provider, key) = provider();
        let client = provider
            .client(&token(&key, "k1", claims(|_| {})))
            .expect("a good token");
        assert_eq!(client.role, Role::Coordinator);
        assert_eq!(client.id, "mw-0412");
        assert_eq!(client.staff_id.as_deref(), Some("mw-0412"));
        assert_eq!(client.gemeenten.len(), 1);
        assert!(client.serves("0363"));
        assert!(client.expires_at.is_some());
        // A staff id that cannot be a subject token is known by a digest of it.
        let dotted = provider
            .client(&token(
                &key,
                "k1",
                claims(|c| c["staff_id"] = "J.de.Vries".into()),
            ))
            .expect("a good token");
        assert!(dotted.id.starts_with("staff-"), "{}", dotted.id);
        assert_eq!(dotted.staff_id.as_deref(), Some("J.de.Vries"));
    }

    #[test]
    fn an_audience_equal_to_the_client_id_is_refused() {
        let (provider, _) = provider();
        assert!(provider.settings.check().is_ok());
        let same = IdpSettings {
            audience: provider.settings.client_id.clone(),
            ..provider.settings
        };
        let refused = same.check().expect_err("id tokens would be access tokens");
        assert!(refused.to_string().contains("audience"), "{refused}");
    }

    #[test]
    fn a_token_not_signed_for_rondom_by_this_provider_now_is_refused() {
        let (provider, key) = provider();
        let refused = |claims: serde_json::Value| provider.client(&token(&key, "k1", claims));
        let wrong: [(&str, serde_json::Value); 6] = [
            ("another audience", claims(|c| c["aud"] = "rondom".into())),
            (
                "another issuer",
                claims(|c| c["iss"] = "https://evil.example".into()),
            ),
            (
                "expired",
                claims(|c| c["exp"] = (Utc::now().timestamp() - 3600).into()),
            ),
            (
                "a partner's role",
                claims(|c| c["rondom_role"] = "partner".into()),
            ),
            (
                "no gemeente",
                claims(|c| c["gemeenten"] = serde_json::json!([])),
            ),
            (
                "no staff id",
                claims(|c| {
                    c.as_object_mut().expect("claims").remove("staff_id");
                }),
            ),
        ];
        for (why, claims) in wrong {
            assert!(refused(claims).is_err(), "{why} must be refused");
        }
        // Signed by a key the provider did not publish.
        let (_, other) = signing_key();
        assert!(
            provider
                .client(&token(&other, "k1", claims(|_| {})))
                .is_err()
        );
        // Naming a key it does not know: refused, and the keys are fetched again later.
        assert!(matches!(
            provider.client(&token(&key, "k2", claims(|_| {}))),
            Err(TokenError::UnknownKey(_))
        ));
        // A shared-secret signature is never taken, whatever key it names.
        let mut header = Header::new(Algorithm::HS256);
        header.kid = Some("k1".into());
        let hs = jsonwebtoken::encode(
            &header,
            &claims(|_| {}),
            &EncodingKey::from_secret(b"guess"),
        )
        .expect("an HS256 token");
        assert!(provider.client(&hs).is_err());
    }

    #[test]
    fn only_a_jwt_shaped_token_is_taken_to_the_provider() {
        assert!(looks_like_jwt("aGVhZA.Ym9keQ.c2ln"));
        assert!(!looks_like_jwt("0f3a9c"));
        assert!(!looks_like_jwt("a.b"));
        assert!(!looks_like_jwt("a.b.c d"));
    }
}
