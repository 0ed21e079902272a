//! The hub as the end-to-end tests in `tests/` run it: a real nats-server, the real roles
//! composed as `rondom up` composes them, sled in a temp dir, gRPC on a loopback port, and the
//! development clients `rondom up` creates (one per role, see `rondom_access::dev_clients`),
//! so each test calls as the role that would make the call. A library, so it is compiled once
//! for every test binary.

pub mod web;

use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::Duration;

use futures::StreamExt;
use rondom_access::clients::Clients;
pub use rondom_access::dev_clients::DevClient;
use rondom_access::dev_clients::DevTokens;
use rondom_bus::stream::{EVENTS_STREAM, StreamSettings};
use rondom_cli::connection::{Connection, authed};
use rondom_cli::hub::{self, HubConfig, HubNats};
use rondom_cli::scenario::Connections;
use rondom_proto::v1;
use rondom_proto::v1::household_service_client::HouseholdServiceClient;
use rondom_proto::v1::signal_service_client::SignalServiceClient;
use rondom_runtime::bus_users::BusUser;
use rondom_testkit::TestNats;
use tempfile::TempDir;
use tokio::task::JoinHandle;
use tokio_util::sync::CancellationToken;
use tonic::transport::Channel;

/// A hub for one test, stopped when dropped.
#[derive(Debug)]
pub struct TestHub {
    pub nats: TestNats,
    pub addr: SocketAddr,
    pub stream: StreamSettings,
    /// Text of the bylaw file the hub reads, if any.
    bylaws: Option<String>,
    /// Text of the retention file the hub reads, if any.
    retention: Option<String>,
    /// The clients file the hub follows (`clients.toml` in its directory): the development
    /// clients unless a test gave its own; a test may change it while the hub runs.
    clients_file: PathBuf,
    /// Most events the projector may lag before its readers report NOT_SERVING.
    pub max_lag: u64,
    /// TLS of the hub's listener, and how the test's own connections trust it.
    tls: Option<tonic::transport::ServerTlsConfig>,
    client_tls: Option<tonic::transport::ClientTlsConfig>,
    /// The tokens of the development clients.
    tokens: DevTokens,
    /// The identity provider whose staff access tokens the hub takes, when a test has one.
    idp: Option<std::sync::Arc<rondom_access::idp::IdentityProvider>>,
    dir: TempDir,
    token: CancellationToken,
    handle: Option<JoinHandle<anyhow::Result<()>>>,
}

impl TestHub {
    pub async fn start() -> Self {
        Self::start_with(StreamSettings::default()).await
    }

    pub async fn start_with(stream: StreamSettings) -> Self {
        Self::start_configured(stream, None, None).await
    }

    /// Starts a hub that reads `bylaws` as its per-gemeente bylaw file.
    pub async fn start_with_bylaws(bylaws: &str) -> Self {
        Self::start_configured(StreamSettings::default(), Some(bylaws.to_owned()), None).await
    }

    /// Starts a hub that reads `retention` as its retention file.
    pub async fn start_with_retention(retention: &str) -> Self {
        let mut hub = Self::start_configured(StreamSettings::default(), None, None).await;
        hub.retention = Some(retention.to_owned());
        hub.restart().await;
        hub
    }

    /// Starts a hub that lets only the clients of the clients file `clients` call (the
    /// development tokens do not work).
    pub async fn start_with_clients(clients: &str) -> Self {
        Self::start_configured(StreamSettings::default(), None, Some(clients)).await
    }

    /// Starts a hub that serves TLS with `server`; the test's connections use `client`.
    pub async fn start_with_tls(
        server: tonic::transport::ServerTlsConfig,
        client: tonic::transport::ClientTlsConfig,
    ) -> Self {
        let mut hub = Self::start_configured(StreamSettings::default(), None, None).await;
        hub.tls = Some(server);
        hub.client_tls = Some(client);
        hub.restart().await;
        hub
    }

