//! `#[procedure]`: the user's function, unchanged, plus an
//! `inventory::submit!` of a `ProcedureEntry` holding
//! `wamp_runtime::typed::procedure(names, function)`, and its typed caller.

use proc_macro2::TokenStream;
use quote::quote;

use crate::attrs::Accepts;
use crate::handler::{Handler, Kind, Rejected};

const ACCEPTS: Accepts = Accepts {
    context: "#[procedure]",
    valid: &[
        "name",
        "prefix",
        "client",
        "match",
        "invoke",
        "disclose_caller",
        "force_reregister",
        "concurrency",
        "queue_limit",
        "caller",
        "progress",
        "implements",
    ],
};

pub(crate) fn expand(args: TokenStream, item: TokenStream) -> Result<TokenStream, Rejected> {
    let handler = Handler::parse(args, item, &ACCEPTS, Kind::Procedure)?;
    Ok(handler.expand(quote!(ProcedureEntry), handler.options.register_options()))
}
