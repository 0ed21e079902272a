//! The `rondom.v1` protocol: gRPC services for senders and readers, and the event payload on
//! NATS. Generated from `proto/rondom/v1/*.proto`; conversions to and from domain types live
//! beside the generated code so services never build proto structs field by field.
//!
//! # Layout
//! - [`v1`] — generated messages, clients and servers
//! - [`codec`] — the gRPC codec (malformed protobuf becomes `INVALID_ARGUMENT`)
//! - [`convert`] — enums, timestamps and sealed values between proto and domain
//! - [`status`] — domain errors as gRPC statuses with `google.rpc` details
//! - [`payload`] — what a reader sees of a payload, field by field, as the catalogue says
//! - [`free_text`] — free text out of a payload before sealing, and back in for a reader
//!
//! # Example
//! ```
//! use rondom_proto::v1;
//! let request = v1::GetHouseholdRequest {
//!     key: Some(v1::get_household_request::Key::Bsn("123456782".into())),
//!     purpose: v1::Purpose::Regie as i32,
//!     ..Default::default()
//! };
//! assert_eq!(request.purpose(), v1::Purpose::Regie);
//! ```

pub mod codec;
pub mod convert;
pub mod free_text;
pub mod payload;
pub mod status;

/// Generated code of package `rondom.v1`.
#[allow(unreachable_pub, missing_debug_implementations, clippy::all)]
pub mod v1 {
    tonic::include_proto!("rondom.v1");
}

/// Descriptor set of every `rondom.v1` file, for server reflection.
pub const FILE_DESCRIPTOR_SET: &[u8] = tonic::include_file_descriptor_set!("rondom_v1_descriptor");

/// The gRPC path of every method of every `rondom.v1` service (`/rondom.v1.<Service>/<Method>`).
static METHODS: std::sync::LazyLock<std::collections::BTreeSet<String>> =
    std::sync::LazyLock::new(|| {
        use prost::Message as _;
        let set = prost_types::FileDescriptorSet::decode(FILE_DESCRIPTOR_SET)
            .expect("the descriptor compiled into this crate decodes");
        set.file
            .iter()
            .flat_map(|file| {
                file.service.iter().flat_map(move |service| {
                    service.method.iter().map(move |method| {
                        format!("/{}.{}/{}", file.package(), service.name(), method.name())
                    })
                })
            })
            .collect()
    });

/// Returns whether `path` is the gRPC path of a method Rondom defines: only those may name
/// themselves in a log line, an audit record or a metric (a made-up path may carry anything).
pub fn is_method(path: &str) -> bool {
    METHODS.contains(path)
}

/// The gRPC paths of the methods of `service` (`rondom.v1.SignalService`).
pub fn methods_of(service: &str) -> impl Iterator<Item = &'static str> {
    METHODS
        .iter()
        .filter(move |path| {
            path.strip_prefix('/')
                .and_then(|path| path.split_once('/'))
                .is_some_and(|(of, _)| of == service)
        })
        .map(String::as_str)
}
