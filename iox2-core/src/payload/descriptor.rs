//! The type descriptor: what a service header records about its payload
//! type, in fixed-width integers only, and the check an opener runs on it.

use core::fmt;

use super::fnv::fnv1a32;
use super::name::{MAX_TYPE_NAME_LEN, TypeName, TypeNameError, TypeNameExcerpt};
use super::{AnyBitPattern, ZeroCopySend};

/// Whether a payload is one value of its type or a slice of them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
#[repr(u32)]
pub enum TypeKind {
    /// One value of a fixed size.
    Fixed = 1,
    /// A slice of values; its length is decided per service, not by the type.
    Slice = 2,
}

impl TypeKind {
    /// The kind stored as `raw`, if it is one (0, the all-zero EMPTY
    /// state, is none).
    pub const fn from_raw(raw: u32) -> Option<Self> {
        match raw {
            1 => Some(Self::Fixed),
            2 => Some(Self::Slice),
            _ => None,
        }
    }

    /// The value stored for this kind.
    pub const fn to_raw(self) -> u32 {
        self as u32
    }
}

/// A payload type as a service header records it, and as an opener checks
/// it: name, kind, size and alignment, in fixed-width integers only, so a
/// 32-bit and a 64-bit process (or a C++ one) read the same bytes.
///
/// Layout (`repr(C)`, 88 bytes, 4-aligned, no padding; the same bytes as
/// [`TypeDescriptor::to_bytes`] on a little-endian target):
///
/// | bytes | field |
/// |---|---|
/// | 0..64 | name, zero-padded |
/// | 64..68 | name length |
/// | 68..72 | kind: 1 fixed, 2 slice ([`TypeKind`]) |
/// | 72..76 | size (fixed) or 0 (slice) |
/// | 76..80 | alignment |
/// | 80..84 | element size (slice) or 0 (fixed) |
/// | 84..88 | element alignment (slice) or 0 (fixed) |
///
/// All zero is not a valid descriptor (kind 0), so an uninitialised header
/// never matches. Fields a peer wrote are never trusted: every accessor
/// copes with any bit pattern.
///
/// ```
/// use iox2_core::payload::{TypeDescriptor, TypeKind, TypeMismatch};
/// const SAMPLES: TypeDescriptor = TypeDescriptor::slice_of::<i16>();
/// assert_eq!(SAMPLES.kind(), Some(TypeKind::Slice));
/// assert_eq!((SAMPLES.element_size(), SAMPLES.element_align()), (2, 2));
/// assert_eq!(
///     TypeDescriptor::of::<i16>().check(&SAMPLES),
///     Err(TypeMismatch::Kind { expected: 2, found: 1 })
/// );
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, ZeroCopySend, AnyBitPattern)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
#[repr(C)]
#[type_name("iox2::TypeDescriptor")]
pub struct TypeDescriptor {
    name: TypeName,
    kind: u32,
    size: u32,
    align: u32,
    element_size: u32,
    element_align: u32,
}

const _: () = assert!(core::mem::size_of::<TypeDescriptor>() == TypeDescriptor::ENCODED_LEN);
const _: () = assert!(core::mem::align_of::<TypeDescriptor>() == 4);

impl TypeDescriptor {
    /// The length of [`TypeDescriptor::to_bytes`], and the size of the struct.
    pub const ENCODED_LEN: usize = MAX_TYPE_NAME_LEN + 6 * 4;

    /// The descriptor of one `T`: [`TypeKind::Fixed`], `T`'s name, size and
    /// alignment.
    ///
    /// Evaluated at compile time; a name that is empty or over
    /// [`MAX_TYPE_NAME_LEN`] bytes (possible only with a hand-written
    /// [`ZeroCopySend`] impl), or a size over `u32::MAX`, fails the build.
    pub const fn of<T: ZeroCopySend>() -> Self {
        const {
            let size = core::mem::size_of::<T>();
            let align = core::mem::align_of::<T>();
            Self::build(T::TYPE_NAME, TypeKind::Fixed, size, align, 0, 0)
        }
    }

    /// The descriptor of a slice of `T`: [`TypeKind::Slice`], `T`'s name,
    /// size 0 (a slice's length is a per-service setting), the slice's
    /// alignment (`T`'s), and `T`'s size and alignment as the element's.
    /// Evaluated at compile time, like [`TypeDescriptor::of`].
    pub const fn slice_of<T: ZeroCopySend>() -> Self {
        const {
            let size = core::mem::size_of::<T>();
            let align = core::mem::align_of::<T>();
            Self::build(T::TYPE_NAME, TypeKind::Slice, 0, align, size, align)
        }
    }

