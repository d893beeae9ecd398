//! Argument building shared by calls and publications.

use std::fmt;

use serde::Serialize;
use wamp_protocol::{Id, Payload, Value};

use crate::error::CallError;

fn invalid_argument(what: &str, error: impl fmt::Display) -> CallError {
    CallError::InvalidRequest(format!("{what} cannot be serialized: {error}"))
}

/// The argument and option methods shared by [`CallBuilder`] and
/// [`PublishBuilder`] (both have `payload: Payload`, `options: Dict` and
/// `invalid: Option<CallError>` fields). `$what` names the request in the
/// docs, `$message` its WAMP message, `$disclosed` who learns the identity.
macro_rules! argument_methods {
    ($what:literal, $message:literal, $disclosed:literal) => {
        #[doc = concat!("Asks the router to disclose this ", $disclosed, ".")]
        pub fn disclose_me(mut self, disclose: bool) -> Self {
            self.options.insert("disclose_me".into(), Value::Bool(disclose));
            self
        }

        #[doc = concat!("Sets any other ", $message, " option.")]
        pub fn option(mut self, key: impl Into<String>, value: impl Into<Value>) -> Self {
            self.options.insert(key.into(), value.into());
            self
        }

        #[doc = concat!("Appends one positional argument. A value that cannot be serialized makes the ", $what, " fail with [`CallError::InvalidRequest`] when awaited.")]
        pub fn arg(mut self, value: impl Serialize) -> Self {
            super::arguments::push_arg(&mut self.payload, &mut self.invalid, value);
            self
        }

        /// Appends positional arguments from a tuple, array or `Vec`.
        pub fn args(mut self, values: impl Serialize) -> Self {
            super::arguments::push_args(&mut self.payload, &mut self.invalid, values);
            self
        }

        /// Sets one keyword argument.
        pub fn kwarg(mut self, key: impl Into<String>, value: impl Serialize) -> Self {
            super::arguments::push_kwarg(&mut self.payload, &mut self.invalid, key.into(), value);
            self
        }

        /// Sets keyword arguments from a struct or map.
        pub fn kwargs(mut self, values: impl Serialize) -> Self {
            super::arguments::push_kwargs(&mut self.payload, &mut self.invalid, values);
            self
        }

        /// Replaces the arguments with a ready-made payload.
        pub fn payload(mut self, payload: Payload) -> Self {
            self.payload = payload;
            self
        }
    };
}

/// Builds the arguments shared by calls and publications.
pub(super) fn push_arg(payload: &mut Payload, invalid: &mut Option<CallError>, value: impl Serialize) {
    match wamp_protocol::to_value(&value) {
        Ok(v) => payload.args.push(v),
        Err(e) => {
            invalid.get_or_insert(invalid_argument(&format!("argument {}", payload.args.len() + 1), e));
        }
    }
}

pub(super) fn push_args(payload: &mut Payload, invalid: &mut Option<CallError>, values: impl Serialize) {
    match wamp_protocol::to_value(&values) {
        Ok(Value::List(list)) => payload.args.extend(list),
        Ok(Value::Null) => {}
        Ok(other) => {
            invalid.get_or_insert(CallError::InvalidRequest(format!(
                "positional arguments must serialize to a list (a tuple, array or Vec), got {other}"
            )));
        }
        Err(e) => {
            invalid.get_or_insert(invalid_argument("arguments", e));
        }
    }
}

pub(super) fn push_kwarg(payload: &mut Payload, invalid: &mut Option<CallError>, key: String, value: impl Serialize) {
    match wamp_protocol::to_value(&value) {
        Ok(v) => {
            payload.kwargs.insert(key, v);
        }
        Err(e) => {
            invalid.get_or_insert(invalid_argument(&format!("keyword argument {key:?}"), e));
        }
    }
}

pub(super) fn push_kwargs(payload: &mut Payload, invalid: &mut Option<CallError>, values: impl Serialize) {
    match wamp_protocol::to_value(&values) {
        Ok(Value::Dict(dict)) => payload.kwargs.extend(dict),
        Ok(Value::Null) => {}
        Ok(other) => {
            invalid.get_or_insert(CallError::InvalidRequest(format!(
                "keyword arguments must serialize to a map or struct, got {other}"
            )));
        }
        Err(e) => {
            invalid.get_or_insert(invalid_argument("keyword arguments", e));
        }
    }
}

pub(super) fn ids_value(ids: impl IntoIterator<Item = Id>) -> Value {
    Value::List(ids.into_iter().map(Value::from).collect())
}

pub(super) fn strings_value<S: Into<String>>(items: impl IntoIterator<Item = S>) -> Value {
    Value::List(items.into_iter().map(|s| Value::String(s.into())).collect())
}
