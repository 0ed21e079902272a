//! A connection to the hub that carries the caller's bearer token on every call.

use tonic::metadata::{Ascii, MetadataValue};
use tonic::service::Interceptor;
use tonic::service::interceptor::InterceptedService;
use tonic::transport::Channel;

/// A channel whose calls carry `authorization: Bearer <token>` (when a token is given).
pub type Connection = InterceptedService<Channel, Bearer>;

/// Adds the bearer token to each call.
#[derive(Debug, Clone, Default)]
pub struct Bearer(Option<MetadataValue<Ascii>>);

impl Interceptor for Bearer {
    fn call(
        &mut self,
        mut request: tonic::Request<()>,
    ) -> Result<tonic::Request<()>, tonic::Status> {
        if let Some(value) = &self.0 {
            request
                .metadata_mut()
                .insert("authorization", value.clone());
        }
        Ok(request)
    }
}

/// Returns `channel` with `token` on every call; `None` sends none (a hub without clients file).
///
/// # Errors
/// When the token holds characters a header cannot carry.
pub fn authed(channel: Channel, token: Option<&str>) -> anyhow::Result<Connection> {
    let value = token
        .map(|token| format!("Bearer {token}").parse::<MetadataValue<Ascii>>())
        .transpose()
        .map_err(|_| anyhow::anyhow!("the token holds characters a header cannot carry"))?;
    Ok(InterceptedService::new(channel, Bearer(value)))
}
