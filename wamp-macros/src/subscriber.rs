//! `#[subscriber]`: the user's function, unchanged, plus a wrapper that reads
//! the event's arguments, plus an `inventory::submit!` of a `SubscriberEntry`.

use proc_macro2::TokenStream;
use quote::{quote, quote_spanned};
use syn::spanned::Spanned as _;
use syn::{ItemFn, ReturnType};

use crate::attrs::{Accepts, CommonOptions, Errors, Opts, lit_str};
use crate::handler::{Kind, check, wrapper_name};

const ACCEPTS: Accepts = Accepts {
    context: "#[subscriber]",
    valid: &["name", "prefix", "client", "match"],
};

pub(crate) fn expand(args: TokenStream, item: TokenStream) -> syn::Result<TokenStream> {
    let mut errors = Errors::default();
    let opts: Opts = syn::parse2(args)?;
    let function: ItemFn = syn::parse2(item)?;
    let options = CommonOptions::parse(opts, &ACCEPTS, &mut errors);
    let signature = check(&function, Kind::Subscriber, &mut errors);
    errors.finish()?;
    let Some(signature) = signature else {
        return Err(syn::Error::new_spanned(&function.sig, "invalid subscriber"));
    };

    let user_fn = &function.sig.ident;
    let wrapper = wrapper_name(&function, Kind::Subscriber);
    let on_error = quote! {{
        ::wamp_runtime::__private::event_argument_error(&__wamp_topic, __wamp_error);
        return;
    }};
    let read = signature.read_arguments(&on_error);
    let call_args = signature.call_arguments();
    let await_ = function.sig.asyncness.map(|_| quote!(.await));
    let handle = match &function.sig.output {
        ReturnType::Type(_, ty) if signature.returns_result => quote_spanned! {ty.span()=>
            if let ::core::result::Result::Err(__wamp_error) = __wamp_return {
                (&__wamp_error).wamp_error_kind().event_error(__wamp_error, &__wamp_topic);
            }
        },
        ReturnType::Type(_, ty) => quote_spanned! {ty.span()=>
            let () = __wamp_return;
        },
        ReturnType::Default => quote!(let () = __wamp_return;),
    };
    let name = options
        .name
        .clone()
        .unwrap_or_else(|| lit_str(user_fn.to_string().trim_start_matches("r#"), user_fn.span()));
    let function_name = lit_str(&user_fn.to_string(), user_fn.span());
    let entry_options = options.subscription_options();
    let prefix_and_client = options.prefix_and_client();

    Ok(quote! {
        #function

        #[doc(hidden)]
        #[allow(non_snake_case, clippy::used_underscore_binding)]
        fn #wrapper(
            __wamp_ctx: ::wamp_runtime::EventContext,
            __wamp_payload: ::wamp_runtime::Payload,
        ) -> ::wamp_runtime::__private::BoxFuture<'static, ()> {
            ::wamp_runtime::__private::Box::pin(async move {
                #[allow(unused_imports)]
                use ::wamp_runtime::__private::{DisplayTag as _, MappedTag as _};
                let __wamp_topic = ::wamp_runtime::__private::String::from(__wamp_ctx.topic());
                #read
                let __wamp_return = #user_fn(__wamp_ctx, #(#call_args),*) #await_;
                #handle
            })
        }

        ::wamp_runtime::__private::inventory::submit! {
            ::wamp_runtime::registry::SubscriberEntry::new(
                ::core::module_path!(),
                #name,
                #wrapper,
                ::wamp_runtime::registry::Location::new(#function_name, ::core::file!(), ::core::line!()),
            )
            #prefix_and_client
            .options(#entry_options)
        }
    })
}
