use wamp_runtime::WampError;

#[derive(Debug, WampError)]
enum MathError {
    #[wamp_error("math.error.division_by_zero")]
    DivisionByZero,
    Overflow,
    #[wamp_error("math.error.bad uri")]
    BadUri,
    #[wamp_error("math.error.division_by_zero")]
    Duplicate,
    #[wamp_error("math.error.x", relative)]
    UnknownFlag,
}

#[derive(Debug, WampError)]
#[wamp_error(prefix = "math.", sufix = "x")]
enum BadPrefix {
    #[wamp_error("a")]
    A,
}

#[derive(Debug, WampError)]
struct NotAnEnum;

fn main() {}
