//! Serving an HTTP app (the `/metrics` endpoint, the regiewerkplek) with the process's
//! certificate, or in plaintext where [`crate::tls::TlsFiles::https_config`] allows it.
//!
//! Whoever can reach the port can open connections: each gets a bounded time to finish its
//! TLS handshake and to send a request's headers, a bounded number are served at once (the
//! rest wait in the kernel's queue), and a failing `accept` (out of file descriptors) is
//! waited out instead of ending the server.

use std::future::Future;
use std::sync::Arc;
use std::time::Duration;

use hyper_util::rt::{TokioExecutor, TokioIo, TokioTimer};
use hyper_util::server::conn::auto;
use hyper_util::service::TowerToHyperService;
use tokio::io::{AsyncRead, AsyncWrite};
use tokio::net::TcpListener;
use tokio::sync::Semaphore;

/// What one client may hold of the server.
#[derive(Debug, Clone, Copy)]
pub struct Limits {
    /// To finish the TLS handshake.
    pub handshake: Duration,
    /// To send a request's headers (also between requests on a kept-alive connection).
    pub headers: Duration,
    /// Connections served at once.
    pub connections: usize,
}

impl Default for Limits {
    fn default() -> Self {
        Self {
            handshake: Duration::from_secs(10),
            headers: Duration::from_secs(30),
            connections: 512,
        }
    }
}

/// Serves `app` on `listener` until `shutdown` resolves, over TLS with `tls`, within the
/// default [`Limits`].
///
/// # Errors
/// None today: a failing `accept` is logged and tried again.
pub async fn serve(
    listener: TcpListener,
    app: axum::Router,
    tls: Option<Arc<rustls::ServerConfig>>,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    serve_within(listener, app, tls, shutdown, Limits::default()).await
}

/// As [`serve`], within `limits`.
///
/// # Errors
/// As [`serve`].
pub async fn serve_within(
    listener: TcpListener,
    app: axum::Router,
    tls: Option<Arc<rustls::ServerConfig>>,
    shutdown: impl Future<Output = ()> + Send + 'static,
    limits: Limits,
) -> std::io::Result<()> {
    let acceptor = tls.map(tokio_rustls::TlsAcceptor::from);
    let service = TowerToHyperService::new(app);
    let served = Arc::new(Semaphore::new(limits.connections));
    tokio::pin!(shutdown);
    loop {
        let permit = tokio::select! {
            permit = served.clone().acquire_owned() => permit.expect("the semaphore is never closed"),
            () = &mut shutdown => return Ok(()),
        };
        let (tcp, peer) = tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok(accepted) => accepted,
                Err(err) => {
                    accept_failed(&err).await;
                    continue;
                }
            },
            () = &mut shutdown => return Ok(()),
        };
        let (acceptor, service) = (acceptor.clone(), service.clone());
        tokio::spawn(async move {
            let _served = permit;
            let Some(acceptor) = acceptor else {
                return connection(tcp, service, limits.headers, peer).await;
            };
            match tokio::time::timeout(limits.handshake, acceptor.accept(tcp)).await {
                Ok(Ok(stream)) => connection(stream, service, limits.headers, peer).await,
                Ok(Err(err)) => tracing::debug!(%peer, error = %err, "TLS handshake failed"),
                Err(_) => tracing::debug!(%peer, "TLS handshake not finished in time"),
            }
        });
    }
}

/// Serves one connection, HTTP/1.1 or HTTP/2, until it ends.
async fn connection<I>(
    io: I,
    service: TowerToHyperService<axum::Router>,
    headers: Duration,
    peer: std::net::SocketAddr,
) where
    I: AsyncRead + AsyncWrite + Unpin + Send + 'static,
{
    let mut builder = auto::Builder::new(TokioExecutor::new());
    // Without a timer hyper applies no header timeout at all.
    builder
        .http1()
        .timer(TokioTimer::new())
        .header_read_timeout(headers);
    builder
        .http2()
        .timer(TokioTimer::new())
        .keep_alive_interval(headers)
        .keep_alive_timeout(headers);
    if let Err(err) = builder.serve_connection(TokioIo::new(io), service).await {
        tracing::debug!(%peer, error = %err, "HTTP connection ended");
    }
}

