//! `#[derive(AnyBitPattern)]`.
//!
//! A non-generic struct gets its checks as statements of an anonymous
//! `const`: one `assert_any_bit_pattern::<Field>()` per field and a size
//! assertion (size == sum of the fields' sizes, i.e. no padding), all
//! evaluated at the definition. A generic struct must be
//! `repr(transparent)`, which has no padding by definition; its fields get
//! `AnyBitPattern` bounds on the impl.

use proc_macro2::TokenStream;
use quote::{quote, quote_spanned};
use syn::spanned::Spanned;
use syn::{Data, DeriveInput};

use crate::item;
use crate::repr::Repr;

/// The generated impl of `AnyBitPattern` for `input`, or why there is none.
pub fn expand(input: &DeriveInput) -> syn::Result<TokenStream> {
    let repr = Repr::parse(&input.attrs)?;
    item::reject_lifetimes(&input.generics, "AnyBitPattern")?;
    let data = match &input.data {
        Data::Struct(data) => data,
        Data::Enum(data) => {
            return Err(syn::Error::new_spanned(
                data.enum_token,
                "`#[derive(AnyBitPattern)]` refuses enums: a value that is none of the discriminants is not valid",
            ));
        }
        Data::Union(data) => {
            return Err(syn::Error::new_spanned(
                data.union_token,
                "`#[derive(AnyBitPattern)]` refuses unions: implement `AnyBitPattern` by hand, with a `// SAFETY:` note",
            ));
        }
    };
    if !repr.is_defined_struct_layout() {
        return Err(item::layout_error(input, "AnyBitPattern"));
    }

    let payload = quote!(::iox2_core::payload);
    let ident = &input.ident;
    let field_types: Vec<_> = data.fields.iter().map(|field| &field.ty).collect();

    if input.generics.params.is_empty() {
        let check = quote!(#payload::__private::assert_any_bit_pattern);
        let field_checks = field_types.iter().map(|ty| item::field_check(&check, ty));
        let field_sizes = field_types.iter().map(|ty| quote!(::core::mem::size_of::<#ty>()));
        let padding_message = format!(
            "`{ident}` has padding (its size exceeds the sum of its fields' sizes), and padding is not a valid bit pattern: add explicit fields where the compiler pads, e.g. `_reserved: [u8; 4]`"
        );
        // `do_not_recommend`: as for `ZeroCopySend`.
        return Ok(quote! {
            const _: () = {
                #[diagnostic::do_not_recommend]
                #[automatically_derived]
                unsafe impl #payload::AnyBitPattern for #ident {}

                #(#field_checks)*
                ::core::assert!(
                    ::core::mem::size_of::<#ident>() == 0 #(+ #field_sizes)*,
                    #padding_message
                );
            };
        });
    }

    if !repr.transparent {
        return Err(syn::Error::new_spanned(
            &input.generics,
            "`#[derive(AnyBitPattern)]` cannot check a generic `repr(C)` struct for padding (it depends on the arguments): use `#[repr(transparent)]`, or implement `AnyBitPattern` by hand",
        ));
    }
    let field_bounds: Vec<_> = field_types
        .iter()
        .map(|ty| quote_spanned!(ty.span()=> #ty: #payload::AnyBitPattern))
        .collect();
    let generics = item::with_bounds(&input.generics, &quote!(#payload::AnyBitPattern), &field_bounds);
    let (impl_generics, ty_generics, where_clause) = generics.split_for_impl();
    Ok(quote! {
        #[automatically_derived]
        unsafe impl #impl_generics #payload::AnyBitPattern for #ident #ty_generics #where_clause {}
    })
}
