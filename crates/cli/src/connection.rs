//! A connection to the hub that carries the caller's bearer token on every call.

use tonic::metadata::{Ascii, MetadataValue};
use tonic::service::Interceptor;
use tonic::service::interceptor::InterceptedService;
use tonic::transport::Channel;

/// A channel whose calls carry `authorization: Bearer <token>` (when a token is given).
pub type Connection = InterceptedService<Channel, Bearer>;

/// Adds the bearer token to each call that does not carry credentials of its own.
#[derive(Clone, Default)]
pub struct Bearer(Option<MetadataValue<Ascii>>);

impl std::fmt::Debug for Bearer {
    /// Leaves the token out: it would end up in logs.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_tuple("Bearer")
            .field(&self.0.as_ref().map(|_| "<token>"))
            .finish()
    }
}

impl Interceptor for Bearer {
    fn call(
        &mut self,
        mut request: tonic::Request<()>,
    ) -> Result<tonic::Request<()>, tonic::Status> {
        // A call that names its own credentials keeps them.
        if let Some(value) = &self.0
            && !request.metadata().contains_key("authorization")
        {
            request
                .metadata_mut()
                .insert("authorization", value.clone());
        }
        Ok(request)
    }
}

/// Returns `channel` with `token` on every call; `None` sends none (the hub answers
/// `UNAUTHENTICATED`).
///
/// # Errors
/// When the token holds characters a header cannot carry.
pub fn authed(channel: Channel, token: Option<&str>) -> anyhow::Result<Connection> {
    let value = token
        .map(|token| format!("Bearer {token}").parse::<MetadataValue<Ascii>>())
        .transpose()
        .map_err(|_| anyhow::anyhow!("the token holds characters a header cannot carry"))?
        .map(|mut value| {
            // Never indexed by HTTP/2 header compression.
            value.set_sensitive(true);
            value
        });
    Ok(InterceptedService::new(channel, Bearer(value)))
}
