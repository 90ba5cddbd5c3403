//! The sample every pub-sub firmware test sends: a sequence number, a
//! stream id and words derived from both, so that a lost, repeated,
//! reordered or torn sample is caught (`#[path]`-included by the boards).

use iox2_core::payload::ZeroCopySend;

/// 16 bytes: sequence, stream, and two check words.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ZeroCopySend)]
#[repr(C)]
pub struct Tick {
    /// 0, 1, 2, ... per stream.
    pub sequence: u32,
    /// Which sender (core or interrupt) made it.
    pub stream: u32,
    /// A hash of `sequence` and `stream`.
    pub checksum: u32,
    /// `!sequence`: a torn write shows in either check.
    pub inverse: u32,
}

impl Tick {
    /// Sample `sequence` of `stream`.
    pub fn new(stream: u32, sequence: u32) -> Self {
        Self {
            sequence,
            stream,
            checksum: checksum(stream, sequence),
            inverse: !sequence,
        }
    }

    /// Whether every word agrees with the sequence number and stream.
    pub fn is_intact(&self) -> bool {
        self.checksum == checksum(self.stream, self.sequence) && self.inverse == !self.sequence
    }
}

fn checksum(stream: u32, sequence: u32) -> u32 {
    (sequence ^ stream.rotate_left(16))
        .wrapping_mul(0x9E37_79B9)
        .rotate_left(13)
        ^ 0x5A5A_A5A5
}
