//! `rondom projector rebuild`, `verify` and `quarantine`.

use anyhow::Context as _;
use rondom_projector::Generations;

#[derive(Debug, clap::Args)]
pub(crate) struct ProjectorArgs {
    #[command(subcommand)]
    command: ProjectorCommand,
}

#[derive(Debug, clap::Subcommand)]
enum ProjectorCommand {
    /// Rebuild the read model from the event log. Stop the hub first; the old model stays in
    /// place until the new one is complete.
    Rebuild {
        #[command(flatten)]
        model: ModelArgs,
        /// Events per sled transaction.
        #[arg(long, default_value_t = 1024)]
        batch_size: usize,
    },
    /// Check the read model against the log: rebuild into a scratch directory and compare
    /// entry by entry (after a crash, a restore or a disk failure). Stop the projector first.
    Verify {
        #[command(flatten)]
        model: ModelArgs,
    },
    /// List the events the projector could not apply (its quarantine; their households are
    /// marked incomplete). With --retry, after an upgrade that fixed the cause, apply them in
    /// their place: each household is folded again from its log, as `rebuild` would. Stop the
    /// projector first.
    Quarantine {
        #[command(flatten)]
        model: ModelArgs,
        #[arg(long)]
        retry: bool,
    },
}

/// Which read model, on which log: what rebuild and verify both need.
#[derive(Debug, clap::Args)]
struct ModelArgs {
    /// NATS server URL.
    #[arg(long, env = "RONDOM_NATS_URL", default_value = "nats://127.0.0.1:4222")]
    nats_url: String,
    /// Directory of the read model.
    #[arg(
        long,
        env = "RONDOM_PROJECTOR_DATA_DIR",
        default_value = "./data/projector"
    )]
    data_dir: std::path::PathBuf,
    /// The hub's bylaw file: deadlines are counted with the same per-gemeente terms.
    #[arg(long, env = "RONDOM_BYLAWS")]
    bylaws: Option<std::path::PathBuf>,
    /// The hub's key directory: its event-signing.key tells the hub's events from others.
    #[arg(long, env = "RONDOM_KEY_DIR", default_value = "./data/keys")]
    key_dir: std::path::PathBuf,
}

impl ModelArgs {
    /// Reads the bylaw file and the event-signing key, and connects to NATS.
    async fn open(
        &self,
    ) -> anyhow::Result<(
        rondom_domain::bylaw::BylawTerms,
        rondom_bus::EventSigner,
        async_nats::Client,
        async_nats::jetstream::Context,
    )> {
        let bylaws = rondom_projector::config::load_bylaws(self.bylaws.as_deref())?;
        let signer = rondom_runtime::keys::load_signer(&self.key_dir)?;
        let url = rondom_runtime::bus_users::operator_url(
            &self.nats_url,
            &rondom_runtime::bus_users::default_data_dir(),
        )?;
        let client = rondom_bus::connect(&url).await?;
        let jetstream = rondom_bus::jetstream(client.clone());
        Ok((bylaws, signer, client, jetstream))
    }
}

