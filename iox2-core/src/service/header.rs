//! The header of every service's control segment, whatever its pattern:
//! what a creator writes (READY last) and what every opener checks before
//! it trusts a single other word.
//!
//! Word indices (all `u32`):
//! ```text
//! 0 magic "IOX2"   1 ABI version   2 layout hash   3 state (EMPTY/INIT/READY/DEAD)
//! 4 pattern        5 segment len   6 topology generation   7 stamp requests
//! 8..17  settings (the pattern's `Settings`, 9 words)
//! 17     service name length   18..82 service name (256 bytes)
//! 82..104  payload type descriptor (88 bytes)
//! 104..126 user header type descriptor (88 bytes)
//! ```

use super::settings::{Pattern, QosError, SETTINGS_WORDS, Settings};
use super::{MAX_SERVICE_NAME_LEN, ServiceName};
use crate::payload::{TypeDescriptor, TypeMismatch};
use crate::segment::Segment;
use crate::sync::{AtomicU32, Ordering};
use core::fmt;

/// `b"IOX2"` read as a little-endian word.
pub const MAGIC: u32 = u32::from_le_bytes(*b"IOX2");
/// The version of this layout; bumped on any change of the segments.
pub const ABI_VERSION: u32 = 2;

const MAGIC_WORD: usize = 0;
const ABI_WORD: usize = 1;
const HASH_WORD: usize = 2;
const STATE_WORD: usize = 3;
const PATTERN_WORD: usize = 4;
const LEN_WORD: usize = 5;
const TOPOLOGY_WORD: usize = 6;
const STAMP_REQUESTS_WORD: usize = 7;
const SETTINGS_WORD: usize = 8;
const NAME_LEN_WORD: usize = SETTINGS_WORD + SETTINGS_WORDS;
const NAME_WORD: usize = NAME_LEN_WORD + 1;
const NAME_WORDS: usize = 64;
const PAYLOAD_WORD: usize = NAME_WORD + NAME_WORDS;
const DESCRIPTOR_WORDS: usize = TypeDescriptor::ENCODED_LEN / 4;
const USER_HEADER_WORD: usize = PAYLOAD_WORD + DESCRIPTOR_WORDS;
/// Words in the header.
pub(crate) const HEADER_WORDS: usize = USER_HEADER_WORD + DESCRIPTOR_WORDS;
/// Bytes of the header: a control region shorter than this has none.
pub const HEADER_LEN: usize = HEADER_WORDS * 4;
/// Room for a stored service name (see [`Header::service_name`]).
pub const SERVICE_NAME_ROOM: usize = NAME_WORDS * 4;

const _: () = assert!(NAME_WORDS * 4 > MAX_SERVICE_NAME_LEN);
const _: () = assert!(TypeDescriptor::ENCODED_LEN.is_multiple_of(4));

/// The life of a control segment.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub enum SegmentState {
    /// All zero: nothing written yet.
    Empty,
    /// Its creator is writing it.
    Init,
    /// Complete; open for use.
    Ready,
    /// Being removed: nobody may attach any more.
    Dead,
    /// A value no iox2 writes.
    Invalid(u32),
}

impl SegmentState {
    const fn from_raw(raw: u32) -> Self {
        match raw {
            0 => Self::Empty,
            1 => Self::Init,
            2 => Self::Ready,
            3 => Self::Dead,
            other => Self::Invalid(other),
        }
    }
}

/// Why an existing service could not be opened: the first thing that did
/// not match, and the values on both sides.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub enum ServiceOpenError {
    /// The segment is not ready (being created, removed, or abandoned).
    NotReady(SegmentState),
    /// Not an iox2 segment.
    WrongMagic {
        /// The word found.
        found: u32,
    },
    /// Written by another version of iox2.
    AbiVersion {
        /// This build's version.
        expected: u32,
        /// The segment's version.
        found: u32,
    },
    /// Another messaging pattern.
    Pattern {
        /// The pattern asked for.
        expected: u32,
        /// The segment's pattern.
        found: u32,
    },
    /// Another service whose name hashes alike.
    NameMismatch,
    /// The stored settings are invalid (corrupted).
    CorruptedQos(QosError),
    /// The segment's layout (cache-line size, settings, types, backend)
    /// differs from what this process computes.
    LayoutHash {
        /// This process's hash.
        expected: u32,
        /// The segment's hash.
        found: u32,
    },
    /// The segment is shorter than its layout.
    TooShort {
        /// Bytes the layout needs.
        required: usize,
        /// Bytes the segment has.
        available: usize,
    },
    /// The payload type differs.
    Payload(TypeMismatch),
    /// The user header type differs.
    UserHeader(TypeMismatch),
    /// A stored type descriptor is not one iox2 writes.
    CorruptedTypeDescriptor,
}

