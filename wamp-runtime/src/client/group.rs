//! [`Clients`]: the configured clients by name, reachable from `main`
//! (through [`RunningServer::clients`](crate::RunningServer::clients)) and
//! from every handler (through its context's `clients()`).

use std::fmt;
use std::sync::{Arc, Weak};

use super::Client;
use crate::config::Config;

/// The clients of a service by name; cheap to clone.
///
/// ```no_run
/// use wamp_runtime::{procedure, CallContext, CallError};
///
/// /// Publishes through the client named "wamp2" whatever client serves the call.
/// #[procedure]
/// async fn announce(ctx: CallContext, message: String) -> Result<(), CallError> {
///     let wamp2 = ctx.clients().get("wamp2").cloned().expect("wamp2 is configured");
///     wamp2.publish("com.example.announcements").arg(message).await
/// }
/// ```
#[derive(Clone)]
pub struct Clients {
    inner: Arc<ClientsInner>,
}

pub(crate) struct ClientsInner {
    clients: Vec<(String, Client)>,
    default: Option<usize>,
}

impl fmt::Debug for Clients {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_map().entries(self.iter()).finish()
    }
}

impl Clients {
    /// A set of named clients. The default client is the one named
    /// [`Config::DEFAULT_CLIENT`] (`"default"`), else the only one.
    ///
    /// Each client's context methods (`ctx.clients()`) return this set from
    /// now on, as long as it (or a clone) is alive.
    pub fn new(clients: impl IntoIterator<Item = (String, Client)>) -> Self {
        let clients: Vec<(String, Client)> = clients.into_iter().collect();
        let default = clients
            .iter()
            .position(|(name, _)| name == Config::DEFAULT_CLIENT)
            .or_else(|| (clients.len() == 1).then_some(0));
        let inner = Arc::new(ClientsInner { clients, default });
        for (_, client) in &inner.clients {
            client.set_group(Arc::downgrade(&inner));
        }
        Self { inner }
    }

    pub(crate) fn from_inner(inner: Arc<ClientsInner>) -> Self {
        Self { inner }
    }

    /// A set of one client under the name `"default"`, for a client
    /// connected by hand (without registering it as the client's group).
    pub(crate) fn single(client: Client) -> Self {
        Self {
            inner: Arc::new(ClientsInner {
                clients: vec![(Config::DEFAULT_CLIENT.to_owned(), client)],
                default: Some(0),
            }),
        }
    }

    /// The client named `name`.
    pub fn get(&self, name: &str) -> Option<&Client> {
        self.inner.clients.iter().find(|(n, _)| n == name).map(|(_, c)| c)
    }

    /// The default client, if there is one.
    pub fn default_client(&self) -> Option<&Client> {
        self.inner.default.map(|i| &self.inner.clients[i].1)
    }

    /// Every client with its name, in configuration order.
    pub fn iter(&self) -> impl Iterator<Item = (&str, &Client)> {
        self.inner.clients.iter().map(|(n, c)| (n.as_str(), c))
    }

    /// How many clients there are.
    pub fn len(&self) -> usize {
        self.inner.clients.len()
    }

    /// `true` when there is none.
    pub fn is_empty(&self) -> bool {
        self.inner.clients.is_empty()
    }
}

/// The group a client belongs to, kept weakly by the client (the group
/// holds the clients).
pub(crate) type GroupRef = std::sync::Mutex<Weak<ClientsInner>>;
