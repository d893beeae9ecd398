//! Handles of active registrations and subscriptions.

use std::sync::Arc;

use tokio::sync::oneshot;
use wamp_protocol::Id;

use super::{Client, receive};
use crate::error::CallError;
use crate::session::{Command, HandleState, Reply};

/// An active registration. Dropping it does not unregister: the procedure
/// stays registered as long as the client lives, across reconnects (see
/// [`Client::connect_reconnecting`]). Call [`unregister`](Self::unregister)
/// to remove it.
#[derive(Debug)]
pub struct Registration {
    pub(super) client: Client,
    /// The client's own id of the registration, stable across reconnects.
    pub(super) local: u64,
    /// The router's id in the current session, kept up to date by the session.
    pub(super) current: Arc<HandleState>,
    pub(super) procedure: String,
}

impl Registration {
    /// The router's registration id in the current session: it changes
    /// after a reconnect, and is 0 while the procedure is not registered
    /// (reconnecting, or revoked by the router).
    pub fn id(&self) -> Id {
        self.current.id()
    }

    /// `false` once the registration has ended for good: the router
    /// revoked it (another session took it over with `force_reregister`,
    /// or the meta API `wamp.registration.remove_callee` removed it; a
    /// [`ClientEvent::Revoked`](crate::ClientEvent::Revoked) says so and
    /// it is not registered again on reconnect), or the client closed.
    /// `true` while reconnecting.
    pub fn is_active(&self) -> bool {
        self.current.is_active()
    }

    /// The registered procedure (or pattern).
    pub fn procedure(&self) -> &str {
        &self.procedure
    }

    /// Removes the registration from the router, and from the set the
    /// client restores after a reconnect. While reconnecting it only does
    /// the latter (and succeeds).
    pub async fn unregister(self) -> Result<(), CallError> {
        let local = self.local;
        ask(&self.client, |reply| Command::Unregister { local, reply }).await
    }
}

/// An active subscription. Dropping it does not unsubscribe; call
/// [`unsubscribe`](Self::unsubscribe). It survives reconnects like a
/// [`Registration`].
#[derive(Debug)]
pub struct Subscription {
    pub(super) client: Client,
    pub(super) local: u64,
    pub(super) current: Arc<HandleState>,
    pub(super) topic: String,
}

impl Subscription {
    /// The router's subscription id in the current session (shared by every
    /// local subscriber of the same topic and policy); it changes after a
    /// reconnect, and is 0 while not subscribed.
    pub fn id(&self) -> Id {
        self.current.id()
    }

    /// `false` once the subscription has ended for good: the router
    /// revoked it (e.g. the meta API `wamp.subscription.remove_subscriber`;
    /// a [`ClientEvent::Revoked`](crate::ClientEvent::Revoked) says so and
    /// it is not subscribed again on reconnect), or the client closed.
    pub fn is_active(&self) -> bool {
        self.current.is_active()
    }

    /// The subscribed topic (or pattern).
    pub fn topic(&self) -> &str {
        &self.topic
    }

    /// Removes this handler (also from the set restored after a
    /// reconnect); the router subscription ends with the last one.
    pub async fn unsubscribe(self) -> Result<(), CallError> {
        let local = self.local;
        ask(&self.client, |reply| Command::Unsubscribe { local, reply }).await
    }
}

/// Sends the command built around a reply, and waits for the session's answer.
async fn ask(client: &Client, command: impl FnOnce(Reply<()>) -> Command) -> Result<(), CallError> {
    let (reply, answer) = oneshot::channel();
    client.send_command(command(reply)).await?;
    receive(answer).await
}
