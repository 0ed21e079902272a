//! Development credentials: one client per role, so `rondom up` on a fresh machine needs no
//! clients file and the CLI, the demo and the end-to-end tests can act as every role.
//!
//! [`DevTokens::load_or_create`] keeps two files in the data directory:
//! - `clients.toml`: the clients the hub lets call, tokens as SHA-256 hashes only;
//! - `dev-tokens.toml`: the tokens themselves, one per [`DevClient`], mode 0600.
//!
//! ```toml
//! # dev-tokens.toml
//! wijkteam = "<64 hex digits>"
//! wmo = "..."                # the Wmo provider
//! wmo-backoffice = "..."     # the gemeente's Wmo back-office
//! ...
//! coordinator = "..."
//! regisseur = "..."          # a coordinator client bound to staff id mw-0412
//! operator = "..."
//! ```
//!
//! Never use them in production: anyone who can read the data directory holds every role.

use std::fmt;
use std::fs;
use std::path::{Path, PathBuf};

use anyhow::Context as _;
use rondom_domain::Pillar;
use rondom_domain::access::Role;
use rondom_domain::law::{self, LAWS};

use crate::clients::{Clients, new_token};

/// The clients file `rondom up` writes when it is given none.
pub const CLIENTS_FILE: &str = "clients.toml";
/// The tokens of the development clients, next to [`CLIENTS_FILE`].
pub const TOKENS_FILE: &str = "dev-tokens.toml";

/// One of the development clients: every role, and for each law of
/// [`rondom_domain::law::LAWS`] a provider and the gemeente's back-office.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum DevClient {
    Wijkteam,
    /// The provider of a law: its development partner organisation.
    Partner(Pillar),
    /// The gemeente's back-office of a law.
    BackOffice(Pillar),
    Coordinator,
    /// A coordinator client bound to the staff id of the demo family's regisseur.
    Regisseur,
    Operator,
}

impl DevClient {
    /// The gemeente the development clients serve (Amsterdam, as in the demo).
    pub const GEMEENTE: &'static str = "0363";

    /// The staff id of the demo family's regisseur, which [`DevClient::Regisseur`] is.
    pub const REGISSEUR_STAFF_ID: &'static str = "mw-0412";

    /// Every development client, in the order of the files: the wijkteam, a provider per
    /// law, a back-office per law, the coordinators and the operator.
    pub fn all() -> Vec<DevClient> {
        let partners = LAWS.iter().map(|law| DevClient::Partner(law.pillar));
        let back_offices = LAWS.iter().map(|law| DevClient::BackOffice(law.pillar));
        std::iter::once(DevClient::Wijkteam)
            .chain(partners)
            .chain(back_offices)
            .chain([
                DevClient::Coordinator,
                DevClient::Regisseur,
                DevClient::Operator,
            ])
            .collect()
    }

    /// Returns the key of its token in `dev-tokens.toml`, e.g. `jeugd` or `jeugd-backoffice`.
    pub fn name(self) -> String {
        match self {
            DevClient::Wijkteam => "wijkteam".to_owned(),
            DevClient::Partner(pillar) => pillar.as_str().to_owned(),
            DevClient::BackOffice(pillar) => format!("{pillar}-backoffice"),
            DevClient::Coordinator => "coordinator".to_owned(),
            DevClient::Regisseur => "regisseur".to_owned(),
            DevClient::Operator => "operator".to_owned(),
        }
    }

    /// Returns its client id in `clients.toml`, e.g. `dev-jeugd`.
    pub fn id(self) -> String {
        format!("dev-{}", self.name())
    }

    /// Returns the role its token authenticates as.
    pub fn role(self) -> Role {
        match self {
            DevClient::Wijkteam => Role::Wijkteam,
            DevClient::Partner(pillar) => Role::Partner(pillar),
            DevClient::BackOffice(pillar) => Role::BackOffice(pillar),
            DevClient::Coordinator | DevClient::Regisseur => Role::Coordinator,
            DevClient::Operator => Role::Operator,
        }
    }

