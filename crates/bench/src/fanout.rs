//! P6, fan-out: partner subscribers reading the same events at once, deliveries per second in
//! all, against as many raw ordered consumers reading the same part of the stream.

use rondom_domain::Pillar;
use std::time::Instant;

use async_nats::jetstream::{self, consumer};
use futures::StreamExt;
use rondom_access::dev_clients::DevClient;
use rondom_bus::stream::EVENTS_STREAM;
use rondom_proto::v1;
use rondom_proto::v1::subscription_service_client::SubscriptionServiceClient;
use tokio::task::JoinSet;

use crate::sample::Rate;
use crate::stage::Hub;

/// Partner subscribers at once.
pub(crate) const SUBSCRIBERS: usize = 50;

/// `SUBSCRIBERS` jeugd partner subscriptions from after `from` until each has received
/// `expected` events (the jeugd partner's own, written from `from + 1` on).
pub(crate) async fn subscriptions(hub: &Hub, from: u64, expected: u64) -> anyhow::Result<Rate> {
    let mut clients = Vec::with_capacity(SUBSCRIBERS);
    for _ in 0..SUBSCRIBERS {
        clients.push(SubscriptionServiceClient::new(
            hub.connect(DevClient::Partner(Pillar::Jeugd)).await?,
        ));
    }
    let started = Instant::now();
    let mut readers = JoinSet::new();
    for mut client in clients {
        readers.spawn(async move {
            let (mut deliveries, _reading) = open_jeugd(&mut client, from).await?;
            let mut received = 0;
            while received < expected {
                let delivery = deliveries
                    .next()
                    .await
                    .ok_or_else(|| anyhow::anyhow!("the subscription ended early"))??;
                anyhow::ensure!(delivery.position > from, "delivered before the start");
                received += 1;
            }
            Ok::<_, anyhow::Error>(received)
        });
    }
    let mut count = 0;
    while let Some(reader) = readers.join_next().await {
        count += reader??;
    }
    Ok(Rate {
        count,
        elapsed: started.elapsed(),
    })
}

/// The end of a subscription's request stream: dropping it closes the partner's side.
pub(crate) type Reading = tokio::sync::oneshot::Sender<()>;

/// Opens a jeugd partner's subscription of the jeugd events after `from`. Its request stream
/// stays open while the deliveries are read and ends when the returned [`Reading`] is dropped,
/// as a partner closes its side when it is done.
pub(crate) async fn open_jeugd(
    client: &mut SubscriptionServiceClient<rondom_cli::connection::Connection>,
    from: u64,
) -> anyhow::Result<(tonic::Streaming<v1::Delivery>, Reading)> {
    let open = v1::SubscribeRequest {
        request: Some(v1::subscribe_request::Request::Open(v1::OpenSubscription {
            purpose: v1::Purpose::UitvoeringJeugdwet as i32,
            start: Some(v1::open_subscription::Start::AfterPosition(from)),
            pillars: vec![v1::Pillar::Jeugd as i32],
            ..Default::default()
        })),
    };
    let (reading, done) = tokio::sync::oneshot::channel::<()>();
    let requests = futures::stream::iter([open])
        .chain(futures::stream::once(done).filter_map(|_| std::future::ready(None)));
    let deliveries = client.subscribe(requests).await?.into_inner();
    Ok((deliveries, reading))
}

/// `SUBSCRIBERS` ordered consumers reading the jeugd events after `from` until each has
/// `expected`.
pub(crate) async fn raw_ordered(
    jetstream: &jetstream::Context,
    from: u64,
    expected: u64,
) -> anyhow::Result<Rate> {
    let stream = jetstream.get_stream(EVENTS_STREAM).await?;
    let started = Instant::now();
    let mut readers = JoinSet::new();
    for _ in 0..SUBSCRIBERS {
        let stream = stream.clone();
        readers.spawn(async move {
            let consumer = stream
                .create_consumer(consumer::pull::OrderedConfig {
                    deliver_policy: consumer::DeliverPolicy::ByStartSequence {
                        start_sequence: from + 1,
                    },
                    filter_subject: format!("{}.*.jeugd.>", rondom_bus::subject::EVENT_PREFIX),
                    ..Default::default()
                })
                .await?;
            let mut messages = consumer.messages().await?;
            let mut received = 0;
            while received < expected {
                messages
                    .next()
                    .await
                    .ok_or_else(|| anyhow::anyhow!("the consumer ended early"))?
                    .map_err(|err| anyhow::anyhow!("{err}"))?;
                received += 1;
            }
            Ok::<_, anyhow::Error>(received)
        });
    }
    let mut count = 0;
    while let Some(reader) = readers.join_next().await {
        count += reader??;
    }
    Ok(Rate {
        count,
        elapsed: started.elapsed(),
    })
}
