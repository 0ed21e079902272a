//! `rondom keys`: rotate the master key and see which master key wraps the household keys.
//! The procedure itself is [`rondom_lifecycle::master_key`].

use std::path::{Path, PathBuf};

use anyhow::Context as _;
use rondom_lifecycle::master_key::{self, Report};
use rondom_runtime::keys;
use rondom_runtime::nats_server::NatsTarget;

#[derive(Debug, clap::Args)]
pub(crate) struct KeysArgs {
    #[command(subcommand)]
    command: KeysCommand,
    /// NATS server URL (default nats://127.0.0.1:4222; for rotate-pseudonym, the embedded
    /// nats-server on --data-dir).
    #[arg(long, global = true, env = "RONDOM_NATS_URL")]
    nats_url: Option<String>,
    /// Directory holding master.key, pseudonym.key and retired/ (as the hub's --key-dir;
    /// `rondom up` keeps them in data/keys).
    #[arg(
        long,
        global = true,
        env = "RONDOM_KEY_DIR",
        default_value = "./data/keys"
    )]
    key_dir: PathBuf,
}

#[derive(Debug, clap::Subcommand)]
enum KeysCommand {
    /// Put a new master key in place and re-wrap every household key under it, while the hub
    /// runs. The old key moves to retired/; keep it as long as backups made before today.
    Rotate {
        /// Only replace the key file (several hosts: copy the key directory to each, then run
        /// `rondom keys rewrap`).
        #[arg(long)]
        no_rewrap: bool,
    },
    /// Re-wrap every household key under the current master key (after `rotate --no-rewrap`,
    /// or to finish a rotation that was interrupted).
    Rewrap,
    /// Show how many household keys each master key wraps.
    Status,
    /// Give every person a pseudonym under a new pseudonym key (planned: stop the hub first).
    /// The registry and the read model follow; a run that stopped halfway runs again.
    RotatePseudonym {
        /// Data directory as `rondom up` uses it: its nats/ (unless --nats-url) and projector/.
        #[arg(long, env = "RONDOM_DATA_DIR", default_value = "./data")]
        data_dir: PathBuf,
        /// Client port of the embedded nats-server; taken means the hub still runs.
        #[arg(long, env = "RONDOM_NATS_PORT", default_value_t = 4222)]
        nats_port: u16,
        /// Directory of the projector's read model; default <data-dir>/projector.
        #[arg(long, env = "RONDOM_PROJECTOR_DATA_DIR")]
        read_model: Option<PathBuf>,
        /// The hub's bylaw file, for a read model that has to catch up with the log first.
        #[arg(long, env = "RONDOM_BYLAWS")]
        bylaws: Option<PathBuf>,
        /// Go ahead without asking.
        #[arg(long)]
        yes: bool,
    },
}

pub(crate) async fn run(args: KeysArgs) -> anyhow::Result<()> {
    if let KeysCommand::RotatePseudonym {
        data_dir,
        nats_port,
        read_model,
        bylaws,
        yes,
    } = args.command
    {
        return rotate_pseudonym(
            args.nats_url.as_deref(),
            &args.key_dir,
            &data_dir,
            nats_port,
            read_model.unwrap_or_else(|| data_dir.join("projector")),
            bylaws.as_deref(),
            yes,
        )
        .await;
    }
    if let KeysCommand::Rotate { no_rewrap } = args.command {
        let rotation = keys::rotate_master(&args.key_dir)?;
        say!(
            "master key {} retired (kept in {}), {} wraps new keys from now on",
            rotation.retired,
            args.key_dir.join("retired").display(),
            rotation.current
        );
        if no_rewrap {
            say!(
                "copy {} to every host, then run `rondom keys rewrap`",
                args.key_dir.display()
            );
            return Ok(());
        }
    }
    let given = args.nats_url.as_deref().unwrap_or("nats://127.0.0.1:4222");
    let url = rondom_runtime::bus_users::operator_url(
        given,
        &rondom_runtime::bus_users::default_data_dir(),
    )?;
    let client = rondom_bus::connect(&url).await.with_context(|| {
        format!(
            "cannot reach NATS at {}",
            rondom_bus::without_passwords(given)
        )
    })?;
    let jetstream = rondom_bus::jetstream(client.clone());
    match args.command {
        KeysCommand::Rotate { .. } | KeysCommand::Rewrap => {
            let report = master_key::rewrap(&jetstream, &args.key_dir).await?;
            say!(
                "re-wrapped {} household keys ({} were already under {}; {} erased households have none)",
                report.rewrap.rewrapped,
                report.rewrap.current,
                report.current,
                report.rewrap.destroyed
            );
            print_census(&report, &args.key_dir);
        }
        KeysCommand::RotatePseudonym { .. } => unreachable!("handled above"),
        KeysCommand::Status => {
            let (current, census) = master_key::census(&jetstream, &args.key_dir).await?;
            print_census(
                &Report {
                    current,
                    rewrap: Default::default(),
                    census,
                },
                &args.key_dir,
            );
        }
    }
    client.drain().await.context("failed to drain NATS")?;
    Ok(())
}

async fn rotate_pseudonym(
    nats_url: Option<&str>,
    key_dir: &Path,
    data_dir: &Path,
    nats_port: u16,
    read_model: PathBuf,
    bylaws: Option<&Path>,
    yes: bool,
) -> anyhow::Result<()> {
    if !yes
        && !super::confirmed(
            "Every person gets a new pseudonym; the hub must be stopped meanwhile. Type 'ja' to \
             rotate the pseudonym key: ",
        )?
    {
        anyhow::bail!("not rotated");
    }
    let keys = keys::Keys::load_or_generate(key_dir)?;
    let bylaws = rondom_projector::config::load_bylaws(bylaws)?;
    let nats = NatsTarget::url_or_embedded(nats_url, data_dir, nats_port)
        .await
        .context(
            "cannot start the embedded nats-server (is the hub still running? stop it first)",
        )?;
    let client = rondom_bus::connect(&nats.url()).await?;
    let new_key = keys::next_pseudonym_key(key_dir)?;
    let renewal = rondom_lifecycle::pseudonyms::renew_all(
        &rondom_bus::jetstream(client.clone()),
        &rondom_projector::Generations::new(&read_model),
        &keys,
        &new_key,
        bylaws.into(),
    )
    .await
    .context("re-pseudonymisation stopped (is the hub still running?); run it again to continue")?;
    client.drain().await.context("failed to drain NATS")?;
    keys::promote_pseudonym_key(key_dir)?;
    say!(
        "pseudonym key {} in use: {} persons in {} households renewed ({} could not be read: their household's key is gone)",
        new_key.id(),
        renewal.persons,
        renewal.households,
        renewal.unreadable
    );
    say!(
        "start the hub: the projector applies the renewals before it answers reads that ask for them"
    );
    Ok(())
}

fn print_census(report: &Report, key_dir: &Path) {
    say!("current master key: {}", report.current);
    for (id, count) in &report.census {
        let role = if *id == report.current {
            "current"
        } else {
            "retired"
        };
        say!("  {id}  {role:<8} {count} household keys");
    }
    let left = report.left_behind();
    if left == 0 {
        say!(
            "every household key is under the current master key; a retired key in {} is only \
             needed for backups made before its rotation",
            key_dir.join("retired").display()
        );
    } else {
        say!(
            "{left} household keys are still under a retired master key: run `rondom keys rewrap`"
        );
    }
}
