//! What the `registry` example service offers to callers, declared once:
//! the URIs, argument, result and error types of `foo.*` and
//! `accounting.*`, as `#[procedure]` and `#[subscriber]` declarations
//! (functions without a body). Each declaration generates a typed caller or
//! publisher and registers nothing. Two programs depend on this crate: the
//! service implements the declarations (`examples/registry/foo.rs` and
//! `accounting.rs`, with `implements = ..`), and `examples/typed_client.rs`
//! calls them, without the service's handlers in its program.
//!
//! ```
//! assert_eq!(registry_contract::foo::MultiplyCaller::uri(), "foo.multiply");
//! assert_eq!(registry_contract::accounting::VatCaller::uri(), "accounting.vat");
//! ```

pub mod foo {
    use wamp_runtime::{CallContext, EventContext, WampError};

    wamp_runtime::wamp_module!(prefix = "foo");

    /// Errors of `foo.divide`; the URI follows the module prefix:
    /// `foo.error.division_by_zero`.
    #[derive(Debug, thiserror::Error, WampError)]
    pub enum MathError {
        /// The denominator was zero.
        #[error("division by zero")]
        #[wamp_error("error.division_by_zero")]
        DivisionByZero,
    }

    /// The product of two numbers.
    #[wamp_runtime::procedure]
    pub fn multiply(ctx: CallContext, factor1: f64, factor2: f64) -> f64;

    /// The quotient of two numbers; dividing by zero is
    /// [`MathError::DivisionByZero`].
    #[wamp_runtime::procedure]
    pub fn divide(ctx: CallContext, numerator: f64, denominator: f64) -> Result<f64, MathError>;

    /// A message for everyone, as one argument.
    #[wamp_runtime::subscriber]
    pub fn message_received(ctx: EventContext, message: String);
}

pub mod accounting {
    use serde::{Deserialize, Serialize};
    use wamp_runtime::{CallContext, EventContext, JsonSchema};

    wamp_runtime::wamp_module!(prefix = "accounting");

    /// One line of an invoice, sent as a dictionary `{"quantity": 3, "unit_price": 9.5}`.
    /// Its JSON Schema, in the service catalog, is the derived one.
    #[derive(Debug, Serialize, Deserialize, JsonSchema)]
    #[schemars(crate = "wamp_runtime::schemars")]
    pub struct Line {
        /// How many.
        pub quantity: u32,
        /// The price of one.
        pub unit_price: f64,
    }

    /// The tax on a net price, at `rate` percent (by default the service's
    /// rate).
    #[wamp_runtime::procedure]
    pub fn vat(ctx: CallContext, net: f64, rate: Option<f64>) -> f64;

    /// The sum of quantity × unit price over the lines.
    #[wamp_runtime::procedure]
    pub fn invoice_total(ctx: CallContext, lines: Vec<Line>) -> f64;

    /// An invoice was paid: its number and the amount.
    #[wamp_runtime::subscriber]
    pub fn payment_received(ctx: EventContext, invoice: String, amount: f64);
}
