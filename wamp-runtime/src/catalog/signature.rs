//! What a typed handler tells about itself for the catalog: its
//! [`Signature`], made by the code `#[procedure]` and `#[subscriber]`
//! generate, with the schemas of its types found by [`SchemaProbe`]. It
//! uses nothing else of the crate, so that the registry's entries and
//! `WampError` can name it.

use std::any::TypeId;
use std::marker::PhantomData;

use wamp_protocol::Payload;

pub use schemars::{Schema, SchemaGenerator};

/// How a handler reads one parameter.
#[derive(Debug, Clone)]
pub(crate) enum ParameterShape {
    /// A named parameter, at the next position or by keyword.
    Named {
        name: &'static str,
        required: bool,
        schema: Option<Schema>,
    },
    /// Every further positional argument ([`Args`](crate::Args)).
    RestArgs,
    /// Every further keyword argument ([`Kwargs`](crate::Kwargs)), with
    /// the schema of the type they are read into, when it has one.
    RestKwargs(Option<Schema>),
}

/// What a procedure answers.
#[derive(Debug, Clone)]
pub(crate) enum ResultShape {
    /// Nothing (`()`).
    Empty,
    /// Anything, positional and keyword (a [`Payload`]).
    Untyped,
    /// One positional result, with its schema when it has one.
    One(Option<Schema>),
}

/// What a typed handler tells about itself: its parameters, result,
/// progress, errors and documentation, with the schemas of their types.
/// `#[procedure]` and `#[subscriber]` generate a function returning it
/// (given to [`ProcedureEntry::signature`](crate::registry::ProcedureEntry::signature));
/// the catalog turns it into an [`Entry`](super::Entry).
///
/// ```
/// use wamp_runtime::catalog::{Signature, SchemaGenerator};
///
/// fn describe(generator: &mut SchemaGenerator) -> Signature {
///     Signature::new()
///         .description("Adds two numbers.")
///         .parameter("a", true, Some(generator.subschema_for::<f64>()))
///         .parameter("b", true, Some(generator.subschema_for::<f64>()))
///         .result::<f64>(Some(generator.subschema_for::<f64>()))
/// }
/// # let _ = describe;
/// ```
#[derive(Debug, Clone)]
pub struct Signature {
    pub(crate) description: Option<String>,
    pub(crate) parameters: Vec<ParameterShape>,
    pub(crate) result: ResultShape,
    pub(crate) progress: Option<Option<Schema>>,
    pub(crate) errors: Vec<ErrorSignature>,
    /// The last part of the URI as written, `{name}` for each capture.
    pub(crate) uri_template: Option<String>,
    /// The `Capture<T>` parameters: name, schema of `T`.
    pub(crate) captures: Vec<(&'static str, Option<Schema>)>,
}

/// An error URI with the schemas of its fields, as a
/// [`WampError`](crate::WampError) type describes its variants (see
/// [`WampError::describe_errors`](crate::WampError::describe_errors)).
#[derive(Debug, Clone)]
pub struct ErrorSignature {
    pub(crate) uri: String,
    pub(crate) description: Option<String>,
    pub(crate) args: Option<Vec<(bool, Option<Schema>)>>,
    pub(crate) kwargs: Option<Vec<(&'static str, bool, Option<Schema>)>>,
}

impl ErrorSignature {
    /// An error URI without fields (a unit variant).
    pub fn new(uri: impl Into<String>) -> Self {
        Self {
            uri: uri.into(),
            description: None,
            args: None,
            kwargs: None,
        }
    }

    /// Sets the description (the variant's doc comment).
    #[must_use]
    pub fn description(mut self, description: &str) -> Self {
        self.description = non_empty(description);
        self
    }

    /// Adds a positional field (of a tuple variant); `required` unless it
    /// is an `Option`.
    #[must_use]
    pub fn arg(mut self, required: bool, schema: Option<Schema>) -> Self {
        self.args.get_or_insert_with(Vec::new).push((required, schema));
        self
    }

    /// Adds a keyword field (of a struct variant).
    #[must_use]
    pub fn kwarg(mut self, name: &'static str, required: bool, schema: Option<Schema>) -> Self {
        self.kwargs.get_or_insert_with(Vec::new).push((name, required, schema));
        self
    }
}

impl Default for Signature {
    fn default() -> Self {
        Self::new()
    }
}

impl Signature {
    /// A handler without parameters, answering nothing.
    pub fn new() -> Self {
        Self {
            description: None,
            parameters: Vec::new(),
            result: ResultShape::Empty,
            progress: None,
            errors: Vec::new(),
            uri_template: None,
            captures: Vec::new(),
        }
    }

