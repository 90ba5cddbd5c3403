//! `#[derive(ZeroCopySend)]`.
//!
//! The impl's `TYPE_NAME` is a `const` block that also holds the checks the
//! compiler must make: one `assert_zero_copy_send::<Field>()` per field
//! (type-checked where the impl is defined, generic or not) and a
//! `needs_drop` assertion. A non-generic type evaluates `TYPE_NAME` right
//! away, so a failed assertion is an error at the definition; a generic
//! type's assertions run for each instance, at its first use (every service
//! reads `TYPE_NAME` through its type descriptor).

use proc_macro2::TokenStream;
use quote::quote;
use syn::ext::IdentExt;
use syn::spanned::Spanned;
use syn::{Data, DataEnum, DeriveInput, Fields, GenericParam, LitStr, Type};

use crate::item;
use crate::repr::{ENUM_INTS, Repr};

/// `iox2_core::payload::MAX_TYPE_NAME_LEN`.
const MAX_TYPE_NAME_LEN: usize = 64;

/// The generated impl of `ZeroCopySend` for `input`, or why there is none.
pub fn expand(input: &DeriveInput) -> syn::Result<TokenStream> {
    let repr = Repr::parse(&input.attrs)?;
    let type_name = type_name_attribute(input)?;
    item::reject_lifetimes(&input.generics, "ZeroCopySend")?;
    let field_types: Vec<&Type> = match &input.data {
        Data::Struct(data) => {
            if !repr.is_defined_struct_layout() {
                return Err(item::layout_error(input, "ZeroCopySend"));
            }
            data.fields.iter().map(|field| &field.ty).collect()
        }
        Data::Enum(data) => {
            check_enum(input, &repr, data)?;
            Vec::new()
        }
        Data::Union(data) => {
            return Err(syn::Error::new_spanned(
                data.union_token,
                "`#[derive(ZeroCopySend)]` refuses unions: which field is valid is not known; implement `ZeroCopySend` by hand, with a `// SAFETY:` note",
            ));
        }
    };

    let payload = quote!(::iox2_core::payload);
    let ident = &input.ident;
    let generics = item::with_bounds(&input.generics, &quote!(#payload::ZeroCopySend), &[]);
    let (impl_generics, ty_generics, where_clause) = generics.split_for_impl();
    let check = quote!(#payload::__private::assert_zero_copy_send);
    let field_checks: Vec<_> = field_types.iter().map(|ty| item::field_check(&check, ty)).collect();
    let drop_message = format!(
        "`{ident}` has drop glue (a `Drop` impl, or a field that needs dropping): a ZeroCopySend value is released by returning its memory to a pool, where no destructor runs"
    );
    let base_name = match &type_name {
        Some(name) => quote!(#name),
        None => {
            let name = ident.unraw().to_string();
            quote!(::core::concat!(::core::module_path!(), "::", #name))
        }
    };

    let impl_with = |name: TokenStream| {
        quote! {
            #[automatically_derived]
            unsafe impl #impl_generics #payload::ZeroCopySend for #ident #ty_generics #where_clause {
                const TYPE_NAME: &'static str = {
                    #(#field_checks)*
                    ::core::assert!(!::core::mem::needs_drop::<Self>(), #drop_message);
                    #name
                };
            }
        }
    };

    if generics.params.is_empty() {
        let name = match type_name {
            Some(_) => base_name,
            None => quote!(#payload::__private::checked_type_name(#base_name)),
        };
        let implementation = impl_with(name);
        // `do_not_recommend` keeps derived impls out of the compiler's "other
        // types implement `ZeroCopySend`" lists (their only effect on a
        // non-generic impl, which has no bounds to explain).
        return Ok(quote! {
            const _: () = {
                #[diagnostic::do_not_recommend]
                #implementation
                // Evaluate the checks now, at the definition.
                let _: &'static str = <#ident as #payload::ZeroCopySend>::TYPE_NAME;
            };
        });
    }

    // A generic type's name is built per instance (`Vec3<f32>`) and kept in
    // an associated const of a helper type, the one place a value computed
    // from generic parts lives for `'static`.
    let arguments = name_arguments(&input.generics, &payload)?;
    let params = item::bare_params(&input.generics);
    let type_params: Vec<_> = input.generics.type_params().map(|param| &param.ident).collect();
    let turbofish = ty_generics.as_turbofish();
    let implementation = impl_with(quote!(__Iox2TypeName #turbofish::NAME.as_str()));
    Ok(quote! {
        const _: () = {
            struct __Iox2TypeName<#(#params),*>(::core::marker::PhantomData<fn() -> (#(#type_params,)*)>);

            impl #impl_generics __Iox2TypeName #ty_generics #where_clause {
                const NAME: &'static #payload::TypeName = &#payload::__private::NameBuilder::new()
                    .push_str(#base_name)
                    .push_str("<")
                    #(#arguments)*
                    .push_str(">")
                    .finish();
            }

            #implementation
        };
    })
}

/// The builder calls that append a generic type's arguments to its name,
/// separated by `, `.
fn name_arguments(generics: &syn::Generics, payload: &TokenStream) -> syn::Result<Vec<TokenStream>> {
    let mut arguments = Vec::new();
    for param in &generics.params {
        if !arguments.is_empty() {
            arguments.push(quote!(.push_str(", ")));
        }
        arguments.push(match param {
            GenericParam::Type(param) => {
                let ident = &param.ident;
                quote!(.push_str(<#ident as #payload::ZeroCopySend>::TYPE_NAME))
            }
            GenericParam::Const(param) => {
                let ident = &param.ident;
                let ty = &param.ty;
                match quote!(#ty).to_string().as_str() {
                    "u8" | "u16" | "u32" | "u64" | "u128" | "usize" => {
                        quote!(.push_unsigned(#ident as u128))
                    }
                    "i8" | "i16" | "i32" | "i64" | "i128" | "isize" => {
                        quote!(.push_signed(#ident as i128))
                    }
                    "bool" => quote!(.push_bool(#ident)),
                    "char" => quote!(.push_str("'").push_char(#ident).push_str("'")),
                    _ => {
                        return Err(syn::Error::new_spanned(
                            ty,
                            "`#[derive(ZeroCopySend)]` names const parameters of integer, `bool` or `char` type only",
                        ));
                    }
                }
            }
            // Refused before.
            GenericParam::Lifetime(_) => continue,
        });
    }
    Ok(arguments)
}

/// The `#[type_name("...")]` of the item, checked; it may appear once, on
/// the item only.
fn type_name_attribute(input: &DeriveInput) -> syn::Result<Option<LitStr>> {
    let mut found: Option<LitStr> = None;
    for attr in input.attrs.iter().filter(|attr| attr.path().is_ident("type_name")) {
        if found.is_some() {
            return Err(syn::Error::new_spanned(attr, "`#[type_name]` appears twice"));
        }
        let name: LitStr = attr.parse_args().map_err(|error| {
            syn::Error::new(
                error.span(),
                "expected `#[type_name(\"name\")]`, a string literal of 1..=64 bytes",
            )
        })?;
        let len = name.value().len();
        if len == 0 {
            return Err(syn::Error::new_spanned(&name, "the type name is empty"));
        }
        if len > MAX_TYPE_NAME_LEN {
            return Err(syn::Error::new_spanned(
                &name,
                format!("the type name has {len} bytes; at most {MAX_TYPE_NAME_LEN} are allowed"),
            ));
        }
        found = Some(name);
    }
    let inner_attrs = match &input.data {
        Data::Struct(data) => data.fields.iter().flat_map(|field| &field.attrs).collect(),
        Data::Enum(data) => data
            .variants
            .iter()
            .flat_map(|variant| variant.attrs.iter().chain(variant.fields.iter().flat_map(|f| &f.attrs)))
            .collect(),
        Data::Union(data) => data
            .fields
            .named
            .iter()
            .flat_map(|field| &field.attrs)
            .collect::<Vec<_>>(),
    };
    if let Some(misplaced) = inner_attrs.into_iter().find(|attr| attr.path().is_ident("type_name")) {
        return Err(syn::Error::new_spanned(
            misplaced,
            "`#[type_name]` belongs on the type, not on a field or variant",
        ));
    }
    Ok(found)
}

/// An enum must be fieldless, with a fixed-width integer representation.
fn check_enum(input: &DeriveInput, repr: &Repr, data: &DataEnum) -> syn::Result<()> {
    match repr.int.as_deref() {
        Some(int) if ENUM_INTS.contains(&int) => {}
        Some(int) => {
            return Err(syn::Error::new_spanned(
                &input.ident,
                format!(
                    "`#[derive(ZeroCopySend)]` refuses `#[repr({int})]`: use `#[repr(u8 | u16 | u32 | i8 | i16 | i32)]`, whose size and alignment are the same in 32- and 64-bit processes"
                ),
            ));
        }
        None => {
            return Err(syn::Error::new_spanned(
                &input.ident,
                "`#[derive(ZeroCopySend)]` needs `#[repr(u8 | u16 | u32 | i8 | i16 | i32)]` on an enum: the default (and `repr(C)`) discriminant size is not fixed",
            ));
        }
    }
    match data
        .variants
        .iter()
        .find(|variant| !matches!(variant.fields, Fields::Unit))
    {
        Some(variant) => Err(syn::Error::new(
            variant.fields.span(),
            "`#[derive(ZeroCopySend)]` supports fieldless enums only: put the data in a `#[repr(C)]` struct beside a fieldless tag",
        )),
        None => Ok(()),
    }
}
