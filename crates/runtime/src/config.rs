//! Settings every role shares.

use std::path::PathBuf;

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
}
