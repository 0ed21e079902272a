//! Serving an HTTP app (the `/metrics` endpoint, the regiewerkplek) with the process's
//! certificate, or in plaintext where [`crate::tls::TlsFiles::https_config`] allows it.

use std::future::Future;
use std::sync::Arc;

use tokio::net::TcpListener;

/// Serves `app` on `listener` until `shutdown` resolves: over TLS with `tls`, each connection
/// on its own task, else plaintext.
///
/// # Errors
/// When the listener fails.
pub async fn serve(
    listener: TcpListener,
    app: axum::Router,
    tls: Option<Arc<rustls::ServerConfig>>,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    let Some(tls) = tls else {
        return axum::serve(listener, app)
            .with_graceful_shutdown(shutdown)
            .await;
    };
    let acceptor = tokio_rustls::TlsAcceptor::from(tls);
    let service = hyper_util::service::TowerToHyperService::new(app);
    tokio::pin!(shutdown);
    loop {
        let (tcp, peer) = tokio::select! {
            accepted = listener.accept() => accepted?,
            () = &mut shutdown => return Ok(()),
        };
        let (acceptor, service) = (acceptor.clone(), service.clone());
        tokio::spawn(async move {
            let stream = match acceptor.accept(tcp).await {
                Ok(stream) => stream,
                Err(err) => {
                    tracing::debug!(%peer, error = %err, "TLS handshake failed");
                    return;
                }
            };
            let connection =
                hyper_util::server::conn::auto::Builder::new(hyper_util::rt::TokioExecutor::new())
                    .serve_connection(hyper_util::rt::TokioIo::new(stream), service)
                    .await;
            if let Err(err) = connection {
                tracing::debug!(%peer, error = %err, "HTTPS connection ended");
            }
        });
    }
}
