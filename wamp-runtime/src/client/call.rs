//! Calls: the builder, progressive results, cancel-on-drop.

use std::fmt;
use std::future::{Future, IntoFuture};
use std::pin::Pin;
use std::task::{Context, Poll};
use std::time::Duration;

use futures_util::Stream;
use futures_util::future::BoxFuture;
use serde::Serialize;
use serde::de::DeserializeOwned;
use tokio::sync::{mpsc, oneshot};
use wamp_protocol::{Dict, Id, LazyDict, List, Payload, UriRules, Value};

use super::Client;
use crate::error::{CallError, TypedCallError};
use crate::session::Command;
use crate::wamp_error::WampError;

/// The answer to a call: positional and keyword results.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct CallOutput {
    /// Positional results.
    pub args: List,
    /// Keyword results.
    pub kwargs: Dict,
    /// The RESULT's details (decoded when first read: most callers never
    /// look at them).
    pub details: LazyDict,
}

impl CallOutput {
    /// Deserializes the result into `T`:
    /// one positional result and no keywords → that value;
    /// no positional results → the keyword results as a map/struct (or `()`
    /// / `None` when there are none); otherwise → all positional results as a
    /// sequence (a tuple or `Vec`).
    /// (The rules of [`Payload::decode`], which progressive results use too.)
    pub fn decode<T: DeserializeOwned>(self) -> Result<T, CallError> {
        Ok(self.into_payload().decode()?)
    }

    /// Positional and keyword results as one [`Payload`].
    pub fn into_payload(self) -> Payload {
        Payload {
            args: self.args,
            kwargs: self.kwargs,
        }
    }
}

type ProgressCallback = Box<dyn FnMut(Payload) + Send>;

/// A call being prepared; `.await` it to send it and wait for the result.
///
/// Dropping the future before it completes cancels the call: a CANCEL goes
/// to the router, which interrupts the callee.
#[must_use = "a call does nothing until it is awaited"]
pub struct CallBuilder {
    pub(super) client: Client,
    pub(super) procedure: String,
    pub(super) payload: Payload,
    pub(super) options: Dict,
    pub(super) timeout: Option<Duration>,
    pub(super) on_progress: Option<ProgressCallback>,
    pub(super) cancel_mode: CancelMode,
    pub(super) invalid: Option<CallError>,
}

/// What the router does with the callee when a call is cancelled (its
/// timeout passed, or its future was dropped): the `mode` of CANCEL. The
/// caller stops waiting at once in every mode.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum CancelMode {
    /// The callee is not told and runs to its end; its answer is dropped.
    Skip,
    /// The callee is interrupted; the router waits for its answer before it
    /// closes the call.
    Kill,
    /// The callee is interrupted; the router closes the call at once.
    #[default]
    KillNoWait,
}

impl CancelMode {
    /// The wire name: `"skip"`, `"kill"` or `"killnowait"`.
    pub fn as_str(&self) -> &'static str {
        match self {
            CancelMode::Skip => "skip",
            CancelMode::Kill => "kill",
            CancelMode::KillNoWait => "killnowait",
        }
    }
}

impl fmt::Debug for CallBuilder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("CallBuilder")
            .field("procedure", &self.procedure)
            .field("payload", &self.payload)
            .field("options", &self.options)
            .field("timeout", &self.timeout)
            .field("cancel_mode", &self.cancel_mode)
            .finish_non_exhaustive()
    }
}

impl CallBuilder {
    argument_methods!("call", "CALL", "caller's identity to the callee");

    /// Makes the call fail with `error` when awaited, before anything is
    /// sent (an earlier problem stays the one reported).
    pub(crate) fn failing(mut self, error: CallError) -> Self {
        self.invalid.get_or_insert(error);
        self
    }

