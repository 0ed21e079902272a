//! Who is calling: clients and their credentials from a TOML file, bearer tokens stored only
//! as SHA-256 hashes, and which role may call which service. [`AuthLayer`] checks every gRPC
//! call before it reaches a service: no or a wrong token is `UNAUTHENTICATED`, a role that may
//! not call the service is `PERMISSION_DENIED`; health and reflection stay open for tools.
//! The authenticated [`Client`] travels in the request's extensions to the handlers.
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
use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};

use std::sync::Arc;

use crate::live_clients::LiveClients;

use chrono::{DateTime, Utc};
use rondom_bus::AuditLog;
use rondom_domain::access::Role;
use rondom_domain::{GemeenteCode, Pillar};
use rondom_proto::v1;
use sha2::{Digest, Sha256};
use tonic::Status;
use tonic::body::Body;
use tonic::codegen::http::{Request, Response};

use crate::audit::Caller;
use crate::refusals::{RefusalWindow, Verdict, known_method};

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
            // Client ids name subjects of the audit log and durable subscriptions.
            if !rondom_bus::audit::is_subject_token(&entry.id)
                || !entry.id.starts_with(|c: char| c.is_ascii_alphanumeric())
            {
                return Err(wrong(
                    "id is 1-64 of a-z, 0-9, '-' and '_', starting with a letter or digit",
                ));
            }
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
                        wrong(&format!("pillar is one of {}", laws.join(", ")))
                    })
            };
            let role = match (entry.role.as_str(), entry.pillar.as_deref()) {
                ("wijkteam", None) => Role::Wijkteam,
                ("coordinator", None) => Role::Coordinator,
                ("operator", None) => Role::Operator,
                ("partner", Some(pillar)) => Role::Partner(law(pillar)?),
                ("backoffice", Some(pillar)) => Role::BackOffice(law(pillar)?),
                ("partner" | "backoffice", None) => {
                    return Err(wrong("a partner or back-office names its pillar"));
                }
                (_, Some(_)) => return Err(wrong("only a partner or back-office has a pillar")),
                _ => {
                    return Err(wrong(
                        "role is one of wijkteam, partner, backoffice, coordinator, operator",
                    ));
                }
            };
            if matches!(role, Role::Partner(_)) && entry.organisatie.is_none() {
                return Err(wrong("a partner names its organisatie (AGB, KvK or OIN)"));
            }
            if let Some(organisatie) = &entry.organisatie {
                rondom_domain::code::check_organisation(organisatie).map_err(wrong)?;
            }
            let mut gemeenten = Vec::new();
            for code in entry
                .gemeente
                .iter()
                .chain(entry.gemeenten.iter().flatten())
            {
                let code = code
                    .parse::<GemeenteCode>()
                    .map_err(|_| wrong("a gemeente is a 4-digit CBS code"))?;
                if !gemeenten.contains(&code) {
                    gemeenten.push(code);
                }
            }
            if gemeenten.is_empty()
                && matches!(
                    role,
                    Role::Wijkteam | Role::BackOffice(_) | Role::Coordinator
                )
            {
                return Err(wrong(
                    "a wijkteam system, back-office or coordinator names the gemeenten it serves",
                ));
            }
            if let Some(staff_id) = &entry.staff_id {
                if role != Role::Coordinator {
                    return Err(wrong("only a coordinator client is a staff member"));
                }
                rondom_domain::code::check_staff_id(staff_id)
                    .map_err(|reason| wrong(&format!("staff_id: {reason}")))?;
            }
            let hash: [u8; 32] = hex::decode(&entry.token_sha256)
                .ok()
                .and_then(|bytes| bytes.try_into().ok())
                .ok_or_else(|| wrong("token_sha256 is 64 hex digits: the SHA-256 of the token"))?;
            let client = Client {
                id: entry.id.clone(),
                role,
                organisatie: entry.organisatie.clone(),
                gemeenten,
                staff_id: entry.staff_id.clone(),
                expires_at: entry.expires_at,
            };
            if by_hash
                .insert(
                    hash,
                    Entry {
                        client,
                        expires_at: entry.expires_at,
                        revoked: entry.revoked,
                    },
                )
                .is_some()
            {
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

fn rand_bytes() -> [u8; 32] {
    // UUIDv4s come from the OS's random source; two make 244 random bits, ample for a token.
    let mut bytes = [0u8; 32];
    bytes[..16].copy_from_slice(uuid::Uuid::new_v4().as_bytes());
    bytes[16..].copy_from_slice(uuid::Uuid::new_v4().as_bytes());
    bytes
}

/// Returns whether `role` may call the gRPC method at `path` (`/package.Service/Method`).
/// Open paths (health, reflection) are not asked: see [`is_open`].
pub fn may_call(role: Role, path: &str) -> bool {
    if let Some(law) = rondom_domain::law::by_service(service_of(path)) {
        let method = path.rsplit('/').next().unwrap_or_default();
        return if law.provider_calls(method) {
            role == Role::Partner(law.pillar)
        } else {
            role == Role::BackOffice(law.pillar)
        };
    }
    match service_of(path) {
        "rondom.v1.SignalService" => role == Role::Wijkteam,
        "rondom.v1.RegieService" => role == Role::Coordinator,
        // Worklists span households: a coordination tool, not a partner's.
        "rondom.v1.HouseholdService" if path.ends_with("/ListHouseholds") => {
            role == Role::Coordinator
        }
        "rondom.v1.HouseholdService" | "rondom.v1.SubscriptionService" => {
            matches!(
                role,
                Role::Coordinator | Role::Partner(_) | Role::BackOffice(_)
            )
        }
        "rondom.v1.AuditService" | "rondom.v1.OperatorService" => role == Role::Operator,
        _ => false,
    }
}

/// Returns the service of a gRPC path (`/package.Service/Method`).
fn service_of(path: &str) -> &str {
    path.trim_start_matches('/')
        .split('/')
        .next()
        .unwrap_or_default()
}

/// Returns whether `path` needs no credentials: health and reflection, for tools.
pub fn is_open(path: &str) -> bool {
    matches!(
        service_of(path),
        "grpc.health.v1.Health"
            | "grpc.reflection.v1.ServerReflection"
            | "grpc.reflection.v1alpha.ServerReflection"
    )
}

fn bearer(request: &Request<Body>) -> Option<&str> {
    let value = request.headers().get("authorization")?.to_str().ok()?;
    // The scheme is case-insensitive (RFC 9110 11.1).
    let (scheme, token) = value.split_once(' ')?;
    scheme.eq_ignore_ascii_case("bearer").then(|| token.trim())
}

/// Checks credentials and permission before a call reaches its service, and records every
/// refusal in the audit log.
#[derive(Debug, Clone)]
pub struct AuthLayer {
    clients: LiveClients,
    audit: AuditLog,
    refusals: Arc<RefusalWindow>,
}

impl AuthLayer {
    /// Returns the layer over `clients`, recording refusals in `audit`.
    pub fn new(clients: LiveClients, audit: AuditLog) -> Self {
        Self {
            clients,
            audit,
            refusals: Arc::default(),
        }
    }
}

impl<S> tower::Layer<S> for AuthLayer {
    type Service = Auth<S>;

    fn layer(&self, inner: S) -> Self::Service {
        Auth {
            inner,
            clients: self.clients.clone(),
            audit: self.audit.clone(),
            refusals: self.refusals.clone(),
        }
    }
}

/// A call turned away, with its audit record.
struct Refusal {
    status: Status,
    record: v1::AuditRecord,
    /// Where it came from, for bounding the refusals of unauthenticated callers.
    peer: Option<std::net::IpAddr>,
}

/// The service [`AuthLayer`] wraps around the routes.
#[derive(Debug, Clone)]
pub struct Auth<S> {
    inner: S,
    clients: LiveClients,
    audit: AuditLog,
    refusals: Arc<RefusalWindow>,
}

impl<S> Auth<S> {
    /// Returns the caller, or the refusal with its audit record.
    fn check(&self, request: &Request<Body>) -> Result<Option<Caller>, Box<Refusal>> {
        let path = request.uri().path();
        if is_open(path) {
            return Ok(None);
        }
        // Over TLS the TCP details sit inside the TLS connection's.
        let extensions = request.extensions();
        let peer = extensions
            .get::<tonic::transport::server::TcpConnectInfo>()
            .or_else(|| {
                extensions
                    .get::<tonic::transport::server::TlsConnectInfo<
                        tonic::transport::server::TcpConnectInfo,
                    >>()
                    .map(tonic::transport::server::TlsConnectInfo::get_ref)
            })
            .and_then(tonic::transport::server::TcpConnectInfo::remote_addr);
        let trace_id = crate::audit::trace_id(request.headers());
        let refuse = |status: Status, record: v1::AuditRecord| {
            let record = v1::AuditRecord {
                outcome: rondom_runtime::metrics::code_name(status.code()).to_owned(),
                reason: status.message().to_owned(),
                // Only a method Rondom serves is named: a made-up path stays out of the log.
                method: known_method(&record.method).to_owned(),
                ..record
            };
            Err(Box::new(Refusal {
                status,
                record,
                peer: peer.map(|peer| peer.ip()),
            }))
        };
        let clients = self.clients.current();
        let token = bearer(request);
        match clients.authenticate(token, Utc::now()) {
            Err(err) => refuse(
                Status::unauthenticated(err.to_string()),
                crate::audit::anonymous(path, peer, &trace_id),
            ),
            Ok(client) => {
                let caller = Caller {
                    client: client.clone(),
                    method: path.to_owned(),
                    peer,
                    trace_id,
                    credentials: self
                        .clients
                        .credentials(token_hash(token.unwrap_or_default())),
                };
                if may_call(client.role, path) {
                    Ok(Some(caller))
                } else {
                    refuse(
                        Status::permission_denied(format!(
                            "client {} ({}) may not call {path}",
                            client.id, client.role
                        )),
                        caller.record(0, ""),
                    )
                }
            }
        }
    }
}

impl<S> tower::Service<Request<Body>> for Auth<S>
where
    S: tower::Service<Request<Body>, Response = Response<Body>> + Clone + Send + 'static,
    S::Future: Send + 'static,
    S::Error: Send + 'static,
{
    type Response = Response<Body>;
    type Error = S::Error;
    type Future = Pin<Box<dyn Future<Output = Result<Self::Response, Self::Error>> + Send>>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), Self::Error>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, mut request: Request<Body>) -> Self::Future {
        match self.check(&request) {
            Err(refusal) => {
                let Refusal {
                    status,
                    mut record,
                    peer,
                } = *refusal;
                if status.code() == tonic::Code::Unauthenticated {
                    // Anyone can send these: one record per peer and minute, the rest counted.
                    let minute = Utc::now().timestamp().div_euclid(60);
                    match self.refusals.judge(peer, status.message(), minute) {
                        Verdict::Count => {
                            rondom_runtime::metrics::metrics()
                                .audit_refusals_unrecorded
                                .inc();
                            return Box::pin(async move { Ok(status.into_http()) });
                        }
                        Verdict::Record { unrecorded: 0 } => {}
                        Verdict::Record { unrecorded } => {
                            record.reason = format!(
                                "{}; before it, {unrecorded} more refused calls of this peer were counted, not recorded",
                                record.reason
                            );
                        }
                    }
                }
                tracing::warn!(path = %record.method, code = ?status.code(), "call refused");
                let audit = self.audit.clone();
                Box::pin(async move {
                    let status = match audit.record(&[record]).await {
                        Ok(()) => status,
                        Err(err) => {
                            tracing::error!(
                                error = &err as &dyn std::error::Error,
                                "cannot record a refused call"
                            );
                            status
                        }
                    };
                    Ok(status.into_http())
                })
            }
            Ok(caller) => {
                if let Some(caller) = caller {
                    tracing::debug!(client = %caller.client.id, path = %caller.method, "call authenticated");
                    request.extensions_mut().insert(caller);
                }
                // The clone is ready only after poll_ready; swap so the ready one is called.
                let clone = self.inner.clone();
                let mut ready = std::mem::replace(&mut self.inner, clone);
                Box::pin(async move { ready.call(request).await })
            }
        }
    }
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

    #[test]
    fn each_role_calls_its_own_services() {
        let jeugd = Role::Partner(Pillar::Jeugd);
        assert!(may_call(
            Role::Wijkteam,
            "/rondom.v1.SignalService/PostSignal"
        ));
        assert!(!may_call(
            Role::Wijkteam,
            "/rondom.v1.HouseholdService/GetHousehold"
        ));
        assert!(may_call(jeugd, "/rondom.v1.JeugdService/StartJeugdhulp"));
        // A provider records the care it gives, never the college's decisions.
        assert!(!may_call(jeugd, "/rondom.v1.JeugdService/AssignJeugdhulp"));
        assert!(!may_call(jeugd, "/rondom.v1.JeugdService/IssueBeschikking"));
        let college = Role::BackOffice(Pillar::Jeugd);
        assert!(may_call(college, "/rondom.v1.JeugdService/AssignJeugdhulp"));
        assert!(!may_call(college, "/rondom.v1.JeugdService/StartJeugdhulp"));
        assert!(!may_call(college, "/rondom.v1.WmoService/IssueBeschikking"));
        assert!(may_call(
            college,
            "/rondom.v1.HouseholdService/GetHousehold"
        ));
        assert!(!may_call(jeugd, "/rondom.v1.WmoService/ReceiveMelding"));
        assert!(may_call(jeugd, "/rondom.v1.HouseholdService/GetHousehold"));
        assert!(may_call(jeugd, "/rondom.v1.SubscriptionService/Subscribe"));
        assert!(!may_call(
            jeugd,
            "/rondom.v1.HouseholdService/ListHouseholds"
        ));
        assert!(may_call(
            Role::Coordinator,
            "/rondom.v1.HouseholdService/ListHouseholds"
        ));
        assert!(may_call(
            Role::Coordinator,
            "/rondom.v1.RegieService/AssignRegisseur"
        ));
        assert!(!may_call(
            Role::Operator,
            "/rondom.v1.RegieService/AssignRegisseur"
        ));
        assert!(!may_call(
            Role::Operator,
            "/rondom.v1.HouseholdService/GetHousehold"
        ));
        assert!(may_call(
            Role::Operator,
            "/rondom.v1.AuditService/ListAuditRecords"
        ));
        assert!(!may_call(
            Role::Coordinator,
            "/rondom.v1.AuditService/ListAuditRecords"
        ));
        assert!(is_open("/grpc.health.v1.Health/Check"));
        assert!(!may_call(Role::Coordinator, "/unknown.Service/Call"));
    }
}