    /// Returns the organisation of a partner: its law's development partner (the providers
    /// of the demo family where it has one, so the family involves them).
    pub fn organisatie(self) -> Option<&'static str> {
        match self {
            DevClient::Partner(pillar) => law::of(pillar).map(|law| law.dev_partner),
            _ => None,
        }
    }

    /// Returns the gemeente a wijkteam system, back-office or coordinator serves.
    pub fn gemeente(self) -> Option<&'static str> {
        match self.role() {
            Role::Wijkteam | Role::BackOffice(_) | Role::Coordinator => Some(Self::GEMEENTE),
            Role::Partner(_) | Role::Operator => None,
        }
    }

    /// Returns the staff id a coordinator client is bound to.
    pub fn staff_id(self) -> Option<&'static str> {
        (self == DevClient::Regisseur).then_some(Self::REGISSEUR_STAFF_ID)
    }

    /// Returns the provider of a law pillar; `None` for wijkteam and regie.
    pub fn partner(pillar: Pillar) -> Option<DevClient> {
        law::of(pillar).map(|law| DevClient::Partner(law.pillar))
    }
}

impl fmt::Display for DevClient {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.name())
    }
}

/// The bearer tokens of the development clients, by [`DevClient::name`]. `Debug` leaves the
/// tokens out.
#[derive(Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(transparent)]
pub struct DevTokens(std::collections::BTreeMap<String, String>);

impl fmt::Debug for DevTokens {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("DevTokens").finish_non_exhaustive()
    }
}

impl DevTokens {
    /// Returns new random tokens, one per client.
    pub fn generate() -> Self {
        Self(
            DevClient::all()
                .into_iter()
                .map(|client| (client.name(), new_token().0))
                .collect(),
        )
    }

    /// Returns the token of `client` (empty in a file from before the client existed, which
    /// [`DevTokens::load_or_create`] refuses).
    pub fn token(&self, client: DevClient) -> &str {
        self.0.get(&client.name()).map_or("", String::as_str)
    }

    /// Returns the text of `dev-tokens.toml`.
    pub fn to_toml(&self) -> String {
        let mut text = String::from(
            "# Development tokens of `rondom up` (one per role); clients.toml holds their hashes.\n\
             # Anyone who can read this file can act as every role: never use it in production.\n",
        );
        for client in DevClient::all() {
            text.push_str(&format!("{} = \"{}\"\n", client.name(), self.token(client)));
        }
        text
    }

    /// Returns the text of a clients file that lets exactly these development clients call.
    pub fn clients_toml(&self) -> String {
        let mut text = String::from(
            "# Development clients of `rondom up`; their tokens are in dev-tokens.toml.\n\
             # For production write your own clients file and pass it with --clients.\n",
        );
        for client in DevClient::all() {
            let hash = hex::encode(crate::clients::token_hash(self.token(client)));
            text.push_str(&format!(
                "\n[[client]]\nid = \"{}\"\nrole = \"{}\"\n",
                client.id(),
                match client.role() {
                    Role::Wijkteam => "wijkteam",
                    Role::Partner(_) => "partner",
                    Role::BackOffice(_) => "backoffice",
                    Role::Coordinator => "coordinator",
                    Role::Operator => "operator",
                }
            ));
            if let Role::Partner(pillar) | Role::BackOffice(pillar) = client.role() {
                text.push_str(&format!("pillar = \"{}\"\n", pillar.as_str()));
            }
            if let Some(organisatie) = client.organisatie() {
                text.push_str(&format!("organisatie = \"{organisatie}\"\n"));
            }
            if let Some(gemeente) = client.gemeente() {
                text.push_str(&format!("gemeenten = [\"{gemeente}\"]\n"));
            }
            if let Some(staff_id) = client.staff_id() {
                text.push_str(&format!("staff_id = \"{staff_id}\"\n"));
            }
            text.push_str(&format!("token_sha256 = \"{hash}\"\n"));
        }
        text
    }

    /// Returns the clients these tokens authenticate as.
    pub fn clients(&self) -> Clients {
        Clients::from_toml(&self.clients_toml())
            .expect("the development clients file is valid by construction")
    }