    /// Starts a hub that lets the development clients call, and the clients of `more` (a
    /// clients file's `[[client]]` entries).
    pub async fn start_with_more_clients(more: &str) -> Self {
        let tokens = DevTokens::generate();
        let mut hub = Self::start_configured(
            StreamSettings::default(),
            None,
            Some(&format!("{}\n{more}", tokens.clients_toml())),
        )
        .await;
        hub.tokens = tokens;
        hub
    }

    async fn start_configured(
        stream: StreamSettings,
        bylaws: Option<String>,
        clients: Option<&str>,
    ) -> Self {
        let nats = TestNats::start();
        let dir = tempfile::tempdir().expect("temp dir for the hub");
        // As `rondom up` without --clients: clients.toml and dev-tokens.toml in the data dir.
        let (tokens, _) = DevTokens::load_or_create(dir.path()).expect("development credentials");
        let clients_file = rondom_access::dev_clients::clients_path(dir.path());
        if let Some(clients) = clients {
            Clients::from_toml(clients).expect("a valid clients file");
            std::fs::write(&clients_file, clients).expect("write the clients file");
        }
        let mut hub = TestHub {
            nats,
            addr: "127.0.0.1:0".parse().expect("address"),
            stream,
            bylaws,
            retention: None,
            clients_file,
            max_lag: 10_000,
            tls: None,
            client_tls: None,
            tokens,
            idp: None,
            dir,
            token: CancellationToken::new(),
            handle: None,
        };
        hub.serve().await;
        hub
    }

    pub fn data_dir(&self) -> PathBuf {
        self.dir.path().to_owned()
    }

    /// The clients file the hub follows: a test changes it as an operator would.
    pub fn clients_file(&self) -> &std::path::Path {
        &self.clients_file
    }

    /// The hub's event-signing key: what an operator's command reads from the key directory.
    pub fn signer(&self) -> rondom_bus::EventSigner {
        rondom_runtime::keys::load_signer(&self.data_dir().join("keys"))
            .expect("the hub's event-signing key")
    }

    /// Writes the bylaw file (if any) and returns its path.
    /// Makes the hub read `bylaws` as its bylaw file from its next start.
    pub fn set_bylaws(&mut self, bylaws: &str) {
        self.bylaws = Some(bylaws.to_owned());
    }

    pub fn bylaws_path(&self) -> Option<PathBuf> {
        self.file("bylaws.toml", self.bylaws.as_deref())
    }

    /// Writes `text` (if any) to `name` in the hub's directory and returns its path.
    fn file(&self, name: &str, text: Option<&str>) -> Option<PathBuf> {
        let path = self.dir.path().join(name);
        std::fs::write(&path, text?).expect("write a config file");
        Some(path)
    }

    async fn serve(&mut self) {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind loopback");
        self.addr = listener.local_addr().expect("local address");
        self.token = CancellationToken::new();
        let config = HubConfig {
            nats: HubNats {
                operator: self.nats.url_for(BusUser::Operator),
                writer: self.nats.url_for(BusUser::Writer),
                projector: self.nats.url_for(BusUser::Projector),
            },
            data_dir: self.data_dir(),
            stream: self.stream.clone(),
            projection: rondom_projector::ProjectionSettings {
                data_dir: self.data_dir().join("projector"),
                batch_size: 64,
                read_wait: Duration::from_secs(10),
                max_lag: self.max_lag,
                cache_mb: rondom_projector::store::DEFAULT_CACHE_MB,
                bylaws: self.bylaws_path(),
            },
            lifecycle: rondom_lifecycle::LifecycleSettings {
                retention: self.file("retention.toml", self.retention.as_deref()),
                // With a retention file the task runs every second, so a test sees it work.
                retention_every: Duration::from_secs(if self.retention.is_some() {
                    1
                } else {
                    24 * 60 * 60
                }),
            },
            clients: self.live_clients(),
            tls: self.tls.clone(),
        };
        self.handle = Some(tokio::spawn(hub::run(
            config,
            listener,
            self.token.clone().cancelled_owned(),
        )));
    }

    /// Restarts the hub taking the access tokens of `idp` too (staff signed in there).
    pub async fn with_identity_provider(
        &mut self,
        idp: std::sync::Arc<rondom_access::idp::IdentityProvider>,
    ) {
        self.idp = Some(idp);
        self.restart().await;
    }

