//! The clients in force. Read from their file at start and again whenever it changes (looked
//! at each second), so revoking a token, shortening its validity or removing a client takes
//! effect without a restart: new calls with that token are refused, and what it holds open (a
//! partner's subscription) ends. A file that became wrong is not taken: the clients before it
//! stay in force and the error is logged until the file is right again.
//!
//! Staff members call with their own access token from the gemeente's identity provider
//! ([`crate::idp`]) where one is configured: [`LiveClients::authenticate`] takes both.

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use chrono::Utc;
use tokio::sync::watch;
use tokio_util::task::AbortOnDropHandle;

use crate::clients::{AuthError, Client, Clients, token_hash};
use crate::idp::{IdentityProvider, looks_like_jwt};

/// How often the clients file is looked at.
const EVERY: Duration = Duration::from_secs(1);

/// The clients in force, shared by every layer and handler of a process.
#[derive(Debug, Clone)]
pub struct LiveClients {
    current: watch::Receiver<Arc<Clients>>,
    /// Stops reading the file once the last handle is gone.
    _reloading: Option<Arc<AbortOnDropHandle<()>>>,
    /// The identity provider whose access tokens are taken too.
    idp: Option<Arc<IdentityProvider>>,
}

impl From<Clients> for LiveClients {
    /// A fixed set (tests, and clients that come from no file).
    fn from(clients: Clients) -> Self {
        let (_, current) = watch::channel(Arc::new(clients));
        Self {
            current,
            _reloading: None,
            idp: None,
        }
    }
}

impl LiveClients {
    /// Reads the clients file at `path` and keeps following it. Must run inside a tokio
    /// runtime.
    ///
    /// # Errors
    /// When the file cannot be read or is wrong now: the process does not start.
    pub fn following(path: &Path) -> anyhow::Result<Self> {
        let text = read(path)?;
        let clients = parse(path, &text)?;
        let (sender, current) = watch::channel(Arc::new(clients));
        let reloading = tokio::spawn(follow(path.to_owned(), text, sender));
        Ok(Self {
            current,
            _reloading: Some(Arc::new(AbortOnDropHandle::new(reloading))),
            idp: None,
        })
    }

    /// Takes the access tokens of `idp` as well (staff members calling as themselves).
    #[must_use]
    pub fn with_identity_provider(mut self, idp: Arc<IdentityProvider>) -> Self {
        self.idp = Some(idp);
        self
    }

    /// The identity provider, when `token` is one of its tokens naming a key its key set does
    /// not hold yet: the caller fetches the keys again before judging the call.
    pub fn provider_lacking_key(&self, token: Option<&str>) -> Option<Arc<IdentityProvider>> {
        let (idp, token) = (self.idp.as_ref()?, token?);
        (looks_like_jwt(token) && idp.lacks_key_of(token)).then(|| idp.clone())
    }

    /// Authenticates `token`: a client of the file, or a staff member's access token from
    /// the identity provider. Returns the client and what tells when the token ends.
    ///
    /// # Errors
    /// [`AuthError`] for no token, or one neither knows.
    pub fn authenticate(
        &self,
        token: Option<&str>,
        now: chrono::DateTime<Utc>,
    ) -> Result<(Client, Credentials), AuthError> {
        let clients = self.current();
        match (clients.authenticate(token, now), &self.idp, token) {
            (Ok(client), _, token) => Ok((
                client.clone(),
                self.credentials(token_hash(token.unwrap_or_default())),
            )),
            (Err(AuthError::Unknown), Some(idp), Some(token)) if looks_like_jwt(token) => {
                match idp.client(token) {
                    // A staff member is known by their staff id, which must not be a client's
                    // of the file: they would read its audit records as their own and could
                    // take over its durable subscriptions.
                    Ok(client) if clients.has_id(&client.id) => Err(AuthError::Token(format!(
                        "staff id {} is the id of a client of the clients file; give the staff member another",
                        client.id
                    ))),
                    Ok(client) => {
                        let mut credentials = self.credentials(token_hash(token));
                        credentials.until = Some(client.expires_at.unwrap_or(now));
                        Ok((client, credentials))
                    }
                    // A key not held yet was fetched before the call was judged
                    // ([`LiveClients::provider_lacking_key`]).
                    Err(err) => Err(AuthError::Token(err.to_string())),
                }
            }
            (Err(err), _, _) => Err(err),
        }
    }

    /// Returns the clients in force now.
    pub fn current(&self) -> Arc<Clients> {
        self.current.borrow().clone()
    }

    /// Returns what tells a handler that the token with hash `token` stopped being valid.
    pub fn credentials(&self, token: [u8; 32]) -> Credentials {
        Credentials {
            clients: self.current.clone(),
            token,
            until: None,
        }
    }
}

fn read(path: &Path) -> anyhow::Result<String> {
    use anyhow::Context as _;
    std::fs::read_to_string(path)
        .with_context(|| format!("cannot read the clients file {}", path.display()))
}

fn parse(path: &Path, text: &str) -> anyhow::Result<Clients> {
    use anyhow::Context as _;
    Clients::from_toml(text).with_context(|| format!("clients file {} is wrong", path.display()))
}

