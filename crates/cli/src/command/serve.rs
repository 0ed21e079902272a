//! `rondom serve --role ...`: one role per process, against an existing NATS (scale-out).

use std::net::SocketAddr;

use anyhow::Context as _;
use rondom_projector::ProjectionArgs;
use rondom_runtime::CommonArgs;

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
    /// Read model settings (role projector only).
    #[command(flatten)]
    projection: ProjectionArgs,
}

#[derive(Debug, Clone, Copy, clap::ValueEnum)]
enum Role {
    /// SignalService for wijkteam systems.
    Wijkteam,
    /// The household projector and HouseholdService.
    Projector,
}

pub(crate) async fn run(args: ServeArgs) -> anyhow::Result<()> {
    let listener = tokio::net::TcpListener::bind(args.grpc_addr)
        .await
        .with_context(|| format!("failed to bind gRPC listener on {}", args.grpc_addr))?;
    let shutdown = rondom_runtime::shutdown_signal();
    match args.role {
        Role::Wijkteam => {
            let config = rondom_adapter_wijkteam::Config {
                common: args.common,
                grpc_addr: args.grpc_addr,
            };
            rondom_adapter_wijkteam::run(config, listener, shutdown).await
        }
        Role::Projector => {
            let config = rondom_projector::Config {
                common: args.common,
                grpc_addr: args.grpc_addr,
                projection: args.projection,
            };
            rondom_projector::run(config, listener, shutdown).await
        }
    }
}