    /// Reads a `dev-tokens.toml`.
    ///
    /// # Errors
    /// When the file cannot be read, is readable by group or others, or is not a tokens file.
    pub fn load(path: &Path) -> anyhow::Result<Self> {
        let text = rondom_runtime::secret_file::read(path).map_err(|err| match err {
            rondom_runtime::secret_file::ReadError::Exposed(mode) => anyhow::anyhow!(
                "the development tokens {} are readable by others (mode {mode:o}); run chmod 600 on it",
                path.display()
            ),
            rondom_runtime::secret_file::ReadError::Io(err) => anyhow::Error::new(err).context(format!(
                "cannot read the development tokens {}",
                path.display()
            )),
        })?;
        toml::from_str(&text).with_context(|| {
            format!(
                "{} is not a development tokens file (one token per role)",
                path.display()
            )
        })
    }

    /// Returns the development tokens and clients of `data_dir`, creating both files when
    /// neither exists (see the module docs).
    ///
    /// # Errors
    /// When only one of the two files exists, a file cannot be read or written, the tokens
    /// file is readable by others, or a token does not authenticate as its role in the
    /// clients file.
    pub fn load_or_create(data_dir: &Path) -> anyhow::Result<(DevTokens, Clients)> {
        let clients_path = data_dir.join(CLIENTS_FILE);
        let tokens_path = data_dir.join(TOKENS_FILE);
        match (clients_path.exists(), tokens_path.exists()) {
            (true, true) => {
                let tokens = Self::load(&tokens_path)?;
                let clients = crate::clients::load_clients(&clients_path)?;
                tokens.check(&clients).with_context(|| {
                    format!(
                        "{} does not match {}; delete both to generate new development credentials",
                        tokens_path.display(),
                        clients_path.display()
                    )
                })?;
                Ok((tokens, clients))
            }
            (false, false) => {
                let tokens = Self::generate();
                fs::create_dir_all(data_dir)
                    .with_context(|| format!("cannot create {}", data_dir.display()))?;
                write_new(&tokens_path, &tokens.to_toml())?;
                if let Err(err) = write_new(&clients_path, &tokens.clients_toml()) {
                    // Leave neither, so the next start generates both again.
                    let _ = fs::remove_file(&tokens_path);
                    return Err(err);
                }
                tracing::info!(tokens = %tokens_path.display(), clients = %clients_path.display(), "generated development credentials");
                Ok((tokens.clone(), tokens.clients()))
            }
            (clients_exists, _) => {
                let (found, missing) = if clients_exists {
                    (&clients_path, &tokens_path)
                } else {
                    (&tokens_path, &clients_path)
                };
                anyhow::bail!(
                    "found {} but not {}: the development credentials are incomplete; delete {} \
                     to generate new ones, or pass your own clients file with --clients",
                    found.display(),
                    missing.display(),
                    found.display()
                )
            }
        }
    }

    /// Checks that every token authenticates as its development client.
    fn check(&self, clients: &Clients) -> anyhow::Result<()> {
        let now = chrono::Utc::now();
        for dev in DevClient::all() {
            let client = clients
                .authenticate(Some(self.token(dev)), now)
                .with_context(|| format!("the {dev} token"))?;
            anyhow::ensure!(
                client.role == dev.role(),
                "the {dev} token is client {} with role {}, not {}",
                client.id,
                client.role,
                dev.role()
            );
        }
        Ok(())
    }
}

/// Returns where the development clients file of `data_dir` is.
pub fn clients_path(data_dir: &Path) -> PathBuf {
    data_dir.join(CLIENTS_FILE)
}

/// Returns where the development tokens of `data_dir` are.
pub fn tokens_path(data_dir: &Path) -> PathBuf {
    data_dir.join(TOKENS_FILE)
}

/// Creates `path` with `text` as a secret file (mode 0600); fails if it exists.
fn write_new(path: &Path, text: &str) -> anyhow::Result<()> {
    rondom_runtime::secret_file::create(path, text)
        .with_context(|| format!("cannot create {}", path.display()))
}

