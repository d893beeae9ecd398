//! asphalt-wamp's `WAMPRegistry('foo', ...)`: the implementations of
//! `foo.multiply`, `foo.divide` and the topic `foo.message_received`,
//! declared in `registry_contract::foo`.

use wamp_runtime::{CallContext, EventContext, procedure, subscriber};

use registry_contract::foo::{DivideCaller, MathError, MessageReceivedPublisher, MultiplyCaller};

/// Prints which process served the call, to show round-robin at work when
/// several processes serve it.
#[procedure(implements = MultiplyCaller)]
fn multiply(ctx: CallContext, factor1: f64, factor2: f64) -> f64 {
    let product = factor1 * factor2;
    println!(
        "{}({factor1}, {factor2}) = {product} (served by process {})",
        ctx.procedure(),
        std::process::id()
    );
    product
}

#[procedure(implements = DivideCaller)]
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

#[subscriber(implements = MessageReceivedPublisher)]
fn message_received(_ctx: EventContext, message: String) {
    println!("new message: {message}");
}
