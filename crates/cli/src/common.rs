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
    pub clients: Option<PathBuf>,
    /// Copies JetStream keeps of every event, audit record and registry entry: 1 on a single
    /// node, 3 in a three-node cluster (see deploy/README.md).
    #[arg(long, env = "RONDOM_REPLICAS", default_value_t = 1, value_parser = clap::value_parser!(u8).range(1..=5))]
    pub replicas: u8,
    #[command(flatten)]
    pub tls: TlsArgs,
    #[command(flatten)]
    pub oidc: OidcArgs,
}

impl CommonArgs {
    /// The stream settings of this installation.
    pub fn stream(&self) -> rondom_bus::stream::StreamSettings {
        rondom_bus::stream::StreamSettings {
            replicas: usize::from(self.replicas),
            ..Default::default()
        }
    }

    /// Reads the clients file, and follows it: a change is in force within a second. Staff
    /// members' access tokens are taken too where an identity provider is configured.
    ///
    /// # Errors
    /// When the file is not given, cannot be read or is wrong, or the identity provider
    /// cannot be reached: the process does not start.
    pub async fn load_clients(&self) -> anyhow::Result<rondom_access::live_clients::LiveClients> {
        use anyhow::Context as _;
        let path = self
            .clients
            .as_ref()
            .context("this role needs --clients (the clients allowed to call)")?;
        let clients = rondom_access::live_clients::LiveClients::following(path)?;
        Ok(match self.oidc.identity_provider().await? {
            Some(idp) => clients.with_identity_provider(idp),
            None => clients,
        })
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

/// The regiewerkplek: where it listens, how staff sign in; flattened into `rondom up` and
/// `rondom serve --role web`.
#[derive(Debug, Clone, clap::Args)]
pub struct WebArgs {
    /// Address of the regiewerkplek (the coordinators' web pages).
    #[arg(long, env = "RONDOM_WEB_ADDR", default_value = "127.0.0.1:8080")]
    pub web_addr: std::net::SocketAddr,
    /// The address browsers reach the regiewerkplek at (behind a proxy, its https:// URL);
    /// default http://<web-addr>. An https:// URL makes the session cookie Secure.
    #[arg(long, env = "RONDOM_WEB_URL")]
    pub web_url: Option<String>,
    /// The folder holding the NL Design System npm packages.
    #[arg(
        long,
        env = "RONDOM_WEB_ASSETS",
        default_value = ".tools/web/node_modules"
    )]
    pub web_assets: PathBuf,
    /// Minutes without a request after which a session ends.
    #[arg(long, env = "RONDOM_WEB_IDLE_MINUTES", default_value_t = 15, value_parser = clap::value_parser!(u64).range(1..=240))]
    pub web_idle_minutes: u64,
    /// Hours after sign-in after which a session ends, however busy.
    #[arg(long, env = "RONDOM_WEB_SESSION_HOURS", default_value_t = 8, value_parser = clap::value_parser!(u64).range(1..=24))]
    pub web_session_hours: u64,
}

/// The gemeente's identity provider (OpenID Connect). With an issuer, staff sign in there and
/// their access tokens are taken on gRPC; without one, `rondom up` offers development accounts.
#[derive(Debug, Clone, clap::Args)]
pub struct OidcArgs {
    /// The identity provider's issuer URL, exactly as it names itself.
    #[arg(long, env = "RONDOM_OIDC_ISSUER", requires_all = ["oidc_client_id", "oidc_client_secret"])]
    pub oidc_issuer: Option<String>,
    /// The hub's client id at the identity provider.
    #[arg(long, env = "RONDOM_OIDC_CLIENT_ID")]
    pub oidc_client_id: Option<String>,
    /// The hub's client secret (better in the environment than on a command line).
    #[arg(long, env = "RONDOM_OIDC_CLIENT_SECRET", hide_env_values = true)]
    pub oidc_client_secret: Option<String>,
    /// The audience the provider writes in access tokens for Rondom's API.
    #[arg(long, env = "RONDOM_OIDC_AUDIENCE", default_value = "urn:rondom:api")]
    pub oidc_audience: String,
    /// The scopes a sign-in asks for (openid, and what the provider needs for the audience).
    #[arg(long, env = "RONDOM_OIDC_SCOPE", default_value = "openid")]
    pub oidc_scope: String,
    /// The claim holding the staff id.
    #[arg(long, env = "RONDOM_OIDC_CLAIM_STAFF_ID", default_value = "staff_id")]
    pub oidc_claim_staff_id: String,
    /// The claim holding the gemeente(s) served (CBS codes).
    #[arg(long, env = "RONDOM_OIDC_CLAIM_GEMEENTEN", default_value = "gemeenten")]
    pub oidc_claim_gemeenten: String,
    /// The claim holding the role (coordinator or operator).
    #[arg(long, env = "RONDOM_OIDC_CLAIM_ROLE", default_value = "rondom_role")]
    pub oidc_claim_role: String,
}

impl OidcArgs {
    /// Reaches the identity provider, when one is configured.
    ///
    /// # Errors
    /// When it cannot be reached or names another issuer.
    pub async fn identity_provider(
        &self,
    ) -> anyhow::Result<Option<std::sync::Arc<rondom_access::idp::IdentityProvider>>> {
        let (Some(issuer), Some(client_id), Some(client_secret)) = (
            &self.oidc_issuer,
            &self.oidc_client_id,
            &self.oidc_client_secret,
        ) else {
            return Ok(None);
        };
        let settings = rondom_access::idp::IdpSettings {
            issuer: issuer.clone(),
            client_id: client_id.clone(),
            client_secret: client_secret.clone(),
            audience: self.oidc_audience.clone(),
            scope: self.oidc_scope.clone(),
            claims: rondom_access::idp::ClaimNames {
                staff_id: self.oidc_claim_staff_id.clone(),
                gemeenten: self.oidc_claim_gemeenten.clone(),
                role: self.oidc_claim_role.clone(),
            },
        };
        let provider = rondom_access::idp::IdentityProvider::discover(settings).await?;
        tracing::info!(issuer = %issuer, "staff sign in at the identity provider");
        Ok(Some(std::sync::Arc::new(provider)))
    }
}

impl WebArgs {
    /// The base URL browsers use.
    pub fn url(&self) -> String {
        self.web_url
            .clone()
            .unwrap_or_else(|| format!("http://{}", self.web_addr))
            .trim_end_matches('/')
            .to_owned()
    }

    /// The settings of the regiewerkplek: through `idp` when given, else with `development`.
    pub fn settings(
        &self,
        idp: Option<std::sync::Arc<rondom_access::idp::IdentityProvider>>,
        development: Vec<rondom_web::DevAccount>,
    ) -> rondom_web::WebSettings {
        let url = self.url();
        let sign_in = match idp {
            Some(provider) => rondom_web::SignIn::Oidc(rondom_web::OidcSettings {
                provider,
                redirect_url: format!("{url}/aanmelden/terug"),
                post_logout_url: format!("{url}/aanmelden?afgemeld=1"),
            }),
            None => rondom_web::SignIn::Development(development),
        };
        rondom_web::WebSettings {
            sign_in,
            secure: url.starts_with("https://"),
            tls: None,
            idle_timeout: std::time::Duration::from_secs(self.web_idle_minutes * 60),
            absolute_timeout: std::time::Duration::from_secs(self.web_session_hours * 3600),
            assets: self.web_assets.clone(),
        }
    }
}
