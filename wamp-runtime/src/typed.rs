//! Typed functions as handlers, without macros: parameters read from the
//! call's (or event's) arguments as the [`extract`](crate::extract) module
//! says, the return value converted as the [`reply`](crate::reply) module
//! says. `#[procedure]` and `#[subscriber]` expand to exactly these
//! adapters, in an [entry](crate::registry::ProcedureEntry) of the link-time
//! registry.
//!
//! A function or closure takes its context, then any number (up to 12) of
//! [`Parameter`]s; the adapter is given one name per parameter after the
//! context, in order (the names of keyword arguments and of error messages):
//!
//! ```no_run
//! use wamp_runtime::{typed, ApplicationError, CallContext, EventContext, RegisterOptions, SubscribeOptions};
//!
//! # async fn demo(client: wamp_runtime::Client) -> Result<(), wamp_runtime::CallError> {
//! // Called as add(2, 3) or add(a=2, b=3); add("x", 3) is answered with
//! // wamp.error.invalid_argument: argument "a" (position 1): invalid type: string "x", expected f64
//! let add = typed::procedure(["a", "b"], |_ctx: CallContext, a: f64, b: f64| a + b);
//! client.register("com.example.add", add, RegisterOptions::new()).await?;
//!
//! // An async function returning a Result: Err(ApplicationError) is sent as it is.
//! async fn divide(_ctx: CallContext, numerator: f64, denominator: f64) -> Result<f64, ApplicationError> {
//!     if denominator == 0.0 {
//!         return Err(ApplicationError::new("com.example.error.division_by_zero"));
//!     }
//!     Ok(numerator / denominator)
//! }
//! client.register("com.example.divide", typed::procedure(["numerator", "denominator"], divide), RegisterOptions::new()).await?;
//!
//! let on_message = typed::subscriber(["text"], |ctx: EventContext, text: String| {
//!     println!("{}: {text}", ctx.topic());
//! });
//! client.subscribe("com.example.chat", on_message, SubscribeOptions::new()).await?;
//! # Ok(()) }
//! ```
//!
//! A [`Capture<T>`](crate::Capture) parameter is read from the URI instead
//! of the arguments, in the place of its `{name}` in the template given
//! with [`TypedProcedure::captures`] (see the [`capture`](crate::capture)
//! module).
//!
//! The adapters are `const`, so a link-time entry can hold one; this is
//! what `#[procedure(name = "com.example.add")]` on `fn add(ctx:
//! CallContext, a: f64, b: f64) -> f64` writes:
//!
//! ```
//! use wamp_runtime::registry::{Location, ProcedureEntry};
//! use wamp_runtime::{typed, CallContext, RegisterOptions};
//!
//! fn add(_ctx: CallContext, a: f64, b: f64) -> f64 {
//!     a + b
//! }
//!
//! inventory::submit! {
//!     ProcedureEntry::new(
//!         module_path!(),
//!         "com.example.add",
//!         &typed::procedure(["a", "b"], add),
//!         Location::new("add", file!(), line!()),
//!     )
//!     .options(RegisterOptions::new())
//! }
//! ```

use std::future::Future;
use std::marker::PhantomData;

use futures_util::future::BoxFuture;
use wamp_protocol::Payload;

use crate::error::ApplicationError;
use crate::extract::{Parameter, Rejection, Source};
use crate::handler::{AsyncFn, CallContext, EventContext, EventHandler, PlainFn, ProcedureHandler, ProcedureResult};
use crate::reply::{EventOutcome, Fallible, INTERNAL_ERROR, IntoReply, ReplyContext};
use crate::state::StateKey;