    /// The last part of the URI as written, with a `{name}` component for
    /// each capture (see [`Capture`](crate::Capture)).
    #[must_use]
    pub fn uri_template(mut self, template: &str) -> Self {
        self.uri_template = Some(template.to_owned());
        self
    }

    /// A URI capture named `name`, parsed into a type with this schema.
    #[must_use]
    pub fn capture(mut self, name: &'static str, schema: Option<Schema>) -> Self {
        self.captures.push((name, schema));
        self
    }

    /// Sets the description (the handler's doc comment; blank: none).
    #[must_use]
    pub fn description(mut self, description: &str) -> Self {
        self.description = non_empty(description);
        self
    }

    /// Adds a named parameter, read at the next position or by keyword;
    /// `required` unless absent is fine (an `Option`); `schema` `None`
    /// when its type has none.
    #[must_use]
    pub fn parameter(mut self, name: &'static str, required: bool, schema: Option<Schema>) -> Self {
        self.parameters.push(ParameterShape::Named { name, required, schema });
        self
    }

    /// The handler takes every further positional argument.
    #[must_use]
    pub fn rest_args(mut self) -> Self {
        self.parameters.push(ParameterShape::RestArgs);
        self
    }

    /// The handler takes every further keyword argument, read into a type
    /// with this schema (`None`: a plain dictionary, or no schema).
    #[must_use]
    pub fn rest_kwargs(mut self, schema: Option<Schema>) -> Self {
        self.parameters.push(ParameterShape::RestKwargs(schema));
        self
    }

    /// The procedure answers a `T` (whose schema is given): `()` is no
    /// result, a [`Payload`] anything, any other type one positional result.
    #[must_use]
    pub fn result<T: 'static>(mut self, schema: Option<Schema>) -> Self {
        self.result = if TypeId::of::<T>() == TypeId::of::<()>() {
            ResultShape::Empty
        } else if TypeId::of::<T>() == TypeId::of::<Payload>() {
            ResultShape::Untyped
        } else {
            ResultShape::One(schema)
        };
        self
    }

    /// The procedure's progressive results are of a type with this schema.
    #[must_use]
    pub fn progress(mut self, schema: Option<Schema>) -> Self {
        self.progress = Some(schema);
        self
    }

    /// The error URIs the procedure answers with.
    #[must_use]
    pub fn errors(mut self, errors: Vec<ErrorSignature>) -> Self {
        self.errors = errors;
        self
    }
}

fn non_empty(text: &str) -> Option<String> {
    let text = text.trim();
    (!text.is_empty()).then(|| text.to_owned())
}

/// Makes a handler's [`Signature`] (with the generator its schemas' `$ref`s
/// point into); what a registry entry carries.
pub type SignatureFn = fn(&mut SchemaGenerator) -> Signature;

/// The schema of `T` when it has one, found by the code `#[procedure]` and
/// `#[subscriber]` generate: `(&SchemaProbe::<T>::new()).schema(generator)`
/// calls [`ExactSchema::schema`] when `T: JsonSchema`, else
/// [`NoSchema::schema`] (method resolution tries `&SchemaProbe<T>` before
/// `&&SchemaProbe<T>`), so a type without a schema is no compile error.
/// This only works where `T` is a concrete type, as in macro output.
#[doc(hidden)]
#[derive(Debug)]
pub struct SchemaProbe<T>(PhantomData<fn() -> T>);

impl<T> SchemaProbe<T> {
    #[allow(clippy::new_without_default)]
    pub const fn new() -> Self {
        Self(PhantomData)
    }
}

#[doc(hidden)]
pub trait ExactSchema {
    fn schema(&self, generator: &mut SchemaGenerator) -> Option<Schema>;
}

impl<T: schemars::JsonSchema> ExactSchema for SchemaProbe<T> {
    fn schema(&self, generator: &mut SchemaGenerator) -> Option<Schema> {
        Some(generator.subschema_for::<T>())
    }
}

#[doc(hidden)]
pub trait NoSchema {
    fn schema(&self, generator: &mut SchemaGenerator) -> Option<Schema>;
}

impl<T> NoSchema for &SchemaProbe<T> {
    fn schema(&self, _generator: &mut SchemaGenerator) -> Option<Schema> {
        None
    }
}
