//! `rondom subscribe`: follow the events of the households a partner works with, each as the
//! partner may see it, one line per delivery; on a durable subscription each delivery is
//! acknowledged once printed.

use std::io::IsTerminal as _;
use std::time::Duration;

use anyhow::Context as _;
use chrono::{DateTime, Utc};
use rondom_access::dev_clients::DevClient;
use rondom_domain::Pillar;
use rondom_domain::access::Purpose;
use rondom_proto::convert::timestamp;
use rondom_proto::v1;
use rondom_proto::v1::subscription_service_client::SubscriptionServiceClient;
use tokio_stream::wrappers::ReceiverStream;

use super::client::ClientArgs;
use crate::output;

/// How long a durable subscription stays connected after its last acknowledgement.
const ACK_GRACE: Duration = Duration::from_secs(1);

/// The laws a partner may subscribe under, by the wire name of their pillar.
fn laws() -> clap::builder::PossibleValuesParser {
    clap::builder::PossibleValuesParser::new(
        rondom_domain::law::LAWS
            .iter()
            .map(|law| clap::builder::PossibleValue::new(law.pillar.as_str()).help(law.title)),
    )
}

#[derive(Debug, clap::Args)]
pub(crate) struct SubscribeArgs {
    /// The partner to subscribe as: its development token (without --token) and its law's
    /// purpose (without --purpose).
    #[arg(long = "as", value_parser = laws(), default_value = "jeugd")]
    partner: String,
    /// Why you read; default the task of the partner's own law.
    #[arg(long, env = "RONDOM_PURPOSE")]
    purpose: Option<Purpose>,
    /// The person or process in your system that reads, for the audit log.
    #[arg(long, env = "RONDOM_ON_BEHALF_OF")]
    on_behalf_of: Option<String>,
    /// Start after this stream position (the last one you received); default the beginning.
    #[arg(long, conflicts_with_all = ["live", "from"])]
    after: Option<u64>,
    /// Only events recorded from now on.
    #[arg(long, conflicts_with = "from")]
    live: bool,
    /// Events recorded at or after this time (RFC 3339).
    #[arg(long)]
    from: Option<DateTime<Utc>>,
    /// Name of a durable subscription (1-64 of a-z, 0-9, '-', '_'): the hub keeps its place,
    /// each printed delivery is acknowledged, and the next run with the same name continues
    /// after the last one (a start given with --after, --live or --from then only applies
    /// the first time).
    #[arg(long)]
    durable: Option<String>,
    /// Only events of this pillar (repeatable).
    #[arg(long = "pillar", value_parser = super::client::pillars(|_| true))]
    pillars: Vec<String>,
    /// Only events of this kind from the catalogue (repeatable), e.g. jeugdhulp_gestart.
    #[arg(long = "kind")]
    kinds: Vec<String>,
    /// Stop after this many deliveries; default follow until interrupted.
    #[arg(long)]
    max: Option<u64>,
    #[command(flatten)]
    client: ClientArgs,
}

/// Returns the request that opens the subscription `args` ask for.
fn open_request(args: &SubscribeArgs, purpose: Purpose) -> anyhow::Result<v1::OpenSubscription> {
    let pillars = args
        .pillars
        .iter()
        .map(|name| {
            name.parse::<Pillar>()
                .map(|pillar| v1::Pillar::from(pillar) as i32)
                .map_err(|_| anyhow::anyhow!("unknown pillar {name:?}"))
        })
        .collect::<anyhow::Result<Vec<_>>>()?;
    let start = match (args.after, args.live, args.from) {
        (Some(position), _, _) => Some(v1::open_subscription::Start::AfterPosition(position)),
        (None, true, _) => Some(v1::open_subscription::Start::LiveOnly(true)),
        (None, false, Some(from)) => Some(v1::open_subscription::Start::FromTime(timestamp(from))),
        (None, false, None) => None,
    };
    Ok(v1::OpenSubscription {
        purpose: v1::Purpose::from(purpose) as i32,
        on_behalf_of: args.on_behalf_of.clone().unwrap_or_default(),
        start,
        durable_name: args.durable.clone().unwrap_or_default(),
        pillars,
        kinds: args.kinds.clone(),
    })
}

pub(crate) async fn run(args: SubscribeArgs) -> anyhow::Result<()> {
    let pillar: Pillar = args
        .partner
        .parse()
        .map_err(|_| anyhow::anyhow!("{} is not a law", args.partner))?;
    let purpose = match args.purpose {
        Some(purpose) => purpose,
        None => Purpose::of_pillar(pillar).expect("every partner pillar is a law with a task"),
    };
    let durable = args.durable.is_some();
    let open = open_request(&args, purpose)?;
    let partner = DevClient::partner(pillar).expect("every partner pillar has a dev client");
    let connection = args.client.connect(partner).await?;
    let json = args.client.json();

    // The first request opens the subscription; acknowledgements follow on the same stream.
    let (requests, outgoing) = tokio::sync::mpsc::channel(64);
    requests
        .send(v1::SubscribeRequest {
            request: Some(v1::subscribe_request::Request::Open(open)),
        })
        .await
        .expect("the receiver is held below");
    let mut deliveries = SubscriptionServiceClient::new(connection)
        .subscribe(ReceiverStream::new(outgoing))
        .await?
        .into_inner();
    if std::io::stderr().is_terminal() {
        eprintln!(
            "subscribed for {purpose}; waiting for events{}",
            if args.max.is_none() {
                " (Ctrl-C stops)"
            } else {
                ""
            }
        );
    }
    let mut received = 0u64;
    while args.max.is_none_or(|max| received < max) {
        let Some(delivery) = deliveries.message().await? else {
            break;
        };
        output::delivery(&delivery, json);
        received += 1;
        if durable {
            requests
                .send(v1::SubscribeRequest {
                    request: Some(v1::subscribe_request::Request::Ack(v1::Acknowledge {
                        position: delivery.position,
                    })),
                })
                .await
                .context("the hub ended the subscription")?;
        }
    }
    // Close our side. The hub keeps sending until we hang up, and hanging up at once could
    // lose acknowledgements still in flight (what is not acknowledged comes again next time):
    // on a durable subscription give them a moment, dropping whatever else arrives.
    drop(requests);
    if durable {
        let _ = tokio::time::timeout(ACK_GRACE, async {
            while let Ok(Some(_)) = deliveries.message().await {}
        })
        .await;
    }
    Ok(())
}