    fn live_clients(&self) -> rondom_access::live_clients::LiveClients {
        let clients = rondom_access::live_clients::LiveClients::following(&self.clients_file)
            .expect("the clients file");
        match &self.idp {
            Some(idp) => clients.with_identity_provider(idp.clone()),
            None => clients,
        }
    }

    /// Stops the hub the way Ctrl-C does and waits until it has flushed and drained.
    pub async fn stop(&mut self) {
        self.token.cancel();
        if let Some(handle) = self.handle.take() {
            handle
                .await
                .expect("hub task")
                .expect("hub stopped cleanly");
        }
    }

    /// Stops the hub and starts it again on the same NATS and data directory.
    pub async fn restart(&mut self) {
        self.stop().await;
        self.serve().await;
    }

    /// Starts a hub [`TestHub::stop`] stopped (after a test changed what it runs on).
    pub async fn start_again(&mut self) {
        self.serve().await;
    }

    /// Renews every person's pseudonym under a new pseudonym key as an operator does: the
    /// hub stopped, every household renewed, the new key promoted, the hub started again.
    pub async fn renew_pseudonyms(&mut self) -> rondom_lifecycle::pseudonyms::Renewal {
        self.stop().await;
        let key_dir = self.data_dir().join("keys");
        let keys = rondom_runtime::keys::Keys::load_or_generate(&key_dir).expect("keys");
        let new_key = rondom_runtime::keys::next_pseudonym_key(&key_dir).expect("next key");
        let renewal = rondom_lifecycle::pseudonyms::renew_all(
            &self.jetstream().await,
            &rondom_projector::Generations::new(self.data_dir().join("projector")),
            &keys,
            &new_key,
            Default::default(),
        )
        .await
        .expect("renew");
        rondom_runtime::keys::promote_pseudonym_key(&key_dir).expect("promote");
        self.start_again().await;
        renewal
    }

    async fn channel(&self) -> Channel {
        let endpoint = match &self.client_tls {
            None => Channel::from_shared(format!("http://{}", self.addr)).expect("uri"),
            Some(tls) => Channel::from_shared(format!("https://{}", self.addr))
                .expect("uri")
                .tls_config(tls.clone())
                .expect("client TLS"),
        };
        endpoint.connect().await.expect("connect to the hub")
    }

    /// Holds the projector back until `until`: JetStream pauses its consumer, so events are
    /// on the log but not yet in the views.
    pub async fn pause_projector(&self, until: chrono::DateTime<chrono::Utc>) {
        let paused: serde_json::Value = self
            .jetstream()
            .await
            .request(
                format!(
                    "CONSUMER.PAUSE.{}.{}",
                    EVENTS_STREAM,
                    rondom_projector::consumer::DURABLE
                ),
                &serde_json::json!({ "pause_until": until.to_rfc3339() }),
            )
            .await
            .expect("pause the projector");
        assert_eq!(paused["paused"], true, "{paused}");
    }

    /// Returns what grpc.health.v1 says of `service` (`""`: the whole process).
    pub async fn health(&self, service: &str) -> tonic_health::ServingStatus {
        use tonic_health::pb::health_check_response::ServingStatus as Wire;
        let mut health =
            tonic_health::pb::health_client::HealthClient::new(self.raw_channel().await);
        let status = health
            .check(tonic_health::pb::HealthCheckRequest {
                service: service.to_owned(),
            })
            .await
            .expect("health is always answered")
            .into_inner()
            .status();
        match status {
            Wire::Serving => tonic_health::ServingStatus::Serving,
            Wire::NotServing => tonic_health::ServingStatus::NotServing,
            Wire::Unknown | Wire::ServiceUnknown => tonic_health::ServingStatus::Unknown,
        }
    }

    /// Waits until grpc.health.v1 says `wanted` of `service`, or panics after `within`.
    pub async fn until_health(
        &self,
        service: &str,
        wanted: tonic_health::ServingStatus,
        within: Duration,
    ) {
        rondom_testkit::eventually(&format!("{service:?} to be {wanted}"), within, || async {
            (self.health(service).await == wanted).then_some(())
        })
        .await;
    }