/// The parameters of a typed function after its context, as a tuple:
/// read from one call or event together.
///
/// ```
/// use std::sync::Arc;
/// use wamp_runtime::extract::Source;
/// use wamp_runtime::state::States;
/// use wamp_runtime::typed::Parameters;
/// use wamp_runtime::{Kwargs, Payload, Value};
///
/// let mut payload = Payload::from_args(vec![Value::from(1)]);
/// payload.kwargs.insert("verbose".into(), Value::from(true));
/// let states = || Arc::new(States::new());
/// let (count, rest) = <(i64, Kwargs)>::extract(Source::new(payload, &states), &["count", "rest"])?;
/// assert_eq!((count, rest.len()), (1, 1));
/// # Ok::<(), wamp_runtime::extract::Rejection>(())
/// ```
pub trait Parameters: Sized + Send + 'static {
    /// One name per parameter: `[&'static str; N]`.
    type Names: Copy + Send + Sync + 'static;

    /// The state types of the [`State<T>`](crate::State) parameters, `None`
    /// for the others.
    const STATES: &'static [Option<StateKey>];

    /// Reads every parameter, then checks that no argument is left over.
    ///
    /// # Errors
    /// The first parameter that cannot be read, or the arguments left.
    fn extract(source: Source<'_>, names: &Self::Names) -> Result<Self, Rejection>;
}

macro_rules! parameters {
    ($count:literal $(, $param:ident $index:tt)*) => {
        impl<$($param: Parameter),*> Parameters for ($($param,)*) {
            type Names = [&'static str; $count];

            const STATES: &'static [Option<StateKey>] = &[$($param::STATE),*];

            #[allow(non_snake_case, unused_mut, unused_variables)]
            fn extract(mut source: Source<'_>, names: &Self::Names) -> Result<Self, Rejection> {
                // Those that take the rest are read once the others took theirs.
                $(let $param = if $param::TAKES_THE_REST {
                    None
                } else {
                    Some($param::extract(&mut source, names[$index])?)
                };)*
                $(let $param = match $param {
                    Some(value) => value,
                    None => $param::extract(&mut source, names[$index])?,
                };)*
                source.finish()?;
                Ok(($($param,)*))
            }
        }
    };
}

parameters!(0);
parameters!(1, T1 0);
parameters!(2, T1 0, T2 1);
parameters!(3, T1 0, T2 1, T3 2);
parameters!(4, T1 0, T2 1, T3 2, T4 3);
parameters!(5, T1 0, T2 1, T3 2, T4 3, T5 4);
parameters!(6, T1 0, T2 1, T3 2, T4 3, T5 4, T6 5);
parameters!(7, T1 0, T2 1, T3 2, T4 3, T5 4, T6 5, T7 6);
parameters!(8, T1 0, T2 1, T3 2, T4 3, T5 4, T6 5, T7 6, T8 7);
parameters!(9, T1 0, T2 1, T3 2, T4 3, T5 4, T6 5, T7 6, T8 7, T9 8);
parameters!(10, T1 0, T2 1, T3 2, T4 3, T5 4, T6 5, T7 6, T8 7, T9 8, T10 9);
parameters!(11, T1 0, T2 1, T3 2, T4 3, T5 4, T6 5, T7 6, T8 7, T9 8, T10 9, T11 10);
parameters!(12, T1 0, T2 1, T3 2, T4 3, T5 4, T6 5, T7 6, T8 7, T9 8, T10 9, T11 10, T12 11);

/// A function or closure that can be a typed procedure: `Fn(CallContext,
/// P1, ..., Pn) -> R`, plain or `async`, with every `Pi` a [`Parameter`]
/// and `R` (or the future's output) an [`IntoReply`]. `M` only tells the
/// implementations apart: `(PlainFn or AsyncFn, (P1, ..., Pn), R's marker)`.
///
/// ```
/// use wamp_runtime::typed::ProcedureFn;
/// use wamp_runtime::{Args, CallContext};
///
/// fn is_procedure<M, F: ProcedureFn<M>>(_: F) {}
///
/// async fn sum(_ctx: CallContext, numbers: Args) -> f64 {
///     numbers.iter().filter_map(|n| n.as_f64()).sum()
/// }
/// is_procedure(sum);
/// is_procedure(|_ctx: CallContext, name: String| format!("hello {name}"));
/// ```
#[diagnostic::on_unimplemented(
    message = "`{Self}` cannot be a typed procedure",
    label = "not a typed procedure",
    note = "a typed procedure is a function `fn(CallContext, P1, ..., Pn) -> R` (or `async fn`) with each `Pi` a `wamp_runtime::extract::Parameter` and `R` a `wamp_runtime::reply::IntoReply`"
)]
pub trait ProcedureFn<M>: Send + Sync + 'static {
    /// The parameters after the context.
    type Parameters: Parameters;

    /// Calls the function with `ctx` and `parameters`; its answer is built
    /// with `reply`.
    fn call(
        &self,
        ctx: CallContext,
        parameters: Self::Parameters,
        reply: ReplyContext,
    ) -> BoxFuture<'static, ProcedureResult>;
}

