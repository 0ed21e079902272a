//! `rondom serve --role ...`: one role per process, against an existing NATS (scale-out).

use std::net::SocketAddr;

use anyhow::Context as _;
use rondom_cli::common::CommonArgs;

#[derive(Debug, clap::Args)]
pub(crate) struct ServeArgs {
    /// The role this process plays.
    #[arg(long, env = "RONDOM_ROLE", value_parser = roles())]
    role: String,
    #[command(flatten)]
    common: CommonArgs,
    /// Address of the gRPC listener.
    #[arg(long, env = "RONDOM_GRPC_ADDR", default_value = "127.0.0.1:50051")]
    grpc_addr: SocketAddr,
    #[command(flatten)]
    metrics: rondom_cli::common::MetricsArgs,
    /// Directory of the sled read model (role projector only).
    #[arg(
        long,
        env = "RONDOM_PROJECTOR_DATA_DIR",
        default_value = "./data/projector"
    )]
    data_dir: std::path::PathBuf,
    /// Read model settings (role projector only).
    #[command(flatten)]
    projection: super::projection::ProjectionArgs,
    /// The regiewerkplek (role web only).
    #[command(flatten)]
    web: rondom_cli::common::WebArgs,
    /// The hub the pages call (role web only): its reading services, and RegieService unless
    /// --regie-addr names another process.
    #[command(flatten)]
    hub: super::client::Endpoint,
    /// RegieService's address when another process serves it (role web only).
    #[arg(long, env = "RONDOM_REGIE_ADDR")]
    regie_addr: Option<String>,
}

/// The roles: every writing service by its own name, all of them together, and the projector.
fn roles() -> clap::builder::PossibleValuesParser {
    let writer_help = |name: &str| match name {
        "wijkteam" => "SignalService for wijkteam systems".to_owned(),
        "regie" => {
            "RegieService for coordinators (regisseur, plan, partners, composition)".to_owned()
        }
        law => law
            .parse()
            .ok()
            .and_then(rondom_domain::law::of)
            .map_or_else(String::new, |law| law.serves.to_owned()),
    };
    let writers = rondom_cli::hub::WRITERS
        .iter()
        .map(|(name, _)| clap::builder::PossibleValue::new(*name).help(writer_help(name)));
    clap::builder::PossibleValuesParser::new(writers.chain([
        clap::builder::PossibleValue::new(ADAPTERS).help("Every writing service above in one process"),
        clap::builder::PossibleValue::new(PROJECTOR).help(
            "The household projector with HouseholdService, SubscriptionService, OperatorService and AuditService",
        ),
        clap::builder::PossibleValue::new(WEB).help(
            "The regiewerkplek: the coordinators' pages, signed in at the identity provider (--oidc-issuer)",
        ),
    ]))
}

const ADAPTERS: &str = "adapters";
const PROJECTOR: &str = "projector";
const WEB: &str = "web";

pub(crate) async fn run(args: ServeArgs) -> anyhow::Result<()> {
    if args.role == WEB {
        return web(args).await;
    }
    let listener = tokio::net::TcpListener::bind(args.grpc_addr)
        .await
        .with_context(|| format!("failed to bind gRPC listener on {}", args.grpc_addr))?;
    let shutdown = rondom_runtime::shutdown_signal();
    // Served for as long as the role runs.
    let _metrics = args.metrics.start(&args.common.tls).await?;
    if args.role == PROJECTOR {
        let projection = args.projection.settings(args.data_dir);
        let lifecycle = args.projection.lifecycle();
        return rondom_cli::hub::run_reader(
            &args.common,
            &projection,
            &lifecycle,
            listener,
            shutdown,
        )
        .await;
    }
    // One writing service by its name, or all of them.
    let add = rondom_cli::hub::WRITERS
        .iter()
        .find(|(name, _)| *name == args.role)
        .map(|(_, add)| *add);
    rondom_cli::hub::run_writer(
        &args.common,
        listener,
        shutdown,
        move |services, writer| match add {
            Some(add) => add(services, writer),
            None => rondom_cli::hub::writer_services(services, &writer),
        },
    )
    .await
}

/// The regiewerkplek as its own process: staff sign in only at the identity provider.
async fn web(args: ServeArgs) -> anyhow::Result<()> {
    let idp = args.common.oidc.identity_provider().await?.context(
        "the web role signs staff in at the gemeente's identity provider: give --oidc-issuer, --oidc-client-id and --oidc-client-secret",
    )?;
    let _metrics = args.metrics.start(&args.common.tls).await?;
    let mut hub = rondom_web::Hub::new(args.hub.channel().await?);
    if let Some(regie) = &args.regie_addr {
        hub = hub.with_regie(args.hub.at(regie).channel().await?);
    }
    // HTTPS with the process's certificate when it has one; else plain HTTP on loopback or
    // behind a proxy that serves --web-url over TLS.
    let tls = match &args.common.tls.tls_cert {
        Some(_) => args
            .common
            .tls
            .files()
            .https_config(args.web.web_addr, "the regiewerkplek")?,
        None => None,
    };
    let listener = match tls {
        Some(_) => tokio::net::TcpListener::bind(args.web.web_addr)
            .await
            .with_context(|| {
                format!("failed to bind the regiewerkplek on {}", args.web.web_addr)
            })?,
        None => rondom_cli::hub::web_listener(&args.web).await?,
    };
    let mut settings = args.web.settings(Some(idp), Vec::new());
    settings.tls = tls;
    rondom_web::serve(listener, hub, settings, rondom_runtime::shutdown_signal()).await
}
