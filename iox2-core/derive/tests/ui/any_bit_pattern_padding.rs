// Padding bytes are not a valid bit pattern of anything.
use iox2_core::payload::{AnyBitPattern, ZeroCopySend};

#[derive(ZeroCopySend, AnyBitPattern)]
#[repr(C)]
struct Padded {
    tag: u8,
    value: u32,
}

fn main() {}
