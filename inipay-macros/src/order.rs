//! `#[derive(Order)]`: parse the attributes, check them, expand to an
//! `inipay_core::order::Order` impl.

use crate::ctxt::Ctxt;
use crate::roles::{self, Kind, RoleDef, Roles, Source};
use crate::suggest;
use crate::text;
use proc_macro2::{Span, TokenStream};
use quote::{quote, quote_spanned};
use syn::spanned::Spanned;
use syn::{DeriveInput, Ident, LitInt, LitStr, Token};

/// The Mobile WEB roles (PROTOCOL.md 2.2).
pub(crate) const ROLES: &[RoleDef] = &[
    role(
        "order_id",
        "P_OID",
        "the order id",
        Kind::Text,
        Some(40),
        true,
        false,
    ),
    role(
        "amount",
        "P_AMT",
        "the amount",
        Kind::Amount,
        None,
        true,
        false,
    ),
    role(
        "goods",
        "P_GOODS",
        "the product name",
        Kind::Text,
        Some(80),
        true,
        true,
    ),
    role(
        "buyer_name",
        "P_UNAME",
        "the buyer name",
        Kind::Text,
        Some(30),
        true,
        true,
    ),
    role(
        "buyer_phone",
        "P_MOBILE",
        "the buyer phone",
        Kind::OptText,
        Some(20),
        false,
        false,
    ),
    role(
        "buyer_email",
        "P_EMAIL",
        "the buyer e-mail",
        Kind::OptText,
        Some(60),
        false,
        false,
    ),
    role(
        "merchant_data",
        "P_NOTI",
        "the merchant data",
        Kind::OptText,
        Some(800),
        false,
        true,
    ),
    role(
        "tax",
        "P_TAX",
        "the VAT amount",
        Kind::OptAmount,
        None,
        false,
        false,
    ),
    role(
        "tax_free",
        "P_TAXFREE",
        "the tax-free amount",
        Kind::OptAmount,
        None,
        false,
        false,
    ),
    role(
        "vbank_deadline",
        "P_VBANK_DT",
        "the virtual-account deadline",
        Kind::Deadline,
        None,
        false,
        false,
    ),
    role(
        "offer_period",
        "P_OFFER_PERIOD",
        "the offer period",
        Kind::Period,
        None,
        false,
        true,
    ),
];

#[allow(clippy::too_many_arguments)]
pub(crate) const fn role(
    key: &'static str,
    field: &'static str,
    what: &'static str,
    kind: Kind,
    limit: Option<usize>,
    required: bool,
    literal: bool,
) -> RoleDef {
    RoleDef {
        key,
        field,
        what,
        kind,
        limit,
        required,
        literal,
    }
}

/// Payment methods: attribute name, `Method` variant, INICIS code.
const METHODS: &[(&str, &str, &str)] = &[
    ("card", "Card", "CARD"),
    ("bank", "Bank", "BANK"),
    ("vbank", "Vbank", "VBANK"),
    ("phone", "Mobile", "MOBILE"),
    ("culture", "Culture", "CULTURE"),
    ("happy_money", "HappyMoney", "HPMN"),
    ("smart_culture", "SmartCulture", "DGCL"),
];

/// Phone product kinds (`P_HPP_METHOD`): attribute name, `HppMethod` variant.
const PHONE_KINDS: &[(&str, &str)] = &[
    ("content", "Content"),
    ("physical", "Physical"),
    ("billing_content", "BillingContent"),
    ("billing_physical", "BillingPhysical"),
];

const STRUCT_KEYS: &[&str] = &[
    "methods",
    "noti",
    "installments",
    "goods",
    "buyer_name",
    "merchant_data",
    "offer_period",
    "merchant_name",
    "card_option",
    "amount_hash",
    "charset",
    "reserved",
    "crate",
];

/// `P_RESERVED` option keys and the method they affect (`None`: all).
const RESERVED_KEYS: &[(&str, Option<&str>)] = &[
    ("twotrs_isp", Some("card")),
    ("twotrs_bank", Some("bank")),
    ("apprun_check", None),
    ("app_scheme", None),
    ("ios_app", None),
    ("center_cd", None),
    ("below_1000", Some("card")),
    ("vbank_receipt", Some("vbank")),
    ("bank_receipt", Some("bank")),
    ("card_points", Some("card")),
    ("escrow", None),
    ("ismart_use_sign", Some("card")),
    ("hpp_corps", Some("phone")),
    ("hpp_default_corp", Some("phone")),
    ("hpp_nofix", Some("phone")),
    ("hpp_bill", Some("phone")),
    ("extra", None),
];

