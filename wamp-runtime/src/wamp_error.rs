//! Mapping Rust error types to WAMP error URIs and back: the [`WampError`]
//! trait (usually derived). Callers decode an `ERROR` into their own enum
//! with [`CallBuilder::typed`](crate::CallBuilder::typed) or
//! [`CallError::into_typed`](crate::CallError::into_typed), which give a
//! [`TypedCallError`](crate::TypedCallError).
//!
//! # Deriving
//!
//! `#[derive(WampError)]` implements the trait for an enum whose variants
//! each carry a `#[wamp_error("uri")]` attribute:
//!
//! * a unit variant sends the URI alone;
//! * a tuple variant sends its fields as positional arguments, in order;
//! * a struct variant sends its fields as keyword arguments, by field name.
//!
//! Fields are converted with [`to_value`](wamp_protocol::to_value) and decoded
//! with [`from_value`](wamp_protocol::from_value), so they must implement
//! `Serialize` and `DeserializeOwned`.
//!
//! ```
//! use wamp_runtime::{ApplicationError, WampError};
//!
//! #[derive(Debug, PartialEq, WampError)]
//! enum AccountError {
//!     #[wamp_error("accounts.error.locked")]
//!     Locked,
//!     #[wamp_error("accounts.error.overdrawn")]
//!     Overdrawn(u64),
//!     #[wamp_error("accounts.error.limit")]
//!     Limit { limit: u64, requested: u64 },
//! }
//!
//! let err = AccountError::Limit { limit: 100, requested: 250 }.to_application_error();
//! assert_eq!(err.uri(), "accounts.error.limit");
//! assert_eq!(err.kwargs["requested"], 250.into());
//! assert_eq!(
//!     AccountError::from_application_error(&err),
//!     Some(AccountError::Limit { limit: 100, requested: 250 })
//! );
//! // An ERROR with another URI is not one of ours.
//! assert_eq!(AccountError::from_application_error(&ApplicationError::new("other.error")), None);
//! ```
//!
//! # Error URIs and module prefixes
//!
//! Error URIs follow the module prefixes like procedure names do (the
//! rule of asphalt-wamp: "exception mappings inherit the parent prefixes, like
//! procedures"). The full URI of a variant is, joined with `.`:
//!
//! 1. the prefixes declared with [`wamp_module!`](crate::wamp_module) by the
//!    modules enclosing the enum, from the crate root down;
//! 2. the enum's own prefix, if it has `#[wamp_error(prefix = "...")]`;
//! 3. the variant's URI.
//!
//! A variant marked `absolute` — `#[wamp_error("wamp.error.not_authorized", absolute)]`
//! — uses its URI exactly as written, ignoring both kinds of prefix; use it
//! for URIs defined elsewhere (by the WAMP spec, the router or another
//! service). Without any `wamp_module!` prefix and enum prefix, every URI is
//! used as written.
//!
//! The module prefixes are read from the link-time registry the first time
//! a variant's URI is needed, and cached.
//!
//! # Which errors a handler sends
//!
//! A typed handler that returns `Err(e)` sends `e` under its URI when the
//! type of `e` is mapped in the [`ErrorMappings`] of the client that runs
//! it, and an internal error otherwise (see the [`reply`](crate::reply)
//! module). Mapped are: [`ApplicationError`]; every enum with
//! `#[derive(WampError)]` (it submits a [`WampErrorType`] at link time, as
//! a hand-written impl may too); and what the [`Server`](crate::Server) is
//! given, through [`Registry::map_error`](crate::registry::Registry::map_error)
//! (a type you do not own, under one URI) or
//! [`Server::error_mappings`](crate::Server::error_mappings). Each server hands its own
//! mappings to its clients, so two servers in one process share none.

use std::any::{Any, TypeId};
use std::collections::HashMap;
use std::fmt;
use std::marker::PhantomData;
use std::sync::{Arc, OnceLock};

use wamp_protocol::{List, Value};

use crate::application_error::ApplicationError;

/// A Rust error type that travels as a WAMP `ERROR`: a URI plus positional
/// and keyword arguments.
///
/// Derive it with `#[derive(WampError)]` (see the [module
/// documentation](self)), or implement it by hand:
///
/// ```
/// use wamp_runtime::{ApplicationError, WampError};
///
/// #[derive(Debug)]
/// struct NotFound(String);
///
/// impl WampError for NotFound {
///     fn to_application_error(&self) -> ApplicationError {
///         ApplicationError::new("com.example.error.not_found").with_arg(self.0.clone())
///     }
///     fn from_application_error(err: &ApplicationError) -> Option<Self> {
///         if err.uri() != "com.example.error.not_found" {
///             return None;
///         }
///         Some(NotFound(err.message()?.to_owned()))
///     }
/// }
///
/// let err = NotFound("widget".into()).to_application_error();
/// assert_eq!(NotFound::from_application_error(&err).map(|e| e.0), Some("widget".to_owned()));
/// ```
pub trait WampError: Sized {
    /// The `ERROR` to send for this error.
    fn to_application_error(&self) -> ApplicationError;

