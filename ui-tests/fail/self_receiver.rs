use wamp_runtime::{procedure, CallContext};

struct Calculator;

impl Calculator {
    #[procedure]
    fn add(&self, _ctx: CallContext, a: i64, b: i64) -> i64 {
        a + b
    }
}

fn main() {}
