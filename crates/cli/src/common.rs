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
    /// TOML file of the clients allowed to call (tokens as SHA-256 hashes); `rondom up`
    /// writes a development one.
    #[arg(long, env = "RONDOM_CLIENTS")]
    pub clients: PathBuf,
    /// Copies JetStream keeps of every event, audit record and registry entry: 1 on a single
    /// node, 3 in a three-node cluster (see deploy/README.md).
    #[arg(long, env = "RONDOM_REPLICAS", default_value_t = 1, value_parser = clap::value_parser!(u8).range(1..=5))]
    pub replicas: u8,
    #[command(flatten)]
    pub tls: rondom_runtime::tls::TlsArgs,
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
