//! Running a service: connect every configured client, bind every handler
//! to its client, run until asked to stop, stop cleanly.

use std::collections::HashMap;
use std::future::Future;
use std::sync::Arc;
use std::time::Duration;

use futures_util::future::{join_all, try_join_all};

use crate::catalog::{self, Catalog};
use crate::client::Client;
use crate::client::Clients;
use crate::config::Config;
use crate::error::Error;
use crate::handler::CallContext;
use crate::options::RegisterOptions;
use crate::registry::{Bindings, Refusal, Registry, ServerProblem, StartupError, StartupProblem};
use crate::reporting::ErrorReporter;
use crate::signal::shutdown_signal;
use crate::state::States;
use crate::wamp_error::ErrorMappings;

/// Runs a service: connects every client of `config`, registers every
/// `#[procedure]` and subscribes every `#[subscriber]` of the program on its
/// client, runs until Ctrl-C or SIGTERM, then stops each client cleanly
/// (see [`Client::stop`]).
///
/// Each client reconnects after a lost connection following its
/// `reconnect` policy (by default forever; see
/// [`Client::connect_reconnecting`]), and restores every procedure and
/// subscription. When a client closes for good (its policy gave up, or
/// its credentials were refused) the service stops and `serve` returns
/// [`Error::ConnectionLost`] naming the client.
///
/// ```no_run
/// use wamp_runtime::{procedure, CallContext};
///
/// #[procedure(name = "com.example.add")]
/// fn add(_ctx: CallContext, a: i64, b: i64) -> i64 {
///     a + b
/// }
///
/// #[tokio::main]
/// async fn main() -> Result<(), wamp_runtime::Error> {
///     let config = wamp_runtime::Config::from_file("wamp.yaml")?;
///     wamp_runtime::serve(config).await
/// }
/// ```
///
/// # Errors
///
/// Start-up errors ([`Error::Startup`]: duplicate or invalid URIs, unknown
/// clients, registrations the router refused) and connection errors; once
/// running, an error of stopping a client.
pub async fn serve(config: Config) -> Result<(), Error> {
    Server::new(config).run().await
}

/// A service being configured: [`serve`] with more choices.
///
/// ```no_run
/// use wamp_runtime::registry::Registry;
/// use wamp_runtime::{CallContext, Config, Payload, Server};
///
/// # async fn demo(config: Config) -> Result<(), wamp_runtime::Error> {
/// let mut extra = Registry::with_prefix("com.example");
/// extra.procedure("ping", |_ctx: CallContext, _payload: Payload| Ok(Payload::default()));
///
/// let server = Server::new(config).registry(extra).start().await?;
/// let wamp2 = server.clients().get("wamp2").cloned();
/// // ... use the clients from main ...
/// server.wait().await
/// # }
/// ```
pub struct Server {
    config: Config,
    registry: Registry,
    link_time: bool,
    reporter: Option<Arc<dyn ErrorReporter>>,
    states: States,
    error_mappings: ErrorMappings,
    allow_no_handlers: bool,
    service_name: Option<String>,
    serve_catalog: bool,
}

impl std::fmt::Debug for Server {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Server")
            .field("config", &self.config)
            .field("registry", &self.registry)
            .field("link_time", &self.link_time)
            .field("reporter", &self.reporter.as_ref().map(|_| "custom"))
            .field("states", &self.states)
            .field("error_mappings", &self.error_mappings)
            .field("allow_no_handlers", &self.allow_no_handlers)
            .field("service_name", &self.service_name)
            .field("serve_catalog", &self.serve_catalog)
            .finish()
    }
}

impl Server {
    /// A server of `config`'s clients with the program's link-time handlers.
    pub fn new(config: Config) -> Self {
        Self {
            config,
            registry: Registry::new(),
            link_time: true,
            reporter: None,
            states: States::new(),
            error_mappings: ErrorMappings::new(),
            allow_no_handlers: false,
            service_name: None,
            serve_catalog: true,
        }
    }

