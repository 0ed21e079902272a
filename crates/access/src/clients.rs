//! Who may call: the clients and their credentials from a TOML file, bearer tokens stored
//! only as SHA-256 hashes. The auth layer ([`crate::auth`]) authenticates every call with
//! them.
//!
//! ```toml
//! [[client]]
//! id = "jeugdzorg-noord"
//! role = "partner"                       # a provider (aanbieder) of one law
//! pillar = "jeugd"
//! organisatie = "12345678"
//! token_sha256 = "<64 hex digits>"
//! expires_at = "2027-12-31T23:59:59Z"   # optional
//! revoked = false                        # optional
//!
//! [[client]]
//! id = "jeugd-backoffice-regio"
//! role = "backoffice"                    # the college's back-office of one law
//! pillar = "jeugd"
//! gemeenten = ["0363", "0437"]           # a regional cooperation serves several
//! token_sha256 = "<64 hex digits>"
//!
//! [[client]]
//! id = "regiewerkplek-fatima"
//! role = "coordinator"
//! gemeenten = ["0363"]
//! staff_id = "rg-0042"                   # optional: the regisseur this client is
//! token_sha256 = "<64 hex digits>"
//! ```
//!
//! Wijkteam systems, back-offices and coordinators name the gemeenten they serve (`gemeente =
//! "0363"` is short for one); every write and read of theirs is bound to them.

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use rondom_domain::access::Role;
use rondom_domain::{GemeenteCode, Pillar};
use rondom_proto::v1;
use sha2::{Digest, Sha256};

/// An authenticated caller.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Client {
    pub id: String,
    pub role: Role,
    /// The organisation of a partner (AGB, KvK or OIN), for involvement.
    pub organisatie: Option<String>,
    /// The gemeenten the client serves (never empty for a wijkteam system, a back-office or a
    /// coordinator): its writes and reads stay inside them.
    pub gemeenten: Vec<GemeenteCode>,
    /// The staff member a coordinator client is: a regisseur's sight belongs to this id, never
    /// to a string a request carries.
    pub staff_id: Option<String>,
    /// When its token stops being valid: a long call (a subscription) ends then.
    pub expires_at: Option<DateTime<Utc>>,
}

impl Client {
    /// Returns the writer the hub stamps on every event this client writes.
    pub fn writer(&self) -> v1::Writer {
        v1::Writer {
            client_id: self.id.clone(),
            role: self.role.to_string(),
            organisatie: self.organisatie.clone().unwrap_or_default(),
            gemeenten: self.gemeenten.iter().map(ToString::to_string).collect(),
            staff_id: self.staff_id.clone().unwrap_or_default(),
        }
    }

    /// Returns whether the client serves `gemeente` (a CBS code as text).
    pub fn serves(&self, gemeente: &str) -> bool {
        self.gemeenten.iter().any(|own| own.as_str() == gemeente)
    }
}

#[derive(Debug, Clone)]
struct Entry {
    client: Client,
    expires_at: Option<DateTime<Utc>>,
    revoked: bool,
}

/// Every configured client, by the hash of its token.
#[derive(Debug, Clone, Default)]
pub struct Clients {
    by_hash: HashMap<[u8; 32], Entry>,
}

/// Why a call was not authenticated.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum AuthError {
    #[error("no credentials: send `authorization: Bearer <token>`")]
    Missing,
    #[error("the token is not known")]
    Unknown,
    #[error("the token of client {0} has expired")]
    Expired(String),
    #[error("the token of client {0} was revoked")]
    Revoked(String),
    /// An identity provider's token that was not taken, and why.
    #[error("{0}")]
    Token(String),
}

/// The clients file is wrong.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ClientsError {
    #[error("not valid TOML: {0}")]
    Syntax(String),
    #[error("client {id:?}: {reason}")]
    Client { id: String, reason: String },
}

#[derive(serde::Deserialize)]
#[serde(deny_unknown_fields)]
struct File {
    #[serde(default)]
    client: Vec<ClientEntry>,
}

#[derive(serde::Deserialize)]
#[serde(deny_unknown_fields)]
struct ClientEntry {
    id: String,
    role: String,
    pillar: Option<String>,
    organisatie: Option<String>,
    gemeente: Option<String>,
    gemeenten: Option<Vec<String>>,
    staff_id: Option<String>,
    token_sha256: String,
    expires_at: Option<DateTime<Utc>>,
    #[serde(default)]
    revoked: bool,
}

