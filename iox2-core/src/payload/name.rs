//! Type names in a fixed buffer: 64 bytes and a length, the form a type
//! descriptor stores in shared memory.

use core::fmt;

use super::{AnyBitPattern, ZeroCopySend};

/// The longest type name, in bytes.
pub const MAX_TYPE_NAME_LEN: usize = 64;

/// Why a type name was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub enum TypeNameError {
    /// The name is empty.
    Empty,
    /// The name is longer than [`MAX_TYPE_NAME_LEN`] bytes.
    TooLong {
        /// The name's length in bytes.
        len: usize,
    },
}

impl fmt::Display for TypeNameError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Empty => write!(f, "the type name is empty"),
            Self::TooLong { len } => write!(
                f,
                "the type name has {len} bytes; at most {MAX_TYPE_NAME_LEN} are allowed"
            ),
        }
    }
}

impl core::error::Error for TypeNameError {}

/// A type name of 1..=[`MAX_TYPE_NAME_LEN`] bytes in a fixed, zero-padded
/// buffer: 64 bytes, then the length as a `u32`.
///
/// A name read from shared memory may have been written by anyone, so
/// nothing here trusts `len` or the bytes: [`TypeName::as_str`] clamps the
/// length and stops at the first byte that is not UTF-8. Two names are equal
/// when their buffers and lengths are.
///
/// ```
/// use iox2_core::payload::{TypeName, TypeNameError};
/// let name = TypeName::new("robot::Frame").unwrap();
/// assert_eq!(name.as_str(), "robot::Frame");
/// assert_eq!(TypeName::new(""), Err(TypeNameError::Empty));
/// ```
#[derive(Clone, Copy, PartialEq, Eq, ZeroCopySend, AnyBitPattern)]
#[repr(C)]
#[type_name("iox2::TypeName")]
pub struct TypeName {
    bytes: [u8; MAX_TYPE_NAME_LEN],
    len: u32,
}

impl TypeName {
    /// Checks `name` and copies it into a buffer.
    pub const fn new(name: &str) -> Result<Self, TypeNameError> {
        if name.is_empty() {
            return Err(TypeNameError::Empty);
        }
        let mut this = Self {
            bytes: [0; MAX_TYPE_NAME_LEN],
            len: 0,
        };
        match this.push(name.as_bytes()) {
            Ok(()) => Ok(this),
            Err(()) => Err(TypeNameError::TooLong { len: name.len() }),
        }
    }

    /// The name's bytes: the first `len` of the buffer (at most all 64).
    pub const fn as_bytes(&self) -> &[u8] {
        let len = if self.len as usize > MAX_TYPE_NAME_LEN {
            MAX_TYPE_NAME_LEN
        } else {
            self.len as usize
        };
        self.bytes.split_at(len).0
    }

    /// The name: its longest valid UTF-8 prefix, which is all of it for a
    /// name made by [`TypeName::new`].
    pub const fn as_str(&self) -> &str {
        utf8_prefix(self.as_bytes())
    }

    /// Whether `self` and `other` are the same bytes (`==`, usable in `const`).
    pub(super) const fn same_as(&self, other: &Self) -> bool {
        if self.len != other.len {
            return false;
        }
        let mut i = 0;
        while i < MAX_TYPE_NAME_LEN {
            if self.bytes[i] != other.bytes[i] {
                return false;
            }
            i += 1;
        }
        true
    }

    /// The buffer and the length, as stored.
    pub(super) const fn raw(&self) -> (&[u8; MAX_TYPE_NAME_LEN], u32) {
        (&self.bytes, self.len)
    }

    /// Appends `bytes`; fails (changing nothing) when they do not fit.
    const fn push(&mut self, bytes: &[u8]) -> Result<(), ()> {
        let start = self.len as usize;
        if bytes.len() > MAX_TYPE_NAME_LEN - start {
            return Err(());
        }
        let mut i = 0;
        while i < bytes.len() {
            self.bytes[start + i] = bytes[i];
            i += 1;
        }
        self.len += bytes.len() as u32;
        Ok(())
    }
}

impl fmt::Debug for TypeName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_tuple("TypeName").field(&self.as_str()).finish()
    }
}

impl fmt::Display for TypeName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

#[cfg(feature = "defmt")]
impl defmt::Format for TypeName {
    fn format(&self, f: defmt::Formatter<'_>) {
        defmt::write!(f, "{=str}", self.as_str());
    }
}