    /// Decodes an `ERROR` back into this type; `None` when its URI is not
    /// one of this type's, or when its arguments do not decode into the
    /// variant's fields.
    fn from_application_error(err: &ApplicationError) -> Option<Self>;

    /// The error URIs of this type, with the schemas of their fields, for
    /// the [service catalog](crate::catalog). The derive lists every
    /// variant; the default is none (an error whose URI is chosen at run
    /// time, such as [`ApplicationError`], has none to list).
    fn describe_errors(generator: &mut crate::catalog::SchemaGenerator) -> Vec<crate::catalog::ErrorSignature> {
        let _ = generator;
        Vec::new()
    }
}

/// An [`ApplicationError`] is the untyped case of itself: handlers may
/// return `Result<T, ApplicationError>` to choose the URI at run time.
impl WampError for ApplicationError {
    fn to_application_error(&self) -> ApplicationError {
        self.clone()
    }

    fn from_application_error(err: &ApplicationError) -> Option<Self> {
        Some(err.clone())
    }
}

/// The error type of a handler that cannot fail, as its generated caller
/// sees it: no `ERROR` maps to it, every one stays a
/// [`TypedCallError::Other`](crate::TypedCallError::Other).
impl WampError for std::convert::Infallible {
    fn to_application_error(&self) -> ApplicationError {
        match *self {}
    }

    fn from_application_error(_err: &ApplicationError) -> Option<Self> {
        None
    }
}

/// The error types a client's handlers send under URIs of their own, by
/// type (see the [module](self) documentation).
///
/// ```
/// use wamp_runtime::wamp_error::ErrorMappings;
/// use wamp_runtime::{ApplicationError, WampError};
///
/// #[derive(Debug, thiserror::Error, WampError)]
/// enum MathError {
///     #[error("division by zero")]
///     #[wamp_error("math.error.division_by_zero")]
///     DivisionByZero,
/// }
///
/// let mut mappings = ErrorMappings::new();
/// mappings.map_display::<std::num::ParseIntError>("com.example.error.not_a_number");
///
/// let derived = mappings.to_application_error(&MathError::DivisionByZero).expect("derived types are mapped");
/// assert_eq!(derived.uri(), "math.error.division_by_zero");
/// let parse = "x".parse::<u8>().unwrap_err();
/// assert_eq!(mappings.to_application_error(&parse).unwrap().message(), Some("invalid digit found in string"));
/// assert!(mappings.to_application_error(&std::io::Error::other("disk")).is_none());
/// ```
#[derive(Clone)]
pub struct ErrorMappings {
    by_type: HashMap<TypeId, Mapping>,
}

#[derive(Clone)]
enum Mapping {
    /// A [`WampError`] type: its own conversion.
    Wamp(fn(&dyn Any) -> Option<ApplicationError>),
    /// Any type, under one URI with its message as the only argument.
    Uri {
        uri: String,
        message: fn(&dyn Any) -> Option<String>,
    },
}

impl ErrorMappings {
    /// [`ApplicationError`] and every `#[derive(WampError)]` enum of the program.
    pub fn new() -> Self {
        let mut mappings = Self::empty();
        mappings.map_wamp::<ApplicationError>();
        for derived in inventory::iter::<WampErrorType> {
            mappings
                .by_type
                .insert((derived.type_id)(), Mapping::Wamp(derived.convert));
        }
        mappings
    }

    /// No mapping at all: every error a handler returns is internal.
    pub fn empty() -> Self {
        Self {
            by_type: HashMap::new(),
        }
    }

    /// The mappings of a client that was given none: those of [`new`](Self::new),
    /// gathered once.
    pub(crate) fn shared_default() -> Arc<Self> {
        static DEFAULT: OnceLock<Arc<ErrorMappings>> = OnceLock::new();
        DEFAULT.get_or_init(|| Arc::new(Self::new())).clone()
    }