impl ClientEntry {
    /// Checks the entry; returns its token hash and the client it authenticates as, or why
    /// not.
    fn checked(&self) -> Result<([u8; 32], Client), String> {
        // Client ids name subjects of the audit log and durable subscriptions.
        if !rondom_bus::audit::is_subject_token(&self.id)
            || !self.id.starts_with(|c: char| c.is_ascii_alphanumeric())
        {
            return Err(
                "id is 1-64 of a-z, 0-9, '-' and '_', starting with a letter or digit".into(),
            );
        }
        let role = self.role()?;
        if matches!(role, Role::Partner(_)) && self.organisatie.is_none() {
            return Err("a partner names its organisatie (AGB, KvK or OIN)".into());
        }
        if let Some(organisatie) = &self.organisatie {
            rondom_domain::code::check_organisation(organisatie).map_err(str::to_owned)?;
        }
        let gemeenten = self.gemeenten(role)?;
        if let Some(staff_id) = &self.staff_id {
            if role != Role::Coordinator {
                return Err("only a coordinator client is a staff member".into());
            }
            rondom_domain::code::check_staff_id(staff_id)
                .map_err(|reason| format!("staff_id: {reason}"))?;
        }
        let hash: [u8; 32] = hex::decode(&self.token_sha256)
            .ok()
            .and_then(|bytes| bytes.try_into().ok())
            .ok_or("token_sha256 is 64 hex digits: the SHA-256 of the token")?;
        let client = Client {
            id: self.id.clone(),
            role,
            organisatie: self.organisatie.clone(),
            gemeenten,
            staff_id: self.staff_id.clone(),
            expires_at: self.expires_at,
        };
        Ok((hash, client))
    }

    /// The role, with the law of a partner or back-office.
    fn role(&self) -> Result<Role, String> {
        let law = |pillar: &str| {
            pillar
                .parse::<Pillar>()
                .ok()
                .and_then(rondom_domain::law::of)
                .map(|law| law.pillar)
                .ok_or_else(|| {
                    let laws: Vec<&str> = rondom_domain::law::LAW_PILLARS
                        .iter()
                        .map(|pillar| pillar.as_str())
                        .collect();
                    format!("pillar is one of {}", laws.join(", "))
                })
        };
        match (self.role.as_str(), self.pillar.as_deref()) {
            ("wijkteam", None) => Ok(Role::Wijkteam),
            ("coordinator", None) => Ok(Role::Coordinator),
            ("operator", None) => Ok(Role::Operator),
            ("partner", Some(pillar)) => Ok(Role::Partner(law(pillar)?)),
            ("backoffice", Some(pillar)) => Ok(Role::BackOffice(law(pillar)?)),
            ("partner" | "backoffice", None) => {
                Err("a partner or back-office names its pillar".into())
            }
            (_, Some(_)) => Err("only a partner or back-office has a pillar".into()),
            _ => Err("role is one of wijkteam, partner, backoffice, coordinator, operator".into()),
        }
    }

    /// The gemeenten the client serves (`gemeente` and `gemeenten` together), required of a
    /// wijkteam system, a back-office and a coordinator.
    fn gemeenten(&self, role: Role) -> Result<Vec<GemeenteCode>, String> {
        let mut gemeenten = Vec::new();
        for code in self.gemeente.iter().chain(self.gemeenten.iter().flatten()) {
            let code = code
                .parse::<GemeenteCode>()
                .map_err(|_| "a gemeente is a 4-digit CBS code")?;
            if !gemeenten.contains(&code) {
                gemeenten.push(code);
            }
        }
        let serves_a_gemeente = matches!(
            role,
            Role::Wijkteam | Role::BackOffice(_) | Role::Coordinator
        );
        if gemeenten.is_empty() && serves_a_gemeente {
            return Err(
                "a wijkteam system, back-office or coordinator names the gemeenten it serves"
                    .into(),
            );
        }
        Ok(gemeenten)
    }
}

impl Clients {
    /// Parses and checks a clients file.
    ///
    /// # Errors
    /// [`ClientsError`] naming the first wrong client.
    pub fn from_toml(text: &str) -> Result<Self, ClientsError> {
        let file: File =
            toml::from_str(text).map_err(|err| ClientsError::Syntax(err.to_string()))?;
        let mut by_hash = HashMap::new();
        for entry in file.client {
            let wrong = |reason: &str| ClientsError::Client {
                id: entry.id.clone(),
                reason: reason.to_owned(),
            };
            let (hash, client) = entry.checked().map_err(|reason| wrong(&reason))?;
            let entry = Entry {
                client,
                expires_at: entry.expires_at,
                revoked: entry.revoked,
            };
            if by_hash.insert(hash, entry).is_some() {
                return Err(wrong("two clients share one token"));
            }
        }
        Ok(Self { by_hash })
    }

    /// Returns the client a bearer token belongs to, if it is valid at `now`.
    ///
    /// # Errors
    /// [`AuthError`] saying why not.
    pub fn authenticate(
        &self,
        token: Option<&str>,
        now: DateTime<Utc>,
    ) -> Result<&Client, AuthError> {
        let token = token
            .filter(|token| !token.is_empty())
            .ok_or(AuthError::Missing)?;
        // Hashes are compared, never tokens: a timing difference tells nothing about a token.
        self.authenticate_hash(&token_hash(token), now)
    }

    /// Returns whether a client of the file is known by `id` (revoked or expired ones too:
    /// their records and consumers are theirs still).
    pub fn has_id(&self, id: &str) -> bool {
        self.by_hash.values().any(|entry| entry.client.id == id)
    }

