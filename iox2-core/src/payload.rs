//! Payload types: the contract a type meets so that another process can read
//! it in place, and the descriptor a service stores to make sure both sides
//! mean the same type.
//!
//! - [`ZeroCopySend`] (an unsafe marker trait with a derive): a value's bytes
//!   mean the same in every process that maps them, 32- or 64-bit, Rust or
//!   not. The derive rejects types without `#[repr(C)]` /
//!   `#[repr(transparent)]`, with pointers, references, `usize`/`isize`,
//!   heap types or drop glue.
//! - [`AnyBitPattern`] (unsafe, with a derive): on top of that, every bit
//!   pattern is a valid value and there is no padding. Payloads exchanged
//!   with peers that may write arbitrary bytes must be `AnyBitPattern`
//!   (DESIGN.md INV-DISTRUST).
//! - [`TypeDescriptor`]: a payload's name, size, alignment and kind in
//!   fixed-width integers, stored in a service header; [`TypeDescriptor::check`]
//!   names the first field that differs ([`TypeMismatch`]).
//! - [`TypeName`]: a name of at most [`MAX_TYPE_NAME_LEN`] bytes in a fixed
//!   buffer ([`TypeNameExcerpt`]: the part of one an error carries);
//!   [`Fnv1a32`]: a `const` hash for layout hashes.
//!
//! ```
//! use iox2_core::payload::{AnyBitPattern, TypeDescriptor, ZeroCopySend};
//!
//! #[derive(Debug, Clone, Copy, ZeroCopySend, AnyBitPattern)]
//! #[repr(C)]
//! #[type_name("robot::Reading")]
//! struct Reading {
//!     timestamp_ns: u64,
//!     values: [f32; 4],
//!     channel: u32,
//!     _reserved: u32,
//! }
//!
//! const READING: TypeDescriptor = TypeDescriptor::of::<Reading>();
//! assert_eq!(READING.name().as_str(), "robot::Reading");
//! assert_eq!(READING.size(), 32);
//!
//! // What another process finds in the service header:
//! let found = TypeDescriptor::of::<[u32; 8]>();
//! let mismatch = found.check(&READING).unwrap_err();
//! assert_eq!(
//!     mismatch.to_string(),
//!     "the payload type name differs: expected `robot::Reading`, found `[u32; 8]`"
//! );
//! ```

mod descriptor;
mod fnv;
mod impls;
mod name;

pub use descriptor::{TypeDescriptor, TypeKind, TypeMismatch};
pub use fnv::{Fnv1a32, fnv1a32, fnv1a64};
/// Derives [`AnyBitPattern`](trait@AnyBitPattern); see the trait for what
/// it checks.
pub use iox2_derive::AnyBitPattern;
/// Derives [`ZeroCopySend`](trait@ZeroCopySend); see the trait for what it
/// checks and for the `#[type_name("...")]` attribute.
pub use iox2_derive::ZeroCopySend;
pub use name::{MAX_TYPE_NAME_LEN, TypeName, TypeNameError, TypeNameExcerpt};