    /// The type's name.
    pub const fn name(&self) -> &TypeName {
        &self.name
    }

    /// The kind, if the stored value is a valid one.
    pub const fn kind(&self) -> Option<TypeKind> {
        TypeKind::from_raw(self.kind)
    }

    /// The size in bytes of one value (0 for a slice).
    pub const fn size(&self) -> u32 {
        self.size
    }

    /// The alignment in bytes.
    pub const fn align(&self) -> u32 {
        self.align
    }

    /// A slice element's size in bytes (0 for a fixed type).
    pub const fn element_size(&self) -> u32 {
        self.element_size
    }

    /// A slice element's alignment in bytes (0 for a fixed type).
    pub const fn element_align(&self) -> u32 {
        self.element_align
    }

    /// Checks the descriptor found (`self`, e.g. in a service header another
    /// process wrote) against the one `expected` (the opener's), and names
    /// the first field that differs: name, kind, size, alignment, element
    /// size, element alignment.
    pub const fn check(&self, expected: &TypeDescriptor) -> Result<(), TypeMismatch> {
        let found = self;
        if !found.name.same_as(&expected.name) {
            return Err(TypeMismatch::Name {
                expected: TypeNameExcerpt::new(&expected.name),
                found: TypeNameExcerpt::new(&found.name),
            });
        }
        let pairs = [
            (expected.kind, found.kind),
            (expected.size, found.size),
            (expected.align, found.align),
            (expected.element_size, found.element_size),
            (expected.element_align, found.element_align),
        ];
        let mut i = 0;
        while i < pairs.len() {
            let (expected, found) = pairs[i];
            if expected != found {
                return Err(match i {
                    0 => TypeMismatch::Kind { expected, found },
                    1 => TypeMismatch::Size { expected, found },
                    2 => TypeMismatch::Alignment { expected, found },
                    3 => TypeMismatch::ElementSize { expected, found },
                    _ => TypeMismatch::ElementAlignment { expected, found },
                });
            }
            i += 1;
        }
        Ok(())
    }

    /// The descriptor as bytes: the name buffer, then each `u32` field in
    /// little-endian order (the table above), the same on every target.
    pub const fn to_bytes(&self) -> [u8; Self::ENCODED_LEN] {
        let (name, name_len) = self.name.raw();
        let words = [
            name_len,
            self.kind,
            self.size,
            self.align,
            self.element_size,
            self.element_align,
        ];
        let mut bytes = [0u8; Self::ENCODED_LEN];
        let mut i = 0;
        while i < MAX_TYPE_NAME_LEN {
            bytes[i] = name[i];
            i += 1;
        }
        let mut w = 0;
        while w < words.len() {
            let word = words[w].to_le_bytes();
            let mut b = 0;
            while b < 4 {
                bytes[MAX_TYPE_NAME_LEN + 4 * w + b] = word[b];
                b += 1;
            }
            w += 1;
        }
        bytes
    }

    /// Decodes what [`TypeDescriptor::to_bytes`] wrote, e.g. from a header
    /// another process wrote; `None` unless the bytes are a descriptor iox2
    /// could have written (name length 1..=64, a known kind).
    pub fn from_bytes(bytes: &[u8; Self::ENCODED_LEN]) -> Option<Self> {
        let word = |w: usize| {
            let at = MAX_TYPE_NAME_LEN + 4 * w;
            u32::from_le_bytes([bytes[at], bytes[at + 1], bytes[at + 2], bytes[at + 3]])
        };
        let name_len = word(0) as usize;
        if name_len == 0 || name_len > MAX_TYPE_NAME_LEN {
            return None;
        }
        let name = core::str::from_utf8(&bytes[..name_len]).ok()?;
        let descriptor = Self {
            name: TypeName::new(name).ok()?,
            kind: word(1),
            size: word(2),
            align: word(3),
            element_size: word(4),
            element_align: word(5),
        };
        descriptor.kind()?;
        (descriptor.to_bytes() == *bytes).then_some(descriptor)
    }

    /// A stable 32-bit FNV-1a hash of [`TypeDescriptor::to_bytes`], for
    /// layout hashes: equal descriptors hash equal on every target.
    pub const fn fingerprint(&self) -> u32 {
        fnv1a32(&self.to_bytes())
    }

