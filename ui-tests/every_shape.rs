//! Every supported shape of handler, error and module declaration compiles.

use wamp_runtime::{
    ApplicationError, Args, CallContext, EventContext, Kwargs, Payload, TypedCallError, WampError, procedure,
    subscriber, wamp_module,
};

wamp_module!(
    prefix = "com.example",
    invoke = "roundrobin",
    r#match = "exact",
    disclose_caller,
    concurrency = 8
);

#[derive(Debug, thiserror::Error, WampError)]
#[wamp_error(prefix = "error")]
pub enum MathError {
    #[error("division by zero")]
    #[wamp_error("division_by_zero")]
    DivisionByZero,
    #[error("overflow of {0} and {1}")]
    #[wamp_error("overflow")]
    Overflow(i64, i64),
    #[error("out of range")]
    #[wamp_error("wamp.error.out_of_range", absolute)]
    OutOfRange { min: i64, max: i64 },
}

#[procedure(prefix = "foo", invoke = "roundrobin")]
async fn divide(_ctx: CallContext, numerator: f64, denominator: f64) -> Result<f64, MathError> {
    if denominator == 0.0 {
        return Err(MathError::DivisionByZero);
    }
    Ok(numerator / denominator)
}

#[procedure(
    name = "add",
    match = "exact",
    disclose_caller = true,
    concurrency = 2,
    client = "wamp1"
)]
fn add_numbers(_ctx: CallContext, a: i64, b: i64) -> Result<i64, MathError> {
    a.checked_add(b).ok_or(MathError::Overflow(a, b))
}

#[procedure]
fn unit(_ctx: CallContext) {}

#[procedure(caller = Countdown, progress = u32)]
async fn count_down(_ctx: CallContext, from: u32, _pool: wamp_runtime::State<String>) -> String {
    format!("{from}")
}

#[procedure]
fn explicit(_ctx: CallContext, first: Option<String>, rest: Args, after: Option<bool>, all: Kwargs) -> Payload {
    let _ = (first, rest, after, all);
    Payload::default()
}

#[procedure]
fn io(_ctx: CallContext, path: String) -> std::io::Result<Vec<u8>> {
    std::fs::read(path)
}

#[procedure]
fn untyped(_ctx: CallContext, mut value: wamp_runtime::Value) -> Result<(), ApplicationError> {
    value.as_list_mut();
    Err(ApplicationError::new("com.example.error.nope"))
}

#[procedure(match = "prefix", name = "com.example.tree.")]
async fn tree(ctx: CallContext) -> String {
    ctx.procedure().to_owned()
}

#[procedure(match = "wildcard", name = "com..update")]
async fn r#match(_ctx: CallContext) -> Result<String, Box<dyn std::error::Error + Send + Sync>> {
    Ok("matched".into())
}

// Captures: whole components of a wildcard name, anywhere among the parameters.
#[procedure(name = "{tenant}.user.{id}.get", match = "wildcard")]
async fn get_user(
    _ctx: CallContext,
    id: wamp_runtime::Capture<u64>,
    verbose: bool,
    _pool: wamp_runtime::State<String>,
    tenant: wamp_runtime::Capture<String>,
) -> String {
    format!("{}/{}/{verbose}", tenant.as_str(), *id)
}