/// A type whose values can live in shared memory and be read in place by
/// another process.
///
/// Implement it with `#[derive(ZeroCopySend)]`, which checks most of the
/// contract below at compile time:
///
/// - the type is a struct with `#[repr(C)]` (packing and `align(N)` are
///   allowed) or `#[repr(transparent)]`, or a fieldless enum with an explicit
///   `#[repr(u8 | u16 | u32 | i8 | i16 | i32)]` (64-bit discriminants are
///   refused: their alignment differs between 32- and 64-bit x86);
/// - every field is `ZeroCopySend` (the error points at the field);
/// - the type has no drop glue (a `Drop` impl is a compile error);
/// - type parameters get a `ZeroCopySend` bound; lifetime parameters are
///   refused (a payload cannot borrow); unions are refused (implement the
///   trait by hand, with a `// SAFETY:` note).
///
/// The name defaults to the Rust path, `module::path::Type`;
/// `#[type_name("robot::Frame")]` sets one shared with other languages. A
/// generic type's name gets its arguments appended (`robot::Vec3<f32>`,
/// `robot::Buffer<16>`), so two instances never share a name. A name longer
/// than [`MAX_TYPE_NAME_LEN`] bytes is a compile error.
///
/// Implemented here for the fixed-width integers, `f32`, `f64`, `bool`,
/// `char`, `()`, arrays `[T; N]` of `ZeroCopySend` elements (named like
/// `[u32; 4]`), [`core::num::NonZero`] of the fixed-width integers, and the
/// atomics of [`crate::sync`] that shared memory may hold (`AtomicU32`,
/// `AtomicBool`; an atomic access is sound between processes, and a loom
/// build has none of these impls). Never for `usize`, `isize`, pointers or
/// references.
///
/// # Safety
///
/// Implementing `ZeroCopySend` promises that a value of `Self` written into
/// shared memory by one process is the same valid value when read in place
/// by any other process whose type carries the same [`Self::TYPE_NAME`] —
/// whatever its address space, word width (32 or 64 bits) or language:
///
/// 1. **A defined layout.** `Self` is a primitive listed above, an array of
///    `ZeroCopySend` elements, or a `#[repr(C)]` / `#[repr(transparent)]`
///    type (or a fieldless enum with a fixed-width integer representation)
///    whose fields are all `ZeroCopySend`. The default Rust layout may change
///    from one compilation to the next.
/// 2. **No addresses.** Nothing in `Self` is or contains a pointer, a
///    reference, a function pointer or an owner of heap memory (`Box`,
///    `String`, `Vec`): an address means nothing in another address space.
///    Structure inside a value is expressed with indices or offsets.
/// 3. **No width-dependent types.** No `usize` or `isize` (nor C's `long` or
///    `size_t` on the other side): they are 4 bytes in a 32-bit process and 8
///    in a 64-bit one.
/// 4. **Self-contained.** No handle to anything outside the value (a file
///    descriptor, an index into a process-local table): the reader cannot
///    follow it.
/// 5. **No drop glue.** `core::mem::needs_drop::<Self>()` is `false`. A sample
///    is released by returning its chunk to a pool, possibly by a process that
///    never knew its type, so no destructor ever runs.
/// 6. **Shared memory, shared access.** Interior mutability only through
///    atomics; no `Cell`/`UnsafeCell` field, whose plain writes would race
///    with another process's reads.
/// 7. **One name, one layout.** Every type, in any process or language,
///    that carries the same [`Self::TYPE_NAME`] has the same size,
///    alignment, field offsets and field meanings. At run time only the name,
///    size and alignment are compared ([`TypeDescriptor::check`]); field
///    offsets are this promise. The name is 1..=[`MAX_TYPE_NAME_LEN`] bytes.
///
/// A reader trusts its writers to store valid values (a `bool` holding 0 or
/// 1, a `char` holding a Unicode scalar value). Where a peer may write any
/// bytes at all, require [`AnyBitPattern`] as well.
///
/// Note for payloads shared between 32- and 64-bit processes: `u64` and `f64`
/// are 4-aligned on 32-bit x86 and `u128` is 8-aligned on 32-bit Arm, so a
/// struct's field offsets can differ between the two. Most such differences
/// change the struct's size or alignment and are caught by the descriptor
/// check; an explicit `#[repr(align(N))]` can hide them. Order fields from
/// the largest alignment to the smallest, or pad explicitly.
#[diagnostic::on_unimplemented(
    message = "`{Self}` cannot be shared between processes: it is not `ZeroCopySend`",
    label = "not `ZeroCopySend`",
    note = "pointers, references, `usize`/`isize` and heap types (`String`, `Box`, `Vec`) are never `ZeroCopySend`: use fixed-width integers, arrays and indices",
    note = "a type of your own becomes `ZeroCopySend` with `#[repr(C)]` and `#[derive(ZeroCopySend)]`"
)]
pub unsafe trait ZeroCopySend: Sized {
    /// The name every process, in any language, uses for this type: it is
    /// stored in the service's [`TypeDescriptor`] and compared on open.
    /// 1..=[`MAX_TYPE_NAME_LEN`] bytes.
    const TYPE_NAME: &'static str;
}

/// A [`ZeroCopySend`] type for which every bit pattern is a valid value:
/// what a reader needs when a peer may write arbitrary bytes (DESIGN.md
/// INV-DISTRUST: a corrupt payload is then wrong data, never undefined
/// behaviour).
///
/// Implemented here for the fixed-width integers, `f32`, `f64`, `()`,
/// arrays of `AnyBitPattern` elements and `AtomicU32`; not for `bool`,
/// `char`, `NonZero*` or `AtomicBool`, which have invalid bit patterns.
///
/// `#[derive(AnyBitPattern)]` (beside `#[derive(ZeroCopySend)]`) accepts a
/// `#[repr(C)]` or `#[repr(transparent)]` struct whose fields are all
/// `AnyBitPattern` and checks at compile time that its size is the sum of
/// its fields' sizes (no padding). Enums and unions are refused. A generic
/// struct is accepted only with `#[repr(transparent)]`: a generic
/// `repr(C)` struct's padding depends on its arguments, which the derive
/// cannot see.
///
/// # Safety
///
/// On top of the [`ZeroCopySend`] contract:
///
/// 1. every pattern of `size_of::<Self>()` bytes is a valid value of `Self`
///    (no `bool`, `char`, enum, `NonZero*` or reference inside it);
/// 2. `Self` has no padding bytes: padding is uninitialised memory, which a
///    copy of the value's bytes (a checksum, a forwarding gateway) must never
///    read.
#[diagnostic::on_unimplemented(
    message = "`{Self}` is not valid for every bit pattern: it is not `AnyBitPattern`",
    label = "not `AnyBitPattern`",
    note = "`bool`, `char`, enums, `NonZero*` and types with padding have bit patterns that are not valid values"
)]
pub unsafe trait AnyBitPattern: ZeroCopySend {}

/// What the derives' generated code calls. Not part of the API.
#[doc(hidden)]
pub mod __private {
    pub use super::name::NameBuilder;
    use super::{AnyBitPattern, MAX_TYPE_NAME_LEN, ZeroCopySend};

    /// Compiles only when `T` is `ZeroCopySend`: called once per field, with
    /// the field's span, so the error points at the field.
    pub const fn assert_zero_copy_send<T: ZeroCopySend>() {}

    /// Compiles only when `T` is `AnyBitPattern` (see above).
    pub const fn assert_any_bit_pattern<T: AnyBitPattern>() {}

    /// `name`, after checking its length at compile time.
    pub const fn checked_type_name(name: &'static str) -> &'static str {
        assert!(
            !name.is_empty() && name.len() <= MAX_TYPE_NAME_LEN,
            "the type name is longer than 64 bytes: set a shorter one with #[type_name(\"...\")]"
        );
        name
    }
}
