//! Parsing of `key = value` option lists, shared by every macro, and the
//! checks of option values (URIs, policies, numbers).

use proc_macro2::{Span, TokenStream};
use quote::{ToTokens, quote};
use syn::ext::IdentExt as _;
use syn::parse::{Parse, ParseStream};
use syn::punctuated::Punctuated;
use syn::{Ident, Lit, LitStr, Token, Type};
use wamp_protocol::{InvokePolicy, MatchPolicy, Uri};

use crate::captures::Template;

/// One option: `key = literal`, `key = Type` (a name or a type), or a bare
/// `key` (a flag).
pub(crate) struct Opt {
    pub(crate) key: Ident,
    pub(crate) value: Option<Lit>,
    /// The value when it is not a literal.
    pub(crate) ty: Option<Type>,
}

impl Parse for Opt {
    fn parse(input: ParseStream) -> syn::Result<Self> {
        // `Ident::parse_any` accepts keywords, so `match = "prefix"` parses.
        let key = input.call(Ident::parse_any)?.unraw();
        let (mut value, mut ty) = (None, None);
        if input.peek(Token![=]) {
            input.parse::<Token![=]>()?;
            if input.peek(Lit) {
                value = Some(input.parse::<Lit>()?);
            } else {
                ty = Some(input.parse::<Type>()?);
            }
        }
        Ok(Opt { key, value, ty })
    }
}

impl Opt {
    /// Reports a value that is a name or a type where a literal is
    /// expected; `true` when there is one.
    fn misplaced_type(&self, errors: &mut Errors, message: impl std::fmt::Display) -> bool {
        match &self.ty {
            Some(ty) => {
                errors.spanned(ty, message);
                true
            }
            None => false,
        }
    }
}

/// A comma-separated option list.
pub(crate) struct Opts(pub(crate) Vec<Opt>);

impl Parse for Opts {
    fn parse(input: ParseStream) -> syn::Result<Self> {
        let list = Punctuated::<Opt, Token![,]>::parse_terminated(input)?;
        Ok(Opts(list.into_iter().collect()))
    }
}

/// Collects several errors into one, so the user sees them all at once.
#[derive(Default)]
pub(crate) struct Errors(Option<syn::Error>);

impl Errors {
    pub(crate) fn push(&mut self, error: syn::Error) {
        match &mut self.0 {
            Some(all) => all.combine(error),
            None => self.0 = Some(error),
        }
    }

    pub(crate) fn spanned(&mut self, tokens: impl ToTokens, message: impl std::fmt::Display) {
        self.push(syn::Error::new_spanned(tokens, message));
    }

    pub(crate) fn finish(self) -> syn::Result<()> {
        match self.0 {
            Some(e) => Err(e),
            None => Ok(()),
        }
    }
}

pub(crate) fn string(opt: &Opt, errors: &mut Errors, example: &str) -> Option<LitStr> {
    match &opt.value {
        Some(Lit::Str(s)) => Some(s.clone()),
        Some(other) => {
            errors.spanned(other, format!("`{}` expects a string, e.g. `{example}`", opt.key));
            None
        }
        None => {
            if !opt.misplaced_type(errors, format!("`{}` expects a string, e.g. `{example}`", opt.key)) {
                errors.spanned(&opt.key, format!("`{}` needs a value, e.g. `{example}`", opt.key));
            }
            None
        }
    }
}

pub(crate) fn boolean(opt: &Opt, errors: &mut Errors) -> Option<bool> {
    match &opt.value {
        Some(Lit::Bool(b)) => Some(b.value),
        None if opt.misplaced_type(errors, format!("`{}` expects `true` or `false`", opt.key)) => None,
        None => Some(true),
        Some(other) => {
            errors.spanned(other, format!("`{}` expects `true` or `false`", opt.key));
            None
        }
    }
}