impl fmt::Display for ServiceOpenError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::NotReady(state) => write!(f, "the service segment is not ready (state {state:?})"),
            Self::WrongMagic { found } => write!(f, "not an iox2 segment (magic {found:#010x})"),
            Self::AbiVersion { expected, found } => {
                write!(f, "segment ABI version {found}, this build speaks {expected}")
            }
            Self::Pattern { expected, found } => write!(f, "the service has pattern {found}, expected {expected}"),
            Self::NameMismatch => write!(f, "the segment belongs to another service (hash collision)"),
            Self::CorruptedQos(e) => write!(f, "the stored settings are invalid: {e}"),
            Self::LayoutHash { expected, found } => {
                write!(
                    f,
                    "layout hash {found:#010x} differs from this process's {expected:#010x}"
                )
            }
            Self::TooShort { required, available } => {
                write!(f, "the segment has {available} bytes, its layout needs {required}")
            }
            Self::Payload(e) => write!(f, "payload type mismatch: {e}"),
            Self::UserHeader(e) => write!(f, "user header type mismatch: {e}"),
            Self::CorruptedTypeDescriptor => write!(f, "a stored type descriptor is corrupted"),
        }
    }
}

impl core::error::Error for ServiceOpenError {}

/// What a service's header records, as a creator writes it and an opener
/// expects it.
#[derive(Debug, Clone, Copy)]
pub struct HeaderContent<'a, S> {
    /// The service's name.
    pub name: ServiceName<'a>,
    /// The settings (which name the pattern).
    pub settings: S,
    /// The payload type.
    pub payload: TypeDescriptor,
    /// The user header type (`()` for none).
    pub user_header: TypeDescriptor,
    /// The layout hash this process computes.
    pub layout_hash: u32,
    /// The segment length this process computes.
    pub len: usize,
}

/// The header of a control segment.
#[derive(Debug, Clone, Copy)]
pub struct Header<'a> {
    segment: Segment<'a>,
}

impl<'a> Header<'a> {
    /// The header at the start of `segment` (which holds at least the header).
    #[inline]
    pub fn new(segment: Segment<'a>) -> Self {
        Self { segment }
    }

