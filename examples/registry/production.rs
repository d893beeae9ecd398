//! `production.*`: scheduling production batches. At most four batches are
//! scheduled at once per process (`concurrency`, a module default); more
//! calls wait for their turn.

use std::sync::atomic::{AtomicU64, Ordering};

use wamp_runtime::{CallContext, EventContext, procedure, subscriber};

wamp_runtime::wamp_module!(prefix = "production", concurrency = 4);

/// The next batch number of this process.
static NEXT_BATCH: AtomicU64 = AtomicU64::new(1);

/// `production.schedule(product, quantity)`: the id of the new batch.
#[procedure]
async fn schedule(_ctx: CallContext, product: String, quantity: u32) -> String {
    let batch = NEXT_BATCH.fetch_add(1, Ordering::Relaxed);
    println!("scheduled batch {batch}: {quantity} × {product}");
    format!("{product}-{batch}")
}

/// Events of `production.line_stopped`: `(line, reason)`.
#[subscriber]
fn line_stopped(_ctx: EventContext, line: String, reason: String) {
    println!("production line {line} stopped: {reason}");
}
