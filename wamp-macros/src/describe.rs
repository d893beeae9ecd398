//! The catalog signature of a `#[procedure]` or `#[subscriber]`: a function
//! `fn(&mut SchemaGenerator) -> wamp_runtime::catalog::Signature` naming
//! each parameter, the result, the progress and the error type, whose
//! schemas are found where the types are concrete (here, in the user's
//! module) through `wamp_runtime::catalog::SchemaProbe`: exact when a type
//! implements `JsonSchema`, none otherwise, never a compile error.

use proc_macro2::{Ident, Span, TokenStream};
use quote::quote;
use syn::{Expr, Lit, Meta, Type};

use crate::caller::result_types;
use crate::handler::{Handler, ParamKind, first_type_argument, is_generic, is_named};

/// The doc comment of the function, its lines joined, each without the one
/// space `///` leaves.
pub(crate) fn doc_comment(attrs: &[syn::Attribute]) -> String {
    let lines: Vec<String> = attrs
        .iter()
        .filter(|attr| attr.path().is_ident("doc"))
        .filter_map(|attr| match &attr.meta {
            Meta::NameValue(pair) => match &pair.value {
                Expr::Lit(expr) => match &expr.lit {
                    Lit::Str(text) => Some(text.value()),
                    _ => None,
                },
                _ => None,
            },
            _ => None,
        })
        .map(|line| line.strip_prefix(' ').unwrap_or(&line).to_owned())
        .collect();
    lines.join("\n")
}

/// `(&SchemaProbe::<T>::new()).schema(generator)`: the schema of `T`, if it has one.
pub(crate) fn probe(ty: &Type, generator: &Ident) -> TokenStream {
    quote! {
        (&::wamp_runtime::__private::SchemaProbe::<#ty>::new()).schema(#generator)
    }
}

/// Whether a value of this type may be absent: an `Option`.
pub(crate) fn is_optional(ty: &Type) -> bool {
    is_generic(ty, "Option")
}

/// The signature function of a handler, as an expression of type
/// `wamp_runtime::catalog::SignatureFn`.
pub(crate) fn signature(handler: &Handler) -> TokenStream {
    let generator = Ident::new("generator", Span::mixed_site());
    let description = doc_comment(&handler.function.attrs);
    let mut calls = TokenStream::new();
    if !description.trim().is_empty() {
        calls.extend(quote!(.description(#description)));
    } else if let Some(declaration) = &handler.options.implements {
        calls.extend(quote!(.description(#declaration::DESCRIPTION)));
    }
    // The URI's captures: the name as written, and the parsed type of each.
    match (&handler.options.implements, handler.template()) {
        (Some(declaration), _) => calls.extend(quote!(.uri_template(#declaration::TEMPLATE))),
        (None, Some(_)) => {
            let written = handler.written_name();
            calls.extend(quote!(.uri_template(#written)));
        }
        (None, None) => {}
    }
    for param in handler.signature.params.iter().filter(|p| p.kind == ParamKind::Capture) {
        let name = param.name();
        let schema = first_type_argument(&param.ty).map_or_else(
            || quote!(::core::option::Option::None),
            |inner| probe(inner, &generator),
        );
        calls.extend(quote!(.capture(#name, #schema)));
    }
    for param in handler.signature.params.iter().filter(|p| p.is_argument()) {
        let ty = &param.ty;
        if is_named(ty, "Args") {
            calls.extend(quote!(.rest_args()));
        } else if is_named(ty, "Kwargs") {
            calls.extend(quote!(.rest_kwargs(::core::option::Option::None)));
        } else if is_generic(ty, "Kwargs") {
            let schema = first_type_argument(ty).map_or_else(
                || quote!(::core::option::Option::None),
                |inner| probe(inner, &generator),
            );
            calls.extend(quote!(.rest_kwargs(#schema)));
        } else {
            let name = param.name();
            let required = !is_optional(ty);
            let schema = probe(ty, &generator);
            calls.extend(quote!(.parameter(#name, #required, #schema)));
        }
    }
    if handler.is_procedure() {
        let (ok, err) = result_types(handler);
        let ok_schema = probe(&syn::parse_quote!(#ok), &generator);
        calls.extend(quote!(.result::<#ok>(#ok_schema)));
        if let Some(progress) = &handler.options.progress {
            let schema = probe(progress, &generator);
            calls.extend(quote!(.progress(#schema)));
        }
        calls.extend(quote! {
            .errors((&::wamp_runtime::__private::ErrorProbe::<#err>::new()).errors(#generator))
        });
    }
    quote! {{
        fn signature(#generator: &mut ::wamp_runtime::catalog::SchemaGenerator) -> ::wamp_runtime::catalog::Signature {
            #[allow(unused_imports)]
            use ::wamp_runtime::__private::{
                DescribedErrors as _, ExactSchema as _, NoSchema as _, UndescribedErrors as _,
            };
            ::wamp_runtime::catalog::Signature::new() #calls
        }
        signature
    }}
}
