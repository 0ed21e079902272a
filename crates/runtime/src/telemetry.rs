//! Tracing for binaries; libraries only emit events.

use tracing_subscriber::EnvFilter;

/// Installs the global subscriber: `RUST_LOG` filter (else `default_filter`), JSON lines when
/// `RONDOM_LOG_FORMAT=json`. Calling it twice is harmless (tests do).
pub fn init_tracing(default_filter: &str) {
    let filter = EnvFilter::try_from_default_env().unwrap_or_else(|_| default_filter.into());
    let json = std::env::var("RONDOM_LOG_FORMAT").is_ok_and(|format| format == "json");
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr);
    // try_init fails only when a subscriber is already set, which is fine.
    let _ = if json {
        builder.json().try_init()
    } else {
        builder.try_init()
    };
}
