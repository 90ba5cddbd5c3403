// An address means nothing in another process.
use iox2_core::payload::ZeroCopySend;

#[derive(ZeroCopySend)]
#[repr(C)]
struct Node {
    value: u32,
    next: *const Node,
}

fn main() {}