    /// Returns the token of a development client.
    pub fn token(&self, client: DevClient) -> &str {
        self.tokens.token(client)
    }

    /// Returns the development tokens (for the scenario runner and the CLI).
    pub fn dev_tokens(&self) -> &DevTokens {
        &self.tokens
    }

    /// Returns a connection whose calls carry `token` (none: no credentials at all). A call
    /// that sets its own `authorization` keeps it.
    pub async fn connect(&self, token: Option<&str>) -> Connection {
        authed(self.channel().await, token).expect("a token a header can carry")
    }

    /// Returns a connection that calls as the development client `client`.
    pub async fn client_for(&self, client: DevClient) -> Connection {
        self.connect(Some(self.token(client))).await
    }

    /// Returns one connection per role the family scenario writes as.
    pub async fn scenario_connections(&self) -> Connections {
        Connections::from_dev_tokens(&self.channel().await, &self.tokens)
            .expect("tokens a header can carry")
    }

    /// Posts a wijkteam signal (kind eenzaamheid) about `persons` and returns the reply.
    pub async fn post_wijkteam(
        &self,
        key: &str,
        persons: &[(&str, &str)],
        text: &str,
    ) -> v1::PostSignalResponse {
        self.signals()
            .await
            .post_signal(signal(
                key,
                persons,
                v1::Pillar::Wijkteam,
                "eenzaamheid",
                text,
            ))
            .await
            .expect("posted")
            .into_inner()
    }

    /// The wijkteam's signal service.
    pub async fn signals(&self) -> SignalServiceClient<Connection> {
        SignalServiceClient::new(self.client_for(DevClient::Wijkteam).await)
    }

    /// The audit log's records of `client_id` (and of `household_id` when not empty), as the
    /// operator reads them.
    pub async fn audit_of(&self, client_id: &str, household_id: &str) -> Vec<v1::AuditRecord> {
        rondom_proto::v1::audit_service_client::AuditServiceClient::new(
            self.client_for(DevClient::Operator).await,
        )
        .list_audit_records(v1::ListAuditRecordsRequest {
            purpose: v1::Purpose::Beheer as i32,
            client_id: client_id.to_owned(),
            household_id: household_id.to_owned(),
            page_size: 1000,
            ..Default::default()
        })
        .await
        .expect("the audit log")
        .into_inner()
        .records
    }

    /// The household service as the coordinator of gemeente 0363 reads it.
    pub async fn households(&self) -> HouseholdServiceClient<Connection> {
        HouseholdServiceClient::new(self.client_for(DevClient::Coordinator).await)
    }

    /// Reads a household as the back-office of `law`, for that law's purpose: a law's facts
    /// are in its own lane, which the coordinator sees only under a gecoördineerde aanpak.
    pub async fn law_view(
        &self,
        law: rondom_domain::Pillar,
        request: v1::GetHouseholdRequest,
    ) -> Result<v1::Household, tonic::Status> {
        let purpose = rondom_domain::law::Purpose::of_pillar(law).expect("a law's purpose");
        let reply = HouseholdServiceClient::new(self.client_for(DevClient::BackOffice(law)).await)
            .get_household(v1::GetHouseholdRequest {
                purpose: v1::Purpose::from(purpose) as i32,
                ..request
            })
            .await?;
        Ok(reply.into_inner().household.expect("household"))
    }

    /// A channel without credentials: health and reflection, or calls that set their own.
    pub async fn raw_channel(&self) -> Channel {
        self.channel().await
    }

    pub async fn jetstream(&self) -> async_nats::jetstream::Context {
        rondom_bus::jetstream(
            rondom_bus::connect(self.nats.url())
                .await
                .expect("connect to NATS"),
        )
    }