#[subscriber(name = "sensor.{type}.reading", match = "wildcard")]
fn reading(_ctx: EventContext, r#type: wamp_runtime::Capture<String>, value: f64) {
    let _ = (r#type.into_inner(), value);
}

#[subscriber(prefix = "foo")]
async fn message_received(ctx: EventContext, message: String) {
    let _ = (ctx.topic(), message);
}

#[subscriber(match = "prefix", name = "com.example.")]
fn everything(_ctx: EventContext, all: Args, named: Kwargs) -> Result<(), std::io::Error> {
    let _ = (all, named);
    Ok(())
}

mod nested {
    wamp_runtime::wamp_module!(prefix = "nested", client = "wamp2");

    #[wamp_runtime::procedure]
    pub(crate) fn inner(_ctx: wamp_runtime::CallContext, x: u8) -> u8 {
        x
    }
}

/// Declarations: callers and publishers only, implemented below.
pub mod contract {
    use wamp_runtime::{Args, CallContext, EventContext, Kwargs};

    #[derive(Debug, serde::Serialize, serde::Deserialize)]
    pub struct Filter {
        pub name: String,
    }

    /// Searches, with progress.
    #[wamp_runtime::procedure(name = "search", prefix = "contract", caller = Search, progress = String)]
    pub async fn search(ctx: CallContext, query: String, filter: Kwargs<Filter>) -> std::io::Result<Vec<String>>;

    #[wamp_runtime::subscriber(publisher = Tick)]
    pub fn ticked(ctx: EventContext, count: u64, rest: Args);

    /// A declaration's captures need no `match`: its implementation says it.
    #[wamp_runtime::procedure(name = "order.{number}.cancel")]
    pub fn cancel(ctx: CallContext, number: wamp_runtime::Capture<u32>, reason: String) -> bool;

    #[wamp_runtime::subscriber(name = "order.{number}.shipped")]
    pub fn shipped(ctx: EventContext, number: wamp_runtime::Capture<u32>);
}

#[procedure(implements = contract::CancelCaller, match = "wildcard")]
fn cancel(_ctx: CallContext, number: wamp_runtime::Capture<u32>, reason: String) -> bool {
    *number > 0 && !reason.is_empty()
}

#[subscriber(implements = contract::ShippedPublisher, match = "wildcard")]
fn shipped(_ctx: EventContext, number: wamp_runtime::Capture<u32>) {
    let _ = number;
}

#[procedure(implements = contract::Search, concurrency = 4)]
async fn search(
    _ctx: CallContext,
    query: String,
    _pool: wamp_runtime::State<String>,
    filter: Kwargs<contract::Filter>,
) -> std::io::Result<Vec<String>> {
    Ok(vec![query, filter.0.name])
}

#[subscriber(implements = contract::Tick)]
fn ticked(_ctx: EventContext, count: u64, rest: Args) {
    let _ = (count, rest);
}

/// Every handler has a typed caller or publisher, with the function's visibility.
async fn callers(client: wamp_runtime::Client) -> Result<(), Box<dyn std::error::Error>> {
    let _: f64 = DivideCaller::call(&client, 1.0, 2.0).await?;
    let _: i64 = AddNumbersCaller::call(&client, 1, 2)
        .timeout(std::time::Duration::from_secs(1))
        .await?;
    let _: () = UnitCaller::call(&client).disclose_me(true).await?;
    let _: Result<String, TypedCallError<std::convert::Infallible>> = Countdown::call(&client, 3)
        .on_progress(|step: Result<u32, wamp_runtime::CallError>| drop(step))
        .cancel_mode(wamp_runtime::CancelMode::Skip)
        .await;
    let _: Payload = ExplicitCaller::call(&client, None, Args::default(), Some(true), Kwargs::default())
        .into_builder()
        .await?
        .into_payload();
    let _: u8 = nested::InnerCaller::call(&client, 7).await?;
    let _: &str = MatchCaller::uri();
    let _: u64 = MessageReceivedPublisher::publish(&client, "hello".into())
        .acknowledged()
        .await?;
    EverythingPublisher::publish(&client, Args::default(), Kwargs::default()).await?;
    let _: wamp_runtime::caller::TypedProgressiveCall<Vec<String>, std::io::Error, String> =
        contract::Search::call(&client, "q".into(), Kwargs(contract::Filter { name: "n".into() })).with_progress();
    contract::Tick::publish(&client, 1, Args::default())
        .exclude_me(false)
        .await?;
    // A caller takes a capture's value where the parameter stands.
    let _: String = GetUserCaller::call(&client, 7, true, "acme".into()).await?;
    let _: Result<String, wamp_runtime::capture::CaptureError> = GetUserCaller::concrete_uri(7, "acme".into());
    let _: &str = GetUserCaller::TEMPLATE;
    ReadingPublisher::publish(&client, "co2".into(), 410.0).await?;
    let _: bool = contract::CancelCaller::call(&client, 12, "late".into()).await?;
    contract::ShippedPublisher::publish(&client, 12).acknowledged().await?;
    Ok(())
}

pub(crate) fn main() {
    // The functions stay callable as written.
    let _ = divide;
    let _ = nested::inner;
    let _: ApplicationError = MathError::DivisionByZero.into();
    let _ = callers;
}
