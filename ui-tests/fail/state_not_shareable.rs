use std::cell::RefCell;

use wamp_runtime::{procedure, CallContext, State};

struct Cache {
    hits: RefCell<u64>,
}

#[procedure]
fn lookup(_ctx: CallContext, cache: State<Cache>, key: String) -> String {
    *cache.hits.borrow_mut() += 1;
    key
}

fn main() {}
