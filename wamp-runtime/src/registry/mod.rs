//! Where handlers are collected before they are bound to clients: the
//! link-time entries of `#[procedure]`, `#[subscriber]` and
//! [`wamp_module!`](crate::wamp_module), and the programmatic [`Registry`].
//!
//! Both end up as one list of [`Bindings`] — full URI, client, resolved
//! options, handler, origin — which [`serve`](crate::serve) binds through
//! [`Client::register`](crate::Client::register) and
//! [`Client::subscribe`](crate::Client::subscribe).
//!
//! # Full URIs
//!
//! The URI of a link-time entry is, joined with `.`: the prefixes declared by
//! `wamp_module!` in its enclosing modules (crate root first), the entry's
//! own `prefix`, and its `name` (by default the function's name). Its options
//! are its own, then the nearest enclosing module's defaults, then those of
//! modules further up. With a [`Registry`] the same happens along
//! [`Registry::add_from`]: the outer registry's prefix, the prefix given to
//! `add_from`, the inner registry's prefix, the name.
//!
//! Start-up fails (naming each culprit by module path, file and line) when a
//! full URI is invalid, when two procedures of the same client share a URI
//! and match policy, or when two `wamp_module!` declarations are in the same
//! module. Several subscribers of one topic are allowed.
//!
//! # Handlers in a library crate: the linker caveat
//!
//! Entries are collected with [`inventory`] at program start. Rust links a
//! dependency only when the program names it, so a library crate of
//! handlers that the binary lists in `Cargo.toml` but never mentions is left
//! out of the executable, and its entries with it, silently. Name it once,
//! anywhere in the binary:
//!
//! ```ignore
//! use my_handlers as _;
//! ```
//!
//! Once the crate is named, all of its entries are kept, in every module,
//! in debug and release builds (checked with inventory 0.3.25 and Rust 1.95
//! on Linux). Handlers in the binary's own modules need nothing.

pub(crate) mod entry;
mod origin;
mod problem;

use std::collections::HashMap;
use std::fmt;
use std::sync::Arc;

use wamp_protocol::Uri;

pub use entry::{ModuleEntry, ProcedureEntry, SubscriberEntry};
pub use origin::{Location, Origin};
pub use problem::{Problem, Refusal, ServerProblem, StartupError, StartupProblem};

use crate::catalog::SignatureFn;
use crate::handler::{EventHandler, IntoEventHandler, IntoProcedureHandler, ProcedureHandler};
use crate::options::{RegisterOptions, SubscribeOptions};
use crate::state::StateKey;
use crate::wamp_error::ErrorMappings;

/// A programmatic collection of procedures and subscribers, for handlers
/// built at run time (closures), with a prefix and defaults — asphalt-wamp's
/// `WAMPRegistry`.
///
/// ```
/// use wamp_runtime::registry::Registry;
/// use wamp_runtime::{CallContext, InvokePolicy, Payload, RegisterOptions};
///
/// let mut accounting = Registry::with_prefix("accounting");
/// accounting.procedure("balance", |_ctx: CallContext, _payload: Payload| Ok(Payload::default()));
///
/// let mut registry = Registry::new();
/// registry.procedure_defaults(RegisterOptions::new().invoke(InvokePolicy::RoundRobin));
/// registry.add_from(accounting, "com.example");
///
/// let bindings = registry.resolve()?;
/// assert_eq!(bindings.procedures[0].uri, "com.example.accounting.balance");
/// assert_eq!(bindings.procedures[0].options.invoke, Some(InvokePolicy::RoundRobin));
/// # Ok::<(), wamp_runtime::registry::StartupError>(())
/// ```
#[derive(Default, Clone)]
pub struct Registry {
    prefix: Option<String>,
    client: Option<String>,
    procedure_defaults: RegisterOptions,
    subscription_defaults: SubscribeOptions,
    procedures: Vec<AddedProcedure>,
    subscribers: Vec<AddedSubscriber>,
    error_mappings: Vec<ErrorMapping>,
    problems: Vec<Problem>,
}

impl fmt::Debug for Registry {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Registry")
            .field("prefix", &self.prefix)
            .field(
                "procedures",
                &self.procedures.iter().map(|p| &p.name).collect::<Vec<_>>(),
            )
            .field(
                "subscribers",
                &self.subscribers.iter().map(|s| &s.name).collect::<Vec<_>>(),
            )
            .finish_non_exhaustive()
    }
}

