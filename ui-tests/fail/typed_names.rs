use wamp_runtime::{typed, CallContext};

fn main() {
    // One name per parameter after the context.
    let _ = typed::procedure(["a"], |_ctx: CallContext, a: i64, b: i64| a + b);
}
