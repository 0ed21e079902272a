//! The command line every server role shares: where NATS and the keys are, the clients file,
//! TLS and the metrics endpoint. The libraries take plain structs (`TlsFiles`, ...) built from
//! these.

use std::path::PathBuf;

use rondom_runtime::tls::TlsFiles;

/// Where NATS is and where the keys are; flattened into each role's config.
#[derive(Debug, Clone, clap::Args)]
pub struct CommonArgs {
    /// NATS server URL.
    #[arg(long, env = "RONDOM_NATS_URL", default_value = "nats://127.0.0.1:4222")]
    pub nats_url: String,
    /// Directory holding master.key and pseudonym.key (32 random bytes each, hex, mode 0600).
    /// Missing files are generated: fine for development, never for production.
    #[arg(long, env = "RONDOM_KEY_DIR", default_value = "./data/keys")]
    pub key_dir: PathBuf,
    /// TOML file of the clients allowed to call (tokens as SHA-256 hashes); `rondom up`
    /// writes a development one.
    #[arg(long, env = "RONDOM_CLIENTS")]
    pub clients: PathBuf,
    /// Copies JetStream keeps of every event, audit record and registry entry: 1 on a single
    /// node, 3 in a three-node cluster (see deploy/README.md).
    #[arg(long, env = "RONDOM_REPLICAS", default_value_t = 1, value_parser = clap::value_parser!(u8).range(1..=5))]
    pub replicas: u8,
    #[command(flatten)]
    pub tls: TlsArgs,
}

impl CommonArgs {
    /// The stream settings of this installation.
    pub fn stream(&self) -> rondom_bus::stream::StreamSettings {
        rondom_bus::stream::StreamSettings {
            replicas: usize::from(self.replicas),
            ..Default::default()
        }
    }

    /// Reads the clients file, and follows it: a change is in force within a second.
    ///
    /// # Errors
    /// When the file cannot be read or is wrong: the process does not start.
    pub fn load_clients(&self) -> anyhow::Result<rondom_access::live_clients::LiveClients> {
        rondom_access::live_clients::LiveClients::following(&self.clients)
    }
}

/// Where the listener's certificate, key and (optionally) client CA are.
#[derive(Debug, Clone, Default, clap::Args)]
pub struct TlsArgs {
    /// PEM certificate chain of the gRPC listener (with --tls-key): serve TLS only.
    #[arg(long, env = "RONDOM_TLS_CERT", requires = "tls_key")]
    pub tls_cert: Option<PathBuf>,
    /// PEM private key of --tls-cert.
    #[arg(long, env = "RONDOM_TLS_KEY", requires = "tls_cert")]
    pub tls_key: Option<PathBuf>,
    /// PEM certificate(s) of the CA that signs client certificates: callers must present one.
    #[arg(long, env = "RONDOM_TLS_CLIENT_CA", requires = "tls_cert")]
    pub tls_client_ca: Option<PathBuf>,
}

impl TlsArgs {
    /// Returns the files as the runtime takes them.
    pub fn files(&self) -> TlsFiles {
        TlsFiles {
            tls_cert: self.tls_cert.clone(),
            tls_key: self.tls_key.clone(),
            tls_client_ca: self.tls_client_ca.clone(),
        }
    }

    /// Returns the gRPC listener's TLS configuration (see [`TlsFiles::server_config`]).
    ///
    /// # Errors
    /// As [`TlsFiles::server_config`].
    pub fn server_config(
        &self,
        addr: std::net::SocketAddr,
    ) -> anyhow::Result<Option<tonic::transport::ServerTlsConfig>> {
        self.files().server_config(addr)
    }
}

/// Where `/metrics` is served; flattened into every role's config.
#[derive(Debug, Clone, clap::Args)]
pub struct MetricsArgs {
    /// Address of the Prometheus endpoint `GET /metrics` and the readiness check `GET /ready`
    /// (port 0 picks one): HTTPS with the process's --tls-cert, plain HTTP only on a loopback
    /// address. Roles sharing a machine each need their own.
    #[arg(long, env = "RONDOM_METRICS_ADDR", default_value = "127.0.0.1:9464")]
    pub metrics_addr: std::net::SocketAddr,
}

impl MetricsArgs {
    /// Serves the endpoint in the background until the handle drops, with the certificate of
    /// `tls` (see [`rondom_runtime::metrics::start`]).
    ///
    /// # Errors
    /// As [`rondom_runtime::metrics::start`].
    pub async fn start(
        &self,
        tls: &TlsArgs,
    ) -> anyhow::Result<tokio_util::task::AbortOnDropHandle<()>> {
        rondom_runtime::metrics::start(self.metrics_addr, &tls.files()).await
    }
}