    /// Publishes the event at `position` again, exactly as it is on the log (signed by the
    /// hub, its id and all), as a writer that retries after the duplicate window without the
    /// hub's read model beside it does; returns where the copy landed.
    pub async fn publish_again(&self, position: u64) -> u64 {
        let jetstream = self.jetstream().await;
        let message = jetstream
            .get_stream(EVENTS_STREAM)
            .await
            .expect("the event stream")
            .get_raw_message(position)
            .await
            .expect("the event");
        // Without the conditions a household's first event was published under.
        let mut headers = async_nats::HeaderMap::new();
        for (name, values) in message.headers.iter() {
            let name: &str = name.as_ref();
            if !name.starts_with("Nats-Expected") {
                for value in values {
                    headers.append(name, value.as_str());
                }
            }
        }
        jetstream
            .publish_with_headers(message.subject, headers, message.payload)
            .await
            .expect("published")
            .await
            .expect("acknowledged")
            .sequence
    }

    /// Rebuilds the read model from the log into its next generation, as `rondom projector
    /// rebuild` does (offline: a running hub makes it refuse), in batches of `batch_size`.
    ///
    /// # Errors
    /// The rebuild's.
    pub async fn rebuild(
        &self,
        batch_size: usize,
    ) -> rondom_projector::Result<rondom_projector::rebuild::RebuildReport> {
        rondom_projector::rebuild::rebuild(
            &self.jetstream().await,
            &rondom_projector::Generations::new(self.data_dir().join("projector")),
            batch_size,
            rondom_domain::bylaw::BylawTerms::default().into(),
            &self.signer(),
            false,
        )
        .await
    }

    /// Returns the address the hub serves gRPC on.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// Waits until the projector has applied every event through `position` (it acknowledges
    /// a batch only after committing it), whatever clients the hub lets call.
    pub async fn wait_applied(&self, position: u64) {
        let jetstream = self.jetstream().await;
        rondom_testkit::eventually(
            &format!("the projector to apply position {position}"),
            Duration::from_secs(30),
            || {
                let jetstream = jetstream.clone();
                async move {
                    let stream = jetstream.get_stream(EVENTS_STREAM).await.ok()?;
                    let info = stream
                        .consumer_info(rondom_projector::consumer::DURABLE)
                        .await
                        .ok()?;
                    (info.ack_floor.stream_sequence >= position).then_some(())
                }
            },
        )
        .await;
    }

    /// Returns every event of RONDOM_EVENTS with its position, decoded but still sealed.
    pub async fn events(&self) -> Vec<(u64, v1::Event)> {
        use prost::Message as _;
        self.messages()
            .await
            .into_iter()
            .map(|message| {
                let position = message.info().expect("a JetStream message").stream_sequence;
                let event = v1::Event::decode(message.payload.as_ref()).expect("a rondom.v1.Event");
                (position, event)
            })
            .collect()
    }

    /// Returns every message of RONDOM_EVENTS, in order.
    async fn messages(&self) -> Vec<async_nats::jetstream::Message> {
        let total = self.stream_messages().await;
        let stream = self
            .jetstream()
            .await
            .get_stream(EVENTS_STREAM)
            .await
            .expect("stream");
        let consumer = stream
            .create_consumer(async_nats::jetstream::consumer::pull::OrderedConfig::default())
            .await
            .expect("ordered consumer");
        let mut messages = consumer.messages().await.expect("messages");
        let mut all = Vec::new();
        while (all.len() as u64) < total {
            all.push(messages.next().await.expect("message").expect("message ok"));
        }
        all
    }

    /// Returns how many messages RONDOM_EVENTS holds: none while the hub, just started, has
    /// yet to create it.
    pub async fn stream_messages(&self) -> u64 {
        let mut stream = match self.jetstream().await.get_stream(EVENTS_STREAM).await {
            Ok(stream) => stream,
            Err(err)
                if matches!(err.kind(), async_nats::jetstream::context::GetStreamErrorKind::JetStream(inner)
                    if inner.error_code() == async_nats::jetstream::ErrorCode::STREAM_NOT_FOUND) =>
            {
                return 0;
            }
            Err(err) => panic!("stream: {err}"),
        };
        stream.info().await.expect("stream info").state.messages
    }