    /// Gives up after `timeout`: the caller gets [`CallError::Timeout`] and a
    /// CANCEL goes out. The router-side `timeout` option is set too.
    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.timeout = Some(timeout);
        let millis = u64::try_from(timeout.as_millis()).unwrap_or(u64::MAX);
        self.options.insert("timeout".into(), Value::from(millis));
        self
    }

    /// How the callee is treated when this call is cancelled by its
    /// timeout or by dropping its future (default
    /// [`CancelMode::KillNoWait`]: interrupted at once).
    ///
    /// ```no_run
    /// # async fn demo(client: wamp_runtime::Client) -> Result<(), wamp_runtime::CallError> {
    /// use std::time::Duration;
    /// use wamp_runtime::CancelMode;
    ///
    /// // An idempotent job that may as well finish: do not interrupt it.
    /// let result = client
    ///     .call("com.example.rebuild_index")
    ///     .timeout(Duration::from_secs(5))
    ///     .cancel_mode(CancelMode::Skip)
    ///     .await;
    /// # Ok(()) }
    /// ```
    pub fn cancel_mode(mut self, mode: CancelMode) -> Self {
        self.cancel_mode = mode;
        self
    }

    /// Asks for progressive results and calls `callback` with each one, in
    /// order, before the final result is returned.
    pub fn on_progress(mut self, callback: impl FnMut(Payload) + Send + 'static) -> Self {
        self.on_progress = Some(Box::new(callback));
        self
    }

    /// Asks for progressive results and returns them as a [`Stream`], with
    /// the final result from [`ProgressiveCall::result`].
    pub fn with_progress(mut self) -> ProgressiveCall {
        let (progress, receiver) = mpsc::unbounded_channel();
        self.on_progress = None;
        ProgressiveCall {
            progress: receiver,
            result: Box::pin(self.run(Some(progress))),
        }
    }

    async fn run(mut self, stream: Option<mpsc::UnboundedSender<Payload>>) -> Result<CallOutput, CallError> {
        if let Some(invalid) = self.invalid.take() {
            return Err(invalid);
        }
        // The rules of `Uri::new`, checked in place: no copy of the string per request.
        wamp_protocol::validate(&self.procedure, UriRules::Loose, false)
            .map_err(|e| CallError::InvalidRequest(e.to_string()))?;
        self.client.check_connected()?;
        let callback = self.on_progress.take();
        let (progress_tx, mut progress_rx) = match (stream, &callback) {
            (Some(tx), _) => (Some(tx), None),
            (None, Some(_)) => {
                let (tx, rx) = mpsc::unbounded_channel();
                (Some(tx), Some(rx))
            }
            (None, None) => (None, None),
        };
        if progress_tx.is_some() {
            self.options.insert("receive_progress".into(), Value::Bool(true));
        }
        let client = self.client;
        let request = client.inner.request_ids.next();
        let frame = client.encode(
            &wamp_protocol::Call {
                request,
                options: self.options,
                procedure: self.procedure,
                payload: self.payload,
            }
            .into(),
        )?;
        let (reply, mut answer) = oneshot::channel();
        client
            .send_command(Command::Call {
                request,
                frame,
                reply,
                progress: progress_tx,
            })
            .await?;
        // From here on, dropping this future cancels the call.
        let mut guard = CancelOnDrop {
            client: Some(client.clone()),
            request,
            mode: self.cancel_mode,
        };

        let wait = async {
            let mut callback = callback;
            loop {
                tokio::select! {
                    biased;
                    Some(progress) = async { match progress_rx.as_mut() { Some(rx) => rx.recv().await, None => None } } => {
                        if let Some(callback) = callback.as_mut() {
                            callback(progress);
                        }
                    }
                    result = &mut answer => {
                        // Deliver progress that raced the final result, in order.
                        if let (Some(rx), Some(callback)) = (progress_rx.as_mut(), callback.as_mut()) {
                            while let Ok(progress) = rx.try_recv() {
                                callback(progress);
                            }
                        }
                        return result.unwrap_or_else(|_| {
                            Err(CallError::ConnectionLost("the session ended before answering".into()))
                        });
                    }
                }
            }
        };
        let result = match self.timeout {
            Some(limit) => match tokio::time::timeout(limit, wait).await {
                Ok(result) => result,
                Err(_) => {
                    guard.cancel();
                    return Err(CallError::Timeout(limit));
                }
            },
            None => wait.await,
        };
        guard.disarm();
        result
    }
}

impl IntoFuture for CallBuilder {
    type Output = Result<CallOutput, CallError>;
    type IntoFuture = BoxFuture<'static, Self::Output>;

