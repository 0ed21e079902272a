//! TLS on the gRPC listener and on `/metrics` (rustls). With a certificate and key, every call is encrypted;
//! with a client CA too, a caller must also present a certificate that CA signed (system to
//! system, the way PKIoverheid certificates are used between government systems), besides its
//! bearer token. Without TLS the hub serves only on a loopback address: plaintext is for a
//! developer's own machine.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};

use anyhow::Context as _;
use tonic::transport::{Certificate, Identity, ServerTlsConfig};

/// Where the listener's certificate, key and (optionally) client CA are. The command line
/// that fills it is the CLI's (`--tls-cert`, `--tls-key`, `--tls-client-ca`).
#[derive(Debug, Clone, Default)]
pub struct TlsFiles {
    /// PEM certificate chain of the listener; with `tls_key`, it serves TLS only.
    pub tls_cert: Option<PathBuf>,
    /// PEM private key of `tls_cert`.
    pub tls_key: Option<PathBuf>,
    /// PEM certificate(s) of the CA that signs client certificates: callers must present one.
    pub tls_client_ca: Option<PathBuf>,
}

impl TlsFiles {
    /// Returns the server's TLS configuration, `None` without a certificate; refuses to serve
    /// plaintext on an address other machines can reach.
    ///
    /// # Errors
    /// When a file cannot be read, or `addr` is not loopback and no certificate is given.
    pub fn server_config(&self, addr: SocketAddr) -> anyhow::Result<Option<ServerTlsConfig>> {
        let (Some(cert), Some(key)) = (&self.tls_cert, &self.tls_key) else {
            anyhow::ensure!(
                addr.ip().is_loopback(),
                "gRPC on {addr} would be plaintext on the network: give --tls-cert and --tls-key, \
                 or listen on a loopback address for development"
            );
            return Ok(None);
        };
        let mut config =
            ServerTlsConfig::new().identity(Identity::from_pem(read(cert)?, read(key)?));
        if let Some(ca) = &self.tls_client_ca {
            config = config.client_ca_root(Certificate::from_pem(read(ca)?));
        }
        Ok(Some(config))
    }
}

impl TlsFiles {
    /// Returns the TLS configuration of an HTTP listener of the process (`/metrics`), with the
    /// gRPC listener's certificate and without client certificates (it serves no personal
    /// data); `None` without a certificate, and then only on a loopback address.
    ///
    /// # Errors
    /// When a file cannot be read or parsed, or `addr` is not loopback and no certificate is
    /// given.
    pub fn https_config(
        &self,
        addr: SocketAddr,
        what: &str,
    ) -> anyhow::Result<Option<std::sync::Arc<rustls::ServerConfig>>> {
        use rustls::pki_types::pem::PemObject as _;
        use rustls::pki_types::{CertificateDer, PrivateKeyDer};
        let (Some(cert), Some(key)) = (&self.tls_cert, &self.tls_key) else {
            anyhow::ensure!(
                addr.ip().is_loopback(),
                "{what} on {addr} would be plaintext on the network: give --tls-cert and \
                 --tls-key, or listen on a loopback address"
            );
            return Ok(None);
        };
        let chain = CertificateDer::pem_slice_iter(&read(cert)?)
            .collect::<Result<Vec<_>, _>>()
            .with_context(|| format!("{} holds no PEM certificate chain", cert.display()))?;
        let key = PrivateKeyDer::from_pem_slice(&read(key)?)
            .with_context(|| format!("{} holds no PEM private key", key.display()))?;
        let provider = std::sync::Arc::new(rustls::crypto::ring::default_provider());
        let mut config = rustls::ServerConfig::builder_with_provider(provider)
            .with_safe_default_protocol_versions()?
            .with_no_client_auth()
            .with_single_cert(chain, key)
            .context("the TLS certificate and key do not make a server identity")?;
        config.alpn_protocols = vec![b"h2".to_vec(), b"http/1.1".to_vec()];
        Ok(Some(std::sync::Arc::new(config)))
    }
}

fn read(path: &Path) -> anyhow::Result<Vec<u8>> {
    std::fs::read(path).with_context(|| format!("cannot read {}", path.display()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plaintext_only_on_loopback() {
        let none = TlsFiles::default();
        assert!(matches!(
            none.server_config("127.0.0.1:50051".parse().expect("addr")),
            Ok(None)
        ));
        assert!(matches!(
            none.server_config("[::1]:50051".parse().expect("addr")),
            Ok(None)
        ));
        let open = none
            .server_config("0.0.0.0:50051".parse().expect("addr"))
            .expect_err("plaintext on the network");
        assert!(open.to_string().contains("--tls-cert"), "{open}");
    }
}