    /// Returns every message of RONDOM_EVENTS as it is on the wire: subject, headers, payload.
    pub async fn raw_stream(&self) -> Vec<Vec<u8>> {
        let mut raw = Vec::new();
        for message in self.messages().await {
            let mut bytes = message.subject.as_bytes().to_vec();
            for (name, values) in message.headers.iter().flat_map(|headers| headers.iter()) {
                bytes.extend_from_slice(name.to_string().as_bytes());
                for value in values {
                    bytes.extend_from_slice(value.as_str().as_bytes());
                }
            }
            bytes.extend_from_slice(&message.payload);
            raw.push(bytes);
        }
        raw
    }
}

/// Returns every file under `dir`, however deep.
pub fn files_under(dir: &std::path::Path) -> Vec<PathBuf> {
    let mut files = Vec::new();
    let mut pending = vec![dir.to_owned()];
    while let Some(dir) = pending.pop() {
        for entry in std::fs::read_dir(&dir).expect("read dir") {
            let path = entry.expect("dir entry").path();
            if path.is_dir() {
                pending.push(path)
            } else {
                files.push(path)
            }
        }
    }
    files
}

/// Returns whether `needle` occurs in `haystack`.
pub fn contains(haystack: &[u8], needle: &[u8]) -> bool {
    haystack
        .windows(needle.len())
        .any(|window| window == needle)
}

/// A valid PostSignalRequest; tests change what they need.
pub fn signal(
    key: &str,
    persons: &[(&str, &str)],
    pillar: v1::Pillar,
    kind: &str,
    summary: &str,
) -> v1::PostSignalRequest {
    v1::PostSignalRequest {
        idempotency_key: key.to_owned(),
        source_system: "wijkteam-test".to_owned(),
        gemeente_code: "0363".to_owned(),
        persons: persons
            .iter()
            .map(|(bsn, name)| v1::PersonRef {
                bsn: (*bsn).to_owned(),
                display_name: (*name).to_owned(),
                birth_date: None,
            })
            .collect(),
        pillar: pillar as i32,
        kind: kind.to_owned(),
        urgency: v1::Urgency::Normal as i32,
        observed_at: Some(rondom_proto::convert::timestamp(
            chrono::Utc::now() - chrono::Duration::hours(1),
        )),
        summary: summary.to_owned(),
    }
}

/// Returns `count` distinct valid BSNs (passing the 11-proef), none of the scenario's.
pub fn valid_bsns(count: usize) -> Vec<String> {
    (0..count as u64).map(rondom_testkit::bsn).collect()
}

/// A coordinator's read of a household by id, for purpose regie.
pub fn by_id(id: &str, min_position: u64) -> v1::GetHouseholdRequest {
    v1::GetHouseholdRequest {
        key: Some(v1::get_household_request::Key::HouseholdId(id.to_owned())),
        min_position,
        as_of: None,
        purpose: v1::Purpose::Regie as i32,
        on_behalf_of: String::new(),
    }
}

/// Starts a gecoördineerde aanpak in `household` (still at `expected_position`) for `wetten`
/// and `partners`, as the coordinator on `coordinator` would: every person in `persons` (each
/// with a birth date) agrees together with a parent today, which is instemming at any age.
///
/// # Errors
/// The hub's refusal.
pub async fn start_aanpak(
    coordinator: Connection,
    household: &str,
    expected_position: u64,
    persons: Vec<v1::PersonRef>,
    wetten: &[v1::Pillar],
    partners: &[&str],
) -> Result<v1::WriteResponse, tonic::Status> {
    let today = rondom_proto::convert::proto_date(chrono::Utc::now().date_naive());
    let request = v1::StartAanpakRequest {
        context: Some(v1::RegieContext {
            idempotency_key: format!("aanpak-{household}-{expected_position}"),
            source_system: "e2e".into(),
            household_id: household.to_owned(),
            expected_position,
            occurred_at: Some(rondom_proto::convert::timestamp(chrono::Utc::now())),
            note: String::new(),
        }),
        wetten: wetten.iter().map(|&wet| wet as i32).collect(),
        partners: partners.iter().map(|&partner| partner.to_owned()).collect(),
        personen: persons
            .into_iter()
            .map(|person| v1::AanpakPersoon {
                person: Some(person),
                zelf_ingestemd: true,
                ouder_ingestemd: true,
                ingestemd_op: Some(today),
            })
            .collect(),
        uitzondering: None,
    };
    rondom_proto::v1::regie_service_client::RegieServiceClient::new(coordinator)
        .start_aanpak(request)
        .await
        .map(tonic::Response::into_inner)
}

