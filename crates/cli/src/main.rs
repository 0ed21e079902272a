//! `rondom`: runs the hub (`up`, `serve`) and talks to it (`signal`, `household`, `timeline`,
//! `worklist`, `subscribe`, `audit`, `demo`).

#[macro_use]
mod output;
mod command;
mod inzage;

use clap::Parser;

// The hub allocates and frees many small buffers per event (protobuf, sled nodes, h2 frames);
// glibc's malloc showed as the largest item of the ingest profile (issue 6, BENCHMARKS.md).
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

#[tokio::main]
async fn main() -> std::process::ExitCode {
    // Everything this process and its nats-server create (the read model, the log, keys,
    // backups) is its owner's alone: personal data, even sealed, is not for other accounts.
    nix::sys::stat::umask(nix::sys::stat::Mode::from_bits_truncate(0o077));
    let cli = command::Cli::parse();
    rondom_runtime::init_tracing(cli.log_filter());
    match cli.run().await {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(err) => {
            eprintln!("error: {}", output::error_report(&err));
            std::process::ExitCode::FAILURE
        }
    }
}