    /// Sends errors of type `E` as their [`WampError`] impl says.
    pub fn map_wamp<E: WampError + 'static>(&mut self) -> &mut Self {
        self.by_type.insert(TypeId::of::<E>(), Mapping::Wamp(convert_wamp::<E>));
        self
    }

    /// Sends errors of type `E` under `uri`, with their message as the only
    /// argument: for error types you do not own.
    pub fn map_display<E: fmt::Display + 'static>(&mut self, uri: impl Into<String>) -> &mut Self {
        self.by_type.insert(
            TypeId::of::<E>(),
            Mapping::Uri {
                uri: uri.into(),
                message: display::<E>,
            },
        );
        self
    }

    /// Adds every mapping of `other`, which wins where both map a type.
    pub fn extend(&mut self, other: &ErrorMappings) -> &mut Self {
        self.by_type
            .extend(other.by_type.iter().map(|(id, mapping)| (*id, mapping.clone())));
        self
    }

    /// The ERROR that `error` is sent as, when its type is mapped.
    pub fn to_application_error<E: 'static>(&self, error: &E) -> Option<ApplicationError> {
        match self.by_type.get(&TypeId::of::<E>())? {
            Mapping::Wamp(convert) => convert(error),
            Mapping::Uri { uri, message } => Some(ApplicationError::with_message(uri.clone(), message(error)?)),
        }
    }

    /// `true` when errors of type `E` are mapped.
    pub fn contains<E: 'static>(&self) -> bool {
        self.by_type.contains_key(&TypeId::of::<E>())
    }
}

impl Default for ErrorMappings {
    fn default() -> Self {
        Self::new()
    }
}

impl fmt::Debug for ErrorMappings {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ErrorMappings")
            .field("types", &self.by_type.len())
            .finish()
    }
}

fn convert_wamp<E: WampError + 'static>(error: &dyn Any) -> Option<ApplicationError> {
    error.downcast_ref::<E>().map(E::to_application_error)
}

fn display<E: fmt::Display + 'static>(error: &dyn Any) -> Option<String> {
    error.downcast_ref::<E>().map(E::to_string)
}

/// A [`WampError`] type, as `#[derive(WampError)]` submits it at link time
/// so that [`ErrorMappings::new`] maps it. A hand-written impl can be
/// submitted the same way:
///
/// ```
/// use wamp_runtime::wamp_error::{ErrorMappings, WampErrorType};
/// use wamp_runtime::{ApplicationError, WampError};
///
/// #[derive(Debug)]
/// struct NotFound;
///
/// impl WampError for NotFound {
///     fn to_application_error(&self) -> ApplicationError {
///         ApplicationError::new("com.example.error.not_found")
///     }
///     fn from_application_error(err: &ApplicationError) -> Option<Self> {
///         (err.uri() == "com.example.error.not_found").then_some(NotFound)
///     }
/// }
///
/// inventory::submit!(WampErrorType::of::<NotFound>());
///
/// assert!(ErrorMappings::new().contains::<NotFound>());
/// ```
#[derive(Debug, Clone, Copy)]
pub struct WampErrorType {
    type_id: fn() -> TypeId,
    convert: fn(&dyn Any) -> Option<ApplicationError>,
}

impl WampErrorType {
    /// The entry of `E`.
    pub const fn of<E: WampError + 'static>() -> Self {
        Self {
            type_id: TypeId::of::<E>,
            convert: convert_wamp::<E>,
        }
    }
}

inventory::collect!(WampErrorType);

/// The URI of one variant of a derived [`WampError`], resolved against the
/// module prefixes on first use. Used by the derive's generated code.
#[doc(hidden)]
#[derive(Debug)]
pub struct ErrorUri {
    module_path: &'static str,
    enum_prefix: Option<&'static str>,
    uri: &'static str,
    absolute: bool,
    resolved: OnceLock<String>,
}

impl ErrorUri {
    /// A variant's URI as written in its attribute.
    pub const fn new(
        module_path: &'static str,
        enum_prefix: Option<&'static str>,
        uri: &'static str,
        absolute: bool,
    ) -> Self {
        Self {
            module_path,
            enum_prefix,
            uri,
            absolute,
            resolved: OnceLock::new(),
        }
    }

    /// The full URI.
    pub fn get(&self) -> &str {
        self.resolved.get_or_init(|| {
            if self.absolute {
                return self.uri.to_owned();
            }
            let mut parts: Vec<&str> = crate::registry::entry::module_prefixes(self.module_path);
            parts.extend(self.enum_prefix);
            parts.push(self.uri);
            parts.join(".")
        })
    }
}

/// Converts one field of an error variant; a field that cannot be
/// converted is sent as `null` (and logged), since building an `ERROR`
/// must not fail.
#[doc(hidden)]
pub fn field_value<T: serde::Serialize + ?Sized>(uri: &str, field: &str, value: &T) -> Value {
    wamp_protocol::to_value(value).unwrap_or_else(|e| {
        tracing::warn!(uri, field, error = %e, "cannot convert an error field, sending null");
        Value::Null
    })
}

