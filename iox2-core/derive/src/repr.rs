//! Reads an item's `#[repr(...)]` attributes.

use syn::{Attribute, LitInt, parenthesized};

/// The representation hints found on an item (the compiler checks that they
/// make sense together; this only records them).
#[derive(Debug, Default)]
pub struct Repr {
    /// `repr(C)`.
    pub c: bool,
    /// `repr(transparent)`.
    pub transparent: bool,
    /// An integer representation, e.g. `u8` (for enums).
    pub int: Option<String>,
}

/// The integer representations a payload enum may have: fixed width, and
/// aligned alike on 32- and 64-bit targets (not `u64`/`i64`, 4-aligned on
/// 32-bit x86, nor `usize`/`isize`).
pub const ENUM_INTS: [&str; 6] = ["u8", "u16", "u32", "i8", "i16", "i32"];

impl Repr {
    /// Collects every `#[repr(...)]` of `attrs`.
    pub fn parse(attrs: &[Attribute]) -> syn::Result<Self> {
        let mut repr = Self::default();
        for attr in attrs.iter().filter(|attr| attr.path().is_ident("repr")) {
            attr.parse_nested_meta(|meta| {
                let Some(ident) = meta.path.get_ident() else {
                    return Ok(());
                };
                match ident.to_string().as_str() {
                    "C" => repr.c = true,
                    "transparent" => repr.transparent = true,
                    // `packed`, `packed(N)`, `align(N)`: any layout they give
                    // is defined; only their argument must be consumed.
                    "packed" | "align" => {
                        if meta.input.peek(syn::token::Paren) {
                            let content;
                            parenthesized!(content in meta.input);
                            content.parse::<LitInt>()?;
                        }
                    }
                    other => repr.int = Some(other.to_owned()),
                }
                Ok(())
            })?;
        }
        Ok(repr)
    }

    /// Whether a struct with this representation has a defined layout.
    pub fn is_defined_struct_layout(&self) -> bool {
        self.c || self.transparent
    }
}