    /// Names the service: its [catalog](crate::catalog) is served at
    /// `wamp_rs.catalog.<name>`. The name is one URI component (lower-case
    /// letters, digits and `_`); another fails [`start`](Self::start).
    /// Instances of one service share the name, and so one catalog
    /// registration; by default it is the executable's file name, lower
    /// case, with every other character made `_`.
    ///
    /// ```
    /// use wamp_runtime::{Config, Server};
    ///
    /// let server = Server::new(Config::default())
    ///     .service_name("billing")
    ///     .without_link_time_handlers()
    ///     .allow_no_handlers();
    /// assert_eq!(server.catalog()?.service, "billing");
    /// # Ok::<(), wamp_runtime::registry::StartupError>(())
    /// ```
    pub fn service_name(mut self, name: impl Into<String>) -> Self {
        self.service_name = Some(name.into());
        self
    }

    /// Does not serve the [catalog](crate::catalog).
    pub fn without_catalog(mut self) -> Self {
        self.serve_catalog = false;
        self
    }

    /// The service's name (see [`service_name`](Self::service_name)).
    fn name(&self) -> String {
        self.service_name.clone().unwrap_or_else(catalog::default_service_name)
    }

    /// The [catalog](crate::catalog) of every client's handlers (each entry
    /// with its client's configured realm), made without connecting: what
    /// a service binary run with `WAMP_PRINT_CATALOG=1` prints.
    ///
    /// # Errors
    /// The problems that would make [`start`](Self::start) fail before
    /// connecting (an invalid URI, an unknown client, ...).
    pub fn catalog(&self) -> Result<Catalog, StartupError> {
        let (bindings, problems) = self.resolve();
        let plan = plan(&self.config, bindings, problems)?;
        let mut catalog = Catalog::new(self.name());
        for (name, bindings) in &plan {
            let realm = self.config.client(name).map(|config| config.realm.as_str());
            catalog.add_bindings(bindings, realm);
        }
        Ok(catalog)
    }

    /// Every handler, resolved, and every problem found before connecting
    /// (duplicates aside: they need the clients, see `plan`).
    fn resolve(&self) -> (Bindings, Vec<StartupProblem>) {
        let mut registry = Registry::new();
        if self.link_time {
            registry.add_from(Registry::from_inventory(), None);
        }
        registry.add_from(self.registry.clone(), None);
        let (bindings, handler_problems) = registry.resolve_parts();
        let mut problems: Vec<StartupProblem> = handler_problems.into_iter().map(StartupProblem::from).collect();
        problems.extend(
            bindings
                .missing_states(&self.states)
                .into_iter()
                .map(StartupProblem::from),
        );
        if bindings.is_empty() && !self.allow_no_handlers {
            problems.push(
                ServerProblem::NothingToServe {
                    crate_hint: own_crate_name(),
                }
                .into(),
            );
        }
        if let Some(name) = &self.service_name {
            if catalog::service_component(name) != *name {
                problems.push(ServerProblem::InvalidServiceName { name: name.clone() }.into());
            }
        }
        (bindings, problems)
    }