    const fn build(
        name: &str,
        kind: TypeKind,
        size: usize,
        align: usize,
        element_size: usize,
        element_align: usize,
    ) -> Self {
        let name = match TypeName::new(name) {
            Ok(name) => name,
            Err(TypeNameError::Empty) => panic!("a ZeroCopySend type has an empty TYPE_NAME"),
            Err(TypeNameError::TooLong { .. }) => {
                panic!("a ZeroCopySend type's TYPE_NAME is longer than 64 bytes")
            }
        };
        Self {
            name,
            kind: kind.to_raw(),
            size: to_u32(size),
            align: to_u32(align),
            element_size: to_u32(element_size),
            element_align: to_u32(element_align),
        }
    }
}

/// `value` as a `u32`; a payload of 4 GiB or more fails the build.
const fn to_u32(value: usize) -> u32 {
    assert!(
        value as u64 <= u32::MAX as u64,
        "a payload type must be smaller than 4 GiB"
    );
    value as u32
}

impl fmt::Display for TypeDescriptor {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.kind() {
            Some(TypeKind::Fixed) => write!(f, "`{}` (size {}, alignment {})", self.name, self.size, self.align),
            Some(TypeKind::Slice) => write!(
                f,
                "a slice of `{}` (element size {}, alignment {})",
                self.name, self.element_size, self.element_align
            ),
            None => write!(f, "`{}` (unknown kind {})", self.name, self.kind),
        }
    }
}

/// The first way a descriptor found differs from the one expected. Raw
/// `u32` values, since the found one may hold anything.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub enum TypeMismatch {
    /// Another type name (the names are cut to
    /// [`TypeNameExcerpt::CAPACITY`] bytes).
    Name {
        /// The name the opener expected.
        expected: TypeNameExcerpt,
        /// The name found.
        found: TypeNameExcerpt,
    },
    /// One value where a slice was expected, or the other way around (raw
    /// [`TypeKind`] values).
    Kind {
        /// The kind the opener expected.
        expected: u32,
        /// The kind found.
        found: u32,
    },
    /// Another size in bytes.
    Size {
        /// The size the opener expected.
        expected: u32,
        /// The size found.
        found: u32,
    },
    /// Another alignment in bytes.
    Alignment {
        /// The alignment the opener expected.
        expected: u32,
        /// The alignment found.
        found: u32,
    },
    /// Another slice element size in bytes.
    ElementSize {
        /// The element size the opener expected.
        expected: u32,
        /// The element size found.
        found: u32,
    },
    /// Another slice element alignment in bytes.
    ElementAlignment {
        /// The element alignment the opener expected.
        expected: u32,
        /// The element alignment found.
        found: u32,
    },
}

/// How [`TypeMismatch`]'s `Display` names a raw kind.
const fn kind_name(raw: u32) -> &'static str {
    match TypeKind::from_raw(raw) {
        Some(TypeKind::Fixed) => "a fixed-size type",
        Some(TypeKind::Slice) => "a slice",
        None => "an unknown kind",
    }
}

impl fmt::Display for TypeMismatch {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Name { expected, found } => write!(
                f,
                "the payload type name differs: expected `{expected}`, found `{found}`"
            ),
            Self::Kind { expected, found } => write!(
                f,
                "the payload kind differs: expected {} ({expected}), found {} ({found})",
                kind_name(*expected),
                kind_name(*found)
            ),
            Self::Size { expected, found } => {
                write!(f, "the payload size differs: expected {expected} bytes, found {found}")
            }
            Self::Alignment { expected, found } => write!(
                f,
                "the payload alignment differs: expected {expected} bytes, found {found}"
            ),
            Self::ElementSize { expected, found } => write!(
                f,
                "the payload's slice element size differs: expected {expected} bytes, found {found}"
            ),
            Self::ElementAlignment { expected, found } => write!(
                f,
                "the payload's slice element alignment differs: expected {expected} bytes, found {found}"
            ),
        }
    }
}

impl core::error::Error for TypeMismatch {}

#[cfg(test)]
mod tests {
    extern crate std;

    use std::string::ToString;

    use super::*;