pub(crate) async fn run(args: ProjectorArgs) -> anyhow::Result<()> {
    match args.command {
        ProjectorCommand::Rebuild { model, batch_size } => {
            let (bylaws, signer, client, jetstream) = model.open().await?;
            let generations = Generations::new(&model.data_dir);
            let report = rondom_projector::rebuild::rebuild(&jetstream, &generations, batch_size.max(1), bylaws.into(), &signer, true)
                .await
                .context("rebuild failed (is the hub still running? stop it first); the old read model is untouched")?;
            client.drain().await.context("failed to drain NATS")?;
            say!(
                "rebuilt through position {} in {:.1?}: {} events applied, {} duplicates skipped",
                report.through,
                report.elapsed,
                report.applied.events,
                report.applied.duplicates
            );
            Ok(())
        }
        ProjectorCommand::Quarantine { model: args, retry } => quarantine(&args, retry).await,
        ProjectorCommand::Verify { model: args } => {
            let (bylaws, signer, client, jetstream) = args.open().await?;
            let model = Generations::new(&args.data_dir).current()?;
            // Beside the model, on the same disk, and gone afterwards.
            let scratch = args.data_dir.with_extension("verify");
            let _ = std::fs::remove_dir_all(&scratch);
            let verified = rondom_projector::rebuild::verify(
                &jetstream,
                &model,
                &scratch,
                bylaws.into(),
                &signer,
            )
            .await;
            let _ = std::fs::remove_dir_all(&scratch);
            let verified = verified
                .context("verify failed (is the projector still running? stop it first)")?;
            client.drain().await.context("failed to drain NATS")?;
            if verified.same() {
                say!(
                    "the read model at {} equals a rebuild of the log: {} entries through position {}",
                    model.display(),
                    verified.entries,
                    verified.checkpoint
                );
                Ok(())
            } else {
                anyhow::bail!(
                    "the read model differs from a rebuild of the log: {} of {} entries differ ({} in the rebuild), the first at {}; run `rondom projector rebuild`",
                    verified.differing,
                    verified.entries,
                    verified.rebuilt_entries,
                    verified.first_difference.as_deref().unwrap_or("the end")
                )
            }
        }
    }
}

/// Lists the quarantine, or retries it.
async fn quarantine(args: &ModelArgs, retry: bool) -> anyhow::Result<()> {
    let (bylaws, signer, client, jetstream) = args.open().await?;
    let path = Generations::new(&args.data_dir).current()?;
    let model = rondom_projector::ReadModel::open(&path)
        .context("cannot open the read model (is the projector still running? stop it first)")?
        .with_bylaws(bylaws.into());
    let quarantined = model.quarantined()?;
    if quarantined.is_empty() {
        say!("the quarantine is empty: every event on the log was applied");
        return Ok(());
    }
    if !retry {
        say!(
            "{:<10}  {:<36}  {:<44}  REASON",
            "POSITION",
            "HOUSEHOLD",
            "TYPE"
        );
        for record in &quarantined {
            say!(
                "{:<10}  {:<36}  {:<44}  {}",
                record.position,
                record.household_id,
                record.event_type,
                record.reason
            );
        }
        say!(
            "{} events set aside; after an upgrade that fixes the cause: rondom projector quarantine --retry",
            quarantined.len()
        );
        return Ok(());
    }
    let stream = jetstream
        .get_stream_no_info(rondom_bus::stream::EVENTS_STREAM)
        .await
        .context("cannot open the event stream")?;
    let mut events = Vec::with_capacity(quarantined.len());
    for record in &quarantined {
        let message = stream
            .get_raw_message(record.position)
            .await
            .with_context(|| format!("cannot read the event at position {}", record.position))?;
        events.push(
            rondom_bus::ReceivedEvent::decode(
                record.position,
                Some(&message.headers),
                &message.payload,
                &signer,
            )
            .with_context(|| format!("the message at position {} is no event", record.position))?,
        );
    }
    // Each household is folded again from its log, the retried event in its place.
    let households: Vec<_> = events
        .iter()
        .map(|received| received.envelope.subject)
        .collect();
    let histories = rondom_projector::consumer::household_logs(&jetstream, &signer, households)
        .await
        .context("cannot read the logs of the households")?;
    let retried = model.retry_quarantined(&events, &histories)?;
    client.drain().await.context("failed to drain NATS")?;
    for position in &retried.applied {
        say!("{position}: applied, out of the quarantine");
    }
    for (position, reason) in &retried.still {
        say!("{position}: still cannot be applied: {reason}");
    }
    if retried.still.is_empty() {
        Ok(())
    } else {
        anyhow::bail!(
            "{} of {} events still cannot be applied",
            retried.still.len(),
            quarantined.len()
        )
    }
}
