//! TLS on the gRPC listener: with a certificate every call is encrypted and a plaintext client
//! gets nowhere; grpcurl and the Python client speak it with the CA's certificate; with a
//! client CA, a system must also present a certificate that CA signed.

use rondom_domain::Pillar;
use std::path::PathBuf;
use std::process::Command;

use rcgen::{
    BasicConstraints, CertificateParams, CertifiedIssuer, DistinguishedName, DnType, IsCa, KeyPair,
};
use rondom_e2e::{DevClient, TestHub, signal};
use rondom_proto::v1;
use rondom_proto::v1::signal_service_client::SignalServiceClient;
use tonic::transport::{Certificate, ClientTlsConfig, Identity, ServerTlsConfig};

/// A CA, a certificate for the hub (localhost and 127.0.0.1) and one for a client system.
struct Pki {
    ca: String,
    server: (String, String),
    client: (String, String),
}

impl Pki {
    fn new() -> Self {
        let named = |mut params: CertificateParams, name: &str| {
            // Subjects apart: a leaf named like its CA looks self-signed to BoringSSL.
            params.distinguished_name = DistinguishedName::new();
            params.distinguished_name.push(DnType::CommonName, name);
            params
        };
        let mut ca_params = named(
            CertificateParams::new(Vec::<String>::new()).expect("params"),
            "Rondom test CA",
        );
        ca_params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
        let ca =
            CertifiedIssuer::self_signed(ca_params, KeyPair::generate().expect("key")).expect("CA");
        let issue = |names: Vec<String>| {
            let key = KeyPair::generate().expect("key");
            let cert = named(
                CertificateParams::new(names.clone()).expect("params"),
                &names[0],
            )
            .signed_by(&key, &ca)
            .expect("signed");
            (cert.pem(), key.serialize_pem())
        };
        Self {
            ca: ca.pem(),
            server: issue(vec!["localhost".into(), "127.0.0.1".into()]),
            client: issue(vec!["wijkteam-noord.example".into()]),
        }
    }

    fn server(&self) -> ServerTlsConfig {
        ServerTlsConfig::new().identity(Identity::from_pem(&self.server.0, &self.server.1))
    }

    fn client(&self) -> ClientTlsConfig {
        ClientTlsConfig::new()
            .ca_certificate(Certificate::from_pem(&self.ca))
            .domain_name("localhost")
    }
}

fn workspace() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../..")
}

async fn post(hub: &TestHub, key: &str) -> Result<v1::PostSignalResponse, tonic::Status> {
    SignalServiceClient::new(hub.client_for(DevClient::Wijkteam).await)
        .post_signal(signal(
            key,
            &[("999990342", "")],
            v1::Pillar::Wijkteam,
            "eenzaamheid",
            "",
        ))
        .await
        .map(tonic::Response::into_inner)
}

#[test_log::test(tokio::test(flavor = "multi_thread", worker_threads = 2))]
async fn calls_are_encrypted_and_grpcurl_and_python_speak_it() {
    let pki = Pki::new();
    let hub = TestHub::start_with_tls(pki.server(), pki.client()).await;
    let posted = post(&hub, "tls-1").await.expect("a call over TLS");
    hub.wait_applied(posted.position).await;

    // A plaintext client gets nowhere.
    let plaintext = tonic::transport::Channel::from_shared(format!("http://{}", hub.addr()))
        .expect("uri")
        .connect()
        .await;
    let refused = match plaintext {
        Err(_) => true,
        Ok(channel) => tonic_health::pb::health_client::HealthClient::new(channel)
            .check(tonic_health::pb::HealthCheckRequest::default())
            .await
            .is_err(),
    };
    assert!(refused, "a plaintext call was answered");

    let dir = tempfile::tempdir().expect("temp dir");
    let ca = dir.path().join("ca.pem");
    std::fs::write(&ca, &pki.ca).expect("write CA");
    let grpcurl = workspace().join(".tools/bin/grpcurl");
    assert!(
        grpcurl.exists(),
        "grpcurl is missing at {}: run `make tools`",
        grpcurl.display()
    );
    let listed = Command::new(&grpcurl)
        .arg("-cacert")
        .arg(&ca)
        .args(["-authority", "localhost", &hub.addr().to_string(), "list"])
        .output()
        .expect("grpcurl runs");
    let services = String::from_utf8_lossy(&listed.stdout);
    assert!(
        listed.status.success() && services.contains("rondom.v1.HouseholdService"),
        "{services}{}",
        String::from_utf8_lossy(&listed.stderr)
    );

    // The Python client, as the jeugd partner (nothing to receive: it is involved nowhere).
    let status = Command::new("make")
        .args(["-s", "python-client"])
        .current_dir(workspace())
        .status()
        .expect("make runs");
    assert!(
        status.success(),
        "`make python-client` failed (`make tools`)"
    );
    let python = Command::new("python3")
        .arg(workspace().join("clients/python/subscribe.py"))
        .args(["--addr", &hub.addr().to_string(), "--idle-timeout", "2"])
        .arg("--ca")
        .arg(&ca)
        .args(["--authority", "localhost"])
        .env("RONDOM_TOKEN", hub.token(DevClient::Partner(Pillar::Jeugd)))
        .output()
        .expect("python3 runs");
    assert!(
        python.status.success(),
        "the Python client over TLS: {}",
        String::from_utf8_lossy(&python.stderr)
    );
}

#[test_log::test(tokio::test(flavor = "multi_thread", worker_threads = 2))]
async fn with_a_client_ca_a_system_needs_a_certificate_besides_its_token() {
    let pki = Pki::new();
    let server = pki.server().client_ca_root(Certificate::from_pem(&pki.ca));
    let with_certificate = pki
        .client()
        .identity(Identity::from_pem(&pki.client.0, &pki.client.1));
    let hub = TestHub::start_with_tls(server.clone(), with_certificate).await;
    post(&hub, "mtls-1")
        .await
        .expect("a system with a certificate and a token");

    // The same token without a client certificate gets nowhere.
    let bare = TestHub::start_with_tls(server, pki.client()).await;
    let channel = tonic::transport::Channel::from_shared(format!("https://{}", bare.addr()))
        .expect("uri")
        .tls_config(pki.client())
        .expect("tls")
        .connect()
        .await;
    let refused = match channel {
        Err(_) => true,
        Ok(channel) => SignalServiceClient::new(
            rondom_cli::connection::authed(channel, Some(bare.token(DevClient::Wijkteam)))
                .expect("token"),
        )
        .post_signal(signal(
            "mtls-2",
            &[("999990342", "")],
            v1::Pillar::Wijkteam,
            "eenzaamheid",
            "",
        ))
        .await
        .is_err(),
    };
    assert!(refused, "a call without a client certificate was answered");
}