pub(crate) fn positive(opt: &Opt, errors: &mut Errors) -> Option<usize> {
    match &opt.value {
        Some(Lit::Int(i)) => match i.base10_parse::<usize>() {
            Ok(0) => {
                errors.spanned(i, format!("`{}` must be at least 1", opt.key));
                None
            }
            Ok(n) => Some(n),
            Err(e) => {
                errors.push(e);
                None
            }
        },
        Some(other) => {
            errors.spanned(
                other,
                format!("`{}` expects a positive integer, e.g. `{} = 4`", opt.key, opt.key),
            );
            None
        }
        None => {
            let example = format!("e.g. `{} = 4`", opt.key);
            if !opt.misplaced_type(errors, format!("`{}` expects a positive integer, {example}", opt.key)) {
                errors.spanned(&opt.key, format!("`{}` needs a value, {example}", opt.key));
            }
            None
        }
    }
}

/// A Rust name (`caller = MultiplyCaller`).
pub(crate) fn name(opt: &Opt, errors: &mut Errors, example: &str) -> Option<Ident> {
    let message = format!("`{}` expects a name, e.g. `{} = {example}`", opt.key, opt.key);
    match (&opt.ty, &opt.value) {
        (Some(Type::Path(path)), _) if path.qself.is_none() => match path.path.get_ident() {
            Some(ident) => Some(ident.clone()),
            None => {
                errors.spanned(path, message);
                None
            }
        },
        (Some(other), _) => {
            errors.spanned(other, message);
            None
        }
        (None, Some(lit)) => {
            errors.spanned(lit, message);
            None
        }
        (None, None) => {
            errors.spanned(
                &opt.key,
                format!("`{}` needs a value, e.g. `{} = {example}`", opt.key, opt.key),
            );
            None
        }
    }
}

/// A path (`implements = contract::MultiplyCaller`).
pub(crate) fn path(opt: &Opt, errors: &mut Errors, example: &str) -> Option<syn::Path> {
    match (&opt.ty, &opt.value) {
        (Some(Type::Path(path)), _) if path.qself.is_none() => Some(path.path.clone()),
        (Some(other), _) => {
            errors.spanned(
                other,
                format!("`{}` expects a path, e.g. `{} = {example}`", opt.key, opt.key),
            );
            None
        }
        (None, Some(lit)) => {
            errors.spanned(
                lit,
                format!("`{}` expects a path, e.g. `{} = {example}`", opt.key, opt.key),
            );
            None
        }
        (None, None) => {
            errors.spanned(
                &opt.key,
                format!("`{}` needs a value, e.g. `{} = {example}`", opt.key, opt.key),
            );
            None
        }
    }
}

/// A Rust type (`progress = String`).
pub(crate) fn rust_type(opt: &Opt, errors: &mut Errors, example: &str) -> Option<Type> {
    match (&opt.ty, &opt.value) {
        (Some(ty), _) => Some(ty.clone()),
        (None, Some(lit)) => {
            errors.spanned(
                lit,
                format!("`{}` expects a type, e.g. `{} = {example}`", opt.key, opt.key),
            );
            None
        }
        (None, None) => {
            errors.spanned(
                &opt.key,
                format!("`{}` needs a type, e.g. `{} = {example}`", opt.key, opt.key),
            );
            None
        }
    }
}

/// A URI piece (prefix or name): a valid URI for the given match policy.
pub(crate) fn uri(opt: &Opt, errors: &mut Errors, what: &str, policy: MatchPolicy) -> Option<LitStr> {
    let lit = string(opt, errors, &format!("{} = \"com.example\"", opt.key))?;
    check_uri(&lit, errors, what, policy).then_some(lit)
}

/// A prefix: an exact URI. Braces are valid URI characters, but a prefix
/// with `{id}` is almost surely meant as a capture, which only a name has.
fn prefix(opt: &Opt, errors: &mut Errors) -> Option<LitStr> {
    let lit = uri(opt, errors, "prefix", MatchPolicy::Exact)?;
    if lit.value().contains(['{', '}']) {
        errors.spanned(
            &lit,
            "a prefix cannot have captures: a `{name}` component goes in the handler's `name`, \
             with `match = \"wildcard\"`",
        );
        return None;
    }
    Some(lit)
}

