//! The session task: drives the [`Protocol`] with the link's frames, the
//! handles' commands and the timers, writes what it asks to write, starts
//! the handler tasks it asks for, and reconnects when a link is lost.

use std::future::Future;
use std::pin::Pin;

use futures_util::StreamExt;
use tokio::sync::mpsc;
use tokio::task::JoinSet;
use tokio::time::{Instant, Sleep};

use super::command::Command;
use super::link::{Link, tick, wait_for};
use super::protocol::{AfterLoss, End, Out, Protocol};
use crate::config::{ClientConfig, ReconnectPolicy};
use crate::connect::{is_permanent, open_round};
use crate::transport::{Incoming, TransportError};

/// At most this many queued commands are served in a row before the
/// session looks at its other inputs (and flushes). Large enough
/// that 100 calls in flight go out in a couple of writes; small enough that
/// a flood of one kind does not starve the other for long.
const BATCH: usize = 64;

pub(crate) struct Session {
    protocol: Protocol,
    commands: mpsc::Receiver<Command>,
    /// `false` once every handle is gone (`recv` would then return at once, forever).
    commands_open: bool,
    /// Every handler task (invocations and subscribers), aborted at the end.
    tasks: JoinSet<()>,
    out: Out,
    config: ClientConfig,
    policy: ReconnectPolicy,
    /// The index in [`ClientConfig::urls`] of the router last joined: a
    /// reconnect starts with the next one.
    router: usize,
}

/// The protocol's deadline, as a timer that is rebuilt only when it changes.
#[derive(Default)]
struct Timer(Option<(Instant, Pin<Box<Sleep>>)>);

impl Timer {
    fn set(&mut self, deadline: Option<Instant>) {
        if self.0.as_ref().map(|(at, _)| *at) != deadline {
            self.0 = deadline.map(|at| (at, Box::pin(tokio::time::sleep_until(at))));
        }
    }

    async fn wait(&mut self) {
        match &mut self.0 {
            Some((_, sleep)) => sleep.as_mut().await,
            None => std::future::pending().await,
        }
    }
}

impl Session {
    pub(crate) fn new(
        protocol: Protocol,
        commands: mpsc::Receiver<Command>,
        config: &ClientConfig,
        policy: ReconnectPolicy,
        router: usize,
    ) -> Self {
        Self {
            protocol,
            commands,
            commands_open: true,
            tasks: JoinSet::new(),
            out: Out::default(),
            config: config.clone(),
            policy,
            router,
        }
    }

    /// The whole life of the client: joined → lost → reconnecting → joined
    /// ... → closed. `link` is the connection `Client::connect` opened.
    pub(crate) async fn run(mut self, mut link: Link) {
        let (reason, clean) = loop {
            let end = self.serve(&mut link).await;
            let after = self.protocol.link_ended(&end, &mut self.out);
            let _ = link.write_all(&mut self.out.frames).await;
            link.close().await;
            let reason = match after {
                AfterLoss::Close { reason, clean } => break (reason, clean),
                AfterLoss::Reconnect(reason) => reason,
            };
            match self.reconnect(&reason).await {
                Ok(next) => {
                    link = next;
                    self.protocol.rejoined(link.serializer(), link.details(), &mut self.out);
                }
                Err(stop) => break stop,
            }
        };
        self.finish(reason, clean).await;
    }

    /// Serves commands and messages until the link ends.
    async fn serve(&mut self, link: &mut Link) -> End {
        let mut timer = Timer::default();
        if let Err(end) = self.carry_out(link).await {
            return end;
        }
        loop {
            timer.set(self.protocol.deadline());
            let step = tokio::select! {
                incoming = link.stream.next() => self.on_incoming(link, incoming).await,
                command = self.commands.recv(), if self.commands_open => match command {
                    Some(command) => self.on_commands(command),
                    None => {
                        self.commands_open = false;
                        self.protocol.handles_gone(&mut self.out);
                        Ok(())
                    }
                },
                Some(_) = self.tasks.join_next(), if !self.tasks.is_empty() => Ok(()),
                () = timer.wait() => self.protocol.on_deadline(&mut self.out),
                _ = tick(&mut link.keepalive), if !link.awaiting_pong() => link.send_ping().await,
                () = wait_for(&mut link.pong_deadline) => Err(End::Lost(format!(
                    "the router did not answer a ping within {:?}",
                    link.ping_timeout
                ))),
            };
            // Whatever the step queued goes out before the loop waits again
            // (also when it ended the link: a GOODBYE's answer, say).
            let carried = self.carry_out(link).await;
            if let Err(end) = step.and(carried) {
                return end;
            }
        }
    }

