//! `deliveries.*`: delivery estimates and shipping notices.

use serde::Serialize;
use wamp_runtime::{CallContext, EventContext, procedure, subscriber};

wamp_runtime::wamp_module!(prefix = "deliveries");

/// The answer of `deliveries.estimate`, sent as a dictionary.
#[derive(Debug, Serialize)]
struct Estimate {
    days: u32,
    cost: f64,
}

/// `deliveries.estimate(distance_km)`: a day per started 500 km, one unit
/// of cost per 10 km.
#[procedure]
fn estimate(_ctx: CallContext, distance_km: f64) -> Estimate {
    // Float-to-int `as` saturates, so a negative distance is 0 days.
    let days = (distance_km / 500.0).ceil().max(1.0) as u32;
    Estimate {
        days,
        cost: distance_km / 10.0,
    }
}

/// Events of `deliveries.shipped`: `(order, carrier=None)`.
#[subscriber]
fn shipped(_ctx: EventContext, order: String, carrier: Option<String>) {
    match carrier {
        Some(carrier) => println!("order {order} shipped with {carrier}"),
        None => println!("order {order} shipped"),
    }
}
