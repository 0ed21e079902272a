//! The files an operator writes: the clients file, bylaw terms and retention periods. A wrong
//! file must be refused with a message, never crash the hub.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|text: &str| {
    let _ = rondom_access::clients::Clients::from_toml(text);
    let _ = rondom_domain::bylaw::BylawTerms::from_toml(text);
    let _ = rondom_domain::retention::RetentionTerms::from_toml(text);
});
