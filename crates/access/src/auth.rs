//! The auth layer: [`AuthLayer`] checks every gRPC call before it reaches a service. No or a
//! wrong token is `UNAUTHENTICATED`, a role that may not call the service is
//! `PERMISSION_DENIED` ([`may_call`]); health and reflection stay open for tools. The
//! authenticated [`crate::clients::Client`] travels in the request's extensions to the handlers; who the
//! clients are is [`crate::clients`]'s.

use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};

use chrono::Utc;
use rondom_bus::AuditLog;
use rondom_domain::Pillar;
use rondom_domain::access::Role;
use rondom_proto::v1;
use tonic::Status;
use tonic::body::Body;
use tonic::codegen::http::{Request, Response};

use crate::audit::Caller;
use crate::live_clients::LiveClients;
use crate::refusals::{RefusalWindow, Verdict, known_method};

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
        // Every caller may ask what the log holds of itself.
        "rondom.v1.AuditService" if path.ends_with("/ListOwnRecords") => true,
        "rondom.v1.AuditService" | "rondom.v1.OperatorService" => role == Role::Operator,
        // The iWmo and iJw messages of back-offices (301) and providers (305, 307); which of
        // them may send which message is the adapter's to check.
        "rondom.v1.IStandaardService" => matches!(
            role,
            Role::BackOffice(Pillar::Wmo | Pillar::Jeugd)
                | Role::Partner(Pillar::Wmo | Pillar::Jeugd)
        ),
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
                reason: crate::audit::reason_of(&status),
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
        let token = bearer(request);
        match self.clients.authenticate(token, Utc::now()) {
            Err(err) => refuse(
                Status::unauthenticated(err.to_string()),
                crate::audit::anonymous(path, peer, &trace_id),
            ),
            Ok((client, credentials)) => {
                let caller = Caller {
                    client: client.clone(),
                    method: path.to_owned(),
                    peer,
                    trace_id,
                    credentials,
                };
                if may_call(client.role, path) {
                    Ok(Some(caller))
                } else {
                    refuse(
                        Status::permission_denied(format!(
                            "client {} ({}) may not call {}",
                            client.id,
                            client.role,
                            known_method(path)
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
    type Future = Judged<S::Error>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), Self::Error>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, request: Request<Body>) -> Self::Future {
        // A staff token signed with a key the provider rolled over to: its keys are fetched
        // (at most every half minute) before the call is judged, so the first call after a
        // rollover is not turned away.
        if let Some(idp) = self.clients.provider_lacking_key(bearer(&request)) {
            let clone = self.inner.clone();
            let mut ready = Auth {
                inner: std::mem::replace(&mut self.inner, clone),
                clients: self.clients.clone(),
                audit: self.audit.clone(),
                refusals: self.refusals.clone(),
            };
            return Box::pin(async move {
                idp.refresh_keys().await;
                ready.judge(request).await
            });
        }
        self.judge(request)
    }
}

/// What [`Auth`] makes of a call: its answer, to come.
type Judged<E> = Pin<Box<dyn Future<Output = Result<Response<Body>, E>> + Send>>;

impl<S> Auth<S>
where
    S: tower::Service<Request<Body>, Response = Response<Body>> + Clone + Send + 'static,
    S::Future: Send + 'static,
    S::Error: Send + 'static,
{
    /// Lets the call through to `inner` (ready) or turns it away with its audit record.
    fn judge(&mut self, mut request: Request<Body>) -> Judged<S::Error> {
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
                    tracing::debug!(
                        client = %caller.client.id,
                        path = %known_method(&caller.method),
                        "call authenticated"
                    );
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

#[cfg(test)]
mod tests {
    use super::*;
    use rondom_domain::Pillar;
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
