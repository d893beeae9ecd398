//! Procedural macros of wamp-rs. Use them through `wamp-runtime`, which
//! re-exports them with their documentation: `#[procedure]`,
//! `#[subscriber]`, `wamp_module!` and `#[derive(WampError)]`.
//!
//! The macros only parse, check and generate: the code they emit calls the
//! public API of `wamp-runtime` (entry types submitted with `inventory`) and
//! its `__private` support module. Every mistake is reported as a compile
//! error spanned on the user's token.

mod attrs;
mod caller;
mod captures;
mod describe;
mod handler;
mod module;
mod procedure;
mod subscriber;
mod wamp_error;

use proc_macro::TokenStream;

/// See `wamp_runtime::procedure`.
#[proc_macro_attribute]
pub fn procedure(args: TokenStream, item: TokenStream) -> TokenStream {
    let item = proc_macro2::TokenStream::from(item);
    procedure::expand(args.into(), item.clone())
        .unwrap_or_else(|rejected| keep_item(rejected, item))
        .into()
}

/// See `wamp_runtime::subscriber`.
#[proc_macro_attribute]
pub fn subscriber(args: TokenStream, item: TokenStream) -> TokenStream {
    let item = proc_macro2::TokenStream::from(item);
    subscriber::expand(args.into(), item.clone())
        .unwrap_or_else(|rejected| keep_item(rejected, item))
        .into()
}

/// The errors, plus the function as written and the attribute's fallback
/// (its caller, when only the options are wrong): they stay defined, so
/// their uses and imports raise no second wave of errors and warnings. Of
/// a declaration (no body), no Rust item on its own, only its types.
fn keep_item(rejected: handler::Rejected, item: proc_macro2::TokenStream) -> proc_macro2::TokenStream {
    let mut tokens = rejected.error.into_compile_error();
    if syn::parse2::<syn::ItemFn>(item.clone()).is_ok() {
        tokens.extend(item);
    } else if let Ok(declaration) = syn::parse2::<syn::ForeignItemFn>(item) {
        tokens.extend(caller::declared_types(&declaration.sig));
    }
    tokens.extend(rejected.fallback);
    tokens
}

/// See `wamp_runtime::wamp_module`.
#[proc_macro]
pub fn wamp_module(input: TokenStream) -> TokenStream {
    module::expand(input.into())
        .unwrap_or_else(syn::Error::into_compile_error)
        .into()
}

/// See `wamp_runtime::WampError`.
#[proc_macro_derive(WampError, attributes(wamp_error))]
pub fn derive_wamp_error(input: TokenStream) -> TokenStream {
    let input = syn::parse_macro_input!(input as syn::DeriveInput);
    wamp_error::expand(input)
        .unwrap_or_else(syn::Error::into_compile_error)
        .into()
}