    /// Returns the client whose token has the hash `token`, if it is valid at `now`.
    ///
    /// # Errors
    /// [`AuthError`] saying why not.
    pub fn authenticate_hash(
        &self,
        token: &[u8; 32],
        now: DateTime<Utc>,
    ) -> Result<&Client, AuthError> {
        let entry = self.by_hash.get(token).ok_or(AuthError::Unknown)?;
        if entry.revoked {
            return Err(AuthError::Revoked(entry.client.id.clone()));
        }
        if entry.expires_at.is_some_and(|expires| now >= expires) {
            return Err(AuthError::Expired(entry.client.id.clone()));
        }
        Ok(&entry.client)
    }
}

/// Returns the SHA-256 of a token, as the clients file stores it.
pub fn token_hash(token: &str) -> [u8; 32] {
    Sha256::digest(token.as_bytes()).into()
}

/// Returns a new random token (256 bits, hex) and the hash to put in the clients file.
pub fn new_token() -> (String, String) {
    let bytes: [u8; 32] = rand_bytes();
    let token = hex::encode(bytes);
    let hash = hex::encode(token_hash(&token));
    (token, hash)
}

/// 32 bytes from the OS's random source, for tokens and secrets.
pub fn rand_bytes() -> [u8; 32] {
    // UUIDv4s come from the OS's random source; two make 244 random bits, ample for a token.
    let mut bytes = [0u8; 32];
    bytes[..16].copy_from_slice(uuid::Uuid::new_v4().as_bytes());
    bytes[16..].copy_from_slice(uuid::Uuid::new_v4().as_bytes());
    bytes
}

/// Reads a clients file.
///
/// # Errors
/// When the file cannot be read or is wrong.
pub fn load_clients(path: &std::path::Path) -> anyhow::Result<Clients> {
    use anyhow::Context as _;
    let text = std::fs::read_to_string(path)
        .with_context(|| format!("cannot read the clients file {}", path.display()))?;
    Clients::from_toml(&text).with_context(|| format!("clients file {} is wrong", path.display()))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn file(token_hash: &str) -> String {
        format!(
            "[[client]]\nid = \"jz\"\nrole = \"partner\"\npillar = \"jeugd\"\norganisatie = \"12345678\"\ntoken_sha256 = \"{token_hash}\"\n\
             [[client]]\nid = \"old\"\nrole = \"coordinator\"\ngemeente = \"0363\"\ntoken_sha256 = \"{}\"\nexpires_at = \"2026-01-01T00:00:00Z\"\n\
             [[client]]\nid = \"gone\"\nrole = \"wijkteam\"\ngemeente = \"0363\"\ntoken_sha256 = \"{}\"\nrevoked = true\n",
            hex::encode(token_hash_of("old-token")),
            hex::encode(token_hash_of("gone-token")),
        )
    }

    fn token_hash_of(token: &str) -> [u8; 32] {
        token_hash(token)
    }

    #[test]
    fn tokens_authenticate_by_their_hash_until_they_expire_or_are_revoked() {
        let (token, hash) = new_token();
        let clients = Clients::from_toml(&file(&hash)).expect("valid");
        let now = Utc::now();
        let client = clients.authenticate(Some(&token), now).expect("known");
        assert_eq!(
            (client.id.as_str(), client.role),
            ("jz", Role::Partner(Pillar::Jeugd))
        );
        assert_eq!(clients.authenticate(None, now), Err(AuthError::Missing));
        assert_eq!(
            clients.authenticate(Some("guess"), now),
            Err(AuthError::Unknown)
        );
        assert_eq!(
            clients.authenticate(Some("old-token"), now),
            Err(AuthError::Expired("old".into()))
        );
        assert_eq!(
            clients.authenticate(Some("gone-token"), now),
            Err(AuthError::Revoked("gone".into()))
        );
        assert_ne!(new_token().0, token, "tokens are random");
    }

    #[test]
    fn a_wrong_client_entry_is_named() {
        for (entry, id) in [
            (
                "[[client]]\nid = \"a\"\nrole = \"partner\"\norganisatie = \"12345678\"\ntoken_sha256 = \"00\"\n",
                "a",
            ),
            (
                "[[client]]\nid = \"b\"\nrole = \"coordinator\"\ntoken_sha256 = \"00\"\n",
                "b",
            ),
            (
                "[[client]]\nid = \"c\"\nrole = \"king\"\ntoken_sha256 = \"00\"\n",
                "c",
            ),
            (
                "[[client]]\nid = \"d\"\nrole = \"backoffice\"\npillar = \"wmo\"\ntoken_sha256 = \"00\"\n",
                "d",
            ),
            (
                "[[client]]\nid = \"e\"\nrole = \"operator\"\nstaff_id = \"rg-1\"\ntoken_sha256 = \"00\"\n",
                "e",
            ),
        ] {
            assert!(
                matches!(Clients::from_toml(entry), Err(ClientsError::Client { id: found, .. }) if found == id),
                "{entry}"
            );
        }
        assert!(matches!(
            Clients::from_toml("[[client]]\nid = 1\n"),
            Err(ClientsError::Syntax(_))
        ));
    }
}
