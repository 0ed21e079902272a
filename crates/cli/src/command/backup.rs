//! `rondom backup` and `rondom restore`; what they do is [`rondom_lifecycle::backup`].

use std::path::PathBuf;

use anyhow::Context as _;
use rondom_bus::stream::StreamSettings;
use rondom_lifecycle::backup;
use rondom_runtime::nats_server::NatsTarget;

#[derive(Debug, clap::Args)]
pub(crate) struct BackupArgs {
    /// New directory for the backup; default backups/<UTC time>.
    dir: Option<PathBuf>,
    /// NATS server URL (the hub may keep running).
    #[arg(long, env = "RONDOM_NATS_URL", default_value = "nats://127.0.0.1:4222")]
    nats_url: String,
}

#[derive(Debug, clap::Args)]
pub(crate) struct RestoreArgs {
    /// Directory of the backup.
    dir: PathBuf,
    /// Data directory as `rondom up` uses it: its nats/ is restored (the hub must be stopped;
    /// restore starts the embedded nats-server itself) and projector/ gets a new, empty read
    /// model that the projector fills from the restored log at its next start.
    #[arg(long, env = "RONDOM_DATA_DIR", default_value = "./data")]
    data_dir: PathBuf,
    /// Restore into this NATS server instead (stop every Rondom role on it first).
    #[arg(long, env = "RONDOM_NATS_URL")]
    nats_url: Option<String>,
    /// Client port of the embedded nats-server; taken means the hub still runs.
    #[arg(long, env = "RONDOM_NATS_PORT", default_value_t = 4222)]
    nats_port: u16,
    /// Directory of the projector's read model; default <data-dir>/projector.
    #[arg(long, env = "RONDOM_PROJECTOR_DATA_DIR")]
    read_model: Option<PathBuf>,
    /// Directory of the keys; default <data-dir>/keys. It must hold the master keys the
    /// backup's household keys are wrapped under (retired ones in retired/).
    #[arg(long, env = "RONDOM_KEY_DIR")]
    key_dir: Option<PathBuf>,
    /// Copies JetStream keeps of the restored streams: 3 when restoring into a three-node
    /// cluster.
    #[arg(long, env = "RONDOM_REPLICAS", default_value_t = 1, value_parser = clap::value_parser!(u8).range(1..=5))]
    replicas: u8,
    /// Replace what NATS holds now without asking.
    #[arg(long)]
    yes: bool,
}

pub(crate) async fn backup(args: BackupArgs) -> anyhow::Result<()> {
    let dir = args.dir.unwrap_or_else(backup::default_dir);
    let url = rondom_runtime::bus_users::operator_url(
        &args.nats_url,
        &rondom_runtime::bus_users::default_data_dir(),
    )?;
    let client = rondom_bus::connect(&url).await.with_context(|| {
        format!(
            "cannot reach NATS at {}",
            rondom_bus::without_passwords(&args.nats_url)
        )
    })?;
    let manifest = backup::backup(&client, &dir).await?;
    client.drain().await.context("failed to drain NATS")?;
    say!("backup in {}", dir.display());
    for (stream, last) in &manifest.streams {
        say!("  {stream:<20} through position {last}");
    }
    say!(
        "  {:<20} {} household keys, wrapped under master key {}",
        "RONDOM_KEYS",
        manifest.keys,
        manifest
            .master_keys
            .iter()
            .cloned()
            .collect::<Vec<_>>()
            .join(", ")
    );
    say!(
        "keep it apart from the key directory; it needs those master keys (data/keys/retired \
         included) to be of use"
    );
    Ok(())
}

pub(crate) async fn restore(args: RestoreArgs) -> anyhow::Result<()> {
    if !args.yes
        && !super::confirmed(&format!(
            "This replaces the event log, audit log, person registry and household keys with \
             the backup in {} and starts a new read model. Type 'ja' to restore: ",
            args.dir.display()
        ))?
    {
        anyhow::bail!("not restored");
    }
    let nats =
        NatsTarget::url_or_embedded(args.nats_url.as_deref(), &args.data_dir, args.nats_port)
            .await
            .context(
                "cannot start the embedded nats-server (is the hub still running? stop it first)",
            )?;
    let url = nats.url();
    let client = rondom_bus::connect(&url).await.with_context(|| {
        format!(
            "cannot reach NATS at {}",
            rondom_bus::without_passwords(&url)
        )
    })?;
    let read_model = args
        .read_model
        .unwrap_or_else(|| args.data_dir.join("projector"));
    let key_dir = args.key_dir.unwrap_or_else(|| args.data_dir.join("keys"));
    let restored = backup::restore(
        &client,
        &args.dir,
        &read_model,
        &key_dir,
        &StreamSettings {
            replicas: usize::from(args.replicas),
            ..Default::default()
        },
    )
    .await
    .context("restore failed; running it again finishes it")?;
    client.drain().await.context("failed to drain NATS")?;
    drop(nats);

    say!(
        "restored the backup of {}",
        restored.manifest.created_at.format("%Y-%m-%d %H:%M:%S UTC")
    );
    for (stream, last) in &restored.manifest.streams {
        say!("  {stream:<20} through position {last}");
    }
    say!(
        "  {:<20} {} household keys ({} left out: their household is erased)",
        "RONDOM_KEYS",
        restored.keys,
        restored.keys_left_out
    );
    if restored.erasures_reapplied > 0 {
        say!(
            "  {} erasures made after the backup applied again",
            restored.erasures_reapplied
        );
    }
    say!(
        "the read model at {} is new and empty: the projector rebuilds it from the log when the hub starts",
        read_model.display()
    );
    Ok(())
}
