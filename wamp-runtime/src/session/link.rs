//! One open connection with its joined session: the I/O half of the
//! session (writes that must not stall, keepalive pings).

use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::task::Poll;
use std::time::Duration;

use futures_util::SinkExt;
use wamp_protocol::Serializer;

use super::protocol::End;
use crate::config::ClientConfig;
use crate::connect::{Opened, SessionDetails};
use crate::transport::{FrameSink, FrameStream, Outgoing, TransportError};

/// Waits for a write to the transport, at most `stall`: a router that stops
/// reading fills the socket buffers, and then a write never completes. That
/// is a dead link, like a ping left unanswered for the same time, and it must
/// not freeze the session task (and with it every caller and `leave`). A
/// single frame too large to reach the socket within `ping_timeout` on a slow
/// link is also cut off: set `ping_timeout` above that time.
async fn unstalled<F>(stall: Duration, what: &str, write: F) -> Result<(), End>
where
    F: Future<Output = Result<(), TransportError>>,
{
    let mut write = std::pin::pin!(write);
    // Nearly every write completes at once: only one that has to wait gets a
    // deadline, so the common case does not read the clock.
    let written = match std::future::poll_fn(|cx| Poll::Ready(write.as_mut().poll(cx))).await {
        Poll::Ready(written) => written,
        Poll::Pending => match tokio::time::timeout(stall, write).await {
            Ok(written) => written,
            Err(_) => {
                return Err(End::Lost(format!(
                    "cannot {what}: the router has not read anything for {stall:?} (it stopped reading)"
                )));
            }
        },
    };
    written.map_err(|e| End::Lost(format!("cannot {what}: {e}")))
}

pub(crate) struct Link {
    pub(super) serializer: Arc<dyn Serializer>,
    sink: FrameSink,
    pub(super) stream: FrameStream,
    pub(super) details: Arc<SessionDetails>,
    /// Ticks every `ping_interval` when keepalive pings are on.
    pub(super) keepalive: Option<tokio::time::Interval>,
    pub(super) ping_timeout: Duration,
    /// Set while a ping waits for any sign of life from the router.
    pub(super) pong_deadline: Option<Pin<Box<tokio::time::Sleep>>>,
    /// Frames were fed to the sink since the last flush: one flush per
    /// batch costs one syscall where one per frame cost one each.
    unflushed: bool,
}

impl Link {
    pub(crate) fn new(opened: Opened, config: &ClientConfig) -> Link {
        let Opened {
            connection,
            serializer,
            details,
            router: _,
        } = opened;
        // Only over transports whose routers understand pings (see `Connection::pings`).
        let keepalive = config
            .ping_interval
            .filter(|i| !i.is_zero() && connection.pings)
            .map(|interval| {
                let mut ticker = tokio::time::interval_at(tokio::time::Instant::now() + interval, interval);
                ticker.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
                ticker
            });
        Link {
            serializer,
            sink: connection.sink,
            stream: connection.stream,
            details: Arc::new(details),
            keepalive,
            ping_timeout: config.ping_timeout,
            pong_deadline: None,
            unflushed: false,
        }
    }

    pub(crate) fn serializer(&self) -> Arc<dyn Serializer> {
        self.serializer.clone()
    }

    pub(crate) fn details(&self) -> Arc<SessionDetails> {
        self.details.clone()
    }

    /// Queues a frame; it goes out with the next [`flush`](Self::flush),
    /// which the session loop does before it waits for anything.
    pub(super) async fn write(&mut self, bytes: Vec<u8>) -> Result<(), End> {
        self.unflushed = true;
        let stall = self.ping_timeout;
        unstalled(stall, "send", self.sink.feed(Outgoing::Frame(bytes))).await
    }

    /// Queues every frame of `frames`, in order, leaving it empty.
    pub(super) async fn write_all(&mut self, frames: &mut Vec<Vec<u8>>) -> Result<(), End> {
        for frame in frames.drain(..) {
            self.write(frame).await?;
        }
        Ok(())
    }

    pub(super) async fn flush(&mut self) -> Result<(), End> {
        if !self.unflushed {
            return Ok(());
        }
        self.unflushed = false;
        let stall = self.ping_timeout;
        unstalled(stall, "send", self.sink.flush()).await
    }

    /// Any traffic proves the link is alive: a ping waits no more.
    pub(super) fn alive(&mut self) {
        self.pong_deadline = None;
    }

    pub(super) fn awaiting_pong(&self) -> bool {
        self.pong_deadline.is_some()
    }

    pub(super) async fn send_ping(&mut self) -> Result<(), End> {
        self.pong_deadline = Some(Box::pin(tokio::time::sleep(self.ping_timeout)));
        let stall = self.ping_timeout;
        unstalled(stall, "send a ping", self.sink.send(Outgoing::Ping)).await
    }

    /// Closes the connection, waiting at most `ping_timeout`: the close
    /// frame goes into the same socket, and a router that stopped reading
    /// would hold us here for good.
    pub(super) async fn close(mut self) {
        let _ = self.flush().await;
        let _ = tokio::time::timeout(self.ping_timeout, self.sink.close()).await;
    }
}

/// Waits for a deadline when one is set; never completes otherwise.
pub(super) async fn wait_for(deadline: &mut Option<Pin<Box<tokio::time::Sleep>>>) {
    match deadline {
        Some(sleep) => sleep.as_mut().await,
        None => std::future::pending().await,
    }
}

/// Waits for the next keepalive tick when pings are on; never completes otherwise.
pub(super) async fn tick(keepalive: &mut Option<tokio::time::Interval>) {
    match keepalive {
        Some(interval) => {
            interval.tick().await;
        }
        None => std::future::pending().await,
    }
}