/// Ends the gecoördineerde aanpak running in `household` as the coordinator on `coordinator`
/// would: on its view at `min_position` or later. Returns the position of the end.
pub async fn end_aanpak(coordinator: Connection, household: &str, min_position: u64) -> u64 {
    let view = HouseholdServiceClient::new(coordinator.clone())
        .get_household(by_id(household, min_position))
        .await
        .expect("the coordinator's view")
        .into_inner()
        .household
        .expect("household");
    let aanpak = view.aanpak.expect("an aanpak runs");
    rondom_proto::v1::regie_service_client::RegieServiceClient::new(coordinator)
        .end_aanpak(v1::EndAanpakRequest {
            context: Some(v1::RegieContext {
                idempotency_key: format!("end-{}", aanpak.aanpak_id),
                source_system: "e2e".into(),
                household_id: household.to_owned(),
                expected_position: view.last_position,
                occurred_at: Some(rondom_proto::convert::timestamp(chrono::Utc::now())),
                note: String::new(),
            }),
            aanpak_id: aanpak.aanpak_id,
        })
        .await
        .expect("aanpak ended")
        .into_inner()
        .position
}

/// A coordinator's read of a household by a member's BSN, for purpose regie.
pub fn by_bsn(bsn: &str, min_position: u64) -> v1::GetHouseholdRequest {
    v1::GetHouseholdRequest {
        key: Some(v1::get_household_request::Key::Bsn(bsn.to_owned())),
        ..by_id("", min_position)
    }
}

/// A coordinator's read of a household's timeline, for purpose regie.
pub fn timeline(id: &str, min_position: u64) -> v1::GetTimelineRequest {
    v1::GetTimelineRequest {
        household_id: id.to_owned(),
        min_position,
        purpose: v1::Purpose::Regie as i32,
        ..Default::default()
    }
}

/// A coordinator's worklist with no filter, for purpose regie; tests set what they filter.
pub fn worklist() -> v1::ListHouseholdsRequest {
    v1::ListHouseholdsRequest {
        purpose: v1::Purpose::Regie as i32,
        ..Default::default()
    }
}

/// One `[[client]]` of a clients file: `id`, the `lines` of its role, and the hash of its
/// token, which is its id (see [`TestHub::start_with_more_clients`]).
pub fn client_toml(id: &str, lines: &str) -> String {
    let token_hash = hex::encode(rondom_access::clients::token_hash(id));
    format!("[[client]]\nid = \"{id}\"\n{lines}\ntoken_sha256 = \"{token_hash}\"\n\n")
}

/// A message the iStandaard adapter's tests made (`crates/adapters/istandaard/testdata`):
/// the iStandaarden examples hold no 317 or 319.
pub fn istandaard_testdata(name: &str) -> String {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../crates/adapters/istandaard/testdata")
        .join(name);
    std::fs::read_to_string(&path).unwrap_or_else(|err| panic!("{}: {err}", path.display()))
}

/// The son of the family scenario, as the jeugd back-office knows him (the Jeugdwet needs
/// his birth date).
pub fn zoon() -> v1::PersonRef {
    let (year, month, day) = rondom_cli::scenario::ZOON.born;
    v1::PersonRef {
        bsn: rondom_cli::scenario::ZOON.bsn.into(),
        display_name: rondom_cli::scenario::ZOON.name.into(),
        birth_date: chrono::NaiveDate::from_ymd_opt(year, month, day)
            .map(rondom_proto::convert::proto_date),
    }
}

/// The first day of the family scenario in the tests (a Monday).
pub fn family_start() -> chrono::NaiveDate {
    chrono::NaiveDate::from_ymd_opt(2026, 3, 2).expect("a date")
}

/// Loads the family scenario, each step written by its own role over `connections`, and
/// returns the runner (its household and last position).
pub async fn load_family(connections: Connections) -> rondom_cli::scenario::Runner {
    let mut runner = rondom_cli::scenario::Runner::new(connections);
    for step in rondom_cli::scenario::family(family_start()) {
        runner.run(&step).await.expect(step.name);
    }
    runner
}