/// A procedure added to a [`Registry`] in code. The three stages of a
/// handler: a link-time [`ProcedureEntry`] or an `AddedProcedure`, both
/// resolved into a [`ProcedureBinding`].
#[derive(Clone)]
struct AddedProcedure {
    name: String,
    client: Option<String>,
    options: RegisterOptions,
    handler: Arc<dyn ProcedureHandler>,
    signature: Option<SignatureFn>,
    origin: Origin,
}

/// An error type sent under a URI of its own (see [`Registry::map_error`]).
#[derive(Debug, Clone)]
pub struct ErrorMapping {
    /// The full error URI.
    pub uri: String,
    /// The Rust type, for messages.
    pub type_name: &'static str,
    type_id: std::any::TypeId,
    origin: Origin,
    add_to: fn(&mut ErrorMappings, &str),
}

impl ErrorMapping {
    /// Adds this mapping to `mappings`.
    pub fn add_to(&self, mappings: &mut ErrorMappings) {
        (self.add_to)(mappings, &self.uri);
    }
}

fn map_display<E: fmt::Display + 'static>(mappings: &mut ErrorMappings, uri: &str) {
    mappings.map_display::<E>(uri);
}

/// A subscriber added to a [`Registry`] in code (see [`AddedProcedure`]).
#[derive(Clone)]
struct AddedSubscriber {
    name: String,
    client: Option<String>,
    options: SubscribeOptions,
    handler: Arc<dyn EventHandler>,
    signature: Option<SignatureFn>,
    origin: Origin,
}

fn join(parts: &[Option<&str>]) -> String {
    parts
        .iter()
        .flatten()
        .filter(|p| !p.is_empty())
        .copied()
        .collect::<Vec<_>>()
        .join(".")
}

impl Registry {
    /// An empty registry without prefix.
    pub fn new() -> Self {
        Self::default()
    }

    /// An empty registry whose names all start with `prefix`.
    pub fn with_prefix(prefix: impl Into<String>) -> Self {
        Self {
            prefix: Some(prefix.into()),
            ..Self::default()
        }
    }

    /// Sets the prefix of every name in this registry.
    pub fn prefix(&mut self, prefix: impl Into<String>) -> &mut Self {
        self.prefix = Some(prefix.into());
        self
    }

    /// Sets the client of the handlers that name none.
    pub fn client(&mut self, client: impl Into<String>) -> &mut Self {
        self.client = Some(client.into());
        self
    }

    /// Sets the defaults of this registry's procedures.
    pub fn procedure_defaults(&mut self, defaults: RegisterOptions) -> &mut Self {
        self.procedure_defaults = defaults;
        self
    }

    /// Sets the defaults of this registry's subscriptions.
    pub fn subscription_defaults(&mut self, defaults: SubscribeOptions) -> &mut Self {
        self.subscription_defaults = defaults;
        self
    }

    /// Adds a procedure handler (see [`IntoProcedureHandler`]) under `name`:
    /// a raw closure of `(CallContext, Payload)`, or a typed one through
    /// [`typed::procedure`](crate::typed::procedure), whose `State<T>`
    /// parameters a [`Server`](crate::Server) then checks before it starts.
    ///
    /// ```
    /// use wamp_runtime::registry::Registry;
    /// use wamp_runtime::{typed, CallContext, State};
    ///
    /// struct Greeting(String);
    ///
    /// let mut registry = Registry::with_prefix("com.example");
    /// registry.procedure(
    ///     "greet",
    ///     typed::procedure(["greeting", "name"], |_ctx: CallContext, greeting: State<Greeting>, name: String| {
    ///         format!("{}, {name}", greeting.0)
    ///     }),
    /// );
    /// let bindings = registry.resolve()?;
    /// assert_eq!(bindings.procedures[0].states, [wamp_runtime::state::StateKey::of::<Greeting>()]);
    /// # Ok::<(), wamp_runtime::registry::StartupError>(())
    /// ```
    #[track_caller]
    pub fn procedure<M>(&mut self, name: impl Into<String>, handler: impl IntoProcedureHandler<M>) -> &mut Self {
        self.procedure_with(name, RegisterOptions::new(), handler)
    }

    /// Adds a procedure handler with options.
    #[track_caller]
    pub fn procedure_with<M>(
        &mut self,
        name: impl Into<String>,
        options: RegisterOptions,
        handler: impl IntoProcedureHandler<M>,
    ) -> &mut Self {
        let origin = caller_origin();
        self.procedures.push(AddedProcedure {
            name: name.into(),
            client: None,
            options,
            handler: handler.into_procedure_handler(),
            signature: None,
            origin,
        });
        self
    }

