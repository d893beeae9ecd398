//! A user's service and clients on a test router, through wamp-runtime.
//!
//! These are the only parts of the test kit that know wamp-runtime; the
//! router itself is std-only so that it also serves peers in other
//! languages.

use wamp_runtime::{Client, ClientConfig, Config, Error, RunningServer, Server};

use crate::Router;

impl Router {
    /// The realm clients join: the first realm of the configuration
    /// (`realm1` for [`RouterConfig::default`](crate::RouterConfig)).
    ///
    /// # Panics
    /// If the configuration has no realm.
    pub fn realm(&self) -> &str {
        self.config()
            .realm_names()
            .first()
            .copied()
            .expect("the router configuration has no realm")
    }

    /// A client configuration joining [`realm`](Self::realm) over the
    /// default transport ([`url`](Self::url)), with wamp-runtime's defaults
    /// otherwise. Change it before use for a transport that wants
    /// credentials, or build your own from [`transport_url`](Self::transport_url).
    ///
    /// # Panics
    /// If the default transport's URL is not one wamp-runtime connects to
    /// (a transport given as raw JSON of a type it does not speak).
    pub fn client_config(&self) -> ClientConfig {
        let url = self.url();
        ClientConfig::new(&url, self.realm())
            .unwrap_or_else(|e| panic!("the router's default transport {url} is no client URL: {e}"))
    }

    /// A [`Server`] of one client, [`client_config`](Self::client_config),
    /// with the program's `#[procedure]`s and `#[subscriber]`s: the service
    /// under test, to be given its state (or registries, or error
    /// reporter) and started.
    ///
    /// ```no_run
    /// # async fn demo(router: &wamp_testkit::Router) -> Result<(), wamp_runtime::Error> {
    /// struct Greeting(&'static str);
    ///
    /// let service = router.server().state(Greeting("hello")).start().await?;
    /// # Ok(()) }
    /// ```
    pub fn server(&self) -> Server {
        Server::new(Config::single(self.client_config()))
    }

    /// Starts [`server`](Self::server) as it is and returns once every
    /// handler is registered and subscribed, so that a call made next
    /// reaches it.
    ///
    /// The service runs on the test's tokio runtime, in this process, and
    /// ends with it; [`RunningServer::stop`] stops it earlier.
    ///
    /// # Errors
    /// Those of [`Server::start`]: the router refused a registration, two
    /// handlers claim one URI, the program has no handlers, ...
    pub async fn serve(&self) -> Result<RunningServer, Error> {
        self.server().start().await
    }

    /// A client joined to [`realm`](Self::realm) over the default
    /// transport, to call and publish as the service's users would.
    ///
    /// # Errors
    /// Those of [`Client::connect`].
    pub async fn connect(&self) -> Result<Client, Error> {
        Client::connect(&self.client_config()).await
    }
}
