//! The payload traits for the language's own types: fixed-width integers,
//! floats, `bool`, `char`, `()`, arrays, `NonZero` integers and the shared
//! atomics. Never for `usize`/`isize`, pointers or references.

use core::marker::PhantomData;
use core::num::NonZero;

use super::name::NameBuilder;
use super::{AnyBitPattern, TypeName, ZeroCopySend};

/// `ZeroCopySend` for primitives, with their Rust names as type names.
macro_rules! zero_copy_send {
    ($($ty:ty => $name:literal),* $(,)?) => {$(
        // SAFETY: a primitive of fixed width: no pointer, no drop glue, the
        // same size and bit meaning in every process (ZeroCopySend 1-7).
        unsafe impl ZeroCopySend for $ty {
            const TYPE_NAME: &'static str = $name;
        }
    )*};
}

/// `AnyBitPattern` for primitives.
macro_rules! any_bit_pattern {
    ($($ty:ty),* $(,)?) => {$(
        // SAFETY: every bit pattern of this integer or float type is a value
        // (NaNs included), and a primitive has no padding.
        unsafe impl AnyBitPattern for $ty {}
    )*};
}

/// `ZeroCopySend` for `NonZero<int>`, named `NonZero<int>`.
macro_rules! non_zero {
    ($($int:ty => $name:literal),* $(,)?) => {$(
        // SAFETY: `NonZero<T>` has the layout of `T` (a ZeroCopySend integer);
        // writers store non-zero values, as the trait's contract asks of
        // every type with invalid bit patterns (so it is not AnyBitPattern).
        unsafe impl ZeroCopySend for NonZero<$int> {
            const TYPE_NAME: &'static str = $name;
        }
    )*};
}

zero_copy_send! {
    u8 => "u8", u16 => "u16", u32 => "u32", u64 => "u64", u128 => "u128",
    i8 => "i8", i16 => "i16", i32 => "i32", i64 => "i64", i128 => "i128",
    f32 => "f32", f64 => "f64", bool => "bool", char => "char", () => "()",
}

any_bit_pattern! { u8, u16, u32, u64, u128, i8, i16, i32, i64, i128, f32, f64, () }

non_zero! {
    u8 => "NonZero<u8>", u16 => "NonZero<u16>", u32 => "NonZero<u32>",
    u64 => "NonZero<u64>", u128 => "NonZero<u128>",
    i8 => "NonZero<i8>", i16 => "NonZero<i16>", i32 => "NonZero<i32>",
    i64 => "NonZero<i64>", i128 => "NonZero<i128>",
}

/// The name `[T; N]` of an array type, built once per `T` and `N` at
/// compile time. (An associated `const` is the one place a name built from
/// generic parts can be kept with a `'static` lifetime.)
struct ArrayName<T, const N: usize>(PhantomData<fn() -> T>);

impl<T: ZeroCopySend, const N: usize> ArrayName<T, N> {
    const NAME: &'static TypeName = &NameBuilder::new()
        .push_str("[")
        .push_str(T::TYPE_NAME)
        .push_str("; ")
        .push_unsigned(N as u128)
        .push_str("]")
        .finish();
}

// SAFETY: an array has its element's alignment and N times its size, with no
// padding between elements, in every process; elements are ZeroCopySend, so
// the array is too (the name carries the length: `[u32; 4]`).
unsafe impl<T: ZeroCopySend, const N: usize> ZeroCopySend for [T; N] {
    const TYPE_NAME: &'static str = ArrayName::<T, N>::NAME.as_str();
}

// SAFETY: an array of AnyBitPattern elements is any bit pattern of each, and
// has no padding (elements are packed at their size, which includes their
// own trailing padding — of which an AnyBitPattern element has none).
unsafe impl<T: AnyBitPattern, const N: usize> AnyBitPattern for [T; N] {}

#[cfg(not(iox2_loom))]
mod atomics {
    //! The atomics shared memory holds (only those `crate::sync` exports:
    //! loom's stand-ins are process-local and get no impls).
    use crate::payload::{AnyBitPattern, ZeroCopySend};
    use crate::sync::{AtomicBool, AtomicU32};

    // SAFETY: `AtomicU32` has the size and alignment of `u32` on every
    // target, no drop glue, and atomic accesses are sound between processes
    // (their interior mutability is the one ZeroCopySend 6 allows).
    unsafe impl ZeroCopySend for AtomicU32 {
        const TYPE_NAME: &'static str = "AtomicU32";
    }

    // SAFETY: every bit pattern is a `u32`, and there is no padding.
    unsafe impl AnyBitPattern for AtomicU32 {}

    // SAFETY: `AtomicBool` has the layout of `bool` (one byte), no drop
    // glue, and atomic accesses; writers store 0 or 1 (not AnyBitPattern).
    unsafe impl ZeroCopySend for AtomicBool {
        const TYPE_NAME: &'static str = "AtomicBool";
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn name<T: ZeroCopySend>() -> &'static str {
        T::TYPE_NAME
    }

    #[test]
    fn primitive_names() {
        assert_eq!(name::<u8>(), "u8");
        assert_eq!(name::<i128>(), "i128");
        assert_eq!(name::<f64>(), "f64");
        assert_eq!(name::<()>(), "()");
        assert_eq!(name::<NonZero<u32>>(), "NonZero<u32>");
    }

    #[test]
    fn array_names_nest() {
        assert_eq!(name::<[u32; 4]>(), "[u32; 4]");
        assert_eq!(name::<[[u8; 16]; 0]>(), "[[u8; 16]; 0]");
        assert_eq!(name::<[bool; 1024]>(), "[bool; 1024]");
        const NAME: &str = <[f32; 3] as ZeroCopySend>::TYPE_NAME;
        assert_eq!(NAME, "[f32; 3]");
    }

    #[cfg(not(iox2_loom))]
    #[test]
    fn atomic_names() {
        assert_eq!(name::<crate::sync::AtomicU32>(), "AtomicU32");
        assert_eq!(name::<[crate::sync::AtomicBool; 2]>(), "[AtomicBool; 2]");
    }
}
