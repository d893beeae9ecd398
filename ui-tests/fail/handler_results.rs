use wamp_runtime::{procedure, subscriber, CallContext, EventContext};

// A subscriber's result goes nowhere: it returns `()` or `Result<(), E>`.
#[subscriber]
fn counted(_ctx: EventContext) -> i64 {
    1
}

// A handler's error must say what went wrong to the error reporter.
#[derive(Debug)]
struct Opaque;

#[procedure]
fn opaque(_ctx: CallContext) -> Result<i64, Opaque> {
    Err(Opaque)
}

fn main() {}
