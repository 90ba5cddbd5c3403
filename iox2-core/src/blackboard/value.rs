//! [`EntryValue`]: the types a blackboard entry can hold. A value crosses
//! shared memory as 32-bit atomic words (so a reader racing the writer
//! never performs a data race), which is sound only for types whose every
//! byte is initialised: no padding.

use crate::payload::{AnyBitPattern, ZeroCopySend};
use core::num::NonZero;

/// A type a blackboard entry can hold: a [`ZeroCopySend`] `Copy` value
/// whose every byte is initialised (no padding).
///
/// The writer reads a value's bytes as integers to store them as atomic
/// words, and readers copy the words back; padding bytes are
/// uninitialised memory, which must never be read as integers. Every
/// [`AnyBitPattern`] type qualifies (it has no padding), and so do `bool`,
/// `char`, the `NonZero` integers and arrays of them. A `#[repr(C)]`
/// struct of such fields that has no padding may implement it by hand:
///
/// ```
/// use iox2_core::blackboard::EntryValue;
/// use iox2_core::payload::ZeroCopySend;
///
/// #[derive(Debug, Clone, Copy, ZeroCopySend)]
/// #[repr(C)]
/// struct Mode {
///     level: u16,
///     armed: bool,
///     enabled: bool,
/// }
///
/// // SAFETY: 2 + 1 + 1 bytes, alignment 2: no padding.
/// unsafe impl EntryValue for Mode {}
/// # const _: () = assert!(core::mem::size_of::<Mode>() == 4);
/// ```
///
/// # Safety
/// `Self` has no padding or other uninitialised bytes: all
/// `size_of::<Self>()` bytes of every value are initialised.
pub unsafe trait EntryValue: ZeroCopySend + Copy {}

// SAFETY: `AnyBitPattern` promises no padding (its rule 2), so every byte
// of a value is initialised.
unsafe impl<T: AnyBitPattern + Copy> EntryValue for T {}

/// `EntryValue` for primitives that have invalid bit patterns but no
/// padding, and for arrays of them.
macro_rules! entry_value {
    ($($ty:ty),* $(,)?) => {$(
        // SAFETY: a primitive: every byte of a value is initialised.
        unsafe impl EntryValue for $ty {}
        // SAFETY: an array has no padding between its elements, which
        // have none themselves.
        unsafe impl<const N: usize> EntryValue for [$ty; N] {}
    )*};
}

entry_value! {
    bool, char,
    NonZero<u8>, NonZero<u16>, NonZero<u32>, NonZero<u64>, NonZero<u128>,
    NonZero<i8>, NonZero<i16>, NonZero<i32>, NonZero<i64>, NonZero<i128>,
}