/// Decodes one field of an error variant; `None` when absent or mistyped.
#[doc(hidden)]
pub fn decode_field<T: serde::de::DeserializeOwned>(value: Option<&Value>) -> Option<T> {
    wamp_protocol::from_value(value.cloned().unwrap_or(Value::Null)).ok()
}

/// An [`ApplicationError`] from parts, for the derive's generated code.
#[doc(hidden)]
pub fn build_error(uri: &str, args: List, kwargs: Vec<(&'static str, Value)>) -> ApplicationError {
    let mut err = ApplicationError::new(uri);
    err.args = args;
    err.kwargs = kwargs.into_iter().map(|(k, v)| (k.to_owned(), v)).collect();
    err
}

#[cfg(test)]
mod tests {
    use super::*;

    mod scoped {
        crate::wamp_module!(prefix = "unit_scope");

        pub(super) mod inner {
            crate::wamp_module!(prefix = "inner");

            #[derive(Debug, PartialEq, crate::WampError)]
            pub(in super::super) enum Relative {
                #[wamp_error("error.plain")]
                Plain,
                #[wamp_error("other_service.error.fixed", absolute)]
                Fixed(String, u8),
            }

            #[derive(Debug, PartialEq, crate::WampError)]
            #[wamp_error(prefix = "error")]
            pub(in super::super) enum WithEnumPrefix {
                #[wamp_error("limit")]
                Limit { limit: u32 },
            }
        }
    }

    use scoped::inner::{Relative, WithEnumPrefix};

    #[test]
    fn relative_error_uris_get_every_enclosing_module_prefix() {
        assert_eq!(
            Relative::Plain.to_application_error().uri(),
            "unit_scope.inner.error.plain"
        );
        let limit = WithEnumPrefix::Limit { limit: 3 }.to_application_error();
        assert_eq!(limit.uri(), "unit_scope.inner.error.limit");
        assert_eq!(limit.kwargs.get("limit"), Some(&Value::from(3)));
        assert_eq!(
            WithEnumPrefix::from_application_error(&limit),
            Some(WithEnumPrefix::Limit { limit: 3 })
        );
    }

    #[test]
    fn absolute_error_uris_are_used_as_written_and_tuple_fields_are_args() {
        let err = Relative::Fixed("why".into(), 7).to_application_error();
        assert_eq!(err.uri(), "other_service.error.fixed");
        assert_eq!(err.args, vec![Value::from("why"), Value::from(7)]);
        assert_eq!(
            Relative::from_application_error(&err),
            Some(Relative::Fixed("why".into(), 7))
        );
    }

    #[test]
    fn fields_that_do_not_decode_make_the_error_unmapped() {
        let err = ApplicationError::new("other_service.error.fixed")
            .with_arg("why")
            .with_arg("not a number");
        assert_eq!(Relative::from_application_error(&err), None);
        assert!(matches!(
            crate::CallError::from(err).into_typed::<Relative>(),
            crate::TypedCallError::Other(crate::CallError::Application(_))
        ));
    }
}

/// The error URIs of `E` when it is a [`WampError`](WampError), as
/// [`SchemaProbe`](crate::catalog::SchemaProbe) finds a schema.
#[doc(hidden)]
#[derive(Debug)]
pub struct ErrorProbe<E>(PhantomData<fn() -> E>);

impl<E> ErrorProbe<E> {
    #[allow(clippy::new_without_default)]
    pub const fn new() -> Self {
        Self(PhantomData)
    }
}

#[doc(hidden)]
pub trait DescribedErrors {
    fn errors(&self, generator: &mut crate::catalog::SchemaGenerator) -> Vec<crate::catalog::ErrorSignature>;
}

impl<E: WampError> DescribedErrors for ErrorProbe<E> {
    fn errors(&self, generator: &mut crate::catalog::SchemaGenerator) -> Vec<crate::catalog::ErrorSignature> {
        E::describe_errors(generator)
    }
}

#[doc(hidden)]
pub trait UndescribedErrors {
    fn errors(&self, generator: &mut crate::catalog::SchemaGenerator) -> Vec<crate::catalog::ErrorSignature>;
}

impl<E> UndescribedErrors for &ErrorProbe<E> {
    fn errors(&self, _generator: &mut crate::catalog::SchemaGenerator) -> Vec<crate::catalog::ErrorSignature> {
        Vec::new()
    }
}