    #[test]
    fn bytes_round_trip_and_garbage_is_refused() {
        let descriptor = TypeDescriptor::of::<[u32; 4]>();
        assert_eq!(TypeDescriptor::from_bytes(&descriptor.to_bytes()), Some(descriptor));
        let mut zero_kind = descriptor.to_bytes();
        zero_kind[MAX_TYPE_NAME_LEN + 4..MAX_TYPE_NAME_LEN + 8].fill(0);
        assert_eq!(TypeDescriptor::from_bytes(&zero_kind), None);
        assert_eq!(TypeDescriptor::from_bytes(&[0; TypeDescriptor::ENCODED_LEN]), None);
        let mut trailing = descriptor.to_bytes();
        trailing[MAX_TYPE_NAME_LEN - 1] = b'x';
        assert_eq!(
            TypeDescriptor::from_bytes(&trailing),
            None,
            "bytes after the name must be zero"
        );
    }

    /// A descriptor with one field changed, as a peer might have written it.
    fn with(mut descriptor: TypeDescriptor, edit: impl FnOnce(&mut TypeDescriptor)) -> TypeDescriptor {
        edit(&mut descriptor);
        descriptor
    }

    #[test]
    fn fixed_and_slice_descriptors() {
        let fixed = TypeDescriptor::of::<[u16; 3]>();
        assert_eq!(fixed.name().as_str(), "[u16; 3]");
        assert_eq!(fixed.kind(), Some(TypeKind::Fixed));
        assert_eq!((fixed.size(), fixed.align()), (6, 2));
        assert_eq!((fixed.element_size(), fixed.element_align()), (0, 0));

        let slice = TypeDescriptor::slice_of::<u64>();
        assert_eq!(slice.name().as_str(), "u64");
        assert_eq!(slice.kind(), Some(TypeKind::Slice));
        assert_eq!(slice.size(), 0);
        let align = core::mem::align_of::<u64>() as u32;
        assert_eq!(
            (slice.align(), slice.element_size(), slice.element_align()),
            (align, 8, align)
        );
    }

    #[test]
    fn equal_descriptors_check_and_hash_equal() {
        let a = TypeDescriptor::of::<u32>();
        assert_eq!(a.check(&TypeDescriptor::of::<u32>()), Ok(()));
        assert_eq!(a.fingerprint(), TypeDescriptor::of::<u32>().fingerprint());
        assert_ne!(a.fingerprint(), TypeDescriptor::of::<i32>().fingerprint());
        assert_ne!(a.fingerprint(), TypeDescriptor::slice_of::<u32>().fingerprint());
        const CHECKED: Result<(), TypeMismatch> = TypeDescriptor::of::<u8>().check(&TypeDescriptor::of::<u8>());
        assert_eq!(CHECKED, Ok(()));
    }

    #[test]
    fn mismatches_name_the_first_field() {
        let expected = TypeDescriptor::of::<u32>();
        assert_eq!(
            TypeDescriptor::of::<i32>().check(&expected),
            Err(TypeMismatch::Name {
                expected: TypeNameExcerpt::new(&TypeName::new("u32").unwrap()),
                found: TypeNameExcerpt::new(&TypeName::new("i32").unwrap())
            })
        );
        type Edit = fn(&mut TypeDescriptor);
        let cases: [(Edit, TypeMismatch); 5] = [
            (|d| d.kind = 2, TypeMismatch::Kind { expected: 1, found: 2 }),
            (|d| d.size = 8, TypeMismatch::Size { expected: 4, found: 8 }),
            (|d| d.align = 8, TypeMismatch::Alignment { expected: 4, found: 8 }),
            (
                |d| d.element_size = 1,
                TypeMismatch::ElementSize { expected: 0, found: 1 },
            ),
            (
                |d| d.element_align = 1,
                TypeMismatch::ElementAlignment { expected: 0, found: 1 },
            ),
        ];
        for (edit, mismatch) in cases {
            assert_eq!(with(expected, edit).check(&expected), Err(mismatch));
        }
        // Name first, even when everything else differs as well.
        let all = with(TypeDescriptor::of::<u64>(), |d| d.kind = 7);
        assert!(matches!(all.check(&expected), Err(TypeMismatch::Name { .. })));
    }

    /// The descriptor a peer wrote as `bytes` (little-endian words).
    fn peer_wrote(bytes: [u8; TypeDescriptor::ENCODED_LEN]) -> TypeDescriptor {
        // SAFETY: TypeDescriptor is AnyBitPattern: 88 bytes of plain
        // integers, each pattern a value, no padding.
        unsafe { core::mem::transmute(bytes) }
    }