/// A function or closure that can be a typed subscriber: `Fn(EventContext,
/// P1, ..., Pn) -> R`, plain or `async`, with `R` an [`EventOutcome`]; see
/// [`ProcedureFn`].
///
/// ```
/// use wamp_runtime::typed::EventFn;
/// use wamp_runtime::EventContext;
///
/// fn is_subscriber<M, F: EventFn<M>>(_: F) {}
///
/// is_subscriber(|_ctx: EventContext, level: u8, message: String| println!("{level}: {message}"));
/// ```
#[diagnostic::on_unimplemented(
    message = "`{Self}` cannot be a typed subscriber",
    label = "not a typed subscriber",
    note = "a typed subscriber is a function `fn(EventContext, P1, ..., Pn)` (or `async fn`) with each `Pi` a `wamp_runtime::extract::Parameter`, returning `()` or `Result<(), E>`"
)]
pub trait EventFn<M>: Send + Sync + 'static {
    /// The parameters after the context.
    type Parameters: Parameters;

    /// Calls the function with `ctx` and `parameters`; an error is
    /// concluded (reported) as [`EventOutcome`] says.
    fn call(&self, ctx: EventContext, parameters: Self::Parameters, topic: String) -> BoxFuture<'static, ()>;
}

macro_rules! functions {
    ($($param:ident),*) => {
        impl<F, R, RM, $($param,)*> ProcedureFn<(PlainFn, ($($param,)*), RM)> for F
        where
            F: Fn(CallContext, $($param),*) -> R + Send + Sync + 'static,
            $($param: Parameter,)*
            R: IntoReply<RM>,
        {
            type Parameters = ($($param,)*);

            #[allow(non_snake_case)]
            fn call(&self, ctx: CallContext, ($($param,)*): Self::Parameters, reply: ReplyContext) -> BoxFuture<'static, ProcedureResult> {
                let answer = (self)(ctx, $($param),*).into_reply(&reply);
                Box::pin(std::future::ready(answer))
            }
        }

        impl<F, Fut, RM, $($param,)*> ProcedureFn<(AsyncFn, ($($param,)*), RM)> for F
        where
            F: Fn(CallContext, $($param),*) -> Fut + Send + Sync + 'static,
            $($param: Parameter,)*
            Fut: Future + Send + 'static,
            Fut::Output: IntoReply<RM>,
        {
            type Parameters = ($($param,)*);

            #[allow(non_snake_case)]
            fn call(&self, ctx: CallContext, ($($param,)*): Self::Parameters, reply: ReplyContext) -> BoxFuture<'static, ProcedureResult> {
                let running = (self)(ctx, $($param),*);
                Box::pin(async move { running.await.into_reply(&reply) })
            }
        }

        impl<F, R, $($param,)*> EventFn<(PlainFn, ($($param,)*))> for F
        where
            F: Fn(EventContext, $($param),*) -> R + Send + Sync + 'static,
            $($param: Parameter,)*
            R: EventOutcome,
        {
            type Parameters = ($($param,)*);

            #[allow(non_snake_case)]
            fn call(&self, ctx: EventContext, ($($param,)*): Self::Parameters, topic: String) -> BoxFuture<'static, ()> {
                let client = ctx.client().clone();
                (self)(ctx, $($param),*).conclude(&topic, &client);
                Box::pin(std::future::ready(()))
            }
        }

        impl<F, Fut, $($param,)*> EventFn<(AsyncFn, ($($param,)*))> for F
        where
            F: Fn(EventContext, $($param),*) -> Fut + Send + Sync + 'static,
            $($param: Parameter,)*
            Fut: Future + Send + 'static,
            Fut::Output: EventOutcome,
        {
            type Parameters = ($($param,)*);

            #[allow(non_snake_case)]
            fn call(&self, ctx: EventContext, ($($param,)*): Self::Parameters, topic: String) -> BoxFuture<'static, ()> {
                let client = ctx.client().clone();
                let running = (self)(ctx, $($param),*);
                Box::pin(async move { running.await.conclude(&topic, &client) })
            }
        }
    };
}