    /// Gives the handlers a state value of type `T` (one per type; a second
    /// value of the same type replaces the first): what their
    /// [`State<T>`](crate::State) parameters and their context's `state`
    /// method reach. See the [`state`](crate::state) module.
    ///
    /// ```no_run
    /// use wamp_runtime::{procedure, CallContext, Config, Server, State};
    ///
    /// struct Greeting(String);
    ///
    /// #[procedure(name = "com.example.greet")]
    /// fn greet(_ctx: CallContext, greeting: State<Greeting>, name: String) -> String {
    ///     format!("{}, {name}", greeting.0)
    /// }
    ///
    /// # async fn demo(config: Config) -> Result<(), wamp_runtime::Error> {
    /// Server::new(config).state(Greeting("hello".into())).run().await
    /// # }
    /// ```
    pub fn state<T: Send + Sync + 'static>(mut self, value: T) -> Self {
        self.states.insert(value);
        self
    }

    /// Like [`state`](Self::state), for a value that `main` keeps a handle
    /// of too.
    pub fn state_shared<T: Send + Sync + 'static>(mut self, value: Arc<T>) -> Self {
        self.states.insert_shared(value);
        self
    }

    /// The [`ErrorReporter`] of every client: told about every failed
    /// handler (default: [`TracingReporter`](crate::reporting::TracingReporter)).
    ///
    /// ```no_run
    /// use std::sync::Arc;
    /// use wamp_runtime::reporting::{ErrorReporter, HandlerFailure};
    /// use wamp_runtime::{Config, Server};
    ///
    /// #[derive(Debug)]
    /// struct Sentry;
    ///
    /// impl ErrorReporter for Sentry {
    ///     fn report(&self, failure: &HandlerFailure) {
    ///         eprintln!("to the error tracker: {failure}");
    ///     }
    /// }
    ///
    /// # async fn demo(config: Config) -> Result<(), wamp_runtime::Error> {
    /// Server::new(config).error_reporter(Arc::new(Sentry)).run().await
    /// # }
    /// ```
    pub fn error_reporter(mut self, reporter: Arc<dyn ErrorReporter>) -> Self {
        self.reporter = Some(reporter);
        self
    }

    /// Adds error mappings to those of the handlers (by default
    /// [`ErrorMappings::new`], plus each registry's
    /// [`map_error`](Registry::map_error)s): what errors the typed
    /// handlers send under their own URIs. See the
    /// [`wamp_error`](crate::wamp_error) module.
    ///
    /// ```no_run
    /// use wamp_runtime::wamp_error::ErrorMappings;
    /// use wamp_runtime::{Config, Server};
    ///
    /// # async fn demo(config: Config) -> Result<(), wamp_runtime::Error> {
    /// let mut mappings = ErrorMappings::empty();
    /// mappings.map_display::<std::num::ParseIntError>("com.example.error.not_a_number");
    /// Server::new(config).error_mappings(mappings).run().await
    /// # }
    /// ```
    pub fn error_mappings(mut self, mappings: ErrorMappings) -> Self {
        self.error_mappings.extend(&mappings);
        self
    }

    /// Adds the handlers of a programmatic registry (may be called several times).
    pub fn registry(mut self, registry: Registry) -> Self {
        self.registry.add_from(registry, None);
        self
    }

    /// Lets the server start with no handler to bind, for a service that
    /// only calls and publishes through [`RunningServer::clients`].
    /// Without it, a server with nothing to register or subscribe does not
    /// start: that is nearly always a library crate of handlers that the
    /// linker left out (see the [`registry`](crate::registry) module).
    ///
    /// ```no_run
    /// # async fn demo(config: wamp_runtime::Config) -> Result<(), Box<dyn std::error::Error>> {
    /// let server = wamp_runtime::Server::new(config).allow_no_handlers().start().await?;
    /// server.clients().default_client().expect("configured").publish("com.example.started").await?;
    /// # Ok(()) }
    /// ```
    pub fn allow_no_handlers(mut self) -> Self {
        self.allow_no_handlers = true;
        self
    }

    /// Leaves out the link-time handlers (`#[procedure]`, `#[subscriber]`):
    /// only the registries given to [`registry`](Self::registry) are bound.
    pub fn without_link_time_handlers(mut self) -> Self {
        self.link_time = false;
        self
    }

    /// Checks the handlers, connects every client and binds the handlers;
    /// returns the running service.
    ///
    /// Everything that can be checked before connecting is: an invalid or
    /// duplicate URI, an unknown client or a missing state value fails
    /// before any connection is made, with every problem listed. A router
    /// that cannot be reached yet is retried under each client's
    /// `reconnect` policy (see [`Client::connect_reconnecting`]); use
    /// [`start_until`](Self::start_until) to give up on a signal.
    pub async fn start(self) -> Result<RunningServer, Error> {
        let (bindings, problems) = self.resolve();
        let catalog = self.serve_catalog.then(|| self.name());
        let mut error_mappings = self.error_mappings;
        for mapping in &bindings.error_mappings {
            mapping.add_to(&mut error_mappings);
        }
        let error_mappings = Arc::new(error_mappings);
        let plan = plan(&self.config, bindings, problems)?;

        let reporter = self.reporter.clone();
        let states = Arc::new(self.states);
        let connections = self.config.clients().map(|(name, config)| {
            let reporter = reporter.clone();
            let states = states.clone();
            let error_mappings = error_mappings.clone();
            async move {
                let client = Client::connect_reconnecting(config).await?;
                if let Some(reporter) = reporter {
                    client.set_error_reporter(reporter);
                }
                client.set_shared_states(states);
                client.set_shared_error_mappings(error_mappings);
                Ok::<_, Error>((name.to_owned(), client))
            }
        });
        let clients = Clients::new(try_join_all(connections).await?);
        let shutdown_timeouts = self
            .config
            .clients()
            .map(|(name, config)| (name.to_owned(), config.shutdown_timeout))
            .collect();
        let server = RunningServer {
            clients,
            shutdown_timeouts,
            catalog,
        };
        if let Err(e) = server.bind(plan).await {
            if let Err(stop) = server.stop_clients().await {
                tracing::warn!(error = %stop, "cannot stop the clients after a failed start");
            }
            return Err(e);
        }
        Ok(server)
    }

    /// Starts the service like [`start`](Self::start), unless `signal`
    /// completes first: then `Ok(None)`, and every connection already made
    /// is closed. A service whose router is not up yet waits in `start`
    /// (the first connection is retried under the `reconnect` policy), and
    /// this is how it still stops at once on Ctrl-C.
    ///
    /// ```no_run
    /// use wamp_runtime::{shutdown_signal, Config, Server};
    ///
    /// # async fn demo(config: Config) -> Result<(), wamp_runtime::Error> {
    /// let Some(server) = Server::new(config).start_until(shutdown_signal()).await? else {
    ///     return Ok(()); // stopped before the router was reached
    /// };
    /// println!("ready");
    /// server.wait().await
    /// # }
    /// ```
    pub async fn start_until(self, signal: impl Future<Output = ()>) -> Result<Option<RunningServer>, Error> {
        if print_catalog_requested() {
            let catalog = self.catalog()?;
            println!(
                "{}",
                serde_json::to_string_pretty(&catalog.to_json()).unwrap_or_default()
            );
            return Ok(None);
        }
        tokio::select! {
            started = self.start() => started.map(Some),
            () = signal => {
                tracing::info!("stopped before the service started");
                Ok(None)
            }
        }
    }

    /// Starts the service and runs it until Ctrl-C or SIGTERM (also while
    /// it is still waiting for its router), then stops it.
    pub async fn run(self) -> Result<(), Error> {
        match self.start_until(shutdown_signal()).await? {
            Some(server) => server.wait().await,
            None => Ok(()),
        }
    }
}

