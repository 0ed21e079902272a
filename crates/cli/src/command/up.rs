//! `rondom up`: the embedded default. Starts nats-server with JetStream under the data
//! directory (unless `--nats-url` names an existing one), locked with a user per kind of
//! process, and every role in one process, all services on one gRPC port.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};

use anyhow::Context as _;
use rondom_access::dev_clients::{self, DevTokens};
use rondom_bus::stream::StreamSettings;
use rondom_cli::hub::{self, HubConfig, HubNats};
use rondom_runtime::bus_users::BusUser;
use rondom_runtime::nats_server::NatsTarget;

#[derive(Debug, clap::Args)]
pub(crate) struct UpArgs {
    #[command(flatten)]
    tls: rondom_cli::common::TlsArgs,
    /// Data directory: nats/ (JetStream), projector/ (read model), keys/.
    #[arg(long, env = "RONDOM_DATA_DIR", default_value = "./data")]
    data_dir: PathBuf,
    /// Use this NATS server instead of starting one.
    #[arg(long, env = "RONDOM_NATS_URL")]
    nats_url: Option<String>,
    /// Client port of the embedded nats-server.
    #[arg(long, env = "RONDOM_NATS_PORT", default_value_t = 4222)]
    nats_port: u16,
    /// Address of the gRPC listener for every service.
    #[arg(long, env = "RONDOM_GRPC_ADDR", default_value = "127.0.0.1:50051")]
    grpc_addr: SocketAddr,
    /// Copies JetStream keeps of everything: 1 on the embedded single node; 3 with --nats-url
    /// naming a three-node cluster.
    #[arg(long, env = "RONDOM_REPLICAS", default_value_t = 1, value_parser = clap::value_parser!(u8).range(1..=5))]
    replicas: u8,
    /// The most the audit log may hold, in MiB (0: no limit of its own). JetStream reserves it
    /// on disk. When it is full, reads are refused rather than answered unrecorded; watch
    /// rondom_audit_stream_bytes.
    #[arg(long, env = "RONDOM_AUDIT_MAX_MB", default_value_t = 1024)]
    audit_max_mb: u64,
    #[command(flatten)]
    projection: super::projection::ProjectionArgs,
    #[command(flatten)]
    metrics: rondom_cli::common::MetricsArgs,
    /// TOML file of the clients allowed to call (bearer tokens stored as SHA-256 hashes).
    /// Without it the hub uses development credentials: one client per role, created on first
    /// start as <data-dir>/clients.toml with the tokens in <data-dir>/dev-tokens.toml (mode
    /// 0600). Never use those in production.
    #[arg(long, env = "RONDOM_CLIENTS")]
    clients: Option<PathBuf>,
    #[command(flatten)]
    web: rondom_cli::common::WebArgs,
    #[command(flatten)]
    oidc: rondom_cli::common::OidcArgs,
}

pub(crate) async fn run(args: UpArgs) -> anyhow::Result<()> {
    // Plaintext on the network, or a certificate that cannot be read, stops us first.
    let tls = args.tls.server_config(args.grpc_addr)?;
    private_dir(&args.data_dir)?;
    let (clients, web_settings) = clients_and_sign_in(&args).await?;
    let nats =
        NatsTarget::url_or_embedded(args.nats_url.as_deref(), &args.data_dir, args.nats_port)
            .await
            .context("failed to start the embedded nats-server")?;
    let nats_url = nats.url_for(BusUser::Writer);
    if args.nats_url.is_none() {
        say!(
            "NATS on 127.0.0.1:{port} is locked: a user per kind of process, passwords in {users} \
             (mode 0600). The operator's commands (keys, backup, restore, projector, provision) \
             take the operator's from there when run in this directory.",
            port = args.nats_port,
            users = rondom_runtime::bus_users::path(&args.data_dir).display(),
        );
    }

    let listener = tokio::net::TcpListener::bind(args.grpc_addr)
        .await
        .with_context(|| format!("failed to bind gRPC listener on {}", args.grpc_addr))?;
    tracing::info!(grpc = %args.grpc_addr, nats = %rondom_bus::without_passwords(&nats_url), data = %args.data_dir.display(), "rondom is up; Ctrl-C stops it");
    let projection = args.projection.settings(args.data_dir.join("projector"));
    let config = HubConfig {
        tls,
        nats: HubNats {
            operator: nats.url_for(BusUser::Operator),
            writer: nats.url_for(BusUser::Writer),
            projector: nats.url_for(BusUser::Projector),
        },
        data_dir: args.data_dir,
        stream: StreamSettings {
            replicas: usize::from(args.replicas),
            audit_max_bytes: mebibytes(args.audit_max_mb),
            ..Default::default()
        },
        projection,
        lifecycle: args.projection.lifecycle(),
        clients,
    };
    let metrics = args.metrics.start(&args.tls).await?;
    let result = serve_with_web(
        &args.web,
        &args.oidc,
        args.grpc_addr,
        config,
        listener,
        web_settings,
    )
    .await;
    drop(metrics);
    // Only now, with every client drained, stop the embedded server (SIGTERM on drop).
    drop(nats);
    tracing::info!("rondom stopped");
    result
}