    #[test]
    fn garbage_never_matches() {
        let expected = TypeDescriptor::of::<u32>();
        assert_eq!(peer_wrote(expected.to_bytes()).check(&expected), Ok(()));
        // All zero: the EMPTY state.
        let zeroed = peer_wrote([0; TypeDescriptor::ENCODED_LEN]);
        assert_eq!(zeroed.kind(), None);
        assert_eq!(zeroed.name().as_str(), "");
        assert!(matches!(zeroed.check(&expected), Err(TypeMismatch::Name { .. })));
        // A stray byte after the name is another name.
        let mut stray = expected.to_bytes();
        stray[10] = b'x';
        assert!(matches!(
            peer_wrote(stray).check(&expected),
            Err(TypeMismatch::Name { .. })
        ));
        // A length past the buffer reads as the whole buffer.
        let mut long = expected.to_bytes();
        long[64..68].copy_from_slice(&u32::MAX.to_le_bytes());
        assert_eq!(peer_wrote(long).name().as_bytes().len(), MAX_TYPE_NAME_LEN);
        assert!(peer_wrote(long).check(&expected).is_err());
        // An unknown kind.
        let mut kind = expected.to_bytes();
        kind[68] = 0xee;
        assert_eq!(peer_wrote(kind).kind(), None);
        assert_eq!(
            peer_wrote(kind).check(&expected),
            Err(TypeMismatch::Kind {
                expected: 1,
                found: 0xee
            })
        );
        assert_eq!(peer_wrote(kind).to_string(), "`u32` (unknown kind 238)");
    }

    #[test]
    fn bytes_follow_the_documented_layout() {
        let d = TypeDescriptor::slice_of::<u16>();
        let bytes = d.to_bytes();
        assert_eq!(&bytes[..3], b"u16");
        assert!(bytes[3..64].iter().all(|&b| b == 0));
        let word = |i: usize| u32::from_le_bytes(bytes[64 + 4 * i..68 + 4 * i].try_into().unwrap());
        assert_eq!(
            [word(0), word(1), word(2), word(3), word(4), word(5)],
            [3, 2, 0, 2, 2, 2]
        );
        assert_eq!(d.fingerprint(), fnv1a32(&bytes));
        if cfg!(target_endian = "little") {
            // SAFETY: TypeDescriptor is repr(C) plain integers without
            // padding (asserted above), so all of its bytes are initialised.
            let raw: [u8; TypeDescriptor::ENCODED_LEN] = unsafe { core::mem::transmute(d) };
            assert_eq!(raw, bytes);
            assert_eq!(peer_wrote(bytes), d);
        }
    }

    #[test]
    fn messages_name_both_values() {
        let excerpt = |name| TypeNameExcerpt::new(&TypeName::new(name).unwrap());
        let name = TypeMismatch::Name {
            expected: excerpt("robot::Frame"),
            found: excerpt("robot::Pose"),
        };
        assert_eq!(
            name.to_string(),
            "the payload type name differs: expected `robot::Frame`, found `robot::Pose`"
        );
        assert_eq!(
            TypeMismatch::Kind { expected: 1, found: 9 }.to_string(),
            "the payload kind differs: expected a fixed-size type (1), found an unknown kind (9)"
        );
        assert_eq!(
            TypeMismatch::Size {
                expected: 16,
                found: 24
            }
            .to_string(),
            "the payload size differs: expected 16 bytes, found 24"
        );
        assert_eq!(
            TypeMismatch::Alignment { expected: 8, found: 4 }.to_string(),
            "the payload alignment differs: expected 8 bytes, found 4"
        );
        assert!(
            TypeMismatch::ElementSize { expected: 2, found: 4 }
                .to_string()
                .contains("element size")
        );
        assert!(
            TypeMismatch::ElementAlignment { expected: 2, found: 4 }
                .to_string()
                .contains("element alignment")
        );
        assert_eq!(TypeDescriptor::of::<u16>().to_string(), "`u16` (size 2, alignment 2)");
        assert_eq!(
            TypeDescriptor::slice_of::<u8>().to_string(),
            "a slice of `u8` (element size 1, alignment 1)"
        );
        let long = TypeMismatch::Name {
            expected: excerpt("a_crate_with_a_long_name::and_a_deep::module::path::Frame"),
            found: excerpt("u8"),
        };
        assert_eq!(
            long.to_string(),
            "the payload type name differs: expected `a_crate_with_a_long_name::and_a_deep::module::pa...`, found `u8`"
        );
        assert!(size_of::<TypeMismatch>() <= 100);
        let error: &dyn core::error::Error = &name;
        assert!(error.source().is_none());
    }
}
