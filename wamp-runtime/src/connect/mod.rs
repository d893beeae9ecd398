//! Connecting: opening a transport to one of the configured routers and
//! joining the realm, going through the list of routers in rounds, and
//! retrying the first connection under the reconnect policy.
//!
//! A client configured with several URLs (`url: [a, b]`) tries them in
//! order; after losing router `k` it starts with `k + 1`. One *round* is one
//! try of every URL; the reconnect policy's backoff comes between rounds,
//! never between the URLs of one round, so a dead node costs a connect
//! error, not a backoff delay.

mod details;
mod join;

use std::sync::Arc;

use wamp_protocol::Serializer;

use crate::config::{ClientConfig, ReconnectPolicy};
use crate::error::Error;

pub use details::SessionDetails;

/// A freshly opened connection with its joined session.
pub(crate) struct Opened {
    pub(crate) connection: crate::transport::Connection,
    pub(crate) serializer: Arc<dyn Serializer>,
    pub(crate) details: SessionDetails,
    /// The index of the router joined in [`ClientConfig::urls`].
    pub(crate) router: usize,
}

/// Opens the connection to `url` and joins the realm, all within
/// `config.connection_timeout`.
async fn open(
    config: &ClientConfig,
    url: &str,
) -> Result<(crate::transport::Connection, Arc<dyn Serializer>, SessionDetails), Error> {
    let realm = config.realm.clone();
    // ws:// is WebSocket; rs://, tcp:// and unix:// are RawSocket.
    let endpoint = crate::endpoint::Endpoint::parse(url).map_err(|reason| Error::InvalidUrl {
        url: url.to_owned(),
        reason,
    })?;
    tracing::info!(url = %url, realm = %realm, "connecting");
    let connect = async {
        let mut connection = crate::transport::connect(&endpoint, config)
            .await
            .map_err(|source| Error::Connect {
                url: url.to_owned(),
                source,
            })?;
        let serializer: Arc<dyn Serializer> = connection.serializer();
        let mut details = join::join(&mut connection, serializer.as_ref(), config).await?;
        details.router_url = url.to_owned();
        Ok::<_, Error>((connection, serializer, details))
    };
    let (connection, serializer, details) = tokio::time::timeout(config.connection_timeout, connect)
        .await
        .map_err(|_| Error::ConnectTimeout {
            url: url.to_owned(),
            realm: realm.clone(),
            timeout: config.connection_timeout,
        })??;
    tracing::info!(
        session = details.session_id,
        realm = %details.realm,
        router = %url,
        authid = ?details.authid,
        authrole = ?details.authrole,
        "joined"
    );
    Ok((connection, serializer, details))
}

/// One round: tries every configured router once, in order, starting with
/// the one at index `start` (modulo their number). Returns the first that
/// joins; an error that no other router can cure (`gives_up`) ends the
/// round at once; else the last router's error.
pub(crate) async fn open_round(
    config: &ClientConfig,
    start: usize,
    gives_up: fn(&Error) -> bool,
) -> Result<Opened, Error> {
    let urls: Vec<&str> = config.urls().collect();
    let mut last_error = None;
    for offset in 0..urls.len() {
        let router = (start + offset) % urls.len();
        match open(config, urls[router]).await {
            Ok((connection, serializer, details)) => {
                return Ok(Opened {
                    connection,
                    serializer,
                    details,
                    router,
                });
            }
            Err(e) if gives_up(&e) => return Err(e),
            Err(e) => {
                if offset + 1 < urls.len() {
                    tracing::warn!(url = %urls[router], error = %e, "cannot join; trying the next router");
                }
                last_error = Some(e);
            }
        }
    }
    Err(last_error.unwrap_or_else(|| Error::InvalidUrl {
        url: String::new(),
        reason: "no router URL is configured".into(),
    }))
}

/// Opens the first connection, retrying rounds under `policy` (see
/// [`Client::connect_reconnecting`](crate::Client::connect_reconnecting));
/// a disabled policy makes one round.
pub(crate) async fn open_first(config: &ClientConfig, policy: &ReconnectPolicy) -> Result<Opened, Error> {
    let mut retry = 0u32;
    loop {
        let error = match open_round(config, 0, fails_start_at_once).await {
            Ok(opened) => return Ok(opened),
            Err(e) => e,
        };
        retry += 1;
        if fails_start_at_once(&error) || !policy.allows(retry) {
            return Err(error);
        }
        let delay = policy.delay(retry, rand::random::<f64>());
        tracing::warn!(
            urls = %config.urls().collect::<Vec<_>>().join(", "),
            error = %error,
            retry,
            next_delay = ?delay,
            "cannot connect; retrying"
        );
        tokio::time::sleep(delay).await;
    }
}

/// Errors that another attempt cannot cure: refused credentials, an
/// invalid configuration or URL.
pub(crate) fn is_permanent(error: &Error) -> bool {
    matches!(
        error,
        Error::AuthenticationFailed { .. } | Error::Config(_) | Error::InvalidUrl { .. }
    )
}

/// Errors of a first connection that another attempt cannot cure: the
/// permanent ones, and a realm the router does not have (a typo in the
/// configuration, not a router still starting).
fn fails_start_at_once(error: &Error) -> bool {
    is_permanent(error)
        || matches!(error, Error::JoinRefused { reason, .. } if reason == wamp_protocol::reserved::NO_SUCH_REALM)
}
