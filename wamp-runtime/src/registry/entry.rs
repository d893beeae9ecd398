//! The link-time entries that `#[procedure]`, `#[subscriber]` and
//! `wamp_module!` submit with [`inventory`], and the options they carry.

use std::fmt;

use super::origin::Location;
use crate::catalog::SignatureFn;
use crate::handler::{EventHandler, ProcedureHandler};
use crate::options::{RegisterOptions, SubscribeOptions};

/// The builder methods both kinds of entry share: where the entry is
/// served, by which client, with which options (of type `$options`).
macro_rules! entry_builders {
    ($options:ty) => {
        /// Sets the entry's prefix.
        pub const fn prefix(mut self, prefix: &'static str) -> Self {
            self.prefix = Some(prefix);
            self
        }

        /// Places the entry at a declaration's URI: the prefixes of the
        /// modules enclosing `module_path`, then `prefix`, then `name` (what
        /// `implements = ..` does). The options and client still come from
        /// the entry's own module.
        pub const fn implements(
            mut self,
            module_path: &'static str,
            prefix: Option<&'static str>,
            name: &'static str,
        ) -> Self {
            self.uri_module_path = Some(module_path);
            self.prefix = prefix;
            self.name = name;
            self
        }

        /// Sets the client.
        pub const fn client(mut self, client: &'static str) -> Self {
            self.client = Some(client);
            self
        }

        /// Sets the options.
        pub const fn options(mut self, options: $options) -> Self {
            self.options = options;
            self
        }

        /// Sets what the handler tells about itself for the
        /// [service catalog](crate::catalog) (what `#[procedure]` and
        /// `#[subscriber]` generate); without one, its entry in the catalog
        /// says only that it takes anything.
        pub const fn signature(mut self, signature: SignatureFn) -> Self {
            self.signature = Some(signature);
            self
        }
    };
}

/// A procedure registered at link time; what `#[procedure]` submits, with
/// its function behind [`typed::procedure`](crate::typed::procedure).
///
/// Writing one by hand, with a handler that takes the raw payload:
///
/// ```
/// use wamp_runtime::registry::{Location, ProcedureEntry};
/// use wamp_runtime::{CallContext, InvokePolicy, Payload, ProcedureResult, RegisterOptions};
/// use futures_util::future::BoxFuture;
///
/// struct Echo;
///
/// impl wamp_runtime::handler::ProcedureHandler for Echo {
///     fn invoke(&self, _ctx: CallContext, payload: Payload) -> BoxFuture<'static, ProcedureResult> {
///         Box::pin(async move { Ok(payload) })
///     }
/// }
///
/// inventory::submit! {
///     ProcedureEntry::new(module_path!(), "echo", &Echo, Location::new("echo", file!(), line!()))
///         .prefix("com.example")
///         .options(RegisterOptions::new().invoke(InvokePolicy::RoundRobin))
/// }
/// ```
#[derive(Clone, Copy)]
#[non_exhaustive]
pub struct ProcedureEntry {
    /// The last part of the URI (by default the function's name).
    pub name: &'static str,
    /// The module that defines the handler (`module_path!()`): its
    /// enclosing modules' prefixes and defaults apply.
    pub module_path: &'static str,
    /// The module whose prefixes make the URI, when it is not
    /// `module_path`: that of the declaration an implementation
    /// implements (see [`implements`](Self::implements)).
    pub uri_module_path: Option<&'static str>,
    /// The entry's own prefix, between the modules' prefixes and the name.
    pub prefix: Option<&'static str>,
    /// The configured client that registers it; `None`: the module's, else
    /// the default client.
    pub client: Option<&'static str>,
    /// The options; unset ones come from the module and registry defaults.
    pub options: RegisterOptions,
    /// The handler; the state types it takes (see
    /// [`ProcedureHandler::states`]) must be given to the server.
    pub handler: &'static dyn ProcedureHandler,
    /// Its parameters, result and errors, for the [catalog](crate::catalog).
    pub signature: Option<SignatureFn>,
    /// Where it is defined.
    pub location: Location,
}

impl ProcedureEntry {
    /// An entry with no prefix, client or options of its own.
    pub const fn new(
        module_path: &'static str,
        name: &'static str,
        handler: &'static dyn ProcedureHandler,
        location: Location,
    ) -> Self {
        Self {
            name,
            module_path,
            uri_module_path: None,
            prefix: None,
            client: None,
            options: RegisterOptions::new(),
            handler,
            signature: None,
            location,
        }
    }

    entry_builders!(RegisterOptions);
}