/// A handler's name: a URI for the match policy, or a template with
/// captures (`user.{id}.get`), checked as the wildcard pattern it registers
/// (whether the handler is a wildcard is the handler's check).
fn name_template(opt: &Opt, errors: &mut Errors, policy: MatchPolicy) -> Option<LitStr> {
    let lit = string(opt, errors, "name = \"com.example\"")?;
    match Template::parse(&lit.value()) {
        Err(message) => {
            errors.spanned(&lit, format!("invalid name: {message}"));
            None
        }
        Ok(template) if template.has_captures() => {
            let registered = lit_str(&template.registered(), lit.span());
            check_uri(&registered, errors, "name", MatchPolicy::Wildcard).then_some(lit)
        }
        Ok(_) => check_uri(&lit, errors, "name", policy).then_some(lit),
    }
}

pub(crate) fn check_uri(lit: &LitStr, errors: &mut Errors, what: &str, policy: MatchPolicy) -> bool {
    match Uri::pattern(lit.value(), policy) {
        Ok(_) => true,
        Err(e) => {
            errors.spanned(lit, format!("invalid {what}: {e}"));
            false
        }
    }
}

pub(crate) fn match_policy(opt: &Opt, errors: &mut Errors) -> Option<(MatchPolicy, TokenStream)> {
    let lit = string(opt, errors, "match = \"prefix\"")?;
    let (policy, variant) = match lit.value().as_str() {
        "exact" => (MatchPolicy::Exact, quote!(Exact)),
        "prefix" => (MatchPolicy::Prefix, quote!(Prefix)),
        "wildcard" => (MatchPolicy::Wildcard, quote!(Wildcard)),
        other => {
            errors.spanned(
                &lit,
                format!("unknown match policy \"{other}\"; expected one of: exact, prefix, wildcard"),
            );
            return None;
        }
    };
    Some((policy, quote!(::wamp_runtime::MatchPolicy::#variant)))
}

pub(crate) fn invoke_policy(opt: &Opt, errors: &mut Errors) -> Option<TokenStream> {
    let lit = string(opt, errors, "invoke = \"roundrobin\"")?;
    let (_, variant): (InvokePolicy, TokenStream) = match lit.value().as_str() {
        "single" => (InvokePolicy::Single, quote!(Single)),
        "roundrobin" => (InvokePolicy::RoundRobin, quote!(RoundRobin)),
        "random" => (InvokePolicy::Random, quote!(Random)),
        "first" => (InvokePolicy::First, quote!(First)),
        "last" => (InvokePolicy::Last, quote!(Last)),
        other => {
            errors.spanned(
                &lit,
                format!("unknown invoke policy \"{other}\"; expected one of: single, roundrobin, random, first, last"),
            );
            return None;
        }
    };
    Some(quote!(::wamp_runtime::InvokePolicy::#variant))
}

/// Reports an option given twice; returns `true` the first time.
pub(crate) fn first_time(seen: &mut Vec<String>, opt: &Opt, errors: &mut Errors) -> bool {
    let key = opt.key.to_string();
    if seen.contains(&key) {
        errors.spanned(&opt.key, format!("option `{key}` is given twice"));
        return false;
    }
    seen.push(key);
    true
}

pub(crate) fn unknown(opt: &Opt, errors: &mut Errors, context: &str, valid: &[&str]) {
    errors.spanned(
        &opt.key,
        format!(
            "unknown option `{}` for {context}; expected one of: {}",
            opt.key,
            valid.join(", ")
        ),
    );
}

/// The options shared by `#[procedure]`, `#[subscriber]` and `wamp_module!`.
#[derive(Default)]
pub(crate) struct CommonOptions {
    pub(crate) name: Option<LitStr>,
    pub(crate) prefix: Option<LitStr>,
    pub(crate) client: Option<LitStr>,
    pub(crate) match_policy: Option<TokenStream>,
    /// The match policy given here, as a value.
    pub(crate) policy: Option<MatchPolicy>,
    pub(crate) invoke: Option<TokenStream>,
    pub(crate) disclose_caller: Option<bool>,
    pub(crate) force_reregister: Option<bool>,
    pub(crate) concurrency: Option<usize>,
    pub(crate) queue_limit: Option<usize>,
    /// The name of a procedure's generated caller.
    pub(crate) caller: Option<Ident>,
    /// The type of a procedure's progress items.
    pub(crate) progress: Option<Type>,
    /// The name of a subscriber's generated publisher.
    pub(crate) publisher: Option<Ident>,
    /// The caller (or publisher) of the declaration a function implements.
    pub(crate) implements: Option<syn::Path>,
}

/// Which options a macro accepts.
pub(crate) struct Accepts {
    pub(crate) context: &'static str,
    pub(crate) valid: &'static [&'static str],
}

impl CommonOptions {
    pub(crate) fn parse(opts: Opts, accepts: &Accepts, errors: &mut Errors) -> Self {
        let mut options = CommonOptions::default();
        let mut seen = Vec::new();
        // The name is checked against the match policy, so read that first.
        // Without one here, a module may still set `prefix` or `wildcard`:
        // check with the loosest rules; the full URI is checked at start-up
        // with the policy in force.
        let policy = opts
            .0
            .iter()
            .find(|o| o.key == "match")
            .and_then(|o| match_policy(o, &mut Errors::default()))
            .map_or(MatchPolicy::Wildcard, |(p, _)| p);
        for opt in &opts.0 {
            let key = opt.key.to_string();
            if !accepts.valid.contains(&key.as_str()) {
                unknown(opt, errors, accepts.context, accepts.valid);
                continue;
            }
            if !first_time(&mut seen, opt, errors) {
                continue;
            }
            match key.as_str() {
                "name" => options.name = name_template(opt, errors, policy),
                "prefix" => options.prefix = prefix(opt, errors),
                "client" => {
                    options.client = string(opt, errors, "client = \"wamp2\"");
                    if let Some(client) = options.client.as_ref().filter(|c| c.value().trim().is_empty()) {
                        errors.spanned(client, "the client name must not be empty");
                    }
                }
                "match" => {
                    if let Some((policy, tokens)) = match_policy(opt, errors) {
                        options.policy = Some(policy);
                        options.match_policy = Some(tokens);
                    }
                }
                "invoke" => options.invoke = invoke_policy(opt, errors),
                "disclose_caller" => options.disclose_caller = boolean(opt, errors),
                "force_reregister" => options.force_reregister = boolean(opt, errors),
                "concurrency" => options.concurrency = positive(opt, errors),
                "queue_limit" => options.queue_limit = positive(opt, errors),
                "caller" => options.caller = name(opt, errors, "MultiplyCaller"),
                "progress" => options.progress = rust_type(opt, errors, "String"),
                "publisher" => options.publisher = name(opt, errors, "MessagePublisher"),
                "implements" => options.implements = path(opt, errors, "contract::MultiplyCaller"),
                _ => unknown(opt, errors, accepts.context, accepts.valid),
            }
        }
        options
    }

    /// `RegisterOptions::new()` with the set options.
    pub(crate) fn register_options(&self) -> TokenStream {
        let mut tokens = quote!(::wamp_runtime::RegisterOptions::new());
        if let Some(policy) = &self.match_policy {
            tokens.extend(quote!(.match_policy(#policy)));
        }
        if let Some(policy) = &self.invoke {
            tokens.extend(quote!(.invoke(#policy)));
        }
        if let Some(disclose) = self.disclose_caller {
            tokens.extend(quote!(.disclose_caller(#disclose)));
        }
        if let Some(force) = self.force_reregister {
            tokens.extend(quote!(.force_reregister(#force)));
        }
        if let Some(limit) = self.concurrency {
            tokens.extend(quote!(.concurrency(#limit)));
        }
        if let Some(limit) = self.queue_limit {
            tokens.extend(quote!(.queue_limit(#limit)));
        }
        tokens
    }

    /// `SubscribeOptions::new()` with the set options.
    pub(crate) fn subscribe_options(&self) -> TokenStream {
        let mut tokens = quote!(::wamp_runtime::SubscribeOptions::new());
        if let Some(policy) = &self.match_policy {
            tokens.extend(quote!(.match_policy(#policy)));
        }
        tokens
    }

    /// `.prefix(..)` and `.client(..)` calls on an entry.
    pub(crate) fn prefix_and_client(&self) -> TokenStream {
        let mut tokens = TokenStream::new();
        if let Some(prefix) = &self.prefix {
            tokens.extend(quote!(.prefix(#prefix)));
        }
        if let Some(client) = &self.client {
            tokens.extend(quote!(.client(#client)));
        }
        tokens
    }
}

/// A string literal at the given span.
pub(crate) fn lit_str(value: &str, span: Span) -> LitStr {
    LitStr::new(value, span)
}