    #[inline]
    fn word(&self, index: usize) -> &'a AtomicU32 {
        self.segment.word(index * 4)
    }

    /// The segment's state.
    pub fn state(&self) -> SegmentState {
        // SYNC: Acquire pairs with the creator's Release of READY.
        SegmentState::from_raw(self.word(STATE_WORD).load(Ordering::Acquire))
    }

    /// The topology generation: bumped whenever a port or node comes or goes.
    #[inline]
    pub fn topology(&self) -> &'a AtomicU32 {
        self.word(TOPOLOGY_WORD)
    }

    /// How many receivers asked senders to stamp each chunk with its send
    /// time (tools measuring latency); RMW-counted up and down by them.
    #[inline]
    pub fn stamp_requests(&self) -> &'a AtomicU32 {
        self.word(STAMP_REQUESTS_WORD)
    }

    /// Writes a complete header in a fresh segment, storing READY last
    /// (INV-READYLAST).
    pub fn write<S: Settings>(&self, content: &HeaderContent<'_, S>) {
        self.word(STATE_WORD).store(1, Ordering::Relaxed);
        self.word(MAGIC_WORD).store(MAGIC, Ordering::Relaxed);
        self.word(ABI_WORD).store(ABI_VERSION, Ordering::Relaxed);
        self.word(HASH_WORD).store(content.layout_hash, Ordering::Relaxed);
        self.word(PATTERN_WORD).store(S::PATTERN.to_raw(), Ordering::Relaxed);
        self.word(LEN_WORD).store(content.len as u32, Ordering::Relaxed);
        for (i, value) in content.settings.to_words().iter().enumerate() {
            self.word(SETTINGS_WORD + i).store(*value, Ordering::Relaxed);
        }
        self.write_bytes(NAME_LEN_WORD, NAME_WORDS, content.name.as_str().as_bytes());
        self.store_descriptor(PAYLOAD_WORD, &content.payload);
        self.store_descriptor(USER_HEADER_WORD, &content.user_header);
        // SYNC: Release publishes everything above (and the segment the
        // creator wrote before calling this) to openers' Acquire of `state`.
        self.word(STATE_WORD).store(2, Ordering::Release);
    }

    /// Marks the segment DEAD if it is READY; true if this call did it.
    pub fn mark_dead<R: iox2_platform::Rmw>(&self) -> bool {
        R::compare_exchange(self.word(STATE_WORD), 2, 3, Ordering::AcqRel, Ordering::Acquire).is_ok()
    }

    /// The pattern a header names, if iox2 writes it (the header is not
    /// checked otherwise: for tools that list services of every pattern).
    pub fn pattern(&self) -> Option<Pattern> {
        Pattern::from_raw(self.word(PATTERN_WORD).load(Ordering::Relaxed))
    }

    /// The settings stored in a READY segment of pattern `S::PATTERN` (checked).
    pub fn settings<S: Settings>(&self) -> Result<S, ServiceOpenError> {
        self.check_identity(S::PATTERN)?;
        let mut words = [0u32; SETTINGS_WORDS];
        for (i, word) in words.iter_mut().enumerate() {
            *word = self.word(SETTINGS_WORD + i).load(Ordering::Relaxed);
        }
        let settings = S::from_words(words);
        settings.check().map_err(ServiceOpenError::CorruptedQos)?;
        Ok(settings)
    }

    /// The service name stored in the header, read into `buffer`. Written
    /// by another process: a corrupted length is clamped and invalid UTF-8
    /// cut at its first bad byte.
    pub fn service_name<'b>(&self, buffer: &'b mut [u8; SERVICE_NAME_ROOM]) -> &'b str {
        let bytes = self.read_bytes(NAME_LEN_WORD, NAME_WORDS, buffer);
        match core::str::from_utf8(bytes) {
            Ok(name) => name,
            // The prefix up to the first bad byte is valid UTF-8.
            Err(e) => core::str::from_utf8(&bytes[..e.valid_up_to()]).unwrap_or_default(),
        }
    }

    /// The stored payload type descriptor.
    pub fn payload(&self) -> Result<TypeDescriptor, ServiceOpenError> {
        self.load_descriptor(PAYLOAD_WORD)
    }

    /// The stored user header type descriptor.
    pub fn user_header(&self) -> Result<TypeDescriptor, ServiceOpenError> {
        self.load_descriptor(USER_HEADER_WORD)
    }

    /// Checks state, magic, ABI version and pattern.
    fn check_identity(&self, pattern: Pattern) -> Result<(), ServiceOpenError> {
        let state = self.state();
        if state != SegmentState::Ready {
            return Err(ServiceOpenError::NotReady(state));
        }
        let found = self.word(MAGIC_WORD).load(Ordering::Relaxed);
        if found != MAGIC {
            return Err(ServiceOpenError::WrongMagic { found });
        }
        let found = self.word(ABI_WORD).load(Ordering::Relaxed);
        if found != ABI_VERSION {
            return Err(ServiceOpenError::AbiVersion {
                expected: ABI_VERSION,
                found,
            });
        }
        let found = self.word(PATTERN_WORD).load(Ordering::Relaxed);
        if found != pattern.to_raw() {
            return Err(ServiceOpenError::Pattern {
                expected: pattern.to_raw(),
                found,
            });
        }
        Ok(())
    }

    /// Checks the whole header against what this process expects, naming
    /// the first difference.
    pub fn check<S: Settings>(&self, expected: &HeaderContent<'_, S>) -> Result<(), ServiceOpenError> {
        self.check_identity(S::PATTERN)?;
        let mut name = [0u8; NAME_WORDS * 4];
        let stored = self.read_bytes(NAME_LEN_WORD, NAME_WORDS, &mut name);
        if stored != expected.name.as_str().as_bytes() {
            return Err(ServiceOpenError::NameMismatch);
        }
        self.settings::<S>()?;
        self.payload()?
            .check(&expected.payload)
            .map_err(ServiceOpenError::Payload)?;
        self.user_header()?
            .check(&expected.user_header)
            .map_err(ServiceOpenError::UserHeader)?;
        let found = self.word(HASH_WORD).load(Ordering::Relaxed);
        if found != expected.layout_hash {
            return Err(ServiceOpenError::LayoutHash {
                expected: expected.layout_hash,
                found,
            });
        }
        let stored_len = self.word(LEN_WORD).load(Ordering::Relaxed) as usize;
        if stored_len != expected.len || self.segment.len() < expected.len {
            return Err(ServiceOpenError::TooShort {
                required: expected.len,
                available: self.segment.len(),
            });
        }
        Ok(())
    }

    /// Stores `bytes` as a length word at `len_word` and `words` words after it.
    fn write_bytes(&self, len_word: usize, words: usize, bytes: &[u8]) {
        self.word(len_word).store(bytes.len() as u32, Ordering::Relaxed);
        for i in 0..words {
            let mut chunk = [0u8; 4];
            for (j, byte) in chunk.iter_mut().enumerate() {
                *byte = bytes.get(4 * i + j).copied().unwrap_or(0);
            }
            self.word(len_word + 1 + i)
                .store(u32::from_le_bytes(chunk), Ordering::Relaxed);
        }
    }

    /// Reads the bytes stored by `write_bytes` into `buffer`; a corrupted
    /// length is clamped to the buffer.
    fn read_bytes<'b>(&self, len_word: usize, words: usize, buffer: &'b mut [u8]) -> &'b [u8] {
        for i in 0..words {
            let bytes = self.word(len_word + 1 + i).load(Ordering::Relaxed).to_le_bytes();
            buffer[4 * i..4 * i + 4].copy_from_slice(&bytes);
        }
        let len = (self.word(len_word).load(Ordering::Relaxed) as usize).min(buffer.len());
        &buffer[..len]
    }

    fn store_descriptor(&self, first_word: usize, descriptor: &TypeDescriptor) {
        let bytes = descriptor.to_bytes();
        for (i, chunk) in bytes.chunks_exact(4).enumerate() {
            let word = u32::from_le_bytes([chunk[0], chunk[1], chunk[2], chunk[3]]);
            self.word(first_word + i).store(word, Ordering::Relaxed);
        }
    }

    fn load_descriptor(&self, first_word: usize) -> Result<TypeDescriptor, ServiceOpenError> {
        let mut bytes = [0u8; TypeDescriptor::ENCODED_LEN];
        for (i, chunk) in bytes.chunks_exact_mut(4).enumerate() {
            chunk.copy_from_slice(&self.word(first_word + i).load(Ordering::Relaxed).to_le_bytes());
        }
        TypeDescriptor::from_bytes(&bytes).ok_or(ServiceOpenError::CorruptedTypeDescriptor)
    }
}

/// The layout hash: everything two processes must agree on for the bytes
/// to mean the same to both.
pub fn layout_hash<R: iox2_platform::Rmw, S: Settings>(
    settings: &S,
    payload: &TypeDescriptor,
    user_header: &TypeDescriptor,
    len: usize,
) -> u32 {
    let mut hash = crate::payload::Fnv1a32::new()
        .write_u32(ABI_VERSION)
        .write_u32(crate::sync::CACHE_LINE as u32)
        .write_u32(HEADER_WORDS as u32)
        .write_u32(S::PATTERN.to_raw())
        .write_u32(len as u32)
        .write_u32(payload.fingerprint())
        .write_u32(user_header.fingerprint())
        .write(R::NAME.as_bytes());
    for word in settings.to_words() {
        hash = hash.write_u32(word);
    }
    hash.finish()
}