/// A subscriber registered at link time; what `#[subscriber]` submits.
/// See [`ProcedureEntry`] for the meaning of each field.
#[derive(Clone, Copy)]
#[non_exhaustive]
pub struct SubscriberEntry {
    /// The last part of the topic (by default the function's name).
    pub name: &'static str,
    /// The module that defines the handler.
    pub module_path: &'static str,
    /// The module whose prefixes make the topic, as for
    /// [`ProcedureEntry::uri_module_path`].
    pub uri_module_path: Option<&'static str>,
    /// The entry's own prefix.
    pub prefix: Option<&'static str>,
    /// The configured client that subscribes it.
    pub client: Option<&'static str>,
    /// The options.
    pub options: SubscribeOptions,
    /// The handler, as for [`ProcedureEntry::handler`].
    pub handler: &'static dyn EventHandler,
    /// Its parameters, for the [catalog](crate::catalog).
    pub signature: Option<SignatureFn>,
    /// Where it is defined.
    pub location: Location,
}

impl SubscriberEntry {
    /// An entry with no prefix, client or options of its own.
    pub const fn new(
        module_path: &'static str,
        name: &'static str,
        handler: &'static dyn EventHandler,
        location: Location,
    ) -> Self {
        Self {
            name,
            module_path,
            uri_module_path: None,
            prefix: None,
            client: None,
            options: SubscribeOptions::new(),
            handler,
            signature: None,
            location,
        }
    }

    entry_builders!(SubscribeOptions);
}

macro_rules! debug_without_handler {
    ($entry:ident) => {
        impl fmt::Debug for $entry {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.debug_struct(stringify!($entry))
                    .field("name", &self.name)
                    .field("module_path", &self.module_path)
                    .field("uri_module_path", &self.uri_module_path)
                    .field("prefix", &self.prefix)
                    .field("client", &self.client)
                    .field("options", &self.options)
                    .field("location", &self.location)
                    .finish_non_exhaustive()
            }
        }
    };
}

debug_without_handler!(ProcedureEntry);
debug_without_handler!(SubscriberEntry);

/// A module's prefix and defaults; what [`wamp_module!`](crate::wamp_module)
/// submits. They apply to every entry (and derived error URI) in the
/// module and the modules below it.
#[derive(Debug, Clone, Copy)]
#[non_exhaustive]
pub struct ModuleEntry {
    /// The module (`module_path!()`).
    pub module_path: &'static str,
    /// The prefix of everything below the module.
    pub prefix: Option<&'static str>,
    /// The client of everything below the module that names none.
    pub client: Option<&'static str>,
    /// Defaults of the procedures below the module.
    pub procedure_defaults: RegisterOptions,
    /// Defaults of the subscriptions below the module.
    pub subscription_defaults: SubscribeOptions,
    /// Where it is declared (`function` is `"wamp_module!"`).
    pub location: Location,
}

impl ModuleEntry {
    /// A declaration with no prefix and no defaults.
    pub const fn new(module_path: &'static str, location: Location) -> Self {
        Self {
            module_path,
            prefix: None,
            client: None,
            procedure_defaults: RegisterOptions::new(),
            subscription_defaults: SubscribeOptions::new(),
            location,
        }
    }

    /// Sets the prefix.
    pub const fn prefix(mut self, prefix: &'static str) -> Self {
        self.prefix = Some(prefix);
        self
    }

    /// Sets the client.
    pub const fn client(mut self, client: &'static str) -> Self {
        self.client = Some(client);
        self
    }

    /// Sets the procedure defaults.
    pub const fn procedure_defaults(mut self, defaults: RegisterOptions) -> Self {
        self.procedure_defaults = defaults;
        self
    }

    /// Sets the subscription defaults.
    pub const fn subscription_defaults(mut self, defaults: SubscribeOptions) -> Self {
        self.subscription_defaults = defaults;
        self
    }
}

inventory::collect!(ProcedureEntry);
inventory::collect!(SubscriberEntry);
inventory::collect!(ModuleEntry);

/// Whether `ancestor` is `module` or one of its enclosing modules.
pub(crate) fn is_within(module: &str, ancestor: &str) -> bool {
    module == ancestor || (module.starts_with(ancestor) && module[ancestor.len()..].starts_with("::"))
}

/// The module declarations that apply to `module`, from the crate root down.
pub(crate) fn enclosing_modules(module: &str) -> Vec<&'static ModuleEntry> {
    let mut modules: Vec<&'static ModuleEntry> = inventory::iter::<ModuleEntry>
        .into_iter()
        .filter(|m| is_within(module, m.module_path))
        .collect();
    modules.sort_by_key(|m| (m.module_path.len(), m.location.file, m.location.line));
    modules
}

/// The prefixes the enclosing modules of `module` declare, root first.
pub(crate) fn module_prefixes(module: &str) -> Vec<&'static str> {
    enclosing_modules(module).into_iter().filter_map(|m| m.prefix).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn module_paths_match_on_path_boundaries() {
        assert!(is_within("app::math", "app"));
        assert!(is_within("app::math", "app::math"));
        assert!(is_within("app::math::inner", "app::math"));
        assert!(!is_within("app::mathematics", "app::math"));
        assert!(!is_within("app", "app::math"));
    }
}
