//! `rondom retention --dry-run`: an operator sees which households' retention period ended,
//! which the hub's retention task erases on its next run.

use chrono::NaiveDate;
use rondom_access::dev_clients::DevClient;
use rondom_proto::convert::proto_date;
use rondom_proto::v1;
use rondom_proto::v1::operator_service_client::OperatorServiceClient;

use super::client::ClientArgs;
use crate::output;

#[derive(Debug, clap::Args)]
pub(crate) struct RetentionArgs {
    /// Only list what would go; the erasing itself is the hub's retention task
    /// (`--retention-every`), or `rondom household erase`.
    #[arg(long, required = true)]
    dry_run: bool,
    /// The day to judge on (YYYY-MM-DD); default today.
    #[arg(long)]
    as_of: Option<NaiveDate>,
    #[command(flatten)]
    client: ClientArgs,
}

pub(crate) async fn run(args: RetentionArgs) -> anyhow::Result<()> {
    let mut client = OperatorServiceClient::new(args.client.connect(DevClient::Operator).await?);
    let mut page_token = String::new();
    let mut due = Vec::new();
    loop {
        let reply = client
            .list_retention_due(v1::ListRetentionDueRequest {
                as_of: args.as_of.map(proto_date),
                page_size: 1000,
                page_token,
            })
            .await?
            .into_inner();
        due.extend(reply.households);
        if reply.next_page_token.is_empty() {
            break;
        }
        page_token = reply.next_page_token;
    }
    output::retention_due(&due, args.client.json());
    Ok(())
}
