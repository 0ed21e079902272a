//! `rondom serve --role ...`: one role per process, against an existing NATS.

use anyhow::Context as _;

#[derive(Debug, clap::Args)]
pub(crate) struct ServeArgs {
    #[command(subcommand)]
    role: Role,
}

#[derive(Debug, clap::Subcommand)]
enum Role {
    /// SignalService for wijkteam systems.
    Wijkteam(rondom_adapter_wijkteam::Config),
    /// The household projector and HouseholdService.
    Projector(rondom_projector::Config),
}

async fn bind(address: std::net::SocketAddr) -> anyhow::Result<tokio::net::TcpListener> {
    tokio::net::TcpListener::bind(address)
        .await
        .with_context(|| format!("failed to bind gRPC listener on {address}"))
}

pub(crate) async fn run(args: ServeArgs) -> anyhow::Result<()> {
    let shutdown = rondom_runtime::shutdown_signal();
    match args.role {
        Role::Wijkteam(config) => {
            let listener = bind(config.grpc_addr).await?;
            rondom_adapter_wijkteam::run(config, listener, shutdown).await
        }
        Role::Projector(config) => {
            let listener = bind(config.grpc_addr).await?;
            rondom_projector::run(config, listener, shutdown).await
        }
    }
}