    /// Adds an event handler (see [`IntoEventHandler`]) for topic `name`.
    #[track_caller]
    pub fn subscriber<M>(&mut self, name: impl Into<String>, handler: impl IntoEventHandler<M>) -> &mut Self {
        self.subscriber_with(name, SubscribeOptions::new(), handler)
    }

    /// Adds an event handler with options.
    #[track_caller]
    pub fn subscriber_with<M>(
        &mut self,
        name: impl Into<String>,
        options: SubscribeOptions,
        handler: impl IntoEventHandler<M>,
    ) -> &mut Self {
        let origin = caller_origin();
        self.subscribers.push(AddedSubscriber {
            name: name.into(),
            client: None,
            options,
            handler: handler.into_event_handler(),
            signature: None,
            origin,
        });
        self
    }

    /// Sends handler errors of type `E` under `uri` instead of
    /// `wamp.error.runtime_error`: asphalt-wamp's `map_exception`, for error
    /// types you do not own (an `std::io::Error`, a driver's error) and so
    /// cannot derive [`WampError`](crate::WampError) for. The URI is
    /// relative to the registry's prefix, like names, and the error's
    /// message is its only argument. Such errors are answers of the API and
    /// are not reported as failures. The mapping applies to the typed
    /// handlers of the [`Server`](crate::Server) given this registry (it
    /// becomes part of its [`ErrorMappings`]).
    ///
    /// ```
    /// use wamp_runtime::registry::Registry;
    ///
    /// let mut registry = Registry::with_prefix("app");
    /// registry.map_error::<std::io::Error>("error.io");
    /// let bindings = registry.resolve()?;
    /// assert_eq!(bindings.error_mappings[0].uri, "app.error.io");
    /// # Ok::<(), wamp_runtime::registry::StartupError>(())
    /// ```
    #[track_caller]
    pub fn map_error<E: fmt::Display + 'static>(&mut self, uri: impl Into<String>) -> &mut Self {
        self.error_mappings.push(ErrorMapping {
            uri: uri.into(),
            type_name: std::any::type_name::<E>(),
            type_id: std::any::TypeId::of::<E>(),
            origin: caller_origin(),
            add_to: map_display::<E>,
        });
        self
    }

    /// Adds everything from `other`, under `prefix` if given, exactly like
    /// asphalt-wamp's `WAMPRegistry.add_from`: the prefix given here and
    /// `other`'s own prefix both apply (in that order), `other`'s defaults
    /// and client apply to its handlers, and this registry's prefix and
    /// defaults apply on top when this one is resolved.
    ///
    /// ```
    /// use wamp_runtime::registry::Registry;
    /// use wamp_runtime::{CallContext, Payload};
    ///
    /// let mut inner = Registry::with_prefix("inner");
    /// inner.procedure("f", |_: CallContext, p: Payload| Ok(p));
    /// let mut outer = Registry::with_prefix("outer");
    /// outer.add_from(inner, "middle");
    /// assert_eq!(outer.resolve()?.procedures[0].uri, "outer.middle.inner.f");
    /// # Ok::<(), wamp_runtime::registry::StartupError>(())
    /// ```
    pub fn add_from<'a>(&mut self, other: Registry, prefix: impl Into<Option<&'a str>>) -> &mut Self {
        let prefix = prefix.into();
        let Registry {
            prefix: other_prefix,
            client,
            procedure_defaults,
            subscription_defaults,
            procedures,
            subscribers,
            error_mappings,
            problems,
        } = other;
        for mapping in error_mappings {
            self.error_mappings.push(ErrorMapping {
                uri: join(&[prefix, other_prefix.as_deref(), Some(&mapping.uri)]),
                ..mapping
            });
        }
        for item in procedures {
            self.procedures.push(AddedProcedure {
                name: join(&[prefix, other_prefix.as_deref(), Some(&item.name)]),
                client: item.client.or_else(|| client.clone()),
                options: item.options.or(procedure_defaults),
                ..item
            });
        }
        for item in subscribers {
            self.subscribers.push(AddedSubscriber {
                name: join(&[prefix, other_prefix.as_deref(), Some(&item.name)]),
                client: item.client.or_else(|| client.clone()),
                options: item.options.or(subscription_defaults),
                ..item
            });
        }
        self.problems.extend(problems);
        self
    }

    /// Every link-time entry of the program (`#[procedure]`,
    /// `#[subscriber]`, hand-written [`ProcedureEntry`]s and
    /// [`SubscriberEntry`]s) with the module prefixes and defaults applied,
    /// as a registry without prefix.
    pub fn from_inventory() -> Registry {
        let mut registry = Registry::new();
        let mut declared: HashMap<&str, &ModuleEntry> = HashMap::new();
        let mut modules: Vec<&ModuleEntry> = inventory::iter::<ModuleEntry>.into_iter().collect();
        modules.sort_by_key(|m| (m.module_path, m.location.file, m.location.line));
        for module in modules {
            if let Some(first) = declared.insert(module.module_path, module) {
                registry.problems.push(Problem::DuplicateModule {
                    module_path: module.module_path,
                    first: first.location,
                    second: module.location,
                });
            }
        }
        for entry in inventory::iter::<ProcedureEntry> {
            let place = Placement::of(
                entry.module_path,
                entry.uri_module_path,
                entry.prefix,
                entry.name,
                entry.client,
            );
            let options = place
                .modules
                .iter()
                .rev()
                .fold(entry.options, |options, m| options.or(m.procedure_defaults));
            registry.procedures.push(AddedProcedure {
                name: place.name,
                client: place.client,
                options,
                handler: Arc::new(entry.handler),
                signature: entry.signature,
                origin: Origin::Function {
                    module_path: entry.module_path,
                    location: entry.location,
                },
            });
        }
        for entry in inventory::iter::<SubscriberEntry> {
            let place = Placement::of(
                entry.module_path,
                entry.uri_module_path,
                entry.prefix,
                entry.name,
                entry.client,
            );
            let options = place
                .modules
                .iter()
                .rev()
                .fold(entry.options, |options, m| options.or(m.subscription_defaults));
            registry.subscribers.push(AddedSubscriber {
                name: place.name,
                client: place.client,
                options,
                handler: Arc::new(entry.handler),
                signature: entry.signature,
                origin: Origin::Function {
                    module_path: entry.module_path,
                    location: entry.location,
                },
            });
        }
        registry
    }

    /// `true` when the registry holds no handler.
    pub fn is_empty(&self) -> bool {
        self.procedures.is_empty() && self.subscribers.is_empty()
    }

    /// Applies this registry's prefix and defaults and checks the result:
    /// every URI valid for its match policy, no two procedures of the same
    /// client with the same URI and match policy. Bindings are sorted by
    /// client and URI.
    ///
    /// # Errors
    ///
    /// A [`StartupError`] listing every problem found, each naming the
    /// handlers concerned.
    pub fn resolve(&self) -> Result<Bindings, StartupError> {
        let (bindings, mut problems) = self.resolve_parts();
        problems.extend(bindings.duplicates(|client| client.map(str::to_owned)));
        if problems.is_empty() {
            Ok(bindings)
        } else {
            Err(StartupError::new(
                problems.into_iter().map(StartupProblem::from).collect(),
            ))
        }
    }

    /// The bindings and the problems found, duplicates aside (they are
    /// checked once the clients are known by name).
    pub(crate) fn resolve_parts(&self) -> (Bindings, Vec<Problem>) {
        let mut problems = self.problems.clone();
        let mut procedures: Vec<ProcedureBinding> = self
            .procedures
            .iter()
            .map(|item| ProcedureBinding {
                uri: join(&[self.prefix.as_deref(), Some(&item.name)]),
                client: item.client.clone().or_else(|| self.client.clone()),
                options: item.options.or(self.procedure_defaults),
                handler: item.handler.clone(),
                signature: item.signature,
                states: item.handler.states(),
                origin: item.origin,
            })
            .collect();
        let mut subscriptions: Vec<SubscriptionBinding> = self
            .subscribers
            .iter()
            .map(|item| SubscriptionBinding {
                uri: join(&[self.prefix.as_deref(), Some(&item.name)]),
                client: item.client.clone().or_else(|| self.client.clone()),
                options: item.options.or(self.subscription_defaults),
                handler: item.handler.clone(),
                signature: item.signature,
                states: item.handler.states(),
                origin: item.origin,
            })
            .collect();
        procedures.sort_by(|a, b| (&a.client, &a.uri).cmp(&(&b.client, &b.uri)));
        subscriptions.sort_by(|a, b| (&a.client, &a.uri).cmp(&(&b.client, &b.uri)));
        for binding in &procedures {
            if let Err(e) = Uri::pattern(binding.uri.clone(), binding.options.match_policy_or_default()) {
                problems.push(Problem::InvalidUri {
                    what: "procedure",
                    origin: binding.origin,
                    reason: e.to_string(),
                });
            }
            if let Err(zero) = crate::limits::check(&binding.options) {
                problems.push(Problem::ZeroLimit {
                    uri: binding.uri.clone(),
                    origin: binding.origin,
                    option: zero.option,
                });
            }
        }
        for binding in &subscriptions {
            if let Err(e) = Uri::pattern(binding.uri.clone(), binding.options.match_policy_or_default()) {
                problems.push(Problem::InvalidUri {
                    what: "topic",
                    origin: binding.origin,
                    reason: e.to_string(),
                });
            }
        }
        let mut error_mappings: Vec<ErrorMapping> = self
            .error_mappings
            .iter()
            .map(|mapping| ErrorMapping {
                uri: join(&[self.prefix.as_deref(), Some(&mapping.uri)]),
                ..mapping.clone()
            })
            .collect();
        error_mappings.sort_by(|a, b| (a.type_name, &a.uri).cmp(&(b.type_name, &b.uri)));
        for (index, mapping) in error_mappings.iter().enumerate() {
            if let Err(e) = Uri::new(mapping.uri.clone()) {
                problems.push(Problem::InvalidUri {
                    what: "error",
                    origin: mapping.origin,
                    reason: e.to_string(),
                });
            }
            if let Some(other) = error_mappings[..index]
                .iter()
                .find(|m| m.type_id == mapping.type_id && m.uri != mapping.uri)
            {
                problems.push(Problem::ConflictingErrorMapping {
                    type_name: mapping.type_name,
                    first: other.uri.clone(),
                    second: mapping.uri.clone(),
                });
            }
        }
        let bindings = Bindings {
            procedures,
            subscriptions,
            error_mappings,
        };
        (bindings, problems)
    }
}

