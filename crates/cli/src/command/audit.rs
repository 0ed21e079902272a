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
    /// Records per page (default 100, at most 1000; an export's default is 1000), oldest
    /// first.
    #[arg(long, default_value_t = 0)]
    page_size: u32,
    /// Continue from a previous page.
    #[arg(long, default_value = "")]
    page_token: String,
    /// Every matching record up to this export, page after page, as a CloudEvent in JSON, one
    /// per line: to hand them to a processing log (Logboek Dataverwerkingen).
    #[arg(long, conflicts_with = "page_token")]
    cloudevents: bool,
    #[command(flatten)]
    client: ClientArgs,
}

pub(crate) async fn run(args: AuditArgs) -> anyhow::Result<()> {
    let mut request = v1::ListAuditRecordsRequest {
        purpose: v1::Purpose::Beheer as i32,
        household_id: args.household.unwrap_or_default(),
        client_id: args.client_id.unwrap_or_default(),
        page_size: args.page_size,
        page_token: args.page_token,
    };
    let mut client = AuditServiceClient::new(args.client.connect(DevClient::Operator).await?);
    if !args.cloudevents {
        let reply = client.list_audit_records(request).await?.into_inner();
        output::audit(&reply, args.client.json());
        return Ok(());
    }
    // Reading the log is itself on record, so every page adds a record of its own; a listing
    // ends where the log ended at its first page (the hub keeps that in the page token), so
    // the export ends before its own reads. Without a size asked for, pages are as large as
    // the hub gives (fewer reads, fewer records of them).
    if request.page_size == 0 {
        request.page_size = u32::try_from(rondom_bus::audit::MAX_PAGE).unwrap_or(u32::MAX);
    }
    loop {
        let reply = client
            .list_audit_records(request.clone())
            .await?
            .into_inner();
        for record in &reply.records {
            output::audit_cloudevent(record);
        }
        if reply.next_page_token.is_empty() {
            return Ok(());
        }
        request.page_token = reply.next_page_token;
    }
}
