//! Checks and helpers both derives share.

use proc_macro2::TokenStream;
use quote::{quote, quote_spanned};
use syn::spanned::Spanned;
use syn::{DeriveInput, GenericParam, Generics, Type, parse_quote};

/// Refuses lifetime parameters: a payload lives in shared memory and
/// cannot borrow anything.
pub fn reject_lifetimes(generics: &Generics, derive: &str) -> syn::Result<()> {
    match generics.lifetimes().next() {
        Some(lifetime) => Err(syn::Error::new_spanned(
            lifetime,
            format!(
                "`#[derive({derive})]` refuses lifetime parameters: a payload lives in shared memory and cannot borrow"
            ),
        )),
        None => Ok(()),
    }
}

/// The error for a struct without `#[repr(C)]` or `#[repr(transparent)]`.
pub fn layout_error(input: &DeriveInput, derive: &str) -> syn::Error {
    syn::Error::new_spanned(
        &input.ident,
        format!(
            "`#[derive({derive})]` needs `#[repr(C)]` or `#[repr(transparent)]` on `{}`: the default Rust layout may change between compilations, so another process cannot rely on it",
            input.ident
        ),
    )
}

/// `generics` with `T: bound` added for every type parameter `T`, and
/// `extra` predicates appended.
pub fn with_bounds(generics: &Generics, bound: &TokenStream, extra: &[TokenStream]) -> Generics {
    let mut generics = generics.clone();
    let params: Vec<_> = generics.type_params().map(|param| param.ident.clone()).collect();
    let where_clause = generics.make_where_clause();
    for param in params {
        where_clause.predicates.push(parse_quote!(#param: #bound));
    }
    for predicate in extra {
        where_clause.predicates.push(parse_quote!(#predicate));
    }
    generics
}

/// A call of the const fn `check::<ty>()`, spanned on `ty` so that an
/// unmet bound is reported at the field.
pub fn field_check(check: &TokenStream, ty: &Type) -> TokenStream {
    quote_spanned! {ty.span()=> #check::<#ty>();}
}

/// The parameter list of a helper type that takes the same generics as
/// the item: `T, const N: usize` (no bounds, no defaults).
pub fn bare_params(generics: &Generics) -> Vec<TokenStream> {
    generics
        .params
        .iter()
        .filter_map(|param| match param {
            GenericParam::Type(param) => {
                let ident = &param.ident;
                Some(quote!(#ident))
            }
            GenericParam::Const(param) => {
                let (ident, ty) = (&param.ident, &param.ty);
                Some(quote!(const #ident: #ty))
            }
            GenericParam::Lifetime(_) => None,
        })
        .collect()
}
