//! The hub's gRPC services as the pages call them: each call carries the signed-in staff
//! member's bearer token, so the auth layer, need-to-know and the audit log treat a page like
//! any other client of that staff member.

use std::time::Duration;

use rondom_proto::v1::audit_service_client::AuditServiceClient;
use rondom_proto::v1::household_service_client::HouseholdServiceClient;
use rondom_proto::v1::regie_service_client::RegieServiceClient;
use tonic::transport::Channel;

use crate::session::Staff;

/// A page waits this long for the hub before it says the hub is busy.
const CALL_TIMEOUT: Duration = Duration::from_secs(10);

/// The hub's services, over one channel.
#[derive(Debug, Clone)]
pub struct Hub {
    channel: Channel,
    /// Where RegieService is, when another process serves it (`rondom serve --role regie`).
    regie: Channel,
}

impl Hub {
    /// The hub behind `channel` (in `rondom up` its own gRPC listener on loopback).
    pub fn new(channel: Channel) -> Self {
        Self {
            regie: channel.clone(),
            channel,
        }
    }

    /// The same hub with RegieService behind `regie`.
    #[must_use]
    pub fn with_regie(mut self, regie: Channel) -> Self {
        self.regie = regie;
        self
    }

    pub(crate) fn households(&self) -> HouseholdServiceClient<Channel> {
        HouseholdServiceClient::new(self.channel.clone())
    }

    pub(crate) fn regie(&self) -> RegieServiceClient<Channel> {
        RegieServiceClient::new(self.regie.clone())
    }

    pub(crate) fn audit(&self) -> AuditServiceClient<Channel> {
        AuditServiceClient::new(self.channel.clone())
    }
}

/// `message` as a call of `staff`.
pub(crate) fn call<T>(staff: &Staff, message: T) -> tonic::Request<T> {
    let mut request = tonic::Request::new(message);
    request.set_timeout(CALL_TIMEOUT);
    if let Ok(value) = format!("Bearer {}", staff.token).parse() {
        request.metadata_mut().insert("authorization", value);
    }
    request
}
