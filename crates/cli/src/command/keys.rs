//! `rondom keys`: rotate the master key and see which master key wraps the household keys.
//! The procedure itself is [`rondom_runtime::rotation`].

use std::path::{Path, PathBuf};

use anyhow::Context as _;
use rondom_runtime::keys;
use rondom_runtime::rotation::{self, Report};

#[derive(Debug, clap::Args)]
pub(crate) struct KeysArgs {
    #[command(subcommand)]
    command: KeysCommand,
    /// NATS server URL.
    #[arg(
        long,
        global = true,
        env = "RONDOM_NATS_URL",
        default_value = "nats://127.0.0.1:4222"
    )]
    nats_url: String,
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
}

pub(crate) async fn run(args: KeysArgs) -> anyhow::Result<()> {
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
    let client = rondom_bus::connect(&args.nats_url)
        .await
        .with_context(|| format!("cannot reach NATS at {}", args.nats_url))?;
    let jetstream = rondom_bus::jetstream(client.clone());
    match args.command {
        KeysCommand::Rotate { .. } | KeysCommand::Rewrap => {
            let report = rotation::rewrap(&jetstream, &args.key_dir).await?;
            say!(
                "re-wrapped {} household keys ({} were already under {}, {} erased meanwhile)",
                report.rewrap.rewrapped,
                report.rewrap.current,
                report.current,
                report.rewrap.destroyed
            );
            print_census(&report, &args.key_dir);
        }
        KeysCommand::Status => {
            let (current, census) = rotation::census(&jetstream, &args.key_dir).await?;
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
