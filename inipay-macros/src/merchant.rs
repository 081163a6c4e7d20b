//! `merchant! { ... }`: a merchant declared as static data, checked at
//! compile time, expanded to an `inipay_core::spec::MerchantSpec` constant
//! expression whose `load()` yields the core `Merchant`.

use crate::ctxt::Ctxt;
use crate::suggest;
use crate::text;
use proc_macro2::{Delimiter, Span, TokenStream, TokenTree};
use quote::quote;
use syn::parse::{ParseStream, Parser};
use syn::{Ident, LitStr, Token};

const KEYS: &[&str] = &[
    "mid",
    "mode",
    "endpoints",
    "keys",
    "methods",
    "defaults",
    "crate",
];
const MODES: &[&str] = &["test", "production"];
const ENDPOINTS: &[&str] = &["sandbox", "inicis_staging", "production"];
/// Key slots: DSL name, `KeySlot` variant.
const SLOTS: &[(&str, &str)] = &[
    ("mobile_hash_key", "MobileHashKey"),
    ("inilite_key", "IniliteKey"),
    ("iniapi_key", "IniapiKey"),
    ("iniapi_iv", "IniapiIv"),
    ("sign_key", "SignKey"),
];
const DEFAULTS: &[&str] = &["merchant_name", "charset"];
/// INICIS's public test MIDs, whose keys are published (PROTOCOL.md 1.3).
const PUBLISHED_TEST_MIDS: &[&str] = &["INIpayTest", "iniescrow0", "INIBillTst"];
const METHODS: &[(&str, &str)] = &[
    ("card", "Card"),
    ("bank", "Bank"),
    ("vbank", "Vbank"),
    ("phone", "Mobile"),
    ("culture", "Culture"),
    ("happy_money", "HappyMoney"),
    ("smart_culture", "SmartCulture"),
];
const PHONE_KINDS: &[(&str, &str)] = &[
    ("content", "Content"),
    ("physical", "Physical"),
    ("billing_content", "BillingContent"),
    ("billing_physical", "BillingPhysical"),
];

/// One `key: value` entry, the value kept as tokens until it is interpreted.
struct Entry {
    key: Ident,
    value: TokenStream,
}

/// Splits `key: value, key: value` into entries.
fn entries(cx: &mut Ctxt, tokens: TokenStream) -> Vec<Entry> {
    let parser = |input: ParseStream<'_>| {
        let mut out = Vec::new();
        while !input.is_empty() {
            let key: Ident = input.call(syn::ext::IdentExt::parse_any)?;
            input.parse::<Token![:]>()?;
            let mut value = TokenStream::new();
            while !input.is_empty() && !input.peek(Token![,]) {
                value.extend(std::iter::once(input.parse::<TokenTree>()?));
            }
            if value.is_empty() {
                return Err(syn::Error::new(
                    key.span(),
                    format!("`{key}:` needs a value"),
                ));
            }
            out.push(Entry { key, value });
            if !input.is_empty() {
                input.parse::<Token![,]>()?;
            }
        }
        Ok(out)
    };
    match parser.parse2(tokens) {
        Ok(v) => v,
        Err(e) => {
            cx.syn_error(e);
            Vec::new()
        }
    }
}

/// The tokens inside a `{ ... }` value.
fn braced(cx: &mut Ctxt, key: &Ident, value: &TokenStream) -> Option<TokenStream> {
    let mut it = value.clone().into_iter();
    match (it.next(), it.next()) {
        (Some(TokenTree::Group(g)), None) if g.delimiter() == Delimiter::Brace => Some(g.stream()),
        _ => {
            cx.error_spanned_by(value, format!("`{key}` takes a block: `{key}: {{ ... }}`"));
            None
        }
    }
}

enum Source {
    Env(LitStr),
    Literal(LitStr),
}