/// Where a link-time entry lands, from the `wamp_module!` declarations of
/// its enclosing modules (crate root first): its full name (their prefixes,
/// the entry's prefix, its name) and its client (its own, else the nearest
/// module's).
struct Placement {
    modules: Vec<&'static ModuleEntry>,
    name: String,
    client: Option<String>,
}

impl Placement {
    /// `uri_module_path`: the module whose prefixes make the URI, when it
    /// is not the entry's own (an implementation's declaration).
    fn of(
        module_path: &str,
        uri_module_path: Option<&str>,
        prefix: Option<&str>,
        name: &str,
        client: Option<&str>,
    ) -> Self {
        let modules = entry::enclosing_modules(module_path);
        let client = client.or_else(|| modules.iter().rev().find_map(|m| m.client));
        let name = match uri_module_path {
            Some(declared_in) => entry_uri(declared_in, prefix, name),
            None => uri_within(&modules, prefix, name),
        };
        Placement {
            name,
            client: client.map(str::to_owned),
            modules,
        }
    }
}

/// The full URI of a link-time entry defined in `module_path` with its own
/// `prefix` and `name`: the prefixes the `wamp_module!` declarations of its
/// enclosing modules give (crate root first), then `prefix`, then `name`,
/// joined with `.`.
///
/// This is the one rule: [`Registry::from_inventory`] (and so
/// [`serve`](crate::serve)) registers `#[procedure]`s and subscribes
/// `#[subscriber]`s under it, and their generated callers and publishers
/// (see [`caller`](crate::caller)) address them with it, in whatever
/// process they run, as long as the crate declaring the modules is linked.
///
/// ```
/// mod billing {
///     wamp_runtime::wamp_module!(prefix = "com.example.billing");
/// }
///
/// let uri = wamp_runtime::registry::entry_uri(&format!("{}::billing", module_path!()), Some("v2"), "total");
/// assert_eq!(uri, "com.example.billing.v2.total");
/// ```
pub fn entry_uri(module_path: &str, prefix: Option<&str>, name: &str) -> String {
    uri_within(&entry::enclosing_modules(module_path), prefix, name)
}

