//! Settings of the projector role.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::Duration;

use rondom_runtime::CommonArgs;

/// `rondom serve --role projector`.
#[derive(Debug, Clone, clap::Args)]
pub struct Config {
    #[command(flatten)]
    pub common: CommonArgs,
    /// Address of the gRPC listener (HouseholdService).
    #[arg(
        long,
        env = "RONDOM_PROJECTOR_GRPC_ADDR",
        default_value = "127.0.0.1:50053"
    )]
    pub grpc_addr: SocketAddr,
    #[command(flatten)]
    pub projection: ProjectionArgs,
}

/// Where the read model lives and how the projector reads.
#[derive(Debug, Clone, clap::Args)]
pub struct ProjectionArgs {
    /// Directory of the sled read model (with its generations).
    #[arg(
        long,
        env = "RONDOM_PROJECTOR_DATA_DIR",
        default_value = "./data/projector"
    )]
    pub data_dir: PathBuf,
    /// Most events applied in one sled transaction.
    #[arg(long, env = "RONDOM_PROJECTOR_BATCH_SIZE", default_value_t = 256)]
    pub batch_size: usize,
    /// How long a read with min_position waits for the projector before UNAVAILABLE.
    #[arg(long, env = "RONDOM_PROJECTOR_READ_WAIT", default_value = "5s", value_parser = humantime::parse_duration)]
    pub read_wait: Duration,
}
