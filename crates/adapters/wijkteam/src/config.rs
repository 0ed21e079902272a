//! Settings of the standalone wijkteam role.

use std::net::SocketAddr;

use rondom_runtime::CommonArgs;

/// `rondom serve --role wijkteam`.
#[derive(Debug, Clone, clap::Args)]
pub struct Config {
    #[command(flatten)]
    pub common: CommonArgs,
    /// Address of the gRPC listener.
    #[arg(
        long,
        env = "RONDOM_WIJKTEAM_GRPC_ADDR",
        default_value = "127.0.0.1:50052"
    )]
    pub grpc_addr: SocketAddr,
}
