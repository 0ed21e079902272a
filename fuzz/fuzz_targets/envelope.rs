//! A message on RONDOM_EVENTS as the projector and partner subscriptions receive it: CloudEvents
//! headers and a protobuf payload, from whoever could publish to the stream.
#![no_main]

use arbitrary::Arbitrary;
use libfuzzer_sys::fuzz_target;

/// The headers a Rondom event carries, so the fuzzer spends its time on their values.
const NAMES: [&str; 10] = [
    "ce-specversion",
    "ce-id",
    "ce-source",
    "ce-type",
    "ce-subject",
    "ce-time",
    "ce-datacontenttype",
    "ce-dataschema",
    "Nats-Msg-Id",
    "x-other",
];

#[derive(Debug, Arbitrary)]
struct Message {
    position: u64,
    headers: Vec<(u8, String)>,
    payload: Vec<u8>,
}

fuzz_target!(|message: Message| {
    let mut headers = async_nats::HeaderMap::new();
    for (name, value) in &message.headers {
        // What NATS can deliver: a header value never holds a line break.
        let Ok(value) = value.parse::<async_nats::header::HeaderValue>() else {
            continue;
        };
        headers.append(NAMES[usize::from(*name) % NAMES.len()], value);
    }
    let _ = rondom_bus::ReceivedEvent::decode(message.position, Some(&headers), &message.payload);
});
