//! How deliveries go out: `rondom.v1.SubscriptionService`'s route, written here instead of
//! generated, so that a delivery encoded once ([`EncodedDelivery`]) goes out as those bytes to
//! every subscription that sends it. The generated server takes a `v1::Delivery` per
//! subscription and encodes each copy again; with fifty partners following the same events,
//! copying and encoding were a fifth of the fan-out's work. The bytes on the wire are the
//! same `rondom.v1.Delivery` either way, so clients (and the generated client) see no change.

use std::convert::Infallible;
use std::pin::Pin;
use std::sync::Arc;

use bytes::BufMut as _;
use futures::Stream;
use rondom_proto::codec::RondomDecoder;
use rondom_proto::v1;
use tonic::codec::{Codec, EncodeBuf, Encoder};
use tonic::codegen::{BoxFuture, Context, Poll, Service, StdError, http};
use tonic::server::{Grpc, NamedService, StreamingService};
use tonic::{Request, Response, Status, Streaming};

use crate::handler::SubscriptionHandler;
use crate::shared::EncodedDelivery;

/// The stream of one subscription's deliveries.
pub type Deliveries = Pin<Box<dyn Stream<Item = Result<Arc<EncodedDelivery>, Status>> + Send>>;

/// Writes a delivery's encoding as it is.
#[derive(Debug, Default)]
pub struct DeliveryEncoder;

impl Encoder for DeliveryEncoder {
    type Item = Arc<EncodedDelivery>;
    type Error = Status;

    fn encode(&mut self, item: Self::Item, dst: &mut EncodeBuf<'_>) -> Result<(), Status> {
        dst.put_slice(&item.encoded);
        Ok(())
    }
}

/// The route's codec: requests decoded as every Rondom service decodes them (malformed
/// bytes are `INVALID_ARGUMENT`), deliveries written by [`DeliveryEncoder`].
#[derive(Debug, Default)]
pub struct DeliveryCodec;

impl Codec for DeliveryCodec {
    type Encode = Arc<EncodedDelivery>;
    type Decode = v1::SubscribeRequest;
    type Encoder = DeliveryEncoder;
    type Decoder = RondomDecoder<v1::SubscribeRequest>;

    fn encoder(&mut self) -> DeliveryEncoder {
        DeliveryEncoder
    }

    fn decoder(&mut self) -> Self::Decoder {
        RondomDecoder::default()
    }
}

/// `rondom.v1.SubscriptionService` as a tower service, to add to the hub's routes.
#[derive(Debug, Clone)]
pub struct SubscriptionServer {
    handler: Arc<SubscriptionHandler>,
}

impl SubscriptionServer {
    /// Serves `handler`'s subscriptions.
    pub fn new(handler: SubscriptionHandler) -> Self {
        Self {
            handler: Arc::new(handler),
        }
    }
}

impl NamedService for SubscriptionServer {
    const NAME: &'static str = v1::subscription_service_server::SERVICE_NAME;
}

/// The service's one method.
const SUBSCRIBE: &str = "/rondom.v1.SubscriptionService/Subscribe";

impl<B> Service<http::Request<B>> for SubscriptionServer
where
    B: tonic::codegen::Body + Send + 'static,
    B::Error: Into<StdError> + Send + 'static,
{
    type Response = http::Response<tonic::body::Body>;
    type Error = Infallible;
    type Future = BoxFuture<Self::Response, Infallible>;

    fn poll_ready(&mut self, _cx: &mut Context<'_>) -> Poll<Result<(), Infallible>> {
        Poll::Ready(Ok(()))
    }

    fn call(&mut self, request: http::Request<B>) -> Self::Future {
        if request.uri().path() != SUBSCRIBE {
            return Box::pin(async { Ok(Status::unimplemented("").into_http()) });
        }
        let subscribe = Subscribe(self.handler.clone());
        Box::pin(async move { Ok(Grpc::new(DeliveryCodec).streaming(subscribe, request).await) })
    }
}

/// The Subscribe method as tonic's streaming call.
struct Subscribe(Arc<SubscriptionHandler>);

impl StreamingService<v1::SubscribeRequest> for Subscribe {
    type Response = Arc<EncodedDelivery>;
    type ResponseStream = Deliveries;
    type Future = BoxFuture<Response<Deliveries>, Status>;

    fn call(&mut self, request: Request<Streaming<v1::SubscribeRequest>>) -> Self::Future {
        let handler = self.0.clone();
        Box::pin(async move { handler.subscribe(request).await })
    }
}

#[cfg(test)]
mod tests {
    use prost::Message as _;

    #[test]
    fn the_route_serves_every_method_the_service_declares() {
        let set = prost_types::FileDescriptorSet::decode(rondom_proto::FILE_DESCRIPTOR_SET)
            .expect("the compiled descriptor decodes");
        let methods: Vec<String> = set
            .file
            .iter()
            .flat_map(|file| {
                file.service
                    .iter()
                    .map(move |service| (format!("{}.{}", file.package(), service.name()), service))
            })
            .filter(|(name, _)| {
                name == <super::SubscriptionServer as tonic::server::NamedService>::NAME
            })
            .flat_map(|(name, service)| {
                service
                    .method
                    .iter()
                    .map(move |method| format!("/{name}/{}", method.name()))
            })
            .collect();
        // A method added to the proto needs its route here, or callers get UNIMPLEMENTED.
        assert_eq!(methods, [super::SUBSCRIBE]);
    }
}