    /// Writes the frames the protocol queued, starts its handler tasks, and flushes.
    async fn carry_out(&mut self, link: &mut Link) -> Result<(), End> {
        for task in self.out.tasks.drain(..) {
            self.tasks.spawn(task.run());
        }
        link.write_all(&mut self.out.frames).await?;
        link.flush().await
    }

    /// Handles what the transport delivered. Frames it has already read
    /// come with the next `select!` without touching the socket; taking them
    /// here instead would cost one more poll of the stream (for WebSocket a
    /// zero-fill of tungstenite's read chunk) whenever none is left.
    async fn on_incoming(
        &mut self,
        link: &mut Link,
        incoming: Option<Result<Incoming, TransportError>>,
    ) -> Result<(), End> {
        match incoming {
            Some(Ok(incoming)) => {
                // Frames tungstenite has already buffered cost no I/O, so
                // without this the task could go through thousands of them
                // in one turn. The handler tasks it feeds wait on this
                // worker (tokio's LIFO slot) until it yields: a burst from
                // the router then overflowed even a fast subscriber's queue.
                // Spending budget per frame yields every 128 frames.
                tokio::task::coop::consume_budget().await;
                link.alive();
                match incoming {
                    Incoming::Frame(frame) => self.protocol.on_frame(&frame, &mut self.out),
                    Incoming::Pong => Ok(()),
                }
            }
            Some(Err(e)) => Err(End::Lost(e.to_string())),
            None => Err(End::Lost("the router closed the connection".into())),
        }
    }

    /// Serves `command`, then the commands already queued behind it (up to
    /// [`BATCH`]), so that their frames leave in one flush.
    fn on_commands(&mut self, command: Command) -> Result<(), End> {
        self.protocol.on_command(command, &mut self.out)?;
        for _ in 1..BATCH {
            match self.commands.try_recv() {
                Ok(command) => self.protocol.on_command(command, &mut self.out)?,
                Err(_) => break,
            }
        }
        Ok(())
    }

    /// Waits the policy's backoff and reconnects, serving commands
    /// meanwhile. `Err` with the final reason when the policy gives up, the
    /// credentials are refused, or the client is stopped (then with `true`:
    /// a clean end).
    async fn reconnect(&mut self, reason: &str) -> Result<Link, (String, bool)> {
        let mut attempt = 0u32;
        loop {
            attempt += 1;
            if !self.policy.allows(attempt) {
                let reason = match attempt {
                    1 => reason.to_owned(),
                    _ => format!("{reason}; gave up after {} reconnect attempts", attempt - 1),
                };
                return Err((reason, false));
            }
            let delay = self.policy.delay(attempt, rand::random::<f64>());
            tracing::info!(attempt, ?delay, "reconnecting");
            self.protocol.reconnecting(attempt, delay, reason);
            let stopped = || ("the client was stopped while reconnecting".to_owned(), true);
            if self.offline(tokio::time::sleep(delay)).await.is_none() {
                return Err(stopped());
            }
            let config = self.config.clone();
            let next = self.router + 1;
            let opened = self.offline(async move { open_round(&config, next, is_permanent).await });
            match opened.await {
                None => return Err(stopped()),
                Some(Ok(opened)) => {
                    self.router = opened.router;
                    return Ok(Link::new(opened, &self.config));
                }
                Some(Err(e)) if is_permanent(&e) => return Err((format!("cannot reconnect: {e}"), false)),
                Some(Err(e)) => tracing::warn!(attempt, error = %e, "reconnect attempt failed"),
            }
        }
    }

    /// Runs `work` while serving commands without a link. `None` when the
    /// client is stopped (or every handle dropped) meanwhile.
    async fn offline<F: Future>(&mut self, work: F) -> Option<F::Output> {
        let mut work = std::pin::pin!(work);
        loop {
            tokio::select! {
                output = &mut work => return Some(output),
                command = self.commands.recv(), if self.commands_open => match command {
                    Some(command) => {
                        if self.protocol.on_command(command, &mut self.out).is_err() {
                            return None;
                        }
                    }
                    None => return None,
                },
                Some(_) = self.tasks.join_next(), if !self.tasks.is_empty() => {}
            }
        }
    }

    /// No more reconnects: handler tasks still running are aborted, then
    /// observers and whoever waits learn why.
    async fn finish(mut self, reason: String, clean: bool) {
        self.commands.close();
        // Commands still queued are dropped with their reply senders, which
        // their callers see as a lost connection.
        while self.commands.try_recv().is_ok() {}
        self.protocol.close();
        self.tasks.shutdown().await;
        self.protocol.closed(reason, clean);
    }
}
