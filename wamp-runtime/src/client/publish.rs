//! Publications, acknowledged or not.

use std::future::IntoFuture;
use std::time::Duration;

use futures_util::future::BoxFuture;
use serde::Serialize;
use tokio::sync::oneshot;
use wamp_protocol::{Dict, Id, Payload, UriRules, Value};

use super::arguments::{ids_value, strings_value};
use super::{Client, receive};
use crate::error::CallError;
use crate::session::Command;

/// A publication being prepared; `.await` it to send it unacknowledged, or
/// call [`acknowledged`](Self::acknowledged) to wait for the router's answer.
#[must_use = "a publication does nothing until it is awaited"]
#[derive(Debug)]
pub struct PublishBuilder {
    pub(super) client: Client,
    pub(super) topic: String,
    pub(super) payload: Payload,
    pub(super) options: Dict,
    pub(super) invalid: Option<CallError>,
}

impl PublishBuilder {
    argument_methods!("publication", "PUBLISH", "publisher to subscribers");

    /// Makes the publication fail with `error` when awaited, before
    /// anything is sent (an earlier problem stays the one reported).
    pub(crate) fn failing(mut self, error: CallError) -> Self {
        self.invalid.get_or_insert(error);
        self
    }

    /// Whether this session receives its own publication if subscribed
    /// (the router's default is `true`: it does not).
    pub fn exclude_me(mut self, exclude: bool) -> Self {
        self.options.insert("exclude_me".into(), Value::Bool(exclude));
        self
    }

    /// Sessions that must not receive the event.
    pub fn exclude(mut self, sessions: impl IntoIterator<Item = Id>) -> Self {
        self.options.insert("exclude".into(), ids_value(sessions));
        self
    }

    /// The only sessions that may receive the event.
    pub fn eligible(mut self, sessions: impl IntoIterator<Item = Id>) -> Self {
        self.options.insert("eligible".into(), ids_value(sessions));
        self
    }

    /// Authentication ids whose sessions must not receive the event.
    pub fn exclude_authid<S: Into<String>>(mut self, authids: impl IntoIterator<Item = S>) -> Self {
        self.options.insert("exclude_authid".into(), strings_value(authids));
        self
    }

    /// The only authentication ids whose sessions may receive the event.
    pub fn eligible_authid<S: Into<String>>(mut self, authids: impl IntoIterator<Item = S>) -> Self {
        self.options.insert("eligible_authid".into(), strings_value(authids));
        self
    }

    /// Asks the router to acknowledge the publication: the returned future
    /// yields the publication id, or the router's error (e.g.
    /// `wamp.error.not_authorized`). Without acknowledgement a refused
    /// publication is dropped silently by the router.
    pub fn acknowledged(mut self) -> AcknowledgedPublish {
        self.options.insert("acknowledge".into(), Value::Bool(true));
        AcknowledgedPublish {
            publish: self,
            timeout: None,
        }
    }

    async fn send(self, acknowledge: bool, timeout: Option<Duration>) -> Result<Option<Id>, CallError> {
        if let Some(invalid) = self.invalid {
            return Err(invalid);
        }
        // The rules of `Uri::new`, checked in place: no copy of the string per request.
        wamp_protocol::validate(&self.topic, UriRules::Loose, false)
            .map_err(|e| CallError::InvalidRequest(e.to_string()))?;
        self.client.check_connected()?;
        let client = self.client;
        let request = client.inner.request_ids.next();
        let frame = client.encode(
            &wamp_protocol::Publish {
                request,
                options: self.options,
                topic: self.topic,
                payload: self.payload,
            }
            .into(),
        )?;
        if !acknowledge {
            client
                .send_command(Command::Publish {
                    request,
                    frame,
                    reply: None,
                })
                .await?;
            return Ok(None);
        }
        let (reply, answer) = oneshot::channel();
        client
            .send_command(Command::Publish {
                request,
                frame,
                reply: Some(reply),
            })
            .await?;
        match timeout {
            None => receive(answer).await.map(Some),
            Some(limit) => match tokio::time::timeout(limit, receive(answer)).await {
                Ok(answer) => answer.map(Some),
                Err(_) => Err(CallError::Timeout(limit)),
            },
        }
    }
}

impl IntoFuture for PublishBuilder {
    type Output = Result<(), CallError>;
    type IntoFuture = BoxFuture<'static, Self::Output>;

    /// Sends the publication without acknowledgement. Fails only when the
    /// request is invalid or the session is gone.
    fn into_future(self) -> Self::IntoFuture {
        Box::pin(async move { self.send(false, None).await.map(|_| ()) })
    }
}

/// An acknowledged publication; `.await` it for the publication id.
#[must_use = "a publication does nothing until it is awaited"]
#[derive(Debug)]
pub struct AcknowledgedPublish {
    publish: PublishBuilder,
    timeout: Option<Duration>,
}

impl AcknowledgedPublish {
    /// Gives up waiting for the router's acknowledgement after `timeout`:
    /// the publisher gets [`CallError::Timeout`]. Without it, an
    /// acknowledgement lost on a half-open link is noticed only when the
    /// keepalive declares the link dead (`ping_interval` + `ping_timeout`).
    /// A timed-out publication may still have been delivered: the router
    /// does not retract it.
    ///
    /// ```no_run
    /// # async fn demo(client: wamp_runtime::Client) -> Result<(), wamp_runtime::CallError> {
    /// use std::time::Duration;
    /// let id = client
    ///     .publish("com.example.ticks")
    ///     .arg(1)
    ///     .acknowledged()
    ///     .timeout(Duration::from_secs(5))
    ///     .await?;
    /// # Ok(()) }
    /// ```
    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.timeout = Some(timeout);
        self
    }
}

impl IntoFuture for AcknowledgedPublish {
    type Output = Result<Id, CallError>;
    type IntoFuture = BoxFuture<'static, Self::Output>;

    fn into_future(self) -> Self::IntoFuture {
        Box::pin(async move {
            match self.publish.send(true, self.timeout).await? {
                Some(id) => Ok(id),
                None => Err(CallError::InvalidRequest("the publication was not acknowledged".into())),
            }
        })
    }
}