functions!();
functions!(T1);
functions!(T1, T2);
functions!(T1, T2, T3);
functions!(T1, T2, T3, T4);
functions!(T1, T2, T3, T4, T5);
functions!(T1, T2, T3, T4, T5, T6);
functions!(T1, T2, T3, T4, T5, T6, T7);
functions!(T1, T2, T3, T4, T5, T6, T7, T8);
functions!(T1, T2, T3, T4, T5, T6, T7, T8, T9);
functions!(T1, T2, T3, T4, T5, T6, T7, T8, T9, T10);
functions!(T1, T2, T3, T4, T5, T6, T7, T8, T9, T10, T11);
functions!(T1, T2, T3, T4, T5, T6, T7, T8, T9, T10, T11, T12);

/// A typed function as a [`ProcedureHandler`]; made by [`procedure`].
/// `M` is the function's [`ProcedureFn`] marker, `N` its parameters' names.
///
/// ```
/// use wamp_runtime::handler::ProcedureHandler;
/// use wamp_runtime::{typed, CallContext};
///
/// let handler = typed::procedure(["a", "b"], |_ctx: CallContext, a: i64, b: i64| a + b);
/// assert!(handler.states().is_empty());
/// ```
pub struct TypedProcedure<F, M, N> {
    function: F,
    names: N,
    /// The name as a template (`user.{id}.get`), for `Capture` parameters.
    captures: Option<&'static str>,
    marker: PhantomData<fn() -> M>,
}

type NamesOf<F, M> = <<F as ProcedureFn<M>>::Parameters as Parameters>::Names;

/// The handler [`procedure`] makes of `F`.
type ProcedureOf<F, M> = TypedProcedure<F, M, NamesOf<F, M>>;

/// `function` as a procedure handler whose parameters after the context
/// are called `names` (see the [module](self) documentation). `K`
/// ([`PlainFn`] or [`AsyncFn`]), `P` (the parameters' types, a tuple) and
/// `R` (how the result converts, see [`IntoReply`]) describe the function
/// and are inferred.
pub const fn procedure<K, P, R, F>(names: NamesOf<F, (K, P, R)>, function: F) -> ProcedureOf<F, (K, P, R)>
where
    F: ProcedureFn<(K, P, R)>,
{
    TypedProcedure {
        function,
        names,
        captures: None,
        marker: PhantomData,
    }
}