struct Spec {
    krate: Option<syn::Path>,
    mid: Option<LitStr>,
    mode: Option<(String, Span)>,
    endpoints: Option<(String, Option<Source>, Span)>,
    keys: Vec<(&'static str, Source)>,
    methods: Vec<TokenStream>,
    merchant_name: Option<LitStr>,
    charset: Option<&'static str>,
}

/// The macro's entry point.
pub(crate) fn expand(input: TokenStream) -> TokenStream {
    let mut cx = Ctxt::default();
    let mut spec = Spec {
        krate: None,
        mid: None,
        mode: None,
        endpoints: None,
        keys: Vec::new(),
        methods: Vec::new(),
        merchant_name: None,
        charset: None,
    };
    let mut seen: Vec<String> = Vec::new();
    let mut literal_keys: Vec<Span> = Vec::new();
    for e in entries(&mut cx, input) {
        let key = e.key.to_string();
        if !KEYS.contains(&key.as_str()) {
            cx.error_spanned_by(&e.key, suggest::unknown_message("merchant key", &key, KEYS));
            continue;
        }
        if !crate::roles::first_time(&mut cx, &mut seen, &key, e.key.span()) {
            continue;
        }
        match key.as_str() {
            "mid" => {
                spec.mid =
                    parse_value::<LitStr>(&mut cx, &e, "a string literal such as \"INIpayTest\"")
            }
            "mode" => {
                if let Some(id) = parse_value::<Ident>(&mut cx, &e, "`test` or `production`") {
                    let m = id.to_string();
                    if MODES.contains(&m.as_str()) {
                        spec.mode = Some((m, id.span()));
                    } else {
                        cx.error_spanned_by(&id, suggest::unknown_message("mode", &m, MODES));
                    }
                }
            }
            "endpoints" => spec.endpoints = parse_endpoints(&mut cx, &e),
            "keys" => {
                if let Some(inner) = braced(&mut cx, &e.key, &e.value) {
                    let mut seen_slots: Vec<String> = Vec::new();
                    for k in entries(&mut cx, inner) {
                        let name = k.key.to_string();
                        let Some(&(_, variant)) = SLOTS.iter().find(|(n, _)| *n == name) else {
                            let names: Vec<&str> = SLOTS.iter().map(|(n, _)| *n).collect();
                            cx.error_spanned_by(
                                &k.key,
                                suggest::unknown_message("key slot", &name, &names),
                            );
                            continue;
                        };
                        if !crate::roles::first_time(&mut cx, &mut seen_slots, &name, k.key.span())
                        {
                            continue;
                        }
                        if let Some(src) = parse_source(&mut cx, &k.value) {
                            if let Source::Literal(l) = &src {
                                literal_keys.push(l.span());
                            }
                            spec.keys.push((variant, src));
                        }
                    }
                }
            }
            "methods" => spec.methods = parse_methods(&mut cx, &e),
            "defaults" => {
                if let Some(inner) = braced(&mut cx, &e.key, &e.value) {
                    let mut seen_defaults: Vec<String> = Vec::new();
                    for d in entries(&mut cx, inner) {
                        let name = d.key.to_string();
                        if !DEFAULTS.contains(&name.as_str()) {
                            cx.error_spanned_by(
                                &d.key,
                                suggest::unknown_message("default", &name, DEFAULTS),
                            );
                            continue;
                        }
                        if !crate::roles::first_time(
                            &mut cx,
                            &mut seen_defaults,
                            &name,
                            d.key.span(),
                        ) {
                            continue;
                        }
                        if name == "merchant_name" {
                            if let Some(l) = parse_value::<LitStr>(&mut cx, &d, "a string literal")
                            {
                                if let Err(p) =
                                    text::check(&l.value(), Some(30), true, text::Unit::EucKr)
                                {
                                    cx.error_spanned_by(
                                        &l,
                                        text::message("P_MNAME (the merchant name)", Some(30), &p),
                                    );
                                }
                                spec.merchant_name = Some(l);
                            }
                        } else if let Some(id) =
                            parse_value::<Ident>(&mut cx, &d, "`utf8` or `euc_kr`")
                        {
                            spec.charset = match id.to_string().as_str() {
                                "utf8" => Some("Utf8"),
                                "euc_kr" => Some("EucKr"),
                                other => {
                                    cx.error_spanned_by(
                                        &id,
                                        suggest::unknown_message(
                                            "charset",
                                            other,
                                            &["utf8", "euc_kr"],
                                        ),
                                    );
                                    None
                                }
                            };
                        }
                    }
                }
            }
            "crate" => {
                if let Some(l) = parse_value::<LitStr>(&mut cx, &e, "a string literal path") {
                    spec.krate = crate::roles::crate_path(&mut cx, &l);
                }
            }
            _ => {}
        }
    }
    check(&mut cx, &spec, &literal_keys);
    let krate = match &spec.krate {
        Some(p) => quote!(#p),
        None => quote!(::inipay_core),
    };
    let p = quote!(#krate::__private);
    if cx.has_errors() {
        let errors = cx.to_compile_errors();
        return quote! {{
            #errors
            #p::MerchantSpec::new("", #p::Mode::Test, #p::EndpointSpec::InicisStaging)
        }};
    }
    emit(&spec, &p)
}

fn parse_value<T: syn::parse::Parse>(cx: &mut Ctxt, e: &Entry, expected: &str) -> Option<T> {
    match syn::parse2::<T>(e.value.clone()) {
        Ok(v) => Some(v),
        Err(_) => {
            cx.error_spanned_by(&e.value, format!("`{}` expects {expected}", e.key));
            None
        }
    }
}

/// `env("VAR")` or `"literal"`.
fn parse_source(cx: &mut Ctxt, value: &TokenStream) -> Option<Source> {
    let parser = |input: ParseStream<'_>| {
        if input.peek(LitStr) {
            return Ok(Source::Literal(input.parse()?));
        }
        let f: Ident = input.parse()?;
        if f != "env" {
            return Err(syn::Error::new(
                f.span(),
                suggest::unknown_message("secret source", &f.to_string(), &["env"]),
            ));
        }
        let content;
        syn::parenthesized!(content in input);
        let var: LitStr = content.parse()?;
        Ok(Source::Env(var))
    };
    match parser.parse2(value.clone()) {
        Ok(Source::Env(var)) => {
            let v = var.value();
            let valid = !v.is_empty()
                && !v.starts_with(|c: char| c.is_ascii_digit())
                && v.chars().all(|c| c.is_ascii_alphanumeric() || c == '_');
            if !valid {
                cx.error_spanned_by(&var, "an environment variable name is ASCII letters, digits and `_`, not starting with a digit, e.g. \"INIPAY_HASH_KEY\"");
            }
            Some(Source::Env(var))
        }
        Ok(src) => Some(src),
        Err(e) => {
            cx.syn_error(syn::Error::new(
                e.span(),
                format!("{e}; a secret is env(\"VARIABLE\") (or, for a public test MID only, a string literal)"),
            ));
            None
        }
    }
}

fn parse_endpoints(cx: &mut Ctxt, e: &Entry) -> Option<(String, Option<Source>, Span)> {
    let parser = |input: ParseStream<'_>| {
        let id: Ident = input.parse()?;
        let arg = if input.peek(syn::token::Paren) {
            let content;
            syn::parenthesized!(content in input);
            Some(content.parse::<TokenStream>()?)
        } else {
            None
        };
        Ok((id, arg))
    };
    let (id, arg) = match parser.parse2(e.value.clone()) {
        Ok(v) => v,
        Err(_) => {
            cx.error_spanned_by(&e.value, "`endpoints` expects sandbox(\"http://127.0.0.1:8081\"), sandbox(env(\"VAR\")), inicis_staging or production");
            return None;
        }
    };
    let name = id.to_string();
    if !ENDPOINTS.contains(&name.as_str()) {
        cx.error_spanned_by(&id, suggest::unknown_message("endpoints", &name, ENDPOINTS));
        return None;
    }
    match (name.as_str(), arg) {
        ("sandbox", Some(a)) => {
            let src = parse_source(cx, &a)?;
            if let Source::Literal(l) = &src {
                let v = l.value();
                let lower = v.to_ascii_lowercase();
                let host = lower
                    .split_once("://")
                    .map(|(_, r)| r.split(['/', ':', '?']).next().unwrap_or(""));
                if !(lower.starts_with("http://") || lower.starts_with("https://")) {
                    cx.error_spanned_by(
                        l,
                        "the sandbox base URL must be an absolute http:// or https:// URL",
                    );
                } else if host.is_some_and(|h| h == "inicis.com" || h.ends_with(".inicis.com")) {
                    cx.error_spanned_by(l, "a sandbox cannot point at INICIS hosts; use `endpoints: inicis_staging` for INICIS's test services");
                }
            }
            Some((name, Some(src), id.span()))
        }
        ("sandbox", None) => {
            cx.error_spanned_by(&id, "`sandbox` needs its base URL: sandbox(\"http://127.0.0.1:8081\") or sandbox(env(\"VAR\"))");
            None
        }
        (_, Some(a)) => {
            cx.error_spanned_by(&a, format!("`{name}` takes no argument"));
            None
        }
        (_, None) => Some((name, None, id.span())),
    }
}

fn parse_methods(cx: &mut Ctxt, e: &Entry) -> Vec<TokenStream> {
    let mut it = e.value.clone().into_iter();
    let inner = match (it.next(), it.next()) {
        (Some(TokenTree::Group(g)), None) if g.delimiter() == Delimiter::Bracket => g.stream(),
        _ => {
            cx.error_spanned_by(
                &e.value,
                "`methods` takes a list: methods: [card, bank, phone(physical)]",
            );
            return Vec::new();
        }
    };
    let parser = |input: ParseStream<'_>| {
        let mut out: Vec<(Ident, Option<Ident>)> = Vec::new();
        while !input.is_empty() {
            let id: Ident = input.parse()?;
            let kind = if input.peek(syn::token::Paren) {
                let content;
                syn::parenthesized!(content in input);
                Some(content.parse::<Ident>()?)
            } else {
                None
            };
            out.push((id, kind));
            if !input.is_empty() {
                input.parse::<Token![,]>()?;
            }
        }
        Ok(out)
    };
    let list = match parser.parse2(inner) {
        Ok(l) => l,
        Err(err) => {
            cx.syn_error(err);
            return Vec::new();
        }
    };
    let names: Vec<&str> = METHODS.iter().map(|(n, _)| *n).collect();
    let mut seen: Vec<String> = Vec::new();
    let mut out = Vec::new();
    for (id, kind) in list {
        let n = id.to_string();
        let Some(&(_, variant)) = METHODS.iter().find(|(m, _)| *m == n) else {
            cx.error_spanned_by(&id, suggest::unknown_message("payment method", &n, &names));
            continue;
        };
        if !crate::roles::first_time(cx, &mut seen, &n, id.span()) {
            continue;
        }
        let v = Ident::new(variant, id.span());
        match (n.as_str(), kind) {
            ("phone", Some(k)) => match PHONE_KINDS.iter().find(|(pk, _)| k == pk) {
                Some(&(_, kv)) => {
                    let kv = Ident::new(kv, k.span());
                    out.push(quote!(Method::#v(HppMethod::#kv)));
                }
                None => {
                    let kinds: Vec<&str> = PHONE_KINDS.iter().map(|(k, _)| *k).collect();
                    cx.error_spanned_by(&k, suggest::unknown_message("phone product kind", &k.to_string(), &kinds));
                }
            },
            ("phone", None) => cx.error_spanned_by(
                &id,
                "phone payment needs its product kind (P_HPP_METHOD): phone(content) or phone(physical)",
            ),
            (_, Some(k)) => cx.error_spanned_by(&k, format!("`{n}` takes no argument")),
            (_, None) => out.push(quote!(Method::#v)),
        }
    }
    out
}

fn check(cx: &mut Ctxt, spec: &Spec, literal_keys: &[Span]) {
    let Some(mid) = &spec.mid else {
        cx.error_at(Span::call_site(), "missing `mid: \"...\"`, the merchant id (상점아이디, P_MID) of 10 ASCII letters or digits");
        return;
    };
    let v = mid.value();
    if v.len() != 10 || !v.chars().all(|c| c.is_ascii_alphanumeric()) {
        cx.error_spanned_by(
            mid,
            format!("a MID (P_MID) is exactly 10 ASCII letters or digits, like \"INIpayTest\"; this one is {} characters", v.chars().count()),
        );
    }
    let published = PUBLISHED_TEST_MIDS.contains(&v.as_str());
    let Some((mode, mode_span)) = &spec.mode else {
        cx.error_at(
            Span::call_site(),
            "missing `mode: test` or `mode: production`",
        );
        return;
    };
    if mode == "production" {
        if published {
            cx.error_spanned_by(
                mid,
                format!("{v} is a public INICIS test MID: it cannot be used in production"),
            );
        }
        for s in literal_keys {
            cx.error_at(
                *s,
                "a literal secret in production mode would be compiled into the binary: read it from the environment with env(\"VARIABLE\")",
            );
        }
        if let Some((name, _, span)) = &spec.endpoints
            && name != "production"
        {
            cx.error_at(*span, format!("`{name}` endpoints are for test mode; production uses INICIS's production hosts (`endpoints: production`, the default)"));
        }
    } else {
        if !published {
            for s in literal_keys {
                cx.error_at(
                    *s,
                    format!(
                        "literal keys are allowed only for INICIS's public test MIDs ({}), whose keys are published; read this merchant's key with env(\"VARIABLE\")",
                        PUBLISHED_TEST_MIDS.join(", ")
                    ),
                );
            }
        }
        if let Some((name, _, span)) = &spec.endpoints
            && name == "production"
        {
            cx.error_at(*span, "`production` endpoints need `mode: production`");
        }
        let _ = mode_span;
    }
}

fn emit(spec: &Spec, p: &TokenStream) -> TokenStream {
    let mid = spec.mid.as_ref().map(LitStr::value).unwrap_or_default();
    let production = spec.mode.as_ref().is_some_and(|(m, _)| m == "production");
    let mode = if production {
        quote!(Mode::Production)
    } else {
        quote!(Mode::Test)
    };
    let endpoints = match &spec.endpoints {
        Some((_, Some(Source::Literal(l)), _)) => quote!(EndpointSpec::Sandbox(#l)),
        Some((_, Some(Source::Env(v)), _)) => quote!(EndpointSpec::SandboxFromEnv(#v)),
        Some((n, None, _)) if n == "inicis_staging" => quote!(EndpointSpec::InicisStaging),
        _ if production => quote!(EndpointSpec::Production),
        _ => quote!(EndpointSpec::InicisStaging),
    };
    let keys = spec.keys.iter().map(|(slot, src)| {
        let slot = Ident::new(slot, Span::call_site());
        match src {
            Source::Env(v) => quote!((KeySlot::#slot, Secret::Env(#v))),
            Source::Literal(l) => quote!((KeySlot::#slot, Secret::Published(#l))),
        }
    });
    let methods = &spec.methods;
    let name = spec
        .merchant_name
        .as_ref()
        .map(|l| quote!(.with_merchant_name(#l)));
    let charset = spec.charset.map(|c| {
        let c = Ident::new(c, Span::call_site());
        quote!(.with_result_charset(Charset::#c))
    });
    quote! {{
        #[allow(unused_imports)]
        use #p::{Charset, EndpointSpec, HppMethod, KeySlot, Method, MerchantSpec, Mode, Secret};
        const SPEC: MerchantSpec = MerchantSpec::new(#mid, #mode, #endpoints)
            .with_keys(&[#(#keys),*])
            .with_methods(&[#(#methods),*])
            #name
            #charset;
        SPEC
    }}
}
