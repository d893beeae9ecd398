//! The per-procedure limits of [`RegisterOptions`]: how many invocations
//! of one handler run at once (`concurrency`) and how many it holds at
//! once, running or waiting (`queue_limit`). They wrap the handler, so the
//! session sees one more [`ProcedureHandler`].

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use futures_util::future::BoxFuture;
use tokio::sync::Semaphore;
use wamp_core::Payload;

use crate::client::RegisterOptions;
use crate::error::ApplicationError;
use crate::handler::{CallContext, ProcedureHandler, ProcedureResult};

/// A limit of 0 would refuse or block every invocation.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{option} must be at least 1")]
pub(crate) struct ZeroLimit {
    /// `"concurrency"` or `"queue_limit"`.
    pub(crate) option: &'static str,
}

/// Checks that the limits of `options` can let an invocation run.
pub(crate) fn check(options: &RegisterOptions) -> Result<(), ZeroLimit> {
    if options.concurrency == Some(0) {
        return Err(ZeroLimit { option: "concurrency" });
    }
    if options.queue_limit == Some(0) {
        return Err(ZeroLimit { option: "queue_limit" });
    }
    Ok(())
}

/// `handler` behind the limits of `options`; unchanged when it sets none.
pub(crate) fn limited(
    handler: Arc<dyn ProcedureHandler>,
    options: &RegisterOptions,
) -> Result<Arc<dyn ProcedureHandler>, ZeroLimit> {
    check(options)?;
    if options.concurrency.is_none() && options.queue_limit.is_none() {
        return Ok(handler);
    }
    Ok(Arc::new(Limited {
        inner: handler,
        permits: options.concurrency.map(|limit| Arc::new(Semaphore::new(limit))),
        held: options.queue_limit.map(|limit| (limit, Arc::new(AtomicUsize::new(0)))),
    }))
}

/// A handler with at most `permits` invocations running at once (the
/// others wait in arrival order: tokio's semaphore is fair) and at most
/// `held.0` invocations held at once.
struct Limited {
    inner: Arc<dyn ProcedureHandler>,
    permits: Option<Arc<Semaphore>>,
    held: Option<(usize, Arc<AtomicUsize>)>,
}

/// One invocation counted as held until it ends, however it ends (an
/// interrupted or dropped invocation too).
struct Held(Arc<AtomicUsize>);

impl Drop for Held {
    fn drop(&mut self) {
        self.0.fetch_sub(1, Ordering::AcqRel);
    }
}

impl ProcedureHandler for Limited {
    fn invoke(&self, ctx: CallContext, payload: Payload) -> BoxFuture<'static, ProcedureResult> {
        let held = match &self.held {
            Some((limit, count)) => {
                let guard = Held(count.clone());
                if count.fetch_add(1, Ordering::AcqRel) >= *limit {
                    // Refused at once: the caller learns now, instead of
                    // after a backlog that may outlast its timeout.
                    drop(guard);
                    tracing::warn!(procedure = %ctx.procedure(), limit,
                        "refusing an invocation: the procedure already holds queue_limit invocations");
                    let error = ApplicationError::with_message(
                        ApplicationError::UNAVAILABLE,
                        format!(
                            "procedure {} is busy: {limit} invocations are already in flight at its callee \
                             (queue_limit); try again later",
                            ctx.procedure()
                        ),
                    );
                    return Box::pin(std::future::ready(Err(error)));
                }
                Some(guard)
            }
            None => None,
        };
        let inner = self.inner.clone();
        let permits = self.permits.clone();
        Box::pin(async move {
            let _held = held;
            let _permit = match permits {
                Some(permits) => tokio::select! {
                    permit = permits.acquire_owned() => permit.ok(),
                    () = ctx.cancelled() => {
                        return Err(ApplicationError::with_message(
                            ApplicationError::CANCELED,
                            "the call was cancelled while waiting for a free handler",
                        ));
                    }
                },
                None => None,
            };
            inner.invoke(ctx, payload).await
        })
    }

    fn states(&self) -> Vec<crate::state::StateKey> {
        self.inner.states()
    }
}
