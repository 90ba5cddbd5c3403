//! The atomics, cells and hints the core uses, all from one place.
//!
//! Re-exports [`iox2_platform::sync`] (which switches to loom under
//! `--cfg iox2_loom`) and adds [`CachePadded`], so producer-written and
//! consumer-written words never share a cache line.

pub use iox2_platform::sync::*;

/// The cache-line size the core pads to, in bytes.
///
/// 128 on x86/x86_64 and aarch64 (their prefetchers pull lines in pairs; see
/// crossbeam's `CachePadded` notes and Intel's optimization manual §3.7.3),
/// 32 on 32-bit microcontroller targets (Cortex-M7 and RISC-V cores with
/// caches use 32-byte lines; others have no cache and save RAM), 64
/// elsewhere. Part of every shared layout's hash, so two processes that
/// disagree cannot open each other's segments.
pub const CACHE_LINE: usize = if cfg!(any(
    target_arch = "x86_64",
    target_arch = "x86",
    target_arch = "aarch64"
)) {
    128
} else if cfg!(any(target_arch = "arm", target_arch = "riscv32")) {
    32
} else {
    64
};

/// Pads and aligns a value to [`CACHE_LINE`] bytes, so that words written by
/// different sides of a structure never share a line (false sharing would
/// move the line between cores on every write of either side).
#[derive(Debug, Default)]
#[cfg_attr(
    any(target_arch = "x86_64", target_arch = "x86", target_arch = "aarch64"),
    repr(C, align(128))
)]
#[cfg_attr(any(target_arch = "arm", target_arch = "riscv32"), repr(C, align(32)))]
#[cfg_attr(
    not(any(
        target_arch = "x86_64",
        target_arch = "x86",
        target_arch = "aarch64",
        target_arch = "arm",
        target_arch = "riscv32"
    )),
    repr(C, align(64))
)]
pub struct CachePadded<T> {
    value: T,
}

impl<T> CachePadded<T> {
    /// Wraps `value`.
    pub const fn new(value: T) -> Self {
        Self { value }
    }
}

impl<T> core::ops::Deref for CachePadded<T> {
    type Target = T;

    fn deref(&self) -> &T {
        &self.value
    }
}

const _: () = assert!(core::mem::align_of::<CachePadded<u8>>() == CACHE_LINE);

/// Defines a function that is `const` in real builds and plain under loom
/// (whose atomics have no `const` constructors), from one body.
macro_rules! loom_const_fn {
    ($(#[$attr:meta])* $vis:vis fn $name:ident $($rest:tt)*) => {
        #[cfg(not(iox2_loom))]
        $(#[$attr])* $vis const fn $name $($rest)*
        #[cfg(iox2_loom)]
        $(#[$attr])* $vis fn $name $($rest)*
    };
}
pub(crate) use loom_const_fn;

loom_const_fn! {
    /// An array of `N` atomic words, all zero.
    pub(crate) fn zeroed_words<const N: usize>() -> [AtomicU32; N] {
        #[cfg(not(iox2_loom))]
        {
            [const { atomic_u32(0) }; N]
        }
        #[cfg(iox2_loom)]
        {
            core::array::from_fn(|_| atomic_u32(0))
        }
    }
}