/// `WAMP_PRINT_CATALOG` set to anything but empty or `0`.
fn print_catalog_requested() -> bool {
    std::env::var_os("WAMP_PRINT_CATALOG").is_some_and(|value| !value.is_empty() && value != "0")
}

/// What to do about a refused registration, when the refusal says.
fn refusal_hint(error: &crate::CallError) -> &'static str {
    match error.uri() {
        Some(wamp_protocol::reserved::PROCEDURE_ALREADY_EXISTS) => {
            "; another session holds it: to share it among several instances of a service, register it with \
             a shared policy (invoke = \"roundrobin\") in every instance; if it is a stale session of this very \
             service that the router has not dropped yet, take it over with force_reregister = true"
        }
        Some(wamp_protocol::reserved::NOT_AUTHORIZED) => {
            "; the router's role for this session does not allow registering it"
        }
        _ => "",
    }
}

/// The name under which the binary's own library crate is most likely
/// known: cargo's package name when run by cargo, else the executable's.
fn own_crate_name() -> String {
    let name = std::env::var("CARGO_PKG_NAME").ok().or_else(|| {
        let exe = std::env::current_exe().ok()?;
        Some(exe.file_stem()?.to_str()?.to_owned())
    });
    name.unwrap_or_else(|| "my_handlers".into()).replace('-', "_")
}