/// The clients allowed to call and how staff sign in to the pages. A wrong clients file
/// stops us before anything starts; a change to it later is in force within a second (a
/// revoked token is refused, its subscriptions end). Development accounts only where the
/// development credentials are in use and no identity provider is configured.
async fn clients_and_sign_in(
    args: &UpArgs,
) -> anyhow::Result<(
    rondom_access::live_clients::LiveClients,
    rondom_web::WebSettings,
)> {
    let clients_file = match &args.clients {
        Some(path) => path.clone(),
        None => development_clients(&args.data_dir)?,
    };
    let idp = args.oidc.identity_provider().await?;
    let mut clients = rondom_access::live_clients::LiveClients::following(&clients_file)?;
    if let Some(idp) = &idp {
        clients = clients.with_identity_provider(idp.clone());
    }
    let development = if args.clients.is_none() && idp.is_none() {
        development_accounts(&args.data_dir)?
    } else {
        Vec::new()
    };
    Ok((clients, args.web.settings(idp, development)))
}

/// Runs the hub and the regiewerkplek beside it until Ctrl-C or SIGTERM, then stops both.
async fn serve_with_web(
    web_args: &rondom_cli::common::WebArgs,
    oidc: &rondom_cli::common::OidcArgs,
    grpc_addr: SocketAddr,
    config: HubConfig,
    listener: tokio::net::TcpListener,
    web_settings: rondom_web::WebSettings,
) -> anyhow::Result<()> {
    let stop = tokio_util::sync::CancellationToken::new();
    let web = hub::start_web(
        web_args,
        grpc_addr,
        config.tls.is_some(),
        web_settings,
        &stop,
    )
    .await?;
    if web.is_some() {
        let development = if oidc.oidc_issuer.is_none() {
            ", development sign-in"
        } else {
            ""
        };
        say!(
            "Regiewerkplek (the coordinators' pages): {}{development}",
            web_args.url()
        );
    }
    let signal = stop.clone();
    tokio::spawn(async move {
        rondom_runtime::shutdown_signal().await;
        signal.cancel();
    });
    let result = hub::run(config, listener, stop.clone().cancelled_owned()).await;
    stop.cancel();
    if let Some(web) = web
        && let Err(err) = web.await.context("the regiewerkplek panicked")?
    {
        tracing::error!(error = %format!("{err:#}"), "the regiewerkplek failed");
    }
    result
}

/// Returns `mb` MiB as bytes, `None` for 0 (no limit).
pub(crate) fn mebibytes(mb: u64) -> Option<u64> {
    (mb > 0).then(|| mb.saturating_mul(1024 * 1024))
}

/// Creates the data directory, or closes one an older version left open to others: mode 0700.
fn private_dir(dir: &Path) -> anyhow::Result<()> {
    use std::os::unix::fs::PermissionsExt as _;
    std::fs::create_dir_all(dir).with_context(|| format!("cannot create {}", dir.display()))?;
    std::fs::set_permissions(dir, std::fs::Permissions::from_mode(0o700))
        .with_context(|| format!("cannot make {} private (mode 0700)", dir.display()))
}

/// The development coordinators, for the regiewerkplek's development sign-in.
fn development_accounts(data_dir: &Path) -> anyhow::Result<Vec<rondom_web::DevAccount>> {
    let tokens = DevTokens::load(&dev_clients::tokens_path(data_dir))?;
    let gemeente = dev_clients::DevClient::GEMEENTE;
    Ok(vec![
        rondom_web::DevAccount {
            label: format!(
                "Regisseur {} (gemeente {gemeente})",
                dev_clients::DevClient::REGISSEUR_STAFF_ID
            ),
            token: tokens.token(dev_clients::DevClient::Regisseur).to_owned(),
        },
        rondom_web::DevAccount {
            label: format!("Coördinator (gemeente {gemeente})"),
            token: tokens.token(dev_clients::DevClient::Coordinator).to_owned(),
        },
    ])
}

/// Returns the file of the development clients of `data_dir` (creating them on first start)
/// and tells the newcomer where their tokens are.
fn development_clients(data_dir: &Path) -> anyhow::Result<PathBuf> {
    DevTokens::load_or_create(data_dir).context("failed to set up the development credentials")?;
    let tokens = dev_clients::tokens_path(data_dir);
    tracing::warn!(
        tokens = %tokens.display(),
        "development credentials in use: a client per role with its token in the data directory; never in production, pass --clients there"
    );
    say!(
        "Development credentials: a token per client ({names}) is in {tokens}.\n\
         The CLI picks them up from there when run in this directory (or with RONDOM_DATA_DIR={data}).\n\
         For grpcurl or another client:\n  \
         export RONDOM_TOKEN=$(grep '^coordinator' {tokens} | cut -d'\"' -f2)\n  \
         grpcurl -plaintext -H \"authorization: Bearer $RONDOM_TOKEN\" ...",
        names = dev_clients::DevClient::all()
            .into_iter()
            .map(dev_clients::DevClient::name)
            .collect::<Vec<_>>()
            .join(", "),
        tokens = tokens.display(),
        data = data_dir.display(),
    );
    Ok(dev_clients::clients_path(data_dir))
}
