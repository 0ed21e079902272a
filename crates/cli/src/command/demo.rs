//! `rondom demo`: loads the family scenario into a running hub and prints what a coordinator
//! sees, so a newcomer sees the point of Rondom in one command. It writes as several roles
//! (the wijkteam, each law's back-office, the coordinator), so it takes the development tokens
//! of `rondom up` rather than one `--token`.

use std::path::PathBuf;

use anyhow::Context as _;
use chrono::{Datelike, Days, NaiveDate};
use rondom_access::dev_clients::{self, DevTokens};
use rondom_cli::scenario::{self, Connections, Runner};
use rondom_proto::v1;
use rondom_proto::v1::household_service_client::HouseholdServiceClient;

use super::client::Endpoint;
use crate::output;

#[derive(Debug, clap::Args)]
pub(crate) struct DemoArgs {
    /// First day of the scenario (YYYY-MM-DD); default the Monday eleven weeks ago, so it
    /// ends about now.
    #[arg(long)]
    start: Option<NaiveDate>,
    /// Development tokens file with a token per role; default <data-dir>/dev-tokens.toml.
    #[arg(long, env = "RONDOM_DEV_TOKENS")]
    tokens: Option<PathBuf>,
    /// Data directory of the local `rondom up` whose development tokens the demo uses.
    #[arg(long, env = "RONDOM_DATA_DIR", default_value = "./data")]
    data_dir: PathBuf,
    #[command(flatten)]
    endpoint: Endpoint,
}

pub(crate) async fn run(args: DemoArgs) -> anyhow::Result<()> {
    let start = args.start.unwrap_or_else(|| {
        let day = rondom_domain::calendar::today() - Days::new(77);
        day - Days::new(u64::from(day.weekday().num_days_from_monday()))
    });
    let tokens_path = args
        .tokens
        .clone()
        .unwrap_or_else(|| dev_clients::tokens_path(&args.data_dir));
    let tokens = DevTokens::load(&tokens_path).with_context(|| {
        format!(
            "the demo writes as several roles and needs a token for each; start the hub with \
             `rondom up` (without --clients) in this directory, or name its tokens with --tokens \
             (tried {})",
            tokens_path.display()
        )
    })?;
    let channel = args.endpoint.channel().await?;
    let connections = Connections::from_dev_tokens(&channel, &tokens)?;
    let mut households = HouseholdServiceClient::new(connections.coordinator.clone());
    let mut runner = Runner::new(connections);
    say!("Loading the family scenario from {start}:\n");
    for step in scenario::family(start) {
        let reply = runner
            .run(&step)
            .await
            .with_context(|| format!("step {} failed", step.name))?;
        say!(
            "  {}  #{:<5} {}{}",
            step.day,
            reply.position,
            step.story,
            if reply.duplicate {
                " (already loaded)"
            } else {
                ""
            }
        );
    }
    let household_id = runner
        .family_household()
        .context("the scenario made no household")?
        .to_owned();
    let view = households
        .get_household(v1::GetHouseholdRequest {
            key: Some(v1::get_household_request::Key::HouseholdId(
                household_id.clone(),
            )),
            min_position: runner.position,
            as_of: None,
            purpose: v1::Purpose::Regie as i32,
            on_behalf_of: String::new(),
        })
        .await?
        .into_inner();
    say!("\nWhat the coordinator sees now (rondom household show {household_id}):\n");
    output::household(&view, args.endpoint.json);
    let worklist = households
        .list_households(v1::ListHouseholdsRequest {
            gemeente_code: scenario::GEMEENTE.into(),
            min_position: runner.position,
            purpose: v1::Purpose::Regie as i32,
            ..v1::ListHouseholdsRequest::default()
        })
        .await?
        .into_inner();
    say!(
        "\nThe gemeente's worklist (rondom worklist --gemeente {}):\n",
        scenario::GEMEENTE
    );
    output::worklist(&worklist, args.endpoint.json);
    say!("\nThe whole story: rondom timeline {household_id} --oldest-first");
    Ok(())
}