fn uri_within(modules: &[&'static ModuleEntry], prefix: Option<&str>, name: &str) -> String {
    let mut parts: Vec<Option<&str>> = modules.iter().map(|m| m.prefix).collect();
    parts.push(prefix);
    parts.push(Some(name));
    join(&parts)
}

/// Where a handler was added to a registry: the caller of a `#[track_caller]` method.
#[track_caller]
fn caller_origin() -> Origin {
    let location = std::panic::Location::caller();
    Origin::Registry {
        file: location.file(),
        line: location.line(),
    }
}

/// The resolved content of a registry: what to register and subscribe, on
/// which client.
#[derive(Debug, Default)]
#[non_exhaustive]
pub struct Bindings {
    /// Procedures, sorted by client and URI.
    pub procedures: Vec<ProcedureBinding>,
    /// Subscriptions, sorted by client and URI.
    pub subscriptions: Vec<SubscriptionBinding>,
    /// Error types sent under URIs of their own.
    pub error_mappings: Vec<ErrorMapping>,
}

impl Bindings {
    /// `true` when there is nothing to register or subscribe.
    pub fn is_empty(&self) -> bool {
        self.procedures.is_empty() && self.subscriptions.is_empty()
    }

    /// A [`ServerProblem::MissingState`] for every state type a handler
    /// takes that `states` does not hold.
    pub fn missing_states(&self, states: &crate::state::States) -> Vec<ServerProblem> {
        let procedures = self
            .procedures
            .iter()
            .map(|b| ("procedure", &b.uri, &b.states, b.origin));
        let subscriptions = self
            .subscriptions
            .iter()
            .map(|b| ("subscriber", &b.uri, &b.states, b.origin));
        procedures
            .chain(subscriptions)
            .flat_map(|(what, uri, keys, origin)| {
                keys.iter()
                    .filter(|key| !states.contains(**key))
                    .map(move |key| ServerProblem::MissingState {
                        what,
                        uri: uri.clone(),
                        origin,
                        type_name: key.type_name(),
                    })
            })
            .collect()
    }

    /// Procedures of one client sharing a URI and match policy, with the
    /// clients named by `client_name` (which maps "no client" to the default).
    fn duplicates(&self, client_name: impl Fn(Option<&str>) -> Option<String>) -> Vec<Problem> {
        let mut seen: HashMap<(Option<String>, &str, &str), Origin> = HashMap::new();
        let mut problems = Vec::new();
        for binding in &self.procedures {
            let client = client_name(binding.client.as_deref());
            let key = (
                client.clone(),
                binding.uri.as_str(),
                binding.options.match_policy_or_default().as_str(),
            );
            if let Some(first) = seen.insert(key, binding.origin) {
                problems.push(Problem::DuplicateProcedure {
                    uri: binding.uri.clone(),
                    client,
                    first,
                    second: binding.origin,
                });
            }
        }
        problems
    }

    /// Checks for duplicates once each binding's client is known by name.
    pub(crate) fn check_duplicates_with(&self, default_client: Option<&str>) -> Vec<Problem> {
        self.duplicates(|client| client.or(default_client).map(str::to_owned))
    }
}

/// A procedure ready to be registered.
#[derive(Clone)]
#[non_exhaustive]
pub struct ProcedureBinding {
    /// The full URI (or pattern).
    pub uri: String,
    /// The client that registers it; `None`: the default client.
    pub client: Option<String>,
    /// The options, the registry's and modules' defaults applied.
    pub options: RegisterOptions,
    /// The handler.
    pub handler: Arc<dyn ProcedureHandler>,
    /// What the handler tells about itself, for the [catalog](crate::catalog).
    pub signature: Option<SignatureFn>,
    /// The state types the handler takes (see [`crate::state`]).
    pub states: Vec<StateKey>,
    /// Where it comes from.
    pub origin: Origin,
}

impl fmt::Debug for ProcedureBinding {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ProcedureBinding")
            .field("uri", &self.uri)
            .field("client", &self.client)
            .field("options", &self.options)
            .field("origin", &self.origin)
            .finish_non_exhaustive()
    }
}

