//! `#[derive(WampError)]`: `to_application_error` / `from_application_error`
//! from `#[wamp_error("uri")]` on each variant, and a link-time
//! `WampErrorType` entry so that handlers returning the enum send it under
//! its URIs.

use proc_macro2::TokenStream;
use quote::{format_ident, quote};
use syn::{Data, DeriveInput, Fields, Lit, LitStr};
use wamp_protocol::MatchPolicy;

use crate::attrs::{Errors, Opts, check_uri, string};

pub(crate) fn expand(input: DeriveInput) -> syn::Result<TokenStream> {
    let mut errors = Errors::default();
    let Data::Enum(data) = &input.data else {
        return Err(syn::Error::new_spanned(
            &input.ident,
            "WampError can only be derived for enums, with #[wamp_error(\"uri\")] on each variant",
        ));
    };
    let enum_prefix = enum_prefix(&input, &mut errors);
    let mut uris = Vec::new();
    let mut to_arms = Vec::new();
    let mut from_checks = Vec::new();
    let mut describes = Vec::new();
    let mut seen: Vec<(String, bool)> = Vec::new();
    for (index, variant) in data.variants.iter().enumerate() {
        let ident = &variant.ident;
        let Some((uri, absolute)) = variant_uri(variant, &mut errors) else {
            continue;
        };
        let key = (uri.value(), absolute);
        if seen.contains(&key) {
            errors.spanned(
                &uri,
                format!("the URI \"{}\" is already used by another variant", key.0),
            );
        }
        seen.push(key);
        let prefix = match &enum_prefix {
            Some(p) => quote!(::core::option::Option::Some(#p)),
            None => quote!(::core::option::Option::None),
        };
        uris.push(quote!(::wamp_runtime::__private::ErrorUri::new(::core::module_path!(), #prefix, #uri, #absolute)));
        let uri_expr = quote!(__WAMP_ERROR_URIS[#index].get());
        describes.push(describe_variant(variant, &uri_expr));
        match &variant.fields {
            Fields::Unit => {
                to_arms.push(quote! {
                    Self::#ident => ::wamp_runtime::__private::build_error(
                        #uri_expr, ::wamp_runtime::__private::Vec::new(), ::wamp_runtime::__private::Vec::new(),
                    ),
                });
                from_checks.push(quote! {
                    if __wamp_uri == #uri_expr {
                        return ::core::option::Option::Some(Self::#ident);
                    }
                });
            }
            Fields::Unnamed(fields) => {
                let bindings: Vec<_> = (0..fields.unnamed.len())
                    .map(|i| format_ident!("__wamp_field_{i}"))
                    .collect();
                let names: Vec<_> = (0..fields.unnamed.len()).map(|i| i.to_string()).collect();
                let positions = 0..fields.unnamed.len();
                to_arms.push(quote! {
                    Self::#ident(#(#bindings),*) => {
                        let __wamp_uri = #uri_expr;
                        ::wamp_runtime::__private::build_error(
                            __wamp_uri,
                            ::std::vec![#(::wamp_runtime::__private::field_value(__wamp_uri, #names, #bindings)),*],
                            ::wamp_runtime::__private::Vec::new(),
                        )
                    }
                });
                from_checks.push(quote! {
                    if __wamp_uri == #uri_expr {
                        return ::core::option::Option::Some(Self::#ident(
                            #(::wamp_runtime::__private::decode_field(__wamp_err.args.get(#positions))?),*
                        ));
                    }
                });
            }
            Fields::Named(fields) => {
                let idents: Vec<_> = fields.named.iter().filter_map(|f| f.ident.clone()).collect();
                let names: Vec<_> = idents
                    .iter()
                    .map(|i| syn::ext::IdentExt::unraw(i).to_string())
                    .collect();
                to_arms.push(quote! {
                    Self::#ident { #(#idents),* } => {
                        let __wamp_uri = #uri_expr;
                        ::wamp_runtime::__private::build_error(
                            __wamp_uri,
                            ::wamp_runtime::__private::Vec::new(),
                            ::std::vec![#((#names, ::wamp_runtime::__private::field_value(__wamp_uri, #names, #idents))),*],
                        )
                    }
                });
                from_checks.push(quote! {
                    if __wamp_uri == #uri_expr {
                        return ::core::option::Option::Some(Self::#ident {
                            #(#idents: ::wamp_runtime::__private::decode_field(__wamp_err.kwargs.get(#names))?),*
                        });
                    }
                });
            }
        }
    }
    errors.finish()?;
    let name = &input.ident;
    let count = uris.len();
    let (impl_generics, ty_generics, where_clause) = input.generics.split_for_impl();
    // A generic enum is not one type: it has no single entry, and its
    // users map the instances they use (`ErrorMappings::map_wamp`).
    let concrete = input.generics.params.is_empty().then(|| {
        quote! {
            impl ::core::convert::From<#name> for ::wamp_runtime::ApplicationError {
                fn from(error: #name) -> Self {
                    ::wamp_runtime::WampError::to_application_error(&error)
                }
            }

            // Handlers returning it send it under its URIs (see `ErrorMappings::new`).
            ::wamp_runtime::__private::inventory::submit! {
                ::wamp_runtime::wamp_error::WampErrorType::of::<#name>()
            }
        }
    });
    let to_body = if to_arms.is_empty() {
        quote!(match *self {})
    } else {
        quote!(match self { #(#to_arms)* })
    };
    Ok(quote! {
        const _: () = {
            static __WAMP_ERROR_URIS: [::wamp_runtime::__private::ErrorUri; #count] = [#(#uris),*];

            #[automatically_derived]
            impl #impl_generics ::wamp_runtime::WampError for #name #ty_generics #where_clause {
                fn to_application_error(&self) -> ::wamp_runtime::ApplicationError {
                    #to_body
                }

                fn from_application_error(
                    __wamp_err: &::wamp_runtime::ApplicationError,
                ) -> ::core::option::Option<Self> {
                    let __wamp_uri = __wamp_err.uri();
                    #(#from_checks)*
                    ::core::option::Option::None
                }

                fn describe_errors(
                    __wamp_generator: &mut ::wamp_runtime::catalog::SchemaGenerator,
                ) -> ::wamp_runtime::__private::Vec<::wamp_runtime::catalog::ErrorSignature> {
                    #[allow(unused_imports)]
                    use ::wamp_runtime::__private::{ExactSchema as _, NoSchema as _};
                    ::std::vec![#(#describes),*]
                }
            }

            #concrete
        };
    })
}

/// The catalog's `ErrorSignature` of one variant: its URI, its doc
/// comment, the schema of each field (see `wamp_runtime::catalog`).
fn describe_variant(variant: &syn::Variant, uri: &TokenStream) -> TokenStream {
    let description = crate::describe::doc_comment(&variant.attrs);
    let generator = proc_macro2::Ident::new("__wamp_generator", proc_macro2::Span::call_site());
    let probe = |ty: &syn::Type| crate::describe::probe(ty, &generator);
    let required = |ty: &syn::Type| !crate::describe::is_optional(ty);
    let fields = match &variant.fields {
        Fields::Unit => Vec::new(),
        Fields::Unnamed(fields) => fields
            .unnamed
            .iter()
            .map(|field| {
                let (required, schema) = (required(&field.ty), probe(&field.ty));
                quote!(.arg(#required, #schema))
            })
            .collect(),
        Fields::Named(fields) => fields
            .named
            .iter()
            .filter_map(|field| {
                let name = syn::ext::IdentExt::unraw(field.ident.as_ref()?).to_string();
                let (required, schema) = (required(&field.ty), probe(&field.ty));
                Some(quote!(.kwarg(#name, #required, #schema)))
            })
            .collect(),
    };
    quote! {
        ::wamp_runtime::catalog::ErrorSignature::new(#uri).description(#description) #(#fields)*
    }
}

/// `#[wamp_error(prefix = "...")]` on the enum.
fn enum_prefix(input: &DeriveInput, errors: &mut Errors) -> Option<LitStr> {
    let mut prefix = None;
    for attr in input.attrs.iter().filter(|a| a.path().is_ident("wamp_error")) {
        let opts: Opts = match attr.parse_args() {
            Ok(opts) => opts,
            Err(e) => {
                errors.push(e);
                continue;
            }
        };
        for opt in &opts.0 {
            if opt.key != "prefix" {
                errors.spanned(
                    &opt.key,
                    format!(
                        "unknown option `{}` for #[wamp_error] on an enum; expected: prefix",
                        opt.key
                    ),
                );
                continue;
            }
            if let Some(lit) = string(opt, errors, "prefix = \"com.example.error\"") {
                if check_uri(&lit, errors, "prefix", MatchPolicy::Exact) {
                    prefix = Some(lit);
                }
            }
        }
    }
    prefix
}

/// `#[wamp_error("uri")]` or `#[wamp_error("uri", absolute)]` on a variant.
fn variant_uri(variant: &syn::Variant, errors: &mut Errors) -> Option<(LitStr, bool)> {
    let attrs: Vec<_> = variant
        .attrs
        .iter()
        .filter(|a| a.path().is_ident("wamp_error"))
        .collect();
    let Some(attr) = attrs.first() else {
        errors.spanned(
            &variant.ident,
            format!(
                "variant `{}` has no error URI; add #[wamp_error(\"com.example.error.{}\")]",
                variant.ident,
                snake(&variant.ident.to_string())
            ),
        );
        return None;
    };
    if let Some(second) = attrs.get(1) {
        errors.spanned(second, "a variant takes one #[wamp_error(...)]");
    }
    let parsed = attr.parse_args_with(|input: syn::parse::ParseStream| {
        let uri: Lit = input.parse()?;
        let mut absolute = false;
        while input.peek(syn::Token![,]) {
            input.parse::<syn::Token![,]>()?;
            if input.is_empty() {
                break;
            }
            let flag: syn::Ident = input.parse()?;
            if flag == "absolute" {
                absolute = true;
            } else {
                return Err(syn::Error::new_spanned(
                    &flag,
                    format!("unknown flag `{flag}` in #[wamp_error]; expected: absolute"),
                ));
            }
        }
        Ok((uri, absolute))
    });
    match parsed {
        Ok((Lit::Str(uri), absolute)) => {
            check_uri(&uri, errors, "error URI", MatchPolicy::Exact).then_some((uri, absolute))
        }
        Ok((other, _)) => {
            errors.spanned(
                other,
                "#[wamp_error] expects the URI as a string, e.g. #[wamp_error(\"com.example.error.x\")]",
            );
            None
        }
        Err(e) => {
            errors.push(e);
            None
        }
    }
}

fn snake(name: &str) -> String {
    let mut out = String::new();
    for (i, c) in name.chars().enumerate() {
        if c.is_uppercase() {
            if i > 0 {
                out.push('_');
            }
            out.extend(c.to_lowercase());
        } else {
            out.push(c);
        }
    }
    out
}
