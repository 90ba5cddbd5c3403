// usize is 4 bytes in a 32-bit process and 8 in a 64-bit one.
use iox2_core::payload::ZeroCopySend;

#[derive(ZeroCopySend)]
#[repr(C)]
struct Sizes {
    len: usize,
    offsets: [isize; 4],
}

fn main() {}