/// A subscription ready to be made.
#[derive(Clone)]
#[non_exhaustive]
pub struct SubscriptionBinding {
    /// The full topic (or pattern).
    pub uri: String,
    /// The client that subscribes; `None`: the default client.
    pub client: Option<String>,
    /// The options, the registry's and modules' defaults applied.
    pub options: SubscribeOptions,
    /// The handler.
    pub handler: Arc<dyn EventHandler>,
    /// What the handler tells about itself, for the [catalog](crate::catalog).
    pub signature: Option<SignatureFn>,
    /// The state types the handler takes (see [`crate::state`]).
    pub states: Vec<StateKey>,
    /// Where it comes from.
    pub origin: Origin,
}

impl fmt::Debug for SubscriptionBinding {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SubscriptionBinding")
            .field("uri", &self.uri)
            .field("client", &self.client)
            .field("options", &self.options)
            .field("origin", &self.origin)
            .finish_non_exhaustive()
    }
}

#[cfg(test)]
mod tests {
    use wamp_protocol::{InvokePolicy, MatchPolicy, Payload};

    use super::*;
    use crate::handler::{CallContext, EventContext, ProcedureResult};

    fn echo(_ctx: CallContext, payload: Payload) -> ProcedureResult {
        Ok(payload)
    }

    #[test]
    fn add_from_applies_both_prefixes_and_inner_defaults_win() {
        let mut inner = Registry::with_prefix("inner");
        inner.procedure_defaults(RegisterOptions::new().invoke(InvokePolicy::Last));
        inner.procedure("a", echo);
        inner.procedure_with("b", RegisterOptions::new().invoke(InvokePolicy::First), echo);
        let mut outer = Registry::with_prefix("outer");
        outer.procedure_defaults(
            RegisterOptions::new()
                .invoke(InvokePolicy::RoundRobin)
                .disclose_caller(true),
        );
        outer.add_from(inner, "mid");
        outer.procedure("c", echo);
        let bindings = outer.resolve().expect("valid");
        let uris: Vec<_> = bindings.procedures.iter().map(|b| b.uri.as_str()).collect();
        assert_eq!(uris, ["outer.c", "outer.mid.inner.a", "outer.mid.inner.b"]);
        assert_eq!(bindings.procedures[0].options.invoke, Some(InvokePolicy::RoundRobin));
        assert_eq!(bindings.procedures[1].options.invoke, Some(InvokePolicy::Last));
        assert_eq!(bindings.procedures[2].options.invoke, Some(InvokePolicy::First));
        assert_eq!(bindings.procedures[1].options.disclose_caller, Some(true));
    }