/// The bindings of each client, by client name.
type Plan = Vec<(String, Bindings)>;

/// Assigns every binding to a configured client by name.
fn plan(config: &Config, bindings: Bindings, mut problems: Vec<StartupProblem>) -> Result<Plan, StartupError> {
    let default = config.default_client_name();
    let known: Vec<String> = config.clients().map(|(name, _)| name.to_owned()).collect();
    problems.extend(
        bindings
            .check_duplicates_with(default)
            .into_iter()
            .map(StartupProblem::from),
    );
    let mut plan: Plan = known.iter().map(|name| (name.clone(), Bindings::default())).collect();
    let mut slot = |client: Option<&str>, uri: &str, origin| -> Option<usize> {
        let Some(name) = client.or(default) else {
            problems.push(
                ServerProblem::NoDefaultClient {
                    uri: uri.to_owned(),
                    origin,
                    known: known.clone(),
                }
                .into(),
            );
            return None;
        };
        let index = known.iter().position(|k| k == name);
        if index.is_none() {
            problems.push(
                ServerProblem::UnknownClient {
                    uri: uri.to_owned(),
                    client: name.to_owned(),
                    origin,
                    known: known.clone(),
                }
                .into(),
            );
        }
        index
    };
    for binding in bindings.procedures {
        if let Some(index) = slot(binding.client.as_deref(), &binding.uri, binding.origin) {
            plan[index].1.procedures.push(binding);
        }
    }
    for binding in bindings.subscriptions {
        if let Some(index) = slot(binding.client.as_deref(), &binding.uri, binding.origin) {
            plan[index].1.subscriptions.push(binding);
        }
    }
    if !problems.is_empty() {
        return Err(StartupError::new(problems));
    }
    Ok(plan)
}

/// A running service: its clients, and the way to stop it.
#[derive(Debug)]
pub struct RunningServer {
    clients: Clients,
    shutdown_timeouts: HashMap<String, Duration>,
    /// The service name, when it serves its catalog.
    catalog: Option<String>,
}

impl RunningServer {
    /// The clients by name, to call and publish from `main`.
    pub fn clients(&self) -> &Clients {
        &self.clients
    }

    /// Runs until Ctrl-C or SIGTERM, then stops.
    ///
    /// # Errors
    /// [`Error::ConnectionLost`] when a client closed for good before the
    /// signal (the other clients are stopped first).
    pub async fn wait(self) -> Result<(), Error> {
        self.run_until(shutdown_signal()).await
    }

    /// Runs until `signal` completes, then stops; or until a client closes
    /// for good (see [`wait`](Self::wait)).
    pub async fn run_until(self, signal: impl Future<Output = ()>) -> Result<(), Error> {
        let closed: Vec<_> = self
            .clients
            .iter()
            .map(|(name, client)| Box::pin(async move { format!("client {name:?} closed: {}", client.closed().await) }))
            .collect();
        let any_closed = async {
            match closed.len() {
                0 => std::future::pending().await,
                _ => futures_util::future::select_all(closed).await.0,
            }
        };
        tokio::select! {
            () = signal => self.stop().await,
            reason = any_closed => {
                tracing::error!(reason = %reason, "a client closed for good; stopping the service");
                if let Err(e) = self.stop_clients().await {
                    tracing::warn!(error = %e, "cannot stop the other clients");
                }
                Err(Error::ConnectionLost(reason))
            }
        }
    }

    /// Stops every client (see [`Client::stop`]), each within its
    /// configured `shutdown_timeout`.
    pub async fn stop(self) -> Result<(), Error> {
        self.stop_clients().await
    }

    async fn stop_clients(&self) -> Result<(), Error> {
        let stops = self.clients.iter().map(|(name, client)| {
            let timeout = self
                .shutdown_timeouts
                .get(name)
                .copied()
                .unwrap_or(crate::ClientConfig::DEFAULT_SHUTDOWN_TIMEOUT);
            async move {
                let result = client.stop(timeout).await;
                tracing::info!(client = name, "stopped");
                result
            }
        });
        join_all(stops).await.into_iter().collect()
    }

