//! asphalt-wamp's `WAMPRegistry('foo', ...)`: `foo.multiply`, `foo.divide` and
//! the topic `foo.message_received`.

use wamp_runtime::{CallContext, EventContext, WampError, procedure, subscriber};

wamp_runtime::wamp_module!(prefix = "foo");

/// Errors of `foo.divide`; the URI follows the module prefix:
/// `foo.error.division_by_zero`.
#[derive(Debug, thiserror::Error, WampError)]
pub(crate) enum MathError {
    #[error("division by zero")]
    #[wamp_error("error.division_by_zero")]
    DivisionByZero,
}

/// `foo.multiply(factor1, factor2)`. Prints which process served the call,
/// to show round-robin at work when several processes serve it.
#[procedure]
fn multiply(ctx: CallContext, factor1: f64, factor2: f64) -> f64 {
    let product = factor1 * factor2;
    println!(
        "{}({factor1}, {factor2}) = {product} (served by process {})",
        ctx.procedure(),
        std::process::id()
    );
    product
}

/// `foo.divide(numerator, denominator)`; dividing by zero is answered with
/// `foo.error.division_by_zero`.
#[procedure]
fn divide(ctx: CallContext, numerator: f64, denominator: f64) -> Result<f64, MathError> {
    if denominator == 0.0 {
        return Err(MathError::DivisionByZero);
    }
    let quotient = numerator / denominator;
    println!(
        "{}({numerator}, {denominator}) = {quotient} (served by process {})",
        ctx.procedure(),
        std::process::id()
    );
    Ok(quotient)
}

/// Events of `foo.message_received` with one argument, `message`.
#[subscriber]
fn message_received(_ctx: EventContext, message: String) {
    println!("new message: {message}");
}
