//! `rondom serve --role ...`: one role per process, against an existing NATS (scale-out).

use std::net::SocketAddr;

use anyhow::Context as _;
use rondom_cli::common::CommonArgs;

#[derive(Debug, clap::Args)]
pub(crate) struct ServeArgs {
    /// The role this process plays.
    #[arg(long, env = "RONDOM_ROLE", value_enum)]
    role: Role,
    #[command(flatten)]
    common: CommonArgs,
    /// Address of the gRPC listener.
    #[arg(long, env = "RONDOM_GRPC_ADDR", default_value = "127.0.0.1:50051")]
    grpc_addr: SocketAddr,
    #[command(flatten)]
    metrics: rondom_runtime::metrics::MetricsArgs,
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
}

#[derive(Debug, Clone, Copy, clap::ValueEnum)]
enum Role {
    /// SignalService for wijkteam systems.
    Wijkteam,
    /// WmoService for Wmo back-offices.
    Wmo,
    /// JeugdService for Jeugdwet back-offices and providers.
    Jeugd,
    /// ParticipatieService for Werk & Inkomen.
    Participatie,
    /// SchuldhulpService for schuldhulpverlening and vroegsignalering.
    Schuldhulp,
    /// RegieService for coordinators (regisseur, plan, partners, composition).
    Regie,
    /// Every writing service above in one process.
    Adapters,
    /// The household projector with HouseholdService, SubscriptionService and AuditService.
    Projector,
}

pub(crate) async fn run(args: ServeArgs) -> anyhow::Result<()> {
    let listener = tokio::net::TcpListener::bind(args.grpc_addr)
        .await
        .with_context(|| format!("failed to bind gRPC listener on {}", args.grpc_addr))?;
    let shutdown = rondom_runtime::shutdown_signal();
    // Served for as long as the role runs.
    let _metrics = args.metrics.start(&args.common.tls).await?;
    match args.role {
        Role::Wijkteam
        | Role::Wmo
        | Role::Jeugd
        | Role::Participatie
        | Role::Schuldhulp
        | Role::Regie
        | Role::Adapters => {
            let role = args.role;
            rondom_cli::hub::run_writer(
                &args.common,
                listener,
                shutdown,
                move |services, writer| match role {
                    Role::Wijkteam => {
                        services.with_service(rondom_adapter_wijkteam::service(writer))
                    }
                    Role::Wmo => services.with_service(rondom_adapter_wmo::service(writer)),
                    Role::Jeugd => services.with_service(rondom_adapter_jeugd::service(writer)),
                    Role::Participatie => {
                        services.with_service(rondom_adapter_participatie::service(writer))
                    }
                    Role::Schuldhulp => {
                        services.with_service(rondom_adapter_schuldhulp::service(writer))
                    }
                    Role::Regie => services.with_service(rondom_adapter_regie::service(writer)),
                    _ => rondom_cli::hub::writer_services(services, &writer),
                },
            )
            .await
        }
        Role::Projector => {
            let projection = args.projection.settings(args.data_dir);
            let lifecycle = args.projection.lifecycle();
            rondom_cli::hub::run_reader(&args.common, &projection, &lifecycle, listener, shutdown)
                .await
        }
    }
}