    fn into_future(self) -> Self::IntoFuture {
        Box::pin(self.run(None))
    }
}

/// Sends CANCEL for a call whose future is dropped (or times out) before
/// the answer arrives.
struct CancelOnDrop {
    client: Option<Client>,
    request: Id,
    mode: CancelMode,
}

impl CancelOnDrop {
    fn disarm(&mut self) {
        self.client = None;
    }

    fn cancel(&mut self) {
        let Some(client) = self.client.take() else {
            return;
        };
        let mut options = Dict::new();
        options.insert("mode".into(), Value::String(self.mode.as_str().into()));
        let Ok(frame) = client.encode(
            &wamp_protocol::Cancel {
                request: self.request,
                options,
            }
            .into(),
        ) else {
            return;
        };
        let command = Command::Cancel {
            request: self.request,
            frame,
        };
        match client.inner.commands.try_send(command) {
            Ok(()) => {}
            Err(mpsc::error::TrySendError::Full(command)) => {
                // Drop cannot wait; hand the send to the runtime if there is one.
                if let Ok(runtime) = tokio::runtime::Handle::try_current() {
                    let commands = client.inner.commands.clone();
                    runtime.spawn(async move {
                        let _ = commands.send(command).await;
                    });
                }
            }
            Err(mpsc::error::TrySendError::Closed(_)) => {}
        }
    }
}

impl Drop for CancelOnDrop {
    fn drop(&mut self) {
        self.cancel();
    }
}

/// A call with progressive results: a [`Stream`] of progress payloads that
/// ends when the call completes, plus the final result.
///
/// ```no_run
/// # async fn demo(client: wamp_runtime::Client) -> Result<(), wamp_runtime::CallError> {
/// use futures_util::StreamExt;
///
/// let mut call = client.call("com.example.long_task").with_progress();
/// while let Some(progress) = call.next().await {
///     println!("progress: {}", progress.decode::<String>()?);
/// }
/// let done = call.result().await?;
/// # Ok(()) }
/// ```
#[must_use = "a call does nothing until it is polled"]
pub struct ProgressiveCall {
    progress: mpsc::UnboundedReceiver<Payload>,
    result: BoxFuture<'static, Result<CallOutput, CallError>>,
}

impl fmt::Debug for ProgressiveCall {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ProgressiveCall").finish_non_exhaustive()
    }
}

impl ProgressiveCall {
    /// Waits for the final result (progress not yet read stays readable).
    pub async fn result(self) -> Result<CallOutput, CallError> {
        self.result.await
    }
}

impl Stream for ProgressiveCall {
    type Item = Payload;

    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Payload>> {
        // Drive the call itself so it gets sent and its answer is taken in.
        if let Poll::Ready(Some(progress)) = self.progress.poll_recv(cx) {
            return Poll::Ready(Some(progress));
        }
        let this = &mut *self;
        match Future::poll(this.result.as_mut(), cx) {
            Poll::Ready(output) => {
                // Keep the result for `result()`; drain what progress is left.
                this.result = Box::pin(std::future::ready(output));
                match this.progress.try_recv() {
                    Ok(progress) => Poll::Ready(Some(progress)),
                    Err(_) => Poll::Ready(None),
                }
            }
            Poll::Pending => Poll::Pending,
        }
    }
}

impl CallBuilder {
    /// Sends the call and decodes the answer: the result into `T` (see
    /// [`CallOutput::decode`](crate::CallOutput::decode)), an `ERROR` into
    /// `E` when `E` knows its URI.
    ///
    /// ```no_run
    /// # async fn demo(client: wamp_runtime::Client) -> Result<(), Box<dyn std::error::Error>> {
    /// use wamp_runtime::ApplicationError;
    ///
    /// // With ApplicationError as E, every ERROR is `Mapped`.
    /// let sum: i64 = client.call("com.example.add").args((1, 2)).typed::<i64, ApplicationError>().await?;
    /// # Ok(()) }
    /// ```
    pub async fn typed<T, E>(self) -> Result<T, TypedCallError<E>>
    where
        T: DeserializeOwned,
        E: WampError,
    {
        let output = self.await.map_err(CallError::into_typed)?;
        Ok(output.decode()?)
    }
}
