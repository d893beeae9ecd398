use wamp_runtime::{procedure, CallContext};

mod contract {
    use wamp_runtime::CallContext;

    // How it is served is not the declaration's business.
    #[wamp_runtime::procedure(invoke = "roundrobin", implements = super::Other)]
    pub fn place(ctx: CallContext, item: String) -> u64;
}

// The URI and the caller come from the declaration.
#[procedure(implements = contract::PlaceCaller, name = "elsewhere", caller = Mine)]
fn place(_ctx: CallContext, item: String) -> u64 {
    item.len() as u64
}

#[procedure(implements = "contract::PlaceCaller")]
fn quoted(_ctx: CallContext, item: String) -> u64 {
    item.len() as u64
}

fn main() {}
