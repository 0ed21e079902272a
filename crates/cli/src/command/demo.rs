//! `rondom demo`: loads the family scenario into a running hub and prints what a coordinator
//! sees, so a newcomer sees the point of Rondom in one command.

use anyhow::Context as _;
use chrono::{Datelike, Days, NaiveDate};
use rondom_cli::scenario::{self, Runner};
use rondom_proto::v1;
use rondom_proto::v1::household_service_client::HouseholdServiceClient;

use super::client::ClientArgs;
use crate::output;

#[derive(Debug, clap::Args)]
pub(crate) struct DemoArgs {
    /// First day of the scenario (YYYY-MM-DD); default the Monday eleven weeks ago, so it
    /// ends about now.
    #[arg(long)]
    start: Option<NaiveDate>,
    #[command(flatten)]
    client: ClientArgs,
}

pub(crate) async fn run(args: DemoArgs) -> anyhow::Result<()> {
    let start = args.start.unwrap_or_else(|| {
        let day = rondom_domain::calendar::today() - Days::new(77);
        day - Days::new(u64::from(day.weekday().num_days_from_monday()))
    });
    let channel = args.client.channel().await?;
    let mut runner = Runner::new(channel.clone());
    println!("Loading the family scenario from {start}:\n");
    for step in scenario::family(start) {
        let reply = runner
            .run(&step)
            .await
            .with_context(|| format!("step {} failed", step.name))?;
        println!(
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
    let mut households = HouseholdServiceClient::new(channel);
    let view = households
        .get_household(v1::GetHouseholdRequest {
            key: Some(v1::get_household_request::Key::HouseholdId(
                household_id.clone(),
            )),
            min_position: runner.position,
            as_of: None,
        })
        .await?
        .into_inner();
    println!("\nWhat the coordinator sees now (rondom household show {household_id}):\n");
    output::household(&view, args.client.json);
    let worklist = households
        .list_households(v1::ListHouseholdsRequest {
            gemeente_code: scenario::GEMEENTE.into(),
            min_position: runner.position,
            ..v1::ListHouseholdsRequest::default()
        })
        .await?
        .into_inner();
    println!(
        "\nThe gemeente's worklist (rondom worklist --gemeente {}):\n",
        scenario::GEMEENTE
    );
    output::worklist(&worklist, args.client.json);
    println!("\nThe whole story: rondom timeline {household_id} --oldest-first");
    Ok(())
}