    #[test]
    fn duplicate_procedures_are_reported_with_both_origins() {
        let mut registry = Registry::new();
        registry.procedure("com.x", echo);
        registry.procedure("com.x", echo);
        let err = registry.resolve().unwrap_err();
        let message = err.to_string();
        assert!(
            message.starts_with("procedure \"com.x\" is defined twice: by the handler added"),
            "{message}"
        );
        assert_eq!(message.matches("registry/mod.rs").count(), 2, "{message}");
    }

    #[test]
    fn same_uri_with_other_match_policy_or_client_is_no_duplicate() {
        let mut registry = Registry::new();
        registry.procedure("com.x", echo);
        registry.procedure_with("com.x", RegisterOptions::new().match_policy(MatchPolicy::Prefix), echo);
        let mut other = Registry::new();
        other.client("wamp2").procedure("com.x", echo);
        registry.add_from(other, None);
        assert_eq!(registry.resolve().expect("no duplicates").procedures.len(), 3);
    }

    #[test]
    fn invalid_full_uri_is_reported() {
        let mut registry = Registry::with_prefix("com example");
        registry.procedure("x", echo);
        registry.subscriber("y", |_: EventContext, _: Payload| {});
        let err = registry.resolve().unwrap_err();
        assert_eq!(err.problems().len(), 2);
        assert!(
            err.to_string()
                .starts_with("2 problems with the handlers:\n  - invalid URI"),
            "{err}"
        );
    }
}

#[cfg(test)]
mod inventory_tests {
    #[test]
    fn error_mappings_follow_prefixes_and_conflicts_are_problems() {
        let mut inner = Registry::with_prefix("inner");
        inner.map_error::<std::io::Error>("error.io");
        let mut outer = Registry::with_prefix("app");
        outer.add_from(inner, "sub");
        let bindings = outer.resolve().expect("valid");
        assert_eq!(bindings.error_mappings[0].uri, "app.sub.inner.error.io");
        assert_eq!(bindings.error_mappings[0].type_name, "std::io::error::Error");

        let mut conflicting = Registry::new();
        conflicting.map_error::<std::io::Error>("app.error.io");
        conflicting.map_error::<std::io::Error>("app.error.disk");
        conflicting.map_error::<std::fmt::Error>("not a uri");
        let problems = conflicting.resolve().expect_err("conflict").to_string();
        assert!(problems.contains("is mapped to two URIs"), "{problems}");
        assert!(problems.contains("not a uri"), "{problems}");
    }

    use wamp_protocol::{InvokePolicy, MatchPolicy, Payload};

    use super::*;
    use crate::handler::CallContext;

    mod outer {
        crate::wamp_module!(prefix = "unit_inv", invoke = "roundrobin", disclose_caller = true);

        pub(super) mod leaf {
            crate::wamp_module!(prefix = "leaf", invoke = "last", r#match = "prefix");

            #[crate::procedure(prefix = "sub", invoke = "first", concurrency = 2)]
            fn explicit(_ctx: crate::CallContext) {}

            #[crate::procedure(name = "named.")]
            fn inherits(_ctx: crate::CallContext) {}

            #[crate::subscriber]
            fn on_event(_ctx: crate::EventContext) {}
        }

        #[crate::procedure(client = "wamp2")]
        fn top(_ctx: crate::CallContext, x: i64) -> i64 {
            x
        }

        pub(super) struct Pool;
        pub(super) struct Settings;

