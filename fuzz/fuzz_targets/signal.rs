//! A PostSignal request as a wijkteam system sends it: protobuf bytes, decoded and checked the
//! way the wijkteam adapter checks them before anything is published.
#![no_main]

use libfuzzer_sys::fuzz_target;
use prost::Message as _;
use rondom_proto::v1;

fuzz_target!(|bytes: &[u8]| {
    let Ok(request) = v1::PostSignalRequest::decode(bytes) else {
        return;
    };
    let _ = rondom_domain::Signal::validate(request.into(), chrono::Utc::now());
});
