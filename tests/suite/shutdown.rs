//! Graceful shutdown of a real example process: SIGTERM while a call is in
//! flight; the caller still gets its result and the process exits 0.

#![allow(clippy::unwrap_used)] // a failed unwrap is a failed test

use crate::common;

use std::future::IntoFuture;
use std::time::{Duration, Instant};

use common::example::Example;
use common::{connect, router};

const TIMEOUT: Duration = Duration::from_secs(30);

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sigterm_lets_the_call_in_flight_finish_and_exits_zero() {
    let url = router().url();
    let service = tokio::task::block_in_place(|| {
        let mut service = Example::start("register", &[("WAMP_URL", url.as_str()), ("WAMP_REALM", "realm1")]);
        service.wait_for("registered", TIMEOUT);
        service
    });
    let caller = connect().await;
    // About 2 s of work (ten steps of 200 ms).
    let call = tokio::spawn(caller.call("com.example.long_operation").into_future());
    tokio::time::sleep(Duration::from_millis(500)).await;

    let signalled = Instant::now();
    let status = tokio::task::spawn_blocking(move || {
        let status = service.terminate(TIMEOUT);
        (status, signalled.elapsed())
    });
    let result = tokio::time::timeout(TIMEOUT, call).await.unwrap().unwrap();
    let done: String = result.expect("the call in flight gets its result").decode().unwrap();
    assert_eq!(done, "Done");
    let (status, took) = status.await.unwrap();
    assert!(status.success(), "{status}");
    // It waited for the call (about 1.5 s more), not for the 15 s shutdown timeout.
    assert!(took >= Duration::from_millis(1000), "{took:?}");
    assert!(took < Duration::from_secs(10), "{took:?}");

    // Unregistered first: new calls find nothing.
    let error = caller.call("com.example.add").args((1, 2)).await.unwrap_err();
    assert_eq!(error.uri(), Some("wamp.error.no_such_procedure"), "{error}");
    caller.leave().await.unwrap();
}
