//! The derives of iox2's payload traits. Use them through `iox2_core`:
//! `#[derive(iox2_core::payload::ZeroCopySend)]`, or
//! `use iox2_core::payload::{AnyBitPattern, ZeroCopySend};` — the generated
//! code names `::iox2_core::payload`, so the crate must be reachable under
//! that name.
//!
//! Whatever can be decided from the item's tokens (its `repr`, its kind,
//! its generics, the `type_name` attribute) is checked here, with an error
//! spanned on the item, field or attribute at fault. The rest is left to the
//! compiler through generated code: a bound check per field (spanned on the
//! field's type), and `const` assertions for drop glue, padding and name
//! length.

mod any_bit_pattern;
mod item;
mod repr;
mod zero_copy_send;

use proc_macro::TokenStream;
use syn::{DeriveInput, parse_macro_input};

/// Implements `iox2_core::payload::ZeroCopySend`, checking the trait's
/// contract at compile time.
///
/// Accepts a struct (named, tuple or unit) with `#[repr(C)]` (optionally
/// `packed` or `align(N)`) or `#[repr(transparent)]` whose fields are all
/// `ZeroCopySend`, and a fieldless enum with
/// `#[repr(u8 | u16 | u32 | i8 | i16 | i32)]`. Type parameters get a
/// `ZeroCopySend` bound; lifetime parameters and unions are refused. A type
/// with drop glue fails to compile.
///
/// `#[type_name("robot::Frame")]` sets the name (1..=64 bytes) shared with
/// other processes and languages; the default is `module::path::Type`. A
/// generic type's name gets its arguments appended: `robot::Vec3<f32>`.
#[proc_macro_derive(ZeroCopySend, attributes(type_name))]
pub fn derive_zero_copy_send(input: TokenStream) -> TokenStream {
    let input = parse_macro_input!(input as DeriveInput);
    zero_copy_send::expand(&input)
        .unwrap_or_else(syn::Error::into_compile_error)
        .into()
}

/// Implements `iox2_core::payload::AnyBitPattern` for a struct that also
/// derives (or implements) `ZeroCopySend`.
///
/// Accepts a `#[repr(C)]` or `#[repr(transparent)]` struct whose fields are
/// all `AnyBitPattern` and whose size is the sum of its fields' sizes (no
/// padding; checked by a `const` assertion). Enums and unions are refused,
/// and so is a generic `repr(C)` struct, whose padding depends on its
/// arguments (a generic `repr(transparent)` one is accepted).
#[proc_macro_derive(AnyBitPattern)]
pub fn derive_any_bit_pattern(input: TokenStream) -> TokenStream {
    let input = parse_macro_input!(input as DeriveInput);
    any_bit_pattern::expand(&input)
        .unwrap_or_else(syn::Error::into_compile_error)
        .into()
}