/// How long a subscription stays quiet before a test takes it as caught up: tests subscribe
/// after the projector applied what they wrote, so the hub has nothing left to wait for.
pub const QUIET: Duration = Duration::from_secs(3);

/// An open subscription: its deliveries, and where acknowledgements go.
#[derive(Debug)]
pub struct Subscription {
    deliveries: tonic::Streaming<v1::Delivery>,
    acks: tokio::sync::mpsc::Sender<v1::SubscribeRequest>,
}

impl Subscription {
    /// Opens a subscription, or returns why the hub refused it.
    pub async fn try_open(
        connection: Connection,
        open: v1::OpenSubscription,
    ) -> Result<Self, tonic::Status> {
        let (acks, requests) = tokio::sync::mpsc::channel(16);
        acks.send(v1::SubscribeRequest {
            request: Some(v1::subscribe_request::Request::Open(open)),
        })
        .await
        .expect("open");
        let deliveries =
            v1::subscription_service_client::SubscriptionServiceClient::new(connection)
                .subscribe(tokio_stream::wrappers::ReceiverStream::new(requests))
                .await?
                .into_inner();
        Ok(Self { deliveries, acks })
    }

    pub async fn open(connection: Connection, open: v1::OpenSubscription) -> Self {
        Self::try_open(connection, open).await.expect("subscribed")
    }

    /// Opens a durable subscription again right after its reader went away: the hub notices
    /// a closed stream a moment later, and answers FAILED_PRECONDITION ("already connected")
    /// until then, so a partner retries, as this does for up to ten seconds.
    pub async fn reopen(connection: Connection, open: v1::OpenSubscription) -> Self {
        let deadline = std::time::Instant::now() + Duration::from_secs(10);
        loop {
            match Self::try_open(connection.clone(), open.clone()).await {
                Ok(subscription) => return subscription,
                Err(status)
                    if status.code() == tonic::Code::FailedPrecondition
                        && std::time::Instant::now() < deadline =>
                {
                    tokio::time::sleep(Duration::from_millis(50)).await;
                }
                Err(status) => panic!("not subscribed again: {status:?}"),
            }
        }
    }

    /// The next delivery, or `None` once the subscription is quiet.
    pub async fn next(&mut self) -> Option<v1::Delivery> {
        match tokio::time::timeout(QUIET, self.deliveries.next()).await {
            Ok(Some(delivery)) => Some(delivery.expect("delivery")),
            Ok(None) | Err(_) => None,
        }
    }

    /// The positions of every delivery until the subscription is quiet.
    pub async fn rest(&mut self) -> Vec<u64> {
        let mut positions = Vec::new();
        while let Some(delivery) = self.next().await {
            positions.push(delivery.position);
        }
        positions
    }

    /// Waits up to `within` for the hub to end the subscription, passing over deliveries;
    /// returns the status it ended with (`None`: it did not end in time, or ended cleanly).
    pub async fn ended(&mut self, within: Duration) -> Option<tonic::Status> {
        self.until_end(within).await.1
    }

    /// What the subscription delivers until the hub ends it, waiting up to `within`, and the
    /// status it ended with (`None`: it did not end in time, or ended cleanly).
    pub async fn until_end(
        &mut self,
        within: Duration,
    ) -> (Vec<v1::Delivery>, Option<tonic::Status>) {
        let deadline = tokio::time::Instant::now() + within;
        let mut delivered = Vec::new();
        loop {
            match tokio::time::timeout_at(deadline, self.deliveries.next()).await {
                Ok(Some(Ok(delivery))) => delivered.push(delivery),
                Ok(Some(Err(status))) => return (delivered, Some(status)),
                Ok(None) | Err(_) => return (delivered, None),
            }
        }
    }

    pub async fn ack(&self, position: u64) {
        self.acks
            .send(v1::SubscribeRequest {
                request: Some(v1::subscribe_request::Request::Ack(v1::Acknowledge {
                    position,
                })),
            })
            .await
            .expect("ack");
    }
}