/// A failed `accept`: a connection that went before it was taken is nothing; anything else
/// (out of file descriptors, as a flood of connections brings) is logged and waited out.
async fn accept_failed(err: &std::io::Error) {
    use std::io::ErrorKind;
    if matches!(
        err.kind(),
        ErrorKind::ConnectionRefused | ErrorKind::ConnectionAborted | ErrorKind::ConnectionReset
    ) {
        return;
    }
    tracing::error!(error = %err, "cannot accept a connection; trying again in a second");
    tokio::time::sleep(Duration::from_secs(1)).await;
}

#[cfg(test)]
mod tests {
    use std::time::Instant;

    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    use tokio::net::TcpStream;

    use super::*;

    const SHORT: Limits = Limits {
        handshake: Duration::from_millis(300),
        headers: Duration::from_millis(300),
        connections: 1,
    };

    /// Serves a one-page app within `limits`; returns its address.
    async fn server(
        tls: Option<Arc<rustls::ServerConfig>>,
        limits: Limits,
    ) -> std::net::SocketAddr {
        let listener = TcpListener::bind("127.0.0.1:0").await.expect("a port");
        let address = listener.local_addr().expect("its address");
        let app = axum::Router::new().route("/", axum::routing::get(|| async { "hallo" }));
        tokio::spawn(serve_within(
            listener,
            app,
            tls,
            std::future::pending(),
            limits,
        ));
        address
    }

    /// Reads until the server closes the connection; returns what it sent and how long that
    /// took.
    async fn until_closed(stream: &mut TcpStream) -> (Vec<u8>, Duration) {
        let started = Instant::now();
        let mut read = Vec::new();
        let _ = tokio::time::timeout(Duration::from_secs(20), stream.read_to_end(&mut read)).await;
        (read, started.elapsed())
    }

    async fn get(address: std::net::SocketAddr) -> String {
        let mut stream = TcpStream::connect(address).await.expect("connect");
        stream
            .write_all(b"GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
            .await
            .expect("a request");
        let (answer, _) = until_closed(&mut stream).await;
        String::from_utf8_lossy(&answer).into_owned()
    }

    #[tokio::test]
    async fn a_connection_that_sends_no_whole_request_is_let_go_and_the_next_is_served() {
        let address = server(None, SHORT).await;
        // Headers begun and never finished, on the one connection served at once.
        let mut slow = TcpStream::connect(address).await.expect("connect");
        slow.write_all(b"GET / HTTP/1.1\r\nHost: x\r\n")
            .await
            .expect("half a request");
        let (_, held) = until_closed(&mut slow).await;
        assert!(held < Duration::from_secs(20), "closed by the server");
        // The place it held is free again.
        assert!(get(address).await.ends_with("hallo"));
    }

    #[tokio::test]
    async fn a_silent_connection_to_a_tls_server_is_let_go() {
        let certified =
            rcgen::generate_simple_self_signed(vec!["localhost".into()]).expect("certificate");
        let key = rustls::pki_types::PrivateKeyDer::try_from(certified.signing_key.serialize_der())
            .expect("a key");
        let config = rustls::ServerConfig::builder_with_provider(Arc::new(
            rustls::crypto::ring::default_provider(),
        ))
        .with_safe_default_protocol_versions()
        .expect("versions")
        .with_no_client_auth()
        .with_single_cert(vec![certified.cert.der().clone()], key)
        .expect("a server config");
        let address = server(Some(Arc::new(config)), SHORT).await;
        let mut silent = TcpStream::connect(address).await.expect("connect");
        let (sent, held) = until_closed(&mut silent).await;
        assert!(sent.is_empty() && held < Duration::from_secs(20), "closed");
    }
}