/// The longest valid UTF-8 prefix of `bytes`.
const fn utf8_prefix(bytes: &[u8]) -> &str {
    match core::str::from_utf8(bytes) {
        Ok(text) => text,
        Err(error) => match core::str::from_utf8(bytes.split_at(error.valid_up_to()).0) {
            Ok(prefix) => prefix,
            // Unreachable: the first `valid_up_to` bytes are valid UTF-8.
            Err(_) => "",
        },
    }
}

/// The first [`TypeNameExcerpt::CAPACITY`] bytes of a [`TypeName`] and its
/// full length: what a [`TypeMismatch`](super::TypeMismatch) carries of each
/// name, so that the error stays small (two whole names would make every
/// `Result` that holds it over 128 bytes) yet displays most names whole.
///
/// ```
/// use iox2_core::payload::{TypeName, TypeNameExcerpt};
/// let short = TypeNameExcerpt::new(&TypeName::new("robot::Frame").unwrap());
/// assert_eq!((short.as_str(), short.is_truncated()), ("robot::Frame", false));
/// let long = TypeNameExcerpt::new(&TypeName::new(&"x".repeat(60)).unwrap());
/// assert_eq!((long.as_str().len(), long.full_len()), (TypeNameExcerpt::CAPACITY, 60));
/// assert!(long.to_string().ends_with("x..."));
/// ```
#[derive(Clone, Copy, PartialEq, Eq)]
pub struct TypeNameExcerpt {
    bytes: [u8; TypeNameExcerpt::CAPACITY],
    full_len: u8,
}

impl TypeNameExcerpt {
    /// How many bytes of a name an excerpt keeps.
    pub const CAPACITY: usize = 48;

    /// The excerpt of `name`.
    pub const fn new(name: &TypeName) -> Self {
        let full = name.as_bytes();
        let mut bytes = [0; Self::CAPACITY];
        let mut i = 0;
        while i < full.len() && i < Self::CAPACITY {
            bytes[i] = full[i];
            i += 1;
        }
        // `as_bytes` is at most MAX_TYPE_NAME_LEN (64) bytes long.
        Self {
            bytes,
            full_len: full.len() as u8,
        }
    }

    /// The kept part of the name (its longest valid UTF-8 prefix).
    pub const fn as_str(&self) -> &str {
        let kept = if self.full_len as usize > Self::CAPACITY {
            Self::CAPACITY
        } else {
            self.full_len as usize
        };
        utf8_prefix(self.bytes.split_at(kept).0)
    }

    /// The whole name's length in bytes.
    pub const fn full_len(&self) -> usize {
        self.full_len as usize
    }

    /// Whether the name was longer than the excerpt.
    pub const fn is_truncated(&self) -> bool {
        self.full_len as usize > Self::CAPACITY
    }
}

impl fmt::Debug for TypeNameExcerpt {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TypeNameExcerpt")
            .field("text", &self.as_str())
            .field("full_len", &self.full_len)
            .finish()
    }
}

/// The kept text, then `...` if the name was longer.
impl fmt::Display for TypeNameExcerpt {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())?;
        if self.is_truncated() {
            f.write_str("...")?;
        }
        Ok(())
    }
}

#[cfg(feature = "defmt")]
impl defmt::Format for TypeNameExcerpt {
    fn format(&self, f: defmt::Formatter<'_>) {
        let ellipsis = if self.is_truncated() { "..." } else { "" };
        defmt::write!(f, "{=str}{=str}", self.as_str(), ellipsis);
    }
}

/// Builds a type name from parts at compile time: how arrays and generic
/// types get names like `[u32; 4]` or `robot::Vec3<f32>`. Panics (a compile
/// error in a `const`) when the name outgrows [`MAX_TYPE_NAME_LEN`] bytes.
#[doc(hidden)]
#[derive(Debug, Clone, Copy)]
pub struct NameBuilder {
    name: TypeName,
}

impl NameBuilder {
    /// An empty name.
    pub const fn new() -> Self {
        Self {
            name: TypeName {
                bytes: [0; MAX_TYPE_NAME_LEN],
                len: 0,
            },
        }
    }

    /// Appends `part`.
    pub const fn push_str(mut self, part: &str) -> Self {
        if self.name.push(part.as_bytes()).is_err() {
            panic!("the type name is longer than 64 bytes");
        }
        self
    }

    /// Appends `value` in decimal.
    pub const fn push_unsigned(self, value: u128) -> Self {
        // u128::MAX has 39 digits.
        let mut digits = [0u8; 39];
        let mut at = digits.len();
        let mut rest = value;
        loop {
            at -= 1;
            digits[at] = b'0' + (rest % 10) as u8;
            rest /= 10;
            if rest == 0 {
                break;
            }
        }
        self.push_ascii(digits.split_at(at).1)
    }