impl<F, M, N> TypedProcedure<F, M, N> {
    /// Reads the [`Capture`](crate::Capture) parameters from the URI called,
    /// in the places of `template`'s placeholders (see the
    /// [`capture`](crate::capture) module): register the handler under
    /// `template` with an empty component for each placeholder, as a
    /// wildcard.
    ///
    /// ```no_run
    /// use wamp_runtime::{typed, Capture, CallContext, MatchPolicy, RegisterOptions};
    ///
    /// # async fn demo(client: wamp_runtime::Client) -> Result<(), wamp_runtime::CallError> {
    /// let get = typed::procedure(["id"], |_ctx: CallContext, id: Capture<u64>| id.into_inner() * 2)
    ///     .captures("user.{id}.get");
    /// client
    ///     .register("com.example.user..get", get, RegisterOptions::new().match_policy(MatchPolicy::Wildcard))
    ///     .await?;
    /// # Ok(()) }
    /// ```
    pub const fn captures(mut self, template: &'static str) -> Self {
        self.captures = Some(template);
        self
    }
}

/// [`procedure`] for a function returning a `Result` whose `Ok` and `Err`
/// both implement `Serialize` (`Result<i64, String>`): it says that the
/// `Result` is the answer, not a value to serialize.
///
/// ```
/// use wamp_runtime::{typed, CallContext};
///
/// fn parse(_ctx: CallContext, text: String) -> Result<i64, String> {
///     text.parse().map_err(|_| format!("{text:?} is not a number"))
/// }
/// let handler = typed::fallible(["text"], parse);
/// ```
pub const fn fallible<K, P, R, F>(
    names: NamesOf<F, (K, P, Fallible<R>)>,
    function: F,
) -> ProcedureOf<F, (K, P, Fallible<R>)>
where
    F: ProcedureFn<(K, P, Fallible<R>)>,
{
    procedure(names, function)
}

impl<F: ProcedureFn<M>, M: 'static> ProcedureHandler for TypedProcedure<F, M, NamesOf<F, M>> {
    fn invoke(&self, ctx: CallContext, payload: Payload) -> BoxFuture<'static, ProcedureResult> {
        let reply = ReplyContext::of(&ctx);
        let load_states = || ctx.states();
        let mut source = Source::new(payload, &load_states);
        if let Some(template) = self.captures {
            source = source.with_captures(template, ctx.procedure());
        }
        match F::Parameters::extract(source, &self.names) {
            Ok(parameters) => self.function.call(ctx, parameters, reply),
            Err(rejection) => Box::pin(std::future::ready(Err(rejected(ctx.procedure(), rejection)))),
        }
    }

    fn states(&self) -> Vec<StateKey> {
        F::Parameters::STATES.iter().flatten().copied().collect()
    }
}

/// What a procedure whose parameters cannot be read answers.
fn rejected(procedure: &str, rejection: Rejection) -> ApplicationError {
    match rejection {
        Rejection::Argument(error) => {
            tracing::debug!(procedure, error = %error, "the arguments do not fit the procedure");
            error.into()
        }
        // An internal error: the caller cannot fix it. `Server` checks
        // every state at start-up, so only handlers bound some other way
        // get here.
        Rejection::MissingState(missing) => {
            tracing::error!(procedure, error = %missing, "the procedure cannot run");
            ApplicationError::with_message(ApplicationError::RUNTIME_ERROR, INTERNAL_ERROR)
        }
        Rejection::MissingCapture(missing) => {
            tracing::error!(procedure, error = %missing, "the procedure cannot run");
            ApplicationError::with_message(ApplicationError::RUNTIME_ERROR, INTERNAL_ERROR)
        }
    }
}

/// A typed function as an [`EventHandler`]; made by [`subscriber`], as
/// [`TypedProcedure`] is by [`procedure`].
///
/// ```
/// use wamp_runtime::handler::EventHandler;
/// use wamp_runtime::{typed, EventContext, State};
///
/// struct Log;
/// let handler = typed::subscriber(["log", "line"], |_ctx: EventContext, _log: State<Log>, line: String| {
///     let _ = line;
/// });
/// assert_eq!(handler.states(), [wamp_runtime::state::StateKey::of::<Log>()]);
/// ```
pub struct TypedSubscriber<F, M, N> {
    function: F,
    names: N,
    captures: Option<&'static str>,
    marker: PhantomData<fn() -> M>,
}

