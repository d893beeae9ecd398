//! Application state for handlers: a database pool, a cache, the service's
//! own settings or a client of another service, built in `main` and handed
//! to the [`Server`](crate::Server), instead of a global.
//!
//! Values are kept by type; a handler asks for one with a [`State<T>`]
//! parameter (not read from the call's arguments) or with
//! [`CallContext::state`](crate::CallContext::state) /
//! [`EventContext::state`](crate::EventContext::state):
//!
//! ```no_run
//! use std::sync::atomic::{AtomicI64, Ordering};
//! use wamp_runtime::{procedure, CallContext, Config, Server, State};
//!
//! #[derive(Default)]
//! struct Counter {
//!     total: AtomicI64,
//! }
//!
//! #[procedure(name = "com.example.counter.increment")]
//! fn increment(_ctx: CallContext, counter: State<Counter>, by: i64) -> i64 {
//!     counter.total.fetch_add(by, Ordering::Relaxed) + by
//! }
//!
//! # async fn demo(config: Config) -> Result<(), wamp_runtime::Error> {
//! Server::new(config).state(Counter::default()).run().await
//! # }
//! ```
//!
//! A `State<T>` parameter may stand anywhere after the context; the
//! positions of the other parameters do not count it. When a
//! `#[procedure]` or `#[subscriber]` takes a `State<T>` and no value of
//! type `T` was given to the server, the server does not start: the error
//! names the handler (module, file and line) and the type. Handlers added
//! in code reach the same values through their context's `state` method.
//!
//! Each server has its own values, so two servers in one process (as in
//! tests) share nothing.

use std::any::{Any, TypeId};
use std::collections::HashMap;
use std::fmt;
use std::ops::Deref;
use std::sync::Arc;

/// A handler parameter holding the server's state value of type `T` (see
/// the [module](self) documentation). It derefs to `T`; its own field is
/// private so that `state.0` reaches the value's first field, as in a
/// newtype `struct Greeting(String)`.
pub struct State<T>(Arc<T>);

impl<T> State<T> {
    /// A state parameter holding `value` (for calling a handler directly,
    /// e.g. in a unit test).
    pub fn new(value: Arc<T>) -> Self {
        Self(value)
    }

    /// The shared value, e.g. to move into a spawned task.
    pub fn into_inner(self) -> Arc<T> {
        self.0
    }
}

/// A type that can be a server's state value: shared between the
/// handlers' tasks, so `Send + Sync + 'static`.
#[diagnostic::on_unimplemented(
    message = "`{Self}` cannot be a state value: handlers on several threads share it, so it must be `Send + Sync + 'static`",
    label = "not shareable between threads",
    note = "wrap what is not thread-safe, e.g. `std::sync::Mutex<T>` instead of `RefCell<T>`, `Arc` instead of `Rc`"
)]
pub trait StateValue: Send + Sync + 'static {}

impl<T: Send + Sync + 'static> StateValue for T {}

impl<T: StateValue> State<T> {
    /// The key under which the value is kept.
    pub const KEY: StateKey = StateKey::of::<T>();

    /// The value of the states `states`, or which type is missing.
    ///
    /// # Errors
    /// [`MissingState`] when `states` holds no value of type `T`.
    pub fn from_states(states: &States) -> Result<Self, MissingState> {
        states.get::<T>().map(State).ok_or(MissingState { key: Self::KEY })
    }
}

impl<T> Deref for State<T> {
    type Target = T;
    fn deref(&self) -> &T {
        &self.0
    }
}

impl<T> Clone for State<T> {
    fn clone(&self) -> Self {
        Self(self.0.clone())
    }
}

impl<T: fmt::Debug> fmt::Debug for State<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_tuple("State").field(&self.0).finish()
    }
}

/// State values by type.
///
/// ```
/// use wamp_runtime::state::States;
///
/// let mut states = States::new();
/// states.insert(42_u32).insert(String::from("settings"));
/// assert_eq!(*states.get::<u32>().unwrap(), 42);
/// assert_eq!(states.get::<String>().unwrap().as_str(), "settings");
/// assert!(states.get::<i64>().is_none());
/// ```
#[derive(Clone, Default)]
pub struct States {
    by_type: HashMap<TypeId, (&'static str, Arc<dyn Any + Send + Sync>)>,
}

impl States {
    /// No values.
    pub fn new() -> Self {
        Self::default()
    }

