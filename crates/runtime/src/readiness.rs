//! Whether a process can do its work, as `grpc.health.v1` reports it: every service turns
//! NOT_SERVING while NATS is unreachable, and the services that read the projector's views
//! turn NOT_SERVING while the projector cannot write its read model or lags more than its
//! threshold behind the stream. The
//! overall status (service `""`) is NOT_SERVING when any service is. A load balancer or a
//! Kubernetes probe then sends callers elsewhere until the process recovers by itself.

use std::collections::BTreeMap;
use std::time::{Duration, Instant};

use async_nats::connection::State;
use async_nats::jetstream;
use rondom_bus::audit::AUDIT_STREAM;
use rondom_bus::stream::EVENTS_STREAM;
use tokio::sync::watch;
use tonic_health::ServingStatus;
use tonic_health::server::HealthReporter;

use crate::metrics::metrics;

/// How often readiness is checked.
const EVERY: Duration = Duration::from_secs(1);

/// What a process's readiness depends on.
#[derive(Debug)]
pub struct Readiness {
    nats: async_nats::Client,
    projector: Option<ProjectorProbe>,
}

/// The projector of this process, for its lag.
#[derive(Debug)]
pub struct ProjectorProbe {
    pub jetstream: jetstream::Context,
    /// The projector's checkpoint as it moves.
    pub applied: watch::Receiver<u64>,
    /// True while the projector cannot write its read model.
    pub storage_failing: watch::Receiver<bool>,
    /// Most events the projector may lag before its readers report NOT_SERVING.
    pub max_lag: u64,
    /// The services that answer from the projector's views.
    pub readers: Vec<&'static str>,
}

/// One look at the process.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Condition {
    nats: bool,
    /// The projector's views fall behind: it lags or cannot write.
    lagging: bool,
}

impl Readiness {
    /// Readiness that depends on the NATS connection of `nats`.
    pub fn new(nats: async_nats::Client) -> Self {
        Self {
            nats,
            projector: None,
        }
    }

    /// Adds the projector's lag.
    #[must_use]
    pub fn with_projector(mut self, probe: ProjectorProbe) -> Self {
        self.projector = Some(probe);
        self
    }

    /// Reports the statuses of `services` on `health` now (before the first call can ask), then
    /// keeps them up to date in the background until the returned handle drops.
    pub async fn start(
        self,
        health: HealthReporter,
        services: Vec<&'static str>,
    ) -> tokio_util::task::AbortOnDropHandle<()> {
        let mut watch = Watch {
            readiness: self,
            health,
            services,
            reported: BTreeMap::new(),
            last_checkpoint: None,
            still_since: Instant::now(),
        };
        watch.report().await;
        tokio_util::task::AbortOnDropHandle::new(tokio::spawn(async move {
            loop {
                tokio::time::sleep(EVERY).await;
                watch.report().await;
            }
        }))
    }
}

/// The background side of [`Readiness`]: what it reported last.
#[derive(Debug)]
struct Watch {
    readiness: Readiness,
    health: HealthReporter,
    services: Vec<&'static str>,
    reported: BTreeMap<&'static str, ServingStatus>,
    last_checkpoint: Option<u64>,
    still_since: Instant,
}

impl Watch {
    async fn report(&mut self) {
        let Self {
            readiness,
            health,
            services,
            reported,
            last_checkpoint,
            still_since,
        } = self;
        let condition = readiness.look(last_checkpoint, still_since).await;
        let readers = readiness
            .projector
            .as_ref()
            .map(|probe| probe.readers.as_slice())
            .unwrap_or_default();
        let mut wanted: BTreeMap<&'static str, ServingStatus> = services
            .iter()
            .map(|&service| {
                let serving = condition.nats && !(condition.lagging && readers.contains(&service));
                (service, status(serving))
            })
            .collect();
        let all = wanted
            .values()
            .all(|status| *status == ServingStatus::Serving);
        wanted.insert("", status(condition.nats && all));
        metrics().ready.set(i64::from(condition.nats && all));
        if readiness.projector.is_some() {
            // Apart from the overall status: the hub serves, but some household is incomplete.
            let quarantined = metrics().projector_quarantined.get();
            wanted.insert(QUARANTINE_SERVICE, status(quarantined == 0));
        }
        for (&service, &now) in &wanted {
            if reported.get(service) != Some(&now) {
                health.set_service_status(service, now).await;
            }
        }
        if !reported.is_empty() && reported.get("") != wanted.get("") {
            match (condition.nats, condition.lagging) {
                (true, false) => tracing::info!("ready again: serving every service"),
                (false, _) => tracing::warn!("NATS is unreachable: reporting NOT_SERVING"),
                (true, true) => tracing::warn!(
                    "the projector lags beyond its threshold or cannot write its read model: its readers report NOT_SERVING"
                ),
            }
        }
        *reported = wanted;
    }
}

impl Readiness {
    async fn look(
        &mut self,
        last_checkpoint: &mut Option<u64>,
        still_since: &mut Instant,
    ) -> Condition {
        let connected = self.nats.connection_state() == State::Connected;
        metrics().nats_connected.set(i64::from(connected));
        let Some(probe) = &mut self.projector else {
            return Condition {
                nats: connected,
                lagging: false,
            };
        };
        if !connected {
            return Condition {
                nats: false,
                lagging: false,
            };
        }
        // Opening the stream asks the server for its current state: one request a second.
        let last = match probe.jetstream.get_stream(EVENTS_STREAM).await {
            Ok(stream) => stream.cached_info().state.last_sequence,
            Err(err) => return unreachable(&err),
        };
        let checkpoint = *probe.applied.borrow_and_update();
        let lag = last.saturating_sub(checkpoint);
        if *last_checkpoint != Some(checkpoint) || lag == 0 {
            *last_checkpoint = Some(checkpoint);
            *still_since = Instant::now();
        }
        let metrics = metrics();
        metrics.stream_position.set(saturating_i64(last));
        metrics.projector_position.set(saturating_i64(checkpoint));
        metrics.projector_lag.set(saturating_i64(lag));
        metrics
            .checkpoint_age_seconds
            .set(still_since.elapsed().as_secs_f64());
        let failing = *probe.storage_failing.borrow();
        metrics.projector_storage_failing.set(i64::from(failing));
        // The audit log fills with every read: how full it is, for an alert before it is.
        if let Ok(audit) = probe.jetstream.get_stream(AUDIT_STREAM).await {
            let info = audit.cached_info();
            metrics
                .audit_stream_bytes
                .set(saturating_i64(info.state.bytes));
            metrics
                .audit_stream_max_bytes
                .set(info.config.max_bytes.max(0));
        }
        Condition {
            nats: true,
            lagging: lag > probe.max_lag || failing,
        }
    }
}

fn unreachable(err: &dyn std::fmt::Display) -> Condition {
    tracing::debug!(error = %err, "cannot read the event stream's position");
    metrics().nats_connected.set(0);
    Condition {
        nats: false,
        lagging: false,
    }
}

/// The health service that is `NOT_SERVING` while the projector's quarantine holds an event:
/// some household's view is incomplete. The overall status does not count it.
pub const QUARANTINE_SERVICE: &str = "rondom.projector.Quarantine";

fn status(serving: bool) -> ServingStatus {
    if serving {
        ServingStatus::Serving
    } else {
        ServingStatus::NotServing
    }
}

fn saturating_i64(value: u64) -> i64 {
    i64::try_from(value).unwrap_or(i64::MAX)
}