type EventNamesOf<F, M> = <<F as EventFn<M>>::Parameters as Parameters>::Names;

/// The handler [`subscriber`] makes of `F`.
type SubscriberOf<F, M> = TypedSubscriber<F, M, EventNamesOf<F, M>>;

/// `function` as an event handler whose parameters after the context are
/// called `names` (see the [module](self) documentation); `K` and `P` are
/// as for [`procedure`]. Arguments that do not fit are logged (a `tracing`
/// warning naming the topic) and the function is not run.
pub const fn subscriber<K, P, F>(names: EventNamesOf<F, (K, P)>, function: F) -> SubscriberOf<F, (K, P)>
where
    F: EventFn<(K, P)>,
{
    TypedSubscriber {
        function,
        names,
        captures: None,
        marker: PhantomData,
    }
}

impl<F, M, N> TypedSubscriber<F, M, N> {
    /// Reads the [`Capture`](crate::Capture) parameters from the event's
    /// topic, as [`TypedProcedure::captures`] does from the URI called.
    pub const fn captures(mut self, template: &'static str) -> Self {
        self.captures = Some(template);
        self
    }
}

impl<F: EventFn<M>, M: 'static> EventHandler for TypedSubscriber<F, M, EventNamesOf<F, M>> {
    fn handle(&self, ctx: EventContext, payload: Payload) -> BoxFuture<'static, ()> {
        let topic = ctx.topic().to_owned();
        let load_states = || ctx.states();
        let mut source = Source::new(payload, &load_states);
        if let Some(template) = self.captures {
            source = source.with_captures(template, ctx.topic());
        }
        match F::Parameters::extract(source, &self.names) {
            Ok(parameters) => self.function.call(ctx, parameters, topic),
            Err(Rejection::Argument(error)) => {
                tracing::warn!(topic, error = %error, "event arguments do not fit the subscriber, event dropped");
                Box::pin(std::future::ready(()))
            }
            Err(Rejection::MissingState(missing)) => {
                tracing::error!(topic, error = %missing, "the subscriber cannot run, event dropped");
                Box::pin(std::future::ready(()))
            }
            Err(Rejection::MissingCapture(missing)) => {
                tracing::error!(topic, error = %missing, "the subscriber cannot run, event dropped");
                Box::pin(std::future::ready(()))
            }
        }
    }

    fn states(&self) -> Vec<StateKey> {
        F::Parameters::STATES.iter().flatten().copied().collect()
    }
}

impl<F, M, N> std::fmt::Debug for TypedProcedure<F, M, N> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TypedProcedure")
            .field("function", &std::any::type_name::<F>())
            .finish_non_exhaustive()
    }
}

impl<F, M, N> std::fmt::Debug for TypedSubscriber<F, M, N> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TypedSubscriber")
            .field("function", &std::any::type_name::<F>())
            .finish_non_exhaustive()
    }
}

/// A parameter type as the macros name it: `<T as CheckedParameter>::Type`
/// is `T` when `T` is a [`Parameter`], and an error at `T` otherwise, which
/// the compiler reports there once instead of again at every use of the
/// handler. Not public API.
#[doc(hidden)]
pub trait CheckedParameter {
    type Type;
}

impl<T: Parameter> CheckedParameter for T {
    type Type = T;
}

/// [`CheckedParameter`] for a `State<T>` parameter, which names what `T`
/// lacks to be a state value. Not public API.
#[doc(hidden)]
pub trait CheckedState {
    type Type;
}

impl<T: crate::state::StateValue> CheckedState for crate::State<T> {
    type Type = crate::State<T>;
}

/// [`CheckedParameter`] for a `Capture<T>` parameter, which names what `T`
/// lacks to be parsed from a URI component. Not public API.
#[doc(hidden)]
pub trait CheckedCapture {
    type Type;
}

impl<T: crate::capture::CaptureValue> CheckedCapture for crate::Capture<T> {
    type Type = crate::Capture<T>;
}
