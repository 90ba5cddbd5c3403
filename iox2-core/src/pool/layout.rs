//! Where everything of a pool's data segment lives, computed by a
//! `const fn` from its shape (chunks, receivers, history) and the size and
//! alignment of what a chunk carries:
//! ```text
//! data header  { magic, generation, chunks, stride }
//! free list    (chunk indices, FIFO)
//! refcounts    [chunks]           owner-written
//! in-flight    [receivers]        bitset rows over the chunks, owner-written
//! history      [history] ring + { head, len }
//! chunks       [chunks] x stride  { chunk header, user header, payload }
//! ```

use crate::bitset::words_for;
use crate::free_list::FreeListView;
use crate::place::{max, round_up};
use crate::service::QosError;
use crate::sync::CACHE_LINE;
use iox2_platform::rmw::Rmw;

/// Bytes of the chunk header: payload length, tag (2 words), owner generation.
pub const CHUNK_HEADER: usize = 16;
/// Bytes a pool with send times adds to the chunk header (2 words).
pub const SEND_TIME: usize = 8;
/// Chunk strides that are a multiple of this get one more cache line
/// (PERFORMANCE.md: otherwise all chunk headers fall into one L1 set).
const COLOUR_PERIOD: usize = 4096;

/// The size and alignment of what a chunk carries.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ChunkContent {
    /// Bytes of the payload (for a slice payload: element size times the
    /// maximum length).
    pub payload_size: usize,
    /// Alignment of the payload.
    pub payload_align: usize,
    /// Bytes of the user header (0 for none).
    pub header_size: usize,
    /// Alignment of the user header (1 for none).
    pub header_align: usize,
}

/// How many chunks a pool has, how many ports receive from it, and how
/// many chunks it keeps for late joiners.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PoolShape {
    /// Chunks in the pool.
    pub chunks: u32,
    /// Ports that receive chunks (one in-flight row each).
    pub receivers: u32,
    /// Entries of the history ring (0: none).
    pub history: u32,
    /// Whether chunk headers carry a send time (see [`SEND_TIME`]).
    pub send_times: bool,
}

/// Offsets in a pool's data segment.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DataLayout {
    /// Chunks in the pool.
    pub chunks: u32,
    /// Offset of the free list.
    pub free_list: usize,
    /// Offset of the reference counts.
    pub refcounts: usize,
    /// Offset of the in-flight bitsets.
    pub in_flight: usize,
    /// Bytes of one receiver's in-flight bitset.
    pub in_flight_row: usize,
    /// Offset of the history ring's `head` and `len` words, then its entries.
    pub history: usize,
    /// Offset of the first chunk.
    pub chunk_base: usize,
    /// Bytes from one chunk to the next.
    pub stride: usize,
    /// Offset of the user header inside a chunk.
    pub user_header: usize,
    /// Offset of the payload inside a chunk.
    pub payload: usize,
    /// Whether chunk headers carry a send time.
    pub send_times: bool,
    /// Total bytes.
    pub len: usize,
}

/// A pool's layout for `shape` and chunk content `content`; `what` names
/// the pool in errors (e.g. "the chunk count per publisher").
pub const fn pool_layout<R: Rmw>(
    shape: &PoolShape,
    content: &ChunkContent,
    what: &'static str,
) -> Result<DataLayout, QosError> {
    if !content.payload_align.is_power_of_two() || !content.header_align.is_power_of_two() {
        return Err(QosError::TooLarge("a payload alignment that is not a power of two"));
    }
    let chunks = shape.chunks;
    let free_list_layout = match FreeListView::<R>::layout(chunks) {
        Ok(layout) => layout,
        Err(_) => return Err(QosError::TooLarge(what)),
    };
    let free_list = round_up(DATA_HEADER_WORDS * 4, free_list_layout.align());
    let refcounts = round_up(free_list + free_list_layout.size(), CACHE_LINE);
    let in_flight = round_up(refcounts + chunks as usize * 4, CACHE_LINE);
    let in_flight_row = words_for(chunks) * 4;
    let history = round_up(in_flight + shape.receivers as usize * in_flight_row, CACHE_LINE);
    let history_end = history + (2 + shape.history as usize) * 4;
    let header_len = if shape.send_times {
        CHUNK_HEADER + SEND_TIME
    } else {
        CHUNK_HEADER
    };
    let user_header = round_up(header_len, content.header_align);
    let payload = round_up(user_header + content.header_size, content.payload_align);
    let chunk_align = max(CACHE_LINE, max(content.payload_align, content.header_align));
    let mut stride = round_up(payload + content.payload_size, chunk_align);
    if stride.is_multiple_of(COLOUR_PERIOD) {
        stride += chunk_align;
    }
    let chunk_base = round_up(history_end, chunk_align);
    let len = match (chunks as usize).checked_mul(stride) {
        Some(bytes) => match chunk_base.checked_add(bytes) {
            Some(len) => len,
            None => return Err(QosError::TooLarge("the data segment")),
        },
        None => return Err(QosError::TooLarge("the data segment")),
    };
    Ok(DataLayout {
        chunks,
        free_list,
        refcounts,
        in_flight,
        in_flight_row,
        history,
        chunk_base,
        stride,
        user_header,
        payload,
        send_times: shape.send_times,
        len,
    })
}

/// Words of the data segment's header: magic, generation, chunks, stride.
pub(crate) const DATA_HEADER_WORDS: usize = 4;