    /// Appends `value` in decimal, with a `-` when negative.
    pub const fn push_signed(self, value: i128) -> Self {
        let this = if value < 0 { self.push_str("-") } else { self };
        this.push_unsigned(value.unsigned_abs())
    }

    /// Appends `value` as `true` or `false`.
    pub const fn push_bool(self, value: bool) -> Self {
        self.push_str(if value { "true" } else { "false" })
    }

    /// Appends `value` (UTF-8 encoded).
    pub const fn push_char(self, value: char) -> Self {
        let mut buffer = [0u8; 4];
        self.push_str(value.encode_utf8(&mut buffer))
    }

    /// The name; panics when it is empty.
    pub const fn finish(self) -> TypeName {
        assert!(self.name.len > 0, "the type name is empty");
        self.name
    }

    const fn push_ascii(self, digits: &[u8]) -> Self {
        match core::str::from_utf8(digits) {
            Ok(part) => self.push_str(part),
            Err(_) => panic!("decimal digits are ASCII"),
        }
    }
}

impl Default for NameBuilder {
    fn default() -> Self {
        Self::new()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn new_checks_the_length() {
        assert_eq!(TypeName::new(""), Err(TypeNameError::Empty));
        let long = [b'x'; MAX_TYPE_NAME_LEN + 1];
        let long = core::str::from_utf8(&long).unwrap();
        assert_eq!(
            TypeName::new(long),
            Err(TypeNameError::TooLong {
                len: MAX_TYPE_NAME_LEN + 1
            })
        );
        let full = TypeName::new(&long[..MAX_TYPE_NAME_LEN]).unwrap();
        assert_eq!(full.as_str(), &long[..MAX_TYPE_NAME_LEN]);
        assert_eq!(TypeName::new("a").unwrap().raw().1, 1);
    }

    #[test]
    fn names_are_zero_padded_and_compared_whole() {
        let name = TypeName::new("robot::Frame").unwrap();
        let (bytes, len) = name.raw();
        assert_eq!(len, 12);
        assert!(bytes[12..].iter().all(|&b| b == 0));
        assert!(name.same_as(&TypeName::new("robot::Frame").unwrap()));
        assert!(!name.same_as(&TypeName::new("robot::Frame2").unwrap()));
        assert!(!name.same_as(&TypeName::new("robot::Framf").unwrap()));
    }

    #[test]
    fn garbage_from_a_peer_reads_safely() {
        // A length past the buffer is clamped.
        let mut name = TypeName::new("abc").unwrap();
        name.len = u32::MAX;
        assert_eq!(name.as_bytes().len(), MAX_TYPE_NAME_LEN);
        assert_eq!(name.as_str().len(), MAX_TYPE_NAME_LEN);
        // Invalid UTF-8 ends the string.
        name.bytes[1] = 0xff;
        assert_eq!(name.as_str(), "a");
    }

    #[test]
    fn builder_formats_numbers_and_values() {
        let name = NameBuilder::new()
            .push_str("m::T<")
            .push_unsigned(0)
            .push_str(", ")
            .push_unsigned(4096)
            .push_str(", ")
            .push_signed(-12)
            .push_str(", ")
            .push_bool(true)
            .push_str(", ")
            .push_char('é')
            .push_str(">")
            .finish();
        assert_eq!(name.as_str(), "m::T<0, 4096, -12, true, é>");
        let extremes = NameBuilder::new().push_unsigned(u128::MAX).finish();
        assert_eq!(extremes.as_str(), "340282366920938463463374607431768211455");
        let extremes = NameBuilder::new().push_signed(i128::MIN).finish();
        assert_eq!(extremes.as_str(), "-170141183460469231731687303715884105728");
    }

    #[test]
    #[should_panic(expected = "longer than 64 bytes")]
    fn builder_refuses_long_names() {
        let _ = NameBuilder::new().push_unsigned(u128::MAX).push_unsigned(u128::MAX);
    }

    #[test]
    #[should_panic(expected = "the type name is empty")]
    fn builder_refuses_empty_names() {
        let _ = NameBuilder::new().push_str("").finish();
    }

    #[test]
    fn errors_display() {
        extern crate std;
        use std::string::ToString;
        assert_eq!(TypeNameError::Empty.to_string(), "the type name is empty");
        assert_eq!(
            TypeNameError::TooLong { len: 70 }.to_string(),
            "the type name has 70 bytes; at most 64 are allowed"
        );
    }
}
