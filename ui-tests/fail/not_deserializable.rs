use wamp_runtime::{procedure, CallContext};

struct Point {
    x: f64,
    y: f64,
}

#[procedure]
fn norm(_ctx: CallContext, point: Point) -> f64 {
    (point.x * point.x + point.y * point.y).sqrt()
}

#[procedure]
fn shout(_ctx: CallContext, text: &str) -> String {
    text.to_uppercase()
}

fn main() {}
