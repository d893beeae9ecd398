//! The error reporting hook: failed handlers (panics, unmapped errors,
//! failing subscribers) reach the configured `ErrorReporter` with the URI
//! and the disclosed caller; mapped `WampError`s and bad arguments do not.

#![allow(clippy::unwrap_used)] // a failed unwrap is a failed test

mod common;

use std::sync::{Arc, Mutex};
use std::time::Duration;

use common::{PROMPTLY, connect, router};
use wamp_runtime::reporting::{ErrorReporter, HandlerFailure, HandlerKind};
use wamp_runtime::{CallContext, ClientConfig, Config, EventContext, Payload, RegisterOptions, Server, WampError};

mod services {
    use wamp_runtime::{CallContext, EventContext, WampError, procedure, subscriber};

    wamp_runtime::wamp_module!(prefix = "disclosed.reporting_test", disclose_caller = true);

    #[derive(Debug, thiserror::Error, WampError)]
    pub(crate) enum ShopError {
        #[error("out of stock")]
        #[wamp_error("error.out_of_stock")]
        OutOfStock,
    }

    #[procedure]
    fn buy(_ctx: CallContext, item: String) -> Result<String, ShopError> {
        match item.as_str() {
            "rare" => Err(ShopError::OutOfStock),
            _ => Ok(format!("bought {item}")),
        }
    }

    #[procedure]
    async fn export(_ctx: CallContext) -> Result<(), std::io::Error> {
        Err(std::io::Error::other("disk on fire"))
    }

    #[procedure]
    fn crash(_ctx: CallContext) -> i64 {
        panic!("the crash procedure always panics")
    }

    #[subscriber]
    fn listen(_ctx: EventContext, text: String) -> Result<(), std::io::Error> {
        Err(std::io::Error::other(format!("cannot store {text}")))
    }
}

#[derive(Debug, Default)]
struct Collect(Mutex<Vec<HandlerFailure>>);

impl ErrorReporter for Collect {
    fn report(&self, failure: &HandlerFailure) {
        self.0.lock().unwrap().push(failure.clone());
    }
}

impl Collect {
    async fn wait_for(&self, count: usize) -> Vec<HandlerFailure> {
        tokio::time::timeout(PROMPTLY, async {
            loop {
                let seen = self.0.lock().unwrap().clone();
                if seen.len() >= count {
                    return seen;
                }
                tokio::time::sleep(Duration::from_millis(20)).await;
            }
        })
        .await
        .expect("the failures are reported")
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn failed_handlers_are_reported_and_mapped_errors_are_not() {
    let reporter = Arc::new(Collect::default());
    let config = Config::single(ClientConfig::new(router().url(), "realm1").unwrap());
    let server = Server::new(config)
        .error_reporter(reporter.clone())
        .start()
        .await
        .unwrap();
    let caller = connect().await;

    // Part of the API: not reported.
    let mapped = caller
        .call("disclosed.reporting_test.buy")
        .arg("rare")
        .await
        .unwrap_err();
    assert_eq!(mapped.uri(), Some("disclosed.reporting_test.error.out_of_stock"));
    let _ = services::ShopError::OutOfStock.to_application_error();
    // The caller's mistake: not reported.
    let invalid = caller
        .call("disclosed.reporting_test.buy")
        .arg(1)
        .arg(2)
        .await
        .unwrap_err();
    assert_eq!(invalid.uri(), Some("wamp.error.invalid_argument"));

    // Failures: reported, with the caller the router disclosed.
    let unmapped = caller
        .call("disclosed.reporting_test.export")
        .disclose_me(true)
        .await
        .unwrap_err();
    assert_eq!(unmapped.uri(), Some("wamp.error.runtime_error"));
    let panicked = caller.call("disclosed.reporting_test.crash").await.unwrap_err();
    assert_eq!(panicked.uri(), Some("wamp.error.runtime_error"));
    caller
        .publish("disclosed.reporting_test.listen")
        .arg("news")
        .acknowledged()
        .await
        .unwrap();

    let failures = reporter.wait_for(3).await;
    tokio::time::sleep(Duration::from_millis(300)).await;
    let failures_after = reporter.0.lock().unwrap().len();
    assert_eq!(failures_after, 3, "{failures:#?}");

    let export = failures
        .iter()
        .find(|f| f.uri == "disclosed.reporting_test.export")
        .unwrap();
    assert_eq!(export.kind, HandlerKind::Procedure);
    assert!(!export.panicked);
    assert_eq!(export.message, "disk on fire");
    assert_eq!(export.sent.as_ref().map(|e| e.uri()), Some("wamp.error.runtime_error"));
    let caller_session = caller.session_id().unwrap();
    assert_eq!(export.peer.as_ref().and_then(|p| p.session), Some(caller_session));

    let crash = failures
        .iter()
        .find(|f| f.uri == "disclosed.reporting_test.crash")
        .unwrap();
    assert!(crash.panicked);
    assert_eq!(crash.message, "the crash procedure always panics");
    assert_eq!(
        crash.to_string(),
        "procedure disclosed.reporting_test.crash panicked: the crash procedure always panics"
    );

    let listen = failures
        .iter()
        .find(|f| f.uri == "disclosed.reporting_test.listen")
        .unwrap();
    assert_eq!(listen.kind, HandlerKind::Subscriber);
    assert_eq!(listen.message, "cannot store news");
    assert!(listen.sent.is_none());

    server.stop().await.unwrap();
}

fn panicking_event_handler(_ctx: EventContext, _payload: Payload) {
    panic!("event handler panicked")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_client_level_reporter_sees_panics_of_raw_handlers() {
    let reporter = Arc::new(Collect::default());
    let callee = connect().await;
    callee.set_error_reporter(reporter.clone());
    let procedure = common::unique("reporting.raw");
    callee
        .register(
            &procedure,
            |_ctx: CallContext, _payload: Payload| -> Result<Payload, wamp_runtime::ApplicationError> {
                panic!("raw handler panicked")
            },
            RegisterOptions::default(),
        )
        .await
        .unwrap();
    let topic = common::unique("reporting.raw_topic");
    callee
        .subscribe(&topic, panicking_event_handler, Default::default())
        .await
        .unwrap();
    let caller = connect().await;
    let error = caller.call(&procedure).await.unwrap_err();
    assert_eq!(error.uri(), Some("wamp.error.runtime_error"));
    caller.publish(&topic).acknowledged().await.unwrap();

    let failures = reporter.wait_for(2).await;
    assert!(failures.iter().all(|f| f.panicked), "{failures:#?}");
    assert!(
        failures
            .iter()
            .any(|f| f.uri == procedure && f.message == "raw handler panicked")
    );
    assert!(
        failures
            .iter()
            .any(|f| f.uri == topic && f.kind == HandlerKind::Subscriber)
    );
    // A raw handler's own ApplicationError is its answer, not a failure.
    assert_eq!(reporter.0.lock().unwrap().len(), 2);
    callee.leave().await.unwrap();
    caller.leave().await.unwrap();
}
