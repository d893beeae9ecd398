//! Waiting for the operating system to ask the process to stop.

/// Completes when the process receives Ctrl-C (SIGINT) or, on Unix, SIGTERM.
///
/// Services await it next to their work to shut down cleanly:
///
/// ```no_run
/// # async fn demo(client: wamp_runtime::Client) -> Result<(), wamp_runtime::Error> {
/// wamp_runtime::shutdown_signal().await;
/// client.leave().await?;
/// # Ok(()) }
/// ```
pub async fn shutdown_signal() {
    let ctrl_c = async {
        if let Err(e) = tokio::signal::ctrl_c().await {
            tracing::error!(error = %e, "cannot listen for Ctrl-C");
            std::future::pending::<()>().await;
        }
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut signal) => {
                signal.recv().await;
            }
            Err(e) => {
                tracing::error!(error = %e, "cannot listen for SIGTERM");
                std::future::pending::<()>().await;
            }
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => tracing::info!("received Ctrl-C, stopping"),
        () = terminate => tracing::info!("received SIGTERM, stopping"),
    }
}
