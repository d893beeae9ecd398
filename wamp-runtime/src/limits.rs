//! The per-procedure limits of [`RegisterOptions`]. How many invocations
//! of one handler run at once (`concurrency`) wraps the handler, so the
//! session sees one more [`ProcedureHandler`]; how many it holds at once,
//! running or waiting (`queue_limit`), the session counts, beside the
//! client's `invocation_queue` that it overrides.

use std::sync::Arc;

use futures_util::future::BoxFuture;
use tokio::sync::Semaphore;
use wamp_protocol::Payload;

use crate::error::ApplicationError;
use crate::handler::{CallContext, ProcedureHandler, ProcedureResult};
use crate::options::RegisterOptions;

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

/// `handler` behind the concurrency limit of `options`; unchanged when it
/// sets none.
pub(crate) fn limited(
    handler: Arc<dyn ProcedureHandler>,
    options: &RegisterOptions,
) -> Result<Arc<dyn ProcedureHandler>, ZeroLimit> {
    check(options)?;
    Ok(match options.concurrency {
        Some(limit) => Arc::new(Limited {
            inner: handler,
            permits: Arc::new(Semaphore::new(limit)),
        }),
        None => handler,
    })
}

/// A handler with at most `permits` invocations running at once (the
/// others wait in arrival order: tokio's semaphore is fair).
struct Limited {
    inner: Arc<dyn ProcedureHandler>,
    permits: Arc<Semaphore>,
}

impl ProcedureHandler for Limited {
    fn invoke(&self, ctx: CallContext, payload: Payload) -> BoxFuture<'static, ProcedureResult> {
        let inner = self.inner.clone();
        let permits = self.permits.clone();
        Box::pin(async move {
            let _permit = tokio::select! {
                permit = permits.acquire_owned() => permit.ok(),
                () = ctx.cancelled() => {
                    return Err(ApplicationError::with_message(
                        ApplicationError::CANCELED,
                        "the call was cancelled while waiting for a free handler",
                    ));
                }
            };
            inner.invoke(ctx, payload).await
        })
    }

    fn states(&self) -> Vec<crate::state::StateKey> {
        self.inner.states()
    }
}