#[cfg(test)]
mod tests {
    use std::os::unix::fs::PermissionsExt as _;

    use super::*;

    #[test]
    fn credentials_are_created_once_and_loaded_after() {
        let dir = tempfile::tempdir().expect("temp dir");
        let data = dir.path().join("data");
        let (created, _) = DevTokens::load_or_create(&data).expect("create");
        let (loaded, _) = DevTokens::load_or_create(&data).expect("load");
        assert_eq!(loaded, created);
        let clients = fs::read_to_string(data.join(CLIENTS_FILE)).expect("clients file");
        for client in DevClient::all() {
            assert!(
                !clients.contains(created.token(client)),
                "the clients file holds hashes only"
            );
        }
    }

    #[test]
    fn the_tokens_file_is_readable_by_its_owner_only() {
        let dir = tempfile::tempdir().expect("temp dir");
        DevTokens::load_or_create(dir.path()).expect("create");
        let path = dir.path().join(TOKENS_FILE);
        let mode = fs::metadata(&path)
            .expect("tokens file")
            .permissions()
            .mode();
        assert_eq!(mode & 0o777, 0o600);

        fs::set_permissions(&path, fs::Permissions::from_mode(0o644)).expect("chmod");
        let refused = DevTokens::load_or_create(dir.path()).expect_err("readable by others");
        assert!(format!("{refused:#}").contains("chmod 600"), "{refused:#}");
    }

    #[test]
    fn every_token_authenticates_as_its_role() {
        let dir = tempfile::tempdir().expect("temp dir");
        let (tokens, clients) = DevTokens::load_or_create(dir.path()).expect("create");
        let now = chrono::Utc::now();
        for dev in DevClient::all() {
            let client = clients
                .authenticate(Some(tokens.token(dev)), now)
                .expect("known token");
            assert_eq!(client.id, dev.id());
            assert_eq!(client.role, dev.role());
            assert_eq!(client.organisatie.as_deref(), dev.organisatie());
            assert_eq!(
                client
                    .gemeenten
                    .iter()
                    .map(ToString::to_string)
                    .collect::<Vec<_>>(),
                dev.gemeente()
                    .map(str::to_owned)
                    .into_iter()
                    .collect::<Vec<_>>()
            );
            assert_eq!(client.staff_id.as_deref(), dev.staff_id());
        }
        let (_, reloaded) = DevTokens::load_or_create(dir.path()).expect("load");
        let coordinator = reloaded
            .authenticate(Some(tokens.token(DevClient::Coordinator)), now)
            .expect("known after a reload");
        assert_eq!(coordinator.role, Role::Coordinator);
    }

    #[test]
    fn one_file_without_the_other_is_an_error() {
        for present in [CLIENTS_FILE, TOKENS_FILE] {
            let dir = tempfile::tempdir().expect("temp dir");
            DevTokens::load_or_create(dir.path()).expect("create");
            let other = if present == CLIENTS_FILE {
                TOKENS_FILE
            } else {
                CLIENTS_FILE
            };
            fs::remove_file(dir.path().join(other)).expect("remove");
            let err = DevTokens::load_or_create(dir.path()).expect_err("incomplete");
            let text = format!("{err:#}");
            assert!(text.contains(present) && text.contains(other), "{text}");
        }
    }

    #[test]
    fn tokens_that_do_not_match_the_clients_file_are_an_error() {
        let dir = tempfile::tempdir().expect("temp dir");
        DevTokens::load_or_create(dir.path()).expect("create");
        let path = dir.path().join(TOKENS_FILE);
        fs::remove_file(&path).expect("remove");
        write_new(&path, &DevTokens::generate().to_toml()).expect("other tokens");
        let err = DevTokens::load_or_create(dir.path()).expect_err("mismatch");
        assert!(format!("{err:#}").contains("does not match"), "{err:#}");
    }

    #[test]
    fn debug_leaves_the_tokens_out() {
        let tokens = DevTokens::generate();
        assert!(!format!("{tokens:?}").contains(tokens.token(DevClient::Operator)));
    }
}
