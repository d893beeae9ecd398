use wamp_runtime::{procedure, CallContext};

#[procedure]
fn add(_ctx: CallContext, (a, b): (i64, i64)) -> i64 {
    a + b
}

fn main() {}
