//! Shared helpers of the integration tests: every test talks to a real
//! Crossbar router started by `wamp-testkit` (one per test binary).

#![allow(dead_code, unreachable_pub)]

use std::time::Duration;

use tokio::sync::mpsc;
use wamp_runtime::config::ReconnectPolicy;
use wamp_runtime::{Client, ClientConfig};
pub mod cargo;
pub mod example;
pub mod load;

use wamp_testkit::Router;

/// The router shared by the tests of this binary (default config: realm
/// `realm1`, transports `default` and `restricted`).
pub fn router() -> &'static Router {
    wamp_testkit::shared_router()
}

/// A client joined to `realm1` over the router's default transport.
pub async fn connect() -> Client {
    connect_to(&router().url()).await
}

/// Starts a server of `client` that binds only `registry`'s handlers (not
/// the test binary's link-time ones).
pub async fn start_registry(
    client: ClientConfig,
    registry: wamp_runtime::registry::Registry,
) -> Result<wamp_runtime::RunningServer, wamp_runtime::Error> {
    wamp_runtime::Server::new(wamp_runtime::Config::single(client))
        .without_link_time_handlers()
        .registry(registry)
        .start()
        .await
}

/// A client joined to `realm1` at `url`.
pub async fn connect_to(url: &str) -> Client {
    let config = ClientConfig::new(url, "realm1").expect("valid test config");
    Client::connect(&config).await.expect("join realm1")
}

/// A reconnect policy that retries within half a second, so that tests
/// which restart the router do not wait for the default backoff.
pub fn fast_policy() -> ReconnectPolicy {
    let mut policy = ReconnectPolicy::default();
    policy.initial_delay = Duration::from_millis(100);
    policy.multiplier = 1.5;
    policy.max_delay = Duration::from_millis(500);
    policy
}

/// How long a test waits for something that should happen promptly.
pub const PROMPTLY: Duration = Duration::from_secs(5);

/// Receives the next item or fails the test after [`PROMPTLY`].
pub async fn next<T>(rx: &mut mpsc::UnboundedReceiver<T>) -> T {
    tokio::time::timeout(PROMPTLY, rx.recv())
        .await
        .expect("timed out waiting for the next item")
        .expect("channel closed")
}

/// The next item of `rx` that `wanted` accepts (other tests' items pass
/// by), or fails the test after [`PROMPTLY`].
pub async fn next_matching<T: Clone>(rx: &mut tokio::sync::broadcast::Receiver<T>, wanted: impl Fn(&T) -> bool) -> T {
    tokio::time::timeout(PROMPTLY, async {
        loop {
            let item = rx.recv().await.expect("the channel is open");
            if wanted(&item) {
                return item;
            }
        }
    })
    .await
    .expect("timed out waiting for the item")
}

/// Asserts that nothing arrives within a short quiet period.
pub async fn assert_nothing<T: std::fmt::Debug>(rx: &mut mpsc::UnboundedReceiver<T>) {
    if let Ok(Some(item)) = tokio::time::timeout(Duration::from_millis(400), rx.recv()).await {
        panic!("expected nothing, got {item:?}");
    }
}

/// A unique URI for one test, so tests sharing a router never collide.
pub fn unique(prefix: &str) -> String {
    use std::sync::atomic::{AtomicU64, Ordering};
    static NEXT: AtomicU64 = AtomicU64::new(1);
    format!(
        "{prefix}.t{}_{}",
        std::process::id(),
        NEXT.fetch_add(1, Ordering::Relaxed)
    )
}
