//! The hub as the end-to-end tests run it: a real nats-server, the real roles composed as
//! `rondom up` composes them, sled in a temp dir, gRPC on a loopback port.

#![allow(dead_code, unreachable_pub)] // each test file uses its own part of this

use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::Duration;

use futures::StreamExt;
use rondom_bus::stream::{EVENTS_STREAM, StreamSettings};
use rondom_cli::hub::{self, HubConfig};
use rondom_proto::v1;
use rondom_proto::v1::household_service_client::HouseholdServiceClient;
use rondom_proto::v1::signal_service_client::SignalServiceClient;
use rondom_testkit::TestNats;
use tempfile::TempDir;
use tokio::task::JoinHandle;
use tokio_util::sync::CancellationToken;
use tonic::transport::Channel;

pub struct TestHub {
    pub nats: TestNats,
    pub addr: SocketAddr,
    pub stream: StreamSettings,
    /// Text of the bylaw file the hub reads, if any.
    bylaws: Option<String>,
    /// The clients the hub lets call; `None` trusts everyone.
    clients: Option<rondom_runtime::auth::Clients>,
    dir: TempDir,
    token: CancellationToken,
    handle: Option<JoinHandle<anyhow::Result<()>>>,
}

impl TestHub {
    pub async fn start() -> Self {
        Self::start_with(StreamSettings::default()).await
    }

    pub async fn start_with(stream: StreamSettings) -> Self {
        Self::start_configured(stream, None).await
    }

    /// Starts a hub that reads `bylaws` as its per-gemeente bylaw file.
    pub async fn start_with_bylaws(bylaws: &str) -> Self {
        Self::start_configured(StreamSettings::default(), Some(bylaws.to_owned())).await
    }

    /// Starts a hub that lets only `clients` call.
    pub async fn start_with_clients(clients: rondom_runtime::auth::Clients) -> Self {
        let mut hub = Self::start_configured(StreamSettings::default(), None).await;
        hub.stop().await;
        hub.clients = Some(clients);
        hub.serve().await;
        hub
    }

    async fn start_configured(stream: StreamSettings, bylaws: Option<String>) -> Self {
        let nats = TestNats::start();
        let dir = tempfile::tempdir().expect("temp dir for the hub");
        let mut hub = TestHub {
            nats,
            addr: "127.0.0.1:0".parse().expect("address"),
            stream,
            bylaws,
            clients: None,
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

    /// Writes the bylaw file (if any) and returns its path.
    pub fn bylaws_path(&self) -> Option<PathBuf> {
        let text = self.bylaws.as_ref()?;
        let path = self.dir.path().join("bylaws.toml");
        std::fs::write(&path, text).expect("write the bylaw file");
        Some(path)
    }

    async fn serve(&mut self) {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind loopback");
        self.addr = listener.local_addr().expect("local address");
        self.token = CancellationToken::new();
        let config = HubConfig {
            nats_url: self.nats.url().to_owned(),
            data_dir: self.data_dir(),
            stream: self.stream.clone(),
            batch_size: 64,
            read_wait: Duration::from_secs(10),
            bylaws: self.bylaws_path(),
            clients: self.clients.clone(),
        };
        self.handle = Some(tokio::spawn(hub::run(
            config,
            listener,
            self.token.clone().cancelled_owned(),
        )));
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

    async fn channel(&self) -> Channel {
        Channel::from_shared(format!("http://{}", self.addr))
            .expect("uri")
            .connect()
            .await
            .expect("connect to the hub")
    }

    pub async fn signals(&self) -> SignalServiceClient<Channel> {
        SignalServiceClient::new(self.channel().await)
    }

    pub async fn households(&self) -> HouseholdServiceClient<Channel> {
        HouseholdServiceClient::new(self.channel().await)
    }

    pub async fn raw_channel(&self) -> Channel {
        self.channel().await
    }

    async fn jetstream(&self) -> async_nats::jetstream::Context {
        rondom_bus::jetstream(
            rondom_bus::connect(self.nats.url())
                .await
                .expect("connect to NATS"),
        )
    }

    /// Returns how many messages RONDOM_EVENTS holds.
    pub async fn stream_messages(&self) -> u64 {
        let mut stream = self
            .jetstream()
            .await
            .get_stream(EVENTS_STREAM)
            .await
            .expect("stream");
        stream.info().await.expect("stream info").state.messages
    }

    /// Returns every message of RONDOM_EVENTS as it is on the wire: subject, headers, payload.
    pub async fn raw_stream(&self) -> Vec<Vec<u8>> {
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
        let mut raw = Vec::new();
        while (raw.len() as u64) < total {
            let message = messages.next().await.expect("message").expect("message ok");
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

pub fn by_id(id: &str, min_position: u64) -> v1::GetHouseholdRequest {
    v1::GetHouseholdRequest {
        key: Some(v1::get_household_request::Key::HouseholdId(id.to_owned())),
        min_position,
        as_of: None,
    }
}

pub fn by_bsn(bsn: &str, min_position: u64) -> v1::GetHouseholdRequest {
    v1::GetHouseholdRequest {
        key: Some(v1::get_household_request::Key::Bsn(bsn.to_owned())),
        min_position,
        as_of: None,
    }
}

pub fn timeline(id: &str, min_position: u64) -> v1::GetTimelineRequest {
    v1::GetTimelineRequest {
        household_id: id.to_owned(),
        min_position,
        ..Default::default()
    }
}