const CARRIERS: &[(&str, &str)] = &[("skt", "Skt"), ("kt", "Kt"), ("lgu", "Lgu")];

struct MethodSpec {
    name: &'static str,
    variant: &'static str,
    span: Span,
    kind: Option<(&'static str, Span)>,
    /// A kind was given but is unknown (already reported).
    bad_kind: bool,
}

enum ReservedValue {
    Bool(bool),
    Str(LitStr),
    Corps(Vec<&'static str>),
    Corp(&'static str),
    Extra(Vec<(String, LitStr)>),
}

#[derive(Default)]
struct Opts {
    krate: Option<syn::Path>,
    methods: Option<(Span, Vec<MethodSpec>)>,
    noti: Option<Span>,
    installments: Option<(Span, Vec<u8>, bool)>,
    merchant_name: Option<LitStr>,
    card_option: Option<LitStr>,
    amount_hash: Option<bool>,
    charset: Option<&'static str>,
    reserved: Vec<(&'static str, Span, ReservedValue)>,
}

impl Opts {
    fn reserved(&self, key: &str) -> Option<(Span, &ReservedValue)> {
        self.reserved
            .iter()
            .find(|(k, _, _)| *k == key)
            .map(|(_, s, v)| (*s, v))
    }

    fn reserved_bool(&self, key: &str) -> Option<(Span, bool)> {
        match self.reserved(key) {
            Some((s, ReservedValue::Bool(b))) => Some((s, *b)),
            _ => None,
        }
    }

    fn has_method(&self, name: &str) -> bool {
        self.methods
            .as_ref()
            .is_some_and(|(_, ms)| ms.iter().any(|m| m.name == name))
    }
}

/// The derive's entry point.
pub(crate) fn expand(input: &DeriveInput) -> TokenStream {
    let mut cx = Ctxt::default();
    let mut roles = Roles::new(ROLES);
    let mut opts = Opts::default();
    parse_struct_attrs(&mut cx, input, &mut opts, &mut roles);
    match &input.data {
        syn::Data::Struct(s) => roles.collect_fields(&mut cx, &s.fields),
        _ => {
            cx.error_spanned_by(
                &input.ident,
                "#[derive(Order)] works on a struct with named fields (one order = one struct)",
            );
            roles.excuse_all();
        }
    }
    roles.check_literals(&mut cx, text::Unit::EucKr);
    roles.check_required(&mut cx, &input.ident);
    check(&mut cx, &opts, &roles, &input.ident);
    let krate = match &opts.krate {
        Some(p) => quote!(#p),
        None => quote!(::inipay_core),
    };
    if cx.has_errors() {
        let errors = cx.to_compile_errors();
        let fallback = fallback_impl(input, &krate);
        return quote!(#errors #fallback);
    }
    emit(input, &opts, &roles, &krate)
}

fn parse_struct_attrs<'a>(
    cx: &mut Ctxt,
    input: &'a DeriveInput,
    opts: &mut Opts,
    roles: &mut Roles<'a>,
) {
    let mut seen: Vec<String> = Vec::new();
    let literal_keys = roles.literal_keys();
    for attr in input.attrs.iter().filter(|a| a.path().is_ident("inipay")) {
        let res = attr.parse_nested_meta(|meta| {
            let key = roles::path_key(&meta);
            let span = meta.path.span();
            if !STRUCT_KEYS.contains(&key.as_str()) {
                roles.unknown_key(cx, span, "key", &key, STRUCT_KEYS);
                return roles::skip_value(&meta);
            }
            if !roles::first_time(cx, &mut seen, &key, span) {
                return roles::skip_value(&meta);
            }
            match key.as_str() {
                "methods" => {
                    let mut list = Vec::new();
                    meta.parse_nested_meta(|m| {
                        parse_method(cx, &m, &mut list);
                        Ok(())
                    })?;
                    if list.is_empty() {
                        cx.error_at(span, "`methods()` is empty: list at least one payment method, e.g. methods(card)");
                    }
                    opts.methods = Some((span, list));
                }
                "noti" => opts.noti = Some(span),
                "installments" => opts.installments = Some(parse_installments(cx, &meta, span)?),
                "merchant_name" => {
                    let lit = roles::lit_str(&meta)?;
                    if let Err(p) = text::check(&lit.value(), Some(30), true, text::Unit::EucKr) {
                        cx.error_spanned_by(&lit, text::message("P_MNAME (the merchant name)", Some(30), &p));
                    }
                    opts.merchant_name = Some(lit);
                }
                "card_option" => {
                    let lit = roles::lit_str(&meta)?;
                    let v = lit.value();
                    if v.is_empty() || v.len() > 64 || !v.chars().all(|c| c.is_ascii_alphanumeric() || matches!(c, '=' | ':' | '|' | '_' | '-')) {
                        cx.error_spanned_by(&lit, "P_CARD_OPTION is at most 64 ASCII letters, digits and = : | _ -, e.g. \"selcode=14:onlycard=visa3d\"");
                    }
                    opts.card_option = Some(lit);
                }
                "amount_hash" => opts.amount_hash = Some(roles::flag(&meta)?),
                "charset" => {
                    let lit = roles::lit_str(&meta)?;
                    opts.charset = match lit.value().as_str() {
                        "utf8" | "utf-8" | "UTF-8" => Some("Utf8"),
                        "euc-kr" | "EUC-KR" => Some("EucKr"),
                        _ => {
                            cx.error_spanned_by(&lit, "P_CHARSET (the charset of results) is \"utf8\" or \"euc-kr\"");
                            None
                        }
                    };
                }
                "reserved" => meta.parse_nested_meta(|m| parse_reserved(cx, &m, opts))?,
                "crate" => {
                    let lit = roles::lit_str(&meta)?;
                    opts.krate = roles::crate_path(cx, &lit);
                }
                k if literal_keys.contains(&k) => {
                    let lit = roles::lit_str(&meta)?;
                    roles.set_literal(k, lit);
                }
                _ => roles::skip_value(&meta)?,
            }
            Ok(())
        });
        if let Err(e) = res {
            cx.syn_error(e);
        }
    }
}

fn parse_method(cx: &mut Ctxt, m: &syn::meta::ParseNestedMeta<'_>, list: &mut Vec<MethodSpec>) {
    let key = roles::path_key(m);
    let span = m.path.span();
    let Some(&(name, variant, _)) = METHODS.iter().find(|(n, _, _)| *n == key) else {
        let alias = METHODS
            .iter()
            .find(|(_, _, code)| code.eq_ignore_ascii_case(&key))
            .map(|(n, _, code)| {
                format!(
                    "unknown payment method `{key}`; did you mean `{n}`? (INICIS calls it {code})"
                )
            });
        let names: Vec<&str> = METHODS.iter().map(|(n, _, _)| *n).collect();
        cx.error_at(
            span,
            alias.unwrap_or_else(|| suggest::unknown_message("payment method", &key, &names)),
        );
        let _ = roles::skip_value(m);
        return;
    };
    let mut kind = None;
    let mut bad_kind = false;
    if name == "phone" && m.input.peek(syn::token::Paren) {
        let res = m.parse_nested_meta(|k| {
            let kk = roles::path_key(&k);
            let ks = k.path.span();
            match PHONE_KINDS.iter().find(|(n, _)| *n == kk) {
                Some(&(n, _)) => kind = Some((n, ks)),
                None => {
                    let names: Vec<&str> = PHONE_KINDS.iter().map(|(n, _)| *n).collect();
                    cx.error_at(
                        ks,
                        suggest::unknown_message("phone product kind", &kk, &names),
                    );
                    bad_kind = true;
                }
            }
            Ok(())
        });
        if let Err(e) = res {
            cx.syn_error(e);
        }
    } else if let Err(e) = roles::skip_value(m) {
        cx.syn_error(e);
    }
    if list.iter().any(|x: &MethodSpec| x.name == name) {
        cx.error_at(span, format!("payment method `{name}` is listed twice"));
        return;
    }
    list.push(MethodSpec {
        name,
        variant,
        span,
        kind,
        bad_kind,
    });
}

fn parse_installments(
    cx: &mut Ctxt,
    meta: &syn::meta::ParseNestedMeta<'_>,
    span: Span,
) -> syn::Result<(Span, Vec<u8>, bool)> {
    let content;
    syn::parenthesized!(content in meta.input);
    let mut months = Vec::new();
    let mut no_lump_sum = false;
    while !content.is_empty() {
        if content.peek(LitInt) {
            let lit: LitInt = content.parse()?;
            match lit.base10_parse::<u8>() {
                Ok(m) if (1..=36).contains(&m) => {
                    if months.contains(&m) {
                        cx.error_spanned_by(&lit, format!("installment month {m} is listed twice"));
                    } else {
                        months.push(m);
                    }
                }
                _ => cx.error_spanned_by(
                    &lit,
                    "P_QUOTABASE offers installments of 1 to 36 months (1 = lump sum)",
                ),
            }
        } else {
            let id: Ident = content.parse()?;
            if id == "no_lump_sum" {
                no_lump_sum = true;
            } else {
                cx.error_spanned_by(
                    &id,
                    suggest::unknown_message(
                        "installment option",
                        &id.to_string(),
                        &["no_lump_sum"],
                    ),
                );
            }
        }
        if content.is_empty() {
            break;
        }
        content.parse::<Token![,]>()?;
    }
    if months.is_empty() {
        cx.error_at(
            span,
            "`installments(...)` needs at least one month, e.g. installments(2, 3, 6, 12)",
        );
    }
    Ok((span, months, no_lump_sum))
}

fn parse_reserved(
    cx: &mut Ctxt,
    m: &syn::meta::ParseNestedMeta<'_>,
    opts: &mut Opts,
) -> syn::Result<()> {
    let key = roles::path_key(m);
    let span = m.path.span();
    let Some(&(name, _)) = RESERVED_KEYS.iter().find(|(k, _)| *k == key) else {
        let names: Vec<&str> = RESERVED_KEYS.iter().map(|(k, _)| *k).collect();
        cx.error_at(
            span,
            suggest::unknown_message("P_RESERVED option", &key, &names),
        );
        return roles::skip_value(m);
    };
    if opts.reserved.iter().any(|(k, _, _)| *k == name) {
        cx.error_at(
            span,
            format!("duplicate key `{name}`: it is already given above"),
        );
        return roles::skip_value(m);
    }
    let value = match name {
        "app_scheme" => {
            let lit = roles::lit_str(m)?;
            let v = lit.value();
            if !v.contains("://") || v.contains(['&', ' ']) || !v.is_ascii() {
                cx.error_spanned_by(
                    &lit,
                    "app_scheme is an app URL scheme like \"myapp://\" (ASCII, no & or spaces)",
                );
            }
            ReservedValue::Str(lit)
        }
        "bank_receipt" => ReservedValue::Bool(m.value()?.parse::<syn::LitBool>()?.value),
        "hpp_corps" => {
            let mut corps = Vec::new();
            m.parse_nested_meta(|c| {
                match carrier(cx, &c) {
                    Some(v) if corps.contains(&v) => {
                        cx.error_at(c.path.span(), "carrier listed twice")
                    }
                    Some(v) => corps.push(v),
                    None => {}
                }
                Ok(())
            })?;
            ReservedValue::Corps(corps)
        }
        "hpp_default_corp" => {
            let id: Ident = m.value()?.parse()?;
            match CARRIERS.iter().find(|(n, _)| id == n) {
                Some(&(_, v)) => ReservedValue::Corp(v),
                None => {
                    let names: Vec<&str> = CARRIERS.iter().map(|(n, _)| *n).collect();
                    cx.error_spanned_by(
                        &id,
                        suggest::unknown_message("carrier", &id.to_string(), &names),
                    );
                    ReservedValue::Corp("Skt")
                }
            }
        }
        "extra" => {
            let mut pairs = Vec::new();
            m.parse_nested_meta(|e| {
                let k = roles::path_key(&e);
                let v = roles::lit_str(&e)?;
                let bad = |s: &str| s.contains(['&', '=', '"', '\n', '\r']) || !s.is_ascii();
                if bad(&v.value()) {
                    cx.error_spanned_by(
                        &v,
                        "extra P_RESERVED values are plain ASCII without & = \"",
                    );
                }
                pairs.push((k, v));
                Ok(())
            })?;
            ReservedValue::Extra(pairs)
        }
        _ => ReservedValue::Bool(roles::flag(m)?),
    };
    opts.reserved.push((name, span, value));
    Ok(())
}

fn carrier(cx: &mut Ctxt, c: &syn::meta::ParseNestedMeta<'_>) -> Option<&'static str> {
    let k = roles::path_key(c);
    match CARRIERS.iter().find(|(n, _)| *n == k) {
        Some(&(_, v)) => Some(v),
        None => {
            let names: Vec<&str> = CARRIERS.iter().map(|(n, _)| *n).collect();
            cx.error_at(
                c.path.span(),
                suggest::unknown_message("carrier", &k, &names),
            );
            None
        }
    }
}

/// The checks that need the whole input.
fn check(cx: &mut Ctxt, opts: &Opts, roles: &Roles<'_>, name: &Ident) {
    let Some((_, methods)) = &opts.methods else {
        cx.error_spanned_by(
            name,
            "missing the payment methods (P_INI_PAYMENT): add #[inipay(methods(card, bank, ...))]",
        );
        return;
    };
    let noti = opts.noti.is_some();
    for m in methods {
        match (m.name, m.kind) {
            ("phone", None) if !m.bad_kind => cx.error_at(
                m.span,
                "phone payment needs its product kind (P_HPP_METHOD), which must match the carrier contract: write phone(content) or phone(physical)",
            ),
            ("vbank", _) if !noti => cx.error_at(
                m.span,
                "a virtual account (VBANK) is paid later, on a deposit notification to P_NOTI_URL: declare that the app mounts the notification route with #[inipay(noti)]",
            ),
            _ => {}
        }
    }
    for (key, method, what) in [
        ("twotrs_bank", "bank", "bank transfer"),
        ("twotrs_isp", "card", "ISP card payment"),
    ] {
        if let Some((span, false)) = opts.reserved_bool(key)
            && opts.has_method(method)
            && !noti
        {
            cx.error_at(
                span,
                format!("{what} without {key} runs in one transaction and its result arrives only on P_NOTI_URL: declare #[inipay(noti)]"),
            );
        }
    }
    for (key, span, _) in &opts.reserved {
        if let Some((_, Some(method))) = RESERVED_KEYS.iter().find(|(k, _)| k == key)
            && !opts.has_method(method)
        {
            cx.error_at(
                *span,
                format!("`{key}` has no effect: this order's methods do not include `{method}`"),
            );
        }
    }
    if let Some((s, ReservedValue::Str(_))) = opts.reserved("app_scheme") {
        match opts.reserved_bool("apprun_check") {
            Some((_, false)) => {}
            Some((a, true)) => cx.error_at(a, "apprun_check contradicts app_scheme (INICIS takes one or the other): remove one"),
            None => cx.error_at(s, "app_scheme contradicts apprun_check, which is on by default: add `apprun_check = false` to reserved(...)"),
        }
    }
    if let Some((s, true)) = opts.reserved_bool("ios_app")
        && opts.reserved("app_scheme").is_none()
    {
        cx.error_at(
            s,
            "ios_app (iosapp=Y) needs the app to return to: add app_scheme = \"myapp://\"",
        );
    }
    if let Some((s, true)) = opts.reserved_bool("hpp_bill") {
        let billing = methods
            .iter()
            .any(|m| matches!(m.kind, Some(("billing_content" | "billing_physical", _))));
        if !billing && opts.has_method("phone") {
            cx.error_at(s, "hpp_bill (phone billing key) needs phone(billing_content) or phone(billing_physical)");
        }
    }
    if let (Some((s, ReservedValue::Corp(d))), Some((_, ReservedValue::Corps(list)))) = (
        opts.reserved("hpp_default_corp"),
        opts.reserved("hpp_corps"),
    ) && !list.is_empty()
        && !list.contains(d)
    {
        cx.error_at(
            s,
            "hpp_default_corp must be one of the carriers in hpp_corps(...)",
        );
    }
    if let Some((s, _, _)) = &opts.installments
        && !opts.has_method("card")
    {
        cx.error_at(*s, "installments (P_QUOTABASE) apply to card payments, but this order's methods do not include `card`");
    }
    if let Some(Source::Field { span, .. }) = roles.get("vbank_deadline")
        && !opts.has_method("vbank")
    {
        cx.error_at(
            *span,
            "a virtual-account deadline (P_VBANK_DT) needs the `vbank` method in methods(...)",
        );
    }
}

fn emit(input: &DeriveInput, opts: &Opts, roles: &Roles<'_>, krate: &TokenStream) -> TokenStream {
    let name = &input.ident;
    let (impl_generics, ty_generics, where_clause) = input.generics.split_for_impl();
    let p = quote!(#krate::__private);
    let generic = input.generics.type_params().next().is_some()
        || input.generics.const_params().next().is_some();
    let methods: Vec<TokenStream> = opts
        .methods
        .iter()
        .flat_map(|(_, ms)| ms)
        .map(|m| {
            let v = Ident::new(m.variant, m.span);
            match m.kind {
                Some((k, _)) => {
                    let kv = PHONE_KINDS
                        .iter()
                        .find(|(n, _)| *n == k)
                        .map_or("Content", |x| x.1);
                    let kv = Ident::new(kv, m.span);
                    quote!(#p::Method::#v(#p::HppMethod::#kv))
                }
                None => quote!(#p::Method::#v),
            }
        })
        .collect();
    let order_id = roles.text_expr(krate, "order_id");
    let amount = roles.amount_expr(krate, "amount");
    let goods = roles.text_expr(krate, "goods");
    let buyer_name = roles.text_expr(krate, "buyer_name");
    let some = |t: TokenStream| quote!(::core::option::Option::Some(#t));
    // Only what differs from the defaults is written out: less code for rustc
    // to check per derived type.
    let mut values = vec![
        quote!(order_id: #order_id),
        quote!(amount: #amount),
        quote!(goods: #goods),
        quote!(buyer_name: #buyer_name),
    ];
    for key in ["buyer_phone", "buyer_email", "merchant_data"] {
        if roles.get(key).is_some() {
            let k = Ident::new(key, Span::call_site());
            let e = roles.opt_text_expr(krate, key);
            values.push(quote!(#k: #e));
        }
    }
    for key in ["tax", "tax_free"] {
        if roles.get(key).is_some() {
            let k = Ident::new(key, Span::call_site());
            let e = roles.opt_amount_expr(krate, key);
            values.push(quote!(#k: #e));
        }
    }
    if let Some(Source::Field { ident, ty, .. }) = roles.get("vbank_deadline") {
        let e = quote_spanned!(ty.span()=> <#ty as #p::OptionalVbankDeadline>::opt_deadline(&self.#ident));
        values.push(quote!(vbank_deadline: #e));
    }
    let mut config = Vec::new();
    match roles.get("offer_period") {
        Some(Source::Field { ident, ty, .. }) => {
            let e = quote_spanned!(ty.span()=> <#ty as #p::OptionalOfferPeriod>::opt_period(&self.#ident));
            values.push(quote!(offer_period: #e));
        }
        Some(Source::Literal(l)) => {
            let e = some(quote!(#l));
            config.push(quote!(offer_period: #e));
        }
        None => {}
    }
    if opts.noti.is_some() {
        config.push(quote!(noti: true));
    }
    if let Some(l) = &opts.merchant_name {
        let e = some(quote!(#l));
        config.push(quote!(merchant_name: #e));
    }
    if let Some(l) = &opts.card_option {
        let e = some(quote!(#l));
        config.push(quote!(card_option: #e));
    }
    if let Some(b) = opts.amount_hash {
        let e = some(quote!(#b));
        config.push(quote!(amount_hash: #e));
    }
    if let Some(c) = opts.charset {
        let c = Ident::new(c, Span::call_site());
        let e = some(quote!(#p::Charset::#c));
        config.push(quote!(result_charset: #e));
    }
    if let Some((_, months, no_lump)) = &opts.installments {
        config.push(quote!(installments: &[#(#months),*]));
        config.push(quote!(no_lump_sum: #no_lump));
    }
    if !opts.reserved.is_empty() {
        let reserved = opts
            .reserved
            .iter()
            .flat_map(|(k, _, v)| reserved_options(&p, k, v));
        config.push(quote!(reserved: &[#(#reserved),*]));
    }
    // `..DEFAULT` only when a field is left out (clippy's needless_update).
    let config_rest = (config.len() < CONFIG_FIELDS).then(|| quote!(..#p::OrderConfig::DEFAULT));
    let values_rest = (values.len() < VALUE_FIELDS).then(|| quote!(..#p::OrderValues::EMPTY));
    let (free_checks, fn_checks) = if generic {
        (TokenStream::new(), roles.capacity_checks(krate, true))
    } else {
        (roles.capacity_checks(krate, false), TokenStream::new())
    };
    quote! {
        #free_checks
        #[automatically_derived]
        impl #impl_generics #p::Order for #name #ty_generics #where_clause {
            const METHODS: &'static [#p::Method] = &[#(#methods),*];

            // `#[inline]`: like a generic, codegen happens where the order is
            // used, not for every derived type (the compile-cost benchmark).
            #[inline]
            fn order_id(&self) -> &str {
                #order_id
            }

            #[inline]
            fn amount(&self) -> #p::Amount {
                #amount
            }

            #[inline]
            fn payment_request(
                &self,
                ctx: &#p::CheckoutContext,
            ) -> ::core::result::Result<#p::PaymentRequest, #p::FieldError> {
                #fn_checks
                const CONFIG: #p::OrderConfig = #p::OrderConfig { #(#config,)* #config_rest };
                #p::payment_request(
                    ctx,
                    <Self as #p::Order>::METHODS,
                    &CONFIG,
                    #p::OrderValues { #(#values,)* #values_rest },
                )
            }
        }
    }
}

/// The number of fields of `__private::OrderConfig` and `OrderValues`.
const CONFIG_FIELDS: usize = 9;
const VALUE_FIELDS: usize = 11;

/// The `ReservedOption`s for one `reserved(...)` entry.
fn reserved_options(p: &TokenStream, key: &str, v: &ReservedValue) -> Vec<TokenStream> {
    let variant: String = key
        .split('_')
        .map(|w| {
            let mut c = w.chars();
            c.next()
                .map(|f| f.to_ascii_uppercase().to_string() + c.as_str())
                .unwrap_or_default()
        })
        .collect();
    let variant = Ident::new(&variant, Span::call_site());
    match v {
        ReservedValue::Bool(b) => vec![quote!(#p::ReservedOption::#variant(#b))],
        ReservedValue::Str(l) => vec![quote!(#p::ReservedOption::#variant(#l))],
        ReservedValue::Corps(list) => {
            let cs = list.iter().map(|c| Ident::new(c, Span::call_site()));
            vec![quote!(#p::ReservedOption::HppCorps(&[#(#p::Carrier::#cs),*]))]
        }
        ReservedValue::Corp(c) => {
            let c = Ident::new(c, Span::call_site());
            vec![quote!(#p::ReservedOption::HppDefaultCorp(#p::Carrier::#c))]
        }
        ReservedValue::Extra(pairs) => pairs
            .iter()
            .map(|(k, v)| quote!(#p::ReservedOption::Extra(#k, #v)))
            .collect(),
    }
}

/// An impl with the right shape and no behaviour, emitted beside the errors
/// so the user's other uses of the type do not add a cascade of errors.
fn fallback_impl(input: &DeriveInput, krate: &TokenStream) -> TokenStream {
    let name = &input.ident;
    let (impl_generics, ty_generics, where_clause) = input.generics.split_for_impl();
    let p = quote!(#krate::__private);
    quote! {
        #[automatically_derived]
        impl #impl_generics #p::Order for #name #ty_generics #where_clause {
            const METHODS: &'static [#p::Method] = &[];
            fn order_id(&self) -> &str {
                ::core::unreachable!()
            }
            fn amount(&self) -> #p::Amount {
                ::core::unreachable!()
            }
            fn payment_request(
                &self,
                _: &#p::CheckoutContext,
            ) -> ::core::result::Result<#p::PaymentRequest, #p::FieldError> {
                ::core::unreachable!()
            }
        }
    }
}
