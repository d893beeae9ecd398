use wamp_runtime::{procedure, CallContext};

#[procedure(name = "com. example")]
fn add(_ctx: CallContext, a: i64, b: i64) -> i64 {
    a + b
}

fn main() {}
