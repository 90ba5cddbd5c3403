//! What a publish-subscribe service carries: one value of a
//! `ZeroCopySend` type `T`, or a slice `[T]` of up to the service's
//! `max_slice_len` elements.

use core::ptr::NonNull;
use iox2_core::payload::{TypeDescriptor, ZeroCopySend};

mod sealed {
    pub trait Sealed {}
    impl<T: iox2_core::payload::ZeroCopySend> Sealed for T {}
    impl<T: iox2_core::payload::ZeroCopySend> Sealed for [T] {}
}

/// A payload type: `T` or `[T]` for a `T: ZeroCopySend`. Sealed.
pub trait Payload: sealed::Sealed {
    /// Whether the payload is a slice (its length varies per sample).
    const IS_SLICE: bool;
    /// Bytes of one element (of the value itself, for a single value).
    const ELEMENT_SIZE: usize;
    /// Alignment of the payload.
    const ALIGN: usize;

    /// The descriptor recorded in the service header.
    fn descriptor() -> TypeDescriptor;

    /// A pointer to a payload of `len` elements at `ptr` (`len` is ignored
    /// for a single value).
    fn at(ptr: NonNull<u8>, len: usize) -> NonNull<Self>;
}

impl<T: ZeroCopySend> Payload for T {
    const IS_SLICE: bool = false;
    const ELEMENT_SIZE: usize = core::mem::size_of::<T>();
    const ALIGN: usize = core::mem::align_of::<T>();

    fn descriptor() -> TypeDescriptor {
        TypeDescriptor::of::<T>()
    }

    fn at(ptr: NonNull<u8>, _len: usize) -> NonNull<Self> {
        ptr.cast()
    }
}

impl<T: ZeroCopySend> Payload for [T] {
    const IS_SLICE: bool = true;
    const ELEMENT_SIZE: usize = core::mem::size_of::<T>();
    const ALIGN: usize = core::mem::align_of::<T>();

    fn descriptor() -> TypeDescriptor {
        TypeDescriptor::slice_of::<T>()
    }

    fn at(ptr: NonNull<u8>, len: usize) -> NonNull<Self> {
        NonNull::slice_from_raw_parts(ptr.cast::<T>(), len)
    }
}