/// Reads the file each second and puts in force what changed and is right.
async fn follow(path: PathBuf, mut last: String, sender: watch::Sender<Arc<Clients>>) {
    loop {
        tokio::time::sleep(EVERY).await;
        let text = match read(&path) {
            Ok(text) => text,
            Err(err) => {
                tracing::error!(error = %format!("{err:#}"), "the clients file cannot be read; the clients before stay in force");
                continue;
            }
        };
        if text == last {
            continue;
        }
        match parse(&path, &text) {
            Ok(clients) => {
                tracing::info!(path = %path.display(), "clients file changed; the new clients are in force");
                sender.send_replace(Arc::new(clients));
                last = text;
            }
            Err(err) => {
                tracing::error!(error = %format!("{err:#}"), "the clients file is wrong; the clients before stay in force");
                // Logged once per wrong version, not each second.
                last = text;
            }
        }
    }
}

/// The credentials a call came with, for noticing when they stop being valid.
#[derive(Debug, Clone)]
pub struct Credentials {
    clients: watch::Receiver<Arc<Clients>>,
    token: [u8; 32],
    /// An identity provider's token: valid until it expires, whatever the clients file says.
    until: Option<chrono::DateTime<Utc>>,
}

/// The same credentials: the same token.
impl PartialEq for Credentials {
    fn eq(&self, other: &Self) -> bool {
        self.token == other.token
    }
}

impl Eq for Credentials {}

impl Credentials {
    /// Resolves once the token is no longer valid, saying why: revoked or removed in the
    /// clients file, or expired.
    pub async fn invalidated(&mut self) -> AuthError {
        if let Some(until) = self.until {
            tokio::time::sleep((until - Utc::now()).to_std().unwrap_or_default()).await;
            return AuthError::Token("the identity provider's token has expired".into());
        }
        loop {
            let expires_at = {
                let clients = self.clients.borrow_and_update();
                match clients.authenticate_hash(&self.token, Utc::now()) {
                    Err(why) => return why,
                    Ok(client) => client.expires_at,
                }
            };
            let expiry = async {
                match expires_at {
                    Some(at) => {
                        tokio::time::sleep((at - Utc::now()).to_std().unwrap_or_default()).await;
                    }
                    None => std::future::pending().await,
                }
            };
            tokio::pin!(expiry);
            tokio::select! {
                changed = self.clients.changed() => {
                    if changed.is_err() {
                        // No more changes will come: only expiry is left.
                        (&mut expiry).await;
                    }
                }
                () = &mut expiry => {}
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn file(hash: &str, revoked: bool) -> String {
        format!(
            "[[client]]\nid = \"jeugd\"\nrole = \"partner\"\npillar = \"jeugd\"\norganisatie = \"12345678\"\ntoken_sha256 = \"{hash}\"\nrevoked = {revoked}\n"
        )
    }

    #[tokio::test]
    async fn a_staff_member_known_by_a_clients_id_is_refused() {
        let dir = tempfile::tempdir().expect("temp dir");
        let path = dir.path().join("clients.toml");
        let (_, hash) = crate::clients::new_token();
        // A partner client whose id is a staff member's staff id.
        std::fs::write(
            &path,
            file(&hash, false).replace("id = \"jeugd\"", "id = \"mw-0412\""),
        )
        .expect("write");
        let (provider, key) = crate::idp::tests::provider();
        let clients = LiveClients::following(&path)
            .expect("valid")
            .with_identity_provider(Arc::new(provider));
        let staff = |staff_id: &'static str| {
            crate::idp::tests::token(
                &key,
                "k1",
                crate::idp::tests::claims(|c| c["staff_id"] = staff_id.into()),
            )
        };
        let refused = clients.authenticate(Some(&staff("mw-0412")), Utc::now());
        assert!(
            matches!(&refused, Err(AuthError::Token(why)) if why.contains("mw-0412")),
            "{refused:?}"
        );
        let (client, _) = clients
            .authenticate(Some(&staff("mw-0413")), Utc::now())
            .expect("another staff member");
        assert_eq!(client.id, "mw-0413");
    }

    #[tokio::test(start_paused = true)]
    async fn a_revoked_token_is_refused_and_its_credentials_end() {
        let dir = tempfile::tempdir().expect("temp dir");
        let path = dir.path().join("clients.toml");
        let (token, hash) = crate::clients::new_token();
        std::fs::write(&path, file(&hash, false)).expect("write");
        let clients = LiveClients::following(&path).expect("valid");
        let mut credentials = clients.credentials(crate::clients::token_hash(&token));
        assert!(
            clients
                .current()
                .authenticate(Some(&token), Utc::now())
                .is_ok()
        );

        // A wrong file changes nothing.
        std::fs::write(&path, "[[client]]\nid = 3\n").expect("write");
        tokio::time::sleep(EVERY * 3).await;
        assert!(
            clients
                .current()
                .authenticate(Some(&token), Utc::now())
                .is_ok()
        );

        std::fs::write(&path, file(&hash, true)).expect("write");
        let why = tokio::time::timeout(EVERY * 5, credentials.invalidated())
            .await
            .expect("ended once revoked");
        assert_eq!(why, AuthError::Revoked("jeugd".into()));
        assert_eq!(
            clients
                .current()
                .authenticate(Some(&token), Utc::now())
                .map(|_| ()),
            Err(AuthError::Revoked("jeugd".into()))
        );
    }
}
