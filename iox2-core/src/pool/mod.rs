//! Chunk pools: a data segment of chunks that one port owns (a publisher,
//! a request-response client or server) and other ports read, with the
//! owner's bookkeeping — who holds which chunk, and when it is free again
//! (INV-REFCOUNT).

mod data;
mod layout;
mod owner;

pub use data::{ChunkHeader, Data, DataOpenError};
pub use layout::{CHUNK_HEADER, ChunkContent, DataLayout, PoolShape, SEND_TIME, pool_layout};
pub use owner::PoolOwner;