    async fn bind(&self, plan: Plan) -> Result<(), Error> {
        let mut problems = Vec::new();
        for (name, bindings) in plan {
            let Some(client) = self.clients.get(&name) else {
                continue;
            };
            let name = name.as_str();
            let registrations = bindings.procedures.iter().map(|binding| async move {
                match client
                    .register(binding.uri.clone(), binding.handler.clone(), binding.options)
                    .await
                {
                    Ok(_) => {
                        tracing::debug!(client = %name, procedure = %binding.uri, origin = %binding.origin, "registered");
                        Ok(())
                    }
                    Err(e) => Err(Refusal {
                        what: "register procedure",
                        uri: binding.uri.clone(),
                        client: name.to_owned(),
                        origin: binding.origin,
                        error: format!("{e}{}", refusal_hint(&e)),
                    }),
                }
            });
            let subscriptions = bindings.subscriptions.iter().map(|binding| async move {
                match client
                    .subscribe(binding.uri.clone(), binding.handler.clone(), binding.options)
                    .await
                {
                    Ok(_) => {
                        tracing::debug!(client = %name, topic = %binding.uri, origin = %binding.origin, "subscribed");
                        Ok(())
                    }
                    Err(e) => Err(Refusal {
                        what: "subscribe to topic",
                        uri: binding.uri.clone(),
                        client: name.to_owned(),
                        origin: binding.origin,
                        error: format!("{e}{}", refusal_hint(&e)),
                    }),
                }
            });
            let (registered, subscribed) = tokio::join!(join_all(registrations), join_all(subscriptions));
            let acknowledged = |results: &[Result<(), Refusal>]| results.iter().filter(|r| r.is_ok()).count();
            let (procedures, subscriptions) = (acknowledged(&registered), acknowledged(&subscribed));
            let refused: Vec<Refusal> = registered
                .into_iter()
                .chain(subscribed)
                .filter_map(Result::err)
                .collect();
            let realm = client.details().map(|d| d.realm.clone()).unwrap_or_default();
            if let Some(service) = &self.catalog {
                serve_catalog(client, name, service, &bindings, &realm).await;
            }
            if refused.is_empty() {
                tracing::info!(client = name, realm = %realm, procedures, subscriptions, "registered procedures and subscriptions");
            } else {
                for refusal in &refused {
                    tracing::error!(client = name, "{refusal}");
                }
            }
            problems.extend(refused.into_iter().map(StartupProblem::from));
        }
        if problems.is_empty() {
            Ok(())
        } else {
            Err(StartupError::new(problems).into())
        }
    }
}

/// Registers the catalog of one client's bindings (see [`catalog`]). A
/// refusal (a router whose roles do not allow it) is a warning: the
/// service itself works without it.
async fn serve_catalog(client: &Client, name: &str, service: &str, bindings: &Bindings, realm: &str) {
    if bindings.is_empty() {
        return;
    }
    let mut catalog = Catalog::new(service);
    catalog.add_bindings(bindings, Some(realm));
    let value = match wamp_protocol::to_value(&catalog.to_json()) {
        Ok(value) => value,
        Err(e) => {
            tracing::warn!(client = %name, error = %e, "cannot encode the service catalog; it is not served");
            return;
        }
    };
    let uri = Catalog::uri_of(service);
    let handler = move |_ctx: CallContext, _payload: wamp_protocol::Payload| {
        Ok(wamp_protocol::Payload::from_args(vec![value.clone()]))
    };
    let options = RegisterOptions::new().invoke(wamp_protocol::InvokePolicy::RoundRobin);
    match client.register(uri.clone(), handler, options).await {
        Ok(_) => tracing::debug!(client = %name, procedure = %uri, "serving the service catalog"),
        Err(e) => tracing::warn!(
            client = %name, procedure = %uri, error = %e,
            "cannot register the service catalog; the service runs without it (Server::without_catalog() turns it off)"
        ),
    }
}
