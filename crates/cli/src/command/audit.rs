//! `rondom audit`: an operator reads the audit log, every read of a household and every
//! refused call, for purpose beheer.

use rondom_access::dev_clients::DevClient;
use rondom_proto::v1;
use rondom_proto::v1::audit_service_client::AuditServiceClient;

use super::client::ClientArgs;
use crate::output;

#[derive(Debug, clap::Args)]
pub(crate) struct AuditArgs {
    /// Records of reads of this household.
    #[arg(long, required_unless_present = "client_id")]
    household: Option<String>,
    /// Records of this client (its id in the clients file, e.g. dev-coordinator).
    #[arg(long = "client")]
    client_id: Option<String>,
    /// Records per page (default 100, at most 1000), oldest first.
    #[arg(long, default_value_t = 0)]
    page_size: u32,
    /// Continue from a previous page.
    #[arg(long, default_value = "")]
    page_token: String,
    #[command(flatten)]
    client: ClientArgs,
}

pub(crate) async fn run(args: AuditArgs) -> anyhow::Result<()> {
    let request = v1::ListAuditRecordsRequest {
        purpose: v1::Purpose::Beheer as i32,
        household_id: args.household.unwrap_or_default(),
        client_id: args.client_id.unwrap_or_default(),
        page_size: args.page_size,
        page_token: args.page_token,
    };
    let mut client = AuditServiceClient::new(args.client.connect(DevClient::Operator).await?);
    let reply = client.list_audit_records(request).await?.into_inner();
    output::audit(&reply, args.client.json());
    Ok(())
}