    /// Keeps `value` as the state of type `T`, replacing an earlier one.
    pub fn insert<T: Send + Sync + 'static>(&mut self, value: T) -> &mut Self {
        self.insert_shared(Arc::new(value))
    }

    /// Keeps a value that `main` holds too, as the state of type `T`.
    pub fn insert_shared<T: Send + Sync + 'static>(&mut self, value: Arc<T>) -> &mut Self {
        self.by_type
            .insert(TypeId::of::<T>(), (std::any::type_name::<T>(), value));
        self
    }

    /// The value of type `T`, if there is one.
    pub fn get<T: Send + Sync + 'static>(&self) -> Option<Arc<T>> {
        let (_, value) = self.by_type.get(&TypeId::of::<T>())?;
        value.clone().downcast::<T>().ok()
    }

    /// `true` when a value of the key's type is kept.
    pub fn contains(&self, key: StateKey) -> bool {
        self.by_type.contains_key(&key.type_id())
    }

    /// `true` when no value is kept.
    pub fn is_empty(&self) -> bool {
        self.by_type.is_empty()
    }
}

impl fmt::Debug for States {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut names: Vec<&str> = self.by_type.values().map(|(name, _)| *name).collect();
        names.sort_unstable();
        f.debug_set().entries(names).finish()
    }
}

/// Names a state type; built in constants (the registry entries of the
/// macros hold a list of them).
#[derive(Clone, Copy)]
pub struct StateKey {
    type_id: fn() -> TypeId,
    type_name: fn() -> &'static str,
}

impl StateKey {
    /// The key of type `T`.
    pub const fn of<T: ?Sized + 'static>() -> Self {
        Self {
            type_id: TypeId::of::<T>,
            type_name: std::any::type_name::<T>,
        }
    }

    /// The type's id.
    pub fn type_id(&self) -> TypeId {
        (self.type_id)()
    }

    /// The type's name, as [`std::any::type_name`] gives it.
    pub fn type_name(&self) -> &'static str {
        (self.type_name)()
    }
}

impl PartialEq for StateKey {
    fn eq(&self, other: &Self) -> bool {
        self.type_id() == other.type_id()
    }
}

impl Eq for StateKey {}

impl fmt::Debug for StateKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.type_name())
    }
}

/// A handler asked for a state value that was not given.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MissingState {
    key: StateKey,
}

impl MissingState {
    /// The type asked for.
    pub fn key(&self) -> StateKey {
        self.key
    }
}

impl fmt::Display for MissingState {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "no state of type {} was given; add it with Server::state (or Client::set_states)",
            self.key.type_name()
        )
    }
}

impl std::error::Error for MissingState {}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_shared_value_is_the_same_value() {
        let shared = Arc::new(std::sync::atomic::AtomicU32::new(1));
        let mut states = States::new();
        states.insert_shared(shared.clone());
        shared.store(7, std::sync::atomic::Ordering::Relaxed);
        let state = State::<std::sync::atomic::AtomicU32>::from_states(&states).unwrap();
        assert_eq!(state.load(std::sync::atomic::Ordering::Relaxed), 7);
    }

    #[test]
    fn a_missing_type_is_named() {
        let err = State::<Vec<u8>>::from_states(&States::new()).unwrap_err();
        assert_eq!(err.key(), StateKey::of::<Vec<u8>>());
        assert!(
            err.to_string()
                .starts_with("no state of type alloc::vec::Vec<u8> was given"),
            "{err}"
        );
    }

    #[test]
    fn keys_compare_by_type() {
        assert_eq!(StateKey::of::<u8>(), State::<u8>::KEY);
        assert_ne!(StateKey::of::<u8>(), StateKey::of::<i8>());
        let mut states = States::new();
        states.insert(1_u8);
        assert!(states.contains(StateKey::of::<u8>()));
        assert!(!states.contains(StateKey::of::<i8>()));
        assert_eq!(format!("{states:?}"), "{\"u8\"}");
    }
}
