//! Syntactic looks at field types: what can be decided before type checking
//! (a float or signed amount), and rewriting a type for a free `const` item.

use proc_macro2::{Group, Ident, Punct, Spacing, TokenStream, TokenTree};
use quote::ToTokens;
use syn::{GenericArgument, PathArguments, Type};

/// `T` for `Option<T>`, otherwise the type itself.
pub(crate) fn strip_option(ty: &Type) -> &Type {
    if let Type::Path(p) = ty
        && p.qself.is_none()
        && let Some(last) = p.path.segments.last()
        && last.ident == "Option"
        && let PathArguments::AngleBracketed(args) = &last.arguments
        && args.args.len() == 1
        && let Some(GenericArgument::Type(inner)) = args.args.first()
    {
        return inner;
    }
    ty
}

/// Where a capacity error belongs: the `N` of a visible `Text<N>` (also
/// inside `Option<...>` or behind `&`), otherwise the type.
pub(crate) fn capacity_span(ty: &Type) -> proc_macro2::Span {
    use syn::spanned::Spanned;
    let mut inner = strip_option(ty);
    while let Type::Reference(r) = inner {
        inner = &r.elem;
    }
    if let Type::Path(p) = inner
        && let Some(last) = p.path.segments.last()
        && last.ident == "Text"
        && let PathArguments::AngleBracketed(args) = &last.arguments
        && let Some(arg) = args.args.first()
    {
        return arg.span();
    }
    ty.span()
}

/// Whether the type is visibly one of the unbounded text types (`String`,
/// `&str`, `Box<str>`, `Cow<str>`), whose capacity check would be a no-op.
pub(crate) fn is_unbounded_text(ty: &Type) -> bool {
    match ty {
        Type::Reference(r) => matches!(&*r.elem, Type::Path(p) if p.path.is_ident("str")),
        Type::Path(p) if p.qself.is_none() => p.path.segments.last().is_some_and(|s| {
            let of_str = || {
                matches!(&s.arguments, PathArguments::AngleBracketed(a)
                    if matches!(a.args.last(), Some(GenericArgument::Type(Type::Path(t))) if t.path.is_ident("str")))
            };
            s.ident == "String" || ((s.ident == "Box" || s.ident == "Cow") && of_str())
        }),
        _ => false,
    }
}

/// Why a type can never be an amount of won, when that is visible from its
/// name: floats and signed integers.
pub(crate) fn bad_amount_type(ty: &Type) -> Option<String> {
    let Type::Path(p) = ty else { return None };
    let ident = p.path.get_ident()?.to_string();
    match ident.as_str() {
        "f32" | "f64" => Some(format!(
            "an amount cannot be `{ident}`: INICIS amounts are whole won (원) and a float rounds; use `u64` (or `inipay_core::Amount`)"
        )),
        "i8" | "i16" | "i32" | "i64" | "i128" | "isize" => Some(format!(
            "an amount cannot be `{ident}`: INICIS amounts are whole won (원) and never negative; use `u64` (or `inipay_core::Amount`)"
        )),
        _ => None,
    }
}

/// `ty` with every lifetime replaced by `'static`, so a free `const` item
/// can name a field type that borrows (`&'a str`).
pub(crate) fn erase_lifetimes(ty: &Type) -> TokenStream {
    fn walk(ts: TokenStream) -> TokenStream {
        let mut out = Vec::new();
        let mut iter = ts.into_iter().peekable();
        while let Some(tt) = iter.next() {
            match tt {
                TokenTree::Punct(p) if p.as_char() == '\'' && p.spacing() == Spacing::Joint => {
                    if let Some(TokenTree::Ident(_)) = iter.peek() {
                        iter.next();
                        let mut q = Punct::new('\'', Spacing::Joint);
                        q.set_span(p.span());
                        out.push(TokenTree::Punct(q));
                        out.push(TokenTree::Ident(Ident::new("static", p.span())));
                    } else {
                        out.push(TokenTree::Punct(p));
                    }
                }
                TokenTree::Group(g) => {
                    let mut ng = Group::new(g.delimiter(), walk(g.stream()));
                    ng.set_span(g.span());
                    out.push(TokenTree::Group(ng));
                }
                other => out.push(other),
            }
        }
        out.into_iter().collect()
    }
    // `&str` without a lifetime is fine in a const; `&'a str` becomes `&'static str`.
    walk(ty.to_token_stream())
}

/// The type as a user wrote it, for messages (`Text<100>`).
pub(crate) fn display(ty: &Type) -> String {
    ty.to_token_stream()
        .to_string()
        .replace(" < ", "<")
        .replace("< ", "<")
        .replace(" >", ">")
        .replace(" :: ", "::")
        .replace(":: ", "::")
        .replace("& ", "&")
        .replace(" ,", ",")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn looks() {
        let t: Type = syn::parse_quote!(Option<f64>);
        assert!(bad_amount_type(strip_option(&t)).is_some());
        let t: Type = syn::parse_quote!(u64);
        assert!(bad_amount_type(&t).is_none());
        let t: Type = syn::parse_quote!(&'a str);
        assert_eq!(erase_lifetimes(&t).to_string(), "& 'static str");
        let t: Type = syn::parse_quote!(Cow<'a, str>);
        assert!(is_unbounded_text(&t));
        let t: Type = syn::parse_quote!(Box<Text<100>>);
        assert!(!is_unbounded_text(&t));
        let t: Type = syn::parse_quote!(inipay_core::Text<100>);
        assert_eq!(display(&t), "inipay_core::Text<100>");
    }
}
