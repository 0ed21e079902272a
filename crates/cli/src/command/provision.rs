//! `rondom provision`: the operator creates the stream and buckets, or brings them to this
//! version's configuration. Roles only check that they are there: on a locked bus they may not
//! change them. `rondom up` provisions at every start; a deployment runs this once per upgrade,
//! before the roles.

use rondom_bus::stream::StreamSettings;
use rondom_runtime::bus_users;

#[derive(Debug, clap::Args)]
pub(crate) struct ProvisionArgs {
    /// NATS URL as the operator: nats://rondom-operator:<password>@host:4222. Without a user,
    /// the operator's password comes from <RONDOM_DATA_DIR>/nats-users.toml (rondom up's bus).
    #[arg(long, env = "RONDOM_NATS_URL", default_value = "nats://127.0.0.1:4222")]
    nats_url: String,
    /// Copies JetStream keeps of everything: 3 on a three-node cluster.
    #[arg(long, env = "RONDOM_REPLICAS", default_value_t = 1, value_parser = clap::value_parser!(u8).range(1..=5))]
    replicas: u8,
    /// The most the audit log may hold, in MiB (0: no limit of its own). Size it to the
    /// retention of the audit log (a record takes some 200 bytes); JetStream reserves it on
    /// disk. When it is full, reads are refused rather than answered unrecorded.
    #[arg(long, env = "RONDOM_AUDIT_MAX_MB", default_value_t = 10 * 1024)]
    audit_max_mb: u64,
}

pub(crate) async fn run(args: ProvisionArgs) -> anyhow::Result<()> {
    let url = bus_users::operator_url(&args.nats_url, &bus_users::default_data_dir())?;
    let settings = StreamSettings {
        replicas: usize::from(args.replicas),
        audit_max_bytes: super::up::mebibytes(args.audit_max_mb),
        ..Default::default()
    };
    rondom_cli::hub::provision(&url, &settings).await?;
    say!(
        "streams and buckets provisioned on {} ({} replica(s))",
        rondom_bus::without_passwords(&args.nats_url),
        args.replicas
    );
    Ok(())
}