        #[crate::procedure(name = "stateful")]
        fn stateful(_ctx: crate::CallContext, x: i64, _pool: crate::State<Pool>, y: i64) -> i64 {
            x + y
        }

        #[crate::subscriber(name = "stateful_event")]
        fn stateful_event(_ctx: crate::EventContext, _settings: crate::State<Settings>, _pool: crate::State<Pool>) {}
    }

    #[test]
    fn a_state_nobody_gave_is_a_problem_naming_the_handler_and_the_type() {
        let bindings = Registry::from_inventory().resolve().expect("valid entries");
        let stateful = find(&bindings, "unit_inv.stateful");
        assert_eq!(stateful.states, [crate::state::StateKey::of::<outer::Pool>()]);

        let mut states = crate::state::States::new();
        states.insert(outer::Pool);
        let problems = bindings.missing_states(&states);
        let [problem] = problems.as_slice() else {
            panic!("one problem expected: {problems:?}");
        };
        let message = problem.to_string();
        assert!(
            message.starts_with(
                "the subscriber \"unit_inv.stateful_event\" of wamp_runtime::registry::inventory_tests::outer::stateful_event (wamp-runtime/src/registry/mod.rs:"
            ),
            "{message}"
        );
        assert!(
            message.ends_with(
                "takes State<wamp_runtime::registry::inventory_tests::outer::Settings>, but no state of type \
                 wamp_runtime::registry::inventory_tests::outer::Settings was given; add it with Server::new(config).state(value)"
            ),
            "{message}"
        );
        assert_eq!(bindings.missing_states(&crate::state::States::new()).len(), 3);
    }

    #[tokio::test]
    async fn a_server_without_a_needed_state_does_not_start_nor_connect() {
        // Port 9 (discard) on loopback: nothing listens, and nothing is tried.
        let config = crate::Config::single(crate::ClientConfig::new("ws://127.0.0.1:9/ws", "realm1").expect("valid"));
        let err = crate::Server::new(config)
            .state(outer::Pool)
            .start()
            .await
            .expect_err("refused");
        let message = err.to_string();
        assert!(
            message.contains("takes State<wamp_runtime::registry::inventory_tests::outer::Settings>"),
            "{message}"
        );
        assert!(!message.contains("cannot connect"), "{message}");
    }

    fn find<'a>(bindings: &'a Bindings, uri: &str) -> &'a ProcedureBinding {
        bindings
            .procedures
            .iter()
            .find(|b| b.uri == uri)
            .unwrap_or_else(|| panic!("no procedure {uri} in {bindings:?}"))
    }

    #[test]
    fn link_time_entries_get_module_prefixes_and_defaults_with_explicit_options_winning() {
        let bindings = Registry::from_inventory().resolve().expect("valid entries");
        let explicit = find(&bindings, "unit_inv.leaf.sub.explicit");
        assert_eq!(explicit.options.invoke, Some(InvokePolicy::First));
        assert_eq!(explicit.options.match_policy, Some(MatchPolicy::Prefix));
        assert_eq!(explicit.options.disclose_caller, Some(true));
        assert_eq!(explicit.options.concurrency, Some(2));
        assert!(matches!(explicit.origin, Origin::Function { location, .. } if location.function == "explicit"));

        let inherits = find(&bindings, "unit_inv.leaf.named.");
        assert_eq!(inherits.options.invoke, Some(InvokePolicy::Last));

        let top = find(&bindings, "unit_inv.top");
        assert_eq!(top.options.invoke, Some(InvokePolicy::RoundRobin));
        assert_eq!(top.options.match_policy_or_default(), MatchPolicy::Exact);
        assert_eq!(top.client.as_deref(), Some("wamp2"));

        let subscription = bindings
            .subscriptions
            .iter()
            .find(|b| b.uri == "unit_inv.leaf.on_event")
            .expect("the subscriber");
        assert_eq!(subscription.options.match_policy, Some(MatchPolicy::Prefix));
    }

    #[test]
    fn duplicates_name_both_functions_with_module_and_line() {
        let mut registry = Registry::from_inventory();
        let mut clash = Registry::new();
        clash.client("wamp2");
        clash.procedure("unit_inv.top", |_: CallContext, p: Payload| Ok(p));
        registry.add_from(clash, None);
        let err = registry.resolve().unwrap_err().to_string();
        assert!(
            err.contains("procedure \"unit_inv.top\" is defined twice for client \"wamp2\""),
            "{err}"
        );
        assert!(err.contains("::outer::top (wamp-runtime/src/registry/mod.rs:"), "{err}");
    }
}
