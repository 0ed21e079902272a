//! Graceful shutdown on Ctrl-C or SIGTERM.

use tracing::info;

/// Resolves when the process receives Ctrl-C (SIGINT) or SIGTERM, and logs which one.
pub async fn shutdown_signal() {
    let ctrl_c = async {
        if let Err(err) = tokio::signal::ctrl_c().await {
            tracing::error!(
                error = &err as &dyn std::error::Error,
                "cannot listen for Ctrl-C"
            );
            std::future::pending::<()>().await;
        }
    };
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut signal) => {
                signal.recv().await;
            }
            Err(err) => {
                tracing::error!(
                    error = &err as &dyn std::error::Error,
                    "cannot listen for SIGTERM"
                );
                std::future::pending::<()>().await;
            }
        }
    };
    tokio::select! {
        () = ctrl_c => info!(signal = "SIGINT", "shutting down"),
        () = terminate => info!(signal = "SIGTERM", "shutting down"),
    }
}
