//! A pool's data segment: its chunks and the bookkeeping only the owner
//! writes (free list, reference counts, in-flight bits, history). Receivers
//! map it read-only and read chunk headers and payloads. A publisher owns
//! one; so do a request-response client (its requests) and server (its
//! responses).
//!
//! Chunk header words: payload length (bytes), a 64-bit tag (low, high:
//! a publisher's sequence number; a request's slot and generation), the
//! owner's generation, and — only in pools laid out with send times — the
//! send time (low, high; platform clock nanoseconds, 0 when not stamped).

use super::layout::{CHUNK_HEADER, DATA_HEADER_WORDS, DataLayout};
use crate::bitset::AtomicBitsetView;
use crate::free_list::FreeListView;
use crate::segment::Segment;
use crate::sync::{AtomicU32, Ordering};
use core::fmt;
use core::marker::PhantomData;
use core::ptr::NonNull;
use iox2_platform::rmw::Rmw;

/// `b"IOXD"` read as a little-endian word.
const DATA_MAGIC: u32 = u32::from_le_bytes(*b"IOXD");

/// Why a pool's data segment could not be used.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub enum DataOpenError {
    /// Shorter than its layout.
    TooShort {
        /// Bytes the layout needs.
        required: usize,
        /// Bytes the segment has.
        available: usize,
    },
    /// Header word `word` holds `found`, not `expected`.
    HeaderMismatch {
        /// Index of the header word (0 magic, 1 generation, 2 chunks, 3 stride).
        word: usize,
        /// The value this process computes.
        expected: u32,
        /// The value found.
        found: u32,
    },
}

impl fmt::Display for DataOpenError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::TooShort { required, available } => {
                write!(f, "the data segment has {available} bytes, its layout needs {required}")
            }
            Self::HeaderMismatch { word, expected, found } => {
                write!(
                    f,
                    "data segment header word {word} holds {found:#x}, expected {expected:#x}"
                )
            }
        }
    }
}

impl core::error::Error for DataOpenError {}

/// A chunk's header as read from the segment.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ChunkHeader {
    /// Payload bytes written.
    pub payload_len: u32,
    /// A publisher's sequence number of the sample; a request-response
    /// chunk's request slot and generation (see `reqres`).
    pub sequence: u64,
    /// The generation of the port that owns the pool.
    pub publisher_generation: u32,
    /// When it was sent (platform clock nanoseconds); 0: not stamped.
    pub sent_at_ns: u64,
}

/// A pool's data segment.
#[derive(Debug)]
pub struct Data<'a, R> {
    segment: Segment<'a>,
    layout: DataLayout,
    _rmw: PhantomData<fn() -> R>,
}

// Manual impls: a derive would demand `R: Clone`, but `R` is only a marker.
impl<R> Clone for Data<'_, R> {
    fn clone(&self) -> Self {
        *self
    }
}

impl<R> Copy for Data<'_, R> {}

impl<'a, R: Rmw> Data<'a, R> {
    fn expected_header(layout: &DataLayout, generation: u32) -> [u32; DATA_HEADER_WORDS] {
        [DATA_MAGIC, generation, layout.chunks, layout.stride as u32]
    }

    /// Writes a fresh pool into a zero-filled `segment` (its owner).
    pub fn create(segment: Segment<'a>, layout: DataLayout, generation: u32) -> Result<Self, DataOpenError> {
        if segment.len() < layout.len {
            return Err(DataOpenError::TooShort {
                required: layout.len,
                available: segment.len(),
            });
        }
        segment.init_free_list::<R>(layout.free_list, layout.chunks);
        for (i, value) in Self::expected_header(&layout, generation).into_iter().enumerate() {
            // SYNC: Release: openers that read the header with Acquire see
            // the initialised pool.
            segment.word(4 * i).store(value, Ordering::Release);
        }
        Ok(Self {
            segment,
            layout,
            _rmw: PhantomData,
        })
    }

    /// Opens a pool (a receiver), checking its header.
    pub fn open(segment: Segment<'a>, layout: DataLayout, generation: u32) -> Result<Self, DataOpenError> {
        if segment.len() < layout.len {
            return Err(DataOpenError::TooShort {
                required: layout.len,
                available: segment.len(),
            });
        }
        for (word, expected) in Self::expected_header(&layout, generation).into_iter().enumerate() {
            let found = segment.word(4 * word).load(Ordering::Acquire);
            if found != expected {
                return Err(DataOpenError::HeaderMismatch { word, expected, found });
            }
        }
        Ok(Self {
            segment,
            layout,
            _rmw: PhantomData,
        })
    }

