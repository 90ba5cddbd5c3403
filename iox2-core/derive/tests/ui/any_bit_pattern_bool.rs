// A bool is 0 or 1; a peer that writes 2 would make it undefined behaviour.
use iox2_core::payload::{AnyBitPattern, ZeroCopySend};

#[derive(ZeroCopySend, AnyBitPattern)]
#[repr(C)]
struct Flags {
    enabled: bool,
    value: [u8; 3],
}

fn main() {}
