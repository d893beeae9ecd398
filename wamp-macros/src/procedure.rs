//! `#[procedure]`: the user's function, unchanged, plus a wrapper that reads
//! its arguments and converts its result, plus an `inventory::submit!` of a
//! `ProcedureEntry`.

use proc_macro2::TokenStream;
use quote::{quote, quote_spanned};
use syn::ReturnType;
use syn::spanned::Spanned as _;

use crate::attrs::Accepts;
use crate::handler::{Handler, Kind};

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
    ],
};

pub(crate) fn expand(args: TokenStream, item: TokenStream) -> syn::Result<TokenStream> {
    let handler = Handler::parse(args, item, &ACCEPTS, Kind::Procedure)?;
    let Handler {
        function,
        signature,
        wrapper,
        ..
    } = &handler;
    let user_fn = &function.sig.ident;
    let on_error = quote! {
        return ::core::result::Result::Err(::core::convert::From::from(__wamp_error))
    };
    let on_missing_state = quote! {
        return ::core::result::Result::Err(::wamp_runtime::__private::missing_state(
            __wamp_ctx.procedure(),
            __wamp_missing,
        ))
    };
    let read = signature.read_arguments(&on_error, &on_missing_state);
    let call_args = signature.call_arguments();
    let await_ = function.sig.asyncness.map(|_| quote!(.await));
    let result_span = match &function.sig.output {
        ReturnType::Default => function.sig.ident.span(),
        ReturnType::Type(_, ty) => ty.span(),
    };
    let convert = if signature.returns_result {
        quote_spanned! {result_span=>
            match __wamp_return {
                ::core::result::Result::Ok(__wamp_value) => {
                    (&__wamp_value).wamp_payload_kind().into_payload(__wamp_value)
                }
                ::core::result::Result::Err(__wamp_error) => ::core::result::Result::Err(
                    (&__wamp_error).wamp_error_kind().procedure_error(__wamp_error, &__wamp_procedure),
                ),
            }
        }
    } else {
        quote_spanned! {result_span=>
            (&__wamp_return).wamp_payload_kind().into_payload(__wamp_return)
        }
    };
    let keep_procedure = signature
        .returns_result
        .then(|| quote!(let __wamp_procedure = ::wamp_runtime::__private::String::from(__wamp_ctx.procedure());));
    let submit = handler.submit(quote!(ProcedureEntry), handler.options.register_options());

    Ok(quote! {
        #function

        #[doc(hidden)]
        #[allow(non_snake_case, clippy::used_underscore_binding)]
        fn #wrapper(
            __wamp_ctx: ::wamp_runtime::CallContext,
            __wamp_payload: ::wamp_runtime::Payload,
        ) -> ::wamp_runtime::__private::BoxFuture<'static, ::wamp_runtime::ProcedureResult> {
            ::wamp_runtime::__private::Box::pin(async move {
                #[allow(unused_imports)]
                use ::wamp_runtime::__private::{
                    DisplayTag as _, MappedTag as _, PayloadTag as _, SerializeTag as _,
                };
                #read
                #keep_procedure
                let __wamp_return = #user_fn(__wamp_ctx, #(#call_args),*) #await_;
                #convert
            })
        }

        #submit
    })
}