    /// The segment the pool lives in.
    pub fn clone_segment(&self) -> Segment<'a> {
        self.segment
    }

    /// The layout.
    pub fn layout(&self) -> &DataLayout {
        &self.layout
    }

    /// The free list (publisher only).
    pub(crate) fn free_list(&self) -> &'a FreeListView<R> {
        match self.segment.free_list::<R>(self.layout.free_list, self.layout.chunks) {
            Ok(list) => list,
            // Only the publisher uses the list, and it placed it itself.
            Err(e) => panic!("the publisher's own free list is damaged: {e}"),
        }
    }

    /// The reference count of chunk `chunk` (publisher only).
    pub(crate) fn refcount(&self, chunk: u32) -> &'a AtomicU32 {
        self.segment.word(self.layout.refcounts + 4 * chunk as usize)
    }

    /// The in-flight bits of connection to subscriber slot `subscriber`.
    pub(crate) fn in_flight(&self, subscriber: u32) -> &'a AtomicBitsetView {
        self.segment.bitset(
            self.layout.in_flight + subscriber as usize * self.layout.in_flight_row,
            self.layout.chunks,
        )
    }

    /// The history ring's `head`, `len` and entry `k` words.
    pub(crate) fn history_word(&self, word: usize) -> &'a AtomicU32 {
        self.segment.word(self.layout.history + 4 * word)
    }

    fn chunk_word(&self, chunk: u32, word: usize) -> &'a AtomicU32 {
        self.segment
            .word(self.layout.chunk_base + chunk as usize * self.layout.stride + 4 * word)
    }

    /// Writes chunk `chunk`'s header (publisher, before sending).
    pub(crate) fn write_header(&self, chunk: u32, header: &ChunkHeader) {
        self.chunk_word(chunk, 0).store(header.payload_len, Ordering::Relaxed);
        self.chunk_word(chunk, 1)
            .store(header.sequence as u32, Ordering::Relaxed);
        self.chunk_word(chunk, 2)
            .store((header.sequence >> 32) as u32, Ordering::Relaxed);
        self.chunk_word(chunk, 3)
            .store(header.publisher_generation, Ordering::Relaxed);
        if self.layout.send_times {
            self.chunk_word(chunk, 4)
                .store(header.sent_at_ns as u32, Ordering::Relaxed);
            self.chunk_word(chunk, 5)
                .store((header.sent_at_ns >> 32) as u32, Ordering::Relaxed);
        }
    }

    /// Reads chunk `chunk`'s header; `None` for an index beyond the pool.
    pub fn header(&self, chunk: u32) -> Option<ChunkHeader> {
        if chunk >= self.layout.chunks {
            return None;
        }
        Some(ChunkHeader {
            payload_len: self.chunk_word(chunk, 0).load(Ordering::Relaxed),
            sequence: u64::from(self.chunk_word(chunk, 1).load(Ordering::Relaxed))
                | (u64::from(self.chunk_word(chunk, 2).load(Ordering::Relaxed)) << 32),
            publisher_generation: self.chunk_word(chunk, 3).load(Ordering::Relaxed),
            sent_at_ns: if self.layout.send_times {
                u64::from(self.chunk_word(chunk, 4).load(Ordering::Relaxed))
                    | (u64::from(self.chunk_word(chunk, 5).load(Ordering::Relaxed)) << 32)
            } else {
                0
            },
        })
    }

    /// The first byte of chunk `chunk`'s user header; `None` beyond the pool.
    pub fn user_header(&self, chunk: u32) -> Option<NonNull<u8>> {
        self.chunk_at(
            chunk,
            self.layout.user_header,
            self.layout.payload - self.layout.user_header,
        )
    }

    /// The first byte of chunk `chunk`'s payload; `None` beyond the pool.
    pub fn payload(&self, chunk: u32) -> Option<NonNull<u8>> {
        let room = self.layout.stride - self.layout.payload;
        self.chunk_at(chunk, self.layout.payload, room)
    }

    fn chunk_at(&self, chunk: u32, offset: usize, size: usize) -> Option<NonNull<u8>> {
        (chunk < self.layout.chunks).then(|| {
            self.segment.at(
                self.layout.chunk_base + chunk as usize * self.layout.stride + offset,
                size,
            )
        })
    }
}

const _: () = assert!(CHUNK_HEADER == 16 && super::layout::SEND_TIME == 8);
