//! Service names: what users call a service, checked, and the region names
//! derived from them.
//!
//! A service name is 1..=255 bytes of `[A-Za-z0-9._-]` in segments separated
//! by single `/` (`robot/camera/frames`), not starting or ending with `/`.
//! Region names cannot hold `/` and are short on some platforms, so every
//! segment of a service is named after a 64-bit FNV-1a hash of the service
//! name (`iox2_<16 hex digits>_<suffix>`); the full name is stored in the
//! service header and compared on open, so a hash collision is a typed
//! error, never a wrong service.

use crate::payload::fnv1a64;
use core::fmt;

/// The longest service name, in bytes.
pub const MAX_SERVICE_NAME_LEN: usize = 255;

/// Why a service name was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub enum ServiceNameError {
    /// The name is empty.
    Empty,
    /// The name is longer than [`MAX_SERVICE_NAME_LEN`] bytes.
    TooLong {
        /// The name's length in bytes.
        len: usize,
    },
    /// A byte outside `[A-Za-z0-9._-/]`.
    ForbiddenCharacter {
        /// Byte offset of the character.
        at: usize,
    },
    /// A leading or trailing `/`, or two in a row.
    EmptySegment {
        /// Byte offset of the empty segment.
        at: usize,
    },
}

impl fmt::Display for ServiceNameError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Empty => write!(f, "the service name is empty"),
            Self::TooLong { len } => {
                write!(
                    f,
                    "the service name has {len} bytes; at most {MAX_SERVICE_NAME_LEN} are allowed"
                )
            }
            Self::ForbiddenCharacter { at } => write!(
                f,
                "the service name has a forbidden character at byte {at} (allowed: A-Z a-z 0-9 . _ - /)"
            ),
            Self::EmptySegment { at } => {
                write!(
                    f,
                    "the service name has an empty segment at byte {at} (leading, trailing or double '/')"
                )
            }
        }
    }
}

impl core::error::Error for ServiceNameError {}

/// A checked service name.
///
/// ```
/// use iox2_core::service::ServiceName;
/// let name = ServiceName::new("robot/camera/frames").unwrap();
/// assert_eq!(name.as_str(), "robot/camera/frames");
/// assert!(ServiceName::new("robot//camera").is_err());
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct ServiceName<'a> {
    name: &'a str,
}

impl<'a> ServiceName<'a> {
    /// Checks `name`.
    pub const fn new(name: &'a str) -> Result<Self, ServiceNameError> {
        let bytes = name.as_bytes();
        if bytes.is_empty() {
            return Err(ServiceNameError::Empty);
        }
        if bytes.len() > MAX_SERVICE_NAME_LEN {
            return Err(ServiceNameError::TooLong { len: bytes.len() });
        }
        let mut at = 0;
        let mut segment_start = true;
        while at < bytes.len() {
            let b = bytes[at];
            if b == b'/' {
                if segment_start {
                    return Err(ServiceNameError::EmptySegment { at });
                }
                segment_start = true;
            } else if b.is_ascii_alphanumeric() || b == b'.' || b == b'_' || b == b'-' {
                segment_start = false;
            } else {
                return Err(ServiceNameError::ForbiddenCharacter { at });
            }
            at += 1;
        }
        if segment_start {
            return Err(ServiceNameError::EmptySegment { at: bytes.len() });
        }
        Ok(Self { name })
    }

    /// The name.
    pub const fn as_str(&self) -> &'a str {
        self.name
    }

    /// The 64-bit FNV-1a hash of the name: the stem of its region names.
    pub const fn hash(&self) -> u64 {
        fnv1a64(self.name.as_bytes())
    }

    /// The name of one of the service's regions: `iox2_<hash>_<suffix>`,
    /// written into `buffer`; `suffix` is `[A-Za-z0-9._-]` chosen by the
    /// caller (e.g. `ctl`, `p3.17`).
    pub fn region_name<'b>(&self, suffix: &str, buffer: &'b mut RegionNameBuffer) -> &'b str {
        buffer.write(self.hash(), suffix)
    }
}

/// Room for a region name: `iox2_` + 16 hex digits + `_` + a suffix of up
/// to [`RegionNameBuffer::MAX_SUFFIX`] bytes.
#[derive(Debug, Clone)]
pub struct RegionNameBuffer {
    bytes: [u8; 22 + Self::MAX_SUFFIX],
    len: usize,
}

impl Default for RegionNameBuffer {
    fn default() -> Self {
        Self::new()
    }
}

impl RegionNameBuffer {
    /// The longest suffix; longer ones are cut.
    pub const MAX_SUFFIX: usize = 32;

    /// An empty buffer.
    pub const fn new() -> Self {
        Self {
            bytes: [0; 22 + Self::MAX_SUFFIX],
            len: 0,
        }
    }

    fn write(&mut self, hash: u64, suffix: &str) -> &str {
        const HEX: &[u8; 16] = b"0123456789abcdef";
        self.bytes[..5].copy_from_slice(b"iox2_");
        for (i, byte) in self.bytes[5..21].iter_mut().enumerate() {
            *byte = HEX[((hash >> (60 - 4 * i)) & 0xf) as usize];
        }
        self.bytes[21] = b'_';
        let mut len = 22;
        for &b in suffix.as_bytes().iter().take(Self::MAX_SUFFIX) {
            // Only name-safe bytes; anything else becomes '-'.
            let safe = b.is_ascii_alphanumeric() || b == b'.' || b == b'_' || b == b'-';
            self.bytes[len] = if safe { b } else { b'-' };
            len += 1;
        }
        self.len = len;
        // Every byte written above is ASCII.
        core::str::from_utf8(&self.bytes[..self.len]).unwrap_or("")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn valid_and_invalid_names() {
        assert!(ServiceName::new("a").is_ok());
        assert!(ServiceName::new("robot/camera-1/frames_v2.0").is_ok());
        assert_eq!(ServiceName::new(""), Err(ServiceNameError::Empty));
        assert_eq!(ServiceName::new("/a"), Err(ServiceNameError::EmptySegment { at: 0 }));
        assert_eq!(ServiceName::new("a/"), Err(ServiceNameError::EmptySegment { at: 2 }));
        assert_eq!(
            ServiceName::new("a b"),
            Err(ServiceNameError::ForbiddenCharacter { at: 1 })
        );
        let long = [b'x'; 256];
        let long = core::str::from_utf8(&long).unwrap();
        assert_eq!(ServiceName::new(long), Err(ServiceNameError::TooLong { len: 256 }));
        assert!(ServiceName::new(&long[..255]).is_ok());
    }

    #[test]
    fn region_names_are_stable_and_safe() {
        let name = ServiceName::new("robot/camera").unwrap();
        let mut buffer = RegionNameBuffer::new();
        let region = name.region_name("p3.7", &mut buffer);
        assert_eq!(region.len(), 22 + 4);
        assert!(region.starts_with("iox2_") && region.ends_with("_p3.7"));
        assert!(
            region[5..21]
                .bytes()
                .all(|b| b.is_ascii_hexdigit() && !b.is_ascii_uppercase())
        );
        assert_eq!(u64::from_str_radix(&region[5..21], 16), Ok(name.hash()));
        let mut odd = RegionNameBuffer::new();
        assert_eq!(name.region_name("a/b c", &mut odd).rsplit('_').next(), Some("a-b-c"));
        let mut other = RegionNameBuffer::new();
        assert_ne!(
            ServiceName::new("robot/camerb")
                .unwrap()
                .region_name("p3.7", &mut other),
            region
        );
    }
}
